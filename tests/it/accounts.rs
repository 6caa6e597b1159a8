use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    candidate_signs_up_verifies_and_logs_in,
    under_15_and_bad_input_are_refused_in_french,
    recruiter_company_waits_for_the_chamber,
    password_reset_is_single_use,
    login_is_throttled,
    state_changes_need_the_csrf_token,
    api_tokens_authenticate_and_revoke,
    disabled_account_loses_its_sessions,
);

const PASSWORD: &str = "un-mot-de-passe-solide";

async fn candidate_signs_up_verifies_and_logs_in(app: TestApp) {
    let mut c = app.client();
    let page = c.get("/inscription/candidat").await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Vos données, en clair"));
    let r = c
        .post_form(
            "/inscription/candidat",
            &[
                ("first_name", "Léna"),
                ("last_name", "Le Gall"),
                ("email", "Lena.LeGall@Exemple.fr"),
                ("birth_date", "2009-05-02"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("consent", "oui"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/connexion");
    let page = c.get("/connexion").await;
    assert!(page.contains("Votre compte est créé"), "{}", page.text);

    // Not before the address is confirmed.
    let r = c
        .post_form(
            "/connexion",
            &[("email", "lena.legall@exemple.fr"), ("password", PASSWORD)],
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert!(r.contains("Confirmez d’abord votre adresse"));

    let mail = app.last_mail_to("lena.legall@exemple.fr").await;
    assert_eq!(mail.subject, "Confirmez votre adresse e-mail");
    let link = mail.link();
    assert!(link.starts_with("/verification?jeton="));
    // Opening the link changes nothing by itself; the button does.
    let page = c.get(&link).await;
    page.assert_status(StatusCode::OK);
    let token = link.split('=').nth(1).unwrap();
    c.post_form("/verification", &[("jeton", token)])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // A used link is refused.
    c.get(&link).await;
    let again = c.post_form("/verification", &[("jeton", token)]).await;
    again.assert_status(StatusCode::GONE);
    assert!(again.contains("n’est plus valable"));

    let before = c.get("/connexion").await;
    assert!(before.contains("Se connecter"));
    let r = c
        .post_form(
            "/connexion",
            &[("email", "lena.legall@exemple.fr"), ("password", PASSWORD)],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let dashboard = c.get("/tableau-de-bord").await;
    dashboard.assert_status(StatusCode::OK);
    assert!(dashboard.contains("Bonjour Léna"));
    assert!(dashboard.contains("Candidat·e"));

    // The same address cannot sign up twice.
    let mut other = app.client();
    other.get("/inscription/candidat").await;
    let r = other
        .post_form(
            "/inscription/candidat",
            &[
                ("first_name", "Autre"),
                ("last_name", "Personne"),
                ("email", "lena.legall@exemple.fr"),
                ("birth_date", "01/01/2000"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("consent", "oui"),
            ],
        )
        .await;
    // The page answers as for a new account (it teaches nothing); the mail tells the owner.
    r.assert_status(StatusCode::SEE_OTHER);
    let mail = app.last_mail_to("lena.legall@exemple.fr").await;
    assert_eq!(mail.subject, "Vous avez déjà un compte sur Passerelle");
    let r = c.get("/tableau-de-bord").await;
    assert!(r.contains("Bonjour Léna"));
}

async fn under_15_and_bad_input_are_refused_in_french(app: TestApp) {
    let mut c = app.client();
    c.get("/inscription/candidat").await;
    let today = passerelle::clock::today_paris();
    let fourteen = today.with_year_minus(14);
    let r = c
        .post_form(
            "/inscription/candidat",
            &[
                ("first_name", "Jeune"),
                ("last_name", "Trop"),
                ("email", "jeune@exemple.fr"),
                ("birth_date", &fourteen),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("consent", "oui"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("au moins 15 ans"), "{}", r.text);
    // The form keeps what was typed, except passwords.
    assert!(r.contains("value=\"jeune@exemple.fr\""));
    assert!(!r.contains(PASSWORD));

    let r = c
        .post_form(
            "/inscription/candidat",
            &[
                ("first_name", ""),
                ("last_name", "X"),
                ("email", "pas-une-adresse"),
                ("birth_date", "demain"),
                ("password", "court"),
                ("password_confirm", "court"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Indiquez votre prénom.",
        "doit contenir un « @ »",
        "au format JJ/MM/AAAA",
        "au moins 10 caractères",
        "Cochez la case",
    ] {
        assert!(r.contains(message), "missing {message:?}");
    }
    // Nothing was created: no mail left.
    assert!(app.mails().await.is_empty());
}

trait MinusYears {
    fn with_year_minus(&self, years: i32) -> String;
}

impl MinusYears for chrono::NaiveDate {
    fn with_year_minus(&self, years: i32) -> String {
        use chrono::Datelike;
        let d =
            chrono::NaiveDate::from_ymd_opt(self.year() - years, self.month(), self.day().min(28))
                .unwrap();
        d.format("%d/%m/%Y").to_string()
    }
}

async fn recruiter_company_waits_for_the_chamber(app: TestApp) {
    let app = app.with_demo().await;
    let mut c = app.client();
    c.get("/inscription/entreprise")
        .await
        .assert_status(StatusCode::OK);
    let fields = |siret: &'static str, commune: &'static str| {
        vec![
            ("first_name", "Paul"),
            ("last_name", "Caradec"),
            ("email", "paul@creperie-caradec.fr"),
            ("company_name", "Crêperie Caradec"),
            ("siret", siret),
            ("commune", commune),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ]
    };
    // A wrong check digit, then an ambiguous commune, are explained.
    let r = c
        .post_form(
            "/inscription/entreprise",
            &fields("73282932000075", "29200"),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("clé de contrôle est fausse"));
    let r = c
        .post_form(
            "/inscription/entreprise",
            &fields("73282932000074", "Saint-Martin"),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Plusieurs communes correspondent"));
    // Brest by postal code: department 29.
    let r = c
        .post_form(
            "/inscription/entreprise",
            &fields("73282932000074", "29200"),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let link = app.last_mail_to("paul@creperie-caradec.fr").await.link();
    let token = link.split('=').nth(1).unwrap().to_owned();
    c.get(&link).await;
    c.post_form("/verification", &[("jeton", &token)])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    c.get("/connexion").await;
    c.post_form(
        "/connexion",
        &[
            ("email", "paul@creperie-caradec.fr"),
            ("password", PASSWORD),
        ],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let dashboard = c.get("/tableau-de-bord").await;
    assert!(
        dashboard.contains("Votre organisation est au statut « En attente de validation »"),
        "{}",
        dashboard.text
    );

    // The chamber (covering 22, 29, 35, 56) was told and sees it in its queue.
    let notice = app
        .last_mail_to("registration_officer@demo.passerelle.test")
        .await;
    assert!(notice.body.contains("Crêperie Caradec"));
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    let queue = officer.get("/validations").await;
    queue.assert_status(StatusCode::OK);
    assert!(queue.contains("Crêperie Caradec"));
    let company_id = queue
        .text
        .split("/validations/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    // A refusal needs a reason.
    let r = officer
        .post_form(
            &format!("/validations/{company_id}"),
            &[("decision", "refuser"), ("reason", "")],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert!(
        officer
            .get("/validations")
            .await
            .contains("indiquez le motif")
    );
    // Somebody else cannot decide.
    let mut teacher = app.login_as("teacher@demo.passerelle.test").await;
    teacher.get("/tableau-de-bord").await;
    teacher
        .post_form(
            &format!("/validations/{company_id}"),
            &[("decision", "valider")],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    teacher
        .get("/validations")
        .await
        .assert_status(StatusCode::FORBIDDEN);

    let queue = officer.get("/validations").await;
    let card = queue.text.split("Crêperie Caradec").nth(1).unwrap();
    let first_id = card
        .split("/validations/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    officer
        .post_form(
            &format!("/validations/{first_id}"),
            &[("decision", "valider")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mail = app.last_mail_to("paul@creperie-caradec.fr").await;
    assert_eq!(mail.subject, "Votre entreprise est validée");
    let dashboard = c.get("/tableau-de-bord").await;
    assert!(!dashboard.contains("Votre organisation est au statut"));
    // Deciding twice is refused.
    officer.get("/validations").await;
    officer
        .post_form(
            &format!("/validations/{first_id}"),
            &[("decision", "valider")],
        )
        .await
        .assert_status(StatusCode::CONFLICT);
    // The decision is in the audit log.
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    assert!(
        admin
            .get("/admin/journal")
            .await
            .contains("organisation_validated")
    );
}

async fn password_reset_is_single_use(app: TestApp) {
    let app = app.with_demo().await;
    let email = "prescriber@demo.passerelle.test";
    let mut c = app.client();
    c.get("/mot-de-passe-oublie")
        .await
        .assert_status(StatusCode::OK);
    let r = c
        .post_form("/mot-de-passe-oublie", &[("email", email)])
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    // The same answer for an unknown address: nothing to learn.
    c.get("/mot-de-passe-oublie").await;
    c.post_form("/mot-de-passe-oublie", &[("email", "inconnu@exemple.fr")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mail = app.last_mail_to(email).await;
    assert!(mail.body.contains("valable une heure"));
    let link = mail.link();
    assert!(link.starts_with("/mot-de-passe/nouveau?jeton="));
    let token = link.split('=').nth(1).unwrap().to_owned();
    c.get(&link).await.assert_status(StatusCode::OK);
    let r = c
        .post_form(
            "/mot-de-passe/nouveau",
            &[
                ("jeton", &token),
                ("password", "court"),
                ("password_confirm", "court"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    c.post_form(
        "/mot-de-passe/nouveau",
        &[
            ("jeton", &token),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    c.get(&link).await;
    c.post_form(
        "/mot-de-passe/nouveau",
        &[
            ("jeton", &token),
            ("password", "encore-un-autre-mdp"),
            ("password_confirm", "encore-un-autre-mdp"),
        ],
    )
    .await
    .assert_status(StatusCode::GONE);
    c.get("/connexion").await;
    c.post_form(
        "/connexion",
        &[("email", email), ("password", passerelle::demo::PASSWORD)],
    )
    .await
    .assert_status(StatusCode::UNAUTHORIZED);
    c.post_form("/connexion", &[("email", email), ("password", PASSWORD)])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        passerelle::auth::tokens::Purpose::ResetPassword.lifetime(),
        chrono::Duration::hours(1)
    );
}

async fn login_is_throttled(app: TestApp) {
    let app = app.with_demo().await;
    let email = "funder@demo.passerelle.test";
    let mut c = app.client();
    c.get("/connexion").await;
    for _ in 0..passerelle::auth::throttle::FREE_FAILURES {
        let r = c
            .post_form(
                "/connexion",
                &[("email", email), ("password", "mauvais mot de passe")],
            )
            .await;
        r.assert_status(StatusCode::UNAUTHORIZED);
        assert!(r.contains("Adresse e-mail ou mot de passe incorrect."));
    }
    // From this address the next attempt waits, even with the right password…
    let r = c
        .post_form(
            "/connexion",
            &[("email", email), ("password", passerelle::demo::PASSWORD)],
        )
        .await;
    r.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(r.contains("Trop de tentatives de connexion"));
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    // …but the account is not locked: its owner logs in from elsewhere (see
    // account_security for the growing delay and the addresses trying many accounts).
    app.login_as(email).await;
}

async fn state_changes_need_the_csrf_token(app: TestApp) {
    let app = app.with_demo().await;
    // No session at all.
    let mut c = app.client();
    let r = c
        .post_form_raw(
            "/connexion",
            &[
                ("email", "editor@demo.passerelle.test"),
                ("password", passerelle::demo::PASSWORD),
            ],
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert!(r.contains("Le formulaire a expiré"));
    // A session but a wrong token.
    c.get("/connexion").await;
    let r = c
        .post_form_raw(
            "/connexion",
            &[
                ("csrf", "faux"),
                ("email", "editor@demo.passerelle.test"),
                ("password", passerelle::demo::PASSWORD),
            ],
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    // Logged in: logout without the token is refused and the session stays.
    let mut user = app.login_as("editor@demo.passerelle.test").await;
    user.post_form_raw("/deconnexion", &[])
        .await
        .assert_status(StatusCode::FORBIDDEN);
    user.get("/tableau-de-bord")
        .await
        .assert_status(StatusCode::OK);
    user.post_form("/deconnexion", &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let r = user.get("/tableau-de-bord").await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/connexion?suivant=%2Ftableau-de-bord");
}

async fn api_tokens_authenticate_and_revoke(app: TestApp) {
    let app = app.with_demo().await;
    let mut c = app.login_as("training_staff@demo.passerelle.test").await;
    c.get("/compte").await.assert_status(StatusCode::OK);
    let r = c
        .post_form("/compte/jetons", &[("name", "Logiciel Ymag")])
        .await;
    r.assert_status(StatusCode::OK);
    let start = r.text.find("psl_").expect("token shown once");
    let token: String = r.text[start..]
        .chars()
        .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_' || *ch == '-')
        .collect();
    assert!(token.len() > 40);

    let mut api = app.client();
    let me = api.api_get("/api/v1/me", &token).await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.json()["email"], "training_staff@demo.passerelle.test");
    assert_eq!(me.json()["role"], "training_staff");
    // The account page never shows it again.
    let page = c.get("/compte").await;
    assert!(!page.contains(&token));
    assert!(page.contains("Logiciel Ymag"));

    // Without a token, or with a wrong one: structured 401, not a login page.
    let r = api.get("/api/v1/me").await;
    r.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["code"], "unauthorized");
    api.api_get("/api/v1/me", "psl_faux")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);

    let id = page
        .text
        .split("/compte/jetons/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    // Another person cannot revoke it.
    let mut other = app.login_as("funder@demo.passerelle.test").await;
    other.get("/compte").await;
    other
        .post_form(&format!("/compte/jetons/{id}/revoquer"), &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);
    api.api_get("/api/v1/me", &token)
        .await
        .assert_status(StatusCode::OK);
    c.post_form(&format!("/compte/jetons/{id}/revoquer"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    api.api_get("/api/v1/me", &token)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

async fn disabled_account_loses_its_sessions(app: TestApp) {
    let app = app.with_demo().await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter
        .get("/tableau-de-bord")
        .await
        .assert_status(StatusCode::OK);
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    let accounts = admin.get("/admin/comptes?q=recruiter").await;
    accounts.assert_status(StatusCode::OK);
    let row = accounts
        .text
        .split("recruiter@demo.passerelle.test")
        .nth(1)
        .unwrap();
    let id = row
        .split("/admin/comptes/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    admin
        .post_form(
            &format!("/admin/comptes/{id}/statut"),
            &[("status", "disabled")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);

    let r = recruiter.get("/tableau-de-bord").await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert!(!recruiter.has_session());
    recruiter.get("/connexion").await;
    let r = recruiter
        .post_form(
            "/connexion",
            &[
                ("email", "recruiter@demo.passerelle.test"),
                ("password", passerelle::demo::PASSWORD),
            ],
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert!(r.contains("Ce compte a été désactivé"));
    assert!(
        admin
            .get("/admin/journal")
            .await
            .contains("account_disabled")
    );
}
