use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    communes_by_name_postal_code_and_accents,
    rome_and_naf,
    bad_parameters_are_french_json
);

async fn communes_by_name_postal_code_and_accents(app: TestApp) {
    let mut c = app.client();
    let r = c.get("/api/v1/referential/communes?q=rennes").await;
    r.assert_status(StatusCode::OK);
    let items = r.json();
    let first = &items[0];
    assert_eq!(first["insee_code"], "35238");
    assert_eq!(first["name"], "Rennes");
    assert!((first["lat"].as_f64().unwrap() - 48.11).abs() < 0.01);
    assert!((first["lon"].as_f64().unwrap() + 1.68).abs() < 0.01);
    assert_eq!(first["geo_precision"], "commune");
    assert_eq!(first["department"], "35");
    assert!(first["postal_codes"].as_str().unwrap().contains("35000"));

    let brest = c.get("/api/v1/referential/communes?q=29200").await.json();
    assert_eq!(brest[0]["insee_code"], "29019");

    // Accent- and case-insensitive, hyphens as spaces; biggest population first.
    let quimperle = c
        .get("/api/v1/referential/communes?q=QUIMPERLE")
        .await
        .json();
    assert_eq!(quimperle[0]["name"], "Quimperlé");
    let malo = c
        .get("/api/v1/referential/communes?q=saint%20malo")
        .await
        .json();
    assert_eq!(malo[0]["name"], "Saint-Malo");
    let saint = c
        .get("/api/v1/referential/communes?q=saint&limit=5")
        .await
        .json();
    let populations: Vec<i64> = saint
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["population"].as_i64().unwrap())
        .collect();
    assert_eq!(populations.len(), 5);
    assert!(
        populations.windows(2).all(|w| w[0] >= w[1]),
        "{populations:?}"
    );

    let none = c.get("/api/v1/referential/communes?q=zzzzzz").await.json();
    assert_eq!(none.as_array().unwrap().len(), 0);
}

async fn rome_and_naf(app: TestApp) {
    let mut c = app.client();
    let rome = c.get("/api/v1/referential/rome?q=boulang").await.json();
    let codes: Vec<&str> = rome
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"D1102"), "{codes:?}");
    let by_code = c.get("/api/v1/referential/rome?q=d1102").await.json();
    assert_eq!(by_code[0]["label"], "Boulanger / Boulangère");
    let words = c
        .get("/api/v1/referential/rome?q=boulangere%20chef")
        .await
        .json();
    assert_eq!(words[0]["code"], "D1108");
    let naf = c.get("/api/v1/referential/naf").await.json();
    assert_eq!(naf.as_array().unwrap().len(), 89);
    let departments = c.get("/api/v1/referential/departments").await.json();
    assert!(
        departments
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "29" && d["name"] == "Finistère")
    );
}

async fn bad_parameters_are_french_json(app: TestApp) {
    let mut c = app.client();
    let r = c
        .get("/api/v1/referential/communes?q=rennes&limit=beaucoup")
        .await;
    r.assert_status(StatusCode::BAD_REQUEST);
    let body = r.json();
    assert_eq!(body["code"], "bad_request");
    assert_eq!(
        body["message"],
        "La valeur du paramètre « limit » de l’adresse n’est pas valide."
    );
}
