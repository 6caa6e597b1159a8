//! Applications to offers: who may apply, the steps of an application, messages between
//! candidate and recruiter, reminders of unanswered ones.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::CurrentUser;
use crate::auth::policy::{Action, allows};
use crate::auth::store::staff_emails;
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::{AppError, AppResult};
use crate::offers::{ContractType, OfferStatus};
use crate::types::{Role, string_enum};

string_enum! {
    /// Where an application stands.
    ApplicationStatus {
        Sent => "sent", "Envoyée";
        Read => "read", "Lue";
        InDiscussion => "in_discussion", "En discussion";
        Interview => "interview", "Entretien proposé";
        Hired => "hired", "Recrutement";
        Declined => "declined", "Non retenue";
        Withdrawn => "withdrawn", "Retirée";
    }
}

/// What someone does to an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Read,
    Message,
    Interview,
    Hire,
    Decline,
    Withdraw,
}

impl ApplicationStatus {
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Hired | Self::Declined | Self::Withdrawn)
    }

    /// `sent → read → in_discussion → interview → hired | declined (reason) | withdrawn`.
    pub fn after(self, step: Step) -> AppResult<ApplicationStatus> {
        use ApplicationStatus::*;
        let next = match (self, step) {
            (Sent, Step::Read) => Read,
            (s, Step::Read) => s,
            (Sent | Read, Step::Message) => InDiscussion,
            (s, Step::Message) if s.is_open() => s,
            (Sent | Read | InDiscussion, Step::Interview) => Interview,
            (Sent | Read | InDiscussion | Interview, Step::Hire) => Hired,
            (Sent | Read | InDiscussion | Interview, Step::Decline) => Declined,
            (s, Step::Withdraw) if s.is_open() => Withdrawn,
            (s, _) => {
                return Err(AppError::conflict(format!(
                    "Cette action n’est plus possible : la candidature est au statut « {} ».",
                    s.label()
                )));
            }
        };
        Ok(next)
    }
}

pub const DECLINE_REASONS: &[(&str, &str)] = &[
    ("profile", "Le profil ne correspond pas au poste"),
    ("filled", "Le poste est déjà pourvu"),
    ("training", "Pas de place dans la formation associée"),
    ("distance", "Le lieu de travail est trop éloigné"),
    ("other", "Autre raison (précisée dans le message)"),
];

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: String,
    pub offer_id: String,
    /// Empty once the candidate erased their account (the application stays, anonymised).
    pub candidate_id: Option<String>,
    pub managed_by_id: String,
    pub status: String,
    pub decline_reason: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub first_answered_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub reminded_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
    /// Once hired: `apprentissage` or `professionnalisation`.
    pub contract_type: Option<String>,
    /// Once hired: the contract's first day.
    pub contract_start: Option<NaiveDate>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub hired_at: Option<NaiveDateTime>,
    /// When the candidate confirmed (or corrected) the contract the company recorded.
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub contract_confirmed_at: Option<NaiveDateTime>,
    /// The candidate corrected the type or the first day.
    pub contract_corrected: bool,
}

impl Application {
    pub fn status(&self) -> ApplicationStatus {
        ApplicationStatus::parse(&self.status).unwrap_or(ApplicationStatus::Sent)
    }
    pub fn status_label(&self) -> &'static str {
        self.status().label()
    }
    pub fn contract_label(&self) -> &'static str {
        self.contract_type
            .as_deref()
            .and_then(ContractType::parse)
            .map_or("", ContractType::label)
    }
    pub fn contract_start_fr(&self) -> String {
        self.contract_start
            .map(|d| crate::web::date_fr(&d))
            .unwrap_or_default()
    }
    pub fn decline_label(&self) -> &'static str {
        let code = self.decline_reason.as_deref().unwrap_or("");
        DECLINE_REASONS
            .iter()
            .find(|(c, _)| *c == code)
            .map_or("", |(_, l)| l)
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = application_messages)]
#[schema(as = ApplicationMessage)]
pub struct Message {
    pub id: String,
    #[serde(skip)]
    pub application_id: String,
    #[serde(skip)]
    pub author_id: Option<String>,
    pub from_candidate: bool,
    pub body: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
}

/// Which side of an application the caller is on, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Candidate,
    Company,
}

/// The caller's side, or a 404 (another organisation's applications do not exist for it).
pub fn side(me: &CurrentUser, application: &Application) -> AppResult<Side> {
    if application.candidate_id.as_deref() == Some(me.id.as_str())
        && allows(me, &Action::ActAsCandidate)
    {
        return Ok(Side::Candidate);
    }
    if allows(me, &Action::ReceiveApplications)
        && me.organisation_id.as_deref() == Some(application.managed_by_id.as_str())
    {
        return Ok(Side::Company);
    }
    Err(AppError::not_found())
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<Application> {
    applications::table
        .find(id)
        .select(Application::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

pub fn messages(conn: &mut DbConnection, id: &str) -> AppResult<Vec<Message>> {
    Ok(application_messages::table
        .filter(application_messages::application_id.eq(id))
        .order(application_messages::created_at)
        .select(Message::as_select())
        .load(conn)?)
}

fn add_message(
    conn: &mut DbConnection,
    id: &str,
    author: &str,
    from_candidate: bool,
    body: &str,
) -> AppResult<()> {
    diesel::insert_into(application_messages::table)
        .values((
            application_messages::id.eq(new_id()),
            application_messages::application_id.eq(id),
            application_messages::author_id.eq(author),
            application_messages::from_candidate.eq(from_candidate),
            application_messages::body.eq(body),
            application_messages::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

fn check_body(body: &str, min: usize) -> AppResult<String> {
    let body = body.trim();
    if body.chars().count() < min {
        return Err(AppError::unprocessable(format!(
            "Écrivez un message de {min} caractères au moins."
        )));
    }
    if body.chars().count() > 4000 {
        return Err(AppError::unprocessable(
            "Le message ne doit pas dépasser 4 000 caractères.",
        ));
    }
    Ok(body.to_owned())
}

fn offer_title(conn: &mut DbConnection, offer_id: &str) -> AppResult<String> {
    Ok(offers::table
        .find(offer_id)
        .select(offers::title)
        .first(conn)?)
}

fn notify(
    conn: &mut DbConnection,
    application: &Application,
    to_side: Side,
    subject: &str,
    text: &str,
    base_url: &str,
) -> AppResult<()> {
    let title = offer_title(conn, &application.offer_id)?;
    let recipients = match to_side {
        Side::Company => staff_emails(
            conn,
            &application.managed_by_id,
            &[Role::Recruiter, Role::TrainingStaff],
        )?,
        Side::Candidate => match &application.candidate_id {
            Some(id) => users::table.find(id).select(users::email).load(conn)?,
            None => Vec::new(),
        },
    };
    for email in recipients {
        let mail = super::mails::Notice {
            what: subject,
            text,
            title: &title,
            id: &application.id,
            base_url,
        };
        crate::mail::enqueue(conn, &email, &mail)?;
    }
    Ok(())
}

/// A candidate applies to a published offer.
pub fn apply(
    conn: &mut DbConnection,
    base_url: &str,
    me: &CurrentUser,
    offer_id: &str,
    message: &str,
) -> AppResult<String> {
    if !allows(me, &Action::ActAsCandidate) {
        return Err(AppError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            "Seul·e un·e candidat·e peut postuler.",
        ));
    }
    let offer = crate::offers::store::get(conn, offer_id)?;
    if offer.status() != OfferStatus::Published {
        return Err(AppError::conflict(
            "Cette offre n’est plus ouverte aux candidatures.",
        ));
    }
    let body = check_body(message, 20)?;
    let id = new_id();
    let at = now();
    let inserted = diesel::insert_into(applications::table)
        .values((
            applications::id.eq(&id),
            applications::offer_id.eq(offer_id),
            applications::candidate_id.eq(&me.id),
            applications::managed_by_id.eq(&offer.managed_by_id),
            applications::status.eq(ApplicationStatus::Sent.as_str()),
            applications::created_at.eq(at),
            applications::updated_at.eq(at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::conflict(
                "Vous avez déjà postulé à cette offre : retrouvez-la dans « Mes candidatures ».",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    add_message(conn, &id, &me.id, true, &body)?;
    let application = get(conn, &id)?;
    notify(
        conn,
        &application,
        Side::Company,
        "Nouvelle candidature",
        &format!("{} a postulé à votre offre.", me.full_name()),
        base_url,
    )?;
    Ok(id)
}

/// An application the caller may open (its candidate or the organisation receiving it), and
/// from which side. Opening changes nothing: reading is the explicit `Step::Read`.
pub fn open(conn: &mut DbConnection, me: &CurrentUser, id: &str) -> AppResult<(Application, Side)> {
    let application = get(conn, id)?;
    let side = side(me, &application)?;
    Ok((application, side))
}

/// The contract a hire records (the company) or a candidate confirms: each left empty is
/// the offer's (its contract type, its start day).
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ContractInput {
    /// `apprentissage` or `professionnalisation`.
    #[serde(default)]
    pub contract_type: Option<String>,
    /// First day of the contract: JJ/MM/AAAA or AAAA-MM-JJ.
    #[serde(default)]
    pub contract_start: Option<String>,
}

/// What a step did: the application's new status, and the offer it filled (its last position
/// taken by this hire), whose change the caller publishes in the same transaction.
#[derive(Clone, Debug)]
pub struct StepDone {
    /// The status before the step (the caller publishes `applications::STATUS_CHANGED` when
    /// it differs).
    pub from: ApplicationStatus,
    pub status: ApplicationStatus,
    pub filled_offer: Option<String>,
}

/// Reads a contract typed by a person, the offer's values standing for what is left empty.
fn read_contract(
    conn: &mut DbConnection,
    offer_id: &str,
    input: &ContractInput,
) -> AppResult<(ContractType, NaiveDate)> {
    let offer = crate::offers::store::get(conn, offer_id)?;
    let mut errors = Vec::new();
    let kind = match input.contract_type.as_deref().map(str::trim) {
        None | Some("") => ContractType::parse(&offer.contract_type),
        Some(code) => {
            let kind = ContractType::parse(code);
            if kind.is_none() {
                errors.push(
                    "Choisissez le type de contrat : apprentissage ou professionnalisation."
                        .to_owned(),
                );
            }
            kind
        }
    };
    let start = match input.contract_start.as_deref().map(str::trim) {
        None | Some("") => Some(offer.start_date),
        Some(day) => crate::web::read_date_fr(
            day,
            "Indiquez la date de début du contrat au format JJ/MM/AAAA.",
            &mut errors,
        ),
    };
    match (kind, start) {
        (Some(kind), Some(start)) if errors.is_empty() => Ok((kind, start)),
        _ => Err(AppError::unprocessable(errors.join(" "))),
    }
}

/// After a hire: the offer is filled when its hires take all its positions.
fn fill_if_complete(
    conn: &mut DbConnection,
    base_url: &str,
    me: &CurrentUser,
    offer_id: &str,
) -> AppResult<Option<String>> {
    let offer = crate::offers::store::get(conn, offer_id)?;
    if offer.status() != OfferStatus::Published {
        return Ok(None);
    }
    let hired: i64 = applications::table
        .filter(applications::offer_id.eq(offer_id))
        .filter(applications::status.eq(ApplicationStatus::Hired.as_str()))
        .count()
        .get_result(conn)?;
    if hired < i64::from(offer.positions.max(1)) {
        return Ok(None);
    }
    crate::offers::service::apply(
        conn,
        base_url,
        me,
        offer_id,
        crate::offers::model::Transition::MarkFilled,
        None,
        crate::clock::today_paris(),
    )?;
    Ok(Some(offer_id.to_owned()))
}

/// A step by either side (message, interview, hire, decline, withdraw).
#[allow(clippy::too_many_arguments)]
pub fn step(
    conn: &mut DbConnection,
    base_url: &str,
    me: &CurrentUser,
    id: &str,
    step: Step,
    message: Option<&str>,
    reason: Option<&str>,
    contract: &ContractInput,
) -> AppResult<StepDone> {
    let application = get(conn, id)?;
    let side = side(me, &application)?;
    let allowed = match side {
        Side::Candidate => matches!(step, Step::Message | Step::Withdraw),
        Side::Company => matches!(
            step,
            Step::Read | Step::Message | Step::Interview | Step::Hire | Step::Decline
        ),
    };
    if !allowed {
        return Err(AppError::forbidden());
    }
    let from = application.status();
    let to = from.after(step)?;
    if step == Step::Read {
        // Marking read (a button, never by opening): no message, no mail, not an answer.
        diesel::update(
            applications::table
                .find(id)
                .filter(applications::status.eq(from.as_str())),
        )
        .set((
            applications::status.eq(to.as_str()),
            applications::updated_at.eq(now()),
        ))
        .execute(conn)?;
        return Ok(StepDone {
            from,
            status: to,
            filled_offer: None,
        });
    }
    let hire = match step {
        Step::Hire => Some(read_contract(conn, &application.offer_id, contract)?),
        _ => None,
    };
    let reason = match step {
        Step::Decline => {
            let code = reason.unwrap_or("");
            if !DECLINE_REASONS.iter().any(|(c, _)| *c == code) {
                return Err(AppError::unprocessable(
                    "Choisissez la raison pour laquelle la candidature n’est pas retenue.",
                ));
            }
            Some(code)
        }
        _ => None,
    };
    let body = match (step, message.map(str::trim).filter(|m| !m.is_empty())) {
        (Step::Message, Some(m)) => Some(check_body(m, 2)?),
        (Step::Message, None) => return Err(AppError::unprocessable("Écrivez votre message.")),
        (_, Some(m)) => Some(check_body(m, 2)?),
        (_, None) => None,
    };
    if let Some(body) = &body {
        add_message(conn, id, &me.id, side == Side::Candidate, body)?;
    }
    let at = now();
    let first_answer = side == Side::Company && application.first_answered_at.is_none();
    let n = diesel::update(
        applications::table
            .find(id)
            .filter(applications::status.eq(from.as_str())),
    )
    .set((
        applications::status.eq(to.as_str()),
        applications::updated_at.eq(at),
        applications::decline_reason.eq(reason),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::conflict(
            "La candidature a changé entre-temps : rechargez la page.",
        ));
    }
    if first_answer {
        diesel::update(applications::table.find(id))
            .set(applications::first_answered_at.eq(at))
            .execute(conn)?;
    }
    let mut filled_offer = None;
    if let Some((kind, start)) = hire {
        diesel::update(applications::table.find(id))
            .set((
                applications::hired_at.eq(at),
                applications::contract_type.eq(kind.as_str()),
                applications::contract_start.eq(start),
            ))
            .execute(conn)?;
        filled_offer = fill_if_complete(conn, base_url, me, &application.offer_id)?;
    }
    let (to_side, subject, text) = match (side, step) {
        (Side::Candidate, Step::Withdraw) => (
            Side::Company,
            "Candidature retirée",
            "Le ou la candidat·e a retiré sa candidature.".to_owned(),
        ),
        (Side::Candidate, _) => (
            Side::Company,
            "Nouveau message",
            "Le ou la candidat·e vous a écrit.".to_owned(),
        ),
        (Side::Company, Step::Interview) => (
            Side::Candidate,
            "Proposition d’entretien",
            "Le recruteur vous propose un entretien.".to_owned(),
        ),
        (Side::Company, Step::Hire) => (
            Side::Candidate,
            "Bonne nouvelle",
            match hire {
                Some((kind, start)) => format!(
                    "Le recruteur a retenu votre candidature. Félicitations ! Il a enregistré un {} \
                     commençant le {}. Ouvrez votre candidature pour confirmer ces informations ou \
                     les corriger.",
                    kind.label().to_lowercase(),
                    crate::web::date_fr(&start)
                ),
                None => "Le recruteur a retenu votre candidature. Félicitations !".to_owned(),
            },
        ),
        (Side::Company, Step::Decline) => (
            Side::Candidate,
            "Réponse à votre candidature",
            format!(
                "Le recruteur n’a pas retenu votre candidature ({}). Ne vous découragez pas : d’autres offres vous attendent.",
                DECLINE_REASONS
                    .iter()
                    .find(|(c, _)| Some(*c) == reason)
                    .map_or("", |(_, l)| l)
                    .to_lowercase()
            ),
        ),
        (Side::Company, _) => (
            Side::Candidate,
            "Nouveau message",
            "Le recruteur vous a écrit.".to_owned(),
        ),
    };
    let application = get(conn, id)?;
    notify(conn, &application, to_side, subject, &text, base_url)?;
    Ok(StepDone {
        from,
        status: to,
        filled_offer,
    })
}

/// The candidate confirms the contract the company recorded, or corrects its type or first
/// day (the company is told of a correction). Returns whether it was corrected.
pub fn confirm_contract(
    conn: &mut DbConnection,
    base_url: &str,
    me: &CurrentUser,
    id: &str,
    input: &ContractInput,
) -> AppResult<bool> {
    let application = get(conn, id)?;
    if side(me, &application)? != Side::Candidate {
        return Err(AppError::forbidden());
    }
    if application.status() != ApplicationStatus::Hired {
        return Err(AppError::conflict(
            "Il n’y a pas de contrat à confirmer : le recruteur n’a pas enregistré de recrutement.",
        ));
    }
    if application.contract_confirmed_at.is_some() {
        return Err(AppError::conflict(
            "Vous avez déjà confirmé ce contrat. Pour une autre correction, écrivez au recruteur.",
        ));
    }
    // Empty fields keep what the company recorded.
    let recorded = ContractInput {
        contract_type: input
            .contract_type
            .clone()
            .filter(|t| !t.trim().is_empty())
            .or(application.contract_type.clone()),
        contract_start: input
            .contract_start
            .clone()
            .filter(|d| !d.trim().is_empty())
            .or(application.contract_start.map(|d| d.to_string())),
    };
    let (kind, start) = read_contract(conn, &application.offer_id, &recorded)?;
    let corrected = Some(kind.as_str()) != application.contract_type.as_deref()
        || Some(start) != application.contract_start;
    let at = now();
    diesel::update(applications::table.find(id))
        .set((
            applications::contract_type.eq(kind.as_str()),
            applications::contract_start.eq(start),
            applications::contract_confirmed_at.eq(at),
            applications::contract_corrected.eq(corrected),
            applications::updated_at.eq(at),
        ))
        .execute(conn)?;
    let text = if corrected {
        format!(
            "Le ou la candidat·e a corrigé le contrat enregistré : {} commençant le {}.",
            kind.label().to_lowercase(),
            crate::web::date_fr(&start)
        )
    } else {
        "Le ou la candidat·e a confirmé le contrat enregistré.".to_owned()
    };
    let subject = if corrected {
        "Contrat corrigé par le ou la candidat·e"
    } else {
        "Contrat confirmé par le ou la candidat·e"
    };
    let application = get(conn, id)?;
    notify(conn, &application, Side::Company, subject, &text, base_url)?;
    Ok(corrected)
}

/// A row of a list of applications, with what people read.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ApplicationRow {
    #[serde(flatten)]
    pub application: Application,
    pub offer_title: String,
    /// Empty when the candidate erased their account.
    pub candidate_name: Option<String>,
}

pub fn for_candidate(
    conn: &mut DbConnection,
    candidate_id: &str,
) -> AppResult<Vec<ApplicationRow>> {
    let rows: Vec<(Application, String)> = applications::table
        .inner_join(offers::table)
        .filter(applications::candidate_id.eq(candidate_id))
        .order(applications::updated_at.desc())
        .select((Application::as_select(), offers::title))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(application, offer_title)| ApplicationRow {
            application,
            offer_title,
            candidate_name: None,
        })
        .collect())
}

pub fn for_organisation(conn: &mut DbConnection, org_id: &str) -> AppResult<Vec<ApplicationRow>> {
    let rows: Vec<(Application, String, Option<String>, Option<String>)> = applications::table
        .inner_join(offers::table)
        .left_join(users::table.on(users::id.nullable().eq(applications::candidate_id)))
        .filter(applications::managed_by_id.eq(org_id))
        .order(applications::updated_at.desc())
        .select((
            Application::as_select(),
            offers::title,
            users::first_name.nullable(),
            users::last_name.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(application, offer_title, first, last)| ApplicationRow {
            application,
            offer_title,
            candidate_name: first.zip(last).map(|(f, l)| format!("{f} {l}")),
        })
        .collect())
}

/// Whose applications a list shows: a candidate's own, or those an organisation receives
/// (the offers it manages).
#[derive(Clone, Debug)]
pub enum Scope {
    Candidate(String),
    Organisation(String),
}

/// The applications of `scope` changed at or after `since`, in the order of (`updated_at`,
/// `id`), those after `after` only (the position a cursor holds), `limit` of them.
pub fn changed_since(
    conn: &mut DbConnection,
    scope: &Scope,
    since: NaiveDateTime,
    after: Option<&(NaiveDateTime, String)>,
    limit: i64,
) -> AppResult<Vec<ApplicationRow>> {
    let mut query = applications::table
        .inner_join(offers::table)
        .left_join(users::table.on(users::id.nullable().eq(applications::candidate_id)))
        .filter(applications::updated_at.ge(since))
        .into_boxed();
    query = match scope {
        Scope::Candidate(id) => query.filter(applications::candidate_id.eq(id.clone())),
        Scope::Organisation(id) => query.filter(applications::managed_by_id.eq(id.clone())),
    };
    if let Some((at, id)) = after {
        query = query.filter(
            applications::updated_at.gt(*at).or(applications::updated_at
                .eq(*at)
                .and(applications::id.gt(id.clone()))),
        );
    }
    let rows: Vec<(Application, String, Option<String>, Option<String>)> = query
        .order((applications::updated_at, applications::id))
        .limit(limit)
        .select((
            Application::as_select(),
            offers::title,
            users::first_name.nullable(),
            users::last_name.nullable(),
        ))
        .load(conn)?;
    let organisation = matches!(scope, Scope::Organisation(_));
    Ok(rows
        .into_iter()
        .map(|(application, offer_title, first, last)| ApplicationRow {
            application,
            offer_title,
            candidate_name: first
                .zip(last)
                .filter(|_| organisation)
                .map(|(f, l)| format!("{f} {l}")),
        })
        .collect())
}

/// How an organisation answers: share of applications answered, median hours to answer.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct ResponseRate {
    pub received: i64,
    pub answered: i64,
    pub median_hours_to_answer: Option<i64>,
}

impl ResponseRate {
    pub fn percent(&self) -> i64 {
        if self.received == 0 {
            0
        } else {
            (self.answered * 100 + self.received / 2) / self.received
        }
    }
}

pub fn response_rate(conn: &mut DbConnection, org_id: &str) -> AppResult<ResponseRate> {
    let rows: Vec<(NaiveDateTime, Option<NaiveDateTime>, String)> = applications::table
        .filter(applications::managed_by_id.eq(org_id))
        .select((
            applications::created_at,
            applications::first_answered_at,
            applications::status,
        ))
        .load(conn)?;
    // Withdrawn before any answer: not the recruiter's to answer.
    let counted: Vec<_> = rows
        .into_iter()
        .filter(|(_, answered, status)| answered.is_some() || status != "withdrawn")
        .collect();
    let mut delays: Vec<i64> = counted
        .iter()
        .filter_map(|(at, answered, _)| answered.map(|a| (a - *at).num_hours()))
        .collect();
    delays.sort_unstable();
    Ok(ResponseRate {
        received: counted.len() as i64,
        answered: delays.len() as i64,
        median_hours_to_answer: (!delays.is_empty()).then(|| delays[delays.len() / 2]),
    })
}

/// Daily: reminds recruiters of applications left unanswered for 7 days (once).
pub fn remind_unanswered(
    conn: &mut DbConnection,
    base_url: &str,
    at: NaiveDateTime,
) -> AppResult<usize> {
    let due: Vec<Application> = applications::table
        .filter(applications::status.eq_any(["sent", "read"]))
        .filter(applications::created_at.lt(at - Duration::days(7)))
        .filter(applications::reminded_at.is_null())
        .select(Application::as_select())
        .load(conn)?;
    for application in &due {
        notify(
            conn,
            application,
            Side::Company,
            "Candidature en attente de réponse",
            "Une candidature attend votre réponse depuis plus de 7 jours. Même négative, une réponse aide le ou la candidat·e à avancer.",
            base_url,
        )?;
        diesel::update(applications::table.find(&application.id))
            .set(applications::reminded_at.eq(Some(at)))
            .execute(conn)?;
    }
    Ok(due.len())
}

/// The organisations a candidate applied to (their CV is shared with them).
pub fn organisations_applied_to(
    conn: &mut DbConnection,
    candidate_id: &str,
) -> AppResult<Vec<String>> {
    Ok(applications::table
        .filter(applications::candidate_id.eq(candidate_id))
        .filter(applications::status.ne("withdrawn"))
        .select(applications::managed_by_id)
        .distinct()
        .load(conn)?)
}

/// Follows [`DELEGATION_REVOKED`](crate::organisations::DELEGATION_REVOKED) (`[company,
/// centre]`): applications to the company's offers that the centre received go to the company,
/// and new ones too (the offers are handed back); the centre no longer sees them nor the CVs.
pub fn hand_back_to_company(conn: &mut DbConnection, ids: &[String]) -> AppResult<()> {
    let [company, centre] = ids else {
        return Err(AppError::internal(anyhow::anyhow!(
            "delegation_revoked carries [company, centre]"
        )));
    };
    let offers_of_company = offers::table
        .filter(offers::company_id.eq(company))
        .select(offers::id);
    diesel::update(
        applications::table
            .filter(applications::managed_by_id.eq(centre))
            .filter(applications::offer_id.eq_any(offers_of_company)),
    )
    .set(applications::managed_by_id.eq(company))
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ApplicationStatus::*;
    use super::*;

    #[test]
    fn lifecycle() {
        assert_eq!(Sent.after(Step::Read).unwrap(), Read);
        assert_eq!(Read.after(Step::Message).unwrap(), InDiscussion);
        assert_eq!(InDiscussion.after(Step::Interview).unwrap(), Interview);
        assert_eq!(Interview.after(Step::Hire).unwrap(), Hired);
        assert_eq!(Interview.after(Step::Decline).unwrap(), Declined);
        assert_eq!(Read.after(Step::Withdraw).unwrap(), Withdrawn);
        assert!(Hired.after(Step::Decline).is_err());
        assert!(Withdrawn.after(Step::Message).is_err());
        assert!(Declined.after(Step::Interview).is_err());
    }
}
