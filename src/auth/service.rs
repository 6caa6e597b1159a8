//! Account rules: sign-up, login, e-mail verification, password reset, invitations.

use chrono::{Datelike, NaiveDate};

use super::audit::{self, Event};
use super::store::{self, NewUser};
use super::tokens::{self, Purpose};
use super::{CurrentUser, password, throttle};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::types::{EmailAddress, Role, UserStatus};

pub const MINIMUM_AGE: i32 = 15;

/// Age in whole years on a date.
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> i32 {
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

pub struct Person<'a> {
    pub email: &'a EmailAddress,
    pub password: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    /// Ticked « je souhaite recevoir les informations de la Région » (never by default).
    pub info_mails: bool,
}

pub fn verification_mail(
    conn: &mut DbConnection,
    base_url: &str,
    user_id: &str,
    email: &str,
    first_name: &str,
) -> AppResult<()> {
    let secret = tokens::issue(conn, user_id, Purpose::VerifyEmail)?;
    let mail = super::mails::VerifyEmail {
        first_name,
        secret: &secret,
        base_url,
    };
    crate::mail::enqueue(conn, email, &mail)?;
    Ok(())
}

/// Whether an address already has an account; if so its owner is told by mail what
/// happened (with a password reset link while the account is active) and no account is
/// created: the sign-up page answers as for a new account, so that it teaches nothing.
/// Returns the existing account's id.
pub fn tell_existing_account(
    conn: &mut DbConnection,
    base_url: &str,
    email: &EmailAddress,
) -> AppResult<Option<String>> {
    let Some(user) = store::by_email(conn, email.as_str())? else {
        return Ok(None);
    };
    if user.status() == Some(UserStatus::Active) {
        let secret = tokens::issue(conn, &user.id, Purpose::ResetPassword)?;
        let mail = super::mails::AlreadyRegistered {
            first_name: &user.first_name,
            secret: &secret,
            base_url,
        };
        crate::mail::enqueue(conn, &user.email, &mail)?;
    }
    Ok(Some(user.id))
}

/// A candidate signs up (15 or older). Returns the new account's id (the existing one when
/// the address already had an account: see [`tell_existing_account`]).
pub fn sign_up_candidate(
    conn: &mut DbConnection,
    base_url: &str,
    person: Person<'_>,
    birth_date: NaiveDate,
    about: crate::types::Demographics,
    today: NaiveDate,
) -> AppResult<String> {
    let age = age_on(birth_date, today);
    if age < MINIMUM_AGE {
        return Err(AppError::unprocessable(format!(
            "Il faut avoir au moins {MINIMUM_AGE} ans pour créer un compte candidat."
        )));
    }
    if age > 100 {
        return Err(AppError::unprocessable("Vérifiez la date de naissance."));
    }
    if let Some(id) = tell_existing_account(conn, base_url, person.email)? {
        return Ok(id);
    }
    let hash = password::hash(person.password).map_err(AppError::internal)?;
    let id = store::create(
        conn,
        NewUser {
            email: person.email,
            password_hash: Some(hash),
            first_name: person.first_name,
            last_name: person.last_name,
            role: Role::Candidate,
            organisation_id: None,
            is_org_admin: false,
            status: UserStatus::Active,
            email_verified: false,
            birth_date: Some(birth_date),
        },
    )?;
    store::set_demographics(conn, &id, about)?;
    if person.info_mails {
        store::set_info_mail_consent(conn, &id, true)?;
    }
    verification_mail(
        conn,
        base_url,
        &id,
        person.email.as_str(),
        person.first_name,
    )?;
    Ok(id)
}

/// Checks credentials with throttling; returns the person to log in.
pub fn login(
    conn: &mut DbConnection,
    email: &str,
    password_input: &str,
    ip: &str,
) -> AppResult<CurrentUser> {
    let email = email.trim().to_lowercase();
    throttle::check(conn, throttle::Channel::Web, &email, ip)?;
    let user = store::by_email(conn, &email)?;
    let ok = match &user {
        Some(u) => u
            .password_hash
            .as_deref()
            .is_some_and(|h| password::verify(password_input, h)),
        None => {
            password::burn_time(password_input);
            false
        }
    };
    let refuse = |conn: &mut DbConnection, user_id: Option<&str>| -> AppResult<CurrentUser> {
        throttle::record_failure(conn, throttle::Channel::Web, &email, ip)?;
        audit::record(
            conn,
            Event {
                actor_user_id: user_id,
                action: "login_failed",
                ip: Some(ip),
                detail: Some(&email),
                ..Event::default()
            },
        )?;
        Err(AppError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "Adresse e-mail ou mot de passe incorrect.",
        ))
    };
    let Some(user) = user.filter(|_| ok) else {
        return refuse(conn, None);
    };
    match user.status() {
        Some(UserStatus::Active) => {}
        Some(UserStatus::Disabled) => {
            audit::record(
                conn,
                Event {
                    actor_user_id: Some(&user.id),
                    action: "login_refused_disabled",
                    ip: Some(ip),
                    ..Event::default()
                },
            )?;
            return Err(AppError::new(
                axum::http::StatusCode::FORBIDDEN,
                "disabled",
                "Ce compte a été désactivé. Contactez l’administrateur de votre organisation ou l’équipe Passerelle.",
            ));
        }
        _ => return refuse(conn, Some(&user.id)),
    }
    if user.email_verified_at.is_none() {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "email_not_verified",
            "Confirmez d’abord votre adresse e-mail : ouvrez le lien reçu par courriel (pensez aux indésirables).",
        ));
    }
    throttle::clear(conn, throttle::Channel::Web, &email, ip)?;
    {
        use crate::db::schema::users;
        use diesel::prelude::*;
        diesel::update(users::table.find(&user.id))
            .set((
                users::last_login_at.eq(Some(crate::db::now())),
                users::inactivity_warned_at.eq(None::<chrono::NaiveDateTime>),
            ))
            .execute(conn)?;
    }
    let current = store::current_user(conn, &user.id)?.ok_or_else(AppError::forbidden)?;
    audit::record(conn, Event::by(&current, "login").from_ip(ip))?;
    Ok(current)
}

/// Confirms an e-mail address with the token sent by mail.
pub fn verify_email(conn: &mut DbConnection, secret: &str) -> AppResult<()> {
    let user_id = tokens::consume(conn, secret, Purpose::VerifyEmail)?.ok_or_else(invalid_link)?;
    store::mark_verified(conn, &user_id)
}

pub fn invalid_link() -> AppError {
    AppError::new(
        axum::http::StatusCode::GONE,
        "invalid_link",
        "Ce lien n’est plus valable : il a déjà servi ou il a expiré. Demandez-en un nouveau.",
    )
}

/// Sends a new verification link; says nothing of whether the address exists.
pub fn resend_verification(conn: &mut DbConnection, base_url: &str, email: &str) -> AppResult<()> {
    if let Some(user) = store::by_email(conn, &email.trim().to_lowercase())?
        && user.email_verified_at.is_none()
        && user.status() == Some(UserStatus::Active)
    {
        verification_mail(conn, base_url, &user.id, &user.email, &user.first_name)?;
    }
    Ok(())
}

/// Starts a password reset; says nothing of whether the address exists.
pub fn request_reset(conn: &mut DbConnection, base_url: &str, email: &str) -> AppResult<()> {
    let Some(user) = store::by_email(conn, &email.trim().to_lowercase())? else {
        return Ok(());
    };
    if user.status() != Some(UserStatus::Active) {
        return Ok(());
    }
    let secret = tokens::issue(conn, &user.id, Purpose::ResetPassword)?;
    let mail = super::mails::PasswordReset {
        first_name: &user.first_name,
        secret: &secret,
        base_url,
    };
    crate::mail::enqueue(conn, &user.email, &mail)?;
    Ok(())
}

/// After a password changed or was reset: every session of the person ends, every API
/// token is revoked, and a mail tells them so. Returns how many tokens were revoked.
pub fn password_changed(
    conn: &mut DbConnection,
    base_url: &str,
    user_id: &str,
) -> AppResult<usize> {
    store::end_sessions(conn, user_id)?;
    let revoked = tokens::revoke_all_api_tokens(conn, user_id)?;
    let user = store::by_id(conn, user_id)?.ok_or_else(AppError::not_found)?;
    let mail = super::mails::PasswordChanged {
        first_name: &user.first_name,
        revoked_tokens: revoked,
        base_url,
    };
    crate::mail::enqueue(conn, &user.email, &mail)?;
    Ok(revoked)
}

/// Sets a new password with a reset or invitation token; ends every other session, and
/// after a reset revokes the API tokens (see [`password_changed`]). Returns the person and
/// how many tokens were revoked.
pub fn complete_with_token(
    conn: &mut DbConnection,
    base_url: &str,
    secret: &str,
    purpose: Purpose,
    new_password: &str,
    ip: &str,
) -> AppResult<(String, usize)> {
    crate::types::check_new_password(new_password).map_err(AppError::unprocessable)?;
    let user_id = tokens::consume(conn, secret, purpose)?.ok_or_else(invalid_link)?;
    let hash = password::hash(new_password).map_err(AppError::internal)?;
    store::set_password(conn, &user_id, &hash)?;
    let revoked = if purpose == Purpose::Invitation {
        store::end_sessions(conn, &user_id)?;
        0
    } else {
        password_changed(conn, base_url, &user_id)?
    };
    if purpose == Purpose::Invitation {
        use crate::db::schema::users;
        use diesel::prelude::*;
        diesel::update(
            users::table
                .find(&user_id)
                .filter(users::status.eq(UserStatus::Invited.as_str())),
        )
        .set(users::status.eq(UserStatus::Active.as_str()))
        .execute(conn)?;
        store::mark_verified(conn, &user_id)?;
    }
    let action = if purpose == Purpose::Invitation {
        "invitation_accepted"
    } else {
        "password_reset"
    };
    audit::record(
        conn,
        Event {
            actor_user_id: Some(&user_id),
            action,
            ip: Some(ip),
            ..Event::default()
        },
    )?;
    Ok((user_id, revoked))
}

/// Who is invited to an organisation, with which role.
pub struct Invitation<'a> {
    pub organisation_id: &'a str,
    pub email: &'a EmailAddress,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub role: Role,
}

/// An organisation administrator invites a member of staff.
pub fn invite(
    conn: &mut DbConnection,
    base_url: &str,
    by: &CurrentUser,
    invitation: Invitation<'_>,
) -> AppResult<String> {
    let Invitation {
        organisation_id: org_id,
        email,
        first_name,
        last_name,
        role,
    } = invitation;
    let organisation = store::organisation_name(conn, org_id)?;
    let id = store::create(
        conn,
        NewUser {
            email,
            password_hash: None,
            first_name,
            last_name,
            role,
            organisation_id: Some(org_id),
            is_org_admin: false,
            status: UserStatus::Invited,
            email_verified: false,
            birth_date: None,
        },
    )?;
    let secret = tokens::issue(conn, &id, Purpose::Invitation)?;
    let mail = super::mails::Invitation {
        first_name,
        inviter: by.full_name(),
        organisation: &organisation,
        role: role.label(),
        secret: &secret,
        base_url,
    };
    crate::mail::enqueue(conn, email.as_str(), &mail)?;
    audit::record(
        conn,
        Event::by(by, "staff_invited")
            .on("user", &id)
            .detail(role.as_str()),
    )?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(age_on(d(2011, 11, 22), d(2026, 11, 22)), 15);
        assert_eq!(age_on(d(2011, 11, 23), d(2026, 11, 22)), 14);
    }
}
