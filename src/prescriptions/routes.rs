//! Pages and API of pre-registrations: the prescriber's form, the tracking screens of
//! prescribers, centres and funders, one pre-registration with its steps and thread, the
//! figures, the export and the satisfaction survey.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::{
    DropoutReason, FollowupSituation, Qualification, RefusalReason, Side, Situation, Status, Step,
};
use super::service::{
    self, Event, Message, NewPrescription, Person, PersonInput, Prescription, StepInput,
};
use super::stats::{self, Filter, Report, Row, SessionLoad};
use super::survey::{self, Answers, NetworkResult, QUESTIONS};
use crate::AppState;
use crate::auth::policy::{Action, Rows, Scope, allows, authorize, scope};
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::trainings::store::SessionRecord;
use crate::web::extract::{Form, Path, Query};
use crate::web::json::{Created, StatusAnswer};
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route(
            "/formations/sessions/{id}/preinscription",
            get(prescribe_form).post(prescribe),
        )
        .route("/preinscriptions", get(tracking))
        .route("/preinscriptions/export.csv", get(export_csv))
        .route("/preinscriptions/{id}", get(show))
        .route("/preinscriptions/{id}/etape", post(step))
        .route("/preinscriptions/{id}/messages", post(message))
        .route("/enquete", get(survey_form).post(survey_answer))
        .route(
            "/financeur/delais",
            get(funder_settings_form).post(funder_settings_save),
        )
        .route("/admin/codes-financeurs", get(funder_codes_page))
        .route("/admin/codes-financeurs/{code}", post(decide_funder_code))
        .route("/personnes/{id}/export.json", get(person_export))
        .route("/personnes/{id}/suppression", post(person_erase))
        .route(
            "/personnes/{id}/decisions-par-mail",
            post(person_decisions_by_mail),
        )
        .merge(super::followup_routes::pages())
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_create))
        .routes(routes!(api_list))
        .routes(routes!(api_stats))
        .routes(routes!(api_get))
        .routes(routes!(api_step))
        .routes(routes!(api_message))
        .merge(super::followup_routes::api())
}

const LEVELS: &[(i32, &str)] = &[
    (0, "Aucun diplôme, aucun niveau validé"),
    (3, "Niveau 3 – CAP, BEP"),
    (4, "Niveau 4 – baccalauréat"),
    (5, "Niveau 5 – bac + 2"),
    (6, "Niveau 6 – bac + 3 ou 4"),
    (7, "Niveau 7 – bac + 5"),
    (8, "Niveau 8 – doctorat"),
];

#[derive(Template)]
#[template(path = "prescriptions/form.html")]
struct PrescribeForm {
    page: Page,
    record: SessionRecord,
    people: Vec<Person>,
    errors: Vec<String>,
    form: PrescribeFields,
    situations: &'static [Situation],
    levels: &'static [(i32, &'static str)],
    sexes: &'static [crate::types::Sex],
}

#[derive(Clone, Debug, Default, Deserialize)]
struct PrescribeFields {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    situation: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    job_seeker_id: String,
    #[serde(default)]
    consent: String,
    #[serde(default)]
    decisions_by_mail: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    motive: String,
}

impl PrescribeFields {
    fn to_new(&self) -> NewPrescription {
        let existing = Some(self.person_id.trim().to_owned()).filter(|p| !p.is_empty());
        NewPrescription {
            person: existing.is_none().then(|| PersonInput {
                first_name: self.first_name.clone(),
                last_name: self.last_name.clone(),
                birth_date: self.birth_date.clone(),
                email: self.email.clone(),
                phone: self.phone.clone(),
                situation: self.situation.clone(),
                level: self.level.clone(),
                job_seeker_id: self.job_seeker_id.clone(),
                consent: self.consent == "oui",
                decisions_by_mail: self.decisions_by_mail == "oui",
                sex: self.sex.clone(),
            }),
            person_id: existing,
            motive: self.motive.clone(),
        }
    }
}

async fn show_form(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    session_id: String,
    form: PrescribeFields,
    errors: Vec<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::Prescribe)?;
    let (record, people) = state
        .db
        .run(move |conn| {
            Ok((
                crate::trainings::store::session(conn, &session_id)?,
                service::agency_people(conn, &me)?,
            ))
        })
        .await?;
    let status = form::status(&errors);
    let mut errors = errors;
    if record.is_summary && errors.is_empty() {
        // Said before anything is typed: the form cannot be sent for this training.
        errors.push(service::SUMMARY_ONLY.to_owned());
    }
    let html = render(&PrescribeForm {
        page: page.titled(format!("Pré-inscription – {}", record.training.title)),
        record,
        people,
        errors,
        form,
        situations: Situation::ALL,
        levels: LEVELS,
        sexes: crate::types::Sex::ALL,
    })?;
    Ok((status, html).into_response())
}

async fn prescribe_form(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    show_form(&state, page, me, id, PrescribeFields::default(), Vec::new()).await
}

async fn prescribe(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<PrescribeFields>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let (who, key, new) = (me.clone(), id.clone(), form.to_new());
    let result = state
        .db
        .tx(move |conn| service::create(conn, &who, &key, &new, &base))
        .await?;
    match result {
        Ok(created) => {
            session
                .set_flash("La pré-inscription est envoyée à l’organisme de formation. Vous serez prévenu·e par e-mail de sa réponse.")
                .await?;
            Ok(see_other(&format!("/preinscriptions/{created}")))
        }
        Err(errors) => show_form(&state, page, me, id, form, errors).await,
    }
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
struct TrackingParams {
    /// A status (submitted, received, …, withdrawn).
    #[serde(default)]
    statut: String,
    /// A session id.
    #[serde(default)]
    session: String,
    /// `oui`: only the caller's own pre-registrations (prescribers).
    #[serde(default)]
    miens: String,
    /// `oui`: only those past their decision deadline.
    #[serde(default)]
    retard: String,
}

impl TrackingParams {
    fn filter(&self) -> AppResult<Filter> {
        let status = match self.statut.trim() {
            "" => None,
            s => Some(Status::parse(s).ok_or_else(|| AppError::unprocessable("Statut inconnu."))?),
        };
        Ok(Filter {
            status,
            session_id: Some(self.session.trim().to_owned()).filter(|s| !s.is_empty()),
            mine: self.miens == "oui",
            overdue: self.retard == "oui",
        })
    }
}

#[derive(Template)]
#[template(path = "prescriptions/tracking.html")]
struct TrackingPage {
    page: Page,
    p: TrackingParams,
    rows: Vec<Row>,
    report: Report,
    loads: Vec<SessionLoad>,
    statuses: &'static [Status],
    prescriber: bool,
    funder: bool,
    survey_due: bool,
    survey: Vec<NetworkResult>,
    questions: &'static [(&'static str, &'static str)],
}

async fn tracking(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Query(p): Query<TrackingParams>,
) -> AppResult<Response> {
    let filter = p.filter()?;
    let who = me.clone();
    let (rows, all_rows, survey_due, survey) = state
        .db
        .run(move |conn| {
            let rows = stats::rows(conn, &who, &filter)?;
            let all = stats::rows(conn, &who, &Filter::default())?;
            let today = crate::clock::today_paris();
            let survey_due = survey::is_due(conn, &who, today)?;
            let results = if allows(&who, &Action::ViewSurveyResults) {
                survey::results(conn)?
            } else {
                Vec::new()
            };
            Ok((rows, all, survey_due, results))
        })
        .await?;
    let loads = state
        .db
        .run({
            let all = all_rows.clone();
            let who = me.clone();
            move |conn| stats::session_loads(conn, &who, &all)
        })
        .await?;
    let rows_seen = scope(&me, Rows::Prescriptions);
    let title = match rows_seen {
        Scope::Agency(_) => "Pré-inscriptions de mon agence",
        Scope::Centre(_) => "Pré-inscriptions reçues",
        Scope::Funder(_) => "Pré-inscriptions sur les sessions financées",
        _ => "Pré-inscriptions",
    };
    render(&TrackingPage {
        page: page.titled(title),
        report: stats::report(&all_rows),
        rows,
        loads,
        statuses: Status::ALL,
        prescriber: matches!(rows_seen, Scope::Agency(_)),
        funder: matches!(rows_seen, Scope::Funder(_)),
        survey_due,
        survey,
        questions: QUESTIONS,
        p,
    })
}

async fn export_csv(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(p): Query<TrackingParams>,
) -> AppResult<Response> {
    let filter = p.filter()?;
    let bytes = state
        .db
        .run(move |conn| stats::csv(&stats::rows(conn, &me, &filter)?))
        .await?;
    Ok(crate::web::csv::attachment("preinscriptions.csv", bytes))
}

/// A pre-registration with everything its page and the API show.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = PrescriptionDetail)]
struct Detail {
    prescription: Prescription,
    status_label: String,
    refusal_label: Option<String>,
    overdue: bool,
    /// None for those who see figures only (funders): no name, contact or identifier.
    person: Option<Person>,
    training: String,
    session_start: String,
    session_end: String,
    centre: String,
    agency: String,
    events: Vec<Event>,
    messages: Vec<Message>,
    days_to_decision: Option<i64>,
    days_to_entry: Option<i64>,
}

fn detail(conn: &mut crate::db::DbConnection, me: &CurrentUser, id: &str) -> AppResult<Detail> {
    let (mut p, reference) = service::get_for(conn, me, id)?;
    let personal = allows(me, &Action::ViewPrescriptionPerson(&reference));
    // Who saw a person's data, for which organisation, when (never what they saw).
    if personal {
        crate::auth::audit::record(
            conn,
            crate::auth::audit::Event::by(me, "prescription.viewed").on("prescription", id),
        )?;
    }
    let person = if personal {
        Some(service::person(conn, &p.person_id)?)
    } else {
        None
    };
    let mut events = service::events(conn, id)?;
    let messages = if personal {
        service::messages(conn, id)?
    } else {
        // Figures only: what was written about the person stays between agency and centre.
        p.motive.clear();
        p.refusal_detail = None;
        p.outcome_reason = None;
        events.iter_mut().for_each(|e| e.note = None);
        Vec::new()
    };
    let record = crate::trainings::store::session(conn, &p.session_id)?;
    let centre = crate::organisations::store::get(conn, &p.centre_id)?.name;
    let agency = crate::organisations::store::get(conn, &p.agency_id)?.name;
    let today = crate::clock::today_paris();
    Ok(Detail {
        status_label: p.status_label().to_owned(),
        refusal_label: p.refusal_label().map(str::to_owned),
        overdue: p.overdue(today),
        days_to_decision: p.days_to_decision(),
        days_to_entry: p.days_to_entry(),
        events,
        messages,
        training: record.training.title,
        session_start: record.session.start.label(),
        session_end: record.session.end.label(),
        centre,
        agency,
        person,
        prescription: p,
    })
}

#[derive(Template)]
#[template(path = "prescriptions/show.html")]
struct ShowPage {
    page: Page,
    d: Detail,
    steps: Vec<Step>,
    can_write: bool,
    /// The agency's prescribers may export or erase the person's data.
    person_tools: bool,
    reasons: &'static [RefusalReason],
    dropout_reasons: &'static [DropoutReason],
    qualifications: &'static [Qualification],
    /// Six months after the exit: where the person is (planned at the exit).
    followup: Option<super::followup::Followup>,
    /// The agency may record the follow-up now (due and not answered).
    can_record_followup: bool,
    followup_situations: &'static [FollowupSituation],
    /// Problems of the step just tried, shown above the steps.
    errors: Vec<String>,
    /// What was typed in the step just tried, given back to its form.
    typed: Option<StepInput>,
}

#[derive(Template)]
#[template(path = "prescriptions/funder_settings.html")]
struct FunderSettingsPage {
    page: Page,
    decision_days: String,
    lheo_codes: String,
    /// The codes asked for, with where their approval stands.
    codes: Vec<service::FunderCode>,
    errors: Vec<String>,
}

fn funder_org(me: &CurrentUser) -> AppResult<String> {
    authorize(me, &Action::KeepFunderSettings)?;
    me.organisation_id.clone().ok_or_else(AppError::forbidden)
}

async fn funder_settings_form(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    let org = funder_org(&me)?;
    let (codes, days) = state
        .db
        .run(move |conn| service::funder_settings(conn, &org))
        .await?;
    render(&FunderSettingsPage {
        page: page.titled("Délai de décision et codes financeurs LHÉO"),
        decision_days: days.to_string(),
        lheo_codes: codes
            .iter()
            .map(|c| c.code.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        codes,
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
struct FunderSettingsForm {
    #[serde(default)]
    decision_days: String,
    #[serde(default)]
    lheo_codes: String,
}

async fn funder_settings_save(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<FunderSettingsForm>,
) -> AppResult<Response> {
    let org = funder_org(&me)?;
    let (days, codes) = (form.decision_days.clone(), form.lheo_codes.clone());
    let result = state
        .db
        .tx(move |conn| {
            Ok(
                match service::save_funder_settings(conn, &org, &days, &codes)? {
                    Ok(()) => Ok(()),
                    Err(errors) => Err((errors, service::funder_settings(conn, &org)?.0)),
                },
            )
        })
        .await?;
    match result {
        Ok(()) => {
            session
                .set_flash("C’est enregistré. Le délai de décision s’applique aux nouvelles pré-inscriptions ; un nouveau code financeur relie vos sessions une fois approuvé par la Région.")
                .await?;
            Ok(see_other("/financeur/delais"))
        }
        Err((errors, codes)) => {
            let html = render(&FunderSettingsPage {
                page: page.titled("Délai de décision et codes financeurs LHÉO"),
                decision_days: form.decision_days,
                lheo_codes: form.lheo_codes,
                codes,
                errors,
            })?;
            Ok(form::rerender(html))
        }
    }
}

#[derive(Template)]
#[template(path = "prescriptions/funder_codes.html")]
struct FunderCodesPage {
    page: Page,
    pending: Vec<(service::FunderCode, String)>,
}

/// The LHÉO funder codes waiting for a regional administrator's decision.
async fn funder_codes_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ApproveFunderCodes)?;
    let pending = state.db.run(service::pending_funder_codes).await?;
    render(&FunderCodesPage {
        page: page.titled("Codes financeurs LHÉO à approuver"),
        pending,
    })
}

#[derive(Deserialize)]
struct FunderCodeDecision {
    decision: String,
}

async fn decide_funder_code(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(code): Path<String>,
    Form(form): Form<FunderCodeDecision>,
) -> AppResult<Response> {
    authorize(&me, &Action::ApproveFunderCodes)?;
    let approve = match form.decision.as_str() {
        "approuver" => true,
        "refuser" => false,
        _ => return Err(AppError::bad_request("Décision inconnue.")),
    };
    let key = code.clone();
    let code = service::code_with_label(&code);
    match state
        .db
        .tx(move |conn| service::decide_funder_code(conn, &me, &key, approve))
        .await
    {
        Ok(()) => {
            session
                .set_flash(if approve {
                    format!("Le code financeur « {code} » est approuvé : il relie les sessions des prochains imports LHÉO à ce financeur.")
                } else {
                    format!("Le code financeur « {code} » est refusé.")
                })
                .await?
        }
        Err(e) if e.status() == StatusCode::CONFLICT => {
            session.set_flash(e.message().to_owned()).await?
        }
        Err(e) => return Err(e),
    }
    Ok(see_other("/admin/codes-financeurs"))
}

async fn person_export(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let export = state
        .db
        .run(move |conn| service::export_person(conn, &me, &id))
        .await?;
    let mut response = Json(export).into_response();
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"personne.json\""),
    );
    Ok(response)
}

async fn person_erase(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    state
        .db
        .tx(move |conn| service::erase_person(conn, &me, &id))
        .await?;
    session
        .set_flash("Les données de la personne et ses pré-inscriptions sont effacées.")
        .await?;
    Ok(see_other("/preinscriptions"))
}

#[derive(Deserialize)]
struct DecisionsByMail {
    #[serde(default)]
    actif: String,
}

/// The agency records that the person agreed to be told by mail of the centre's decisions, or
/// no longer wants it.
async fn person_decisions_by_mail(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(f): Form<DecisionsByMail>,
) -> AppResult<Response> {
    let on = f.actif == "oui";
    let back = state
        .db
        .tx(move |conn| {
            let done = service::set_decisions_by_mail(conn, &me, &id, on)?;
            let back = service::latest_prescription_of(conn, &id)?
                .map_or("/preinscriptions".to_owned(), |p| {
                    format!("/preinscriptions/{p}")
                });
            Ok((done, back))
        })
        .await?;
    session
        .set_flash(match (&back.0, on) {
            (Err(e), _) => e.as_str(),
            (Ok(()), true) => {
                "La personne sera informée par e-mail de chaque décision de l’organisme."
            }
            (Ok(()), false) => "La personne ne sera plus informée par e-mail des décisions.",
        })
        .await?;
    Ok(see_other(&back.1))
}

impl TrackingPage {
    fn groups(&self) -> Vec<(&'static str, &Vec<stats::Figures>)> {
        vec![
            ("Par financeur", &self.report.by_funder),
            ("Par organisme de formation", &self.report.by_centre),
            ("Par territoire", &self.report.by_territory),
        ]
    }
}

impl ShowPage {
    fn due_fr(&self) -> String {
        self.d
            .prescription
            .decision_due
            .format("%d/%m/%Y")
            .to_string()
    }
    fn submitted_fr(&self) -> String {
        crate::web::datetime_fr(&self.d.prescription.submitted_at)
    }
    fn exit_fr(&self) -> String {
        self.d
            .prescription
            .exit_date
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    }
    fn entry_fr(&self) -> String {
        self.d
            .prescription
            .entry_date
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    }
    /// What was typed in `field` of the form of `step`, if that step was just tried.
    fn typed(&self, step: &Step, field: &str) -> &str {
        let Some(t) = self
            .typed
            .as_ref()
            .filter(|t| t.step.trim() == step.as_str())
        else {
            return "";
        };
        match field {
            "date" => &t.date,
            "refusal_reason" => &t.refusal_reason,
            "dropout_reason" => &t.dropout_reason,
            "qualification" => &t.qualification,
            _ => &t.detail,
        }
    }
}

async fn show(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    show_page(&state, page, me, id, Vec::new(), None).await
}

/// The pre-registration's page; after a step that failed, with its problems and what was
/// typed in it (answered 422).
async fn show_page(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    id: String,
    errors: Vec<String>,
    typed: Option<StepInput>,
) -> AppResult<Response> {
    let who = me.clone();
    let (d, reference, followup) = state
        .db
        .run(move |conn| {
            let d = detail(conn, &who, &id)?;
            let reference = d
                .prescription
                .reference(service::session_funders(conn, &d.prescription.session_id)?);
            let followup = super::followup::get(conn, &id)?;
            Ok((d, reference, followup))
        })
        .await?;
    let status = d.prescription.status();
    let mut steps = Vec::new();
    if allows(&me, &Action::DecidePrescription(&reference)) {
        if status == Status::Submitted {
            steps.push(Step::Receive);
        }
        let from = if status == Status::Submitted {
            Status::Received
        } else {
            status
        };
        steps.extend(from.steps(Side::Centre));
    }
    if allows(&me, &Action::WithdrawPrescription(&reference)) {
        steps.extend(status.steps(Side::Prescriber));
    }
    let can_write = allows(&me, &Action::WritePrescriptionMessage(&reference));
    let person_tools = allows(&me, &Action::Prescribe)
        && me.organisation_id.as_deref() == Some(d.prescription.agency_id.as_str());
    let today = crate::clock::today_paris();
    let can_record_followup = allows(&me, &Action::RecordPrescriptionFollowup(&reference))
        && followup
            .as_ref()
            .is_some_and(|f| !f.is_answered() && today >= f.due_on);
    let status = form::status(&errors);
    let html = ShowPage {
        page: page.titled(format!("Pré-inscription – {}", d.training)),
        d,
        steps,
        can_write,
        person_tools,
        reasons: RefusalReason::ALL,
        dropout_reasons: DropoutReason::ALL,
        qualifications: Qualification::ALL,
        followup,
        can_record_followup,
        followup_situations: FollowupSituation::ALL,
        errors,
        typed,
    }
    .render()?;
    Ok((status, axum::response::Html(html)).into_response())
}

async fn step(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<StepInput>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    let result = state
        .db
        .tx(move |conn| service::apply_step(conn, &who, &key, &input, &base))
        .await;
    match result {
        Ok(Ok(status)) => {
            session
                .set_flash(format!(
                    "C’est enregistré. Statut de la pré-inscription : « {} ».",
                    status.label()
                ))
                .await?
        }
        Ok(Err(errors)) => return show_page(&state, page, me, id, errors, Some(form)).await,
        Err(e) if e.status() == StatusCode::CONFLICT => {
            session.set_flash(e.message().to_owned()).await?
        }
        Err(e) => return Err(e),
    }
    Ok(see_other(&format!("/preinscriptions/{id}")))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct MessageForm {
    body: String,
}

async fn message(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<MessageForm>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let key = id.clone();
    let result = state
        .db
        .tx(move |conn| service::post_message(conn, &me, &key, &form.body, &base))
        .await?;
    match result {
        Ok(()) => session.set_flash("Votre message est envoyé.").await?,
        Err(errors) => session.set_flash(errors.join(" ")).await?,
    }
    Ok(see_other(&format!("/preinscriptions/{id}#echanges")))
}

#[derive(Template)]
#[template(path = "prescriptions/survey.html")]
struct SurveyPage {
    page: Page,
    questions: &'static [(&'static str, &'static str)],
    errors: Vec<String>,
}

async fn survey_form(page: Page, me: CurrentUser) -> AppResult<Response> {
    authorize(&me, &Action::AnswerPrescriptionSurvey)?;
    render(&SurveyPage {
        page: page.titled("Enquête de satisfaction"),
        questions: QUESTIONS,
        errors: Vec::new(),
    })
}

async fn survey_answer(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(answers): Form<Answers>,
) -> AppResult<Response> {
    authorize(&me, &Action::AnswerPrescriptionSurvey)?;
    let today = crate::clock::today_paris();
    let declined = answers.decline == "non";
    let result = state
        .db
        .tx(move |conn| survey::record(conn, &me, &answers, today))
        .await?;
    match result {
        Ok(()) => {
            session
                .set_flash(if declined {
                    "C’est noté : l’enquête vous sera proposée au prochain trimestre."
                } else {
                    "Merci pour vos réponses !"
                })
                .await?;
            Ok(see_other("/preinscriptions"))
        }
        Err(errors) => {
            let html = render(&SurveyPage {
                page: page.titled("Enquête de satisfaction"),
                questions: QUESTIONS,
                errors,
            })?;
            Ok(form::rerender(html))
        }
    }
}

// ---- API ----

/// Pre-registers a person on a session (prescribers).
#[utoipa::path(post, path = "/trainings/sessions/{id}/prescriptions", operation_id = "create_prescription", tag = "prescriptions", security(("bearer" = [])),
    request_body = NewPrescription, params(("id" = String, Path, description = "Session id")),
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_create(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(request): crate::web::extract::Json<NewPrescription>,
) -> AppResult<Response> {
    let base = state.config.base_url();
    let created = state
        .db
        .tx(move |conn| service::create(conn, &me, &id, &request, &base))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok((StatusCode::CREATED, Json(Created { id: created })).into_response())
}

/// The pre-registrations the caller may see: a prescriber its agency's, a centre those to its
/// sessions, a funder those to the sessions it funds.
#[utoipa::path(get, path = "/prescriptions", operation_id = "list_prescriptions", tag = "prescriptions", security(("bearer" = [])), params(TrackingParams),
    responses((status = 200, body = [Row]), (status = 403, body = crate::error::ErrorBody)))]
async fn api_list(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(p): Query<TrackingParams>,
) -> AppResult<Json<Vec<Row>>> {
    let filter = p.filter()?;
    state
        .db
        .run(move |conn| stats::rows(conn, &me, &filter))
        .await
        .map(Json)
}

/// Time to decision, time to entry (median and distribution) and the share of selection
/// results returned through Passerelle, overall and per funder, centre and territory, over
/// what the caller may see.
#[utoipa::path(get, path = "/prescriptions/stats", operation_id = "get_prescription_stats", tag = "prescriptions", security(("bearer" = [])),
    responses((status = 200, body = Report), (status = 403, body = crate::error::ErrorBody)))]
async fn api_stats(State(state): State<AppState>, me: CurrentUser) -> AppResult<Json<Report>> {
    state
        .db
        .run(move |conn| Ok(stats::report(&stats::rows(conn, &me, &Filter::default())?)))
        .await
        .map(Json)
}

/// One pre-registration with its person, transitions and thread.
#[utoipa::path(get, path = "/prescriptions/{id}", operation_id = "get_prescription", tag = "prescriptions", security(("bearer" = [])),
    params(("id" = String, Path, description = "Pre-registration id")),
    responses((status = 200, body = Detail), (status = 404, body = crate::error::ErrorBody)))]
async fn api_get(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<Detail>> {
    state
        .db
        .run(move |conn| detail(conn, &me, &id))
        .await
        .map(Json)
}

/// Moves a pre-registration along: the centre returns the selection result, the entry and
/// its outcome; the prescriber may withdraw it before a decision.
#[utoipa::path(post, path = "/prescriptions/{id}/steps", operation_id = "step_prescription", tag = "prescriptions", security(("bearer" = [])),
    request_body = StepInput, params(("id" = String, Path, description = "Pre-registration id")),
    responses((status = 200, body = StatusAnswer), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_step(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(request): crate::web::extract::Json<StepInput>,
) -> AppResult<Json<StatusAnswer>> {
    let base = state.config.base_url();
    let status = state
        .db
        .tx(move |conn| service::apply_step(conn, &me, &id, &request, &base))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok(Json(StatusAnswer {
        status: status.as_str().to_owned(),
    }))
}

/// Writes in a pre-registration's thread (the prescriber's agency and the centre).
#[utoipa::path(post, path = "/prescriptions/{id}/messages", operation_id = "post_prescription_message", tag = "prescriptions", security(("bearer" = [])),
    request_body = MessageForm, params(("id" = String, Path, description = "Pre-registration id")),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn api_message(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(request): crate::web::extract::Json<MessageForm>,
) -> AppResult<StatusCode> {
    let base = state.config.base_url();
    state
        .db
        .tx(move |conn| service::post_message(conn, &me, &id, &request.body, &base))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Dashboard tiles: pre-registrations with their figures, and the funded trainings to
/// pre-register people in.
pub async fn tiles(
    state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::web::dashboard::Figure;
    let mut tiles = Vec::new();
    let rows_seen = scope(&me, Rows::Prescriptions);
    if rows_seen != Scope::Nothing {
        let who = me.clone();
        let rows = state
            .db
            .run(move |conn| super::stats::rows(conn, &who, &super::stats::Filter::default()))
            .await?;
        let waiting = rows
            .iter()
            .filter(|r| super::model::Status::parse(&r.status).is_some_and(|s| s.awaits_decision()))
            .count();
        let overdue = rows.iter().filter(|r| r.overdue).count();
        tiles.push(crate::web::dashboard::Tile {
            href: "/preinscriptions",
            title: match rows_seen {
                Scope::Agency(_) => "Pré-inscriptions de mon agence",
                Scope::Centre(_) => "Pré-inscriptions reçues",
                _ => "Pré-inscriptions en formation",
            },
            text: format!(
                "{}, dont {waiting} en attente de décision et {overdue} en retard ; délais et indicateurs.",
                crate::web::french::plural(rows.len(), "pré-inscription", "pré-inscriptions")
            ),
            figures: vec![
                Figure::count(
                    waiting,
                    "pré-inscription en attente de décision",
                    "pré-inscriptions en attente de décision",
                ),
                Figure::count(overdue, "pré-inscription en retard", "pré-inscriptions en retard")
                    .alert_if_any(),
            ],
        });
        tiles.push(crate::web::dashboard::Tile {
            href: "/formations",
            title: "Formations financées",
            text: if allows(&me, &Action::Prescribe) {
                "Trouver une session et y pré-inscrire une personne.".into()
            } else {
                "Le catalogue régional des sessions (LHÉO).".into()
            },
            figures: Vec::new(),
        });
    }
    if allows(&me, &Action::ApproveFunderCodes) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/admin/codes-financeurs",
            title: "Codes financeurs LHÉO",
            text: "Approuver les codes que les financeurs demandent : un code, un financeur."
                .into(),
            figures: Vec::new(),
        });
    }
    Ok(tiles)
}

/// « Mon espace »: pre-registrations of an agency, a centre, a funder.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Rows, Scope, scope};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if scope(me, Rows::Prescriptions) != Scope::Nothing {
        links.push(NavLink::new("/preinscriptions", "Pré-inscriptions"));
    }
    links
}
