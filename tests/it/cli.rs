//! The `passerelle` command line, run as an administrator would.

use std::process::Command;

use axum::http::StatusCode;

fn passerelle(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_passerelle"))
        .args(args)
        .env("PASSERELLE_DATA_DIR", dir)
        .env(
            "PASSERELLE_DATABASE_URL",
            format!("sqlite://{}/p.db", dir.display()),
        )
        .env("PASSERELLE_LOG", "warn")
        .env_remove("PASSERELLE_USER_PASSWORD")
        .output()
        .expect("binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
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
