//! Validated domain types: input becomes one of these through `parse`, and past that
//! boundary nothing checks it again.

use serde::Serialize;

pub use crate::string_enum;

/// The domain of the demo accounts that `passerelle demo` creates.
pub const DEMO_DOMAIN: &str = "demo.passerelle.test";

/// The demo account of a role: `<role>@demo.passerelle.test`.
pub fn demo_email(role: Role) -> String {
    format!("{}@{DEMO_DOMAIN}", role.as_str())
}

/// Lower-case, accent-free form of a text, for accent- and case-insensitive matching
/// (`Brélès` → `breles`, `Saint-Malo` → `saint-malo`).
pub fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(text.len());
    for c in text
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
    {
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            '’' | '‘' => out.push('\''),
            other => out.extend(other.to_lowercase()),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let email = input.trim().to_lowercase();
        let Some((local, domain)) = email.split_once('@') else {
            return Err(
                "L’adresse e-mail doit contenir un « @ », par exemple prenom.nom@exemple.fr.",
            );
        };
        let valid = !local.is_empty()
            && email.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
            && !domain.contains('@');
        if valid {
            Ok(Self(email))
        } else {
            Err("Cette adresse e-mail n’est pas valide, par exemple prenom.nom@exemple.fr.")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A SIRET establishment number: 14 digits with a Luhn check digit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Siret(String);

impl Siret {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 14 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("Le SIRET comporte 14 chiffres.");
        }
        // La Poste's establishments are numbered outside the Luhn rule.
        if digits.starts_with("356000000") || luhn_valid(&digits) {
            Ok(Self(digits))
        } else {
            Err("Ce SIRET n’existe pas : sa clé de contrôle est fausse. Vérifiez les 14 chiffres.")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap_or(0);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A password chosen by a person: long enough, not absurdly long.
pub fn check_new_password(password: &str) -> Result<(), &'static str> {
    let len = password.chars().count();
    if len < 10 {
        Err("Le mot de passe doit comporter au moins 10 caractères.")
    } else if len > 200 {
        Err("Le mot de passe ne doit pas dépasser 200 caractères.")
    } else {
        Ok(())
    }
}

/// Declares an enum stored as text, with French labels.
#[macro_export]
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $id:literal, $label:literal;)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $id),* }
            }

            /// French label, for people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }

            pub fn parse(input: &str) -> Option<Self> {
                match input { $($id => Some($name::$variant),)* _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// What a person does on the platform (see DOMAIN.md).
    Role {
        Candidate => "candidate", "Candidat·e";
        Recruiter => "recruiter", "Recruteur·se";
        TrainingStaff => "training_staff", "Personnel d’organisme de formation";
        RegistrationOfficer => "registration_officer", "Chargé·e d’enregistrement (chambre consulaire)";
        Prescriber => "prescriber", "Prescripteur·rice";
        Funder => "funder", "Financeur";
        GatewayAgent => "gateway_agent", "Agent de la passerelle France Travail";
        InfoOfficer => "info_officer", "Chargé·e d’information";
        PartnerResponder => "partner_responder", "Répondant·e partenaire";
        SiteCoordinator => "site_coordinator", "Coordinateur·rice d’Espace Métiers";
        Teacher => "teacher", "Enseignant·e ou conseiller·e d’orientation";
        Editor => "editor", "Rédacteur·rice";
        RegionalAdmin => "regional_admin", "Administrateur·rice régional·e";
    }
}

string_enum! {
    /// Sex, asked as optional for the evaluation annex only (never required, never shown to
    /// companies or centres). No answer and « Je ne souhaite pas répondre » both count apart.
    Sex {
        Female => "female", "Femme";
        Male => "male", "Homme";
        Undisclosed => "undisclosed", "Je ne souhaite pas répondre";
    }
}

impl Sex {
    /// An optional answer typed in a form: empty is no answer, anything else must be a code.
    pub fn read_optional(input: &str, errors: &mut Vec<String>) -> Option<Sex> {
        match input.trim() {
            "" => None,
            code => {
                let sex = Sex::parse(code);
                if sex.is_none() {
                    errors.push(
                        "Pour le sexe, choisissez « Femme », « Homme » ou « Je ne souhaite pas \
                         répondre » (ou laissez vide)."
                            .to_owned(),
                    );
                }
                sex
            }
        }
    }
}

string_enum! {
    /// What a candidate does today, asked as optional at sign-up for the evaluation annex.
    CandidateSituation {
        Pupil => "pupil", "Élève (collège, lycée)";
        Apprentice => "apprentice", "Apprenti·e";
        Student => "student", "Étudiant·e";
        JobSeeker => "job_seeker", "Demandeur·se d’emploi";
        Employee => "employee", "Salarié·e";
        Other => "other", "Autre situation";
    }
}

/// What the evaluation annex asks of a person, both optional.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Demographics {
    pub sex: Option<Sex>,
    pub situation: Option<CandidateSituation>,
}

impl Demographics {
    /// Reads the two optional answers of a form (empty: not given).
    pub fn read(sex: &str, situation: &str, errors: &mut Vec<String>) -> Self {
        let situation = match situation.trim() {
            "" => None,
            code => {
                let parsed = CandidateSituation::parse(code);
                if parsed.is_none() {
                    errors.push(
                        "Choisissez votre situation dans la liste (ou laissez vide).".to_owned(),
                    );
                }
                parsed
            }
        };
        Demographics {
            sex: Sex::read_optional(sex, errors),
            situation,
        }
    }
}

string_enum! {
    /// Kinds of organisation taking part in the platform.
    OrgKind {
        Company => "company", "Entreprise";
        TrainingCentre => "training_centre", "Organisme de formation / CFA";
        Chamber => "chamber", "Chambre consulaire";
        EmploymentAgency => "employment_agency", "Service public de l’emploi";
        Funder => "funder", "Financeur";
        InformationPartner => "information_partner", "Partenaire d’information";
        School => "school", "Établissement scolaire / CIO";
        SiteHost => "site_host", "Structure d’accueil d’Espace Métiers";
        Operator => "operator", "Opérateur de la plateforme";
    }
}

impl Role {
    /// The kind of organisation a person with this role belongs to (none for candidates).
    pub fn organisation_kind(self) -> Option<OrgKind> {
        Some(match self {
            Role::Candidate => return None,
            Role::Recruiter => OrgKind::Company,
            Role::TrainingStaff => OrgKind::TrainingCentre,
            Role::RegistrationOfficer => OrgKind::Chamber,
            Role::Prescriber | Role::GatewayAgent => OrgKind::EmploymentAgency,
            Role::Funder => OrgKind::Funder,
            Role::PartnerResponder => OrgKind::InformationPartner,
            Role::SiteCoordinator => OrgKind::SiteHost,
            Role::Teacher => OrgKind::School,
            Role::InfoOfficer | Role::Editor | Role::RegionalAdmin => OrgKind::Operator,
        })
    }
}

impl OrgKind {
    /// Whether an organisation of this kind is identified by a SIRET.
    pub fn requires_siret(self) -> bool {
        matches!(self, OrgKind::Company | OrgKind::TrainingCentre)
    }
}

string_enum! {
    /// Whether an organisation may act on the platform.
    OrgStatus {
        Pending => "pending", "En attente de validation";
        Active => "active", "Validée";
        Rejected => "rejected", "Refusée";
    }
}

string_enum! {
    /// Life of an account.
    UserStatus {
        Invited => "invited", "Invitation envoyée";
        Active => "active", "Actif";
        Disabled => "disabled", "Désactivé";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siret_luhn() {
        assert!(Siret::parse("732 829 320 00074").is_ok());
        assert!(Siret::parse("73282932000075").is_err());
        assert!(Siret::parse("1234").is_err());
        assert!(Siret::parse("abcdefghijklmn").is_err());
    }

    #[test]
    fn folding() {
        assert_eq!(fold("  Brélès  Œuvre "), "breles oeuvre");
        assert_eq!(fold("L’Hôpital-Camfrout"), "l'hopital-camfrout");
    }

    #[test]
    fn email() {
        assert_eq!(
            EmailAddress::parse(" Jean@Exemple.FR ").unwrap().as_str(),
            "jean@exemple.fr"
        );
        assert!(EmailAddress::parse("jean").is_err());
        assert!(EmailAddress::parse("jean@exemple").is_err());
    }
}

/// Serde helpers for the API's timestamps: the database keeps UTC as `NaiveDateTime`; they
/// are written as RFC 3339 with their offset (`2026-12-02T18:41:09.5Z`), which is what the
/// OpenAPI `date-time` format promises.
pub mod rfc3339 {
    use chrono::NaiveDateTime;
    use serde::{Serialize, Serializer};

    pub fn serialize<S: Serializer>(at: &NaiveDateTime, serializer: S) -> Result<S::Ok, S::Error> {
        at.and_utc().serialize(serializer)
    }

    pub fn serialize_option<S: Serializer>(
        at: &Option<NaiveDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        at.map(|at| at.and_utc()).serialize(serializer)
    }

    #[cfg(test)]
    mod tests {
        use chrono::NaiveDate;

        #[derive(serde::Serialize)]
        struct Stamp {
            #[serde(serialize_with = "super::serialize")]
            at: chrono::NaiveDateTime,
            #[serde(serialize_with = "super::serialize_option")]
            maybe: Option<chrono::NaiveDateTime>,
            #[serde(serialize_with = "super::serialize_option")]
            none: Option<chrono::NaiveDateTime>,
        }

        #[test]
        fn written_as_utc_with_offset() {
            let at = NaiveDate::from_ymd_opt(2026, 12, 2)
                .unwrap()
                .and_hms_milli_opt(18, 41, 9, 500)
                .unwrap();
            let json = serde_json::to_value(Stamp {
                at,
                maybe: Some(at),
                none: None,
            })
            .unwrap();
            assert_eq!(json["at"], "2026-12-02T18:41:09.500Z");
            assert_eq!(json["maybe"], "2026-12-02T18:41:09.500Z");
            assert!(json["none"].is_null());
        }
    }
}
