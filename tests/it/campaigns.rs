//! Campaigns: an editor writes a campaign for an audience, previews it with the count of
//! recipients, sends a test to themselves, then sends it through the outbox in batches.
//! Only people who agreed to the region's information receive it (at sign-up or in their
//! account); each mail carries a one-click `List-Unsubscribe` (RFC 8058) that a mail
//! provider can post without cookie, honoured at once; a withdrawal stops mails not yet
//! sent; figures per campaign.

use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::{Backend, Client, TestApp};

both_backends!(
    a_campaign_to_ille_et_vilaine_candidates_reaches_only_those_who_opted_in,
    consent_is_asked_at_sign_up_unticked,
);

const EDITOR: &str = "editor@demo.passerelle.test";
const CANDIDATE: &str = "candidate@demo.passerelle.test";
const NOLWENN: &str = "nolwenn.rennes@demo.passerelle.test";
const ERWAN: &str = "erwan.vitre@demo.passerelle.test";
const MAELLE: &str = "maelle.rennes@demo.passerelle.test";
const GWENAEL: &str = "gwenael.brest@demo.passerelle.test";

/// Ticks or unticks « recevoir les informations de la Région » in the account page.
async fn set_consent(app: &TestApp, email: &str, agree: bool) {
    let mut c = app.login_as(email).await;
    let page = c.get("/compte").await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Informations de la Région"));
    let fields: &[(&str, &str)] = if agree { &[("info_mails", "oui")] } else { &[] };
    let r = c.post_form("/compte/informations", fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = c.get("/compte").await;
    assert_eq!(
        page.contains("Vous recevez les informations de la Région par e-mail"),
        agree,
        "{}",
        page.text
    );
}

/// Writes a draft to the candidates of a department; returns its address.
async fn draft(editor: &mut Client<'_>, subject: &str, department: &str) -> String {
    editor
        .get("/campagnes/nouvelle")
        .await
        .assert_status(StatusCode::OK);
    let r = editor
        .post_form(
            "/campagnes/nouvelle",
            &[
                ("audience", "candidates"),
                ("department", department),
                ("occupation", ""),
                ("org_kind", ""),
                ("subject", subject),
                (
                    "body",
                    "## Les rencontres de l’alternance\n\nRendez-vous **samedi** à Rennes. <script>alert(1)</script>\n\n[Les offres](/offres)",
                ),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.location()
}

/// Confirms the sending of a draft.
async fn send(editor: &mut Client<'_>, at: &str) {
    editor.get(at).await.assert_status(StatusCode::OK);
    let r = editor
        .post_form(&format!("{at}/envoyer"), &[("confirm", "oui")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}

/// The raw `.eml` files of the outbox folder that went to an address.
fn raw_mails_to(app: &TestApp, to: &str) -> Vec<String> {
    let dir = app.state.config.data_dir.join("outbox");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .filter(|raw| {
            raw.lines()
                .take_while(|l| !l.is_empty())
                .any(|l| l.starts_with("To:") && l.contains(to))
        })
        .collect()
}

/// The value of a header of a raw mail (folded lines joined).
fn header(raw: &str, name: &str) -> String {
    let head = raw.split("\r\n\r\n").next().unwrap().replace("\r\n ", " ");
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(str::to_owned)
        .unwrap_or_default()
}

async fn received(app: &TestApp, subject: &str) -> Vec<String> {
    let mut to: Vec<String> = app
        .mails()
        .await
        .into_iter()
        .filter(|m| m.subject == subject)
        .map(|m| m.to.clone())
        .collect();
    to.sort();
    to
}

async fn a_campaign_to_ille_et_vilaine_candidates_reaches_only_those_who_opted_in(app: TestApp) {
    let app = app.with_demo().await;
    // Maëlle (Rennes) agrees in her account; the demo candidate agrees too but has no
    // profile in Ille-et-Vilaine; Gwenaël (Brest) agreed at sign-up.
    set_consent(&app, MAELLE, true).await;
    set_consent(&app, CANDIDATE, true).await;
    // Erwan (Vitré) agreed, then changed his mind.
    set_consent(&app, ERWAN, false).await;

    // Only editors and the regional team write campaigns.
    for who in [CANDIDATE, "recruiter@demo.passerelle.test"] {
        let mut c = app.login_as(who).await;
        c.get("/campagnes")
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }

    let mut editor = app.login_as(EDITOR).await;
    let subject = "L’alternance en Ille-et-Vilaine";
    let at = draft(&mut editor, subject, "35").await;
    let page = editor.get(&at).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Ille-et-Vilaine"), "{}", page.text);
    assert!(
        page.contains("<strong>2 personnes</strong>"),
        "{}",
        page.text
    );
    assert!(page.contains("<strong>samedi</strong>"), "{}", page.text);
    assert!(!page.contains("<script>alert(1)"), "raw HTML never passes");

    // A test goes to the editor only.
    let r = editor.post_form(&format!("{at}/essai"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let test = app.last_mail_to(EDITOR).await;
    assert_eq!(test.subject, format!("[Essai] {subject}"));
    assert!(received(&app, subject).await.is_empty());

    // Without the confirmation box nothing leaves.
    let r = editor.post_form(&format!("{at}/envoyer"), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    send(&mut editor, &at).await;
    assert_eq!(received(&app, subject).await, [MAELLE, NOLWENN]);
    // Links to the site's pages get its address in the mail.
    let mail = app.last_mail_to(NOLWENN).await;
    assert!(
        mail.html
            .contains(r#"href="http://passerelle.test/offres""#),
        "{}",
        mail.html
    );
    for nobody in [CANDIDATE, ERWAN, GWENAEL] {
        assert!(
            raw_mails_to(&app, nobody)
                .iter()
                .all(|m| !m.contains("Ille-et-Vilaine"))
        );
    }
    // A draft sent cannot be sent or changed again.
    let r = editor
        .post_form(&format!("{at}/envoyer"), &[("confirm", "oui")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The mail carries its one-click unsubscription (RFC 8058).
    let raw = raw_mails_to(&app, NOLWENN).pop().unwrap();
    let link = header(&raw, "List-Unsubscribe");
    assert!(
        link.starts_with("<http://passerelle.test/desabonnement?jeton="),
        "{link}"
    );
    assert_eq!(
        header(&raw, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    let path = link
        .trim_start_matches("<http://passerelle.test")
        .trim_end_matches('>')
        .to_owned();

    // Opening the link changes nothing: a page with a button.
    let mut visitor = app.client();
    let page = visitor.get(&path).await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Ne plus recevoir ces messages"));
    // A forged form does not ride on the one-click exemption: it must be that field alone.
    let r = app
        .client()
        .post_form_raw(
            "/connexion",
            &[("List-Unsubscribe", "One-Click"), ("email", NOLWENN)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The mail provider posts, without cookie nor CSRF token.
    let r = app
        .client()
        .post_form_raw(&path, &[("List-Unsubscribe", "One-Click")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A link we never sent is refused.
    let r = app
        .client()
        .post_form_raw(
            "/desabonnement?jeton=pas-un-jeton",
            &[("List-Unsubscribe", "One-Click")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The figures of the campaign.
    let list = editor.get("/campagnes").await;
    list.assert_status(StatusCode::OK);
    assert!(
        list.contains("<td>2</td>\n    <td>2</td>\n    <td>0</td>\n    <td>0</td>\n    <td>1</td>"),
        "{}",
        list.text
    );

    // The next campaign reaches Maëlle only: Nolwenn unsubscribed.
    let next = "Les portes ouvertes des CFA d’Ille-et-Vilaine";
    let at = draft(&mut editor, next, "35").await;
    send(&mut editor, &at).await;
    assert_eq!(received(&app, next).await, [MAELLE]);
}

#[tokio::test]
async fn withdrawing_stops_mails_not_yet_sent_sqlite() {
    withdrawing_stops_mails_not_yet_sent(Backend::Sqlite).await;
}

#[tokio::test]
#[cfg_attr(
    not(pg_tests),
    ignore = "PostgreSQL suite NOT RUN: set PASSERELLE_TEST_POSTGRES_URL"
)]
async fn withdrawing_stops_mails_not_yet_sent_postgres() {
    withdrawing_stops_mails_not_yet_sent(Backend::Postgres).await;
}

async fn withdrawing_stops_mails_not_yet_sent(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.campaign_rate_per_minute = 1)
        .await
        .with_demo()
        .await;
    let mut editor = app.login_as(EDITOR).await;
    let subject = "Le forum de l’apprentissage";
    let at = draft(&mut editor, subject, "35").await;
    send(&mut editor, &at).await;
    // One a minute: the first batch reaches one of the two.
    let first = received(&app, subject).await;
    assert_eq!(first.len(), 1, "{first:?}");
    let other = if first[0] == NOLWENN { ERWAN } else { NOLWENN };
    // The next batch runs (as on another node) and puts the other's mail in the outbox…
    app.state.clock.advance(chrono::Duration::minutes(1));
    let id = at.trim_start_matches("/campagnes/").to_owned();
    let (base, region) = (
        app.state.config.base_url(),
        app.state.config.region_name.clone(),
    );
    app.state
        .db
        .tx(move |conn| {
            passerelle::campaigns::service::send_batch(
                conn,
                &passerelle::campaigns::service::Sending {
                    base_url: &base,
                    region: &region,
                    per_minute: 1,
                },
                &id,
            )
        })
        .await
        .unwrap();
    // … and they withdraw before it leaves: it never does.
    set_consent(&app, other, false).await;
    app.state.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(received(&app, subject).await, first);
    let page = editor.get(&at).await;
    assert!(page.contains("Envoyée"), "{}", page.text);
    assert!(
        page.contains("<dt>Envoyés</dt><dd>1</dd>")
            && page.contains("<dt>Accord retiré avant l’envoi</dt><dd>1</dd>"),
        "{}",
        page.text
    );
}

async fn consent_is_asked_at_sign_up_unticked(app: TestApp) {
    let mut c = app.client();
    let page = c.get("/inscription/candidat").await;
    assert!(
        page.contains(r#"name="info_mails" type="checkbox" value="oui" >"#),
        "{}",
        page.text
    );
    let page = c.get("/inscription/entreprise").await;
    assert!(page.contains(r#"id="info_mails""#));
    for (email, tick) in [("avec@exemple.fr", true), ("sans@exemple.fr", false)] {
        let mut fields = vec![
            ("first_name", "Anne"),
            ("last_name", "Le Bras"),
            ("email", email),
            ("birth_date", "14/03/2005"),
            ("password", "un-mot-de-passe-long"),
            ("password_confirm", "un-mot-de-passe-long"),
            ("consent", "oui"),
        ];
        if tick {
            fields.push(("info_mails", "oui"));
        }
        let mut c = app.client();
        c.get("/inscription/candidat").await;
        let r = c.post_form("/inscription/candidat", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let e = email.to_owned();
        let at = app
            .state
            .db
            .run(move |conn| {
                let user = passerelle::auth::store::by_email(conn, &e)?.unwrap();
                passerelle::auth::store::info_mail_consent(conn, &user.id)
            })
            .await
            .unwrap();
        assert_eq!(at.is_some(), tick, "{email}");
    }
}

/// A local SMTP server that refuses for good (550) every recipient in `refused` and keeps
/// the recipients it accepted; returns its port and what it saw (`RCPT` addresses tried).
async fn smtp_refusing(
    refused: &'static [&'static str],
) -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let tried = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = tried.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            write.write_all(b"250 OK queued\r\n").await.unwrap();
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        let to = line[8..].trim().trim_matches(['<', '>']).to_owned();
                        let refuse = refused.contains(&to.as_str());
                        seen.lock().unwrap().push(to);
                        if refuse {
                            b"550 5.1.1 no such mailbox\r\n"
                        } else {
                            b"250 OK\r\n"
                        }
                    } else if upper.starts_with("DATA") {
                        in_data = true;
                        b"354 go ahead\r\n"
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.unwrap();
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    write.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (port, tried)
}

#[tokio::test]
async fn a_refused_address_is_counted_and_not_mailed_again_sqlite() {
    a_refused_address_is_counted_and_not_mailed_again(Backend::Sqlite).await;
}

#[tokio::test]
#[cfg_attr(
    not(pg_tests),
    ignore = "PostgreSQL suite NOT RUN: set PASSERELLE_TEST_POSTGRES_URL"
)]
async fn a_refused_address_is_counted_and_not_mailed_again_postgres() {
    a_refused_address_is_counted_and_not_mailed_again(Backend::Postgres).await;
}

/// The SMTP server refuses Nolwenn's address for good (550): her mail is not retried, the
/// campaign counts it as refused, and the next campaign does not try her address again.
async fn a_refused_address_is_counted_and_not_mailed_again(backend: Backend) {
    let (port, tried) = smtp_refusing(&[NOLWENN]).await;
    let app = TestApp::with_config(backend, |c| {
        c.smtp_url = Some(passerelle::config::Secret::new(format!(
            "smtp://127.0.0.1:{port}"
        )));
    })
    .await
    .with_demo()
    .await;
    let mut editor = app.login_as(EDITOR).await;
    let at = draft(&mut editor, "Le salon de l’apprentissage", "35").await;
    send(&mut editor, &at).await;
    app.run_jobs().await;
    app.run_jobs().await;
    // Only the candidates' addresses: the demo's other mails go through the same server.
    let candidates = |tried: &std::sync::Mutex<Vec<String>>| {
        let mut to: Vec<String> = tried
            .lock()
            .unwrap()
            .iter()
            .filter(|t| [ERWAN, NOLWENN, MAELLE, GWENAEL].contains(&t.as_str()))
            .cloned()
            .collect();
        to.sort();
        to
    };
    assert_eq!(candidates(&tried), [ERWAN, NOLWENN]);
    let page = editor.get(&at).await;
    assert!(
        page.contains("<dt>Envoyés</dt><dd>1</dd>")
            && page.contains("<dt>Refusés par le destinataire</dt><dd>1</dd>"),
        "{}",
        page.text
    );
    // Not retried later either.
    app.state.clock.advance(chrono::Duration::hours(2));
    app.run_jobs().await;
    assert_eq!(candidates(&tried), [ERWAN, NOLWENN]);
    let mut editor = app.login_as(EDITOR).await;

    tried.lock().unwrap().clear();
    let at = draft(&mut editor, "Les portes ouvertes", "35").await;
    send(&mut editor, &at).await;
    app.run_jobs().await;
    app.run_jobs().await;
    assert_eq!(candidates(&tried), [ERWAN]);
    let page = editor.get(&at).await;
    assert!(
        page.contains("<dt>Refusés par le destinataire</dt><dd>1</dd>"),
        "{}",
        page.text
    );
}
