//! Offers in the database.

use chrono::{Duration, NaiveDate, NaiveDateTime};
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

/// What an offer says: the columns the offer forms, the API and imports all write, and that
/// only this store writes. (`None` is written as NULL, never as `DEFAULT`: SQLite has no
/// `DEFAULT` in a multi-row insert, where diesel would fall back to a statement per row.)
#[derive(Clone, Copy, Insertable, AsChangeset)]
#[diesel(
    table_name = offers,
    treat_none_as_null = true,
    treat_none_as_default_value = false
)]
pub struct OfferContent<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub rome_code: &'a str,
    pub contract_type: &'static str,
    pub level: i32,
    pub training: Option<&'a str>,
    pub start_date: NaiveDate,
    pub duration_months: i32,
    pub commune_insee: &'a str,
    pub department: &'a str,
    pub positions: i32,
    pub share_with_france_travail: bool,
}

impl<'a> From<&'a OfferInput> for OfferContent<'a> {
    fn from(input: &'a OfferInput) -> Self {
        Self {
            title: &input.title,
            description: &input.description,
            rome_code: &input.rome_code,
            contract_type: input.contract_type.as_str(),
            level: input.level,
            training: input.training.as_deref(),
            start_date: input.start_date,
            duration_months: input.duration_months,
            commune_insee: &input.commune_insee,
            department: &input.department,
            positions: input.positions,
            share_with_france_travail: input.share_with_france_travail,
        }
    }
}

/// Where an imported offer comes from: its profile, the partner's reference, and the digest
/// of the row it was last written from.
pub struct ImportOrigin<'a> {
    pub profile_id: &'a str,
    pub reference: &'a str,
    pub digest: &'a str,
}

/// A new offer: the forms and the API create drafts, imports pending or published offers.
pub struct NewOffer<'a> {
    pub company_id: &'a str,
    pub managed_by_id: &'a str,
    pub created_by: Option<&'a str>,
    pub content: OfferContent<'a>,
    pub expires_on: Option<NaiveDate>,
    pub status: OfferStatus,
    pub import: Option<ImportOrigin<'a>>,
}

impl<'a> NewOffer<'a> {
    /// A draft from the form or the API (or the demo).
    pub fn draft(
        company_id: &'a str,
        managed_by_id: &'a str,
        created_by: Option<&'a str>,
        input: &'a OfferInput,
    ) -> Self {
        Self {
            company_id,
            managed_by_id,
            created_by,
            content: input.into(),
            expires_on: input.expires_on,
            status: OfferStatus::Draft,
            import: None,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = offers, treat_none_as_default_value = false)]
struct OfferRow<'a> {
    id: &'a str,
    company_id: &'a str,
    managed_by_id: &'a str,
    created_by: Option<&'a str>,
    #[diesel(embed)]
    content: OfferContent<'a>,
    status: &'static str,
    published_at: Option<NaiveDateTime>,
    moderated_at: Option<NaiveDateTime>,
    expires_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    import_profile_id: Option<&'a str>,
    partner_reference: Option<&'a str>,
    import_digest: Option<&'a str>,
}

/// Columns of an [`OfferRow`], one bind parameter each.
const ROW_COLUMNS: usize = 25;

/// Offers written by one statement: as many as SQLite's 32,766 bind parameters allow
/// (PostgreSQL takes 65,535).
const ROWS_PER_INSERT: usize = 32_766 / ROW_COLUMNS;

impl<'a> OfferRow<'a> {
    /// The row of a new offer dated `at`; one created published counts as moderated then.
    fn new(id: &'a str, new: &NewOffer<'a>, at: NaiveDateTime) -> Self {
        let published = (new.status == OfferStatus::Published).then_some(at);
        Self {
            id,
            company_id: new.company_id,
            managed_by_id: new.managed_by_id,
            created_by: new.created_by,
            content: new.content,
            status: new.status.as_str(),
            published_at: published,
            moderated_at: published,
            expires_on: new.expires_on,
            created_at: at,
            updated_at: at,
            import_profile_id: new.import.as_ref().map(|i| i.profile_id),
            partner_reference: new.import.as_ref().map(|i| i.reference),
            import_digest: new.import.as_ref().map(|i| i.digest),
        }
    }
}

/// Writes a new offer dated `at`; one created published counts as moderated then.
pub fn insert(conn: &mut DbConnection, new: NewOffer<'_>, at: NaiveDateTime) -> AppResult<String> {
    let mut ids = insert_many(conn, std::slice::from_ref(&new), at)?;
    Ok(ids.remove(0))
}

/// Writes new offers dated `at` (an import's), a multi-row statement per
/// [`ROWS_PER_INSERT`] offers: their ids, in the order given.
pub fn insert_many(
    conn: &mut DbConnection,
    news: &[NewOffer<'_>],
    at: NaiveDateTime,
) -> AppResult<Vec<String>> {
    let ids: Vec<String> = news.iter().map(|_| new_id()).collect();
    for (news, ids) in news
        .chunks(ROWS_PER_INSERT)
        .zip(ids.chunks(ROWS_PER_INSERT))
    {
        let rows: Vec<OfferRow<'_>> = news
            .iter()
            .zip(ids)
            .map(|(new, id)| OfferRow::new(id, new, at))
            .collect();
        // On the concrete connection: through `DbConnection` (`MultiConnection`), diesel
        // renders the statement's SQL again at every execution.
        crate::with_backend!(conn, c => {
            diesel::insert_into(offers::table).values(&rows).execute(c)
        })?;
    }
    Ok(ids)
}

/// A new version of an offer's content, from its form or the API (imports write theirs with
/// [`update_imported`]).
#[derive(AsChangeset)]
#[diesel(table_name = offers)]
pub struct OfferChanges<'a> {
    #[diesel(embed)]
    pub content: OfferContent<'a>,
    pub status: &'static str,
    pub updated_at: NaiveDateTime,
    /// `Some` to set or clear the end date.
    pub expires_on: Option<Option<NaiveDate>>,
    /// `Some(None)` to forget that the managers were warned of the end.
    pub expiry_warned_at: Option<Option<NaiveDateTime>>,
}

impl<'a> OfferChanges<'a> {
    /// An edit through the form or the API: the content, its end date, the status it goes to.
    pub fn edit(input: &'a OfferInput, status: OfferStatus, at: NaiveDateTime) -> Self {
        Self {
            content: input.into(),
            status: status.as_str(),
            updated_at: at,
            expires_on: Some(input.expires_on),
            expiry_warned_at: Some(None),
        }
    }
}

pub fn update(conn: &mut DbConnection, id: &str, changes: &OfferChanges<'_>) -> AppResult<()> {
    diesel::update(offers::table.find(id))
        .set(changes)
        .execute(conn)?;
    Ok(())
}

/// A new version of an imported offer: the row's content, employer and digest, its status.
pub struct ImportedChange<'a> {
    pub id: &'a str,
    pub company_id: &'a str,
    pub content: OfferContent<'a>,
    pub digest: &'a str,
    pub status: OfferStatus,
    /// Published by this change without a chamber's review (trusted imports): dated then, as
    /// an approval would be, and its managers not warned of its end yet.
    pub publishing: bool,
}

/// The columns of an [`ImportedChange`], in the order of its bind parameters.
const CHANGE_COLUMNS: [&str; 17] = [
    "id",
    "title",
    "description",
    "rome_code",
    "contract_type",
    "level",
    "training",
    "start_date",
    "duration_months",
    "commune_insee",
    "department",
    "positions",
    "share_with_france_travail",
    "status",
    "company_id",
    "import_digest",
    "publishing",
];

/// Imported offers changed by one statement (and the time, one more bind parameter).
const ROWS_PER_UPDATE: usize = (32_766 - 1) / CHANGE_COLUMNS.len();

/// `UPDATE … FROM` a table of values (SQLite since 3.33 and PostgreSQL alike), parameters
/// numbered after `mark` (`?1` on SQLite, `$1` on PostgreSQL), `rows` rows then the time.
fn update_imported_sql(mark: char, rows: usize) -> String {
    use std::fmt::Write;
    let width = CHANGE_COLUMNS.len();
    let mut sql = format!("WITH v ({}) AS (VALUES ", CHANGE_COLUMNS.join(", "));
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..width {
            let sep = if column == 0 { "" } else { ", " };
            let _ = write!(sql, "{sep}{mark}{}", row * width + column + 1);
        }
        sql.push(')');
    }
    let at = format!("{mark}{}", rows * width + 1);
    sql.push_str(") UPDATE offers SET ");
    for column in &CHANGE_COLUMNS[1..width - 1] {
        let _ = write!(sql, "{column} = v.{column}, ");
    }
    let _ = write!(
        sql,
        "updated_at = {at}, \
         published_at = CASE WHEN v.publishing THEN {at} ELSE offers.published_at END, \
         moderated_at = CASE WHEN v.publishing THEN {at} ELSE offers.moderated_at END, \
         expiry_warned_at = CASE WHEN v.publishing THEN NULL ELSE offers.expiry_warned_at END \
         FROM v WHERE offers.id = v.id"
    );
    sql
}

/// Writes new versions of imported offers dated `at`, a statement per [`ROWS_PER_UPDATE`]
/// offers (a statement per offer cost PostgreSQL a round trip each).
pub fn update_imported(
    conn: &mut DbConnection,
    changes: &[ImportedChange<'_>],
    at: NaiveDateTime,
) -> AppResult<()> {
    use diesel::sql_types::{Bool, Date, Integer, Nullable, Text, Timestamp};
    let mark = match conn {
        DbConnection::Pg(_) => '$',
        DbConnection::Sqlite(_) => '?',
    };
    for chunk in changes.chunks(ROWS_PER_UPDATE) {
        let sql = update_imported_sql(mark, chunk.len());
        crate::with_backend!(conn, c => {
            let mut query = diesel::sql_query(sql).into_boxed();
            for change in chunk {
                let content = &change.content;
                query = query
                    .bind::<Text, _>(change.id)
                    .bind::<Text, _>(content.title)
                    .bind::<Text, _>(content.description)
                    .bind::<Text, _>(content.rome_code)
                    .bind::<Text, _>(content.contract_type)
                    .bind::<Integer, _>(content.level)
                    .bind::<Nullable<Text>, _>(content.training)
                    .bind::<Date, _>(content.start_date)
                    .bind::<Integer, _>(content.duration_months)
                    .bind::<Text, _>(content.commune_insee)
                    .bind::<Text, _>(content.department)
                    .bind::<Integer, _>(content.positions)
                    .bind::<Bool, _>(content.share_with_france_travail)
                    .bind::<Text, _>(change.status.as_str())
                    .bind::<Text, _>(change.company_id)
                    .bind::<Text, _>(change.digest)
                    .bind::<Bool, _>(change.publishing);
            }
            query.bind::<Timestamp, _>(at).execute(c)
        })?;
    }
    Ok(())
}

/// Withdraws offers at once (an import snapshot that no longer lists them).
pub fn withdraw_many(conn: &mut DbConnection, ids: &[String], at: NaiveDateTime) -> AppResult<()> {
    for chunk in ids.chunks(500) {
        diesel::update(offers::table.filter(offers::id.eq_any(chunk)))
            .set((
                offers::status.eq(OfferStatus::Withdrawn.as_str()),
                offers::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
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

/// How many offers of an organisation (posted by it or managed for it) are published.
pub fn published_of(conn: &mut DbConnection, org_id: &str) -> AppResult<i64> {
    Ok(offers::table
        .filter(
            offers::company_id
                .eq(org_id)
                .or(offers::managed_by_id.eq(org_id)),
        )
        .filter(offers::status.eq(OfferStatus::Published.as_str()))
        .count()
        .get_result(conn)?)
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

pub fn get_many(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<Offer>> {
    Ok(offers::table
        .filter(offers::id.eq_any(ids))
        .select(Offer::as_select())
        .load(conn)?)
}

/// Follows [`DELEGATION_REVOKED`](crate::organisations::DELEGATION_REVOKED) (`[company,
/// centre]`): the offers the centre managed for the company are the company's to manage again.
pub fn hand_back_to_company(conn: &mut DbConnection, ids: &[String]) -> AppResult<()> {
    let [company, centre] = ids else {
        return Err(AppError::internal(anyhow::anyhow!(
            "delegation_revoked carries [company, centre]"
        )));
    };
    diesel::update(
        offers::table
            .filter(offers::company_id.eq(company))
            .filter(offers::managed_by_id.eq(centre)),
    )
    .set((
        offers::managed_by_id.eq(company),
        offers::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(())
}
