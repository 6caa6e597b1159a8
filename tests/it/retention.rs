//! Data the region controls: the regional administrator sets how long each kind of personal
//! data is kept, within its legal bounds; each kind's daily purge erases what is older than
//! its setting, keeps the rest and writes its count to the audit log; the privacy page shows
//! the durations set and the data protection officer's contact; editors write the legal
//! pages.

use axum::http::StatusCode;
use chrono::Duration;
use diesel::prelude::*;
use passerelle::db::schema::{
    audit_events, helpline_requests, import_runs, outbox_mails, site_event_registrations,
};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    the_regional_admin_sets_each_retention_within_its_bounds,
    information_line_requests_go_after_their_retention,
    event_registrations_go_after_their_retention,
    import_files_go_after_their_retention,
    mail_bodies_and_the_audit_log_follow_their_retention,
    inactive_candidates_are_warned_then_erased_after_the_retention_set,
    prescribed_people_go_after_the_retention_set,
    editors_write_the_legal_pages,
);

const ADMIN: &str = "regional_admin@demo.passerelle.test";
const EDITOR: &str = "editor@demo.passerelle.test";
const CANDIDATE: &str = "candidate@demo.passerelle.test";

/// The administrator sets one kind's duration through the form.
async fn set_retention(app: &TestApp, key: &str, days: &str) {
    let mut admin = app.login_as(ADMIN).await;
    admin
        .get("/admin/conservation")
        .await
        .assert_status(StatusCode::OK);
    let r = admin.post_form("/admin/conservation", &[(key, days)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}

/// Runs the daily purge of `key` (what its schedule runs); returns how many records went.
async fn purge(app: &TestApp, key: &'static str) -> usize {
    passerelle::web::retention::run(&app.state, key)
        .await
        .expect("purge")
}

/// The audit log's line of the latest purge of `key`.
async fn last_purge(app: &TestApp, key: &'static str) -> String {
    app.state
        .db
        .run(move |conn| {
            Ok(audit_events::table
                .filter(audit_events::action.eq("retention_purge"))
                .filter(audit_events::target_id.eq(key))
                .order(audit_events::at.desc())
                .select(audit_events::detail)
                .first::<Option<String>>(conn)?)
        })
        .await
        .unwrap()
        .expect("a detail")
}

async fn days_set(app: &TestApp, key: &'static str) -> i32 {
    let state = app.state.clone();
    app.state
        .db
        .run(move |conn| state.registry.retention.days(conn, key))
        .await
        .unwrap()
}

async fn the_regional_admin_sets_each_retention_within_its_bounds(app: TestApp) {
    let app = app.with_demo().await;
    let privacy = app.client().get("/confidentialite").await;
    privacy.assert_status(StatusCode::OK);
    assert!(
        privacy.contains("2 ans après leur dernier mouvement"),
        "{}",
        privacy.text
    );
    assert!(privacy.contains("dpo@passerelle.test"));
    assert!(privacy.contains("Je ne souhaite pas répondre"));

    let mut admin = app.login_as(ADMIN).await;
    let page = admin.get("/admin/conservation").await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Demandes au service d’information"));
    assert!(page.contains("entre 365 et 1095"));
    let r = admin
        .post_form("/admin/conservation", &[("helpline_requests", "1095")])
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(days_set(&app, "helpline_requests").await, 1095);
    assert!(
        admin
            .get("/admin/conservation")
            .await
            .contains("value=\"1095\"")
    );
    let logged = app
        .state
        .db
        .run(|conn| passerelle::auth::audit::recent(conn, Some("retention_changed"), 5))
        .await
        .unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0].detail.as_deref(),
        Some("Conservation « Demandes au service d’information » : 730 jours → 1095 jours")
    );
    // The privacy page reads the setting.
    let privacy = app.client().get("/confidentialite").await;
    assert!(
        privacy.contains("3 ans après leur dernier mouvement"),
        "{}",
        privacy.text
    );
    assert!(!privacy.contains("2 ans après leur dernier mouvement"));

    // Out of bounds or not a number: refused in French, nothing changes, what was typed stays.
    let r = admin
        .post_form(
            "/admin/conservation",
            &[
                ("helpline_requests", "2000"),
                ("mail_bodies", "une semaine"),
                ("audit_log", "200"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains(
        "Demandes au service d’information : la durée de conservation doit être comprise entre 365 et 1095 jours."
    ));
    assert!(r.contains("indiquez la durée de conservation en nombre entier de jours"));
    assert!(r.contains("value=\"une semaine\""));
    assert_eq!(days_set(&app, "helpline_requests").await, 1095);
    assert_eq!(days_set(&app, "mail_bodies").await, 7);
    assert_eq!(days_set(&app, "audit_log").await, 365, "nothing changed");
    let r = admin
        .post_form("/admin/conservation", &[("audit_log", "90")])
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(days_set(&app, "audit_log").await, 365);

    // Nobody else sets them.
    for email in [EDITOR, "recruiter@demo.passerelle.test", CANDIDATE] {
        let mut other = app.login_as(email).await;
        other
            .get("/admin/conservation")
            .await
            .assert_status(StatusCode::FORBIDDEN);
        other
            .post_form("/admin/conservation", &[("audit_log", "200")])
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    let mut visitor = app.client();
    let r = visitor.get("/admin/conservation").await;
    assert_ne!(r.status, StatusCode::OK);
    assert_eq!(days_set(&app, "audit_log").await, 365);
}

/// The officer notes a call, answered when `answer` is not empty; returns its id.
async fn log_call(app: &TestApp, question: &str, answer: &str) -> String {
    let mut officer = app.login_as("info_officer@demo.passerelle.test").await;
    officer
        .get("/cap-info/appel")
        .await
        .assert_status(StatusCode::OK);
    let r = officer
        .post_form(
            "/cap-info/appel",
            &[
                ("caller_kind", "individual"),
                ("age_band", "18_25"),
                ("situation", "job_seeker"),
                ("topic", "funding"),
                ("question", question),
                ("answer", answer),
                ("requester_name", "Enora Le Bras"),
                ("requester_email", "enora@exemple.fr"),
                ("requester_phone", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.location().rsplit('/').next().unwrap().to_owned()
}

async fn helpline_status(app: &TestApp, id: &str) -> Option<String> {
    let id = id.to_owned();
    app.state
        .db
        .run(move |conn| {
            Ok(helpline_requests::table
                .find(&id)
                .select(helpline_requests::status)
                .first::<String>(conn)
                .optional()?)
        })
        .await
        .unwrap()
}

async fn information_line_requests_go_after_their_retention(app: TestApp) {
    let app = app.with_demo().await;
    set_retention(&app, "helpline_requests", "365").await;
    let old = log_call(
        &app,
        "Quelles aides pour passer le permis ?",
        "Voir la Mission Locale.",
    )
    .await;
    let waiting = log_call(&app, "Une formation d’aide-soignante à Rennes ?", "").await;
    assert_eq!(
        helpline_status(&app, &old).await.as_deref(),
        Some("answered")
    );
    assert_eq!(
        helpline_status(&app, &waiting).await.as_deref(),
        Some("new")
    );
    app.state.clock.advance(Duration::days(300));
    let recent = log_call(&app, "Le CAP en un an existe-t-il ?", "Oui, en alternance.").await;
    app.state.clock.advance(Duration::days(70));

    let old_answered = || {
        app.state.db.run(|conn| {
            let limit = passerelle::db::now() - Duration::days(365);
            Ok(helpline_requests::table
                .filter(helpline_requests::updated_at.lt(limit))
                .filter(helpline_requests::status.ne_all(["new", "routed"]))
                .count()
                .get_result::<i64>(conn)?)
        })
    };
    let expected = old_answered().await.unwrap();
    assert!(expected >= 1);
    let purged = purge(&app, "helpline_requests").await;
    assert_eq!(purged as i64, expected);
    assert_eq!(old_answered().await.unwrap(), 0);
    assert_eq!(
        helpline_status(&app, &old).await,
        None,
        "answered 370 days ago"
    );
    assert!(
        helpline_status(&app, &recent).await.is_some(),
        "answered 70 days ago"
    );
    assert!(
        helpline_status(&app, &waiting).await.is_some(),
        "still waiting"
    );
    let line = last_purge(&app, "helpline_requests").await;
    let what = if purged == 1 {
        "demande du service d’information supprimée"
    } else {
        "demandes du service d’information supprimées"
    };
    assert_eq!(
        line,
        format!("Purge : {purged} {what} (conservation 365 jours)")
    );
}

async fn registrations(app: &TestApp, event: &str) -> i64 {
    let id = event.rsplit('/').next().unwrap().to_owned();
    app.state
        .db
        .run(move |conn| {
            Ok(site_event_registrations::table
                .filter(site_event_registrations::event_id.eq(&id))
                .count()
                .get_result(conn)?)
        })
        .await
        .unwrap()
}

async fn register_to(app: &TestApp, event: &str, email: &str) {
    let mut visitor = app.client();
    visitor.get(event).await.assert_status(StatusCode::OK);
    visitor
        .post_form(
            &format!("{event}/inscription"),
            &[("name", "Camille Le Gall"), ("email", email)],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

/// The coordinator creates an event in 14 days (by the application's clock); returns its path.
async fn new_event(app: &TestApp) -> String {
    let mut coordinator = app.login_as(crate::sites::COORDINATOR).await;
    let brieuc = crate::sites::site_id(&mut coordinator, "Espace Métiers de Saint-Brieuc").await;
    coordinator.get(&format!("/espaces-metiers/{brieuc}")).await;
    let day = (app.state.clock.today_paris() + Duration::days(14))
        .format("%d/%m/%Y")
        .to_string();
    let r = coordinator
        .post_form(
            &format!("/espaces-metiers/{brieuc}/evenements"),
            &[
                ("kind", "company_visit"),
                ("title", "Visite de la conserverie"),
                (
                    "description",
                    "Découverte des métiers de l’agroalimentaire.",
                ),
                ("date", &day),
                ("time", "09:30"),
                ("capacity", "10"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.location()
}

async fn event_registrations_go_after_their_retention(app: TestApp) {
    let app = app.with_demo().await;
    set_retention(&app, "event_registrations", "30").await;
    // An event in 14 days, another created 20 days later (in 34 days).
    let first = new_event(&app).await;
    register_to(&app, &first, "camille@exemple.fr").await;
    app.state.clock.advance(Duration::days(20));
    let second = new_event(&app).await;
    register_to(&app, &second, "yann@exemple.fr").await;
    // 45 days on: the first took place 31 days ago, the second 11 days ago.
    app.state.clock.advance(Duration::days(25));
    let past = || {
        app.state.db.run(|conn| {
            use passerelle::db::schema::site_events;
            let limit = passerelle::db::now() - Duration::days(30);
            Ok(site_event_registrations::table
                .inner_join(site_events::table)
                .filter(site_events::starts_at.lt(limit))
                .count()
                .get_result::<i64>(conn)?)
        })
    };
    let expected = past().await.unwrap();
    let purged = purge(&app, "event_registrations").await;
    assert_eq!(purged as i64, expected);
    assert_eq!(past().await.unwrap(), 0);
    assert_eq!(registrations(&app, &first).await, 0);
    assert_eq!(registrations(&app, &second).await, 1);
    let what = if purged == 1 {
        "inscription à un événement supprimée"
    } else {
        "inscriptions à des événements supprimées"
    };
    assert_eq!(
        last_purge(&app, "event_registrations").await,
        format!("Purge : {purged} {what} (conservation 30 jours)")
    );
    // Twenty days later the second goes too, by the daily task itself.
    app.state.clock.advance(Duration::days(20));
    app.run_jobs().await;
    assert_eq!(registrations(&app, &second).await, 0);
    assert_eq!(
        last_purge(&app, "event_registrations").await,
        "Purge : 1 inscription à un événement supprimée (conservation 30 jours)"
    );
}

/// Receives a file in the demo centre's FTPS folder (where received files stay until the
/// partner deletes them) and imports it; returns its run.
async fn import_file(app: &TestApp, name: &str, reference: &str) -> String {
    let bytes = crate::imports::generic_file(&[crate::imports::generic_row(
        reference,
        "Boulanger ou boulangère",
        "35238",
    )]);
    let mut upload = crate::imports::demo_upload(app, name, bytes, None).await;
    upload.channel = passerelle::imports::service::Channel::Ftps;
    let run = upload.run_id.clone();
    passerelle::imports::service::receive(&app.state, upload, Some(name.to_owned()))
        .await
        .expect("received");
    for _ in 0..50 {
        app.run_jobs().await;
        if let (status, Some(_)) = run_file(app, &run).await
            && status == "done"
        {
            return run;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!(
        "the import of {name} never ended: {:?}",
        run_file(app, &run).await
    );
}

async fn run_file(app: &TestApp, run: &str) -> (String, Option<String>) {
    let run = run.to_owned();
    app.state
        .db
        .run(move |conn| {
            Ok(import_runs::table
                .find(&run)
                .select((import_runs::status, import_runs::file_id))
                .first(conn)?)
        })
        .await
        .unwrap()
}

async fn import_files_go_after_their_retention(app: TestApp) {
    let app = app.with_demo().await;
    set_retention(&app, "import_files", "7").await;
    let old = import_file(&app, "offres-1.csv", "RET-1").await;
    let old_file = run_file(&app, &old).await.1.unwrap();
    app.state.clock.advance(Duration::days(5));
    let recent = import_file(&app, "offres-2.csv", "RET-2").await;
    app.state.clock.advance(Duration::days(3));
    assert_eq!(purge(&app, "import_files").await, 1);
    assert_eq!(
        run_file(&app, &old).await,
        ("done".to_owned(), None),
        "the run stays"
    );
    let gone = app
        .state
        .db
        .run(move |conn| passerelle::db::files::exists(conn, &old_file))
        .await
        .unwrap();
    assert!(!gone, "its bytes are erased");
    assert!(
        run_file(&app, &recent).await.1.is_some(),
        "imported 3 days ago"
    );
    assert_eq!(
        last_purge(&app, "import_files").await,
        "Purge : 1 fichier importé supprimé (conservation 7 jours)"
    );
}

async fn reset_password(app: &TestApp, email: &str) {
    let mut c = app.client();
    c.get("/mot-de-passe-oublie").await;
    c.post_form("/mot-de-passe-oublie", &[("email", email)])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    app.run_jobs().await;
}

async fn body_of(app: &TestApp, email: &'static str) -> String {
    app.state
        .db
        .run(move |conn| {
            Ok(outbox_mails::table
                .filter(outbox_mails::to_address.eq(email))
                .order(outbox_mails::created_at.desc())
                .select(outbox_mails::body_text)
                .first(conn)?)
        })
        .await
        .unwrap()
}

async fn mail_bodies_and_the_audit_log_follow_their_retention(app: TestApp) {
    let app = app.with_demo().await;
    set_retention(&app, "mail_bodies", "10").await;
    set_retention(&app, "audit_log", "180").await;
    let (first, second) = (
        "prescriber@demo.passerelle.test",
        "recruiter@demo.passerelle.test",
    );
    reset_password(&app, first).await;
    app.state.clock.advance(Duration::days(6));
    reset_password(&app, second).await;
    app.state.clock.advance(Duration::days(5));
    let old_bodies = || {
        app.state.db.run(|conn| {
            let limit = passerelle::db::now() - Duration::days(10);
            Ok(outbox_mails::table
                .filter(outbox_mails::status.eq("sent"))
                .filter(outbox_mails::sent_at.lt(limit))
                .filter(outbox_mails::body_text.ne(passerelle::mail::PURGED_BODY))
                .count()
                .get_result::<i64>(conn)?)
        })
    };
    let expected = old_bodies().await.unwrap();
    assert!(expected >= 1);
    assert_eq!(purge(&app, "mail_bodies").await as i64, expected);
    assert_eq!(old_bodies().await.unwrap(), 0);
    assert_eq!(body_of(&app, first).await, passerelle::mail::PURGED_BODY);
    assert!(
        body_of(&app, second).await.contains("jeton="),
        "sent 5 days ago"
    );
    assert!(
        last_purge(&app, "mail_bodies")
            .await
            .ends_with("(conservation 10 jours)")
    );

    // The audit log: what is older than 180 days goes, a change made since stays.
    app.state.clock.advance(Duration::days(89));
    set_retention(&app, "mail_bodies", "20").await;
    app.state.clock.advance(Duration::days(81));
    let old_events = || {
        app.state.db.run(|conn| {
            let limit = passerelle::db::now() - Duration::days(180);
            Ok(audit_events::table
                .filter(audit_events::at.lt(limit))
                .count()
                .get_result::<i64>(conn)?)
        })
    };
    let expected = old_events().await.unwrap();
    assert!(expected >= 3, "the logins and changes of the first days");
    assert_eq!(purge(&app, "audit_log").await as i64, expected);
    assert_eq!(old_events().await.unwrap(), 0);
    let kept = app
        .state
        .db
        .run(|conn| passerelle::auth::audit::recent(conn, Some("retention_changed"), 5))
        .await
        .unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        kept[0]
            .detail
            .as_deref()
            .unwrap()
            .ends_with("10 jours → 20 jours")
    );
    assert_eq!(
        last_purge(&app, "audit_log").await,
        format!(
            "Purge : {expected} événements du journal d’audit supprimés (conservation 180 jours)"
        )
    );
}

async fn login_status(app: &TestApp, email: &str) -> StatusCode {
    let mut c = app.client();
    c.get("/connexion").await;
    c.post_form(
        "/connexion",
        &[("email", email), ("password", passerelle::demo::PASSWORD)],
    )
    .await
    .status
}

async fn inactive_candidates_are_warned_then_erased_after_the_retention_set(app: TestApp) {
    let app = app.with_demo().await;
    set_retention(&app, "candidates", "200").await;
    // The demo candidate never logged in: inactive since the demo was loaded.
    app.state.clock.advance(Duration::days(169));
    assert_eq!(purge(&app, "candidates").await, 0);
    app.state.clock.advance(Duration::days(2));
    assert_eq!(purge(&app, "candidates").await, 0);
    app.run_jobs().await;
    let mail = app.last_mail_to(CANDIDATE).await;
    assert!(
        mail.subject.contains("sera supprimé dans un mois"),
        "{}",
        mail.subject
    );
    app.state.clock.advance(Duration::days(28));
    assert_eq!(purge(&app, "candidates").await, 0, "199 days: kept");
    app.state.clock.advance(Duration::days(2));
    let erased = purge(&app, "candidates").await;
    assert!(erased >= 1);
    assert_eq!(
        login_status(&app, CANDIDATE).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_status(&app, "recruiter@demo.passerelle.test").await,
        StatusCode::SEE_OTHER,
        "other roles are never purged this way"
    );
    let line = last_purge(&app, "candidates").await;
    assert!(
        line.starts_with(&format!("Purge : {erased} compte")),
        "{line}"
    );
    assert!(line.ends_with("(conservation 200 jours)"), "{line}");
}

async fn prescribed_people_go_after_the_retention_set(app: TestApp) {
    let app = app.with_demo().await;
    set_retention(&app, "prescribed_people", "200").await;
    let mut prescriber = app.login_as("prescriber@demo.passerelle.test").await;
    let session =
        crate::prescriptions::demo_session(&mut prescriber, "CAP Boulanger en un an").await;
    let id = crate::prescriptions::pre_register(&mut prescriber, &session, "Ancien").await;
    let people = || {
        app.state.db.run(|conn| {
            Ok(passerelle::db::schema::prescribed_people::table
                .count()
                .get_result::<i64>(conn)?)
        })
    };
    let before = people().await.unwrap();
    app.state.clock.advance(Duration::days(199));
    assert_eq!(purge(&app, "prescribed_people").await, 0);
    assert_eq!(people().await.unwrap(), before);
    app.state.clock.advance(Duration::days(2));
    let purged = purge(&app, "prescribed_people").await;
    assert!(purged >= 1);
    assert_eq!(people().await.unwrap(), before - purged as i64);
    let mut prescriber = app.login_as("prescriber@demo.passerelle.test").await;
    prescriber
        .get(&format!("/preinscriptions/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(
        last_purge(&app, "prescribed_people")
            .await
            .ends_with("(conservation 200 jours)")
    );
}

async fn editors_write_the_legal_pages(app: TestApp) {
    let app = app.with_demo().await;
    let built_in = app.client().get("/mentions-legales").await;
    assert!(built_in.contains("Hébergement"));

    let mut editor = app.login_as(EDITOR).await;
    assert!(
        editor
            .get("/redaction")
            .await
            .contains("/redaction/pages-legales/mentions-legales")
    );
    editor
        .get("/redaction/pages-legales/mentions-legales")
        .await
        .assert_status(StatusCode::OK);
    let text = "## Éditeur\n\nLa Région **Bretagne** édite ce service. <script>alert(1)</script>\n\n[Écrire](javascript:alert(1))";
    editor
        .post_form(
            "/redaction/pages-legales/mentions-legales",
            &[("body", text)],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = app.client().get("/mentions-legales").await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("<strong>Bretagne</strong>"), "{}", page.text);
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains("javascript:"));
    assert!(
        !page.contains("Hébergement"),
        "the editor's text replaces the built-in one"
    );
    // The form shows what was written.
    assert!(
        editor
            .get("/redaction/pages-legales/mentions-legales")
            .await
            .contains("La Région **Bretagne**")
    );

    // The privacy page's introduction and the accessibility statement too.
    editor
        .post_form(
            "/redaction/pages-legales/confidentialite",
            &[("body", "La Région protège *vos* données.")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let privacy = app.client().get("/confidentialite").await;
    assert!(privacy.contains("La Région protège <em>vos</em> données."));
    assert!(
        privacy.contains("Durées de conservation"),
        "the durations stay"
    );
    editor
        .post_form(
            "/redaction/pages-legales/accessibilite",
            &[("body", "Audit prévu le 22/11/2027.")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        app.client()
            .get("/accessibilite")
            .await
            .contains("Audit prévu le 22/11/2027.")
    );
    editor
        .get("/redaction/pages-legales/inconnue")
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Nobody else writes them.
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter
        .get("/redaction/pages-legales/mentions-legales")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    recruiter
        .post_form(
            "/redaction/pages-legales/mentions-legales",
            &[("body", "Piraté")],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert!(
        !app.client()
            .get("/mentions-legales")
            .await
            .contains("Piraté")
    );

    // An empty text brings the built-in one back.
    editor
        .post_form(
            "/redaction/pages-legales/mentions-legales",
            &[("body", "  ")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        app.client()
            .get("/mentions-legales")
            .await
            .contains("Hébergement")
    );
}
