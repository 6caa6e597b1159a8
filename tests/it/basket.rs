use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    saved_searches_alert_once_and_feed_atom,
    the_basket_by_api_is_private
);

fn atom(text: &str) -> atom_syndication::Feed {
    text.parse::<atom_syndication::Feed>()
        .unwrap_or_else(|e| panic!("invalid Atom ({e}):\n{text}"))
}

async fn saved_searches_alert_once_and_feed_atom(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    // Save an offer, then remove it.
    let list = candidate.get("/offres?q=patissier").await;
    let id = list
        .text
        .split("/offres/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let page = candidate.get(&format!("/offres/{id}")).await;
    assert!(!page.contains("Retirer de mon panier"), "not saved yet");
    candidate
        .post_form(&format!("/offres/{id}/panier"), &[("action", "ajouter")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        candidate
            .get("/panier")
            .await
            .contains("Apprenti·e pâtissier·ère")
    );
    let page = candidate.get(&format!("/offres/{id}")).await;
    assert!(
        page.contains("Retirer de mon panier"),
        "the page shows it saved"
    );
    candidate
        .post_form(&format!("/offres/{id}/panier"), &[("action", "retirer")])
        .await;
    assert!(
        !candidate
            .get("/panier")
            .await
            .contains("Apprenti·e pâtissier·ère")
    );

    // Save a search with alerts.
    let page = candidate
        .get("/offres?q=charpentier&commune=35000&rayon=50")
        .await;
    assert!(page.contains("Enregistrer cette recherche"));
    candidate
        .post_form(
            "/recherches",
            &[
                ("name", "Charpente autour de Rennes"),
                ("query", "q=charpentier&commune=35000&rayon=50"),
                ("alerts", "oui"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let basket = candidate.get("/panier").await;
    assert!(basket.contains("Charpente autour de Rennes"));
    let token = basket
        .text
        .split("/flux/recherche/")
        .nth(1)
        .unwrap()
        .split(".atom")
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        passerelle::basket::service::send_digests(&app.state)
            .await
            .unwrap(),
        0,
        "nothing new yet"
    );

    // A matching offer is published: one mail, never twice.
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter.get("/mes-offres/nouvelle").await;
    let start = (passerelle::clock::today_paris() + chrono::Duration::days(40))
        .format("%d/%m/%Y")
        .to_string();
    let r = recruiter
        .post_form(
            "/mes-offres",
            &[
                ("title", "Apprenti·e charpentier·ère"),
                ("rome", "F1503"),
                (
                    "description",
                    "Charpentes traditionnelles en chêne et ossatures bois, atelier et chantiers.",
                ),
                ("contract_type", "apprentissage"),
                ("level", "3"),
                ("start_date", &start),
                ("duration_months", "24"),
                ("commune", "35238"),
                ("positions", "1"),
            ],
        )
        .await;
    let offer = r.location().rsplit('/').next().unwrap().to_owned();
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{offer}/soumettre"), &[])
        .await;
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    officer.get("/moderation/offres").await;
    officer
        .post_form(
            &format!("/moderation/offres/{offer}"),
            &[("decision", "valider")],
        )
        .await;
    assert_eq!(
        passerelle::basket::service::send_digests(&app.state)
            .await
            .unwrap(),
        1
    );
    let mail = app.last_mail_to("candidate@demo.passerelle.test").await;
    assert!(mail.subject.contains("Charpente autour de Rennes"));
    assert!(
        mail.body.contains("Apprenti·e charpentier·ère")
            && mail.body.contains(&format!("/offres/{offer}"))
    );
    assert_eq!(
        passerelle::basket::service::send_digests(&app.state)
            .await
            .unwrap(),
        0,
        "never the same offer twice"
    );

    // The private feed, at a revocable address.
    let mut reader = app.client();
    let feed = reader.get(&format!("/flux/recherche/{token}.atom")).await;
    feed.assert_status(StatusCode::OK);
    assert!(
        feed.headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let parsed = atom(&feed.text);
    assert_eq!(parsed.entries().len(), 1);
    assert_eq!(
        parsed.entries()[0].title().as_str(),
        "Apprenti·e charpentier·ère"
    );
    let id = basket
        .text
        .split("/recherches/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    candidate.get("/panier").await;
    candidate
        .post_form(&format!("/recherches/{id}/nouveau-lien"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    reader
        .get(&format!("/flux/recherche/{token}.atom"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Another person cannot delete it.
    let mut other = app.login_as("prescriber@demo.passerelle.test").await;
    other.get("/tableau-de-bord").await;
    other
        .post_form(&format!("/recherches/{id}/supprimer"), &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Public feeds per department and per occupation, valid Atom, newest first.
    let dept = atom(&reader.get("/flux/offres/departement/35.atom").await.text);
    assert_eq!(dept.entries().len(), 4);
    assert_eq!(
        dept.entries()[0].title().as_str(),
        "Apprenti·e charpentier·ère"
    );
    assert!(dept.title().as_str().contains("Ille-et-Vilaine"));
    let rome = atom(&reader.get("/flux/offres/metier/D1102.atom").await.text);
    assert_eq!(rome.entries().len(), 1);
    assert_eq!(
        atom(&reader.get("/flux/offres/departement/29.atom").await.text)
            .entries()
            .len(),
        0
    );
    reader
        .get("/flux/offres/departement/XX.atom")
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn the_basket_by_api_is_private(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    let token = candidate.new_api_token().await;
    let mut api = app.client();
    let found = api.get("/api/v1/offers/search?q=patissier").await.json();
    let offer = found["items"][0]["id"].as_str().unwrap().to_owned();

    // Saving twice keeps one; an unknown offer is 404.
    for _ in 0..2 {
        api.api_json(
            "PUT",
            &format!("/api/v1/basket/offers/{offer}"),
            &token,
            serde_json::json!({}),
        )
        .await
        .assert_status(StatusCode::NO_CONTENT);
    }
    api.api_json(
        "PUT",
        "/api/v1/basket/offers/not-an-offer",
        &token,
        serde_json::json!({}),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    let basket = api.api_get("/api/v1/basket", &token).await;
    basket.assert_status(StatusCode::OK);
    let offers = basket.json()["offers"].as_array().unwrap().clone();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0]["title"], "Apprenti·e pâtissier·ère");

    // A saved search, with its private feed.
    let r = api
        .api_json(
            "POST",
            "/api/v1/saved-searches",
            &token,
            serde_json::json!({"name": "Boulangerie à Rennes", "query": "q=boulanger&commune=35238&rayon=20", "alerts": true}),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    let search = r.json()["id"].as_str().unwrap().to_owned();
    let r = api
        .api_json(
            "POST",
            "/api/v1/saved-searches",
            &token,
            serde_json::json!({"name": "  ", "query": "q=x"}),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["message"].as_str().unwrap().contains("nom"));
    let basket = api.api_get("/api/v1/basket", &token).await.json();
    let saved = &basket["searches"][0];
    assert_eq!(saved["name"], "Boulangerie à Rennes");
    assert_eq!(saved["alerts"], true);
    let feed = saved["feed_url"]
        .as_str()
        .unwrap()
        .strip_prefix("http://passerelle.test")
        .unwrap()
        .to_owned();
    let atom = api.get(&feed).await;
    atom.assert_status(StatusCode::OK);
    assert!(atom.text.contains("Apprenti·e boulanger·ère"));

    // Nobody else reaches it: not a recruiter, not anonymously.
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let other = recruiter.new_api_token().await;
    let theirs = api.api_get("/api/v1/basket", &other).await.json();
    assert_eq!(theirs["searches"].as_array().unwrap().len(), 0);
    api.api_json(
        "DELETE",
        &format!("/api/v1/saved-searches/{search}"),
        &other,
        serde_json::json!({}),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    api.api_json(
        "PUT",
        &format!("/api/v1/basket/offers/{offer}"),
        &other,
        serde_json::json!({}),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    app.client()
        .get("/api/v1/basket")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);

    // A new feed address retires the old one; deleting removes the search.
    api.api_json(
        "POST",
        &format!("/api/v1/saved-searches/{search}/feed"),
        &token,
        serde_json::json!({}),
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);
    api.get(&feed).await.assert_status(StatusCode::NOT_FOUND);
    api.api_json(
        "DELETE",
        &format!("/api/v1/saved-searches/{search}"),
        &token,
        serde_json::json!({}),
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);
    api.api_json(
        "DELETE",
        &format!("/api/v1/basket/offers/{offer}"),
        &token,
        serde_json::json!({}),
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);
    let basket = api.api_get("/api/v1/basket", &token).await.json();
    assert_eq!(basket["offers"].as_array().unwrap().len(), 0);
    assert_eq!(basket["searches"].as_array().unwrap().len(), 0);
}
