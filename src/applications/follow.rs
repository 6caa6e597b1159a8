//! The adviser's follow-up of accompanied candidates: a candidate who names their Mission
//! Locale, France Travail or Cap emploi agency and agrees lets its advisers see their
//! applications (the offers, their state and dates; never the exchanges with the company nor
//! the CV). Read-only; the consent is checked at each request, so withdrawing it is immediate.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::Application;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::auth::audit::{self, Event};
use crate::auth::policy::{Action, authorize};
use crate::candidates::accompaniment;
use crate::db::DbConnection;
use crate::db::schema::{applications, offers, organisations, users};
use crate::error::{AppError, AppResult};
use crate::web::extract::Path;
use crate::web::{Page, render};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/suivis", get(list))
        .route("/suivis/{id}", get(one))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api_one))
}

/// One application as the adviser sees it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FollowedApplication {
    pub offer_id: String,
    pub offer_title: String,
    pub company: String,
    /// sent, read, interview, hired, declined, withdrawn…
    pub status: String,
    pub status_label: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    #[schema(value_type = String)]
    pub sent_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
}

/// A followed candidate and their applications.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FollowedCandidate {
    pub candidate_id: String,
    pub first_name: String,
    pub last_name: String,
    pub applications: Vec<FollowedApplication>,
}

fn applications_of(
    conn: &mut DbConnection,
    candidate_id: &str,
) -> AppResult<Vec<FollowedApplication>> {
    let rows: Vec<(Application, String, String)> = applications::table
        .inner_join(offers::table)
        .inner_join(organisations::table.on(organisations::id.eq(offers::company_id)))
        .filter(applications::candidate_id.eq(candidate_id))
        .order(applications::updated_at.desc())
        .select((Application::as_select(), offers::title, organisations::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(a, offer_title, company)| FollowedApplication {
            status_label: a.status_label().to_owned(),
            status: a.status.clone(),
            offer_id: a.offer_id,
            offer_title,
            company,
            sent_at: a.created_at,
            updated_at: a.updated_at,
        })
        .collect())
}

/// The candidate's applications for an adviser allowed to follow them (else 404), the
/// disclosure written to the audit log.
fn followed(conn: &mut DbConnection, me: &CurrentUser, id: &str) -> AppResult<FollowedCandidate> {
    let found = accompaniment::of(conn, id)?.ok_or_else(AppError::not_found)?;
    authorize(
        me,
        &Action::FollowCandidateApplications(&found.policy_ref()),
    )
    .map_err(|_| AppError::not_found())?;
    let (first_name, last_name): (String, String) = users::table
        .find(id)
        .filter(users::status.eq("active"))
        .select((users::first_name, users::last_name))
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)?;
    audit::record(
        conn,
        Event::by(me, "accompanied_applications_viewed").on("candidate", id),
    )?;
    Ok(FollowedCandidate {
        candidate_id: id.to_owned(),
        first_name,
        last_name,
        applications: applications_of(conn, id)?,
    })
}

#[derive(Template)]
#[template(path = "applications/followed.html")]
struct ListPage {
    page: Page,
    /// (candidate id, first name, last name, agreed at, applications, last activity)
    rows: Vec<Row>,
    declared: i64,
}

struct Row {
    id: String,
    name: String,
    agreed: NaiveDateTime,
    applications: usize,
    hired: usize,
    last: Option<NaiveDateTime>,
}

async fn list(State(state): State<AppState>, page: Page, me: CurrentUser) -> AppResult<Response> {
    authorize(&me, &Action::FollowAccompaniedCandidates)?;
    let agency = me.organisation_id.clone().ok_or_else(AppError::forbidden)?;
    let (rows, declared) = state
        .db
        .run(move |conn| {
            let mut rows = Vec::new();
            for (id, first, last, agreed) in accompaniment::followed_by(conn, &agency)? {
                let apps = applications_of(conn, &id)?;
                rows.push(Row {
                    name: format!("{first} {last}"),
                    agreed,
                    applications: apps.len(),
                    hired: apps.iter().filter(|a| a.status == "hired").count(),
                    last: apps.iter().map(|a| a.updated_at).max(),
                    id,
                });
            }
            Ok((rows, accompaniment::counts(conn, &agency)?.0))
        })
        .await?;
    render(&ListPage {
        page: page.titled("Candidatures des personnes que vous accompagnez"),
        rows,
        declared,
    })
}

#[derive(Template)]
#[template(path = "applications/followed_one.html")]
struct OnePage {
    page: Page,
    c: FollowedCandidate,
}

async fn one(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::FollowAccompaniedCandidates).map_err(|_| AppError::not_found())?;
    let c = state.db.tx(move |conn| followed(conn, &me, &id)).await?;
    let title = format!("Candidatures de {} {}", c.first_name, c.last_name);
    render(&OnePage {
        page: page
            .titled(&title)
            .within(&[("Personnes accompagnées", "/suivis")]),
        c,
    })
}

/// The applications of a candidate who lets the caller's agency follow them (advisers of that
/// agency only; anyone else, or once the candidate withdrew the consent: 404). Each reading is
/// logged.
#[utoipa::path(get, path = "/followed-candidates/{id}", operation_id = "get_followed_candidate", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path, description = "Candidate (account) id")),
    responses((status = 200, body = FollowedCandidate), (status = 404, body = crate::error::ErrorBody)))]
async fn api_one(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<FollowedCandidate>> {
    Ok(Json(
        state.db.tx(move |conn| followed(conn, &me, &id)).await?,
    ))
}
