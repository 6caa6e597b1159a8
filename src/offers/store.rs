//! Offers in the database.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::model::{Offer, OfferInput, OfferStatus};
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::{AppError, AppResult};

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<Offer> {
    offers::table
        .find(id)
        .select(Offer::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

pub fn insert(
    conn: &mut DbConnection,
    company_id: &str,
    managed_by_id: &str,
    created_by: Option<&str>,
    input: &OfferInput,
) -> AppResult<String> {
    let id = new_id();
    let at = now();
    diesel::insert_into(offers::table)
        .values((
            offers::id.eq(&id),
            offers::company_id.eq(company_id),
            offers::managed_by_id.eq(managed_by_id),
            offers::created_by.eq(created_by),
            offers::title.eq(&input.title),
            offers::description.eq(&input.description),
            offers::rome_code.eq(&input.rome_code),
            offers::contract_type.eq(input.contract_type.as_str()),
            offers::level.eq(input.level),
            offers::training.eq(&input.training),
            offers::start_date.eq(input.start_date),
            offers::duration_months.eq(input.duration_months),
            offers::commune_insee.eq(&input.commune_insee),
            offers::department.eq(&input.department),
            offers::positions.eq(input.positions),
            offers::share_with_france_travail.eq(input.share_with_france_travail),
            offers::status.eq(OfferStatus::Draft.as_str()),
            offers::expires_on.eq(input.expires_on),
            offers::created_at.eq(at),
            offers::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn update_content(
    conn: &mut DbConnection,
    id: &str,
    input: &OfferInput,
    status: OfferStatus,
) -> AppResult<()> {
    diesel::update(offers::table.find(id))
        .set((
            offers::title.eq(&input.title),
            offers::description.eq(&input.description),
            offers::rome_code.eq(&input.rome_code),
            offers::contract_type.eq(input.contract_type.as_str()),
            offers::level.eq(input.level),
            offers::training.eq(&input.training),
            offers::start_date.eq(input.start_date),
            offers::duration_months.eq(input.duration_months),
            offers::commune_insee.eq(&input.commune_insee),
            offers::department.eq(&input.department),
            offers::positions.eq(input.positions),
            offers::share_with_france_travail.eq(input.share_with_france_travail),
            offers::expires_on.eq(input.expires_on),
            offers::status.eq(status.as_str()),
            offers::updated_at.eq(now()),
            offers::expiry_warned_at.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves an offer from one status to another; fails if someone changed it meanwhile.
pub fn set_status(
    conn: &mut DbConnection,
    id: &str,
    from: OfferStatus,
    to: OfferStatus,
) -> AppResult<()> {
    let n = diesel::update(
        offers::table
            .find(id)
            .filter(offers::status.eq(from.as_str())),
    )
    .set((offers::status.eq(to.as_str()), offers::updated_at.eq(now())))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::conflict(
            "L’offre a changé entre-temps : rechargez la page.",
        ));
    }
    Ok(())
}

pub fn record_moderation(
    conn: &mut DbConnection,
    id: &str,
    officer_id: &str,
    approved: bool,
    reason: Option<&str>,
) -> AppResult<()> {
    let at = now();
    diesel::update(offers::table.find(id))
        .set((
            offers::moderated_by.eq(officer_id),
            offers::moderated_at.eq(at),
            offers::rejection_reason.eq(reason),
        ))
        .execute(conn)?;
    if approved {
        diesel::update(offers::table.find(id))
            .set((
                offers::published_at.eq(at),
                offers::expiry_warned_at.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Dates an offer's creation, last update and (if any) publication at `at`: demo data only, so
/// that sample offers carry distinct, realistic dates.
pub fn backdate(conn: &mut DbConnection, id: &str, at: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::update(offers::table.find(id))
        .set((offers::created_at.eq(at), offers::updated_at.eq(at)))
        .execute(conn)?;
    diesel::update(
        offers::table
            .find(id)
            .filter(offers::published_at.is_not_null()),
    )
    .set((offers::published_at.eq(at), offers::moderated_at.eq(at)))
    .execute(conn)?;
    Ok(())
}

/// Keeps a published offer alive: counts as an update and pushes a set end date.
pub fn extend(conn: &mut DbConnection, id: &str, new_end: Option<NaiveDate>) -> AppResult<()> {
    diesel::update(offers::table.find(id))
        .set((
            offers::updated_at.eq(now()),
            offers::expiry_warned_at.eq(None::<chrono::NaiveDateTime>),
            offers::expires_on.eq(new_end),
        ))
        .execute(conn)?;
    Ok(())
}

/// Offers an organisation manages or employs for, newest first.
pub fn for_organisation(conn: &mut DbConnection, org_id: &str) -> AppResult<Vec<Offer>> {
    Ok(offers::table
        .filter(
            offers::company_id
                .eq(org_id)
                .or(offers::managed_by_id.eq(org_id)),
        )
        .order(offers::updated_at.desc())
        .select(Offer::as_select())
        .load(conn)?)
}

/// Offers waiting for moderation in the given departments, oldest first.
pub fn pending_in(conn: &mut DbConnection, departments: &[String]) -> AppResult<Vec<Offer>> {
    Ok(offers::table
        .filter(offers::status.eq(OfferStatus::Pending.as_str()))
        .filter(offers::department.eq_any(departments))
        .order(offers::updated_at)
        .select(Offer::as_select())
        .load(conn)?)
}

/// Published offers whose publication must end now.
pub fn due_to_expire(conn: &mut DbConnection, today: NaiveDate) -> AppResult<Vec<Offer>> {
    let stale = now() - Duration::days(super::service::IDLE_DAYS);
    Ok(offers::table
        .filter(offers::status.eq(OfferStatus::Published.as_str()))
        .filter(
            offers::expires_on
                .lt(today)
                .or(offers::updated_at.lt(stale)),
        )
        .select(Offer::as_select())
        .load(conn)?)
}

/// Published offers that end within the warning period and whose managers were not warned.
pub fn due_for_warning(conn: &mut DbConnection, today: NaiveDate) -> AppResult<Vec<Offer>> {
    let warn = super::service::WARN_DAYS;
    let stale = now() - Duration::days(super::service::IDLE_DAYS - warn);
    Ok(offers::table
        .filter(offers::status.eq(OfferStatus::Published.as_str()))
        .filter(offers::expiry_warned_at.is_null())
        .filter(
            offers::expires_on
                .le(today + Duration::days(warn))
                .or(offers::updated_at.lt(stale)),
        )
        .select(Offer::as_select())
        .load(conn)?)
}

pub fn mark_warned(conn: &mut DbConnection, id: &str) -> AppResult<()> {
    diesel::update(offers::table.find(id))
        .set(offers::expiry_warned_at.eq(Some(now())))
        .execute(conn)?;
    Ok(())
}

/// Published offers, most recent first (public listing and index rebuild).
pub fn published(
    conn: &mut DbConnection,
    department: Option<&str>,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<Offer>)> {
    let base = || {
        let mut q = offers::table
            .filter(offers::status.eq(OfferStatus::Published.as_str()))
            .into_boxed();
        if let Some(d) = department {
            q = q.filter(offers::department.eq(d.to_owned()));
        }
        q
    };
    let total = base().count().get_result(conn)?;
    let list = base()
        .order((offers::published_at.desc(), offers::id))
        .offset(offset)
        .limit(limit)
        .select(Offer::as_select())
        .load(conn)?;
    Ok((total, list))
}

pub fn delegated_companies(
    conn: &mut DbConnection,
    centre_id: &str,
) -> AppResult<Vec<(String, String)>> {
    Ok(delegations::table
        .inner_join(organisations::table.on(organisations::id.eq(delegations::company_id)))
        .filter(delegations::training_centre_id.eq(centre_id))
        .order(organisations::name)
        .select((organisations::id, organisations::name))
        .load(conn)?)
}

pub fn is_delegated(conn: &mut DbConnection, company_id: &str, centre_id: &str) -> AppResult<bool> {
    Ok(delegations::table
        .find((company_id, centre_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn add_delegation(conn: &mut DbConnection, company_id: &str, centre_id: &str) -> AppResult<()> {
    if is_delegated(conn, company_id, centre_id)? {
        return Ok(());
    }
    diesel::insert_into(delegations::table)
        .values((
            delegations::company_id.eq(company_id),
            delegations::training_centre_id.eq(centre_id),
            delegations::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn get_many(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<Offer>> {
    Ok(offers::table
        .filter(offers::id.eq_any(ids))
        .select(Offer::as_select())
        .load(conn)?)
}
