use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(
    profiles_are_validated_then_seen_with_an_audit_trail,
    cv_uploads_are_checked,
    candidates_export_and_erase_their_data,
    inactive_candidates_are_warned_then_erased,
    cv_search_by_page_and_api_is_scoped,
    profiles_moderation_and_contact_by_api,
    cv_search_gives_summaries_and_a_full_view_is_logged,
    cv_must_open_as_a_pdf_without_scripts
);

const CANDIDATE: &str = "candidate@demo.passerelle.test";

/// A small, well-formed one-page PDF.
pub fn pdf() -> Vec<u8> {
    include_bytes!("../fixtures/cv/valid.pdf").to_vec()
}

/// How many CVs the database holds.
pub async fn stored_cvs(app: &TestApp) -> i64 {
    app.state
        .db
        .run(|conn| passerelle::db::files::count(conn, "cv"))
        .await
        .unwrap()
}

pub async fn fill_profile(c: &mut Client<'_>) -> String {
    c.get("/profil").await.assert_status(StatusCode::OK);
    let r = c
        .post_form(
            "/profil",
            &[
                ("rome1", "D1102"),
                ("rome2", "pâtissier"),
                ("commune", "Rennes"),
                ("mobility_km", "20"),
                ("level_reached", "3"),
                (
                    "presentation",
                    "J’aime me lever tôt et travailler de mes mains.",
                ),
                ("visible", "oui"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let me = c.get("/profil/export").await;
    me.json()["profile"]["user_id"].as_str().unwrap().to_owned()
}

pub(crate) async fn validate(app: &TestApp, id: &str) {
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    let queue = officer.get("/moderation/profils").await;
    assert!(
        queue.contains(&format!("/moderation/profils/{id}")),
        "{}",
        queue.text
    );
    officer
        .post_form(
            &format!("/moderation/profils/{id}"),
            &[("decision", "valider")],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

async fn profiles_are_validated_then_seen_with_an_audit_trail(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    candidate.get("/profil").await;
    let r = candidate
        .post_form(
            "/profil",
            &[
                ("rome1", "XXXX"),
                ("commune", "Nulle-Part"),
                ("mobility_km", "7"),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.contains("n’a pas été reconnu")
            && r.contains("Aucune commune ne correspond")
            && r.contains("jusqu’où vous pouvez")
    );
    let id = fill_profile(&mut candidate).await;
    let page = candidate.get("/profil").await;
    assert!(page.contains("En attente de validation"));

    // Not validated yet: no recruiter sees it.
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter
        .get(&format!("/candidats/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(
        !recruiter
            .get("/candidats?metier=D1102")
            .await
            .contains(&format!("/candidats/{id}"))
    );

    validate(&app, &id).await;
    assert_eq!(
        app.last_mail_to(CANDIDATE).await.subject,
        "Votre profil est validé"
    );
    let near = recruiter
        .get("/candidats?metier=D1102&commune=35000&rayon=10")
        .await;
    near.assert_status(StatusCode::OK);
    assert!(near.contains(&format!("/candidats/{id}")));
    let far = recruiter
        .get("/candidats?metier=D1102&commune=29200&rayon=100")
        .await;
    assert!(
        !far.contains(&format!("/candidats/{id}")),
        "Brest is 210 km from Rennes"
    );
    let profile = recruiter.get(&format!("/candidats/{id}")).await;
    profile.assert_status(StatusCode::OK);
    assert!(profile.contains("Pâtissier / Pâtissière"));
    assert!(
        !profile.contains(CANDIDATE),
        "no e-mail before the candidate agrees to be contacted"
    );

    // The candidate sees who looked.
    let views = candidate.get("/profil/consultations").await;
    assert!(views.contains("Boulangerie Le Goff") && views.contains("Profil consulté"));

    // A company not validated cannot search nor read.
    let mut pending = app.login_as("garage.kerherve@demo.passerelle.test").await;
    pending
        .get("/candidats")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    pending
        .get(&format!("/candidats/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let mut teacher = app.login_as("teacher@demo.passerelle.test").await;
    teacher
        .get(&format!("/candidats/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Hidden by its owner: gone for recruiters, by page, search and API.
    candidate.get("/profil").await;
    candidate
        .post_form("/profil/visibilite", &[("visible", "non")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    recruiter
        .get(&format!("/candidats/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert!(
        !recruiter
            .get("/candidats?metier=D1102")
            .await
            .contains(&format!("/candidats/{id}"))
    );
    let token = recruiter.new_api_token().await;
    let mut api = app.client();
    api.api_get(&format!("/api/v1/candidates/{id}"), &token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    candidate.get("/profil").await;
    candidate
        .post_form("/profil/visibilite", &[("visible", "oui")])
        .await;
    let json = api
        .api_get(&format!("/api/v1/candidates/{id}"), &token)
        .await;
    json.assert_status(StatusCode::OK);
    assert_eq!(json.json()["first_name"], "Léa");
    assert!(!json.text.contains(CANDIDATE) && !json.text.contains("birth"));
}

async fn cv_uploads_are_checked(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let id = fill_profile(&mut candidate).await;
    candidate.get("/profil").await;
    let r = candidate
        .post_file(
            "/profil/cv",
            "cv",
            "cv.pdf",
            b"Bonjour, ceci n'est pas un PDF",
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("n’est pas un PDF valide"));
    let mut big = pdf();
    big.splice(10..10, vec![b' '; 5 * 1024 * 1024 + 10]);
    let r = candidate
        .post_file("/profil/cv", "cv", "gros.pdf", &big)
        .await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY || r.status == StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        r.status
    );
    assert!(r.contains("5 Mo"));
    assert!(
        !candidate
            .get("/profil")
            .await
            .contains("Télécharger mon CV")
    );

    candidate.get("/profil").await;
    candidate
        .post_file("/profil/cv", "cv", "mon-cv.pdf", &pdf())
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let own = candidate.get("/profil/cv").await;
    own.assert_status(StatusCode::OK);
    assert_eq!(own.headers.get("content-type").unwrap(), "application/pdf");
    assert!(
        own.headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(own.text.starts_with("%PDF-"));
    // Stored in the database, on no node's disk, outside anything served.
    assert_eq!(stored_cvs(&app).await, 1);
    assert!(!app.state.config.data_dir.join("cv").exists());

    validate(&app, &id).await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter
        .get(&format!("/candidats/{id}/cv"))
        .await
        .assert_status(StatusCode::OK);
    assert!(
        candidate
            .get("/profil/consultations")
            .await
            .contains("CV téléchargé")
    );
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    let journal = admin.get("/admin/journal").await;
    assert!(journal.contains("cv_downloaded"));
    assert!(!journal.contains("%PDF"), "never the content");
}

async fn candidates_export_and_erase_their_data(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    fill_profile(&mut candidate).await;
    candidate.get("/profil").await;
    candidate
        .post_file("/profil/cv", "cv", "cv.pdf", &pdf())
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let export = candidate.get("/profil/export").await;
    export.assert_status(StatusCode::OK);
    assert!(
        export
            .headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let data = export.json();
    assert_eq!(data["account"]["email"], CANDIDATE);
    assert_eq!(data["occupations"].as_array().unwrap().len(), 2);
    use base64::Engine;
    let cv = base64::engine::general_purpose::STANDARD
        .decode(data["cv_pdf_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(cv, pdf());

    candidate.get("/profil").await;
    let r = candidate
        .post_form("/profil/supprimer", &[("password", "pas le bon")])
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Mot de passe incorrect"));
    candidate
        .post_form(
            "/profil/supprimer",
            &[("password", passerelle::demo::PASSWORD)],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        candidate
            .get("/")
            .await
            .contains("Votre compte et toutes vos données ont été supprimés")
    );
    assert_eq!(stored_cvs(&app).await, 0, "the CV file is gone");
    let mut again = app.client();
    again.get("/connexion").await;
    again
        .post_form(
            "/connexion",
            &[
                ("email", CANDIDATE),
                ("password", passerelle::demo::PASSWORD),
            ],
        )
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

async fn inactive_candidates_are_warned_then_erased(app: TestApp) {
    let app = app.with_demo().await;
    {
        let mut candidate = app.login_as(CANDIDATE).await;
        fill_profile(&mut candidate).await;
        candidate.get("/profil").await;
        candidate
            .post_file("/profil/cv", "cv", "cv.pdf", &pdf())
            .await
            .assert_status(StatusCode::SEE_OTHER);
    }
    assert_eq!(stored_cvs(&app).await, 1);
    let today = passerelle::clock::today_paris();
    let run = |day: chrono::NaiveDate| {
        app.state.db.tx(move |conn| {
            passerelle::candidates::service::purge_inactive(
                conn,
                "http://passerelle.test",
                day,
                730,
            )
        })
    };
    // The demo candidate never logged in: created today. Nor did the four candidates of the
    // campaigns' demo.
    assert_eq!(run(today).await.unwrap().0, 0);
    let (warned, erased) = run(today + chrono::Duration::days(701)).await.unwrap();
    assert_eq!((warned, erased), (5, 0));
    let mail = app.last_mail_to(CANDIDATE).await;
    assert!(mail.subject.contains("sera supprimé dans un mois"));
    assert_eq!(
        run(today + chrono::Duration::days(702)).await.unwrap().0,
        0,
        "warned once"
    );
    let (_, erased) = run(today + chrono::Duration::days(731)).await.unwrap();
    assert_eq!(erased, 5);
    assert_eq!(stored_cvs(&app).await, 0, "the CV went with the profile");
    let mut c = app.client();
    c.get("/connexion").await;
    c.post_form(
        "/connexion",
        &[
            ("email", CANDIDATE),
            ("password", passerelle::demo::PASSWORD),
        ],
    )
    .await
    .assert_status(StatusCode::UNAUTHORIZED);
    // Other roles are never purged this way.
    app.login_as("recruiter@demo.passerelle.test").await;
}

both_backends!(contact_details_only_after_the_candidate_accepts);

async fn contact_details_only_after_the_candidate_accepts(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let id = fill_profile(&mut candidate).await;
    validate(&app, &id).await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let page = recruiter.get(&format!("/candidats/{id}")).await;
    assert!(page.contains("Demander à entrer en contact") && !page.contains(CANDIDATE));
    recruiter
        .post_form(&format!("/candidats/{id}/contact"), &[("message", "court")])
        .await;
    assert!(
        recruiter
            .get(&format!("/candidats/{id}"))
            .await
            .contains("20 à 2 000 caractères")
    );
    recruiter
        .post_form(
            &format!("/candidats/{id}/contact"),
            &[(
                "message",
                "Nous cherchons un·e apprenti·e boulanger·ère à Rennes dès janvier.",
            )],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mail = app.last_mail_to(CANDIDATE).await;
    assert!(
        mail.subject
            .contains("Boulangerie Le Goff souhaite vous contacter")
    );
    let page = recruiter.get(&format!("/candidats/{id}")).await;
    assert!(page.contains("En attente de réponse") && !page.contains(CANDIDATE));
    // Asking twice is refused; another person cannot answer in the candidate's place.
    recruiter
        .post_form(
            &format!("/candidats/{id}/contact"),
            &[(
                "message",
                "Nous cherchons toujours un·e apprenti·e, relance.",
            )],
        )
        .await;
    assert!(
        recruiter
            .get(&format!("/candidats/{id}"))
            .await
            .contains("déjà demandé")
    );
    let profile = candidate.get("/profil").await;
    assert!(profile.contains("Demandes de contact") && profile.contains("Boulangerie Le Goff"));
    let request = profile
        .text
        .split("/contacts/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let mut other = app.login_as("prescriber@demo.passerelle.test").await;
    other.get("/tableau-de-bord").await;
    other
        .post_form(&format!("/contacts/{request}"), &[("decision", "accepter")])
        .await
        .assert_status(StatusCode::FORBIDDEN);
    candidate
        .post_form(&format!("/contacts/{request}"), &[("decision", "accepter")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        app.last_mail_to("recruiter@demo.passerelle.test")
            .await
            .body
            .contains(CANDIDATE)
    );
    assert!(
        recruiter
            .get(&format!("/candidats/{id}"))
            .await
            .contains(&format!("mailto:{CANDIDATE}"))
    );
    // Answered once only.
    candidate.get("/profil").await;
    candidate
        .post_form(&format!("/contacts/{request}"), &[("decision", "refuser")])
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn cv_search_by_page_and_api_is_scoped(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let id = fill_profile(&mut candidate).await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let token = recruiter.new_api_token().await;
    let mut api = app.client();
    let search = |q: &str| format!("/api/v1/candidates/search?{q}");

    // Not validated yet: never found.
    let r = api.api_get(&search("rome=D1102"), &token).await;
    r.assert_status(StatusCode::OK);
    assert!(!r.text.contains(&id));
    validate(&app, &id).await;

    // By occupation, and by radius around Rennes (not from Brest, 240 km away).
    let r = api
        .api_get(&search("rome=D1102&commune=35238&radius_km=20"), &token)
        .await;
    r.assert_status(StatusCode::OK);
    let found = r.json();
    let me = found
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.as_str())
        .expect("the validated profile is found around Rennes");
    assert_eq!(me["first_name"], "Léa");
    assert!(!r.text.contains(CANDIDATE) && !r.text.contains("birth"));
    let far = api
        .api_get(&search("rome=D1102&commune=29019&radius_km=50"), &token)
        .await;
    assert!(!far.text.contains(&id));
    assert!(
        !api.api_get(&search("rome=M1607"), &token)
            .await
            .text
            .contains(&id)
    );
    assert!(
        recruiter
            .get("/candidats?metier=D1102&commune=Rennes&rayon=20")
            .await
            .contains(&format!("/candidats/{id}"))
    );

    // Bad criteria: structured French errors in the API, listed on the page.
    let r = api
        .api_get(&search("commune=Nulle-Part-sur-Mer&level=12"), &token)
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["code"], "invalid");
    let message = r.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("Aucune commune ne correspond") && message.contains("niveau"),
        "{message}"
    );
    let page = recruiter.get("/candidats?commune=Nulle-Part-sur-Mer").await;
    assert!(page.contains("Aucune commune ne correspond"));

    // A saved profile leaves the recruiter's basket when its owner hides it.
    api.api_json(
        "PUT",
        &format!("/api/v1/basket/candidates/{id}"),
        &token,
        serde_json::json!({}),
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);
    let basket = api.api_get("/api/v1/basket", &token).await;
    assert_eq!(basket.json()["profiles"][0]["id"], id.as_str());
    candidate.get("/profil").await;
    candidate
        .post_form("/profil/visibilite", &[("visible", "non")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let basket = api.api_get("/api/v1/basket", &token).await;
    assert!(!basket.text.contains(&id));
    assert!(
        !api.api_get(&search("rome=D1102"), &token)
            .await
            .text
            .contains(&id)
    );
    api.api_json(
        "PUT",
        &format!("/api/v1/basket/candidates/{id}"),
        &token,
        serde_json::json!({}),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);

    // Only validated recruiters and training centres search CVs.
    let candidate_token = candidate.new_api_token().await;
    api.api_get(&search("rome=D1102"), &candidate_token)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let mut pending = app.login_as("garage.kerherve@demo.passerelle.test").await;
    let pending_token = pending.new_api_token().await;
    let r = api.api_get(&search(""), &pending_token).await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert!(r.json()["message"].as_str().unwrap().contains("réservée"));
}

async fn profiles_moderation_and_contact_by_api(app: TestApp) {
    use serde_json::json;
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let token = candidate.new_api_token().await;
    let mut api = app.client();

    let r = api.api_get("/api/v1/me/profile", &token).await;
    r.assert_status(StatusCode::NOT_FOUND);
    assert!(r.json()["message"].as_str().unwrap().contains("profil"));
    let r = api
        .api_json(
            "PUT",
            "/api/v1/me/profile",
            &token,
            json!({"occupations": ["XXXX"], "commune": "Nulle-Part", "mobility_km": 20}),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let message = r.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("n’a pas été reconnu") && message.contains("Aucune commune"),
        "{message}"
    );
    let r = api
        .api_json(
            "PUT",
            "/api/v1/me/profile",
            &token,
            json!({"occupations": ["D1102", "pâtissier"], "commune": "35238", "mobility_km": 20,
                   "level_reached": 3, "available_from": "2027-09-01",
                   "presentation": "J’aime le travail du matin.", "visible": true}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let profile = r.json();
    assert_eq!(profile["validation_status"], "pending");
    assert_eq!(profile["occupations"].as_array().unwrap().len(), 2);
    let id = profile["id"].as_str().unwrap().to_owned();

    // The chamber validates through the API; a rejection needs a reason.
    let mut officer = app
        .login_as("registration_officer@demo.passerelle.test")
        .await;
    let officer_token = officer.new_api_token().await;
    let queue = api
        .api_get("/api/v1/moderation/candidates", &officer_token)
        .await;
    queue.assert_status(StatusCode::OK);
    assert!(queue.text.contains(&id));
    let decide = format!("/api/v1/moderation/candidates/{id}");
    api.api_json("POST", &decide, &officer_token, json!({"approve": false}))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    api.api_json("POST", &decide, &token, json!({"approve": true}))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    api.api_get("/api/v1/moderation/candidates", &token)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    api.api_json("POST", &decide, &officer_token, json!({"approve": true}))
        .await
        .assert_status(StatusCode::NO_CONTENT);
    assert_eq!(
        api.api_get("/api/v1/me/profile", &token).await.json()["validation_status"],
        "validated"
    );

    // A recruiter asks to get in touch; the candidate accepts; only then the address goes out.
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let recruiter_token = recruiter.new_api_token().await;
    let ask = format!("/api/v1/candidates/{id}/contact-requests");
    api.api_json(
        "POST",
        &ask,
        &recruiter_token,
        json!({"message": "Bonjour"}),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    api.api_json(
        "POST",
        &ask,
        &recruiter_token,
        json!({"message": "Bonjour, nous cherchons un·e apprenti·e boulanger·ère à Rennes pour septembre."}),
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);
    let received = api
        .api_get("/api/v1/me/contact-requests", &token)
        .await
        .json();
    let request = received[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(received[0]["status"], "pending");
    assert_eq!(received[0]["organisation_name"], "Boulangerie Le Goff");
    let answer = format!("/api/v1/me/contact-requests/{request}");
    api.api_json("POST", &answer, &recruiter_token, json!({"accept": true}))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    api.api_json("POST", &answer, &token, json!({"accept": true}))
        .await
        .assert_status(StatusCode::NO_CONTENT);
    let mail = app.last_mail_to("recruiter@demo.passerelle.test").await;
    assert!(mail.body.contains(CANDIDATE));
    api.api_json("POST", &answer, &token, json!({"accept": false}))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

/// The search (API and page) gives summaries only and logs nothing; the full profile is one
/// view, logged (who, organisation, what, when) and shown to the candidate.
async fn cv_search_gives_summaries_and_a_full_view_is_logged(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    let id = fill_profile(&mut candidate).await;
    candidate.get("/profil").await;
    candidate
        .post_file("/profil/cv", "cv", "cv.pdf", &pdf())
        .await
        .assert_status(StatusCode::SEE_OTHER);
    validate(&app, &id).await;
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let token = recruiter.new_api_token().await;
    let mut api = app.client();

    let r = api
        .api_get("/api/v1/candidates/search?rome=D1102", &token)
        .await;
    r.assert_status(StatusCode::OK);
    let found = r.json();
    let me = found
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.as_str())
        .expect("found")
        .clone();
    assert_eq!(me["first_name"], "Léa");
    assert_eq!(me["last_name_initial"], "M.");
    assert_eq!(me["commune"], "Rennes (35000)");
    assert_eq!(me["level"], "Niveau 3 – CAP, BEP");
    assert_eq!(me["occupations"][0]["label"], "Boulanger / Boulangère");
    assert!(me.get("available_from").is_some());
    for hidden in ["presentation", "structured_cv", "mobility_km", "has_cv"] {
        assert!(
            me.get(hidden).is_none(),
            "{hidden} in a search result: {me}"
        );
    }
    assert!(!r.text.contains("lever tôt") && !r.text.contains("Morvan"));
    let page = recruiter.get("/candidats?metier=D1102").await;
    assert!(page.contains(&format!("/candidats/{id}")) && page.contains("Léa M."));
    assert!(page.contains("Boulanger / Boulangère") && page.contains("Rennes (35000)"));
    assert!(!page.contains("lever tôt"));
    // Searching is not viewing: nothing logged, nothing shown to the candidate.
    let views = candidate.get("/profil/consultations").await;
    assert!(
        views.contains("Personne n’a encore consulté"),
        "{}",
        views.text
    );
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    let logged = |text: &str| text.matches("cv_viewed").count();
    let before = logged(&admin.get("/admin/journal").await.text);

    // The full profile, through the API: one logged view.
    let full = api
        .api_get(&format!("/api/v1/candidates/{id}"), &token)
        .await;
    full.assert_status(StatusCode::OK);
    assert!(full.text.contains("lever tôt"));
    let views = candidate.get("/profil/consultations").await;
    assert!(
        views.contains("Boulangerie Le Goff") && views.contains("Profil consulté"),
        "{}",
        views.text
    );
    let journal = admin.get("/admin/journal").await;
    assert_eq!(logged(&journal.text), before + 1, "{}", journal.text);
}

/// A CV must open as a PDF and carry no script or launch action.
async fn cv_must_open_as_a_pdf_without_scripts(app: TestApp) {
    let app = app.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    fill_profile(&mut candidate).await;
    let fake = include_bytes!("../fixtures/cv/fake.pdf");
    assert!(fake.starts_with(b"%PDF-") && fake.ends_with(b"%%EOF\n"));
    candidate.get("/profil").await;
    let r = candidate
        .post_file("/profil/cv", "cv", "cv.pdf", fake)
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("n’est pas un PDF valide"), "{}", r.text);
    for (name, bytes) in [
        (
            "javascript.pdf",
            &include_bytes!("../fixtures/cv/javascript.pdf")[..],
        ),
        (
            "launch.pdf",
            &include_bytes!("../fixtures/cv/launch.pdf")[..],
        ),
    ] {
        candidate.get("/profil").await;
        let r = candidate.post_file("/profil/cv", "cv", name, bytes).await;
        r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.contains("contient du JavaScript ou une action"),
            "{name}: {}",
            r.text
        );
    }
    assert!(
        !candidate
            .get("/profil")
            .await
            .contains("Télécharger mon CV")
    );
    assert_eq!(stored_cvs(&app).await, 0, "nothing refused is stored");
    candidate.get("/profil").await;
    candidate
        .post_file("/profil/cv", "cv", "cv.pdf", &pdf())
        .await
        .assert_status(StatusCode::SEE_OTHER);
    assert!(
        candidate
            .get("/profil")
            .await
            .contains("Télécharger mon CV")
    );
}
