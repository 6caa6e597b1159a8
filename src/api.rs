//! The router: pages, JSON API (`/api/v1`, documented by OpenAPI generated from the
//! handlers), operations endpoints, and the middleware stack.

use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde::Serialize;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::error::{AppError, AppResult};
use crate::web::routes::Pages;
use crate::web::{Page, render};
use crate::{
    AppState, applications, auth, basket, candidates, content, gateway, helpline, imports, offers,
    organisations, partners, portal, prescriptions, programme, referential, reports, trainings,
    web,
};
use crate::{discovery, sites, webhooks};

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
        (name = "helpline", description = "Ligne d’information Cap Info : appels, demandes, orientation vers les partenaires, réponses sous 2 jours ouvrés et indicateurs"),
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
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1/referential", referential::routes::api())
        .nest("/api/v1", auth::routes::api())
        .nest("/api/v1/organisations", organisations::routes::api())
        .nest("/api/v1", offers::routes::api())
        .nest("/api/v1", candidates::routes::api())
        .nest("/api/v1", applications::routes::api())
        .nest("/api/v1", applications::follow::api())
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
        .split_for_parts();
    document_responses(&mut doc);
    (router, doc)
}

/// Operations whose only requirement is a valid token: no role or ownership check can refuse
/// them.
const NO_ROLE_CHECK: &[&str] = &["get_me"];

/// Completes every operation's responses: each gets a description (OpenAPI requires one),
/// and the error answers that the extractors and the middleware give are documented with
/// the shared [`ErrorBody`](crate::error::ErrorBody): 400 when a body or query parameters
/// are read, 401 and 403 when a token is required, 403 for every state change (CSRF), 404
/// when the path names a resource, 422 when a body is validated.
fn document_responses(doc: &mut OpenApiDoc) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            (true, &mut item.get),
            (true, &mut item.head),
            (true, &mut item.options),
            (false, &mut item.put),
            (false, &mut item.post),
            (false, &mut item.delete),
            (false, &mut item.patch),
        ];
        for (safe, operation) in operations {
            if let Some(operation) = operation {
                document_operation(operation, safe);
            }
        }
    }
}

fn document_operation(operation: &mut Operation, safe: bool) {
    let parameters: Vec<&Parameter> = operation
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p),
            RefOr::Ref(_) => None,
        })
        .collect();
    let in_path = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Path);
    let in_query = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Query);
    let has_body = operation.request_body.is_some();
    let secured = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    let role_checked = secured
        && !operation
            .operation_id
            .as_deref()
            .is_some_and(|id| NO_ROLE_CHECK.contains(&id));
    let mut errors = Vec::new();
    if has_body || in_query {
        errors.push("400");
    }
    if secured {
        errors.push("401");
    }
    if role_checked || !safe {
        errors.push("403");
    }
    if in_path {
        errors.push("404");
    }
    if has_body || in_query {
        errors.push("422");
    }
    let responses = &mut operation.responses.responses;
    for status in errors {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(error_response(status)));
    }
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response
            && response.description.is_empty()
        {
            response.description = describe(status).to_owned();
        }
    }
}

fn error_response(status: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(describe(status))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

/// What an answer of this status means, in the words of the API's readers.
fn describe(status: &str) -> &'static str {
    match status {
        "200" => "Succès.",
        "201" => "Ressource créée.",
        "202" => "Demande acceptée : le traitement se poursuit.",
        "204" => "Succès, sans contenu.",
        "400" => "Requête mal formée : corps ou paramètres illisibles.",
        "401" => "Authentification requise : jeton absent, invalide ou révoqué.",
        "403" => {
            "Accès refusé : le rôle ou l’organisation de l’appelant ne le permet pas, \
             ou le jeton CSRF manque à une requête authentifiée par cookie."
        }
        "404" => "Ressource introuvable, ou que l’appelant n’a pas le droit de voir.",
        "409" => "Conflit avec l’état actuel de la ressource.",
        "422" => "Données invalides : chaque problème est listé dans `details`.",
        "429" => "Trop de requêtes : réessayez après le délai indiqué par `Retry-After`.",
        "500" => "Erreur interne du serveur.",
        _ => "Réponse.",
    }
}

/// Every page of the site, with the endpoints of the API page, its document and the metrics
/// (the API operations are in [`openapi_and_api`]).
pub fn pages() -> Pages {
    Pages::new()
        .merge(web::pages::router())
        .merge(portal::routes::pages())
        .merge(auth::routes::pages())
        .merge(organisations::routes::pages())
        .merge(offers::routes::pages())
        .merge(candidates::routes::pages())
        .merge(referential::routes::pages())
        .merge(applications::routes::pages())
        .merge(applications::follow::pages())
        .merge(basket::routes::pages())
        .merge(imports::routes::pages())
        .merge(gateway::routes::pages())
        .merge(trainings::routes::pages())
        .merge(prescriptions::routes::pages())
        .merge(reports::routes::pages())
        .merge(programme::routes::pages())
        .merge(content::routes::pages())
        .merge(crate::campaigns::routes::pages())
        .merge(content::legal::pages())
        .merge(sites::routes::pages())
        .merge(discovery::routes::pages())
        .merge(helpline::routes::pages())
        .merge(partners::routes::pages())
        .merge(webhooks::routes::pages())
        .route("/api/openapi.json", get(openapi_json))
        .route("/api", get(api_page))
        .route("/metrics", get(metrics))
}

/// The routes of the router, as it lists them itself.
pub struct RouteList {
    /// Page paths (axum syntax, `{id}`); their methods are those their handlers accept.
    pub pages: Vec<String>,
    /// API operations (method, path in OpenAPI syntax, which is also axum's).
    pub api: Vec<(Method, String)>,
}

/// Every route of [`router`]: the recorded page paths and the operations of the API document.
pub fn route_list() -> RouteList {
    let (_, doc) = openapi_and_api();
    let mut api = Vec::new();
    for (path, item) in &doc.paths.paths {
        let operations = [
            (Method::GET, &item.get),
            (Method::HEAD, &item.head),
            (Method::OPTIONS, &item.options),
            (Method::PUT, &item.put),
            (Method::POST, &item.post),
            (Method::DELETE, &item.delete),
            (Method::PATCH, &item.patch),
        ];
        for (method, operation) in operations {
            if operation.is_some() {
                api.push((method, path.clone()));
            }
        }
    }
    RouteList {
        pages: pages().paths().to_vec(),
        api,
    }
}

/// Pages and API without the middleware stack nor the fallback: an unknown method on a known
/// path answers 405 with the `Allow` header (how the matrix test learns the pages' methods).
pub fn unlayered_routes() -> Router<AppState> {
    let (api, _) = openapi_and_api();
    Router::new().merge(api).merge(pages().into_router())
}

pub fn router(state: AppState) -> Router {
    let (api, openapi) = openapi_and_api();
    Router::new()
        .merge(api)
        .merge(pages().into_router())
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
            web::SecurityHeaders::new(&state.config),
            web::security_headers,
        ))
        .layer(CatchPanicLayer::new())
        .layer(Extension(Arc::new(openapi)))
        .layer(middleware::from_fn_with_state(state.clone(), with_clock))
        .with_state(state)
}

/// Runs each request with the application's clock as the current one.
async fn with_clock(State(state): State<AppState>, request: Request, next: Next) -> Response {
    crate::clock::scope(state.clock.clone(), next.run(request)).await
}

#[derive(Serialize, ToSchema)]
struct Health {
    /// `ok` when the database answers.
    status: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
    version: &'static str,
}

/// Liveness and database check: 503 (`database_file_lost`) when the SQLite file was deleted
/// or replaced under the running process, 503 (`search_index_behind`) while this node's
/// search index cannot be written (a load balancer then sends searches to another node).
#[utoipa::path(get, path = "/healthz", operation_id = "healthz", tag = "operations",
    responses((status = 200, body = Health), (status = 500, body = crate::error::ErrorBody),
        (status = 503, body = crate::error::ErrorBody)))]
async fn healthz(State(state): State<AppState>) -> AppResult<Json<Health>> {
    state.db.check_file()?;
    if let Some(trouble) = state.search_cursor.trouble() {
        return Err(crate::error::AppError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "search_index_behind",
            format!(
                "L’index de recherche de ce nœud ne peut pas être mis à jour ({trouble}) : \
                 vérifiez que son dossier de données est accessible en écriture et n’est pas \
                 plein. Les modifications sont enregistrées dans la base ; l’index les \
                 reprendra dès que possible."
            ),
        ));
    }
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

/// Prometheus metrics, for the bearer of `PASSERELLE_METRICS_TOKEN` only: 404 when no
/// token is configured (the route is not there), 401 for a missing or wrong token.
async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let Some(expected) = &state.config.metrics_token else {
        return AppError::not_found().into_response();
    };
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let digest = crate::auth::tokens::digest;
    if !crate::auth::tokens::same_secret(
        digest(presented).as_bytes(),
        digest(expected.expose()).as_bytes(),
    ) {
        return AppError::unauthorized().into_response();
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        state.metrics.render(),
    )
        .into_response()
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
