//! The front door: the home page's figures match the database and every audience finds its
//! way; one search finds offers, funded sessions, discovery actions and events, and each tab
//! leads to that kind's own page with the same words and place, counting the same.

use axum::http::StatusCode;
use diesel::prelude::*;

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(
    the_home_page_counts_what_the_database_holds_and_leads_each_audience,
    one_search_finds_every_kind_and_each_tab_leads_to_its_own_page,
    a_place_that_is_unknown_or_ambiguous_is_asked_again_in_french,
);

/// The text of an element that follows `marker` (up to the next `<`).
fn after<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in page:\n{html}"))
        + marker.len();
    let rest = &html[start..];
    &rest[..rest.find('<').unwrap_or(rest.len())]
}

/// The `href` of the link whose text contains `text`, decoded as a browser would.
fn link_to(html: &str, text: &str) -> String {
    // The page's own links, not the header's menus.
    let html = &html[html.find("<main").unwrap_or(0)..];
    let at = html
        .find(text)
        .unwrap_or_else(|| panic!("no link « {text} » in:\n{html}"));
    let start = html[..at].rfind("href=\"").expect("a link") + "href=\"".len();
    let end = start + html[start..].find('"').expect("end of href");
    html[start..end].replace("&#38;", "&").replace("&amp;", "&")
}

async fn get_ok(client: &mut Client<'_>, path: &str) -> String {
    let r = client.get(path).await;
    r.assert_status(StatusCode::OK);
    r.text
}

async fn the_home_page_counts_what_the_database_holds_and_leads_each_audience(app: TestApp) {
    let app = app.with_demo().await;
    let (offers, sessions, actions, events): (i64, i64, i64, i64) = app
        .state
        .db
        .run(|conn| {
            use passerelle::db::schema::*;
            let today = passerelle::clock::today_paris();
            let now = passerelle::db::now();
            Ok((
                offers::table
                    .filter(offers::status.eq("published"))
                    .count()
                    .get_result(conn)?,
                training_sessions::table
                    .filter(training_sessions::funded.eq(true))
                    .filter(
                        training_sessions::end_date
                            .ge(today)
                            .or(training_sessions::end_date.is_null()),
                    )
                    .count()
                    .get_result(conn)?,
                discovery_actions::table
                    .filter(discovery_actions::active.eq(true))
                    .count()
                    .get_result(conn)?,
                content_events::table
                    .filter(content_events::ends_at.ge(now))
                    .count()
                    .get_result(conn)?,
            ))
        })
        .await
        .unwrap();
    assert!(offers > 0 && sessions > 0 && actions > 0 && events > 0);
    let mut visitor = app.client();
    let home = get_ok(&mut visitor, "/").await;
    for (href, count) in [
        ("/offres", offers),
        ("/formations?financees=oui", sessions),
        ("/decouverte-metiers", actions),
        ("/agenda", events),
    ] {
        let figure = format!("<a class=\"figure\" href=\"{href}\">");
        let card = &home[home.find(&figure).expect("a figure card")..];
        assert_eq!(
            after(card, "<span class=\"figure-number\">"),
            count.to_string(),
            "figure of {href}"
        );
    }
    // An event announced by an editor: the figure follows.
    let mut editor = app.login_as("editor@demo.passerelle.test").await;
    get_ok(&mut editor, "/redaction/agenda").await;
    let day = (passerelle::clock::today_paris() + chrono::Duration::days(10))
        .format("%d/%m/%Y")
        .to_string();
    let r = editor
        .post_form(
            "/redaction/agenda",
            &[
                ("kind", "open_day"),
                ("title", "Portes ouvertes du fournil"),
                ("description", "Visite du fournil."),
                ("date", &day),
                ("start", "09:00"),
                ("end", "12:00"),
                ("place", "Rennes"),
                ("organiser", "Boulangerie Le Goff"),
                ("territory", "35"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text);
    let home = get_ok(&mut visitor, "/").await;
    let card = &home[home.find("<a class=\"figure\" href=\"/agenda\">").unwrap()..];
    assert_eq!(
        after(card, "<span class=\"figure-number\">"),
        (events + 1).to_string()
    );

    // One entry per audience, each leading somewhere a visitor may go.
    for (audience, href) in [
        ("Jeune ou adulte en recherche", "/offres"),
        ("Jeune ou adulte en recherche", "/inscription/candidat"),
        ("Parent", "/documentation/page-pour-les-parents"),
        ("Entreprise", "/inscription/entreprise"),
        (
            "Établissement scolaire, enseignant·e",
            "/decouverte-metiers",
        ),
        (
            "Professionnel·le de l’orientation et de l’emploi",
            "/partenaires",
        ),
        (
            "Professionnel·le de l’orientation et de l’emploi",
            "/programme",
        ),
    ] {
        let section = &home[home.find(&format!("<h3>{audience}</h3>")).unwrap()..];
        let section = &section[..section.find("</li>\n    </ul>").unwrap_or(section.len())];
        assert!(
            section.contains(&format!("href=\"{href}\"")),
            "{audience} leads to {href}"
        );
        get_ok(&mut visitor, href).await;
    }
    let parents = get_ok(&mut visitor, "/documentation/page-pour-les-parents").await;
    assert!(parents.contains("Votre enfant envisage l’alternance"));

    // The visitor's department: its events and the region-wide ones, not another's.
    let finistere = get_ok(&mut visitor, "/?territoire=29").await;
    assert!(finistere.contains("Près de chez vous : Finistère"));
    assert!(finistere.contains("Mercredi de l’alternance à Quimper"));
    assert!(finistere.contains("Webinaire : les aides à l’embauche d’apprentis"));
    assert!(!finistere.contains("Mercredi de l’alternance à Rennes"));
    assert!(finistere.contains("Métiers de la mer : la filière recrute dans le Finistère"));
    assert!(!finistere.contains("Forum de l’apprentissage à Rennes"));
    // The search box is a plain form: it works without JavaScript.
    assert!(home.contains("<form method=\"get\" action=\"/recherche\""));
    assert!(home.contains("name=\"q\"") && home.contains("name=\"lieu\""));
}

/// The count a tab shows.
fn tab_count(html: &str, label: &str) -> usize {
    let marker = format!("<span class=\"tab-label\">{label}</span> <span class=\"tab-count\">");
    after(html, &marker).parse().expect("a count")
}

async fn one_search_finds_every_kind_and_each_tab_leads_to_its_own_page(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    let page = get_ok(&mut visitor, "/recherche?q=boulanger&lieu=Rennes").await;
    assert!(page.contains("autour de Rennes (35000)"));
    assert_eq!(tab_count(&page, "Offres d’alternance"), 1);
    assert_eq!(tab_count(&page, "Formations financées"), 2);
    assert_eq!(tab_count(&page, "Découverte des métiers"), 2);
    assert_eq!(tab_count(&page, "Agenda"), 0);
    // The first kind with results is shown: the bakery's offer.
    assert!(page.contains("Apprenti·e boulanger·ère"));
    assert!(page.contains("aria-current=\"page\""));

    // Each tab, then its own page with the same words and place, counting the same.
    for (kind, label, own_page, own_count) in [
        (
            "offres",
            "la recherche d’offres",
            "/offres?",
            "1 offre autour de Rennes",
        ),
        (
            "formations",
            "la recherche de formations",
            "/formations?",
            "2 sessions autour de Rennes",
        ),
        (
            "decouverte",
            "Cap sur les métiers",
            "/decouverte-metiers?",
            "2 actions",
        ),
    ] {
        let tab_href = link_to(&page, &format!(">{}", tab_label(kind)));
        assert!(tab_href.contains(&format!("type={kind}")), "{tab_href}");
        let tab = get_ok(&mut visitor, &tab_href).await;
        let more = link_to(&tab, &format!("dans {label}"));
        assert!(more.starts_with(own_page), "{more}");
        assert!(more.contains("q=boulanger"), "{more}");
        assert!(more.contains("commune=Rennes+%2835000%29"), "{more}");
        let own = get_ok(&mut visitor, &more).await;
        assert!(own.contains(own_count), "{more} should say {own_count}");
    }
    let sessions = get_ok(
        &mut visitor,
        "/recherche?q=boulanger&lieu=Rennes&type=formations",
    )
    .await;
    assert!(sessions.contains("CAP Boulanger en un an"));
    assert!(sessions.contains("Voir les 2 résultats dans la recherche de formations"));
    let actions = get_ok(
        &mut visitor,
        "/recherche?q=boulanger&lieu=Rennes&type=decouverte",
    )
    .await;
    assert!(actions.contains("Visite du fournil de la Boulangerie Le Goff"));
    assert!(actions.contains("Un boulanger dans votre classe"));

    // Events: words of the agenda, anywhere in the region.
    let events = get_ok(&mut visitor, "/recherche?q=portes+ouvertes").await;
    assert_eq!(tab_count(&events, "Agenda"), 2);
    assert_eq!(tab_count(&events, "Offres d’alternance"), 0);
    assert!(events.contains("Portes ouvertes du CFA des métiers"));
    let more = link_to(&events, "dans l’agenda");
    assert_eq!(more, "/agenda?q=portes+ouvertes");
    let agenda = get_ok(&mut visitor, &more).await;
    assert_eq!(agenda.matches("class=\"card agenda-event\"").count(), 2);
    assert!(agenda.contains("Portes ouvertes des lycées professionnels"));
    // Near Brest, the agenda keeps to the Finistère and the region-wide events.
    let near_brest = get_ok(
        &mut visitor,
        "/recherche?q=m%C3%A9tiers&lieu=29200&type=agenda",
    )
    .await;
    assert!(near_brest.contains("Salon des métiers de la mer"));
    assert!(!near_brest.contains("Portes ouvertes du CFA des métiers"));

    // An occupation chosen in the autocompletion (its ROME code) searches that occupation.
    let by_code = get_ok(&mut visitor, "/recherche?q=D1102&lieu=35000").await;
    assert!(by_code.contains("Boulanger / Boulangère"));
    assert_eq!(tab_count(&by_code, "Offres d’alternance"), 1);
    assert!(link_to(&by_code, "dans la recherche d’offres").contains("metier=D1102"));

    // Nothing asked: everything, as each kind's page counts it.
    let everything = get_ok(&mut visitor, "/recherche").await;
    assert_eq!(tab_count(&everything, "Offres d’alternance"), 3);
    // Repeated or unknown parameters are not an error.
    let odd = get_ok(
        &mut visitor,
        "/recherche?q=x&q=boulanger&type=nimporte&foo=1",
    )
    .await;
    let plain = get_ok(&mut visitor, "/recherche?q=boulanger").await;
    assert_eq!(
        tab_count(&odd, "Offres d’alternance"),
        tab_count(&plain, "Offres d’alternance")
    );
    assert_eq!(tab_count(&plain, "Offres d’alternance"), 1);
}

fn tab_label(kind: &str) -> &'static str {
    match kind {
        "offres" => "Offres d’alternance",
        "formations" => "Formations financées",
        "decouverte" => "Découverte des métiers",
        _ => "Agenda",
    }
}

async fn a_place_that_is_unknown_or_ambiguous_is_asked_again_in_french(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    let r = visitor
        .get("/recherche?q=boulanger&lieu=Nullepart-sur-Mer")
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Nous ne trouvons pas la commune « Nullepart-sur-Mer »"));
    assert!(!r.contains("class=\"tabs\""));
    let r = visitor
        .get("/recherche?q=boulanger&lieu=Saint-Martin")
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Plusieurs communes répondent à « Saint-Martin »"));
    let choice = link_to(&r.text, "Saint-Martin (32300)");
    assert_eq!(
        choice,
        "/recherche?q=boulanger&lieu=Saint-Martin+%2832300%29"
    );
    let chosen = get_ok(&mut visitor, &choice).await;
    assert!(chosen.contains("autour de Saint-Martin (32300)"));
    assert_eq!(tab_count(&chosen, "Offres d’alternance"), 0);
}
