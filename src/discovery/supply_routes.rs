//! Pages and API of actions entered on a company's behalf (one by one, by CSV import), of
//! their take-over by the company, and of the regional figures.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::entered::{self, COLUMNS, EnteredInput, EnteredRow, ImportReport};
use super::figures::{self, Figures};
use super::service::{ActionInput, ActionKind, Level};
use crate::AppState;
use crate::auth::policy::{Action, authorize};
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Multipart, Path};
use crate::web::json::Created;
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/decouverte-metiers/saisie", get(enter_form).post(enter))
        .route("/decouverte-metiers/saisies", get(list))
        .route("/decouverte-metiers/saisies/import", post(import))
        .route("/decouverte-metiers/actions/{id}/reprise", post(take_over))
        .route("/decouverte-metiers/chiffres", get(figures_page))
        .route("/decouverte-metiers/chiffres.csv", get(figures_csv))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_enter))
        .routes(routes!(api_import))
        .routes(routes!(api_take_over))
        .routes(routes!(api_figures))
}

#[derive(Template)]
#[template(path = "discovery/enter_form.html")]
struct EnterForm {
    page: Page,
    form: EnteredInput,
    kinds: &'static [ActionKind],
    levels: &'static [Level],
    errors: Vec<String>,
}

impl EnterForm {
    fn has_level(&self, code: &str) -> bool {
        self.form
            .action
            .levels
            .split_whitespace()
            .any(|l| l == code)
    }
}

/// The form's fields: the SIRET, the action, its levels as checkboxes.
#[derive(Clone, Debug, Default, Deserialize)]
struct EnterFields {
    #[serde(default)]
    siret: String,
    #[serde(flatten)]
    action: ActionInput,
    #[serde(default)]
    level_college: String,
    #[serde(default)]
    level_lycee: String,
    #[serde(default)]
    level_post_bac: String,
    #[serde(default)]
    level_job_seekers: String,
}

impl EnterFields {
    fn into_input(self) -> EnteredInput {
        let mut action = self.action;
        let mut levels: Vec<&str> = action.levels.split_whitespace().collect();
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
        action.levels = levels.join(" ");
        EnteredInput {
            siret: self.siret,
            action,
        }
    }
}

fn may_enter(me: &CurrentUser) -> AppResult<()> {
    if entered::may_enter_any(me) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

async fn enter_form(page: Page, me: CurrentUser) -> AppResult<Response> {
    may_enter(&me)?;
    render(&EnterForm {
        page: page.titled("Saisir une action pour une entreprise"),
        form: EnteredInput {
            action: ActionInput {
                capacity: "15".into(),
                ..ActionInput::default()
            },
            ..EnteredInput::default()
        },
        kinds: ActionKind::ALL,
        levels: Level::ALL,
        errors: Vec::new(),
    })
}

async fn enter(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(fields): Form<EnterFields>,
) -> AppResult<Response> {
    may_enter(&me)?;
    let form = fields.into_input();
    let input = form.clone();
    let base = state.config.base_url();
    match state
        .db
        .tx(move |conn| entered::enter(conn, &me, &input, &base))
        .await?
    {
        Ok(id) => {
            session
                .set_flash("L’action est publiée pour l’entreprise, qui en est prévenue par e-mail et peut la reprendre à son compte.")
                .await?;
            Ok(see_other(&format!("/decouverte-metiers/actions/{id}")))
        }
        Err(errors) => {
            let html = render(&EnterForm {
                page: page.titled("Saisir une action pour une entreprise"),
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
#[template(path = "discovery/entered.html")]
struct ListPage {
    page: Page,
    rows: Vec<EnteredRow>,
    columns: &'static [&'static str],
    report: Option<ImportReport>,
    errors: Vec<String>,
}

async fn list_page(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    report: Option<ImportReport>,
    errors: Vec<String>,
) -> AppResult<Response> {
    let rows = state
        .db
        .run(move |conn| entered::entered(conn, &me))
        .await?;
    let status = form::status(&errors);
    let html = render(&ListPage {
        page: page.titled("Actions saisies pour les entreprises"),
        rows,
        columns: &COLUMNS,
        report,
        errors,
    })?;
    Ok((status, html).into_response())
}

async fn list(State(state): State<AppState>, page: Page, me: CurrentUser) -> AppResult<Response> {
    list_page(&state, page, me, None, Vec::new()).await
}

/// The CSV file sent from the page: the report is shown at once (files are small: one row
/// per action).
async fn import(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Multipart(mut multipart): Multipart,
) -> AppResult<Response> {
    may_enter(&me)?;
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::unprocessable("Le fichier n’a pas pu être reçu en entier."))?
    {
        if field.name() == Some("file") {
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::unprocessable("Le fichier est trop volumineux."))?;
            file = Some(bytes.to_vec());
        }
    }
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return list_page(
            &state,
            page,
            me,
            None,
            vec!["Choisissez le fichier CSV à envoyer.".to_owned()],
        )
        .await;
    };
    let base = state.config.base_url();
    let who = me.clone();
    match state
        .db
        .tx(move |conn| entered::import(conn, &who, &bytes, &base))
        .await?
    {
        Ok(report) => list_page(&state, page, me, Some(report), Vec::new()).await,
        Err(refused) => {
            list_page(
                &state,
                page,
                me,
                None,
                vec![format!(
                    "Fichier refusé, rien n’a été enregistré : {refused}"
                )],
            )
            .await
        }
    }
}

async fn take_over(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let key = id.clone();
    let result = state
        .db
        .tx(move |conn| entered::take_over(conn, &me, &key))
        .await;
    match result {
        Ok(title) => {
            session
                .set_flash(format!(
                    "Vous gérez désormais « {title} » : l’organisme qui l’avait saisie ne peut plus la modifier ni la retirer."
                ))
                .await?
        }
        Err(e) if e.status() == StatusCode::CONFLICT => {
            session.set_flash(e.message().to_owned()).await?
        }
        Err(e) => return Err(e),
    }
    Ok(see_other(&format!("/decouverte-metiers/actions/{id}")))
}

#[derive(Template)]
#[template(path = "discovery/figures.html")]
struct FiguresPage {
    page: Page,
    f: Figures,
}

impl FiguresPage {
    fn sections(&self) -> [(&'static str, &Vec<super::figures::Line>); 3] {
        [
            ("Actions proposées par type", &self.f.by_kind),
            (
                "Actions proposées par secteur (domaine ROME)",
                &self.f.by_sector,
            ),
            ("Actions proposées par département", &self.f.by_department),
        ]
    }
}

async fn figures_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ViewDiscoveryFigures)?;
    let f = state
        .db
        .run(move |conn| figures::figures(conn, &me))
        .await?;
    render(&FiguresPage {
        page: page.titled("Cap sur les métiers : les chiffres"),
        f,
    })
}

async fn figures_csv(State(state): State<AppState>, me: CurrentUser) -> AppResult<Response> {
    authorize(&me, &Action::ViewDiscoveryFigures)?;
    let bytes = state
        .db
        .run(move |conn| figures::csv(&figures::figures(conn, &me)?))
        .await?;
    Ok(crate::web::csv::attachment(
        "cap-sur-les-metiers-chiffres.csv",
        bytes,
    ))
}

// ---- API ----

/// Enters an action on a company's behalf, found by its SIRET (chambers' advisers for
/// companies of their departments; professional branches). The company is mailed.
#[utoipa::path(post, path = "/discovery/entered-actions", operation_id = "enter_discovery_action", tag = "discovery", security(("bearer" = [])),
    request_body = EnteredInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_enter(
    State(state): State<AppState>,
    me: CurrentUser,
    crate::web::extract::Json(input): crate::web::extract::Json<EnteredInput>,
) -> AppResult<Response> {
    may_enter(&me)?;
    let base = state.config.base_url();
    let id = state
        .db
        .tx(move |conn| entered::enter(conn, &me, &input, &base))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// Imports a CSV file of actions for companies (the body is the file; columns: siret, type,
/// titre, description, codes rome, publics, capacite, commune, date de debut, date de fin).
/// The same file twice adds nothing; refused rows are reported with their line.
#[utoipa::path(post, path = "/discovery/entered-actions/import", operation_id = "import_discovery_actions", tag = "discovery", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_import(
    State(state): State<AppState>,
    me: CurrentUser,
    body: Bytes,
) -> AppResult<Json<ImportReport>> {
    may_enter(&me)?;
    let base = state.config.base_url();
    state
        .db
        .tx(move |conn| entered::import(conn, &me, &body, &base))
        .await?
        .map(Json)
        .map_err(|e| {
            AppError::unprocessable(format!("Fichier refusé, rien n’a été enregistré : {e}"))
        })
}

/// The company takes over an action entered for it: the chamber or branch can no longer
/// withdraw it.
#[utoipa::path(post, path = "/discovery/actions/{id}/take-over", operation_id = "take_over_discovery_action", tag = "discovery", security(("bearer" = [])),
    params(("id" = String, Path, description = "Action id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
async fn api_take_over(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    state
        .db
        .tx(move |conn| entered::take_over(conn, &me, &id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The regional figures of job discovery (the regional team; chambers' advisers for their
/// departments).
#[utoipa::path(get, path = "/discovery/figures", operation_id = "discovery_figures", tag = "discovery", security(("bearer" = [])),
    responses((status = 200, body = Figures), (status = 403, body = crate::error::ErrorBody)))]
async fn api_figures(State(state): State<AppState>, me: CurrentUser) -> AppResult<Json<Figures>> {
    state
        .db
        .run(move |conn| figures::figures(conn, &me))
        .await
        .map(Json)
}
