//! Throttling, kept in the database so that every server process shares it.
//!
//! - **Logins** ([`check`], [`record_failure`], [`clear`]), web and FTPS counted apart
//!   ([`Channel`]): failures are counted per (account, address) pair. After
//!   [`FREE_FAILURES`] failures within [`WINDOW_MINUTES`], each further attempt from that
//!   pair waits a delay that doubles with every failure ([`delay_after`]: 30 s, 1 min,
//!   2 min… up to 15 min). The account itself is never locked: the right password from
//!   another address goes through. One address failing on many accounts is stopped after
//!   [`MAX_FAILURES_PER_IP`] failures.
//! - **Forms that send mail or can be abused** ([`hit`] with a [`Limit`]): sign-up,
//!   password reset, new confirmation link (limits here), the information line's public
//!   question form (its own limit): a few attempts an hour per e-mail address and per client
//!   address, then 429.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::{DbConnection, new_id, now, schema::login_failures, schema::throttle_hits};
use crate::error::{AppError, AppResult};

/// Where a login is attempted: failures on one channel do not slow the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Web,
    Ftps,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Ftps => "ftps",
        }
    }
}

/// Failures of one (account, address) pair allowed without any delay.
pub const FREE_FAILURES: i64 = 5;
/// The delay after the first failure beyond the free ones; it doubles with each further one.
pub const FIRST_DELAY_SECONDS: i64 = 30;
/// The longest delay.
pub const MAX_DELAY_SECONDS: i64 = 15 * 60;
/// How long a failure counts.
pub const WINDOW_MINUTES: i64 = 60;
/// Failures from one address, whatever the accounts, before it is stopped for the window.
pub const MAX_FAILURES_PER_IP: i64 = 20;

/// The wait imposed after `failures` failures of one pair, in seconds.
pub fn delay_after(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = (failures - FREE_FAILURES).min(20) as u32;
    (FIRST_DELAY_SECONDS << doublings).min(MAX_DELAY_SECONDS)
}

/// A wait in French words: "45 secondes", "2 minutes".
fn in_words(seconds: i64) -> String {
    if seconds < 60 {
        format!("{seconds} seconde{}", if seconds > 1 { "s" } else { "" })
    } else {
        let minutes = (seconds + 59) / 60;
        format!("{minutes} minute{}", if minutes > 1 { "s" } else { "" })
    }
}

/// Whole seconds until `until`, rounded up (at least one).
fn seconds_until(until: NaiveDateTime, at: NaiveDateTime) -> i64 {
    ((until - at).num_milliseconds() + 999)
        .div_euclid(1000)
        .max(1)
}

fn login_throttled(wait: i64) -> AppError {
    AppError::too_many_requests(
        format!(
            "Trop de tentatives de connexion échouées depuis cette connexion. Réessayez dans {} \
             ou réinitialisez votre mot de passe.",
            in_words(wait)
        ),
        wait as u64,
    )
}

/// Refuses (429) an attempt from a pair still waiting its delay, or from an address that
/// failed too often.
pub fn check(conn: &mut DbConnection, channel: Channel, email: &str, ip: &str) -> AppResult<()> {
    let at = now();
    let since = at - Duration::minutes(WINDOW_MINUTES);
    let recent = login_failures::table
        .filter(login_failures::channel.eq(channel.as_str()))
        .filter(login_failures::at.gt(since));
    let pair: Vec<NaiveDateTime> = recent
        .filter(login_failures::email.eq(email))
        .filter(login_failures::ip.eq(ip))
        .select(login_failures::at)
        .order(login_failures::at.desc())
        .load(conn)?;
    if let Some(last) = pair.first() {
        let until = *last + Duration::seconds(delay_after(pair.len() as i64));
        if until > at {
            return Err(login_throttled(seconds_until(until, at)));
        }
    }
    let from_ip: Vec<NaiveDateTime> = recent
        .filter(login_failures::ip.eq(ip))
        .select(login_failures::at)
        .order(login_failures::at.asc())
        .limit(MAX_FAILURES_PER_IP)
        .load(conn)?;
    if from_ip.len() as i64 >= MAX_FAILURES_PER_IP {
        let until = from_ip[0] + Duration::minutes(WINDOW_MINUTES);
        return Err(login_throttled(seconds_until(until, at)));
    }
    Ok(())
}

pub fn record_failure(
    conn: &mut DbConnection,
    channel: Channel,
    email: &str,
    ip: &str,
) -> AppResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(new_id()),
            login_failures::channel.eq(channel.as_str()),
            login_failures::email.eq(email),
            login_failures::ip.eq(ip),
            login_failures::at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A successful login clears the failures of its pair (those from other addresses stay).
pub fn clear(conn: &mut DbConnection, channel: Channel, email: &str, ip: &str) -> AppResult<()> {
    diesel::delete(
        login_failures::table
            .filter(login_failures::channel.eq(channel.as_str()))
            .filter(login_failures::email.eq(email))
            .filter(login_failures::ip.eq(ip)),
    )
    .execute(conn)?;
    Ok(())
}

/// How often a form may be used.
pub struct Limit {
    /// Names the form in the counts (`signup`, `password_reset`…).
    pub action: &'static str,
    /// Attempts per e-mail address within the window.
    pub per_email: i64,
    /// Attempts per client address within the window.
    pub per_ip: i64,
    pub window_minutes: i64,
    /// What the person is told when refused.
    pub message: &'static str,
}

/// Account creation (candidates, companies).
pub const SIGN_UP: Limit = Limit {
    action: "signup",
    per_email: 3,
    per_ip: 10,
    window_minutes: 60,
    message: "Trop de demandes de création de compte depuis cette connexion ou pour cette adresse. Réessayez plus tard.",
};

/// Password reset links.
pub const PASSWORD_RESET: Limit = Limit {
    action: "password_reset",
    per_email: 3,
    per_ip: 10,
    window_minutes: 60,
    message: "Trop de demandes de réinitialisation depuis cette connexion ou pour cette adresse. Réessayez plus tard ; pensez à regarder dans vos courriels indésirables.",
};

/// New confirmation links.
pub const RESEND_VERIFICATION: Limit = Limit {
    action: "resend_verification",
    per_email: 3,
    per_ip: 10,
    window_minutes: 60,
    message: "Trop de demandes de lien de confirmation depuis cette connexion ou pour cette adresse. Réessayez plus tard ; pensez à regarder dans vos courriels indésirables.",
};

/// Counts one use of a form by this client address (and this e-mail address, when the form
/// has one), or refuses it (429, nothing counted) when either has reached the limit.
pub fn hit(conn: &mut DbConnection, limit: &Limit, email: Option<&str>, ip: &str) -> AppResult<()> {
    let at = now();
    let since = at - Duration::minutes(limit.window_minutes);
    let mut subjects = vec![(format!("ip:{ip}"), limit.per_ip)];
    if let Some(email) = email.map(|e| e.trim().to_lowercase())
        && !email.is_empty()
    {
        subjects.push((format!("email:{email}"), limit.per_email));
    }
    for (subject, max) in &subjects {
        let oldest: Vec<NaiveDateTime> = throttle_hits::table
            .filter(throttle_hits::action.eq(limit.action))
            .filter(throttle_hits::subject.eq(subject))
            .filter(throttle_hits::at.gt(since))
            .select(throttle_hits::at)
            .order(throttle_hits::at.asc())
            .limit(*max)
            .load(conn)?;
        if oldest.len() as i64 >= *max {
            let until = oldest[0] + Duration::minutes(limit.window_minutes);
            return Err(AppError::too_many_requests(
                limit.message,
                seconds_until(until, at) as u64,
            ));
        }
    }
    for (subject, _) in subjects {
        diesel::insert_into(throttle_hits::table)
            .values((
                throttle_hits::id.eq(new_id()),
                throttle_hits::action.eq(limit.action),
                throttle_hits::subject.eq(subject),
                throttle_hits::at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets failures and form uses that no longer count (run by a scheduled job).
pub fn purge(conn: &mut DbConnection) -> AppResult<usize> {
    let at = now();
    let failures = diesel::delete(
        login_failures::table.filter(login_failures::at.lt(at - Duration::minutes(WINDOW_MINUTES))),
    )
    .execute(conn)?;
    let hits =
        diesel::delete(throttle_hits::table.filter(throttle_hits::at.lt(at - Duration::days(1))))
            .execute(conn)?;
    Ok(failures + hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_grows_then_stops_growing() {
        let delays: Vec<i64> = (0..12).map(delay_after).collect();
        assert_eq!(&delays[..8], &[0, 0, 0, 0, 0, 30, 60, 120]);
        assert!(delays.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(delays[11], MAX_DELAY_SECONDS);
        assert_eq!(delay_after(10_000), MAX_DELAY_SECONDS);
        assert_eq!(in_words(1), "1 seconde");
        assert_eq!(in_words(30), "30 secondes");
        assert_eq!(in_words(61), "2 minutes");
    }
}
