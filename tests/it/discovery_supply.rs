//! The supply of job-discovery actions: a teacher publishes a need, the nearby company whose
//! trades match sees it and proposes, the teacher accepts and it becomes a confirmed request;
//! a company far away or of another trade does not see it. Chambers enter actions on a
//! company's behalf (the company is told and takes them over) and import them in bulk; the
//! regional team reads the figures.

use axum::http::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    a_teacher_need_gets_a_company_proposal,
    the_demo_shows_a_need_and_its_proposal,
    a_chamber_enters_actions_for_companies_which_take_them_over,
    the_bulk_import_of_actions_is_idempotent,
    the_regional_team_reads_the_figures,
);

const CHAMBER: &str = "registration_officer@demo.passerelle.test";
const ADMIN: &str = "regional_admin@demo.passerelle.test";

/// The SIRET of a company, by its name.
async fn siret_of(app: &TestApp, name: &'static str) -> String {
    app.state
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            use passerelle::db::schema::organisations;
            Ok(organisations::table
                .filter(organisations::name.eq(name))
                .select(organisations::siret)
                .first::<Option<String>>(conn)?
                .unwrap())
        })
        .await
        .unwrap()
}

/// A company in Paris, outside the demo chamber's departments.
async fn paris_company(app: &TestApp) {
    app.state
        .db
        .run(|conn| {
            use passerelle::organisations::store::{NewOrganisation, create as create_org};
            use passerelle::types::{OrgKind, OrgStatus, Siret};
            let siret = Siret::parse("40483304800022").unwrap();
            create_org(
                conn,
                NewOrganisation {
                    kind: OrgKind::Company,
                    name: "Atelier parisien",
                    network: None,
                    siret: Some(&siret),
                    commune_insee: None,
                    status: OrgStatus::Active,
                    departments: &["75".to_owned()],
                },
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

const TEACHER: &str = "teacher@demo.passerelle.test";
const RECRUITER: &str = "recruiter@demo.passerelle.test";
const FAR_RECRUITER: &str = "atelier.concarneau@exemple.fr";
const OTHER_TRADE: &str = "garage.rennes@exemple.fr";
const OTHER_TEACHER: &str = "prof.brest@exemple.fr";

/// A company near Quimper and a Rennes garage, each with one recruiter, and a second school
/// (Brest) with one teacher: no page creates them, so the library does.
async fn other_organisations(app: &TestApp) {
    app.state
        .db
        .run(|conn| {
            use passerelle::auth::store::{NewUser, create};
            use passerelle::organisations::store::{NewOrganisation, create as create_org};
            use passerelle::types::{EmailAddress, OrgKind, OrgStatus, Role, Siret, UserStatus};
            let hash = passerelle::auth::password::hash(passerelle::demo::PASSWORD)
                .map_err(passerelle::error::AppError::internal)?;
            let mut made = Vec::new();
            for (kind, name, siret, commune, dep) in [
                (
                    OrgKind::Company,
                    "Boulangerie de Concarneau",
                    Some("73282932000074"),
                    "29039",
                    "29",
                ),
                (
                    OrgKind::Company,
                    "Garage du Colombier",
                    Some("55210055400013"),
                    "35238",
                    "35",
                ),
                (
                    OrgKind::School,
                    "Lycée Vauban de Brest",
                    None,
                    "29019",
                    "29",
                ),
            ] {
                let siret = siret.map(|s| Siret::parse(s).unwrap());
                made.push(create_org(
                    conn,
                    NewOrganisation {
                        kind,
                        name,
                        network: None,
                        siret: siret.as_ref(),
                        commune_insee: Some(commune),
                        status: OrgStatus::Active,
                        departments: &[dep.to_owned()],
                    },
                )?);
            }
            for ((email, role), org) in [
                (FAR_RECRUITER, Role::Recruiter),
                (OTHER_TRADE, Role::Recruiter),
                (OTHER_TEACHER, Role::Teacher),
            ]
            .into_iter()
            .zip(&made)
            {
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

/// Gives a company a trade by publishing one action through the API.
async fn publish_action(app: &TestApp, email: &str, rome: &str) {
    let mut c = app.login_as(email).await;
    let token = c.new_api_token().await;
    let r = c
        .api_json(
            "POST",
            "/api/v1/discovery/actions",
            &token,
            json!({"kind": "company_visit", "title": "Visite de l’atelier",
                   "description": "Le groupe découvre l’atelier.", "rome_codes": rome,
                   "levels": "college lycee", "capacity": "20", "commune": "29039" ,
                   "on_request": "oui"}),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
}

async fn a_teacher_need_gets_a_company_proposal(app: TestApp) {
    let app = app.with_demo().await;
    other_organisations(&app).await;
    // The Concarneau bakery shares the trade but is far; the Rennes garage is near but of
    // another trade.
    publish_action(&app, FAR_RECRUITER, "D1102").await;
    publish_action(&app, OTHER_TRADE, "I1604").await;

    // The teacher publishes a need: a class that can go to Rennes, bakers' trade.
    let mut teacher = app.login_as(TEACHER).await;
    teacher
        .get("/decouverte-metiers/besoins/nouveau")
        .await
        .assert_status(StatusCode::OK);
    let need_fields = [
        ("class_name", "3e Prépa-métiers"),
        ("level", "college"),
        ("group_size", "14"),
        ("period_from", &day(10)),
        ("period_to", &day(40)),
        ("commune", "Rennes"),
        ("radius_km", "25"),
        ("rome_codes", "D1102"),
        ("message", "Des élèves curieux du métier de boulanger."),
    ];
    // A mistake is said in French, and what was typed comes back.
    let mut wrong = need_fields.to_vec();
    wrong[3] = ("period_from", "31/02/2027");
    wrong[7] = ("rome_codes", "Z9999");
    let r = teacher
        .post_form("/decouverte-metiers/besoins/nouveau", &wrong)
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Z9999"), "{}", r.text);
    assert!(r.contains("3e Prépa-métiers"));
    let r = teacher
        .post_form("/decouverte-metiers/besoins/nouveau", &need_fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let need_page = r.location();
    let need = need_page.rsplit('/').next().unwrap().to_owned();
    let mine = teacher.get("/decouverte-metiers/besoins").await;
    assert!(mine.contains("3e Prépa-métiers"), "{}", mine.text);

    // The nearby bakery sees it among its matching needs; far or other-trade companies do
    // not, and its page answers them 404; neither does another school.
    let mut recruiter = app.login_as(RECRUITER).await;
    let list = recruiter.get("/decouverte-metiers/besoins").await;
    list.assert_status(StatusCode::OK);
    assert!(list.contains("3e Prépa-métiers"), "{}", list.text);
    assert!(list.contains("Boulanger"), "{}", list.text);
    let token = recruiter.new_api_token().await;
    let api = recruiter
        .api_get("/api/v1/discovery/needs", &token)
        .await
        .json();
    assert!(
        api.as_array()
            .unwrap()
            .iter()
            .any(|n| n["id"] == need.as_str()),
        "{api}"
    );
    for email in [FAR_RECRUITER, OTHER_TRADE, OTHER_TEACHER] {
        let mut other = app.login_as(email).await;
        let list = other.get("/decouverte-metiers/besoins").await;
        list.assert_status(StatusCode::OK);
        assert!(!list.contains("3e Prépa-métiers"), "{email}: {}", list.text);
        other
            .get(&need_page)
            .await
            .assert_status(StatusCode::NOT_FOUND);
        let r = other
            .post_form(
                &format!("{need_page}/proposition"),
                &[
                    ("kind", "company_visit"),
                    ("date", &day(15)),
                    ("message", "Venez !"),
                ],
            )
            .await;
        assert!(
            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{email}: {}",
            r.status
        );
    }

    // The bakery proposes; a date outside the period is refused in French.
    let page = recruiter.get(&need_page).await;
    assert!(page.contains("Faire une proposition"), "{}", page.text);
    let r = recruiter
        .post_form(
            &format!("{need_page}/proposition"),
            &[
                ("kind", "company_visit"),
                ("date", &day(60)),
                ("message", "Visite du fournil à 8 h."),
            ],
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.contains("La date proposée doit tomber dans la période demandée"),
        "{}",
        r.text
    );
    assert!(r.contains("Visite du fournil à 8 h."));
    let date = day(15);
    let r = recruiter
        .post_form(
            &format!("{need_page}/proposition"),
            &[
                ("kind", "company_visit"),
                ("date", &date),
                ("message", "Visite du fournil à 8 h."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // One proposal per company.
    let again = recruiter
        .api_json(
            "POST",
            &format!("/api/v1/discovery/needs/{need}/proposals"),
            &token,
            json!({"kind": "class_talk", "date": date, "message": "Ou en classe."}),
        )
        .await;
    again.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let mail = app.last_mail_to(TEACHER).await;
    assert!(
        mail.subject
            .contains("Une proposition pour « 3e Prépa-métiers »"),
        "{mail:?}"
    );
    assert!(mail.body.contains("Boulangerie Le Goff"));
    assert!(mail.body.contains(&date));
    assert!(
        mail.body
            .contains(&format!("/decouverte-metiers/besoins/{need}"))
    );

    // The other school cannot decide; the teacher accepts: a confirmed request.
    let shown = teacher.get(&need_page).await;
    assert!(
        shown.contains("Accepter cette proposition"),
        "{}",
        shown.text
    );
    let teacher_token = teacher.new_api_token().await;
    let detail = teacher
        .api_get(&format!("/api/v1/discovery/needs/{need}"), &teacher_token)
        .await
        .json();
    let proposal = detail["proposals"][0]["id"].as_str().unwrap().to_owned();
    let mut other_teacher = app.login_as(OTHER_TEACHER).await;
    other_teacher.get("/decouverte-metiers/besoins").await;
    other_teacher
        .post_form(
            &format!("/decouverte-metiers/propositions/{proposal}/decision"),
            &[("decision", "accept")],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // The company cannot accept its own proposal either.
    recruiter
        .post_form(
            &format!("/decouverte-metiers/propositions/{proposal}/decision"),
            &[("decision", "accept")],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    teacher.get(&need_page).await;
    let r = teacher
        .post_form(
            &format!("/decouverte-metiers/propositions/{proposal}/decision"),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let request_page = r.location();
    assert!(request_page.starts_with("/decouverte-metiers/demandes/"));
    let mail = app.last_mail_to(RECRUITER).await;
    assert!(mail.subject.contains("Proposition acceptée"), "{mail:?}");
    assert!(mail.body.contains(&request_page), "{mail:?}");
    let request = recruiter.get(&request_page).await;
    request.assert_status(StatusCode::OK);
    assert!(request.contains("Acceptée"), "{}", request.text);
    assert!(request.contains(&date));
    assert!(
        recruiter
            .get("/decouverte-metiers/demandes")
            .await
            .contains("3e Prépa-métiers")
    );
    // The need is matched: no more proposals, and it leaves companies' lists.
    let detail = teacher
        .api_get(&format!("/api/v1/discovery/needs/{need}"), &teacher_token)
        .await
        .json();
    assert_eq!(detail["status"], "matched", "{detail}");
    assert!(detail["proposals"][0]["request_id"].is_string());
    assert!(
        !recruiter
            .get("/decouverte-metiers/besoins")
            .await
            .contains("3e Prépa-métiers")
    );
    let late = teacher
        .api_json(
            "POST",
            &format!("/api/v1/discovery/proposals/{proposal}/decision"),
            &teacher_token,
            json!({"decision": "decline"}),
        )
        .await;
    late.assert_status(StatusCode::CONFLICT);
}

async fn the_demo_shows_a_need_and_its_proposal(app: TestApp) {
    let app = app.with_demo().await;
    let mut teacher = app.login_as(TEACHER).await;
    let list = teacher.get("/decouverte-metiers/besoins").await;
    assert!(
        list.contains("2de Bac pro Boulanger-pâtissier"),
        "{}",
        list.text
    );
    let mut recruiter = app.login_as(RECRUITER).await;
    let list = recruiter.get("/decouverte-metiers/besoins").await;
    assert!(
        list.contains("2de Bac pro Boulanger-pâtissier"),
        "{}",
        list.text
    );
    let link = list
        .text
        .split("href=\"/decouverte-metiers/besoins/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let need = teacher
        .get(&format!("/decouverte-metiers/besoins/{link}"))
        .await;
    assert!(need.contains("Boulangerie Le Goff"), "{}", need.text);
    assert!(need.contains("Accepter cette proposition"));
}

async fn a_chamber_enters_actions_for_companies_which_take_them_over(app: TestApp) {
    let app = app.with_demo().await;
    other_organisations(&app).await;
    paris_company(&app).await;
    let garage = siret_of(&app, "Garage du Colombier").await;
    let mut chamber = app.login_as(CHAMBER).await;
    chamber
        .get("/decouverte-metiers/saisie")
        .await
        .assert_status(StatusCode::OK);
    let fields = |siret: &'static str| {
        vec![
            ("siret", siret),
            ("kind", "company_visit"),
            ("title", "Visite de l’atelier mécanique"),
            ("description", "Diagnostic d’un véhicule avec un apprenti."),
            ("rome_codes", "I1604"),
            ("level_college", "oui"),
            ("capacity", "12"),
            ("commune", "35238"),
            ("on_request", "oui"),
        ]
    };
    let garage_siret: &'static str = Box::leak(garage.clone().into_boxed_str());
    // Unknown SIRET, or a company outside the chamber's departments: said in French.
    let r = chamber
        .post_form("/decouverte-metiers/saisie", &fields("12345678200010"))
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Aucune entreprise inscrite"), "{}", r.text);
    assert!(r.contains("Visite de l’atelier mécanique"));
    let r = chamber
        .post_form("/decouverte-metiers/saisie", &fields("40483304800022"))
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("pas dans vos départements"), "{}", r.text);
    let r = chamber
        .post_form("/decouverte-metiers/saisie", &fields(garage_siret))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let action_page = r.location();
    let action = action_page.rsplit('/').next().unwrap().to_owned();
    // The company is told, and the action is published in its name.
    let mail = app.last_mail_to(OTHER_TRADE).await;
    assert!(
        mail.subject
            .contains("Chambre de métiers et de l’artisanat de Bretagne a saisi"),
        "{mail:?}"
    );
    assert!(mail.body.contains(&action_page), "{mail:?}");
    let found = app
        .client()
        .get("/api/v1/discovery/actions?metier=I1604")
        .await
        .json();
    assert!(
        found["actions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == action.as_str() && a["organisation"] == "Garage du Colombier"),
        "{found}"
    );
    let list = chamber.get("/decouverte-metiers/saisies").await;
    assert!(list.contains("Par votre organisme"), "{}", list.text);

    // Another company can neither take it over nor withdraw it; the garage takes it over.
    let mut bakery = app.login_as(RECRUITER).await;
    bakery.get(&action_page).await;
    bakery
        .post_form(&format!("{action_page}/reprise"), &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let mut company = app.login_as(OTHER_TRADE).await;
    let shown = company.get(&action_page).await;
    assert!(
        shown.contains("Reprendre cette action à votre compte"),
        "{}",
        shown.text
    );
    let r = company
        .post_form(&format!("{action_page}/reprise"), &[])
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert!(
        !company
            .get(&action_page)
            .await
            .contains("Reprendre cette action")
    );
    // From then on the chamber can no longer withdraw it; the company can.
    chamber.get("/decouverte-metiers/saisies").await;
    chamber
        .post_form(&format!("{action_page}/retrait"), &[])
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let list = chamber.get("/decouverte-metiers/saisies").await;
    assert!(list.contains("Reprise par l’entreprise"), "{}", list.text);
    company.get("/decouverte-metiers/mes-actions").await;
    company
        .post_form(&format!("{action_page}/retrait"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);

    // Before a take-over, the chamber may withdraw what it entered.
    let chamber_token = chamber.new_api_token().await;
    let r = chamber
        .api_json(
            "POST",
            "/api/v1/discovery/entered-actions",
            &chamber_token,
            json!({"siret": garage, "kind": "workshop", "title": "Atelier pneus",
                   "description": "Changer une roue.", "rome_codes": "I1604",
                   "levels": "lycee", "capacity": "8", "commune": "35238", "on_request": "oui"}),
        )
        .await;
    r.assert_status(StatusCode::CREATED);
    let second = r.json()["id"].as_str().unwrap().to_owned();
    chamber.get("/decouverte-metiers/saisies").await;
    chamber
        .post_form(
            &format!("/decouverte-metiers/actions/{second}/retrait"),
            &[],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // Teachers and companies do not enter actions for others.
    let mut teacher = app.login_as(TEACHER).await;
    teacher
        .get("/decouverte-metiers/saisie")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let token = bakery.new_api_token().await;
    bakery
        .api_json(
            "POST",
            "/api/v1/discovery/entered-actions",
            &token,
            json!({"siret": garage, "kind": "workshop"}),
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

async fn the_bulk_import_of_actions_is_idempotent(app: TestApp) {
    let app = app.with_demo().await;
    other_organisations(&app).await;
    let garage = siret_of(&app, "Garage du Colombier").await;
    let bakery = siret_of(&app, "Boulangerie Le Goff").await;
    let file = format!(
        "SIRET;Type;Titre;Description;Codes ROME;Publics;Capacité;Commune;Date de début;Date de fin\n\
         {garage};Visite d’entreprise;Visite du garage;Un diagnostic moteur.;I1604;Collège, Lycée;12;35238;;\n\
         {garage};workshop;Atelier carrosserie;Peinture.;Z9999;lycee;8;35238;;\n\
         {bakery};Intervention en classe;Le pain au levain;Un boulanger en classe.;D1102;college;30;Rennes;{};\n",
        day(30)
    );
    let mut chamber = app.login_as(CHAMBER).await;
    let page = chamber.get("/decouverte-metiers/saisies").await;
    page.assert_status(StatusCode::OK);
    let r = chamber
        .post_file(
            "/decouverte-metiers/saisies/import",
            "file",
            "actions.csv",
            file.as_bytes(),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert!(
        r.contains(
            "3 lignes reçues : 2 actions créées, 0 inchangée (déjà importée), 1 ligne refusée."
        ),
        "{}",
        r.text
    );
    assert!(r.contains("Ligne 3 :"), "{}", r.text);
    assert!(r.contains("Z9999"));
    // Both companies are told.
    let mails = app.mails().await;
    assert!(
        mails
            .iter()
            .any(|m| m.to.contains(OTHER_TRADE) && m.body.contains("Visite du garage"))
    );
    assert!(
        mails
            .iter()
            .any(|m| m.to.contains(RECRUITER) && m.body.contains("Le pain au levain"))
    );
    // The same file again adds nothing, through the page or the API.
    let r = chamber
        .post_file(
            "/decouverte-metiers/saisies/import",
            "file",
            "actions.csv",
            file.as_bytes(),
        )
        .await;
    assert!(
        r.contains(
            "3 lignes reçues : 0 action créée, 2 inchangées (déjà importées), 1 ligne refusée."
        ),
        "{}",
        r.text
    );
    let token = chamber.new_api_token().await;
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/discovery/entered-actions/import")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/csv")
        .body(axum::body::Body::from(file.clone()))
        .unwrap();
    let r = chamber.request(request).await;
    r.assert_status(StatusCode::OK);
    let report = r.json();
    assert_eq!(report["created"], 0, "{report}");
    assert_eq!(report["unchanged"], 2, "{report}");
    assert_eq!(report["rejected"].as_array().unwrap().len(), 1);
    let list = chamber.get("/decouverte-metiers/saisies").await;
    assert_eq!(
        list.text.matches(">Visite du garage</a>").count(),
        1,
        "{}",
        list.text
    );
    // A file without the preset's columns is refused whole.
    let r = chamber
        .post_file(
            "/decouverte-metiers/saisies/import",
            "file",
            "autre.csv",
            b"nom;ville\nGarage;Rennes\n",
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Colonnes manquantes"), "{}", r.text);
}

async fn the_regional_team_reads_the_figures(app: TestApp) {
    let app = app.with_demo().await;
    let mut admin = app.login_as(ADMIN).await;
    let token = admin.new_api_token().await;
    let before = admin
        .api_get("/api/v1/discovery/figures", &token)
        .await
        .json();
    assert_eq!(before["schools_searching"], 0, "{before}");
    assert_eq!(before["needs"], 1, "{before}");
    // A teacher searches twice (one day counted), requests, the company records attendance.
    let mut teacher = app.login_as(TEACHER).await;
    teacher.get("/decouverte-metiers?q=pain").await;
    teacher.get("/decouverte-metiers").await;
    let teacher_token = teacher.new_api_token().await;
    let found = teacher
        .api_get("/api/v1/discovery/actions?metier=D1104", &teacher_token)
        .await
        .json();
    let action = found["actions"][0]["id"].as_str().unwrap().to_owned();
    teacher
        .get(&format!("/decouverte-metiers/actions/{action}"))
        .await;
    let r = teacher
        .api_json(
            "POST",
            &format!("/api/v1/discovery/actions/{action}/requests"),
            &teacher_token,
            json!({"group_size": "14", "wished_dates": "un mardi"}),
        )
        .await;
    let request = r.json()["id"].as_str().unwrap().to_owned();
    let mut recruiter = app.login_as(RECRUITER).await;
    let company_token = recruiter.new_api_token().await;
    for body in [
        json!({"step": "accept", "date": day(10)}),
        json!({"step": "took_place", "attendance": "13"}),
    ] {
        recruiter
            .api_json(
                "POST",
                &format!("/api/v1/discovery/requests/{request}/steps"),
                &company_token,
                body,
            )
            .await
            .assert_status(StatusCode::OK);
    }
    let after = admin
        .api_get("/api/v1/discovery/figures", &token)
        .await
        .json();
    assert_eq!(after["schools_searching"], 1, "{after}");
    assert_eq!(after["schools_requesting"], 1, "{after}");
    assert_eq!(after["schools_with_account"], 1, "{after}");
    assert_eq!(after["views"], 1, "{after}");
    assert_eq!(after["requests"], 1, "{after}");
    assert_eq!(after["confirmed"], 1, "{after}");
    assert_eq!(after["pupils_reached"], 13, "{after}");
    let page = admin.get("/decouverte-metiers/chiffres").await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Ille-et-Vilaine (35)"), "{}", page.text);
    assert!(page.contains("D – Commerce, vente et grande distribution"));
    assert!(page.contains("Visite d’entreprise"));
    let csv = admin.get("/decouverte-metiers/chiffres.csv").await;
    csv.assert_status(StatusCode::OK);
    assert!(
        csv.contains("Élèves et personnes touchés;13"),
        "{}",
        csv.text
    );
    // The chamber sees its departments; teachers and companies do not see the figures.
    let mut chamber = app.login_as(CHAMBER).await;
    chamber
        .get("/decouverte-metiers/chiffres")
        .await
        .assert_status(StatusCode::OK);
    teacher
        .get("/decouverte-metiers/chiffres")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    recruiter
        .api_get("/api/v1/discovery/figures", &company_token)
        .await
        .assert_status(StatusCode::FORBIDDEN);
}
