//! Indicator downloads (CSV, XLSX), the evaluation annex page and the reports API. The
//! indicators themselves are shown on each person's home (`/tableau-de-bord`).

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::annex;
use super::chart::Chart;
use super::export;
use super::indicators::{self, Period};
use super::table::Table;
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::web::extract::{Path, Query};
use crate::web::{Page, render};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/indicateurs/{file}", get(indicator_file))
        .route("/rapports/annexe", get(annex_page))
        .route("/rapports/annexe/{file}", get(annex_file))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_dashboard))
        .routes(routes!(api_annex))
}

/// Period and territory of the indicators (French names in the address bar).
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct PeriodParams {
    /// First day (JJ/MM/AAAA or AAAA-MM-JJ; default: 1 January of this year).
    #[serde(default)]
    pub du: String,
    /// Last day (default: today).
    #[serde(default)]
    pub au: String,
    /// A department code (regional team only).
    #[serde(default)]
    pub departement: String,
}

impl PeriodParams {
    pub fn period(&self) -> AppResult<Period> {
        Period::parse(&self.du, &self.au, crate::clock::today_paris())
            .map_err(AppError::invalid_fields)
    }

    pub fn department(&self) -> Option<String> {
        Some(self.departement.trim().to_uppercase()).filter(|d| !d.is_empty())
    }

    /// The query string that reproduces this choice.
    pub fn query(&self) -> String {
        crate::web::filters::query_string([
            ("du", self.du.as_str()),
            ("au", self.au.as_str()),
            ("departement", self.departement.as_str()),
        ])
    }
}

/// A table and its chart, as a page shows them.
pub struct TableView {
    pub table: Table,
    pub chart: Option<Chart>,
}

impl TableView {
    pub fn of(tables: Vec<Table>) -> Vec<TableView> {
        tables
            .into_iter()
            .map(|table| TableView {
                chart: Chart::of(&table),
                table,
            })
            .collect()
    }
}

/// `name.csv` / `name.xlsx` → (name, extension).
fn split_file(file: &str) -> AppResult<(&str, &str)> {
    match file.rsplit_once('.') {
        Some((name, ext @ ("csv" | "xlsx"))) => Ok((name, ext)),
        _ => Err(AppError::not_found()),
    }
}

pub fn download(name: &str, ext: &str, tables: &[Table]) -> AppResult<Response> {
    let (bytes, content_type) = match ext {
        "csv" => {
            return Ok(crate::web::csv::attachment(
                &format!("{name}.{ext}"),
                export::csv(tables)?,
            ));
        }
        _ => (
            export::xlsx(tables)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}.{ext}\""))
            .map_err(AppError::internal)?,
    );
    Ok(response)
}

/// `/indicateurs/offres-par-statut.csv`, or `/indicateurs/tout.xlsx` for every table.
async fn indicator_file(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(file): Path<String>,
    Query(p): Query<PeriodParams>,
) -> AppResult<Response> {
    let (name, ext) = split_file(&file)?;
    let period = p.period()?;
    let department = p.department();
    let key = name.to_owned();
    let tables = state
        .db
        .run(move |conn| {
            let all = indicators::for_user(conn, &me, &period, department.as_deref())?;
            if key == "tout" {
                Ok(all)
            } else {
                Ok(vec![
                    all.into_iter()
                        .find(|t| t.key == key)
                        .ok_or_else(AppError::not_found)?,
                ])
            }
        })
        .await?;
    if tables.is_empty() {
        return Err(AppError::not_found());
    }
    download(&format!("indicateurs-{name}"), ext, &tables)
}

#[derive(Template)]
#[template(path = "reports/annex.html")]
struct AnnexPage {
    page: Page,
    p: PeriodParams,
    period_label: String,
    errors: Vec<String>,
    views: Vec<TableView>,
    query: String,
}

async fn annex_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Query(p): Query<PeriodParams>,
) -> AppResult<Response> {
    let scope = annex::scope_of(&me)?;
    let hours = state.config.helpline_hours;
    let (period, errors) = match Period::parse(&p.du, &p.au, crate::clock::today_paris()) {
        Ok(period) => (Some(period), Vec::new()),
        Err(errors) => (None, errors),
    };
    let tables = match period {
        Some(period) => {
            state
                .db
                .run(move |conn| annex::tables(conn, &scope, &period, &hours))
                .await?
        }
        None => Vec::new(),
    };
    render(&AnnexPage {
        page: page.titled("Tableaux annexes d’évaluation"),
        period_label: period.map(|p| p.label()).unwrap_or_default(),
        errors,
        views: TableView::of(tables),
        query: p.query(),
        p,
    })
}

/// `/rapports/annexe/annexe.xlsx` (all tables) or `/rapports/annexe/<table>.csv`.
async fn annex_file(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(file): Path<String>,
    Query(p): Query<PeriodParams>,
) -> AppResult<Response> {
    let (name, ext) = split_file(&file)?;
    let scope = annex::scope_of(&me)?;
    let hours = state.config.helpline_hours;
    let period = p.period()?;
    let key = name.to_owned();
    let tables = state
        .db
        .run(move |conn| {
            let all = annex::tables(conn, &scope, &period, &hours)?;
            if key == "annexe" {
                Ok(all)
            } else {
                Ok(all.into_iter().filter(|t| t.key == key).collect())
            }
        })
        .await?;
    if tables.is_empty() {
        return Err(AppError::not_found());
    }
    download(name, ext, &tables)
}

// ---- API ----

#[derive(Serialize, utoipa::ToSchema)]
struct Tables {
    period: String,
    tables: Vec<Table>,
}

/// The caller's own indicators for a period (and a department, for the regional team).
#[utoipa::path(get, path = "/reports/dashboard", operation_id = "get_report_dashboard", tag = "reports", security(("bearer" = [])), params(PeriodParams),
    responses((status = 200, body = Tables), (status = 422, body = crate::error::ErrorBody)))]
async fn api_dashboard(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(p): Query<PeriodParams>,
) -> AppResult<Json<Tables>> {
    let period = p.period()?;
    let department = p.department();
    let tables = state
        .db
        .run(move |conn| indicators::for_user(conn, &me, &period, department.as_deref()))
        .await?;
    Ok(Json(Tables {
        period: period.label(),
        tables,
    }))
}

/// The evaluation annex tables of a period, for the caller's beneficiaries (the regional team:
/// the region's; an agency or a centre: its own).
#[utoipa::path(get, path = "/reports/annex", operation_id = "get_report_annex", tag = "reports", security(("bearer" = [])), params(PeriodParams),
    responses((status = 200, body = Tables), (status = 403, body = crate::error::ErrorBody)))]
async fn api_annex(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(p): Query<PeriodParams>,
) -> AppResult<Json<Tables>> {
    let scope = annex::scope_of(&me)?;
    let hours = state.config.helpline_hours;
    let period = p.period()?;
    let tables = state
        .db
        .run(move |conn| annex::tables(conn, &scope, &period, &hours))
        .await?;
    Ok(Json(Tables {
        period: period.label(),
        tables,
    }))
}

/// Dashboard tile: the evaluation annex.
pub async fn tiles(
    _state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    let mut tiles = Vec::new();
    if annex::allowed(&me) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/rapports/annexe",
            title: "Tableaux annexes d’évaluation",
            text: "Bénéficiaires par année, âge, situation et niveau, en XLSX ou CSV.".into(),
            figures: Vec::new(),
        });
    }
    Ok(tiles)
}

#[derive(Template)]
#[template(path = "reports/dashboard_section.html")]
struct DashboardSection {
    me: CurrentUser,
    /// The person's indicators for the chosen period (and department, for the region).
    p: PeriodParams,
    period_label: String,
    errors: Vec<String>,
    views: Vec<TableView>,
    /// The tables' key figures, shown before them.
    headlines: Vec<super::table::Headline>,
    departments: Vec<crate::referential::store::Department>,
    query: String,
    download_base: &'static str,
}

/// The dashboard's section "Mes indicateurs", for the period (and department) of the
/// page's query; nothing for those who have no indicators.
pub async fn dashboard_section(
    state: AppState,
    me: CurrentUser,
    uri: axum::http::Uri,
) -> AppResult<Option<String>> {
    let Query(p) = Query::<PeriodParams>::from_uri(&uri)?;
    let today = crate::clock::today_paris();
    let (period, errors) = match Period::parse(&p.du, &p.au, today) {
        Ok(period) => (Some(period), Vec::new()),
        Err(errors) => (None, errors),
    };
    let (views, departments) = match period.filter(|_| indicators::has_indicators(&me)) {
        Some(period) => {
            let who = me.clone();
            let department = p.department();
            let tables = state
                .db
                .run(move |conn| indicators::for_user(conn, &who, &period, department.as_deref()))
                .await?;
            let departments =
                crate::referential::departments::of_territory(&state.config.territory);
            (TableView::of(tables), departments)
        }
        None => (Vec::new(), Vec::new()),
    };
    if views.is_empty() && errors.is_empty() {
        return Ok(None);
    }
    let section = DashboardSection {
        headlines: views.iter().filter_map(|v| v.table.headline()).collect(),
        period_label: period.map(|p| p.label()).unwrap_or_default(),
        query: p.query(),
        p,
        me,
        errors,
        views,
        departments,
        download_base: "/indicateurs",
    };
    Ok(Some(section.render()?))
}

/// « Mon espace »: the evaluation annex.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if super::annex::allowed(me) {
        links.push(NavLink::new("/rapports/annexe", "Annexe d’évaluation"));
    }
    links
}
