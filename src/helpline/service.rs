//! The information line's rules: logging a call, the public form (honeypot and rate
//! limit), e-mails taken in, answering, routing to a partner with a single-use link,
//! asking the requester for details (the clock pauses), closing and reopening, reminders
//! and escalation. Every read is scoped through the policy module; "now" is a parameter.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::mailparse::{ReceivedMail, strip_quoted};
use super::model::{AgeBand, CallerKind, Channel, Situation, Status};
use super::sla::{self, BusinessHours, Clock};
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, HelplineRef, allows, authorize};
use crate::auth::store::staff_emails;
use crate::db::{DbConnection, new_id, schema::*};
use crate::error::{AppError, AppResult};
use crate::types::{EmailAddress, OrgKind, Role};

/// Days a partner's single-use answer link stays valid.
pub const LINK_DAYS: i64 = 8;
/// Web form submissions accepted from one client address per hour (twice as many for one
/// e-mail address, which several people of one household or school may share).
pub const WEB_LIMIT_PER_HOUR: i64 = 5;

/// The public form's use of the shared throttle (each submission sends a confirmation).
const WEB_LIMIT: crate::auth::throttle::Limit = crate::auth::throttle::Limit {
    action: "helpline_question",
    per_email: 2 * WEB_LIMIT_PER_HOUR,
    per_ip: WEB_LIMIT_PER_HOUR,
    window_minutes: 60,
    message: "Vous avez déjà envoyé plusieurs questions depuis cette connexion ou avec cette adresse : réessayez dans une heure, ou appelez-nous.",
};
/// Name of the line in mails.
pub const LINE_NAME: &str = "Cap Info";

const MAX_QUESTION: usize = 4000;

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = helpline_requests)]
pub struct Request {
    pub id: String,
    pub reference: String,
    pub channel: String,
    pub status: String,
    pub topic: String,
    pub caller_kind: String,
    pub age_band: String,
    pub situation: String,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_phone: Option<String>,
    pub subject: String,
    pub question: String,
    pub partner_id: Option<String>,
    pub officer_id: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub received_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub clock_started_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub paused_since: Option<NaiveDateTime>,
    pub paused_seconds: i64,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub first_response_at: Option<NaiveDateTime>,
    pub first_response_seconds: Option<i64>,
    pub first_response_by: Option<String>,
    pub first_response_partner_id: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub reminded_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub escalated_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub closed_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
}

impl Request {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::New)
    }
    pub fn channel(&self) -> Channel {
        Channel::parse(&self.channel).unwrap_or(Channel::Phone)
    }
    pub fn caller_kind(&self) -> CallerKind {
        CallerKind::parse(&self.caller_kind).unwrap_or(CallerKind::Individual)
    }
    pub fn age_band(&self) -> AgeBand {
        AgeBand::parse(&self.age_band).unwrap_or(AgeBand::Unknown)
    }
    pub fn situation(&self) -> Situation {
        Situation::parse(&self.situation).unwrap_or(Situation::Unknown)
    }
    pub fn policy_ref(&self) -> HelplineRef {
        HelplineRef {
            partner_id: self.partner_id.clone(),
        }
    }
    /// The current cycle's clock.
    pub fn clock(&self, hours: &BusinessHours, now: NaiveDateTime) -> Clock {
        sla::clock(
            hours,
            self.clock_started_at,
            self.paused_seconds,
            self.paused_since,
            now,
        )
    }
    /// Whether the 2 working days ran out without an answer in this cycle.
    pub fn overdue(&self, hours: &BusinessHours, now: NaiveDateTime) -> bool {
        self.status().awaits_answer() && self.clock(hours, now).overdue()
    }
    /// `[CAP-…]`, put in every mail subject.
    pub fn tag(&self) -> String {
        format!("[{}]", self.reference)
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = helpline_topics)]
pub struct Topic {
    pub code: String,
    pub label: String,
    pub position: i32,
    pub active: bool,
}

pub fn topics(conn: &mut DbConnection, only_active: bool) -> AppResult<Vec<Topic>> {
    let mut query = helpline_topics::table
        .order((helpline_topics::position, helpline_topics::code))
        .select(Topic::as_select())
        .into_boxed();
    if only_active {
        query = query.filter(helpline_topics::active.eq(true));
    }
    Ok(query.load(conn)?)
}

fn topic_label(conn: &mut DbConnection, code: &str) -> AppResult<String> {
    Ok(helpline_topics::table
        .find(code)
        .select(helpline_topics::label)
        .first::<String>(conn)
        .optional()?
        .unwrap_or_else(|| code.to_owned()))
}

/// A call logged by an officer (the phone form and the API).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CallInput {
    /// individual or professional.
    #[serde(default)]
    pub caller_kind: String,
    /// under_18, 18_25, 26_44, 45_plus or unknown.
    #[serde(default)]
    pub age_band: String,
    /// pupil, job_seeker, employee, apprentice, parent, adviser, other or unknown.
    #[serde(default)]
    pub situation: String,
    /// A topic code of the managed list.
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub question: String,
    /// The answer given on the phone; empty when the request waits (to route or answer later).
    #[serde(default)]
    pub answer: String,
    #[serde(default)]
    pub requester_name: String,
    /// To send the written answer, optional.
    #[serde(default)]
    pub requester_email: String,
    #[serde(default)]
    pub requester_phone: String,
}

/// The public form.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct WebInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub caller_kind: String,
    #[serde(default)]
    pub age_band: String,
    #[serde(default)]
    pub situation: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub question: String,
    /// Honeypot: hidden from people, filled by robots.
    #[serde(default)]
    pub site_web: String,
}

struct NewRequest {
    channel: Channel,
    topic: String,
    caller_kind: CallerKind,
    age_band: AgeBand,
    situation: Situation,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    subject: String,
    question: String,
    officer_id: Option<String>,
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

fn subject_of(question: &str) -> String {
    let first = question
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let mut subject: String = first.trim().chars().take(80).collect();
    if first.trim().chars().count() > 80 {
        subject.push('…');
    }
    subject
}

/// Checks what describes a caller; pushes French errors.
fn check_caller(
    conn: &mut DbConnection,
    topic: &str,
    caller_kind: &str,
    age_band: &str,
    situation: &str,
    question: &str,
    errors: &mut Vec<String>,
) -> AppResult<(CallerKind, AgeBand, Situation)> {
    let active = topics(conn, true)?;
    if !active.iter().any(|t| t.code == topic.trim()) {
        errors.push("Choisissez le thème de la demande.".into());
    }
    let kind = CallerKind::parse(caller_kind.trim());
    if kind.is_none() {
        errors.push("Indiquez s’il s’agit d’un particulier ou d’un·e professionnel·le.".into());
    }
    let age = match age_band.trim() {
        "" => Some(AgeBand::Unknown),
        a => AgeBand::parse(a),
    };
    if age.is_none() {
        errors.push("Tranche d’âge inconnue.".into());
    }
    let situation = match situation.trim() {
        "" => Some(Situation::Unknown),
        s => Situation::parse(s),
    };
    if situation.is_none() {
        errors.push("Situation inconnue.".into());
    }
    if question.trim().is_empty() {
        errors.push("Écrivez la question posée.".into());
    } else if question.chars().count() > MAX_QUESTION {
        errors.push(format!(
            "La question ne doit pas dépasser {MAX_QUESTION} caractères."
        ));
    }
    Ok((
        kind.unwrap_or(CallerKind::Individual),
        age.unwrap_or(AgeBand::Unknown),
        situation.unwrap_or(Situation::Unknown),
    ))
}

fn new_reference(id: &str) -> String {
    let compact: String = id.chars().filter(|c| *c != '-').collect();
    format!("CAP-{}", compact[compact.len() - 8..].to_uppercase())
}

fn insert(conn: &mut DbConnection, new: NewRequest, at: NaiveDateTime) -> AppResult<Request> {
    let id = new_id();
    diesel::insert_into(helpline_requests::table)
        .values((
            helpline_requests::id.eq(&id),
            helpline_requests::reference.eq(new_reference(&id)),
            helpline_requests::channel.eq(new.channel.as_str()),
            helpline_requests::status.eq(Status::New.as_str()),
            helpline_requests::topic.eq(new.topic.trim()),
            helpline_requests::caller_kind.eq(new.caller_kind.as_str()),
            helpline_requests::age_band.eq(new.age_band.as_str()),
            helpline_requests::situation.eq(new.situation.as_str()),
            helpline_requests::requester_name.eq(&new.name),
            helpline_requests::requester_email.eq(&new.email),
            helpline_requests::requester_phone.eq(&new.phone),
            helpline_requests::subject.eq(&new.subject),
            helpline_requests::question.eq(&new.question),
            helpline_requests::officer_id.eq(&new.officer_id),
            helpline_requests::received_at.eq(at),
            helpline_requests::clock_started_at.eq(at),
            helpline_requests::paused_seconds.eq(0i64),
            helpline_requests::updated_at.eq(at),
        ))
        .execute(conn)?;
    load(conn, &id)
}

fn load(conn: &mut DbConnection, id: &str) -> AppResult<Request> {
    helpline_requests::table
        .find(id)
        .select(Request::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

#[allow(clippy::too_many_arguments)]
fn record_event(
    conn: &mut DbConnection,
    request_id: &str,
    kind: &str,
    body: Option<&str>,
    user: Option<&CurrentUser>,
    organisation_id: Option<&str>,
    message_id: Option<&str>,
    at: NaiveDateTime,
) -> AppResult<()> {
    diesel::insert_into(helpline_events::table)
        .values((
            helpline_events::id.eq(new_id()),
            helpline_events::request_id.eq(request_id),
            helpline_events::kind.eq(kind),
            helpline_events::body.eq(body),
            helpline_events::user_id.eq(user.map(|u| u.id.clone())),
            helpline_events::organisation_id.eq(organisation_id
                .map(str::to_owned)
                .or_else(|| user.and_then(|u| u.organisation_id.clone()))),
            helpline_events::message_id.eq(message_id),
            helpline_events::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Mails the requester about their request; returns the Message-ID the mail will carry.
fn mail_requester(
    conn: &mut DbConnection,
    r: &Request,
    subject: &str,
    text: &str,
) -> AppResult<Option<String>> {
    let Some(email) = &r.requester_email else {
        return Ok(None);
    };
    // The messages of the exchange so far, so that the requester's mail program threads it.
    let mut thread: Vec<String> = helpline_events::table
        .filter(helpline_events::request_id.eq(&r.id))
        .filter(helpline_events::message_id.is_not_null())
        .order((
            helpline_events::created_at.desc(),
            helpline_events::id.desc(),
        ))
        .select(helpline_events::message_id.assume_not_null())
        .limit(10)
        .load(conn)?;
    thread.reverse();
    let mail = super::mails::ToRequester {
        tag: r.tag(),
        what: subject,
        name: r.requester_name.as_deref(),
        text,
        question: &r.subject,
        reference: &r.reference,
    };
    let id = crate::mail::enqueue_in_thread(conn, email, &mail, &thread)?;
    Ok(Some(format!("<{id}@passerelle>")))
}

/// An officer logs a phone call; answered at once when an answer is given.
pub fn log_call(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &CallInput,
    hours: &BusinessHours,
    base_url: &str,
) -> AppResult<Result<Request, Vec<String>>> {
    let now = crate::db::now();
    authorize(user, &Action::WorkHelpline)?;
    let mut errors = Vec::new();
    let (kind, age, situation) = check_caller(
        conn,
        &input.topic,
        &input.caller_kind,
        &input.age_band,
        &input.situation,
        &input.question,
        &mut errors,
    )?;
    let email = match optional(&input.requester_email) {
        None => None,
        Some(e) => match EmailAddress::parse(&e) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(message) => {
                errors.push(message.to_owned());
                None
            }
        },
    };
    if input.answer.chars().count() > MAX_QUESTION {
        errors.push(format!(
            "La réponse ne doit pas dépasser {MAX_QUESTION} caractères."
        ));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let r = insert(
        conn,
        NewRequest {
            channel: Channel::Phone,
            topic: input.topic.clone(),
            caller_kind: kind,
            age_band: age,
            situation,
            name: optional(&input.requester_name),
            email,
            phone: optional(&input.requester_phone),
            subject: subject_of(&input.question),
            question: input.question.trim().to_owned(),
            officer_id: Some(user.id.clone()),
        },
        now,
    )?;
    record_event(conn, &r.id, "received", None, Some(user), None, None, now)?;
    if let Some(answer) = optional(&input.answer) {
        record_answer(conn, &r, Some(user), None, &answer, hours, base_url, now)?;
    }
    load(conn, &r.id).map(Ok)
}

/// The public form: a robot filling the hidden field gets the same thanks and nothing is
/// recorded; more than [`WEB_LIMIT_PER_HOUR`] submissions an hour from one client address
/// (or twice as many for one e-mail address) are refused (429, the shared `auth::throttle`). Returns the reference given to the person.
pub fn submit_web(
    conn: &mut DbConnection,
    input: &WebInput,
    ip: &str,
) -> AppResult<Result<Option<String>, Vec<String>>> {
    let now = crate::db::now();
    if !input.site_web.trim().is_empty() {
        tracing::info!(ip, "helpline web form: honeypot filled, ignored");
        return Ok(Ok(None));
    }
    let mut errors = Vec::new();
    let (kind, age, situation) = check_caller(
        conn,
        &input.topic,
        &input.caller_kind,
        &input.age_band,
        &input.situation,
        &input.question,
        &mut errors,
    )?;
    let email = match EmailAddress::parse(&input.email) {
        Ok(e) => Some(e.as_str().to_owned()),
        Err(message) => {
            errors.push(if input.email.trim().is_empty() {
                "Indiquez votre adresse e-mail : la réponse vous sera envoyée par courriel."
                    .to_owned()
            } else {
                message.to_owned()
            });
            None
        }
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    crate::auth::throttle::hit(conn, &WEB_LIMIT, email.as_deref(), ip)?;
    let r = insert(
        conn,
        NewRequest {
            channel: Channel::Web,
            topic: input.topic.clone(),
            caller_kind: kind,
            age_band: age,
            situation,
            name: optional(&input.name),
            email,
            phone: optional(&input.phone),
            subject: subject_of(&input.question),
            question: input.question.trim().to_owned(),
            officer_id: None,
        },
        now,
    )?;
    let sent = mail_requester(
        conn,
        &r,
        "Votre question est bien reçue",
        "Nous avons bien reçu votre question. Un·e chargé·e d’information vous répond sous 2 jours ouvrés (du lundi au vendredi, hors jours fériés).",
    )?;
    record_event(
        conn,
        &r.id,
        "received",
        None,
        None,
        None,
        sent.as_deref(),
        now,
    )?;
    Ok(Ok(Some(r.reference)))
}

/// A request the caller may see; another organisation's answers 404.
pub fn get_for(conn: &mut DbConnection, user: &CurrentUser, id: &str) -> AppResult<Request> {
    let r = load(conn, id)?;
    if allows(user, &Action::ViewHelplineRequest(&r.policy_ref())) {
        Ok(r)
    } else {
        Err(AppError::not_found())
    }
}

/// Moves a request from one status to another only if nobody moved it meanwhile.
fn set_status(
    conn: &mut DbConnection,
    r: &Request,
    to: Status,
    now: NaiveDateTime,
) -> AppResult<()> {
    let moved = diesel::update(
        helpline_requests::table
            .find(&r.id)
            .filter(helpline_requests::status.eq(&r.status))
            .filter(helpline_requests::updated_at.eq(r.updated_at)),
    )
    .set((
        helpline_requests::status.eq(to.as_str()),
        helpline_requests::updated_at.eq(now),
    ))
    .execute(conn)?;
    if moved == 0 {
        return Err(AppError::conflict(
            "La demande vient d’être modifiée par quelqu’un d’autre : rechargez la page.",
        ));
    }
    Ok(())
}

/// Stops a pause (if any), counting its business seconds.
fn end_pause(
    conn: &mut DbConnection,
    r: &Request,
    hours: &BusinessHours,
    now: NaiveDateTime,
) -> AppResult<()> {
    if let Some(since) = r.paused_since {
        diesel::update(helpline_requests::table.find(&r.id))
            .set((
                helpline_requests::paused_since.eq(None::<NaiveDateTime>),
                helpline_requests::paused_seconds
                    .eq(r.paused_seconds + hours.seconds_between(since, now)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Records an answer by an officer (`partner` none) or a partner, mails it to the
/// requester and measures the first response.
#[allow(clippy::too_many_arguments)]
fn record_answer(
    conn: &mut DbConnection,
    r: &Request,
    user: Option<&CurrentUser>,
    partner: Option<&str>,
    body: &str,
    hours: &BusinessHours,
    base_url: &str,
    now: NaiveDateTime,
) -> AppResult<Status> {
    let _ = base_url;
    let to = if partner.is_some() {
        Status::AnsweredByPartner
    } else {
        Status::Answered
    };
    let elapsed = r.clock(hours, now).elapsed;
    set_status(conn, r, to, now)?;
    end_pause(conn, r, hours, now)?;
    if r.first_response_at.is_none() {
        diesel::update(helpline_requests::table.find(&r.id))
            .set((
                helpline_requests::first_response_at.eq(Some(now)),
                helpline_requests::first_response_seconds.eq(Some(elapsed)),
                helpline_requests::first_response_by.eq(Some(if partner.is_some() {
                    "partner"
                } else {
                    "officer"
                })),
                helpline_requests::first_response_partner_id.eq(partner),
            ))
            .execute(conn)?;
    }
    let who = match partner {
        Some(org) => crate::organisations::store::get(conn, org)?.name,
        None => format!("le service d’information {LINE_NAME}"),
    };
    let sent = mail_requester(
        conn,
        r,
        "Réponse à votre question",
        &format!("Voici la réponse apportée par {who} :\n\n{body}"),
    )?;
    record_event(
        conn,
        &r.id,
        if partner.is_some() {
            "partner_answer"
        } else {
            "answer"
        },
        Some(body),
        user,
        partner,
        sent.as_deref(),
        now,
    )?;
    Ok(to)
}

fn check_body(body: &str) -> Result<String, Vec<String>> {
    let body = body.trim();
    if body.is_empty() {
        Err(vec!["Écrivez la réponse.".into()])
    } else if body.chars().count() > MAX_QUESTION {
        Err(vec![format!(
            "La réponse ne doit pas dépasser {MAX_QUESTION} caractères."
        )])
    } else {
        Ok(body.to_owned())
    }
}

/// An officer answers (a new or routed request), or a responder of the partner it is routed
/// to answers from their space.
pub fn answer(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    body: &str,
    hours: &BusinessHours,
    base_url: &str,
) -> AppResult<Result<Status, Vec<String>>> {
    let now = crate::db::now();
    let r = get_for(conn, user, id)?;
    let body = match check_body(body) {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    if allows(user, &Action::WorkHelpline) {
        if !r.status().awaits_answer() {
            return Ok(Err(vec![
                "Cette demande a déjà sa réponse : rouvrez-la pour répondre à nouveau.".into(),
            ]));
        }
        return record_answer(conn, &r, Some(user), None, &body, hours, base_url, now).map(Ok);
    }
    authorize(user, &Action::AnswerHelplineAsPartner(&r.policy_ref()))?;
    if r.status() != Status::Routed {
        return Ok(Err(vec!["Cette demande a déjà reçu une réponse.".into()]));
    }
    let partner = r.partner_id.clone().unwrap_or_default();
    // The e-mailed links of this routing are no longer needed.
    diesel::update(
        helpline_links::table
            .filter(helpline_links::request_id.eq(&r.id))
            .filter(helpline_links::used_at.is_null()),
    )
    .set(helpline_links::used_at.eq(Some(now)))
    .execute(conn)?;
    record_answer(
        conn,
        &r,
        Some(user),
        Some(&partner),
        &body,
        hours,
        base_url,
        now,
    )
    .map(Ok)
}

/// Information partners a request may be routed to.
pub fn partners(conn: &mut DbConnection) -> AppResult<Vec<(String, String)>> {
    Ok(organisations::table
        .filter(organisations::kind.eq(OrgKind::InformationPartner.as_str()))
        .filter(organisations::status.eq("active"))
        .order(organisations::name)
        .select((organisations::id, organisations::name))
        .load(conn)?)
}

/// An officer routes a request to an information partner, whose responders get a mail with
/// a single-use link valid [`LINK_DAYS`] days. Returns the secret of the link (tests).
#[allow(clippy::too_many_arguments)]
pub fn route(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    partner_id: &str,
    note: &str,
    hours: &BusinessHours,
    base_url: &str,
) -> AppResult<Result<String, Vec<String>>> {
    let now = crate::db::now();
    authorize(user, &Action::WorkHelpline)?;
    let r = get_for(conn, user, id)?;
    if !r.status().awaits_answer() {
        return Ok(Err(vec![
            "Cette demande a déjà sa réponse : rouvrez-la pour la transmettre.".into(),
        ]));
    }
    let partner = partners(conn)?
        .into_iter()
        .find(|(id, _)| id == partner_id.trim());
    let Some((partner_id, partner_name)) = partner else {
        return Ok(Err(vec![
            "Choisissez le partenaire à qui transmettre.".into(),
        ]));
    };
    let emails = staff_emails(conn, &partner_id, &[Role::PartnerResponder])?;
    if emails.is_empty() {
        return Ok(Err(vec![format!(
            "{partner_name} n’a aucun·e répondant·e actif·ve sur Passerelle : choisissez un autre partenaire."
        )]));
    }
    set_status(conn, &r, Status::Routed, now)?;
    diesel::update(helpline_requests::table.find(&r.id))
        .set(helpline_requests::partner_id.eq(Some(&partner_id)))
        .execute(conn)?;
    // Links of an earlier routing stop working.
    diesel::update(
        helpline_links::table
            .filter(helpline_links::request_id.eq(&r.id))
            .filter(helpline_links::used_at.is_null()),
    )
    .set(helpline_links::used_at.eq(Some(now)))
    .execute(conn)?;
    let secret = crate::auth::tokens::random_secret();
    diesel::insert_into(helpline_links::table)
        .values((
            helpline_links::token_hash.eq(crate::auth::tokens::digest(&secret)),
            helpline_links::request_id.eq(&r.id),
            helpline_links::partner_id.eq(&partner_id),
            helpline_links::created_at.eq(now),
            helpline_links::expires_at.eq(now + Duration::days(LINK_DAYS)),
        ))
        .execute(conn)?;
    let note = optional(note);
    record_event(
        conn,
        &r.id,
        "routed",
        Some(&format!(
            "{partner_name}{}",
            note.as_deref()
                .map(|n| format!(" – {n}"))
                .unwrap_or_default()
        )),
        Some(user),
        None,
        None,
        now,
    )?;
    let due = r
        .clock(hours, now)
        .due_at
        .map(|d| crate::web::datetime_fr(&d))
        .unwrap_or_else(|| "dès que possible".into());
    let topic = topic_label(conn, &r.topic)?;
    for email in emails {
        let mail = super::mails::Routed {
            tag: r.tag(),
            topic: &topic,
            question: &r.question,
            note: note.as_deref(),
            due: &due,
            secret: &secret,
            id: &r.id,
            base_url,
        };
        crate::mail::enqueue(conn, &email, &mail)?;
    }
    Ok(Ok(secret))
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = helpline_links)]
pub struct Link {
    pub token_hash: String,
    pub request_id: String,
    pub partner_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// Why a link cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkProblem {
    Expired,
    Used,
}

impl LinkProblem {
    fn error(self) -> AppError {
        AppError::new(
            axum::http::StatusCode::GONE,
            "link_unusable",
            match self {
                LinkProblem::Expired => {
                    "Ce lien de réponse a expiré (il est valable 8 jours). Connectez-vous à votre espace Passerelle pour répondre, ou contactez Cap Info."
                }
                LinkProblem::Used => {
                    "Ce lien de réponse a déjà servi : la demande a reçu sa réponse ou a été transmise à nouveau. Connectez-vous à votre espace Passerelle pour la consulter."
                }
            },
        )
    }
}

/// Whether a link may be used at `now` (pure).
pub fn check_link(link: &Link, now: NaiveDateTime) -> Result<(), LinkProblem> {
    if link.used_at.is_some() {
        Err(LinkProblem::Used)
    } else if now >= link.expires_at {
        Err(LinkProblem::Expired)
    } else {
        Ok(())
    }
}

fn link(conn: &mut DbConnection, secret: &str) -> AppResult<Link> {
    helpline_links::table
        .find(crate::auth::tokens::digest(secret))
        .select(Link::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

/// The request behind a usable link (its page), with the partner's name.
pub fn link_request(conn: &mut DbConnection, secret: &str) -> AppResult<(Request, String)> {
    let now = crate::db::now();
    let l = link(conn, secret)?;
    check_link(&l, now).map_err(LinkProblem::error)?;
    let r = load(conn, &l.request_id)?;
    if r.status() != Status::Routed || r.partner_id.as_deref() != Some(l.partner_id.as_str()) {
        return Err(LinkProblem::Used.error());
    }
    let partner = crate::organisations::store::get(conn, &l.partner_id)?.name;
    Ok((r, partner))
}

/// A partner's responder answers through the e-mailed link, once.
pub fn answer_by_link(
    conn: &mut DbConnection,
    secret: &str,
    body: &str,
    hours: &BusinessHours,
    base_url: &str,
) -> AppResult<Result<Status, Vec<String>>> {
    let now = crate::db::now();
    let (r, _) = link_request(conn, secret)?;
    let body = match check_body(body) {
        Ok(b) => b,
        Err(e) => return Ok(Err(e)),
    };
    let hash = crate::auth::tokens::digest(secret);
    let won = diesel::update(
        helpline_links::table
            .find(&hash)
            .filter(helpline_links::used_at.is_null()),
    )
    .set(helpline_links::used_at.eq(Some(now)))
    .execute(conn)?;
    if won == 0 {
        return Err(LinkProblem::Used.error());
    }
    let partner = r.partner_id.clone().unwrap_or_default();
    record_answer(conn, &r, None, Some(&partner), &body, hours, base_url, now).map(Ok)
}

/// The officer asks the requester for details: the clock pauses until they reply (or the
/// officer resumes it).
pub fn ask_details(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    body: &str,
) -> AppResult<Result<(), Vec<String>>> {
    let now = crate::db::now();
    authorize(user, &Action::WorkHelpline)?;
    let r = get_for(conn, user, id)?;
    if !r.status().awaits_answer() || r.paused_since.is_some() {
        return Ok(Err(vec![
            "Le délai ne peut être suspendu que sur une demande en attente de réponse.".into(),
        ]));
    }
    let body = match check_body(body) {
        Ok(b) => b,
        Err(_) => return Ok(Err(vec!["Écrivez les précisions demandées.".into()])),
    };
    diesel::update(helpline_requests::table.find(&r.id))
        .set((
            helpline_requests::paused_since.eq(Some(now)),
            helpline_requests::updated_at.eq(now),
        ))
        .execute(conn)?;
    let sent = mail_requester(
        conn,
        &r,
        "Nous avons besoin de précisions",
        &format!("Pour vous répondre, nous avons besoin de précisions :\n\n{body}"),
    )?;
    record_event(
        conn,
        &r.id,
        "info_requested",
        Some(&body),
        Some(user),
        None,
        sent.as_deref(),
        now,
    )?;
    Ok(Ok(()))
}

/// The officer restarts a paused clock (the requester called back, for instance).
pub fn resume(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    hours: &BusinessHours,
) -> AppResult<()> {
    let now = crate::db::now();
    authorize(user, &Action::WorkHelpline)?;
    let r = get_for(conn, user, id)?;
    if r.paused_since.is_some() {
        end_pause(conn, &r, hours, now)?;
        record_event(conn, &r.id, "resumed", None, Some(user), None, None, now)?;
    }
    Ok(())
}

pub fn close(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    hours: &BusinessHours,
) -> AppResult<Result<(), Vec<String>>> {
    let now = crate::db::now();
    authorize(user, &Action::WorkHelpline)?;
    let r = get_for(conn, user, id)?;
    if r.status() == Status::Closed {
        return Ok(Err(vec!["Cette demande est déjà close.".into()]));
    }
    set_status(conn, &r, Status::Closed, now)?;
    end_pause(conn, &r, hours, now)?;
    diesel::update(helpline_requests::table.find(&r.id))
        .set(helpline_requests::closed_at.eq(Some(now)))
        .execute(conn)?;
    record_event(conn, &r.id, "closed", None, Some(user), None, None, now)?;
    Ok(Ok(()))
}

/// Back to "new" with a fresh 2-working-day clock.
fn reopen_request(conn: &mut DbConnection, r: &Request, now: NaiveDateTime) -> AppResult<()> {
    set_status(conn, r, Status::New, now)?;
    diesel::update(helpline_requests::table.find(&r.id))
        .set((
            helpline_requests::clock_started_at.eq(now),
            helpline_requests::paused_since.eq(None::<NaiveDateTime>),
            helpline_requests::paused_seconds.eq(0i64),
            helpline_requests::reminded_at.eq(None::<NaiveDateTime>),
            helpline_requests::escalated_at.eq(None::<NaiveDateTime>),
            helpline_requests::closed_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn reopen(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    reason: &str,
) -> AppResult<Result<(), Vec<String>>> {
    let now = crate::db::now();
    authorize(user, &Action::WorkHelpline)?;
    let r = get_for(conn, user, id)?;
    if !r.status().is_answered() {
        return Ok(Err(vec!["Cette demande est encore ouverte.".into()]));
    }
    reopen_request(conn, &r, now)?;
    record_event(
        conn,
        &r.id,
        "reopened",
        optional(reason).as_deref(),
        Some(user),
        None,
        None,
        now,
    )?;
    Ok(Ok(()))
}

/// An officer changes the topic (e-mails arrive as "other").
pub fn classify(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    topic: &str,
) -> AppResult<Result<(), Vec<String>>> {
    let now = crate::db::now();
    authorize(user, &Action::WorkHelpline)?;
    let r = get_for(conn, user, id)?;
    if !topics(conn, true)?.iter().any(|t| t.code == topic) {
        return Ok(Err(vec!["Choisissez un thème de la liste.".into()]));
    }
    diesel::update(helpline_requests::table.find(&r.id))
        .set(helpline_requests::topic.eq(topic))
        .execute(conn)?;
    let label = topic_label(conn, topic)?;
    record_event(
        conn,
        &r.id,
        "classified",
        Some(&label),
        Some(user),
        None,
        None,
        now,
    )?;
    Ok(Ok(()))
}

/// What became of a received mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intake {
    Created(String),
    Attached(String),
    Ignored(&'static str),
}

/// The `[CAP-XXXXXXXX]` reference in a subject.
pub fn reference_in(subject: &str) -> Option<String> {
    let upper = subject.to_uppercase();
    let start = upper.find("[CAP-")?;
    let rest = &upper[start + 1..];
    let end = rest.find(']')?;
    let reference = &rest[..end];
    (reference.len() == 12 && reference[4..].chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| reference.to_owned())
}

/// The request a reply belongs to: by the Message-IDs it answers, or by the reference in its
/// subject; only when it comes from the requester's address.
fn thread_of(conn: &mut DbConnection, mail: &ReceivedMail) -> AppResult<Option<Request>> {
    let mut found: Option<String> = None;
    if !mail.thread_ids.is_empty() {
        found = helpline_events::table
            .filter(helpline_events::message_id.eq_any(&mail.thread_ids))
            .select(helpline_events::request_id)
            .first(conn)
            .optional()?;
    }
    if found.is_none()
        && let Some(reference) = reference_in(&mail.subject)
    {
        found = helpline_requests::table
            .filter(helpline_requests::reference.eq(reference))
            .select(helpline_requests::id)
            .first(conn)
            .optional()?;
    }
    let Some(id) = found else {
        return Ok(None);
    };
    let r = load(conn, &id)?;
    Ok((r.requester_email.as_deref() == Some(mail.from_address.as_str())).then_some(r))
}

/// Takes in one received mail: a reply joins its request (reopening it if it was answered,
/// restarting a paused clock), anything else becomes a new request, acknowledged by mail.
pub fn take_mail(
    conn: &mut DbConnection,
    mail: &ReceivedMail,
    hours: &BusinessHours,
) -> AppResult<Intake> {
    let now = crate::db::now();
    if mail.automatic {
        return Ok(Intake::Ignored("message automatique"));
    }
    if let Some(id) = &mail.message_id {
        let seen: i64 = helpline_events::table
            .filter(helpline_events::message_id.eq(id))
            .count()
            .get_result(conn)?;
        if seen > 0 {
            return Ok(Intake::Ignored("message déjà reçu"));
        }
    }
    let text = strip_quoted(&mail.body);
    let text = if text.is_empty() {
        "(message sans texte)".to_owned()
    } else {
        text.chars().take(MAX_QUESTION).collect()
    };
    if let Some(r) = thread_of(conn, mail)? {
        if r.status().is_answered() {
            reopen_request(conn, &r, now)?;
            record_event(
                conn,
                &r.id,
                "reopened",
                Some("Le demandeur a répondu par courriel."),
                None,
                None,
                None,
                now,
            )?;
        } else if r.paused_since.is_some() {
            end_pause(conn, &r, hours, now)?;
        }
        record_event(
            conn,
            &r.id,
            "requester_reply",
            Some(&text),
            None,
            None,
            mail.message_id.as_deref(),
            now,
        )?;
        diesel::update(helpline_requests::table.find(&r.id))
            .set(helpline_requests::updated_at.eq(now))
            .execute(conn)?;
        return Ok(Intake::Attached(r.reference));
    }
    let subject = {
        let s = mail.subject.trim();
        if s.is_empty() {
            subject_of(&text)
        } else {
            s.chars().take(200).collect()
        }
    };
    let r = insert(
        conn,
        NewRequest {
            channel: Channel::Email,
            topic: "other".into(),
            caller_kind: CallerKind::Individual,
            age_band: AgeBand::Unknown,
            situation: Situation::Unknown,
            name: mail.from_name.clone(),
            email: Some(mail.from_address.clone()),
            phone: None,
            subject,
            question: text,
            officer_id: None,
        },
        now,
    )?;
    record_event(
        conn,
        &r.id,
        "received",
        None,
        None,
        None,
        mail.message_id.as_deref(),
        now,
    )?;
    let sent = mail_requester(
        conn,
        &r,
        "Votre question est bien reçue",
        "Nous avons bien reçu votre message. Un·e chargé·e d’information vous répond sous 2 jours ouvrés (du lundi au vendredi, hors jours fériés).",
    )?;
    if let Some(sent) = sent {
        record_event(
            conn,
            &r.id,
            "note",
            Some("Accusé de réception envoyé."),
            None,
            None,
            Some(&sent),
            now,
        )?;
    }
    Ok(Intake::Created(r.reference))
}

/// Who receives escalations: regional administrators and officers flagged supervisor.
fn supervisors(conn: &mut DbConnection) -> AppResult<Vec<String>> {
    let mut emails: Vec<String> = users::table
        .filter(users::status.eq("active"))
        .filter(users::role.eq(Role::RegionalAdmin.as_str()))
        .select(users::email)
        .load(conn)?;
    emails.extend(
        users::table
            .inner_join(helpline_supervisors::table.on(helpline_supervisors::user_id.eq(users::id)))
            .filter(users::status.eq("active"))
            .select(users::email)
            .load::<String>(conn)?,
    );
    emails.sort();
    emails.dedup();
    Ok(emails)
}

fn officers(conn: &mut DbConnection) -> AppResult<Vec<String>> {
    Ok(users::table
        .filter(users::status.eq("active"))
        .filter(users::role.eq(Role::InfoOfficer.as_str()))
        .select(users::email)
        .load(conn)?)
}

/// Info officers flagged supervisor, with the flag.
pub fn officer_flags(conn: &mut DbConnection) -> AppResult<Vec<(String, String, bool)>> {
    let rows: Vec<(String, String, String, Option<String>)> = users::table
        .left_join(helpline_supervisors::table.on(helpline_supervisors::user_id.eq(users::id)))
        .filter(users::role.eq(Role::InfoOfficer.as_str()))
        .filter(users::status.eq("active"))
        .order((users::last_name, users::first_name))
        .select((
            users::id,
            users::first_name,
            users::last_name,
            helpline_supervisors::user_id.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, first, last, flag)| (id, format!("{first} {last}"), flag.is_some()))
        .collect())
}

pub fn set_supervisor(
    conn: &mut DbConnection,
    user: &CurrentUser,
    officer_id: &str,
    supervisor: bool,
) -> AppResult<()> {
    authorize(user, &Action::ManageHelplineSupervisors)?;
    if !officer_flags(conn)?
        .iter()
        .any(|(id, _, _)| id == officer_id)
    {
        return Err(AppError::not_found());
    }
    diesel::delete(helpline_supervisors::table.find(officer_id)).execute(conn)?;
    if supervisor {
        diesel::insert_into(helpline_supervisors::table)
            .values(helpline_supervisors::user_id.eq(officer_id))
            .execute(conn)?;
    }
    Ok(())
}

/// Adds a topic or switches one on or off (officers).
pub fn save_topic(
    conn: &mut DbConnection,
    user: &CurrentUser,
    label: &str,
    toggle: Option<&str>,
) -> AppResult<Result<(), Vec<String>>> {
    authorize(user, &Action::WorkHelpline)?;
    if let Some(code) = toggle {
        let topic: Topic = helpline_topics::table
            .find(code)
            .select(Topic::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(AppError::not_found)?;
        diesel::update(helpline_topics::table.find(code))
            .set(helpline_topics::active.eq(!topic.active))
            .execute(conn)?;
        return Ok(Ok(()));
    }
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 80 {
        return Ok(Err(vec![
            "Écrivez l’intitulé du thème (80 caractères au plus).".into(),
        ]));
    }
    let code = crate::types::fold(label)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>();
    let existing = topics(conn, false)?;
    if existing
        .iter()
        .any(|t| t.code == code || crate::types::fold(&t.label) == crate::types::fold(label))
    {
        return Ok(Err(vec!["Ce thème existe déjà.".into()]));
    }
    let position = existing.iter().map(|t| t.position).max().unwrap_or(0) + 1;
    diesel::insert_into(helpline_topics::table)
        .values((
            helpline_topics::code.eq(code),
            helpline_topics::label.eq(label),
            helpline_topics::position.eq(position),
            helpline_topics::active.eq(true),
        ))
        .execute(conn)?;
    Ok(Ok(()))
}

/// Reminds whoever holds an unanswered request when one working day is left and tells the
/// supervisors once the 2 working days ran out, once each per cycle. Returns (reminders, escalations).
pub fn remind_and_escalate(
    conn: &mut DbConnection,
    hours: &BusinessHours,
    base_url: &str,
) -> AppResult<(usize, usize)> {
    let now = crate::db::now();
    let open: Vec<Request> = helpline_requests::table
        .filter(helpline_requests::status.eq_any([Status::New.as_str(), Status::Routed.as_str()]))
        .filter(helpline_requests::paused_since.is_null())
        .filter(
            helpline_requests::reminded_at
                .is_null()
                .or(helpline_requests::escalated_at.is_null()),
        )
        .select(Request::as_select())
        .load(conn)?;
    let (mut reminded, mut escalated) = (0, 0);
    for r in open {
        let clock = r.clock(hours, now);
        let link = format!("{base_url}/cap-info/demandes/{}", r.id);
        if clock.reminder_due() && r.reminded_at.is_none() {
            let to = match (&r.partner_id, r.status()) {
                (Some(p), Status::Routed) => staff_emails(conn, p, &[Role::PartnerResponder])?,
                _ => officers(conn)?,
            };
            let due = clock
                .due_at
                .map(|d| crate::web::datetime_fr(&d))
                .unwrap_or_default();
            for email in to {
                let mail = super::mails::Reminder {
                    tag: r.tag(),
                    subject: &r.subject,
                    due: &due,
                    link: &link,
                };
                crate::mail::enqueue(conn, &email, &mail)?;
            }
            diesel::update(helpline_requests::table.find(&r.id))
                .set(helpline_requests::reminded_at.eq(Some(now)))
                .execute(conn)?;
            record_event(conn, &r.id, "reminder", None, None, None, None, now)?;
            reminded += 1;
        }
        if clock.overdue() && r.escalated_at.is_none() {
            let holder = match &r.partner_id {
                Some(p) if r.status() == Status::Routed => {
                    crate::organisations::store::get(conn, p)?.name
                }
                _ => "le service d’information".to_owned(),
            };
            for email in supervisors(conn)? {
                let mail = super::mails::Escalation {
                    tag: r.tag(),
                    subject: &r.subject,
                    holder: &holder,
                    link: &link,
                };
                crate::mail::enqueue(conn, &email, &mail)?;
            }
            diesel::update(helpline_requests::table.find(&r.id))
                .set(helpline_requests::escalated_at.eq(Some(now)))
                .execute(conn)?;
            record_event(conn, &r.id, "escalated", None, None, None, None, now)?;
            escalated += 1;
        }
    }
    Ok((reminded, escalated))
}

/// One line of a request's history.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = HelplineEvent)]
pub struct Event {
    pub kind: String,
    pub label: String,
    pub body: Option<String>,
    pub by: String,
    pub organisation: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub at: NaiveDateTime,
    pub at_fr: String,
}

/// kind, body, time, first name, last name, organisation.
type EventRow = (
    String,
    Option<String>,
    NaiveDateTime,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub fn events(conn: &mut DbConnection, id: &str) -> AppResult<Vec<Event>> {
    let rows: Vec<EventRow> = helpline_events::table
        .left_join(users::table.on(users::id.nullable().eq(helpline_events::user_id)))
        .left_join(
            organisations::table.on(organisations::id
                .nullable()
                .eq(helpline_events::organisation_id)),
        )
        .filter(helpline_events::request_id.eq(id))
        .order((helpline_events::created_at, helpline_events::id))
        .select((
            helpline_events::kind,
            helpline_events::body,
            helpline_events::created_at,
            users::first_name.nullable(),
            users::last_name.nullable(),
            organisations::name.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(kind, body, at, first, last, org)| Event {
            label: super::model::event_label(&kind).to_owned(),
            by: match (first, last) {
                (Some(f), Some(l)) => format!("{f} {l}"),
                _ if kind == "requester_reply" || kind == "received" => "le demandeur".into(),
                _ if kind == "partner_answer" => "lien de réponse".into(),
                _ => "Passerelle".into(),
            },
            organisation: org.unwrap_or_default(),
            at_fr: crate::web::datetime_fr(&at),
            at,
            kind,
            body,
        })
        .collect())
}

/// The retention of the information line's requests (`retention_settings`).
pub const RETENTION: &str = "helpline_requests";

/// Erases the requests answered or closed whose last change is more than `days` before `at`
/// (their history and links go with them); a request still waiting for an answer stays.
/// Returns how many.
pub fn purge_old(conn: &mut DbConnection, at: NaiveDateTime, days: i64) -> AppResult<usize> {
    let limit = at - Duration::days(days);
    let waiting = [Status::New.as_str(), Status::Routed.as_str()];
    Ok(diesel::delete(
        helpline_requests::table
            .filter(helpline_requests::updated_at.lt(limit))
            .filter(helpline_requests::status.ne_all(waiting)),
    )
    .execute(conn)?)
}
