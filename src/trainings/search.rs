//! Session search for the public and for prescribers (`/formations`,
//! `/api/v1/trainings/sessions`): words with the French analysis of the offer search, ROME
//! code, commune and radius, department, dates, funded only, places left.
//!
//! The catalogue is regional (a few thousand sessions): the database filters on indexed
//! columns and on the stored analysed words, distances are exact (haversine, same radius
//! definition as the offer search).

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use super::model::{LheoDate, RecruitmentState, Session, Training};
use crate::db::{DbConnection, schema::*};
use crate::error::{AppError, AppResult};
use crate::offers::search::{Around, Centre, centre_and_radius};
use crate::search::geo::bounding_box;

/// Page size of the session search.
pub const PER_PAGE: usize = 20;
/// Most sessions a search considers before paging (a regional catalogue has far fewer).
const MAX_CANDIDATES: i64 = 5_000;

/// What was asked, whatever the channel.
#[derive(Clone, Debug, Default)]
pub struct Asked {
    pub q: String,
    pub rome: String,
    pub commune: String,
    pub radius_km: String,
    pub department: String,
    /// Starting on or after (JJ/MM/AAAA or AAAA-MM-JJ).
    pub start_from: String,
    /// Starting on or before.
    pub start_to: String,
    pub funded_only: bool,
    pub places_left_only: bool,
    pub page: usize,
}

/// One session found.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SessionHit {
    pub session_id: String,
    pub training_id: String,
    pub title: String,
    pub organisation: String,
    pub commune: Option<String>,
    pub department: Option<String>,
    /// French label of the start (`22/11/2026`, `septembre 2026`, `date à préciser`).
    pub start: String,
    pub end: String,
    pub start_date: Option<NaiveDate>,
    pub recruitment: RecruitmentState,
    pub places: Option<i32>,
    /// Places minus people accepted or in training; unknown when places are.
    pub places_left: Option<i64>,
    pub funded: bool,
    pub prescription_required: bool,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub distance_km: Option<f64>,
    /// The training is known by an `lheo-index` summary only: what is shown is all that is
    /// known, the full record has not been sent yet.
    pub summary: bool,
    /// French notice of a summary (« Fiche résumée : … »), absent for a full record.
    pub summary_notice: Option<String>,
    /// Where the summary says the full record is.
    pub summary_href: Option<String>,
}

impl SessionHit {
    pub fn recruitment_label(&self) -> &'static str {
        self.recruitment.label()
    }
    pub fn distance(&self) -> String {
        match self.distance_km {
            Some(d) if d < 10.0 => format!("{d:.1} km").replace('.', ","),
            Some(d) => format!("{d:.0} km"),
            None => String::new(),
        }
    }
}

pub struct Found {
    pub hits: Vec<SessionHit>,
    pub total: usize,
    pub centre: Option<Centre>,
}

/// Statuses that hold a place in a session.
pub const HOLDING_PLACE: &[&str] = &["accepted", "entered", "completed", "dropped_out"];

/// People holding a place, per session.
pub fn places_taken(conn: &mut DbConnection, ids: &[String]) -> AppResult<HashMap<String, i64>> {
    let mut taken = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, i64)> = prescriptions::table
            .filter(prescriptions::session_id.eq_any(chunk))
            .filter(prescriptions::status.eq_any(HOLDING_PLACE))
            .group_by(prescriptions::session_id)
            .select((prescriptions::session_id, diesel::dsl::count_star()))
            .load(conn)?;
        taken.extend(rows);
    }
    Ok(taken)
}

type Row = (
    String,
    String,
    Option<NaiveDate>,
    Option<i32>,
    bool,
    String,
    Option<f64>,
    Option<f64>,
);

/// The sessions a question matches, in their order, before any page is made of them.
struct Matching {
    /// Each session's row and its distance from the centre.
    kept: Vec<(Row, Option<f64>)>,
    /// People holding a place, per session.
    taken: HashMap<String, i64>,
    around: Option<Around>,
}

/// Searches sessions that have not ended, soonest first (nearest first at equal dates), or
/// lists what is wrong with the question (French).
pub fn search(conn: &mut DbConnection, asked: &Asked) -> AppResult<Result<Found, Vec<String>>> {
    let matching = match matching(conn, asked)? {
        Ok(m) => m,
        Err(errors) => return Ok(Err(errors)),
    };
    let total = matching.kept.len();
    let page = asked.page.max(1);
    let mut hits = Vec::with_capacity(PER_PAGE);
    for (row, distance_km) in matching
        .kept
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
    {
        let places_left = places_left(&matching.taken, row);
        hits.push(hit(conn, row.clone(), places_left, *distance_km)?);
    }
    Ok(Ok(Found {
        hits,
        total,
        centre: matching.around.map(|a| a.centre),
    }))
}

/// How many sessions a question matches (as [`search`] counts them), without reading what a
/// page of results shows: the figure of the home page.
pub fn count(conn: &mut DbConnection, asked: &Asked) -> AppResult<Result<usize, Vec<String>>> {
    Ok(matching(conn, asked)?.map(|m| m.kept.len()))
}

fn matching(conn: &mut DbConnection, asked: &Asked) -> AppResult<Result<Matching, Vec<String>>> {
    let mut errors = Vec::new();
    let around = centre_and_radius(conn, &asked.commune, &asked.radius_km, &mut errors)?;
    let start_from = match asked.start_from.trim() {
        "" => None,
        d => crate::web::read_date_fr(
            d,
            "La date « à partir du » doit être au format JJ/MM/AAAA.",
            &mut errors,
        ),
    };
    let start_to = match asked.start_to.trim() {
        "" => None,
        d => crate::web::read_date_fr(
            d,
            "La date « jusqu’au » doit être au format JJ/MM/AAAA.",
            &mut errors,
        ),
    };
    let rome = match crate::referential::store::occupation_patterns(conn, &asked.rome)? {
        Ok(patterns) => patterns,
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let department = asked.department.trim().to_uppercase();
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut analyzer = crate::search::analyzer::french_analyzer();
    let terms = crate::search::analyzer::terms(&mut analyzer, &asked.q);
    let today = crate::clock::today_paris();

    let mut query = training_sessions::table
        .inner_join(training_actions::table.inner_join(trainings::table))
        .filter(
            training_sessions::end_date
                .ge(today)
                .or(training_sessions::end_date.is_null()),
        )
        .select((
            training_sessions::id,
            training_sessions::training_id,
            training_sessions::start_date,
            training_sessions::places,
            training_sessions::funded,
            trainings::title,
            training_actions::lat,
            training_actions::lon,
        ))
        .order((
            training_sessions::start_date.asc(),
            trainings::title.asc(),
            training_sessions::id.asc(),
        ))
        .limit(MAX_CANDIDATES)
        .into_boxed();
    for term in &terms {
        query = query.filter(trainings::search_terms.like(format!("% {term} %")));
    }
    if let Some([a, b, c, d, e]) = rome {
        let codes = trainings::rome_codes;
        query = query.filter(
            codes
                .like(a)
                .or(codes.like(b))
                .or(codes.like(c))
                .or(codes.like(d))
                .or(codes.like(e)),
        );
    }
    if !department.is_empty() {
        query = query.filter(training_actions::department.eq(department.clone()));
    }
    if let Some(from) = start_from {
        query = query.filter(training_sessions::start_date.ge(from));
    }
    if let Some(to) = start_to {
        query = query.filter(training_sessions::start_date.le(to));
    }
    if asked.funded_only {
        query = query.filter(training_sessions::funded.eq(true));
    }
    if let Some(around) = &around {
        let bbox = bounding_box(around.position, around.radius_km);
        query = query
            .filter(training_actions::lat.between(bbox.lat.0, bbox.lat.1))
            .filter(training_actions::lon.is_not_null());
        if let Some((lo, hi)) = bbox.lon {
            query = query.filter(training_actions::lon.between(lo, hi));
        }
    }
    let rows: Vec<Row> = query.load(conn)?;
    let mut kept: Vec<(Row, Option<f64>)> = rows
        .into_iter()
        .filter_map(|row| match &around {
            Some(around) => {
                let position = row.6.zip(row.7)?;
                let d = crate::search::haversine_km(around.position, position);
                (d <= around.radius_km).then_some((row, Some(d)))
            }
            None => Some((row, None)),
        })
        .collect();
    let ids: Vec<String> = kept.iter().map(|(r, _)| r.0.clone()).collect();
    let taken = places_taken(conn, &ids)?;
    if asked.places_left_only {
        kept.retain(|(row, _)| places_left(&taken, row).is_none_or(|l| l > 0));
    }
    if around.is_some() {
        kept.sort_by(|a, b| {
            a.0.2
                .cmp(&b.0.2)
                .then(a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
        });
    }
    Ok(Ok(Matching {
        kept,
        taken,
        around,
    }))
}

/// Places left in a session (`None`: the session gives no number of places).
fn places_left(taken: &HashMap<String, i64>, row: &Row) -> Option<i64> {
    row.3
        .map(|p| i64::from(p) - taken.get(&row.0).copied().unwrap_or(0))
}

fn hit(
    conn: &mut DbConnection,
    row: Row,
    places_left: Option<i64>,
    distance_km: Option<f64>,
) -> AppResult<SessionHit> {
    let (session_id, training_id, start_date, places, funded, title, lat, lon) = row;
    let (session_data, action_id): (String, String) = training_sessions::table
        .find(&session_id)
        .select((training_sessions::data, training_sessions::action_id))
        .get_result(conn)?;
    let session: Session = serde_json::from_str(&session_data).map_err(AppError::internal)?;
    let (commune_insee, department, prescription_required): (Option<String>, Option<String>, bool) =
        training_actions::table
            .find(&action_id)
            .select((
                training_actions::commune_insee,
                training_actions::department,
                training_actions::prescription_required,
            ))
            .get_result(conn)?;
    let commune = match commune_insee {
        Some(insee) => crate::referential::store::commune(conn, &insee)?.map(|c| c.name),
        None => None,
    };
    let (training_data, summary, summary_href): (String, bool, Option<String>) = trainings::table
        .find(&training_id)
        .select((
            trainings::data,
            trainings::is_summary,
            trainings::summary_href,
        ))
        .get_result(conn)?;
    let training: Training = serde_json::from_str(&training_data).map_err(AppError::internal)?;
    Ok(SessionHit {
        session_id,
        training_id,
        title,
        organisation: training.organisation.name,
        commune,
        department,
        start: session.start.label(),
        end: match session.end {
            LheoDate::Unknown => "date à préciser".into(),
            end => end.label(),
        },
        start_date,
        recruitment: session.recruitment,
        places,
        places_left,
        funded,
        prescription_required,
        lat,
        lon,
        distance_km,
        summary,
        summary_notice: summary.then(|| super::lheo::SUMMARY_NOTICE.to_owned()),
        summary_href,
    })
}
