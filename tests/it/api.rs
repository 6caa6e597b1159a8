use axum::http::StatusCode;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    api_calls_without_credentials_get_401_not_csrf,
);

async fn api_calls_without_credentials_get_401_not_csrf(app: TestApp) {
    let app = app.with_demo().await;
    // A program calling without any credentials: nothing to forge, authentication decides.
    let mut anonymous = app.client();
    for (method, path, body) in [
        ("POST", "/api/v1/offers", "{}"),
        ("PUT", "/api/v1/me/profile", "{}"),
        ("DELETE", "/api/v1/saved-searches/inconnue", ""),
        ("POST", "/api/v1/helpline/requests", "{}"),
    ] {
        let r = anonymous
            .send(method, path, "application/json", body.into())
            .await;
        r.assert_status(StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["code"], "unauthorized", "{method} {path}");
        assert!(
            r.json()["message"]
                .as_str()
                .unwrap()
                .contains("Authentification requise")
        );
    }
    assert!(!anonymous.has_session());

    // A signed-in browser session still needs its CSRF token for a state change.
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let r = recruiter
        .send("POST", "/api/v1/offers", "application/json", "{}".into())
        .await;
    r.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(r.json()["code"], "csrf");
}
