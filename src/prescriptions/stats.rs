//! Tracking lists and figures of pre-registrations, always scoped to what the caller may
//! see: a prescriber its agency's, a centre those to its sessions, a funder those to the
//! sessions it funds, the regional team all of them.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::model::Status;
use super::service::Prescription;
use crate::auth::CurrentUser;
use crate::auth::policy::{self, Action, Rows, Scope, allows};
use crate::db::{DbConnection, schema::*};
use crate::error::{AppError, AppResult};
use crate::web::csv::CsvWriter;

/// One line of a tracking screen.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PrescriptionRow)]
pub struct Row {
    pub id: String,
    pub person: String,
    pub session_id: String,
    pub training: String,
    pub session_start: String,
    pub centre: String,
    pub agency: String,
    pub funder: Option<String>,
    pub department: Option<String>,
    pub status: String,
    pub status_label: String,
    pub next_action: String,
    pub prescriber_id: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub submitted_at: NaiveDateTime,
    pub decision_due: NaiveDate,
    pub overdue: bool,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub decided_at: Option<NaiveDateTime>,
    pub entry_date: Option<NaiveDate>,
    pub days_to_decision: Option<i64>,
    pub days_to_entry: Option<i64>,
}

impl Row {
    pub fn submitted_fr(&self) -> String {
        self.submitted_at.format("%d/%m/%Y").to_string()
    }
    pub fn due_fr(&self) -> String {
        self.decision_due.format("%d/%m/%Y").to_string()
    }
    pub fn entry_fr(&self) -> String {
        self.entry_date
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    }
}

/// Which pre-registrations the caller may list (the policy decides).
fn scope(user: &CurrentUser) -> AppResult<Scope> {
    policy::scope(user, Rows::Prescriptions).or_forbidden()
}

/// Sessions whose action a funder funds.
fn funded_sessions(conn: &mut DbConnection, funder_id: &str) -> AppResult<Vec<String>> {
    Ok(training_sessions::table
        .inner_join(
            training_action_funders::table
                .on(training_action_funders::action_id.eq(training_sessions::action_id)),
        )
        .filter(training_action_funders::funder_id.eq(funder_id))
        .select(training_sessions::id)
        .distinct()
        .load(conn)?)
}

/// Filters of the tracking screens.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub session_id: Option<String>,
    /// Only the caller's own pre-registrations (prescribers).
    pub mine: bool,
    /// Only those past their decision deadline.
    pub overdue: bool,
}

/// The pre-registrations the caller may see, newest first.
pub fn rows(conn: &mut DbConnection, user: &CurrentUser, filter: &Filter) -> AppResult<Vec<Row>> {
    let mut query = prescriptions::table
        .select(Prescription::as_select())
        .order((prescriptions::submitted_at.desc(), prescriptions::id))
        .into_boxed();
    match scope(user)? {
        Scope::Agency(org) => query = query.filter(prescriptions::agency_id.eq(org)),
        Scope::Centre(org) => query = query.filter(prescriptions::centre_id.eq(org)),
        Scope::Funder(org) => {
            let sessions = funded_sessions(conn, &org)?;
            query = query.filter(prescriptions::session_id.eq_any(sessions));
        }
        Scope::Region => {}
        _ => return Err(AppError::forbidden()),
    }
    if let Some(status) = filter.status {
        query = query.filter(prescriptions::status.eq(status.as_str()));
    }
    if let Some(session) = &filter.session_id {
        query = query.filter(prescriptions::session_id.eq(session.clone()));
    }
    if filter.mine {
        query = query.filter(prescriptions::prescriber_id.eq(user.id.clone()));
    }
    if filter.overdue {
        let today = crate::clock::today_paris();
        query = query.filter(prescriptions::decision_due.lt(today)).filter(
            prescriptions::status.eq_any([
                Status::Submitted.as_str(),
                Status::Received.as_str(),
                Status::InfoSessionScheduled.as_str(),
                Status::InterviewScheduled.as_str(),
            ]),
        );
    }
    let found: Vec<Prescription> = query.load(conn)?;
    to_rows(conn, user, found)
}

/// What a row shows in place of the person's name to those who see figures only (funders).
pub const ANONYMOUS: &str = "Personne anonymisée";

fn to_rows(
    conn: &mut DbConnection,
    user: &CurrentUser,
    found: Vec<Prescription>,
) -> AppResult<Vec<Row>> {
    let person_ids: Vec<&String> = found.iter().map(|p| &p.person_id).collect();
    let people: HashMap<String, String> = prescribed_people::table
        .filter(prescribed_people::id.eq_any(&person_ids))
        .select((
            prescribed_people::id,
            prescribed_people::first_name,
            prescribed_people::last_name,
        ))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, f, l)| (id, format!("{f} {l}")))
        .collect();
    let session_ids: Vec<&String> = found.iter().map(|p| &p.session_id).collect();
    let sessions: HashMap<String, (String, Option<String>, String)> = training_sessions::table
        .inner_join(training_actions::table.inner_join(trainings::table))
        .filter(training_sessions::id.eq_any(&session_ids))
        .select((
            training_sessions::id,
            trainings::title,
            training_actions::department,
            training_sessions::data,
        ))
        .load::<(String, String, Option<String>, String)>(conn)?
        .into_iter()
        .map(|(id, title, department, data)| {
            let start = serde_json::from_str::<crate::trainings::model::Session>(&data)
                .map(|s| s.start.label())
                .unwrap_or_default();
            (id, (title, department, start))
        })
        .collect();
    let mut org_ids: Vec<&String> = found
        .iter()
        .flat_map(|p| [Some(&p.centre_id), Some(&p.agency_id), p.funder_id.as_ref()])
        .flatten()
        .collect();
    org_ids.sort();
    org_ids.dedup();
    let orgs: HashMap<String, String> = organisations::table
        .filter(organisations::id.eq_any(&org_ids))
        .select((organisations::id, organisations::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let today = crate::clock::today_paris();
    Ok(found
        .into_iter()
        .map(|p| {
            let status = p.status();
            let (training, department, session_start) =
                sessions.get(&p.session_id).cloned().unwrap_or_default();
            let reference = p.reference(p.funder_id.iter().cloned().collect());
            let person = if allows(user, &Action::ViewPrescriptionPerson(&reference)) {
                people.get(&p.person_id).cloned().unwrap_or_default()
            } else {
                ANONYMOUS.to_owned()
            };
            Row {
                person,
                session_id: p.session_id.clone(),
                training,
                session_start,
                centre: orgs.get(&p.centre_id).cloned().unwrap_or_default(),
                agency: orgs.get(&p.agency_id).cloned().unwrap_or_default(),
                funder: p.funder_id.as_ref().and_then(|f| orgs.get(f).cloned()),
                department,
                status: status.as_str().to_owned(),
                status_label: status.label().to_owned(),
                next_action: status.next_action().to_owned(),
                prescriber_id: p.prescriber_id.clone(),
                submitted_at: p.submitted_at,
                decision_due: p.decision_due,
                overdue: p.overdue(today),
                decided_at: p.decided_at,
                entry_date: p.entry_date,
                days_to_decision: p.days_to_decision(),
                days_to_entry: p.days_to_entry(),
                id: p.id,
            }
        })
        .collect())
}

/// A distribution of durations in days: median and counts per band.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Durations {
    pub count: usize,
    pub median_days: Option<f64>,
    /// (band label, count): 0–7 days, 8–14, 15–30, 31–60, over 60.
    pub bands: Vec<(String, usize)>,
}

impl Durations {
    pub fn of(mut days: Vec<i64>) -> Self {
        days.sort_unstable();
        let count = days.len();
        let median_days = match count {
            0 => None,
            n if n % 2 == 1 => Some(days[n / 2] as f64),
            n => Some((days[n / 2 - 1] + days[n / 2]) as f64 / 2.0),
        };
        let bands = [
            ("0 à 7 jours", 0, 7),
            ("8 à 14 jours", 8, 14),
            ("15 à 30 jours", 15, 30),
            ("31 à 60 jours", 31, 60),
            ("plus de 60 jours", 61, i64::MAX),
        ]
        .iter()
        .map(|(label, lo, hi)| {
            (
                (*label).to_owned(),
                days.iter().filter(|d| **d >= *lo && **d <= *hi).count(),
            )
        })
        .collect();
        Self {
            count,
            median_days,
            bands,
        }
    }

    pub fn median_fr(&self) -> String {
        match self.median_days {
            None => "–".into(),
            Some(m) if m.fract() == 0.0 => format!("{m:.0} j"),
            Some(m) => format!("{m:.1} j").replace('.', ","),
        }
    }
}

/// Figures of one group (a funder, a centre, a territory, or everything).
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = PrescriptionFigures)]
pub struct Figures {
    pub group: String,
    pub total: usize,
    /// Pre-registrations whose deadline passed or that were decided.
    pub due: usize,
    /// Of those, decided through Passerelle.
    pub decided: usize,
    /// Share of selection results returned through the tool, in % (the report's 67 %).
    pub decision_rate: Option<f64>,
    pub overdue: usize,
    pub entered: usize,
    pub time_to_decision: Durations,
    pub time_to_entry: Durations,
}

impl Figures {
    fn of(group: String, rows: &[&Row], today: NaiveDate) -> Self {
        let due: Vec<&&Row> = rows
            .iter()
            .filter(|r| r.decided_at.is_some() || r.decision_due < today)
            .collect();
        let decided = due.iter().filter(|r| r.decided_at.is_some()).count();
        Self {
            group,
            total: rows.len(),
            due: due.len(),
            decided,
            decision_rate: (!due.is_empty())
                .then(|| (decided as f64 * 1000.0 / due.len() as f64).round() / 10.0),
            overdue: rows.iter().filter(|r| r.overdue).count(),
            entered: rows.iter().filter(|r| r.entry_date.is_some()).count(),
            time_to_decision: Durations::of(
                rows.iter().filter_map(|r| r.days_to_decision).collect(),
            ),
            time_to_entry: Durations::of(rows.iter().filter_map(|r| r.days_to_entry).collect()),
        }
    }

    pub fn rate_fr(&self) -> String {
        self.decision_rate
            .map(|r| format!("{r:.1} %").replace('.', ","))
            .unwrap_or_else(|| "–".into())
    }
}

/// Figures overall and per funder, centre and territory (department of the session).
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = PrescriptionReport)]
pub struct Report {
    pub overall: Figures,
    pub by_funder: Vec<Figures>,
    pub by_centre: Vec<Figures>,
    pub by_territory: Vec<Figures>,
}

pub fn report(rows: &[Row]) -> Report {
    let today = crate::clock::today_paris();
    let all: Vec<&Row> = rows.iter().collect();
    let group = |key: &dyn Fn(&Row) -> String| {
        let mut groups: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
        for r in rows {
            groups.entry(key(r)).or_default().push(r);
        }
        groups
            .into_iter()
            .map(|(k, v)| Figures::of(k, &v, today))
            .collect::<Vec<_>>()
    };
    Report {
        overall: Figures::of("Ensemble".into(), &all, today),
        by_funder: group(&|r| {
            r.funder
                .clone()
                .unwrap_or_else(|| "Sans financeur inscrit".into())
        }),
        by_centre: group(&|r| r.centre.clone()),
        by_territory: group(&|r| {
            r.department
                .as_ref()
                .map(|d| crate::referential::departments::label(d))
                .unwrap_or_else(|| "Territoire non précisé".into())
        }),
    }
}

/// Per session of a centre (or funder): places, people holding one, waiting list.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SessionLoad {
    pub session_id: String,
    pub training: String,
    pub start: String,
    pub places: Option<i32>,
    pub holding: i64,
    pub waiting_list: i64,
    pub pending: i64,
    pub places_left: Option<i64>,
    /// Places held / places, in %.
    pub fill_rate: Option<f64>,
}

impl SessionLoad {
    pub fn fill_fr(&self) -> String {
        self.fill_rate
            .map(|r| format!("{r:.0} %"))
            .unwrap_or_else(|| "–".into())
    }
}

/// Sessions the caller answers for even without pre-registrations: a centre's own, a
/// funder's funded ones.
fn own_sessions(conn: &mut DbConnection, user: &CurrentUser) -> AppResult<Vec<String>> {
    Ok(match scope(user)? {
        Scope::Centre(org) => training_sessions::table
            .inner_join(trainings::table.on(trainings::id.eq(training_sessions::training_id)))
            .filter(trainings::centre_id.eq(org))
            .select(training_sessions::id)
            .load(conn)?,
        Scope::Funder(org) => funded_sessions(conn, &org)?,
        _ => Vec::new(),
    })
}

/// The load of each session the caller follows (its own or funded ones, and those with
/// pre-registrations among `rows`): places, people holding one, waiting list, fill rate.
pub fn session_loads(
    conn: &mut DbConnection,
    user: &CurrentUser,
    rows: &[Row],
) -> AppResult<Vec<SessionLoad>> {
    let mut by_session: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        by_session.entry(r.session_id.clone()).or_default().push(r);
    }
    for id in own_sessions(conn, user)? {
        by_session.entry(id).or_default();
    }
    let ids: Vec<&String> = by_session.keys().collect();
    let info: HashMap<String, (String, Option<i32>, String, Option<NaiveDate>)> =
        training_sessions::table
            .inner_join(trainings::table.on(trainings::id.eq(training_sessions::training_id)))
            .filter(training_sessions::id.eq_any(&ids))
            .select((
                training_sessions::id,
                trainings::title,
                training_sessions::places,
                training_sessions::data,
                training_sessions::start_date,
            ))
            .load::<(String, String, Option<i32>, String, Option<NaiveDate>)>(conn)?
            .into_iter()
            .map(|(id, title, places, data, start)| {
                let label = serde_json::from_str::<crate::trainings::model::Session>(&data)
                    .map(|s| s.start.label())
                    .unwrap_or_default();
                (id, (title, places, label, start))
            })
            .collect();
    let mut out = Vec::new();
    for (session_id, list) in by_session {
        let Some((training, places, start, start_date)) = info.get(&session_id).cloned() else {
            continue;
        };
        let count = |pred: &dyn Fn(Status) -> bool| {
            list.iter()
                .filter(|r| Status::parse(&r.status).is_some_and(pred))
                .count() as i64
        };
        let holding = count(&|s| {
            matches!(
                s,
                Status::Accepted | Status::Entered | Status::Completed | Status::DroppedOut
            )
        });
        out.push((
            start_date,
            SessionLoad {
                start,
                training,
                places,
                holding,
                waiting_list: count(&|s| s == Status::WaitingList),
                pending: count(&Status::awaits_decision),
                places_left: places.map(|p| i64::from(p) - holding),
                fill_rate: places
                    .filter(|p| *p > 0)
                    .map(|p| (holding as f64 * 100.0 / f64::from(p)).round()),
                session_id,
            },
        ));
    }
    out.sort_by(|a, b| (a.0, &a.1.training).cmp(&(b.0, &b.1.training)));
    Ok(out.into_iter().map(|(_, load)| load).collect())
}

/// The tracking list as CSV (same scope as the page).
pub fn csv(rows: &[Row]) -> AppResult<Vec<u8>> {
    let mut out = CsvWriter::new([
        "Personne",
        "Formation",
        "Début de session",
        "Organisme",
        "Agence",
        "Financeur",
        "Statut",
        "Envoyée le",
        "Décision attendue le",
        "Délai dépassé",
        "Entrée le",
        "Jours jusqu’à la décision",
        "Jours jusqu’à l’entrée",
    ])?;
    for r in rows {
        out.row([
            r.person.clone(),
            r.training.clone(),
            r.session_start.clone(),
            r.centre.clone(),
            r.agency.clone(),
            r.funder.clone().unwrap_or_default(),
            r.status_label.clone(),
            r.submitted_fr(),
            r.due_fr(),
            if r.overdue { "oui" } else { "non" }.into(),
            r.entry_fr(),
            r.days_to_decision
                .map(|d| d.to_string())
                .unwrap_or_default(),
            r.days_to_entry.map(|d| d.to_string()).unwrap_or_default(),
        ])?;
    }
    out.finish()
}
