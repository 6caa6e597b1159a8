//! Organisations in the database: creation, lookup by SIRET or name, departments covered
//! and the companies waiting for validation.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::policy::OrgRef;
use crate::auth::store::User;
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::{AppError, AppResult};
use crate::types::{OrgKind, OrgStatus, Siret};

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = organisations)]
pub struct Organisation {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub network: Option<String>,
    pub siret: Option<String>,
    pub commune_insee: Option<String>,
    pub status: String,
    pub rejection_reason: Option<String>,
    #[serde(skip)]
    pub validated_by: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub validated_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
}

impl Organisation {
    pub fn kind(&self) -> OrgKind {
        OrgKind::parse(&self.kind).unwrap_or(OrgKind::Company)
    }
    pub fn kind_label(&self) -> &'static str {
        self.kind().label()
    }
    pub fn status_label(&self) -> &'static str {
        OrgStatus::parse(&self.status).map_or("", OrgStatus::label)
    }
    pub fn is_pending(&self) -> bool {
        self.status == OrgStatus::Pending.as_str()
    }
}

pub struct NewOrganisation<'a> {
    pub kind: OrgKind,
    pub name: &'a str,
    pub network: Option<&'a str>,
    pub siret: Option<&'a Siret>,
    pub commune_insee: Option<&'a str>,
    pub status: OrgStatus,
    pub departments: &'a [String],
}

pub fn create(conn: &mut DbConnection, new: NewOrganisation<'_>) -> AppResult<String> {
    if new.kind.requires_siret() && new.siret.is_none() {
        return Err(AppError::unprocessable(format!(
            "Un SIRET est obligatoire pour « {} ».",
            new.kind.label()
        )));
    }
    let id = new_id();
    // On the concrete connection: through `DbConnection` (`MultiConnection`), diesel renders
    // the statement's SQL again at every execution, which imports creating thousands of
    // employers felt.
    let result = crate::with_backend!(conn, c => {
        diesel::insert_into(organisations::table)
            .values((
                organisations::id.eq(&id),
                organisations::kind.eq(new.kind.as_str()),
                organisations::name.eq(new.name.trim()),
                organisations::network.eq(new.network),
                organisations::siret.eq(new.siret.map(Siret::as_str)),
                organisations::commune_insee.eq(new.commune_insee),
                organisations::status.eq(new.status.as_str()),
                organisations::created_at.eq(now()),
            ))
            .execute(c)
    });
    match result {
        Ok(_) => {}
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::conflict(
                "Un compte existe déjà pour cet établissement (même SIRET). Demandez à son administrateur de vous inviter.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    for department in new.departments {
        crate::with_backend!(conn, c => {
            diesel::insert_into(organisation_departments::table)
                .values((
                    organisation_departments::organisation_id.eq(&id),
                    organisation_departments::department_code.eq(department),
                ))
                .execute(c)
        })?;
    }
    Ok(id)
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<Organisation> {
    organisations::table
        .find(id)
        .select(Organisation::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

pub fn departments(conn: &mut DbConnection, id: &str) -> AppResult<Vec<String>> {
    Ok(organisation_departments::table
        .filter(organisation_departments::organisation_id.eq(id))
        .order(organisation_departments::department_code)
        .select(organisation_departments::department_code)
        .load(conn)?)
}

/// The organisation as the policy sees it.
pub fn policy_ref(conn: &mut DbConnection, org: &Organisation) -> AppResult<OrgRef> {
    Ok(OrgRef {
        id: org.id.clone(),
        kind: org.kind(),
        departments: departments(conn, &org.id)?,
    })
}

pub fn find_by_siret(conn: &mut DbConnection, siret: &str) -> AppResult<Option<Organisation>> {
    // `load` rather than `first`: SIRETs are unique, and on SQLite a query with a `LIMIT` is
    // prepared again at each call (measured three times slower).
    Ok(organisations::table
        .filter(organisations::siret.eq(siret))
        .select(Organisation::as_select())
        .load(conn)?
        .into_iter()
        .next())
}

/// The organisations with any of these SIRETs (one SQL parameter each: callers pass at most
/// a few hundred at a time).
pub fn find_by_sirets(conn: &mut DbConnection, sirets: &[String]) -> AppResult<Vec<Organisation>> {
    Ok(organisations::table
        .filter(organisations::siret.eq_any(sirets))
        .select(Organisation::as_select())
        .load(conn)?)
}

pub fn find_by_name(conn: &mut DbConnection, name: &str) -> AppResult<Vec<Organisation>> {
    Ok(organisations::table
        .filter(organisations::name.eq(name))
        .select(Organisation::as_select())
        .load(conn)?)
}

/// Companies waiting for validation in the given departments, oldest first.
pub fn pending_companies(
    conn: &mut DbConnection,
    departments: &[String],
) -> AppResult<Vec<Organisation>> {
    Ok(organisations::table
        .filter(organisations::kind.eq(OrgKind::Company.as_str()))
        .filter(organisations::status.eq(OrgStatus::Pending.as_str()))
        .filter(
            organisations::id.eq_any(
                organisation_departments::table
                    .filter(organisation_departments::department_code.eq_any(departments))
                    .select(organisation_departments::organisation_id),
            ),
        )
        .order(organisations::created_at)
        .select(Organisation::as_select())
        .load(conn)?)
}

/// Records a chamber's decision on a pending company. Only a pending company changes.
pub fn decide(
    conn: &mut DbConnection,
    id: &str,
    officer_id: &str,
    approve: bool,
    reason: Option<&str>,
) -> AppResult<()> {
    let status = if approve {
        OrgStatus::Active
    } else {
        OrgStatus::Rejected
    };
    let n = diesel::update(
        organisations::table
            .find(id)
            .filter(organisations::status.eq(OrgStatus::Pending.as_str())),
    )
    .set((
        organisations::status.eq(status.as_str()),
        organisations::rejection_reason.eq(reason),
        organisations::validated_by.eq(officer_id),
        organisations::validated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::conflict("Cette entreprise a déjà été traitée."));
    }
    Ok(())
}

pub fn staff(conn: &mut DbConnection, org_id: &str) -> AppResult<Vec<User>> {
    Ok(users::table
        .filter(users::organisation_id.eq(org_id))
        .order((users::last_name, users::first_name))
        .select(User::as_select())
        .load(conn)?)
}

pub fn list(conn: &mut DbConnection, kind: Option<OrgKind>) -> AppResult<Vec<Organisation>> {
    let mut query = organisations::table
        .order(organisations::name)
        .select(Organisation::as_select())
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(organisations::kind.eq(kind.as_str()));
    }
    Ok(query.load(conn)?)
}

/// Delegations: a company lets a training centre manage its offers.
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

/// Ends a delegation; whether there was one.
pub fn remove_delegation(
    conn: &mut DbConnection,
    company_id: &str,
    centre_id: &str,
) -> AppResult<bool> {
    Ok(diesel::delete(delegations::table.find((company_id, centre_id))).execute(conn)? > 0)
}

/// The training centres a company delegates to: (id, name, SIRET), by name.
pub fn delegates_of(
    conn: &mut DbConnection,
    company_id: &str,
) -> AppResult<Vec<(String, String, String)>> {
    Ok(delegations::table
        .inner_join(organisations::table.on(organisations::id.eq(delegations::training_centre_id)))
        .filter(delegations::company_id.eq(company_id))
        .order(organisations::name)
        .select((
            organisations::id,
            organisations::name,
            organisations::siret.assume_not_null(),
        ))
        .load(conn)?)
}

/// Records which organisation's import proposed a pending company.
pub fn set_proposed_by(conn: &mut DbConnection, id: &str, proposer_id: &str) -> AppResult<()> {
    diesel::update(organisations::table.find(id))
        .set(organisations::proposed_by_id.eq(proposer_id))
        .execute(conn)?;
    Ok(())
}

/// The companies this organisation's imports proposed and nobody claimed yet.
pub fn proposed_by(conn: &mut DbConnection, proposer_id: &str) -> AppResult<Vec<String>> {
    Ok(organisations::table
        .filter(organisations::proposed_by_id.eq(proposer_id))
        .select(organisations::id)
        .load(conn)?)
}

/// Whether a company was proposed by an import and nobody claimed it yet (no account),
/// whatever the chamber decided of it meanwhile.
pub fn is_unclaimed_proposal(conn: &mut DbConnection, org: &Organisation) -> AppResult<bool> {
    let proposed: Option<String> = organisations::table
        .find(&org.id)
        .select(organisations::proposed_by_id)
        .first(conn)?;
    let staff: i64 = users::table
        .filter(users::organisation_id.eq(&org.id))
        .count()
        .get_result(conn)?;
    Ok(proposed.is_some() && staff == 0)
}

/// The real company claims a company an import proposed: its own name and place replace the
/// importer's, the importer's hand on it ends, and it waits for the chamber's validation as
/// any sign-up (a decision taken on the importer's proposal does not hold for it).
pub fn claim_proposal(
    conn: &mut DbConnection,
    id: &str,
    name: &str,
    commune_insee: &str,
    department: &str,
) -> AppResult<()> {
    diesel::update(organisations::table.find(id))
        .set((
            organisations::name.eq(name.trim()),
            organisations::commune_insee.eq(commune_insee),
            organisations::proposed_by_id.eq(None::<String>),
            organisations::status.eq(OrgStatus::Pending.as_str()),
            organisations::rejection_reason.eq(None::<String>),
            organisations::validated_by.eq(None::<String>),
            organisations::validated_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    diesel::delete(
        organisation_departments::table.filter(organisation_departments::organisation_id.eq(id)),
    )
    .execute(conn)?;
    diesel::insert_into(organisation_departments::table)
        .values((
            organisation_departments::organisation_id.eq(id),
            organisation_departments::department_code.eq(department),
        ))
        .execute(conn)?;
    Ok(())
}
