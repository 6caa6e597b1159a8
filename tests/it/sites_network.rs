//! The Espaces Métiers network at work: relay sites attached to a central site (the central
//! site's coordinators see their relays' figures), each site's yearly action plan written by
//! its coordinators and reviewed by the regional team, and the sites' events in the regional
//! agenda and its iCalendar feeds.

use axum::http::StatusCode;
use chrono::Datelike;

use crate::both_backends;
use crate::content::{parse_ics, unescape};
use crate::helpers::{Client, TestApp};
use crate::sites::{COORDINATOR, site_id};

both_backends!(
    relay_sites_and_their_figures,
    action_plan_written_submitted_reviewed,
    site_events_in_the_agenda_and_feeds,
);

const LORIENT: &str = "coordinatrice.lorient@demo.passerelle.test";
const ADMIN: &str = "regional_admin@demo.passerelle.test";
const BRIEUC: &str = "Espace Métiers de Saint-Brieuc";
const LORIENT_SITE: &str = "Espace Métiers de Lorient";

/// Publishes an event at a site in `days` days at 14:00; returns its page.
async fn publish_event(client: &mut Client<'_>, site: &str, title: &str, days: i64) -> String {
    let date = (passerelle::clock::today_paris() + chrono::Duration::days(days))
        .format("%d/%m/%Y")
        .to_string();
    client.get(&format!("/espaces-metiers/{site}")).await;
    let r = client
        .post_form(
            &format!("/espaces-metiers/{site}/evenements"),
            &[
                ("kind", "workshop"),
                ("title", title),
                ("description", "Apportez votre CV."),
                ("date", date.as_str()),
                ("time", "14:00"),
                ("capacity", "10"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    r.location()
}

fn site_figures<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["site_id"] == id)
        .unwrap_or_else(|| panic!("no site {id} in {report}"))
}

async fn relay_sites_and_their_figures(app: TestApp) {
    let app = app.with_demo().await;
    let mut admin = app.login_as(ADMIN).await;
    let mut brieuc_coordinator = app.login_as(COORDINATOR).await;
    let mut lorient_coordinator = app.login_as(LORIENT).await;
    let brieuc = site_id(&mut admin, BRIEUC).await;
    let lorient = site_id(&mut admin, LORIENT_SITE).await;
    let brieuc_token = brieuc_coordinator.new_api_token().await;
    let lorient_token = lorient_coordinator.new_api_token().await;

    // Lorient publishes an event; the year it falls in is the year of the figures.
    let day = passerelle::clock::today_paris() + chrono::Duration::days(1);
    publish_event(&mut lorient_coordinator, &lorient, "Atelier CV", 1).await;
    let figures = format!("/api/v1/sites/figures?annee={}", day.year());

    // Before: Saint-Brieuc's coordinator sees only their site.
    let before = brieuc_coordinator
        .api_get(&figures, &brieuc_token)
        .await
        .json();
    assert_eq!(before["sites"].as_array().unwrap().len(), 1, "{before}");

    // Only the regional team attaches a relay: the coordinators are refused.
    let r = brieuc_coordinator
        .post_form(
            &format!("/espaces-metiers/{lorient}/site-central"),
            &[("central_site_id", brieuc.as_str())],
        )
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    let page = admin.get(&format!("/espaces-metiers/{lorient}")).await;
    assert!(
        page.contains("Rattachement à un site central"),
        "{}",
        page.text
    );
    let r = admin
        .post_form(
            &format!("/espaces-metiers/{lorient}/site-central"),
            &[("central_site_id", brieuc.as_str())],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);

    // The public pages name the central site and its relays.
    let mut visitor = app.client();
    let central = visitor.get(&format!("/espaces-metiers/{brieuc}")).await;
    assert!(central.contains("Sites relais"), "{}", central.text);
    assert!(central.contains(LORIENT_SITE));
    let relay = visitor.get(&format!("/espaces-metiers/{lorient}")).await;
    assert!(relay.contains("Site relais de l’"), "{}", relay.text);
    assert!(relay.contains(BRIEUC));
    assert!(!relay.contains("Rattachement à un site central"));

    // One level only: a central site does not become a relay.
    let r = admin
        .post_form(
            &format!("/espaces-metiers/{brieuc}/site-central"),
            &[("central_site_id", lorient.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The central site's coordinator sees the relay's figures with theirs, as the relay's
    // own coordinator sees them: visits and events.
    let with_relay = brieuc_coordinator
        .api_get(&figures, &brieuc_token)
        .await
        .json();
    assert_eq!(with_relay["sites"].as_array().unwrap().len(), 2);
    let own = lorient_coordinator
        .api_get(&figures, &lorient_token)
        .await
        .json();
    let seen = site_figures(&with_relay, &lorient);
    let theirs = site_figures(&own, &lorient);
    assert_eq!(seen["people"], theirs["people"]);
    assert_eq!(seen["visits"], theirs["visits"]);
    assert_eq!(seen["events"].as_i64(), Some(1), "{seen}");
    assert_eq!(theirs["events"].as_i64(), Some(1));
    assert_eq!(seen["relay_of"], BRIEUC);
    let sum: i64 = with_relay["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["people"].as_i64().unwrap())
        .sum();
    assert_eq!(with_relay["network"]["people"].as_i64(), Some(sum));
    let page = brieuc_coordinator
        .get(&format!("/espaces-metiers/chiffres?annee={}", day.year()))
        .await;
    assert!(
        page.contains("site relais de Espace Métiers de Saint-Brieuc"),
        "{}",
        page.text
    );
    assert!(page.contains(LORIENT_SITE));
    let one = brieuc_coordinator
        .api_get(&format!("{figures}&site={lorient}"), &brieuc_token)
        .await;
    one.assert_status(StatusCode::OK);

    // The relay's coordinator does not see the central site's figures.
    lorient_coordinator
        .api_get(&format!("{figures}&site={brieuc}"), &lorient_token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(own["sites"].as_array().unwrap().len(), 1, "{own}");
    // Seeing figures is not running the site: its visit log stays closed.
    brieuc_coordinator
        .get(&format!("/espaces-metiers/{lorient}/visites"))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Detached, the relay's figures leave the central site's view.
    let r = admin
        .post_form(
            &format!("/espaces-metiers/{lorient}/site-central"),
            &[("central_site_id", "")],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let after = brieuc_coordinator
        .api_get(&figures, &brieuc_token)
        .await
        .json();
    assert_eq!(after["sites"].as_array().unwrap().len(), 1, "{after}");
    brieuc_coordinator
        .api_get(&format!("{figures}&site={lorient}"), &brieuc_token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

/// The id in `name="<field>" value="…"` of a page.
fn hidden_value(page: &str, field: &str) -> String {
    let marker = format!("name=\"{field}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {field}")) + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

async fn action_plan_written_submitted_reviewed(app: TestApp) {
    let app = app.with_demo().await;
    let mut coordinator = app.login_as(LORIENT).await;
    let mut other = app.login_as(COORDINATOR).await;
    let mut admin = app.login_as(ADMIN).await;
    let lorient = site_id(&mut coordinator, LORIENT_SITE).await;
    let brieuc = site_id(&mut coordinator, BRIEUC).await;
    let year = passerelle::clock::today_paris().year().to_string();
    let plan = format!("/espaces-metiers/{lorient}/plan?annee={year}");
    let post = |what: &str| format!("/espaces-metiers/{lorient}/plan/{what}");

    let page = coordinator.get(&plan).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Pas encore commencé"), "{}", page.text);
    // The demo visits of the year are beside the objectives.
    assert!(page.contains("personnes accueillies"));

    // Another host's coordinator: 404 everywhere, reading or writing.
    other.get(&plan).await.assert_status(StatusCode::NOT_FOUND);
    let r = other
        .post_form(&post("objectifs"), &[("annee", &year), ("text", "x")])
        .await;
    r.assert_status(StatusCode::NOT_FOUND);
    other
        .post_form(&post("transmission"), &[("annee", &year)])
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Nothing to submit yet.
    let r = coordinator
        .post_form(&post("transmission"), &[("annee", &year)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Ajoutez au moins un objectif"));
    // A target that is not a figure: the form again, with what was typed.
    let r = coordinator
        .post_form(
            &post("objectifs"),
            &[
                ("annee", &year),
                ("text", "Accueillir 500 jeunes"),
                ("target", "beaucoup"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("La cible est un nombre entier positif"));
    assert!(r.contains("Accueillir 500 jeunes"));
    coordinator
        .post_form(
            &post("objectifs"),
            &[
                ("annee", &year),
                ("text", "Accueillir 500 jeunes"),
                ("target", "500"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    coordinator
        .post_form(
            &post("actions"),
            &[
                ("annee", &year),
                ("title", "Forum des métiers de la mer"),
                ("period", "mars"),
                ("audience", "Lycéens"),
                ("partner", "Lycée maritime d’Étel"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // The regional team reads but does not write in the site's place.
    admin
        .post_form(&post("objectifs"), &[("annee", &year), ("text", "x")])
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // Not submitted yet: nothing to review.
    let r = admin
        .post_form(
            &post("avis"),
            &[("annee", &year), ("decision", "validated")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    coordinator
        .post_form(&post("transmission"), &[("annee", &year)])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = coordinator.get(&plan).await;
    assert!(page.contains("Transmis à la Région"));
    assert!(page.contains("Forum des métiers de la mer"));
    assert!(!page.contains("Ajouter un objectif"));
    let r = coordinator
        .post_form(
            &post("objectifs"),
            &[("annee", &year), ("text", "Plus tard")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // « À revoir » needs a reason; the coordinators get it by mail.
    let page = admin.get(&plan).await;
    assert!(page.contains("Avis de la Région"));
    let r = admin
        .post_form(
            &post("avis"),
            &[("annee", &year), ("decision", "to_revise")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Indiquez pourquoi le plan est à revoir"));
    admin
        .post_form(
            &post("avis"),
            &[
                ("annee", &year),
                ("decision", "to_revise"),
                (
                    "comment",
                    "Ajoutez une action avec les entreprises du port.",
                ),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mail = app.last_mail_to(LORIENT).await;
    assert_eq!(
        mail.subject,
        format!("Plan d’action {year} à revoir : Espace Métiers de Lorient")
    );
    assert!(
        mail.body
            .contains("Ajoutez une action avec les entreprises du port.")
    );
    assert!(
        mail.body
            .contains(&format!("/espaces-metiers/{lorient}/plan?annee={year}"))
    );
    assert!(
        !app.mails()
            .await
            .iter()
            .any(|m| m.to.contains(COORDINATOR) && m.subject.contains("Plan d’action")),
        "another host's coordinators are not told"
    );

    // Revised, submitted again, validated.
    let page = coordinator.get(&plan).await;
    assert!(page.contains("À revoir"));
    assert!(page.contains("Ajoutez une action avec les entreprises du port."));
    coordinator
        .post_form(
            &post("actions"),
            &[
                ("annee", &year),
                ("title", "Visites du port de pêche"),
                ("period", "mai"),
                ("audience", "Collégiens"),
                ("partner", ""),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    coordinator
        .post_form(&post("transmission"), &[("annee", &year)])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    admin
        .post_form(
            &post("avis"),
            &[("annee", &year), ("decision", "validated")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mail = app.last_mail_to(LORIENT).await;
    assert_eq!(
        mail.subject,
        format!("Plan d’action {year} validé : Espace Métiers de Lorient")
    );

    // Results and the follow-up of actions go on after validation.
    let page = coordinator.get(&plan).await;
    assert!(page.contains("Validé"));
    let objective = hidden_value(&page.text, "objective_id");
    let action = hidden_value(&page.text, "action_id");
    coordinator
        .post_form(
            &post("resultats"),
            &[
                ("annee", &year),
                ("objective_id", &objective),
                ("achieved", "212"),
                ("comment", "Deux forums annulés pour la tempête."),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    coordinator
        .post_form(
            &post("etat-action"),
            &[("annee", &year), ("action_id", &action), ("status", "done")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = admin.get(&plan).await;
    assert!(page.contains("212"));
    assert!(page.contains("Deux forums annulés pour la tempête."));
    assert!(page.contains("Réalisée"));
    // An objective of another site's plan is not reached through this one.
    let r = other
        .post_form(
            &format!("/espaces-metiers/{brieuc}/plan/resultats"),
            &[
                ("annee", &year),
                ("objective_id", &objective),
                ("achieved", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Cet objectif n’est pas dans le plan."));
    // Saint-Brieuc's demo plan, submitted, is theirs to read.
    let demo = other
        .get(&format!("/espaces-metiers/{brieuc}/plan?annee={year}"))
        .await;
    demo.assert_status(StatusCode::OK);
    assert!(demo.contains("Transmis à la Région"));
    coordinator
        .get(&format!("/espaces-metiers/{brieuc}/plan?annee={year}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn site_events_in_the_agenda_and_feeds(app: TestApp) {
    let app = app.with_demo().await;
    let mut coordinator = app.login_as(LORIENT).await;
    let lorient = site_id(&mut coordinator, LORIENT_SITE).await;
    let title = "Atelier CV; lettre, entretien";
    let event = publish_event(&mut coordinator, &lorient, title, 3).await;
    let day = passerelle::clock::today_paris() + chrono::Duration::days(3);
    let month = day.format("%Y-%m").to_string();

    // The agenda of the month, the region and Morbihan; not Ille-et-Vilaine.
    let mut visitor = app.client();
    let page = visitor.get(&format!("/agenda?mois={month}")).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains(title), "{}", page.text);
    assert!(page.contains(&format!("href=\"{event}\"")));
    assert!(page.contains("Espace Métiers de Lorient, 2 quai des Indes, Lorient"));
    let label = passerelle::web::long_date_fr(&day);
    assert!(page.contains(&format!("{label}, 14:00")), "{}", page.text);
    let morbihan = visitor
        .get(&format!("/agenda?territoire=56&mois={month}"))
        .await;
    assert!(morbihan.contains(title));
    let ille = visitor
        .get(&format!("/agenda?territoire=35&mois={month}"))
        .await;
    assert!(!ille.contains(title));
    // Words find it too.
    let found = visitor.get("/agenda?q=entretien%20lettre").await;
    assert!(found.contains(title), "{}", found.text);
    let none = visitor.get("/agenda?q=aquaculture").await;
    assert!(!none.contains(title));

    // The feeds: Morbihan's and the region's, not Ille-et-Vilaine's.
    let ics = visitor.get("/agenda/56.ics").await;
    ics.assert_status(StatusCode::OK);
    let events = parse_ics(&ics.text);
    let ours = events
        .iter()
        .find(|e| {
            e.iter()
                .any(|(n, v)| n == "SUMMARY" && unescape(v) == title)
        })
        .unwrap_or_else(|| panic!("not in the 56 feed: {}", ics.text));
    let get = |name: &str| {
        ours.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let start = passerelle::clock::paris_to_utc(day.and_hms_opt(14, 0, 0).unwrap());
    assert_eq!(get("DTSTART"), start.format("%Y%m%dT%H%M%SZ").to_string());
    assert_eq!(
        unescape(&get("LOCATION")),
        "Espace Métiers de Lorient, 2 quai des Indes, Lorient"
    );
    assert!(get("URL").ends_with(&event), "{}", get("URL"));
    assert!(unescape(&get("DESCRIPTION")).contains("10 places disponibles"));
    assert!(get("UID").contains(event.trim_start_matches("/evenements/")));
    let region = parse_ics(&visitor.get("/agenda.ics").await.text);
    assert!(region.iter().any(|e| {
        e.iter()
            .any(|(n, v)| n == "SUMMARY" && unescape(v) == title)
    }));
    let ille = parse_ics(&visitor.get("/agenda/35.ics").await.text);
    assert!(!ille.iter().any(|e| {
        e.iter()
            .any(|(n, v)| n == "SUMMARY" && unescape(v) == title)
    }));
}
