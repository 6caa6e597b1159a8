//! Espaces Métiers: exhibitions are never double-booked (transport days included, under
//! concurrent requests), visit figures are exact, events never take more registrations than
//! places, and a coordinator sees only the sites of their host (page, API, export).

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use axum::http::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(
    exhibitions_are_never_double_booked,
    visit_figures_are_exact,
    a_coordinator_sees_only_the_sites_of_their_host,
    event_registrations_never_exceed_capacity,
    event_registrations_are_throttled,
);

pub(crate) const COORDINATOR: &str = "site_coordinator@demo.passerelle.test";
const LORIENT: &str = "coordinatrice.lorient@demo.passerelle.test";
const ADMIN: &str = "regional_admin@demo.passerelle.test";

/// Polls all the futures together on this task (requests run concurrently; their database
/// work runs on the blocking pool in parallel).
pub async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in futures.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => out[i] = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().map(|o| o.expect("ready")).collect()
}

pub(crate) fn day(offset: i64) -> String {
    (passerelle::clock::today_paris() + chrono::Duration::days(offset))
        .format("%d/%m/%Y")
        .to_string()
}

pub(crate) async fn site_id(client: &mut Client<'_>, name: &str) -> String {
    let r = client.get("/api/v1/sites").await;
    r.assert_status(StatusCode::OK);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no site {name}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn exhibition_id(client: &mut Client<'_>, title: &str) -> String {
    let r = client.get("/api/v1/exhibitions").await;
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"] == title)
        .unwrap_or_else(|| panic!("no exhibition {title}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn exhibitions_are_never_double_booked(app: TestApp) {
    let app = app.with_demo().await;
    let mut coordinator = app.login_as(COORDINATOR).await;
    let token = coordinator.new_api_token().await;
    let brieuc = site_id(&mut coordinator, "Espace Métiers de Saint-Brieuc").await;
    let industry = exhibition_id(&mut coordinator, "Industrie : les métiers de demain").await;
    let path = format!("/api/v1/exhibitions/{industry}/bookings");

    // Ten requests at once for periods that all overlap: exactly one wins.
    let mut clients: Vec<Client<'_>> = (0..10).map(|_| app.client()).collect();
    let bodies: Vec<serde_json::Value> = (0..10)
        .map(|i| {
            json!({"site_id": brieuc, "starts_on": day(60 + i % 3), "ends_on": day(66 + i % 3),
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
    let won: Vec<_> = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .collect();
    assert_eq!(
        won.len(),
        1,
        "exactly one booking wins: {:?}",
        answers
            .iter()
            .map(|r| (r.status, &r.text))
            .collect::<Vec<_>>()
    );
    for lost in answers.iter().filter(|r| r.status != StatusCode::CREATED) {
        assert_eq!(lost.status, StatusCode::CONFLICT, "{}", lost.text);
        let body = lost.json();
        assert_eq!(body["code"], "conflict");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("n’est pas disponible"),
            "{body}"
        );
    }
    let bookings = coordinator.get(&path).await.json();
    assert_eq!(bookings.as_array().unwrap().len(), 1, "{bookings}");
    let starts = bookings[0]["starts_on"].as_str().unwrap().to_owned();
    let start = chrono::NaiveDate::parse_from_str(&starts, "%Y-%m-%d").unwrap();
    let today = passerelle::clock::today_paris();
    let offset = (start - today).num_days();
    let end_offset = offset + 6;

    // Transport days count: ending two days before, with two transport days after, clashes
    // with the winner's transport day before.
    let r = coordinator
        .api_json(
            "POST",
            &path,
            &token,
            json!({"site_id": brieuc, "starts_on": day(offset - 10), "ends_on": day(offset - 2),
                   "transport_days_before": "0", "transport_days_after": "1"}),
        )
        .await;
    r.assert_status(StatusCode::CONFLICT);
    // Right before the transport day: free.
    let r = coordinator
        .api_json(
            "POST",
            &path,
            &token,
            json!({"site_id": brieuc, "starts_on": day(offset - 10), "ends_on": day(offset - 3),
                   "transport_days_before": "0", "transport_days_after": "1"}),
        )
        .await;
    r.assert_status(StatusCode::CREATED);

    // Through the page, an overlapping period answers a clear French 409.
    coordinator
        .get(&format!("/expositions/{industry}"))
        .await
        .assert_status(StatusCode::OK);
    let r = coordinator
        .post_form(
            &format!("/expositions/{industry}/reservations"),
            &[
                ("site_id", brieuc.as_str()),
                ("starts_on", &day(end_offset + 1)),
                ("ends_on", &day(end_offset + 4)),
                ("transport_days_before", "1"),
                ("transport_days_after", "1"),
            ],
        )
        .await;
    r.assert_status(StatusCode::CONFLICT);
    assert!(r.contains("jours de transport compris"), "{}", r.text);
    // A free period books, and the calendar shows it.
    let r = coordinator
        .post_form(
            &format!("/expositions/{industry}/reservations"),
            &[
                ("site_id", brieuc.as_str()),
                ("starts_on", &day(end_offset + 3)),
                ("ends_on", &day(end_offset + 5)),
                ("transport_days_before", "1"),
                ("transport_days_after", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = coordinator.get(&format!("/expositions/{industry}")).await;
    assert!(page.contains(&day(end_offset + 3)));

    // Another host's coordinator cannot book for Saint-Brieuc.
    let mut lorient = app.login_as(LORIENT).await;
    let other = lorient.new_api_token().await;
    let r = lorient
        .api_json(
            "POST",
            &path,
            &other,
            json!({"site_id": brieuc, "starts_on": day(200), "ends_on": day(201)}),
        )
        .await;
    r.assert_status(StatusCode::NOT_FOUND);

    // Plans change: the booking made through the page is cancelled, by its site only.
    let bookings = coordinator.get(&path).await.json();
    let booked = bookings
        .as_array()
        .unwrap()
        .iter()
        .find(|b| {
            b["starts_on"].as_str().unwrap()
                == (today + chrono::Duration::days(end_offset + 3))
                    .format("%Y-%m-%d")
                    .to_string()
        })
        .unwrap_or_else(|| panic!("{bookings}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cancel = format!("/expositions/{industry}/reservations/{booked}/annulation");
    lorient.get(&format!("/expositions/{industry}")).await;
    lorient
        .post_form(&cancel, &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let page = coordinator.get(&format!("/expositions/{industry}")).await;
    assert!(
        page.contains("Annuler<span class=\"visually-hidden\"> la réservation d’Espace Métiers")
    );
    let r = coordinator.post_form(&cancel, &[]).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = coordinator.get(&format!("/expositions/{industry}")).await;
    assert!(page.contains("La réservation est annulée"));
    assert!(!page.contains(&day(end_offset + 3)));
    coordinator
        .post_form(&cancel, &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Its days are free again.
    let r = coordinator
        .api_json(
            "POST",
            &path,
            &token,
            json!({"site_id": brieuc, "starts_on": day(end_offset + 3), "ends_on": day(end_offset + 5)}),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
}

/// The coordinator opens a new site of their host in Lannion; returns its id.
pub(crate) async fn open_site(coordinator: &mut Client<'_>, name: &str) -> String {
    coordinator
        .get("/espaces-metiers/nouveau")
        .await
        .assert_status(StatusCode::OK);
    let r = coordinator
        .post_form(
            "/espaces-metiers/nouveau",
            &[
                ("name", name),
                ("address", "1 place du Général Leclerc"),
                ("commune", "22300"),
                ("opening_hours", "Mardi et jeudi, 9 h – 17 h"),
                ("services", "Accueil sans rendez-vous"),
                ("resources", "Documentation"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.location().rsplit('/').next().unwrap().to_owned()
}

pub(crate) async fn log_visit(client: &mut Client<'_>, site: &str, fields: &[(&str, &str)]) {
    let path = format!("/espaces-metiers/{site}/visites");
    client.get(&path).await.assert_status(StatusCode::OK);
    let r = client.post_form(&path, fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}

async fn visit_figures_are_exact(app: TestApp) {
    let app = app.with_demo().await;
    let mut coordinator = app.login_as(COORDINATOR).await;
    // A new site of the same host, with no visits yet.
    let site = open_site(&mut coordinator, "Antenne de Lannion").await;

    // Five individual visits: two of them aged 16 to 25 → 40 %.
    for (age, situation, topic) in [
        ("under_16", "pupil", "discover_trades"),
        ("16_25", "pupil", "orientation"),
        ("16_25", "student", "alternance"),
        ("26_44", "job_seeker", "training"),
        ("45_plus", "parent", "orientation"),
    ] {
        log_visit(
            &mut coordinator,
            &site,
            &[
                ("age_band", age),
                ("situation", situation),
                ("topic", topic),
                ("kind", "individual"),
            ],
        )
        .await;
    }
    let token = coordinator.new_api_token().await;
    let f = coordinator
        .api_get(&format!("/api/v1/sites/figures?site={site}"), &token)
        .await
        .json();
    let n = &f["network"];
    assert_eq!(n["visits"], 5, "{f}");
    assert_eq!(n["people"], 5);
    assert_eq!(n["young"], 2);
    assert_eq!(n["young_share"], 40.0);
    assert_eq!(n["pupils"], 2);

    // A class of 20 pupils under 16 comes as a group: 25 people, 2 aged 16–25 → 8 %.
    log_visit(
        &mut coordinator,
        &site,
        &[
            ("age_band", "under_16"),
            ("situation", "pupil"),
            ("topic", "discover_trades"),
            ("kind", "group"),
            ("group_size", "20"),
            ("referred_to", "cio"),
        ],
    )
    .await;
    // An incomplete or free-text visit is refused.
    let path = format!("/espaces-metiers/{site}/visites");
    coordinator.get(&path).await;
    let r = coordinator
        .post_form(
            &path,
            &[
                ("age_band", "16_25"),
                ("situation", "pupil"),
                ("topic", "Jean Dupont"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let f = coordinator
        .api_get(&format!("/api/v1/sites/figures?site={site}"), &token)
        .await
        .json();
    let n = &f["network"];
    assert_eq!(n["visits"], 6, "{f}");
    assert_eq!(n["group_visits"], 1);
    assert_eq!(n["people"], 25);
    assert_eq!(n["young_share"], 8.0);
    assert_eq!(n["pupils"], 22);
    assert_eq!(n["referred"], 20);
    let under_16 = n["by_age"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "under_16")
        .unwrap();
    assert_eq!(under_16["people"], 21);
    let orientation = n["by_topic"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "orientation")
        .unwrap();
    assert_eq!(orientation["people"], 2);
    let month = &n["by_month"].as_array().unwrap()[0];
    assert_eq!(month["people"], 25);

    // The page and the export say the same.
    let page = coordinator
        .get(&format!("/espaces-metiers/chiffres?site={site}"))
        .await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("8,0 %"), "{}", page.text);
    let csv = coordinator
        .get(&format!("/espaces-metiers/chiffres.csv?site={site}"))
        .await;
    csv.assert_status(StatusCode::OK);
    let line = csv
        .text
        .lines()
        .find(|l| l.starts_with("Antenne de Lannion"))
        .unwrap();
    assert!(line.contains(";6;25;21;2;1;1;8,0;22;20;"), "{line}");

    // The whole host: Saint-Brieuc's demo visits are added to the network figures.
    let all = coordinator
        .api_get("/api/v1/sites/figures", &token)
        .await
        .json();
    assert_eq!(all["sites"].as_array().unwrap().len(), 2, "{all}");
    let sum: i64 = all["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["people"].as_i64().unwrap())
        .sum();
    assert_eq!(all["network"]["people"].as_i64().unwrap(), sum);
}

async fn a_coordinator_sees_only_the_sites_of_their_host(app: TestApp) {
    let app = app.with_demo().await;
    let mut lorient = app.login_as(LORIENT).await;
    let token = lorient.new_api_token().await;
    let brieuc = site_id(&mut lorient, "Espace Métiers de Saint-Brieuc").await;
    let own = site_id(&mut lorient, "Espace Métiers de Lorient").await;

    // Pages of another host's site: 404.
    lorient
        .get(&format!("/espaces-metiers/{brieuc}/visites"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    lorient
        .get(&format!("/espaces-metiers/{brieuc}/modifier"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    lorient
        .get(&format!("/espaces-metiers/chiffres?site={brieuc}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    lorient
        .get(&format!("/espaces-metiers/chiffres.csv?site={brieuc}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // API: no visit logged there, no figures.
    lorient
        .api_json(
            "POST",
            &format!("/api/v1/sites/{brieuc}/visits"),
            &token,
            json!({"age_band": "16_25", "situation": "pupil", "topic": "orientation"}),
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    lorient
        .api_get(&format!("/api/v1/sites/figures?site={brieuc}"), &token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Their own figures: only their site.
    let f = lorient
        .api_get("/api/v1/sites/figures", &token)
        .await
        .json();
    let sites = f["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 1, "{f}");
    assert_eq!(sites[0]["site_id"], own.as_str());
    assert_eq!(f["network"]["people"], sites[0]["people"]);
    let csv = lorient.get("/espaces-metiers/chiffres.csv").await;
    assert!(csv.contains("Espace Métiers de Lorient"));
    assert!(!csv.contains("Saint-Brieuc"), "{}", csv.text);
    let page = lorient.get("/espaces-metiers/chiffres").await;
    assert!(!page.contains("Saint-Brieuc"));
    // Their own site through the API works.
    lorient
        .api_json(
            "POST",
            &format!("/api/v1/sites/{own}/visits"),
            &token,
            json!({"age_band": "16_25", "situation": "pupil", "topic": "orientation"}),
        )
        .await
        .assert_status(StatusCode::CREATED);

    // The regional team sees the whole network; others see no figures.
    let mut admin = app.login_as(ADMIN).await;
    let admin_token = admin.new_api_token().await;
    let f = admin
        .api_get("/api/v1/sites/figures", &admin_token)
        .await
        .json();
    assert_eq!(f["sites"].as_array().unwrap().len(), 2);
    let mut teacher = app.login_as("teacher@demo.passerelle.test").await;
    teacher
        .get("/espaces-metiers/chiffres")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // The public list of sites is open to everyone.
    let mut visitor = app.client();
    let list = visitor.get("/espaces-metiers").await;
    assert!(
        list.contains("Espace Métiers de Lorient")
            && list.contains("Espace Métiers de Saint-Brieuc")
    );
}

/// The Saint-Brieuc coordinator creates a company visit with `capacity` places, through the
/// site's page; returns the event's address.
pub(crate) async fn new_event(coordinator: &mut Client<'_>, capacity: &str) -> String {
    let brieuc = site_id(coordinator, "Espace Métiers de Saint-Brieuc").await;
    coordinator.get(&format!("/espaces-metiers/{brieuc}")).await;
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
                ("date", &day(14)),
                ("time", "09:30"),
                ("capacity", capacity),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.location()
}

async fn event_registrations_never_exceed_capacity(app: TestApp) {
    let app = app.with_demo().await;
    let mut coordinator = app.login_as(COORDINATOR).await;
    let event = new_event(&mut coordinator, "3").await;

    // Eight people register at once for three places.
    let mut visitors: Vec<Client<'_>> = (0..8).map(|_| app.client()).collect();
    for v in visitors.iter_mut() {
        v.get(&event).await.assert_status(StatusCode::OK);
    }
    let emails: Vec<String> = (0..8).map(|i| format!("visiteur{i}@exemple.fr")).collect();
    let path = format!("{event}/inscription");
    let fields: Vec<[(&str, &str); 2]> = emails
        .iter()
        .map(|e| [("name", "Camille Le Gall"), ("email", e.as_str())])
        .collect();
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
        .filter(|r| r.status == StatusCode::CONFLICT)
        .count();
    assert_eq!(
        (ok, full),
        (3, 5),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(
        answers
            .iter()
            .any(|r| r.contains("Cet événement est complet"))
    );

    // The coordinator sees three people and a full event.
    let page = coordinator.get(&event).await;
    assert!(page.contains("Inscrit·es (3)"), "{}", page.text);
    assert!(page.contains("Complet"));
    let registered = emails.iter().filter(|e| page.contains(e.as_str())).count();
    assert_eq!(registered, 3);
    // Each registered person got a confirmation.
    let mails = app.mails().await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.subject.contains("Inscription confirmée"))
            .count(),
        3
    );
    // A visitor sees no one's name.
    let public = app.client().get(&event).await;
    assert!(!public.contains("visiteur0@exemple.fr"));

    // One of the three cannot come: the link of their confirmation gives the place back.
    let mail = mails
        .iter()
        .find(|m| m.subject.contains("Inscription confirmée") && page.contains(m.to.as_str()))
        .unwrap();
    let link = mail
        .body
        .split_whitespace()
        .find(|w| w.contains("/evenements/annulation/"))
        .unwrap()
        .to_owned();
    let path = &link[link.find("/evenements/").unwrap()..];
    let mut person = app.client();
    let confirm = person.get(path).await;
    confirm.assert_status(StatusCode::OK);
    assert!(
        confirm.contains("Visite de la conserverie"),
        "{}",
        confirm.text
    );
    assert!(confirm.contains("Annuler mon inscription"));
    assert!(page.contains("Inscrit·es (3)"), "nothing changes on GET");
    let r = person.post_form(path, &[]).await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), event);
    let page = coordinator.get(&event).await;
    assert!(page.contains("Inscrit·es (2)"), "{}", page.text);
    assert!(!page.contains(mail.to.as_str()));
    assert!(page.contains("1 place disponible sur 3"));
    assert!(
        app.last_mail_to(&mail.to)
            .await
            .subject
            .contains("Inscription annulée")
    );
    // The link works once; a made-up one is unknown.
    person
        .post_form(path, &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);
    person
        .get("/evenements/annulation/inconnu")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Someone else takes the place.
    let mut late = app.client();
    late.get(&event).await;
    late.post_form(
        &format!("{event}/inscription"),
        &[("name", "Loïc Tanguy"), ("email", "loic@exemple.fr")],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
}

/// The public registration form takes places and sends mails: one connection cannot fill an
/// event nor flood an address (the shared database throttle, as every mail-sending form).
async fn event_registrations_are_throttled(app: TestApp) {
    let app = app.with_demo().await;
    let mut coordinator = app.login_as(COORDINATOR).await;
    let brieuc = site_id(&mut coordinator, "Espace Métiers de Saint-Brieuc").await;
    coordinator.get(&format!("/espaces-metiers/{brieuc}")).await;
    let r = coordinator
        .post_form(
            &format!("/espaces-metiers/{brieuc}/evenements"),
            &[
                ("kind", "company_visit"),
                ("title", "Visite de la biscuiterie"),
                (
                    "description",
                    "Découverte des métiers de l’agroalimentaire.",
                ),
                ("date", &day(14)),
                ("time", "09:30"),
                ("capacity", "40"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let event = r.location();
    let path = format!("{event}/inscription");

    // One connection: ten registrations, then a French refusal and no place taken.
    let mut bot = app.client();
    bot.get(&event).await;
    for i in 0..10 {
        let email = format!("inscrit{i}@exemple.fr");
        bot.post_form(&path, &[("name", "Camille Le Gall"), ("email", &email)])
            .await
            .assert_status(StatusCode::SEE_OTHER);
    }
    let refused = bot
        .post_form(
            &path,
            &[
                ("name", "Camille Le Gall"),
                ("email", "inscrit10@exemple.fr"),
            ],
        )
        .await;
    refused.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.contains("Trop d’inscriptions"), "{}", refused.text);

    // Nothing of the refused attempt was kept: ten people registered.
    let page = coordinator.get(&event).await;
    assert!(page.contains("Inscrit·es (10)"), "{}", page.text);
    assert!(!page.contains("inscrit10@exemple.fr"));
}
