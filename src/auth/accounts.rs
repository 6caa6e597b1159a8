//! Account administration by the regional administrator: finding accounts, changing a
//! person's role, disabling and re-enabling an account.

use diesel::prelude::*;

use super::CurrentUser;
use super::audit::{self, Event};
use super::store::{self, User};
use crate::db::{DbConnection, schema::*};
use crate::error::{AppError, AppResult};
use crate::types::{Role, UserStatus};

/// Accounts whose e-mail or last name holds `needle` (all of them when it is empty), with
/// their organisation's name, by name; 200 at the most.
pub fn search(conn: &mut DbConnection, needle: &str) -> AppResult<Vec<(User, Option<String>)>> {
    let mut query = users::table
        .left_join(organisations::table)
        .order((users::last_name, users::first_name))
        .limit(200)
        .select((User::as_select(), organisations::name.nullable()))
        .into_boxed();
    if !needle.is_empty() {
        let pattern = format!("%{needle}%");
        query = query.filter(
            users::email
                .like(pattern.clone())
                .or(users::last_name.like(pattern)),
        );
    }
    Ok(query.load(conn)?)
}

/// Gives a person another role, one that fits their organisation; their sessions end, so
/// that the new rights take effect at the next login.
pub fn change_role(
    conn: &mut DbConnection,
    by: &CurrentUser,
    id: &str,
    role: Role,
) -> AppResult<()> {
    let user = store::by_id(conn, id)?.ok_or_else(AppError::not_found)?;
    let org_kind: Option<String> = match &user.organisation_id {
        Some(org) => Some(
            organisations::table
                .find(org)
                .select(organisations::kind)
                .first(conn)?,
        ),
        None => None,
    };
    if role.organisation_kind().map(|k| k.as_str().to_owned()) != org_kind {
        return Err(AppError::unprocessable(format!(
            "Le rôle « {} » ne convient pas à l’organisation de cette personne.",
            role.label()
        )));
    }
    diesel::update(users::table.find(id))
        .set(users::role.eq(role.as_str()))
        .execute(conn)?;
    // New rights take effect at the next login.
    store::end_sessions(conn, id)?;
    let detail = format!("{} -> {}", user.role, role.as_str());
    audit::record(
        conn,
        Event::by(by, "role_changed").on("user", id).detail(&detail),
    )
}

/// Disables an account (its sessions end) or enables it again; nobody disables their own.
pub fn change_status(
    conn: &mut DbConnection,
    by: &CurrentUser,
    id: &str,
    status: UserStatus,
) -> AppResult<()> {
    if id == by.id {
        return Err(AppError::unprocessable(
            "Vous ne pouvez pas désactiver votre propre compte.",
        ));
    }
    let n = diesel::update(users::table.find(id))
        .set(users::status.eq(status.as_str()))
        .execute(conn)?;
    if n == 0 {
        return Err(AppError::not_found());
    }
    if status == UserStatus::Disabled {
        store::end_sessions(conn, id)?;
    }
    let action = if status == UserStatus::Disabled {
        "account_disabled"
    } else {
        "account_enabled"
    };
    audit::record(conn, Event::by(by, action).on("user", id))
}

/// Notes that the person was warned of the erasure of their inactive account.
pub fn mark_inactivity_warned(conn: &mut DbConnection, user_id: &str) -> AppResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::inactivity_warned_at.eq(Some(crate::db::now())))
        .execute(conn)?;
    Ok(())
}

/// Deletes an account (the capability erasing the person's data has removed or anonymised
/// what referred to it; the audit trail keeps the erasure).
pub fn delete(conn: &mut DbConnection, user_id: &str) -> AppResult<()> {
    diesel::delete(users::table.find(user_id)).execute(conn)?;
    Ok(())
}
