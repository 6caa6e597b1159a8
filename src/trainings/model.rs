//! The training catalogue's shape, after LHÉO 2.3: a training (`formation`) → its actions
//! (`action`: where, how, who pays) → their sessions (`session`: when, recruitment state).
//!
//! These are plain values: the LHÉO reader fills them, storage keeps them, the LHÉO writer
//! and the pages show them. Identifiers (`numero`) are the publisher's own.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::types::string_enum;

/// A date as LHÉO writes it (`AAAAMMJJ`): a day, a month (`AAAAMM00`), a year (`AAAA0000`),
/// or unknown (`00000000` for a start, `99999999` for an end).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LheoDate {
    Unknown,
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
}

impl LheoDate {
    /// Reads `AAAAMMJJ` with the LHÉO conventions; `None` for anything else (`20170900` is a
    /// month, `20170931` is invalid, `2017-09-01` is invalid).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if text == "00000000" || text == "99999999" {
            return Some(LheoDate::Unknown);
        }
        let year: i32 = text[0..4].parse().ok()?;
        let month: u32 = text[4..6].parse().ok()?;
        let day: u32 = text[6..8].parse().ok()?;
        match (month, day) {
            (0, 0) => Some(LheoDate::Year(year)),
            (1..=12, 0) => Some(LheoDate::Month(year, month)),
            (_, 0) | (0, _) => None,
            _ => NaiveDate::from_ymd_opt(year, month, day).map(LheoDate::Day),
        }
    }

    /// The LHÉO text; `as_end` picks `99999999` for an unknown end.
    pub fn to_lheo(self, as_end: bool) -> String {
        match self {
            LheoDate::Unknown if as_end => "99999999".into(),
            LheoDate::Unknown => "00000000".into(),
            LheoDate::Year(y) => format!("{y:04}0000"),
            LheoDate::Month(y, m) => format!("{y:04}{m:02}00"),
            LheoDate::Day(d) => d.format("%Y%m%d").to_string(),
        }
    }

    /// Earliest day it may be (for sorting and filtering starts).
    pub fn first_day(self) -> Option<NaiveDate> {
        match self {
            LheoDate::Unknown => None,
            LheoDate::Year(y) => NaiveDate::from_ymd_opt(y, 1, 1),
            LheoDate::Month(y, m) => NaiveDate::from_ymd_opt(y, m, 1),
            LheoDate::Day(d) => Some(d),
        }
    }

    /// Latest day it may be (for filtering ends).
    pub fn last_day(self) -> Option<NaiveDate> {
        match self {
            LheoDate::Unknown => None,
            LheoDate::Year(y) => NaiveDate::from_ymd_opt(y, 12, 31),
            LheoDate::Month(y, m) => {
                let next = if m == 12 {
                    NaiveDate::from_ymd_opt(y + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(y, m + 1, 1)
                };
                next.and_then(|d| d.pred_opt())
            }
            LheoDate::Day(d) => Some(d),
        }
    }

    /// French, for people: `22/11/2026`, `novembre 2026`, `2026`, `date à préciser`.
    pub fn label(self) -> String {
        match self {
            LheoDate::Unknown => "date à préciser".into(),
            LheoDate::Year(y) => format!("{y}"),
            LheoDate::Month(y, m) => crate::web::month_fr(y, m),
            LheoDate::Day(d) => format!("{:02}/{:02}/{}", d.day(), d.month(), d.year()),
        }
    }
}

string_enum! {
    /// `session/etat-recrutement`.
    RecruitmentState {
        Open => "open", "Recrutement ouvert";
        Closed => "closed", "Recrutement fermé";
        Suspended => "suspended", "Recrutement suspendu";
    }
}

impl<'de> Deserialize<'de> for RecruitmentState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown recruitment state {text}")))
    }
}

impl RecruitmentState {
    pub fn lheo_code(self) -> u8 {
        match self {
            RecruitmentState::Open => 1,
            RecruitmentState::Closed => 2,
            RecruitmentState::Suspended => 3,
        }
    }
    pub fn from_lheo_code(code: &str) -> Option<Self> {
        match code.trim() {
            "1" => Some(RecruitmentState::Open),
            "2" => Some(RecruitmentState::Closed),
            "3" => Some(RecruitmentState::Suspended),
            _ => None,
        }
    }
}

/// `action/modalites-enseignement`: 0 in person, 1 mixed, 2 distance.
pub fn teaching_mode_label(code: i32) -> &'static str {
    match code {
        0 => "En présentiel",
        1 => "Mixte (présentiel et à distance)",
        2 => "À distance",
        _ => "Non précisé",
    }
}

/// `action/modalites-entrees-sorties`: 0 fixed dates, 1 permanent entry.
pub fn entry_mode_label(code: i32) -> &'static str {
    match code {
        0 => "Entrées et sorties à dates fixes",
        1 => "Entrées et sorties permanentes",
        _ => "Non précisé",
    }
}

/// A postal address (`adresse`), with the commune's INSEE code and position when known.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Address {
    /// `denomination`, when given.
    pub name: Option<String>,
    /// `ligne`, 1 to 4 lines (LHÉO requires at least one).
    pub lines: Vec<String>,
    pub postcode: String,
    pub city: String,
    /// `code-INSEE-commune`.
    pub insee: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Contact details (`coordonnees`, in `contact-formation` / `contact-organisme`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// `nom` (and `prenom` if any), as one text.
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub web: Option<String>,
}

/// `organisme-formation-responsable`: who answers for the training.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponsibleOrganisation {
    /// `@numero`, if the publisher gave one.
    pub numero: Option<String>,
    /// `numero-activite` (declaration number of the training body).
    pub activity_number: String,
    /// `SIRET-organisme-formation/SIRET`.
    pub siret: String,
    /// `nom-organisme`.
    pub name: String,
    /// `raison-sociale`.
    pub legal_name: String,
    /// `coordonnees-organisme/coordonnees/adresse`.
    pub address: Address,
    /// `contact-organisme/coordonnees`.
    pub contact: Contact,
}

/// `organisme-financeur`: who funds an action, and how many places.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funding {
    /// `code-financeur` (LHÉO dictionary: 2 Conseil régional, 4 France Travail, 10 OPCO, …).
    pub code: String,
    /// `nb-places-financees`.
    pub places: Option<i32>,
}

/// LHÉO funder codes (`dict-financeurs`), for people.
pub fn funder_code_label(code: &str) -> &'static str {
    match code.trim() {
        "0" => "Autre",
        "1" => "Coût pédagogique",
        "2" => "Conseil régional",
        "3" => "Fonds de la formation professionnelle (Transitions Pro)",
        "4" => "France Travail",
        "5" => "Entreprise",
        "6" => "Collectivité territoriale",
        "7" => "AGEFIPH",
        "8" => "Conseil départemental",
        "9" => "Commune",
        "10" => "OPCO",
        "11" => "État – autre",
        "12" => "Union européenne",
        "13" => "État – ministère chargé de l’emploi",
        "14" => "Bénéficiaire de l’action",
        "15" => "Autre financeur public",
        "16" => "Autre financeur privé",
        "17" => "Caisse des dépôts (CPF)",
        _ => "Financeur",
    }
}

/// `session`: one run of an action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// `@numero`: the publisher's identifier, unique within the action.
    pub numero: String,
    /// `periode/debut`.
    pub start: LheoDate,
    /// `periode/fin`.
    pub end: LheoDate,
    /// `etat-recrutement` (absent means open).
    pub recruitment: RecruitmentState,
    /// `adresse-inscription/adresse`.
    pub registration_address: Address,
    /// Places offered in this session (kept in LHÉO as `extra info="nb-places"`).
    pub places: Option<i32>,
    /// The `extras` blocks, kept verbatim as XML in the LHÉO 2.3 default namespace.
    pub extras: Option<String>,
}

/// `action`: where, how and at what cost a training is delivered, and who funds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// `@numero`: the publisher's identifier, unique within the training.
    pub numero: String,
    /// `rythme-formation` (free text, e.g. « Temps plein »).
    pub rhythm: String,
    /// `code-public-vise` (FORMACODE codes of the targeted public), at least one.
    pub public_codes: Vec<String>,
    /// `info-public-vise`: the targeted public in words.
    pub public_info: Option<String>,
    /// `niveau-entree-obligatoire`.
    pub entry_level_required: bool,
    /// `modalites-alternance` (free text).
    pub work_study: String,
    /// `modalites-enseignement`: 0 in person, 1 mixed, 2 distance.
    pub teaching_mode: i32,
    /// `conditions-specifiques` (free text: prerequisites).
    pub specific_conditions: String,
    /// `prise-en-charge-frais-possible`.
    pub funding_possible: bool,
    /// `lieu-de-formation/coordonnees/adresse`.
    pub place: Option<Address>,
    /// `modalites-entrees-sorties`: 0 fixed dates, 1 permanent entry.
    pub entry_mode: i32,
    /// `url-action/urlweb`.
    pub url: Option<String>,
    /// `date-information/date` (information sessions), up to 3.
    pub info_dates: Vec<LheoDate>,
    /// `nombre-heures-total`.
    pub hours_total: Option<i32>,
    /// `nombre-heures-centre`.
    pub hours_centre: Option<i32>,
    /// `nombre-heures-entreprise`.
    pub hours_company: Option<i32>,
    /// `prix-total-TTC`, in euros.
    pub price_total: Option<f64>,
    /// `organisme-financeur`, up to 8.
    pub funders: Vec<Funding>,
    /// Pre-registration through a prescriber is required to apply (kept in LHÉO as
    /// `extra info="prescription-obligatoire"`).
    pub prescription_required: bool,
    pub sessions: Vec<Session>,
    pub extras: Option<String>,
}

/// `formation`: what is taught and what it leads to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Training {
    /// `@numero`: the publisher's identifier (the upsert key with the organisation's SIRET).
    pub numero: String,
    /// `intitule-formation`.
    pub title: String,
    /// `objectif-formation`.
    pub objectives: String,
    /// `resultats-attendus`.
    pub expected_results: String,
    /// `contenu-formation`.
    pub content: String,
    /// `certifiante`.
    pub certifying: bool,
    /// `certification/code-RNCP`.
    pub rncp_codes: Vec<String>,
    /// `certification/code-RS`.
    pub rs_codes: Vec<String>,
    /// `domaine-formation/code-ROME`, up to 5.
    pub rome_codes: Vec<String>,
    /// `domaine-formation/code-FORMACODE`, up to 5 (the first is the main one).
    pub formacode_codes: Vec<String>,
    /// `domaine-formation/code-NSF`, up to 3.
    pub nsf_codes: Vec<String>,
    /// `parcours-de-formation` (1 group, 2 individualised, 3 modular, 4 mixed).
    pub pathway: i32,
    /// `code-niveau-entree` (LHÉO `dict-niveaux`: 0 none required, 1 no diploma, … 8).
    pub entry_level: i32,
    /// `code-niveau-sortie`.
    pub exit_level: Option<i32>,
    /// `url-formation/urlweb`.
    pub url: Option<String>,
    /// `contact-formation/coordonnees`.
    pub contact: Contact,
    pub organisation: ResponsibleOrganisation,
    pub actions: Vec<Action>,
    pub extras: Option<String>,
}

/// LHÉO entry/exit level codes (`dict-niveaux`, 2019 scale), for people.
pub fn lheo_level_label(code: i32) -> &'static str {
    match code {
        0 => "Sans niveau spécifique",
        1 => "Sans diplôme",
        2 => "Niveau 2 – maîtrise des savoirs de base",
        3 => "Niveau 3 – CAP, BEP",
        4 => "Niveau 4 – baccalauréat",
        5 => "Niveau 5 – bac + 2",
        6 => "Niveau 6 – bac + 3 ou 4",
        7 => "Niveau 7 – bac + 5",
        8 => "Niveau 8 – doctorat",
        _ => "Non précisé",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lheo_dates_follow_the_conventions() {
        assert_eq!(LheoDate::parse("00000000"), Some(LheoDate::Unknown));
        assert_eq!(LheoDate::parse("99999999"), Some(LheoDate::Unknown));
        assert_eq!(LheoDate::parse("20170900"), Some(LheoDate::Month(2017, 9)));
        assert_eq!(LheoDate::parse("20170000"), Some(LheoDate::Year(2017)));
        assert_eq!(
            LheoDate::parse("20261122"),
            NaiveDate::from_ymd_opt(2026, 11, 22).map(LheoDate::Day)
        );
        assert_eq!(LheoDate::parse("20170931"), None);
        assert_eq!(LheoDate::parse("20171300"), None);
        assert_eq!(LheoDate::parse("2017-09-01"), None);
        assert_eq!(LheoDate::parse("20170015"), None);
        let month = LheoDate::Month(2024, 2);
        assert_eq!(month.last_day(), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(month.to_lheo(false), "20240200");
        assert_eq!(LheoDate::Unknown.to_lheo(true), "99999999");
        assert_eq!(month.label(), "février 2024");
        assert_eq!(LheoDate::parse("20261122").unwrap().label(), "22/11/2026");
    }
}
