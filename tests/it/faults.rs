//! Fifty writers at once on one limited thing: a programme session with three places, an
//! event with three places, an exhibition that one site only can book for a period, and the
//! public question form. Capacity is never exceeded, nobody gets a 500 or a "database is
//! locked": every writer waits for its turn and gets its answer (registered, waiting list,
//! full, taken), on both backends.
//!
//! (Discovery actions hold no capacity that requests consume: a teacher's request is a
//! proposal the company answers, so there is nothing to exceed there.)

use axum::http::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Client, TestApp};
use crate::sites::join_all;

both_backends!(
    fifty_practitioners_for_three_places,
    fifty_visitors_for_three_places,
    fifty_sites_for_one_exhibition,
    fifty_questions_at_once,
);

const WRITERS: usize = 50;

/// The answers other than a success or a redirection, for assertion messages.
fn statuses(answers: &[crate::helpers::TestResponse]) -> Vec<(StatusCode, String)> {
    answers
        .iter()
        .filter(|r| !r.status.is_success() && !r.status.is_redirection())
        .map(|r| (r.status, r.text.chars().take(200).collect()))
        .collect()
}

async fn fifty_practitioners_for_three_places(app: TestApp) {
    use crate::programme::{new_session, practitioners, registrations};
    let app = app.with_demo().await;
    let session = new_session(&app, "3", "50").await;
    let emails = practitioners(
        &app,
        "prescriber@demo.passerelle.test",
        "cinquante",
        WRITERS,
    )
    .await;
    let mut clients: Vec<Client<'_>> = Vec::new();
    for email in &emails {
        let mut c = app.login_as(email).await;
        c.get(&format!("/programme/sessions/{session}"))
            .await
            .assert_status(StatusCode::OK);
        clients.push(c);
    }
    let path = format!("/programme/sessions/{session}/inscription");
    let answers = join_all(
        clients
            .iter_mut()
            .map(|c| c.post_form(&path, &[]))
            .collect(),
    )
    .await;
    assert!(
        answers.iter().all(|a| a.status == StatusCode::SEE_OTHER),
        "{:?}",
        statuses(&answers)
    );
    let lines = registrations(&app, &session).await;
    assert_eq!(lines.len(), WRITERS);
    let confirmed = lines.iter().filter(|l| l["status"] == "confirmed").count();
    let waiting = lines.iter().filter(|l| l["status"] == "waiting").count();
    assert_eq!((confirmed, waiting), (3, WRITERS - 3));
    let mut seqs: Vec<i64> = lines.iter().map(|l| l["seq"].as_i64().unwrap()).collect();
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), WRITERS, "one number per registration");
}

async fn fifty_visitors_for_three_places(app: TestApp) {
    let app = app.with_demo().await;
    let mut coordinator = app.login_as(crate::sites::COORDINATOR).await;
    let event = crate::sites::new_event(&mut coordinator, "3").await;
    let mut visitors: Vec<Client<'_>> = (0..WRITERS).map(|_| app.client()).collect();
    for (i, v) in visitors.iter_mut().enumerate() {
        // One connection each (the registration throttle counts per address).
        v.ip = format!("10.1.{}.{}", i / 200, i % 200 + 1);
        v.get(&event).await.assert_status(StatusCode::OK);
    }
    let emails: Vec<String> = (0..WRITERS)
        .map(|i| format!("visiteuse{i}@exemple.fr"))
        .collect();
    let fields: Vec<[(&str, &str); 2]> = emails
        .iter()
        .map(|e| [("name", "Camille Le Gall"), ("email", e.as_str())])
        .collect();
    let path = format!("{event}/inscription");
    let answers = join_all(
        visitors
            .iter_mut()
            .zip(&fields)
            .map(|(v, f)| v.post_form(&path, f))
            .collect(),
    )
    .await;
    let ok = answers
        .iter()
        .filter(|r| r.status == StatusCode::SEE_OTHER)
        .count();
    let full = answers
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT && r.contains("Cet événement est complet"))
        .count();
    assert_eq!((ok, full), (3, WRITERS - 3), "{:?}", statuses(&answers));
    let page = coordinator.get(&event).await;
    assert!(page.contains("Inscrit·es (3)"), "{}", page.text);
}

async fn fifty_sites_for_one_exhibition(app: TestApp) {
    let app = app.with_demo().await;
    let mut coordinator = app.login_as(crate::sites::COORDINATOR).await;
    let token = coordinator.new_api_token().await;
    let brieuc = crate::sites::site_id(&mut coordinator, "Espace Métiers de Saint-Brieuc").await;
    let industry =
        crate::sites::exhibition_id(&mut coordinator, "Industrie : les métiers de demain").await;
    let path = format!("/api/v1/exhibitions/{industry}/bookings");
    let day = crate::sites::day;
    let mut clients: Vec<Client<'_>> = (0..WRITERS).map(|_| app.client()).collect();
    let bodies: Vec<serde_json::Value> = (0..WRITERS as i64)
        .map(|i| {
            json!({"site_id": brieuc, "starts_on": day(60 + i % 5), "ends_on": day(68 + i % 5),
                   "transport_days_before": "1", "transport_days_after": "1"})
        })
        .collect();
    let answers = join_all(
        clients
            .iter_mut()
            .zip(bodies)
            .map(|(c, body)| c.api_json("POST", &path, &token, body))
            .collect(),
    )
    .await;
    let won = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    let taken = answers
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT && r.json()["code"] == "conflict")
        .count();
    assert_eq!((won, taken), (1, WRITERS - 1), "{:?}", statuses(&answers));
}

async fn fifty_questions_at_once(app: TestApp) {
    let app = app.with_demo().await;
    let mut officer = app.login_as(crate::helpline::OFFICER).await;
    let token = officer.new_api_token().await;
    let count = |rows: serde_json::Value| rows.as_array().unwrap().len();
    let before = count(
        officer
            .api_get("/api/v1/helpline/requests?canal=web", &token)
            .await
            .json(),
    );
    let mut visitors: Vec<Client<'_>> = (0..WRITERS).map(|_| app.client()).collect();
    for (i, v) in visitors.iter_mut().enumerate() {
        v.ip = format!("10.2.{}.{}", i / 200, i % 200 + 1);
        v.get("/question").await.assert_status(StatusCode::OK);
    }
    let emails: Vec<String> = (0..WRITERS)
        .map(|i| format!("parent{i}@exemple.fr"))
        .collect();
    let fields: Vec<Vec<(&str, &str)>> = emails
        .iter()
        .map(|email| {
            vec![
                ("question", "Mon fils peut-il commencer un CAP en février ?"),
                ("topic", "apprenticeship"),
                ("email", email.as_str()),
                ("name", "Un parent"),
                ("phone", ""),
                ("caller_kind", "individual"),
                ("age_band", "under_18"),
                ("situation", "pupil"),
                ("site_web", ""),
            ]
        })
        .collect();
    let answers = join_all(
        visitors
            .iter_mut()
            .zip(&fields)
            .map(|(v, f)| v.post_form("/question", f))
            .collect(),
    )
    .await;
    assert!(
        answers.iter().all(|a| a.status == StatusCode::SEE_OTHER),
        "{:?}",
        statuses(&answers)
    );
    let after = count(
        officer
            .api_get("/api/v1/helpline/requests?canal=web", &token)
            .await
            .json(),
    );
    assert_eq!(after, before + WRITERS);
}
