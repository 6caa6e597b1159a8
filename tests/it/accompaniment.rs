//! Candidates accompanied by an insertion structure: the candidate names their agency and
//! agrees, its advisers then follow the candidate's applications (page and API, read-only);
//! another agency, the regional team and the same agency once the consent is withdrawn see
//! nothing.

use axum::http::StatusCode;

use crate::applications::offer_id;
use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(an_adviser_follows_the_applications_of_a_candidate_who_agreed);

const CANDIDATE: &str = "candidate@demo.passerelle.test";
const ADVISER: &str = "prescriber@demo.passerelle.test";
const OTHER_ADVISER: &str = "conseillere.brest@demo.passerelle.test";
const REGION: &str = "regional_admin@demo.passerelle.test";

async fn an_adviser_follows_the_applications_of_a_candidate_who_agreed(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let page = candidate.get("/profil").await;
    assert!(page.contains("Mon accompagnement"));
    let end = page
        .text
        .find(">France Travail Rennes Est</option>")
        .expect("the agency is offered");
    let agency = page.text[..end]
        .rsplit("value=\"")
        .next()
        .and_then(|v| v.split('"').next())
        .unwrap()
        .to_owned();
    // The platform's regional gateway has no adviser: it is not offered.
    assert!(!page.contains("plateforme régionale</option>"));

    // Agreeing without naming a structure is refused in French.
    candidate
        .post_form(
            "/profil/accompagnement",
            &[("structure", ""), ("suivi", "oui")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        candidate
            .get("/profil")
            .await
            .contains("Choisissez la structure")
    );
    // Named, without agreeing: the agency counts her, sees nothing of her.
    candidate
        .post_form("/profil/accompagnement", &[("structure", agency.as_str())])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mut adviser = app.login_as(ADVISER).await;
    let list = adviser.get("/suivis").await;
    list.assert_status(StatusCode::OK);
    assert!(list.contains("1 personne indique"), "{}", list.text);
    assert!(!list.contains("Léa Morvan"));

    // She agrees and applies: her adviser follows the application.
    candidate
        .post_form(
            "/profil/accompagnement",
            &[("structure", agency.as_str()), ("suivi", "oui")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        candidate
            .get("/profil")
            .await
            .contains("qui suit vos candidatures")
    );
    let offer = offer_id(&mut candidate, "Apprenti·e boulanger·ère").await;
    candidate.get(&format!("/offres/{offer}")).await;
    candidate
        .post_form(
            &format!("/offres/{offer}/candidater"),
            &[(
                "message",
                "Bonjour, je souhaite apprendre le métier de boulangère dans votre fournil.",
            )],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let list = adviser.get("/suivis").await;
    assert!(list.contains("Léa Morvan"), "{}", list.text);
    let id = {
        let start = list.text.find("/suivis/").unwrap() + "/suivis/".len();
        list.text[start..].split('"').next().unwrap().to_owned()
    };
    let path = format!("/suivis/{id}");
    let one = adviser.get(&path).await;
    one.assert_status(StatusCode::OK);
    assert!(one.contains("Apprenti·e boulanger·ère"));
    assert!(one.contains("Envoyée"));
    assert!(!one.contains("apprendre le métier"), "never the exchanges");
    let token = adviser.new_api_token().await;
    let api = format!("/api/v1/followed-candidates/{id}");
    let r = adviser.api_get(&api, &token).await;
    r.assert_status(StatusCode::OK);
    let body = r.json();
    assert_eq!(body["applications"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["applications"][0]["status"], "sent");

    // Nobody else: another agency, the regional team (page and API).
    let mut other = app.login_as(OTHER_ADVISER).await;
    other.get(&path).await.assert_status(StatusCode::NOT_FOUND);
    assert!(!other.get("/suivis").await.contains("Léa Morvan"));
    let other_token = other.new_api_token().await;
    other
        .api_get(&api, &other_token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let mut region = app.login_as(REGION).await;
    region.get(&path).await.assert_status(StatusCode::NOT_FOUND);

    // She withdraws her consent: at once, her adviser sees nothing more.
    candidate
        .post_form("/profil/accompagnement", &[("structure", agency.as_str())])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    adviser
        .get(&path)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    adviser
        .api_get(&api, &token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(!adviser.get("/suivis").await.contains("Léa Morvan"));
    // Her data export says what she declared.
    let export = candidate.get("/profil/export").await;
    assert!(export.contains("France Travail Rennes Est"));
}
