//! Online pre-registration: a prescriber pre-registers a person on a funded session, the
//! centre returns the selection result and the entry, the prescriber and the funder follow
//! it; nobody else sees anything of it (page, API, export).

use axum::http::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(
    a_prescriber_pre_registers_and_the_centre_decides,
    transitions_follow_the_rules_and_need_reasons,
    nobody_else_sees_a_pre_registration,
    deadlines_count_working_days_and_remind_centres,
    the_survey_is_offered_once_a_quarter,
    a_person_s_data_is_exported_erased_and_purged,
    deadlines_count_from_the_paris_day_across_clock_changes,
    funders_see_figures_and_anonymised_rows,
    funder_codes_are_approved_by_the_regional_administrator,
    a_step_sent_with_a_wrong_date_is_shown_again_as_typed,
    the_person_is_told_of_each_decision_when_they_agreed,
);

const PRESCRIBER: &str = "prescriber@demo.passerelle.test";
const OTHER_PRESCRIBER: &str = "conseillere.brest@demo.passerelle.test";
const CENTRE: &str = "training_staff@demo.passerelle.test";
const OTHER_CENTRE: &str = "formation.brest@demo.passerelle.test";
const FUNDER: &str = "funder@demo.passerelle.test";

pub(crate) fn day(offset: i64) -> String {
    (passerelle::clock::today_paris() + chrono::Duration::days(offset))
        .format("%d/%m/%Y")
        .to_string()
}

/// The first session of a demo training, found through the public search API.
pub async fn demo_session(client: &mut Client<'_>, title: &str) -> String {
    let r = client
        .get("/api/v1/trainings/sessions?q=boulanger&financees=oui")
        .await;
    r.assert_status(StatusCode::OK);
    let found = r.json();
    found["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == title)
        .unwrap_or_else(|| panic!("no session of {title}: {found}"))["session_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The prescriber fills in the form for a new person; returns the pre-registration's id.
pub(crate) async fn pre_register(
    prescriber: &mut Client<'_>,
    session: &str,
    last_name: &str,
) -> String {
    let path = format!("/formations/sessions/{session}/preinscription");
    prescriber.get(&path).await.assert_status(StatusCode::OK);
    let r = prescriber
        .post_form(
            &path,
            &[
                ("first_name", "Enora"),
                ("last_name", last_name),
                ("birth_date", "14/03/2001"),
                ("email", "enora.lebras@example.org"),
                ("phone", "06 12 34 56 78"),
                ("situation", "job_seeker"),
                ("level", "3"),
                ("job_seeker_id", "1234567A"),
                ("consent", "oui"),
                (
                    "motive",
                    "Projet de reconversion validé : stage d’immersion réussi en boulangerie.",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.location().rsplit('/').next().unwrap().to_owned()
}

async fn step(client: &mut Client<'_>, id: &str, fields: &[(&str, &str)]) -> String {
    client.get(&format!("/preinscriptions/{id}")).await;
    let r = client
        .post_form(&format!("/preinscriptions/{id}/etape"), fields)
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    // The flash message says what happened.
    client.get(&format!("/preinscriptions/{id}")).await.text
}

async fn a_prescriber_pre_registers_and_the_centre_decides(app: TestApp) {
    let app = app.with_demo().await;
    let mut prescriber = app.login_as(PRESCRIBER).await;
    let session = demo_session(&mut prescriber, "CAP Boulanger en un an").await;
    let page = prescriber
        .get(&format!("/formations/sessions/{session}"))
        .await;
    assert!(page.contains("Pré-inscription obligatoire par un conseiller"));
    assert!(page.contains("Pré-inscrire une personne"));
    let id = pre_register(&mut prescriber, &session, "Le Bras").await;

    // The centre is told, with the deadline.
    let mail = app.last_mail_to(CENTRE).await;
    assert!(
        mail.subject.contains("Nouvelle pré-inscription"),
        "{mail:?}"
    );
    assert!(mail.body.contains("au plus tard le"));

    // Opening it changes nothing (no state change on GET); the centre acknowledges it.
    let mut centre = app.login_as(CENTRE).await;
    let list = centre.get("/preinscriptions").await;
    assert!(list.contains("Enora Le Bras"));
    let page = centre.get(&format!("/preinscriptions/{id}")).await;
    assert!(page.contains("Envoyée"));
    assert!(page.contains("1234567A"));
    let page = step(&mut centre, &id, &[("step", "receive")]).await;
    assert!(page.contains("Reçue par l’organisme"));
    let interview = day(3);
    let page = step(
        &mut centre,
        &id,
        &[("step", "schedule_interview"), ("date", interview.as_str())],
    )
    .await;
    assert!(page.contains("Entretien prévu"));
    assert!(page.contains(&interview));
    // The prescriber is told of each step.
    let mail = app.last_mail_to(PRESCRIBER).await;
    assert!(mail.body.contains("Entretien prévu"), "{mail:?}");

    // A message in the thread reaches the other side.
    centre.get(&format!("/preinscriptions/{id}")).await;
    centre
        .post_form(
            &format!("/preinscriptions/{id}/messages"),
            &[("body", "Merci de venir avec un CV à jour.")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mail = app.last_mail_to(PRESCRIBER).await;
    assert!(mail.body.contains("Merci de venir avec un CV à jour."));

    let page = step(&mut centre, &id, &[("step", "accept")]).await;
    assert!(page.contains("Acceptée"));
    let today = day(0);
    let page = step(
        &mut centre,
        &id,
        &[("step", "enter"), ("date", today.as_str())],
    )
    .await;
    assert!(page.contains("Entrée en formation"));

    // The prescriber sees the result, the dates and the time to entry.
    let page = prescriber.get(&format!("/preinscriptions/{id}")).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Entrée en formation"));
    assert!(page.contains(&format!("le {today}")));
    assert!(page.contains("0 jour après la pré-inscription"));
    assert!(page.contains("<h1>Pré-inscription d’Enora Le Bras</h1>"));
    assert!(page.contains("Merci de venir avec un CV à jour."));
    let tracking = prescriber.get("/preinscriptions").await;
    assert!(tracking.contains("Enora Le Bras"));
    assert!(tracking.contains("Délai d’entrée en formation médian"));

    // The funder sees it on its funded session, with the figures.
    let mut funder = app.login_as(FUNDER).await;
    let tracking = funder.get("/preinscriptions").await;
    assert!(!tracking.contains("Enora Le Bras"));
    assert!(tracking.contains("Entrée en formation"));
    // All its funded sessions, with their fill rate (8 sessions, one of them at 1 of 12).
    assert!(tracking.contains("Sessions financées"));
    assert_eq!(
        tracking.text.matches("/preinscriptions?session=").count(),
        8
    );
    assert!(tracking.contains("<td>8 %</td>"));
    let page = funder.get(&format!("/preinscriptions/{id}")).await;
    page.assert_status(StatusCode::OK);
    // It neither reads the thread nor writes in it nor decides.
    assert!(!page.contains("Envoyer le message"));
    assert!(!page.contains("Enregistrer un abandon"));
    funder
        .post_form(
            &format!("/preinscriptions/{id}/messages"),
            &[("body", "Je m’invite.")],
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let token = funder.new_api_token().await;
    let mut api = app.client();
    let stats = api.api_get("/api/v1/prescriptions/stats", &token).await;
    stats.assert_status(StatusCode::OK);
    let stats = stats.json();
    assert_eq!(stats["overall"]["total"], 1);
    assert_eq!(stats["overall"]["entered"], 1);
    assert_eq!(stats["overall"]["time_to_entry"]["median_days"], 0.0);
    assert_eq!(stats["overall"]["decided"], 1);
    assert_eq!(
        stats["by_funder"][0]["group"],
        "Région Bretagne – direction de la formation"
    );

    // Through the API, the person's data and history.
    let detail = api
        .api_get(&format!("/api/v1/prescriptions/{id}"), &token)
        .await;
    detail.assert_status(StatusCode::OK);
    let detail = detail.json();
    assert_eq!(detail["prescription"]["status"], "entered");
    let events: Vec<&str> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to_status"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "submitted",
            "received",
            "interview_scheduled",
            "accepted",
            "entered"
        ]
    );
    assert!(
        detail["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["by"].as_str().unwrap().is_empty())
    );

    // The session shows one place less.
    let session_json = api
        .get(&format!("/api/v1/trainings/sessions/{session}"))
        .await
        .json();
    assert_eq!(session_json["places_left"], 11);
}

async fn transitions_follow_the_rules_and_need_reasons(app: TestApp) {
    let app = app.with_demo().await;
    let mut prescriber = app.login_as(PRESCRIBER).await;
    let session = demo_session(&mut prescriber, "CAP Boulanger en un an").await;

    // The form refuses what is missing, in French, and keeps what was typed.
    let path = format!("/formations/sessions/{session}/preinscription");
    prescriber.get(&path).await;
    let r = prescriber
        .post_form(
            &path,
            &[
                ("first_name", "Yannick"),
                ("last_name", ""),
                ("birth_date", "31/02/2001"),
                ("situation", "job_seeker"),
                ("level", "3"),
                ("motive", ""),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Indiquez le nom de la personne",
        "Cette date n’existe pas (31/02/2001) : février 2001 compte 28 jours.",
        "Indiquez au moins un moyen de contact",
        "doit avoir donné son accord",
        "Indiquez le motif de la prescription.",
    ] {
        assert!(r.contains(message), "missing {message}");
    }
    assert!(r.contains("value=\"Yannick\""));
    assert!(r.contains("value=\"31/02/2001\""));
    assert!(!r.contains("La date de naissance doit être au format"));

    let mut centre = app.login_as(CENTRE).await;
    let token = centre.new_api_token().await;
    let mut api = app.client();
    // A refusal needs a coded reason; "other" needs words; the prescriber sees the reason.
    let id = pre_register(&mut prescriber, &session, "Refus").await;
    let path = format!("/api/v1/prescriptions/{id}/steps");
    let r = api
        .api_json("POST", &path, &token, json!({"step": "refuse"}))
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Choisissez le motif du refus"));
    let r = api
        .api_json(
            "POST",
            &path,
            &token,
            json!({"step": "refuse", "refusal_reason": "other"}),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Précisez le motif du refus."));
    let r = api
        .api_json(
            "POST",
            &path,
            &token,
            json!({"step": "refuse", "refusal_reason": "prerequisites_not_met"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["status"], "refused");
    // Answering implied reading it: received, then refused, both recorded.
    let page = prescriber.get(&format!("/preinscriptions/{id}")).await;
    assert!(page.contains("Refusée"));
    assert!(page.contains("Prérequis non atteints"));
    assert!(page.contains("Reçue par l’organisme"));
    // Nothing follows a refusal.
    let r = api
        .api_json("POST", &path, &token, json!({"step": "accept"}))
        .await;
    r.assert_status(StatusCode::CONFLICT);
    assert!(r.text.contains("n’est pas possible"));

    // Entry needs an acceptance first, and a date; a drop-out needs a date and a reason.
    let id = pre_register(&mut prescriber, &session, "Abandon").await;
    let path = format!("/api/v1/prescriptions/{id}/steps");
    let r = api
        .api_json(
            "POST",
            &path,
            &token,
            json!({"step": "enter", "date": day(0)}),
        )
        .await;
    r.assert_status(StatusCode::CONFLICT);
    for (body, status) in [
        (json!({"step": "wait_list"}), StatusCode::OK),
        (json!({"step": "accept"}), StatusCode::OK),
        (json!({"step": "enter"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"step": "enter", "date": day(1)}), StatusCode::OK),
        (
            json!({"step": "drop_out", "date": day(5)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"step": "drop_out", "date": day(0), "detail": "Déménagement"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"step": "drop_out", "date": day(5), "detail": "Déménagement"}),
            StatusCode::OK,
        ),
        (
            json!({"step": "complete", "date": day(6)}),
            StatusCode::CONFLICT,
        ),
    ] {
        let r = api.api_json("POST", &path, &token, body.clone()).await;
        assert_eq!(r.status, status, "{body}: {}", r.text);
    }
    let detail = prescriber.get(&format!("/preinscriptions/{id}")).await;
    assert!(detail.contains("Abandon en cours de formation"));
    assert!(detail.contains("Déménagement"));

    // The prescriber withdraws before a decision; the centre can no longer decide; the
    // prescriber cannot decide in the centre's place.
    let id = pre_register(&mut prescriber, &session, "Retrait").await;
    let ptoken = prescriber.new_api_token().await;
    let path = format!("/api/v1/prescriptions/{id}/steps");
    api.api_json("POST", &path, &ptoken, json!({"step": "accept"}))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let r = api
        .api_json("POST", &path, &ptoken, json!({"step": "withdraw"}))
        .await;
    r.assert_status(StatusCode::OK);
    api.api_json("POST", &path, &token, json!({"step": "accept"}))
        .await
        .assert_status(StatusCode::CONFLICT);
    // Unknown steps are refused clearly.
    let r = api
        .api_json("POST", &path, &token, json!({"step": "teleport"}))
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    // The same person cannot be pre-registered twice on the same session.
    let id = pre_register(&mut prescriber, &session, "Double").await;
    let person = api
        .api_get(&format!("/api/v1/prescriptions/{id}"), &ptoken)
        .await
        .json()["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/trainings/sessions/{session}/prescriptions"),
            &ptoken,
            json!({"person_id": person, "motive": "Deuxième essai"}),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("déjà pré-inscrite"));

    // A closed session takes no pre-registration.
    centre.get(&format!("/formations/sessions/{session}")).await;
    centre
        .post_form(
            &format!("/formations/sessions/{session}/etat"),
            &[("recruitment", "closed"), ("places", "12")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/trainings/sessions/{session}/prescriptions"),
            &ptoken,
            json!({"person_id": person, "motive": "Troisième essai"}),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("recrutement fermé"), "{}", r.text);
}

async fn nobody_else_sees_a_pre_registration(app: TestApp) {
    let app = app.with_demo().await;
    let mut prescriber = app.login_as(PRESCRIBER).await;
    let session = demo_session(&mut prescriber, "CAP Boulanger en un an").await;
    let id = pre_register(&mut prescriber, &session, "Confidentiel").await;
    let person_page = prescriber.get(&format!("/preinscriptions/{id}")).await;
    assert!(person_page.contains("Enora Confidentiel"));

    for email in [
        OTHER_PRESCRIBER,
        OTHER_CENTRE,
        "recruiter@demo.passerelle.test",
    ] {
        let mut other = app.login_as(email).await;
        other
            .get(&format!("/preinscriptions/{id}"))
            .await
            .assert_status(StatusCode::NOT_FOUND);
        let list = other.get("/preinscriptions").await;
        assert!(!list.contains("Confidentiel"), "{email} sees the list");
        let export = other.get("/preinscriptions/export.csv").await;
        assert!(!export.contains("Confidentiel"), "{email} sees the export");
        let token = other.new_api_token().await;
        let mut api = app.client();
        api.api_get(&format!("/api/v1/prescriptions/{id}"), &token)
            .await
            .assert_status(StatusCode::NOT_FOUND);
        let list = api.api_get("/api/v1/prescriptions", &token).await;
        assert!(
            !list.text.contains("Confidentiel"),
            "{email} sees the API list"
        );
        let r = api
            .api_json(
                "POST",
                &format!("/api/v1/prescriptions/{id}/steps"),
                &token,
                json!({"step": "accept"}),
            )
            .await;
        r.assert_status(StatusCode::NOT_FOUND);
        let r = api
            .api_json(
                "POST",
                &format!("/api/v1/prescriptions/{id}/messages"),
                &token,
                json!({"body": "Bonjour"}),
            )
            .await;
        r.assert_status(StatusCode::NOT_FOUND);
    }
    // The other agency cannot pre-register the first agency's person.
    let ptoken = prescriber.new_api_token().await;
    let mut api = app.client();
    let person = api
        .api_get(&format!("/api/v1/prescriptions/{id}"), &ptoken)
        .await
        .json()["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut other = app.login_as(OTHER_PRESCRIBER).await;
    let other_token = other.new_api_token().await;
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/trainings/sessions/{session}/prescriptions"),
            &other_token,
            json!({"person_id": person, "motive": "Essai"}),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("n’est pas suivie par votre agence"));
    // A candidate cannot prescribe at all.
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    candidate
        .get(&format!("/formations/sessions/{session}/preinscription"))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    candidate
        .get("/preinscriptions")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // Its own export holds the person; the regional team sees everything.
    let export = prescriber.get("/preinscriptions/export.csv").await;
    assert!(export.contains("Enora Confidentiel"));
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    assert!(admin.get("/preinscriptions").await.contains("Confidentiel"));
}

async fn deadlines_count_working_days_and_remind_centres(app: TestApp) {
    let app = app.with_demo().await;
    let mut prescriber = app.login_as(PRESCRIBER).await;
    let session = demo_session(&mut prescriber, "CAP Boulanger en un an").await;
    let id = pre_register(&mut prescriber, &session, "Delai").await;
    let token = prescriber.new_api_token().await;
    let mut api = app.client();
    let detail = api
        .api_get(&format!("/api/v1/prescriptions/{id}"), &token)
        .await
        .json();
    let today = app.state.clock.today_paris();
    let expected = passerelle::calendar::add_working_days(today, 10);
    assert_eq!(
        detail["prescription"]["decision_due"],
        expected.format("%Y-%m-%d").to_string()
    );
    assert_eq!(detail["overdue"], false);

    // The funder gives centres 15 working days from now on (bad input refused in French).
    let mut funder = app.login_as(FUNDER).await;
    let page = funder.get("/financeur/delais").await;
    assert!(page.contains("value=\"10\""));
    let r = funder
        .post_form(
            "/financeur/delais",
            &[("decision_days", "90"), ("lheo_codes", "2")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("de 1 à 60"));
    funder
        .post_form(
            "/financeur/delais",
            &[("decision_days", "15"), ("lheo_codes", "2")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    prescriber
        .get("/financeur/delais")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let second = pre_register(&mut prescriber, &session, "Quinze").await;
    let detail = api
        .api_get(&format!("/api/v1/prescriptions/{second}"), &token)
        .await
        .json();
    assert_eq!(
        detail["prescription"]["decision_due"],
        passerelle::calendar::add_working_days(today, 15)
            .format("%Y-%m-%d")
            .to_string()
    );

    // Three working days before the deadline: no reminder; two: one reminder, once.
    let state = app.state.clone();
    let before = passerelle::calendar::add_working_days(today, 7);
    let at_two = passerelle::calendar::add_working_days(today, 8);
    let base = state.config.base_url();
    let remind = |day| {
        let state = state.clone();
        let base = base.clone();
        async move {
            state
                .db
                .tx(move |conn| {
                    passerelle::prescriptions::service::send_reminders(conn, day, &base)
                })
                .await
                .unwrap()
        }
    };
    assert_eq!(remind(before).await, 0);
    assert_eq!(remind(at_two).await, 1);
    assert_eq!(remind(at_two).await, 0);
    let mail = app.last_mail_to(CENTRE).await;
    assert!(mail.subject.contains("Décision attendue"), "{mail:?}");
    assert!(mail.body.contains(&expected.format("%d/%m/%Y").to_string()));
}

async fn the_survey_is_offered_once_a_quarter(app: TestApp) {
    let app = app.with_demo().await;
    let mut prescriber = app.login_as(PRESCRIBER).await;
    assert!(
        prescriber
            .get("/preinscriptions")
            .await
            .contains("/enquete")
    );
    prescriber
        .get("/enquete")
        .await
        .assert_status(StatusCode::OK);
    let r = prescriber
        .post_form("/enquete", &[("ease", "5"), ("speed", "9")])
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Donnez une note de 1 à 5"));
    let r = prescriber
        .post_form(
            "/enquete",
            &[
                ("ease", "5"),
                ("speed", "3"),
                ("dialogue", "4"),
                ("overall", "4"),
                ("comment", "Les refus motivés nous aident."),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert!(
        !prescriber
            .get("/preinscriptions")
            .await
            .contains("/enquete\"")
    );
    prescriber.get("/enquete").await;
    prescriber
        .post_form("/enquete", &[("decline", "non")])
        .await
        .assert_status(StatusCode::CONFLICT);
    // The centre declines this quarter.
    let mut centre = app.login_as(CENTRE).await;
    centre.get("/enquete").await;
    centre
        .post_form("/enquete", &[("decline", "non")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // Results per network, for the regional team.
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    let page = admin.get("/preinscriptions").await;
    assert!(page.contains("Enquête de satisfaction, par réseau"));
    assert!(page.contains("France Travail"));
    assert!(page.contains("5,0 / 5"));
    assert!(page.contains("CMA"));
}

async fn a_person_s_data_is_exported_erased_and_purged(app: TestApp) {
    let app = app.with_demo().await;
    let mut prescriber = app.login_as(PRESCRIBER).await;
    let session = demo_session(&mut prescriber, "CAP Boulanger en un an").await;
    let id = pre_register(&mut prescriber, &session, "Effacement").await;
    let token = prescriber.new_api_token().await;
    let mut api = app.client();
    let person = api
        .api_get(&format!("/api/v1/prescriptions/{id}"), &token)
        .await
        .json()["person"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Who looked at the person is logged (who, organisation, what, when).
    let mut centre = app.login_as(CENTRE).await;
    centre.get(&format!("/preinscriptions/{id}")).await;
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    let journal = admin.get("/admin/journal").await;
    assert!(journal.contains("prescription.viewed"), "{}", journal.text);

    // The agency exports the person's data; another agency and the centre cannot.
    let export = prescriber
        .get(&format!("/personnes/{person}/export.json"))
        .await;
    export.assert_status(StatusCode::OK);
    let json = export.json();
    assert_eq!(json["person"]["last_name"], "Effacement");
    assert_eq!(json["prescriptions"].as_array().unwrap().len(), 1);
    for email in [OTHER_PRESCRIBER, CENTRE] {
        let mut other = app.login_as(email).await;
        let status = other
            .get(&format!("/personnes/{person}/export.json"))
            .await
            .status;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
            "{email}: {status}"
        );
        other.get("/preinscriptions").await;
        let status = other
            .post_form(&format!("/personnes/{person}/suppression"), &[])
            .await
            .status;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
            "{email}: {status}"
        );
    }
    // Erasure takes the pre-registrations with it.
    prescriber.get(&format!("/preinscriptions/{id}")).await;
    prescriber
        .post_form(&format!("/personnes/{person}/suppression"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    prescriber
        .get(&format!("/preinscriptions/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(!centre.get("/preinscriptions").await.contains("Effacement"));

    // Two years without activity: the nightly purge erases the person.
    let id = pre_register(&mut prescriber, &session, "Ancien").await;
    let state = app.state.clone();
    let purge = |days: i64| {
        let state = state.clone();
        async move {
            let at = passerelle::db::now() + chrono::Duration::days(days);
            state
                .db
                .tx(move |conn| {
                    passerelle::prescriptions::service::purge_inactive(
                        conn,
                        "http://passerelle.test",
                        at,
                        730,
                    )
                })
                .await
                .unwrap()
        }
    };
    // A month before, the person is warned (once); at the end, erased.
    let (warned, erased) = purge(700).await;
    assert!(warned >= 1 && erased == 0, "{warned} {erased}");
    let warning = app.last_mail_to("enora.lebras@example.org").await;
    assert!(
        warning.subject.contains("seront bientôt effacées"),
        "{}",
        warning.subject
    );
    assert!(warning.body.contains("France Travail Rennes Est"));
    assert_eq!(purge(701).await.0, 0);
    assert_eq!(purge(731).await.1, 1);
    prescriber
        .get(&format!("/preinscriptions/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

/// The centre's working days count from the Paris day of the pre-registration, even in the
/// first hours of that day when UTC is still on the day before, on both sides of the spring
/// (28/03/2027) and autumn (31/10/2027) clock changes.
async fn deadlines_count_from_the_paris_day_across_clock_changes(app: TestApp) {
    let clock = app.state.clock.clone();
    let paris = |at: &str| chrono::NaiveDateTime::parse_from_str(at, "%d/%m/%Y %H:%M").unwrap();
    clock.set_paris(paris("01/03/2027 10:00"));
    let app = app.with_demo().await;
    let session = {
        let mut prescriber = app.login_as(PRESCRIBER).await;
        demo_session(&mut prescriber, "CAP Boulanger en un an").await
    };
    for (name, submitted, utc_day, due) in [
        // Tuesday after Easter Monday, summer time: 22:30 UTC on Easter Monday.
        ("Mars", "30/03/2027 00:30", "2027-03-29", "13/04/2027"),
        // Friday before the autumn change, still summer time; All Saints' Day and
        // Armistice Day are off.
        ("Octobre", "29/10/2027 00:30", "2027-10-28", "16/11/2027"),
        // Tuesday after the change, winter time: 23:30 UTC on All Saints' Day.
        ("Novembre", "02/11/2027 00:30", "2027-11-01", "17/11/2027"),
    ] {
        clock.set_paris(paris(submitted));
        assert_eq!(clock.now().date().to_string(), utc_day);
        let mut prescriber = app.login_as(PRESCRIBER).await;
        let id = pre_register(&mut prescriber, &session, name).await;
        let token = prescriber.new_api_token().await;
        let detail = app
            .client()
            .api_get(&format!("/api/v1/prescriptions/{id}"), &token)
            .await
            .json();
        let iso = chrono::NaiveDate::parse_from_str(due, "%d/%m/%Y").unwrap();
        assert_eq!(
            detail["prescription"]["decision_due"],
            iso.format("%Y-%m-%d").to_string(),
            "{submitted}"
        );
        assert_eq!(detail["overdue"], false);
        let told = format!("au plus tard le {due}");
        assert!(
            app.mails()
                .await
                .iter()
                .any(|m| m.to.contains(CENTRE) && m.body.contains(&told)),
            "{submitted}: the centre is told {told}"
        );
    }
}

/// Funders follow the sessions they fund with figures and anonymised rows: no name, e-mail,
/// phone, France Travail identifier, motive or thread, on pages, in the API or the export.
async fn funders_see_figures_and_anonymised_rows(app: TestApp) {
    let app = app.with_demo().await;
    let mut prescriber = app.login_as(PRESCRIBER).await;
    let session = demo_session(&mut prescriber, "CAP Boulanger en un an").await;
    let id = pre_register(&mut prescriber, &session, "Le Bras").await;
    prescriber.get(&format!("/preinscriptions/{id}")).await;
    prescriber
        .post_form(
            &format!("/preinscriptions/{id}/messages"),
            &[("body", "Enora est disponible tous les matins.")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let personal = [
        "Enora",
        "Le Bras",
        "enora.lebras@example.org",
        "06 12 34 56 78",
        "1234567A",
        "stage d’immersion",
        "disponible tous les matins",
    ];
    // The prescriber and the centre still see everything.
    let page = prescriber.get(&format!("/preinscriptions/{id}")).await;
    assert!(personal.iter().all(|p| page.contains(p)), "{}", page.text);

    let mut funder = app.login_as(FUNDER).await;
    let tracking = funder.get("/preinscriptions").await;
    tracking.assert_status(StatusCode::OK);
    assert!(tracking.contains(&format!("/preinscriptions/{id}")));
    assert!(tracking.contains("Sessions financées"));
    let page = funder.get(&format!("/preinscriptions/{id}")).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("CAP Boulanger en un an") && page.contains("Envoyée"));
    for p in personal {
        assert!(!tracking.contains(p), "{p} on the funder's list");
        assert!(!page.contains(p), "{p} on the funder's page");
    }
    let csv = funder.get("/preinscriptions/export.csv").await;
    csv.assert_status(StatusCode::OK);
    assert!(!csv.text.contains("Enora") && !csv.text.contains("Le Bras"));
    let token = funder.new_api_token().await;
    let mut api = app.client();
    let list = api.api_get("/api/v1/prescriptions", &token).await;
    list.assert_status(StatusCode::OK);
    assert!(list.text.contains(&id));
    let detail = api
        .api_get(&format!("/api/v1/prescriptions/{id}"), &token)
        .await;
    detail.assert_status(StatusCode::OK);
    assert!(detail.json()["person"].is_null(), "{}", detail.text);
    assert_eq!(detail.json()["messages"], json!([]));
    for p in personal {
        assert!(!list.text.contains(p), "{p} in the funder's API list");
        assert!(!detail.text.contains(p), "{p} in the funder's API detail");
    }
}

/// Funder LHÉO codes: a funder asks for them, the regional administrator approves or refuses
/// them (audited); a code belongs to one funder; only approved codes attribute sessions.
async fn funder_codes_are_approved_by_the_regional_administrator(app: TestApp) {
    use passerelle::auth::store::{self as users, NewUser};
    use passerelle::organisations::store::{self as orgs, NewOrganisation};
    use passerelle::types::{EmailAddress, OrgKind, OrgStatus, Role, UserStatus};
    let app = app.with_demo().await;
    let attributed = |code: &'static str| {
        let state = app.state.clone();
        async move {
            state
                .db
                .run(move |conn| {
                    Ok(passerelle::trainings::store::Directory::load(conn)?.funder(code))
                })
                .await
                .unwrap()
        }
    };
    let demo_funder = attributed("2").await.expect("the demo code is approved");

    let mut funder = app.login_as(FUNDER).await;
    funder.get("/financeur/delais").await;
    funder
        .post_form(
            "/financeur/delais",
            &[("decision_days", "10"), ("lheo_codes", "2 7")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = funder.get("/financeur/delais").await;
    assert!(page.contains("en attente"), "{}", page.text);
    assert_eq!(
        attributed("7").await,
        None,
        "a code asked for attributes nothing"
    );

    // Another funder cannot claim a code already held or asked for.
    app.state
        .db
        .run(|conn| {
            let org = orgs::create(
                conn,
                NewOrganisation {
                    kind: OrgKind::Funder,
                    name: "OPCO Test",
                    network: None,
                    siret: None,
                    commune_insee: None,
                    status: OrgStatus::Active,
                    departments: &["35".to_owned()],
                },
            )?;
            let hash = passerelle::auth::password::hash(passerelle::demo::PASSWORD)
                .map_err(passerelle::error::AppError::internal)?;
            users::create(
                conn,
                NewUser {
                    email: &EmailAddress::parse("financeur.autre@exemple.fr").unwrap(),
                    password_hash: Some(hash),
                    first_name: "Yann",
                    last_name: "Autre",
                    role: Role::Funder,
                    organisation_id: Some(&org),
                    is_org_admin: true,
                    status: UserStatus::Active,
                    email_verified: true,
                    birth_date: None,
                },
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let mut other = app.login_as("financeur.autre@exemple.fr").await;
    for code in ["2", "7"] {
        other.get("/financeur/delais").await;
        let r = other
            .post_form(
                "/financeur/delais",
                &[("decision_days", "10"), ("lheo_codes", code)],
            )
            .await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.contains("déjà attribué ou demandé"), "{}", r.text);
    }

    // Only the regional administrator decides, with a button (POST), audited.
    funder
        .get("/admin/codes-financeurs")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    let pending = admin.get("/admin/codes-financeurs").await;
    pending.assert_status(StatusCode::OK);
    assert!(pending.contains("Région Bretagne") && pending.contains("/admin/codes-financeurs/7"));
    funder.get("/financeur/delais").await;
    funder
        .post_form("/admin/codes-financeurs/7", &[("decision", "approuver")])
        .await
        .assert_status(StatusCode::FORBIDDEN);
    admin.get("/admin/codes-financeurs").await;
    admin
        .post_form("/admin/codes-financeurs/7", &[("decision", "approuver")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(attributed("7").await, Some(demo_funder.clone()));
    assert!(
        admin
            .get("/admin/journal")
            .await
            .contains("funder_code.approved")
    );

    // A refused code attributes nothing, and its funder sees it refused.
    other.get("/financeur/delais").await;
    other
        .post_form(
            "/financeur/delais",
            &[("decision_days", "10"), ("lheo_codes", "12")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    admin.get("/admin/codes-financeurs").await;
    admin
        .post_form("/admin/codes-financeurs/12", &[("decision", "refuser")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(attributed("12").await, None);
    assert!(
        admin
            .get("/admin/journal")
            .await
            .contains("funder_code.refused")
    );
    assert!(other.get("/financeur/delais").await.contains("refusé"));
}

/// A step whose date is wrong answers 422 with the page, the problem and what was typed in
/// that step's form (nothing is lost); a date that does not exist is told as such.
async fn a_step_sent_with_a_wrong_date_is_shown_again_as_typed(app: TestApp) {
    let app = app.with_demo().await;
    let mut prescriber = app.login_as(PRESCRIBER).await;
    let session = demo_session(&mut prescriber, "CAP Boulanger en un an").await;
    let id = pre_register(&mut prescriber, &session, "Le Bras").await;
    let mut centre = app.login_as(CENTRE).await;
    step(&mut centre, &id, &[("step", "receive")]).await;

    let path = format!("/preinscriptions/{id}/etape");
    let r = centre
        .post_form(
            &path,
            &[("step", "schedule_interview"), ("date", "31/02/2027")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.contains("Cette date n’existe pas (31/02/2027) : février 2027 compte 28 jours."),
        "{}",
        r.text
    );
    assert!(!r.contains("Indiquez la date au format JJ/MM/AAAA."));
    assert!(
        r.contains("id=\"date-schedule_interview\" name=\"date\" inputmode=\"numeric\" value=\"31/02/2027\""),
        "{}",
        r.text
    );
    // Only the form of the step tried gets the date back.
    assert!(r.contains(
        "id=\"date-schedule_info_session\" name=\"date\" inputmode=\"numeric\" value=\"\""
    ));
    assert!(r.contains("<h1>Pré-inscription d’Enora Le Bras</h1>"));

    // Words that are no date keep the format message, and are given back too.
    let r = centre
        .post_form(
            &path,
            &[("step", "schedule_interview"), ("date", "mardi prochain")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Indiquez la date au format JJ/MM/AAAA."));
    assert!(r.contains("value=\"mardi prochain\""));

    // A refusal without its words keeps the reason chosen.
    let r = centre
        .post_form(&path, &[("step", "refuse"), ("refusal_reason", "other")])
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Précisez le motif du refus."));
    assert!(
        r.contains("<option value=\"other\" selected>"),
        "{}",
        r.text
    );

    // Nothing was recorded: the status is still « Reçue ».
    let page = centre.get(&format!("/preinscriptions/{id}")).await;
    page.assert_status(StatusCode::OK);
    assert!(!page.contains("Entretien prévu"));
    assert!(!page.contains("Cette date n’existe pas"));
}

/// The person pre-registered by an adviser is told by mail of each decision of the centre, in
/// plain words with the centre's name, when they gave an address and agreed; never otherwise;
/// the agency stops it when asked; another agency cannot.
async fn the_person_is_told_of_each_decision_when_they_agreed(app: TestApp) {
    let app = app.with_demo().await;
    let mut prescriber = app.login_as(PRESCRIBER).await;
    let session = demo_session(&mut prescriber, "CAP Boulanger en un an").await;
    let path = format!("/formations/sessions/{session}/preinscription");
    let person = |email: &'static str| {
        vec![
            ("first_name", "Maëlys"),
            ("last_name", "Kerjean"),
            ("birth_date", "02/05/2004"),
            ("email", email),
            ("phone", "06 11 22 33 44"),
            ("situation", "young_person"),
            ("level", "3"),
            ("consent", "oui"),
            ("decisions_by_mail", "oui"),
            ("motive", "Stage de découverte réussi en boulangerie."),
        ]
    };
    // Without an address the wish cannot be honoured: said in French, what was typed kept.
    prescriber.get(&path).await;
    let r = prescriber.post_form(&path, &person("")).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("indiquez son adresse e-mail"), "{}", r.text);
    assert!(r.contains("Kerjean"));
    let r = prescriber
        .post_form(&path, &person("maelys.kerjean@example.org"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let agreed = r.location().rsplit('/').next().unwrap().to_owned();
    // Enora gave an address but did not ask to be told.
    let other = pre_register(&mut prescriber, &session, "Le Bras").await;

    let mut centre = app.login_as(CENTRE).await;
    step(&mut centre, &agreed, &[("step", "wait_list")]).await;
    step(&mut centre, &other, &[("step", "wait_list")]).await;
    let mails = app.mails().await;
    let told: Vec<_> = mails
        .iter()
        .filter(|m| m.to == "maelys.kerjean@example.org")
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].subject.contains("liste d’attente"), "{:?}", told[0]);
    assert!(told[0].body.contains("Bonjour Maëlys"));
    assert!(told[0].body.contains("France Travail Rennes Est"));
    assert!(told[0].body.contains("« CAP Boulanger en un an »"));
    assert!(told[0].body.contains("si une place se libère"));
    assert!(
        !mails.iter().any(|m| m.to == "enora.lebras@example.org"),
        "Enora did not agree to be told"
    );

    step(
        &mut centre,
        &agreed,
        &[("step", "refuse"), ("refusal_reason", "session_full")],
    )
    .await;
    let mail = app.last_mail_to("maelys.kerjean@example.org").await;
    assert!(mail.subject.contains("non retenue"), "{mail:?}");
    assert!(
        mail.body.contains("Motif : Session complète."),
        "{}",
        mail.body
    );

    // The agency records that she no longer wants it; another agency cannot touch it.
    let page = prescriber.get(&format!("/preinscriptions/{agreed}")).await;
    assert!(page.contains("est informée par e-mail"));
    let person_id = page
        .text
        .split("/personnes/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    let toggle = format!("/personnes/{person_id}/decisions-par-mail");
    let mut other_agency = app.login_as(OTHER_PRESCRIBER).await;
    other_agency.get("/preinscriptions").await;
    other_agency
        .post_form(&toggle, &[("actif", "non")])
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let r = prescriber.post_form(&toggle, &[("actif", "non")]).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = prescriber.get(&format!("/preinscriptions/{agreed}")).await;
    assert!(page.contains("ne sera plus informée"), "{}", page.text);
    // A new pre-registration of hers, accepted: nothing more reaches her.
    let again = {
        let r = prescriber
            .post_form(
                &path,
                &[
                    ("person_id", person_id.as_str()),
                    ("motive", "Nouvelle demande après la liste d’attente."),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        r.location().rsplit('/').next().unwrap().to_owned()
    };
    let before = app
        .mails()
        .await
        .iter()
        .filter(|m| m.to == "maelys.kerjean@example.org")
        .count();
    step(&mut centre, &again, &[("step", "accept")]).await;
    let after = app
        .mails()
        .await
        .iter()
        .filter(|m| m.to == "maelys.kerjean@example.org")
        .count();
    assert_eq!(before, after);
}
