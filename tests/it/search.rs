use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    offers_are_found_by_words_place_and_filters,
    the_index_follows_every_change
);

fn titles(answer: &serde_json::Value) -> Vec<String> {
    answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn offers_are_found_by_words_place_and_filters(app: TestApp) {
    let app = app.with_demo().await;
    let mut c = app.client();
    // French analysis: accents, case, plural.
    let r = c.get("/api/v1/offers/search?q=boulangere").await;
    r.assert_status(StatusCode::OK);
    let a = r.json();
    assert!(
        titles(&a).contains(&"Apprenti·e boulanger·ère".to_owned()),
        "{a}"
    );
    let a = c.get("/api/v1/offers/search?q=PATISSIERES").await.json();
    assert!(titles(&a).contains(&"Apprenti·e pâtissier·ère".to_owned()));
    // Elision: "l'apprentissage" finds the word.
    let a = c
        .get("/api/v1/offers/search?q=l%27apprentissage")
        .await
        .json();
    assert!(a["total"].as_u64().unwrap() >= 1, "{a}");

    // Radius around the place of work: found nearby, not from Brest (about 210 km).
    let near = c
        .get("/api/v1/offers/search?commune=35238&radius_km=5&sort=distance")
        .await
        .json();
    assert_eq!(near["total"], 2, "two offers in Rennes: {near}");
    assert_eq!(near["centre"]["name"], "Rennes");
    assert!(near["items"][0]["distance_km"].as_f64().unwrap() < 1.0);
    let wider = c
        .get("/api/v1/offers/search?commune=Rennes&radius_km=15&sort=distance")
        .await
        .json();
    assert_eq!(wider["total"], 3, "Bruz is 11 km away");
    let far = c
        .get("/api/v1/offers/search?commune=29200&radius_km=150")
        .await
        .json();
    assert_eq!(far["total"], 0);
    let far = c
        .get("/api/v1/offers/search?commune=29200&radius_km=250")
        .await
        .json();
    assert_eq!(far["total"], 3);

    // Filters and facets; the pending offer in Vitré is never found.
    let all = c.get("/api/v1/offers/search").await.json();
    assert_eq!(all["total"], 3);
    assert!(!titles(&all).iter().any(|t| t.contains("Vitré")));
    let facets = &all["facets"];
    assert!(
        facets["contract_type"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["apprentissage", 2]))
    );
    assert!(
        facets["department"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["35", 3]))
    );
    let pro = c
        .get("/api/v1/offers/search?contract_type=professionnalisation")
        .await
        .json();
    assert_eq!(
        titles(&pro),
        vec!["Vendeur·se en boulangerie-pâtisserie".to_owned()]
    );
    assert_eq!(
        c.get("/api/v1/offers/search?rome=D1104,D1106").await.json()["total"],
        2
    );
    assert_eq!(
        c.get("/api/v1/offers/search?department=29").await.json()["total"],
        0
    );
    assert_eq!(
        c.get("/api/v1/offers/search?level=4").await.json()["total"],
        1
    );

    // Bad input: structured French errors, every problem listed.
    let bad = c
        .get("/api/v1/offers/search?commune=Nulle-Part&level=12&sort=hasard")
        .await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["details"].as_array().unwrap().len(), 3);

    // The same on the page people use, which works without JavaScript.
    let page = c
        .get("/offres?q=boulang%C3%A8re&commune=35000&rayon=10&tri=distance")
        .await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Apprenti·e boulanger·ère") && page.contains("autour de Rennes"));
    assert!(page.contains("km"));
    let page = c.get("/offres?commune=Nulle-Part").await;
    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Aucune commune ne correspond"));
}

async fn the_index_follows_every_change(app: TestApp) {
    let app = app.with_demo().await;
    let mut c = app.client();
    let count = |v: serde_json::Value| v["total"].as_u64().unwrap();
    assert_eq!(
        count(c.get("/api/v1/offers/search?q=charpentier").await.json()),
        0
    );
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter.get("/mes-offres/nouvelle").await;
    let start = (passerelle::clock::today_paris() + chrono::Duration::days(40))
        .format("%d/%m/%Y")
        .to_string();
    let r = recruiter
        .post_form(
            "/mes-offres",
            &[("title", "Apprenti·e charpentier·ère"), ("rome", "F1503"), ("description", "Fabrication et pose de charpentes en bois, sur les chantiers d’Ille-et-Vilaine."), ("contract_type", "apprentissage"), ("level", "3"), ("start_date", &start), ("duration_months", "24"), ("commune", "Vitré"), ("positions", "1")],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let id = r.location().rsplit('/').next().unwrap().to_owned();
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{id}/soumettre"), &[])
        .await;
    assert_eq!(
        count(c.get("/api/v1/offers/search?q=charpentier").await.json()),
        0,
        "not before moderation"
    );
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    officer.get("/moderation/offres").await;
    officer
        .post_form(
            &format!("/moderation/offres/{id}"),
            &[("decision", "valider")],
        )
        .await;
    assert_eq!(
        count(c.get("/api/v1/offers/search?q=charpentiers").await.json()),
        1,
        "published: found at once"
    );
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{id}/pourvue"), &[])
        .await;
    assert_eq!(
        count(c.get("/api/v1/offers/search?q=charpentier").await.json()),
        0,
        "filled: gone"
    );
    // The index is rebuilt from the database when it disagrees (e.g. deleted by hand).
    std::fs::remove_dir_all(app.state.config.data_dir.join("index")).unwrap();
    let again = passerelle::AppState::init(app.state.config.clone()).unwrap();
    assert_eq!(again.search.len(), 3);
}
