//! Pages of a site's yearly action plan (its coordinators write it, the regional team reviews
//! it) and of the site's place in the network (the regional team attaches relays).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::Deserialize;

use super::model::{PlanActionStatus, PlanStatus};
use super::network::{self, AttachInput};
use super::plans::{
    self, ActionInput, ActionStatusInput, ObjectiveInput, PlanView, ResultInput, ReviewInput,
};
use crate::AppState;
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Path, Query};
use crate::web::{Page, render, see_other};

/// The year of a plan (`annee`, default this year).
fn year(value: &str) -> AppResult<i32> {
    match value.trim() {
        "" => Ok(crate::clock::today_paris().year()),
        y => y
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| {
                AppError::unprocessable("L’année s’écrit sur 4 chiffres, par exemple 2027.")
            }),
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct YearParams {
    #[serde(default)]
    annee: String,
}

#[derive(Template)]
#[template(path = "sites/plan.html")]
struct PlanPage {
    page: Page,
    v: PlanView,
    statuses: &'static [PlanActionStatus],
    objective: ObjectiveInput,
    action: ActionInput,
    review: ReviewInput,
    errors: Vec<String>,
}

impl PlanPage {
    fn visits_fr(&self) -> String {
        format!(
            "{} ({})",
            crate::web::french::plural(self.v.visits.0, "visite", "visites"),
            crate::web::french::plural(
                self.v.visits.1,
                "personne accueillie",
                "personnes accueillies"
            )
        )
    }
    /// Objectives and actions may be added, and the plan submitted.
    fn open(&self) -> bool {
        self.v.write && self.v.plan.as_ref().is_none_or(plans::Plan::open)
    }
    fn validated(&self) -> &'static str {
        PlanStatus::Validated.as_str()
    }
    fn to_revise(&self) -> &'static str {
        PlanStatus::ToRevise.as_str()
    }
}

/// What a failed form typed, to show it again.
#[derive(Default)]
struct Typed {
    objective: ObjectiveInput,
    action: ActionInput,
    review: ReviewInput,
}

async fn plan_page(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    id: String,
    year: i32,
    typed: Typed,
    errors: Vec<String>,
) -> AppResult<Response> {
    let v = state
        .db
        .run(move |conn| plans::view(conn, &me, &id, year))
        .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(&PlanPage {
        page: page
            .titled(format!("Plan d’action {} – {}", v.year, v.card.site.name))
            .within(&[
                ("Espaces Métiers", "/espaces-metiers"),
                (
                    v.card.site.name.as_str(),
                    &format!("/espaces-metiers/{}", v.card.site.id),
                ),
            ]),
        v,
        statuses: PlanActionStatus::ALL,
        objective: typed.objective,
        action: typed.action,
        review: typed.review,
        errors,
    })?;
    Ok((status, html).into_response())
}

pub async fn plan(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
    Query(p): Query<YearParams>,
) -> AppResult<Response> {
    let year = year(&p.annee)?;
    plan_page(&state, page, me, id, year, Typed::default(), Vec::new()).await
}

/// After a change: back to the plan with a message, or the page again with the errors.
#[expect(clippy::too_many_arguments)]
async fn done(
    state: &AppState,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    id: String,
    year: i32,
    result: Result<(), Vec<String>>,
    flash: &str,
    typed: Typed,
) -> AppResult<Response> {
    match result {
        Ok(()) => {
            session.set_flash(flash).await?;
            Ok(see_other(&plans::plan_path(&id, year)))
        }
        Err(errors) => plan_page(state, page, me, id, year, typed, errors).await,
    }
}

pub async fn add_objective(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ObjectiveInput>,
) -> AppResult<Response> {
    let year = year(&form.annee)?;
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    let result = state
        .db
        .tx(move |conn| plans::add_objective(conn, &who, &key, year, &input))
        .await?;
    let typed = Typed {
        objective: form,
        ..Typed::default()
    };
    done(
        &state,
        page,
        session,
        me,
        id,
        year,
        result,
        "L’objectif est ajouté au plan.",
        typed,
    )
    .await
}

pub async fn add_action(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ActionInput>,
) -> AppResult<Response> {
    let year = year(&form.annee)?;
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    let result = state
        .db
        .tx(move |conn| plans::add_action(conn, &who, &key, year, &input))
        .await?;
    let typed = Typed {
        action: form,
        ..Typed::default()
    };
    done(
        &state,
        page,
        session,
        me,
        id,
        year,
        result,
        "L’action est ajoutée au plan.",
        typed,
    )
    .await
}

pub async fn action_status(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ActionStatusInput>,
) -> AppResult<Response> {
    let year = year(&form.annee)?;
    let (who, key) = (me.clone(), id.clone());
    let result = state
        .db
        .tx(move |conn| plans::set_action_status(conn, &who, &key, year, &form))
        .await?;
    done(
        &state,
        page,
        session,
        me,
        id,
        year,
        result,
        "L’état de l’action est enregistré.",
        Typed::default(),
    )
    .await
}

pub async fn record_result(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ResultInput>,
) -> AppResult<Response> {
    let year = year(&form.annee)?;
    let (who, key) = (me.clone(), id.clone());
    let result = state
        .db
        .tx(move |conn| plans::record_result(conn, &who, &key, year, &form))
        .await?;
    done(
        &state,
        page,
        session,
        me,
        id,
        year,
        result,
        "Le résultat est enregistré.",
        Typed::default(),
    )
    .await
}

pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<YearParams>,
) -> AppResult<Response> {
    let year = year(&form.annee)?;
    let (who, key) = (me.clone(), id.clone());
    let result = state
        .db
        .tx(move |conn| plans::submit(conn, &who, &key, year))
        .await?;
    done(
        &state,
        page,
        session,
        me,
        id,
        year,
        result,
        "Le plan est transmis à la Région.",
        Typed::default(),
    )
    .await
}

pub async fn review(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ReviewInput>,
) -> AppResult<Response> {
    let year = year(&form.annee)?;
    let (who, key, input, base) = (
        me.clone(),
        id.clone(),
        form.clone(),
        state.config.base_url(),
    );
    let result = state
        .db
        .tx(move |conn| plans::review(conn, &who, &key, year, &input, &base))
        .await?;
    let typed = Typed {
        review: form,
        ..Typed::default()
    };
    done(
        &state,
        page,
        session,
        me,
        id,
        year,
        result,
        "L’avis est enregistré ; les coordinateurs du site le reçoivent par e-mail.",
        typed,
    )
    .await
}

/// Attaches the site to a central site, or detaches it (the regional team).
pub async fn attach(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<AttachInput>,
) -> AppResult<Response> {
    let (who, key) = (me.clone(), id.clone());
    let result = state
        .db
        .tx(move |conn| network::attach(conn, &who, &key, &form))
        .await?;
    match result {
        Ok(central) => {
            session
                .set_flash(if central.is_some() {
                    "Le site est rattaché à son site central."
                } else {
                    "Le site n’est plus rattaché à un site central."
                })
                .await?;
            Ok(see_other(&format!("/espaces-metiers/{id}")))
        }
        Err(errors) => super::routes::show_with_errors(&state, page, me, id, errors).await,
    }
}
