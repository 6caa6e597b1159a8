//! One application error, with named constructors. It renders as structured JSON under
//! `/api` and as a French HTML page elsewhere (see `web::render_errors`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub struct AppError(Box<Inner>);

#[derive(Debug)]
struct Inner {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
    details: Vec<String>,
    source: Option<anyhow::Error>,
}

/// What a client is told: a stable machine code and a French sentence.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `not_found`.
    pub code: String,
    /// Explanation in French, meant for people.
    pub message: String,
    /// Each problem found in the input, when there are several.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub details: Vec<String>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            status,
            code,
            message: message.into(),
            retry_after: None,
            details: Vec::new(),
            source: None,
        }))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentification requise : connectez-vous ou fournissez un jeton valide.",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Vous n’avez pas accès à cette page ou à cette action.",
        )
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "Le formulaire a expiré ou ne provient pas de ce site. Rechargez la page et réessayez.",
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "La page ou la ressource demandée n’existe pas.",
        )
    }

    /// Invalid input with every problem listed.
    pub fn invalid_fields(details: Vec<String>) -> Self {
        let mut err = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!(
                "{} : {}",
                if details.len() > 1 {
                    "Plusieurs champs sont à corriger"
                } else {
                    "Un champ est à corriger"
                },
                details.join(" ")
            ),
        );
        err.0.details = details;
        err
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn too_many_requests(message: impl Into<String>, retry_after: u64) -> Self {
        let mut err = Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message);
        err.0.retry_after = Some(retry_after);
        err
    }

    /// Seconds after which a throttled request may be tried again.
    pub fn retry_after(&self) -> Option<u64> {
        self.0.retry_after
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        let mut err = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Une erreur inattendue s’est produite. L’équipe technique a été prévenue ; réessayez plus tard.",
        );
        err.0.source = Some(source.into());
        err
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn code(&self) -> &'static str {
        self.0.code
    }

    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.0.status, self.0.code, self.0.message)?;
        if let Some(source) = &self.0.source {
            write!(f, ": {source:#}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        match err {
            diesel::result::Error::NotFound => Self::not_found(),
            other => Self::internal(other),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> Self {
        Self::internal(err)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Some(source) = &self.0.source {
            tracing::error!(error = %source, "request failed");
        }
        let body = ErrorBody {
            code: self.0.code.to_owned(),
            message: self.0.message.clone(),
            details: self.0.details.clone(),
        };
        let mut response = (self.0.status, axum::Json(body.clone())).into_response();
        if let Some(secs) = self.0.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        // Lets the page layer re-render it as HTML for browsers.
        response.extensions_mut().insert(body);
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
