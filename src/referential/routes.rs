//! Reference data API: communes, ROME occupations, NAF divisions and departments, for
//! autocompletion in forms and for partners' software.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::store::{self, Commune, Department, NafCode, NafDivision, Rome};
use crate::AppState;
use crate::error::AppResult;
use crate::web::extract::Query;

#[derive(Debug, Deserialize, IntoParams)]
pub struct Lookup {
    /// What was typed: words, a prefix, a code.
    q: Option<String>,
    /// Number of results (1–50, default 10).
    limit: Option<i64>,
}

impl Lookup {
    fn parts(self) -> (String, i64) {
        (
            self.q.unwrap_or_default(),
            self.limit.unwrap_or(10).clamp(1, 50),
        )
    }
}

/// The referential's page: the rows that still use a retired code (chambers, regional team).
pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new().route(
        "/referentiel/codes-retires",
        axum::routing::get(super::retired::page),
    )
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(communes))
        .routes(routes!(rome))
        .routes(routes!(naf))
        .routes(routes!(naf_codes))
        .routes(routes!(departments))
}

/// Communes by name (accent- and case-insensitive prefix), postal code prefix or INSEE
/// code, most populated first.
#[utoipa::path(get, path = "/communes", operation_id = "list_communes", tag = "referential", params(Lookup),
    responses((status = 200, body = [Commune], description = "Matching communes")))]
async fn communes(
    State(state): State<AppState>,
    Query(lookup): Query<Lookup>,
) -> AppResult<Json<Vec<Commune>>> {
    let (q, limit) = lookup.parts();
    Ok(Json(
        state
            .db
            .run(move |conn| store::search_communes(conn, &q, limit))
            .await?,
    ))
}

/// ROME 4.0 occupations by code prefix or words of the label.
#[utoipa::path(get, path = "/rome", operation_id = "list_rome_occupations", tag = "referential", params(Lookup),
    responses((status = 200, body = [Rome], description = "Matching occupations")))]
async fn rome(
    State(state): State<AppState>,
    Query(lookup): Query<Lookup>,
) -> AppResult<Json<Vec<Rome>>> {
    let (q, limit) = lookup.parts();
    Ok(Json(
        state
            .db
            .run(move |conn| store::search_rome(conn, &q, limit))
            .await?,
    ))
}

/// All NAF divisions (activity sectors).
#[utoipa::path(get, path = "/naf", operation_id = "list_naf_divisions", tag = "referential",
    responses((status = 200, body = [NafDivision], description = "NAF divisions")))]
async fn naf(State(state): State<AppState>) -> AppResult<Json<Vec<NafDivision>>> {
    Ok(Json(state.db.run(store::naf_divisions_all).await?))
}

/// NAF rév. 2 codes at every level (division `47`, group `47.2`, class `47.24`, subclass
/// `47.24Z`, a company's APE code), by code prefix or words of the label.
#[utoipa::path(get, path = "/naf/codes", operation_id = "list_naf_codes", tag = "referential", params(Lookup),
    responses((status = 200, body = [NafCode], description = "Matching NAF codes")))]
async fn naf_codes(
    State(state): State<AppState>,
    Query(lookup): Query<Lookup>,
) -> AppResult<Json<Vec<NafCode>>> {
    let (q, limit) = lookup.parts();
    Ok(Json(
        state
            .db
            .run(move |conn| store::search_naf_codes(conn, &q, limit))
            .await?,
    ))
}

/// All departments.
#[utoipa::path(get, path = "/departments", operation_id = "list_departments", tag = "referential",
    responses((status = 200, body = [Department], description = "Departments")))]
async fn departments(State(state): State<AppState>) -> AppResult<Json<Vec<Department>>> {
    Ok(Json(state.db.run(store::departments_all).await?))
}
