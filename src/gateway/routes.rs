//! The France Travail agents' screen, its CSV export and the API.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{GatewayEntry, QueueFilter, QueueLine};
use crate::AppState;
use crate::auth::policy::{Action, authorize};
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::AppResult;
use crate::web::csv::{CsvWriter, attachment};
use crate::web::extract::{Form, Path, Query};
use crate::web::{Page, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/passerelle-france-travail", get(queue_page))
        .route("/passerelle-france-travail.csv", get(queue_csv))
        .route("/passerelle-france-travail/{id}", post(process))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_queue))
        .routes(routes!(api_process))
}

async fn load(
    state: &AppState,
    me: &CurrentUser,
    filter: QueueFilter,
) -> AppResult<Vec<QueueLine>> {
    authorize(me, &Action::UseGateway)?;
    state.db.run(move |conn| super::queue(conn, &filter)).await
}

#[derive(Template)]
#[template(path = "gateway/queue.html")]
struct QueuePage {
    page: Page,
    lines: Vec<QueueLine>,
    filter: QueueFilter,
    query: String,
    errors: Vec<String>,
}

fn query_string(f: &QueueFilter) -> String {
    crate::web::filters::query_string([
        ("offer", f.offer.as_str()),
        ("ft_code", f.ft_code.as_str()),
        ("siret", f.siret.as_str()),
        ("company", f.company.as_str()),
        ("state", f.state.as_str()),
    ])
}

async fn queue_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Query(filter): Query<QueueFilter>,
) -> AppResult<Response> {
    let (lines, errors) = match load(&state, &me, filter.clone()).await {
        Ok(lines) => (lines, Vec::new()),
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            (Vec::new(), vec![e.message().to_owned()])
        }
        Err(e) => return Err(e),
    };
    let query = query_string(&filter);
    render(&QueuePage {
        page: page.titled("Passerelle France Travail"),
        lines,
        filter,
        query,
        errors,
    })
}

async fn queue_csv(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(filter): Query<QueueFilter>,
) -> AppResult<Response> {
    let lines = load(&state, &me, filter).await?;
    let base = state.config.base_url();
    let mut out = CsvWriter::new([
        "demande",
        "action",
        "état",
        "offre",
        "référence partenaire",
        "intitulé",
        "entreprise",
        "siret",
        "commune",
        "code France Travail",
        "agence",
        "mise à jour",
        "adresse",
    ])?;
    for l in &lines {
        out.row([
            l.entry.id.clone(),
            l.entry.action_label().to_owned(),
            if l.entry.status == "done" {
                "traitée"
            } else {
                "à traiter"
            }
            .to_owned(),
            l.entry.offer_id.clone(),
            l.partner_reference.clone().unwrap_or_default(),
            l.offer_title.clone(),
            l.company_name.clone(),
            l.company_siret.clone().unwrap_or_default(),
            l.commune_insee.clone(),
            l.entry.ft_code.clone().unwrap_or_default(),
            l.entry.agency.clone().unwrap_or_default(),
            crate::web::datetime_fr(&l.entry.updated_at),
            format!("{base}/offres/{}", l.entry.offer_id),
        ])?;
    }
    Ok(attachment("passerelle-france-travail.csv", out.finish()?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ProcessForm {
    /// France Travail's code of the offer (kept from before for a modification or a
    /// cancellation when left empty).
    #[serde(default)]
    pub ft_code: String,
    /// The France Travail agency.
    #[serde(default)]
    pub agency: String,
}

async fn process_entry(
    state: &AppState,
    me: CurrentUser,
    id: String,
    form: ProcessForm,
) -> AppResult<GatewayEntry> {
    authorize(&me, &Action::UseGateway)?;
    state
        .db
        .tx(move |conn| {
            let entry = super::process(conn, &id, &me.id, &form.ft_code, &form.agency)?;
            crate::auth::audit::record(
                conn,
                crate::auth::audit::Event::by(&me, "gateway_entry_processed")
                    .on("offer", &entry.offer_id)
                    .detail(&entry.action),
            )?;
            Ok(entry)
        })
        .await
}

async fn process(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ProcessForm>,
) -> AppResult<Response> {
    match process_entry(&state, me, id, form).await {
        Ok(entry) => {
            session
                .set_flash(format!(
                    "Demande traitée ({}) : code France Travail {}.",
                    entry.action_label().to_lowercase(),
                    entry.ft_code.unwrap_or_default()
                ))
                .await?;
        }
        Err(e) if e.status().is_client_error() && e.status() != StatusCode::FORBIDDEN => {
            session.set_flash(e.message().to_owned()).await?;
        }
        Err(e) => return Err(e),
    }
    Ok(see_other("/passerelle-france-travail"))
}

/// The gateway queue (France Travail agents): pending entries by default, filtered by offer,
/// France Travail code, SIRET, company and state.
#[utoipa::path(get, path = "/gateway/entries", operation_id = "list_gateway_entries", tag = "gateway", security(("bearer" = [])),
    params(QueueFilter),
    responses((status = 200, body = [QueueLine]), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn api_queue(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(filter): Query<QueueFilter>,
) -> AppResult<Json<Vec<QueueLine>>> {
    load(&state, &me, filter).await.map(Json)
}

/// Records what France Travail did with an entry (code and agency), which closes it.
#[utoipa::path(post, path = "/gateway/entries/{id}", operation_id = "process_gateway_entry", tag = "gateway", security(("bearer" = [])),
    params(("id" = String, Path, description = "Entry id")), request_body = ProcessForm,
    responses((status = 200, body = GatewayEntry), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_process(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(form): crate::web::extract::Json<ProcessForm>,
) -> AppResult<Json<GatewayEntry>> {
    process_entry(&state, me, id, form).await.map(Json)
}

/// Dashboard tile: the France Travail queue.
pub async fn tiles(
    _state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::auth::policy::{Action, allows};
    let mut tiles = Vec::new();
    if allows(&me, &Action::UseGateway) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/passerelle-france-travail",
            title: "Passerelle France Travail",
            text: "Offres à créer, modifier ou annuler chez France Travail.".into(),
            figures: Vec::new(),
        });
    }
    Ok(tiles)
}

/// « Mon espace »: France Travail's queue.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Action, allows};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if allows(me, &Action::UseGateway) {
        links.push(NavLink::new(
            "/passerelle-france-travail",
            "Passerelle France Travail",
        ));
    }
    links
}
