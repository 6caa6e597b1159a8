//! Search filters: a repeated or unknown parameter never answers 400, every rejection of an
//! extractor is French, and the active filters are chips that each remove one filter.

use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(
    repeated_and_unknown_parameters_never_answer_400,
    rejections_are_french,
    each_chip_removes_one_filter
);

/// The hrefs of the active-filter chips of a page, decoded as a browser would.
fn chip_links(html: &str) -> Vec<String> {
    html.split("<a class=\"chip\" href=\"")
        .skip(1)
        .map(|rest| unescape(&rest[..rest.find('"').expect("closing quote")]))
        .collect()
}

/// Decodes the character references askama writes in attributes (`&#38;`, `&amp;`…).
fn unescape(href: &str) -> String {
    let mut out = String::new();
    let mut rest = href;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find(';').expect("a reference ends with ;");
        let name = &tail[1..end];
        let decoded = match name {
            "amp" => '&',
            "quot" => '"',
            "lt" => '<',
            "gt" => '>',
            n if n.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&n[2..], 16).unwrap()).unwrap()
            }
            n => char::from_u32(n[1..].parse().unwrap()).unwrap(),
        };
        out.push(decoded);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The parameters of an address, sorted.
fn params(href: &str) -> Vec<(String, String)> {
    let query = href.split_once('?').map_or("", |(_, q)| q);
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    pairs
}

fn without(pairs: &[(&str, &str)], removed: &[&str]) -> Vec<(String, String)> {
    let mut kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !removed.contains(k))
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    kept.sort();
    kept
}

async fn ok(c: &mut Client<'_>, path: &str) -> String {
    let r = c.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    r.text
}

async fn repeated_and_unknown_parameters_never_answer_400(app: TestApp) {
    let app = app.with_demo().await;
    let mut c = app.client();
    let once = ok(&mut c, "/offres?contrat=apprentissage").await;
    let twice = ok(
        &mut c,
        "/offres?contrat=apprentissage&contrat=apprentissage",
    )
    .await;
    let count = |html: &str| {
        html.split("class=\"result-count\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .map(str::to_owned)
    };
    assert!(count(&once).is_some());
    assert_eq!(count(&once), count(&twice), "the same search");
    // Two different values: the last one, as a link adding a filter means.
    let last = ok(
        &mut c,
        "/offres?contrat=apprentissage&contrat=professionnalisation",
    )
    .await;
    assert_eq!(
        count(&last),
        count(&ok(&mut c, "/offres?contrat=professionnalisation").await)
    );
    // A blank repetition does not undo a chosen value.
    let blank = ok(&mut c, "/offres?contrat=apprentissage&contrat=").await;
    assert_eq!(count(&blank), count(&once));
    for path in [
        "/offres?inconnu=1&inconnu=2&tri=date&tri=date&page=1&page=1",
        "/formations?departement=35&departement=35&financees=oui&financees=oui&x=y",
        "/decouverte-metiers?niveau=lycee&niveau=lycee&utm_source=mail",
        "/agenda?territoire=35&territoire=35&mois=2026-12&mois=2026-12",
        "/actualites?territoire=35&territoire=35",
        "/partenaires?type=chamber&type=chamber&departement=35",
    ] {
        ok(&mut c, path).await;
    }
    let api = c
        .get("/api/v1/offers/search?contract_type=apprentissage&contract_type=apprentissage&foo=1")
        .await;
    api.assert_status(StatusCode::OK);

    // The facet links of an active search set a filter once, never twice.
    for href in once
        .split("<a href=\"")
        .skip(1)
        .map(|rest| unescape(&rest[..rest.find('"').unwrap()]))
        .filter(|h| h.starts_with("/offres?"))
    {
        let names: Vec<String> = params(&href).into_iter().map(|(k, _)| k).collect();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(names, unique, "{href}");
    }
}

async fn rejections_are_french(app: TestApp) {
    let app = app.with_demo().await;
    let mut c = app.client();
    // A parameter of the wrong type: a French page naming it, no serde English.
    let r = c.get("/offres?page=deux").await;
    r.assert_status(StatusCode::BAD_REQUEST);
    assert!(
        r.contains("La valeur du paramètre « page » de l’adresse n’est pas valide."),
        "{}",
        r.text
    );
    assert!(!r.contains("deserialize") && !r.contains("invalid digit"));
    // An address whose parameter cannot be decoded names nothing.
    let r = c.get("/offres/%FF%FE").await;
    r.assert_status(StatusCode::NOT_FOUND);
    assert!(r.contains("Page introuvable"), "{}", r.text);
    let r = c.get("/api/v1/offers/%FF%FE").await;
    r.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");

    // JSON bodies: French messages naming the field.
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let token = recruiter.new_api_token().await;
    let r = recruiter
        .api_json(
            "POST",
            "/api/v1/offers",
            &token,
            serde_json::json!({ "title": 12 }),
        )
        .await;
    r.assert_status(StatusCode::BAD_REQUEST);
    let message = r.json()["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with("Corps JSON invalide : "), "{message}");
    assert!(!message.contains("expected") && !message.contains("invalid type"));
    let r = recruiter
        .api_send(
            "/api/v1/offers",
            &token,
            "application/json",
            b"{\"title\": ".to_vec(),
        )
        .await;
    r.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["message"], "Corps JSON incomplet.");
    let r = recruiter
        .api_send("/api/v1/offers", &token, "text/plain", b"{}".to_vec())
        .await;
    r.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["message"],
        "Le corps doit être du JSON (en-tête Content-Type: application/json)."
    );
}

/// A search page, its criteria, and the parameters each of its chips removes, in order.
type Search = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static [&'static str]],
);

async fn each_chip_removes_one_filter(app: TestApp) {
    let app = app.with_demo().await;
    let mut c = app.client();
    let searches: [Search; 5] = [
        (
            "/offres",
            &[
                ("q", "apprenti"),
                ("commune", "Rennes"),
                ("rayon", "50"),
                ("departement", "35"),
                ("contrat", "apprentissage"),
                ("niveau", "3"),
                ("tri", "date"),
            ],
            // One chip per filter, in the form's order; the radius goes with its commune and
            // the sort order is not a filter.
            &[
                &["q"],
                &["commune", "rayon"],
                &["departement"],
                &["contrat"],
                &["niveau"],
            ],
        ),
        (
            "/formations",
            &[
                ("q", "cuisine"),
                ("departement", "35"),
                ("debut_min", "01/01/2026"),
                ("financees", "oui"),
                ("places", "oui"),
            ],
            &[
                &["q"],
                &["departement"],
                &["debut_min"],
                &["financees"],
                &["places"],
            ],
        ),
        (
            "/decouverte-metiers",
            &[("q", "visite"), ("niveau", "lycee")],
            &[&["q"], &["niveau"]],
        ),
        (
            "/agenda",
            &[("territoire", "35"), ("mois", "2026-12")],
            &[&["territoire"]],
        ),
        (
            "/partenaires",
            &[("type", "chamber"), ("departement", "35")],
            &[&["type"], &["departement"]],
        ),
    ];
    for (path, pairs, chips) in searches {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter())
            .finish();
        let html = ok(&mut c, &format!("{path}?{query}")).await;
        let links = chip_links(&html);
        assert_eq!(links.len(), chips.len(), "{path}: {links:?}");
        for (href, removed) in links.iter().zip(chips) {
            assert!(href.starts_with(&format!("{path}?")), "{href}");
            assert_eq!(params(href), without(pairs, removed), "{path}: {href}");
            let after = ok(&mut c, href).await;
            assert_eq!(
                chip_links(&after).len(),
                chips.len() - 1,
                "{href} leaves the other filters"
            );
        }
        if chips.len() > 1 {
            assert!(html.contains("Retirer tous les filtres"), "{path}");
        }
        assert!(html.contains("retirer ce filtre"));
    }
    // Without filters, no chips.
    assert!(chip_links(&ok(&mut c, "/offres").await).is_empty());
    let html = ok(&mut c, "/offres?contrat=apprentissage").await;
    assert!(html.contains("Contrat d’apprentissage"));
}
