//! Import profiles: how one partner's files are read. The column mapping and the default values
//! are data (JSON objects stored with the profile), never code: a preset only fills them in.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::import_profiles;

/// One field Passerelle reads from a partner's file.
pub struct FieldSpec {
    /// Key in mappings and defaults.
    pub key: &'static str,
    /// Name shown to partners (French).
    pub label: &'static str,
    /// A row without it (and no default) is rejected.
    pub required: bool,
}

pub const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "reference",
        label: "Référence de l’offre",
        required: true,
    },
    FieldSpec {
        key: "title",
        label: "Intitulé",
        required: true,
    },
    FieldSpec {
        key: "description",
        label: "Description",
        required: true,
    },
    FieldSpec {
        key: "rome_code",
        label: "Code ROME",
        required: true,
    },
    FieldSpec {
        key: "contract_type",
        label: "Type de contrat",
        required: true,
    },
    FieldSpec {
        key: "level",
        label: "Niveau de diplôme visé",
        required: true,
    },
    FieldSpec {
        key: "commune",
        label: "Commune du lieu de travail",
        required: true,
    },
    FieldSpec {
        key: "start_date",
        label: "Date de début",
        required: true,
    },
    FieldSpec {
        key: "duration_months",
        label: "Durée du contrat (mois)",
        required: true,
    },
    FieldSpec {
        key: "positions",
        label: "Nombre de postes",
        required: true,
    },
    FieldSpec {
        key: "siret",
        label: "SIRET de l’entreprise",
        required: true,
    },
    FieldSpec {
        key: "company_name",
        label: "Raison sociale de l’entreprise",
        required: false,
    },
    FieldSpec {
        key: "training",
        label: "Formation préparée",
        required: false,
    },
    FieldSpec {
        key: "france_travail",
        label: "Diffusion à France Travail (oui/non)",
        required: false,
    },
];

pub fn field(key: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|f| f.key == key)
}

/// A ready-made mapping for a partner software's export.
pub struct Preset {
    pub name: &'static str,
    pub label: &'static str,
    /// (field key, column header of the file)
    pub columns: &'static [(&'static str, &'static str)],
    /// (field key, value used when the file leaves it empty)
    pub defaults: &'static [(&'static str, &'static str)],
}

const COMMON_DEFAULTS: &[(&str, &str)] = &[("duration_months", "24"), ("positions", "1")];

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "generic",
        label: "Format générique Passerelle (séparateur « ; », en-têtes en anglais)",
        columns: &[
            ("reference", "reference"),
            ("title", "title"),
            ("description", "description"),
            ("rome_code", "rome_code"),
            ("contract_type", "contract_type"),
            ("level", "level"),
            ("commune", "commune_insee"),
            ("start_date", "start_date"),
            ("positions", "positions"),
            ("siret", "siret"),
            ("company_name", "company_name"),
        ],
        defaults: COMMON_DEFAULTS,
    },
    Preset {
        name: "ymag",
        label: "Export des offres d’Ymag",
        columns: &[
            ("reference", "Référence offre"),
            ("title", "Intitulé du poste"),
            ("description", "Descriptif"),
            ("rome_code", "Code ROME"),
            ("contract_type", "Type de contrat"),
            ("level", "Niveau visé"),
            ("commune", "Code INSEE lieu"),
            ("start_date", "Date de début"),
            ("duration_months", "Durée (mois)"),
            ("positions", "Nombre de postes"),
            ("siret", "SIRET entreprise"),
            ("company_name", "Raison sociale"),
            ("training", "Formation"),
            ("france_travail", "Diffusion France Travail"),
        ],
        defaults: COMMON_DEFAULTS,
    },
    Preset {
        name: "gil",
        label: "Export des offres de GIL",
        columns: &[
            ("reference", "REF_OFFRE"),
            ("title", "LIBELLE_POSTE"),
            ("description", "DESCRIPTIF_POSTE"),
            ("rome_code", "CODE_ROME"),
            ("contract_type", "TYPE_CONTRAT"),
            ("level", "NIVEAU_DIPLOME"),
            ("commune", "INSEE_LIEU"),
            ("start_date", "DATE_DEBUT"),
            ("duration_months", "DUREE_MOIS"),
            ("positions", "NB_POSTES"),
            ("siret", "SIRET_EMPLOYEUR"),
            ("company_name", "NOM_EMPLOYEUR"),
            ("training", "DIPLOME_PREPARE"),
            ("france_travail", "ACCORD_FT"),
        ],
        defaults: COMMON_DEFAULTS,
    },
    Preset {
        name: "sigma",
        label: "Export des offres de Sigma",
        columns: &[
            ("reference", "id_offre"),
            ("title", "titre"),
            ("description", "texte"),
            ("rome_code", "rome"),
            ("contract_type", "contrat"),
            ("level", "niveau"),
            ("commune", "commune"),
            ("start_date", "debut"),
            ("duration_months", "duree"),
            ("positions", "postes"),
            ("siret", "siret_entreprise"),
            ("company_name", "nom_entreprise"),
            ("training", "formation"),
            ("france_travail", "diffusion_ft"),
        ],
        defaults: COMMON_DEFAULTS,
    },
];

pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

impl Preset {
    pub fn mapping(&self) -> BTreeMap<String, String> {
        pairs(self.columns)
    }
    pub fn default_values(&self) -> BTreeMap<String, String> {
        pairs(self.defaults)
    }
}

fn pairs(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// What happens to this profile's offers that a file does not list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Only the rows sent are touched.
    Delta,
    /// The file is the whole list: offers absent from it are withdrawn.
    Snapshot,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "delta" => Some(Self::Delta),
            "snapshot" => Some(Self::Snapshot),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delta => "delta",
            Self::Snapshot => "snapshot",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Delta => "Différentiel : seules les offres envoyées sont modifiées",
            Self::Snapshot => "Complet : les offres absentes du fichier sont retirées",
        }
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = import_profiles)]
pub struct ImportProfile {
    pub id: String,
    pub organisation_id: String,
    /// Also the FTPS user name.
    pub identifier: String,
    pub name: String,
    /// `ymag`, `gil`, `sigma`, `generic` or `custom`.
    pub preset: String,
    /// JSON object: field → column header.
    pub mapping: String,
    /// `delta` or `snapshot`.
    pub mode: String,
    /// JSON object: field → default value.
    pub defaults: String,
    /// Offers publish without review by the chamber.
    pub trusted: bool,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
    /// Companies unknown to Passerelle are proposed to the chamber (pending, their offers
    /// unpublished until it validates them) instead of refused.
    pub allow_pending_companies: bool,
}

impl ImportProfile {
    pub fn mapping(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.mapping).unwrap_or_default()
    }
    pub fn default_values(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.defaults).unwrap_or_default()
    }
    pub fn mode(&self) -> Mode {
        Mode::parse(&self.mode).unwrap_or(Mode::Delta)
    }
    pub fn mode_label(&self) -> &'static str {
        self.mode().label()
    }
}

/// A profile identifier is an FTPS user name and part of folder names: 3 to 40 lowercase
/// letters, digits and hyphens.
pub fn valid_identifier(identifier: &str) -> bool {
    (3..=40).contains(&identifier.len())
        && identifier
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !identifier.starts_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_map_known_fields_and_every_required_one() {
        for p in PRESETS {
            let mapping = p.mapping();
            for key in mapping.keys().chain(p.default_values().keys()) {
                assert!(field(key).is_some(), "{}: unknown field {key}", p.name);
            }
            for f in FIELDS.iter().filter(|f| f.required) {
                assert!(
                    mapping.contains_key(f.key) || p.default_values().contains_key(f.key),
                    "{}: {} neither mapped nor defaulted",
                    p.name,
                    f.key
                );
            }
        }
    }

    #[test]
    fn identifiers() {
        assert!(valid_identifier("demo-generic"));
        assert!(!valid_identifier("Demo"));
        assert!(!valid_identifier("a/b"));
        assert!(!valid_identifier("-x-"));
        assert!(!valid_identifier("ab"));
    }
}
