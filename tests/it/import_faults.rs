//! Imports through faults: a run belongs to the process that runs it (a lease it renews), so
//! a command or a node started beside it never takes it for interrupted; only a run whose
//! process stopped is closed, and its file is never applied afterwards. A file acknowledged
//! over FTPS is in the database before the 226: a crash right after loses nothing.

use std::sync::mpsc;
use std::time::Duration;

use passerelle::imports::service::{self, Upload};

use crate::both_backends;
use crate::helpers::{ServeProcess, TestApp, free_port};
use crate::imports::{demo_upload, numbered_file};

both_backends!(
    a_running_import_is_left_alone_by_another_process,
    a_run_whose_process_stopped_is_closed_and_never_applied,
    ftps_files_acknowledged_survive_a_crash,
    a_killed_command_line_import_is_all_or_nothing,
    an_import_killed_with_its_server_is_all_or_nothing,
);

const CENTRE: &str = "training_staff@demo.passerelle.test";

fn rows(prefix: &str, count: usize) -> Vec<u8> {
    numbered_file(prefix, count)
}

async fn upload(app: &TestApp, file_name: &str, bytes: Vec<u8>) -> Upload {
    let user = app
        .state
        .db
        .run(|conn| passerelle::auth::store::by_email(conn, CENTRE))
        .await
        .unwrap()
        .expect("demo training staff");
    demo_upload(app, file_name, bytes, Some(user.id)).await
}

async fn run_of(app: &TestApp, id: &str) -> service::ImportRun {
    let id = id.to_owned();
    app.state
        .db
        .run(move |conn| service::get(conn, &id))
        .await
        .unwrap()
}

async fn published_pastry_offers(app: &TestApp) -> i64 {
    app.client()
        .get("/api/v1/offers/search?q=patissier")
        .await
        .json()["total"]
        .as_i64()
        .unwrap()
}

/// Mails about one file, to the training centre's staff.
async fn mails_about(app: &TestApp, file_name: &str) -> Vec<crate::helpers::Mail> {
    app.mails()
        .await
        .into_iter()
        .filter(|m| m.to.contains(CENTRE) && m.subject.contains(file_name))
        .collect()
}

async fn a_running_import_is_left_alone_by_another_process(app: TestApp) {
    let app = app.with_demo().await;
    let before = published_pastry_offers(&app).await;
    let upload = upload(&app, "tenu.csv", rows("TENU", 300)).await;
    let run_id = upload.run_id.clone();
    // The import stops after 100 rows, in its transaction, until the test lets it go on.
    let (reached_tx, reached_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let state = app.state.clone();
    let running = tokio::spawn(async move {
        service::run(&state, upload, move |done| {
            if done == 100 {
                let _ = reached_tx.send(());
                let _ = release_rx.recv_timeout(Duration::from_secs(60));
            }
            Ok(())
        })
        .await
    });
    tokio::task::spawn_blocking(move || reached_rx.recv_timeout(Duration::from_secs(60)))
        .await
        .unwrap()
        .expect("the import reached its 100th row");

    // Another process starts on the same database (a command beside the server): the run
    // goes on, untouched.
    let other = app.another_node(|_| {}).await;
    let run = run_of(&other, &run_id).await;
    assert_eq!((run.status.as_str(), run.error), ("running", None));
    // Even when that process's clock says the lease ran out, the run is held (its
    // transaction): its schedule waits for it and then finds the lease renewed.
    other
        .state
        .clock
        .advance(service::LEASE + chrono::Duration::seconds(5));
    let state = other.state.clone();
    let check = tokio::spawn(async move { state.db.run(service::fail_interrupted).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    release_tx.send(()).unwrap();
    let run = running.await.unwrap().expect("the import ends");
    assert_eq!(check.await.unwrap().expect("the check runs"), 0);

    assert_eq!((run.status.as_str(), run.created), ("done", 300));
    let run = run_of(&app, &run_id).await;
    assert_eq!(
        (run.status.as_str(), run.error.as_deref(), run.created),
        ("done", None, 300)
    );
    assert_eq!(published_pastry_offers(&app).await, before + 300);
    let mails = mails_about(&app, "tenu.csv").await;
    assert_eq!(mails.len(), 1, "one mail about the file");
    assert!(mails[0].subject.contains("Terminé"), "{}", mails[0].subject);
    assert!(
        !mails[0].body.contains("rien n’a été modifié"),
        "{}",
        mails[0].body
    );
    assert!(
        mails[0].body.contains("300 offres créées"),
        "{}",
        mails[0].body
    );
}

async fn a_run_whose_process_stopped_is_closed_and_never_applied(app: TestApp) {
    let app = app.with_demo().await;
    let before = published_pastry_offers(&app).await;
    // A process recorded a file, then stopped before applying it.
    let upload = upload(&app, "perdu.csv", rows("PERDU", 50)).await;
    let run_id = upload.run_id.clone();
    service::record_start(&app.state, &upload).await.unwrap();

    // Within its lease, no one takes it: not the start of another process, nor a schedule.
    let other = app.another_node(|_| {}).await;
    other.run_jobs().await;
    assert_eq!(run_of(&other, &run_id).await.status, "running");

    // Once the lease ran out, the schedule closes it with a sentence that blames no server.
    other
        .state
        .clock
        .advance(service::LEASE + chrono::Duration::minutes(1));
    assert!(other.run_jobs().await >= 1);
    let run = run_of(&other, &run_id).await;
    assert_eq!(run.status, "failed");
    assert_eq!(run.error.as_deref(), Some(service::INTERRUPTED));
    assert!(!service::INTERRUPTED.contains("serveur"));

    // Should that process come back and go on, it no longer owns the run: nothing is applied,
    // the run stays failed with its reason, and no mail says "Terminé".
    let late = service::finish(&app.state, upload, |_| Ok(())).await;
    assert!(late.is_err());
    let run = run_of(&app, &run_id).await;
    assert_eq!(
        (run.status.as_str(), run.error.as_deref(), run.created),
        ("failed", Some(service::INTERRUPTED), 0)
    );
    assert_eq!(published_pastry_offers(&app).await, before);
    assert!(mails_about(&app, "perdu.csv").await.is_empty());
}

/// `passerelle serve` in a child process on the test's database, with the partners' FTPS
/// server (listening when this returns), its data in `data_dir`.
async fn ftps_server(
    app: &TestApp,
    data_dir: &std::path::Path,
    certs: &std::path::Path,
) -> ServeProcess {
    let (cert, key) = passerelle::imports::ftps::self_signed(certs).expect("certificate");
    let ftps = format!("127.0.0.1:{}", free_port());
    let server = ServeProcess::start(
        app,
        data_dir,
        &[
            ("PASSERELLE_FTPS_ADDR", ftps.clone()),
            ("PASSERELLE_FTPS_CERT", cert.display().to_string()),
            ("PASSERELLE_FTPS_KEY", key.display().to_string()),
            ("PASSERELLE_FTPS_PASSIVE_PORTS", "0".to_owned()),
        ],
    )
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while tokio::net::TcpStream::connect(&ftps).await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "FTPS never listened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server
}

/// Sends a file over FTPS as a partner's software does; true once acknowledged (226).
async fn ftps_put(server: &ServeProcess, token: &str, file: &std::path::Path) -> bool {
    let output = tokio::process::Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "60"])
        .args(["--ssl-reqd", "--insecure", "--user"])
        .arg(format!("demo-generic:{token}"))
        .arg("-T")
        .arg(file)
        .arg(format!("ftp://{}/", server.ftps.as_deref().expect("FTPS")))
        .output()
        .await
        .expect("Debian's curl");
    output.status.success()
}

async fn statuses(app: &TestApp) -> Vec<(String, String)> {
    use diesel::prelude::*;
    use passerelle::db::schema::import_runs;
    app.state
        .db
        .run(|conn| {
            Ok(import_runs::table
                .filter(import_runs::channel.eq("ftps"))
                .order(import_runs::file_name)
                .select((import_runs::file_name, import_runs::status))
                .load(conn)?)
        })
        .await
        .unwrap()
}

async fn ftps_files_acknowledged_survive_a_crash(app: TestApp) {
    let app = app.with_demo().await;
    let token = app.login_as(CENTRE).await.new_api_token().await;
    let node = tempfile::tempdir().unwrap();
    let certs = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    // A big file first (a few seconds to apply), a small one right behind it.
    let first = work.path().join("premier.csv");
    std::fs::write(&first, rows("UN", 20_000)).unwrap();
    let second = work.path().join("second.csv");
    std::fs::write(&second, rows("DEUX", 30)).unwrap();

    let server = ftps_server(&app, node.path(), certs.path()).await;
    assert!(
        ftps_put(&server, &token, &first).await,
        "first file acknowledged"
    );
    assert!(
        ftps_put(&server, &token, &second).await,
        "second file acknowledged"
    );
    // Killed at once: the second file at least is not imported yet.
    server.kill();
    let left = statuses(&app).await;
    assert_eq!(
        left.len(),
        2,
        "both acknowledged files are recorded: {left:?}"
    );
    assert_ne!(left[1].1, "done", "{left:?}");

    // The dead process's lease runs out (time moves on for the process that looks).
    leases_run_out(&app).await;

    // Started again, on another node (its own, empty data folder): both files are imported,
    // reported beside them (the partner's folder is in the database) and mailed.
    let elsewhere = tempfile::tempdir().unwrap();
    let server = ftps_server(&app, elsewhere.path(), certs.path()).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    loop {
        let now = statuses(&app).await;
        if now.iter().all(|(_, s)| s == "done") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{now:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let base = format!("ftp://{}", server.ftps.as_deref().expect("FTPS"));
    for (name, created) in [
        ("premier.csv", "000 offres créées"),
        ("second.csv", "30 offres créées"),
    ] {
        crate::ftps::report(
            &format!("{base}/{name}.report.csv"),
            "demo-generic",
            &token,
            created,
        )
        .await;
    }
    drop(server);
    let mails = outbox_subjects(&app).await;
    for name in ["premier.csv", "second.csv"] {
        assert_eq!(
            mails.iter().filter(|s| s.contains(name)).count(),
            1,
            "one mail about {name}: {mails:?}"
        );
    }
    assert_eq!(offers_named(&app, "UN-").await, 20_000);
    assert_eq!(offers_named(&app, "DEUX-").await, 30);
}

/// Offers whose partner reference starts with `prefix`.
async fn offers_named(app: &TestApp, prefix: &str) -> i64 {
    use diesel::prelude::*;
    use passerelle::db::schema::offers;
    let pattern = format!("{prefix}%");
    app.state
        .db
        .run(move |conn| {
            Ok(offers::table
                .filter(offers::partner_reference.like(pattern))
                .count()
                .get_result(conn)?)
        })
        .await
        .unwrap()
}

/// Subjects of the mails queued for the training centre's staff (any process sends them).
async fn outbox_subjects(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use passerelle::db::schema::outbox_mails;
    app.state
        .db
        .run(|conn| {
            Ok(outbox_mails::table
                .filter(outbox_mails::to_address.like(format!("%{CENTRE}%")))
                .select(outbox_mails::subject)
                .load(conn)?)
        })
        .await
        .unwrap()
}

/// Closes what dead processes left, as the schedule of any node does once their leases ran
/// out (time moves on for the process that looks).
async fn leases_run_out(app: &TestApp) {
    let checker = app.another_node(|_| {}).await;
    checker
        .state
        .clock
        .advance(service::LEASE + chrono::Duration::seconds(5));
    checker
        .state
        .db
        .run(service::fail_interrupted)
        .await
        .unwrap();
}

/// The status of every run of a file, oldest first.
async fn runs_of(app: &TestApp, file_name: &'static str) -> Vec<String> {
    use diesel::prelude::*;
    use passerelle::db::schema::import_runs;
    app.state
        .db
        .run(move |conn| {
            Ok(import_runs::table
                .filter(import_runs::file_name.eq(file_name))
                .order((import_runs::started_at, import_runs::id))
                .select(import_runs::status)
                .load(conn)?)
        })
        .await
        .unwrap()
}

/// Published offers in the database, and what this process's search finds once it followed
/// the change log.
async fn database_and_search(app: &TestApp) -> (u64, u64) {
    passerelle::search::changes::catch_up(&app.state).await;
    let published = app
        .state
        .db
        .run(passerelle::offers::index::published_count)
        .await
        .unwrap();
    let found = app.client().get("/api/v1/offers/search").await.json()["total"]
        .as_u64()
        .unwrap();
    (u64::try_from(published).unwrap(), found)
}

/// Waits for the run of `file` sent after `before` others to reach one of the `wanted` states
/// (polling every 5 ms, 5 minutes at most from `started`).
async fn run_reaches(
    app: &TestApp,
    file: &'static str,
    before: usize,
    wanted: &'static [&'static str],
    started: std::time::Instant,
) {
    loop {
        let runs = runs_of(app, file).await;
        if runs.len() > before && wanted.contains(&runs[before].as_str()) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "{runs:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Where a command-line import of 20,000 rows is killed (SIGKILL).
#[derive(Clone, Copy, Debug)]
enum KillPoint {
    /// Before its run is recorded (the process opens the database).
    Starting,
    /// As soon as its run is recorded.
    Recorded,
    /// This long after its run is recorded (rows being applied).
    Applying(u64),
    /// As soon as its rows are committed (`indexing`, or already `done`).
    Committed,
}

async fn a_killed_command_line_import_is_all_or_nothing(app: TestApp) {
    const FILE: &str = "vingt-mille.csv";
    const ROWS: i64 = 20_000;
    let app = app.with_demo().await;
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join(FILE);
    std::fs::write(&file, rows("KILL", 20_000)).unwrap();
    let file_arg = file.display().to_string();
    let database = app.state.config.database_url.clone();
    let mut outcomes = Vec::new();
    for point in [
        KillPoint::Starting,
        KillPoint::Recorded,
        KillPoint::Applying(200),
        KillPoint::Applying(1_000),
        KillPoint::Applying(3_000),
        KillPoint::Committed,
    ] {
        let before = runs_of(&app, FILE).await.len();
        let node = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
            .args(["import", "offers", "--profile", "demo-generic", &file_arg])
            .env("PASSERELLE_DATABASE_URL", &database)
            .env("PASSERELLE_DATA_DIR", node.path())
            .env("PASSERELLE_LOG", "warn")
            .env_remove("PASSERELLE_NEW_DATABASE")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the command starts");
        let started = std::time::Instant::now();
        let reached = |wanted| run_reaches(&app, FILE, before, wanted, started);
        match point {
            KillPoint::Starting => tokio::time::sleep(Duration::from_millis(20)).await,
            KillPoint::Recorded => reached(&["running", "indexing", "done", "failed"]).await,
            KillPoint::Applying(ms) => {
                reached(&["running", "indexing", "done", "failed"]).await;
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            KillPoint::Committed => reached(&["indexing", "done", "failed"]).await,
        }
        let _ = child.kill();
        child.wait().unwrap();
        leases_run_out(&app).await;
        let runs = runs_of(&app, FILE).await;
        assert!(
            runs.iter().all(|s| s == "done" || s == "failed"),
            "after a kill {point:?}: {runs:?}"
        );
        let kept = offers_named(&app, "KILL-").await;
        assert!(
            kept == 0 || kept == ROWS,
            "{kept} offers after a kill {point:?}"
        );
        let (published, found) = database_and_search(&app).await;
        assert_eq!(published, found, "the search agrees with the database");
        outcomes.push((point, runs.get(before).cloned(), kept));
    }
    // At least one kill cut the file before its commit, and nothing of it stayed.
    assert!(
        outcomes
            .iter()
            .any(|(_, status, kept)| status.as_deref() == Some("failed") && *kept == 0),
        "{outcomes:?}"
    );
    // Sent again: the state one clean import gives.
    let (status, out) = crate::cli::run_binary(
        &database,
        tempfile::tempdir().unwrap().path(),
        &["import", "offers", "--profile", "demo-generic", &file_arg],
        &[],
    );
    assert!(status.success(), "{out}");
    assert_eq!(offers_named(&app, "KILL-").await, ROWS);
    let (published, found) = database_and_search(&app).await;
    assert_eq!(published, found);
    eprintln!("command-line import killed (point, run, offers kept): {outcomes:?}");
}

/// Where a server importing a file of 20,000 rows sent over the API is killed (SIGKILL).
#[derive(Clone, Copy, Debug)]
enum ServerKill {
    /// As soon as the file is acknowledged (202).
    Acknowledged,
    /// As soon as its run is taken by the server's job runner.
    Taken,
    /// This long after its run is taken (rows being applied).
    Applying(u64),
    /// As soon as its rows are committed (`indexing`, or already `done`).
    Committed,
}

/// A crash leaves what the dead process held (its import run, its jobs) leased for a while
/// (30 s, 5 minutes): the time passes here, for the next process to take them over.
async fn dead_leases_run_out(app: &TestApp) {
    use diesel::prelude::*;
    use passerelle::db::schema::{import_runs, jobs};
    app.state
        .db
        .run(|conn| {
            let past = passerelle::db::now() - chrono::Duration::seconds(1);
            diesel::update(jobs::table.filter(jobs::status.eq("running")))
                .set(jobs::locked_until.eq(past))
                .execute(conn)?;
            diesel::update(
                import_runs::table.filter(import_runs::status.eq_any(["running", "indexing"])),
            )
            .set(import_runs::lease_until.eq(past))
            .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn an_import_killed_with_its_server_is_all_or_nothing(app: TestApp) {
    const FILE: &str = "vingt-mille-api.csv";
    const ROWS: i64 = 20_000;
    let app = app.with_demo().await;
    let token = app.login_as(CENTRE).await.new_api_token().await;
    let path = format!("/api/v1/imports?profile=demo-generic&name={FILE}");
    let mut outcomes = Vec::new();
    for (n, point) in [
        ServerKill::Acknowledged,
        ServerKill::Taken,
        ServerKill::Applying(200),
        ServerKill::Applying(1_000),
        ServerKill::Applying(3_000),
        ServerKill::Committed,
    ]
    .into_iter()
    .enumerate()
    {
        // New offers each time, so that each kill may cut their creation.
        let prefix = format!("API{n}");
        let body = rows(&prefix, 20_000);
        let before = runs_of(&app, FILE).await.len();
        let node = tempfile::tempdir().unwrap();
        let server = ServeProcess::start(&app, node.path(), &[]).await;
        let sent = app
            .client()
            .via(&server.base())
            .api_send(&path, &token, "text/csv", body)
            .await;
        sent.assert_status(axum::http::StatusCode::ACCEPTED);
        let started = std::time::Instant::now();
        let reached = |wanted| run_reaches(&app, FILE, before, wanted, started);
        match point {
            ServerKill::Acknowledged => {}
            ServerKill::Taken => reached(&["running", "indexing", "done", "failed"]).await,
            ServerKill::Applying(ms) => {
                reached(&["running", "indexing", "done", "failed"]).await;
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            ServerKill::Committed => reached(&["indexing", "done", "failed"]).await,
        }
        server.kill();
        let at_kill = runs_of(&app, FILE).await.get(before).cloned();
        let kept_at_kill = offers_named(&app, &format!("{prefix}-")).await;
        assert!(
            kept_at_kill == 0 || kept_at_kill == ROWS,
            "{kept_at_kill} offers right after a kill {point:?}"
        );
        // Time passes: the dead server's leases run out; a server started again (another
        // node) closes its run at start and finishes what was acknowledged.
        dead_leases_run_out(&app).await;
        let again = tempfile::tempdir().unwrap();
        let server = ServeProcess::start(&app, again.path(), &[]).await;
        reached(&["done", "failed"]).await;
        drop(server);
        let runs = runs_of(&app, FILE).await;
        assert!(
            runs.iter().all(|s| s == "done" || s == "failed"),
            "after a kill {point:?}: {runs:?}"
        );
        let kept = offers_named(&app, &format!("{prefix}-")).await;
        let (published, found) = database_and_search(&app).await;
        assert_eq!(published, found, "the search agrees with the database");
        outcomes.push((
            point,
            at_kill,
            kept_at_kill,
            runs.get(before).cloned(),
            kept,
        ));
    }
    // An acknowledged file is never lost: each one was imported in the end.
    assert!(
        outcomes
            .iter()
            .all(|(_, _, _, status, kept)| status.as_deref() == Some("done") && *kept == ROWS),
        "{outcomes:?}"
    );
    // The last file sent again: the state one clean import gives.
    let mut api = app.client();
    let sent = api
        .api_send(&path, &token, "text/csv", rows("API5", 20_000))
        .await;
    sent.assert_status(axum::http::StatusCode::ACCEPTED);
    let before = runs_of(&app, FILE).await.len() - 1;
    while runs_of(&app, FILE).await[before] != "done" {
        assert!(app.run_jobs().await > 0, "{:?}", runs_of(&app, FILE).await);
    }
    assert_eq!(offers_named(&app, "API5-").await, ROWS);
    let (published, found) = database_and_search(&app).await;
    assert_eq!(published, found);
    eprintln!(
        "import over the API killed with its server (point, run and offers at the kill, run and offers in the end): {outcomes:?}"
    );
}
