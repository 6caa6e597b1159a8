//! Server-side sessions and CSRF protection.
//!
//! The cookie holds a random secret; the database holds its SHA-256 hash, the person, the
//! CSRF token and a flash message. Sessions end after an idle timeout, after an absolute
//! lifetime, at logout, and at once when the account is disabled or its password changed.
//! Visitors get an (anonymous) session only when they are shown a form.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::CurrentUser;
use super::tokens::{digest, random_secret, same_secret};
use crate::AppState;
use crate::db::{Db, DbConnection, now, schema::sessions};
use crate::error::{AppError, AppResult};

pub const COOKIE: &str = "passerelle_session";
const TOUCH_EVERY: Duration = Duration::seconds(60);

#[derive(Default)]
struct State_ {
    id_hash: Option<String>,
    user: Option<CurrentUser>,
    csrf: Option<String>,
    has_flash: bool,
    /// A new cookie value to send with the response.
    new_secret: Option<String>,
    /// Tell the browser to forget its cookie.
    clear: bool,
}

/// The session of the current request (possibly none yet).
#[derive(Clone)]
pub struct SessionHandle {
    state: Arc<Mutex<State_>>,
    db: Db,
}

impl FromRequestParts<AppState> for SessionHandle {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> AppResult<Self> {
        parts
            .extensions
            .get::<SessionHandle>()
            .cloned()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("session layer missing")))
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = sessions)]
struct SessionRow {
    user_id: Option<String>,
    csrf_token: String,
    flash: Option<String>,
    created_at: NaiveDateTime,
    last_seen_at: NaiveDateTime,
}

impl SessionHandle {
    fn lock(&self) -> std::sync::MutexGuard<'_, State_> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn user(&self) -> Option<CurrentUser> {
        self.lock().user.clone()
    }

    pub fn csrf(&self) -> Option<String> {
        self.lock().csrf.clone()
    }

    /// The CSRF token, creating an anonymous session if there is none.
    pub async fn ensure_csrf(&self) -> AppResult<String> {
        if let Some(token) = self.csrf() {
            return Ok(token);
        }
        self.start(None).await
    }

    /// Starts a new session (anonymous or for a person), replacing the current one, so that
    /// a session identifier known before login is worthless after it.
    async fn start(&self, user: Option<CurrentUser>) -> AppResult<String> {
        let secret = random_secret();
        let csrf = random_secret();
        let old = self.lock().id_hash.take();
        let (id_hash, token, user_id) = (
            digest(&secret),
            csrf.clone(),
            user.as_ref().map(|u| u.id.clone()),
        );
        let flash = self
            .db
            .run(move |conn| {
                let mut flash: Option<String> = None;
                if let Some(old) = old {
                    flash = sessions::table
                        .find(&old)
                        .select(sessions::flash)
                        .first(conn)
                        .optional()?
                        .flatten();
                    diesel::delete(sessions::table.find(old)).execute(conn)?;
                }
                let at = now();
                diesel::insert_into(sessions::table)
                    .values((
                        sessions::id_hash.eq(id_hash),
                        sessions::user_id.eq(user_id),
                        sessions::csrf_token.eq(token),
                        sessions::flash.eq(&flash),
                        sessions::created_at.eq(at),
                        sessions::last_seen_at.eq(at),
                    ))
                    .execute(conn)?;
                Ok(flash)
            })
            .await?;
        let mut state = self.lock();
        state.id_hash = Some(digest(&secret));
        state.user = user;
        state.csrf = Some(csrf.clone());
        state.has_flash = flash.is_some();
        state.new_secret = Some(secret);
        state.clear = false;
        Ok(csrf)
    }

    /// Logs a person in with a fresh session.
    pub async fn login(&self, user: CurrentUser) -> AppResult<()> {
        self.start(Some(user)).await.map(|_| ())
    }

    /// Ends the session.
    pub async fn logout(&self) -> AppResult<()> {
        let old = {
            let mut state = self.lock();
            let old = state.id_hash.take();
            *state = State_ {
                clear: true,
                ..State_::default()
            };
            old
        };
        if let Some(old) = old {
            self.db
                .run(move |conn| {
                    diesel::delete(sessions::table.find(old)).execute(conn)?;
                    Ok(())
                })
                .await?;
        }
        Ok(())
    }

    /// A message shown once on the next page.
    pub async fn set_flash(&self, message: impl Into<String>) -> AppResult<()> {
        if self.lock().id_hash.is_none() {
            self.start(None).await?;
        }
        let id = self.lock().id_hash.clone();
        let message = message.into();
        self.db
            .run(move |conn| {
                diesel::update(sessions::table.find(id.unwrap_or_default()))
                    .set(sessions::flash.eq(Some(message)))
                    .execute(conn)?;
                Ok(())
            })
            .await?;
        self.lock().has_flash = true;
        Ok(())
    }

    /// Reads and forgets the flash message.
    pub async fn take_flash(&self) -> AppResult<Option<String>> {
        let id = {
            let mut state = self.lock();
            if !state.has_flash {
                return Ok(None);
            }
            state.has_flash = false;
            state.id_hash.clone()
        };
        let Some(id) = id else { return Ok(None) };
        self.db
            .run(move |conn| {
                let flash = sessions::table
                    .find(&id)
                    .select(sessions::flash)
                    .first(conn)
                    .optional()?
                    .flatten();
                diesel::update(sessions::table.find(&id))
                    .set(sessions::flash.eq(None::<String>))
                    .execute(conn)?;
                Ok(flash)
            })
            .await
    }
}

fn cookie_value(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// Loads the session (if any) and keeps it alive; rejects expired ones.
fn load(
    conn: &mut DbConnection,
    id_hash: &str,
    idle: Duration,
    max: Duration,
) -> AppResult<Option<(SessionRow, Option<CurrentUser>)>> {
    let Some(row) = sessions::table
        .find(id_hash)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let at = now();
    if at - row.last_seen_at > idle || at - row.created_at > max {
        diesel::delete(sessions::table.find(id_hash)).execute(conn)?;
        return Ok(None);
    }
    let user = match &row.user_id {
        Some(user_id) => match super::store::current_user(conn, user_id)? {
            Some(user) => Some(user),
            None => {
                // Disabled or deleted meanwhile: the session ends now.
                diesel::delete(sessions::table.find(id_hash)).execute(conn)?;
                return Ok(None);
            }
        },
        None => None,
    };
    if at - row.last_seen_at > TOUCH_EVERY {
        diesel::update(sessions::table.find(id_hash))
            .set(sessions::last_seen_at.eq(at))
            .execute(conn)?;
    }
    Ok(Some((row, user)))
}

/// Middleware: attaches the [`SessionHandle`] to the request and sets or clears the cookie.
pub async fn session_layer(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let mut state = State_::default();
    if let Some(secret) = cookie_value(&parts) {
        let id_hash = digest(&secret);
        let idle = Duration::minutes(app.config.session_idle_minutes);
        let max = Duration::hours(app.config.session_max_hours);
        let key = id_hash.clone();
        match app.db.run(move |conn| load(conn, &key, idle, max)).await {
            Ok(Some((row, user))) => {
                state.id_hash = Some(id_hash);
                state.user = user;
                state.csrf = Some(row.csrf_token);
                state.has_flash = row.flash.is_some();
            }
            Ok(None) => state.clear = true,
            Err(err) => return err.into_response(),
        }
    }
    let handle = SessionHandle {
        state: Arc::new(Mutex::new(state)),
        db: app.db.clone(),
    };
    parts.extensions.insert(handle.clone());
    let mut response = next.run(Request::from_parts(parts, body)).await;

    let state = handle.lock();
    let secure = if app.config.cookie_secure {
        "; Secure"
    } else {
        ""
    };
    let cookie = if let Some(secret) = &state.new_secret {
        Some(format!(
            "{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            app.config.session_max_hours * 3600
        ))
    } else if state.clear {
        Some(format!(
            "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
        ))
    } else {
        None
    };
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;
/// The largest multipart body read for its token (the largest upload, an import file of
/// 50 MB, and its form).
const MAX_MULTIPART_BYTES: usize = 64 * 1024 * 1024;

/// Middleware: every state-changing request authenticated by cookie must carry the session's
/// CSRF token: the `csrf` field of the form (URL-encoded or multipart) or the `X-CSRF-Token`
/// header, never the URL (it would leak into logs, history and `Referer`). Requests with an
/// `Authorization` header are judged on their token and carry no cookie authority; neither
/// do API calls without a signed-in session, which go on to authentication (and get 401
/// where a person is required).
pub async fn csrf_layer(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || request.headers().contains_key(header::AUTHORIZATION) {
        return next.run(request).await;
    }
    let signed_in = request
        .extensions()
        .get::<SessionHandle>()
        .is_some_and(|s| s.user().is_some());
    if !signed_in && request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    if parts
        .headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return AppError::csrf().into_response();
    }
    // RFC 8058 one-click unsubscription: a mail provider posts exactly
    // `List-Unsubscribe=One-Click` to the URL of the `List-Unsubscribe` header, with no
    // cookie and no token of ours; the secret in that URL is the authority, which its handler
    // checks. Only a request carrying no signed-in session and nothing but that field passes,
    // so no other form can be driven this way.
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let body = if !signed_in && is_form {
        let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
            return AppError::csrf().into_response();
        };
        if bytes.trim_ascii() == ONE_CLICK {
            return next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
        }
        Body::from(bytes)
    } else {
        body
    };
    let Some(expected) = parts
        .extensions
        .get::<SessionHandle>()
        .and_then(|s| s.csrf())
    else {
        return AppError::csrf().into_response();
    };
    let from_header = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let boundary = multipart_boundary(&content_type);
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let (provided, body) = match from_header {
        Some(token) => (Some(token), body),
        None if is_form || boundary.is_some() => {
            let limit = if is_form {
                MAX_FORM_BYTES
            } else {
                MAX_MULTIPART_BYTES
            };
            let bytes = match axum::body::to_bytes(body, limit).await {
                Ok(bytes) => bytes,
                Err(_) => {
                    return AppError::new(
                        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                        "too_large",
                        "Le formulaire envoyé est trop volumineux.",
                    )
                    .into_response();
                }
            };
            let token = match &boundary {
                Some(boundary) => multipart_field(&bytes, boundary, "csrf"),
                None => url::form_urlencoded::parse(&bytes)
                    .find(|(k, _)| k == "csrf")
                    .map(|(_, v)| v.into_owned()),
            };
            (token, Body::from(bytes))
        }
        None => (None, body),
    };
    match provided {
        Some(token) if same_secret(token.as_bytes(), expected.as_bytes()) => {
            next.run(Request::from_parts(parts, body)).await
        }
        _ => AppError::csrf().into_response(),
    }
}

/// The whole body of an RFC 8058 one-click unsubscription.
pub const ONE_CLICK: &[u8] = b"List-Unsubscribe=One-Click";

/// The boundary of a `multipart/form-data` body, from its content type.
fn multipart_boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty())
    })
}

/// The value of a small text field of a multipart body (the forms put the token first).
fn multipart_field(body: &[u8], boundary: &str, name: &str) -> Option<String> {
    let delimiter = format!("--{boundary}");
    let wanted = format!("name=\"{name}\"");
    let mut rest = body;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        let part_end = find(rest, delimiter.as_bytes()).unwrap_or(rest.len());
        let part = &rest[..part_end];
        let Some(headers_end) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&part[..headers_end]);
        let is_wanted = headers.lines().any(|line| {
            let line = line.trim();
            line.to_ascii_lowercase()
                .starts_with("content-disposition: form-data")
                && line.split(';').any(|p| p.trim() == wanted)
        });
        if is_wanted {
            let value = &part[headers_end + 4..];
            let value = value.strip_suffix(b"\r\n").unwrap_or(value);
            return std::str::from_utf8(value).ok().map(str::to_owned);
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Deletes expired sessions (run by a scheduled job).
pub fn purge_expired(conn: &mut DbConnection, idle: Duration, max: Duration) -> AppResult<usize> {
    let at = now();
    Ok(diesel::delete(
        sessions::table.filter(
            sessions::last_seen_at
                .lt(at - idle)
                .or(sessions::created_at.lt(at - max)),
        ),
    )
    .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::{multipart_boundary, multipart_field};

    #[test]
    fn the_token_is_read_from_a_multipart_body() {
        let boundary = multipart_boundary("multipart/form-data; boundary=----b42").unwrap();
        assert_eq!(boundary, "----b42");
        assert_eq!(
            multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"x y\"").as_deref(),
            Some("x y")
        );
        assert_eq!(
            multipart_boundary("application/x-www-form-urlencoded"),
            None
        );
        let body = b"------b42\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nt0k3n\r\n\
------b42\r\nContent-Disposition: form-data; name=\"cv\"; filename=\"csrf.pdf\"\r\n\
Content-Type: application/pdf\r\n\r\n%PDF-1.4 name=\"csrf\"\r\n------b42--\r\n";
        assert_eq!(
            multipart_field(body, &boundary, "csrf").as_deref(),
            Some("t0k3n")
        );
        assert_eq!(multipart_field(body, &boundary, "absent"), None);
        // A field whose name merely contains the word is not the token.
        let body = b"------b42\r\nContent-Disposition: form-data; name=\"xcsrf\"\r\n\r\nnope\r\n------b42--\r\n";
        assert_eq!(multipart_field(body, &boundary, "csrf"), None);
    }
}
