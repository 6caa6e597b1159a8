//! Accounts in the database.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::CurrentUser;
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::{AppError, AppResult};
use crate::types::{EmailAddress, OrgKind, OrgStatus, Role, UserStatus};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password_hash: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub organisation_id: Option<String>,
    pub is_org_admin: bool,
    pub status: String,
    pub email_verified_at: Option<NaiveDateTime>,
    pub birth_date: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub last_login_at: Option<NaiveDateTime>,
}

impl User {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
    pub fn status(&self) -> Option<UserStatus> {
        UserStatus::parse(&self.status)
    }
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

pub struct NewUser<'a> {
    pub email: &'a EmailAddress,
    pub password_hash: Option<String>,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub role: Role,
    pub organisation_id: Option<&'a str>,
    pub is_org_admin: bool,
    pub status: UserStatus,
    pub email_verified: bool,
    pub birth_date: Option<NaiveDate>,
}

/// The optional answers the evaluation annex counts (sex, situation).
pub fn set_demographics(
    conn: &mut DbConnection,
    id: &str,
    about: crate::types::Demographics,
) -> AppResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::sex.eq(about.sex.map(crate::types::Sex::as_str)),
            users::situation.eq(about
                .situation
                .map(crate::types::CandidateSituation::as_str)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The optional answers of an account (sex, situation), as stored codes.
pub fn demographics(
    conn: &mut DbConnection,
    id: &str,
) -> AppResult<(Option<String>, Option<String>)> {
    Ok(users::table
        .find(id)
        .select((users::sex, users::situation))
        .first(conn)?)
}

/// Creates an account; a second account with the same e-mail is a clear 409.
pub fn create(conn: &mut DbConnection, new: NewUser<'_>) -> AppResult<String> {
    if let Some(kind) = new.role.organisation_kind() {
        let org_id = new.organisation_id.ok_or_else(|| {
            AppError::unprocessable(format!(
                "Le rôle « {} » demande une organisation.",
                new.role.label()
            ))
        })?;
        let org_kind: String = organisations::table
            .find(org_id)
            .select(organisations::kind)
            .first(conn)
            .optional()?
            .ok_or_else(|| AppError::unprocessable("Cette organisation n’existe pas."))?;
        if org_kind != kind.as_str() {
            return Err(AppError::unprocessable(format!(
                "Le rôle « {} » demande une organisation de type « {} ».",
                new.role.label(),
                kind.label()
            )));
        }
    } else if new.organisation_id.is_some() {
        return Err(AppError::unprocessable(
            "Un·e candidat·e n’appartient à aucune organisation.",
        ));
    }
    let id = new_id();
    let at = now();
    let result = diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::email.eq(new.email.as_str()),
            users::password_hash.eq(new.password_hash),
            users::first_name.eq(new.first_name.trim()),
            users::last_name.eq(new.last_name.trim()),
            users::role.eq(new.role.as_str()),
            users::organisation_id.eq(new.organisation_id),
            users::is_org_admin.eq(new.is_org_admin),
            users::status.eq(new.status.as_str()),
            users::email_verified_at.eq(new.email_verified.then_some(at)),
            users::birth_date.eq(new.birth_date),
            users::created_at.eq(at),
        ))
        .execute(conn);
    match result {
        Ok(_) => Ok(id),
        Err(e) if crate::db::is_unique_violation(&e) => Err(AppError::conflict(
            "Un compte existe déjà avec cette adresse e-mail. Connectez-vous ou réinitialisez votre mot de passe.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// The name of an organisation an account belongs to (for mails and pages about accounts).
pub fn organisation_name(conn: &mut DbConnection, org_id: &str) -> AppResult<String> {
    organisations::table
        .find(org_id)
        .select(organisations::name)
        .first(conn)
        .optional()?
        .ok_or_else(crate::error::AppError::not_found)
}

pub fn by_email(conn: &mut DbConnection, email: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_id(conn: &mut DbConnection, id: &str) -> AppResult<Option<User>> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn set_password(conn: &mut DbConnection, user_id: &str, hash: &str) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

pub fn mark_verified(conn: &mut DbConnection, user_id: &str) -> AppResult<()> {
    diesel::update(
        users::table
            .find(user_id)
            .filter(users::email_verified_at.is_null()),
    )
    .set(users::email_verified_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// Name, kind and status of a person's organisation.
type OrgSummary = (String, String, String);

/// The person as the rest of the application sees them, only if their account is active.
pub fn current_user(conn: &mut DbConnection, user_id: &str) -> AppResult<Option<CurrentUser>> {
    let row: Option<(User, Option<OrgSummary>)> = users::table
        .left_join(organisations::table)
        .filter(users::id.eq(user_id))
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .select((
            User::as_select(),
            (
                organisations::name,
                organisations::kind,
                organisations::status,
            )
                .nullable(),
        ))
        .first(conn)
        .optional()?;
    let Some((user, org)) = row else {
        return Ok(None);
    };
    let Some(role) = user.role() else {
        return Ok(None);
    };
    let departments = match &user.organisation_id {
        Some(org_id) => organisation_departments::table
            .filter(organisation_departments::organisation_id.eq(org_id))
            .order(organisation_departments::department_code)
            .select(organisation_departments::department_code)
            .load(conn)?,
        None => Vec::new(),
    };
    Ok(Some(CurrentUser {
        id: user.id,
        email: user.email,
        first_name: user.first_name,
        last_name: user.last_name,
        role,
        organisation_id: user.organisation_id,
        organisation_name: org.as_ref().map(|o| o.0.clone()),
        organisation_kind: org.as_ref().and_then(|o| OrgKind::parse(&o.1)),
        organisation_status: org.as_ref().and_then(|o| OrgStatus::parse(&o.2)),
        is_org_admin: user.is_org_admin,
        departments,
    }))
}

/// E-mails of the active staff of an organisation who hold one of `roles`: the people a
/// capability tells about what happens to their organisation.
pub fn staff_emails(
    conn: &mut DbConnection,
    org_id: &str,
    roles: &[Role],
) -> AppResult<Vec<String>> {
    Ok(users::table
        .filter(users::organisation_id.eq(org_id))
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .filter(users::role.eq_any(roles.iter().map(|r| r.as_str())))
        .select(users::email)
        .load(conn)?)
}

/// Ends every session of a person at once (disabled account, new password).
pub fn end_sessions(conn: &mut DbConnection, user_id: &str) -> AppResult<usize> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?)
}

/// When the person agreed to receive the region's information mails (campaigns), if they
/// did and have not withdrawn since.
pub fn info_mail_consent(
    conn: &mut DbConnection,
    user_id: &str,
) -> AppResult<Option<NaiveDateTime>> {
    Ok(users::table
        .find(user_id)
        .select(users::info_mail_consent_at)
        .first::<Option<NaiveDateTime>>(conn)
        .optional()?
        .flatten())
}

/// Records the person's choice about the region's information mails, with its time; a
/// withdrawal takes effect at once: information mails to them still in the outbox are
/// cancelled. Agreeing again keeps the first time of agreement.
pub fn set_info_mail_consent(conn: &mut DbConnection, user_id: &str, agree: bool) -> AppResult<()> {
    if agree {
        diesel::update(
            users::table
                .find(user_id)
                .filter(users::info_mail_consent_at.is_null()),
        )
        .set(users::info_mail_consent_at.eq(Some(now())))
        .execute(conn)?;
    } else {
        diesel::update(users::table.find(user_id))
            .set(users::info_mail_consent_at.eq(None::<NaiveDateTime>))
            .execute(conn)?;
        let email: Option<String> = users::table
            .find(user_id)
            .select(users::email)
            .first(conn)
            .optional()?;
        if let Some(email) = email {
            crate::mail::cancel_unsubscribable(conn, &email)?;
        }
    }
    Ok(())
}
