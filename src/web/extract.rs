//! `Form`, `Query` and `Json` extractors whose rejections are French, structured errors.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|axum::Form(v)| Form(v))
            .map_err(|e| {
                AppError::bad_request(format!(
                    "Le formulaire envoyé est incomplet ou mal formé ({}).",
                    e.body_text()
                ))
            })
    }
}

pub struct Query<T>(pub T);

impl<T: DeserializeOwned> Query<T> {
    /// Reads the query of an address, with the same French error as the extractor.
    pub fn from_uri(uri: &axum::http::Uri) -> Result<Self, AppError> {
        axum::extract::Query::<T>::try_from_uri(uri)
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e| query_error(&e.body_text()))
    }
}

fn query_error(detail: &str) -> AppError {
    AppError::bad_request(format!("Paramètres de requête invalides ({detail})."))
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e| query_error(&e.body_text()))
    }
}

pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(v)| Json(v))
            .map_err(|e| AppError::bad_request(format!("Corps JSON invalide ({}).", e.body_text())))
    }
}

/// Empty form fields arrive as `""`: treat them as absent.
pub fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
