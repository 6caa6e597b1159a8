//! Storage of partners' profiles, contacts, onboarding steps, charter versions and
//! signatures, renewals and reminder marks.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::{AppError, AppResult};

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = partner_profiles)]
#[schema(as = PartnerProfile)]
pub struct Profile {
    pub organisation_id: String,
    pub platform_role: String,
    pub website: Option<String>,
    pub description: String,
    pub listed: bool,
    pub onboarding_started_on: NaiveDate,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = partner_contacts)]
pub struct Contact {
    pub id: String,
    #[serde(skip)]
    pub organisation_id: String,
    pub name: String,
    pub function: String,
    pub email: String,
    pub phone: Option<String>,
    pub is_public: bool,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = partner_steps)]
pub struct StepRecord {
    #[serde(skip)]
    pub organisation_id: String,
    pub step: String,
    pub done_on: NaiveDate,
    pub done_by: String,
    pub note: Option<String>,
    pub import_profile_id: Option<String>,
    #[serde(skip)]
    pub recorded_by: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub recorded_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = charter_versions)]
pub struct CharterVersion {
    pub id: String,
    pub number: i32,
    pub title: String,
    pub body: String,
    pub effective_on: NaiveDate,
    #[serde(skip)]
    pub published_by: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub published_at: NaiveDateTime,
}

impl CharterVersion {
    pub fn effective_fr(&self) -> String {
        crate::web::date_fr(&self.effective_on)
    }
    pub fn published_fr(&self) -> String {
        crate::web::datetime_fr(&self.published_at)
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = charter_signatures)]
pub struct Signature {
    pub id: String,
    pub version_id: String,
    pub organisation_id: String,
    pub user_id: String,
    pub signed_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = partner_renewals)]
pub struct Renewal {
    pub id: String,
    #[serde(skip)]
    pub organisation_id: String,
    pub year: i32,
    pub renewal_on: NaiveDate,
    pub requested_cents: i64,
    pub requested_on: NaiveDate,
    pub due_on: NaiveDate,
    pub paid_cents: Option<i64>,
    pub paid_on: Option<NaiveDate>,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
}

pub fn profile(conn: &mut DbConnection, org_id: &str) -> AppResult<Option<Profile>> {
    Ok(partner_profiles::table
        .find(org_id)
        .select(Profile::as_select())
        .first(conn)
        .optional()?)
}

pub fn profiles(conn: &mut DbConnection) -> AppResult<Vec<Profile>> {
    Ok(partner_profiles::table
        .select(Profile::as_select())
        .load(conn)?)
}

pub struct ProfileFields<'a> {
    pub platform_role: &'a str,
    pub website: Option<&'a str>,
    pub description: &'a str,
    pub listed: bool,
}

pub fn insert_profile(
    conn: &mut DbConnection,
    org_id: &str,
    fields: &ProfileFields<'_>,
    started_on: NaiveDate,
) -> AppResult<()> {
    let result = diesel::insert_into(partner_profiles::table)
        .values((
            partner_profiles::organisation_id.eq(org_id),
            partner_profiles::platform_role.eq(fields.platform_role),
            partner_profiles::website.eq(fields.website),
            partner_profiles::description.eq(fields.description),
            partner_profiles::listed.eq(fields.listed),
            partner_profiles::onboarding_started_on.eq(started_on),
            partner_profiles::created_at.eq(now()),
            partner_profiles::updated_at.eq(now()),
        ))
        .execute(conn);
    match result {
        Ok(_) => Ok(()),
        Err(e) if crate::db::is_unique_violation(&e) => Err(AppError::conflict(
            "Cette organisation figure déjà parmi les partenaires.",
        )),
        Err(e) => Err(e.into()),
    }
}

pub fn update_profile(
    conn: &mut DbConnection,
    org_id: &str,
    fields: &ProfileFields<'_>,
) -> AppResult<()> {
    diesel::update(partner_profiles::table.find(org_id))
        .set((
            partner_profiles::platform_role.eq(fields.platform_role),
            partner_profiles::website.eq(fields.website),
            partner_profiles::description.eq(fields.description),
            partner_profiles::listed.eq(fields.listed),
            partner_profiles::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn contacts(conn: &mut DbConnection, org_id: &str) -> AppResult<Vec<Contact>> {
    Ok(partner_contacts::table
        .filter(partner_contacts::organisation_id.eq(org_id))
        .order((partner_contacts::created_at, partner_contacts::id))
        .select(Contact::as_select())
        .load(conn)?)
}

pub struct NewContact<'a> {
    pub name: &'a str,
    pub function: &'a str,
    pub email: &'a str,
    pub phone: Option<&'a str>,
}

pub fn insert_contact(
    conn: &mut DbConnection,
    org_id: &str,
    contact: &NewContact<'_>,
) -> AppResult<String> {
    let id = new_id();
    diesel::insert_into(partner_contacts::table)
        .values((
            partner_contacts::id.eq(&id),
            partner_contacts::organisation_id.eq(org_id),
            partner_contacts::name.eq(contact.name),
            partner_contacts::function.eq(contact.function),
            partner_contacts::email.eq(contact.email),
            partner_contacts::phone.eq(contact.phone),
            partner_contacts::is_public.eq(false),
            partner_contacts::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Makes one contact the partner's public one (and no other). False if the contact is not
/// the partner's.
pub fn set_public_contact(
    conn: &mut DbConnection,
    org_id: &str,
    contact_id: &str,
) -> AppResult<bool> {
    let n = diesel::update(
        partner_contacts::table
            .filter(partner_contacts::organisation_id.eq(org_id))
            .filter(partner_contacts::id.eq(contact_id)),
    )
    .set(partner_contacts::is_public.eq(true))
    .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    diesel::update(
        partner_contacts::table
            .filter(partner_contacts::organisation_id.eq(org_id))
            .filter(partner_contacts::id.ne(contact_id)),
    )
    .set(partner_contacts::is_public.eq(false))
    .execute(conn)?;
    Ok(true)
}

pub fn delete_contact(conn: &mut DbConnection, org_id: &str, contact_id: &str) -> AppResult<bool> {
    let n = diesel::delete(
        partner_contacts::table
            .filter(partner_contacts::organisation_id.eq(org_id))
            .filter(partner_contacts::id.eq(contact_id)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

pub fn steps(conn: &mut DbConnection, org_id: &str) -> AppResult<Vec<StepRecord>> {
    Ok(partner_steps::table
        .filter(partner_steps::organisation_id.eq(org_id))
        .select(StepRecord::as_select())
        .load(conn)?)
}

pub fn all_steps(conn: &mut DbConnection) -> AppResult<Vec<StepRecord>> {
    Ok(partner_steps::table
        .select(StepRecord::as_select())
        .load(conn)?)
}

pub struct NewStep<'a> {
    pub step: &'a str,
    pub done_on: NaiveDate,
    pub done_by: &'a str,
    pub note: Option<&'a str>,
    pub import_profile_id: Option<&'a str>,
    pub recorded_by: &'a str,
}

/// Records a step (replacing an earlier record of the same step).
pub fn record_step(conn: &mut DbConnection, org_id: &str, step: &NewStep<'_>) -> AppResult<()> {
    diesel::delete(
        partner_steps::table
            .filter(partner_steps::organisation_id.eq(org_id))
            .filter(partner_steps::step.eq(step.step)),
    )
    .execute(conn)?;
    diesel::insert_into(partner_steps::table)
        .values((
            partner_steps::organisation_id.eq(org_id),
            partner_steps::step.eq(step.step),
            partner_steps::done_on.eq(step.done_on),
            partner_steps::done_by.eq(step.done_by),
            partner_steps::note.eq(step.note),
            partner_steps::import_profile_id.eq(step.import_profile_id),
            partner_steps::recorded_by.eq(step.recorded_by),
            partner_steps::recorded_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn step_done(conn: &mut DbConnection, org_id: &str, step: &str) -> AppResult<bool> {
    Ok(partner_steps::table
        .filter(partner_steps::organisation_id.eq(org_id))
        .filter(partner_steps::step.eq(step))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn charter_versions(conn: &mut DbConnection) -> AppResult<Vec<CharterVersion>> {
    Ok(charter_versions::table
        .order(charter_versions::number.desc())
        .select(CharterVersion::as_select())
        .load(conn)?)
}

/// The version in force on a day: the highest number already effective.
pub fn current_charter(
    conn: &mut DbConnection,
    today: NaiveDate,
) -> AppResult<Option<CharterVersion>> {
    Ok(charter_versions::table
        .filter(charter_versions::effective_on.le(today))
        .order(charter_versions::number.desc())
        .select(CharterVersion::as_select())
        .first(conn)
        .optional()?)
}

pub struct NewVersion<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub effective_on: NaiveDate,
    pub published_by: &'a str,
}

/// Publishes the next version; the unique number makes two concurrent publications fail
/// rather than share a number.
pub fn publish_version(conn: &mut DbConnection, version: &NewVersion<'_>) -> AppResult<i32> {
    let last: Option<i32> = charter_versions::table
        .select(diesel::dsl::max(charter_versions::number))
        .first(conn)?;
    let number = last.unwrap_or(0) + 1;
    let result = diesel::insert_into(charter_versions::table)
        .values((
            charter_versions::id.eq(new_id()),
            charter_versions::number.eq(number),
            charter_versions::title.eq(version.title),
            charter_versions::body.eq(version.body),
            charter_versions::effective_on.eq(version.effective_on),
            charter_versions::published_by.eq(version.published_by),
            charter_versions::published_at.eq(now()),
        ))
        .execute(conn);
    match result {
        Ok(_) => Ok(number),
        Err(e) if crate::db::is_unique_violation(&e) => Err(AppError::conflict(
            "Une autre version vient d’être publiée : rechargez la page.",
        )),
        Err(e) => Err(e.into()),
    }
}

pub fn signatures_of(conn: &mut DbConnection, org_id: &str) -> AppResult<Vec<Signature>> {
    Ok(charter_signatures::table
        .filter(charter_signatures::organisation_id.eq(org_id))
        .order(charter_signatures::signed_at.desc())
        .select(Signature::as_select())
        .load(conn)?)
}

pub fn all_signatures(conn: &mut DbConnection) -> AppResult<Vec<Signature>> {
    Ok(charter_signatures::table
        .select(Signature::as_select())
        .load(conn)?)
}

/// Records a signature; false if the organisation had already signed this version (the
/// unique index decides, whatever the concurrency).
pub fn insert_signature(
    conn: &mut DbConnection,
    version_id: &str,
    org_id: &str,
    user_id: &str,
) -> AppResult<bool> {
    let result = diesel::insert_into(charter_signatures::table)
        .values((
            charter_signatures::id.eq(new_id()),
            charter_signatures::version_id.eq(version_id),
            charter_signatures::organisation_id.eq(org_id),
            charter_signatures::user_id.eq(user_id),
            charter_signatures::signed_at.eq(now()),
        ))
        .execute(conn);
    match result {
        Ok(_) => Ok(true),
        Err(e) if crate::db::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub fn signed(conn: &mut DbConnection, version_id: &str, org_id: &str) -> AppResult<bool> {
    Ok(charter_signatures::table
        .filter(charter_signatures::version_id.eq(version_id))
        .filter(charter_signatures::organisation_id.eq(org_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

pub fn renewals_of(conn: &mut DbConnection, org_id: &str) -> AppResult<Vec<Renewal>> {
    Ok(partner_renewals::table
        .filter(partner_renewals::organisation_id.eq(org_id))
        .order(partner_renewals::year.desc())
        .select(Renewal::as_select())
        .load(conn)?)
}

pub fn all_renewals(conn: &mut DbConnection) -> AppResult<Vec<Renewal>> {
    Ok(partner_renewals::table
        .order(partner_renewals::year.desc())
        .select(Renewal::as_select())
        .load(conn)?)
}

pub fn renewal(conn: &mut DbConnection, id: &str) -> AppResult<Renewal> {
    partner_renewals::table
        .find(id)
        .select(Renewal::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

pub struct NewRenewal {
    pub year: i32,
    pub renewal_on: NaiveDate,
    pub requested_cents: i64,
    pub requested_on: NaiveDate,
    pub due_on: NaiveDate,
}

pub fn insert_renewal(conn: &mut DbConnection, org_id: &str, r: &NewRenewal) -> AppResult<String> {
    let id = new_id();
    let result = diesel::insert_into(partner_renewals::table)
        .values((
            partner_renewals::id.eq(&id),
            partner_renewals::organisation_id.eq(org_id),
            partner_renewals::year.eq(r.year),
            partner_renewals::renewal_on.eq(r.renewal_on),
            partner_renewals::requested_cents.eq(r.requested_cents),
            partner_renewals::requested_on.eq(r.requested_on),
            partner_renewals::due_on.eq(r.due_on),
            partner_renewals::created_at.eq(now()),
        ))
        .execute(conn);
    match result {
        Ok(_) => Ok(id),
        Err(e) if crate::db::is_unique_violation(&e) => Err(AppError::conflict(format!(
            "Le renouvellement {} de ce partenaire existe déjà.",
            r.year
        ))),
        Err(e) => Err(e.into()),
    }
}

pub fn record_payment(
    conn: &mut DbConnection,
    id: &str,
    paid_cents: i64,
    paid_on: NaiveDate,
) -> AppResult<()> {
    diesel::update(partner_renewals::table.find(id))
        .set((
            partner_renewals::paid_cents.eq(Some(paid_cents)),
            partner_renewals::paid_on.eq(Some(paid_on)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks an item as put in today's digest; false if it already was.
pub fn mark_reminded(conn: &mut DbConnection, item: &str, day: NaiveDate) -> AppResult<bool> {
    let already = partner_reminders::table
        .filter(partner_reminders::item.eq(item))
        .filter(partner_reminders::sent_on.eq(day))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if already {
        return Ok(false);
    }
    diesel::insert_into(partner_reminders::table)
        .values((
            partner_reminders::item.eq(item),
            partner_reminders::sent_on.eq(day),
        ))
        .execute(conn)?;
    Ok(true)
}
