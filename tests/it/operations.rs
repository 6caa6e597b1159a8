use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::{Backend, TestApp};

both_backends!(
    health_metrics_openapi_and_french_pages,
    jobs_run_once_across_runners,
    finished_jobs_are_purged_after_a_while,
    a_job_of_an_unknown_kind_fails_clearly
);

async fn health_metrics_openapi_and_french_pages(app: TestApp) {
    let mut c = app.client();
    let health = c.get("/healthz").await;
    health.assert_status(StatusCode::OK);
    assert_eq!(health.json()["status"], "ok");

    let home = c.get("/").await;
    home.assert_status(StatusCode::OK);
    let csp = home
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains("default-src 'self'")
            && csp.contains("frame-ancestors 'none'")
            && !csp.contains("unsafe-inline")
    );
    // Map tiles are the one outside source of images, from configuration.
    assert!(
        csp.contains("img-src 'self' data: http://127.0.0.1:9;"),
        "{csp}"
    );
    assert_eq!(
        home.headers.get("x-content-type-options").unwrap(),
        "nosniff"
    );
    assert!(home.contains("<html lang=\"fr\">"));
    assert!(home.contains("Aller au contenu"));
    // A visitor reading pages gets no session.
    assert!(!c.has_session());

    // Metrics are private (see account_security): without a configured token, not there.
    c.get("/metrics").await.assert_status(StatusCode::NOT_FOUND);

    let doc = c.get("/api/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/referential/communes",
        "/api/v1/referential/rome",
        "/api/v1/me",
        "/api/v1/organisations/{id}",
        "/api/v1/offers/search",
        "/api/v1/candidates/search",
        "/api/v1/basket",
        "/api/v1/saved-searches",
        "/healthz",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    let page = c.get("/api").await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("/api/v1/referential/communes"));

    let missing = c.get("/nulle-part").await;
    missing.assert_status(StatusCode::NOT_FOUND);
    assert!(missing.contains("Page introuvable"));
    let api_missing = c.get("/api/v1/nulle-part").await;
    api_missing.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(api_missing.json()["code"], "not_found");

    for page in [
        "/mentions-legales",
        "/accessibilite",
        "/confidentialite",
        "/inscription",
        "/static/css/app.css",
        "/theme.css",
    ] {
        c.get(page).await.assert_status(StatusCode::OK);
    }
    // Asked to log in, then sent back where one was going.
    let r = c.get("/compte").await;
    assert_eq!(r.location(), "/connexion?suivant=%2Fcompte");
}

async fn jobs_run_once_across_runners(app: TestApp) {
    let app = app.with_demo().await;
    // The recurring tasks run first (the partners' digest queues a mail of its own).
    app.run_jobs().await;
    let since = passerelle::db::now();
    // Ten mails queued by ten password-reset requests (for ten accounts: an address gets
    // three links an hour at most).
    let mut c = app.client();
    let roles = &passerelle::types::Role::ALL[..10];
    for role in roles {
        c.get("/mot-de-passe-oublie").await;
        c.post_form(
            "/mot-de-passe-oublie",
            &[("email", &format!("{role}@demo.passerelle.test"))],
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    }
    // Two runners (as two server processes would) drain the queue at the same time.
    let (a, b) = tokio::join!(
        passerelle::jobs::run_due(&app.state),
        passerelle::jobs::run_due(&app.state)
    );
    let ran = a.unwrap() + b.unwrap();
    let jobs = app
        .state
        .db
        .run(|conn| passerelle::jobs::recent(conn, 100))
        .await
        .unwrap();
    let mail_jobs: Vec<_> = jobs
        .into_iter()
        .filter(|j| j.kind == "mail.send" && j.created_at >= since)
        .collect();
    assert_eq!(mail_jobs.len(), 10);
    assert!(
        mail_jobs
            .iter()
            .all(|j| j.status == "done" && j.attempts == 1),
        "each job ran exactly once"
    );
    assert!(ran >= 10);
    assert_eq!(
        app.mails()
            .await
            .iter()
            .filter(|m| m.subject == "Réinitialisation de votre mot de passe")
            .count(),
        10
    );
}

#[tokio::test]
async fn mail_is_retried_when_smtp_is_down() {
    // An SMTP server that refuses connections: the mail stays in the outbox, visible to the
    // operator, and its job is rescheduled with a delay.
    let app = TestApp::with_config(Backend::Sqlite, |config| {
        config.smtp_url = Some(passerelle::config::Secret::new("smtp://127.0.0.1:9"));
    })
    .await
    .with_demo()
    .await;
    let mut c = app.client();
    c.get("/mot-de-passe-oublie").await;
    c.post_form(
        "/mot-de-passe-oublie",
        &[("email", "candidate@demo.passerelle.test")],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    // The mail job ran (and failed), beside the recurring jobs' first runs.
    assert!(app.run_jobs().await >= 1);
    // Not due again yet: nothing runs.
    assert_eq!(app.run_jobs().await, 0);
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    let page = admin.get("/admin/courriels").await;
    page.assert_status(StatusCode::OK);
    assert!(page.contains("Réinitialisation de votre mot de passe"));
    assert!(page.contains("En attente"));
    assert!(
        page.contains("Connection refused") || page.contains("connection"),
        "{}",
        page.text
    );
}

/// A minimal SMTP server on loopback that records what it receives.
async fn smtp_sink() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let (port, received, _) = smtp_server().await;
    (port, received)
}

/// How the test SMTP server behaves towards the next connections.
const SMTP_UP: u8 = 0;
/// Accepts the connection and closes it at once (a server going down, a network cut).
const SMTP_CUT: u8 = 1;
/// Greets with 421 (service not available, RFC 5321).
const SMTP_BUSY: u8 = 2;
/// Takes the whole message, then refuses it with 451 (local error, try again later).
const SMTP_REFUSES: u8 = 3;

/// An SMTP server on loopback whose behaviour the test switches (`SMTP_*`); it records the
/// messages it accepts.
async fn smtp_server() -> (
    u16,
    tokio::sync::mpsc::UnboundedReceiver<String>,
    std::sync::Arc<std::sync::atomic::AtomicU8>,
) {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mode = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(SMTP_UP));
    let modes = mode.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            let mode = modes.load(Ordering::SeqCst);
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                match mode {
                    SMTP_CUT => return,
                    SMTP_BUSY => {
                        let _ = write.write_all(b"421 sink busy, try later\r\n").await;
                        return;
                    }
                    _ => {}
                }
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut data = None::<String>;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(buffer) = data.as_mut() {
                        if line == "." {
                            let message = data.take().unwrap();
                            if mode == SMTP_REFUSES {
                                write
                                    .write_all(b"451 local error, try later\r\n")
                                    .await
                                    .unwrap();
                            } else {
                                tx.send(message).unwrap();
                                write.write_all(b"250 OK queued\r\n").await.unwrap();
                            }
                        } else {
                            buffer.push_str(&line);
                            buffer.push_str("\r\n");
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 OK\r\n",
                    };
                    write.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (port, rx, mode)
}

/// The demo app, sending its mails to the local SMTP test server listening on `port`.
async fn app_with_smtp(backend: Backend, port: u16) -> TestApp {
    TestApp::with_config(backend, |config| {
        config.smtp_url = Some(passerelle::config::Secret::new(format!(
            "smtp://127.0.0.1:{port}"
        )));
    })
    .await
    .with_demo()
    .await
}

#[tokio::test]
async fn mails_wait_for_the_smtp_server_and_go_once_sqlite() {
    mails_wait_for_the_smtp_server_and_go_once(Backend::Sqlite).await;
}

#[tokio::test]
#[cfg_attr(
    not(pg_tests),
    ignore = "PostgreSQL suite NOT RUN: set PASSERELLE_TEST_POSTGRES_URL"
)]
async fn mails_wait_for_the_smtp_server_and_go_once_postgres() {
    mails_wait_for_the_smtp_server_and_go_once(Backend::Postgres).await;
}

/// The SMTP server cuts connections, then answers 421, then refuses each message with 451:
/// the mails stay in the outbox through every retry, then go once it takes them, each
/// exactly once.
async fn mails_wait_for_the_smtp_server_and_go_once(backend: Backend) {
    use std::sync::atomic::Ordering;
    let (port, mut received, mode) = smtp_server().await;
    let app = app_with_smtp(backend, port).await;
    let to = [
        "teacher@demo.passerelle.test",
        "candidate@demo.passerelle.test",
        "recruiter@demo.passerelle.test",
    ];
    mode.store(SMTP_CUT, Ordering::SeqCst);
    for email in to {
        let mut c = app.client();
        c.get("/mot-de-passe-oublie").await;
        c.post_form("/mot-de-passe-oublie", &[("email", email)])
            .await
            .assert_status(StatusCode::SEE_OTHER);
    }
    let outbox = || async {
        app.state
            .db
            .run(|conn| passerelle::mail::recent(conn, 100))
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.subject == "Réinitialisation de votre mot de passe")
            .collect::<Vec<_>>()
    };
    // Each failure: nothing received, the three mails waiting, tried once more; the next
    // attempt comes after the job's delay (30 s, then 1 min, then 2 min).
    for (turn, (behaviour, wait)) in [(SMTP_CUT, 0), (SMTP_BUSY, 31), (SMTP_REFUSES, 61)]
        .into_iter()
        .enumerate()
    {
        mode.store(behaviour, Ordering::SeqCst);
        app.state.clock.advance(chrono::Duration::seconds(wait));
        app.run_jobs().await;
        let mails = outbox().await;
        assert_eq!(mails.len(), 3);
        for m in &mails {
            assert_eq!(m.status, "pending", "{m:?}");
            assert_eq!(m.attempts, i32::try_from(turn).unwrap() + 1, "{m:?}");
            assert!(m.last_error.is_some());
        }
        assert!(received.try_recv().is_err(), "nothing delivered yet");
    }
    // Not due yet: nothing tried.
    app.state.clock.advance(chrono::Duration::seconds(60));
    app.run_jobs().await;
    assert!(outbox().await.iter().all(|m| m.attempts == 3));
    // Back: each goes once.
    mode.store(SMTP_UP, Ordering::SeqCst);
    app.state.clock.advance(chrono::Duration::seconds(61));
    app.run_jobs().await;
    let mut delivered = Vec::new();
    while let Ok(Some(message)) =
        tokio::time::timeout(std::time::Duration::from_millis(500), received.recv()).await
    {
        // (Other mails may go at the same time: the recurring tasks' own.)
        if to
            .iter()
            .any(|email| message.contains(&format!("To: {email}")))
        {
            delivered.push(message);
        }
    }
    assert_eq!(delivered.len(), 3, "each mail once");
    for email in to {
        assert_eq!(
            delivered
                .iter()
                .filter(|m| m.contains(&format!("To: {email}")))
                .count(),
            1,
            "{email}"
        );
    }
    let mails = outbox().await;
    assert!(
        mails
            .iter()
            .all(|m| m.status == "sent" && m.attempts == 4 && m.sent_at.is_some())
    );
    // Nothing goes again later.
    app.state.clock.advance(chrono::Duration::hours(2));
    app.run_jobs().await;
    while let Ok(Some(message)) =
        tokio::time::timeout(std::time::Duration::from_millis(300), received.recv()).await
    {
        assert!(
            to.iter()
                .all(|email| !message.contains(&format!("To: {email}"))),
            "sent twice: {message}"
        );
    }
}

#[tokio::test]
async fn mail_goes_out_over_smtp() {
    let (port, mut received) = smtp_sink().await;
    let app = app_with_smtp(Backend::Sqlite, port).await;
    let mut c = app.client();
    c.get("/mot-de-passe-oublie").await;
    c.post_form(
        "/mot-de-passe-oublie",
        &[("email", "teacher@demo.passerelle.test")],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    app.run_jobs().await;
    let message = tokio::time::timeout(std::time::Duration::from_secs(10), received.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        message.contains("To: teacher@demo.passerelle.test"),
        "{message}"
    );
    assert!(message.contains("Message-ID: <"));
    // Delivered: nothing is left to retry, and the operator sees it as sent.
    assert_eq!(app.run_jobs().await, 0);
    let mut admin = app.login_as("regional_admin@demo.passerelle.test").await;
    assert!(admin.get("/admin/courriels").await.contains("Envoyé"));
}

/// The recurring tasks leave thousands of finished jobs a day: the maintenance task deletes
/// those done more than 30 days ago and failed more than 180 days ago, and nothing else.
async fn finished_jobs_are_purged_after_a_while(app: TestApp) {
    let app = app.with_demo().await;
    assert!(app.run_jobs().await >= 1);
    let jobs = || async {
        app.state
            .db
            .run(|conn| passerelle::jobs::recent(conn, 1000))
            .await
            .unwrap()
    };
    let before = jobs().await;
    assert!(before.iter().all(|j| j.status != "failed"));
    let count = before.iter().filter(|j| j.status == "done").count();
    assert!(count >= 1);
    let now = passerelle::db::now();
    // Thirty-one days later the jobs that ran are purged; at twenty-nine none is.
    let purged = app
        .state
        .db
        .run(move |conn| passerelle::jobs::purge_finished(conn, now + chrono::Duration::days(29)))
        .await
        .unwrap();
    assert_eq!(purged, 0);
    assert_eq!(jobs().await.len(), before.len());
    let purged = app
        .state
        .db
        .run(move |conn| passerelle::jobs::purge_finished(conn, now + chrono::Duration::days(31)))
        .await
        .unwrap();
    assert_eq!(purged, count);
    // Queued jobs stay whatever their age.
    app.state
        .db
        .run(|conn| passerelle::jobs::enqueue(conn, "maintenance.purge", "", passerelle::db::now()))
        .await
        .unwrap();
    let later = app
        .state
        .db
        .run(move |conn| passerelle::jobs::purge_finished(conn, now + chrono::Duration::days(400)))
        .await
        .unwrap();
    assert_eq!(later, 0);
    assert_eq!(jobs().await.len(), before.len() - count + 1);
    // The maintenance task runs the purge.
    assert!(app.run_jobs().await >= 1);
}

/// A job whose kind no capability registered fails with a clear error, and is retried later
/// (a newer process may know it), never silently dropped.
async fn a_job_of_an_unknown_kind_fails_clearly(app: TestApp) {
    let id = app
        .state
        .db
        .run(|conn| passerelle::jobs::enqueue(conn, "nobody.knows", "", passerelle::db::now()))
        .await
        .unwrap();
    app.run_jobs().await;
    let jobs = app
        .state
        .db
        .run(|conn| passerelle::jobs::recent(conn, 1000))
        .await
        .unwrap();
    let job = jobs.iter().find(|j| j.id == id).expect("the job stays");
    assert_eq!(job.status, "queued");
    assert_eq!(job.attempts, 1);
    let error = job.last_error.as_deref().unwrap_or_default();
    assert!(
        error.contains("unknown job kind \"nobody.knows\""),
        "{error}"
    );
}

/// On SQLite, two transactions that read then write, side by side, both succeed: the second
/// waits for the write lock at its start instead of failing with "database is locked".
#[tokio::test]
async fn concurrent_read_then_write_transactions_wait_on_sqlite() {
    use diesel::prelude::*;
    use passerelle::db::schema::jobs;

    let app = TestApp::new(Backend::Sqlite).await;
    let read_then_write = |kind: &'static str| {
        app.state.db.tx(move |conn| {
            let before: i64 = jobs::table.count().get_result(conn)?;
            // Long enough for the other transaction to have begun meanwhile.
            std::thread::sleep(std::time::Duration::from_millis(300));
            let tomorrow = passerelle::db::now() + chrono::Duration::days(1);
            passerelle::jobs::enqueue(conn, kind, "{}", tomorrow)?;
            Ok(before)
        })
    };
    let (a, b) = tokio::join!(
        read_then_write("test.first"),
        read_then_write("test.second")
    );
    let (a, b) = (
        a.expect("first transaction"),
        b.expect("second transaction"),
    );
    // One ran after the other: the second saw the first's row.
    assert_eq!((a - b).abs(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_import_does_not_hold_up_mails_sqlite() {
    a_long_import_does_not_hold_up_mails(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(pg_tests),
    ignore = "PostgreSQL suite NOT RUN: set PASSERELLE_TEST_POSTGRES_URL"
)]
async fn a_long_import_does_not_hold_up_mails_postgres() {
    a_long_import_does_not_hold_up_mails(Backend::Postgres).await;
}

/// A big import on the server's job runner does not hold up mails: imports run on a lane of
/// their own, so a password-reset mail asked right after a 20,000-row file goes out before
/// the import is over (on PostgreSQL while its rows are being applied; on SQLite, whose one
/// writer is the import's transaction, once its rows are committed, while the search index
/// follows).
async fn a_long_import_does_not_hold_up_mails(backend: Backend) {
    let (port, mut received, _mode) = smtp_server().await;
    let app = app_with_smtp(backend, port).await;
    let token = app
        .login_as("training_staff@demo.passerelle.test")
        .await
        .new_api_token()
        .await;
    let sent = app
        .client()
        .api_send(
            "/api/v1/imports?profile=demo-generic&name=gros.csv",
            &token,
            "text/csv",
            crate::imports::numbered_file("LONG", 20_000),
        )
        .await;
    sent.assert_status(StatusCode::ACCEPTED);
    let run = sent.json()["id"].as_str().unwrap().to_owned();
    let mut c = app.client();
    c.get("/mot-de-passe-oublie").await;
    c.post_form(
        "/mot-de-passe-oublie",
        &[("email", "candidate@demo.passerelle.test")],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);

    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let runner = passerelle::jobs::spawn_runner(app.state.clone(), shutdown);
    let status = || async {
        let id = run.clone();
        app.state
            .db
            .run(move |conn| passerelle::imports::service::get(conn, &id))
            .await
            .unwrap()
            .status
    };
    let started = std::time::Instant::now();
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(60), received.recv())
            .await
            .expect("the mail went within a minute")
            .expect("SMTP server up");
        if message.contains("To: candidate@demo.passerelle.test") {
            break;
        }
    }
    let when_mailed = status().await;
    let expected: &[&str] = match backend {
        Backend::Postgres => &["queued", "running"],
        Backend::Sqlite => &["queued", "running", "indexing"],
    };
    assert!(
        expected.contains(&when_mailed.as_str()),
        "the mail waited for the import: {when_mailed} after {:?}",
        started.elapsed()
    );
    // The import goes on to its end meanwhile.
    while status().await != "done" {
        assert!(started.elapsed() < std::time::Duration::from_secs(300));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = stop.send(true);
    runner.await.unwrap();
}
