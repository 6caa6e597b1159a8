//! The promises of accounts and the web layer (issue 13): roles granted only by those who
//! hold them, no open redirect after login, sign-up that tells nothing, forms throttled,
//! tokens revoked with the password, lockout that cannot be turned against someone, mail
//! bodies purged, the CSRF token never in a URL, HSTS and a private `/metrics`.

use axum::http::StatusCode;
use chrono::Duration;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, multipart};

both_backends!(
    invitations_grant_no_more_than_the_inviter_holds,
    next_after_login_stays_on_the_site,
    a_new_password_revokes_the_api_tokens,
    sign_up_tells_nothing_of_existing_accounts,
    forms_that_send_mail_are_throttled,
    failed_logins_slow_one_pair_and_never_lock_the_account,
    sent_mail_bodies_are_purged_after_seven_days,
    multipart_forms_carry_the_csrf_token_in_the_body,
    hsts_and_a_private_metrics_endpoint,
);

const PASSWORD: &str = "un-mot-de-passe-solide";

fn invitee(email: &str, role: &str) -> Vec<(&'static str, String)> {
    vec![
        ("first_name", "Yann".to_owned()),
        ("last_name", "Le Goff".to_owned()),
        ("email", email.to_owned()),
        ("role", role.to_owned()),
    ]
}

async fn invite(
    c: &mut crate::helpers::Client<'_>,
    org: &str,
    email: &str,
    role: &str,
) -> crate::helpers::TestResponse {
    c.get(&format!("/organisations/{org}")).await;
    let fields = invitee(email, role);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form(&format!("/organisations/{org}/invitations"), &fields)
        .await
}

async fn invitations_grant_no_more_than_the_inviter_holds(app: TestApp) {
    let app = app.with_demo().await;
    // An agency's administrator (a prescriber) invites prescribers, not gateway agents.
    let mut prescriber = app.login_as("prescriber@demo.passerelle.test").await;
    let agency = prescriber.own_org_id().await;
    let page = prescriber.get(&format!("/organisations/{agency}")).await;
    assert!(page.contains("value=\"prescriber\""));
    assert!(!page.contains("value=\"gateway_agent\""));
    let r = invite(
        &mut prescriber,
        &agency,
        "agent@exemple.fr",
        "gateway_agent",
    )
    .await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert!(r.contains("administrateur·rice régional·e"), "{}", r.text);
    invite(&mut prescriber, &agency, "conseil@exemple.fr", "prescriber")
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        app.mails()
            .await
            .iter()
            .all(|m| !m.to.contains("agent@exemple.fr"))
    );

    // The platform operator's own administrators (information officers) create none of the
    // regional roles: no form, and a forged request is refused.
    let mut officer = app.login_as("info_officer@demo.passerelle.test").await;
    let operator = officer.own_org_id().await;
    let page = officer.get(&format!("/organisations/{operator}")).await;
    page.assert_status(StatusCode::OK);
    assert!(!page.contains("Inviter une personne"));
    for role in ["regional_admin", "editor", "info_officer"] {
        invite(&mut officer, &operator, "chef@exemple.fr", role)
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }

    // A regional administrator does.
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    invite(&mut admin, &agency, "agent@exemple.fr", "gateway_agent")
        .await
        .assert_status(StatusCode::SEE_OTHER);
    invite(&mut admin, &operator, "redaction@exemple.fr", "editor")
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // Role changes follow the same rule: the regional administrator only, and a role that
    // fits the person's organisation.
    let accounts = admin.get("/admin/comptes?q=conseil@exemple.fr").await;
    let id = accounts
        .text
        .split("/admin/comptes/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    admin
        .post_form(
            &format!("/admin/comptes/{id}/role"),
            &[("role", "gateway_agent")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    prescriber.get("/tableau-de-bord").await;
    prescriber
        .post_form(
            &format!("/admin/comptes/{id}/role"),
            &[("role", "prescriber")],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

async fn next_after_login_stays_on_the_site(app: TestApp) {
    let app = app.with_demo().await;
    let email = "editor@demo.passerelle.test";
    let login = |next: &'static str| {
        let app = &app;
        async move {
            let mut c = app.client();
            c.get("/connexion").await;
            c.post_form(
                "/connexion",
                &[
                    ("email", email),
                    ("password", passerelle::demo::PASSWORD),
                    ("suivant", next),
                ],
            )
            .await
        }
    };
    for (next, expected) in [
        ("/\t/example.com", "/tableau-de-bord"),
        ("/\n/example.com", "/tableau-de-bord"),
        ("/compte\r\nSet-Cookie: x=1", "/tableau-de-bord"),
        ("//example.com", "/tableau-de-bord"),
        ("/\\example.com", "/tableau-de-bord"),
        ("https://example.com/", "/tableau-de-bord"),
        ("/compte", "/compte"),
    ] {
        let r = login(next).await;
        r.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(r.location(), expected, "{next:?}");
    }
    // Already signed in, the login page sends on the same way (the query string decoded).
    let mut c = app.login_as(email).await;
    for (query, expected) in [
        ("%2F%09%2Fexample.com", "/tableau-de-bord"),
        ("/%09/example.com", "/tableau-de-bord"),
        ("%0a", "/tableau-de-bord"),
        ("/offres%3Fq%3Dboulanger", "/offres?q=boulanger"),
    ] {
        let r = c.get(&format!("/connexion?suivant={query}")).await;
        r.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(r.location(), expected, "{query:?}");
    }
}

async fn a_new_password_revokes_the_api_tokens(app: TestApp) {
    let app = app.with_demo().await;
    let email = "training_staff@demo.passerelle.test";
    let mut c = app.login_as(email).await;
    let first = c.new_api_token().await;
    let second = c.new_api_token().await;
    let mut api = app.client();
    api.api_get("/api/v1/me", &first)
        .await
        .assert_status(StatusCode::OK);
    c.get("/compte").await;
    let r = c
        .post_form(
            "/compte/mot-de-passe",
            &[
                ("current", passerelle::demo::PASSWORD),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = c.get("/compte").await;
    assert!(
        page.contains("Vos 2 jetons d’API ont été révoqués"),
        "{}",
        page.text
    );
    for token in [&first, &second] {
        api.api_get("/api/v1/me", token)
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    let mail = app.last_mail_to(email).await;
    assert_eq!(mail.subject, "Votre mot de passe a été modifié");
    assert!(mail.body.contains("jetons d’API ont été révoqués (2)"));

    // A reset revokes them too.
    let third = c.new_api_token().await;
    let mut other = app.client();
    other.get("/mot-de-passe-oublie").await;
    other
        .post_form("/mot-de-passe-oublie", &[("email", email)])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let link = app.last_mail_to(email).await.link();
    let token = link.split('=').nth(1).unwrap().to_owned();
    other.get(&link).await;
    other
        .post_form(
            "/mot-de-passe/nouveau",
            &[
                ("jeton", &token),
                ("password", "encore-un-autre-mdp"),
                ("password_confirm", "encore-un-autre-mdp"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = other.get("/connexion").await;
    assert!(
        page.contains("Votre jeton d’API a été révoqué"),
        "{}",
        page.text
    );
    api.api_get("/api/v1/me", &third)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let mail = app.last_mail_to(email).await;
    assert_eq!(mail.subject, "Votre mot de passe a été modifié");
    assert!(mail.body.contains("(1)"));
}

async fn sign_up(
    app: &TestApp,
    email: &str,
    first_name: &str,
) -> (crate::helpers::TestResponse, String) {
    let mut c = app.client();
    c.get("/inscription/candidat").await;
    let r = c
        .post_form(
            "/inscription/candidat",
            &[
                ("first_name", first_name),
                ("last_name", "Kerhervé"),
                ("email", email),
                ("birth_date", "14/03/2004"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("consent", "on"),
            ],
        )
        .await;
    let page = c.get("/connexion").await.text;
    (r, page)
}

async fn sign_up_tells_nothing_of_existing_accounts(app: TestApp) {
    let app = app.with_demo().await;
    let (new, new_page) = sign_up(&app, "gwen@exemple.fr", "Gwen").await;
    let existing = "candidate@demo.passerelle.test";
    let (again, again_page) = sign_up(&app, existing, "Intrus").await;
    // The same answer, the same page.
    assert_eq!(new.status, StatusCode::SEE_OTHER);
    assert_eq!(again.status, new.status, "{}", again.text);
    assert_eq!(again.location(), new.location());
    let flash = "Votre compte est créé.";
    assert!(new_page.contains(flash) && again_page.contains(flash));
    // The mail says what happened, with a way back in.
    let mail = app.last_mail_to(existing).await;
    assert_eq!(mail.subject, "Vous avez déjà un compte sur Passerelle");
    assert!(mail.body.contains("vous avez déjà un compte"));
    let link = mail.link();
    assert!(link.starts_with("/mot-de-passe/nouveau?jeton="), "{link}");
    // No second account, and the person's name is unchanged: they still log in.
    assert!(!mail.body.contains("Intrus"));
    app.login_as(existing).await;
}

async fn forms_that_send_mail_are_throttled(app: TestApp) {
    let app = app.with_demo().await;
    let email = "prescriber@demo.passerelle.test";
    // Per address: three reset links an hour, whichever connection asks.
    for _ in 0..3 {
        let mut c = app.client();
        c.get("/mot-de-passe-oublie").await;
        c.post_form("/mot-de-passe-oublie", &[("email", email)])
            .await
            .assert_status(StatusCode::SEE_OTHER);
    }
    let mut c = app.client();
    c.get("/mot-de-passe-oublie").await;
    let r = c
        .post_form("/mot-de-passe-oublie", &[("email", email)])
        .await;
    r.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(r.contains("Trop de demandes de réinitialisation"));
    assert!(r.headers.get("retry-after").is_some());
    let resets = app
        .mails()
        .await
        .into_iter()
        .filter(|m| m.to.contains(email))
        .count();
    assert_eq!(resets, 3);
    // Per connection: ten sign-ups an hour, whatever the addresses.
    let mut c = app.client();
    for i in 0..10 {
        c.get("/verification/renvoyer").await;
        c.post_form(
            "/verification/renvoyer",
            &[("email", &format!("personne{i}@exemple.fr"))],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    }
    c.get("/verification/renvoyer").await;
    c.post_form("/verification/renvoyer", &[("email", "encore@exemple.fr")])
        .await
        .assert_status(StatusCode::TOO_MANY_REQUESTS);
    // Sign-up: an address used again and again is stopped too, with the same answer
    // whether or not it has an account.
    for existing in [false, true] {
        let email = if existing {
            "candidate@demo.passerelle.test"
        } else {
            "nouvelle@exemple.fr"
        };
        let mut last = None;
        for _ in 0..4 {
            last = Some(sign_up(&app, email, "Anna").await.0.status);
        }
        assert_eq!(last, Some(StatusCode::TOO_MANY_REQUESTS), "{email}");
    }
    // An hour later, it works again.
    app.state.clock.advance(Duration::minutes(61));
    let mut c = app.client();
    c.get("/mot-de-passe-oublie").await;
    c.post_form("/mot-de-passe-oublie", &[("email", email)])
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

async fn failed_login(
    app: &TestApp,
    ip: &str,
    email: &str,
    password: &str,
) -> crate::helpers::TestResponse {
    let mut c = app.client();
    c.ip = ip.to_owned();
    c.get("/connexion").await;
    c.post_form("/connexion", &[("email", email), ("password", password)])
        .await
}

async fn failed_logins_slow_one_pair_and_never_lock_the_account(app: TestApp) {
    let app = app.with_demo().await;
    let email = "funder@demo.passerelle.test";
    let (a, b) = ("192.0.2.10", "198.51.100.20");
    for _ in 0..passerelle::auth::throttle::FREE_FAILURES {
        failed_login(&app, a, email, "mauvais")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    // From A, the next attempt waits, even with the right password.
    let r = failed_login(&app, a, email, passerelle::demo::PASSWORD).await;
    r.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(r.contains("Trop de tentatives de connexion"));
    let first_wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&first_wait), "{first_wait}");
    // From B, the owner logs in.
    failed_login(&app, b, email, passerelle::demo::PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // A keeps guessing after each wait: the wait grows.
    app.state.clock.advance(Duration::seconds(31));
    failed_login(&app, a, email, "mauvais")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let r = failed_login(&app, a, email, "mauvais").await;
    r.assert_status(StatusCode::TOO_MANY_REQUESTS);
    let second_wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(second_wait > first_wait, "{second_wait} > {first_wait}");
    assert!(second_wait > 30);
    // B still gets in.
    failed_login(&app, b, email, passerelle::demo::PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // After the wait, A's right password works.
    app.state
        .clock
        .advance(Duration::seconds(second_wait as i64 + 1));
    failed_login(&app, a, email, passerelle::demo::PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);

    // FTPS failures are counted apart: many from C do not slow C's web login.
    let c = "203.0.113.30";
    app.state
        .db
        .run(move |conn| {
            use passerelle::auth::throttle::{Channel, record_failure};
            for _ in 0..25 {
                record_failure(conn, Channel::Ftps, email, c)?;
            }
            Ok(())
        })
        .await
        .unwrap();
    failed_login(&app, c, email, passerelle::demo::PASSWORD)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // …while FTPS from C is slowed.
    let ftps = app
        .state
        .db
        .run(move |conn| {
            passerelle::auth::throttle::check(
                conn,
                passerelle::auth::throttle::Channel::Ftps,
                email,
                c,
            )
        })
        .await;
    assert_eq!(ftps.unwrap_err().status(), StatusCode::TOO_MANY_REQUESTS);

    // One address failing on many accounts is stopped, for every account.
    let sprayer = "192.0.2.99";
    for i in 0..passerelle::auth::throttle::MAX_FAILURES_PER_IP {
        failed_login(&app, sprayer, &format!("personne{i}@exemple.fr"), "x")
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    failed_login(
        &app,
        sprayer,
        "editor@demo.passerelle.test",
        passerelle::demo::PASSWORD,
    )
    .await
    .assert_status(StatusCode::TOO_MANY_REQUESTS);
    app.login_as("editor@demo.passerelle.test").await;
}

async fn sent_mail_bodies_are_purged_after_seven_days(app: TestApp) {
    use diesel::prelude::*;
    use passerelle::db::schema::outbox_mails;

    let app = app.with_demo().await;
    let email = "prescriber@demo.passerelle.test";
    let mut c = app.client();
    c.get("/mot-de-passe-oublie").await;
    c.post_form("/mot-de-passe-oublie", &[("email", email)])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    app.mails().await;
    let outbox = || {
        app.state.db.run(move |conn| {
            Ok(outbox_mails::table
                .filter(outbox_mails::to_address.eq(email))
                .select((
                    outbox_mails::subject,
                    outbox_mails::status,
                    outbox_mails::body_text,
                    outbox_mails::body_html,
                ))
                .load::<(String, String, String, Option<String>)>(conn)?)
        })
    };
    let rows = outbox().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, "sent");
    assert!(rows[0].2.contains("jeton="));
    // Six days later, still there.
    app.state.clock.advance(Duration::days(6));
    app.run_jobs().await;
    assert!(outbox().await.unwrap()[0].2.contains("jeton="));
    // After seven days, the body is gone; who, what and when stay.
    app.state.clock.advance(Duration::days(2));
    app.run_jobs().await;
    let rows = outbox().await.unwrap();
    let (subject, status, text, html) = &rows[0];
    assert_eq!(subject, "Réinitialisation de votre mot de passe");
    assert_eq!(status, "sent");
    assert!(!text.contains("jeton"), "{text}");
    assert_eq!(text, passerelle::mail::PURGED_BODY);
    assert_eq!(html, &None);
}

async fn multipart_forms_carry_the_csrf_token_in_the_body(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    let page = candidate.get("/profil").await;
    page.assert_status(StatusCode::OK);
    assert!(!page.contains("?csrf="));
    let csrf = candidate.csrf();
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    // The token in the URL only: refused, nothing stored.
    let (content_type, body) = multipart(&[], "cv", "cv.pdf", pdf);
    let r = candidate
        .send(
            "POST",
            &format!("/profil/cv?csrf={csrf}"),
            &content_type,
            body,
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    // In the body, as the form sends it without JavaScript: the upload goes through the
    // middleware to the handler.
    let (content_type, body) = multipart(&[("csrf", &csrf)], "cv", "cv.pdf", pdf);
    let r = candidate
        .send("POST", "/profil/cv", &content_type, body)
        .await;
    assert_ne!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // A wrong token in the body is refused.
    let (content_type, body) = multipart(&[("csrf", "faux")], "cv", "cv.pdf", pdf);
    candidate
        .send("POST", "/profil/cv", &content_type, body)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // The import form of a training centre carries it the same way.
    let mut staff = app.login_as("training_staff@demo.passerelle.test").await;
    let page = staff.get("/imports").await;
    page.assert_status(StatusCode::OK);
    assert!(!page.contains("?csrf="));
    assert!(page.contains("action=\"/imports/envoyer\""));
}

async fn hsts_and_a_private_metrics_endpoint(app: TestApp) {
    // Secure cookies (the default): HSTS on every answer.
    let mut c = app.client();
    let home = c.get("/").await;
    assert_eq!(
        home.headers.get("strict-transport-security").unwrap(),
        "max-age=31536000; includeSubDomains"
    );
    // No token configured: /metrics is not there.
    c.get("/metrics").await.assert_status(StatusCode::NOT_FOUND);

    // A token configured: only its bearer reads the metrics.
    let app = TestApp::with_config(Backend::Sqlite, |config| {
        config.metrics_token = Some(passerelle::config::Secret::new("jeton-prometheus"));
    })
    .await;
    let mut c = app.client();
    c.get("/").await;
    c.get("/metrics")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    c.api_get("/metrics", "mauvais-jeton")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let r = c.api_get("/metrics", "jeton-prometheus").await;
    r.assert_status(StatusCode::OK);
    assert!(r.contains("passerelle_http_requests_total"));

    // Cookies not secure (plain HTTP in development): no HSTS.
    let app = TestApp::with_config(Backend::Sqlite, |config| config.cookie_secure = false).await;
    let home = app.client().get("/").await;
    home.assert_status(StatusCode::OK);
    assert!(home.headers.get("strict-transport-security").is_none());
}
