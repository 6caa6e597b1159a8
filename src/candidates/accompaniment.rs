//! Candidates accompanied by an insertion structure (a Mission Locale, France Travail, Cap
//! emploi agency): they say so from their profile and, if they wish, let that agency's
//! advisers follow their applications. Withdrawing the consent (or the accompaniment) ends the
//! follow-up at once; the agency never sees the profile's CV or the exchanges with companies.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::CurrentUser;
use crate::auth::audit::{self, Event};
use crate::auth::policy::AccompanimentRef;
use crate::db::schema::{candidate_accompaniments, organisations, users};
use crate::db::{DbConnection, now};
use crate::error::AppResult;
use crate::types::{OrgKind, OrgStatus, Role};

/// A candidate's accompaniment, with the agency's name.
#[derive(Clone, Debug)]
pub struct Accompaniment {
    pub candidate_id: String,
    pub agency_id: String,
    pub agency_name: String,
    /// When the candidate agreed that the agency follows their applications, if they did.
    pub follow_consent_at: Option<NaiveDateTime>,
    pub since: NaiveDateTime,
}

impl Accompaniment {
    pub fn policy_ref(&self) -> AccompanimentRef {
        AccompanimentRef {
            agency_id: self.agency_id.clone(),
            follow_consented: self.follow_consent_at.is_some(),
        }
    }
}

type Row = (String, String, String, Option<NaiveDateTime>, NaiveDateTime);

fn from_row(
    (candidate_id, agency_id, agency_name, follow_consent_at, since): Row,
) -> Accompaniment {
    Accompaniment {
        candidate_id,
        agency_id,
        agency_name,
        follow_consent_at,
        since,
    }
}

/// The candidate's accompaniment, if they declared one.
pub fn of(conn: &mut DbConnection, candidate_id: &str) -> AppResult<Option<Accompaniment>> {
    Ok(candidate_accompaniments::table
        .inner_join(
            organisations::table.on(organisations::id.eq(candidate_accompaniments::agency_id)),
        )
        .filter(candidate_accompaniments::candidate_id.eq(candidate_id))
        .select((
            candidate_accompaniments::candidate_id,
            candidate_accompaniments::agency_id,
            organisations::name,
            candidate_accompaniments::follow_consent_at,
            candidate_accompaniments::created_at,
        ))
        .first::<Row>(conn)
        .optional()?
        .map(from_row))
}

/// Agencies a candidate may name: active employment agencies with at least one adviser
/// (id, « Mission Locale du Pays de Brest »), by name.
pub fn agencies(conn: &mut DbConnection) -> AppResult<Vec<(String, String)>> {
    let with_advisers = users::table
        .filter(users::role.eq(Role::Prescriber.as_str()))
        .filter(users::status.eq("active"))
        .select(users::organisation_id.assume_not_null());
    Ok(organisations::table
        .filter(organisations::kind.eq(OrgKind::EmploymentAgency.as_str()))
        .filter(organisations::status.eq(OrgStatus::Active.as_str()))
        .filter(organisations::id.eq_any(with_advisers))
        .order(organisations::name)
        .select((organisations::id, organisations::name))
        .load(conn)?)
}

/// Records what the candidate says: accompanied by `agency_id` (or not, `None`), and whether
/// that agency may follow their applications. `Err` (French) when the agency is not one of
/// [`agencies`] or the consent is given without an agency.
pub fn set(
    conn: &mut DbConnection,
    candidate: &CurrentUser,
    agency_id: Option<&str>,
    follow: bool,
) -> AppResult<Result<(), String>> {
    let Some(agency_id) = agency_id else {
        if follow {
            return Ok(Err(
                "Choisissez la structure qui vous accompagne pour qu’elle puisse suivre vos candidatures."
                    .into(),
            ));
        }
        let removed =
            diesel::delete(candidate_accompaniments::table.find(&candidate.id)).execute(conn)?;
        if removed > 0 {
            audit::record(
                conn,
                Event::by(candidate, "accompaniment_removed").on("candidate", &candidate.id),
            )?;
        }
        return Ok(Ok(()));
    };
    if !agencies(conn)?.iter().any(|(id, _)| id == agency_id) {
        return Ok(Err("Choisissez la structure dans la liste.".into()));
    }
    let at = now();
    let before = of(conn, &candidate.id)?;
    // The consent is dated from when it was first given to this agency.
    let consent_at = match &before {
        Some(b) if b.agency_id == agency_id && follow => b.follow_consent_at.or(Some(at)),
        _ => follow.then_some(at),
    };
    diesel::delete(candidate_accompaniments::table.find(&candidate.id)).execute(conn)?;
    diesel::insert_into(candidate_accompaniments::table)
        .values((
            candidate_accompaniments::candidate_id.eq(&candidate.id),
            candidate_accompaniments::agency_id.eq(agency_id),
            candidate_accompaniments::follow_consent_at.eq(consent_at),
            candidate_accompaniments::created_at.eq(before.as_ref().map_or(at, |b| b.since)),
            candidate_accompaniments::updated_at.eq(at),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        Event::by(
            candidate,
            if follow {
                "accompaniment_follow_allowed"
            } else {
                "accompaniment_declared"
            },
        )
        .on("organisation", agency_id),
    )?;
    Ok(Ok(()))
}

/// The candidates an agency follows (they named it and agreed): (id, first name, last name,
/// agreed at), by last name.
pub fn followed_by(
    conn: &mut DbConnection,
    agency_id: &str,
) -> AppResult<Vec<(String, String, String, NaiveDateTime)>> {
    Ok(candidate_accompaniments::table
        .inner_join(users::table.on(users::id.eq(candidate_accompaniments::candidate_id)))
        .filter(candidate_accompaniments::agency_id.eq(agency_id))
        .filter(users::status.eq("active"))
        .filter(candidate_accompaniments::follow_consent_at.is_not_null())
        .order((users::last_name, users::first_name))
        .select((
            users::id,
            users::first_name,
            users::last_name,
            candidate_accompaniments::follow_consent_at.assume_not_null(),
        ))
        .load(conn)?)
}

/// How many candidates say an agency accompanies them, and how many of them let it follow
/// their applications (the agency's dashboard).
pub fn counts(conn: &mut DbConnection, agency_id: &str) -> AppResult<(i64, i64)> {
    let declared = candidate_accompaniments::table
        .filter(candidate_accompaniments::agency_id.eq(agency_id))
        .count()
        .get_result(conn)?;
    let followed = candidate_accompaniments::table
        .filter(candidate_accompaniments::agency_id.eq(agency_id))
        .filter(candidate_accompaniments::follow_consent_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok((declared, followed))
}
