//! Partners' proposals: the partner's pages (« Mes propositions ») and the editors' queue.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::markdown;
use super::proposals::{self, Proposal, ProposalForm};
use super::service;
use crate::AppState;
use crate::auth::policy::{Action, allows, authorize};
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Path};
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/mes-propositions", get(own_list))
        .route("/mes-propositions/nouvelle", get(new_form).post(create))
        .route("/mes-propositions/{id}", get(own_show).post(update))
        .route("/redaction/propositions", get(queue))
        .route("/redaction/propositions/{id}", get(review))
        .route("/redaction/propositions/{id}/decision", post(decide))
}

// ---- The partner's side ----

#[derive(Template)]
#[template(path = "content/proposals_own.html")]
struct OwnList {
    page: Page,
    proposals: Vec<Proposal>,
}

async fn own_list(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ProposeContent)?;
    let org = me.organisation_id.clone().unwrap_or_default();
    let proposals = state
        .db
        .run(move |conn| proposals::of_organisation(conn, &org))
        .await?;
    render(&OwnList {
        page: page.titled("Mes propositions"),
        proposals,
    })
}

#[derive(Template)]
#[template(path = "content/proposal_form.html")]
struct FormPage {
    page: Page,
    /// The proposal shown (its state, its reason), none for a new one.
    proposal: Option<Proposal>,
    /// Whether the form is shown: new, or still waiting.
    editable: bool,
    form: ProposalForm,
    kinds: Vec<(&'static str, &'static str)>,
    departments: Vec<String>,
    organiser: String,
    errors: Vec<String>,
}

async fn form_page(
    state: &AppState,
    page: Page,
    me: &CurrentUser,
    proposal: Option<Proposal>,
    form: ProposalForm,
    errors: Vec<String>,
) -> AppResult<Response> {
    let departments = service::department_codes(&state.config.territory)?;
    let title = match &proposal {
        None => "Nouvelle proposition".to_owned(),
        Some(p) => p.title.clone(),
    };
    let editable = proposal.as_ref().is_none_or(Proposal::is_proposed);
    let response = render(&FormPage {
        page: page
            .titled(title)
            .within(&[("Mes propositions", "/mes-propositions")]),
        editable,
        proposal,
        form,
        kinds: proposals::kinds(),
        departments,
        organiser: me.organisation_name.clone().unwrap_or_default(),
        errors: errors.clone(),
    })?;
    Ok(if errors.is_empty() {
        response
    } else {
        form::rerender(response)
    })
}

async fn new_form(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ProposeContent)?;
    let form = ProposalForm {
        kind: "open_day".to_owned(),
        ..ProposalForm::default()
    };
    form_page(&state, page, &me, None, form, Vec::new()).await
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<ProposalForm>,
) -> AppResult<Response> {
    authorize(&me, &Action::ProposeContent)?;
    let departments = service::department_codes(&state.config.territory)?;
    let organiser = me.organisation_name.clone().unwrap_or_default();
    match proposals::parse(&form, &organiser, &departments) {
        Ok(input) => {
            let who = me.clone();
            let id = state
                .db
                .tx(move |conn| proposals::create(conn, &who, &input))
                .await?;
            session
                .set_flash("Votre proposition est envoyée à la rédaction. Vous serez prévenu·e par e-mail de sa décision.")
                .await?;
            Ok(see_other(&format!("/mes-propositions/{id}")))
        }
        Err(errors) => form_page(&state, page, &me, None, form, errors).await,
    }
}

/// The proposal of the person's organisation (404 for another organisation's).
async fn own_proposal(state: &AppState, me: &CurrentUser, id: String) -> AppResult<Proposal> {
    authorize(me, &Action::ProposeContent)?;
    let p = state
        .db
        .run(move |conn| proposals::by_id(conn, &id))
        .await?;
    if !allows(me, &Action::FollowProposal(&p.policy_ref())) {
        return Err(AppError::not_found());
    }
    Ok(p)
}

async fn own_show(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let p = own_proposal(&state, &me, id).await?;
    let form = ProposalForm::of(&p);
    form_page(&state, page, &me, Some(p), form, Vec::new()).await
}

async fn update(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ProposalForm>,
) -> AppResult<Response> {
    let p = own_proposal(&state, &me, id).await?;
    if !p.is_proposed() {
        return Err(AppError::conflict(
            "Cette proposition a déjà été traitée par la rédaction : elle ne se modifie plus.",
        ));
    }
    let departments = service::department_codes(&state.config.territory)?;
    let organiser = me.organisation_name.clone().unwrap_or_default();
    match proposals::parse(&form, &organiser, &departments) {
        Ok(input) => {
            let key = p.id.clone();
            state
                .db
                .tx(move |conn| proposals::update(conn, &key, &input))
                .await?;
            session
                .set_flash("Votre proposition est modifiée ; elle attend toujours la décision de la rédaction.")
                .await?;
            Ok(see_other(&format!("/mes-propositions/{}", p.id)))
        }
        Err(errors) => form_page(&state, page, &me, Some(p), form, errors).await,
    }
}

// ---- The editors' side ----

#[derive(Template)]
#[template(path = "content/proposals_queue.html")]
struct QueuePage {
    page: Page,
    waiting: Vec<(Proposal, String)>,
    decided: Vec<(Proposal, String)>,
}

async fn queue(State(state): State<AppState>, page: Page, me: CurrentUser) -> AppResult<Response> {
    authorize(&me, &Action::ReviewProposals)?;
    let (waiting, decided) = state
        .db
        .run(|conn| Ok((proposals::waiting(conn)?, proposals::decided(conn, 30)?)))
        .await?;
    render(&QueuePage {
        page: page
            .titled("Propositions des partenaires")
            .within(&[("Rédaction", "/redaction")]),
        waiting,
        decided,
    })
}

#[derive(Template)]
#[template(path = "content/proposal_review.html")]
struct ReviewPage {
    page: Page,
    p: Proposal,
    organisation: String,
    html: String,
    reason: String,
    errors: Vec<String>,
}

async fn review_page(
    state: &AppState,
    page: Page,
    me: &CurrentUser,
    id: String,
    reason: String,
    errors: Vec<String>,
) -> AppResult<Response> {
    authorize(me, &Action::ReviewProposals)?;
    let who = me.clone();
    let (p, organisation) = state
        .db
        .run(move |conn| {
            let p = proposals::get(conn, &who, &id)?;
            let organisation = proposals::organisation_name(conn, &p.organisation_id)?;
            Ok((p, organisation))
        })
        .await?;
    let html = markdown::render(&p.body);
    let response = render(&ReviewPage {
        page: page.titled(p.title.clone()).within(&[
            ("Rédaction", "/redaction"),
            ("Propositions des partenaires", "/redaction/propositions"),
        ]),
        p,
        organisation,
        html,
        reason,
        errors: errors.clone(),
    })?;
    Ok(if errors.is_empty() {
        response
    } else {
        form::rerender(response)
    })
}

async fn review(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    review_page(&state, page, &me, id, String::new(), Vec::new()).await
}

#[derive(Default, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    authorize(&me, &Action::ReviewProposals)?;
    let decision = match proposals::parse_decision(&form.decision, &form.reason) {
        Ok(d) => d,
        Err(error) => {
            return review_page(&state, page, &me, id, form.reason, vec![error]).await;
        }
    };
    let base = state.config.base_url();
    let (who, key) = (me.clone(), id.clone());
    let published = state
        .db
        .tx(move |conn| {
            proposals::get(conn, &who, &key)?;
            proposals::decide(conn, &who, &key, &decision, &base)
        })
        .await?;
    session
        .set_flash(match published {
            Some(_) => "La proposition est publiée ; le partenaire est prévenu par e-mail.",
            None => "La proposition est refusée ; le partenaire reçoit la raison par e-mail.",
        })
        .await?;
    Ok(see_other("/redaction/propositions"))
}
