//! The information line Cap Info: calls logged by an officer, routed to a partner who
//! answers through a single-use link; the Maildir intake with threads; the public form
//! (honeypot, rate limit); reminders and escalation; scoping of partners (page, API, CSV);
//! the 2-working-day figures.

use axum::http::StatusCode;
use chrono::{Duration, NaiveDateTime};
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Client, TestApp};
use passerelle::helpline::{intake, service, sla::BusinessHours};

both_backends!(
    an_officer_routes_a_call_and_the_partner_answers_by_link,
    expired_reused_and_replaced_links_are_refused,
    the_maildir_is_taken_in_and_replies_join_their_thread,
    a_partner_sees_only_what_is_routed_to_it,
    the_public_form_needs_no_account_and_resists_spam,
    reminders_and_escalation_count_business_hours,
    the_promise_keeps_paris_hours_across_clock_changes,
);

pub(crate) const OFFICER: &str = "info_officer@demo.passerelle.test";
const PARTNER: &str = "partner_responder@demo.passerelle.test";
const OTHER_PARTNER: &str = "onisep@demo.passerelle.test";
const ADMIN: &str = "regional_admin@demo.passerelle.test";

/// The officer notes a call; returns the request's id.
pub(crate) async fn log_call(officer: &mut Client<'_>, question: &str, email: &str) -> String {
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
                ("question", question),
                ("answer", ""),
                ("requester_name", "Enora Le Bras"),
                ("requester_email", email),
                ("requester_phone", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.location().rsplit('/').next().unwrap().to_owned()
}

/// The value of the `<option>` whose text is `label`.
fn option_value(html: &str, label: &str) -> String {
    let end = html
        .find(&format!(">{label}</option>"))
        .unwrap_or_else(|| panic!("no option {label}"));
    let start = html[..end].rfind("value=\"").unwrap() + 7;
    html[start..end].trim_end_matches('"').to_owned()
}

async fn route_to(officer: &mut Client<'_>, id: &str, partner: &str) {
    let page = officer.get(&format!("/cap-info/demandes/{id}")).await;
    page.assert_status(StatusCode::OK);
    let partner_id = option_value(&page.text, partner);
    let r = officer
        .post_form(
            &format!("/cap-info/demandes/{id}/orientation"),
            &[
                ("partner_id", &partner_id),
                ("note", "Merci de votre aide."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}

async fn status_of(client: &mut Client<'_>, token: &str, id: &str) -> String {
    let r = client
        .api_get(&format!("/api/v1/helpline/requests/{id}"), token)
        .await;
    r.assert_status(StatusCode::OK);
    r.json()["request"]["status"].as_str().unwrap().to_owned()
}

async fn an_officer_routes_a_call_and_the_partner_answers_by_link(app: TestApp) {
    let app = app.with_demo().await;
    let mut officer = app.login_as(OFFICER).await;
    let token = officer.new_api_token().await;
    let id = log_call(
        &mut officer,
        "Puis-je faire financer une formation de soudeur par un projet de transition professionnelle ?",
        "enora.lebras@exemple.fr",
    )
    .await;
    let page = officer.get(&format!("/cap-info/demandes/{id}")).await;
    assert!(page.contains("Nouvelle"), "{}", page.text);
    route_to(&mut officer, &id, "Transitions Pro Bretagne").await;
    assert_eq!(status_of(&mut officer, &token, &id).await, "routed");

    // The partner's responder gets a mail with a single-use link and answers without an account.
    let mail = app.last_mail_to(PARTNER).await;
    assert!(mail.subject.contains("[CAP-"), "{}", mail.subject);
    assert!(mail.body.contains("soudeur"), "{}", mail.body);
    let link = mail.link();
    assert!(link.starts_with("/cap-info/reponse/"), "{link}");
    let mut anonymous = app.client();
    let form = anonymous.get(&link).await;
    form.assert_status(StatusCode::OK);
    assert!(form.contains("soudeur") && form.contains("Transitions Pro Bretagne"));
    assert!(
        !form.contains("enora.lebras@exemple.fr"),
        "no contact details on the link page"
    );
    let r = anonymous
        .post_form(
            &link,
            &[(
                "body",
                "Oui : déposez un dossier de PTP six mois avant l’entrée.",
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        status_of(&mut officer, &token, &id).await,
        "answered_by_partner"
    );
    let answer = app.last_mail_to("enora.lebras@exemple.fr").await;
    assert!(
        answer.subject.contains("Réponse à votre question"),
        "{}",
        answer.subject
    );
    assert!(answer.body.contains("dossier de PTP"), "{}", answer.body);
    assert!(answer.body.contains("Transitions Pro Bretagne"));

    // The link served once: reading or answering again is refused.
    anonymous.get(&link).await.assert_status(StatusCode::GONE);
    let again = anonymous.post_form(&link, &[("body", "Encore")]).await;
    again.assert_status(StatusCode::GONE);

    // The history and the figures show it.
    let page = officer.get(&format!("/cap-info/demandes/{id}")).await;
    assert!(page.contains("Réponse du partenaire") && page.contains("dossier de PTP"));
    let figures = officer.api_get("/api/v1/helpline/figures", &token).await;
    figures.assert_status(StatusCode::OK);
    let f = figures.json();
    let tp = f["by_partner"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner"] == "Transitions Pro Bretagne")
        .expect("Transitions Pro in the figures")
        .clone();
    assert_eq!(tp["routed"], 2, "{tp}"); // the demo's routed request and this one
    assert_eq!(tp["in_time"], 1, "{tp}");
    assert_eq!(tp["late"], 0, "{tp}");
    assert_eq!(tp["percent"], 100, "{tp}");
    assert!(
        f["late"].as_u64().unwrap() >= 1,
        "the demo's overdue request: {f}"
    );
    assert!(
        f["by_channel"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "phone")
    );
    let html = officer.get("/cap-info/chiffres").await;
    html.assert_status(StatusCode::OK);
    assert!(html.contains("Transitions Pro Bretagne") && html.contains("100 %"));
    // Closing then reopening starts a new cycle.
    officer.get(&format!("/cap-info/demandes/{id}")).await;
    officer
        .post_form(&format!("/cap-info/demandes/{id}/cloture"), &[])
        .await;
    assert_eq!(status_of(&mut officer, &token, &id).await, "closed");
    let r = officer
        .api_json(
            "POST",
            &format!("/api/v1/helpline/requests/{id}/reopen"),
            &token,
            json!({"reason": "Nouvelle question"}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(status_of(&mut officer, &token, &id).await, "new");
}

fn secret_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

async fn expired_reused_and_replaced_links_are_refused(app: TestApp) {
    let app = app.with_demo().await;
    let mut officer = app.login_as(OFFICER).await;
    let token = officer.new_api_token().await;
    let created = officer
        .api_json(
            "POST",
            "/api/v1/helpline/requests",
            &token,
            json!({"caller_kind": "professional", "topic": "orientation",
                   "question": "Quels métiers du numérique après un bac pro ?"}),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let partners: Vec<(String, String)> = app.state.db.run(service::partners).await.unwrap();
    let tp = &partners
        .iter()
        .find(|p| p.1 == "Transitions Pro Bretagne")
        .unwrap()
        .0;
    let onisep = &partners
        .iter()
        .find(|p| p.1 == "ONISEP Bretagne")
        .unwrap()
        .0;
    officer
        .api_json(
            "POST",
            &format!("/api/v1/helpline/requests/{id}/route"),
            &token,
            json!({"partner_id": tp}),
        )
        .await
        .assert_status(StatusCode::OK);
    let first = secret_of(&app.last_mail_to(PARTNER).await.link());
    let at = passerelle::db::now();
    let hours = BusinessHours::default();
    // Valid for 8 days, not a second more (the test moves the clock, then brings it back).
    let s = first.clone();
    app.state.clock.set(at + Duration::days(7));
    let ok = app
        .state
        .db
        .run(move |conn| service::link_request(conn, &s))
        .await;
    assert!(ok.is_ok());
    let s = first.clone();
    app.state
        .clock
        .set(at + Duration::days(8) + Duration::seconds(1));
    let late = app
        .state
        .db
        .tx(move |conn| {
            service::answer_by_link(conn, &s, "Trop tard", &hours, "http://passerelle.test")
        })
        .await;
    app.state.clock.set(at);
    let error = late.expect_err("an expired link is refused");
    assert_eq!(error.status(), StatusCode::GONE);
    assert!(error.message().contains("expiré"), "{}", error.message());
    assert_eq!(status_of(&mut officer, &token, &id).await, "routed");
    // Routing elsewhere replaces the first partner's link.
    officer
        .api_json(
            "POST",
            &format!("/api/v1/helpline/requests/{id}/route"),
            &token,
            json!({"partner_id": onisep}),
        )
        .await
        .assert_status(StatusCode::OK);
    let mut anonymous = app.client();
    anonymous
        .get(&format!("/cap-info/reponse/{first}"))
        .await
        .assert_status(StatusCode::GONE);
    let second = app.last_mail_to(OTHER_PARTNER).await.link();
    anonymous.get(&second).await.assert_status(StatusCode::OK);
    anonymous
        .post_form(&second, &[("body", "")])
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let r = anonymous
        .post_form(
            &second,
            &[("body", "Voyez les fiches métiers du numérique.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    anonymous
        .post_form(&second, &[("body", "Deux fois")])
        .await
        .assert_status(StatusCode::GONE);
    // A made-up link teaches nothing.
    anonymous
        .get("/cap-info/reponse/inexistant")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // The pure rule.
    let link = service::Link {
        token_hash: String::new(),
        request_id: String::new(),
        partner_id: String::new(),
        created_at: at,
        expires_at: at + Duration::days(service::LINK_DAYS),
        used_at: None,
    };
    assert_eq!(service::check_link(&link, at), Ok(()));
    assert_eq!(
        service::check_link(&link, at + Duration::days(8)),
        Err(service::LinkProblem::Expired)
    );
    let used = service::Link {
        used_at: Some(at),
        ..link
    };
    assert_eq!(
        service::check_link(&used, at),
        Err(service::LinkProblem::Used)
    );
}

fn write_mail(root: &std::path::Path, name: &str, raw: &str) {
    std::fs::create_dir_all(root.join("new")).unwrap();
    std::fs::write(root.join("new").join(name), raw.replace('\n', "\r\n")).unwrap();
}

async fn email_rows(officer: &mut Client<'_>, token: &str) -> Vec<serde_json::Value> {
    let r = officer
        .api_get("/api/v1/helpline/requests?canal=email", token)
        .await;
    r.assert_status(StatusCode::OK);
    r.json().as_array().unwrap().clone()
}

async fn the_maildir_is_taken_in_and_replies_join_their_thread(app: TestApp) {
    let app = app.with_demo().await;
    let root = intake::maildir(&app.state.config);
    let mut officer = app.login_as(OFFICER).await;
    let token = officer.new_api_token().await;
    assert!(email_rows(&mut officer, &token).await.is_empty());

    write_mail(
        &root,
        "1700000000.M1P1.mx:2,",
        "Return-Path: <yann.kerbrat@exemple.fr>\n\
From: =?utf-8?q?Yann_Kerbrat?= <Yann.Kerbrat@exemple.fr>\n\
To: Cap Info <capinfo@passerelle.test>\n\
Subject: =?utf-8?b?RmluYW5jZXIgdW4gQlRTIGVuIGFsdGVybmFuY2UgPw==?=\n\
Date: Mon, 23 Nov 2026 10:12:00 +0100\n\
Message-ID: <q1.yann@exemple.fr>\n\
MIME-Version: 1.0\n\
Content-Type: text/plain; charset=utf-8\n\
Content-Transfer-Encoding: quoted-printable\n\
\n\
Bonjour, qui paie la formation d=E2=80=99un BTS en alternance ?\n\
Merci d=E2=80=99avance.\n",
    );
    write_mail(&root, "1700000001.M2P1.mx", "ceci n'est pas un courriel\n");
    let report = intake::poll(&app.state, &root).await.unwrap();
    assert_eq!(report.created, 1, "{report:?}");
    assert_eq!(report.rejected, 1, "{report:?}");
    assert!(
        std::fs::read_dir(root.join("new"))
            .unwrap()
            .next()
            .is_none()
    );
    assert!(root.join("cur/1700000000.M1P1.mx:2,S").exists());
    assert!(root.join("rejected/1700000001.M2P1.mx").exists());

    let rows = email_rows(&mut officer, &token).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["subject"], "Financer un BTS en alternance ?");
    assert_eq!(rows[0]["status"], "new");
    let id = rows[0]["id"].as_str().unwrap().to_owned();
    let reference = rows[0]["reference"].as_str().unwrap().to_owned();
    let ack = app.last_mail_to("yann.kerbrat@exemple.fr").await;
    assert!(
        ack.subject.contains(&format!("[{reference}]")),
        "{}",
        ack.subject
    );
    let detail = officer
        .api_get(&format!("/api/v1/helpline/requests/{id}"), &token)
        .await
        .json();
    assert!(
        detail["request"]["question"]
            .as_str()
            .unwrap()
            .contains("qui paie la formation d’un BTS"),
        "{detail}"
    );
    assert_eq!(detail["request"]["requester_name"], "Yann Kerbrat");

    // The officer answers; the mail carries the reference.
    officer.get(&format!("/cap-info/demandes/{id}")).await;
    officer
        .post_form(
            &format!("/cap-info/demandes/{id}/reponse"),
            &[(
                "body",
                "L’OPCO de l’entreprise finance le contrat d’apprentissage.",
            )],
        )
        .await;
    assert_eq!(status_of(&mut officer, &token, &id).await, "answered");
    let answer = app.last_mail_to("yann.kerbrat@exemple.fr").await;
    assert!(answer.subject.contains(&format!("[{reference}]")));
    // Both are marked as sent by a program, so that an absence reply does not answer them.
    assert_eq!(ack.auto_submitted, "auto-generated");
    assert_eq!(answer.auto_submitted, "auto-generated");
    // Both mails follow the question in the requester's mail program.
    assert_eq!(ack.in_reply_to, "<q1.yann@exemple.fr>");
    assert_eq!(
        answer.in_reply_to, ack.message_id,
        "the answer follows the receipt"
    );
    assert_eq!(
        answer.references,
        format!("<q1.yann@exemple.fr> {}", ack.message_id)
    );

    // A reply in the thread (In-Reply-To) joins the request and reopens it.
    write_mail(
        &root,
        "1700000002.M3P1.mx",
        "From: yann.kerbrat@exemple.fr\n\
Subject: Re: ma question\n\
Message-ID: <q2.yann@exemple.fr>\n\
In-Reply-To: <q1.yann@exemple.fr>\n\
References: <q1.yann@exemple.fr>\n\
\n\
Et pour un BTS en un an ?\n\
\n\
Le 23/11/2026 à 11:00, Cap Info a écrit :\n\
> L’OPCO de l’entreprise finance\n",
    );
    let report = intake::poll(&app.state, &root).await.unwrap();
    assert_eq!(report.attached, 1, "{report:?}");
    assert_eq!(status_of(&mut officer, &token, &id).await, "new");
    let page = officer.get(&format!("/cap-info/demandes/{id}")).await;
    assert!(page.contains("Et pour un BTS en un an ?"));
    assert!(page.contains("Demande rouverte"));
    assert!(!page.contains("&gt; L’OPCO"), "quoted text is dropped");

    // Answered again; a reply carrying only the reference in its subject joins it too.
    officer
        .post_form(
            &format!("/cap-info/demandes/{id}/reponse"),
            &[("body", "Oui, certains CFA le proposent en un an.")],
        )
        .await;
    assert_eq!(status_of(&mut officer, &token, &id).await, "answered");
    write_mail(
        &root,
        "1700000003.M4P1.mx",
        &format!(
            "From: Yann Kerbrat <yann.kerbrat@exemple.fr>\n\
Subject: RE: [{reference}] Réponse à votre question – Cap Info\n\
Content-Type: text/plain; charset=iso-8859-1\n\
Content-Transfer-Encoding: quoted-printable\n\
\n\
Merci, c'est tr=E8s clair.\n"
        ),
    );
    // The same reference from someone else is a new request, not an intrusion in the thread.
    write_mail(
        &root,
        "1700000004.M5P1.mx",
        &format!("From: intrus@exemple.fr\nSubject: [{reference}] bonjour\n\nJe m'invite.\n"),
    );
    let report = intake::poll(&app.state, &root).await.unwrap();
    assert_eq!((report.attached, report.created), (1, 1), "{report:?}");
    assert_eq!(status_of(&mut officer, &token, &id).await, "new");
    let page = officer.get(&format!("/cap-info/demandes/{id}")).await;
    assert!(
        page.contains("Merci, c'est très clair.") || page.contains("Merci, c&#39;est très clair."),
        "{}",
        page.text
    );
    assert!(!page.contains("Je m'invite") && !page.contains("Je m&#39;invite"));
    assert_eq!(email_rows(&mut officer, &token).await.len(), 2);
    // The same message delivered twice (same Message-ID) is taken once.
    std::fs::copy(
        root.join("cur/1700000000.M1P1.mx:2,S"),
        root.join("new/1700000005.dup"),
    )
    .unwrap();
    let report = intake::poll(&app.state, &root).await.unwrap();
    assert_eq!(report.ignored, 1, "{report:?}");
    assert_eq!(email_rows(&mut officer, &token).await.len(), 2);
}

async fn a_partner_sees_only_what_is_routed_to_it(app: TestApp) {
    let app = app.with_demo().await;
    let mut officer = app.login_as(OFFICER).await;
    let id = log_call(
        &mut officer,
        "Question confidentielle pour Transitions Pro",
        "lea@exemple.fr",
    )
    .await;
    route_to(&mut officer, &id, "Transitions Pro Bretagne").await;

    let mut other = app.login_as(OTHER_PARTNER).await;
    let other_token = other.new_api_token().await;
    other
        .get(&format!("/cap-info/demandes/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    other
        .api_get(&format!("/api/v1/helpline/requests/{id}"), &other_token)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let list = other
        .api_get("/api/v1/helpline/requests", &other_token)
        .await;
    list.assert_status(StatusCode::OK);
    assert!(!list.text.contains("Question confidentielle"));
    assert!(
        list.json()
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["partner"] == "ONISEP Bretagne")
    );
    let page = other.get("/cap-info/partenaire").await;
    page.assert_status(StatusCode::OK);
    assert!(!page.contains("Question confidentielle") && !page.contains("Transitions Pro"));
    let csv = other.get("/cap-info/export.csv").await;
    csv.assert_status(StatusCode::OK);
    assert!(!csv.text.contains("Question confidentielle") && !csv.text.contains("Transitions Pro"));
    let figures = other
        .api_get("/api/v1/helpline/figures", &other_token)
        .await
        .json();
    assert!(
        figures["by_partner"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["partner"] == "ONISEP Bretagne")
    );
    other.get("/cap-info").await;
    other
        .post_form(
            &format!("/cap-info/demandes/{id}/reponse"),
            &[("body", "Intrusion")],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    other
        .get("/cap-info/appel")
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // The partner it is routed to sees it, without the requester's contact details, and answers.
    let mut partner = app.login_as(PARTNER).await;
    let partner_token = partner.new_api_token().await;
    let page = partner.get(&format!("/cap-info/demandes/{id}")).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Question confidentielle") && !page.contains("lea@exemple.fr"));
    let detail = partner
        .api_get(&format!("/api/v1/helpline/requests/{id}"), &partner_token)
        .await
        .json();
    assert!(detail["request"]["requester_email"].is_null());
    assert!(
        partner
            .get("/cap-info/export.csv")
            .await
            .text
            .contains("Question confidentielle")
    );
    let r = partner
        .api_json(
            "POST",
            &format!("/api/v1/helpline/requests/{id}/answer"),
            &partner_token,
            json!({"body": "Voici notre réponse."}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["status"], "answered_by_partner");
    // A candidate has no business here.
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    candidate
        .get("/cap-info")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    candidate
        .get(&format!("/cap-info/demandes/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

async fn the_public_form_needs_no_account_and_resists_spam(app: TestApp) {
    let app = app.with_demo().await;
    let mut officer = app.login_as(OFFICER).await;
    let token = officer.new_api_token().await;
    let web_count = |rows: serde_json::Value| rows.as_array().unwrap().len();
    let before = web_count(
        officer
            .api_get("/api/v1/helpline/requests?canal=web", &token)
            .await
            .json(),
    );
    let mut visitor = app.client();
    visitor.get("/question").await.assert_status(StatusCode::OK);
    let fields = |question: &'static str, honeypot: &'static str| {
        vec![
            ("question", question),
            ("topic", "apprenticeship"),
            ("email", "maiwenn@exemple.fr"),
            ("name", "Maïwenn"),
            ("phone", ""),
            ("caller_kind", "individual"),
            ("age_band", "under_18"),
            ("situation", "pupil"),
            ("site_web", honeypot),
        ]
    };
    // A robot fills the hidden field: thanked, nothing recorded.
    let r = visitor
        .post_form(
            "/question",
            &fields("Achetez nos montres", "http://spam.example"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A person forgets the e-mail address.
    visitor.get("/question").await;
    let mut missing = fields("Comment trouver un patron ?", "");
    missing[2] = ("email", "");
    let r = visitor.post_form("/question", &missing).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.contains("Indiquez votre adresse e-mail") && r.contains("Comment trouver un patron ?")
    );
    let r = visitor
        .post_form("/question", &fields("Comment trouver un patron ?", ""))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let thanks = visitor.get(&r.location()).await;
    assert!(
        thanks.contains("Votre question est bien envoyée (référence CAP-"),
        "{}",
        thanks.text
    );
    let ack = app.last_mail_to("maiwenn@exemple.fr").await;
    assert!(ack.subject.contains("[CAP-") && ack.subject.contains("bien reçue"));
    let rows = officer
        .api_get("/api/v1/helpline/requests?canal=web", &token)
        .await
        .json();
    assert_eq!(web_count(rows.clone()), before + 1);
    assert!(rows.to_string().contains("Comment trouver un patron ?"));
    assert!(!rows.to_string().contains("montres"));
    // Five an hour from one address, then 429.
    for _ in 0..4 {
        visitor.get("/question").await;
        let r = visitor
            .post_form("/question", &fields("Encore une question", ""))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    visitor.get("/question").await;
    let r = visitor
        .post_form("/question", &fields("Une de trop", ""))
        .await;
    r.assert_status(StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected.
    let mut neighbour = app.client();
    neighbour.get("/question").await;
    let r = neighbour
        .post_form("/question", &fields("Ma question à moi", ""))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

fn parse_time(value: &serde_json::Value) -> NaiveDateTime {
    let text = value.as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .naive_utc()
}

async fn reminders_and_escalation_count_business_hours(app: TestApp) {
    let app = app.with_demo().await;
    let mut officer = app.login_as(OFFICER).await;
    let token = officer.new_api_token().await;
    let id = log_call(
        &mut officer,
        "Quand commence la prochaine session ?",
        "erwan@exemple.fr",
    )
    .await;
    let paused = log_call(&mut officer, "Question à préciser", "gwen@exemple.fr").await;
    officer.get(&format!("/cap-info/demandes/{paused}")).await;
    officer
        .post_form(
            &format!("/cap-info/demandes/{paused}/precisions"),
            &[("body", "Dans quel département habitez-vous ?")],
        )
        .await;
    let detail = officer
        .api_get(&format!("/api/v1/helpline/requests/{paused}"), &token)
        .await
        .json();
    assert_eq!(detail["paused"], true, "{detail}");
    assert!(
        app.last_mail_to("gwen@exemple.fr")
            .await
            .body
            .contains("département")
    );
    let detail = officer
        .api_get(&format!("/api/v1/helpline/requests/{id}"), &token)
        .await
        .json();
    let reference = detail["request"]["reference"].as_str().unwrap().to_owned();
    let paused_ref = officer
        .api_get(&format!("/api/v1/helpline/requests/{paused}"), &token)
        .await
        .json()["request"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let received = parse_time(&detail["request"]["received_at"]);
    // The regional administrator flags the officer as supervisor.
    let mut admin = app.login_as(ADMIN).await;
    let settings = admin.get("/cap-info/reglages").await;
    settings.assert_status(StatusCode::OK);
    let marker = "name=\"officer_id\" value=\"";
    let start = settings.text.find(marker).unwrap() + marker.len();
    let officer_id = settings.text[start..start + 36].to_owned();
    admin
        .post_form(
            "/cap-info/reglages/superviseurs",
            &[("officer_id", &officer_id), ("supervisor", "oui")],
        )
        .await;
    assert!(
        admin
            .get("/cap-info/reglages")
            .await
            .contains("superviseur·e")
    );
    let hours = BusinessHours::default();
    // The job runs at chosen times: the clock is moved there, and brought back at the end.
    let before = app.state.clock.now();
    let run = |at: NaiveDateTime| {
        app.state.clock.set(at);
        app.state
            .db
            .tx(move |conn| service::remind_and_escalate(conn, &hours, "http://passerelle.test"))
    };
    let count = |mails: &[crate::helpers::Mail], tag: &str, what: &str| {
        mails
            .iter()
            .filter(|m| m.subject.contains(&format!("[{tag}]")) && m.subject.contains(what))
            .count()
    };
    // The reminder comes at the end of the working day after the request, the escalation at
    // the end of the 2nd: never 24 and 48 opening hours.
    let (reminder, target) = (
        hours.reminder_seconds(received),
        hours.target_seconds(received),
    );
    assert_eq!(
        hours.add_seconds(received, target),
        hours.end_of_working_day_after(received, 2)
    );
    assert!(
        target <= 24 * 3600,
        "two working days, not 48 opening hours"
    );
    // An hour before the reminder: nothing for this request.
    run(hours.add_seconds(received, reminder - 3600))
        .await
        .unwrap();
    let mails = app.mails().await;
    assert_eq!(count(&mails, &reference, "Relance"), 0);
    // Past the end of the next working day: the officers are reminded, once.
    run(hours.add_seconds(received, reminder + 3600))
        .await
        .unwrap();
    run(hours.add_seconds(received, reminder + 2 * 3600))
        .await
        .unwrap();
    let mails = app.mails().await;
    assert_eq!(count(&mails, &reference, "Relance"), 1);
    assert!(
        mails
            .iter()
            .any(|m| m.to.contains(OFFICER) && m.subject.contains(&reference))
    );
    run(hours.add_seconds(received, target - 60)).await.unwrap();
    let mails = app.mails().await;
    assert_eq!(count(&mails, &reference, "dépassé"), 0);
    // The 2 working days ran out: the supervisors (regional administrator, flagged officer)
    // are told, once.
    run(hours.add_seconds(received, target + 60)).await.unwrap();
    run(hours.add_seconds(received, target + 12 * 3600))
        .await
        .unwrap();
    let mails = app.mails().await;
    let escalations: Vec<_> = mails
        .iter()
        .filter(|m| m.subject.contains(&format!("[{reference}]")) && m.subject.contains("dépassé"))
        .collect();
    assert_eq!(escalations.len(), 2, "{escalations:?}");
    assert!(escalations.iter().any(|m| m.to.contains(ADMIN)));
    assert!(escalations.iter().any(|m| m.to.contains(OFFICER)));
    app.state.clock.set(before);
    // The paused request was neither reminded nor escalated.
    assert_eq!(count(&mails, &paused_ref, "Relance"), 0);
    assert_eq!(count(&mails, &paused_ref, "dépassé"), 0);
    // The overdue list puts late requests first.
    let late = officer
        .api_get("/api/v1/helpline/requests?retard=oui", &token)
        .await
        .json();
    assert!(
        late.as_array()
            .unwrap()
            .iter()
            .all(|r| r["overdue"] == true)
    );
    assert!(
        !late.as_array().unwrap().is_empty(),
        "the demo's overdue request"
    );
    let all = officer
        .api_get("/api/v1/helpline/requests", &token)
        .await
        .json();
    assert_eq!(all[0]["overdue"], true);
    // Days went by meanwhile: the officer's session has expired, they sign in again.
    let mut officer = app.login_as(OFFICER).await;
    let queue = officer.get("/cap-info").await;
    assert!(queue.contains("en retard"));
    // The overdue alert is a warning, not the green notice of a success.
    assert!(
        queue.contains("<p class=\"notice notice-warning\"><strong>")
            && queue.contains("sans réponse après 2 jours ouvrés"),
        "{}",
        queue.text
    );
    // The officer's dashboard opens with the late requests, in the warning style.
    let dashboard = officer.get("/tableau-de-bord").await;
    let late_count = late.as_array().unwrap().len() as i64;
    assert_eq!(
        crate::applications::key_figure(
            &dashboard.text,
            "demande au-delà de 2 jours ouvrés",
            "demandes au-delà de 2 jours ouvrés"
        ),
        late_count
    );
    assert!(
        dashboard.contains("class=\"figure figure-alert\" href=\"/cap-info\""),
        "{}",
        dashboard.text
    );
    let public = app.client().get("/question").await;
    assert!(public.contains("sous 2 jours ouvrés") && !public.contains("48 heures"));
}

#[test]
fn policy_of_the_information_line() {
    use passerelle::auth::CurrentUser;
    use passerelle::auth::policy::{Action, HelplineRef, allows};
    use passerelle::types::{OrgStatus, Role};
    let person = |role: Role, org: &str| CurrentUser {
        id: format!("user-{role}"),
        email: format!("{role}@example.org"),
        first_name: "A".into(),
        last_name: "B".into(),
        role,
        organisation_id: Some(org.to_owned()),
        organisation_name: None,
        organisation_kind: role.organisation_kind(),
        organisation_status: Some(OrgStatus::Active),
        is_org_admin: false,
        departments: vec![],
    };
    let routed = HelplineRef {
        partner_id: Some("tp".into()),
    };
    let officer = person(Role::InfoOfficer, "operator");
    let tp = person(Role::PartnerResponder, "tp");
    let onisep = person(Role::PartnerResponder, "onisep");
    let admin = person(Role::RegionalAdmin, "operator");
    let prescriber = person(Role::Prescriber, "tp");
    assert!(allows(&officer, &Action::WorkHelpline));
    assert!(allows(&officer, &Action::ViewHelplineRequest(&routed)));
    assert!(!allows(&officer, &Action::AnswerHelplineAsPartner(&routed)));
    assert!(!allows(&officer, &Action::ManageHelplineSupervisors));
    assert!(allows(&tp, &Action::ViewHelplineRequest(&routed)));
    assert!(allows(&tp, &Action::AnswerHelplineAsPartner(&routed)));
    assert!(!allows(&tp, &Action::WorkHelpline));
    assert!(!allows(&onisep, &Action::ViewHelplineRequest(&routed)));
    assert!(!allows(&onisep, &Action::AnswerHelplineAsPartner(&routed)));
    assert!(!allows(
        &tp,
        &Action::ViewHelplineRequest(&HelplineRef { partner_id: None })
    ));
    assert!(allows(&admin, &Action::ManageHelplineSupervisors));
    assert!(allows(&admin, &Action::WorkHelpline));
    assert!(!allows(&prescriber, &Action::ViewHelplineQueue));
    assert!(!allows(&prescriber, &Action::ViewHelplineRequest(&routed)));
}

fn paris(at: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(at, "%d/%m/%Y %H:%M").unwrap()
}

/// The 2 working days follow Paris opening hours across the clock changes: the due time
/// shown (the end of the 2nd working day after the request), the reminder at the end of the
/// 1st and the escalation once the 2 working days ran out happen at the right Paris time, the
/// application's clock moved as time passes.
async fn the_promise_keeps_paris_hours_across_clock_changes(app: TestApp) {
    let clock = app.state.clock.clone();
    clock.set_paris(paris("01/03/2027 10:00"));
    let app = app.with_demo().await;
    let count = |mails: &[crate::helpers::Mail], reference: &str, what: &str| {
        mails
            .iter()
            .filter(|m| m.subject.contains(&format!("[{reference}]")) && m.subject.contains(what))
            .count()
    };
    for (received, reminder, due) in [
        // A Friday in winter time; Easter Monday (29/03) is off: the reminder at the end of
        // Tuesday and the due time at the end of Wednesday, in summer time.
        ("26/03/2027 16:00", "30/03/2027 17:00", "31/03/2027 17:00"),
        // A Friday in summer time; All Saints' Day (01/11) is off: reminder and due time on
        // Tuesday and Wednesday, in winter time.
        ("29/10/2027 16:00", "02/11/2027 17:00", "03/11/2027 17:00"),
    ] {
        clock.set_paris(paris(received));
        let mut officer = app.login_as(OFFICER).await;
        let token = officer.new_api_token().await;
        let id = log_call(&mut officer, "Qui finance un BTS ?", "maiwenn@exemple.fr").await;
        let detail = officer
            .api_get(&format!("/api/v1/helpline/requests/{id}"), &token)
            .await
            .json();
        let reference = detail["request"]["reference"].as_str().unwrap().to_owned();
        let page = officer.get(&format!("/cap-info/demandes/{id}")).await;
        assert!(page.contains(&received.replace(' ', " à ")), "{received}");
        assert!(
            page.contains(&due.replace(' ', " à ")),
            "due {due}: {}",
            page.text
        );

        let at = |local: &str, minutes: i64| paris(local) + Duration::minutes(minutes);
        clock.set_paris(at(reminder, -10));
        assert_eq!(
            count(&app.mails().await, &reference, "Relance"),
            0,
            "{reminder}"
        );
        clock.set_paris(at(reminder, 10));
        assert_eq!(
            count(&app.mails().await, &reference, "Relance"),
            1,
            "{reminder}"
        );

        clock.set_paris(at(due, -10));
        assert_eq!(count(&app.mails().await, &reference, "dépassé"), 0, "{due}");
        clock.set_paris(at(due, 10));
        assert!(
            count(&app.mails().await, &reference, "dépassé") > 0,
            "{due}"
        );
    }
}
