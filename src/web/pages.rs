//! General pages: dashboard, legal notice, accessibility statement, privacy, and the
//! static assets (embedded in the binary).

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Page, render};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::web::extract::Path;

pub fn router() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/tableau-de-bord", get(super::dashboard::page))
        .route("/mentions-legales", get(legal))
        .route("/accessibilite", get(accessibility))
        .route("/confidentialite", get(privacy))
        .route("/theme.css", get(theme))
        .route("/logo", get(logo))
        .route("/static/{*path}", get(asset))
}

#[derive(Template)]
#[template(path = "legal.html")]
struct Legal {
    page: Page,
}

async fn legal(page: Page) -> AppResult<Response> {
    render(&Legal {
        page: page.titled("Mentions légales"),
    })
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct Accessibility {
    page: Page,
}

async fn accessibility(page: Page) -> AppResult<Response> {
    render(&Accessibility {
        page: page.titled("Déclaration d’accessibilité"),
    })
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct Privacy {
    page: Page,
}

async fn privacy(page: Page) -> AppResult<Response> {
    render(&Privacy {
        page: page.titled("Données personnelles"),
    })
}

async fn theme(State(state): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        super::theme_css(&state.config),
    )
        .into_response()
}

async fn logo(State(state): State<AppState>) -> AppResult<Response> {
    let Some(path) = state.config.logo.clone() else {
        return Err(AppError::not_found());
    };
    let mime = if path.extension().is_some_and(|e| e == "svg") {
        "image/svg+xml"
    } else {
        "image/png"
    };
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| AppError::not_found())?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        bytes,
    )
        .into_response())
}

/// Static files, embedded in the binary: `(path under /static/, media type, content)`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "css/app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/css/app.css"),
    ),
    (
        "js/autocomplete.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/js/autocomplete.js"),
    ),
    (
        "js/map.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/js/map.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    ),
    (
        "vendor/leaflet/leaflet.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/vendor/leaflet/leaflet.js"),
    ),
    (
        "vendor/leaflet/leaflet.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/vendor/leaflet/leaflet.css"),
    ),
    (
        "vendor/leaflet/images/marker-icon.png",
        "image/png",
        include_bytes!("../../static/vendor/leaflet/images/marker-icon.png"),
    ),
    (
        "vendor/leaflet/images/marker-icon-2x.png",
        "image/png",
        include_bytes!("../../static/vendor/leaflet/images/marker-icon-2x.png"),
    ),
    (
        "vendor/leaflet/images/marker-shadow.png",
        "image/png",
        include_bytes!("../../static/vendor/leaflet/images/marker-shadow.png"),
    ),
];

async fn asset(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, AppError::not_found()).into_response(),
    }
}
