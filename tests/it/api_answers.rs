//! Snapshots of the JSON answers of the main API endpoints, read through HTTP on the demo
//! dataset. What changes from one run to the next (ids, times, dates relative to today) is
//! redacted by insta filters, so the same snapshot holds on SQLite and PostgreSQL.
//! Update them with `INSTA_UPDATE=always cargo test --test it api_answers` (or
//! `cargo insta review`), then read the diff.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(public_answers, answers_to_a_signed_in_person);

/// Compares an answer to its snapshot, with what varies between runs redacted.
fn snapshot(name: &str, answer: &Value) {
    insta::with_settings!({
        prepend_module_to_snapshot => false,
        filters => vec![
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[id]"),
            (r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?", "[timestamp]"),
            (r"\d{4}-\d{2}-\d{2}", "[date]"),
            (r"\d{2}/\d{2}/\d{4}", "[date]"),
            // A time of day that follows the clock (a request received now).
            (r"à \d{2}:\d{2}", "à [time]"),
            // Helpline references are drawn at random.
            (r"CAP-[0-9A-F]{8}", "CAP-[reference]"),
        ],
    }, {
        insta::assert_json_snapshot!(name, answer);
    });
}

async fn public_answers(app: TestApp) {
    let app = app.with_demo().await;
    let mut c = app.client();

    let found = c.get("/api/v1/offers/search?q=patissier").await;
    found.assert_status(StatusCode::OK);
    let found = found.json();
    snapshot("offers_search", &found);

    let id = found["items"][0]["id"]
        .as_str()
        .or_else(|| found["results"][0]["id"].as_str())
        .or_else(|| found[0]["id"].as_str())
        .expect("an offer found")
        .to_owned();
    let offer = c.get(&format!("/api/v1/offers/{id}")).await;
    offer.assert_status(StatusCode::OK);
    snapshot("offer", &offer.json());

    let unknown = c.get("/api/v1/offers/inconnue").await;
    unknown.assert_status(StatusCode::NOT_FOUND);
    snapshot("offer_not_found", &unknown.json());

    let sessions = c.get("/api/v1/trainings/sessions").await;
    sessions.assert_status(StatusCode::OK);
    snapshot("training_sessions", &sessions.json());

    let actions = c.get("/api/v1/discovery/actions?metier=D1104").await;
    actions.assert_status(StatusCode::OK);
    snapshot("discovery_actions", &actions.json());
}

async fn answers_to_a_signed_in_person(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    let token = candidate.new_api_token().await;

    let me = candidate.api_get("/api/v1/me", &token).await;
    me.assert_status(StatusCode::OK);
    snapshot("me", &me.json());

    let export = candidate.api_get("/api/v1/me/export", &token).await;
    export.assert_status(StatusCode::OK);
    snapshot("me_export", &export.json());

    // A CV search gives summaries; the full profile is another answer (one logged view).
    candidate
        .api_json(
            "PUT",
            "/api/v1/me/profile",
            &token,
            json!({"occupations": ["D1102"], "commune": "35238", "mobility_km": 20,
                   "level_reached": 3, "available_from": "2027-09-01",
                   "presentation": "J’aime le travail du matin.", "visible": true}),
        )
        .await
        .assert_status(StatusCode::OK);
    let profile = candidate.api_get("/api/v1/me/profile", &token).await.json();
    let id = profile["id"].as_str().expect("the profile's id").to_owned();
    let mut chamber = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    let chamber_token = chamber.new_api_token().await;
    chamber
        .api_json(
            "POST",
            &format!("/api/v1/moderation/candidates/{id}"),
            &chamber_token,
            json!({"approve": true}),
        )
        .await
        .assert_status(StatusCode::NO_CONTENT);
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let recruiter_token = recruiter.new_api_token().await;
    let found = recruiter
        .api_get("/api/v1/candidates/search?rome=D1102", &recruiter_token)
        .await;
    found.assert_status(StatusCode::OK);
    snapshot("candidates_search", &found.json());
    let full = recruiter
        .api_get(&format!("/api/v1/candidates/{id}"), &recruiter_token)
        .await;
    full.assert_status(StatusCode::OK);
    snapshot("candidate", &full.json());

    let mut officer = app.login_as("info_officer@demo.passerelle.test").await;
    let token = officer.new_api_token().await;
    let created = officer
        .api_json(
            "POST",
            "/api/v1/helpline/requests",
            &token,
            json!({"caller_kind": "professional", "topic": "orientation",
                   "question": "Quels métiers du numérique après un bac pro ?"}),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let created = created.json();
    snapshot("helpline_request_created", &created);
    let id = created["id"].as_str().expect("the new request's id");
    let request = officer
        .api_get(&format!("/api/v1/helpline/requests/{id}"), &token)
        .await;
    request.assert_status(StatusCode::OK);
    snapshot("helpline_request", &request.json());
}
