//! Pages and API of the practitioner training programme.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{
    self, CourseKind, CourseView, EvaluationResults, MyLine, QUESTIONS, RegistrationLine,
    RegistrationStatus, SessionView,
};
use crate::AppState;
use crate::auth::policy::{Action, allows, authorize};
use crate::auth::{CurrentUser, MaybeUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Path};
use crate::web::{Page, date_fr, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/programme", get(catalogue_page))
        .route("/programme/cours/nouveau", get(new_course_page))
        .route("/programme/cours", post(create_course))
        .route(
            "/programme/cours/{id}/sessions",
            get(new_session_page).post(create_session),
        )
        .route("/programme/sessions/{id}", get(session_page))
        .route("/programme/sessions/{id}/inscription", post(register))
        .route("/programme/inscriptions/{id}/annulation", post(cancel))
        .route(
            "/programme/sessions/{id}/emargement/{day}",
            get(sheet_page).post(record_attendance),
        )
        .route(
            "/programme/sessions/{id}/presences.csv",
            get(attendance_csv),
        )
        .route(
            "/programme/sessions/{id}/evaluation",
            get(evaluation_page).post(evaluate),
        )
        .route("/programme/sessions/{id}/evaluations", get(results_page))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_catalogue))
        .routes(routes!(api_register))
        .routes(routes!(api_registrations))
        .routes(routes!(api_cancel))
}

fn base_url(state: &AppState) -> String {
    state.config.base_url()
}

// ---- Catalogue ----

#[derive(Template)]
#[template(path = "programme/catalogue.html")]
struct CataloguePage {
    page: Page,
    courses: Vec<CourseView>,
    mine: Vec<MyLine>,
    can_manage: bool,
    can_register: bool,
}

async fn catalogue_page(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let user_id = page.user().map(|u| u.id.clone());
    let (courses, mine) = state
        .db
        .run(move |conn| {
            let courses = service::catalogue(conn, user_id.as_deref())?;
            let mine = match &user_id {
                Some(u) => service::my_registrations(conn, u)?,
                None => Vec::new(),
            };
            Ok((courses, mine))
        })
        .await?;
    let can_manage = page
        .user()
        .is_some_and(|u| allows(u, &Action::ManageProgramme));
    let can_register = page
        .user()
        .is_some_and(|u| allows(u, &Action::RegisterForProgramme));
    render(&CataloguePage {
        page: page.titled("Cap Métiers Formation – programme des professionnels"),
        courses,
        mine,
        can_manage,
        can_register,
    })
}

// ---- Courses and sessions (regional team) ----

#[derive(Default, Deserialize)]
struct CourseForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
}

#[derive(Template)]
#[template(path = "programme/course_form.html")]
struct CourseFormPage {
    page: Page,
    form: CourseForm,
    errors: Vec<String>,
    kinds: &'static [CourseKind],
}

async fn new_course_page(page: Page, me: CurrentUser) -> AppResult<Response> {
    authorize(&me, &Action::ManageProgramme)?;
    render(&CourseFormPage {
        page: page.titled("Nouveau cours du programme"),
        form: CourseForm::default(),
        errors: Vec::new(),
        kinds: CourseKind::ALL,
    })
}

async fn create_course(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Form(form): Form<CourseForm>,
) -> AppResult<Response> {
    authorize(&me, &Action::ManageProgramme)?;
    match service::parse_course(&form.kind, &form.title, &form.summary) {
        Ok(input) => {
            let id = state
                .db
                .tx(move |conn| service::create_course(conn, &me, &input))
                .await?;
            Ok(see_other(&format!("/programme/cours/{id}/sessions")))
        }
        Err(errors) => {
            let response = render(&CourseFormPage {
                page: page.titled("Nouveau cours du programme"),
                form,
                errors,
                kinds: CourseKind::ALL,
            })?;
            Ok(form::rerender(response))
        }
    }
}

#[derive(Default, Deserialize)]
struct SessionForm {
    #[serde(default)]
    days: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    max_per_organisation: String,
}

#[derive(Template)]
#[template(path = "programme/session_form.html")]
struct SessionFormPage {
    page: Page,
    course: service::Course,
    form: SessionForm,
    errors: Vec<String>,
}

async fn new_session_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::ManageProgramme)?;
    let course = state.db.run(move |conn| service::course(conn, &id)).await?;
    render(&SessionFormPage {
        page: page.titled(format!("Nouvelle session – {}", course.title)),
        course,
        form: SessionForm {
            max_per_organisation: service::DEFAULT_MAX_PER_ORGANISATION.to_string(),
            ..SessionForm::default()
        },
        errors: Vec::new(),
    })
}

async fn create_session(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<SessionForm>,
) -> AppResult<Response> {
    authorize(&me, &Action::ManageProgramme)?;
    let course_id = id.clone();
    let course = state
        .db
        .run(move |conn| service::course(conn, &course_id))
        .await?;
    match service::parse_session(
        &form.days,
        &form.place,
        &form.audience,
        &form.capacity,
        &form.max_per_organisation,
    ) {
        Ok(input) => {
            let session_id = state
                .db
                .tx(move |conn| service::add_session(conn, &id, &input))
                .await?;
            Ok(see_other(&format!("/programme/sessions/{session_id}")))
        }
        Err(errors) => {
            let response = render(&SessionFormPage {
                page: page.titled(format!("Nouvelle session – {}", course.title)),
                course,
                form,
                errors,
            })?;
            Ok(form::rerender(response))
        }
    }
}

// ---- Session page, registration, cancellation ----

#[derive(Template)]
#[template(path = "programme/session.html")]
struct SessionPage {
    page: Page,
    view: SessionView,
    can_register: bool,
    can_manage: bool,
    can_evaluate: bool,
    lines: Vec<RegistrationLine>,
}

impl SessionPage {
    fn day_param(&self, day: &NaiveDate) -> String {
        day.format("%Y-%m-%d").to_string()
    }
}

async fn session_page(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let user = page.user().cloned();
    let can_manage = user
        .as_ref()
        .is_some_and(|u| allows(u, &Action::ManageProgramme));
    let can_register = user
        .as_ref()
        .is_some_and(|u| allows(u, &Action::RegisterForProgramme));
    let (view, lines, can_evaluate) = state
        .db
        .run(move |conn| {
            let view = service::session_view(conn, &id, user.as_ref().map(|u| u.id.as_str()))?;
            let lines = if can_manage {
                service::registrations(conn, &id)?
            } else {
                Vec::new()
            };
            let can_evaluate = match &user {
                Some(u) => service::evaluable_registration(conn, &id, &u.id)?.is_some(),
                None => false,
            };
            Ok((view, lines, can_evaluate))
        })
        .await?;
    render(&SessionPage {
        page: page.titled(view.course.title.clone()),
        view,
        can_register,
        can_manage,
        can_evaluate,
        lines,
    })
}

/// Refusals a person can act on come back as a message on the page; the rest as errors.
async fn flash_refusal(session: &SessionHandle, err: AppError) -> AppResult<()> {
    if matches!(
        err.status(),
        StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
    ) {
        session.set_flash(err.message().to_owned()).await
    } else {
        Err(err)
    }
}

async fn register(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::RegisterForProgramme)?;
    let base = base_url(&state);
    let session_id = id.clone();
    match state
        .db
        .tx(move |conn| service::register(conn, &me, &session_id, &base))
        .await
    {
        Ok(r) => {
            let message = match r.status {
                RegistrationStatus::Confirmed => {
                    "Votre inscription est confirmée. Un courriel vous le confirme.".to_owned()
                }
                _ => format!(
                    "La session est complète : vous êtes sur la liste d’attente, en position {}. Vous serez prévenu·e par courriel si une place se libère.",
                    r.position.unwrap_or(0)
                ),
            };
            session.set_flash(message).await?;
        }
        Err(err) => flash_refusal(&session, err).await?,
    }
    Ok(see_other(&format!("/programme/sessions/{id}")))
}

async fn cancel(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let base = base_url(&state);
    let result = state
        .db
        .tx(move |conn| service::cancel(conn, &me, &id, &base))
        .await?;
    session
        .set_flash(match result.promoted {
            Some(_) => "L’inscription est annulée ; la première personne de la liste d’attente prend la place et en est prévenue.",
            None => "L’inscription est annulée.",
        })
        .await?;
    Ok(see_other(&format!(
        "/programme/sessions/{}",
        result.session_id
    )))
}

// ---- Attendance ----

#[derive(Template)]
#[template(path = "programme/sheet.html")]
struct SheetPage {
    page: Page,
    view: SessionView,
    day: NaiveDate,
    lines: Vec<RegistrationLine>,
}

impl SheetPage {
    fn day_fr(&self) -> String {
        date_fr(&self.day)
    }
    fn day_param(&self) -> String {
        self.day.format("%Y-%m-%d").to_string()
    }
}

fn parse_day(day: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| AppError::not_found())
}

async fn sheet_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path((id, day)): Path<(String, String)>,
) -> AppResult<Response> {
    authorize(&me, &Action::ManageProgramme)?;
    let day = parse_day(&day)?;
    let (view, lines) = state
        .db
        .run(move |conn| {
            let view = service::session_view(conn, &id, None)?;
            if !view.days.contains(&day) {
                return Err(AppError::not_found());
            }
            let lines = service::registrations(conn, &id)?
                .into_iter()
                .filter(|l| l.status == RegistrationStatus::Confirmed)
                .collect();
            Ok((view, lines))
        })
        .await?;
    render(&SheetPage {
        page: page.titled(format!(
            "Feuille d’émargement du {} – {}",
            date_fr(&day),
            view.course.title
        )),
        view,
        day,
        lines,
    })
}

async fn record_attendance(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path((id, day)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    authorize(&me, &Action::ManageProgramme)?;
    let date = parse_day(&day)?;
    let present: Vec<String> = fields
        .into_iter()
        .filter(|(k, _)| k == "present")
        .map(|(_, v)| v)
        .collect();
    let session_id = id.clone();
    let count = state
        .db
        .tx(move |conn| service::record_attendance(conn, &me, &session_id, date, &present))
        .await?;
    session
        .set_flash(format!(
            "Présences du {} enregistrées : {}.",
            date_fr(&date),
            crate::web::french::plural(count, "personne présente", "personnes présentes")
        ))
        .await?;
    Ok(see_other(&format!(
        "/programme/sessions/{id}/emargement/{day}"
    )))
}

async fn attendance_csv(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::ManageProgramme)?;
    let bytes = state
        .db
        .run(move |conn| {
            let days = service::days(conn, &id)?;
            service::session_view(conn, &id, None)?;
            let lines = service::registrations(conn, &id)?;
            service::attendance_csv(&days, &lines)
        })
        .await?;
    Ok(crate::web::csv::attachment("presences.csv", bytes))
}

// ---- Evaluation ----

#[derive(Template)]
#[template(path = "programme/evaluation.html")]
struct EvaluationPage {
    page: Page,
    view: SessionView,
    questions: &'static [(&'static str, &'static str)],
    errors: Vec<String>,
}

async fn evaluation_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    authorize(
        &me,
        &Action::EvaluateProgrammeSession {
            registrant_id: &me.id,
        },
    )?;
    let view = state
        .db
        .run(move |conn| {
            let view = service::session_view(conn, &id, Some(&me.id))?;
            service::evaluable_registration(conn, &id, &me.id)?.ok_or_else(AppError::not_found)?;
            Ok(view)
        })
        .await?;
    render(&EvaluationPage {
        page: page.titled(format!("Évaluation – {}", view.course.title)),
        view,
        questions: &QUESTIONS,
        errors: Vec::new(),
    })
}

async fn evaluate(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    match service::parse_evaluation(&fields) {
        Ok(input) => {
            let session_id = id.clone();
            state
                .db
                .tx(move |conn| service::save_evaluation(conn, &me, &session_id, &input))
                .await?;
            session
                .set_flash("Merci : votre évaluation est enregistrée.")
                .await?;
            Ok(see_other("/programme"))
        }
        Err(errors) => {
            let user_id = me.id.clone();
            let view = state
                .db
                .run(move |conn| service::session_view(conn, &id, Some(&user_id)))
                .await?;
            let response = render(&EvaluationPage {
                page: page.titled(format!("Évaluation – {}", view.course.title)),
                view,
                questions: &QUESTIONS,
                errors,
            })?;
            Ok(form::rerender(response))
        }
    }
}

#[derive(Template)]
#[template(path = "programme/results.html")]
struct ResultsPage {
    page: Page,
    view: SessionView,
    results: EvaluationResults,
}

async fn results_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::ManageProgramme)?;
    let (view, results) = state
        .db
        .run(move |conn| {
            Ok((
                service::session_view(conn, &id, None)?,
                service::evaluation_results(conn, &id)?,
            ))
        })
        .await?;
    render(&ResultsPage {
        page: page.titled(format!("Résultats de l’évaluation – {}", view.course.title)),
        view,
        results,
    })
}

// ---- API ----

/// Courses of the programme with their sessions to come, places left and waiting lists
/// (public; with a token, the caller's own registration on each session).
#[utoipa::path(get, path = "/programme/sessions", operation_id = "list_programme_sessions", tag = "programme",
    responses((status = 200, body = Vec<CourseView>)))]
async fn api_catalogue(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
) -> AppResult<axum::Json<Vec<CourseView>>> {
    let user_id = user.map(|u| u.id);
    let courses = state
        .db
        .run(move |conn| service::catalogue(conn, user_id.as_deref()))
        .await?;
    Ok(axum::Json(courses))
}

/// Registers the caller on a session: confirmed while places are left, otherwise on the
/// waiting list (staff of partner organisations; at most the session's cap per organisation).
#[utoipa::path(post, path = "/programme/sessions/{id}/registrations", operation_id = "register_to_programme_session", tag = "programme",
    security(("bearer" = [])), params(("id" = String, Path, description = "Session id")),
    responses((status = 201, body = service::Registered), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
async fn api_register(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<(StatusCode, axum::Json<service::Registered>)> {
    let base = base_url(&state);
    let registered = state
        .db
        .tx(move |conn| service::register(conn, &me, &id, &base))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(registered)))
}

/// Active registrations of a session with attendance (the regional team).
#[utoipa::path(get, path = "/programme/sessions/{id}/registrations", operation_id = "list_programme_registrations", tag = "programme",
    security(("bearer" = [])), params(("id" = String, Path, description = "Session id")),
    responses((status = 200, body = Vec<RegistrationLine>), (status = 403, body = crate::error::ErrorBody)))]
async fn api_registrations(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<axum::Json<Vec<RegistrationLine>>> {
    authorize(&me, &Action::ManageProgramme)?;
    let lines = state
        .db
        .run(move |conn| {
            service::session_view(conn, &id, None)?;
            service::registrations(conn, &id)
        })
        .await?;
    Ok(axum::Json(lines))
}

/// Cancels a registration (the person registered, or the regional team); a freed seat goes
/// to the first person on the waiting list.
#[utoipa::path(delete, path = "/programme/registrations/{id}", operation_id = "cancel_programme_registration", tag = "programme",
    security(("bearer" = [])), params(("id" = String, Path, description = "Registration id")),
    responses((status = 409, body = crate::error::ErrorBody), (status = 200, body = service::Cancelled), (status = 404, body = crate::error::ErrorBody)))]
async fn api_cancel(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<axum::Json<service::Cancelled>> {
    let base = base_url(&state);
    let cancelled = state
        .db
        .tx(move |conn| service::cancel(conn, &me, &id, &base))
        .await?;
    Ok(axum::Json(cancelled))
}

/// Dashboard tile: the programme, to register or to manage.
pub async fn tiles(
    _state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::auth::policy::{Action, allows};
    let mut tiles = Vec::new();
    if allows(&me, &Action::RegisterForProgramme) || allows(&me, &Action::ManageProgramme) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/programme",
            title: "Cap Métiers Formation",
            text: if allows(&me, &Action::ManageProgramme) {
                "Cours et sessions du programme, inscriptions, émargement, évaluations.".into()
            } else {
                "Stages courts, journées professionnelles et ateliers : s’inscrire.".into()
            },
            figures: Vec::new(),
        });
    }
    Ok(tiles)
}

/// « Mon espace »: the practitioners' programme, to register or to manage.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Action, allows};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if allows(me, &Action::RegisterForProgramme) || allows(me, &Action::ManageProgramme) {
        links.push(NavLink::new("/programme", "Cap Métiers Formation"));
    }
    links
}
