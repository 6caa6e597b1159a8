//! The practitioner training programme: capacity and waiting list under concurrent
//! registrations, the per-organisation cap, attendance, evaluation and exports.

use axum::http::StatusCode;
use passerelle::auth::CurrentUser;
use passerelle::auth::policy::{Action, allows};
use passerelle::auth::store::{self as users, NewUser};
use passerelle::types::{EmailAddress, OrgStatus, Role, UserStatus};

use crate::both_backends;
use crate::helpers::{Client, TestApp};

pub(crate) const EDITOR: &str = "editor@demo.passerelle.test";

/// The editor creates a course and a session through the pages; returns the session id.
pub(crate) async fn new_session(app: &TestApp, capacity: &str, per_org: &str) -> String {
    let mut editor = app.login_as(EDITOR).await;
    editor
        .get("/programme/cours/nouveau")
        .await
        .assert_status(StatusCode::OK);
    let r = editor
        .post_form(
            "/programme/cours",
            &[
                ("kind", "workshop"),
                ("title", "Atelier : l’entretien d’orientation"),
                ("summary", "Mises en situation."),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let form = r.location();
    editor.get(&form).await.assert_status(StatusCode::OK);
    let day = (passerelle::clock::today_paris() + chrono::Duration::days(20))
        .format("%d/%m/%Y")
        .to_string();
    let r = editor
        .post_form(
            &form,
            &[
                ("days", day.as_str()),
                ("place", "Rennes, salle Bréhat"),
                ("audience", "Conseillers"),
                ("capacity", capacity),
                ("max_per_organisation", per_org),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    r.location()
        .strip_prefix("/programme/sessions/")
        .expect("session page")
        .to_owned()
}

/// Staff accounts of one demo organisation (as an administrator would invite them).
pub(crate) async fn practitioners(
    app: &TestApp,
    org_of: &str,
    prefix: &str,
    count: usize,
) -> Vec<String> {
    let org_of = org_of.to_owned();
    let prefix = prefix.to_owned();
    app.state
        .db
        .run(move |conn| {
            let hash = passerelle::auth::password::hash(passerelle::demo::PASSWORD)
                .map_err(passerelle::error::AppError::internal)?;
            let colleague = users::by_email(conn, &org_of)?.expect("demo account");
            let role = colleague.role().expect("role");
            let org = colleague.organisation_id.expect("organisation");
            let mut emails = Vec::new();
            for i in 0..count {
                let email = format!("{prefix}{i:02}@exemple.fr");
                users::create(
                    conn,
                    NewUser {
                        email: &EmailAddress::parse(&email).unwrap(),
                        password_hash: Some(hash.clone()),
                        first_name: "Conseiller",
                        last_name: &format!("Numéro {i:02}"),
                        role,
                        organisation_id: Some(&org),
                        is_org_admin: false,
                        status: UserStatus::Active,
                        email_verified: true,
                        birth_date: None,
                    },
                )?;
                emails.push(email);
            }
            Ok(emails)
        })
        .await
        .unwrap()
}

pub(crate) async fn registrations(app: &TestApp, session: &str) -> Vec<serde_json::Value> {
    let mut editor = app.login_as(EDITOR).await;
    let token = editor.new_api_token().await;
    let r = editor
        .api_get(
            &format!("/api/v1/programme/sessions/{session}/registrations"),
            &token,
        )
        .await;
    r.assert_status(StatusCode::OK);
    r.json().as_array().unwrap().clone()
}

async fn waiting_list_never_over_capacity(app: TestApp) {
    let app = app.with_demo().await;
    let session = new_session(&app, "3", "20").await;
    let emails = practitioners(&app, "prescriber@demo.passerelle.test", "ft", 10).await;
    let mut clients: Vec<Client<'_>> = Vec::new();
    for email in &emails {
        let mut c = app.login_as(email).await;
        c.get(&format!("/programme/sessions/{session}"))
            .await
            .assert_status(StatusCode::OK);
        clients.push(c);
    }
    // Ten registrations at once.
    let path = format!("/programme/sessions/{session}/inscription");
    let answers =
        futures_util::future::join_all(clients.iter_mut().map(|c| c.post_form(&path, &[]))).await;
    for a in &answers {
        a.assert_status(StatusCode::SEE_OTHER);
    }
    let lines = registrations(&app, &session).await;
    assert_eq!(lines.len(), 10, "{lines:?}");
    let confirmed: Vec<_> = lines
        .iter()
        .filter(|l| l["status"] == "confirmed")
        .collect();
    let waiting: Vec<_> = lines.iter().filter(|l| l["status"] == "waiting").collect();
    assert_eq!(confirmed.len(), 3, "exactly the capacity is confirmed");
    assert_eq!(waiting.len(), 7);
    // The waiting list is in registration order, after every confirmed registration.
    let seqs: Vec<i64> = waiting.iter().map(|l| l["seq"].as_i64().unwrap()).collect();
    let mut sorted = seqs.clone();
    sorted.sort();
    assert_eq!(seqs, sorted);
    let max_confirmed = confirmed
        .iter()
        .map(|l| l["seq"].as_i64().unwrap())
        .max()
        .unwrap();
    assert!(seqs[0] > max_confirmed, "first come, first served");
    let mut all: Vec<i64> = lines.iter().map(|l| l["seq"].as_i64().unwrap()).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 10, "one number per registration");
    // Every waiting person was told their rank.
    let first_waiting = waiting[0]["email"].as_str().unwrap().to_owned();
    let mail = app.last_mail_to(&first_waiting).await;
    assert!(mail.subject.starts_with("Liste d’attente"), "{mail:?}");
    assert!(mail.body.contains("en position 1"), "{}", mail.body);

    // The catalogue shows the session full, with its waiting list.
    let mut visitor = app.client();
    let page = visitor.get("/programme").await;
    assert!(
        page.contains("Complète (7 en liste d’attente)"),
        "{}",
        page.text
    );

    // A confirmed person cancels from the session page: the first waiting one is promoted.
    let leaving = confirmed[0]["email"].as_str().unwrap().to_owned();
    let leaving_id = confirmed[0]["id"].as_str().unwrap().to_owned();
    let index = emails.iter().position(|e| *e == leaving).unwrap();
    let c = &mut clients[index];
    let own = c.get(&format!("/programme/sessions/{session}")).await;
    assert!(own.contains("Inscription confirmée"));
    c.post_form(
        &format!("/programme/inscriptions/{leaving_id}/annulation"),
        &[],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let lines = registrations(&app, &session).await;
    assert_eq!(
        lines.iter().filter(|l| l["status"] == "confirmed").count(),
        3
    );
    assert_eq!(lines.iter().filter(|l| l["status"] == "waiting").count(), 6);
    let promoted = lines
        .iter()
        .find(|l| l["email"] == first_waiting.as_str())
        .unwrap();
    assert_eq!(promoted["status"], "confirmed");
    let mail = app.last_mail_to(&first_waiting).await;
    assert!(
        mail.subject.starts_with("Une place s’est libérée"),
        "{mail:?}"
    );
    assert!(
        mail.body
            .contains(&format!("/programme/sessions/{session}"))
    );
    // The next in line is now first.
    let second = waiting[1]["email"].as_str().unwrap();
    let i = emails.iter().position(|e| e == second).unwrap();
    let page = clients[i]
        .get(&format!("/programme/sessions/{session}"))
        .await;
    assert!(page.contains("vous êtes en position 1"), "{}", page.text);
    // Cancelling twice is refused; someone else's registration does not exist for them.
    let c = &mut clients[index];
    c.get("/programme").await;
    let r = c
        .post_form(
            &format!("/programme/inscriptions/{leaving_id}/annulation"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let other = promoted["id"].as_str().unwrap();
    let r = c
        .post_form(&format!("/programme/inscriptions/{other}/annulation"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

async fn organisation_cap_is_enforced(app: TestApp) {
    let app = app.with_demo().await;
    // Default cap: 2 registrations per organisation.
    let session = new_session(&app, "10", "").await;
    let emails = practitioners(&app, "teacher@demo.passerelle.test", "lycee", 4).await;
    let mut tokens = Vec::new();
    let mut clients = Vec::new();
    for email in &emails {
        let mut c = app.login_as(email).await;
        tokens.push(c.new_api_token().await);
        clients.push(c);
    }
    let path = format!("/api/v1/programme/sessions/{session}/registrations");
    // Four at once from the same organisation: two get in, two are refused.
    let answers = futures_util::future::join_all(
        clients
            .iter_mut()
            .zip(&tokens)
            .map(|(c, t)| c.api_json("POST", &path, t, serde_json::json!({}))),
    )
    .await;
    let created: Vec<_> = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .collect();
    let refused: Vec<_> = answers
        .iter()
        .filter(|a| a.status == StatusCode::CONFLICT)
        .collect();
    assert_eq!(
        created.len(),
        2,
        "{answers:?}",
        answers = answers.iter().map(|a| &a.text).collect::<Vec<_>>()
    );
    assert_eq!(refused.len(), 2);
    assert!(
        refused[0].json()["message"]
            .as_str()
            .unwrap()
            .contains("le maximum prévu")
    );
    // Another organisation is not held back.
    let mut other = app.login_as("site_coordinator@demo.passerelle.test").await;
    let t = other.new_api_token().await;
    other
        .api_json("POST", &path, &t, serde_json::json!({}))
        .await
        .assert_status(StatusCode::CREATED);
    // Once one of the two cancels, a colleague may take the organisation's place.
    let first = answers
        .iter()
        .position(|a| a.status == StatusCode::CREATED)
        .unwrap();
    let registration = answers[first].json()["id"].as_str().unwrap().to_owned();
    let r = clients[first]
        .api_json(
            "DELETE",
            &format!("/api/v1/programme/registrations/{registration}"),
            &tokens[first],
            serde_json::json!({}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let refused_index = answers
        .iter()
        .position(|a| a.status == StatusCode::CONFLICT)
        .unwrap();
    clients[refused_index]
        .api_json("POST", &path, &tokens[refused_index], serde_json::json!({}))
        .await
        .assert_status(StatusCode::CREATED);
    // Registering twice is refused too.
    clients[refused_index]
        .api_json("POST", &path, &tokens[refused_index], serde_json::json!({}))
        .await
        .assert_status(StatusCode::CONFLICT);
    // Candidates and recruiters are not practitioners.
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    let t = candidate.new_api_token().await;
    candidate
        .api_json("POST", &path, &t, serde_json::json!({}))
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

async fn attendance_evaluation_and_export(app: TestApp) {
    let app = app.with_demo().await;
    let session = new_session(&app, "5", "").await;
    // One practitioner's name would be a formula in a spreadsheet.
    app.state
        .db
        .run(|conn| {
            let org = users::by_email(conn, "partner_responder@demo.passerelle.test")?
                .and_then(|u| u.organisation_id)
                .unwrap();
            let hash = passerelle::auth::password::hash(passerelle::demo::PASSWORD)
                .map_err(passerelle::error::AppError::internal)?;
            users::create(
                conn,
                NewUser {
                    email: &EmailAddress::parse("formule@exemple.fr").unwrap(),
                    password_hash: Some(hash),
                    first_name: "@SUM(A1)",
                    last_name: "=HYPERLINK(\"http://x\")",
                    role: Role::PartnerResponder,
                    organisation_id: Some(&org),
                    is_org_admin: false,
                    status: UserStatus::Active,
                    email_verified: true,
                    birth_date: None,
                },
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let mut attendee = app.login_as("prescriber@demo.passerelle.test").await;
    let mut absent = app.login_as("teacher@demo.passerelle.test").await;
    let mut formula = app.login_as("formule@exemple.fr").await;
    for c in [&mut attendee, &mut absent, &mut formula] {
        c.get(&format!("/programme/sessions/{session}")).await;
        c.post_form(&format!("/programme/sessions/{session}/inscription"), &[])
            .await
            .assert_status(StatusCode::SEE_OTHER);
    }
    let day = (passerelle::clock::today_paris() + chrono::Duration::days(20))
        .format("%Y-%m-%d")
        .to_string();
    let sheet_path = format!("/programme/sessions/{session}/emargement/{day}");
    // Only the regional team sees the sheet, the export and the results.
    for path in [
        sheet_path.clone(),
        format!("/programme/sessions/{session}/presences.csv"),
        format!("/programme/sessions/{session}/evaluations"),
    ] {
        attendee
            .get(&path)
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
    // The evaluation is not open before attendance.
    attendee
        .get(&format!("/programme/sessions/{session}/evaluation"))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    let mut editor = app.login_as(EDITOR).await;
    let sheet = editor.get(&sheet_path).await;
    sheet.assert_status(StatusCode::OK);
    assert!(sheet.contains("Feuille d’émargement"));
    assert!(sheet.contains("Signature"));
    assert!(sheet.contains("France Travail Rennes Est"));
    let lines = registrations(&app, &session).await;
    let id_of = |email: &str| {
        lines.iter().find(|l| l["email"] == email).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let present = id_of("prescriber@demo.passerelle.test");
    let formula_id = id_of("formule@exemple.fr");
    editor.get(&sheet_path).await;
    let r = editor
        .post_form(
            &sheet_path,
            &[
                ("present", present.as_str()),
                ("present", formula_id.as_str()),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let sheet = editor.get(&sheet_path).await;
    assert!(sheet.contains("2 personnes présentes"), "{}", sheet.text);
    assert!(sheet.contains(&format!("value=\"{present}\" checked")));
    // A day that is not one of the session's days does not exist.
    editor
        .get(&format!(
            "/programme/sessions/{session}/emargement/2020-01-01"
        ))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // CSV export: attendance per day, formulas neutralised.
    let csv = editor
        .get(&format!("/programme/sessions/{session}/presences.csv"))
        .await;
    csv.assert_status(StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.text.trim_start_matches('\u{feff}').as_bytes());
    let head = reader.headers().unwrap().clone();
    assert_eq!(&head[0], "Nom");
    assert!(head[5].starts_with("Présent le "));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    let hostile_row = rows.iter().find(|r| &r[3] == "formule@exemple.fr").unwrap();
    assert_eq!(&hostile_row[0], "'=HYPERLINK(\"http://x\")");
    assert_eq!(&hostile_row[1], "'@SUM(A1)");
    assert_eq!(&hostile_row[5], "oui");
    for row in &rows {
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "unneutralised cell {cell:?}"
            );
        }
    }
    let absent_row = rows
        .iter()
        .find(|r| &r[3] == "teacher@demo.passerelle.test")
        .unwrap();
    assert_eq!(&absent_row[5], "non");

    // The attendee evaluates; the absent one cannot.
    let form = attendee
        .get(&format!("/programme/sessions/{session}/evaluation"))
        .await;
    form.assert_status(StatusCode::OK);
    let r = attendee
        .post_form(
            &format!("/programme/sessions/{session}/evaluation"),
            &[("content", "5"), ("facilitation", "4")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Notez de 1 à 5"));
    let r = attendee
        .post_form(
            &format!("/programme/sessions/{session}/evaluation"),
            &[
                ("content", "5"),
                ("facilitation", "4"),
                ("usefulness", "5"),
                ("organisation", "3"),
                ("comment", "Très concret, merci <b>!</b>"),
            ],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    // Once only.
    attendee
        .get(&format!("/programme/sessions/{session}/evaluation"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    absent
        .get(&format!("/programme/sessions/{session}/evaluation"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    absent.get("/programme").await;
    let r = absent
        .post_form(
            &format!("/programme/sessions/{session}/evaluation"),
            &[
                ("content", "1"),
                ("facilitation", "1"),
                ("usefulness", "1"),
                ("organisation", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    formula.get("/programme").await;
    formula
        .post_form(
            &format!("/programme/sessions/{session}/evaluation"),
            &[
                ("content", "4"),
                ("facilitation", "2"),
                ("usefulness", "4"),
                ("organisation", "5"),
            ],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // The organisers see the results.
    let results = editor
        .get(&format!("/programme/sessions/{session}/evaluations"))
        .await;
    results.assert_status(StatusCode::OK);
    assert!(
        results.contains("2 réponses sur 2 participants présents"),
        "{}",
        results.text
    );
    assert!(results.contains("<td>4,5</td>"), "{}", results.text);
    assert!(results.contains("<td>3,0</td>"));
    assert!(
        results.contains("Très concret, merci &#60;b&#62;!&#60;/b&#62;")
            || results.contains("Très concret, merci &lt;b&gt;!&lt;/b&gt;"),
        "{}",
        results.text
    );
}

async fn only_the_regional_team_manages_courses(app: TestApp) {
    let app = app.with_demo().await;
    let mut prescriber = app.login_as("prescriber@demo.passerelle.test").await;
    prescriber
        .get("/programme/cours/nouveau")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    prescriber.get("/programme").await;
    let r = prescriber
        .post_form(
            "/programme/cours",
            &[("kind", "workshop"), ("title", "Pirate"), ("summary", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let t = prescriber.new_api_token().await;
    let catalogue = prescriber.api_get("/api/v1/programme/sessions", &t).await;
    catalogue.assert_status(StatusCode::OK);
    let courses = catalogue.json();
    assert!(courses.as_array().unwrap().len() >= 2, "demo courses");
    let full = courses
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["sessions"].as_array().unwrap().clone())
        .find(|s| s["waiting"].as_i64().unwrap() > 0)
        .expect("the demo has a full session with a waiting list");
    let session = full["session"]["id"].as_str().unwrap();
    prescriber
        .api_get(
            &format!("/api/v1/programme/sessions/{session}/registrations"),
            &t,
        )
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // The demo journey: the practitioner joins the full session's waiting list…
    prescriber
        .get(&format!("/programme/sessions/{session}"))
        .await;
    prescriber
        .post_form(&format!("/programme/sessions/{session}/inscription"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = prescriber
        .get(&format!("/programme/sessions/{session}"))
        .await;
    assert!(page.contains("vous êtes en position 2"), "{}", page.text);
    // …and is promoted after two people cancel.
    for who in [
        "training_staff@demo.passerelle.test",
        "site_coordinator@demo.passerelle.test",
    ] {
        let mut c = app.login_as(who).await;
        let page = c.get(&format!("/programme/sessions/{session}")).await;
        let marker = "/programme/inscriptions/";
        let start = page.text.find(marker).expect("cancel form") + marker.len();
        let id: String = page.text[start..]
            .chars()
            .take_while(|c| *c != '/')
            .collect();
        c.post_form(&format!("/programme/inscriptions/{id}/annulation"), &[])
            .await
            .assert_status(StatusCode::SEE_OTHER);
    }
    let mail = app.last_mail_to("prescriber@demo.passerelle.test").await;
    assert!(
        mail.subject.starts_with("Une place s’est libérée"),
        "{mail:?}"
    );
    let page = prescriber
        .get(&format!("/programme/sessions/{session}"))
        .await;
    assert!(page.contains("Inscription confirmée"));
}

both_backends!(
    waiting_list_never_over_capacity,
    organisation_cap_is_enforced,
    attendance_evaluation_and_export,
    only_the_regional_team_manages_courses,
    registration_closes_at_paris_midnight_across_clock_changes,
);

fn paris(day: &str, time: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(&format!("{day} {time}"), "%d/%m/%Y %H:%M").unwrap()
}

/// Registration to a session closes at midnight, Paris time, on its first day: checked on
/// both sides of the spring change (28/03/2027) and of the autumn one (31/10/2027).
async fn registration_closes_at_paris_midnight_across_clock_changes(app: TestApp) {
    let clock = app.state.clock.clone();
    clock.set_paris(paris("01/03/2027", "10:00"));
    let app = app.with_demo().await;
    // (first day, the eve at 23:50 Paris in UTC, the day at 00:30 Paris in UTC)
    for (day, eve_utc, day_utc) in [
        // Tuesday after the spring change: summer time, UTC+2.
        ("30/03/2027", "21:50", "22:30"),
        // Friday before the autumn change: still summer time.
        ("29/10/2027", "21:50", "22:30"),
        // Tuesday after it: winter time, UTC+1.
        ("02/11/2027", "22:50", "23:30"),
    ] {
        let first_day = paris(day, "00:00");
        clock.set_paris(first_day - chrono::Duration::days(10));
        let mut editor = app.login_as(EDITOR).await;
        editor.get("/programme/cours/nouveau").await;
        let r = editor
            .post_form(
                "/programme/cours",
                &[
                    ("kind", "workshop"),
                    ("title", "Atelier : les métiers de la mer"),
                    ("summary", ""),
                ],
            )
            .await;
        r.assert_status(StatusCode::SEE_OTHER);
        let form = r.location();
        editor.get(&form).await.assert_status(StatusCode::OK);
        let r = editor
            .post_form(
                &form,
                &[
                    ("days", day),
                    ("place", "Lorient, salle Groix"),
                    ("audience", "Conseillers"),
                    ("capacity", "10"),
                    ("max_per_organisation", "5"),
                ],
            )
            .await;
        r.assert_status(StatusCode::SEE_OTHER);
        let page = r.location();
        let action = format!("{page}/inscription");

        // The eve at 23:50 in Paris: still open.
        clock.set_paris(first_day - chrono::Duration::minutes(10));
        assert_eq!(clock.now().format("%H:%M").to_string(), eve_utc, "{day}");
        let mut attendee = app.login_as("prescriber@demo.passerelle.test").await;
        let open = attendee.get(&page).await;
        open.assert_status(StatusCode::OK);
        assert!(open.contains(&action), "{day}: open on the eve");

        // 00:30 in Paris, though not yet the day in UTC: the session has begun.
        clock.set_paris(first_day + chrono::Duration::minutes(30));
        assert_eq!(clock.now().format("%H:%M").to_string(), day_utc, "{day}");
        let closed = attendee.get(&page).await;
        assert!(!closed.contains(&action), "{day}: closed on the day");
        attendee
            .post_form(&action, &[])
            .await
            .assert_status(StatusCode::SEE_OTHER);
        let refused = attendee.get(&page).await;
        assert!(refused.contains("Cette session a commencé"), "{day}");
        assert!(
            !refused.contains("Votre inscription est confirmée"),
            "{day}"
        );
    }
}

fn person(role: Role, id: &str, org: Option<&str>) -> CurrentUser {
    CurrentUser {
        id: id.into(),
        email: format!("{id}@exemple.fr"),
        first_name: "A".into(),
        last_name: "B".into(),
        role,
        organisation_id: org.map(str::to_owned),
        organisation_name: None,
        organisation_kind: role.organisation_kind(),
        organisation_status: Some(OrgStatus::Active),
        is_org_admin: false,
        departments: vec!["35".into()],
    }
}

#[test]
fn programme_and_content_policy() {
    let practitioner_roles = [
        Role::Prescriber,
        Role::TrainingStaff,
        Role::SiteCoordinator,
        Role::Teacher,
        Role::PartnerResponder,
        Role::InfoOfficer,
        Role::Funder,
        Role::RegistrationOfficer,
    ];
    for role in practitioner_roles {
        let p = person(role, "me", Some("org"));
        assert!(allows(&p, &Action::RegisterForProgramme), "{role}");
        assert!(!allows(&p, &Action::ManageProgramme), "{role}");
        assert!(!allows(&p, &Action::PublishContent), "{role}");
        assert!(allows(
            &p,
            &Action::CancelProgrammeRegistration {
                registrant_id: "me"
            }
        ));
        assert!(!allows(
            &p,
            &Action::CancelProgrammeRegistration {
                registrant_id: "someone"
            }
        ));
        assert!(!allows(
            &p,
            &Action::EvaluateProgrammeSession {
                registrant_id: "someone"
            }
        ));
    }
    for role in [Role::Candidate, Role::Recruiter] {
        let p = person(role, "me", Some("org"));
        assert!(!allows(&p, &Action::RegisterForProgramme), "{role}");
    }
    assert!(!allows(
        &person(Role::Prescriber, "me", None),
        &Action::RegisterForProgramme
    ));
    for role in [Role::Editor, Role::RegionalAdmin] {
        let p = person(role, "team", Some("operator"));
        assert!(allows(&p, &Action::ManageProgramme));
        assert!(allows(&p, &Action::PublishContent));
        assert!(allows(
            &p,
            &Action::CancelProgrammeRegistration {
                registrant_id: "someone"
            }
        ));
        // Nobody fills in someone else's evaluation.
        assert!(!allows(
            &p,
            &Action::EvaluateProgrammeSession {
                registrant_id: "someone"
            }
        ));
        assert!(allows(
            &p,
            &Action::EvaluateProgrammeSession {
                registrant_id: "team"
            }
        ));
    }
}
