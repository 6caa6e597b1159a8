//! Forms answered again: a form whose input has problems is shown again with them and with
//! what was typed (except passwords), with the status 422 Unprocessable Entity.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Shows a form again with the problems found in its input: the page, answered with 422.
pub fn rerender(page: impl IntoResponse) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// The status of a page that may show a form's problems: 200 with none, 422 with some.
pub fn status(errors: &[String]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}
