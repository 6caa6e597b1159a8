//! General pages: dashboard, legal notice, accessibility statement, privacy (with the
//! retention of each kind of data, as the region set it), and the static assets (embedded in
//! the binary). The legal texts an editor wrote replace the built-in ones (see
//! [`LegalTexts`]).

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Page, render};
use crate::AppState;
use crate::db::DbConnection;
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
        .merge(super::retention::pages())
}

/// The legal pages whose text editors may write: key (its address), and what it is.
pub const LEGAL_PAGES: &[(&str, &str)] = &[
    (LEGAL_NOTICE, "Mentions légales"),
    (ACCESSIBILITY, "Déclaration d’accessibilité"),
    (
        PRIVACY_INTRO,
        "Introduction de la page « Données personnelles »",
    ),
];
pub const LEGAL_NOTICE: &str = "mentions-legales";
pub const ACCESSIBILITY: &str = "accessibilite";
pub const PRIVACY_INTRO: &str = "confidentialite";

/// The text an editor wrote for a legal page (a key of [`LEGAL_PAGES`]), as safe HTML (none of
/// the author's HTML), or `None` for the built-in text: provided by the capability that keeps
/// editorial content; without one, the built-in texts show.
pub struct LegalTexts(pub fn(&mut DbConnection, &str) -> AppResult<Option<String>>);

async fn legal_text(state: &AppState, key: &'static str) -> AppResult<Option<String>> {
    let Some(LegalTexts(read)) = state.registry.get::<LegalTexts>() else {
        return Ok(None);
    };
    let read = *read;
    state.db.run(move |conn| read(conn, key)).await
}

#[derive(Template)]
#[template(path = "legal.html")]
struct Legal {
    page: Page,
    /// An editor's text, rendered; `None`: the built-in text.
    text: Option<String>,
}

async fn legal(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    render(&Legal {
        text: legal_text(&state, LEGAL_NOTICE).await?,
        page: page.titled("Mentions légales"),
    })
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct Accessibility {
    page: Page,
    text: Option<String>,
}

async fn accessibility(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    render(&Accessibility {
        text: legal_text(&state, ACCESSIBILITY).await?,
        page: page.titled("Déclaration d’accessibilité"),
    })
}

/// A kind of data on the privacy page: what it is, how long it is kept and from when.
struct Kept {
    key: &'static str,
    label: &'static str,
    duration: String,
    counted_from: &'static str,
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct Privacy {
    page: Page,
    /// The editors' introduction, rendered; `None`: the built-in one.
    intro: Option<String>,
    kept: Vec<Kept>,
    dpo_contact: String,
}

impl Privacy {
    /// How long the data of `key` is kept, as the region set it (« 2 ans »).
    fn kept(&self, key: &str) -> String {
        self.kept
            .iter()
            .find(|k| k.key == key)
            .map(|k| format!("{} {}", k.duration, k.counted_from))
            .unwrap_or_else(|| "la durée fixée par la Région".to_owned())
    }
}

async fn privacy(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let st = state.clone();
    let read = state
        .registry
        .get::<LegalTexts>()
        .map(|LegalTexts(read)| *read);
    let (kept, intro) = state
        .db
        .run(move |conn| {
            let kept = st
                .registry
                .retention
                .current(conn)?
                .into_iter()
                .map(|s| Kept {
                    key: s.kind.key,
                    label: s.kind.label,
                    duration: s.duration_fr(),
                    counted_from: s.kind.counted_from,
                })
                .collect();
            let intro = match read {
                Some(read) => read(conn, PRIVACY_INTRO)?,
                None => None,
            };
            Ok((kept, intro))
        })
        .await?;
    render(&Privacy {
        page: page.titled("Données personnelles"),
        intro,
        kept,
        dpo_contact: state.config.dpo_contact.clone(),
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
