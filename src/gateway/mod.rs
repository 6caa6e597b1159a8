//! France Travail gateway: offers whose company consented are queued for France Travail's
//! regional platform as *to create*, *to modify* or *to cancel*. The pending entry of an offer
//! is recomputed from the offer and its history after every change, so an offer never has two
//! pending entries; agents close an entry by recording the France Travail code and agency.

pub mod routes;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{gateway_entries, offers, organisations};
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};
use crate::offers::model::OfferStatus;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatewayAction {
    ToCreate,
    ToModify,
    ToCancel,
}

impl GatewayAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ToCreate => "to_create",
            Self::ToModify => "to_modify",
            Self::ToCancel => "to_cancel",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "to_create" => Some(Self::ToCreate),
            "to_modify" => Some(Self::ToModify),
            "to_cancel" => Some(Self::ToCancel),
            _ => None,
        }
    }
}

pub fn action_label(action: &str) -> &'static str {
    match action {
        "to_create" => "À créer",
        "to_modify" => "À modifier",
        "to_cancel" => "À annuler",
        _ => "Autre",
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = gateway_entries)]
pub struct GatewayEntry {
    pub id: String,
    pub offer_id: String,
    /// `to_create`, `to_modify` or `to_cancel`.
    pub action: String,
    /// `pending` or `done`.
    pub status: String,
    /// France Travail's code of the offer (known once created there).
    pub ft_code: Option<String>,
    /// France Travail agency that processed the entry.
    pub agency: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub processed_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub processed_by: Option<String>,
}

impl GatewayEntry {
    pub fn action_label(&self) -> &'static str {
        action_label(&self.action)
    }
}

/// What France Travail holds of an offer, from the entries already processed: its code if the
/// offer is online there, and when it was last sent.
fn sent_state(done: &[GatewayEntry]) -> (Option<String>, Option<NaiveDateTime>) {
    let mut code = None;
    let mut last = None;
    for e in done {
        last = e.processed_at.or(last);
        match GatewayAction::parse(&e.action) {
            Some(GatewayAction::ToCreate | GatewayAction::ToModify) => {
                code = e.ft_code.clone().or(code);
            }
            Some(GatewayAction::ToCancel) => code = None,
            None => {}
        }
    }
    (code, last)
}

/// Follows [`offers::CHANGED`](crate::offers::CHANGED): the queue keeps in step with the offers.
pub fn register(reg: &mut crate::app::Registry) {
    reg.events.on(crate::offers::CHANGED, sync);
}

/// Recomputes the pending entry of each offer after a change (on every
/// [`offers::CHANGED`](crate::offers::CHANGED), in the transaction of the change).
pub fn sync(conn: &mut DbConnection, offer_ids: &[String]) -> AppResult<()> {
    for chunk in offer_ids.chunks(500) {
        let rows: Vec<(String, String, bool, NaiveDateTime)> = offers::table
            .filter(offers::id.eq_any(chunk))
            .select((
                offers::id,
                offers::status,
                offers::share_with_france_travail,
                offers::updated_at,
            ))
            .load(conn)?;
        let mut entries: std::collections::HashMap<String, Vec<GatewayEntry>> =
            std::collections::HashMap::new();
        for e in gateway_entries::table
            .filter(gateway_entries::offer_id.eq_any(chunk))
            .order((gateway_entries::created_at, gateway_entries::id))
            .select(GatewayEntry::as_select())
            .load::<GatewayEntry>(conn)?
        {
            entries.entry(e.offer_id.clone()).or_default().push(e);
        }
        for (id, status, consent, updated_at) in rows {
            let history = entries.remove(&id).unwrap_or_default();
            // Nothing was ever queued and nothing is to be: the common case, no query.
            if history.is_empty() && !consent {
                continue;
            }
            sync_one(
                conn,
                &id,
                history,
                OfferStatus::parse(&status),
                consent,
                updated_at,
            )?;
        }
    }
    Ok(())
}

fn sync_one(
    conn: &mut DbConnection,
    offer_id: &str,
    entries: Vec<GatewayEntry>,
    status: Option<OfferStatus>,
    consent: bool,
    updated_at: NaiveDateTime,
) -> AppResult<()> {
    let (done, pending): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| e.status == "done");
    let pending = pending.into_iter().next();
    let (code, last_sent) = sent_state(&done);
    let online = code.is_some();
    let want = match status {
        Some(OfferStatus::Published) if consent => {
            if !online {
                Some(GatewayAction::ToCreate)
            } else if last_sent.is_none_or(|at| updated_at > at) {
                Some(GatewayAction::ToModify)
            } else {
                pending
                    .as_ref()
                    .and_then(|p| GatewayAction::parse(&p.action))
            }
        }
        // Over, or consent withdrawn: take it down if it is online, else send nothing.
        Some(OfferStatus::Withdrawn | OfferStatus::Expired | OfferStatus::Filled)
        | Some(OfferStatus::Published) => online.then_some(GatewayAction::ToCancel),
        // Back in review or in draft: nothing new to send until it is published again.
        _ => pending
            .as_ref()
            .and_then(|p| GatewayAction::parse(&p.action)),
    };
    let at = now();
    match (pending, want) {
        (None, None) => {}
        (Some(p), None) => {
            // Cancelled before France Travail ever received it: nothing left to send.
            diesel::delete(gateway_entries::table.find(&p.id)).execute(conn)?;
        }
        (Some(p), Some(action)) => {
            if p.action != action.as_str() || updated_at > p.updated_at {
                diesel::update(gateway_entries::table.find(&p.id))
                    .set((
                        gateway_entries::action.eq(action.as_str()),
                        gateway_entries::ft_code.eq(&code),
                        gateway_entries::updated_at.eq(at),
                    ))
                    .execute(conn)?;
            }
        }
        (None, Some(action)) => {
            diesel::insert_into(gateway_entries::table)
                .values((
                    gateway_entries::id.eq(new_id()),
                    gateway_entries::offer_id.eq(offer_id),
                    gateway_entries::action.eq(action.as_str()),
                    gateway_entries::status.eq("pending"),
                    gateway_entries::ft_code.eq(&code),
                    gateway_entries::created_at.eq(at),
                    gateway_entries::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Filters of the agents' screen (all optional).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueFilter {
    /// Passerelle offer id (or its beginning), or the partner's reference.
    #[serde(default)]
    pub offer: String,
    /// France Travail offer code.
    #[serde(default)]
    pub ft_code: String,
    #[serde(default)]
    pub siret: String,
    /// Words of the company name.
    #[serde(default)]
    pub company: String,
    /// `to_create`, `to_modify`, `to_cancel` (pending), `pending` (default) or `done`.
    #[serde(default)]
    pub state: String,
}

/// One line of the queue, with what agents need to find the offer.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct QueueLine {
    #[serde(flatten)]
    pub entry: GatewayEntry,
    pub offer_title: String,
    pub partner_reference: Option<String>,
    pub company_name: String,
    pub company_siret: Option<String>,
    pub commune_insee: String,
    pub offer_status: String,
}

pub fn queue(conn: &mut DbConnection, filter: &QueueFilter) -> AppResult<Vec<QueueLine>> {
    let mut q = gateway_entries::table
        .inner_join(offers::table)
        .inner_join(organisations::table.on(organisations::id.eq(offers::company_id)))
        .order(gateway_entries::updated_at.desc())
        .limit(500)
        .select((
            GatewayEntry::as_select(),
            offers::title,
            offers::partner_reference,
            organisations::name,
            organisations::siret,
            offers::commune_insee,
            offers::status,
        ))
        .into_boxed();
    match filter.state.trim() {
        "" | "pending" => q = q.filter(gateway_entries::status.eq("pending")),
        "done" => q = q.filter(gateway_entries::status.eq("done")),
        state => {
            let action = GatewayAction::parse(state).ok_or_else(|| {
                AppError::unprocessable("État inconnu : à créer, à modifier, à annuler ou traité.")
            })?;
            q = q
                .filter(gateway_entries::status.eq("pending"))
                .filter(gateway_entries::action.eq(action.as_str()));
        }
    }
    let offer = filter.offer.trim();
    if !offer.is_empty() {
        q = q.filter(
            offers::id
                .like(format!("{}%", offer.replace(['%', '_'], "")))
                .or(offers::partner_reference.eq(offer.to_owned())),
        );
    }
    let code = filter.ft_code.trim().to_uppercase();
    if !code.is_empty() {
        q = q.filter(gateway_entries::ft_code.eq(code));
    }
    let siret: String = filter.siret.chars().filter(char::is_ascii_digit).collect();
    if !siret.is_empty() {
        q = q.filter(organisations::siret.eq(siret));
    }
    type Row = (
        GatewayEntry,
        String,
        Option<String>,
        String,
        Option<String>,
        String,
        String,
    );
    let rows: Vec<Row> = q.load(conn)?;
    let words = crate::types::fold(filter.company.trim());
    Ok(rows
        .into_iter()
        .filter(|r| words.is_empty() || crate::types::fold(&r.3).contains(&words))
        .map(
            |(
                entry,
                offer_title,
                partner_reference,
                company_name,
                company_siret,
                commune_insee,
                offer_status,
            )| QueueLine {
                entry,
                offer_title,
                partner_reference,
                company_name,
                company_siret,
                commune_insee,
                offer_status,
            },
        )
        .collect())
}

/// An agent records what France Travail did: the France Travail code (required to create)
/// and the agency; the entry is closed.
pub fn process(
    conn: &mut DbConnection,
    entry_id: &str,
    agent_id: &str,
    ft_code: &str,
    agency: &str,
) -> AppResult<GatewayEntry> {
    let entry: GatewayEntry = gateway_entries::table
        .find(entry_id)
        .select(GatewayEntry::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)?;
    if entry.status != "pending" {
        return Err(AppError::conflict(
            "Cette demande a déjà été traitée : rechargez la liste.",
        ));
    }
    let code = ft_code.trim().to_uppercase();
    let code = if code.is_empty() {
        entry.ft_code.clone().unwrap_or_default()
    } else {
        code
    };
    let mut errors = Vec::new();
    if !(5..=15).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.push(
            "Le code de l’offre chez France Travail fait de 5 à 15 lettres ou chiffres (par exemple 190QXWP)."
                .to_owned(),
        );
    }
    let agency = agency.trim();
    if agency.is_empty() || agency.chars().count() > 100 {
        errors.push("Indiquez l’agence France Travail (100 caractères au plus).".to_owned());
    }
    if !errors.is_empty() {
        return Err(AppError::invalid_fields(errors));
    }
    let at = now();
    let n = diesel::update(
        gateway_entries::table
            .find(entry_id)
            .filter(gateway_entries::status.eq("pending")),
    )
    .set((
        gateway_entries::status.eq("done"),
        gateway_entries::ft_code.eq(&code),
        gateway_entries::agency.eq(agency),
        gateway_entries::processed_at.eq(at),
        gateway_entries::processed_by.eq(agent_id),
        gateway_entries::updated_at.eq(at),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::conflict(
            "Cette demande a déjà été traitée : rechargez la liste.",
        ));
    }
    gateway_entries::table
        .find(entry_id)
        .select(GatewayEntry::as_select())
        .first(conn)
        .map_err(Into::into)
}
