//! Deterministic synthetic offers and queries for the search benchmark: French titles from the
//! ROME 4.0 labels (masculine or feminine form), descriptions assembled from a few hundred
//! words, communes drawn in proportion to their population, the six query kinds of the
//! benchmark README.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{OfferDoc, department_of};

const COMMUNES_CSV: &str = include_str!("../../data/reference/communes.csv");
const ROME_CSV: &str = include_str!("../../data/reference/rome.csv");
const NAF_ROME_CSV: &str = include_str!("../../data/reference/naf_division_rome.csv");

/// A commune of the embedded referential.
#[derive(Debug, Clone)]
pub struct Commune {
    pub insee: &'static str,
    pub name: &'static str,
    pub department: &'static str,
    pub population: u64,
    pub position: Option<(f64, f64)>,
    /// `geo_precision` other than `commune`.
    pub approximate: bool,
}

#[derive(Debug, Clone)]
pub struct Rome {
    pub code: &'static str,
    pub label: &'static str,
}

/// The embedded referentials the generator and the benchmark need.
pub struct Reference {
    pub communes: Vec<Commune>,
    by_insee: HashMap<&'static str, usize>,
    /// Communes with a position, cumulative population (for weighted draws).
    located: Vec<usize>,
    located_cumulative: Vec<u64>,
    pub romes: Vec<Rome>,
    rome_cumulative: Vec<u64>,
    naf_by_rome: HashMap<&'static str, Vec<&'static str>>,
}

/// The referentials, parsed once.
pub fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(Reference::parse)
}

/// Rows of a `;`-separated embedded file, header skipped. The embedded files have no quoted
/// fields.
fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(';').collect())
}

impl Reference {
    fn parse() -> Self {
        let mut communes = Vec::new();
        for r in rows(COMMUNES_CSV) {
            if r.len() < 9 {
                continue;
            }
            let position = match (r[6].parse::<f64>(), r[7].parse::<f64>()) {
                (Ok(lat), Ok(lon)) => Some((lat, lon)),
                _ => None,
            };
            communes.push(Commune {
                insee: r[0],
                name: r[1],
                department: r[2],
                population: r[5].parse().unwrap_or(0),
                position,
                approximate: r[8] != "commune",
            });
        }
        let by_insee = communes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.insee, i))
            .collect();
        let mut located = Vec::new();
        let mut located_cumulative = Vec::new();
        let mut acc = 0u64;
        for (i, c) in communes.iter().enumerate() {
            if c.position.is_some() {
                acc += c.population.max(1);
                located.push(i);
                located_cumulative.push(acc);
            }
        }
        let romes: Vec<Rome> = rows(ROME_CSV)
            .filter(|r| r.len() >= 2)
            .map(|r| Rome {
                code: r[0],
                label: r[1],
            })
            .collect();
        // Trades people often look for are offered more often.
        let popular: Vec<String> = QUERY_WORDS
            .iter()
            .map(|w| {
                let f = crate::types::fold(w);
                f.chars()
                    .take(f.chars().count().saturating_sub(2).max(4))
                    .collect()
            })
            .collect();
        let mut rome_cumulative = Vec::with_capacity(romes.len());
        let mut acc = 0u64;
        for rome in &romes {
            let label = crate::types::fold(rome.label);
            acc += if popular.iter().any(|p| label.contains(p.as_str())) {
                8
            } else {
                1
            };
            rome_cumulative.push(acc);
        }
        let mut naf_by_rome: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for r in rows(NAF_ROME_CSV) {
            if r.len() >= 2 {
                naf_by_rome.entry(r[1]).or_default().push(r[0]);
            }
        }
        Self {
            communes,
            by_insee,
            located,
            located_cumulative,
            romes,
            rome_cumulative,
            naf_by_rome,
        }
    }

    pub fn commune(&self, insee: &str) -> Option<&Commune> {
        self.by_insee.get(insee).map(|&i| &self.communes[i])
    }

    /// A commune with a position, drawn in proportion to its population.
    pub fn draw_commune(&self, rng: &mut impl Rng) -> &Commune {
        let total = *self.located_cumulative.last().expect("communes");
        let x = rng.random_range(0..total);
        let i = self.located_cumulative.partition_point(|&c| c <= x);
        &self.communes[self.located[i]]
    }

    /// A ROME code, the trades people look for most being more frequent.
    pub fn draw_rome(&self, rng: &mut impl Rng) -> &Rome {
        let total = *self.rome_cumulative.last().expect("ROME codes");
        let x = rng.random_range(0..total);
        &self.romes[self.rome_cumulative.partition_point(|&c| c <= x)]
    }
}

/// Words of the text queries (the trades of the benchmark sample and a few more).
pub const QUERY_WORDS: &[&str] = &[
    "cuisinier",
    "comptable",
    "boulanger",
    "maçon",
    "électricien",
    "pâtissier",
    "aide-soignant",
    "serveur",
    "vendeur",
    "développeur",
    "logistique",
    "plombier",
    "menuisier",
    "commercial",
    "coiffure",
    "mécanicien",
    "infirmier",
    "boucher",
    "charpentier",
    "jardinier",
    "peintre",
    "soudeur",
    "chauffeur",
    "cariste",
    "assistant",
    "technicien",
    "maintenance",
    "hôtellerie",
    "informatique",
    "esthéticienne",
];

const ADJECTIVES: &[&str] = &[
    "motivé",
    "curieux",
    "rigoureux",
    "autonome",
    "polyvalent",
    "souriant",
    "dynamique",
    "organisé",
    "créatif",
    "ponctuel",
    "méticuleux",
    "enthousiaste",
    "sérieux",
    "réactif",
    "patient",
];

const MISSIONS: &[&str] = &[
    "préparation des commandes",
    "mise en rayon",
    "accueil de la clientèle",
    "conseil et vente",
    "encaissement",
    "gestion des stocks",
    "suivi des stocks",
    "participation aux inventaires",
    "préparation culinaire",
    "service en salle",
    "entretien du matériel",
    "maintenance préventive",
    "dépannage et diagnostic",
    "installation chez les clients",
    "pose de menuiseries",
    "travaux de maçonnerie",
    "raccordements électriques",
    "réalisation des devis",
    "saisie comptable",
    "rapprochements bancaires",
    "gestion administrative",
    "tenue de l'agenda",
    "rédaction de comptes rendus",
    "développement d'applications web",
    "tests et recette",
    "support informatique aux utilisateurs",
    "animation commerciale",
    "prospection téléphonique",
    "soins et hygiène",
    "aide aux repas",
    "accompagnement des résidents",
    "fabrication des produits",
    "contrôle qualité",
    "conduite d'engins",
    "chargement et déchargement",
    "livraisons de proximité",
    "taille et entretien des espaces verts",
    "coupe, coloration et brushing",
    "préparation des véhicules",
    "réception des marchandises",
    "étiquetage et emballage",
    "réglage des machines",
    "nettoyage du poste de travail",
    "respect des règles d'hygiène et de sécurité",
];

const SCHOOLS: &[&str] = &[
    "le CFA de la Chambre de métiers",
    "le CFA de la CCI",
    "le lycée professionnel",
    "l'IUT",
    "l'école d'ingénieurs",
    "le CFA du bâtiment",
    "l'université",
    "le CFA de l'hôtellerie et de la restauration",
    "le GRETA",
    "l'école de commerce",
];

const COMPANY_KINDS: &[&str] = &[
    "Atelier",
    "Maison",
    "Cabinet",
    "Coiffure",
    "Boulangerie",
    "Pâtisserie",
    "Restaurant",
    "Hôtel",
    "Garage",
    "Transports",
    "Menuiserie",
    "Plomberie",
    "Électricité",
    "Informatique",
    "Logistique",
    "Bâtiment",
    "Pharmacie",
    "Boucherie",
    "Jardins",
    "Clinique",
    "Résidence",
    "Conseil",
    "Studio",
    "Ferme",
    "Imprimerie",
];

const SURNAMES: &[&str] = &[
    "Le Gall",
    "Le Bihan",
    "Morvan",
    "Kerbrat",
    "Guivarch",
    "Quéméneur",
    "Tanguy",
    "Le Goff",
    "Lefèvre",
    "Durand",
    "Moreau",
    "Martin",
    "Bernard",
    "Petit",
    "Roux",
    "Fournier",
    "Girard",
    "Bonnet",
    "Mercier",
    "Lambert",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Chevalier",
    "François",
    "Légaré",
    "Nguyen",
    "Da Silva",
    "Benali",
    "Perrin",
    "Gauthier",
    "Barbier",
    "Brun",
    "Caron",
    "Dumas",
    "Joly",
    "Hervé",
];

const TEMPLATES: usize = 3;

/// One generated offer, with what the CSV format has beyond [`OfferDoc`].
#[derive(Debug, Clone)]
pub struct GeneratedOffer {
    pub doc: OfferDoc,
    pub siret: String,
}

/// Generates `count` offers from `seed`, one at a time (nothing kept in memory).
pub struct OfferGenerator {
    rng: StdRng,
    seed: u64,
    next: usize,
    count: usize,
    reference: &'static Reference,
}

impl OfferGenerator {
    pub fn new(seed: u64, count: usize) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed ^ 0x6f66_6672_6573),
            seed,
            next: 0,
            count,
            reference: reference(),
        }
    }
}

/// Masculine and feminine forms of a ROME label such as
/// `Commercial itinérant / Commerciale itinérante en entreprise de commerce de gros`.
pub fn gendered_titles(label: &str) -> (String, String) {
    match label.split_once(" / ") {
        None => (label.to_owned(), label.to_owned()),
        Some((masculine, rest)) => {
            let n = masculine.split_whitespace().count();
            let words: Vec<&str> = rest.split_whitespace().collect();
            let n = n.min(words.len());
            let feminine = words[..n].join(" ");
            let tail = words[n..].join(" ");
            if tail.is_empty() {
                (masculine.to_owned(), feminine)
            } else {
                (format!("{masculine} {tail}"), format!("{feminine} {tail}"))
            }
        }
    }
}

fn pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A 14-digit SIRET whose Luhn checksum is valid.
fn siret(rng: &mut impl Rng) -> String {
    let mut digits: Vec<u8> = (0..13).map(|_| rng.random_range(0..10)).collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    digits.push(((10 - sum % 10) % 10) as u8);
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Iterator for OfferGenerator {
    type Item = GeneratedOffer;

    fn next(&mut self) -> Option<GeneratedOffer> {
        if self.next >= self.count {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let r = self.reference;
        let rng = &mut self.rng;
        let rome = r.draw_rome(rng);
        let (masculine, feminine) = gendered_titles(rome.label);
        let job = if rng.random_bool(0.5) {
            masculine
        } else {
            feminine
        };
        let apprenticeship = rng.random_bool(0.77);
        let title = format!(
            "{job} {}",
            if apprenticeship {
                "en apprentissage"
            } else {
                "en contrat de professionnalisation"
            }
        );
        let commune = r.draw_commune(rng);
        let company = format!("{} {}", pick(rng, COMPANY_KINDS), pick(rng, SURNAMES));
        let mut missions: [&str; 3] = [*pick(rng, MISSIONS), "", ""];
        for slot in 1..3 {
            loop {
                let m = *pick(rng, MISSIONS);
                if !missions[..slot].contains(&m) {
                    missions[slot] = m;
                    break;
                }
            }
        }
        let job_lower = lowercase_first(&job);
        let adjective = pick(rng, ADJECTIVES);
        let school = pick(rng, SCHOOLS);
        let description = match rng.random_range(0..TEMPLATES) {
            0 => format!(
                "{company} recrute un(e) {job_lower} {adjective} à {}. Missions : {}, {}, {}. \
                 Formation en alternance avec {school}.",
                commune.name, missions[0], missions[1], missions[2]
            ),
            1 => format!(
                "Rejoignez {company} à {} comme {job_lower} en alternance. Au quotidien : {}, \
                 {} et {}. Profil : {adjective}, envie d'apprendre. École : {school}.",
                commune.name, missions[0], missions[1], missions[2]
            ),
            _ => format!(
                "Poste de {job_lower} basé à {} ({}). Vous participerez à : {} ; {} ; {}. \
                 Nous cherchons une personne {adjective}. Rythme d'alternance défini avec \
                 {school}.",
                commune.name, commune.department, missions[0], missions[1], missions[2]
            ),
        };
        let naf_division = r
            .naf_by_rome
            .get(rome.code)
            .map(|nafs| (*pick(rng, nafs)).to_owned());
        let level = match rng.random_range(0..100) {
            0..31 => 3,
            31..55 => 4,
            55..76 => 5,
            76..90 => 6,
            90..99 => 7,
            _ => 8,
        };
        let start_date = NaiveDate::from_ymd_opt(2026, 10, 1).expect("date")
            + Duration::days(rng.random_range(0..330));
        let published_at: NaiveDateTime = NaiveDate::from_ymd_opt(2026, 7, 1)
            .expect("date")
            .and_hms_opt(0, 0, 0)
            .expect("time")
            + Duration::seconds(rng.random_range(0..123 * 86_400));
        let positions = match rng.random_range(0..100) {
            0..62 => 1,
            62..80 => 2,
            _ => 3,
        };
        let siret = siret(rng);
        let (lat, lon) = commune.position.expect("located commune");
        Some(GeneratedOffer {
            doc: OfferDoc {
                id: format!("OFF-{}-{i:07}", self.seed),
                title,
                description,
                company_name: company,
                rome_code: rome.code.to_owned(),
                naf_division,
                contract_type: if apprenticeship {
                    "apprentissage"
                } else {
                    "professionnalisation"
                }
                .to_owned(),
                level,
                commune_insee: commune.insee.to_owned(),
                department: department_of(commune.insee).to_owned(),
                lat: Some(lat),
                lon: Some(lon),
                approximate_position: commune.approximate,
                start_date,
                published_at,
                positions,
            },
            siret,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.count - self.next;
        (left, Some(left))
    }
}

/// One line of the queries JSONL of the benchmark README.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BenchQuery {
    pub id: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rome: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_km: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_after: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

/// The six kinds, in the order the sample cycles through them.
pub const KINDS: [&str; 6] = [
    "text_radius",
    "rome_radius",
    "rome_department",
    "text_national",
    "filters",
    "nearest",
];

/// `count` queries from `seed`, the six kinds in turn (as in the sample).
pub fn queries(seed: u64, count: usize) -> Vec<BenchQuery> {
    let r = reference();
    let mut rng = StdRng::seed_from_u64(seed ^ 0x0071_7565_7269_6573);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let kind = KINDS[i % KINDS.len()];
        let mut q = BenchQuery {
            id: format!("Q{i:05}"),
            kind: kind.to_owned(),
            limit: Some(20),
            ..Default::default()
        };
        let rng = &mut rng;
        match kind {
            "text_radius" => {
                q.q = Some((*pick(rng, QUERY_WORDS)).to_owned());
                q.commune = Some(r.draw_commune(rng).insee.to_owned());
                q.radius_km = Some(f64::from(*pick(rng, &[10u32, 20, 30, 50])));
                q.sort = Some("relevance".into());
            }
            "rome_radius" => {
                q.rome = Some(vec![r.draw_rome(rng).code.to_owned()]);
                q.commune = Some(r.draw_commune(rng).insee.to_owned());
                q.radius_km = Some(f64::from(*pick(rng, &[10u32, 30, 50])));
                q.sort = Some("distance".into());
            }
            "rome_department" => {
                let n = rng.random_range(1..=3);
                q.rome = Some((0..n).map(|_| r.draw_rome(rng).code.to_owned()).collect());
                q.department = Some(department_of(r.draw_commune(rng).insee).to_owned());
                q.sort = Some("date".into());
            }
            "text_national" => {
                let first = *pick(rng, QUERY_WORDS);
                q.q = Some(if rng.random_bool(0.5) {
                    let second = *pick(rng, QUERY_WORDS);
                    format!("{first} {second}")
                } else {
                    first.to_owned()
                });
                q.sort = Some("relevance".into());
            }
            "filters" => {
                q.department = Some(department_of(r.draw_commune(rng).insee).to_owned());
                q.contract_type = Some(
                    if rng.random_bool(0.5) {
                        "apprentissage"
                    } else {
                        "professionnalisation"
                    }
                    .into(),
                );
                q.level = Some(rng.random_range(3..=7));
                q.start_after = NaiveDate::from_ymd_opt(2027, 1, 1);
                q.sort = Some("date".into());
            }
            _ => {
                q.commune = Some(r.draw_commune(rng).insee.to_owned());
                q.radius_km = Some(100.0);
                q.sort = Some("distance".into());
            }
        }
        out.push(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_have_both_genders() {
        assert_eq!(
            gendered_titles("Commercial itinérant / Commerciale itinérante en entreprise"),
            (
                "Commercial itinérant en entreprise".to_owned(),
                "Commerciale itinérante en entreprise".to_owned()
            )
        );
        assert_eq!(
            gendered_titles("Boulanger / Boulangère"),
            ("Boulanger".to_owned(), "Boulangère".to_owned())
        );
        assert_eq!(
            gendered_titles("Taxidermiste"),
            ("Taxidermiste".to_owned(), "Taxidermiste".to_owned())
        );
    }

    #[test]
    fn generation_is_deterministic_and_plausible() {
        let a: Vec<_> = OfferGenerator::new(42, 200).map(|o| o.doc).collect();
        let b: Vec<_> = OfferGenerator::new(42, 200).map(|o| o.doc).collect();
        assert_eq!(a, b);
        let c: Vec<_> = OfferGenerator::new(43, 200).map(|o| o.doc).collect();
        assert_ne!(a, c);
        for o in &a {
            assert!((3..=8).contains(&o.level));
            assert!(o.lat.is_some() && o.lon.is_some());
            assert!(o.commune_insee.starts_with(&o.department));
            assert_eq!(
                o.title.ends_with("en apprentissage"),
                o.contract_type == "apprentissage"
            );
        }
        for o in OfferGenerator::new(1, 50) {
            let s = o.siret;
            assert_eq!(s.len(), 14);
            let sum: u32 = s
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, b)| {
                    let d = u32::from(b - b'0');
                    if i % 2 == 1 {
                        let dd = d * 2;
                        if dd > 9 { dd - 9 } else { dd }
                    } else {
                        d
                    }
                })
                .sum();
            assert_eq!(sum % 10, 0, "{s}");
        }
    }

    #[test]
    fn queries_cover_the_six_kinds() {
        let qs = queries(42, 60);
        assert_eq!(qs, queries(42, 60));
        for kind in KINDS {
            assert_eq!(qs.iter().filter(|q| q.kind == kind).count(), 10);
        }
        for q in &qs {
            if let Some(c) = &q.commune {
                assert!(reference().commune(c).unwrap().position.is_some());
            }
        }
    }
}
