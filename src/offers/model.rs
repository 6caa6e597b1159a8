//! Offers: what they hold, their lifecycle, and how input becomes a valid offer.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::offers;
use crate::error::{AppError, AppResult};
use crate::types::string_enum;

string_enum! {
    /// Kind of work-study contract.
    ContractType {
        Apprenticeship => "apprentissage", "Contrat d’apprentissage";
        Professionalisation => "professionnalisation", "Contrat de professionnalisation";
    }
}

string_enum! {
    /// Where an offer is in its life.
    OfferStatus {
        Draft => "draft", "Brouillon";
        Pending => "pending", "En attente de validation";
        Published => "published", "Publiée";
        Filled => "filled", "Pourvue";
        Expired => "expired", "Expirée";
        Withdrawn => "withdrawn", "Retirée";
    }
}

/// What someone does to an offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    Submit,
    Approve,
    Reject,
    Withdraw,
    MarkFilled,
    Extend,
    Expire,
    /// The content changed: a published offer goes back to moderation.
    Edit,
}

impl OfferStatus {
    /// The lifecycle `draft → pending → published → filled | expired | withdrawn`: the status
    /// after a transition, or a French refusal.
    pub fn after(self, transition: Transition) -> AppResult<OfferStatus> {
        use OfferStatus::*;
        use Transition::*;
        let next = match (self, transition) {
            (Draft, Submit) => Pending,
            (Pending, Approve) => Published,
            (Pending, Reject) => Draft,
            (Draft | Pending | Published, Withdraw) => Withdrawn,
            (Published, MarkFilled) => Filled,
            (Published, Extend) => Published,
            (Published, Expire) => Expired,
            (Expired, Extend) => Pending,
            (Draft, Edit) => Draft,
            (Pending, Edit) => Pending,
            (Published, Edit) => Pending,
            _ => {
                return Err(AppError::conflict(format!(
                    "Cette action n’est pas possible sur une offre au statut « {} ».",
                    self.label()
                )));
            }
        };
        Ok(next)
    }
}

/// Targeted diploma level, French national scale.
pub fn level_label(level: i32) -> &'static str {
    match level {
        3 => "Niveau 3 – CAP, BEP",
        4 => "Niveau 4 – baccalauréat",
        5 => "Niveau 5 – bac + 2 (BTS, DEUST)",
        6 => "Niveau 6 – bac + 3 (licence, BUT)",
        7 => "Niveau 7 – bac + 5 (master, ingénieur)",
        8 => "Niveau 8 – doctorat",
        _ => "Niveau inconnu",
    }
}

pub const LEVELS: [i32; 6] = [3, 4, 5, 6, 7, 8];

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = offers)]
pub struct Offer {
    pub id: String,
    /// The employer.
    pub company_id: String,
    /// Who manages the offer and receives applications: the company or a delegated training centre.
    pub managed_by_id: String,
    #[serde(skip)]
    pub created_by: Option<String>,
    pub title: String,
    pub description: String,
    /// ROME 4.0 code.
    pub rome_code: String,
    /// `apprentissage` or `professionnalisation`.
    pub contract_type: String,
    /// Targeted diploma level, 3 (CAP) to 8 (doctorate).
    pub level: i32,
    /// Linked training (free text until the training catalogue exists).
    pub training: Option<String>,
    pub start_date: NaiveDate,
    pub duration_months: i32,
    /// INSEE code of the place of work.
    pub commune_insee: String,
    pub department: String,
    pub positions: i32,
    /// The company agrees to share the offer with France Travail.
    pub share_with_france_travail: bool,
    /// `draft`, `pending`, `published`, `filled`, `expired` or `withdrawn`.
    pub status: String,
    /// Why the chamber sent it back (shown to the recruiter).
    pub rejection_reason: Option<String>,
    #[serde(skip)]
    pub moderated_by: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub moderated_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub published_at: Option<NaiveDateTime>,
    /// Last day of publication (otherwise 60 days without update).
    pub expires_on: Option<NaiveDate>,
    #[serde(skip)]
    pub expiry_warned_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
    /// The import profile that brought the offer, if it came from a partner's file.
    #[serde(skip)]
    pub import_profile_id: Option<String>,
    /// The partner's own reference of the offer (unique per import profile).
    pub partner_reference: Option<String>,
    #[serde(skip)]
    pub import_digest: Option<String>,
}

impl Offer {
    pub fn status(&self) -> OfferStatus {
        OfferStatus::parse(&self.status).unwrap_or(OfferStatus::Draft)
    }
    pub fn status_label(&self) -> &'static str {
        self.status().label()
    }
    pub fn contract_label(&self) -> &'static str {
        ContractType::parse(&self.contract_type).map_or("", ContractType::label)
    }
    pub fn level_label(&self) -> &'static str {
        level_label(self.level)
    }
    pub fn is_published(&self) -> bool {
        self.status() == OfferStatus::Published
    }
    pub fn start_fr(&self) -> String {
        crate::web::date_fr(&self.start_date)
    }
}

/// What a recruiter types, before checking.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct OfferForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// ROME code, or `CODE – label` as offered by the autocompletion.
    #[serde(default)]
    pub rome: String,
    #[serde(default)]
    pub contract_type: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub training: String,
    /// `JJ/MM/AAAA` or `AAAA-MM-JJ`.
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub duration_months: String,
    /// INSEE code, postal code or commune name.
    #[serde(default)]
    pub commune: String,
    #[serde(default)]
    pub positions: String,
    /// Any value means yes (checkbox).
    pub share_with_france_travail: Option<String>,
    /// Last day of publication, optional.
    #[serde(default)]
    pub expires_on: String,
    /// For a training centre: the company it posts for.
    #[serde(default)]
    pub company_id: String,
}

/// A checked offer, ready to be stored.
#[derive(Clone, Debug)]
pub struct OfferInput {
    pub title: String,
    pub description: String,
    pub rome_code: String,
    pub contract_type: ContractType,
    pub level: i32,
    pub training: Option<String>,
    pub start_date: NaiveDate,
    pub duration_months: i32,
    pub commune_insee: String,
    pub department: String,
    pub positions: i32,
    pub share_with_france_travail: bool,
    pub expires_on: Option<NaiveDate>,
}
