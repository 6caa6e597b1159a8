//! The `passerelle` command line, run as an administrator would.

use std::process::Command;

use axum::http::StatusCode;

/// Runs the binary with `args` on a database and data folder (and `env`); returns how it
/// ended and what it wrote. Settings of the surrounding environment that change what a
/// command does are left out.
pub fn run_binary(
    database_url: &str,
    data_dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (std::process::ExitStatus, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_passerelle"))
        .args(args)
        .env("PASSERELLE_DATA_DIR", data_dir)
        .env("PASSERELLE_DATABASE_URL", database_url)
        .env("PASSERELLE_LOG", "warn")
        .env_remove("PASSERELLE_USER_PASSWORD")
        .env_remove("PASSERELLE_NEW_DATABASE")
        .envs(env.iter().copied())
        .output()
        .expect("binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status, text)
}

/// Runs the binary on a data folder, the database inside it.
fn passerelle(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let url = format!("sqlite://{}/p.db", dir.display());
    let (status, text) = run_binary(&url, dir, args, &[]);
    (status.success(), text)
}

#[tokio::test]
async fn administrator_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, out) = passerelle(dir.path(), &["migrate"]);
    assert!(ok, "{out}");
    let (ok, out) = passerelle(dir.path(), &["reference", "load"]);
    assert!(ok, "{out}");
    assert!(out.contains("35014 communes"), "{out}");

    // An operator account (no organisation needed for a candidate; one is for an admin).
    let (ok, out) = passerelle(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "chef@region.fr",
            "--role",
            "regional_admin",
        ],
    );
    assert!(!ok);
    assert!(out.contains("demande une organisation"), "{out}");
    let (ok, out) = passerelle(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "lea@exemple.fr",
            "--role",
            "candidate",
            "--password",
            "un-mot-de-passe-solide",
        ],
    );
    assert!(ok, "{out}");
    let (ok, out) = passerelle(
        dir.path(),
        &[
            "user",
            "create",
            "--email",
            "sans@exemple.fr",
            "--role",
            "candidate",
        ],
    );
    assert!(ok, "{out}");
    assert!(out.contains("/mot-de-passe/nouveau?jeton="), "{out}");
    let (ok, out) = passerelle(
        dir.path(),
        &["user", "create", "--email", "x@y.fr", "--role", "roi"],
    );
    assert!(!ok && out.contains("unknown role"), "{out}");

    let (ok, token) = passerelle(dir.path(), &["user", "token", "lea@exemple.fr"]);
    assert!(ok, "{token}");
    let token = token.trim().to_owned();
    assert!(token.starts_with("psl_"));

    // The token opens the API of a server on the same database.
    let config = passerelle::Config::for_tests(
        format!("sqlite://{}/p.db", dir.path().display()),
        dir.path().to_owned(),
    );
    let state = passerelle::AppState::init(config).unwrap();
    use tower::ServiceExt;
    let response = state
        .router()
        .oneshot(
            axum::http::Request::builder()
                .uri("/api/v1/me")
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// Runs the binary on an app's own database and data folder.
fn passerelle_on(app: &crate::helpers::TestApp, args: &[&str]) -> (bool, String) {
    let config = &app.state.config;
    let (status, text) = run_binary(&config.database_url, &config.data_dir, args, &[]);
    (status.success(), text)
}

#[tokio::test]
async fn the_training_catalogue_goes_out_and_in_as_lheo() {
    let app = crate::helpers::TestApp::new(crate::helpers::Backend::Sqlite)
        .await
        .with_demo()
        .await;
    let file = app.state.config.data_dir.join("catalogue.xml");
    let path = file.display().to_string();
    let (ok, out) = passerelle_on(&app, &["export", "lheo", "--output", &path]);
    assert!(ok, "{out}");
    assert!(out.contains("4 formations exportées"), "{out}");
    let xml = std::fs::read_to_string(&file).unwrap();
    assert!(xml.contains("<intitule-formation>CAP Boulanger en un an</intitule-formation>"));
    // Sent back by the Region through its profile: the same catalogue, nothing changes.
    let (ok, out) = passerelle_on(
        &app,
        &["import", "lheo", "--profile", "demo-region-lheo", &path],
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("4 formations reçues : 0 créée, 0 modifiée, 4 inchangées, 0 refusée."),
        "{out}"
    );
    assert!(std::path::Path::new(&format!("{path}.report.csv")).exists());
    // A file that is not LHÉO is refused with a French reason, and the command fails.
    std::fs::write(&file, "<catalogue><formation/></catalogue>").unwrap();
    let (ok, out) = passerelle_on(
        &app,
        &["import", "lheo", "--profile", "demo-region-lheo", &path],
    );
    assert!(!ok);
    assert!(out.contains("Fichier refusé"), "{out}");
}

#[tokio::test]
async fn the_annex_tables_are_written_from_the_command_line() {
    let app = crate::helpers::TestApp::new(crate::helpers::Backend::Sqlite)
        .await
        .with_demo()
        .await;
    let xlsx = app.state.config.data_dir.join("annexe.xlsx");
    let path = xlsx.display().to_string();
    let (ok, out) = passerelle_on(
        &app,
        &[
            "report",
            "annex",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--out",
            &path,
        ],
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("18 tableaux annexes (du 01/01/2026 au 31/12/2026)"),
        "{out}"
    );
    use calamine::Reader;
    let mut book = calamine::open_workbook::<calamine::Xlsx<_>, _>(&xlsx).expect("XLSX");
    // Beneficiaries (7 sheets), contracts (5), pathways (3), partners, departments, networks.
    assert_eq!(book.sheet_names().len(), 18, "{:?}", book.sheet_names());
    assert!(book.sheet_names().iter().all(|n| n.chars().count() <= 31));
    let first = book.sheet_names()[0].clone();
    assert!(book.worksheet_range(&first).is_ok());
    let csv = app.state.config.data_dir.join("annexe.csv");
    let path = csv.display().to_string();
    let (ok, out) = passerelle_on(
        &app,
        &[
            "report",
            "annex",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--out",
            &path,
        ],
    );
    assert!(ok, "{out}");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains("Bénéficiaires par tranche d’âge") || text.contains("Tranche d’âge"));
    let (ok, out) = passerelle_on(
        &app,
        &[
            "report",
            "annex",
            "--from",
            "2026-12-31",
            "--to",
            "2026-01-01",
            "--out",
            &path,
        ],
    );
    assert!(!ok);
    assert!(out.contains("précède"), "{out}");
}

#[tokio::test]
async fn an_organisation_not_validated_cannot_import_from_the_command_line() {
    let app = crate::helpers::TestApp::new(crate::helpers::Backend::Sqlite)
        .await
        .with_demo()
        .await;
    crate::imports::pending_company_profile(&app).await;
    let file = app.state.config.data_dir.join("offres.csv");
    std::fs::write(
        &file,
        "reference;title;description;rome_code;contract_type;level;commune_insee;start_date;positions;siret;company_name\n\
         G-1;Mécanicien·ne auto;Entretien et réparation des véhicules légers à l’atelier.;I1604;apprentissage;3;29019;01/09/2027;1;82345678900010;Garage Kerhervé\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let (ok, out) = passerelle_on(
        &app,
        &["import", "offers", "--profile", "garage-import", &path],
    );
    assert!(!ok, "{out}");
    assert!(out.contains("doit être validée"), "{out}");
    assert!(!std::path::Path::new(&format!("{path}.report.csv")).exists());
}

/// Starts `command` on a data folder, the database inside it; returns the exit code and what
/// the process wrote.
fn start_on(data: &std::path::Path, command: &str) -> (Option<i32>, String) {
    let url = format!("sqlite://{}/p.db", data.display());
    let (status, text) = run_binary(
        &url,
        data,
        &[command],
        &[("PASSERELLE_ADDR", "127.0.0.1:0")],
    );
    (status.code(), text)
}

#[tokio::test]
async fn a_data_folder_that_cannot_be_written_stops_the_start_in_french() {
    let dir = tempfile::tempdir().unwrap();
    // Under a regular file: no one can create it, root included.
    let file = dir.path().join("fichier");
    std::fs::write(&file, "pas un dossier").unwrap();
    let data = file.join("donnees");
    for command in ["serve", "demo"] {
        let (code, out) = start_on(&data, command);
        assert_eq!(code, Some(1), "{command}: {out}");
        assert!(
            out.contains(&format!(
                "Erreur : Le dossier de données « {} » ne peut pas être créé : une partie du chemin est un fichier, pas un dossier.",
                data.display()
            )),
            "{command}: {out}"
        );
        assert!(out.contains("PASSERELLE_DATA_DIR"), "{out}");
        assert!(
            !out.contains("panicked") && !out.contains("Error:"),
            "{out}"
        );
    }
    // The data folder itself a file.
    let (code, out) = start_on(&file, "serve");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("un fichier (et non un dossier) porte déjà ce nom"),
        "{out}"
    );

    // A read-only folder: its mode refuses every user but root.
    use std::os::unix::fs::PermissionsExt;
    let read_only = dir.path().join("lecture-seule");
    std::fs::create_dir(&read_only).unwrap();
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o555)).unwrap();
    let privileged = std::fs::write(read_only.join("essai"), "x").is_ok();
    if !privileged {
        let (code, out) = start_on(&read_only, "serve");
        assert_eq!(code, Some(1), "{out}");
        assert!(
            out.contains("n’est pas accessible en écriture : permission refusée"),
            "{out}"
        );
    }
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o755)).unwrap();
}
