//! News, agenda and documentation: editors-only publishing, safe Markdown, iCalendar and
//! Atom feeds that parse.

use axum::http::StatusCode;
use chrono::Datelike;

use crate::both_backends;
use crate::helpers::TestApp;

const NASTY: &str = "# Bonjour\n\nTexte <script>alert('x')</script> et <img src=x onerror=alert(1)>.\n\n[piège](javascript:alert(1)) [bon lien](https://www.alternance.emploi.gouv.fr) [écrire](mailto:a@b.fr) [relatif](/agenda)\n\n<div onclick=\"alert(2)\">bloc</div>\n\n[réf][r]\n\n[r]: JaVaScRiPt:alert(3)\n";

/// Every `<` of the output opens a tag of the renderer's, none with an event handler, no
/// script and no dangerous address.
fn assert_safe(html: &str) {
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "{html}");
    assert!(!lower.contains("javascript:"), "{html}");
    assert!(!lower.contains("<img"), "{html}");
    assert!(!lower.contains("<div onclick"), "{html}");
    for tag in lower.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        assert!(
            !tag.split_whitespace().skip(1).any(|a| a.starts_with("on")),
            "event handler in <{tag}>"
        );
    }
}

async fn editors_publish_safely_and_others_cannot(app: TestApp) {
    let app = app.with_demo().await;
    // Other roles: 403 on the editor's pages and posts; visitors are sent to log in.
    let mut visitor = app.client();
    let r = visitor.get("/redaction/actualites").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/connexion"));
    for who in [
        "prescriber@demo.passerelle.test",
        "training_staff@demo.passerelle.test",
        "info_officer@demo.passerelle.test",
    ] {
        let mut c = app.login_as(who).await;
        c.get("/redaction")
            .await
            .assert_status(StatusCode::FORBIDDEN);
        c.get("/redaction/pages")
            .await
            .assert_status(StatusCode::FORBIDDEN);
        c.get("/actualites").await;
        let r = c
            .post_form(
                "/redaction/actualites",
                &[("title", "Intrus"), ("body", "x"), ("territory", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        let r = c
            .post_form(
                "/redaction/agenda",
                &[
                    ("kind", "fair"),
                    ("title", "Intrus"),
                    ("date", "02/12/2026"),
                    ("start", "10:00"),
                    ("end", "11:00"),
                    ("place", "x"),
                    ("organiser", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    let list = visitor.get("/actualites").await;
    assert!(!list.contains("Intrus"));

    // The editor publishes news for Ille-et-Vilaine, with hostile Markdown.
    let mut editor = app.login_as("editor@demo.passerelle.test").await;
    editor
        .get("/redaction/actualites")
        .await
        .assert_status(StatusCode::OK);
    let r = editor
        .post_form(
            "/redaction/actualites",
            &[("title", ""), ("body", ""), ("territory", "99")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Le titre est obligatoire"));
    assert!(r.contains("Territoire inconnu"));
    let r = editor
        .post_form(
            "/redaction/actualites",
            &[
                ("title", "Job dating à Rennes"),
                ("summary", "Des recruteurs sur place."),
                ("body", NASTY),
                ("territory", "35"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/actualites/job-dating-a-rennes");
    let article = visitor.get("/actualites/job-dating-a-rennes").await;
    article.assert_status(StatusCode::OK);
    assert!(article.contains("<h1>Bonjour</h1>"));
    assert!(article.contains("<a href=\"https://www.alternance.emploi.gouv.fr\">bon lien</a>"));
    assert!(article.contains("<a href=\"mailto:a@b.fr\">écrire</a>"));
    assert!(article.contains("<a href=\"/agenda\">relatif</a>"));
    assert!(article.contains("&lt;script&gt;"), "raw HTML shown as text");
    let body = article
        .text
        .split("<article class=\"prose\">")
        .nth(1)
        .unwrap()
        .split("</article>")
        .next()
        .unwrap();
    assert_safe(body);
    // News per territory: 35 shows it, 29 does not; region-wide news shows everywhere.
    let in_35 = visitor.get("/actualites?territoire=35").await;
    assert!(in_35.contains("Job dating à Rennes"));
    assert!(in_35.contains("Les Mercredis de l’alternance reviennent"));
    let in_29 = visitor.get("/actualites?territoire=29").await;
    assert!(!in_29.contains("Job dating à Rennes"));
    assert!(in_29.contains("Les Mercredis de l’alternance reviennent"));
    // The same title again gets its own address.
    editor.get("/redaction/actualites").await;
    let r = editor
        .post_form(
            "/redaction/actualites",
            &[
                ("title", "Job dating à Rennes"),
                ("body", "Bis"),
                ("territory", ""),
            ],
        )
        .await;
    assert_eq!(r.location(), "/actualites/job-dating-a-rennes-2");

    // Documentation pages: the demo's three, and a new one rendered safely.
    for slug in [
        "contrats-apprentissage-professionnalisation",
        "aides-financieres",
        "page-pour-les-parents",
    ] {
        let page = visitor.get(&format!("/documentation/{slug}")).await;
        page.assert_status(StatusCode::OK);
    }
    let contracts = visitor
        .get("/documentation/contrats-apprentissage-professionnalisation")
        .await;
    assert!(
        contracts.contains("<table class=\"table\">"),
        "Markdown tables render"
    );
    editor.get("/redaction/pages").await;
    let r = editor
        .post_form(
            "/redaction/pages",
            &[("title", "Test & sécurité"), ("slug", ""), ("body", NASTY)],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/documentation/test-securite");
    let page = visitor.get("/documentation/test-securite").await;
    let body = page
        .text
        .split("<article class=\"prose\">")
        .nth(1)
        .unwrap()
        .split("</article>")
        .next()
        .unwrap();
    assert_safe(body);
    // A slug already taken is refused.
    editor.get("/redaction/pages").await;
    let r = editor
        .post_form(
            "/redaction/pages",
            &[
                ("title", "Doublon"),
                ("slug", "aides-financieres"),
                ("body", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("utilise déjà l’adresse"));
    visitor
        .get("/documentation/inexistante")
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

/// A strict reading of an iCalendar file (RFC 5545): CRLF only, lines of at most 75 octets,
/// balanced components, required properties. Returns the unfolded events' properties.
pub(crate) fn parse_ics(text: &str) -> Vec<Vec<(String, String)>> {
    assert!(text.ends_with("\r\n"), "ends with CRLF");
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' {
            assert!(i > 0 && bytes[i - 1] == b'\r', "bare LF at {i}");
        }
        if *b == b'\r' {
            assert!(bytes.get(i + 1) == Some(&b'\n'), "bare CR at {i}");
        }
    }
    let physical: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
    for l in &physical {
        assert!(l.len() <= 75, "line of {} octets: {l}", l.len());
        assert!(!l.is_empty(), "empty line");
    }
    let mut logical: Vec<String> = Vec::new();
    for l in physical {
        if let Some(rest) = l.strip_prefix(' ').or_else(|| l.strip_prefix('\t')) {
            logical
                .last_mut()
                .expect("continuation after a line")
                .push_str(rest);
        } else {
            logical.push(l.to_owned());
        }
    }
    assert_eq!(logical.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(logical.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(logical.iter().any(|l| l == "VERSION:2.0"));
    assert!(logical.iter().any(|l| l.starts_with("PRODID:")));
    let mut events = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    let mut depth = 0;
    for l in &logical {
        let (name, value) = l.split_once(':').unwrap_or_else(|| panic!("no colon: {l}"));
        let name = name.split(';').next().unwrap();
        assert!(
            name.chars().all(|c| c.is_ascii_uppercase() || c == '-'),
            "bad name {name}"
        );
        match (name, value) {
            ("BEGIN", _) => {
                depth += 1;
                if value == "VEVENT" {
                    current = Some(Vec::new());
                }
            }
            ("END", _) => {
                depth -= 1;
                if value == "VEVENT" {
                    events.push(current.take().expect("END:VEVENT after BEGIN"));
                }
            }
            _ => {
                if let Some(e) = current.as_mut() {
                    e.push((name.to_owned(), value.to_owned()));
                }
            }
        }
    }
    assert_eq!(depth, 0, "balanced BEGIN/END");
    for e in &events {
        for required in ["UID", "DTSTAMP", "DTSTART", "SUMMARY"] {
            assert_eq!(
                e.iter().filter(|(n, _)| n == required).count(),
                1,
                "{required} once in {e:?}"
            );
        }
        // DTEND at most once and after DTSTART; without it a DATE-TIME event ends when it
        // starts (RFC 5545 §3.6.1).
        let ends: Vec<&String> = e
            .iter()
            .filter(|(n, _)| n == "DTEND")
            .map(|(_, v)| v)
            .collect();
        assert!(ends.len() <= 1, "DTEND at most once in {e:?}");
        let start = &e.iter().find(|(n, _)| n == "DTSTART").unwrap().1;
        for end in ends {
            assert!(end > start, "DTEND after DTSTART in {e:?}");
        }
        for (n, v) in e {
            if matches!(n.as_str(), "DTSTAMP" | "DTSTART" | "DTEND") {
                assert!(
                    v.len() == 16 && v.ends_with('Z') && v.as_bytes()[8] == b'T',
                    "{n} in UTC: {v}"
                );
            }
            if matches!(n.as_str(), "SUMMARY" | "DESCRIPTION" | "LOCATION") {
                // TEXT: no unescaped comma or semicolon.
                let mut chars = v.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            let next = chars.next().expect("escape");
                            assert!(matches!(next, '\\' | ';' | ',' | 'n' | 'N'), "bad escape");
                        }
                        ',' | ';' => panic!("unescaped {c} in {n}: {v}"),
                        _ => {}
                    }
                }
            }
        }
    }
    events
}

pub(crate) fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

async fn agenda_and_icalendar_feeds(app: TestApp) {
    let app = app.with_demo().await;
    let mut editor = app.login_as("editor@demo.passerelle.test").await;
    editor
        .get("/redaction/agenda")
        .await
        .assert_status(StatusCode::OK);
    let r = editor
        .post_form(
            "/redaction/agenda",
            &[
                ("kind", "fair"),
                ("title", "x"),
                ("date", "31/02/2026"),
                ("start", "18:00"),
                ("end", "09:00"),
                ("place", ""),
                ("organiser", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Cette date n’existe pas (31/02/2026) : février 2026 compte 28 jours."));
    assert!(r.contains("value=\"31/02/2026\""));
    assert!(r.contains("L’heure de fin est après l’heure de début"));
    // A winter event (CET, UTC+1) whose texts need escaping and folding.
    // The next 2 December (winter time), within the feed's window.
    let today = passerelle::clock::today_paris();
    let mut day = chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 12, 2).unwrap();
    if day <= today {
        day = chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today) + 1, 12, 2).unwrap();
    }
    let date = day.format("%d/%m/%Y").to_string();
    let month = day.format("%Y-%m").to_string();
    let compact = day.format("%Y%m%d").to_string();
    let long = "Rencontres, ateliers; démonstrations \\ et « surprises » ".repeat(4);
    let r = editor
        .post_form(
            "/redaction/agenda",
            &[
                ("kind", "alternance_wednesday"),
                (
                    "title",
                    "Mercredi de l’alternance, Rennes; édition spéciale",
                ),
                ("description", long.as_str()),
                ("date", date.as_str()),
                ("start", "14:00"),
                ("end", "17:30"),
                ("place", "Espace Métiers, 2 rue de la Mabilais, Rennes"),
                ("organiser", "CCI Ille-et-Vilaine"),
                ("territory", "35"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/agenda?mois={month}"));

    // The agenda by month and territory, with month navigation.
    let mut visitor = app.client();
    let page = visitor
        .get(&format!("/agenda?territoire=35&mois={month}"))
        .await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Mercredi de l’alternance, Rennes; édition spéciale"));
    let label = passerelle::web::long_date_fr(&day);
    assert!(
        page.contains(&format!("{label}, 14:00 – 17:30")),
        "{}",
        page.text
    );
    let previous = day
        .with_day(1)
        .unwrap()
        .pred_opt()
        .unwrap()
        .format("%Y-%m")
        .to_string();
    let next = (day.with_day(28).unwrap() + chrono::Duration::days(7))
        .format("%Y-%m")
        .to_string();
    // Month navigation keeps the territory (askama escapes the `&`).
    for month in [&previous, &next] {
        assert!(
            page.contains(&format!("territoire=35&#38;mois={month}\""))
                || page.contains(&format!("territoire=35&amp;mois={month}\"")),
            "link to {month}: {}",
            page.text
        );
    }
    assert!(page.contains("href=\"/agenda/35.ics\""));
    let other = visitor
        .get(&format!("/agenda?territoire=29&mois={month}"))
        .await;
    assert!(!other.contains("édition spéciale"));
    let january = visitor
        .get(&format!("/agenda?territoire=35&mois={next}"))
        .await;
    assert!(!january.contains("édition spéciale"));
    visitor
        .get("/agenda?mois=décembre")
        .await
        .assert_status(StatusCode::BAD_REQUEST);

    // iCalendar feeds: per department and for the region.
    let ics = visitor.get("/agenda/35.ics").await;
    ics.assert_status(StatusCode::OK);
    assert!(
        ics.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let events = parse_ics(&ics.text);
    let ours = events
        .iter()
        .find(|e| {
            e.iter().any(|(n, v)| {
                n == "SUMMARY"
                    && unescape(v) == "Mercredi de l’alternance, Rennes; édition spéciale"
            })
        })
        .expect("the new event is in the 35 feed");
    let get = |name: &str| {
        ours.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(
        get("DTSTART"),
        format!("{compact}T130000Z"),
        "14:00 in Paris in winter"
    );
    assert_eq!(get("DTEND"), format!("{compact}T163000Z"));
    assert_eq!(
        unescape(&get("LOCATION")),
        "Espace Métiers, 2 rue de la Mabilais, Rennes"
    );
    assert!(unescape(&get("DESCRIPTION")).contains("ateliers; démonstrations \\ et"));
    assert!(unescape(&get("DESCRIPTION")).contains("Organisé par CCI Ille-et-Vilaine."));
    assert!(ics.text.contains("\r\n "), "long lines are folded");
    let uids: Vec<String> = events
        .iter()
        .map(|e| e.iter().find(|(n, _)| n == "UID").unwrap().1.clone())
        .collect();
    let mut unique = uids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), uids.len(), "UIDs are unique");
    // Demo events across departments: the 29 feed has Finistère's, not ours.
    let finistere = parse_ics(&visitor.get("/agenda/29.ics").await.text);
    assert!(!finistere.is_empty());
    assert!(
        !finistere
            .iter()
            .any(|e| e.iter().any(|(_, v)| v.contains("édition spéciale")))
    );
    let region = parse_ics(&visitor.get("/agenda.ics").await.text);
    assert!(region.len() > finistere.len());
    assert!(region.len() >= events.len());
    visitor
        .get("/agenda/99.ics")
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // The JSON API has the same events.
    let mut c = app.login_as("prescriber@demo.passerelle.test").await;
    let token = c.new_api_token().await;
    let api = c
        .api_get(
            &format!("/api/v1/content/events?territoire=35&mois={month}"),
            &token,
        )
        .await;
    api.assert_status(StatusCode::OK);
    assert!(
        api.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["title"] == "Mercredi de l’alternance, Rennes; édition spéciale")
    );
    // Others may not add events; the editor can delete them.
    c.get("/agenda").await;
    let id = app
        .state
        .db
        .run(|conn| {
            Ok(passerelle::content::service::all_events(conn)?
                .into_iter()
                .find(|e| e.title.contains("édition spéciale"))
                .unwrap()
                .id)
        })
        .await
        .unwrap();
    let r = c
        .post_form(&format!("/redaction/agenda/{id}/suppression"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    editor
        .get(&format!("/redaction/agenda/{id}"))
        .await
        .assert_status(StatusCode::OK);
    editor
        .post_form(&format!("/redaction/agenda/{id}/suppression"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let after = parse_ics(&visitor.get("/agenda/35.ics").await.text);
    assert_eq!(after.len(), events.len() - 1);
}

async fn news_atom_feed_is_valid(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    let r = visitor.get("/actualites.atom").await;
    r.assert_status(StatusCode::OK);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let feed = atom_syndication::Feed::read_from(r.text.as_bytes()).expect("valid Atom");
    assert!(feed.title().as_str().starts_with("Actualités"));
    assert_eq!(feed.entries().len(), 4, "the demo's news");
    for e in feed.entries() {
        assert!(e.id().starts_with("http://passerelle.test/actualites/"));
        assert!(e.published().is_some());
        let html = e.content().and_then(|c| c.value()).unwrap();
        assert!(!html.is_empty());
        assert_safe(html);
    }
    // A hostile news item stays safe inside the feed.
    let mut editor = app.login_as("editor@demo.passerelle.test").await;
    editor.get("/redaction/actualites").await;
    editor
        .post_form(
            "/redaction/actualites",
            &[("title", "Piège"), ("body", NASTY), ("territory", "")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let feed =
        atom_syndication::Feed::read_from(visitor.get("/actualites.atom").await.text.as_bytes())
            .unwrap();
    let trap = feed
        .entries()
        .iter()
        .find(|e| e.title().as_str() == "Piège")
        .unwrap();
    assert_safe(trap.content().unwrap().value().unwrap());
    let api = visitor.get("/api/v1/content/pages").await;
    api.assert_status(StatusCode::OK);
    assert_eq!(api.json().as_array().unwrap().len(), 3);
}

both_backends!(
    editors_publish_safely_and_others_cannot,
    agenda_and_icalendar_feeds,
    news_atom_feed_is_valid,
);
