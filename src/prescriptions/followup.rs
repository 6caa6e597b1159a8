//! Six months after someone leaves a training (completed or dropped out), where are they: in
//! a job, in training, seeking? The adviser who prescribed records it, or the person answers
//! through a single-use link sent by mail (when an address was given). One answer per
//! pre-registration; the first one counts.

use chrono::{Months, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::model::FollowupSituation;
use super::service::get_for;
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, authorize};
use crate::auth::tokens::{digest, random_secret};
use crate::db::{DbConnection, now, schema::*};
use crate::error::{AppError, AppResult};

/// How long after the exit the follow-up is due.
pub const AFTER_MONTHS: u32 = 6;
/// How long the person's link stays valid once sent.
pub const LINK_DAYS: i64 = 60;

/// The follow-up of one pre-registration.
#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = prescription_followups)]
#[schema(as = PrescriptionFollowup)]
pub struct Followup {
    #[serde(skip)]
    pub prescription_id: String,
    /// The day it is due: six months after the exit.
    pub due_on: NaiveDate,
    /// in_job, in_training, seeking or other, once answered.
    pub situation: Option<String>,
    /// `adviser` or `person`.
    pub answered_by: Option<String>,
    #[serde(skip)]
    pub answered_by_user: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub answered_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub token_hash: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub mailed_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
}

impl Followup {
    pub fn situation_label(&self) -> &'static str {
        self.situation
            .as_deref()
            .and_then(FollowupSituation::parse)
            .map_or("", FollowupSituation::label)
    }
    pub fn due_fr(&self) -> String {
        crate::web::date_fr(&self.due_on)
    }
    pub fn is_answered(&self) -> bool {
        self.answered_at.is_some()
    }
    pub fn by_person(&self) -> bool {
        self.answered_by.as_deref() == Some("person")
    }
}

/// Plans (or moves) the follow-up of a pre-registration whose person left on `exit`; an
/// answered follow-up is kept as it is.
pub fn plan(conn: &mut DbConnection, prescription_id: &str, exit: NaiveDate) -> AppResult<()> {
    let due = exit
        .checked_add_months(Months::new(AFTER_MONTHS))
        .unwrap_or(exit);
    let existing = get(conn, prescription_id)?;
    match existing {
        Some(f) if f.is_answered() => {}
        Some(_) => {
            diesel::update(prescription_followups::table.find(prescription_id))
                .set(prescription_followups::due_on.eq(due))
                .execute(conn)?;
        }
        None => {
            diesel::insert_into(prescription_followups::table)
                .values((
                    prescription_followups::prescription_id.eq(prescription_id),
                    prescription_followups::due_on.eq(due),
                    prescription_followups::created_at.eq(now()),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

pub fn get(conn: &mut DbConnection, prescription_id: &str) -> AppResult<Option<Followup>> {
    Ok(prescription_followups::table
        .find(prescription_id)
        .select(Followup::as_select())
        .first(conn)
        .optional()?)
}

fn read_situation(input: &str) -> AppResult<FollowupSituation> {
    FollowupSituation::parse(input.trim()).ok_or_else(|| {
        AppError::unprocessable(
            "Choisissez la situation : en emploi, en formation, en recherche d’emploi ou autre.",
        )
    })
}

fn answer(
    conn: &mut DbConnection,
    prescription_id: &str,
    situation: FollowupSituation,
    by: &str,
    user: Option<&str>,
) -> AppResult<()> {
    let n = diesel::update(
        prescription_followups::table
            .find(prescription_id)
            .filter(prescription_followups::answered_at.is_null()),
    )
    .set((
        prescription_followups::situation.eq(situation.as_str()),
        prescription_followups::answered_by.eq(by),
        prescription_followups::answered_by_user.eq(user),
        prescription_followups::answered_at.eq(now()),
        prescription_followups::token_hash.eq(None::<String>),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::conflict(
            "La situation à six mois est déjà enregistrée.",
        ));
    }
    Ok(())
}

/// The adviser's agency records the situation, once it is due.
pub fn record(
    conn: &mut DbConnection,
    user: &CurrentUser,
    prescription_id: &str,
    situation: &str,
    today: NaiveDate,
) -> AppResult<FollowupSituation> {
    let (_, reference) = get_for(conn, user, prescription_id)?;
    authorize(user, &Action::RecordPrescriptionFollowup(&reference))?;
    let followup = get(conn, prescription_id)?.ok_or_else(|| {
        AppError::conflict("Le suivi à six mois commence quand la personne quitte la formation.")
    })?;
    if today < followup.due_on {
        return Err(AppError::conflict(format!(
            "Le suivi à six mois pourra être enregistré à partir du {}.",
            followup.due_fr()
        )));
    }
    let situation = read_situation(situation)?;
    answer(conn, prescription_id, situation, "adviser", Some(&user.id))?;
    Ok(situation)
}

/// What the person's link opens: the training's title, and whether they already answered.
pub struct LinkTarget {
    pub prescription_id: String,
    pub training: String,
    pub answered: bool,
}

/// The follow-up a link opens; `None` for an unknown, used or expired link.
pub fn by_link(conn: &mut DbConnection, secret: &str) -> AppResult<Option<LinkTarget>> {
    let found: Option<(String, Option<NaiveDateTime>, Option<NaiveDateTime>, String)> =
        prescription_followups::table
            .inner_join(prescriptions::table)
            .inner_join(
                training_sessions::table.on(training_sessions::id.eq(prescriptions::session_id)),
            )
            .inner_join(trainings::table.on(trainings::id.eq(training_sessions::training_id)))
            .filter(prescription_followups::token_hash.eq(digest(secret)))
            .select((
                prescription_followups::prescription_id,
                prescription_followups::answered_at,
                prescription_followups::mailed_at,
                trainings::title,
            ))
            .first(conn)
            .optional()?;
    let Some((prescription_id, answered_at, mailed_at, training)) = found else {
        return Ok(None);
    };
    if mailed_at.is_some_and(|at| now() - at > chrono::Duration::days(LINK_DAYS)) {
        return Ok(None);
    }
    Ok(Some(LinkTarget {
        prescription_id,
        training,
        answered: answered_at.is_some(),
    }))
}

/// The person answers through the link that opened `target` (which then stops working).
pub fn answer_by_link(
    conn: &mut DbConnection,
    target: &LinkTarget,
    situation: &str,
) -> AppResult<FollowupSituation> {
    let situation = read_situation(situation)?;
    answer(conn, &target.prescription_id, situation, "person", None)?;
    Ok(situation)
}

/// Daily: each follow-up due and not answered whose person gave an e-mail address gets its
/// link, once. Returns how many mails left.
pub fn send_links(conn: &mut DbConnection, base_url: &str, today: NaiveDate) -> AppResult<usize> {
    let due: Vec<(String, Option<String>, String)> = prescription_followups::table
        .inner_join(prescriptions::table.inner_join(prescribed_people::table))
        .inner_join(
            training_sessions::table.on(training_sessions::id.eq(prescriptions::session_id)),
        )
        .inner_join(trainings::table.on(trainings::id.eq(training_sessions::training_id)))
        .filter(prescription_followups::due_on.le(today))
        .filter(prescription_followups::answered_at.is_null())
        .filter(prescription_followups::mailed_at.is_null())
        .select((
            prescription_followups::prescription_id,
            prescribed_people::email,
            trainings::title,
        ))
        .load(conn)?;
    let mut sent = 0;
    for (id, email, training) in due {
        let Some(email) = email else {
            // No address: the adviser records it (the dashboard counts what is due).
            continue;
        };
        let secret = random_secret();
        diesel::update(prescription_followups::table.find(&id))
            .set((
                prescription_followups::token_hash.eq(digest(&secret)),
                prescription_followups::mailed_at.eq(now()),
            ))
            .execute(conn)?;
        let link = format!("{base_url}/suivi?jeton={secret}");
        crate::mail::enqueue(
            conn,
            &email,
            &super::mails::FollowupAsked {
                training: &training,
                link: &link,
                days: LINK_DAYS,
            },
        )?;
        sent += 1;
    }
    Ok(sent)
}

/// How many follow-ups due and not answered an agency has (its dashboard).
pub fn due_for_agency(
    conn: &mut DbConnection,
    agency_id: &str,
    today: NaiveDate,
) -> AppResult<i64> {
    Ok(prescription_followups::table
        .inner_join(prescriptions::table)
        .filter(prescriptions::agency_id.eq(agency_id))
        .filter(prescription_followups::due_on.le(today))
        .filter(prescription_followups::answered_at.is_null())
        .count()
        .get_result(conn)?)
}
