//! Shared web plumbing: page context for templates, extractors that answer in French,
//! security headers, error pages, static assets and the general pages.

pub mod csv;
pub mod dashboard;
pub mod extract;
pub mod feed;
pub mod filters;
pub mod form;
pub mod french;
pub mod json;
pub mod nav;
pub mod outbound;
pub mod pages;
pub mod retention;
pub mod routes;

use askama::Template;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::AppState;
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult, ErrorBody};

/// What every page's layout needs: title, who is there, CSRF token, flash message, theme.
pub struct Page {
    pub title: String,
    pub user: Option<CurrentUser>,
    pub csrf: String,
    pub flash: Option<String>,
    pub region_name: String,
    pub has_logo: bool,
    /// « Mon espace »: the signed-in person's links (see [`nav`]).
    pub space: Vec<nav::NavLink>,
    /// The breadcrumb trail of a deep page: its parents (label, address) after « Accueil »;
    /// the page's title ends it.
    pub crumbs: Vec<(String, String)>,
    session: SessionHandle,
}

impl Page {
    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Makes sure a CSRF token exists, creating an anonymous session when needed, for
    /// pages that show a form to visitors who are not logged in.
    pub async fn with_form(mut self) -> AppResult<Self> {
        self.csrf = self.session.ensure_csrf().await?;
        Ok(self)
    }

    pub fn user(&self) -> Option<&CurrentUser> {
        self.user.as_ref()
    }

    /// Places a deep page under its parents (label, address), for the breadcrumb trail.
    pub fn within(mut self, parents: &[(&str, &str)]) -> Self {
        self.crumbs = parents
            .iter()
            .map(|(label, href)| ((*label).to_owned(), (*href).to_owned()))
            .collect();
        self
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let session = SessionHandle::from_request_parts(parts, state).await?;
        let flash = session.take_flash().await?;
        let user = session.user();
        let space = user
            .as_ref()
            .map(|u| state.registry.nav.links(u))
            .unwrap_or_default();
        Ok(Page {
            title: String::new(),
            space,
            crumbs: Vec::new(),
            user,
            csrf: session.csrf().unwrap_or_default(),
            flash,
            region_name: state.config.region_name.clone(),
            has_logo: state.config.logo.is_some(),
            session,
        })
    }
}

/// Renders an askama template as an HTML response.
pub fn render(template: &impl Template) -> AppResult<Response> {
    Ok(Html(template.render()?).into_response())
}

/// Redirect after a successful form (303 See Other: the browser follows with GET).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// French date as people write it: 22/11/2026.
pub fn date_fr(date: &chrono::NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

const DAYS: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A date in words: `dimanche 22 novembre 2026`.
pub fn long_date_fr(date: &chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!(
        "{} {} {} {}",
        DAYS[date.weekday().num_days_from_monday() as usize],
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// A month in words: `novembre 2026` (`month` from 1 to 12).
pub fn month_fr(year: i32, month: u32) -> String {
    format!("{} {year}", MONTHS[(month.clamp(1, 12) - 1) as usize])
}

/// Parses a date as forms send it: `AAAA-MM-JJ` (date field) or `JJ/MM/AAAA` (typed by hand).
/// A date written right that names no day (31/02/2027) is told apart from text that is no
/// date at all: see [`DateError::message`].
pub fn parse_date_fr(input: &str) -> Result<chrono::NaiveDate, DateError> {
    let input = input.trim();
    if let Ok(date) = chrono::NaiveDate::parse_from_str(input, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(input, "%d/%m/%Y"))
    {
        return Ok(date);
    }
    let numbers = |parts: Vec<&str>, widths: [usize; 3]| -> Option<[u32; 3]> {
        let [a, b, c] = parts.as_slice() else {
            return None;
        };
        let mut out = [0; 3];
        for ((part, width), slot) in [a, b, c].into_iter().zip(widths).zip(&mut out) {
            if part.is_empty() || part.len() > width || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            *slot = part.parse().ok()?;
        }
        Some(out)
    };
    let ymd = numbers(input.split('/').collect(), [2, 2, 4])
        .filter(|[_, _, y]| *y >= 1000)
        .map(|[d, m, y]| (d, m, y))
        .or_else(|| {
            numbers(input.split('-').collect(), [4, 2, 2])
                .filter(|[y, _, _]| *y >= 1000)
                .map(|[y, m, d]| (d, m, y))
        });
    match ymd {
        Some((day, month, year)) => Err(DateError::DoesNotExist {
            day,
            month,
            year: year as i32,
        }),
        None => Err(DateError::Format),
    }
}

/// Reads a date typed in a form field; a problem is added to `errors`: `format` (the field's
/// own wording) when the text is no date, « Cette date n’existe pas (…) » when it names no day.
pub fn read_date_fr(
    input: &str,
    format: &str,
    errors: &mut Vec<String>,
) -> Option<chrono::NaiveDate> {
    parse_date_fr(input)
        .map_err(|e| errors.push(e.message(format)))
        .ok()
}

/// Why a typed date was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateError {
    /// Not written as a date (`JJ/MM/AAAA` or `AAAA-MM-JJ`).
    Format,
    /// Written as a date, but there is no such day: 31/02/2027, 00/05/2027, 12/13/2027.
    DoesNotExist { day: u32, month: u32, year: i32 },
}

impl DateError {
    /// The French message: `format` (the field's own wording, « La date de début doit être au
    /// format JJ/MM/AAAA. ») when the text is no date, and « Cette date n’existe pas
    /// (31/02/2027) : février 2027 compte 28 jours. » when it names no day.
    pub fn message(&self, format: &str) -> String {
        match *self {
            DateError::Format => format.to_owned(),
            DateError::DoesNotExist { day, month, year } => {
                let typed = format!("{day:02}/{month:02}/{year:04}");
                let why = match month {
                    1..=12 if day > 0 => {
                        let first = chrono::NaiveDate::from_ymd_opt(year, month, 1);
                        let next = chrono::NaiveDate::from_ymd_opt(
                            year + i32::from(month == 12),
                            month % 12 + 1,
                            1,
                        );
                        match (first, next) {
                            (Some(first), Some(next)) => format!(
                                " : {} compte {} jours",
                                month_fr(year, month),
                                (next - first).num_days()
                            ),
                            _ => String::new(),
                        }
                    }
                    1..=12 => String::new(),
                    _ => " : une année compte 12 mois".to_owned(),
                };
                format!("Cette date n’existe pas ({typed}){why}.")
            }
        }
    }
}

/// French date and time, in the Paris time zone: 22/11/2026 à 14:05.
pub fn datetime_fr(at: &chrono::NaiveDateTime) -> String {
    utc_to_paris(*at).format("%d/%m/%Y à %H:%M").to_string()
}

// The Paris conversions live with the clock (`crate::clock`); re-exported for the pages.
pub use crate::clock::{paris_day, paris_midnight_utc, paris_to_utc, today_paris, utc_to_paris};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    status: u16,
    heading: &'static str,
    message: String,
}

/// Turns errors into French pages for browsers (the API keeps its JSON), sends people who
/// must log in to the login page, and gives a French 404 to unknown addresses.
pub async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let is_api = path.starts_with("/api/") || path == "/healthz" || path == "/metrics";
    let (mut parts, _) = Request::new(Body::empty()).into_parts();
    parts.headers = request.headers().clone();
    parts.extensions = request.extensions().clone();
    let response = next.run(request).await;
    if is_api || response.status().is_success() || response.status().is_redirection() {
        return response;
    }
    let status = response.status();
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        return response;
    }
    if status == StatusCode::UNAUTHORIZED {
        let target = match query {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let next = url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>();
        return Redirect::to(&format!("/connexion?suivant={next}")).into_response();
    }
    let body = response.extensions().get::<ErrorBody>().cloned();
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let (heading, default_message) = match status {
        StatusCode::NOT_FOUND => (
            "Page introuvable",
            AppError::not_found().message().to_owned(),
        ),
        StatusCode::FORBIDDEN => ("Accès refusé", AppError::forbidden().message().to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "Action impossible à cette adresse",
            "Cette adresse ne s’utilise pas ainsi : revenez à la page précédente.".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "Fichier trop volumineux",
            "Le fichier envoyé est trop volumineux : 5 Mo au plus.".to_owned(),
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            "Trop de tentatives",
            "Trop de tentatives : patientez quelques minutes.".to_owned(),
        ),
        s if s.is_server_error() => (
            "Erreur du serveur",
            AppError::internal(anyhow::anyhow!("")).message().to_owned(),
        ),
        _ => (
            "Requête incorrecte",
            "La demande n’a pas pu être traitée.".to_owned(),
        ),
    };
    let message = body.map(|b| b.message).unwrap_or(default_message);
    let page = match Page::from_request_parts(&mut parts, &state).await {
        Ok(page) => page,
        Err(_) => return (status, message).into_response(),
    };
    let template = ErrorPage {
        page: page.titled(heading),
        status: status.as_u16(),
        heading,
        message,
    };
    match template.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            if let Some(retry) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, retry);
            }
            response
        }
        Err(_) => (status, "Erreur").into_response(),
    }
}

pub async fn not_found() -> AppError {
    AppError::not_found()
}

/// The strict Content-Security-Policy of every response; images may also come from the map's
/// tile server.
pub fn content_security_policy(config: &crate::config::Config) -> HeaderValue {
    let tiles = config
        .map_tiles_origin()
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; \
         font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'"
    );
    HeaderValue::from_str(&policy).expect("an origin is a valid header value")
}

/// What the security headers depend on in the configuration.
#[derive(Clone)]
pub struct SecurityHeaders {
    csp: HeaderValue,
    /// Whether browsers are told to come back over HTTPS only: whenever the session cookie
    /// is `Secure`, the site is served over HTTPS.
    hsts: bool,
}

impl SecurityHeaders {
    pub fn new(config: &crate::config::Config) -> Self {
        Self {
            csp: content_security_policy(config),
            hsts: config.cookie_secure,
        }
    }
}

/// Security headers on every response, with a strict Content-Security-Policy, and
/// `Strict-Transport-Security` when cookies are secure.
pub async fn security_headers(
    State(config): State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    headers.insert(header::CONTENT_SECURITY_POLICY, config.csp);
    if config.hsts {
        set(
            headers,
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "referrer-policy", "same-origin");
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(
        headers,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(self), payment=()",
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, "cache-control", "no-store");
    }
    response
}

/// The theme as CSS custom properties, from configuration.
pub fn theme_css(config: &crate::config::Config) -> String {
    let primary = crate::config::Config::checked_color(&config.theme_color, "#1d4e89");
    let accent = crate::config::Config::checked_color(&config.theme_accent, "#b3541e");
    format!(":root {{ --primary: {primary}; --accent: {accent}; }}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn parse_date_fr_tells_a_missing_day_from_a_bad_format() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(parse_date_fr(" 28/02/2027 "), Ok(day(2027, 2, 28)));
        assert_eq!(parse_date_fr("2028-02-29"), Ok(day(2028, 2, 29)));
        assert_eq!(parse_date_fr("1/3/2027"), Ok(day(2027, 3, 1)));
        assert_eq!(parse_date_fr("demain"), Err(DateError::Format));
        assert_eq!(parse_date_fr("31/02"), Err(DateError::Format));
        assert_eq!(parse_date_fr(""), Err(DateError::Format));
        let format = "La date doit être au format JJ/MM/AAAA.";
        let said = |input: &str| parse_date_fr(input).unwrap_err().message(format);
        assert_eq!(said("12-2027"), format);
        assert_eq!(
            said("31/02/2027"),
            "Cette date n’existe pas (31/02/2027) : février 2027 compte 28 jours."
        );
        assert_eq!(
            said("30/02/2028"),
            "Cette date n’existe pas (30/02/2028) : février 2028 compte 29 jours."
        );
        assert_eq!(
            said("2027-04-31"),
            "Cette date n’existe pas (31/04/2027) : avril 2027 compte 30 jours."
        );
        assert_eq!(
            said("12/13/2027"),
            "Cette date n’existe pas (12/13/2027) : une année compte 12 mois."
        );
        assert_eq!(said("00/05/2027"), "Cette date n’existe pas (00/05/2027).");
    }
}
