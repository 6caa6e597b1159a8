//! Pages and API of job-discovery actions: the search (nearest to the school first), an
//! action with its request form, a company's actions with how many schools looked at them,
//! the requests of each side and their steps.

use crate::web::extract::{Form, Path, Query};
use crate::web::filters::SearchLinks;
use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{
    self, ActionInput, ActionKind, Asked, Hit, Level, MyAction, RequestInput, RequestRow, StepInput,
};
use crate::AppState;
use crate::auth::policy::{Action, allows, authorize};
use crate::auth::{CurrentUser, MaybeUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::web::json::{Created, StatusAnswer};
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/decouverte-metiers", get(search))
        .route("/decouverte-metiers/nouvelle", get(new_form).post(create))
        .route("/decouverte-metiers/mes-actions", get(mine))
        .route("/decouverte-metiers/actions/{id}", get(show))
        .route("/decouverte-metiers/actions/{id}/demande", post(request))
        .route("/decouverte-metiers/actions/{id}/retrait", post(withdraw))
        .route("/decouverte-metiers/demandes", get(requests))
        .route("/decouverte-metiers/demandes/{id}", get(show_request))
        .route("/decouverte-metiers/demandes/{id}/etape", post(step))
        .merge(super::need_routes::pages())
        .merge(super::supply_routes::pages())
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_search, api_create))
        .routes(routes!(api_mine))
        .routes(routes!(api_request))
        .routes(routes!(api_requests))
        .routes(routes!(api_get_request))
        .routes(routes!(api_step))
        .merge(super::need_routes::api())
        .merge(super::supply_routes::api())
}

#[derive(Template)]
#[template(path = "discovery/search.html")]
struct SearchPage {
    page: Page,
    p: Asked,
    hits: Vec<Hit>,
    from: Option<String>,
    errors: Vec<String>,
    levels: &'static [Level],
    can_offer: bool,
    teacher: bool,
    /// The active filters, each removable.
    links: SearchLinks,
}

/// The search's links and its active filters, labelled as people read them.
pub fn search_links(p: &Asked, occupation: Option<&str>) -> SearchLinks {
    let mut links = SearchLinks::new("/decouverte-metiers", p.fields());
    links.chip(&["q"], |v| format!("Mots-clés : « {v} »"));
    links.chip(&["metier"], |v| {
        format!("Métier : {}", occupation.unwrap_or(v))
    });
    let radius = match p.rayon.trim() {
        "" => "30",
        r => r,
    };
    links.chip(&["commune", "rayon"], |v| {
        format!("À {radius} km autour {}", crate::web::french::de_place(v))
    });
    links.chip(&["niveau"], |v| match Level::parse(v) {
        Some(l) => format!("Public : {}", l.label()),
        None => format!("Public : {v}"),
    });
    links
}

async fn search(
    State(state): State<AppState>,
    page: Page,
    me: MaybeUser,
    Query(p): Query<Asked>,
) -> AppResult<Response> {
    let (who, asked) = (me.0.clone(), p.clone());
    let (found, occupation) = state
        .db
        .run(move |conn| {
            if let Some(u) = &who {
                super::figures::record_search(conn, u)?;
            }
            Ok((
                service::search(conn, who.as_ref(), &asked)?,
                crate::referential::store::occupation_label(conn, &asked.metier)?,
            ))
        })
        .await?;
    let (hits, from, errors) = match found {
        Ok(f) => (f.hits, f.from, Vec::new()),
        Err(e) => (Vec::new(), None, e),
    };
    let html = render(&SearchPage {
        page: page.titled("Cap sur les métiers : actions de découverte"),
        links: search_links(&p, occupation.as_deref()),
        hits,
        from,
        errors: errors.clone(),
        levels: Level::ALL,
        can_offer: me
            .0
            .as_ref()
            .is_some_and(|u| allows(u, &Action::OfferDiscoveryActions)),
        teacher: me
            .0
            .as_ref()
            .is_some_and(|u| allows(u, &Action::RequestDiscoveryAction)),
        p,
    })?;
    Ok((form::status(&errors), html).into_response())
}

#[derive(Template)]
#[template(path = "discovery/form.html")]
struct ActionForm {
    page: Page,
    form: ActionInput,
    kinds: &'static [ActionKind],
    levels: &'static [Level],
    errors: Vec<String>,
}

/// Checkbox fields of the levels, gathered into the service's list.
#[derive(Clone, Debug, Default, Deserialize)]
struct ActionFields {
    #[serde(flatten)]
    input: ActionInput,
    #[serde(default)]
    level_college: String,
    #[serde(default)]
    level_lycee: String,
    #[serde(default)]
    level_post_bac: String,
    #[serde(default)]
    level_job_seekers: String,
}

impl ActionFields {
    fn into_input(self) -> ActionInput {
        let mut input = self.input;
        let mut levels: Vec<&str> = input.levels.split_whitespace().collect();
        for (field, code) in [
            (&self.level_college, "college"),
            (&self.level_lycee, "lycee"),
            (&self.level_post_bac, "post_bac"),
            (&self.level_job_seekers, "job_seekers"),
        ] {
            if field == "oui" {
                levels.push(code);
            }
        }
        input.levels = levels.join(" ");
        input
    }
}

impl ActionForm {
    fn has_level(&self, code: &str) -> bool {
        self.form.levels.split_whitespace().any(|l| l == code)
    }
}

async fn new_form(page: Page, me: CurrentUser) -> AppResult<Response> {
    crate::auth::policy::authorize(&me, &Action::OfferDiscoveryActions)?;
    render(&ActionForm {
        page: page.titled("Proposer une action de découverte"),
        form: ActionInput {
            capacity: "15".into(),
            ..ActionInput::default()
        },
        kinds: ActionKind::ALL,
        levels: Level::ALL,
        errors: Vec::new(),
    })
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(fields): Form<ActionFields>,
) -> AppResult<Response> {
    let form = fields.into_input();
    let input = form.clone();
    match state
        .db
        .tx(move |conn| service::create_action(conn, &me, &input))
        .await?
    {
        Ok(id) => {
            session
                .set_flash(
                    "Votre action est publiée : les enseignants de la région peuvent la demander.",
                )
                .await?;
            Ok(see_other(&format!("/decouverte-metiers/actions/{id}")))
        }
        Err(errors) => {
            let html = render(&ActionForm {
                page: page.titled("Proposer une action de découverte"),
                form,
                kinds: ActionKind::ALL,
                levels: Level::ALL,
                errors,
            })?;
            Ok(form::rerender(html))
        }
    }
}

#[derive(Template)]
#[template(path = "discovery/mine.html")]
struct MinePage {
    page: Page,
    actions: Vec<MyAction>,
}

async fn mine(State(state): State<AppState>, page: Page, me: CurrentUser) -> AppResult<Response> {
    authorize(&me, &Action::OfferDiscoveryActions)?;
    let actions = state
        .db
        .run(move |conn| service::my_actions(conn, &me))
        .await?;
    render(&MinePage {
        page: page.titled("Mes actions de découverte"),
        actions,
    })
}

async fn withdraw(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let back = if allows(&me, &Action::OfferDiscoveryActions) {
        "/decouverte-metiers/mes-actions"
    } else {
        "/decouverte-metiers/saisies"
    };
    let title = state
        .db
        .tx(move |conn| service::withdraw_action(conn, &me, &id))
        .await?;
    session
        .set_flash(format!(
            "« {title} » est retirée : les établissements ne la trouvent plus ; les demandes déjà reçues se poursuivent."
        ))
        .await?;
    Ok(see_other(back))
}

#[derive(Template)]
#[template(path = "discovery/show.html")]
struct ShowPage {
    page: Page,
    hit: Hit,
    owner: bool,
    /// The chamber or branch that entered the action and still keeps it.
    entered_by: Option<String>,
    schools_viewed: i64,
    can_request: bool,
    form: RequestInput,
    errors: Vec<String>,
}

async fn show_action(
    state: &AppState,
    page: Page,
    me: Option<CurrentUser>,
    id: String,
    form: RequestInput,
    errors: Vec<String>,
) -> AppResult<Response> {
    let who = me.clone();
    let (hit, schools_viewed, entered_by) = state
        .db
        .run(move |conn| {
            let hit = service::action(conn, &id)?;
            if let Some(u) = &who {
                service::record_view(conn, u, &id)?;
            }
            let views = service::views(conn, &id)?;
            let entered_by = service::entered_by(conn, &id)?;
            Ok((hit, views, entered_by))
        })
        .await?;
    let owner = me.as_ref().is_some_and(|u| {
        allows(
            u,
            &Action::ManageDiscoveryAction {
                organisation_id: &hit.action.organisation_id,
            },
        )
    });
    let can_request = me
        .as_ref()
        .is_some_and(|u| allows(u, &Action::RequestDiscoveryAction));
    let html = render(&ShowPage {
        page: page
            .titled(hit.action.title.clone())
            .within(&[("Découvrir les métiers", "/decouverte-metiers")]),
        hit,
        owner,
        entered_by,
        schools_viewed,
        can_request,
        form,
        errors: errors.clone(),
    })?;
    Ok((form::status(&errors), html).into_response())
}

async fn show(
    State(state): State<AppState>,
    page: Page,
    me: MaybeUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    show_action(&state, page, me.0, id, RequestInput::default(), Vec::new()).await
}

async fn request(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<RequestInput>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    match state
        .db
        .tx(move |conn| service::request(conn, &who, &key, &input, &base))
        .await?
    {
        Ok(created) => {
            session
                .set_flash("Votre demande est envoyée à l’entreprise. Vous serez prévenu·e par e-mail de sa réponse.")
                .await?;
            Ok(see_other(&format!(
                "/decouverte-metiers/demandes/{created}"
            )))
        }
        Err(errors) => show_action(&state, page, Some(me), id, form, errors).await,
    }
}

#[derive(Template)]
#[template(path = "discovery/requests.html")]
struct RequestsPage {
    page: Page,
    rows: Vec<RequestRow>,
}

async fn requests(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    let rows = state
        .db
        .run(move |conn| service::requests(conn, &me))
        .await?;
    render(&RequestsPage {
        page: page.titled("Demandes d’actions de découverte"),
        rows,
    })
}

#[derive(Template)]
#[template(path = "discovery/request.html")]
struct RequestPage {
    page: Page,
    r: RequestRow,
    steps: Vec<&'static str>,
    /// Problems of the step just tried, shown above the steps.
    errors: Vec<String>,
    /// What was typed in the step just tried, given back to its form.
    typed: Option<StepInput>,
}

async fn show_request(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    request_page(&state, page, me, id, Vec::new(), None).await
}

/// The request's page; after a step that failed, with its problems and what was typed in it
/// (answered 422).
async fn request_page(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    id: String,
    errors: Vec<String>,
    typed: Option<StepInput>,
) -> AppResult<Response> {
    let who = me.clone();
    let r = state
        .db
        .run(move |conn| service::get_for(conn, &who, &id))
        .await?;
    let steps = service::steps(&me, &r.request);
    let status = form::status(&errors);
    let html = RequestPage {
        page: page.titled(format!("Demande – {}", r.action_title)),
        r,
        steps,
        errors,
        typed,
    }
    .render()?;
    Ok((status, Html(html)).into_response())
}

async fn step(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<StepInput>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    let result = state
        .db
        .tx(move |conn| service::apply_step(conn, &who, &key, &input, &base))
        .await;
    match result {
        Ok(Ok(status)) => {
            session
                .set_flash(format!(
                    "C’est enregistré. La demande est « {} ».",
                    status.label()
                ))
                .await?
        }
        Ok(Err(errors)) => return request_page(&state, page, me, id, errors, Some(form)).await,
        Err(e) if e.status() == StatusCode::CONFLICT => {
            session.set_flash(e.message().to_owned()).await?
        }
        Err(e) => return Err(e),
    }
    Ok(see_other(&format!("/decouverte-metiers/demandes/{id}")))
}

impl RequestPage {
    /// What was typed in `field` of the form of `step`, if that step was just tried.
    fn typed(&self, step: &str, field: &str) -> &str {
        let Some(t) = self.typed.as_ref().filter(|t| t.step.trim() == step) else {
            return "";
        };
        match field {
            "date" => &t.date,
            "attendance" => &t.attendance,
            _ => &t.message,
        }
    }
    fn step_label(&self, step: &str) -> &'static str {
        match step {
            "accept" => "Accepter",
            "propose_date" => "Proposer une autre date",
            "decline" => "Décliner",
            "accept_date" => "Accepter la date proposée",
            _ => "Indiquer que l’action a eu lieu",
        }
    }
}

// ---- API ----

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = DiscoverySearchAnswer)]
struct SearchAnswer {
    /// Where distances are measured from (the commune asked, or the caller's school).
    from: Option<String>,
    actions: Vec<Hit>,
}

/// Searches job-discovery actions: words (French analysis), ROME code, commune + radius,
/// audience; nearest first (from the commune asked, or else the caller's school).
#[utoipa::path(get, path = "/discovery/actions", operation_id = "search_discovery_actions", tag = "discovery", params(Asked),
    responses((status = 200, body = SearchAnswer), (status = 422, body = crate::error::ErrorBody)))]
async fn api_search(
    State(state): State<AppState>,
    me: MaybeUser,
    Query(p): Query<Asked>,
) -> AppResult<Json<SearchAnswer>> {
    let found = state
        .db
        .run(move |conn| {
            if let Some(u) = &me.0 {
                super::figures::record_search(conn, u)?;
            }
            service::search(conn, me.0.as_ref(), &p)
        })
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok(Json(SearchAnswer {
        from: found.from,
        actions: found.hits,
    }))
}

/// Publishes an action (recruiters of a validated company, professional branches).
#[utoipa::path(post, path = "/discovery/actions", operation_id = "create_discovery_action", tag = "discovery", security(("bearer" = [])),
    request_body = ActionInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_create(
    State(state): State<AppState>,
    me: CurrentUser,
    crate::web::extract::Json(input): crate::web::extract::Json<ActionInput>,
) -> AppResult<Response> {
    let id = state
        .db
        .tx(move |conn| service::create_action(conn, &me, &input))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// The caller's organisation's actions, with how many distinct schools viewed each.
#[utoipa::path(get, path = "/discovery/my-actions", operation_id = "list_my_discovery_actions", tag = "discovery", security(("bearer" = [])),
    responses((status = 200, body = [MyAction]), (status = 403, body = crate::error::ErrorBody)))]
async fn api_mine(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<Vec<MyAction>>> {
    state
        .db
        .run(move |conn| service::my_actions(conn, &me))
        .await
        .map(Json)
}

/// Requests an action for a group (teachers and counsellors).
#[utoipa::path(post, path = "/discovery/actions/{id}/requests", operation_id = "request_discovery_action", tag = "discovery", security(("bearer" = [])),
    request_body = RequestInput, params(("id" = String, Path, description = "Action id")),
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_request(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(input): crate::web::extract::Json<RequestInput>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let created = state
        .db
        .tx(move |conn| service::request(conn, &me, &id, &input, &base))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok((StatusCode::CREATED, Json(Created { id: created })).into_response())
}

/// The requests the caller may see: a company those for its actions, a school its own.
#[utoipa::path(get, path = "/discovery/requests", operation_id = "list_discovery_requests", tag = "discovery", security(("bearer" = [])),
    responses((status = 200, body = [RequestRow]), (status = 403, body = crate::error::ErrorBody)))]
async fn api_requests(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<Vec<RequestRow>>> {
    state
        .db
        .run(move |conn| service::requests(conn, &me))
        .await
        .map(Json)
}

/// One request (its company and its school only).
#[utoipa::path(get, path = "/discovery/requests/{id}", operation_id = "get_discovery_request", tag = "discovery", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, body = RequestRow), (status = 404, body = crate::error::ErrorBody)))]
async fn api_get_request(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<RequestRow>> {
    state
        .db
        .run(move |conn| service::get_for(conn, &me, &id))
        .await
        .map(Json)
}

/// Moves a request along: the company accepts, proposes a date or declines; the school
/// accepts a proposed date; both record that it took place and how many attended.
#[utoipa::path(post, path = "/discovery/requests/{id}/steps", operation_id = "step_discovery_request", tag = "discovery", security(("bearer" = [])),
    request_body = StepInput, params(("id" = String, Path, description = "Request id")),
    responses((status = 200, body = StatusAnswer), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_step(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(input): crate::web::extract::Json<StepInput>,
) -> AppResult<Json<StatusAnswer>> {
    let base = state.config.base_url();
    let status = state
        .db
        .tx(move |conn| service::apply_step(conn, &me, &id, &input, &base))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok(Json(StatusAnswer {
        status: status.as_str().to_owned(),
    }))
}

/// Dashboard tile: a company's discovery actions, or a school's requests.
pub async fn tiles(
    _state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::auth::policy::{Action, allows};
    let mut tiles = Vec::new();
    if allows(&me, &Action::OfferDiscoveryActions) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/decouverte-metiers/mes-actions",
            title: "Cap sur les métiers",
            text: "Vos actions de découverte, les établissements qui les ont consultées et leurs demandes.".into(),
            figures: Vec::new(),
        });
    }
    if allows(&me, &Action::RequestDiscoveryAction) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/decouverte-metiers",
            title: "Cap sur les métiers",
            text:
                "Visites d’entreprise et interventions près de votre établissement ; vos demandes."
                    .into(),
            figures: Vec::new(),
        });
    }
    Ok(tiles)
}

/// « Mon espace »: a company's job-discovery actions, requests of companies and schools.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Action, Rows, Scope, allows, scope};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if allows(me, &Action::OfferDiscoveryActions) {
        links.push(NavLink::new(
            "/decouverte-metiers/mes-actions",
            "Mes actions de découverte",
        ));
    }
    if scope(me, Rows::DiscoveryRequests) != Scope::Nothing {
        links.push(NavLink::new(
            "/decouverte-metiers/demandes",
            "Demandes de découverte",
        ));
    }
    let figures = allows(me, &Action::ViewDiscoveryFigures);
    if allows(me, &Action::PublishDiscoveryNeed)
        || allows(me, &Action::OfferDiscoveryActions)
        || figures
    {
        links.push(NavLink::new(
            "/decouverte-metiers/besoins",
            "Besoins des établissements",
        ));
    }
    if let Some(org) = me.organisation_id.as_deref()
        && allows(
            me,
            &Action::KeepEnteredDiscoveryAction {
                entered_by_org: org,
            },
        )
    {
        links.push(NavLink::new(
            "/decouverte-metiers/saisies",
            "Actions saisies pour des entreprises",
        ));
    }
    if figures {
        links.push(NavLink::new(
            "/decouverte-metiers/chiffres",
            "Chiffres de la découverte des métiers",
        ));
    }
    links
}
