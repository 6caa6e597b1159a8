//! Pages and API of the six-month follow-up: the adviser's form on the pre-registration, and
//! the person's single-use link (no account needed).

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::followup;
use super::model::FollowupSituation;
use crate::AppState;
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Path, Query};
use crate::web::{Page, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/preinscriptions/{id}/suivi", post(record))
        .route("/suivi", get(link_page).post(link_answer))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api_record))
}

/// The secret of a link: in the query of the page the mail opens, in the form it posts.
#[derive(Deserialize)]
struct LinkQuery {
    #[serde(default)]
    jeton: String,
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    jeton: String,
    #[serde(default)]
    situation: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = FollowupAnswer)]
struct SituationForm {
    /// in_job, in_training, seeking or other.
    #[serde(default)]
    situation: String,
}

async fn record(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<SituationForm>,
) -> AppResult<Response> {
    let key = id.clone();
    let today = crate::clock::today_paris();
    let result = state
        .db
        .tx(move |conn| followup::record(conn, &me, &key, &form.situation, today))
        .await;
    match result {
        Ok(situation) => {
            session
                .set_flash(format!(
                    "C’est enregistré : six mois après la formation, la personne est « {} ».",
                    situation.label().to_lowercase()
                ))
                .await?
        }
        Err(e)
            if matches!(
                e.status(),
                StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
            ) =>
        {
            session.set_flash(e.message().to_owned()).await?
        }
        Err(e) => return Err(e),
    }
    Ok(see_other(&format!("/preinscriptions/{id}")))
}

#[derive(Serialize, utoipa::ToSchema)]
struct RecordedFollowup {
    situation: String,
}

/// Records where the person is six months after leaving the training (the prescriber's
/// agency, once it is due).
#[utoipa::path(post, path = "/prescriptions/{id}/followup", operation_id = "record_prescription_followup", tag = "prescriptions", security(("bearer" = [])), request_body = SituationForm,
    params(("id" = String, Path, description = "Pre-registration id")),
    responses((status = 200, body = RecordedFollowup), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_record(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(request): crate::web::extract::Json<SituationForm>,
) -> AppResult<Json<RecordedFollowup>> {
    let today = crate::clock::today_paris();
    let situation = state
        .db
        .tx(move |conn| followup::record(conn, &me, &id, &request.situation, today))
        .await?;
    Ok(Json(RecordedFollowup {
        situation: situation.as_str().to_owned(),
    }))
}

#[derive(Template)]
#[template(path = "prescriptions/followup_link.html")]
struct LinkPage {
    page: Page,
    token: String,
    training: String,
    situations: &'static [FollowupSituation],
    /// Set once answered (now or before): the thank-you is shown instead of the form.
    answered: Option<&'static str>,
    error: Option<String>,
}

fn link_not_found() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "Ce lien n’est plus valable : il a déjà servi, ou il date de plus de 60 jours. Merci de \
         votre aide.",
    )
}

async fn link_page(
    State(state): State<AppState>,
    page: Page,
    Query(query): Query<LinkQuery>,
) -> AppResult<Response> {
    let token = query.jeton;
    let secret = token.clone();
    let target = state
        .db
        .run(move |conn| followup::by_link(conn, &secret))
        .await?
        .ok_or_else(link_not_found)?;
    render(&LinkPage {
        page: page
            .titled("Où en êtes-vous six mois après votre formation ?")
            .with_form()
            .await?,
        token,
        training: target.training,
        situations: FollowupSituation::ALL,
        answered: target.answered.then_some(""),
        error: None,
    })
}

async fn link_answer(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<LinkForm>,
) -> AppResult<Response> {
    let token = form.jeton.clone();
    let secret = token.clone();
    let result = state
        .db
        .tx(move |conn| {
            let target = followup::by_link(conn, &secret)?.ok_or_else(link_not_found)?;
            let answered = followup::answer_by_link(conn, &target, &form.situation);
            Ok((target, answered))
        })
        .await?;
    let (target, answered) = result;
    let page = page
        .titled("Où en êtes-vous six mois après votre formation ?")
        .with_form()
        .await?;
    match answered {
        Ok(situation) => render(&LinkPage {
            page,
            token,
            training: target.training,
            situations: FollowupSituation::ALL,
            answered: Some(situation.label()),
            error: None,
        }),
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let html = render(&LinkPage {
                page,
                token,
                training: target.training,
                situations: FollowupSituation::ALL,
                answered: None,
                error: Some(e.message().to_owned()),
            })?;
            Ok(crate::web::form::rerender(html))
        }
        Err(e) if e.status() == StatusCode::NOT_FOUND || e.status() == StatusCode::CONFLICT => {
            Err(link_not_found())
        }
        Err(e) => Err(e),
    }
}
