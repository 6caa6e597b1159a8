//! Every export is written by the one CSV writer: what the public or a partner typed is shown
//! as text in a spreadsheet, never run as a formula (information line, Espaces Métiers).

use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::TestApp;
use crate::helpline::{OFFICER, log_call};
use crate::sites::{COORDINATOR, log_visit, open_site};

both_backends!(typed_text_never_becomes_a_formula);

const BOM: &str = "\u{feff}";

async fn typed_text_never_becomes_a_formula(app: TestApp) {
    let app = app.with_demo().await;

    // A question to the information line whose text is a formula.
    let mut officer = app.login_as(OFFICER).await;
    log_call(
        &mut officer,
        "=HYPERLINK(\"http://exemple.test\";\"Cliquez\")",
        "enora@exemple.fr",
    )
    .await;
    let csv = officer.get("/cap-info/export.csv").await;
    csv.assert_status(StatusCode::OK);
    assert!(csv.text.starts_with(BOM), "{}", csv.text);
    assert!(csv.text.contains("\"'=HYPERLINK("), "{}", csv.text);
    assert!(!csv.text.contains(";\"=HYPERLINK"), "{}", csv.text);

    // An Espace Métiers whose name is a formula, with one visit.
    let mut coordinator = app.login_as(COORDINATOR).await;
    let site = open_site(&mut coordinator, "@SOMME(A1:A9)").await;
    log_visit(
        &mut coordinator,
        &site,
        &[
            ("age_band", "16_25"),
            ("situation", "pupil"),
            ("topic", "orientation"),
            ("kind", "individual"),
        ],
    )
    .await;
    let csv = coordinator
        .get(&format!("/espaces-metiers/chiffres.csv?site={site}"))
        .await;
    csv.assert_status(StatusCode::OK);
    assert!(csv.text.starts_with(BOM), "{}", csv.text);
    assert!(csv.text.contains("\n'@SOMME(A1:A9);"), "{}", csv.text);
}
