//! Accounts, sessions, tokens and who may do what.

pub mod accounts;
pub mod audit;
pub mod mails;
pub mod password;
pub mod policy;
pub mod routes;
pub mod service;
mod session;
pub mod store;
pub mod throttle;
pub mod tokens;

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use serde::Serialize;

pub use session::{SessionHandle, csrf_layer, purge_expired, session_layer};

use crate::AppState;
use crate::error::AppError;
use crate::types::{OrgKind, OrgStatus, Role};

/// The person making a request, by session cookie or by bearer token.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub organisation_id: Option<String>,
    pub organisation_name: Option<String>,
    pub organisation_kind: Option<OrgKind>,
    pub organisation_status: Option<OrgStatus>,
    /// Administers their organisation's staff.
    pub is_org_admin: bool,
    /// Departments covered by their organisation.
    pub departments: Vec<String>,
}

impl CurrentUser {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    pub fn role_label(&self) -> &'static str {
        self.role.label()
    }

    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    pub fn organisation_validated(&self) -> bool {
        self.organisation_status == Some(OrgStatus::Active)
    }
}

/// The bearer token of a request, if it carries one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match MaybeUser::from_request_parts(parts, state).await?.0 {
            Some(user) => Ok(user),
            None => Err(AppError::unauthorized()),
        }
    }
}

/// The person making a request, if any. A request with an `Authorization` header is judged
/// on its token alone, never on a cookie.
pub struct MaybeUser(pub Option<CurrentUser>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            let Some(secret) = bearer(parts).map(str::to_owned) else {
                return Err(AppError::unauthorized());
            };
            let user = state
                .db
                .run(move |conn| match tokens::api_token_user(conn, &secret)? {
                    Some(user_id) => store::current_user(conn, &user_id),
                    None => Ok(None),
                })
                .await?;
            return match user {
                Some(user) => Ok(MaybeUser(Some(user))),
                None => Err(AppError::unauthorized()),
            };
        }
        let session = SessionHandle::from_request_parts(parts, state).await?;
        Ok(MaybeUser(session.user()))
    }
}

/// The client's address: the socket peer, or the first `X-Forwarded-For` hop when the
/// server is configured to trust its reverse proxy.
pub fn client_ip(parts: &Parts, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(forwarded) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return forwarded.trim().to_owned();
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "inconnue".to_owned())
}

/// Extractor for [`client_ip`].
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(ClientIp(client_ip(parts, state.config.trust_proxy)))
    }
}
