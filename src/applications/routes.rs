//! Pages and API of applications.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{
    self, Application, ApplicationRow, ContractInput, DECLINE_REASONS, Message, ResponseRate, Side,
    Step,
};
use crate::AppState;
use crate::auth::policy::{Action, allows, authorize};
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Path};
use crate::web::json::{Created, StatusAnswer};
use crate::web::{Page, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/offres/{id}/candidater", post(apply))
        .route("/mes-candidatures", get(mine))
        .route("/candidatures-recues", get(received))
        .route("/candidatures/{id}", get(show))
        .route("/candidatures/{id}/etape", post(act))
        .route("/candidatures/{id}/contrat", post(confirm_contract))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_apply))
        .routes(routes!(api_list))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
        .routes(routes!(api_confirm_contract))
}

#[derive(Deserialize)]
struct ApplyForm {
    #[serde(default)]
    message: String,
}

async fn apply(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(offer_id): Path<String>,
    Form(form): Form<ApplyForm>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let who = me.clone();
    let offer = offer_id.clone();
    let app = state.clone();
    let result = state
        .db
        .tx(move |conn| {
            let id = service::apply(conn, &base, &who, &offer, &form.message)?;
            app.registry
                .events
                .publish(conn, super::CREATED, std::slice::from_ref(&id))?;
            Ok(id)
        })
        .await;
    match result {
        Ok(id) => {
            session.set_flash("Votre candidature est envoyée. Vous serez prévenu·e par e-mail de chaque réponse.").await?;
            Ok(see_other(&format!("/candidatures/{id}")))
        }
        Err(e) if e.status().is_client_error() && e.status() != StatusCode::NOT_FOUND => {
            session.set_flash(e.message().to_owned()).await?;
            Ok(see_other(&format!("/offres/{offer_id}")))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "applications/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<ApplicationRow>,
    company: bool,
    rate: Option<ResponseRate>,
}

async fn mine(State(state): State<AppState>, page: Page, me: CurrentUser) -> AppResult<Response> {
    authorize(&me, &Action::ActAsCandidate)?;
    let rows = state
        .db
        .run(move |conn| service::for_candidate(conn, &me.id))
        .await?;
    render(&ListPage {
        page: page.titled("Mes candidatures"),
        rows,
        company: false,
        rate: None,
    })
}

async fn received(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ReceiveApplications)?;
    let org = me.organisation_id.clone().ok_or_else(AppError::forbidden)?;
    let (rows, rate) = state
        .db
        .run(move |conn| {
            Ok((
                service::for_organisation(conn, &org)?,
                service::response_rate(conn, &org)?,
            ))
        })
        .await?;
    render(&ListPage {
        page: page.titled("Candidatures reçues"),
        rows,
        company: true,
        rate: Some(rate),
    })
}

#[derive(Template)]
#[template(path = "applications/show.html")]
struct ShowPage {
    page: Page,
    application: Application,
    side_company: bool,
    offer_title: String,
    candidate_name: Option<String>,
    candidate_email: Option<String>,
    has_profile: bool,
    messages: Vec<Message>,
    reasons: &'static [(&'static str, &'static str)],
    contract_types: &'static [crate::offers::ContractType],
    /// The contract a hire records unless the recruiter changes it: the offer's.
    offer_contract_type: String,
    offer_start: String,
}

async fn show(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (application, side, offer, candidate, has_profile, messages) = state
        .db
        .tx(move |conn| {
            let (application, side) = service::open(conn, &me, &id)?;
            let offer = crate::offers::store::get(conn, &application.offer_id)?;
            let candidate = match &application.candidate_id {
                Some(cid) => crate::auth::store::by_id(conn, cid)?,
                None => None,
            };
            let has_profile = match &application.candidate_id {
                Some(cid) => crate::candidates::store::get(conn, cid)?.is_some(),
                None => false,
            };
            let messages = service::messages(conn, &id)?;
            Ok((application, side, offer, candidate, has_profile, messages))
        })
        .await?;
    let offer_title = offer.title.clone();
    let side_company = side == Side::Company;
    render(&ShowPage {
        page: page.titled(format!("Candidature – {offer_title}")),
        candidate_name: candidate.as_ref().map(|c| c.full_name()),
        candidate_email: candidate.filter(|_| side_company).map(|c| c.email),
        application,
        side_company,
        offer_title,
        has_profile,
        messages,
        reasons: DECLINE_REASONS,
        contract_types: crate::offers::ContractType::ALL,
        offer_contract_type: offer.contract_type,
        offer_start: crate::web::date_fr(&offer.start_date),
    })
}

#[derive(Deserialize)]
struct StepForm {
    step: String,
    message: Option<String>,
    reason: Option<String>,
    #[serde(flatten)]
    contract: ContractInput,
}

fn parse_step(step: &str) -> AppResult<Step> {
    Ok(match step {
        "lue" | "read" => Step::Read,
        "message" => Step::Message,
        "entretien" | "interview" => Step::Interview,
        "recruter" | "hire" => Step::Hire,
        "refuser" | "decline" => Step::Decline,
        "retirer" | "withdraw" => Step::Withdraw,
        other => {
            return Err(AppError::bad_request(format!(
                "Étape inconnue « {other} »."
            )));
        }
    })
}

async fn act(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> AppResult<Response> {
    let step = parse_step(&form.step)?;
    let base = state.config.base_url();
    let key = id.clone();
    let app = state.clone();
    let result = state
        .db
        .tx(move |conn| {
            let done = service::step(
                conn,
                &base,
                &me,
                &key,
                step,
                form.message.as_deref(),
                form.reason.as_deref(),
                &form.contract,
            )?;
            super::publish_step(conn, &app, &key, &done)?;
            if let Some(offer) = &done.filled_offer {
                crate::offers::changed_in(conn, &app, std::slice::from_ref(offer))?;
            }
            Ok(done)
        })
        .await;
    if let Ok(done) = &result
        && done.filled_offer.is_some()
    {
        crate::search::changes::catch_up(&state).await;
    }
    flash_outcome(&session, result, |done| {
        let mut flash = format!(
            "C’est fait. Statut de la candidature : « {} ».",
            done.status.label()
        );
        if done.filled_offer.is_some() {
            flash.push_str(
                " Tous les postes de l’offre sont pourvus : elle est marquée « Pourvue » et \
                 n’est plus proposée aux candidats.",
            );
        }
        flash
    })
    .await?;
    Ok(see_other(&format!("/candidatures/{id}")))
}

/// After a button on the application's page: what was done, or why it could not be (a
/// refusal the person can mend or a state that changed), as the flash of the page shown again.
async fn flash_outcome<T>(
    session: &SessionHandle,
    result: AppResult<T>,
    done: impl FnOnce(T) -> String,
) -> AppResult<()> {
    match result {
        Ok(value) => session.set_flash(done(value)).await,
        Err(e)
            if matches!(
                e.status(),
                StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT
            ) =>
        {
            session.set_flash(e.message().to_owned()).await
        }
        Err(e) => Err(e),
    }
}

// ---- API ----

#[derive(Deserialize, utoipa::ToSchema)]
struct ApplyRequest {
    /// Why you apply (20 characters at least).
    message: String,
}

/// Applies to a published offer (candidates).
#[utoipa::path(post, path = "/offers/{id}/applications", operation_id = "apply_to_offer", tag = "applications", security(("bearer" = [])), request_body = ApplyRequest,
    params(("id" = String, Path, description = "Offer id")),
    responses((status = 201, body = Created), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_apply(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(request): crate::web::extract::Json<ApplyRequest>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let app = state.clone();
    let id = state
        .db
        .tx(move |conn| {
            let id = service::apply(conn, &base, &me, &id, &request.message)?;
            app.registry
                .events
                .publish(conn, super::CREATED, std::slice::from_ref(&id))?;
            Ok(id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// Paging of the applications changed since a time.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// Only the applications changed at or after this moment: RFC 3339
    /// (`2026-11-01T08:00:00Z`) or a date `AAAA-MM-JJ` (midnight UTC). With it (or `cursor`)
    /// the answer is a page `{items, next_cursor, has_more}` in the order of (`updated_at`,
    /// `id`); without either, the list of all, latest changed first.
    updated_since: Option<String>,
    /// The `next_cursor` of the previous page: the page after it (keep the last one to ask
    /// later for what changed since).
    cursor: Option<String>,
    /// Applications per page: 1 to 500 (100 by default).
    limit: Option<i64>,
}

/// A page of the applications changed since a time.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ApplicationPage {
    items: Vec<ApplicationRow>,
    /// Give it as `cursor` for the next page, or later to get what changed since the last
    /// item; on an empty page, the cursor given (ask again with it later).
    next_cursor: Option<String>,
    /// More applications follow this page now.
    has_more: bool,
}

/// The list: all of them, or a page of the changed ones.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
enum ApplicationList {
    All(Vec<ApplicationRow>),
    Page(ApplicationPage),
}

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 500;

/// An opaque cursor: the (`updated_at`, `id`) of the last application given.
fn encode_cursor(at: chrono::NaiveDateTime, id: &str) -> String {
    use base64::Engine;
    let nanos = at.and_utc().timestamp_nanos_opt().unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{nanos}|{id}"))
}

fn decode_cursor(raw: &str) -> Option<(chrono::NaiveDateTime, String)> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (nanos, id) = text.split_once('|')?;
    let at = chrono::DateTime::from_timestamp_nanos(nanos.parse().ok()?).naive_utc();
    (!id.is_empty() && id.len() <= 64).then(|| (at, id.to_owned()))
}

/// The caller's applications: a candidate's own, or those received by their organisation (the
/// offers it manages); with `updated_since` or `cursor`, a page of those changed since then.
#[utoipa::path(get, path = "/applications", operation_id = "list_applications", tag = "applications", security(("bearer" = [])),
    params(ListParams),
    responses((status = 200, body = ApplicationList), (status = 422, body = crate::error::ErrorBody)))]
async fn api_list(
    State(state): State<AppState>,
    me: CurrentUser,
    crate::web::extract::Query(params): crate::web::extract::Query<ListParams>,
) -> AppResult<Json<ApplicationList>> {
    let scope = match &me.organisation_id {
        _ if allows(&me, &Action::ActAsCandidate) => Some(service::Scope::Candidate(me.id.clone())),
        Some(org) if allows(&me, &Action::ReceiveApplications) => {
            Some(service::Scope::Organisation(org.clone()))
        }
        _ => None,
    };
    let since_raw = params
        .updated_since
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let cursor_raw = params
        .cursor
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if since_raw.is_none() && cursor_raw.is_none() {
        return state
            .db
            .run(move |conn| match scope {
                Some(service::Scope::Candidate(id)) => service::for_candidate(conn, &id),
                Some(service::Scope::Organisation(org)) => service::for_organisation(conn, &org),
                None => Ok(Vec::new()),
            })
            .await
            .map(|all| Json(ApplicationList::All(all)));
    }
    let mut problems = Vec::new();
    let since = match since_raw {
        None => chrono::DateTime::UNIX_EPOCH.naive_utc(),
        Some(raw) => crate::offers::export::parse_since(raw).unwrap_or_else(|| {
            problems.push(format!(
                "updated_since : « {} » n’est pas une date lisible. Indiquez une date AAAA-MM-JJ \
                 ou une date et heure RFC 3339 (par exemple 2026-11-01T08:00:00Z).",
                raw.chars().take(40).collect::<String>()
            ));
            chrono::DateTime::UNIX_EPOCH.naive_utc()
        }),
    };
    let after = match cursor_raw {
        None => None,
        Some(raw) => {
            let decoded = decode_cursor(raw);
            if decoded.is_none() {
                problems.push(
                    "cursor : ce curseur n’est pas lisible. Reprenez le next_cursor d’une réponse."
                        .to_string(),
                );
            }
            decoded
        }
    };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        problems.push(format!("limit : entre 1 et {MAX_LIMIT}."));
    }
    if !problems.is_empty() {
        return Err(AppError::unprocessable(problems.join(" ")));
    }
    let Some(scope) = scope else {
        return Ok(Json(ApplicationList::Page(ApplicationPage {
            items: Vec::new(),
            next_cursor: cursor_raw.map(str::to_owned),
            has_more: false,
        })));
    };
    let mut items = state
        .db
        .run(move |conn| service::changed_since(conn, &scope, since, after.as_ref(), limit + 1))
        .await?;
    let has_more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = match items.last() {
        Some(last) => Some(encode_cursor(
            last.application.updated_at,
            &last.application.id,
        )),
        None => cursor_raw.map(str::to_owned),
    };
    Ok(Json(ApplicationList::Page(ApplicationPage {
        items,
        next_cursor,
        has_more,
    })))
}

#[derive(Serialize, utoipa::ToSchema)]
struct ApplicationDetail {
    application: Application,
    messages: Vec<Message>,
}

/// One application with its messages, for its candidate or the organisation receiving it.
#[utoipa::path(get, path = "/applications/{id}", operation_id = "get_application", tag = "applications", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = ApplicationDetail), (status = 404, body = crate::error::ErrorBody)))]
async fn api_get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<ApplicationDetail>> {
    state
        .db
        .tx(move |conn| {
            let (application, _) = service::open(conn, &me, &id)?;
            Ok(ApplicationDetail {
                messages: service::messages(conn, &id)?,
                application,
            })
        })
        .await
        .map(Json)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct StepRequest {
    /// `message`, `withdraw` (candidate) or `read`, `message`, `interview`, `hire`, `decline`
    /// (recruiter; `read` marks a sent application read, opening it changes nothing).
    step: String,
    message: Option<String>,
    /// With `decline`: `profile`, `filled`, `training`, `distance` or `other`.
    reason: Option<String>,
    /// With `hire`: the contract (each field left out is the offer's).
    #[serde(flatten)]
    contract: ContractInput,
}

/// Moves an application along (and/or adds a message).
#[utoipa::path(post, path = "/applications/{id}/steps", operation_id = "step_application", tag = "applications", security(("bearer" = [])), request_body = StepRequest,
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = StatusAnswer), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
async fn api_step(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(request): crate::web::extract::Json<StepRequest>,
) -> AppResult<Json<StatusAnswer>> {
    let step = parse_step(&request.step)?;
    let base = state.config.base_url();
    let app = state.clone();
    let done = state
        .db
        .tx(move |conn| {
            let done = service::step(
                conn,
                &base,
                &me,
                &id,
                step,
                request.message.as_deref(),
                request.reason.as_deref(),
                &request.contract,
            )?;
            super::publish_step(conn, &app, &id, &done)?;
            if let Some(offer) = &done.filled_offer {
                crate::offers::changed_in(conn, &app, std::slice::from_ref(offer))?;
            }
            Ok(done)
        })
        .await?;
    if done.filled_offer.is_some() {
        crate::search::changes::catch_up(&state).await;
    }
    Ok(Json(StatusAnswer {
        status: done.status.as_str().to_owned(),
    }))
}

/// The candidate confirms the contract the company recorded (a page's button).
async fn confirm_contract(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ContractInput>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let key = id.clone();
    let result = state
        .db
        .tx(move |conn| service::confirm_contract(conn, &base, &me, &key, &form))
        .await;
    flash_outcome(&session, result, |corrected| {
        if corrected {
            "Merci : le contrat est corrigé et le recruteur en est informé.".to_owned()
        } else {
            "Merci : le contrat est confirmé.".to_owned()
        }
    })
    .await?;
    Ok(see_other(&format!("/candidatures/{id}")))
}

#[derive(Serialize, utoipa::ToSchema)]
struct ContractAnswer {
    /// The candidate changed the type or the first day the company recorded.
    corrected: bool,
}

/// The candidate confirms the contract the company recorded when hiring, or corrects it
/// (fields left out keep what the company recorded).
#[utoipa::path(post, path = "/applications/{id}/contract", operation_id = "confirm_contract", tag = "applications", security(("bearer" = [])), request_body = ContractInput,
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = ContractAnswer), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_confirm_contract(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(request): crate::web::extract::Json<ContractInput>,
) -> AppResult<Json<ContractAnswer>> {
    let base = state.config.base_url();
    let corrected = state
        .db
        .tx(move |conn| service::confirm_contract(conn, &base, &me, &id, &request))
        .await?;
    Ok(Json(ContractAnswer { corrected }))
}

/// Dashboard tiles: a candidate's applications under way; applications received, with the
/// response rate.
pub async fn tiles(
    state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::web::dashboard::{Figure, Tile};
    let mut tiles = Vec::new();
    if allows(&me, &Action::ActAsCandidate) {
        let id = me.id.clone();
        let rows = state
            .db
            .run(move |conn| super::service::for_candidate(conn, &id))
            .await?;
        let open = rows
            .iter()
            .filter(|r| r.application.status().is_open())
            .count();
        tiles.push(Tile {
            href: "/mes-candidatures",
            title: "Mes candidatures",
            text: "Où en sont les candidatures que vous avez envoyées, et les messages des recruteurs."
                .into(),
            figures: vec![Figure::count(open, "candidature en cours", "candidatures en cours")],
        });
    }
    if let (true, Some(org)) = (
        allows(&me, &Action::ReceiveApplications),
        me.organisation_id.clone(),
    ) {
        let rate = state
            .db
            .run(move |conn| super::service::response_rate(conn, &org))
            .await?;
        tiles.push(Tile {
            href: "/candidatures-recues",
            title: "Candidatures reçues",
            text: if rate.received == 0 {
                "Aucune candidature reçue pour l’instant.".into()
            } else {
                format!(
                    "{}, taux de réponse {} %.",
                    crate::web::french::plural(rate.received, "reçue", "reçues"),
                    rate.percent()
                )
            },
            figures: vec![Figure::count(
                rate.received - rate.answered,
                "candidature sans réponse",
                "candidatures sans réponse",
            )],
        });
    }
    Ok(tiles)
}

/// « Mon espace »: a candidate's applications, an organisation's received ones.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Action, allows};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if allows(me, &Action::ActAsCandidate) {
        links.push(NavLink::new("/mes-candidatures", "Mes candidatures"));
    }
    if allows(me, &Action::ReceiveApplications) {
        links.push(NavLink::new("/candidatures-recues", "Candidatures reçues"));
    }
    if allows(me, &Action::FollowAccompaniedCandidates) {
        links.push(NavLink::new("/suivis", "Personnes accompagnées"));
    }
    links
}
