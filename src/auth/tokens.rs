//! Secrets handed to people: random, shown once, stored only as a SHA-256 hash.
//! Single-use tokens sent by e-mail (verification, password reset, invitation) and
//! personal API tokens (bearer, revocable).

use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::AppResult;

/// 32 random bytes, URL-safe.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether a presented secret (or its hash) is the expected one, in time that does not
/// depend on where they differ (`subtle`); only a difference in length shows. Every
/// comparison of secrets made in Rust goes through here (lookups by hash happen in SQL).
pub fn same_secret(presented: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    presented.ct_eq(expected).into()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    Invitation,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::Invitation => "invitation",
        }
    }

    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::VerifyEmail => Duration::days(3),
            Purpose::ResetPassword => Duration::hours(1),
            Purpose::Invitation => Duration::days(7),
        }
    }
}

/// Issues a single-use token for a person and returns the secret to put in a link.
pub fn issue(conn: &mut DbConnection, user_id: &str, purpose: Purpose) -> AppResult<String> {
    let secret = random_secret();
    let at = now();
    diesel::insert_into(user_tokens::table)
        .values((
            user_tokens::token_hash.eq(digest(&secret)),
            user_tokens::user_id.eq(user_id),
            user_tokens::purpose.eq(purpose.as_str()),
            user_tokens::expires_at.eq(at + purpose.lifetime()),
            user_tokens::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(secret)
}

/// The person a still-valid token was issued to, without using it up.
pub fn peek(conn: &mut DbConnection, secret: &str, purpose: Purpose) -> AppResult<Option<String>> {
    Ok(user_tokens::table
        .filter(user_tokens::token_hash.eq(digest(secret)))
        .filter(user_tokens::purpose.eq(purpose.as_str()))
        .filter(user_tokens::used_at.is_null())
        .filter(user_tokens::expires_at.gt(now()))
        .select(user_tokens::user_id)
        .first(conn)
        .optional()?)
}

/// Uses a token up: returns its person only the first time, and only before it expires.
/// The update's condition makes two concurrent uses impossible.
pub fn consume(
    conn: &mut DbConnection,
    secret: &str,
    purpose: Purpose,
) -> AppResult<Option<String>> {
    let Some(user_id) = peek(conn, secret, purpose)? else {
        return Ok(None);
    };
    let updated = diesel::update(
        user_tokens::table
            .filter(user_tokens::token_hash.eq(digest(secret)))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(now()))
    .execute(conn)?;
    Ok((updated == 1).then_some(user_id))
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub const API_TOKEN_PREFIX: &str = "psl_";

/// Creates a personal API token; the returned secret is shown once and never stored.
pub fn create_api_token(conn: &mut DbConnection, user_id: &str, name: &str) -> AppResult<String> {
    let secret = format!("{API_TOKEN_PREFIX}{}", random_secret());
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(new_id()),
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(digest(&secret)),
            api_tokens::prefix.eq(&secret[..API_TOKEN_PREFIX.len() + 6]),
            api_tokens::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(secret)
}

pub fn list_api_tokens(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<ApiToken>> {
    Ok(api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::created_at.desc())
        .select(ApiToken::as_select())
        .load(conn)?)
}

/// Revokes one of the caller's own tokens; false when it is not theirs.
pub fn revoke_api_token(conn: &mut DbConnection, user_id: &str, token_id: &str) -> AppResult<bool> {
    let n = diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(token_id))
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now()))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revokes every API token a person still holds (their password changed or was reset: a
/// token copied by whoever knew the old password must stop working). Returns how many.
pub fn revoke_all_api_tokens(conn: &mut DbConnection, user_id: &str) -> AppResult<usize> {
    Ok(diesel::update(
        api_tokens::table
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now()))
    .execute(conn)?)
}

/// The person behind a bearer token, if it is valid and not revoked.
pub fn api_token_user(conn: &mut DbConnection, secret: &str) -> AppResult<Option<String>> {
    let hash = digest(secret);
    let found: Option<(String, String, Option<NaiveDateTime>)> = api_tokens::table
        .filter(api_tokens::token_hash.eq(&hash))
        .filter(api_tokens::revoked_at.is_null())
        .select((
            api_tokens::id,
            api_tokens::user_id,
            api_tokens::last_used_at,
        ))
        .first(conn)
        .optional()?;
    let Some((id, user_id, last_used)) = found else {
        return Ok(None);
    };
    // Record use at most once a minute: no write on every API call.
    let at = now();
    if last_used.is_none_or(|t| at - t > Duration::minutes(1)) {
        diesel::update(api_tokens::table.find(id))
            .set(api_tokens::last_used_at.eq(at))
            .execute(conn)?;
    }
    Ok(Some(user_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        let secret = random_secret();
        assert!(same_secret(secret.as_bytes(), secret.clone().as_bytes()));
        assert!(same_secret(b"", b""));
        let mut other = secret.clone().into_bytes();
        other[31] ^= 1;
        assert!(!same_secret(&other, secret.as_bytes()));
        assert!(!same_secret(&secret.as_bytes()[..42], secret.as_bytes()));
        assert!(!same_secret(b"", secret.as_bytes()));
        assert!(same_secret(
            digest("abc").as_bytes(),
            digest("abc").as_bytes()
        ));
        assert!(!same_secret(
            digest("abc").as_bytes(),
            digest("abd").as_bytes()
        ));
    }
}
