use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(
    a_candidate_applies_and_the_recruiter_answers,
    delegated_offers_send_applications_to_the_centre,
    unanswered_applications_remind_once,
    erased_candidates_leave_anonymous_applications,
    opening_an_application_leaves_its_status,
    dashboards_open_with_the_applications_under_way
);

const CANDIDATE: &str = "candidate@demo.passerelle.test";
const MOTIVATION: &str = "Bonjour, je prépare un CAP et je cherche une boulangerie à Rennes.";

/// The id of a published offer found by its exact title on the public list.
pub(crate) async fn offer_id(c: &mut Client<'_>, title: &str) -> String {
    let list = c.get("/offres").await;
    let marker = format!("\">{title}</a>");
    let end = list
        .text
        .find(&marker)
        .unwrap_or_else(|| panic!("{title} not listed"));
    let start = list.text[..end].rfind("/offres/").unwrap() + "/offres/".len();
    list.text[start..end].to_owned()
}

async fn apply(c: &mut Client<'_>, offer: &str, message: &str) -> crate::helpers::TestResponse {
    c.get(&format!("/offres/{offer}")).await;
    c.post_form(
        &format!("/offres/{offer}/candidater"),
        &[("message", message)],
    )
    .await
}

async fn a_candidate_applies_and_the_recruiter_answers(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    let offer = offer_id(&mut visitor, "Apprenti·e boulanger·ère").await;
    assert!(
        visitor
            .get(&format!("/offres/{offer}"))
            .await
            .contains("Se connecter pour postuler")
    );

    let mut candidate = app.login_as(CANDIDATE).await;
    let r = apply(&mut candidate, &offer, "Bonjour").await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert!(
        candidate
            .get(&r.location())
            .await
            .contains("20 caractères au moins")
    );
    let r = apply(&mut candidate, &offer, MOTIVATION).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let id = r.location().trim_start_matches("/candidatures/").to_owned();
    assert!(candidate.get(&r.location()).await.contains("Envoyée"));
    let again = apply(&mut candidate, &offer, MOTIVATION).await;
    assert!(
        candidate
            .get(&again.location())
            .await
            .contains("déjà postulé")
    );

    // The company is told, and reads it: the candidate sees it was read.
    assert!(
        app.last_mail_to("recruiter@demo.passerelle.test")
            .await
            .subject
            .starts_with("Nouvelle candidature")
    );
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let list = recruiter.get("/candidatures-recues").await;
    assert!(list.contains("Léa Morvan") && list.contains("Taux de réponse : <strong>0 %</strong>"));
    let page = recruiter.get(&format!("/candidatures/{id}")).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains(MOTIVATION) && page.contains(CANDIDATE));
    // Reading is an explicit step (a POST), never a side effect of opening the page.
    recruiter
        .post_form(&format!("/candidatures/{id}/etape"), &[("step", "lue")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(candidate.get("/mes-candidatures").await.contains("Lue"));

    // Nobody else sees it: another company, a training centre, by page, list or API.
    for email in [
        "garage.kerherve@demo.passerelle.test",
        "training_staff@demo.passerelle.test",
        "teacher@demo.passerelle.test",
    ] {
        let mut other = app.login_as(email).await;
        other
            .get(&format!("/candidatures/{id}"))
            .await
            .assert_status(StatusCode::NOT_FOUND);
        let list = other.get("/candidatures-recues").await;
        assert!(!list.contains(&id));
        other.get("/compte").await;
        let r = other.post_form("/compte/jetons", &[("name", "api")]).await;
        let start = r.text.find("psl_").unwrap();
        let token: String = r.text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let mut api = app.client();
        api.api_get(&format!("/api/v1/applications/{id}"), &token)
            .await
            .assert_status(StatusCode::NOT_FOUND);
        assert!(
            !api.api_get("/api/v1/applications", &token)
                .await
                .text
                .contains(&id)
        );
    }

    // Answer, interview, decline with a reason.
    recruiter.get(&format!("/candidatures/{id}")).await;
    recruiter
        .post_form(
            &format!("/candidatures/{id}/etape"),
            &[
                ("step", "message"),
                ("message", "Merci ! Êtes-vous disponible mardi ?"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        app.last_mail_to(CANDIDATE)
            .await
            .subject
            .starts_with("Nouveau message")
    );
    let thread = candidate.get(&format!("/candidatures/{id}")).await;
    assert!(thread.contains("En discussion") && thread.contains("Êtes-vous disponible mardi ?"));
    recruiter.get(&format!("/candidatures/{id}")).await;
    recruiter
        .post_form(
            &format!("/candidatures/{id}/etape"),
            &[
                ("step", "entretien"),
                ("message", "Rendez-vous mardi à 10 h."),
            ],
        )
        .await;
    assert!(
        app.last_mail_to(CANDIDATE)
            .await
            .subject
            .starts_with("Proposition d’entretien")
    );
    recruiter.get(&format!("/candidatures/{id}")).await;
    recruiter
        .post_form(
            &format!("/candidatures/{id}/etape"),
            &[("step", "refuser"), ("reason", "")],
        )
        .await;
    assert!(
        recruiter
            .get(&format!("/candidatures/{id}"))
            .await
            .contains("Choisissez la raison")
    );
    recruiter
        .post_form(
            &format!("/candidatures/{id}/etape"),
            &[("step", "refuser"), ("reason", "filled")],
        )
        .await;
    let page = candidate.get(&format!("/candidatures/{id}")).await;
    assert!(page.contains("Non retenue") && page.contains("Le poste est déjà pourvu"));
    // Closed: the candidate can no longer withdraw.
    candidate
        .post_form(&format!("/candidatures/{id}/etape"), &[("step", "retirer")])
        .await;
    assert!(
        candidate
            .get(&format!("/candidatures/{id}"))
            .await
            .contains("n’est plus possible")
    );
    // The recruiter's response rate counts it.
    assert!(
        recruiter
            .get("/tableau-de-bord")
            .await
            .contains("taux de réponse 100 %")
    );
}

async fn delegated_offers_send_applications_to_the_centre(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let offer = offer_id(&mut candidate, "Apprenti·e pâtissier·ère").await;
    let r = apply(&mut candidate, &offer, MOTIVATION).await;
    let id = r.location().trim_start_matches("/candidatures/").to_owned();
    let mut centre = app.login_as("training_staff@demo.passerelle.test").await;
    assert!(
        centre
            .get("/candidatures-recues")
            .await
            .contains("Apprenti·e pâtissier·ère")
    );
    centre
        .get(&format!("/candidatures/{id}"))
        .await
        .assert_status(StatusCode::OK);
    assert!(
        app.last_mail_to("training_staff@demo.passerelle.test")
            .await
            .subject
            .starts_with("Nouvelle candidature")
    );
    let mut bakery = app.login_as("recruiter@demo.passerelle.test").await;
    bakery
        .get(&format!("/candidatures/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // The bakery ends the delegation: the offer, its application and the CV behind it are
    // the bakery's again, and the centre no longer sees them.
    let bakery_id = bakery.own_org_id().await;
    let centre_id = centre.own_org_id().await;
    bakery.get(&format!("/organisations/{bakery_id}")).await;
    bakery
        .post_form(
            &format!("/organisations/{bakery_id}/delegations/{centre_id}/revoquer"),
            &[],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    centre
        .get(&format!("/candidatures/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(
        !centre
            .get("/candidatures-recues")
            .await
            .contains("Apprenti·e pâtissier·ère")
    );
    let candidate_id = app
        .state
        .db
        .run(|conn| passerelle::auth::store::by_email(conn, CANDIDATE))
        .await
        .unwrap()
        .expect("demo candidate")
        .id;
    let cv = centre.get(&format!("/candidats/{candidate_id}")).await;
    assert_ne!(
        cv.status,
        StatusCode::OK,
        "the centre keeps no hand on the CV"
    );
    bakery
        .get(&format!("/candidatures/{id}"))
        .await
        .assert_status(StatusCode::OK);
    bakery
        .get(&format!("/mes-offres/{offer}/modifier"))
        .await
        .assert_status(StatusCode::OK);
}

async fn unanswered_applications_remind_once(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let offer = offer_id(&mut candidate, "Apprenti·e boulanger·ère").await;
    apply(&mut candidate, &offer, MOTIVATION).await;
    let remind = |days: i64| {
        let at = passerelle::db::now() + chrono::Duration::days(days);
        app.state.db.tx(move |conn| {
            passerelle::applications::service::remind_unanswered(conn, "http://passerelle.test", at)
        })
    };
    assert_eq!(remind(6).await.unwrap(), 0);
    assert_eq!(remind(8).await.unwrap(), 1);
    assert!(
        app.last_mail_to("recruiter@demo.passerelle.test")
            .await
            .subject
            .starts_with("Candidature en attente de réponse")
    );
    assert_eq!(remind(9).await.unwrap(), 0, "once");
}

async fn erased_candidates_leave_anonymous_applications(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let offer = offer_id(&mut candidate, "Apprenti·e boulanger·ère").await;
    let id = apply(&mut candidate, &offer, MOTIVATION)
        .await
        .location()
        .trim_start_matches("/candidatures/")
        .to_owned();
    // Erasing needs a profile page; the candidate creates one first.
    candidate.get("/profil").await;
    candidate
        .post_form(
            "/profil",
            &[
                ("rome1", "D1102"),
                ("commune", "Rennes"),
                ("mobility_km", "20"),
            ],
        )
        .await;
    candidate.get("/profil").await;
    candidate
        .post_form(
            "/profil/supprimer",
            &[("password", passerelle::demo::PASSWORD)],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    assert!(
        recruiter
            .get("/candidatures-recues")
            .await
            .contains("Candidat·e anonymisé·e")
    );
    let page = recruiter.get(&format!("/candidatures/{id}")).await;
    page.assert_status(StatusCode::OK);
    assert!(!page.contains(MOTIVATION) && !page.contains("Morvan") && !page.contains(CANDIDATE));
}

/// Opening an application (page or API) changes nothing: the recruiter marks it read with a
/// button (a POST), which tells the candidate nothing by mail.
async fn opening_an_application_leaves_its_status(app: TestApp) {
    let app = app.with_demo().await;
    let mut visitor = app.client();
    let offer = offer_id(&mut visitor, "Apprenti·e boulanger·ère").await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let r = apply(&mut candidate, &offer, MOTIVATION).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let id = r.location().trim_start_matches("/candidatures/").to_owned();
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let page = recruiter.get(&format!("/candidatures/{id}")).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Marquer comme lue"));
    let token = recruiter.new_api_token().await;
    let detail = recruiter
        .api_get(&format!("/api/v1/applications/{id}"), &token)
        .await;
    detail.assert_status(StatusCode::OK);
    assert_eq!(detail.json()["application"]["status"], "sent");
    let mine = candidate.get("/mes-candidatures").await;
    assert!(mine.contains("Envoyée") && !mine.contains("Lue"));

    let mails_before = app.mails().await.len();
    recruiter.get(&format!("/candidatures/{id}")).await;
    recruiter
        .post_form(&format!("/candidatures/{id}/etape"), &[("step", "lue")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let after = recruiter
        .api_get(&format!("/api/v1/applications/{id}"), &token)
        .await
        .json();
    assert_eq!(after["application"]["status"], "read");
    assert_eq!(
        app.mails().await.len(),
        mails_before,
        "no mail for a reading"
    );
    // The candidate cannot mark it read in the recruiter's place.
    candidate.get(&format!("/candidatures/{id}")).await;
    candidate
        .post_form(&format!("/candidatures/{id}/etape"), &[("step", "lue")])
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

/// A key figure of a dashboard: the number shown before `label` (singular or plural form).
pub fn key_figure(html: &str, one: &str, many: &str) -> i64 {
    let end = [one, many]
        .iter()
        .find_map(|label| html.find(&format!("<span class=\"figure-label\">{label}</span>")))
        .unwrap_or_else(|| panic!("no key figure « {many} » in:\n{html}"));
    let before = &html[..end];
    let start = before.rfind("figure-number\">").unwrap() + "figure-number\">".len();
    let number: String = before[start..]
        .chars()
        .take_while(|c| *c != '<')
        .filter(char::is_ascii_digit)
        .collect();
    number.parse().unwrap()
}

/// The dashboard opens with its key figures, before the tiles.
fn figures_first(html: &str) {
    let figures = html.find("class=\"figures\"").expect("key figures");
    assert!(
        figures < html.find("class=\"cards\"").unwrap(),
        "figures before the tiles"
    );
}

async fn dashboards_open_with_the_applications_under_way(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let under_way = |html: &str| key_figure(html, "candidature en cours", "candidatures en cours");
    let unanswered = |html: &str| {
        key_figure(
            html,
            "candidature sans réponse",
            "candidatures sans réponse",
        )
    };

    let page = candidate.get("/tableau-de-bord").await;
    figures_first(&page.text);
    assert!(page.contains("href=\"/mes-candidatures\""));
    let candidate_before = under_way(&page.text);
    let page = recruiter.get("/tableau-de-bord").await;
    figures_first(&page.text);
    assert!(page.contains("offres publiées") || page.contains("offre publiée"));
    let recruiter_before = unanswered(&page.text);

    let offer = offer_id(&mut candidate, "Apprenti·e boulanger·ère").await;
    apply(&mut candidate, &offer, MOTIVATION)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = candidate.get("/tableau-de-bord").await;
    assert_eq!(under_way(&page.text), candidate_before + 1);
    let page = recruiter.get("/tableau-de-bord").await;
    assert_eq!(unanswered(&page.text), recruiter_before + 1);
}
