//! The front door's content: news and events proposed by training centres and chambers,
//! published or refused by the editors; resources reserved to professionals; help pages
//! linked from the forms they explain.

use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::{Client, TestApp};

const STAFF: &str = "training_staff@demo.passerelle.test";
const BREST: &str = "formation.brest@demo.passerelle.test";
const CHAMBER: &str = "registration_officer@demo.passerelle.test";
const EDITOR: &str = "editor@demo.passerelle.test";

/// The id at the end of a redirection to `/mes-propositions/<id>`.
fn proposal_id(location: &str) -> String {
    location
        .strip_prefix("/mes-propositions/")
        .unwrap_or_else(|| panic!("a proposal's page: {location}"))
        .to_owned()
}

async fn propose(client: &mut Client<'_>, fields: &[(&str, &str)]) -> String {
    client
        .get("/mes-propositions/nouvelle")
        .await
        .assert_status(StatusCode::OK);
    let r = client.post_form("/mes-propositions/nouvelle", fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    proposal_id(&r.location())
}

const OPEN_DAY: &[(&str, &str)] = &[
    ("kind", "open_day"),
    ("title", "Portes ouvertes de la boulangerie-pâtisserie"),
    ("date", "18/06/2031"),
    ("start", "09:00"),
    ("end", "12:30"),
    ("place", "CFA des métiers, Rennes"),
    ("territory", "35"),
    (
        "body",
        "Démonstrations au fournil et rencontre avec les apprentis.",
    ),
];

async fn proposal_published_after_review(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    let mut staff = app.login_as(STAFF).await;
    // « Mon espace » leads to the proposals; the form says how it works.
    assert!(staff.get("/").await.contains("href=\"/mes-propositions\""));
    let list = staff.get("/mes-propositions").await;
    list.assert_status(StatusCode::OK);
    assert!(list.contains("href=\"/mes-propositions/nouvelle\""));

    // An event without its hours is refused in French, and what was typed stays.
    let r = staff
        .post_form(
            "/mes-propositions/nouvelle",
            &[
                ("kind", "open_day"),
                ("title", "Portes ouvertes incomplètes"),
                ("date", "18/06/2031"),
                ("place", "Rennes"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.contains("L’heure de début est au format HH:MM"),
        "{}",
        r.text
    );
    assert!(r.contains("Portes ouvertes incomplètes"));

    let id = propose(&mut staff, OPEN_DAY).await;
    // Proposed: not public anywhere.
    let agenda = visitor.get("/agenda?mois=2031-06").await;
    assert!(!agenda.contains("boulangerie-pâtisserie"));
    let api = visitor.get("/api/v1/content/events?mois=2031-06").await;
    assert!(!api.text.contains("boulangerie-pâtisserie"));
    let mine = staff.get("/mes-propositions").await;
    assert!(mine.contains("Portes ouvertes de la boulangerie-pâtisserie"));
    assert!(mine.contains("Proposée"));

    // Still proposed: the partner corrects it.
    let page = staff.get(&format!("/mes-propositions/{id}")).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("vous pouvez encore la modifier"));
    let mut corrected: Vec<(&str, &str)> = OPEN_DAY.to_vec();
    corrected.retain(|(k, _)| *k != "end");
    corrected.push(("end", "13:00"));
    let r = staff
        .post_form(&format!("/mes-propositions/{id}"), &corrected)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // The editors' desk shows the queue; the editor publishes it.
    let mut editor = app.login_as(EDITOR).await;
    let desk = editor.get("/redaction").await;
    assert!(desk.contains("href=\"/redaction/propositions\""));
    let queue = editor.get("/redaction/propositions").await;
    queue.assert_status(StatusCode::OK);
    assert!(queue.contains(&format!("/redaction/propositions/{id}")));
    let review = editor.get(&format!("/redaction/propositions/{id}")).await;
    review.assert_status(StatusCode::OK);
    assert!(review.contains("13:00"));
    let r = editor
        .post_form(
            &format!("/redaction/propositions/{id}/decision"),
            &[("decision", "publier")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // Public now, in the agenda, organised by the centre.
    let agenda = visitor.get("/agenda?mois=2031-06").await;
    assert!(agenda.contains("Portes ouvertes de la boulangerie-pâtisserie"));
    assert!(agenda.contains("13:00"));
    let api = visitor.get("/api/v1/content/events?mois=2031-06").await;
    let event = api
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"] == "Portes ouvertes de la boulangerie-pâtisserie")
        .cloned()
        .expect("the published event");
    assert_eq!(event["kind"], "open_day");
    assert_ne!(event["organiser"], "");

    // The author is told, with the address; the state shows in their space.
    let mail = app.last_mail_to(STAFF).await;
    assert!(mail.subject.contains("est publiée"), "{}", mail.subject);
    assert!(mail.body.contains("/agenda?mois=2031-06"), "{}", mail.body);
    let page = staff.get(&format!("/mes-propositions/{id}")).await;
    assert!(page.contains("Publiée"));
    assert!(!page.contains("name=\"title\""));
    // Decided: neither the partner nor the editor changes it again.
    let r = staff
        .post_form(&format!("/mes-propositions/{id}"), OPEN_DAY)
        .await;
    r.assert_status(StatusCode::CONFLICT);
    let r = editor
        .post_form(
            &format!("/redaction/propositions/{id}/decision"),
            &[("decision", "refuser"), ("reason", "Trop tard")],
        )
        .await;
    r.assert_status(StatusCode::CONFLICT);

    // A news item proposed by the chamber, published among the news.
    let mut chamber = app.login_as(CHAMBER).await;
    let news = propose(
        &mut chamber,
        &[
            ("kind", "news"),
            ("title", "La chambre ouvre une permanence apprentissage"),
            ("summary", "Tous les jeudis, sans rendez-vous."),
            (
                "body",
                "Nos conseillers répondent aux employeurs et aux jeunes.",
            ),
        ],
    )
    .await;
    assert!(
        !visitor
            .get("/actualites")
            .await
            .contains("permanence apprentissage")
    );
    editor.get(&format!("/redaction/propositions/{news}")).await;
    let r = editor
        .post_form(
            &format!("/redaction/propositions/{news}/decision"),
            &[("decision", "publier")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(
        visitor
            .get("/actualites")
            .await
            .contains("permanence apprentissage")
    );
    let mail = app.last_mail_to(CHAMBER).await;
    assert!(mail.body.contains("/actualites/"), "{}", mail.body);
}

async fn refusal_needs_a_reason_and_is_mailed(app: TestApp) {
    let app = app.with_demo().await;
    let mut staff = app.login_as(STAFF).await;
    let id = propose(
        &mut staff,
        &[
            ("kind", "job_dating"),
            ("title", "Job-dating des métiers de bouche"),
            ("date", "11/06/2031"),
            ("start", "14:00"),
            ("end", "17:00"),
            ("place", "À définir"),
        ],
    )
    .await;
    let mut editor = app.login_as(EDITOR).await;
    editor.get(&format!("/redaction/propositions/{id}")).await;
    // No reason: refused in French, nothing decided.
    let r = editor
        .post_form(
            &format!("/redaction/propositions/{id}/decision"),
            &[("decision", "refuser"), ("reason", "  ")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Indiquez la raison du refus"), "{}", r.text);
    assert!(staff.get("/mes-propositions").await.contains("Proposée"));
    let r = editor
        .post_form(
            &format!("/redaction/propositions/{id}/decision"),
            &[
                ("decision", "refuser"),
                (
                    "reason",
                    "Le lieu n’est pas connu : proposez-le de nouveau quand il sera fixé.",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let mail = app.last_mail_to(STAFF).await;
    assert!(
        mail.subject.contains("n’est pas publiée"),
        "{}",
        mail.subject
    );
    assert!(
        mail.body.contains("Le lieu n’est pas connu"),
        "{}",
        mail.body
    );
    assert!(mail.html.contains("Le lieu n’est pas connu"));
    assert!(mail.body.contains(&format!("/mes-propositions/{id}")));
    // The partner reads the state and the reason; nothing reached the agenda.
    let mine = staff.get("/mes-propositions").await;
    assert!(mine.contains("Refusée"));
    assert!(mine.contains("Le lieu n’est pas connu"));
    assert!(
        !app.client()
            .get("/agenda?mois=2031-06")
            .await
            .contains("métiers de bouche")
    );
}

async fn another_organisation_cannot_see_or_act(app: TestApp) {
    let app = app.with_demo().await;
    let mut staff = app.login_as(STAFF).await;
    let id = propose(&mut staff, OPEN_DAY).await;
    let page = format!("/mes-propositions/{id}");
    // A second training centre and the chamber: as if it did not exist.
    for who in [BREST, CHAMBER] {
        let mut other = app.login_as(who).await;
        other.get(&page).await.assert_status(StatusCode::NOT_FOUND);
        other.get("/mes-propositions").await;
        let r = other
            .post_form(
                &page,
                &[("kind", "news"), ("title", "Piraté"), ("body", "x")],
            )
            .await;
        r.assert_status(StatusCode::NOT_FOUND);
        assert!(
            !other
                .get("/mes-propositions")
                .await
                .contains("boulangerie-pâtisserie")
        );
    }
    // Roles that propose nothing are refused; visitors are sent to log in.
    for who in [
        "candidate@demo.passerelle.test",
        "prescriber@demo.passerelle.test",
        EDITOR,
    ] {
        let mut c = app.login_as(who).await;
        c.get(&page).await.assert_status(StatusCode::FORBIDDEN);
        c.get("/mes-propositions")
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    let r = app.client().get(&page).await;
    assert!(r.location().starts_with("/connexion"));
    // Partners do not decide.
    staff
        .get(&format!("/redaction/propositions/{id}"))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let r = staff
        .post_form(
            &format!("/redaction/propositions/{id}/decision"),
            &[("decision", "publier")],
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    // Unchanged.
    let page = staff.get(&page).await;
    assert!(page.contains("Proposée"));
    assert!(page.contains("Portes ouvertes de la boulangerie-pâtisserie"));
}

async fn resources_are_reserved_to_professionals(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    for path in ["/ressources-pro", "/ressources-pro/qui-finance-quoi"] {
        let r = visitor.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(r.location().starts_with("/connexion"), "{path}");
    }
    for who in [
        "candidate@demo.passerelle.test",
        "recruiter@demo.passerelle.test",
    ] {
        let mut c = app.login_as(who).await;
        assert!(!c.get("/").await.contains("href=\"/ressources-pro\""));
        let r = c.get("/ressources-pro").await;
        r.assert_status(StatusCode::FORBIDDEN);
        assert!(r.contains("Vous n’avez pas accès à cette page"));
        c.get("/ressources-pro/qui-finance-quoi")
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    // Not among the public pages either.
    visitor
        .get("/documentation/qui-finance-quoi")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(
        !visitor
            .get("/documentation")
            .await
            .contains("Financer une formation")
    );
    let api = visitor.get("/api/v1/content/pages").await;
    assert!(!api.text.contains("qui-finance-quoi"));

    // The editor publishes a new resource, with its category.
    let mut editor = app.login_as(EDITOR).await;
    editor
        .get("/redaction/pages?ressource=pro")
        .await
        .assert_status(StatusCode::OK);
    let r = editor
        .post_form(
            "/redaction/pages",
            &[
                ("title", "Calendrier des informations collectives"),
                ("audience", "professionals"),
                ("category", "Calendriers"),
                ("summary", "Les dates des réunions des CFA."),
                ("body", "## Janvier\n\n- CFA des métiers : le 14/01/2027"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        r.location(),
        "/ressources-pro/calendrier-des-informations-collectives"
    );
    visitor
        .get("/documentation/calendrier-des-informations-collectives")
        .await
        .assert_status(StatusCode::NOT_FOUND);

    for who in [
        "prescriber@demo.passerelle.test",
        "teacher@demo.passerelle.test",
        CHAMBER,
    ] {
        let mut c = app.login_as(who).await;
        assert!(
            c.get("/").await.contains("href=\"/ressources-pro\""),
            "{who}"
        );
        let index = c.get("/ressources-pro").await;
        index.assert_status(StatusCode::OK);
        assert!(index.contains("Calendriers"));
        assert!(index.contains("Financer une formation : qui paie quoi ?"));
        let page = c
            .get("/ressources-pro/calendrier-des-informations-collectives")
            .await;
        page.assert_status(StatusCode::OK);
        assert!(page.contains("<h2>Janvier</h2>"));
    }
}

async fn help_pages_are_reached_from_the_forms(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    assert!(visitor.get("/").await.contains("href=\"/aide\""));
    let index = visitor.get("/aide").await;
    index.assert_status(StatusCode::OK);
    let slugs = [
        "deposer-un-cv",
        "publier-une-offre",
        "preinscrire-une-personne",
        "repondre-a-une-demande-cap-info",
        "proposer-une-actualite-ou-un-rendez-vous",
    ];
    for slug in slugs {
        assert!(index.contains(&format!("href=\"/aide/{slug}\"")), "{slug}");
        let page = visitor.get(&format!("/aide/{slug}")).await;
        page.assert_status(StatusCode::OK);
        assert!(page.contains("<h2>"), "{slug}");
    }
    visitor
        .get("/aide/inconnue")
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Each form links its page.
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    assert!(
        candidate
            .get("/profil")
            .await
            .contains("href=\"/aide/deposer-un-cv\"")
    );
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    assert!(
        recruiter
            .get("/mes-offres/nouvelle")
            .await
            .contains("href=\"/aide/publier-une-offre\"")
    );
    let mut staff = app.login_as(STAFF).await;
    assert!(
        staff
            .get("/mes-propositions/nouvelle")
            .await
            .contains("href=\"/aide/proposer-une-actualite-ou-un-rendez-vous\"")
    );
    let mut prescriber = app.login_as("prescriber@demo.passerelle.test").await;
    let sessions = prescriber.get("/formations").await;
    let session = sessions
        .text
        .split("href=\"/formations/sessions/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a session in the catalogue")
        .to_owned();
    let form = prescriber
        .get(&format!("/formations/sessions/{session}/preinscription"))
        .await;
    form.assert_status(StatusCode::OK);
    assert!(form.contains("href=\"/aide/preinscrire-une-personne\""));
    let mut officer = app.login_as("info_officer@demo.passerelle.test").await;
    assert!(
        officer
            .get("/cap-info/appel")
            .await
            .contains("href=\"/aide/repondre-a-une-demande-cap-info\"")
    );
    let queue = officer.get("/cap-info").await;
    let request = queue
        .text
        .split("href=\"/cap-info/demandes/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a request in the queue")
        .to_owned();
    assert!(
        officer
            .get(&format!("/cap-info/demandes/{request}"))
            .await
            .contains("href=\"/aide/repondre-a-une-demande-cap-info\"")
    );
}

both_backends!(
    proposal_published_after_review,
    refusal_needs_a_reason_and_is_mailed,
    another_organisation_cannot_see_or_act,
    resources_are_reserved_to_professionals,
    help_pages_are_reached_from_the_forms,
);
