//! Partners' webhooks and the applications' change feed: signed events reach the receiver of
//! the organisation managing the offer and nobody else's, failures are tried again with
//! backoff and logged, the test button sends a ping, and the cursor API pages the changed
//! applications of one's own organisation.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use chrono::Duration;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(
    a_partner_receives_signed_events_for_its_offers_only,
    failed_deliveries_are_tried_again_and_logged,
    the_cursor_api_pages_the_organisations_applications,
    expired_offers_are_told_to_their_organisation
);

const CANDIDATE: &str = "candidate@demo.passerelle.test";
const RECRUITER: &str = "recruiter@demo.passerelle.test";
const GARAGE: &str = "garage.kerherve@demo.passerelle.test";
const CENTRE: &str = "training_staff@demo.passerelle.test";
const MOTIVATION: &str = "Bonjour, je prépare un CAP et je cherche une boulangerie à Rennes.";

/// One request a receiver got: its headers (lowercase names) and body.
#[derive(Clone, Debug)]
struct Received {
    headers: BTreeMap<String, String>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// A partner's local HTTP receiver: records every request and answers with the statuses
/// scripted, then 200.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(script: Vec<u16>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/passerelle", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let seen = got.clone();
        let script = Arc::new(Mutex::new(script.into_iter()));
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    let mut data = Vec::new();
                    let mut buffer = [0u8; 8192];
                    let (head_end, length) = loop {
                        let n = socket.read(&mut buffer).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        data.extend_from_slice(&buffer[..n]);
                        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
                            let length = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            break (end + 4, length);
                        }
                    };
                    while data.len() < head_end + length {
                        let n = socket.read(&mut buffer).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        data.extend_from_slice(&buffer[..n]);
                    }
                    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
                    let headers = head
                        .lines()
                        .skip(1)
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
                        .collect();
                    let body = String::from_utf8_lossy(&data[head_end..]).into_owned();
                    seen.lock().unwrap().push(Received { headers, body });
                    let status = script.lock().unwrap().next().unwrap_or(200);
                    let answer = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                });
            }
        });
        Receiver { url, got }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// Registers `url` for the signed-in organisation; the subscription's id and secret.
async fn subscribe(c: &mut Client<'_>, url: &str, events: &[&str]) -> (String, String) {
    c.get("/webhooks").await.assert_status(StatusCode::OK);
    let mut fields = vec![("url", url), ("active", "oui")];
    fields.extend(events.iter().map(|e| ("events", *e)));
    let r = c.post_form("/webhooks", &fields).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let location = r.location();
    let id = location.trim_start_matches("/webhooks/").to_owned();
    let page = c.get(&location).await;
    page.assert_status(StatusCode::OK);
    let marker = "id=\"secret\" value=\"";
    let start = page.text.find(marker).expect("the secret is shown") + marker.len();
    let secret = page.text[start..].split('"').next().unwrap().to_owned();
    assert!(secret.len() >= 32);
    (id, secret)
}

/// Checks the signature as a partner's receiver does: the HMAC-SHA256 of
/// `<timestamp>.<body>` with the secret, and a timestamp within 5 minutes of its clock.
fn verify(received: &Received, secret: &str, now: i64) -> bool {
    let timestamp = received.header("passerelle-timestamp");
    let Ok(at) = timestamp.parse::<i64>() else {
        return false;
    };
    if (now - at).abs() > 300 {
        return false;
    }
    let Some(given) = received.header("passerelle-signature").strip_prefix("v1=") else {
        return false;
    };
    let Ok(given) = hex::decode(given) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{}", received.body).as_bytes());
    mac.verify_slice(&given).is_ok()
}

fn now_unix(app: &TestApp) -> i64 {
    app.state.clock.now().and_utc().timestamp()
}

async fn apply(c: &mut Client<'_>, offer: &str) -> String {
    c.get(&format!("/offres/{offer}")).await;
    let r = c
        .post_form(
            &format!("/offres/{offer}/candidater"),
            &[("message", MOTIVATION)],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    r.location().trim_start_matches("/candidatures/").to_owned()
}

async fn a_partner_receives_signed_events_for_its_offers_only(app: TestApp) {
    let app = app.with_demo().await;
    let bakery_receiver = Receiver::start(Vec::new()).await;
    let garage_receiver = Receiver::start(Vec::new()).await;
    let mut recruiter = app.login_as(RECRUITER).await;
    let (_, secret) = subscribe(
        &mut recruiter,
        &bakery_receiver.url,
        &["application.created", "application.status_changed"],
    )
    .await;
    let mut garage = app.login_as(GARAGE).await;
    let (_, garage_secret) = subscribe(
        &mut garage,
        &garage_receiver.url,
        &[
            "application.created",
            "application.status_changed",
            "offer.published",
            "offer.expired",
        ],
    )
    .await;
    assert_ne!(secret, garage_secret);

    let mut candidate = app.login_as(CANDIDATE).await;
    let offer = crate::applications::offer_id(&mut candidate, "Apprenti·e boulanger·ère").await;
    let id = apply(&mut candidate, &offer).await;
    app.run_jobs().await;

    let got = bakery_receiver.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let event = &got[0];
    assert!(verify(event, &secret, now_unix(&app)), "{event:?}");
    assert!(!verify(event, &garage_secret, now_unix(&app)));
    // A stale timestamp is refused by the receiver's check.
    assert!(!verify(event, &secret, now_unix(&app) + 3600));
    assert_eq!(event.header("passerelle-event"), "application.created");
    assert_eq!(event.header("content-type"), "application/json");
    let json = event.json();
    assert_eq!(json["type"], "application.created");
    assert_eq!(json["id"], event.header("passerelle-delivery"));
    assert!(
        chrono::DateTime::parse_from_rfc3339(json["created_at"].as_str().unwrap()).is_ok(),
        "{json}"
    );
    assert_eq!(json["data"]["application_id"], id.as_str());
    assert_eq!(json["data"]["offer_id"], offer.as_str());
    assert_eq!(json["data"]["status"], "sent");
    assert_eq!(json["data"]["candidate_name"], "Léa Morvan");
    // Another company's receiver hears nothing of it.
    assert!(garage_receiver.received().is_empty());

    // The recruiter proposes an interview: a status change.
    recruiter.get(&format!("/candidatures/{id}")).await;
    recruiter
        .post_form(
            &format!("/candidatures/{id}/etape"),
            &[("step", "interview"), ("message", "Venez jeudi à 10 h.")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    app.run_jobs().await;
    let got = bakery_receiver.received();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(verify(&got[1], &secret, now_unix(&app)));
    assert_eq!(got[1].json()["type"], "application.status_changed");
    assert_eq!(got[1].json()["data"]["status"], "interview");
    assert_eq!(got[1].json()["data"]["application_id"], id.as_str());

    // An application to an offer a training centre manages for a company goes to the
    // centre's subscriptions, not to the bakery's nor the garage's.
    let delegated = crate::applications::offer_id(&mut candidate, "Apprenti·e pâtissier·ère").await;
    let delegated_id = apply(&mut candidate, &delegated).await;
    app.run_jobs().await;
    assert_eq!(bakery_receiver.received().len(), 2);
    assert!(garage_receiver.received().is_empty());

    // A paused subscription records nothing.
    let centre_receiver = Receiver::start(Vec::new()).await;
    let mut centre = app.login_as(CENTRE).await;
    let (centre_sub, _) = subscribe(
        &mut centre,
        &centre_receiver.url,
        &["application.status_changed"],
    )
    .await;
    centre
        .post_form(
            &format!("/webhooks/{centre_sub}"),
            &[
                ("url", centre_receiver.url.as_str()),
                ("events", "application.status_changed"),
                ("active", "non"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    centre.get(&format!("/candidatures/{delegated_id}")).await;
    centre
        .post_form(
            &format!("/candidatures/{delegated_id}/etape"),
            &[("step", "read")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    app.run_jobs().await;
    assert!(centre_receiver.received().is_empty());
    assert!(garage_receiver.received().is_empty());
    assert_eq!(bakery_receiver.received().len(), 2);
}

async fn failed_deliveries_are_tried_again_and_logged(app: TestApp) {
    let app = app.with_demo().await;
    let receiver = Receiver::start(vec![500]).await;
    let mut recruiter = app.login_as(RECRUITER).await;

    // A wrong address is refused, with what was typed kept.
    recruiter.get("/webhooks").await;
    let r = recruiter
        .post_form(
            "/webhooks",
            &[("url", "erp.boulangerie.example/hook"), ("active", "oui")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("erp.boulangerie.example/hook"));
    assert!(r.contains("n’est pas une URL complète"));
    assert!(r.contains("Choisissez au moins un événement"));

    let (sub, secret) = subscribe(&mut recruiter, &receiver.url, &["application.created"]).await;

    // The test button sends a ping; the receiver answers 500, then 200 a minute later.
    recruiter.get(&format!("/webhooks/{sub}")).await;
    recruiter
        .post_form(&format!("/webhooks/{sub}/tester"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    app.run_jobs().await;
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["type"], "ping");
    assert!(verify(&got[0], &secret, now_unix(&app)));
    let log = recruiter.get(&format!("/webhooks/{sub}")).await;
    assert!(
        log.contains("HTTP 500") && log.contains("En attente"),
        "{}",
        log.text
    );

    // Not before its time…
    app.state.clock.advance(Duration::seconds(30));
    app.run_jobs().await;
    assert_eq!(receiver.received().len(), 1);
    // …then tried again, with the same delivery id and a fresh signature.
    app.state.clock.advance(Duration::seconds(31));
    app.run_jobs().await;
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].header("passerelle-delivery"),
        got[1].header("passerelle-delivery")
    );
    assert!(verify(&got[1], &secret, now_unix(&app)));
    let log = recruiter.get(&format!("/webhooks/{sub}")).await;
    assert!(
        log.contains("Remise") && log.contains("HTTP 200"),
        "{}",
        log.text
    );
    assert!(log.contains("<td>2</td>"), "two attempts: {}", log.text);

    // A receiver that never answers well: tried 6 times in all, then failed for good.
    let down = Receiver::start(vec![503; 10]).await;
    recruiter
        .post_form(
            &format!("/webhooks/{sub}"),
            &[
                ("url", down.url.as_str()),
                ("events", "application.created"),
                ("active", "oui"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    recruiter.get(&format!("/webhooks/{sub}")).await;
    recruiter
        .post_form(&format!("/webhooks/{sub}/tester"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    app.run_jobs().await;
    for _ in 0..6 {
        app.state.clock.advance(Duration::hours(13));
        app.run_jobs().await;
    }
    assert_eq!(down.received().len(), 6);
    // (Days went by: the session is over.)
    let mut recruiter = app.login_as(RECRUITER).await;
    assert!(
        recruiter
            .get(&format!("/webhooks/{sub}"))
            .await
            .contains("Échec définitif")
    );

    // Another organisation neither sees nor changes nor tests it; a candidate has no page.
    let mut garage = app.login_as(GARAGE).await;
    garage.get("/webhooks").await.assert_status(StatusCode::OK);
    garage
        .get(&format!("/webhooks/{sub}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    garage
        .post_form(
            &format!("/webhooks/{sub}"),
            &[
                ("url", "https://garage.example/hook"),
                ("events", "application.created"),
                ("active", "oui"),
            ],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    garage
        .post_form(&format!("/webhooks/{sub}/tester"), &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(!garage.get("/webhooks").await.contains(&down.url));
    let mut candidate = app.login_as(CANDIDATE).await;
    candidate
        .get("/webhooks")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    admin
        .get(&format!("/webhooks/{sub}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn the_cursor_api_pages_the_organisations_applications(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let bakery_offer =
        crate::applications::offer_id(&mut candidate, "Apprenti·e boulanger·ère").await;
    let centre_offer =
        crate::applications::offer_id(&mut candidate, "Apprenti·e pâtissier·ère").await;
    let mine = apply(&mut candidate, &bakery_offer).await;
    let theirs = apply(&mut candidate, &centre_offer).await;

    let mut recruiter = app.login_as(RECRUITER).await;
    let token = recruiter.new_api_token().await;
    let org = recruiter.own_org_id().await;
    // The whole list, as before.
    let all = recruiter.api_get("/api/v1/applications", &token).await;
    all.assert_status(StatusCode::OK);
    let expected: HashSet<String> = all
        .json()
        .as_array()
        .expect("the list stays an array")
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(expected.contains(&mine) && !expected.contains(&theirs));

    // Paged one by one, in the order of their changes, then nothing more.
    let mut seen = Vec::new();
    let mut path = "/api/v1/applications?updated_since=2000-01-01T00:00:00Z&limit=1".to_owned();
    let mut last_cursor = String::new();
    let mut previous: Option<String> = None;
    for _ in 0..50 {
        let page = recruiter.api_get(&path, &token).await;
        page.assert_status(StatusCode::OK);
        let json = page.json();
        let items = json["items"].as_array().unwrap();
        assert!(items.len() <= 1);
        for item in items {
            assert_eq!(item["managed_by_id"], org.as_str());
            let updated = item["updated_at"].as_str().unwrap().to_owned();
            if let Some(before) = &previous {
                assert!(before <= &updated, "{before} then {updated}");
            }
            previous = Some(updated);
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        last_cursor = json["next_cursor"].as_str().unwrap().to_owned();
        if !json["has_more"].as_bool().unwrap() {
            break;
        }
        path = format!("/api/v1/applications?cursor={last_cursor}&limit=1");
    }
    assert_eq!(seen.len(), expected.len(), "no application twice: {seen:?}");
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), expected);

    // Later: only what changed since the cursor kept.
    let nothing = recruiter
        .api_get(
            &format!("/api/v1/applications?cursor={last_cursor}"),
            &token,
        )
        .await;
    assert_eq!(nothing.json()["items"].as_array().unwrap().len(), 0);
    assert_eq!(nothing.json()["next_cursor"], last_cursor.as_str());
    app.state.clock.advance(Duration::seconds(5));
    recruiter.get(&format!("/candidatures/{mine}")).await;
    recruiter
        .post_form(&format!("/candidatures/{mine}/etape"), &[("step", "read")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let changed = recruiter
        .api_get(
            &format!("/api/v1/applications?cursor={last_cursor}"),
            &token,
        )
        .await;
    let items = changed.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], mine.as_str());
    assert_eq!(items[0]["status"], "read");

    // The centre's token lists the centre's application, never the bakery's.
    let mut centre = app.login_as(CENTRE).await;
    let centre_token = centre.new_api_token().await;
    let page = centre
        .api_get(
            "/api/v1/applications?updated_since=2000-01-01",
            &centre_token,
        )
        .await;
    let ids: Vec<String> = page.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.contains(&theirs) && !ids.contains(&mine));

    // Bad parameters are explained.
    for bad in [
        "/api/v1/applications?updated_since=hier",
        "/api/v1/applications?cursor=nimporte",
        "/api/v1/applications?updated_since=2026-01-01&limit=0",
    ] {
        let r = recruiter.api_get(bad, &token).await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.json()["message"].as_str().unwrap().len() > 10);
    }
}

async fn expired_offers_are_told_to_their_organisation(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    let bakery_offer =
        crate::applications::offer_id(&mut visitor, "Apprenti·e boulanger·ère").await;
    let bakery_receiver = Receiver::start(Vec::new()).await;
    let garage_receiver = Receiver::start(Vec::new()).await;
    let mut recruiter = app.login_as(RECRUITER).await;
    let (_, secret) = subscribe(
        &mut recruiter,
        &bakery_receiver.url,
        &["offer.published", "offer.expired"],
    )
    .await;
    let mut garage = app.login_as(GARAGE).await;
    subscribe(
        &mut garage,
        &garage_receiver.url,
        &["offer.published", "offer.expired"],
    )
    .await;
    // Far later, every demo offer's publication is over.
    app.state.clock.advance(Duration::days(400));
    app.run_jobs().await;
    app.run_jobs().await;
    let got = bakery_receiver.received();
    let expired: Vec<&Received> = got
        .iter()
        .filter(|r| r.json()["data"]["offer_id"] == bakery_offer.as_str())
        .collect();
    assert_eq!(expired.len(), 1, "{got:?}");
    assert_eq!(expired[0].json()["type"], "offer.expired");
    assert!(verify(expired[0], &secret, now_unix(&app)));
    assert!(
        garage_receiver
            .received()
            .iter()
            .all(|r| r.json()["data"]["offer_id"] != bakery_offer.as_str())
    );
}
