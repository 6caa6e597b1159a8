//! Every export is written by the one CSV writer: what the public or a partner typed is shown
//! as text in a spreadsheet, never run as a formula (information line, Espaces Métiers).

use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(typed_text_never_becomes_a_formula);

const BOM: &str = "\u{feff}";

async fn typed_text_never_becomes_a_formula(app: TestApp) {
    let app = app.with_demo().await;

    // A question to the information line whose text is a formula.
    let mut officer = app.login_as("info_officer@demo.passerelle.test").await;
    officer
        .get("/cap-info/appel")
        .await
        .assert_status(StatusCode::OK);
    let r = officer
        .post_form(
            "/cap-info/appel",
            &[
                ("caller_kind", "individual"),
                ("age_band", "18_25"),
                ("situation", "job_seeker"),
                ("topic", "funding"),
                (
                    "question",
                    "=HYPERLINK(\"http://exemple.test\";\"Cliquez\")",
                ),
                ("answer", ""),
                ("requester_name", "Enora Le Bras"),
                ("requester_email", "enora@exemple.fr"),
                ("requester_phone", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let csv = officer.get("/cap-info/export.csv").await;
    csv.assert_status(StatusCode::OK);
    assert!(csv.text.starts_with(BOM), "{}", csv.text);
    assert!(csv.text.contains("\"'=HYPERLINK("), "{}", csv.text);
    assert!(!csv.text.contains(";\"=HYPERLINK"), "{}", csv.text);

    // An Espace Métiers whose name is a formula, with one visit.
    let mut coordinator = app.login_as("site_coordinator@demo.passerelle.test").await;
    coordinator
        .get("/espaces-metiers/nouveau")
        .await
        .assert_status(StatusCode::OK);
    let r = coordinator
        .post_form(
            "/espaces-metiers/nouveau",
            &[
                ("name", "@SOMME(A1:A9)"),
                ("address", "1 place du Général Leclerc"),
                ("commune", "22300"),
                ("opening_hours", "Mardi et jeudi, 9 h – 17 h"),
                ("services", "Accueil sans rendez-vous"),
                ("resources", "Documentation"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let site = r.location().rsplit('/').next().unwrap().to_owned();
    let path = format!("/espaces-metiers/{site}/visites");
    coordinator.get(&path).await.assert_status(StatusCode::OK);
    let r = coordinator
        .post_form(
            &path,
            &[
                ("age_band", "16_25"),
                ("situation", "pupil"),
                ("topic", "orientation"),
                ("kind", "individual"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let csv = coordinator
        .get(&format!("/espaces-metiers/chiffres.csv?site={site}"))
        .await;
    csv.assert_status(StatusCode::OK);
    assert!(csv.text.starts_with(BOM), "{}", csv.text);
    assert!(csv.text.contains("\n'@SOMME(A1:A9);"), "{}", csv.text);
}
