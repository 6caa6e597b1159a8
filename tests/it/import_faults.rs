//! Imports through faults: a run belongs to the process that runs it (a lease it renews), so
//! a command or a node started beside it never takes it for interrupted; only a run whose
//! process stopped is closed, and its file is never applied afterwards.

use std::sync::mpsc;
use std::time::Duration;

use passerelle::imports::service::{self, Channel, Upload};

use crate::both_backends;
use crate::helpers::TestApp;
use crate::imports::{generic_file, generic_row};

both_backends!(
    a_running_import_is_left_alone_by_another_process,
    a_run_whose_process_stopped_is_closed_and_never_applied,
);

const CENTRE: &str = "training_staff@demo.passerelle.test";

fn rows(prefix: &str, count: usize) -> Vec<u8> {
    let rows: Vec<String> = (0..count)
        .map(|i| {
            generic_row(
                &format!("{prefix}-{i:05}"),
                &format!("Apprenti·e pâtissier·ère n° {i}"),
                "35238",
            )
        })
        .collect();
    generic_file(&rows)
}

async fn upload(app: &TestApp, file_name: &str, bytes: Vec<u8>) -> Upload {
    let profile = app
        .state
        .db
        .run(|conn| service::profile_by_identifier(conn, "demo-generic"))
        .await
        .unwrap()
        .expect("demo profile");
    let user = app
        .state
        .db
        .run(|conn| passerelle::auth::store::by_email(conn, CENTRE))
        .await
        .unwrap()
        .expect("demo training staff");
    Upload {
        run_id: passerelle::db::new_id(),
        profile,
        user_id: Some(user.id),
        channel: Channel::Http,
        file_name: file_name.to_owned(),
        bytes,
    }
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
