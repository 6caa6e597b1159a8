//! Pre-registrations: recording them, moving them along the legal transitions, the dialogue
//! thread, deadlines and reminders. Every read is scoped through the policy module.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::model::{DropoutReason, Qualification, RefusalReason, Side, Situation, Status, Step};
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, PrescriptionRef, authorize};
use crate::auth::store::staff_emails;
use crate::calendar;
use crate::clock::paris_day;
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::{AppError, AppResult};
use crate::trainings::model::RecruitmentState;
use crate::types::{EmailAddress, Role};

/// Working days a centre has to decide when the funder set nothing.
pub const DEFAULT_DECISION_DAYS: i32 = 10;
/// A reminder goes to the centre this many working days before the deadline.
pub const REMINDER_DAYS_BEFORE: i64 = 2;

/// The person, as the prescriber types them.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PersonInput {
    pub first_name: String,
    pub last_name: String,
    /// JJ/MM/AAAA or AAAA-MM-JJ.
    pub birth_date: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// pupil, apprentice, student, job_seeker, young_person, disabled_worker, employee or other.
    pub situation: String,
    /// Highest level reached, 0 (none) to 8.
    pub level: String,
    /// France Travail identifier, optional.
    #[serde(default)]
    pub job_seeker_id: String,
    /// The person agreed that their data is sent to the training centre.
    #[serde(default)]
    pub consent: bool,
    /// Optional, for the evaluation statistics only: female, male or undisclosed.
    #[serde(default)]
    pub sex: String,
    /// The person agreed to be told by mail of each decision of the training centre (needs
    /// `email`).
    #[serde(default)]
    pub decisions_by_mail: bool,
}

/// A new pre-registration: a person already followed by the agency, or a new one.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct NewPrescription {
    /// A person the agency already recorded (their id), or none to record `person`.
    #[serde(default)]
    pub person_id: Option<String>,
    #[serde(default)]
    pub person: Option<PersonInput>,
    /// Why the prescriber proposes this training.
    pub motive: String,
}

/// A step and what it needs.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = PrescriptionStepInput)]
pub struct StepInput {
    /// receive, schedule_info_session, schedule_interview, accept, refuse, wait_list, enter,
    /// not_enter, complete, drop_out or withdraw.
    pub step: String,
    /// The day the step names (interview, entry, end, drop-out): JJ/MM/AAAA or AAAA-MM-JJ.
    #[serde(default)]
    pub date: String,
    /// For a refusal: prerequisites_not_met, no_show, session_full, found_job,
    /// other_training, not_eligible or other.
    #[serde(default)]
    pub refusal_reason: String,
    /// Words: required for a refusal "other", a non-entry, and a drop-out without a coded
    /// reason or with the reason "other".
    #[serde(default)]
    pub detail: String,
    /// For a drop-out: job, other_training, health, personal, mobility, money, not_suited,
    /// excluded or other.
    #[serde(default)]
    pub dropout_reason: String,
    /// For the end of a training: obtained, partial, not_obtained or not_certifying.
    #[serde(default)]
    pub qualification: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = prescribed_people)]
pub struct Person {
    pub id: String,
    #[serde(skip)]
    pub agency_id: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: NaiveDate,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub situation: String,
    pub level: i32,
    pub job_seeker_id: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub consent_at: NaiveDateTime,
    #[serde(skip)]
    pub created_by: Option<String>,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
    /// Optional, for the region's statistics only: never sent to centres (see
    /// [`PersonExport`] for the person's own copy).
    #[serde(skip)]
    pub sex: Option<String>,
    /// When the person agreed to be told by mail of the centre's decisions (never sent to
    /// centres).
    #[serde(skip)]
    pub decisions_by_mail_at: Option<NaiveDateTime>,
}

impl Person {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
    pub fn situation_label(&self) -> &'static str {
        Situation::parse(&self.situation).map_or("", Situation::label)
    }
    pub fn birth_date_fr(&self) -> String {
        self.birth_date.format("%d/%m/%Y").to_string()
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = prescriptions)]
pub struct Prescription {
    pub id: String,
    pub session_id: String,
    pub person_id: String,
    pub agency_id: String,
    #[serde(skip)]
    pub prescriber_id: Option<String>,
    pub centre_id: String,
    pub funder_id: Option<String>,
    pub motive: String,
    pub status: String,
    pub refusal_reason: Option<String>,
    pub refusal_detail: Option<String>,
    pub outcome_reason: Option<String>,
    pub decision_due: NaiveDate,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub submitted_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub received_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub decided_at: Option<NaiveDateTime>,
    pub entry_date: Option<NaiveDate>,
    pub exit_date: Option<NaiveDate>,
    #[serde(skip)]
    pub reminded_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub updated_at: NaiveDateTime,
    /// Why the person dropped out (coded).
    pub dropout_reason: Option<String>,
    /// At the end: whether the qualification was obtained.
    pub qualification: Option<String>,
}

impl Prescription {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Submitted)
    }
    pub fn status_label(&self) -> &'static str {
        self.status().label()
    }
    pub fn dropout_label(&self) -> Option<&'static str> {
        self.dropout_reason
            .as_deref()
            .and_then(DropoutReason::parse)
            .map(DropoutReason::label)
    }
    pub fn qualification_label(&self) -> Option<&'static str> {
        self.qualification
            .as_deref()
            .and_then(Qualification::parse)
            .map(Qualification::label)
    }
    pub fn refusal_label(&self) -> Option<&'static str> {
        self.refusal_reason
            .as_deref()
            .and_then(RefusalReason::parse)
            .map(RefusalReason::label)
    }
    /// Past its deadline without a decision.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status().awaits_decision() && today > self.decision_due
    }
    /// Days from submission to entry, once entered.
    pub fn days_to_entry(&self) -> Option<i64> {
        self.entry_date
            .map(|d| (d - paris_day(self.submitted_at)).num_days())
    }
    /// Days from submission to the selection result, once decided.
    pub fn days_to_decision(&self) -> Option<i64> {
        self.decided_at
            .map(|d| (paris_day(d) - paris_day(self.submitted_at)).num_days())
    }
    pub fn reference(&self, funder_ids: Vec<String>) -> PrescriptionRef {
        PrescriptionRef {
            agency_id: self.agency_id.clone(),
            centre_id: self.centre_id.clone(),
            funder_ids,
        }
    }
}

/// One transition as it happened.
#[derive(Clone, Debug, Queryable, Serialize, utoipa::ToSchema)]
#[schema(as = PrescriptionEvent)]
pub struct Event {
    pub from_status: Option<String>,
    pub to_status: String,
    pub event_date: Option<NaiveDate>,
    pub note: Option<String>,
    /// Who made it (name) and for which organisation.
    pub by: String,
    pub organisation: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub at: NaiveDateTime,
}

impl Event {
    pub fn to_label(&self) -> &'static str {
        Status::parse(&self.to_status).map_or("", Status::label)
    }
    pub fn at_fr(&self) -> String {
        crate::web::datetime_fr(&self.at)
    }
    pub fn date_fr(&self) -> String {
        self.event_date
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    }
}

#[derive(Clone, Debug, Queryable, Serialize, utoipa::ToSchema)]
#[schema(as = PrescriptionMessage)]
pub struct Message {
    pub id: String,
    pub author: String,
    pub organisation: String,
    pub body: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: NaiveDateTime,
}

impl Message {
    pub fn at_fr(&self) -> String {
        crate::web::datetime_fr(&self.created_at)
    }
}

/// Funder organisations of a session's action.
pub fn session_funders(conn: &mut DbConnection, session_id: &str) -> AppResult<Vec<String>> {
    let ids: Vec<Option<String>> = training_sessions::table
        .inner_join(
            training_action_funders::table
                .on(training_action_funders::action_id.eq(training_sessions::action_id)),
        )
        .filter(training_sessions::id.eq(session_id))
        .order(training_action_funders::position)
        .select(training_action_funders::funder_id)
        .load(conn)?;
    let mut ids: Vec<String> = ids.into_iter().flatten().collect();
    ids.dedup();
    Ok(ids)
}

/// A pre-registration the caller may see, with its policy reference.
pub fn get_for(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
) -> AppResult<(Prescription, PrescriptionRef)> {
    let found: Option<Prescription> = prescriptions::table
        .find(id)
        .select(Prescription::as_select())
        .load(conn)?
        .into_iter()
        .next();
    // Not found and not allowed look the same: nobody learns what exists elsewhere.
    let found = found.ok_or_else(AppError::not_found)?;
    let reference = found.reference(session_funders(conn, &found.session_id)?);
    if crate::auth::policy::allows(user, &Action::ViewPrescription(&reference)) {
        Ok((found, reference))
    } else {
        Err(AppError::not_found())
    }
}

pub fn person(conn: &mut DbConnection, id: &str) -> AppResult<Person> {
    prescribed_people::table
        .find(id)
        .select(Person::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

/// People the caller's agency recorded, by name.
pub fn agency_people(conn: &mut DbConnection, user: &CurrentUser) -> AppResult<Vec<Person>> {
    authorize(user, &Action::Prescribe)?;
    Ok(prescribed_people::table
        .filter(prescribed_people::agency_id.eq(user.organisation_id.clone().unwrap_or_default()))
        .order((prescribed_people::last_name, prescribed_people::first_name))
        .select(Person::as_select())
        .load(conn)?)
}

fn check_person(input: &PersonInput, errors: &mut Vec<String>) -> Option<ValidPerson> {
    let first_name = input.first_name.trim().to_owned();
    let last_name = input.last_name.trim().to_owned();
    if first_name.is_empty() || first_name.chars().count() > 100 {
        errors.push("Indiquez le prénom de la personne (100 caractères au plus).".into());
    }
    if last_name.is_empty() || last_name.chars().count() > 100 {
        errors.push("Indiquez le nom de la personne (100 caractères au plus).".into());
    }
    let today = crate::clock::today_paris();
    let birth_date = match crate::web::parse_date_fr(&input.birth_date) {
        Ok(d) if d < today && (today - d).num_days() >= 15 * 365 && d.year_ce().1 >= 1900 => {
            Some(d)
        }
        Ok(_) => {
            errors.push(
                "La date de naissance doit correspondre à une personne d’au moins 15 ans.".into(),
            );
            None
        }
        Err(e) => {
            errors.push(e.message("La date de naissance doit être au format JJ/MM/AAAA."));
            None
        }
    };
    let email = match input.email.trim() {
        "" => None,
        e => match EmailAddress::parse(e) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(msg) => {
                errors.push(msg.into());
                None
            }
        },
    };
    let phone = Some(input.phone.trim().to_owned()).filter(|p| !p.is_empty());
    if let Some(p) = &phone
        && (p.chars().filter(char::is_ascii_digit).count() < 10
            || p.chars()
                .any(|c| !(c.is_ascii_digit() || " .+-()".contains(c))))
    {
        errors.push(
            "Le numéro de téléphone comporte 10 chiffres, par exemple 06 12 34 56 78.".into(),
        );
    }
    if email.is_none() && phone.is_none() {
        errors.push("Indiquez au moins un moyen de contact : e-mail ou téléphone.".into());
    }
    let sex = crate::types::Sex::read_optional(&input.sex, errors);
    let situation = Situation::parse(input.situation.trim());
    if situation.is_none() {
        errors.push("Choisissez la situation de la personne.".into());
    }
    let level = match input.level.trim().parse::<i32>() {
        Ok(l) if (0..=8).contains(&l) => Some(l),
        _ => {
            errors.push("Choisissez le niveau de la personne (0 à 8).".into());
            None
        }
    };
    let job_seeker_id = Some(input.job_seeker_id.trim().to_uppercase()).filter(|j| !j.is_empty());
    if let Some(j) = &job_seeker_id
        && (j.len() < 7 || j.len() > 11 || !j.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        errors.push("L’identifiant France Travail comporte 7 à 11 lettres ou chiffres.".into());
    }
    if input.decisions_by_mail && email.is_none() {
        errors.push("Pour que la personne soit informée des décisions par e-mail, indiquez son adresse e-mail.".into());
    }
    if !input.consent {
        errors.push("La personne doit avoir donné son accord pour que ses données soient transmises à l’organisme de formation.".into());
    }
    Some(ValidPerson {
        first_name,
        last_name,
        birth_date: birth_date?,
        email,
        phone,
        situation: situation?,
        level: level?,
        job_seeker_id,
        sex,
        decisions_by_mail: input.decisions_by_mail,
    })
}

use chrono::Datelike;

struct ValidPerson {
    first_name: String,
    last_name: String,
    birth_date: NaiveDate,
    email: Option<String>,
    phone: Option<String>,
    situation: Situation,
    level: i32,
    job_seeker_id: Option<String>,
    sex: Option<crate::types::Sex>,
    decisions_by_mail: bool,
}

/// The number of working days the funder gives centres to decide.
pub fn decision_days(conn: &mut DbConnection, funder_id: Option<&str>) -> AppResult<i32> {
    let Some(funder_id) = funder_id else {
        return Ok(DEFAULT_DECISION_DAYS);
    };
    let days: Vec<i32> = funder_settings::table
        .find(funder_id)
        .select(funder_settings::decision_days)
        .load(conn)?;
    Ok(days.into_iter().next().unwrap_or(DEFAULT_DECISION_DAYS))
}

/// A funder's LHÉO code and where its approval stands.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = funder_codes)]
pub struct FunderCode {
    pub code: String,
    pub organisation_id: String,
    /// `pending`, `approved` or `refused`.
    pub status: String,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

impl FunderCode {
    /// The code and what it stands for in the LHÉO dictionary, e.g. `2 (Conseil régional)`.
    pub fn label(&self) -> String {
        code_with_label(&self.code)
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "approved" => "approuvé",
            "refused" => "refusé",
            _ => "en attente d’approbation par la Région",
        }
    }
}

/// A LHÉO funder code for people: `2 (Conseil régional)`.
pub fn code_with_label(code: &str) -> String {
    format!(
        "{code} ({})",
        crate::trainings::model::funder_code_label(code)
    )
}

/// A funder's LHÉO codes (with their approval) and decision delay (defaults when it set
/// nothing).
pub fn funder_settings(
    conn: &mut DbConnection,
    funder_id: &str,
) -> AppResult<(Vec<FunderCode>, i32)> {
    let mut codes: Vec<FunderCode> = funder_codes::table
        .filter(funder_codes::organisation_id.eq(funder_id))
        .select(FunderCode::as_select())
        .load(conn)?;
    // In numeric order (2 before 12): codes are numbers stored as text.
    codes.sort_by_key(|c| (c.code.parse::<u32>().unwrap_or(u32::MAX), c.code.clone()));
    Ok((codes, decision_days(conn, Some(funder_id))?))
}

/// Saves a funder's decision delay (1 to 60 working days) and the LHÉO funder codes it asks
/// for. A new code waits for a regional administrator's approval; a code held or asked for by
/// another funder is refused (a code belongs to one funder); codes left out are given up.
pub fn save_funder_settings(
    conn: &mut DbConnection,
    funder_id: &str,
    days: &str,
    codes: &str,
) -> AppResult<Result<(), Vec<String>>> {
    let mut errors = Vec::new();
    let days = match days.trim().parse::<i32>() {
        Ok(d) if (1..=60).contains(&d) => d,
        _ => {
            errors.push("Le délai est un nombre de jours ouvrés, de 1 à 60.".to_owned());
            0
        }
    };
    let mut codes: Vec<String> = codes
        .split([' ', ',', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    if codes
        .iter()
        .any(|c| !c.chars().all(|ch| ch.is_ascii_digit()) || c.len() > 2)
    {
        errors.push("Les codes financeurs LHÉO sont des nombres, par exemple « 2 » pour un conseil régional.".to_owned());
    }
    let held: Vec<FunderCode> = funder_codes::table
        .filter(funder_codes::code.eq_any(codes.clone()))
        .filter(funder_codes::organisation_id.ne(funder_id))
        .filter(funder_codes::status.ne("refused"))
        .select(FunderCode::as_select())
        .load(conn)?;
    for other in &held {
        errors.push(format!(
            "Le code financeur « {} » est déjà attribué ou demandé par un autre financeur : un code n’appartient qu’à un seul financeur. Si c’est le vôtre, écrivez à l’équipe régionale.",
            other.code
        ));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    diesel::delete(funder_settings::table.find(funder_id)).execute(conn)?;
    diesel::insert_into(funder_settings::table)
        .values((
            funder_settings::organisation_id.eq(funder_id),
            funder_settings::decision_days.eq(days),
        ))
        .execute(conn)?;
    // Codes given up go; a code another funder was refused may be asked for again.
    diesel::delete(
        funder_codes::table
            .filter(funder_codes::organisation_id.eq(funder_id))
            .filter(funder_codes::code.ne_all(codes.clone())),
    )
    .execute(conn)?;
    diesel::delete(
        funder_codes::table
            .filter(funder_codes::code.eq_any(codes.clone()))
            .filter(funder_codes::organisation_id.ne(funder_id))
            .filter(funder_codes::status.eq("refused")),
    )
    .execute(conn)?;
    let mine: Vec<String> = funder_codes::table
        .filter(funder_codes::organisation_id.eq(funder_id))
        .select(funder_codes::code)
        .load(conn)?;
    for code in codes.iter().filter(|c| !mine.contains(c)) {
        diesel::insert_into(funder_codes::table)
            .values((
                funder_codes::code.eq(code),
                funder_codes::organisation_id.eq(funder_id),
                funder_codes::status.eq("pending"),
                funder_codes::requested_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(Ok(()))
}

/// LHÉO funder codes waiting for approval, oldest first, with the funder's name.
pub fn pending_funder_codes(conn: &mut DbConnection) -> AppResult<Vec<(FunderCode, String)>> {
    Ok(funder_codes::table
        .inner_join(organisations::table)
        .filter(funder_codes::status.eq("pending"))
        .order((funder_codes::requested_at, funder_codes::code))
        .select((FunderCode::as_select(), organisations::name))
        .load(conn)?)
}

/// A regional administrator approves or refuses a pending LHÉO funder code (audited).
pub fn decide_funder_code(
    conn: &mut DbConnection,
    admin: &CurrentUser,
    code: &str,
    approve: bool,
) -> AppResult<()> {
    let status = if approve { "approved" } else { "refused" };
    let found: Vec<String> = funder_codes::table
        .find(code)
        .filter(funder_codes::status.eq("pending"))
        .select(funder_codes::organisation_id)
        .load(conn)?;
    let Some(funder) = found.into_iter().next() else {
        return Err(AppError::conflict(format!(
            "Le code financeur « {code} » n’attend plus de décision."
        )));
    };
    diesel::update(
        funder_codes::table
            .find(code)
            .filter(funder_codes::status.eq("pending")),
    )
    .set((
        funder_codes::status.eq(status),
        funder_codes::decided_by.eq(&admin.id),
        funder_codes::decided_at.eq(now()),
    ))
    .execute(conn)?;
    crate::auth::audit::record(
        conn,
        crate::auth::audit::Event::by(
            admin,
            if approve {
                "funder_code.approved"
            } else {
                "funder_code.refused"
            },
        )
        .on("organisation", &funder)
        .detail(code),
    )
}

fn record_event(
    conn: &mut DbConnection,
    prescription_id: &str,
    from: Option<Status>,
    to: Status,
    event_date: Option<NaiveDate>,
    note: Option<&str>,
    user: Option<&CurrentUser>,
) -> AppResult<()> {
    diesel::insert_into(prescription_events::table)
        .values((
            prescription_events::id.eq(new_id()),
            prescription_events::prescription_id.eq(prescription_id),
            prescription_events::from_status.eq(from.map(Status::as_str)),
            prescription_events::to_status.eq(to.as_str()),
            prescription_events::event_date.eq(event_date),
            prescription_events::note.eq(note),
            prescription_events::user_id.eq(user.map(|u| u.id.clone())),
            prescription_events::organisation_id.eq(user.and_then(|u| u.organisation_id.clone())),
            prescription_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

fn session_title(conn: &mut DbConnection, session_id: &str) -> AppResult<(String, String)> {
    let record = crate::trainings::store::session(conn, session_id)?;
    Ok((record.training.title, record.session.start.label()))
}

/// Mails the other side of a pre-registration.
fn notify(
    conn: &mut DbConnection,
    p: &Prescription,
    to: Side,
    subject: &str,
    text: &str,
    base_url: &str,
) -> AppResult<()> {
    let (title, start) = session_title(conn, &p.session_id)?;
    let recipients = match to {
        Side::Centre => staff_emails(conn, &p.centre_id, &[Role::TrainingStaff])?,
        Side::Prescriber => {
            let mut r: Vec<String> = match &p.prescriber_id {
                Some(id) => users::table
                    .find(id)
                    .filter(users::status.eq("active"))
                    .select(users::email)
                    .load(conn)?,
                None => Vec::new(),
            };
            if r.is_empty() {
                r = staff_emails(conn, &p.agency_id, &[Role::Prescriber])?;
            }
            r
        }
    };
    for email in recipients {
        let mail = super::mails::Notice {
            what: subject,
            text,
            title: &title,
            start: &start,
            id: &p.id,
            base_url,
        };
        crate::mail::enqueue(conn, &email, &mail)?;
    }
    Ok(())
}

/// Why nobody is pre-registered on a training known by its `lheo-index` summary only (French).
pub const SUMMARY_ONLY: &str = "Cette formation n’est connue que par une fiche résumée : le détail complet (actions, sessions, conditions d’accès) n’a pas encore été transmis, la pré-inscription en ligne n’est donc pas possible. Contactez l’organisme de formation.";

/// Records a pre-registration; `Err` lists what is wrong (French).
pub fn create(
    conn: &mut DbConnection,
    user: &CurrentUser,
    session_id: &str,
    input: &NewPrescription,
    base_url: &str,
) -> AppResult<Result<String, Vec<String>>> {
    authorize(user, &Action::Prescribe)?;
    let agency_id = user.organisation_id.clone().unwrap_or_default();
    let record = crate::trainings::store::session(conn, session_id)?;
    let mut errors = Vec::new();
    if record.is_summary {
        errors.push(SUMMARY_ONLY.into());
        return Ok(Err(errors));
    }
    if record.session.recruitment != RecruitmentState::Open {
        errors.push(format!(
            "Cette session n’accepte pas de pré-inscription : {}.",
            record.session.recruitment.label().to_lowercase()
        ));
    }
    if let Some(end) = record.session.end.last_day()
        && end < crate::clock::today_paris()
    {
        errors.push("Cette session est terminée.".into());
    }
    let Some(centre_id) = record.centre_id.clone() else {
        errors.push(
            "L’organisme de formation de cette session n’a pas encore de compte sur Passerelle : contactez-le directement."
                .into(),
        );
        return Ok(Err(errors));
    };
    let motive = input.motive.trim().to_owned();
    if motive.is_empty() {
        errors.push("Indiquez le motif de la prescription.".into());
    } else if motive.chars().count() > 2000 {
        errors.push("Le motif ne doit pas dépasser 2 000 caractères.".into());
    }
    let mut new_person = None;
    let person_id = match (&input.person_id, &input.person) {
        (Some(id), _) if !id.trim().is_empty() => match person(conn, id.trim()) {
            Ok(p) if p.agency_id == agency_id => Some(p.id),
            _ => {
                errors.push("Cette personne n’est pas suivie par votre agence.".into());
                None
            }
        },
        (_, Some(person)) => check_person(person, &mut errors).map(|valid| {
            new_person = Some(valid);
            new_id()
        }),
        _ => {
            errors
                .push("Choisissez une personne déjà suivie ou renseignez-en une nouvelle.".into());
            None
        }
    };
    let Some(person_id) = person_id.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let at = now();
    if let Some(valid) = new_person {
        diesel::insert_into(prescribed_people::table)
            .values((
                prescribed_people::id.eq(&person_id),
                prescribed_people::agency_id.eq(&agency_id),
                prescribed_people::first_name.eq(&valid.first_name),
                prescribed_people::last_name.eq(&valid.last_name),
                prescribed_people::birth_date.eq(valid.birth_date),
                prescribed_people::email.eq(&valid.email),
                prescribed_people::phone.eq(&valid.phone),
                prescribed_people::situation.eq(valid.situation.as_str()),
                prescribed_people::level.eq(valid.level),
                prescribed_people::job_seeker_id.eq(&valid.job_seeker_id),
                prescribed_people::sex.eq(valid.sex.map(crate::types::Sex::as_str)),
                prescribed_people::consent_at.eq(at),
                prescribed_people::decisions_by_mail_at.eq(valid.decisions_by_mail.then_some(at)),
                prescribed_people::created_by.eq(&user.id),
                prescribed_people::created_at.eq(at),
                prescribed_people::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    let already: i64 = prescriptions::table
        .filter(prescriptions::person_id.eq(&person_id))
        .filter(prescriptions::session_id.eq(session_id))
        .filter(prescriptions::status.ne_all([
            Status::Withdrawn.as_str(),
            Status::Refused.as_str(),
            Status::NotEntered.as_str(),
        ]))
        .count()
        .get_result(conn)?;
    if already > 0 {
        return Ok(Err(vec![
            "Cette personne est déjà pré-inscrite sur cette session.".into(),
        ]));
    }
    let funder_id = record.funder_ids.first().cloned();
    let days = decision_days(conn, funder_id.as_deref())?;
    // The centre's working days count from the Paris day it was submitted.
    let due = calendar::add_working_days(paris_day(at), u32::try_from(days).unwrap_or(10));
    let id = new_id();
    diesel::insert_into(prescriptions::table)
        .values((
            prescriptions::id.eq(&id),
            prescriptions::session_id.eq(session_id),
            prescriptions::person_id.eq(&person_id),
            prescriptions::agency_id.eq(&agency_id),
            prescriptions::prescriber_id.eq(&user.id),
            prescriptions::centre_id.eq(&centre_id),
            prescriptions::funder_id.eq(&funder_id),
            prescriptions::motive.eq(&motive),
            prescriptions::status.eq(Status::Submitted.as_str()),
            prescriptions::decision_due.eq(due),
            prescriptions::submitted_at.eq(at),
            prescriptions::updated_at.eq(at),
        ))
        .execute(conn)?;
    record_event(conn, &id, None, Status::Submitted, None, None, Some(user))?;
    let created = get_unscoped(conn, &id)?;
    notify(
        conn,
        &created,
        Side::Centre,
        "Nouvelle pré-inscription",
        &format!(
            "{} ({}) vous adresse une pré-inscription. Merci de rendre votre décision au plus tard le {}.",
            user.full_name(),
            user.organisation_name.clone().unwrap_or_default(),
            due.format("%d/%m/%Y")
        ),
        base_url,
    )?;
    Ok(Ok(id))
}

fn get_unscoped(conn: &mut DbConnection, id: &str) -> AppResult<Prescription> {
    Ok(prescriptions::table
        .find(id)
        .select(Prescription::as_select())
        .get_result(conn)?)
}

/// Moves a pre-registration along; `Err` lists what is wrong (French).
pub fn apply_step(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    input: &StepInput,
    base_url: &str,
) -> AppResult<Result<Status, Vec<String>>> {
    let (p, reference) = get_for(conn, user, id)?;
    let Some(step) = Step::parse(input.step.trim()) else {
        return Ok(Err(vec!["Action inconnue.".into()]));
    };
    match step.side() {
        Side::Centre => authorize(user, &Action::DecidePrescription(&reference))?,
        Side::Prescriber => authorize(user, &Action::WithdrawPrescription(&reference))?,
    }
    let mut current = p.status();
    // A centre that answers without having marked it received has received it.
    if step.side() == Side::Centre && current == Status::Submitted && step != Step::Receive {
        record_event(
            conn,
            id,
            Some(current),
            Status::Received,
            None,
            None,
            Some(user),
        )?;
        diesel::update(prescriptions::table.find(id))
            .set((
                prescriptions::status.eq(Status::Received.as_str()),
                prescriptions::received_at.eq(now()),
            ))
            .execute(conn)?;
        current = Status::Received;
    }
    let next = current.after(step)?;
    let mut errors = Vec::new();
    let date = if step.needs_date() {
        crate::web::read_date_fr(
            &input.date,
            "Indiquez la date au format JJ/MM/AAAA.",
            &mut errors,
        )
    } else {
        None
    };
    let detail = Some(input.detail.trim().to_owned()).filter(|d| !d.is_empty());
    if detail.as_ref().is_some_and(|d| d.chars().count() > 2000) {
        errors.push("Le commentaire ne doit pas dépasser 2 000 caractères.".into());
    }
    let refusal = if step == Step::Refuse {
        match RefusalReason::parse(input.refusal_reason.trim()) {
            Some(RefusalReason::Other) if detail.is_none() => {
                errors.push("Précisez le motif du refus.".into());
                None
            }
            Some(r) => Some(r),
            None => {
                errors.push("Choisissez le motif du refus dans la liste.".into());
                None
            }
        }
    } else {
        None
    };
    let dropout = match (step, input.dropout_reason.trim()) {
        (Step::DropOut, "") => None,
        (Step::DropOut, code) => {
            let reason = DropoutReason::parse(code);
            if reason.is_none() {
                errors.push("Choisissez le motif de l’abandon dans la liste.".into());
            }
            reason
        }
        _ => None,
    };
    let qualification = match input.qualification.trim() {
        code if step == Step::Complete && !code.is_empty() => {
            let q = Qualification::parse(code);
            if q.is_none() {
                errors.push(
                    "Indiquez si la certification est obtenue en choisissant dans la liste.".into(),
                );
            }
            q
        }
        _ => None,
    };
    // A coded drop-out reason other than "other" needs no words.
    let words_needed = match step {
        Step::DropOut => dropout.is_none_or(|r| r == DropoutReason::Other),
        _ => step.needs_reason(),
    };
    let unknown_code =
        step == Step::DropOut && !input.dropout_reason.trim().is_empty() && dropout.is_none();
    if words_needed && detail.is_none() && !unknown_code {
        errors.push(match step {
            Step::NotEnter => "Indiquez pourquoi la personne n’est pas entrée en formation.".into(),
            _ => "Indiquez le motif de l’abandon.".into(),
        });
    }
    if let (Step::Enter, Some(d)) = (step, date)
        && d < paris_day(p.submitted_at)
    {
        errors.push("La date d’entrée ne peut pas précéder la pré-inscription.".into());
    }
    if let (Step::Complete | Step::DropOut, Some(d)) = (step, date)
        && p.entry_date.is_some_and(|entry| d < entry)
    {
        errors.push("Cette date ne peut pas précéder l’entrée en formation.".into());
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let at = now();
    diesel::update(prescriptions::table.find(id))
        .set((
            prescriptions::status.eq(next.as_str()),
            prescriptions::updated_at.eq(at),
        ))
        .execute(conn)?;
    match step {
        Step::Receive => {
            diesel::update(prescriptions::table.find(id))
                .set(prescriptions::received_at.eq(at))
                .execute(conn)?;
        }
        Step::Accept | Step::Refuse | Step::WaitList if p.decided_at.is_none() => {
            diesel::update(prescriptions::table.find(id))
                .set(prescriptions::decided_at.eq(at))
                .execute(conn)?;
        }
        Step::Enter => {
            diesel::update(prescriptions::table.find(id))
                .set(prescriptions::entry_date.eq(date))
                .execute(conn)?;
        }
        Step::Complete | Step::DropOut => {
            diesel::update(prescriptions::table.find(id))
                .set((
                    prescriptions::exit_date.eq(date),
                    prescriptions::dropout_reason.eq(dropout
                        .or((step == Step::DropOut).then_some(DropoutReason::Other))
                        .map(DropoutReason::as_str)),
                    prescriptions::qualification.eq(qualification.map(Qualification::as_str)),
                ))
                .execute(conn)?;
            if let Some(exit) = date {
                super::followup::plan(conn, id, exit)?;
            }
        }
        _ => {}
    }
    if let Some(reason) = refusal {
        diesel::update(prescriptions::table.find(id))
            .set((
                prescriptions::refusal_reason.eq(reason.as_str()),
                prescriptions::refusal_detail.eq(&detail),
            ))
            .execute(conn)?;
    }
    if matches!(step, Step::NotEnter | Step::DropOut) {
        diesel::update(prescriptions::table.find(id))
            .set(prescriptions::outcome_reason.eq(&detail))
            .execute(conn)?;
    }
    let coded = refusal
        .map(RefusalReason::label)
        .or(dropout.map(DropoutReason::label))
        .or(qualification.map(Qualification::label));
    let note = match coded {
        Some(label) => Some(match &detail {
            Some(d) => format!("{label} : {d}"),
            None => label.to_owned(),
        }),
        None => detail.clone(),
    };
    record_event(
        conn,
        id,
        Some(current),
        next,
        date,
        note.as_deref(),
        Some(user),
    )?;
    let updated = get_unscoped(conn, id)?;
    let mut text = format!("La pré-inscription est maintenant : {}.", next.label());
    if let Some(d) = date {
        text.push_str(&format!(" Date : {}.", d.format("%d/%m/%Y")));
    }
    if let Some(n) = &note {
        text.push_str(&format!(" Motif : {n}."));
    }
    let to = match step.side() {
        Side::Centre => Side::Prescriber,
        Side::Prescriber => Side::Centre,
    };
    if step != Step::Receive {
        notify(conn, &updated, to, next.label(), &text, base_url)?;
    }
    tell_person(conn, &updated, step, refusal)?;
    Ok(Ok(next))
}

type EventRow = (
    Option<String>,
    String,
    Option<NaiveDate>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    NaiveDateTime,
);

type MessageRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    NaiveDateTime,
);

/// The transitions of a pre-registration, oldest first.
pub fn events(conn: &mut DbConnection, id: &str) -> AppResult<Vec<Event>> {
    let rows: Vec<EventRow> = prescription_events::table
        .left_join(users::table.on(users::id.nullable().eq(prescription_events::user_id)))
        .left_join(
            organisations::table.on(organisations::id
                .nullable()
                .eq(prescription_events::organisation_id)),
        )
        .filter(prescription_events::prescription_id.eq(id))
        .order((prescription_events::created_at, prescription_events::id))
        .select((
            prescription_events::from_status,
            prescription_events::to_status,
            prescription_events::event_date,
            prescription_events::note,
            users::first_name.nullable(),
            users::last_name.nullable(),
            organisations::name.nullable(),
            prescription_events::user_id,
            prescription_events::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(from, to, date, note, first, last, org, user, at)| Event {
            from_status: from,
            to_status: to,
            event_date: date,
            note,
            by: match (first, last, user) {
                (Some(f), Some(l), _) => format!("{f} {l}"),
                (_, _, None) => "Passerelle (automatique)".into(),
                _ => "Compte supprimé".into(),
            },
            organisation: org.unwrap_or_default(),
            at,
        })
        .collect())
}

pub fn messages(conn: &mut DbConnection, id: &str) -> AppResult<Vec<Message>> {
    let rows: Vec<MessageRow> = prescription_messages::table
        .left_join(users::table.on(users::id.nullable().eq(prescription_messages::author_id)))
        .left_join(
            organisations::table.on(organisations::id
                .nullable()
                .eq(prescription_messages::organisation_id)),
        )
        .filter(prescription_messages::prescription_id.eq(id))
        .order((prescription_messages::created_at, prescription_messages::id))
        .select((
            prescription_messages::id,
            users::first_name.nullable(),
            users::last_name.nullable(),
            organisations::name.nullable(),
            prescription_messages::body,
            prescription_messages::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, first, last, org, body, at)| Message {
            id,
            author: match (first, last) {
                (Some(f), Some(l)) => format!("{f} {l}"),
                _ => "Compte supprimé".into(),
            },
            organisation: org.unwrap_or_default(),
            body,
            created_at: at,
        })
        .collect())
}

/// Adds a message to the thread and mails the other side.
pub fn post_message(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    body: &str,
    base_url: &str,
) -> AppResult<Result<(), Vec<String>>> {
    let (p, reference) = get_for(conn, user, id)?;
    authorize(user, &Action::WritePrescriptionMessage(&reference))?;
    let body = body.trim();
    if body.is_empty() {
        return Ok(Err(vec!["Le message est vide.".into()]));
    }
    if body.chars().count() > 4000 {
        return Ok(Err(vec![
            "Le message ne doit pas dépasser 4 000 caractères.".into(),
        ]));
    }
    diesel::insert_into(prescription_messages::table)
        .values((
            prescription_messages::id.eq(new_id()),
            prescription_messages::prescription_id.eq(id),
            prescription_messages::author_id.eq(&user.id),
            prescription_messages::organisation_id.eq(&user.organisation_id),
            prescription_messages::body.eq(body),
            prescription_messages::created_at.eq(now()),
        ))
        .execute(conn)?;
    // The centre's staff (who decide) write to the prescriber, the agency to the centre.
    let to = if crate::auth::policy::allows(user, &Action::DecidePrescription(&reference)) {
        Side::Prescriber
    } else {
        Side::Centre
    };
    notify(
        conn,
        &p,
        to,
        "Nouveau message",
        &format!("{} a écrit :\n\n{body}", user.full_name()),
        base_url,
    )?;
    Ok(Ok(()))
}

/// Daily: reminds centres of decisions due within [`REMINDER_DAYS_BEFORE`] working days
/// (once per pre-registration) and tells them what is overdue. Returns the reminders sent.
pub fn send_reminders(
    conn: &mut DbConnection,
    today: NaiveDate,
    base_url: &str,
) -> AppResult<usize> {
    let waiting: Vec<Prescription> = prescriptions::table
        .filter(prescriptions::status.eq_any([
            Status::Submitted.as_str(),
            Status::Received.as_str(),
            Status::InfoSessionScheduled.as_str(),
            Status::InterviewScheduled.as_str(),
        ]))
        .filter(prescriptions::reminded_at.is_null())
        .select(Prescription::as_select())
        .load(conn)?;
    let mut sent = 0;
    for p in waiting {
        let left = calendar::working_days_between(today, p.decision_due);
        if left > REMINDER_DAYS_BEFORE {
            continue;
        }
        let text = if left >= 0 {
            format!(
                "Rappel : votre décision sur cette pré-inscription est attendue au plus tard le {}.",
                p.decision_due.format("%d/%m/%Y")
            )
        } else {
            format!(
                "Cette pré-inscription attend votre décision depuis le {} (délai dépassé).",
                p.decision_due.format("%d/%m/%Y")
            )
        };
        notify(conn, &p, Side::Centre, "Décision attendue", &text, base_url)?;
        diesel::update(prescriptions::table.find(&p.id))
            .set(prescriptions::reminded_at.eq(now()))
            .execute(conn)?;
        sent += 1;
    }
    Ok(sent)
}

/// Personal data of prescribed people is kept, by default, two years after their last
/// pre-registration moved (or after they were recorded, without one), then erased; the
/// region sets the duration (`retention_settings`).
pub const RETENTION: &str = "prescribed_people";
pub const DEFAULT_RETENTION_DAYS: i32 = 730;

/// Erases the people whose pre-registrations have all been still for `days` (none open);
/// their pre-registrations, history and threads go with them. Returns how many.
/// How many days before the erasure a person with an address is warned.
pub const WARN_DAYS_BEFORE: i64 = 30;

/// A person inactive long enough: id, e-mail, first name, agency, when they were warned.
type Inactive = (
    String,
    Option<String>,
    String,
    String,
    Option<NaiveDateTime>,
);

/// The people whose last activity (their record or any of their pre-registrations) is older
/// than `limit`.
fn inactive_people(conn: &mut DbConnection, limit: NaiveDateTime) -> AppResult<Vec<Inactive>> {
    let old: Vec<Inactive> = prescribed_people::table
        .inner_join(organisations::table.on(organisations::id.eq(prescribed_people::agency_id)))
        .filter(prescribed_people::updated_at.lt(limit))
        .select((
            prescribed_people::id,
            prescribed_people::email,
            prescribed_people::first_name,
            organisations::name,
            prescribed_people::erasure_warned_at,
        ))
        .load(conn)?;
    let mut inactive = Vec::new();
    for person in old {
        let recent: i64 = prescriptions::table
            .filter(prescriptions::person_id.eq(&person.0))
            .filter(prescriptions::updated_at.ge(limit))
            .count()
            .get_result(conn)?;
        if recent == 0 {
            inactive.push(person);
        }
    }
    Ok(inactive)
}

/// Daily: people inactive for the retention less a month are warned (once, when they gave an
/// address); people inactive for the whole retention are erased, once warned or when they
/// gave no address. Returns (warned, erased).
pub fn purge_inactive(
    conn: &mut DbConnection,
    base_url: &str,
    at: NaiveDateTime,
    days: i64,
) -> AppResult<(usize, usize)> {
    let kept = crate::web::retention::duration_fr(i32::try_from(days).unwrap_or(i32::MAX));
    let warn_limit = at - chrono::Duration::days((days - WARN_DAYS_BEFORE).max(0));
    let mut warned = 0;
    for (id, email, first_name, agency, warned_at) in inactive_people(conn, warn_limit)? {
        let (Some(email), None) = (email, warned_at) else {
            continue;
        };
        let day = crate::web::date_fr(&paris_day(at + chrono::Duration::days(WARN_DAYS_BEFORE)));
        let mail = super::mails::ErasureWarning {
            first_name: &first_name,
            agency: &agency,
            day: &day,
            kept: &kept,
            base_url,
        };
        crate::mail::enqueue(conn, &email, &mail)?;
        diesel::update(prescribed_people::table.find(&id))
            .set(prescribed_people::erasure_warned_at.eq(at))
            .execute(conn)?;
        warned += 1;
    }
    let mut erased = 0;
    for (id, email, _, _, warned_at) in inactive_people(conn, at - chrono::Duration::days(days))? {
        if email.is_some() && warned_at.is_none() {
            // Warned today at the earliest: erased at the next run a day later.
            continue;
        }
        diesel::delete(prescribed_people::table.find(&id)).execute(conn)?;
        erased += 1;
    }
    Ok((warned, erased))
}

/// A person followed by the caller's agency (for its prescribers only).
pub fn agency_person(conn: &mut DbConnection, user: &CurrentUser, id: &str) -> AppResult<Person> {
    authorize(user, &Action::Prescribe)?;
    let found = person(conn, id)?;
    if Some(&found.agency_id) != user.organisation_id.as_ref() {
        return Err(AppError::not_found());
    }
    Ok(found)
}

/// Records that the person agreed (`on`) or no longer wants to be told by mail of the centre's
/// decisions; `Err` (French) when they have no address.
pub fn set_decisions_by_mail(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
    on: bool,
) -> AppResult<Result<(), String>> {
    let found = agency_person(conn, user, id)?;
    if on && found.email.is_none() {
        return Ok(Err(
            "La personne n’a pas d’adresse e-mail : elle ne peut pas être informée par e-mail."
                .into(),
        ));
    }
    diesel::update(prescribed_people::table.find(id))
        .set((
            prescribed_people::decisions_by_mail_at.eq(on.then(now)),
            prescribed_people::updated_at.eq(now()),
        ))
        .execute(conn)?;
    crate::auth::audit::record(
        conn,
        crate::auth::audit::Event::by(
            user,
            if on {
                "prescribed_person.decisions_by_mail_on"
            } else {
                "prescribed_person.decisions_by_mail_off"
            },
        )
        .on("prescribed_person", id),
    )?;
    Ok(Ok(()))
}

/// The person's most recent pre-registration (to go back to its page).
pub fn latest_prescription_of(
    conn: &mut DbConnection,
    person_id: &str,
) -> AppResult<Option<String>> {
    Ok(prescriptions::table
        .filter(prescriptions::person_id.eq(person_id))
        .order(prescriptions::submitted_at.desc())
        .select(prescriptions::id)
        .first(conn)
        .optional()?)
}

/// Tells the pre-registered person of a decision of the centre (accepted, waiting list, not
/// accepted), when they agreed to be told by mail and gave an address.
fn tell_person(
    conn: &mut DbConnection,
    p: &Prescription,
    step: Step,
    refusal: Option<RefusalReason>,
) -> AppResult<()> {
    let (decision, what) = match step {
        Step::Accept => (
            "Bonne nouvelle : l’organisme de formation a retenu votre candidature. Il va vous contacter pour la suite (dates, documents à fournir).",
            "candidature retenue",
        ),
        Step::WaitList => (
            "Votre candidature est sur liste d’attente : l’organisme de formation vous contactera si une place se libère.",
            "liste d’attente",
        ),
        Step::Refuse => (
            "L’organisme de formation n’a pas retenu votre candidature pour cette session.",
            "candidature non retenue",
        ),
        _ => return Ok(()),
    };
    let found = person(conn, &p.person_id)?;
    let (Some(email), Some(_)) = (&found.email, found.decisions_by_mail_at) else {
        return Ok(());
    };
    let record = crate::trainings::store::session(conn, &p.session_id)?;
    let names: Vec<(String, String)> = organisations::table
        .filter(organisations::id.eq_any([&p.centre_id, &p.agency_id]))
        .select((organisations::id, organisations::name))
        .load(conn)?;
    let name_of = |id: &str| {
        names
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let centre = match name_of(&p.centre_id) {
        n if n.is_empty() => record.training.organisation.name.clone(),
        n => n,
    };
    // The training's own contact first, else the organisation's.
    let contact = [
        &record.training.contact,
        &record.training.organisation.contact,
    ]
    .into_iter()
    .find(|c| c.phone.is_some() || c.email.is_some())
    .cloned()
    .unwrap_or_default();
    let mail = super::mails::PersonDecision {
        first_name: &found.first_name,
        decision,
        reason: refusal.map(RefusalReason::label),
        training: &record.training.title,
        start: &record.session.start.label(),
        centre: &centre,
        contact_name: contact.name.as_deref(),
        contact_phone: contact.phone.as_deref(),
        contact_email: contact.email.as_deref(),
        agency: &name_of(&p.agency_id),
        what,
    };
    crate::mail::enqueue(conn, email, &mail)?;
    Ok(())
}

/// Everything Passerelle holds on a person, for a data access request.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PersonExport {
    pub person: Person,
    /// What the person answered about their sex (optional; statistics only).
    pub sex: Option<String>,
    /// When they agreed to be told by mail of the centre's decisions, if they did.
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    #[schema(value_type = Option<String>)]
    pub decisions_by_mail_at: Option<NaiveDateTime>,
    pub prescriptions: Vec<Prescription>,
    pub events: Vec<Vec<Event>>,
    pub messages: Vec<Vec<Message>>,
}

pub fn export_person(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
) -> AppResult<PersonExport> {
    let person = agency_person(conn, user, id)?;
    let list: Vec<Prescription> = prescriptions::table
        .filter(prescriptions::person_id.eq(id))
        .order(prescriptions::submitted_at)
        .select(Prescription::as_select())
        .load(conn)?;
    let mut events_all = Vec::new();
    let mut messages_all = Vec::new();
    for p in &list {
        events_all.push(events(conn, &p.id)?);
        messages_all.push(messages(conn, &p.id)?);
    }
    crate::auth::audit::record(
        conn,
        crate::auth::audit::Event::by(user, "prescribed_person.exported")
            .on("prescribed_person", id),
    )?;
    Ok(PersonExport {
        sex: person.sex.clone(),
        decisions_by_mail_at: person.decisions_by_mail_at,
        person,
        prescriptions: list,
        events: events_all,
        messages: messages_all,
    })
}

/// Erases a person and their pre-registrations (right to erasure, asked to the agency).
pub fn erase_person(conn: &mut DbConnection, user: &CurrentUser, id: &str) -> AppResult<()> {
    agency_person(conn, user, id)?;
    diesel::delete(prescribed_people::table.find(id)).execute(conn)?;
    crate::auth::audit::record(
        conn,
        crate::auth::audit::Event::by(user, "prescribed_person.erased").on("prescribed_person", id),
    )?;
    Ok(())
}
