//! Pages and API of schools' needs and companies' proposals.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::needs::{self, NeedDetail, NeedInput, NeedRow, ProposalInput};
use super::service::{ActionKind, Level};
use crate::AppState;
use crate::auth::policy::{Action, allows, authorize};
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Path};
use crate::web::json::Created;
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/decouverte-metiers/besoins", get(list))
        .route(
            "/decouverte-metiers/besoins/nouveau",
            get(new_form).post(publish),
        )
        .route("/decouverte-metiers/besoins/{id}", get(show))
        .route(
            "/decouverte-metiers/besoins/{id}/proposition",
            post(propose),
        )
        .route(
            "/decouverte-metiers/propositions/{id}/decision",
            post(decide),
        )
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_list, api_publish))
        .routes(routes!(api_get))
        .routes(routes!(api_propose))
        .routes(routes!(api_decide))
}

#[derive(Template)]
#[template(path = "discovery/needs.html")]
struct ListPage {
    page: Page,
    rows: Vec<NeedRow>,
    school: bool,
}

async fn list(State(state): State<AppState>, page: Page, me: CurrentUser) -> AppResult<Response> {
    let school = allows(&me, &Action::PublishDiscoveryNeed);
    let rows = state.db.run(move |conn| needs::list(conn, &me)).await?;
    render(&ListPage {
        page: page.titled("Besoins des établissements"),
        rows,
        school,
    })
}

#[derive(Template)]
#[template(path = "discovery/need_form.html")]
struct NeedForm {
    page: Page,
    form: NeedInput,
    levels: &'static [Level],
    errors: Vec<String>,
}

async fn new_form(page: Page, me: CurrentUser) -> AppResult<Response> {
    authorize(&me, &Action::PublishDiscoveryNeed)?;
    render(&NeedForm {
        page: page.titled("Publier un besoin de découverte"),
        form: NeedInput::default(),
        levels: Level::ALL,
        errors: Vec::new(),
    })
}

async fn publish(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<NeedInput>,
) -> AppResult<Response> {
    let input = form.clone();
    match state
        .db
        .tx(move |conn| needs::publish(conn, &me, &input))
        .await?
    {
        Ok(id) => {
            session
                .set_flash("Votre besoin est publié : les entreprises proches dont les métiers correspondent le voient et peuvent vous faire une proposition.")
                .await?;
            Ok(see_other(&format!("/decouverte-metiers/besoins/{id}")))
        }
        Err(errors) => {
            let html = render(&NeedForm {
                page: page.titled("Publier un besoin de découverte"),
                form,
                levels: Level::ALL,
                errors,
            })?;
            Ok(form::rerender(html))
        }
    }
}

#[derive(Template)]
#[template(path = "discovery/need.html")]
struct NeedPage {
    page: Page,
    d: NeedDetail,
    kinds: &'static [ActionKind],
    form: ProposalInput,
    errors: Vec<String>,
}

async fn need_page(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    id: String,
    form: ProposalInput,
    errors: Vec<String>,
) -> AppResult<Response> {
    let d = state.db.run(move |conn| needs::get(conn, &me, &id)).await?;
    let status = form::status(&errors);
    let html = render(&NeedPage {
        page: page
            .titled(format!("{} – {}", d.row.need.class_name, d.row.school))
            .within(&[("Besoins des établissements", "/decouverte-metiers/besoins")]),
        d,
        kinds: ActionKind::ALL,
        form,
        errors,
    })?;
    Ok((status, html).into_response())
}

async fn show(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    need_page(&state, page, me, id, ProposalInput::default(), Vec::new()).await
}

async fn propose(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ProposalInput>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    match state
        .db
        .tx(move |conn| needs::propose(conn, &who, &key, &input, &base))
        .await?
    {
        Ok(_) => {
            session
                .set_flash("Votre proposition est envoyée à l’établissement. Vous serez prévenu·e par e-mail de sa réponse.")
                .await?;
            Ok(see_other(&format!("/decouverte-metiers/besoins/{id}")))
        }
        Err(errors) => need_page(&state, page, me, id, form, errors).await,
    }
}

/// The school's answer to a proposal.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// accept or decline.
    #[serde(default)]
    pub decision: String,
}

fn accepting(input: &DecisionInput) -> AppResult<bool> {
    match input.decision.trim() {
        "accept" => Ok(true),
        "decline" => Ok(false),
        _ => Err(AppError::unprocessable(
            "Choisissez d’accepter ou de ne pas retenir la proposition.",
        )),
    }
}

async fn decide(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(input): Form<DecisionInput>,
) -> AppResult<Response> {
    let accept = accepting(&input)?;
    let base = state.config.base_url();
    let key = id.clone();
    let result = state
        .db
        .tx(move |conn| needs::decide(conn, &me, &key, accept, &base))
        .await;
    match result {
        Ok(Some(request)) => {
            session
                .set_flash("Proposition acceptée : l’action est confirmée. L’entreprise est prévenue par e-mail.")
                .await?;
            Ok(see_other(&format!(
                "/decouverte-metiers/demandes/{request}"
            )))
        }
        Ok(None) => {
            session
                .set_flash("La proposition n’est pas retenue ; l’entreprise est prévenue.")
                .await?;
            Ok(see_other("/decouverte-metiers/besoins"))
        }
        Err(e) if e.status() == StatusCode::CONFLICT => {
            session.set_flash(e.message().to_owned()).await?;
            Ok(see_other("/decouverte-metiers/besoins"))
        }
        Err(e) => Err(e),
    }
}

// ---- API ----

/// The needs the caller may see: a school its own; companies and branches the open needs
/// within their reach and trades; chambers' advisers those of their departments.
#[utoipa::path(get, path = "/discovery/needs", operation_id = "list_discovery_needs", tag = "discovery", security(("bearer" = [])),
    responses((status = 200, body = [NeedRow]), (status = 403, body = crate::error::ErrorBody)))]
async fn api_list(State(state): State<AppState>, me: CurrentUser) -> AppResult<Json<Vec<NeedRow>>> {
    state
        .db
        .run(move |conn| needs::list(conn, &me))
        .await
        .map(Json)
}

/// Publishes a need for a group (teachers and counsellors, Espaces Métiers coordinators).
#[utoipa::path(post, path = "/discovery/needs", operation_id = "publish_discovery_need", tag = "discovery", security(("bearer" = [])),
    request_body = NeedInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_publish(
    State(state): State<AppState>,
    me: CurrentUser,
    crate::web::extract::Json(input): crate::web::extract::Json<NeedInput>,
) -> AppResult<Response> {
    let id = state
        .db
        .tx(move |conn| needs::publish(conn, &me, &input))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// One need with the proposals the caller may see (404 when the caller may not see it).
#[utoipa::path(get, path = "/discovery/needs/{id}", operation_id = "get_discovery_need", tag = "discovery", security(("bearer" = [])),
    params(("id" = String, Path, description = "Need id")),
    responses((status = 200, body = NeedDetail), (status = 404, body = crate::error::ErrorBody)))]
async fn api_get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<NeedDetail>> {
    state
        .db
        .run(move |conn| needs::get(conn, &me, &id))
        .await
        .map(Json)
}

/// Answers a need with a proposal (companies and branches that see it).
#[utoipa::path(post, path = "/discovery/needs/{id}/proposals", operation_id = "propose_for_discovery_need", tag = "discovery", security(("bearer" = [])),
    request_body = ProposalInput, params(("id" = String, Path, description = "Need id")),
    responses((status = 201, body = Created), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_propose(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(input): crate::web::extract::Json<ProposalInput>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let created = state
        .db
        .tx(move |conn| needs::propose(conn, &me, &id, &input, &base))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok((StatusCode::CREATED, Json(Created { id: created })).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
struct DecisionAnswer {
    /// The confirmed request, when accepted.
    request_id: Option<String>,
}

/// Accepts (it becomes a confirmed request) or declines a proposal (the need's school).
#[utoipa::path(post, path = "/discovery/proposals/{id}/decision", operation_id = "decide_discovery_proposal", tag = "discovery", security(("bearer" = [])),
    request_body = DecisionInput, params(("id" = String, Path, description = "Proposal id")),
    responses((status = 200, body = DecisionAnswer), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_decide(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(input): crate::web::extract::Json<DecisionInput>,
) -> AppResult<Json<DecisionAnswer>> {
    let accept = accepting(&input)?;
    let base = state.config.base_url();
    let request_id = state
        .db
        .tx(move |conn| needs::decide(conn, &me, &id, accept, &base))
        .await?;
    Ok(Json(DecisionAnswer { request_id }))
}
