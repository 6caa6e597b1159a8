//! Pages and API of the information line: the officers' queue, the phone log form, a
//! request's page, the partner's space, the public form, the magic-link answer page, the
//! figures and the settings (topics, supervisors).

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::{AgeBand, CallerKind, Channel, Situation, Status};
use super::service::{self, CallInput, Event, Request, Topic, WebInput};
use super::stats::{self, Figures, Filter, Row};
use crate::AppState;
use crate::auth::policy::{Action, allows, authorize};
use crate::auth::{ClientIp, CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Path, Query};
use crate::web::json::StatusAnswer;
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/cap-info", get(queue))
        .route("/cap-info/partenaire", get(queue))
        .route("/cap-info/export.csv", get(export_csv))
        .route("/cap-info/appel", get(call_form).post(call_save))
        .route("/cap-info/demandes/{id}", get(show))
        .route("/cap-info/demandes/{id}/{action}", post(act))
        .route("/cap-info/chiffres", get(figures_page))
        .route("/cap-info/reglages", get(settings))
        .route("/cap-info/reglages/themes", post(settings_topic))
        .route("/cap-info/reglages/superviseurs", post(settings_supervisor))
        .route(
            "/cap-info/reponse/{token}",
            get(link_form).post(link_answer),
        )
        .route("/question", get(public_form).post(public_submit))
        .route("/question/merci", get(public_thanks))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_list, api_create))
        .routes(routes!(api_figures))
        .routes(routes!(api_get))
        .routes(routes!(api_answer))
        .routes(routes!(api_route))
        .routes(routes!(api_close))
        .routes(routes!(api_reopen))
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
struct QueueParams {
    /// new, answered, routed, answered_by_partner or closed.
    #[serde(default)]
    statut: String,
    /// A topic code.
    #[serde(default)]
    theme: String,
    /// phone, web or email.
    #[serde(default)]
    canal: String,
    /// `oui`: only the requests past 2 working days without an answer.
    #[serde(default)]
    retard: String,
}

impl QueueParams {
    fn filter(&self) -> AppResult<Filter> {
        let status = match self.statut.trim() {
            "" => None,
            s => Some(Status::parse(s).ok_or_else(|| AppError::unprocessable("Statut inconnu."))?),
        };
        let channel = match self.canal.trim() {
            "" => None,
            c => Some(Channel::parse(c).ok_or_else(|| AppError::unprocessable("Canal inconnu."))?),
        };
        Ok(Filter {
            status,
            topic: Some(self.theme.trim().to_owned()).filter(|t| !t.is_empty()),
            channel,
            overdue: self.retard == "oui",
        })
    }
}

#[derive(Template)]
#[template(path = "helpline/queue.html")]
struct QueuePage {
    page: Page,
    p: QueueParams,
    rows: Vec<Row>,
    topics: Vec<Topic>,
    statuses: &'static [Status],
    channels: &'static [Channel],
    officer: bool,
    overdue: usize,
}

async fn queue(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Query(p): Query<QueueParams>,
) -> AppResult<Response> {
    authorize(&me, &Action::ViewHelplineQueue)?;
    let filter = p.filter()?;
    let hours = state.config.helpline_hours;
    let who = me.clone();
    let (rows, topics) = state
        .db
        .run(move |conn| {
            Ok((
                stats::rows(conn, &who, &filter, &hours)?,
                service::topics(conn, false)?,
            ))
        })
        .await?;
    let officer = allows(&me, &Action::WorkHelpline);
    let title = if officer {
        "Cap Info – demandes d’information".to_owned()
    } else {
        format!(
            "Demandes transmises à {}",
            me.organisation_name.clone().unwrap_or_default()
        )
    };
    render(&QueuePage {
        page: page.titled(title),
        overdue: rows.iter().filter(|r| r.overdue).count(),
        rows,
        topics,
        statuses: Status::ALL,
        channels: Channel::ALL,
        officer,
        p,
    })
}

async fn export_csv(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(p): Query<QueueParams>,
) -> AppResult<Response> {
    let filter = p.filter()?;
    let hours = state.config.helpline_hours;
    let bytes = state
        .db
        .run(move |conn| stats::csv(&stats::rows(conn, &me, &filter, &hours)?))
        .await?;
    Ok(crate::web::csv::attachment("cap-info.csv", bytes))
}

#[derive(Template)]
#[template(path = "helpline/call.html")]
struct CallPage {
    page: Page,
    form: CallInput,
    errors: Vec<String>,
    topics: Vec<Topic>,
    kinds: &'static [CallerKind],
    ages: &'static [AgeBand],
    situations: &'static [Situation],
}

async fn show_call_form(
    state: &AppState,
    page: Page,
    form: CallInput,
    errors: Vec<String>,
) -> AppResult<Response> {
    let topics = state.db.run(|conn| service::topics(conn, true)).await?;
    let status = form::status(&errors);
    let html = render(&CallPage {
        page: page.titled("Noter un appel"),
        form,
        errors,
        topics,
        kinds: CallerKind::ALL,
        ages: AgeBand::ALL,
        situations: Situation::ALL,
    })?;
    Ok((status, html).into_response())
}

async fn call_form(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::WorkHelpline)?;
    let form = CallInput {
        caller_kind: CallerKind::Individual.as_str().into(),
        ..CallInput::default()
    };
    show_call_form(&state, page, form, Vec::new()).await
}

async fn call_save(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<CallInput>,
) -> AppResult<Response> {
    let (hours, base) = (state.config.helpline_hours, state.config.base_url());
    let input = form.clone();
    let result = state
        .db
        .tx(move |conn| service::log_call(conn, &me, &input, &hours, &base))
        .await?;
    match result {
        Ok(r) => {
            session
                .set_flash(format!(
                    "L’appel est enregistré sous la référence {} ({}).",
                    r.reference,
                    r.status().label().to_lowercase()
                ))
                .await?;
            Ok(see_other(&format!("/cap-info/demandes/{}", r.id)))
        }
        Err(errors) => show_call_form(&state, page, form, errors).await,
    }
}

/// A request with everything its page and the API show.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = HelplineRequestDetail)]
struct Detail {
    request: Request,
    status_label: String,
    channel_label: String,
    topic_label: String,
    caller_kind_label: String,
    age_band_label: String,
    situation_label: String,
    partner: Option<String>,
    elapsed_label: String,
    due_fr: String,
    paused: bool,
    overdue: bool,
    received_fr: String,
    events: Vec<Event>,
}

fn detail(
    conn: &mut crate::db::DbConnection,
    me: &CurrentUser,
    id: &str,
    hours: &super::sla::BusinessHours,
) -> AppResult<Detail> {
    let mut r = service::get_for(conn, me, id)?;
    if !allows(me, &Action::WorkHelpline) {
        // Partners answer through Passerelle: they need the question, not the contact details.
        r.requester_email = None;
        r.requester_phone = None;
    }
    let at = crate::db::now();
    let clock = r.clock(hours, at);
    let topic_label = service::topics(conn, false)?
        .into_iter()
        .find(|t| t.code == r.topic)
        .map(|t| t.label)
        .unwrap_or_else(|| r.topic.clone());
    let partner = match &r.partner_id {
        Some(p) => Some(crate::organisations::store::get(conn, p)?.name),
        None => None,
    };
    Ok(Detail {
        status_label: r.status().label().to_owned(),
        channel_label: r.channel().label().to_owned(),
        caller_kind_label: r.caller_kind().label().to_owned(),
        age_band_label: r.age_band().label().to_owned(),
        situation_label: r.situation().label().to_owned(),
        elapsed_label: super::sla::hours_fr(clock.elapsed),
        due_fr: if !r.status().awaits_answer() {
            String::new()
        } else {
            clock
                .due_at
                .map(|d| crate::web::datetime_fr(&d))
                .unwrap_or_else(|| "suspendu (en attente du demandeur)".into())
        },
        paused: clock.paused,
        overdue: r.status().awaits_answer() && clock.overdue(),
        received_fr: crate::web::datetime_fr(&r.received_at),
        events: service::events(conn, &r.id)?,
        topic_label,
        partner,
        request: r,
    })
}

#[derive(Template)]
#[template(path = "helpline/show.html")]
struct ShowPage {
    page: Page,
    d: Detail,
    officer: bool,
    partner_can_answer: bool,
    partners: Vec<(String, String)>,
    topics: Vec<Topic>,
}

impl ShowPage {
    fn status(&self) -> Status {
        self.d.request.status()
    }
}

async fn show(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let hours = state.config.helpline_hours;
    let who = me.clone();
    let (d, partners, topics) = state
        .db
        .run(move |conn| {
            Ok((
                detail(conn, &who, &id, &hours)?,
                service::partners(conn)?,
                service::topics(conn, true)?,
            ))
        })
        .await?;
    let officer = allows(&me, &Action::WorkHelpline);
    let partner_can_answer = !officer
        && d.request.status() == Status::Routed
        && allows(
            &me,
            &Action::AnswerHelplineAsPartner(&d.request.policy_ref()),
        );
    render(&ShowPage {
        page: page.titled(format!(
            "Demande {} – {}",
            d.request.reference, d.request.subject
        )),
        d,
        officer,
        partner_can_answer,
        partners,
        topics,
    })
}

#[derive(Deserialize, Default)]
struct ActionForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    partner_id: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    topic: String,
}

async fn act(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let (hours, base) = (state.config.helpline_hours, state.config.base_url());
    let key = id.clone();
    let result: AppResult<Result<String, Vec<String>>> = state
        .db
        .tx(move |conn| {
            Ok(match action.as_str() {
                "reponse" => service::answer(conn, &me, &key, &form.body, &hours, &base)?
                    .map(|s| format!("La réponse est enregistrée ({}).", s.label().to_lowercase())),
                "orientation" => service::route(
                    conn,
                    &me,
                    &key,
                    &form.partner_id,
                    &form.note,
                    &hours,
                    &base,
                )?
                .map(|_| "La demande est transmise au partenaire ; ses répondant·es ont reçu un lien pour répondre.".to_owned()),
                "precisions" => service::ask_details(conn, &me, &key, &form.body)?
                    .map(|()| "Les précisions sont demandées ; le délai est suspendu jusqu’à la réponse du demandeur.".to_owned()),
                "reprise" => {
                    service::resume(conn, &me, &key, &hours)?;
                    Ok("Le délai a repris.".to_owned())
                }
                "cloture" => service::close(conn, &me, &key, &hours)?
                    .map(|()| "La demande est close.".to_owned()),
                "reouverture" => service::reopen(conn, &me, &key, &form.note)?
                    .map(|()| "La demande est rouverte ; un nouveau délai de 2 jours ouvrés commence.".to_owned()),
                "theme" => service::classify(conn, &me, &key, &form.topic)?
                    .map(|()| "Le thème est modifié.".to_owned()),
                _ => return Err(AppError::not_found()),
            })
        })
        .await;
    match result {
        Ok(Ok(message)) => session.set_flash(message).await?,
        Ok(Err(errors)) => session.set_flash(errors.join(" ")).await?,
        Err(e) if e.status() == StatusCode::CONFLICT => {
            session.set_flash(e.message().to_owned()).await?
        }
        Err(e) => return Err(e),
    }
    Ok(see_other(&format!("/cap-info/demandes/{id}")))
}

#[derive(Template)]
#[template(path = "helpline/figures.html")]
struct FiguresPage {
    page: Page,
    f: Figures,
    officer: bool,
}

async fn figures_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    let hours = state.config.helpline_hours;
    let who = me.clone();
    let rows = state
        .db
        .run(move |conn| stats::rows(conn, &who, &Filter::default(), &hours))
        .await?;
    render(&FiguresPage {
        page: page.titled("Cap Info – indicateurs"),
        f: stats::figures(&rows),
        officer: allows(&me, &Action::WorkHelpline),
    })
}

#[derive(Template)]
#[template(path = "helpline/settings.html")]
struct SettingsPage {
    page: Page,
    topics: Vec<Topic>,
    officers: Vec<(String, String, bool)>,
    manage_supervisors: bool,
}

async fn settings(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::WorkHelpline)?;
    let (topics, officers) = state
        .db
        .run(|conn| Ok((service::topics(conn, false)?, service::officer_flags(conn)?)))
        .await?;
    render(&SettingsPage {
        page: page.titled("Cap Info – thèmes et supervision"),
        topics,
        officers,
        manage_supervisors: allows(&me, &Action::ManageHelplineSupervisors),
    })
}

#[derive(Deserialize)]
struct TopicForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    toggle: String,
}

async fn settings_topic(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<TopicForm>,
) -> AppResult<Response> {
    let result = state
        .db
        .tx(move |conn| {
            let toggle = Some(form.toggle.as_str()).filter(|t| !t.is_empty());
            service::save_topic(conn, &me, &form.label, toggle)
        })
        .await?;
    match result {
        Ok(()) => {
            session
                .set_flash("La liste des thèmes est enregistrée.")
                .await?
        }
        Err(errors) => session.set_flash(errors.join(" ")).await?,
    }
    Ok(see_other("/cap-info/reglages"))
}

#[derive(Deserialize)]
struct SupervisorForm {
    officer_id: String,
    #[serde(default)]
    supervisor: String,
}

async fn settings_supervisor(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<SupervisorForm>,
) -> AppResult<Response> {
    state
        .db
        .tx(move |conn| {
            service::set_supervisor(conn, &me, &form.officer_id, form.supervisor == "oui")
        })
        .await?;
    session.set_flash("La supervision est enregistrée.").await?;
    Ok(see_other("/cap-info/reglages"))
}

#[derive(Template)]
#[template(path = "helpline/link.html")]
struct LinkPage {
    page: Page,
    r: Request,
    topic_label: String,
    partner: String,
    token: String,
    errors: Vec<String>,
    body: String,
}

async fn show_link(
    state: &AppState,
    page: Page,
    token: String,
    body: String,
    errors: Vec<String>,
) -> AppResult<Response> {
    let key = token.clone();
    let (r, partner, topics) = state
        .db
        .run(move |conn| {
            let (r, partner) = service::link_request(conn, &key)?;
            Ok((r, partner, service::topics(conn, false)?))
        })
        .await?;
    let topic_label = topics
        .into_iter()
        .find(|t| t.code == r.topic)
        .map(|t| t.label)
        .unwrap_or_default();
    let status = form::status(&errors);
    let page = page.with_form().await?;
    let html = render(&LinkPage {
        page: page.titled(format!("Répondre à la demande {}", r.reference)),
        r,
        topic_label,
        partner,
        token,
        errors,
        body,
    })?;
    Ok((status, html).into_response())
}

async fn link_form(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
) -> AppResult<Response> {
    show_link(&state, page, token, String::new(), Vec::new()).await
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    body: String,
}

async fn link_answer(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    Path(token): Path<String>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    let (hours, base) = (state.config.helpline_hours, state.config.base_url());
    let (key, body) = (token.clone(), form.body.clone());
    let result = state
        .db
        .tx(move |conn| service::answer_by_link(conn, &key, &body, &hours, &base))
        .await?;
    match result {
        Ok(_) => {
            session
                .set_flash(
                    "Merci : votre réponse est envoyée au demandeur et enregistrée par Cap Info.",
                )
                .await?;
            Ok(see_other("/question/merci"))
        }
        Err(errors) => show_link(&state, page, token, form.body, errors).await,
    }
}

#[derive(Template)]
#[template(path = "helpline/public.html")]
struct PublicPage {
    page: Page,
    form: WebInput,
    errors: Vec<String>,
    topics: Vec<Topic>,
    kinds: &'static [CallerKind],
    ages: &'static [AgeBand],
    situations: &'static [Situation],
}

async fn show_public(
    state: &AppState,
    page: Page,
    form: WebInput,
    errors: Vec<String>,
) -> AppResult<Response> {
    let topics = state.db.run(|conn| service::topics(conn, true)).await?;
    let status = form::status(&errors);
    let page = page.with_form().await?;
    let html = render(&PublicPage {
        page: page.titled("Poser une question à Cap Info"),
        form,
        errors,
        topics,
        kinds: CallerKind::ALL,
        ages: AgeBand::ALL,
        situations: Situation::ALL,
    })?;
    Ok((status, html).into_response())
}

async fn public_form(State(state): State<AppState>, page: Page) -> AppResult<Response> {
    let form = WebInput {
        caller_kind: CallerKind::Individual.as_str().into(),
        ..WebInput::default()
    };
    show_public(&state, page, form, Vec::new()).await
}

async fn public_submit(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    ClientIp(ip): ClientIp,
    Form(form): Form<WebInput>,
) -> AppResult<Response> {
    let input = form.clone();
    let result = state
        .db
        .tx(move |conn| service::submit_web(conn, &input, &ip))
        .await?;
    match result {
        Ok(reference) => {
            session
                .set_flash(match reference {
                    Some(r) => format!("Votre question est bien envoyée (référence {r}). Vous recevez un courriel de confirmation ; la réponse vous parviendra sous 2 jours ouvrés."),
                    None => "Votre question est bien envoyée.".to_owned(),
                })
                .await?;
            Ok(see_other("/question/merci"))
        }
        Err(errors) => show_public(&state, page, form, errors).await,
    }
}

#[derive(Template)]
#[template(path = "helpline/thanks.html")]
struct ThanksPage {
    page: Page,
}

async fn public_thanks(page: Page) -> AppResult<Response> {
    render(&ThanksPage {
        page: page.titled("Merci"),
    })
}

// ---- API ----

/// The requests the caller may see (officers: all; partner responders: those routed to
/// their organisation), overdue first.
#[utoipa::path(get, path = "/helpline/requests", operation_id = "list_helpline_requests", tag = "helpline", security(("bearer" = [])), params(QueueParams),
    responses((status = 200, body = [Row]), (status = 403, body = crate::error::ErrorBody)))]
async fn api_list(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(p): Query<QueueParams>,
) -> AppResult<Json<Vec<Row>>> {
    let filter = p.filter()?;
    let hours = state.config.helpline_hours;
    state
        .db
        .run(move |conn| stats::rows(conn, &me, &filter, &hours))
        .await
        .map(Json)
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = HelplineCreated)]
struct Created {
    id: String,
    reference: String,
    status: String,
}

/// Logs a phone call (information officers); with an `answer`, it is answered at once.
#[utoipa::path(post, path = "/helpline/requests", operation_id = "create_helpline_request", tag = "helpline", security(("bearer" = [])),
    request_body = CallInput,
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_create(
    State(state): State<AppState>,
    me: CurrentUser,
    crate::web::extract::Json(input): crate::web::extract::Json<CallInput>,
) -> AppResult<Response> {
    let (hours, base) = (state.config.helpline_hours, state.config.base_url());
    let r = state
        .db
        .tx(move |conn| service::log_call(conn, &me, &input, &hours, &base))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: r.id,
            reference: r.reference,
            status: r.status,
        }),
    )
        .into_response())
}

/// One request with its history and clock.
#[utoipa::path(get, path = "/helpline/requests/{id}", operation_id = "get_helpline_request", tag = "helpline", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, body = Detail), (status = 404, body = crate::error::ErrorBody)))]
async fn api_get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<Detail>> {
    let hours = state.config.helpline_hours;
    state
        .db
        .run(move |conn| detail(conn, &me, &id, &hours))
        .await
        .map(Json)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct AnswerRequest {
    body: String,
}

/// Answers a request: an officer (new or routed), or a responder of the partner it is
/// routed to. The answer is mailed to the requester.
#[utoipa::path(post, path = "/helpline/requests/{id}/answer", operation_id = "answer_helpline_request", tag = "helpline", security(("bearer" = [])),
    request_body = AnswerRequest, params(("id" = String, Path, description = "Request id")),
    responses((status = 409, body = crate::error::ErrorBody), (status = 200, body = StatusAnswer), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_answer(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(input): crate::web::extract::Json<AnswerRequest>,
) -> AppResult<Json<StatusAnswer>> {
    let (hours, base) = (state.config.helpline_hours, state.config.base_url());
    let status = state
        .db
        .tx(move |conn| service::answer(conn, &me, &id, &input.body, &hours, &base))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok(Json(StatusAnswer {
        status: status.as_str().to_owned(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct RouteRequest {
    /// An organisation of kind information_partner.
    partner_id: String,
    #[serde(default)]
    note: String,
}

/// Routes a request to an information partner (officers); its responders get a single-use
/// answer link by mail, valid 8 days.
#[utoipa::path(post, path = "/helpline/requests/{id}/route", operation_id = "route_helpline_request", tag = "helpline", security(("bearer" = [])),
    request_body = RouteRequest, params(("id" = String, Path, description = "Request id")),
    responses((status = 409, body = crate::error::ErrorBody), (status = 200, body = StatusAnswer), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_route(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(input): crate::web::extract::Json<RouteRequest>,
) -> AppResult<Json<StatusAnswer>> {
    let (hours, base) = (state.config.helpline_hours, state.config.base_url());
    state
        .db
        .tx(move |conn| {
            service::route(
                conn,
                &me,
                &id,
                &input.partner_id,
                &input.note,
                &hours,
                &base,
            )
        })
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok(Json(StatusAnswer {
        status: Status::Routed.as_str().to_owned(),
    }))
}

/// Closes a request (officers).
#[utoipa::path(post, path = "/helpline/requests/{id}/close", operation_id = "close_helpline_request", tag = "helpline", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 409, body = crate::error::ErrorBody), (status = 200, body = StatusAnswer), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_close(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<StatusAnswer>> {
    let hours = state.config.helpline_hours;
    state
        .db
        .tx(move |conn| service::close(conn, &me, &id, &hours))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok(Json(StatusAnswer {
        status: Status::Closed.as_str().to_owned(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema, Default)]
struct ReopenRequest {
    #[serde(default)]
    reason: String,
}

/// Reopens an answered or closed request with a new 2-working-day clock (officers).
#[utoipa::path(post, path = "/helpline/requests/{id}/reopen", operation_id = "reopen_helpline_request", tag = "helpline", security(("bearer" = [])),
    request_body = ReopenRequest, params(("id" = String, Path, description = "Request id")),
    responses((status = 409, body = crate::error::ErrorBody), (status = 200, body = StatusAnswer), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_reopen(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(input): crate::web::extract::Json<ReopenRequest>,
) -> AppResult<Json<StatusAnswer>> {
    state
        .db
        .tx(move |conn| service::reopen(conn, &me, &id, &input.reason))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok(Json(StatusAnswer {
        status: Status::New.as_str().to_owned(),
    }))
}

/// Volumes by channel, share of individuals and of people under 26, topics, first-response
/// time and 2-working-day compliance per partner, over what the caller may see.
#[utoipa::path(get, path = "/helpline/figures", operation_id = "get_helpline_figures", tag = "helpline", security(("bearer" = [])),
    responses((status = 200, body = Figures), (status = 403, body = crate::error::ErrorBody)))]
async fn api_figures(State(state): State<AppState>, me: CurrentUser) -> AppResult<Json<Figures>> {
    let hours = state.config.helpline_hours;
    state
        .db
        .run(move |conn| {
            Ok(stats::figures(&stats::rows(
                conn,
                &me,
                &Filter::default(),
                &hours,
            )?))
        })
        .await
        .map(Json)
}

/// Dashboard tile: the requests waiting for an answer, and those late.
pub async fn tiles(
    state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::auth::policy::{Action, allows};
    use crate::web::dashboard::Figure;
    let mut tiles = Vec::new();
    if allows(&me, &Action::ViewHelplineQueue) {
        // Officers work the whole line; partners' responders see what was routed to them.
        let officer = allows(&me, &Action::WorkHelpline);
        let who = me.clone();
        let hours = state.config.helpline_hours;
        let rows = state
            .db
            .run(move |conn| {
                super::stats::rows(conn, &who, &super::stats::Filter::default(), &hours)
            })
            .await?;
        let open = rows
            .iter()
            .filter(|r| super::model::Status::parse(&r.status).is_some_and(|s| s.awaits_answer()))
            .count();
        let overdue = rows.iter().filter(|r| r.overdue).count();
        tiles.push(crate::web::dashboard::Tile {
            href: if officer {
                "/cap-info"
            } else {
                "/cap-info/partenaire"
            },
            title: if officer {
                "Cap Info – ligne d’information"
            } else {
                "Demandes transmises par Cap Info"
            },
            text: format!(
                "{} en attente de réponse, dont {overdue} au-delà de 2 jours ouvrés.",
                crate::web::french::plural(open, "demande", "demandes")
            ),
            figures: vec![
                Figure::count(open, "demande en attente", "demandes en attente"),
                Figure::count(
                    overdue,
                    "demande au-delà de 2 jours ouvrés",
                    "demandes au-delà de 2 jours ouvrés",
                )
                .alert_if_any(),
            ],
        });
    }
    Ok(tiles)
}

/// « Mon espace »: the information line (officers) or the requests routed to a partner.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Action, allows};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if allows(me, &Action::WorkHelpline) {
        links.push(NavLink::new("/cap-info", "Cap Info"));
    } else if allows(me, &Action::ViewHelplineQueue) {
        links.push(NavLink::new("/cap-info/partenaire", "Demandes Cap Info"));
    }
    links
}
