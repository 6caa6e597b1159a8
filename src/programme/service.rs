//! Rules of the programme: courses and sessions, registration with a waiting list that never
//! goes over capacity, a cap per organisation, attendance per day and evaluations.
//!
//! Capacity and caps are enforced by the database inside the transaction: every registration
//! or cancellation starts by writing the session's row (a row lock on PostgreSQL, the write
//! lock on SQLite), seats are taken by `UPDATE … SET confirmed = confirmed + 1 WHERE
//! confirmed < capacity` and an organisation's places by the same conditional update of its
//! quota row; the affected row count says whether the seat was obtained. Registration numbers
//! are unique per session (unique index), which gives the waiting list its order.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::CurrentUser;
use crate::auth::policy::{Action, authorize};
use crate::db::schema::{
    organisations, programme_attendance, programme_courses, programme_evaluations,
    programme_org_quotas, programme_registrations, programme_session_days, programme_sessions,
    users,
};
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};
use crate::string_enum;
use crate::web::date_fr;

/// Registrations one organisation may hold on a session unless the session says otherwise.
pub const DEFAULT_MAX_PER_ORGANISATION: i32 = 2;

string_enum! {
    /// The three formats of the programme.
    CourseKind {
        ShortCourse => "short_course", "Stage court (2 à 3 jours)";
        ProfessionalDay => "professional_day", "Journée professionnelle";
        Workshop => "workshop", "Atelier de pratique";
    }
}

string_enum! {
    RegistrationStatus {
        Confirmed => "confirmed", "Inscription confirmée";
        Waiting => "waiting", "Liste d’attente";
        Cancelled => "cancelled", "Annulée";
    }
}

/// The evaluation's questions, scored 1 to 5.
pub const QUESTIONS: [(&str, &str); 4] = [
    ("content", "Le contenu répondait à mes besoins."),
    ("facilitation", "L’animation était claire et vivante."),
    (
        "usefulness",
        "Ce que j’ai appris me servira dans ma pratique.",
    ),
    (
        "organisation",
        "L’organisation (lieu, horaires, accueil) était satisfaisante.",
    ),
];

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = programme_courses)]
pub struct Course {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub summary: String,
}

impl Course {
    pub fn kind_label(&self) -> &'static str {
        CourseKind::parse(&self.kind).map_or("", CourseKind::label)
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = programme_sessions)]
pub struct SessionRow {
    pub id: String,
    pub course_id: String,
    pub place: String,
    pub audience: String,
    pub capacity: i32,
    pub max_per_organisation: i32,
    pub confirmed: i32,
    pub first_day: NaiveDate,
}

/// The registration of the person looking at a session.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MyRegistration {
    pub id: String,
    pub status: RegistrationStatus,
    /// Rank on the waiting list (1 = next to be promoted).
    pub position: Option<i64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub session: SessionRow,
    pub course: Course,
    pub days: Vec<NaiveDate>,
    pub waiting: i64,
    pub mine: Option<MyRegistration>,
}

impl SessionView {
    pub fn places_left(&self) -> i32 {
        (self.session.capacity - self.session.confirmed).max(0)
    }
    pub fn is_full(&self) -> bool {
        self.places_left() == 0
    }
    pub fn days_fr(&self) -> String {
        self.days.iter().map(date_fr).collect::<Vec<_>>().join(", ")
    }
    pub fn last_day(&self) -> NaiveDate {
        self.days.last().copied().unwrap_or(self.session.first_day)
    }
    pub fn started(&self) -> bool {
        self.session.first_day <= crate::clock::today_paris()
    }
}

// ---- Courses and sessions ----

pub struct CourseInput {
    pub kind: CourseKind,
    pub title: String,
    pub summary: String,
}

pub fn parse_course(kind: &str, title: &str, summary: &str) -> Result<CourseInput, Vec<String>> {
    let mut errors = Vec::new();
    let kind = CourseKind::parse(kind.trim());
    if kind.is_none() {
        errors.push(
            "Choisissez le format : stage court, journée professionnelle ou atelier.".to_owned(),
        );
    }
    if title.trim().is_empty() || title.trim().chars().count() > 200 {
        errors.push("Le titre est obligatoire (200 caractères au plus).".to_owned());
    }
    if summary.trim().chars().count() > 5000 {
        errors.push("La présentation fait 5 000 caractères au plus.".to_owned());
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok(CourseInput {
            kind,
            title: title.trim().to_owned(),
            summary: summary.trim().to_owned(),
        }),
        _ => Err(errors),
    }
}

pub fn create_course(
    conn: &mut DbConnection,
    me: &CurrentUser,
    input: &CourseInput,
) -> AppResult<String> {
    let id = new_id();
    diesel::insert_into(programme_courses::table)
        .values((
            programme_courses::id.eq(&id),
            programme_courses::kind.eq(input.kind.as_str()),
            programme_courses::title.eq(&input.title),
            programme_courses::summary.eq(&input.summary),
            programme_courses::created_by.eq(&me.id),
            programme_courses::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn course(conn: &mut DbConnection, id: &str) -> AppResult<Course> {
    programme_courses::table
        .find(id)
        .select(Course::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

pub struct SessionInput {
    pub days: Vec<NaiveDate>,
    pub place: String,
    pub audience: String,
    pub capacity: i32,
    pub max_per_organisation: i32,
}

/// Reads a session form: days as `JJ/MM/AAAA` separated by commas or spaces.
pub fn parse_session(
    days: &str,
    place: &str,
    audience: &str,
    capacity: &str,
    max_per_organisation: &str,
) -> Result<SessionInput, Vec<String>> {
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for part in days
        .split([',', ' ', ';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match crate::web::parse_date_fr(part) {
            Ok(d) => parsed.push(d),
            Err(e) => errors.push(e.message(&format!(
                "« {part} » n’est pas une date au format JJ/MM/AAAA."
            ))),
        }
    }
    parsed.sort();
    parsed.dedup();
    if parsed.is_empty() && errors.is_empty() {
        errors.push("Indiquez au moins un jour (JJ/MM/AAAA).".to_owned());
    }
    if parsed.len() > 10 {
        errors.push("Une session compte 10 jours au plus.".to_owned());
    }
    if place.trim().is_empty() {
        errors.push("Le lieu est obligatoire.".to_owned());
    }
    let number = |value: &str, default: Option<i32>, label: &str, errors: &mut Vec<String>| match (
        value.trim(),
        default,
    ) {
        ("", Some(d)) => d,
        (v, _) => match v.parse::<i32>() {
            Ok(n) if (1..=500).contains(&n) => n,
            _ => {
                errors.push(format!("{label} est un nombre entier de 1 à 500."));
                0
            }
        },
    };
    let capacity = number(capacity, None, "Le nombre de places", &mut errors);
    let max_per_organisation = number(
        max_per_organisation,
        Some(DEFAULT_MAX_PER_ORGANISATION),
        "Le nombre d’inscriptions par organisation",
        &mut errors,
    );
    if errors.is_empty() {
        Ok(SessionInput {
            days: parsed,
            place: place.trim().to_owned(),
            audience: audience.trim().to_owned(),
            capacity,
            max_per_organisation,
        })
    } else {
        Err(errors)
    }
}

pub fn add_session(
    conn: &mut DbConnection,
    course_id: &str,
    input: &SessionInput,
) -> AppResult<String> {
    course(conn, course_id)?;
    let id = new_id();
    diesel::insert_into(programme_sessions::table)
        .values((
            programme_sessions::id.eq(&id),
            programme_sessions::course_id.eq(course_id),
            programme_sessions::place.eq(&input.place),
            programme_sessions::audience.eq(&input.audience),
            programme_sessions::capacity.eq(input.capacity),
            programme_sessions::max_per_organisation.eq(input.max_per_organisation),
            programme_sessions::confirmed.eq(0),
            programme_sessions::last_seq.eq(0),
            programme_sessions::first_day.eq(input.days[0]),
            programme_sessions::created_at.eq(now()),
        ))
        .execute(conn)?;
    for day in &input.days {
        diesel::insert_into(programme_session_days::table)
            .values((
                programme_session_days::session_id.eq(&id),
                programme_session_days::day.eq(day),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

fn session_row(conn: &mut DbConnection, id: &str) -> AppResult<SessionRow> {
    programme_sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

pub fn days(conn: &mut DbConnection, session_id: &str) -> AppResult<Vec<NaiveDate>> {
    Ok(programme_session_days::table
        .filter(programme_session_days::session_id.eq(session_id))
        .select(programme_session_days::day)
        .order(programme_session_days::day)
        .load(conn)?)
}

fn my_registration(
    conn: &mut DbConnection,
    session_id: &str,
    user_id: &str,
) -> AppResult<Option<MyRegistration>> {
    let found: Option<(String, String, i32)> = programme_registrations::table
        .filter(programme_registrations::session_id.eq(session_id))
        .filter(programme_registrations::user_id.eq(user_id))
        .filter(programme_registrations::status.ne(RegistrationStatus::Cancelled.as_str()))
        .select((
            programme_registrations::id,
            programme_registrations::status,
            programme_registrations::seq,
        ))
        .first(conn)
        .optional()?;
    let Some((id, status, seq)) = found else {
        return Ok(None);
    };
    let status = RegistrationStatus::parse(&status)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad status")))?;
    let position = match status {
        RegistrationStatus::Waiting => Some(waiting_rank(conn, session_id, seq)?),
        _ => None,
    };
    Ok(Some(MyRegistration {
        id,
        status,
        position,
    }))
}

fn waiting_rank(conn: &mut DbConnection, session_id: &str, seq: i32) -> AppResult<i64> {
    Ok(programme_registrations::table
        .filter(programme_registrations::session_id.eq(session_id))
        .filter(programme_registrations::status.eq(RegistrationStatus::Waiting.as_str()))
        .filter(programme_registrations::seq.le(seq))
        .count()
        .get_result(conn)?)
}

fn waiting_count(conn: &mut DbConnection, session_id: &str) -> AppResult<i64> {
    Ok(programme_registrations::table
        .filter(programme_registrations::session_id.eq(session_id))
        .filter(programme_registrations::status.eq(RegistrationStatus::Waiting.as_str()))
        .count()
        .get_result(conn)?)
}

pub fn session_view(
    conn: &mut DbConnection,
    id: &str,
    user_id: Option<&str>,
) -> AppResult<SessionView> {
    let session = session_row(conn, id)?;
    let course = course(conn, &session.course_id)?;
    let days = days(conn, id)?;
    let waiting = waiting_count(conn, id)?;
    let mine = match user_id {
        Some(u) => my_registration(conn, id, u)?,
        None => None,
    };
    Ok(SessionView {
        session,
        course,
        days,
        waiting,
        mine,
    })
}

/// A course with its sessions still to come (or under way).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CourseView {
    pub course: Course,
    pub sessions: Vec<SessionView>,
}

/// The catalogue: courses with sessions whose last day is today or later.
pub fn catalogue(conn: &mut DbConnection, user_id: Option<&str>) -> AppResult<Vec<CourseView>> {
    let horizon = crate::clock::today_paris() - chrono::Duration::days(10);
    let ids: Vec<String> = programme_sessions::table
        .filter(programme_sessions::first_day.ge(horizon))
        .order((programme_sessions::first_day, programme_sessions::id))
        .select(programme_sessions::id)
        .load(conn)?;
    let mut out: Vec<CourseView> = Vec::new();
    for id in ids {
        let view = session_view(conn, &id, user_id)?;
        if view.last_day() < crate::clock::today_paris() {
            continue;
        }
        match out.iter_mut().find(|c| c.course.id == view.course.id) {
            Some(c) => c.sessions.push(view),
            None => out.push(CourseView {
                course: view.course.clone(),
                sessions: vec![view],
            }),
        }
    }
    Ok(out)
}

/// One of my registrations, for the catalogue's "my registrations" list.
#[derive(Clone, Debug, Serialize)]
pub struct MyLine {
    pub session_id: String,
    pub title: String,
    pub first_day: NaiveDate,
    pub status: RegistrationStatus,
    pub can_evaluate: bool,
}

pub fn my_registrations(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<MyLine>> {
    let rows: Vec<(String, String, String, NaiveDate)> = programme_registrations::table
        .inner_join(programme_sessions::table.inner_join(programme_courses::table))
        .filter(programme_registrations::user_id.eq(user_id))
        .filter(programme_registrations::status.ne(RegistrationStatus::Cancelled.as_str()))
        .order(programme_sessions::first_day.desc())
        .select((
            programme_registrations::session_id,
            programme_registrations::status,
            programme_courses::title,
            programme_sessions::first_day,
        ))
        .load(conn)?;
    let mut out = Vec::new();
    for (session_id, status, title, first_day) in rows {
        let can_evaluate = evaluable_registration(conn, &session_id, user_id)?.is_some();
        out.push(MyLine {
            session_id,
            title,
            first_day,
            status: RegistrationStatus::parse(&status).unwrap_or(RegistrationStatus::Waiting),
            can_evaluate,
        });
    }
    Ok(out)
}

// ---- Registration, cancellation, promotion ----

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Registered {
    pub id: String,
    pub status: RegistrationStatus,
    /// Rank on the waiting list when waiting.
    pub position: Option<i64>,
}

/// Registers `me` on a session: a seat when one is left, otherwise the waiting list; a mail
/// tells which.
pub fn register(
    conn: &mut DbConnection,
    me: &CurrentUser,
    session_id: &str,
    base_url: &str,
) -> AppResult<Registered> {
    register_with(conn, me, session_id, Some(base_url))
}

/// [`register`], telling the person by mail only when a base address is given (the demo
/// dataset registers people without mailing them).
pub fn register_with(
    conn: &mut DbConnection,
    me: &CurrentUser,
    session_id: &str,
    base_url: Option<&str>,
) -> AppResult<Registered> {
    authorize(me, &Action::RegisterForProgramme)?;
    let organisation_id = me.organisation_id.clone().ok_or_else(AppError::forbidden)?;
    // First statement: take the next registration number. It writes the session's row, so
    // registrations and cancellations of one session happen one after the other.
    let touched = diesel::update(programme_sessions::table.find(session_id))
        .set(programme_sessions::last_seq.eq(programme_sessions::last_seq + 1))
        .execute(conn)?;
    if touched == 0 {
        return Err(AppError::not_found());
    }
    let seq: i32 = programme_sessions::table
        .find(session_id)
        .select(programme_sessions::last_seq)
        .first(conn)?;
    let view = session_view(conn, session_id, Some(&me.id))?;
    if view.started() {
        return Err(AppError::unprocessable(
            "Cette session a commencé : les inscriptions sont closes.",
        ));
    }
    if view.mine.is_some() {
        return Err(AppError::conflict(
            "Vous êtes déjà inscrit·e à cette session.",
        ));
    }
    // The organisation's cap, by a conditional update of its quota row.
    let has_quota: i64 = programme_org_quotas::table
        .filter(programme_org_quotas::session_id.eq(session_id))
        .filter(programme_org_quotas::organisation_id.eq(&organisation_id))
        .count()
        .get_result(conn)?;
    if has_quota == 0 {
        diesel::insert_into(programme_org_quotas::table)
            .values((
                programme_org_quotas::session_id.eq(session_id),
                programme_org_quotas::organisation_id.eq(&organisation_id),
                programme_org_quotas::active.eq(0),
            ))
            .execute(conn)?;
    }
    let within_cap = diesel::update(
        programme_org_quotas::table
            .filter(programme_org_quotas::session_id.eq(session_id))
            .filter(programme_org_quotas::organisation_id.eq(&organisation_id))
            .filter(programme_org_quotas::active.lt(view.session.max_per_organisation)),
    )
    .set(programme_org_quotas::active.eq(programme_org_quotas::active + 1))
    .execute(conn)?;
    if within_cap == 0 {
        return Err(AppError::conflict(format!(
            "Votre organisation a déjà {} à cette session, le maximum prévu.",
            crate::web::french::plural(
                view.session.max_per_organisation,
                "inscription",
                "inscriptions"
            )
        )));
    }
    // A seat, if one is left: the affected row count tells.
    let seat = take_seat(conn, session_id)?;
    let status = if seat {
        RegistrationStatus::Confirmed
    } else {
        RegistrationStatus::Waiting
    };
    let id = new_id();
    let at = now();
    diesel::insert_into(programme_registrations::table)
        .values((
            programme_registrations::id.eq(&id),
            programme_registrations::session_id.eq(session_id),
            programme_registrations::user_id.eq(&me.id),
            programme_registrations::organisation_id.eq(&organisation_id),
            programme_registrations::status.eq(status.as_str()),
            programme_registrations::seq.eq(seq),
            programme_registrations::created_at.eq(at),
            programme_registrations::confirmed_at.eq(seat.then_some(at)),
        ))
        .execute(conn)?;
    let position = match status {
        RegistrationStatus::Waiting => Some(waiting_rank(conn, session_id, seq)?),
        _ => None,
    };
    let Some(base_url) = base_url else {
        return Ok(Registered {
            id,
            status,
            position,
        });
    };
    let link = format!("{base_url}/programme/sessions/{session_id}");
    match status {
        RegistrationStatus::Confirmed => {
            let mail = super::mails::Confirmed {
                first_name: &me.first_name,
                title: &view.course.title,
                days: view.days_fr(),
                place: &view.session.place,
                link: &link,
            };
            crate::mail::enqueue(conn, &me.email, &mail)?;
        }
        _ => {
            let mail = super::mails::Waiting {
                first_name: &me.first_name,
                title: &view.course.title,
                first_day: date_fr(&view.session.first_day),
                position: position.unwrap_or(0),
                link: &link,
            };
            crate::mail::enqueue(conn, &me.email, &mail)?;
        }
    }
    Ok(Registered {
        id,
        status,
        position,
    })
}

/// Takes a seat of the session if one is left; false when it is full.
fn take_seat(conn: &mut DbConnection, session_id: &str) -> AppResult<bool> {
    let n = diesel::update(
        programme_sessions::table
            .find(session_id)
            .filter(programme_sessions::confirmed.lt(programme_sessions::capacity)),
    )
    .set(programme_sessions::confirmed.eq(programme_sessions::confirmed + 1))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Cancelled {
    pub session_id: String,
    /// Registration promoted from the waiting list, if any.
    pub promoted: Option<String>,
}

/// Cancels a registration; a freed seat goes to the first person on the waiting list, who
/// is told by mail.
pub fn cancel(
    conn: &mut DbConnection,
    me: &CurrentUser,
    registration_id: &str,
    base_url: &str,
) -> AppResult<Cancelled> {
    // First statement: write the session's row (same order as `register`).
    let touched = diesel::update(
        programme_sessions::table.filter(
            programme_sessions::id.eq_any(
                programme_registrations::table
                    .filter(programme_registrations::id.eq(registration_id))
                    .select(programme_registrations::session_id),
            ),
        ),
    )
    .set(programme_sessions::last_seq.eq(programme_sessions::last_seq))
    .execute(conn)?;
    if touched == 0 {
        return Err(AppError::not_found());
    }
    let (session_id, user_id, organisation_id, status): (String, String, String, String) =
        programme_registrations::table
            .find(registration_id)
            .select((
                programme_registrations::session_id,
                programme_registrations::user_id,
                programme_registrations::organisation_id,
                programme_registrations::status,
            ))
            .first(conn)?;
    if !crate::auth::policy::allows(
        me,
        &Action::CancelProgrammeRegistration {
            registrant_id: &user_id,
        },
    ) {
        // Someone else's registration: it does not exist for them.
        return Err(AppError::not_found());
    }
    if status == RegistrationStatus::Cancelled.as_str() {
        return Err(AppError::conflict("Cette inscription est déjà annulée."));
    }
    diesel::update(programme_registrations::table.find(registration_id))
        .set((
            programme_registrations::status.eq(RegistrationStatus::Cancelled.as_str()),
            programme_registrations::cancelled_at.eq(now()),
        ))
        .execute(conn)?;
    diesel::update(
        programme_org_quotas::table
            .filter(programme_org_quotas::session_id.eq(&session_id))
            .filter(programme_org_quotas::organisation_id.eq(&organisation_id))
            .filter(programme_org_quotas::active.gt(0)),
    )
    .set(programme_org_quotas::active.eq(programme_org_quotas::active - 1))
    .execute(conn)?;
    let mut promoted = None;
    if status == RegistrationStatus::Confirmed.as_str() {
        diesel::update(
            programme_sessions::table
                .find(&session_id)
                .filter(programme_sessions::confirmed.gt(0)),
        )
        .set(programme_sessions::confirmed.eq(programme_sessions::confirmed - 1))
        .execute(conn)?;
        promoted = promote(conn, &session_id, base_url)?;
    }
    Ok(Cancelled {
        session_id,
        promoted,
    })
}

/// Gives free seats to the waiting list, first come first served.
fn promote(conn: &mut DbConnection, session_id: &str, base_url: &str) -> AppResult<Option<String>> {
    let next: Option<(String, String)> = programme_registrations::table
        .filter(programme_registrations::session_id.eq(session_id))
        .filter(programme_registrations::status.eq(RegistrationStatus::Waiting.as_str()))
        .order(programme_registrations::seq)
        .select((
            programme_registrations::id,
            programme_registrations::user_id,
        ))
        .first(conn)
        .optional()?;
    let Some((id, user_id)) = next else {
        return Ok(None);
    };
    if !take_seat(conn, session_id)? {
        return Ok(None);
    }
    diesel::update(programme_registrations::table.find(&id))
        .set((
            programme_registrations::status.eq(RegistrationStatus::Confirmed.as_str()),
            programme_registrations::confirmed_at.eq(now()),
        ))
        .execute(conn)?;
    let (email, first_name): (String, String) = users::table
        .find(&user_id)
        .select((users::email, users::first_name))
        .first(conn)?;
    let view = session_view(conn, session_id, None)?;
    let mail = super::mails::SeatFreed {
        first_name: &first_name,
        title: &view.course.title,
        days: view.days_fr(),
        place: &view.session.place,
        link: format!("{base_url}/programme/sessions/{session_id}"),
    };
    crate::mail::enqueue(conn, &email, &mail)?;
    Ok(Some(id))
}

// ---- Registrations, attendance, export ----

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RegistrationLine {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub organisation: String,
    pub status: RegistrationStatus,
    pub seq: i32,
    pub present: Vec<NaiveDate>,
}

impl RegistrationLine {
    pub fn present_on(&self, day: &NaiveDate) -> bool {
        self.present.contains(day)
    }
}

/// Active registrations of a session: confirmed ones by name, then the waiting list in order.
pub fn registrations(
    conn: &mut DbConnection,
    session_id: &str,
) -> AppResult<Vec<RegistrationLine>> {
    let rows: Vec<(String, String, String, String, String, String, i32)> =
        programme_registrations::table
            .inner_join(users::table)
            .inner_join(organisations::table)
            .filter(programme_registrations::session_id.eq(session_id))
            .filter(programme_registrations::status.ne(RegistrationStatus::Cancelled.as_str()))
            .select((
                programme_registrations::id,
                users::first_name,
                users::last_name,
                users::email,
                organisations::name,
                programme_registrations::status,
                programme_registrations::seq,
            ))
            .load(conn)?;
    let ids: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    let attended: Vec<(String, NaiveDate)> = programme_attendance::table
        .filter(programme_attendance::registration_id.eq_any(ids))
        .select((
            programme_attendance::registration_id,
            programme_attendance::day,
        ))
        .load(conn)?;
    let mut out: Vec<RegistrationLine> = rows
        .into_iter()
        .map(
            |(id, first_name, last_name, email, organisation, status, seq)| {
                let present = attended
                    .iter()
                    .filter(|(r, _)| *r == id)
                    .map(|(_, d)| *d)
                    .collect();
                RegistrationLine {
                    id,
                    first_name,
                    last_name,
                    email,
                    organisation,
                    status: RegistrationStatus::parse(&status)
                        .unwrap_or(RegistrationStatus::Waiting),
                    seq,
                    present,
                }
            },
        )
        .collect();
    out.sort_by(|a, b| {
        let rank = |l: &RegistrationLine| (l.status != RegistrationStatus::Confirmed) as u8;
        rank(a).cmp(&rank(b)).then_with(|| match a.status {
            RegistrationStatus::Confirmed => crate::types::fold(&a.last_name)
                .cmp(&crate::types::fold(&b.last_name))
                .then_with(|| a.first_name.cmp(&b.first_name)),
            _ => a.seq.cmp(&b.seq),
        })
    });
    Ok(out)
}

/// Records who attended on one day of the session (the confirmed registrations listed).
pub fn record_attendance(
    conn: &mut DbConnection,
    me: &CurrentUser,
    session_id: &str,
    day: NaiveDate,
    present: &[String],
) -> AppResult<usize> {
    let days = days(conn, session_id)?;
    if !days.contains(&day) {
        return Err(AppError::not_found());
    }
    let confirmed: Vec<String> = programme_registrations::table
        .filter(programme_registrations::session_id.eq(session_id))
        .filter(programme_registrations::status.eq(RegistrationStatus::Confirmed.as_str()))
        .select(programme_registrations::id)
        .load(conn)?;
    diesel::delete(
        programme_attendance::table
            .filter(programme_attendance::registration_id.eq_any(&confirmed))
            .filter(programme_attendance::day.eq(day)),
    )
    .execute(conn)?;
    let mut count = 0;
    for id in present.iter().filter(|id| confirmed.contains(id)) {
        diesel::insert_into(programme_attendance::table)
            .values((
                programme_attendance::registration_id.eq(id),
                programme_attendance::day.eq(day),
                programme_attendance::recorded_by.eq(&me.id),
                programme_attendance::recorded_at.eq(now()),
            ))
            .execute(conn)?;
        count += 1;
    }
    Ok(count)
}

/// The attendance of a session as CSV.
pub fn attendance_csv(days: &[NaiveDate], lines: &[RegistrationLine]) -> AppResult<Vec<u8>> {
    let mut head = vec![
        "Nom".to_owned(),
        "Prénom".to_owned(),
        "Organisation".to_owned(),
        "Adresse e-mail".to_owned(),
        "Statut".to_owned(),
    ];
    head.extend(days.iter().map(|d| format!("Présent le {}", date_fr(d))));
    let mut out = crate::web::csv::CsvWriter::new(&head)?;
    for l in lines {
        let mut row = vec![
            l.last_name.clone(),
            l.first_name.clone(),
            l.organisation.clone(),
            l.email.clone(),
            l.status.label().to_owned(),
        ];
        row.extend(
            days.iter()
                .map(|d| if l.present_on(d) { "oui" } else { "non" }.to_owned()),
        );
        out.row(&row)?;
    }
    out.finish()
}

// ---- Evaluation ----

/// My confirmed registration on a session I attended at least one day of and have not
/// evaluated yet.
pub fn evaluable_registration(
    conn: &mut DbConnection,
    session_id: &str,
    user_id: &str,
) -> AppResult<Option<String>> {
    let id: Option<String> = programme_registrations::table
        .filter(programme_registrations::session_id.eq(session_id))
        .filter(programme_registrations::user_id.eq(user_id))
        .filter(programme_registrations::status.eq(RegistrationStatus::Confirmed.as_str()))
        .select(programme_registrations::id)
        .first(conn)
        .optional()?;
    let Some(id) = id else { return Ok(None) };
    let attended: i64 = programme_attendance::table
        .filter(programme_attendance::registration_id.eq(&id))
        .count()
        .get_result(conn)?;
    let done: i64 = programme_evaluations::table
        .filter(programme_evaluations::registration_id.eq(&id))
        .count()
        .get_result(conn)?;
    Ok((attended > 0 && done == 0).then_some(id))
}

pub struct EvaluationInput {
    pub scores: [i32; 4],
    pub comment: String,
}

pub fn parse_evaluation(fields: &[(String, String)]) -> Result<EvaluationInput, Vec<String>> {
    let mut errors = Vec::new();
    let mut scores = [0; 4];
    for (i, (name, wording)) in QUESTIONS.iter().enumerate() {
        let value = fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim());
        match value.and_then(|v| v.parse::<i32>().ok()) {
            Some(n) if (1..=5).contains(&n) => scores[i] = n,
            _ => errors.push(format!("Notez de 1 à 5 : « {wording} »")),
        }
    }
    let comment = fields
        .iter()
        .find(|(k, _)| k == "comment")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    if comment.chars().count() > 2000 {
        errors.push("Le commentaire fait 2 000 caractères au plus.".to_owned());
    }
    if errors.is_empty() {
        Ok(EvaluationInput { scores, comment })
    } else {
        Err(errors)
    }
}

pub fn save_evaluation(
    conn: &mut DbConnection,
    me: &CurrentUser,
    session_id: &str,
    input: &EvaluationInput,
) -> AppResult<()> {
    authorize(
        me,
        &Action::EvaluateProgrammeSession {
            registrant_id: &me.id,
        },
    )?;
    let registration = evaluable_registration(conn, session_id, &me.id)?.ok_or_else(|| {
        AppError::conflict(
            "L’évaluation est ouverte aux personnes inscrites dont la présence a été relevée, une fois.",
        )
    })?;
    diesel::insert_into(programme_evaluations::table)
        .values((
            programme_evaluations::registration_id.eq(&registration),
            programme_evaluations::session_id.eq(session_id),
            programme_evaluations::content_score.eq(input.scores[0]),
            programme_evaluations::facilitation_score.eq(input.scores[1]),
            programme_evaluations::usefulness_score.eq(input.scores[2]),
            programme_evaluations::organisation_score.eq(input.scores[3]),
            programme_evaluations::comment.eq(&input.comment),
            programme_evaluations::created_at.eq(now()),
        ))
        .execute(conn)
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                AppError::conflict("Vous avez déjà évalué cette session.")
            } else {
                e.into()
            }
        })?;
    Ok(())
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct QuestionResult {
    pub wording: String,
    /// Mean score, one decimal (French comma), or empty without answers.
    pub mean: String,
    /// How many answered 1, 2, 3, 4 and 5.
    pub distribution: [i64; 5],
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EvaluationResults {
    pub answers: i64,
    pub attendees: i64,
    pub questions: Vec<QuestionResult>,
    pub comments: Vec<String>,
}

pub fn evaluation_results(
    conn: &mut DbConnection,
    session_id: &str,
) -> AppResult<EvaluationResults> {
    let rows: Vec<(i32, i32, i32, i32, String)> = programme_evaluations::table
        .filter(programme_evaluations::session_id.eq(session_id))
        .order(programme_evaluations::created_at)
        .select((
            programme_evaluations::content_score,
            programme_evaluations::facilitation_score,
            programme_evaluations::usefulness_score,
            programme_evaluations::organisation_score,
            programme_evaluations::comment,
        ))
        .load(conn)?;
    let attendees: i64 = programme_registrations::table
        .filter(programme_registrations::session_id.eq(session_id))
        .filter(
            programme_registrations::id
                .eq_any(programme_attendance::table.select(programme_attendance::registration_id)),
        )
        .count()
        .get_result(conn)?;
    let questions = QUESTIONS
        .iter()
        .enumerate()
        .map(|(i, (_, wording))| {
            let scores: Vec<i32> = rows.iter().map(|r| [r.0, r.1, r.2, r.3][i]).collect();
            let mut distribution = [0i64; 5];
            for s in &scores {
                distribution[(*s - 1) as usize] += 1;
            }
            let mean = if scores.is_empty() {
                String::new()
            } else {
                let m = f64::from(scores.iter().sum::<i32>()) / scores.len() as f64;
                format!("{m:.1}").replace('.', ",")
            };
            QuestionResult {
                wording: (*wording).to_owned(),
                mean,
                distribution,
            }
        })
        .collect();
    Ok(EvaluationResults {
        answers: rows.len() as i64,
        attendees,
        questions,
        comments: rows
            .into_iter()
            .map(|r| r.4)
            .filter(|c| !c.is_empty())
            .collect(),
    })
}
