//! Pages and API of the training catalogue: session search, session page, recruitment state
//! kept by the centre or the funder, LHÉO and CSV exports.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::{
    RecruitmentState, entry_mode_label, funder_code_label, lheo_level_label, teaching_mode_label,
};
use super::search::{self, Asked, PER_PAGE, SessionHit};
use super::store::{self, SessionRecord};
use crate::AppState;
use crate::auth::policy::{Action, allows, authorize};
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::referential::store::Department;
use crate::web::extract::{Form, Path, Query};
use crate::web::filters::SearchLinks;
use crate::web::{Page, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/formations", get(search_page))
        .route("/formations/sessions/{id}", get(session_page))
        .route("/formations/sessions/{id}/etat", post(update_state))
        .route("/formations/catalogue.xml", get(lheo_file))
        .route("/formations/catalogue.csv", get(csv_file))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_search))
        .routes(routes!(api_session))
        .routes(routes!(api_update_state))
        .routes(routes!(api_lheo))
}

/// The search form's fields (French names in the address bar).
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// Words (French analysis: « boulangère » finds « boulanger »).
    #[serde(default)]
    pub q: String,
    /// ROME code, e.g. D1102.
    #[serde(default)]
    pub metier: String,
    /// Commune name, postal code or INSEE code.
    #[serde(default)]
    pub commune: String,
    /// Radius around the commune, in km (default 30).
    #[serde(default)]
    pub rayon: String,
    #[serde(default)]
    pub departement: String,
    /// Starting on or after (JJ/MM/AAAA).
    #[serde(default)]
    pub debut_min: String,
    /// Starting on or before (JJ/MM/AAAA).
    #[serde(default)]
    pub debut_max: String,
    /// `oui`: funded sessions only.
    #[serde(default)]
    pub financees: String,
    /// `oui`: sessions with places left only.
    #[serde(default)]
    pub places: String,
    #[serde(default)]
    pub page: Option<usize>,
}

fn yes(value: &str) -> bool {
    matches!(value, "oui" | "true" | "1" | "on")
}

impl SearchParams {
    /// What the search service is asked.
    pub fn asked(&self) -> Asked {
        Asked {
            q: self.q.clone(),
            rome: self.metier.clone(),
            commune: self.commune.clone(),
            radius_km: self.rayon.clone(),
            department: self.departement.clone(),
            start_from: self.debut_min.clone(),
            start_to: self.debut_max.clone(),
            funded_only: yes(&self.financees),
            places_left_only: yes(&self.places),
            page: self.page.unwrap_or(1),
        }
    }

    /// The search's links and its active filters, labelled as people read them.
    pub fn links(&self, centre: Option<&str>, occupation: Option<&str>) -> SearchLinks {
        let mut links = SearchLinks::new("/formations", self.fields());
        links.chip(&["q"], |v| format!("Mots-clés : « {v} »"));
        links.chip(&["metier"], |v| {
            format!("Métier : {}", occupation.unwrap_or(v))
        });
        let radius = match self.rayon.trim() {
            "" => "30",
            r => r,
        };
        links.chip(&["commune", "rayon"], |v| {
            format!(
                "À {radius} km autour {}",
                crate::web::french::de_place(centre.unwrap_or(v))
            )
        });
        links.chip(&["departement"], |v| {
            format!(
                "Département : {}",
                crate::referential::departments::label(v)
            )
        });
        links.chip(&["debut_min"], |v| format!("Début à partir du {v}"));
        links.chip(&["debut_max"], |v| format!("Début au plus tard le {v}"));
        if yes(&self.financees) {
            links.chip(&["financees"], |_| "Sessions financées uniquement".into());
        }
        if yes(&self.places) {
            links.chip(&["places"], |_| "Avec des places disponibles".into());
        }
        links
    }

    /// The search's fields by their names in addresses (without `page`).
    fn fields(&self) -> [(&'static str, &str); 9] {
        [
            ("q", self.q.as_str()),
            ("metier", self.metier.as_str()),
            ("commune", self.commune.as_str()),
            ("rayon", self.rayon.as_str()),
            ("departement", self.departement.as_str()),
            ("debut_min", self.debut_min.as_str()),
            ("debut_max", self.debut_max.as_str()),
            ("financees", self.financees.as_str()),
            ("places", self.places.as_str()),
        ]
    }

    /// The non-empty fields as a query string (without `page`): links to this search.
    pub fn query_string(&self) -> String {
        crate::web::filters::query_string(self.fields())
    }
}

#[derive(Template)]
#[template(path = "trainings/search.html")]
struct SearchPage {
    page: Page,
    p: SearchParams,
    departments: Vec<Department>,
    errors: Vec<String>,
    hits: Vec<SessionHit>,
    total: usize,
    centre: Option<String>,
    base_query: String,
    /// The active filters, each removable.
    links: SearchLinks,
    page_number: usize,
    pages: usize,
    map: Option<(String, String)>,
}

async fn search_page(
    State(state): State<AppState>,
    page: Page,
    Query(p): Query<SearchParams>,
) -> AppResult<Response> {
    let asked = p.asked();
    let typed = p.metier.clone();
    let (occupation, result) = state
        .db
        .run(move |conn| {
            Ok((
                crate::referential::store::occupation_label(conn, &typed)?,
                search::search(conn, &asked)?,
            ))
        })
        .await?;
    let departments = crate::referential::departments::of_territory(&state.config.territory);
    let (errors, hits, total, centre) = match result {
        Ok(found) => (
            Vec::new(),
            found.hits,
            found.total,
            found.centre.map(|c| c.name),
        ),
        Err(errors) => (errors, Vec::new(), 0, None),
    };
    let page_number = p.page.unwrap_or(1).max(1);
    let links = p.links(centre.as_deref(), occupation.as_deref());
    render(&SearchPage {
        links,
        page: page.titled("Formations financées"),
        departments,
        errors,
        total,
        centre,
        base_query: p.query_string(),
        page_number,
        pages: total.div_ceil(PER_PAGE),
        map: state.config.map_tiles_origin().map(|_| {
            (
                state.config.map_tiles.trim().to_owned(),
                state.config.map_attribution.clone(),
            )
        }),
        hits,
        p,
    })
}

/// What the session page shows around a session.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SessionDetail {
    pub session_id: String,
    pub training_id: String,
    #[schema(value_type = Object)]
    pub training: super::model::Training,
    pub centre_registered: bool,
    pub places_left: Option<i64>,
    /// The training is known by an `lheo-index` summary only (no pre-registration on it).
    pub summary: bool,
    /// French notice of a summary, absent for a full record.
    pub summary_notice: Option<String>,
    /// Where the summary says the full record is.
    pub summary_href: Option<String>,
}

#[derive(Template)]
#[template(path = "trainings/session.html")]
struct SessionTemplate {
    page: Page,
    record: SessionRecord,
    places_left: Option<i64>,
    commune: Option<String>,
    can_prescribe: bool,
    can_manage: bool,
    states: &'static [RecruitmentState],
    summary_notice: &'static str,
}

impl SessionTemplate {
    fn teaching_mode(&self) -> &'static str {
        teaching_mode_label(self.record.action.teaching_mode)
    }
    fn entry_mode(&self) -> &'static str {
        entry_mode_label(self.record.action.entry_mode)
    }
    fn entry_level(&self) -> &'static str {
        lheo_level_label(self.record.training.entry_level)
    }
    fn funders(&self) -> Vec<String> {
        self.record
            .action
            .funders
            .iter()
            .map(|f| match f.places {
                Some(p) => format!("{} ({p} places financées)", funder_code_label(&f.code)),
                None => funder_code_label(&f.code).to_owned(),
            })
            .collect()
    }
    fn info_dates(&self) -> Vec<String> {
        self.record
            .action
            .info_dates
            .iter()
            .map(|d| d.label())
            .collect()
    }
    fn price(&self) -> Option<String> {
        self.record
            .action
            .price_total
            .map(|p| format!("{p:.2} € TTC").replace('.', ","))
    }
}

fn may_manage(user: Option<&CurrentUser>, record: &SessionRecord) -> bool {
    user.is_some_and(|u| {
        allows(
            u,
            &Action::ManageSession {
                publisher_id: &record.publisher_id,
                centre_id: record.centre_id.as_deref(),
            },
        )
    })
}

fn load_session(
    conn: &mut crate::db::DbConnection,
    id: &str,
) -> AppResult<(SessionRecord, Option<i64>, Option<String>)> {
    let record = store::session(conn, id)?;
    let taken = search::places_taken(conn, &[id.to_owned()])?;
    let left = record
        .session
        .places
        .map(|p| i64::from(p) - taken.get(id).copied().unwrap_or(0));
    let commune = match &record.commune_insee {
        Some(insee) => crate::referential::store::commune(conn, insee)?.map(|c| c.name),
        None => None,
    };
    Ok((record, left, commune))
}

async fn session_page(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (record, places_left, commune) = state.db.run(move |conn| load_session(conn, &id)).await?;
    // Nothing to pre-register on before the full record: the page says why.
    let can_prescribe =
        !record.is_summary && page.user().is_some_and(|u| allows(u, &Action::Prescribe));
    let can_manage = may_manage(page.user(), &record);
    render(&SessionTemplate {
        page: page
            .titled(record.training.title.clone())
            .within(&[("Formations financées", "/formations")]),
        record,
        places_left,
        commune,
        can_prescribe,
        can_manage,
        states: RecruitmentState::ALL,
        summary_notice: super::lheo::SUMMARY_NOTICE,
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StateForm {
    /// open, closed or suspended.
    pub recruitment: String,
    /// Places offered (empty: unknown).
    #[serde(default)]
    pub places: String,
}

fn parse_state(form: &StateForm) -> Result<(RecruitmentState, Option<i32>), Vec<String>> {
    let mut errors = Vec::new();
    let state = RecruitmentState::parse(form.recruitment.trim());
    if state.is_none() {
        errors.push("État du recrutement inconnu : ouvert, fermé ou suspendu.".to_owned());
    }
    let places = match form.places.trim() {
        "" => None,
        p => match p.parse::<i32>() {
            Ok(n) if (0..=10_000).contains(&n) => Some(n),
            _ => {
                errors.push("Le nombre de places est un nombre entier de 0 à 10 000.".to_owned());
                None
            }
        },
    };
    match state {
        Some(s) if errors.is_empty() => Ok((s, places)),
        _ => Err(errors),
    }
}

async fn save_state(
    state: &AppState,
    me: CurrentUser,
    id: String,
    form: StateForm,
) -> AppResult<Result<(), Vec<String>>> {
    state
        .db
        .tx(move |conn| {
            let record = store::session(conn, &id)?;
            authorize(
                &me,
                &Action::ManageSession {
                    publisher_id: &record.publisher_id,
                    centre_id: record.centre_id.as_deref(),
                },
            )?;
            match parse_state(&form) {
                Ok((recruitment, places)) => {
                    store::update_session_state(conn, &id, recruitment, places)?;
                    Ok(Ok(()))
                }
                Err(errors) => Ok(Err(errors)),
            }
        })
        .await
}

async fn update_state(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<StateForm>,
) -> AppResult<Response> {
    match save_state(&state, me, id.clone(), form).await? {
        Ok(()) => {
            session
                .set_flash("L’état du recrutement de la session est enregistré.")
                .await?
        }
        Err(errors) => session.set_flash(errors.join(" ")).await?,
    }
    Ok(see_other(&format!("/formations/sessions/{id}")))
}

async fn lheo_export(state: &AppState) -> AppResult<Response> {
    let bytes = state.db.run(|conn| Ok(store::lheo_export(conn)?.0)).await?;
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    Ok(response)
}

async fn lheo_file(State(state): State<AppState>) -> AppResult<Response> {
    let mut response = lheo_export(&state).await?;
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"catalogue-lheo.xml\""),
    );
    Ok(response)
}

/// The catalogue as CSV, one row per session (public, like the LHÉO file).
async fn csv_file(State(state): State<AppState>) -> AppResult<Response> {
    let bytes = state.db.run(store::csv_export).await?;
    Ok(crate::web::csv::attachment(
        "catalogue-formations.csv",
        bytes,
    ))
}

// ---- API ----

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = TrainingSearchAnswer)]
struct SearchAnswer {
    total: usize,
    page: usize,
    per_page: usize,
    sessions: Vec<SessionHit>,
}

/// Searches sessions of the training catalogue (public).
#[utoipa::path(get, path = "/trainings/sessions", operation_id = "search_training_sessions", tag = "trainings", params(SearchParams),
    responses((status = 200, body = SearchAnswer), (status = 422, body = crate::error::ErrorBody)))]
async fn api_search(
    State(state): State<AppState>,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<SearchAnswer>> {
    let asked = p.asked();
    let page = asked.page.max(1);
    let found = state
        .db
        .run(move |conn| search::search(conn, &asked))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok(Json(SearchAnswer {
        total: found.total,
        page,
        per_page: PER_PAGE,
        sessions: found.hits,
    }))
}

/// One session with its training and action (public).
#[utoipa::path(get, path = "/trainings/sessions/{id}", operation_id = "get_training_session", tag = "trainings",
    params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = SessionDetail), (status = 404, body = crate::error::ErrorBody)))]
async fn api_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<SessionDetail>> {
    let (record, places_left, _) = state.db.run(move |conn| load_session(conn, &id)).await?;
    let mut training = record.training;
    let mut action = record.action;
    action.sessions = vec![record.session];
    training.actions = vec![action];
    Ok(Json(SessionDetail {
        session_id: record.id,
        training_id: record.training_id,
        centre_registered: record.centre_id.is_some(),
        training,
        places_left,
        summary: record.is_summary,
        summary_notice: record
            .is_summary
            .then(|| super::lheo::SUMMARY_NOTICE.to_owned()),
        summary_href: record.summary_href,
    }))
}

/// Sets a session's recruitment state and places (its publisher or its training centre).
#[utoipa::path(put, path = "/trainings/sessions/{id}/state", operation_id = "update_training_session_state", tag = "trainings", security(("bearer" = [])),
    request_body = StateForm, params(("id" = String, Path, description = "Session id")),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_update_state(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(form): crate::web::extract::Json<StateForm>,
) -> AppResult<StatusCode> {
    save_state(&state, me, id, form)
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The whole catalogue as LHÉO 2.3 XML (namespace `http://lheo.gouv.fr/2.3`), valid against
/// the LHÉO 2.3 schema (public).
#[utoipa::path(get, path = "/trainings/lheo", operation_id = "export_trainings_lheo", tag = "trainings",
    responses((status = 200, content_type = "application/xml", body = String)))]
async fn api_lheo(State(state): State<AppState>) -> AppResult<Response> {
    lheo_export(&state).await
}
