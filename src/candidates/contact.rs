//! Contact requests: a recruiter who found a profile asks to get in touch; the candidate
//! accepts or declines, and only an acceptance reveals their e-mail address to that company.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::CurrentUser;
use crate::auth::policy::{Action, authorize};
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::{AppError, AppResult};

#[derive(Clone, Debug, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = contact_requests)]
pub struct ContactRequest {
    pub id: String,
    pub candidate_id: String,
    pub organisation_id: String,
    pub requested_by: Option<String>,
    pub message: String,
    pub status: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub answered_at: Option<NaiveDateTime>,
}

impl ContactRequest {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "accepted" => "Acceptée",
            "declined" => "Refusée",
            _ => "En attente de réponse",
        }
    }
}

/// A recruiter asks; allowed only to those who may see the profile.
pub fn request(
    conn: &mut DbConnection,
    base_url: &str,
    me: &CurrentUser,
    candidate_id: &str,
    message: &str,
) -> AppResult<()> {
    let profile = super::store::get(conn, candidate_id)?.ok_or_else(AppError::not_found)?;
    authorize(
        me,
        &Action::ViewCandidate(&super::service::candidate_ref(&profile)),
    )
    .map_err(|_| AppError::not_found())?;
    authorize(me, &Action::ContactCandidate)?;
    let org = me.organisation_id.clone().ok_or_else(AppError::forbidden)?;
    let message = message.trim();
    if message.chars().count() < 20 || message.chars().count() > 2000 {
        return Err(AppError::unprocessable(
            "Présentez votre demande en 20 à 2 000 caractères : le poste, le lieu, le contrat.",
        ));
    }
    let inserted = diesel::insert_into(contact_requests::table)
        .values((
            contact_requests::id.eq(new_id()),
            contact_requests::candidate_id.eq(candidate_id),
            contact_requests::organisation_id.eq(&org),
            contact_requests::requested_by.eq(&me.id),
            contact_requests::message.eq(message),
            contact_requests::status.eq("pending"),
            contact_requests::created_at.eq(now()),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::conflict(
                "Votre organisation a déjà demandé à contacter cette personne.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let candidate =
        crate::auth::store::by_id(conn, candidate_id)?.ok_or_else(AppError::not_found)?;
    let org_name = me.organisation_name.clone().unwrap_or_default();
    let mail = super::mails::ContactRequested {
        first_name: &candidate.first_name,
        organisation: &org_name,
        message,
        base_url,
    };
    crate::mail::enqueue(conn, &candidate.email, &mail)?;
    Ok(())
}

/// Requests received by a candidate, with the organisation's name.
pub fn received(
    conn: &mut DbConnection,
    candidate_id: &str,
) -> AppResult<Vec<(ContactRequest, String)>> {
    Ok(contact_requests::table
        .inner_join(
            organisations::table.on(organisations::id.eq(contact_requests::organisation_id)),
        )
        .filter(contact_requests::candidate_id.eq(candidate_id))
        .order(contact_requests::created_at.desc())
        .select((ContactRequest::as_select(), organisations::name))
        .load(conn)?)
}

/// The request an organisation made to a candidate, if any.
pub fn of_organisation(
    conn: &mut DbConnection,
    candidate_id: &str,
    org_id: &str,
) -> AppResult<Option<ContactRequest>> {
    Ok(contact_requests::table
        .filter(contact_requests::candidate_id.eq(candidate_id))
        .filter(contact_requests::organisation_id.eq(org_id))
        .select(ContactRequest::as_select())
        .first(conn)
        .optional()?)
}

/// The candidate answers one of their requests.
pub fn answer(
    conn: &mut DbConnection,
    base_url: &str,
    me: &CurrentUser,
    id: &str,
    accept: bool,
) -> AppResult<()> {
    let n = diesel::update(
        contact_requests::table
            .find(id)
            .filter(contact_requests::candidate_id.eq(&me.id))
            .filter(contact_requests::status.eq("pending")),
    )
    .set((
        contact_requests::status.eq(if accept { "accepted" } else { "declined" }),
        contact_requests::answered_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::not_found());
    }
    let request: ContactRequest = contact_requests::table
        .find(id)
        .select(ContactRequest::as_select())
        .first(conn)?;
    if let Some(requester) = request
        .requested_by
        .as_deref()
        .map(|r| crate::auth::store::by_id(conn, r))
        .transpose()?
        .flatten()
    {
        if accept {
            let mail = super::mails::ContactAccepted {
                first_name: &me.first_name,
                email: &me.email,
                candidate_id: &me.id,
                base_url,
            };
            crate::mail::enqueue(conn, &requester.email, &mail)?;
        } else {
            let mail = super::mails::ContactDeclined {
                first_name: &me.first_name,
            };
            crate::mail::enqueue(conn, &requester.email, &mail)?;
        }
    }
    Ok(())
}
