//! Counts per Paris month behind the regional dashboards and the annex, so that a region-wide
//! figure over two years reads a few thousand precomputed rows instead of a million.
//!
//! `report_counts` holds, for each metric, Paris month, department (`*` for the whole region)
//! and dimension (a status, a ROME code, an age, a level), how many rows count there. Database
//! triggers (migration `report_rollup`) mark a month dirty in `report_dirty` whenever a row
//! counted in it is created, changed or deleted, whatever code path wrote it. Readers take
//! clean whole months from `report_counts` and compute the rest (dirty months, and the days
//! of a period that do not cover a whole month) from the source tables, so every figure is
//! exact at any moment; the `reports.refresh` job recomputes dirty months in the background.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::indicators::Period;
use crate::db::{DbConnection, schema::*};
use crate::error::AppResult;
use crate::types::Role;

/// The department value of the region-wide rows.
const REGION: &str = "*";
/// The dimension value of an unknown age or level.
pub const UNKNOWN: &str = "?";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Offers by creation month, department and status.
    OfferStatus,
    /// Offers by creation month, department and ROME code.
    OfferRome,
    /// Applications by month, and the department and ROME code of their offer.
    ApplicationRome,
    /// Candidate accounts by creation month, profile department and age at registration.
    CandidateAge,
    /// Candidate accounts by creation month, profile department and level reached.
    CandidateLevel,
    /// Wished occupations of candidate profiles (CVs), by the month the account was created.
    CvRome,
    /// Candidate accounts by creation month, profile department and sex (optional answer).
    CandidateSex,
    /// Candidate accounts by creation month, profile department and situation (optional).
    CandidateSituation,
}

impl Metric {
    pub const ALL: [Metric; 8] = [
        Metric::OfferStatus,
        Metric::OfferRome,
        Metric::ApplicationRome,
        Metric::CandidateAge,
        Metric::CandidateLevel,
        Metric::CvRome,
        Metric::CandidateSex,
        Metric::CandidateSituation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::OfferStatus => "offer_status",
            Metric::OfferRome => "offer_rome",
            Metric::ApplicationRome => "application_rome",
            Metric::CandidateAge => "candidate_age",
            Metric::CandidateLevel => "candidate_level",
            Metric::CvRome => "cv_rome",
            Metric::CandidateSex => "candidate_sex",
            Metric::CandidateSituation => "candidate_situation",
        }
    }
}

/// Which departments a reader wants, and how.
#[derive(Clone, Copy, Debug)]
pub enum Area<'a> {
    /// The whole region as one (department `*`).
    Region,
    /// Every department apart.
    EachDepartment,
    /// These departments, apart.
    Departments(&'a [String]),
}

impl<'a> Area<'a> {
    /// The region as one, or the given departments.
    pub fn of(departments: Option<&'a [String]>) -> Self {
        departments.map_or(Area::Region, Area::Departments)
    }
}

/// One count: month (`AAAA-MM`, Paris), department, dimension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Count {
    pub month: String,
    pub department: String,
    pub dim: String,
    pub n: i64,
}

fn month_key(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn next_month(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first)
}

fn month_first(key: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d").ok()
}

/// The UTC instants of a Paris month: [its first day 00:00, the next month's 00:00).
fn month_utc(first: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
    (
        crate::web::paris_midnight_utc(first),
        crate::web::paris_midnight_utc(next_month(first)),
    )
}

/// Age in whole years on a day (0 for a birth date after it).
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    u32::try_from(crate::auth::service::age_on(birth, day)).unwrap_or(0)
}

/// What a reader takes from `report_counts`, and what it computes from the source tables.
struct Plan {
    /// Clean whole months read from `report_counts`: these, or all but these.
    months: Vec<String>,
    all_but: bool,
    /// Stretches computed from the sources: month, UTC start, UTC end.
    live: Vec<(String, NaiveDateTime, NaiveDateTime)>,
}

fn dirty_months(conn: &mut DbConnection) -> AppResult<HashSet<String>> {
    Ok(report_dirty::table
        .select(report_dirty::month)
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

fn plan(conn: &mut DbConnection, period: Option<&Period>) -> AppResult<Plan> {
    let dirty = dirty_months(conn)?;
    let Some(period) = period else {
        // All time: every clean month, and each dirty month from the sources.
        let mut live = Vec::new();
        for month in &dirty {
            if let Some(first) = month_first(month) {
                let (from, to) = month_utc(first);
                live.push((month.clone(), from, to));
            }
        }
        return Ok(Plan {
            months: dirty.into_iter().collect(),
            all_but: true,
            live,
        });
    };
    let mut months = Vec::new();
    let mut live = Vec::new();
    // Rows are created at the time they are written, so a stored month holds nothing after
    // today: a period that reaches today covers its month whole.
    let today = crate::web::today_paris();
    let mut first = first_of_month(period.from);
    while first <= period.to {
        let next = next_month(first);
        if next == first {
            break;
        }
        let last = next.pred_opt().unwrap_or(first);
        let key = month_key(first);
        let from = first.max(period.from);
        let to = last.min(period.to);
        if from == first && (to == last || to >= today) && !dirty.contains(&key) {
            months.push(key);
        } else {
            let part = Period { from, to };
            let (a, b) = part.utc_range();
            live.push((key, a, b));
        }
        first = next;
    }
    Ok(Plan {
        months,
        all_but: false,
        live,
    })
}

/// Counts of a metric over a period (all time when `None`), by month, for an area.
pub fn counts(
    conn: &mut DbConnection,
    metric: Metric,
    period: Option<&Period>,
    area: Area<'_>,
) -> AppResult<Vec<Count>> {
    let plan = plan(conn, period)?;
    let mut out = Vec::new();
    if plan.all_but || !plan.months.is_empty() {
        let mut query = report_counts::table
            .filter(report_counts::metric.eq(metric.as_str()))
            .select((
                report_counts::month,
                report_counts::department,
                report_counts::dim,
                report_counts::n,
            ))
            .into_boxed();
        query = if plan.all_but {
            query.filter(report_counts::month.ne_all(plan.months.clone()))
        } else {
            query.filter(report_counts::month.eq_any(plan.months.clone()))
        };
        query = match area {
            Area::Region => query.filter(report_counts::department.eq(REGION)),
            Area::EachDepartment => query.filter(report_counts::department.ne(REGION)),
            Area::Departments(d) => query.filter(report_counts::department.eq_any(d.to_vec())),
        };
        let rows: Vec<(String, String, String, i64)> = query.load(conn)?;
        out.extend(rows.into_iter().map(|(month, department, dim, n)| Count {
            month,
            department,
            dim,
            n,
        }));
    }
    let departments = match area {
        Area::Departments(d) => Some(d),
        Area::Region | Area::EachDepartment => None,
    };
    for (month, from, to) in plan.live {
        let rows = live(conn, metric, from, to, departments)?;
        let rows = match area {
            Area::Region => to_region(rows),
            Area::EachDepartment | Area::Departments(_) => rows,
        };
        out.extend(rows.into_iter().map(|(department, dim, n)| Count {
            month: month.clone(),
            department,
            dim,
            n,
        }));
    }
    Ok(out)
}

/// Counts of a metric over a period for an area, summed by dimension.
pub fn totals(
    conn: &mut DbConnection,
    metric: Metric,
    period: Option<&Period>,
    area: Area<'_>,
) -> AppResult<Vec<(String, i64)>> {
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for c in counts(conn, metric, period, area)? {
        *sums.entry(c.dim).or_default() += c.n;
    }
    Ok(sums.into_iter().collect())
}

/// Sums department rows into region rows.
fn to_region(rows: Vec<(String, String, i64)>) -> Vec<(String, String, i64)> {
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for (_, dim, n) in rows {
        *sums.entry(dim).or_default() += n;
    }
    sums.into_iter()
        .map(|(dim, n)| (REGION.to_owned(), dim, n))
        .collect()
}

/// A metric computed from the source tables over [from, to), by department and dimension.
fn live(
    conn: &mut DbConnection,
    metric: Metric,
    from: NaiveDateTime,
    to: NaiveDateTime,
    departments: Option<&[String]>,
) -> AppResult<Vec<(String, String, i64)>> {
    Ok(match metric {
        Metric::OfferStatus => {
            let mut query = offers::table
                .filter(offers::created_at.ge(from))
                .filter(offers::created_at.lt(to))
                .group_by((offers::department, offers::status))
                .select((offers::department, offers::status, count_star()))
                .into_boxed();
            if let Some(d) = departments {
                query = query.filter(offers::department.eq_any(d.to_vec()));
            }
            query.load(conn)?
        }
        Metric::OfferRome => {
            let mut query = offers::table
                .filter(offers::created_at.ge(from))
                .filter(offers::created_at.lt(to))
                .group_by((offers::department, offers::rome_code))
                .select((offers::department, offers::rome_code, count_star()))
                .into_boxed();
            if let Some(d) = departments {
                query = query.filter(offers::department.eq_any(d.to_vec()));
            }
            query.load(conn)?
        }
        Metric::ApplicationRome => {
            let mut query = applications::table
                .inner_join(offers::table)
                .filter(applications::created_at.ge(from))
                .filter(applications::created_at.lt(to))
                .group_by((offers::department, offers::rome_code))
                .select((offers::department, offers::rome_code, count_star()))
                .into_boxed();
            if let Some(d) = departments {
                query = query.filter(offers::department.eq_any(d.to_vec()));
            }
            query.load(conn)?
        }
        Metric::CandidateAge
        | Metric::CandidateLevel
        | Metric::CandidateSex
        | Metric::CandidateSituation => {
            let mut query = users::table
                .left_join(candidate_profiles::table.on(candidate_profiles::user_id.eq(users::id)))
                .filter(users::role.eq(Role::Candidate.as_str()))
                .filter(users::created_at.ge(from))
                .filter(users::created_at.lt(to))
                .select((
                    users::created_at,
                    users::birth_date,
                    candidate_profiles::department.nullable(),
                    candidate_profiles::level_reached.nullable(),
                    users::sex,
                    users::situation,
                ))
                .into_boxed();
            if let Some(d) = departments {
                query = query.filter(candidate_profiles::department.eq_any(d.to_vec()));
            }
            type Candidate = (
                NaiveDateTime,
                Option<NaiveDate>,
                Option<String>,
                Option<i32>,
                Option<String>,
                Option<String>,
            );
            let rows: Vec<Candidate> = query.load(conn)?;
            let mut sums: HashMap<(String, String), i64> = HashMap::new();
            for (created, birth, department, level, sex, situation) in rows {
                let dim = match metric {
                    Metric::CandidateAge => {
                        birth.map(|b| age_on(b, crate::web::paris_day(created)).to_string())
                    }
                    Metric::CandidateLevel => level.map(|l| l.to_string()),
                    Metric::CandidateSex => sex,
                    _ => situation,
                };
                let key = (
                    department.unwrap_or_default(),
                    dim.unwrap_or_else(|| UNKNOWN.to_owned()),
                );
                *sums.entry(key).or_default() += 1;
            }
            sums.into_iter().map(|((d, dim), n)| (d, dim, n)).collect()
        }
        Metric::CvRome => {
            let mut query = candidate_occupations::table
                .inner_join(
                    candidate_profiles::table
                        .on(candidate_profiles::user_id.eq(candidate_occupations::user_id)),
                )
                .inner_join(users::table)
                .filter(users::role.eq(Role::Candidate.as_str()))
                .filter(users::created_at.ge(from))
                .filter(users::created_at.lt(to))
                .select((
                    candidate_profiles::department,
                    candidate_occupations::rome_code,
                ))
                .into_boxed();
            if let Some(d) = departments {
                query = query.filter(candidate_profiles::department.eq_any(d.to_vec()));
            }
            let mut sums: HashMap<(String, String), i64> = HashMap::new();
            for (department, rome) in query.load::<(Option<String>, String)>(conn)? {
                *sums
                    .entry((department.unwrap_or_default(), rome))
                    .or_default() += 1;
            }
            sums.into_iter()
                .map(|((d, rome), n)| (d, rome, n))
                .collect()
        }
    })
}

/// Recomputes every dirty month into `report_counts`; returns how many months it stored.
/// Each month is one transaction. SQLite takes its write lock at the first statement, so no
/// write can slip between the counting and the clearing of the marks. On PostgreSQL writers do
/// not wait: each writing transaction leaves its own mark, the refresh clears only the marks it
/// read before counting (a transaction not yet committed then leaves its mark for next time),
/// and refreshes take turns on an advisory lock.
pub fn refresh(conn: &mut DbConnection) -> AppResult<usize> {
    let mut months: Vec<String> = dirty_months(conn)?.into_iter().collect();
    months.sort();
    let mut stored = 0;
    for month in months {
        let Some(first) = month_first(&month) else {
            // Not a month this code writes: drop the mark rather than loop on it.
            diesel::delete(report_dirty::table.filter(report_dirty::month.eq(&month)))
                .execute(conn)?;
            continue;
        };
        let outcome = crate::db::write_transaction(conn, |conn| -> Result<(), RefreshError> {
            if let DbConnection::Pg(_) = conn {
                diesel::sql_query("SELECT pg_advisory_xact_lock(7262301)").execute(conn)?;
            }
            diesel::delete(report_counts::table.filter(report_counts::month.eq(&month)))
                .execute(conn)?;
            let marks: Vec<i64> = report_dirty::table
                .filter(report_dirty::month.eq(&month))
                .select(report_dirty::tx)
                .load(conn)?;
            let (from, to) = month_utc(first);
            let mut rows = Vec::new();
            for metric in Metric::ALL {
                let by_department =
                    live(conn, metric, from, to, None).map_err(RefreshError::App)?;
                for (department, dim, n) in to_region(by_department.clone())
                    .into_iter()
                    .chain(by_department)
                {
                    rows.push((
                        report_counts::metric.eq(metric.as_str()),
                        report_counts::department.eq(department),
                        report_counts::month.eq(month.clone()),
                        report_counts::dim.eq(dim),
                        report_counts::n.eq(n),
                    ));
                }
            }
            for chunk in rows.chunks(1000) {
                crate::with_backend!(conn, c => diesel::insert_into(report_counts::table)
                    .values(chunk)
                    .execute(c))?;
            }
            let mut cleared = 0;
            for tx in &marks {
                cleared += diesel::delete(
                    report_dirty::table
                        .filter(report_dirty::month.eq(&month))
                        .filter(report_dirty::tx.eq(tx)),
                )
                .execute(conn)?;
            }
            if cleared != marks.len() {
                return Err(RefreshError::Overtaken);
            }
            Ok(())
        });
        match outcome {
            Ok(()) => stored += 1,
            Err(RefreshError::Overtaken) => {}
            Err(RefreshError::App(e)) => return Err(e),
            Err(RefreshError::Db(e)) => return Err(e.into()),
        }
    }
    Ok(stored)
}

#[derive(Debug)]
enum RefreshError {
    /// Another process refreshed the month meanwhile.
    Overtaken,
    App(crate::error::AppError),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for RefreshError {
    fn from(e: diesel::result::Error) -> Self {
        RefreshError::Db(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_days_and_ages() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            crate::web::paris_day(at("2025-12-31 22:59:59")),
            day(2025, 12, 31)
        );
        assert_eq!(
            crate::web::paris_day(at("2025-12-31 23:00:00")),
            day(2026, 1, 1)
        );
        assert_eq!(
            crate::web::paris_day(at("2026-03-31 22:00:00")),
            day(2026, 4, 1)
        );
        assert_eq!(
            crate::web::paris_day(at("2026-10-31 22:30:00")),
            day(2026, 10, 31)
        );
        assert_eq!(age_on(day(2010, 11, 24), day(2026, 11, 23)), 15);
        assert_eq!(age_on(day(2010, 11, 23), day(2026, 11, 23)), 16);
        assert_eq!(month_key(day(2026, 4, 30)), "2026-04");
        assert_eq!(month_first("2026-04"), Some(day(2026, 4, 1)));
        assert_eq!(month_first("avril"), None);
    }
}
