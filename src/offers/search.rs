//! Offer search for people (`/offres`) and software (`/api/v1/offers/search`): one way to
//! turn what was asked into an index query, and index hits back into offers from the database.

use serde::{Deserialize, Serialize};

use super::routes::{OfferView, views_by_id};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::referential::store::resolve_commune;
use crate::search::{Facets, OfferQuery, SearchResult, Sort};

/// What was asked, whatever the channel.
#[derive(Clone, Debug, Default)]
pub struct Asked {
    pub q: String,
    pub rome: Vec<String>,
    pub naf: String,
    pub commune: String,
    pub radius_km: String,
    pub department: String,
    pub contract_type: String,
    pub level: String,
    pub start_after: String,
    pub sort: String,
    pub page: usize,
    pub per_page: usize,
}

/// The centre of a radius search, as shown to people.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Centre {
    pub insee_code: String,
    pub name: String,
    /// The commune's own coordinates are not known: a nearby position is used.
    pub approximate: bool,
}

/// An index query and the centre of its radius, if any.
pub type Built = (OfferQuery, Option<Centre>);

/// Builds the index query, or lists what is wrong (in French).
pub fn build(conn: &mut DbConnection, asked: &Asked) -> AppResult<Result<Built, Vec<String>>> {
    let mut errors = Vec::new();
    let mut query = OfferQuery {
        limit: asked.per_page,
        offset: (asked.page.max(1) - 1) * asked.per_page,
        ..OfferQuery::default()
    };
    query.q = Some(asked.q.trim().to_owned()).filter(|q| !q.is_empty());
    for typed in asked
        .rome
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
    {
        match crate::referential::store::occupation_codes(conn, typed)? {
            Some(codes) => query.rome.extend(codes),
            None => errors.push(format!(
                "Aucun métier ne correspond à « {typed} » : essayez d’autres mots."
            )),
        }
    }
    query.naf_division = Some(asked.naf.trim().to_owned()).filter(|n| !n.is_empty());
    query.department = Some(asked.department.trim().to_uppercase()).filter(|d| !d.is_empty());
    query.contract_type = Some(asked.contract_type.trim().to_owned()).filter(|c| !c.is_empty());
    if let Some(c) = &query.contract_type
        && super::ContractType::parse(c).is_none()
    {
        errors.push("Type de contrat inconnu : apprentissage ou professionnalisation.".to_owned());
    }
    query.level = match asked.level.trim() {
        "" => None,
        l => match l.parse::<u8>() {
            Ok(v) if (3..=8).contains(&v) => Some(v),
            _ => {
                errors.push("Le niveau de diplôme va de 3 (CAP) à 8 (doctorat).".to_owned());
                None
            }
        },
    };
    query.start_after = match asked.start_after.trim() {
        "" => None,
        d => crate::web::read_date_fr(
            d,
            "La date de début doit être au format JJ/MM/AAAA.",
            &mut errors,
        ),
    };
    let centre = match centre_and_radius(conn, &asked.commune, &asked.radius_km, &mut errors)? {
        Some(around) => {
            query.center = Some(around.position);
            query.radius_km = Some(around.radius_km);
            Some(around.centre)
        }
        None => None,
    };
    query.sort = match asked.sort.trim() {
        "" | "pertinence" | "relevance" => Sort::Relevance,
        "distance" => Sort::Distance,
        "date" => Sort::Date,
        _ => {
            errors.push("Tri inconnu : pertinence, distance ou date.".to_owned());
            Sort::Relevance
        }
    };
    if query.sort == Sort::Distance && query.center.is_none() && errors.is_empty() {
        errors.push("Pour trier par distance, indiquez une commune.".to_owned());
    }
    Ok(if errors.is_empty() {
        Ok((query, centre))
    } else {
        Err(errors)
    })
}

/// Where a radius search looks: the commune, its position and the radius.
pub struct Around {
    pub centre: Centre,
    pub position: (f64, f64),
    pub radius_km: f64,
}

/// The centre of a radius search (commune name, postal code or INSEE code) and its radius in
/// km (default 30); nothing when no commune is given; what is wrong goes to `errors` (French).
pub fn centre_and_radius(
    conn: &mut DbConnection,
    commune: &str,
    radius_km: &str,
    errors: &mut Vec<String>,
) -> AppResult<Option<Around>> {
    if commune.trim().is_empty() {
        return Ok(None);
    }
    let radius = match radius_km.trim() {
        "" => Some(30.0),
        r => match r.replace(',', ".").parse::<f64>() {
            Ok(v) if v > 0.0 && v <= 1000.0 => Some(v),
            _ => {
                errors.push("Le rayon est un nombre de kilomètres entre 1 et 1 000.".to_owned());
                None
            }
        },
    };
    let found = match resolve_commune(conn, commune)? {
        Ok(c) => match c.lat.zip(c.lon) {
            Some(position) => Some((
                Centre {
                    insee_code: c.insee_code,
                    name: c.name,
                    approximate: c.geo_precision != "commune",
                },
                position,
            )),
            None => {
                errors.push(format!("La position {} n’est pas connue : choisissez une commune voisine ou un département.", crate::web::french::de_place(&c.name)));
                None
            }
        },
        Err(choices) if choices.is_empty() => {
            errors.push("Aucune commune ne correspond : vérifiez l’orthographe ou saisissez le code postal.".to_owned());
            None
        }
        Err(_) => {
            errors.push("Plusieurs communes portent ce nom : ajoutez le code postal, par exemple « Saint-Martin (32300) ».".to_owned());
            None
        }
    };
    Ok(found
        .zip(radius)
        .map(|((centre, position), radius_km)| Around {
            centre,
            position,
            radius_km,
        }))
}

/// One search result: the offer, and its distance when there is a centre.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Found {
    #[serde(flatten)]
    pub view: OfferView,
    pub distance_km: Option<f64>,
}

impl Found {
    pub fn distance(&self) -> String {
        self.distance_km
            .map(|d| {
                if d < 10.0 {
                    format!("{d:.1} km").replace('.', ",")
                } else {
                    format!("{d:.0} km")
                }
            })
            .unwrap_or_default()
    }
}

/// Loads the offers of the hits from the database, in the hits' order.
pub fn load(conn: &mut DbConnection, result: &SearchResult) -> AppResult<Vec<Found>> {
    let ids: Vec<String> = result.hits.iter().map(|h| h.id.clone()).collect();
    let mut views: std::collections::HashMap<String, OfferView> = views_by_id(conn, &ids)?
        .into_iter()
        .map(|v| (v.offer.id.clone(), v))
        .collect();
    Ok(result
        .hits
        .iter()
        .filter_map(|hit| {
            Some(Found {
                view: views.remove(&hit.id)?,
                distance_km: hit.distance_km,
            })
        })
        .collect())
}

/// Facet counts, as the API gives them.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct FacetCounts {
    pub contract_type: Vec<(String, u64)>,
    pub level: Vec<(u8, u64)>,
    pub department: Vec<(String, u64)>,
}

impl From<Facets> for FacetCounts {
    fn from(f: Facets) -> Self {
        Self {
            contract_type: f.contract_type,
            level: f.level,
            department: f.department,
        }
    }
}

/// Query parameters of the public search page (French names, as in the address bar). A saved
/// search keeps them as a query string.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PageSearch {
    pub q: Option<String>,
    pub metier: Option<String>,
    pub commune: Option<String>,
    pub rayon: Option<String>,
    pub departement: Option<String>,
    pub contrat: Option<String>,
    pub niveau: Option<String>,
    pub debut: Option<String>,
    pub tri: Option<String>,
    pub page: Option<usize>,
}

impl PageSearch {
    pub fn parse(query_string: &str) -> Self {
        let mut p = Self::default();
        for (k, v) in url::form_urlencoded::parse(query_string.as_bytes()) {
            let v = Some(v.into_owned());
            match k.as_ref() {
                "q" => p.q = v,
                "metier" => p.metier = v,
                "commune" => p.commune = v,
                "rayon" => p.rayon = v,
                "departement" => p.departement = v,
                "contrat" => p.contrat = v,
                "niveau" => p.niveau = v,
                "debut" => p.debut = v,
                "tri" => p.tri = v,
                _ => {}
            }
        }
        p
    }

    pub fn asked(&self, page: usize, per_page: usize) -> Asked {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        Asked {
            q: s(&self.q),
            rome: vec![s(&self.metier)],
            naf: String::new(),
            commune: s(&self.commune),
            radius_km: s(&self.rayon),
            department: s(&self.departement),
            contract_type: s(&self.contrat),
            level: s(&self.niveau),
            start_after: s(&self.debut),
            sort: s(&self.tri),
            page,
            per_page,
        }
    }

    /// The non-empty criteria as a query string (without `page`).
    pub fn query_string(&self) -> String {
        let pairs = [
            ("q", &self.q),
            ("metier", &self.metier),
            ("commune", &self.commune),
            ("rayon", &self.rayon),
            ("departement", &self.departement),
            ("contrat", &self.contrat),
            ("niveau", &self.niveau),
            ("debut", &self.debut),
            ("tri", &self.tri),
        ];
        crate::web::filters::query_string(
            pairs
                .iter()
                .map(|(k, v)| (*k, v.as_deref().unwrap_or_default())),
        )
    }
}

/// Query parameters of `GET /api/v1/offers/search`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ApiSearch {
    /// Words (French analysis: accents, plural, elision).
    pub q: Option<String>,
    /// ROME codes, comma-separated (any of).
    pub rome: Option<String>,
    /// NAF division (2 digits).
    pub naf: Option<String>,
    /// Centre of a radius search: INSEE code, postal code or commune name.
    pub commune: Option<String>,
    /// Radius in km around `commune` (default 30).
    pub radius_km: Option<String>,
    pub department: Option<String>,
    /// `apprentissage` or `professionnalisation`.
    pub contract_type: Option<String>,
    /// 3 to 8.
    pub level: Option<String>,
    /// `AAAA-MM-JJ` or `JJ/MM/AAAA`: start date on or after.
    pub start_after: Option<String>,
    /// `relevance` (default), `distance` or `date`.
    pub sort: Option<String>,
    /// From 1.
    pub page: Option<usize>,
    /// 1 to 100 (default 20).
    pub per_page: Option<usize>,
}

impl ApiSearch {
    pub fn asked(self) -> Asked {
        Asked {
            q: self.q.unwrap_or_default(),
            rome: self
                .rome
                .unwrap_or_default()
                .split(',')
                .map(str::to_owned)
                .collect(),
            naf: self.naf.unwrap_or_default(),
            commune: self.commune.unwrap_or_default(),
            radius_km: self.radius_km.unwrap_or_default(),
            department: self.department.unwrap_or_default(),
            contract_type: self.contract_type.unwrap_or_default(),
            level: self.level.unwrap_or_default(),
            start_after: self.start_after.unwrap_or_default(),
            sort: self.sort.unwrap_or_default(),
            page: self.page.unwrap_or(1).max(1),
            per_page: self.per_page.unwrap_or(20).clamp(1, 100),
        }
    }
}

/// The answer of `GET /api/v1/offers/search`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = OfferSearchAnswer)]
pub struct SearchAnswer {
    /// Exact number of matching offers.
    pub total: u64,
    pub page: usize,
    pub per_page: usize,
    pub centre: Option<Centre>,
    pub items: Vec<Found>,
    pub facets: FacetCounts,
}
