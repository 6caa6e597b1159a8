//! Candidate profiles in the database: the profile, wished occupations, the CV file's
//! metadata, visibility and the moderation decision.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::{DbConnection, now, schema::*};
use crate::error::AppResult;

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = candidate_profiles)]
#[schema(as = CandidateProfile)]
pub struct Profile {
    pub user_id: String,
    pub presentation: String,
    pub level_reached: Option<i32>,
    pub level_sought: Option<i32>,
    pub commune_insee: Option<String>,
    pub department: Option<String>,
    pub mobility_km: i32,
    pub available_from: Option<NaiveDate>,
    /// The candidate lets validated recruiters see the profile.
    pub visible: bool,
    /// `pending`, `validated` or `rejected`.
    pub validation_status: String,
    pub rejection_reason: Option<String>,
    #[serde(skip)]
    pub validated_by: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub validated_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub cv_file: Option<String>,
    pub cv_original_name: Option<String>,
    pub cv_size: Option<i64>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub cv_uploaded_at: Option<NaiveDateTime>,
    pub structured_cv: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
}

impl Profile {
    pub fn status_label(&self) -> &'static str {
        match self.validation_status.as_str() {
            "validated" => "Validé",
            "rejected" => "À corriger",
            _ => "En attente de validation",
        }
    }
    pub fn is_validated(&self) -> bool {
        self.validation_status == "validated"
    }
    pub fn has_cv(&self) -> bool {
        self.cv_file.is_some()
    }
}

pub fn get(conn: &mut DbConnection, user_id: &str) -> AppResult<Option<Profile>> {
    Ok(candidate_profiles::table
        .find(user_id)
        .select(Profile::as_select())
        .first(conn)
        .optional()?)
}

pub fn occupations(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<(String, String)>> {
    Ok(candidate_occupations::table
        .inner_join(
            rome_occupations::table.on(rome_occupations::code.eq(candidate_occupations::rome_code)),
        )
        .filter(candidate_occupations::user_id.eq(user_id))
        .order(candidate_occupations::rome_code)
        .select((rome_occupations::code, rome_occupations::label))
        .load(conn)?)
}

pub struct ProfileInput {
    pub presentation: String,
    pub level_reached: Option<i32>,
    pub level_sought: Option<i32>,
    pub commune_insee: Option<String>,
    pub department: Option<String>,
    pub mobility_km: i32,
    pub available_from: Option<NaiveDate>,
    pub visible: bool,
    pub structured_cv: Option<String>,
    pub occupations: Vec<String>,
}

/// Saves a profile; its content goes (back) to the chamber for validation.
pub fn save(conn: &mut DbConnection, user_id: &str, input: &ProfileInput) -> AppResult<()> {
    let at = now();
    let exists = get(conn, user_id)?.is_some();
    let values = (
        candidate_profiles::presentation.eq(&input.presentation),
        candidate_profiles::level_reached.eq(input.level_reached),
        candidate_profiles::level_sought.eq(input.level_sought),
        candidate_profiles::commune_insee.eq(&input.commune_insee),
        candidate_profiles::department.eq(&input.department),
        candidate_profiles::mobility_km.eq(input.mobility_km),
        candidate_profiles::available_from.eq(input.available_from),
        candidate_profiles::visible.eq(input.visible),
        candidate_profiles::structured_cv.eq(&input.structured_cv),
        candidate_profiles::validation_status.eq("pending"),
        candidate_profiles::updated_at.eq(at),
    );
    if exists {
        diesel::update(candidate_profiles::table.find(user_id))
            .set(values)
            .execute(conn)?;
    } else {
        diesel::insert_into(candidate_profiles::table)
            .values((
                candidate_profiles::user_id.eq(user_id),
                candidate_profiles::created_at.eq(at),
                values,
            ))
            .execute(conn)?;
    }
    diesel::delete(candidate_occupations::table.filter(candidate_occupations::user_id.eq(user_id)))
        .execute(conn)?;
    for code in &input.occupations {
        diesel::insert_into(candidate_occupations::table)
            .values((
                candidate_occupations::user_id.eq(user_id),
                candidate_occupations::rome_code.eq(code),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Only the visibility changed: no new validation needed.
pub fn set_visible(conn: &mut DbConnection, user_id: &str, visible: bool) -> AppResult<()> {
    diesel::update(candidate_profiles::table.find(user_id))
        .set(candidate_profiles::visible.eq(visible))
        .execute(conn)?;
    Ok(())
}

pub fn set_cv(
    conn: &mut DbConnection,
    user_id: &str,
    file: Option<(&str, &str, i64)>,
) -> AppResult<()> {
    let at = now();
    let target = candidate_profiles::table.find(user_id);
    match file {
        Some((stored, original, size)) => diesel::update(target)
            .set((
                candidate_profiles::cv_file.eq(stored),
                candidate_profiles::cv_original_name.eq(original),
                candidate_profiles::cv_size.eq(size),
                candidate_profiles::cv_uploaded_at.eq(at),
                candidate_profiles::validation_status.eq("pending"),
                candidate_profiles::updated_at.eq(at),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                candidate_profiles::cv_file.eq(None::<String>),
                candidate_profiles::cv_original_name.eq(None::<String>),
                candidate_profiles::cv_size.eq(None::<i64>),
                candidate_profiles::cv_uploaded_at.eq(None::<NaiveDateTime>),
                candidate_profiles::updated_at.eq(at),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// The profile that names `file` as its CV, if any.
pub fn by_cv_file(conn: &mut DbConnection, file: &str) -> AppResult<Option<String>> {
    Ok(candidate_profiles::table
        .filter(candidate_profiles::cv_file.eq(file))
        .select(candidate_profiles::user_id)
        .first(conn)
        .optional()?)
}

/// Points a profile's CV at another stored file, nothing else changing (a CV moved from the
/// disk of an earlier version into the database).
pub fn move_cv_file(conn: &mut DbConnection, user_id: &str, to: &str) -> AppResult<()> {
    diesel::update(candidate_profiles::table.find(user_id))
        .set(candidate_profiles::cv_file.eq(to))
        .execute(conn)?;
    Ok(())
}

pub fn decide(
    conn: &mut DbConnection,
    user_id: &str,
    officer: &str,
    approve: bool,
    reason: Option<&str>,
) -> AppResult<bool> {
    let n = diesel::update(
        candidate_profiles::table
            .find(user_id)
            .filter(candidate_profiles::validation_status.eq("pending")),
    )
    .set((
        candidate_profiles::validation_status.eq(if approve { "validated" } else { "rejected" }),
        candidate_profiles::rejection_reason.eq(reason),
        candidate_profiles::validated_by.eq(officer),
        candidate_profiles::validated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Profiles waiting for validation in the given departments (with the person's name).
pub fn pending_in(
    conn: &mut DbConnection,
    departments: &[String],
) -> AppResult<Vec<(Profile, String, String)>> {
    Ok(candidate_profiles::table
        .inner_join(users::table)
        .filter(candidate_profiles::validation_status.eq("pending"))
        .filter(candidate_profiles::department.eq_any(departments))
        .order(candidate_profiles::updated_at)
        .select((Profile::as_select(), users::first_name, users::last_name))
        .load(conn)?)
}

/// A profile found by a search, with the first name and the commune's position.
/// A profile found, with the first and last names and the commune's position.
pub type SearchRow = (Profile, String, String, Option<f64>, Option<f64>);

/// Profiles recruiters may find: validated and visible, with optional filters.
/// Validated, visible profiles of active accounts matching the filters, most recently updated
/// first; `bbox` keeps those whose commune lies inside it (a pre-filter of a radius search).
pub fn searchable(
    conn: &mut DbConnection,
    rome: Option<&str>,
    min_level: Option<i32>,
    available_by: Option<NaiveDate>,
    bbox: Option<crate::search::geo::BoundingBox>,
) -> AppResult<Vec<SearchRow>> {
    let mut query = candidate_profiles::table
        .inner_join(users::table)
        .left_join(
            communes::table.on(communes::insee_code
                .nullable()
                .eq(candidate_profiles::commune_insee)),
        )
        .filter(candidate_profiles::validation_status.eq("validated"))
        .filter(candidate_profiles::visible.eq(true))
        .filter(users::status.eq("active"))
        .order((
            candidate_profiles::updated_at.desc(),
            candidate_profiles::user_id,
        ))
        .select((
            Profile::as_select(),
            users::first_name,
            users::last_name,
            communes::lat.nullable(),
            communes::lon.nullable(),
        ))
        .into_boxed();
    if let Some(code) = rome {
        query = query.filter(
            candidate_profiles::user_id.eq_any(
                candidate_occupations::table
                    .filter(candidate_occupations::rome_code.eq(code.to_owned()))
                    .select(candidate_occupations::user_id),
            ),
        );
    }
    if let Some(level) = min_level {
        query = query.filter(candidate_profiles::level_reached.ge(level));
    }
    if let Some(date) = available_by {
        query = query.filter(
            candidate_profiles::available_from
                .le(date)
                .or(candidate_profiles::available_from.is_null()),
        );
    }
    if let Some(bbox) = bbox {
        query = query.filter(communes::lat.between(bbox.lat.0, bbox.lat.1));
        if let Some((west, east)) = bbox.lon {
            query = query.filter(communes::lon.between(west, east));
        }
    }
    Ok(query.load(conn)?)
}

/// Who (which organisation) looked at a candidate's profile or CV, most recent first.
pub fn views(
    conn: &mut DbConnection,
    user_id: &str,
) -> AppResult<Vec<(NaiveDateTime, String, Option<String>)>> {
    Ok(audit_events::table
        .left_join(
            organisations::table.on(organisations::id
                .nullable()
                .eq(audit_events::actor_organisation_id)),
        )
        .filter(audit_events::target_type.eq("candidate"))
        .filter(audit_events::target_id.eq(user_id))
        .filter(audit_events::action.eq_any(["cv_viewed", "cv_downloaded", super::alerts::ALERTED]))
        .filter(audit_events::actor_user_id.ne(user_id))
        .order(audit_events::at.desc())
        .limit(200)
        .select((
            audit_events::at,
            audit_events::action,
            organisations::name.nullable(),
        ))
        .load(conn)?)
}

/// Accounts of candidates inactive since before `before` (last login, or creation).
pub fn inactive_candidates(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    warned: bool,
) -> AppResult<Vec<(String, String, String)>> {
    let mut query = users::table
        .filter(users::role.eq("candidate"))
        .filter(
            users::last_login_at.lt(before).or(users::last_login_at
                .is_null()
                .and(users::created_at.lt(before))),
        )
        .select((users::id, users::email, users::first_name))
        .into_boxed();
    query = if warned {
        query.filter(users::inactivity_warned_at.is_not_null())
    } else {
        query.filter(users::inactivity_warned_at.is_null())
    };
    Ok(query.load(conn)?)
}

/// The candidate profiles of these departments that use a retired occupation or commune, one
/// row per retired code, for the chamber's list (provided to the referential as
/// [`crate::referential::RetiredInProfiles`]). Only the candidate edits a profile: the row
/// links to the profile's page.
pub fn retired_code_uses(
    conn: &mut DbConnection,
    _me: &crate::auth::CurrentUser,
    departments: &[String],
) -> AppResult<Vec<crate::referential::RetiredUse>> {
    use crate::referential::{RetiredKind, RetiredUse};
    let communes_rows: Vec<(String, String, String, Option<String>, String, String)> =
        candidate_profiles::table
            .inner_join(users::table)
            .inner_join(
                communes::table.on(communes::insee_code
                    .nullable()
                    .eq(candidate_profiles::commune_insee)),
            )
            .filter(candidate_profiles::department.eq_any(departments))
            .filter(communes::retired_at.is_not_null())
            .select((
                users::id,
                users::first_name,
                users::last_name,
                candidate_profiles::department,
                communes::insee_code,
                communes::name,
            ))
            .load(conn)?;
    let rome_rows: Vec<(String, String, String, Option<String>, String, String)> =
        candidate_occupations::table
            .inner_join(
                rome_occupations::table
                    .on(rome_occupations::code.eq(candidate_occupations::rome_code)),
            )
            .inner_join(
                candidate_profiles::table
                    .on(candidate_profiles::user_id.eq(candidate_occupations::user_id)),
            )
            .inner_join(users::table.on(users::id.eq(candidate_occupations::user_id)))
            .filter(candidate_profiles::department.eq_any(departments))
            .filter(rome_occupations::retired_at.is_not_null())
            .select((
                users::id,
                users::first_name,
                users::last_name,
                candidate_profiles::department,
                rome_occupations::code,
                rome_occupations::label,
            ))
            .load(conn)?;
    let mut uses: Vec<RetiredUse> = rome_rows
        .into_iter()
        .map(|row| (RetiredKind::Rome, row))
        .chain(
            communes_rows
                .into_iter()
                .map(|row| (RetiredKind::Commune, row)),
        )
        .map(
            |(kind, (id, first, last, department, code, label))| RetiredUse {
                what: "Profil de candidat".to_owned(),
                title: format!("{first} {last}"),
                owner: None,
                department: department.unwrap_or_default(),
                kind,
                code,
                label,
                href: format!("/candidats/{id}"),
                edit_href: None,
            },
        )
        .collect();
    uses.sort_by(|a, b| {
        (&a.department, &a.title, &a.href).cmp(&(&b.department, &b.title, &b.href))
    });
    Ok(uses)
}
