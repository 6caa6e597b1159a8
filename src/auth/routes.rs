//! Pages and API of accounts: sign-up, login, logout, e-mail verification, password reset,
//! invitations, the account page and personal API tokens.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::audit::{self, Event};
use super::service::{self, Person};
use super::tokens::{self, ApiToken, Purpose};
use super::{ClientIp, CurrentUser, SessionHandle, password, store, throttle};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::types::{EmailAddress, check_new_password};
use crate::web::extract::{Form, Path, Query};
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/connexion", get(login_page).post(login))
        .route("/deconnexion", post(logout))
        .route("/inscription", get(signup_choice))
        .route(
            "/inscription/candidat",
            get(signup_candidate_page).post(signup_candidate),
        )
        .route("/verification", get(verify_page).post(verify))
        .route("/verification/renvoyer", get(resend_page).post(resend))
        .route("/mot-de-passe-oublie", get(forgot_page).post(forgot))
        .route("/mot-de-passe/nouveau", get(reset_page).post(reset))
        .route("/invitation", get(invitation_page).post(accept_invitation))
        .route("/compte", get(account))
        .route("/compte/mot-de-passe", post(change_password))
        .route("/compte/informations", post(set_info_mails))
        .route("/compte/jetons", post(create_token))
        .route("/compte/jetons/{id}/revoquer", post(revoke_token))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/me", operation_id = "get_me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = CurrentUser), (status = 401, body = crate::error::ErrorBody)))]
async fn me(user: CurrentUser) -> Json<CurrentUser> {
    Json(user)
}

/// Where people land when `suivant` is missing or not a path of this site.
const DASHBOARD: &str = "/tableau-de-bord";

/// The path to follow after login: only a normalised path of this site (no open redirect,
/// nothing a browser would read as another host, nothing that cannot go in a header);
/// anything else leads to the dashboard.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(next) = next else {
        return DASHBOARD.to_owned();
    };
    // Browsers drop tabs and line breaks from URLs and read `\` as `/`: refuse them all
    // rather than guess what the browser would make of them.
    let hostile = |c: char| c.is_control() || c.is_whitespace() || c == '\\';
    if !next.starts_with('/') || next.starts_with("//") || next.chars().any(hostile) {
        return DASHBOARD.to_owned();
    }
    let base = url::Url::parse("https://passerelle.invalid/").expect("valid base");
    let Ok(url) = base.join(next) else {
        return DASHBOARD.to_owned();
    };
    if url.origin() != base.origin() {
        return DASHBOARD.to_owned();
    }
    let mut path = url.path().to_owned();
    if let Some(query) = url.query() {
        path.push('?');
        path.push_str(query);
    }
    if path.starts_with("//") || axum::http::HeaderValue::from_str(&path).is_err() {
        return DASHBOARD.to_owned();
    }
    path
}

// ---- Login / logout ----

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    page: Page,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    suivant: Option<String>,
}

async fn login_page(page: Page, Query(q): Query<NextQuery>) -> AppResult<Response> {
    if page.user.is_some() {
        return Ok(see_other(&safe_next(q.suivant.as_deref())));
    }
    render(&LoginPage {
        page: page.titled("Se connecter").with_form().await?,
        email: String::new(),
        next: q.suivant.unwrap_or_default(),
        error: None,
    })
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    suivant: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let (email, pw) = (form.email.clone(), form.password.clone());
    match state
        .db
        .run(move |conn| service::login(conn, &email, &pw, &ip))
        .await
    {
        Ok(user) => {
            session.login(user).await?;
            Ok(see_other(&safe_next(form.suivant.as_deref())))
        }
        Err(err) if err.status() != StatusCode::INTERNAL_SERVER_ERROR => {
            let status = err.status();
            let mut response = render(&LoginPage {
                page: page.titled("Se connecter"),
                email: form.email,
                next: form.suivant.unwrap_or_default(),
                error: Some(err.message().to_owned()),
            })?;
            *response.status_mut() = status;
            if let Some(value) = err
                .retry_after()
                .and_then(|secs| axum::http::HeaderValue::from_str(&secs.to_string()).ok())
            {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
            Ok(response)
        }
        Err(err) => Err(err),
    }
}

async fn logout(
    State(state): State<AppState>,
    session: SessionHandle,
    ClientIp(ip): ClientIp,
) -> AppResult<Response> {
    if let Some(user) = session.user() {
        state
            .db
            .run(move |conn| audit::record(conn, Event::by(&user, "logout").from_ip(&ip)))
            .await?;
    }
    session.logout().await?;
    session
        .set_flash("Vous êtes déconnecté·e. À bientôt !")
        .await?;
    Ok(see_other("/"))
}

// ---- Sign-up ----

#[derive(Template)]
#[template(path = "auth/signup_choice.html")]
struct SignupChoice {
    page: Page,
}

async fn signup_choice(page: Page) -> AppResult<Response> {
    render(&SignupChoice {
        page: page.titled("Créer un compte"),
    })
}

#[derive(Default, Deserialize)]
struct CandidateForm {
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    info_mails: Option<String>,
    consent: Option<String>,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    situation: String,
}

#[derive(Template)]
#[template(path = "auth/signup_candidate.html")]
struct SignupCandidatePage {
    page: Page,
    form: CandidateForm,
    errors: Vec<String>,
    sexes: &'static [crate::types::Sex],
    situations: &'static [crate::types::CandidateSituation],
}

async fn signup_candidate_page(page: Page) -> AppResult<Response> {
    render(&SignupCandidatePage {
        page: page.titled("Créer mon compte candidat").with_form().await?,
        form: CandidateForm::default(),
        errors: Vec::new(),
        sexes: crate::types::Sex::ALL,
        situations: crate::types::CandidateSituation::ALL,
    })
}

pub fn person_errors(
    first: &str,
    last: &str,
    email: &str,
    pw: &str,
    confirm: &str,
    errors: &mut Vec<String>,
) -> Option<EmailAddress> {
    if first.trim().is_empty() {
        errors.push("Indiquez votre prénom.".into());
    }
    if last.trim().is_empty() {
        errors.push("Indiquez votre nom.".into());
    }
    if first.chars().count() > 100 || last.chars().count() > 100 {
        errors.push("Le prénom et le nom ne doivent pas dépasser 100 caractères.".into());
    }
    let email = match EmailAddress::parse(email) {
        Ok(e) => Some(e),
        Err(msg) => {
            errors.push(msg.into());
            None
        }
    };
    if let Err(msg) = check_new_password(pw) {
        errors.push(msg.into());
    } else if pw != confirm {
        errors.push("Les deux mots de passe ne sont pas identiques.".into());
    }
    email
}

async fn signup_candidate(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<CandidateForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let email = person_errors(
        &form.first_name,
        &form.last_name,
        &form.email,
        &form.password,
        &form.password_confirm,
        &mut errors,
    );
    let birth = crate::web::read_date_fr(
        &form.birth_date,
        "Indiquez votre date de naissance au format JJ/MM/AAAA.",
        &mut errors,
    );
    if form.consent.is_none() {
        errors.push(
            "Cochez la case indiquant que vous avez lu comment vos données sont utilisées.".into(),
        );
    }
    let about = crate::types::Demographics::read(&form.sex, &form.situation, &mut errors);
    if let (true, Some(email), Some(birth)) = (errors.is_empty(), email, birth) {
        let base = state.config.base_url();
        let info_mails = form.info_mails.is_some();
        let (first, last, pw) = (
            form.first_name.clone(),
            form.last_name.clone(),
            form.password.clone(),
        );
        let result = state
            .db
            .tx(move |conn| {
                throttle::hit(conn, &throttle::SIGN_UP, Some(email.as_str()), &ip)?;
                service::sign_up_candidate(
                    conn,
                    &base,
                    Person {
                        email: &email,
                        password: &pw,
                        first_name: &first,
                        last_name: &last,
                        info_mails,
                    },
                    birth,
                    about,
                    crate::clock::today_paris(),
                )
            })
            .await;
        match result {
            Ok(_) => {
                session.set_flash("Votre compte est créé. Ouvrez le lien que nous venons de vous envoyer par e-mail pour confirmer votre adresse, puis connectez-vous.").await?;
                return Ok(see_other("/connexion"));
            }
            Err(e) if e.status() == StatusCode::TOO_MANY_REQUESTS => return Err(e),
            Err(e) if e.status().is_client_error() => errors.push(e.message().to_owned()),
            Err(e) => return Err(e),
        }
    }
    let form = CandidateForm {
        password: String::new(),
        password_confirm: String::new(),
        ..form
    };
    render(&SignupCandidatePage {
        page: page.titled("Créer mon compte candidat"),
        form,
        errors,
        sexes: crate::types::Sex::ALL,
        situations: crate::types::CandidateSituation::ALL,
    })
    .map(form::rerender)
}

// ---- Links sent by e-mail: the page shows a button; only the POST changes anything ----

#[derive(Deserialize)]
struct TokenQuery {
    jeton: Option<String>,
}

#[derive(Deserialize)]
struct TokenForm {
    jeton: String,
}

#[derive(Template)]
#[template(path = "auth/token_action.html")]
struct TokenAction {
    page: Page,
    action: &'static str,
    token: String,
    intro: &'static str,
    button: &'static str,
    with_password: bool,
    error: Option<String>,
}

async fn verify_page(page: Page, Query(q): Query<TokenQuery>) -> AppResult<Response> {
    render(&TokenAction {
        page: page
            .titled("Confirmer mon adresse e-mail")
            .with_form()
            .await?,
        action: "/verification",
        token: q.jeton.unwrap_or_default(),
        intro: "Confirmez votre adresse e-mail pour pouvoir vous connecter.",
        button: "Confirmer mon adresse",
        with_password: false,
        error: None,
    })
}

async fn verify(
    State(state): State<AppState>,
    session: SessionHandle,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    state
        .db
        .tx(move |conn| service::verify_email(conn, &form.jeton))
        .await?;
    session
        .set_flash("Votre adresse e-mail est confirmée. Vous pouvez vous connecter.")
        .await?;
    Ok(see_other("/connexion"))
}

#[derive(Template)]
#[template(path = "auth/email_form.html")]
struct EmailForm {
    page: Page,
    action: &'static str,
    intro: &'static str,
    button: &'static str,
}

#[derive(Deserialize)]
struct EmailInput {
    email: String,
}

async fn resend_page(page: Page) -> AppResult<Response> {
    render(&EmailForm {
        page: page
            .titled("Recevoir un nouveau lien de confirmation")
            .with_form()
            .await?,
        action: "/verification/renvoyer",
        intro: "Indiquez l’adresse e-mail de votre compte : nous vous enverrons un nouveau lien de confirmation.",
        button: "Envoyer le lien",
    })
}

async fn resend(
    State(state): State<AppState>,
    session: SessionHandle,
    ClientIp(ip): ClientIp,
    Form(form): Form<EmailInput>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    state
        .db
        .tx(move |conn| {
            throttle::hit(conn, &throttle::RESEND_VERIFICATION, Some(&form.email), &ip)?;
            service::resend_verification(conn, &base, &form.email)
        })
        .await?;
    session.set_flash("Si un compte non confirmé existe avec cette adresse, un nouveau lien vient de lui être envoyé.").await?;
    Ok(see_other("/connexion"))
}

async fn forgot_page(page: Page) -> AppResult<Response> {
    render(&EmailForm {
        page: page.titled("Mot de passe oublié").with_form().await?,
        action: "/mot-de-passe-oublie",
        intro: "Indiquez l’adresse e-mail de votre compte : nous vous enverrons un lien pour choisir un nouveau mot de passe. Le lien est valable une heure.",
        button: "Recevoir le lien",
    })
}

async fn forgot(
    State(state): State<AppState>,
    session: SessionHandle,
    ClientIp(ip): ClientIp,
    Form(form): Form<EmailInput>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    state
        .db
        .tx(move |conn| {
            throttle::hit(conn, &throttle::PASSWORD_RESET, Some(&form.email), &ip)?;
            service::request_reset(conn, &base, &form.email)
        })
        .await?;
    session.set_flash("Si un compte existe avec cette adresse, un lien de réinitialisation vient de lui être envoyé. Il est valable une heure.").await?;
    Ok(see_other("/connexion"))
}

async fn token_password_page(
    page: Page,
    token: Option<String>,
    purpose: Purpose,
) -> AppResult<Response> {
    let (title, action, intro, button) = match purpose {
        Purpose::Invitation => (
            "Activer mon compte",
            "/invitation",
            "Choisissez votre mot de passe (10 caractères au moins) pour activer votre compte.",
            "Activer mon compte",
        ),
        _ => (
            "Choisir un nouveau mot de passe",
            "/mot-de-passe/nouveau",
            "Choisissez un nouveau mot de passe (10 caractères au moins). Vos autres sessions seront fermées.",
            "Enregistrer le mot de passe",
        ),
    };
    render(&TokenAction {
        page: page.titled(title).with_form().await?,
        action,
        token: token.unwrap_or_default(),
        intro,
        button,
        with_password: true,
        error: None,
    })
}

async fn reset_page(page: Page, Query(q): Query<TokenQuery>) -> AppResult<Response> {
    token_password_page(page, q.jeton, Purpose::ResetPassword).await
}

async fn invitation_page(page: Page, Query(q): Query<TokenQuery>) -> AppResult<Response> {
    token_password_page(page, q.jeton, Purpose::Invitation).await
}

#[derive(Deserialize)]
struct TokenPasswordForm {
    jeton: String,
    password: String,
    password_confirm: String,
}

async fn set_password_with_token(
    state: AppState,
    session: SessionHandle,
    page: Page,
    ip: String,
    form: TokenPasswordForm,
    purpose: Purpose,
) -> AppResult<Response> {
    let problem = check_new_password(&form.password)
        .err()
        .map(str::to_owned)
        .or_else(|| {
            (form.password != form.password_confirm)
                .then(|| "Les deux mots de passe ne sont pas identiques.".to_owned())
        });
    if let Some(error) = problem {
        let (action, title) = if purpose == Purpose::Invitation {
            ("/invitation", "Activer mon compte")
        } else {
            ("/mot-de-passe/nouveau", "Choisir un nouveau mot de passe")
        };
        return render(&TokenAction {
            page: page.titled(title),
            action,
            token: form.jeton,
            intro: "Choisissez un mot de passe de 10 caractères au moins.",
            button: "Enregistrer le mot de passe",
            with_password: true,
            error: Some(error),
        })
        .map(form::rerender);
    }
    let base = state.config.base_url();
    let (_, revoked) = state
        .db
        .tx(move |conn| {
            service::complete_with_token(conn, &base, &form.jeton, purpose, &form.password, &ip)
        })
        .await?;
    session.logout().await?;
    session
        .set_flash(format!(
            "Votre mot de passe est enregistré. Connectez-vous avec votre nouveau mot de passe.{}",
            revoked_notice(revoked)
        ))
        .await?;
    Ok(see_other("/connexion"))
}

async fn reset(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<TokenPasswordForm>,
) -> AppResult<Response> {
    set_password_with_token(state, session, page, ip, form, Purpose::ResetPassword).await
}

async fn accept_invitation(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<TokenPasswordForm>,
) -> AppResult<Response> {
    set_password_with_token(state, session, page, ip, form, Purpose::Invitation).await
}

/// What the confirmation of a password change says of the API tokens it revoked.
fn revoked_notice(revoked: usize) -> String {
    match revoked {
        0 => String::new(),
        1 => " Votre jeton d’API a été révoqué : créez-en un nouveau pour vos logiciels.".into(),
        n => format!(
            " Vos {n} jetons d’API ont été révoqués : créez-en de nouveaux pour vos logiciels."
        ),
    }
}

// ---- Account ----

#[derive(Template)]
#[template(path = "auth/account.html")]
struct AccountPage {
    page: Page,
    me: CurrentUser,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    errors: Vec<String>,
    /// When the person agreed to the region's information mails, if they did.
    info_mails: Option<String>,
}

async fn account_page(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    new_token: Option<String>,
    errors: Vec<String>,
) -> AppResult<Response> {
    let id = me.id.clone();
    let (tokens, info_mails) = state
        .db
        .run(move |conn| {
            Ok((
                tokens::list_api_tokens(conn, &id)?,
                store::info_mail_consent(conn, &id)?,
            ))
        })
        .await?;
    render(&AccountPage {
        page: page.titled("Mon compte"),
        me,
        tokens,
        new_token,
        errors,
        info_mails: info_mails.map(|at| crate::web::datetime_fr(&at)),
    })
}

async fn account(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    account_page(&state, page, me, None, Vec::new()).await
}

#[derive(Deserialize)]
struct InfoMailsForm {
    info_mails: Option<String>,
}

/// The person agrees to, or stops, the region's information mails; a withdrawal takes
/// effect at once (information mails still waiting in the outbox are not sent).
async fn set_info_mails(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<InfoMailsForm>,
) -> AppResult<Response> {
    let agree = form.info_mails.is_some();
    let id = me.id.clone();
    state
        .db
        .tx(move |conn| store::set_info_mail_consent(conn, &id, agree))
        .await?;
    session
        .set_flash(if agree {
            "C’est noté : vous recevrez les informations de la Région."
        } else {
            "C’est noté : vous ne recevrez plus les informations de la Région."
        })
        .await?;
    Ok(see_other("/compte"))
}

#[derive(Deserialize)]
struct ChangePasswordForm {
    current: String,
    password: String,
    password_confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    ClientIp(ip): ClientIp,
    Form(form): Form<ChangePasswordForm>,
) -> AppResult<Response> {
    let id = me.id.clone();
    let user = state
        .db
        .run(move |conn| store::by_id(conn, &id))
        .await?
        .ok_or_else(AppError::unauthorized)?;
    let mut errors = Vec::new();
    if !user
        .password_hash
        .as_deref()
        .is_some_and(|h| password::verify(&form.current, h))
    {
        errors.push("Le mot de passe actuel est incorrect.".to_owned());
    }
    if let Err(msg) = check_new_password(&form.password) {
        errors.push(msg.to_owned());
    } else if form.password != form.password_confirm {
        errors.push("Les deux mots de passe ne sont pas identiques.".to_owned());
    }
    if !errors.is_empty() {
        return account_page(&state, page, me, None, errors)
            .await
            .map(form::rerender);
    }
    let hash = password::hash(&form.password).map_err(AppError::internal)?;
    let who = me.clone();
    let base = state.config.base_url();
    let revoked = state
        .db
        .tx(move |conn| {
            store::set_password(conn, &who.id, &hash)?;
            let revoked = service::password_changed(conn, &base, &who.id)?;
            audit::record(conn, Event::by(&who, "password_changed").from_ip(&ip))?;
            Ok(revoked)
        })
        .await?;
    // Other sessions ended; this one starts afresh.
    session.login(me).await?;
    session
        .set_flash(format!(
            "Votre mot de passe est modifié. Vos autres sessions ont été fermées.{}",
            revoked_notice(revoked)
        ))
        .await?;
    Ok(see_other("/compte"))
}

#[derive(Deserialize)]
struct NewTokenForm {
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Form(form): Form<NewTokenForm>,
) -> AppResult<Response> {
    let name = form.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 80 {
        return account_page(
            &state,
            page,
            me,
            None,
            vec![
                "Donnez un nom au jeton (80 caractères au plus), par exemple « Logiciel Ymag »."
                    .into(),
            ],
        )
        .await
        .map(form::rerender);
    }
    let who = me.clone();
    let secret = state
        .db
        .tx(move |conn| {
            let secret = tokens::create_api_token(conn, &who.id, &name)?;
            audit::record(conn, Event::by(&who, "api_token_created").detail(&name))?;
            Ok(secret)
        })
        .await?;
    account_page(&state, page, me, Some(secret), Vec::new()).await
}

async fn revoke_token(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let revoked = state
        .db
        .tx(move |conn| {
            let ok = tokens::revoke_api_token(conn, &me.id, &id)?;
            if ok {
                audit::record(
                    conn,
                    Event::by(&me, "api_token_revoked").on("api_token", &id),
                )?;
            }
            Ok(ok)
        })
        .await?;
    if !revoked {
        return Err(AppError::not_found());
    }
    session
        .set_flash("Le jeton est révoqué : il ne donne plus accès à l’API.")
        .await?;
    Ok(see_other("/compte"))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_path_of_this_site_or_the_dashboard() {
        let dashboard = "/tableau-de-bord";
        let table: &[(Option<&str>, &str)] = &[
            (None, dashboard),
            (Some(""), dashboard),
            (Some("/compte"), "/compte"),
            (
                Some("/offres?q=boulanger&page=2"),
                "/offres?q=boulanger&page=2",
            ),
            (Some("/offres/../compte"), "/compte"),
            (Some("/compte#jetons"), "/compte"),
            (Some("/é"), "/%C3%A9"),
            (Some("//example.com"), dashboard),
            (Some("///example.com"), dashboard),
            (Some("/\\example.com"), dashboard),
            (Some("/\t/example.com"), dashboard),
            (Some("/\n/example.com"), dashboard),
            (Some("/\r\nSet-Cookie: x=1"), dashboard),
            (Some("/compte\n"), dashboard),
            (Some("/ /example.com"), dashboard),
            (Some("/\u{0}x"), dashboard),
            (Some("/%09/example.com"), "/%09/example.com"),
            (Some("/.//example.com"), dashboard),
            (Some("/a/..//example.com"), dashboard),
            (Some("https://example.com"), dashboard),
            (Some("http:/example.com"), dashboard),
            (Some("javascript:alert(1)"), dashboard),
            (Some("example.com"), dashboard),
            (Some("\t//example.com"), dashboard),
        ];
        for (input, expected) in table {
            assert_eq!(safe_next(*input), *expected, "{input:?}");
        }
    }
}
