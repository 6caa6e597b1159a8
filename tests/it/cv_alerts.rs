//! CV alerts: a recruiter keeps a CV search as an alert and receives, once a day, the
//! profiles validated since that match it, each once; the candidate sees the disclosure;
//! nobody else keeps or deletes the alert.

use axum::http::StatusCode;

use crate::both_backends;
use crate::candidates::{fill_profile, validate};
use crate::helpers::TestApp;

both_backends!(a_company_receives_each_new_matching_profile_once);

const CANDIDATE: &str = "candidate@demo.passerelle.test";
const RECRUITER: &str = "recruiter@demo.passerelle.test";
const CENTRE: &str = "training_staff@demo.passerelle.test";

async fn digests(app: &TestApp) -> usize {
    passerelle::candidates::alerts::send_digests(&app.state)
        .await
        .unwrap()
}

async fn a_company_receives_each_new_matching_profile_once(app: TestApp) {
    let app = app.with_demo().await;
    let mut recruiter = app.login_as(RECRUITER).await;
    let page = recruiter
        .get("/candidats?metier=D1102&commune=Rennes&rayon=30")
        .await;
    assert!(page.contains("Recevoir chaque jour les nouveaux profils"));
    // Too broad, or wrong: refused in French, nothing kept.
    let r = recruiter
        .post_form("/candidats/alertes", &[("niveau", "3")])
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.contains("au moins un métier ou une commune"),
        "{}",
        r.text
    );
    let r = recruiter
        .post_form("/candidats/alertes", &[("metier", "ZZZZ")])
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("n’a pas été reconnu"));
    assert!(r.contains("Vous n’avez pas d’alerte"));
    let r = recruiter
        .post_form(
            "/candidats/alertes",
            &[("metier", "D1102"), ("commune", "Rennes"), ("rayon", "30")],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let list = recruiter.get("/candidats/alertes").await;
    assert!(list.contains("Rennes (35"), "{}", list.text);
    assert!(list.contains("30 km"));
    let delete = {
        let start = list.text.find("/candidats/alertes/").unwrap();
        let rest = &list.text[start..];
        rest[..rest.find('"').unwrap()].to_owned()
    };
    // Profiles validated before the alert are not new.
    assert_eq!(digests(&app).await, 0);

    // Léa's profile is validated: the next digest sends it, once.
    let mut candidate = app.login_as(CANDIDATE).await;
    let id = fill_profile(&mut candidate).await;
    validate(&app, &id).await;
    assert_eq!(digests(&app).await, 1);
    let mail = app.last_mail_to(RECRUITER).await;
    assert!(
        mail.subject.starts_with("1 nouveau profil pour"),
        "{mail:?}"
    );
    assert!(mail.body.contains("Léa M."), "{}", mail.body);
    assert!(mail.body.contains(&format!("/candidats/{id}")));
    assert!(
        !mail.body.contains("me lever tôt"),
        "never the presentation"
    );
    assert_eq!(digests(&app).await, 0);
    // She sees that the company received her profile.
    let views = candidate.get("/profil/consultations").await;
    assert!(
        views.contains("Profil reçu dans une alerte"),
        "{}",
        views.text
    );

    // Nobody else keeps or deletes it; a candidate has no alerts.
    let mut centre = app.login_as(CENTRE).await;
    centre
        .get("/candidats/alertes")
        .await
        .assert_status(StatusCode::OK);
    centre
        .post_form(&delete, &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);
    candidate
        .get("/candidats/alertes")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    recruiter
        .post_form(&delete, &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        recruiter
            .get("/candidats/alertes")
            .await
            .contains("Vous n’avez pas d’alerte")
    );
}
