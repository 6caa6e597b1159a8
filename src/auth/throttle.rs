//! Login throttling: after 5 failures in 15 minutes for one account or one address, further
//! attempts are refused (HTTP 429) until the window has passed. Kept in the database so that
//! every server process shares it.

use chrono::Duration;
use diesel::prelude::*;

use crate::db::{DbConnection, new_id, now, schema::login_failures};
use crate::error::{AppError, AppResult};

pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_MINUTES: i64 = 15;

pub fn check(conn: &mut DbConnection, email: &str, ip: &str) -> AppResult<()> {
    let since = now() - Duration::minutes(WINDOW_MINUTES);
    let count = |conn: &mut DbConnection, by_email: bool| -> AppResult<i64> {
        let query = login_failures::table
            .filter(login_failures::at.gt(since))
            .into_boxed();
        let query = if by_email {
            query.filter(login_failures::email.eq(email.to_owned()))
        } else {
            query.filter(login_failures::ip.eq(ip.to_owned()))
        };
        Ok(query.count().get_result(conn)?)
    };
    if count(conn, true)? >= MAX_FAILURES || count(conn, false)? >= MAX_FAILURES {
        return Err(AppError::too_many_requests(
            format!(
                "Trop de tentatives de connexion échouées. Pour protéger votre compte, \
                 réessayez dans {WINDOW_MINUTES} minutes ou réinitialisez votre mot de passe."
            ),
            (WINDOW_MINUTES * 60) as u64,
        ));
    }
    Ok(())
}

pub fn record_failure(conn: &mut DbConnection, email: &str, ip: &str) -> AppResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(new_id()),
            login_failures::email.eq(email),
            login_failures::ip.eq(ip),
            login_failures::at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A successful login clears the account's failures.
pub fn clear(conn: &mut DbConnection, email: &str) -> AppResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::email.eq(email))).execute(conn)?;
    Ok(())
}

/// Forgets failures older than the window (run by a scheduled job).
pub fn purge(conn: &mut DbConnection) -> AppResult<usize> {
    let before = now() - Duration::minutes(WINDOW_MINUTES);
    Ok(
        diesel::delete(login_failures::table.filter(login_failures::at.lt(before)))
            .execute(conn)?,
    )
}
