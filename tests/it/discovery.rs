//! "Cap sur les métiers": a teacher finds an action near the school, requests it for a class,
//! the company accepts, both record the attendance; companies see how many schools looked at
//! their actions; each side sees its own requests only.

use axum::http::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    a_teacher_requests_an_action_and_the_company_accepts,
    actions_near_the_school_come_first_and_requests_stay_private,
);

const TEACHER: &str = "teacher@demo.passerelle.test";
const RECRUITER: &str = "recruiter@demo.passerelle.test";
const OTHER_TEACHER: &str = "prof.brest@exemple.fr";
const OTHER_RECRUITER: &str = "atelier.concarneau@exemple.fr";

/// A second school (Brest) and a second company (Concarneau, near Quimper), each with one
/// account: no page creates them, so the library does.
async fn second_organisations(app: &TestApp) {
    app.state
        .db
        .run(|conn| {
            use passerelle::auth::store::{NewUser, create};
            use passerelle::organisations::store::{NewOrganisation, create as create_org};
            use passerelle::types::{EmailAddress, OrgKind, OrgStatus, Role, Siret, UserStatus};
            let hash = passerelle::auth::password::hash(passerelle::demo::PASSWORD)
                .map_err(passerelle::error::AppError::internal)?;
            let school = create_org(
                conn,
                NewOrganisation {
                    kind: OrgKind::School,
                    name: "Lycée Vauban de Brest",
                    network: None,
                    siret: None,
                    commune_insee: Some("29019"),
                    status: OrgStatus::Active,
                    departments: &["29".to_owned()],
                },
            )?;
            let siret = Siret::parse("73282932000074").unwrap();
            let company = create_org(
                conn,
                NewOrganisation {
                    kind: OrgKind::Company,
                    name: "Chantier naval de Concarneau",
                    network: None,
                    siret: Some(&siret),
                    commune_insee: Some("29039"),
                    status: OrgStatus::Active,
                    departments: &["29".to_owned()],
                },
            )?;
            for (email, role, org) in [
                (OTHER_TEACHER, Role::Teacher, &school),
                (OTHER_RECRUITER, Role::Recruiter, &company),
            ] {
                create(
                    conn,
                    NewUser {
                        email: &EmailAddress::parse(email).unwrap(),
                        password_hash: Some(hash.clone()),
                        first_name: "Anne",
                        last_name: "Kervella",
                        role,
                        organisation_id: Some(org),
                        is_org_admin: true,
                        status: UserStatus::Active,
                        email_verified: true,
                        birth_date: None,
                    },
                )?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

fn day(offset: i64) -> String {
    (passerelle::clock::today_paris() + chrono::Duration::days(offset))
        .format("%d/%m/%Y")
        .to_string()
}

async fn a_teacher_requests_an_action_and_the_company_accepts(app: TestApp) {
    let app = app.with_demo().await;
    second_organisations(&app).await;
    let mut teacher = app.login_as(TEACHER).await;
    // French analysis: the feminine form finds the baker's visit.
    let list = teacher
        .get("/decouverte-metiers?q=boulang%C3%A8re&niveau=lycee")
        .await;
    list.assert_status(StatusCode::OK);
    assert!(
        list.contains("Visite du fournil de la Boulangerie Le Goff"),
        "{}",
        list.text
    );
    let found = app
        .client()
        .get("/api/v1/discovery/actions?metier=D1104")
        .await
        .json();
    let actions = found["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{found}");
    let action = actions[0]["id"].as_str().unwrap().to_owned();

    // The company sees how many schools looked: twice the same school counts once.
    let mut recruiter = app.login_as(RECRUITER).await;
    let company_token = recruiter.new_api_token().await;
    let viewed = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == action.as_str())
            .unwrap()["schools_viewed"]
            .as_i64()
            .unwrap()
    };
    let mine = recruiter
        .api_get("/api/v1/discovery/my-actions", &company_token)
        .await
        .json();
    assert_eq!(viewed(&mine), 0);
    let page = format!("/decouverte-metiers/actions/{action}");
    teacher.get(&page).await.assert_status(StatusCode::OK);
    teacher.get(&page).await;
    let mine = recruiter
        .api_get("/api/v1/discovery/my-actions", &company_token)
        .await
        .json();
    assert_eq!(viewed(&mine), 1);
    let mut other_teacher = app.login_as(OTHER_TEACHER).await;
    other_teacher.get(&page).await;
    // A company's own views do not count.
    recruiter.get(&page).await;
    let mine = recruiter
        .api_get("/api/v1/discovery/my-actions", &company_token)
        .await
        .json();
    assert_eq!(viewed(&mine), 2);
    assert!(
        recruiter
            .get("/decouverte-metiers/mes-actions")
            .await
            .contains("<td>2</td>")
    );

    // The teacher requests it for a class; the company is told.
    let form = teacher.get(&page).await;
    assert!(form.contains("Demander cette action pour un groupe"));
    let r = teacher
        .post_form(
            &format!("{page}/demande"),
            &[("group_size", "40"), ("wished_dates", "un mardi matin")],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("15 personnes au plus"));
    let r = teacher
        .post_form(
            &format!("{page}/demande"),
            &[
                ("group_size", "14"),
                ("wished_dates", "Un mardi matin de mars"),
                ("message", "Classe de seconde bac pro boulanger-pâtissier."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let request = r.location().rsplit('/').next().unwrap().to_owned();
    let mail = app.last_mail_to(RECRUITER).await;
    assert!(mail.subject.contains("Nouvelle demande"), "{mail:?}");
    assert!(mail.body.contains("Lycée professionnel de Quimper"));

    // The company accepts with a date; the teacher is told.
    let path = format!("/decouverte-metiers/demandes/{request}");
    let shown = recruiter.get(&path).await;
    shown.assert_status(StatusCode::OK);
    assert!(shown.contains("Proposer une autre date"));
    // A date that does not exist is said so, and the step's form comes back as typed.
    let r = recruiter
        .post_form(
            &format!("{path}/etape"),
            &[
                ("step", "propose_date"),
                ("date", "30/02/2027"),
                ("message", "Plutôt un jeudi."),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.contains("Cette date n’existe pas (30/02/2027) : février 2027 compte 28 jours."),
        "{}",
        r.text
    );
    assert!(r.contains(
        "id=\"date-propose_date\" name=\"date\" inputmode=\"numeric\" value=\"30/02/2027\""
    ));
    assert!(r.contains("rows=\"2\">Plutôt un jeudi.</textarea>"));
    assert!(r.contains("id=\"date-accept\" name=\"date\" inputmode=\"numeric\" value=\"\""));
    assert!(
        !recruiter
            .get(&path)
            .await
            .contains("Cette date n’existe pas")
    );
    let date = day(20);
    let r = recruiter
        .post_form(
            &format!("{path}/etape"),
            &[
                ("step", "accept"),
                ("date", &date),
                ("message", "Rendez-vous à 6 h au fournil."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mail = app.last_mail_to(TEACHER).await;
    assert!(mail.body.contains("accepte votre demande"), "{mail:?}");
    assert!(mail.body.contains(&date));
    // The teacher cannot answer in the company's place.
    let teacher_token = teacher.new_api_token().await;
    let r = teacher
        .api_json(
            "POST",
            &format!("/api/v1/discovery/requests/{request}/steps"),
            &teacher_token,
            json!({"step": "decline", "message": "non"}),
        )
        .await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::CONFLICT),
        "{}",
        r.text
    );

    // After the action, both record that it took place and how many came.
    let r = recruiter
        .api_json(
            "POST",
            &format!("/api/v1/discovery/requests/{request}/steps"),
            &company_token,
            json!({"step": "took_place", "attendance": "13"}),
        )
        .await;
    assert_eq!(r.json()["status"], "accepted", "{}", r.text);
    teacher.get(&path).await;
    let r = teacher
        .post_form(
            &format!("{path}/etape"),
            &[("step", "took_place"), ("attendance", "14")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let done = teacher
        .api_get(
            &format!("/api/v1/discovery/requests/{request}"),
            &teacher_token,
        )
        .await
        .json();
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["company_attendance"], 13);
    assert_eq!(done["school_attendance"], 14);
    let mail = app.last_mail_to(RECRUITER).await;
    assert!(mail.body.contains("avec 14 personnes."), "{mail:?}");
    // Nothing more to do once done.
    let r = recruiter
        .api_json(
            "POST",
            &format!("/api/v1/discovery/requests/{request}/steps"),
            &company_token,
            json!({"step": "decline", "message": "trop tard"}),
        )
        .await;
    r.assert_status(StatusCode::CONFLICT);

    // The company withdraws the visit: schools no longer find it nor request it, another
    // company cannot withdraw it, and the request already made stays readable.
    let mut other = app.login_as(OTHER_RECRUITER).await;
    other.get("/decouverte-metiers/mes-actions").await;
    other
        .post_form(&format!("{page}/retrait"), &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let mine = recruiter.get("/decouverte-metiers/mes-actions").await;
    assert!(mine.contains(&format!("{page}/retrait")));
    let r = recruiter.post_form(&format!("{page}/retrait"), &[]).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let mine = recruiter.get("/decouverte-metiers/mes-actions").await;
    assert!(mine.contains("est retirée"), "{}", mine.text);
    assert!(!mine.contains(&format!("{page}/retrait")));
    let list = teacher
        .get("/decouverte-metiers?q=boulang%C3%A8re&niveau=lycee")
        .await;
    assert!(!list.contains("Visite du fournil de la Boulangerie Le Goff"));
    teacher
        .get(&page)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    teacher
        .api_get(
            &format!("/api/v1/discovery/requests/{request}"),
            &teacher_token,
        )
        .await
        .assert_status(StatusCode::OK);
    recruiter
        .post_form(&format!("{page}/retrait"), &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn actions_near_the_school_come_first_and_requests_stay_private(app: TestApp) {
    let app = app.with_demo().await;
    second_organisations(&app).await;
    // The Concarneau yard offers a visit, on request.
    let mut yard = app.login_as(OTHER_RECRUITER).await;
    let yard_token = yard.new_api_token().await;
    let r = yard
        .api_json(
            "POST",
            "/api/v1/discovery/actions",
            &yard_token,
            json!({"kind": "company_visit", "title": "Visite du chantier naval",
                   "description": "Soudure, chaudronnerie et menuiserie navale.",
                   "rome_codes": "H2909", "levels": "lycee college", "capacity": "20",
                   "commune": "29900", "on_request": "oui"}),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    let yard_action = r.json()["id"].as_str().unwrap().to_owned();
    // A bad action is refused with French reasons.
    let r = yard
        .api_json(
            "POST",
            "/api/v1/discovery/actions",
            &yard_token,
            json!({"kind": "x", "rome_codes": "Z9999"}),
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["message"].as_str().unwrap().contains("Z9999"));

    // The Quimper teacher sees the yard (Concarneau, ~20 km) before the Rennes bakery.
    let mut teacher = app.login_as(TEACHER).await;
    let token = teacher.new_api_token().await;
    let found = teacher
        .api_get("/api/v1/discovery/actions", &token)
        .await
        .json();
    let actions = found["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 3, "{found}");
    assert_eq!(actions[0]["id"], yard_action.as_str(), "{found}");
    assert_eq!(found["from"], "Quimper");
    let d: Vec<f64> = actions
        .iter()
        .map(|a| a["distance_km"].as_f64().unwrap())
        .collect();
    assert!(d[0] < 30.0 && d[1] > 150.0 && d[1] <= d[2], "{d:?}");
    let page = teacher.get("/decouverte-metiers").await;
    let yard_at = page.text.find("Visite du chantier naval").unwrap();
    let bakery_at = page.text.find("Visite du fournil").unwrap();
    assert!(yard_at < bakery_at);
    assert!(page.contains("les plus proches de Quimper d’abord"));
    // A commune and radius filter: around Rennes only the bakery's actions.
    let around = teacher
        .api_get("/api/v1/discovery/actions?commune=Rennes&rayon=20", &token)
        .await
        .json();
    assert_eq!(around["actions"].as_array().unwrap().len(), 2, "{around}");
    assert_eq!(around["from"], "Rennes");
    // ROME and level filters.
    let r = teacher
        .api_get(
            "/api/v1/discovery/actions?metier=H2909&niveau=post_bac",
            &token,
        )
        .await
        .json();
    assert_eq!(r["actions"].as_array().unwrap().len(), 0);

    // Each school requests one action.
    let r = teacher
        .api_json(
            "POST",
            &format!("/api/v1/discovery/actions/{yard_action}/requests"),
            &token,
            json!({"group_size": "18", "wished_dates": "avril"}),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    let quimper_request = r.json()["id"].as_str().unwrap().to_owned();
    let mut brest = app.login_as(OTHER_TEACHER).await;
    let brest_token = brest.new_api_token().await;
    let bakery = teacher
        .api_get("/api/v1/discovery/actions?metier=D1104", &token)
        .await
        .json()["actions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = brest
        .api_json(
            "POST",
            &format!("/api/v1/discovery/actions/{bakery}/requests"),
            &brest_token,
            json!({"group_size": "12", "wished_dates": "mai"}),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    let brest_request = r.json()["id"].as_str().unwrap().to_owned();

    // A company sees requests for its own actions only; a school its own only.
    let ids = |v: serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(yard
            .api_get("/api/v1/discovery/requests", &yard_token)
            .await
            .json()),
        vec![quimper_request.clone()]
    );
    let mut bakery_staff = app.login_as(RECRUITER).await;
    let bakery_token = bakery_staff.new_api_token().await;
    assert_eq!(
        ids(bakery_staff
            .api_get("/api/v1/discovery/requests", &bakery_token)
            .await
            .json()),
        vec![brest_request.clone()]
    );
    assert_eq!(
        ids(teacher
            .api_get("/api/v1/discovery/requests", &token)
            .await
            .json()),
        vec![quimper_request.clone()]
    );
    assert_eq!(
        ids(brest
            .api_get("/api/v1/discovery/requests", &brest_token)
            .await
            .json()),
        vec![brest_request.clone()]
    );
    for (client, other) in [
        (&mut yard, &brest_request),
        (&mut bakery_staff, &quimper_request),
        (&mut teacher, &brest_request),
        (&mut brest, &quimper_request),
    ] {
        client
            .get(&format!("/decouverte-metiers/demandes/{other}"))
            .await
            .assert_status(StatusCode::NOT_FOUND);
        let list = client.get("/decouverte-metiers/demandes").await;
        assert!(!list.contains(other.as_str()));
    }
    yard.api_get(
        &format!("/api/v1/discovery/requests/{brest_request}"),
        &yard_token,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    let r = bakery_staff
        .api_json(
            "POST",
            &format!("/api/v1/discovery/requests/{quimper_request}/steps"),
            &bakery_token,
            json!({"step": "accept"}),
        )
        .await;
    r.assert_status(StatusCode::NOT_FOUND);
    // The yard proposes another date; the Quimper teacher accepts it.
    let r = yard
        .api_json("POST", &format!("/api/v1/discovery/requests/{quimper_request}/steps"), &yard_token,
            json!({"step": "propose_date", "date": day(30), "message": "Le chantier est fermé en avril."}))
        .await;
    assert_eq!(r.json()["status"], "date_proposed", "{}", r.text);
    let r = teacher
        .api_json(
            "POST",
            &format!("/api/v1/discovery/requests/{quimper_request}/steps"),
            &token,
            json!({"step": "accept_date"}),
        )
        .await;
    assert_eq!(r.json()["status"], "accepted", "{}", r.text);
    assert!(
        app.last_mail_to(OTHER_RECRUITER)
            .await
            .body
            .contains(&day(30))
    );
}
