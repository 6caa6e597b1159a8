//! The France Travail gateway: consenting offers queued as to create, to modify or to cancel,
//! one pending entry per offer, processed by agents (page, CSV, API).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(offers_flow_to_france_travail_once_per_change);

fn start_date() -> String {
    (passerelle::clock::today_paris() + chrono::Duration::days(40))
        .format("%d/%m/%Y")
        .to_string()
}

/// The recruiter posts and submits an offer; the chamber approves it. Returns its id.
async fn publish(app: &TestApp, recruiter: &mut Client<'_>, title: &str, consent: bool) -> String {
    recruiter.get("/mes-offres/nouvelle").await;
    let start = start_date();
    let mut fields = vec![
        ("title", title),
        ("rome", "D1102"),
        (
            "description",
            "Pétrissage, façonnage et cuisson du pain au levain, du mardi au samedi.",
        ),
        ("contract_type", "apprentissage"),
        ("level", "3"),
        ("start_date", start.as_str()),
        ("duration_months", "24"),
        ("commune", "35238"),
        ("positions", "1"),
    ];
    if consent {
        fields.push(("share_with_france_travail", "oui"));
    }
    let r = recruiter.post_form("/mes-offres", &fields).await;
    let id = r.location().rsplit('/').next().unwrap().to_owned();
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{id}/soumettre"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    approve(app, &id).await;
    id
}

async fn approve(app: &TestApp, id: &str) {
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    officer.get("/moderation/offres").await;
    officer
        .post_form(
            &format!("/moderation/offres/{id}"),
            &[("decision", "valider")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

/// The pending entries of one offer.
async fn pending_of(api: &mut Client<'_>, token: &str, offer: &str) -> Vec<Value> {
    let r = api
        .api_get(&format!("/api/v1/gateway/entries?offer={offer}"), token)
        .await;
    r.assert_status(StatusCode::OK);
    r.json().as_array().unwrap().clone()
}

async fn offers_flow_to_france_travail_once_per_change(app: TestApp) {
    let app = app.with_demo().await;
    let mut agent = app.login_as("gateway_agent@demo.passerelle.test").await;
    let token = agent.new_api_token().await;
    let mut api = app.client();
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;

    // The demo's consenting published offers already wait.
    let queue = agent.get("/passerelle-france-travail").await;
    queue.assert_status(StatusCode::OK);
    assert!(queue.contains("À créer") && queue.contains("Apprenti·e boulanger·ère"));

    let id = publish(
        &app,
        &mut recruiter,
        "Apprenti·e boulanger·ère de la gare",
        true,
    )
    .await;
    let entries = pending_of(&mut api, &token, &id).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "to_create");
    let siret = entries[0]["company_siret"].as_str().unwrap().to_owned();
    assert_eq!(siret.len(), 14);

    // Modified before France Travail got it: still one entry, still to create.
    recruiter.get(&format!("/mes-offres/{id}/modifier")).await;
    let start = start_date();
    recruiter
        .post_form(
            &format!("/mes-offres/{id}/modifier"),
            &[
                ("title", "Apprenti·e boulanger·ère de la gare (nuit)"),
                ("rome", "D1102"),
                (
                    "description",
                    "Pétrissage, façonnage et cuisson du pain au levain, de nuit, du mardi au samedi.",
                ),
                ("contract_type", "apprentissage"),
                ("level", "3"),
                ("start_date", start.as_str()),
                ("duration_months", "24"),
                ("commune", "35238"),
                ("positions", "1"),
                ("share_with_france_travail", "oui"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    approve(&app, &id).await;
    let entries = pending_of(&mut api, &token, &id).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "to_create");
    let entry = entries[0]["id"].as_str().unwrap().to_owned();

    // The agent creates it at France Travail and records the code.
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/gateway/entries/{entry}"),
            &token,
            json!({"ft_code": "x", "agency": ""}),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["message"].as_str().unwrap().contains("agence"));
    agent.get("/passerelle-france-travail").await;
    agent
        .post_form(
            &format!("/passerelle-france-travail/{entry}"),
            &[("ft_code", "190qxwp"), ("agency", "Rennes Ouest")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(pending_of(&mut api, &token, &id).await.is_empty());
    api.api_json(
        "POST",
        &format!("/api/v1/gateway/entries/{entry}"),
        &token,
        json!({"ft_code": "190QXWP", "agency": "Rennes Ouest"}),
    )
    .await
    .assert_status(StatusCode::CONFLICT);
    let done = api
        .api_get("/api/v1/gateway/entries?state=done&ft_code=190QXWP", &token)
        .await
        .json();
    assert_eq!(done.as_array().unwrap().len(), 1);
    assert_eq!(done[0]["agency"], "Rennes Ouest");

    // A change after that: to modify, with the France Travail code known.
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{id}/prolonger"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let entries = pending_of(&mut api, &token, &id).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "to_modify");
    assert_eq!(entries[0]["ft_code"], "190QXWP");
    for filter in [
        "state=to_modify".to_owned(),
        "ft_code=190qxwp".to_owned(),
        "company=goff".to_owned(),
        format!("siret={siret}"),
    ] {
        let found = api
            .api_get(&format!("/api/v1/gateway/entries?{filter}"), &token)
            .await
            .json();
        assert!(
            found
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["offer_id"] == id.as_str()),
            "{filter}"
        );
    }
    assert!(
        api.api_get("/api/v1/gateway/entries?company=kerherve", &token)
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Withdrawn before the modification was processed: one entry, to cancel.
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{id}/retirer"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let entries = pending_of(&mut api, &token, &id).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "to_cancel");
    let cancel = entries[0]["id"].as_str().unwrap().to_owned();
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/gateway/entries/{cancel}"),
            &token,
            json!({"agency": "Rennes Ouest"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["ft_code"], "190QXWP");

    // Cancelled before France Travail ever had it: nothing to send at all.
    let other = publish(
        &app,
        &mut recruiter,
        "Apprenti·e boulanger·ère du marché",
        true,
    )
    .await;
    assert_eq!(pending_of(&mut api, &token, &other).await.len(), 1);
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{other}/retirer"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(pending_of(&mut api, &token, &other).await.is_empty());

    // Without the company's consent, never queued.
    let private = publish(
        &app,
        &mut recruiter,
        "Apprenti·e boulanger·ère discret·ète",
        false,
    )
    .await;
    assert!(pending_of(&mut api, &token, &private).await.is_empty());

    // The queue as CSV; nobody but agents reaches it.
    let csv = agent.get("/passerelle-france-travail.csv?state=done").await;
    csv.assert_status(StatusCode::OK);
    assert!(csv.text.contains("code France Travail") && csv.text.contains("190QXWP"));
    let recruiter_token = recruiter.new_api_token().await;
    api.api_get("/api/v1/gateway/entries", &recruiter_token)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    recruiter
        .get("/passerelle-france-travail")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    api.api_json(
        "POST",
        &format!("/api/v1/gateway/entries/{entry}"),
        &recruiter_token,
        json!({"ft_code": "190QXWP", "agency": "x"}),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
}
