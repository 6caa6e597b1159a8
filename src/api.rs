//! The router: pages, JSON API (`/api/v1`, documented by OpenAPI generated from the
//! handlers), operations endpoints, and the middleware stack.

use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Serialize;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::AppResult;
use crate::web::{Page, render};
use crate::{
    AppState, applications, auth, basket, candidates, content, gateway, helpline, imports, offers,
    organisations, partners, prescriptions, programme, referential, reports, trainings, web,
};
use crate::{discovery, sites};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Passerelle API",
        description = "API JSON de Passerelle. Authentification : jeton personnel \
                       (`Authorization: Bearer psl_…`), créé depuis la page « Mon compte » \
                       ou par `passerelle user token EMAIL`. Les erreurs ont la forme \
                       `{\"code\": \"…\", \"message\": \"…\"}` avec un message en français."
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "referential", description = "Référentiels : communes, ROME 4.0, NAF, départements"),
        (name = "accounts", description = "Comptes et organisations"),
        (name = "applications", description = "Candidatures et échanges entre candidats et recruteurs"),
        (name = "candidates", description = "Profils de candidats : recherche de CV, consultation tracée, export des données"),
        (name = "basket", description = "Panier : offres et profils sauvegardés, recherches enregistrées avec alertes et flux Atom"),
        (name = "offers", description = "Offres d’alternance : publication, modération, cycle de vie"),
        (name = "imports", description = "Imports de fichiers d’offres des partenaires (CSV) et leurs rapports"),
        (name = "gateway", description = "Passerelle France Travail : offres à créer, modifier ou annuler chez France Travail"),
        (name = "trainings", description = "Catalogue des formations financées (LHÉO 2.3) : recherche de sessions, export LHÉO"),
        (name = "prescriptions", description = "Pré-inscriptions en formation : prescription, résultat de sélection, entrée, suivi et indicateurs"),
        (name = "reports", description = "Indicateurs de chacun et tableaux annexes d’évaluation"),
        (name = "programme", description = "Programme des professionnels Cap Métiers Formation : sessions, inscriptions, liste d’attente"),
        (name = "content", description = "Actualités, agenda et pages de documentation"),
        (name = "sites", description = "Espaces Métiers : sites, journal des visites, expositions itinérantes, fréquentation"),
        (name = "discovery", description = "Cap sur les métiers : actions de découverte des entreprises et demandes des établissements"),
        (name = "helpline", description = "Ligne d’information Cap Info : appels, demandes, orientation vers les partenaires, réponses sous 48 h ouvrées et indicateurs"),
        (name = "partners", description = "Partenaires : annuaire public, parcours d’adhésion, charte et signatures, renouvellements et cotisations"),
        (name = "operations", description = "Supervision"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn openapi_and_api() -> (Router<AppState>, OpenApiDoc) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1/referential", referential::routes::api())
        .nest("/api/v1", auth::routes::api())
        .nest("/api/v1/organisations", organisations::routes::api())
        .nest("/api/v1", offers::routes::api())
        .nest("/api/v1", candidates::routes::api())
        .nest("/api/v1", applications::routes::api())
        .nest("/api/v1", basket::routes::api())
        .nest("/api/v1", imports::routes::api())
        .nest("/api/v1", gateway::routes::api())
        .nest("/api/v1", trainings::routes::api())
        .nest("/api/v1", prescriptions::routes::api())
        .nest("/api/v1", reports::routes::api())
        .nest("/api/v1", programme::routes::api())
        .nest("/api/v1", content::routes::api())
        .nest("/api/v1", sites::routes::api())
        .nest("/api/v1", discovery::routes::api())
        .nest("/api/v1", helpline::routes::api())
        .nest("/api/v1", partners::routes::api())
        .routes(routes!(healthz))
        .split_for_parts()
}

pub fn router(state: AppState) -> Router {
    let (api, openapi) = openapi_and_api();
    Router::new()
        .merge(api)
        .merge(web::pages::router())
        .merge(auth::routes::pages())
        .merge(organisations::routes::pages())
        .merge(offers::routes::pages())
        .merge(candidates::routes::pages())
        .merge(applications::routes::pages())
        .merge(basket::routes::pages())
        .merge(imports::routes::pages())
        .merge(gateway::routes::pages())
        .merge(trainings::routes::pages())
        .merge(prescriptions::routes::pages())
        .merge(reports::routes::pages())
        .merge(programme::routes::pages())
        .merge(content::routes::pages())
        .merge(sites::routes::pages())
        .merge(discovery::routes::pages())
        .merge(helpline::routes::pages())
        .merge(partners::routes::pages())
        .route("/api/openapi.json", get(openapi_json))
        .route("/api", get(api_page))
        .route("/metrics", get(metrics))
        .fallback(web::not_found)
        .layer(middleware::from_fn(auth::csrf_layer))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::render_errors,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
        .layer(middleware::from_fn(track_metrics))
        .layer(TraceLayer::new_for_http())
        .layer(middleware::from_fn_with_state(
            web::content_security_policy(&state.config),
            web::security_headers,
        ))
        .layer(CatchPanicLayer::new())
        .layer(Extension(Arc::new(openapi)))
        .with_state(state)
}

/// The answer to a creation: the new resource's id.
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

/// The answer to a state change: the resulting status.
#[derive(Serialize, ToSchema)]
pub struct StatusAnswer {
    pub status: String,
}

#[derive(Serialize, ToSchema)]
struct Health {
    /// `ok` when the database answers.
    status: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
    version: &'static str,
}

/// Liveness and database check.
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "operations",
    responses((status = 200, body = Health), (status = 500, body = crate::error::ErrorBody)))]
async fn healthz(State(state): State<AppState>) -> AppResult<Json<Health>> {
    state
        .db
        .run(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await?;
    Ok(Json(Health {
        status: "ok",
        database: state.db.url().backend_name(),
        version: env!("CARGO_PKG_VERSION"),
    }))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
}

async fn track_metrics(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("passerelle_http_requests_total", "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("passerelle_http_request_duration_seconds")
        .record(start.elapsed().as_secs_f64());
    response
}

async fn openapi_json(Extension(doc): Extension<Arc<OpenApiDoc>>) -> Response {
    Json(doc.as_ref()).into_response()
}

struct Endpoint {
    method: String,
    path: String,
    summary: String,
    params: Vec<String>,
}

#[derive(Template)]
#[template(path = "api.html")]
struct ApiPage {
    page: Page,
    endpoints: Vec<Endpoint>,
}

/// A readable page of the API, made from the same OpenAPI document.
async fn api_page(page: Page, Extension(doc): Extension<Arc<OpenApiDoc>>) -> AppResult<Response> {
    let value = serde_json::to_value(doc.as_ref()).map_err(crate::error::AppError::internal)?;
    let mut endpoints = Vec::new();
    if let Some(paths) = value.get("paths").and_then(|p| p.as_object()) {
        for (path, item) in paths {
            let Some(ops) = item.as_object() else {
                continue;
            };
            for (method, op) in ops {
                let summary = op
                    .get("summary")
                    .or_else(|| op.get("description"))
                    .and_then(|s| s.as_str())
                    .unwrap_or_default()
                    .to_owned();
                let params = op
                    .get("parameters")
                    .and_then(|p| p.as_array())
                    .map(|list| {
                        list.iter()
                            .filter_map(|p| {
                                let name = p.get("name")?.as_str()?;
                                let desc =
                                    p.get("description").and_then(|d| d.as_str()).unwrap_or("");
                                Some(if desc.is_empty() {
                                    name.to_owned()
                                } else {
                                    format!("{name} — {desc}")
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                endpoints.push(Endpoint {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary,
                    params,
                });
            }
        }
    }
    render(&ApiPage {
        page: page.titled("API"),
        endpoints,
    })
}
