//! Backup and restore through the command line, and the guards around the database: a file
//! deleted under a running server is noticed, and no new empty database is created over a
//! data folder that served one.

use std::path::Path;

use axum::http::StatusCode;

use crate::both_backends;
use crate::candidates::{fill_profile, pdf};
use crate::helpers::{Backend, TestApp};

const CANDIDATE: &str = "candidate@demo.passerelle.test";

/// Runs the binary on a database and data folder.
fn passerelle(database_url: &str, data_dir: &Path, args: &[&str]) -> (bool, String) {
    let (status, text) = crate::cli::run_binary(database_url, data_dir, args, &[]);
    (status.success(), text)
}

fn sqlite_path(app: &TestApp) -> std::path::PathBuf {
    match app.state.db.url() {
        passerelle::db::DatabaseUrl::Sqlite(path) => path.into(),
        other => panic!("not SQLite: {other:?}"),
    }
}

async fn offers_count(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    app.state
        .db
        .run(|conn| {
            Ok(passerelle::db::schema::offers::table
                .count()
                .get_result::<i64>(conn)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_running_restores_into_a_fresh_instance() {
    let app = TestApp::new(Backend::Sqlite).await.with_demo().await;
    let mut candidate = app.login_as(CANDIDATE).await;
    fill_profile(&mut candidate).await;
    candidate.get("/profil").await;
    candidate
        .post_file("/profil/cv", "cv", "cv.pdf", &pdf())
        .await
        .assert_status(StatusCode::SEE_OTHER);

    // Taken while the application holds the database open, its last commits in the WAL.
    let outside = tempfile::tempdir().unwrap();
    let file = outside.path().join("sauvegardes").join("passerelle-1.db");
    let file_arg = file.display().to_string();
    let url = app.state.config.database_url.clone();
    let (ok, out) = passerelle(&url, &app.state.config.data_dir, &["backup", &file_arg]);
    assert!(ok, "{out}");
    assert!(out.contains("Sauvegarde écrite dans"), "{out}");
    assert!(out.contains("1 fichiers (CV…)"), "{out}");
    let (ok, out) = passerelle(&url, &app.state.config.data_dir, &["backup", &file_arg]);
    assert!(
        !ok && out.contains("existe déjà"),
        "never over another backup: {out}"
    );

    // Restored into a fresh data folder, then started.
    let fresh = tempfile::tempdir().unwrap();
    let fresh_url = format!("sqlite://{}/passerelle.db", fresh.path().display());
    let (ok, out) = passerelle(&fresh_url, fresh.path(), &["restore", &file_arg]);
    assert!(ok, "{out}");
    assert!(out.contains("restaurée"), "{out}");
    let (ok, out) = passerelle(&fresh_url, fresh.path(), &["restore", &file_arg]);
    assert!(
        !ok && out.contains("existe déjà") && out.contains("--force"),
        "{out}"
    );
    let not_a_backup = outside.path().join("notes.txt");
    std::fs::write(&not_a_backup, "pas une base").unwrap();
    let (ok, out) = passerelle(
        &fresh_url,
        fresh.path(),
        &["restore", "--force", &not_a_backup.display().to_string()],
    );
    assert!(
        !ok && out.contains("n’est pas une sauvegarde Passerelle"),
        "{out}"
    );

    let mut config = app.state.config.clone();
    config.database_url = fresh_url.clone();
    config.data_dir = fresh.path().to_owned();
    let restored = TestApp::on(config, fresh).await;
    assert_eq!(offers_count(&restored).await, offers_count(&app).await);
    assert!(offers_count(&restored).await > 0);
    for email in [CANDIDATE, "recruiter@demo.passerelle.test"] {
        restored.login_as(email).await;
    }
    let mut there = restored.login_as(CANDIDATE).await;
    let cv = there.get("/profil/cv").await;
    cv.assert_status(StatusCode::OK);
    assert_eq!(cv.bytes, pdf());
    for query in [
        "/api/v1/offers/search?q=boulangere",
        "/api/v1/offers/search?commune=Rennes&radius_km=30&sort=distance",
        "/api/v1/offers/search?per_page=100",
    ] {
        let before = app.client().get(query).await.json();
        let after = restored.client().get(query).await.json();
        assert!(before["total"].as_u64().unwrap() > 0, "{query}: {before}");
        assert_eq!(before["total"], after["total"], "{query}");
        assert_eq!(before["items"], after["items"], "{query}");
    }

    // Restoring over a database a process uses is refused, even over an existing one.
    let (ok, out) = passerelle(
        &fresh_url,
        &restored.state.config.data_dir,
        &["restore", &file_arg],
    );
    assert!(!ok && out.contains("utilise la base"), "{out}");
}

#[tokio::test]
async fn healthz_and_writes_notice_the_database_file_deleted() {
    let app = TestApp::new(Backend::Sqlite).await;
    app.client()
        .get("/healthz")
        .await
        .assert_status(StatusCode::OK);
    let mut visitor = app.client();
    visitor
        .get("/connexion")
        .await
        .assert_status(StatusCode::OK);
    let path = sqlite_path(&app);
    std::fs::remove_file(&path).unwrap();
    let health = app.client().get("/healthz").await;
    health.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    let body = health.json();
    assert_eq!(body["code"], "database_file_lost", "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("a disparu"),
        "{body}"
    );
    let write = app.state.db.tx(|_| Ok(())).await.unwrap_err();
    assert_eq!(write.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Through HTTP too: a page that reaches the database says why, in French.
    let refused = visitor
        .post_form(
            "/connexion",
            &[("email", "lea@exemple.fr"), ("password", "un-mot-de-passe")],
        )
        .await;
    refused.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused.contains("a disparu"), "{}", refused.text);
}

#[tokio::test]
async fn healthz_notices_the_database_file_replaced() {
    let app = TestApp::new(Backend::Sqlite).await;
    let path = sqlite_path(&app);
    let copy = path.with_extension("copie");
    std::fs::copy(&path, &copy).unwrap();
    std::fs::rename(&copy, &path).unwrap();
    let health = app.client().get("/healthz").await;
    health.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        health.json()["message"]
            .as_str()
            .unwrap()
            .contains("remplacé")
    );
}

both_backends!(no_new_database_over_a_data_folder_that_had_one);

async fn no_new_database_over_a_data_folder_that_had_one(app: TestApp) {
    let data_dir = app.state.config.data_dir.clone();
    assert!(data_dir.join(passerelle::db::guard::MARKER).is_file());
    let mut config = app.state.config.clone();
    let empty_pg = match app.state.db.url().clone() {
        passerelle::db::DatabaseUrl::Sqlite(path) => {
            std::fs::remove_file(&path).unwrap();
            None
        }
        passerelle::db::DatabaseUrl::Postgres(_) => {
            let name = format!(
                "passerelle_empty_{}",
                passerelle::db::new_id().replace('-', "")
            );
            crate::helpers::admin_sql(&format!("CREATE DATABASE {name}"));
            config.database_url =
                crate::helpers::with_database(&crate::helpers::postgres_url(), &name);
            Some(name)
        }
    };
    let refused = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || passerelle::AppState::init(config).map(|_| ()))
            .await
            .unwrap()
            .unwrap_err()
            .to_string()
    };
    assert!(refused.contains("introuvable ou vide"), "{refused}");
    assert!(refused.contains("--new-database"), "{refused}");
    if let passerelle::db::DatabaseUrl::Sqlite(path) =
        passerelle::db::DatabaseUrl::parse(&config.database_url).unwrap()
    {
        assert!(!Path::new(&path).exists(), "no file created");
        // `serve` says so and stops, rather than serve a new empty database.
        let (ok, out) = passerelle(&config.database_url, &data_dir, &["serve"]);
        assert!(!ok, "{out}");
        assert!(out.contains("ne crée pas une base vide"), "{out}");
        assert!(!Path::new(&path).exists(), "no file created");
    }
    // Asked for explicitly, it is created.
    config.new_database = true;
    let started = tokio::task::spawn_blocking(move || passerelle::AppState::init(config))
        .await
        .unwrap();
    assert!(started.is_ok(), "{:?}", started.err());
    drop(started);
    drop(app);
    if let Some(name) = empty_pg {
        crate::helpers::admin_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}
