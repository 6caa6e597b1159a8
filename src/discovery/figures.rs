//! Regional figures of job discovery, each a grouped count in SQL (no row loaded one by
//! one): actions by type, by sector (ROME domain) and by department; schools with an account,
//! that searched, that requested; views, requests, confirmed and attended; pupils reached;
//! needs published and matched. The regional team sees the region, a chamber's advisers
//! their departments (by the department of the action's place, of the school's commune).

use diesel::dsl::{count, count_star, sum};
use diesel::prelude::*;
use serde::Serialize;

use super::service::{ActionKind, RequestStatus};
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, Rows, Scope, authorize, scope};
use crate::db::{DbConnection, schema::*};
use crate::error::{AppError, AppResult};
use crate::types::{OrgKind, Role};

/// A label and its count.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Line {
    pub label: String,
    pub count: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// « Bretagne » or the departments' names.
    pub territory: String,
    pub by_kind: Vec<Line>,
    pub by_sector: Vec<Line>,
    pub by_department: Vec<Line>,
    pub schools_with_account: i64,
    pub schools_searching: i64,
    pub schools_requesting: i64,
    /// Distinct schools × actions opened.
    pub views: i64,
    pub requests: i64,
    /// Accepted or done.
    pub confirmed: i64,
    /// Requests whose attendance was recorded.
    pub attended: i64,
    /// People counted present (the school's count, else the company's).
    pub pupils_reached: i64,
    pub needs: i64,
    pub needs_matched: i64,
}

fn sorted(mut lines: Vec<Line>) -> Vec<Line> {
    lines.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    lines
}

/// The figures the person may see.
pub fn figures(conn: &mut DbConnection, user: &CurrentUser) -> AppResult<Figures> {
    authorize(user, &Action::ViewDiscoveryFigures)?;
    let deps: Option<Vec<String>> = match scope(user, Rows::Territory) {
        Scope::Region => None,
        Scope::Departments(d) => Some(d),
        _ => return Err(AppError::forbidden()),
    };
    let all = deps.is_none();
    // The region: every department (about a hundred codes), so that one query serves both.
    let deps = match deps {
        Some(d) => d,
        None => departments::table.select(departments::code).load(conn)?,
    };

    let by_kind: Vec<(String, i64)> = discovery_actions::table
        .inner_join(communes::table)
        .filter(discovery_actions::active.eq(true))
        .filter(communes::department.eq_any(&deps))
        .group_by(discovery_actions::kind)
        .select((discovery_actions::kind, count_star()))
        .load(conn)?;
    let by_kind = sorted(
        by_kind
            .into_iter()
            .map(|(k, count)| Line {
                label: ActionKind::parse(&k).map_or(k, |k| k.label().to_owned()),
                count,
            })
            .collect(),
    );
    // Grouped by the list of codes, then by the domain of the first code.
    let by_codes: Vec<(String, i64)> = discovery_actions::table
        .inner_join(communes::table)
        .filter(discovery_actions::active.eq(true))
        .filter(communes::department.eq_any(&deps))
        .group_by(discovery_actions::rome_codes)
        .select((discovery_actions::rome_codes, count_star()))
        .load(conn)?;
    let mut by_sector: Vec<Line> = Vec::new();
    for (codes, count) in by_codes {
        let label = crate::reports::indicators::rome_domain(
            codes.split_whitespace().next().unwrap_or_default(),
        );
        match by_sector.iter_mut().find(|l| l.label == label) {
            Some(l) => l.count += count,
            None => by_sector.push(Line {
                label: label.to_owned(),
                count,
            }),
        }
    }
    let by_dep: Vec<(String, i64)> = discovery_actions::table
        .inner_join(communes::table)
        .filter(discovery_actions::active.eq(true))
        .filter(communes::department.eq_any(&deps))
        .group_by(communes::department)
        .select((communes::department, count_star()))
        .load(conn)?;
    let by_department = sorted(
        by_dep
            .into_iter()
            .map(|(d, count)| Line {
                label: crate::referential::departments::label(&d),
                count,
            })
            .collect(),
    );

    // Schools: those with a teacher's account; those that searched; those that requested.
    let in_scope_schools = |conn: &mut DbConnection| -> AppResult<Vec<String>> {
        Ok(organisations::table
            .inner_join(
                communes::table.on(communes::insee_code
                    .nullable()
                    .eq(organisations::commune_insee)),
            )
            .filter(organisations::kind.eq(OrgKind::School.as_str()))
            .filter(communes::department.eq_any(&deps))
            .select(organisations::id)
            .load(conn)?)
    };
    // Schools are few (one row per establishment), unlike their searches and requests.
    let schools = in_scope_schools(conn)?;
    let schools_with_account: i64 = users::table
        .filter(users::role.eq(Role::Teacher.as_str()))
        .filter(users::organisation_id.eq_any(schools.iter().map(Some)))
        .select(count(users::organisation_id).aggregate_distinct())
        .first(conn)?;
    let schools_searching: i64 = discovery_search_days::table
        .filter(discovery_search_days::school_id.eq_any(&schools))
        .select(count(discovery_search_days::school_id).aggregate_distinct())
        .first(conn)?;
    let schools_requesting: i64 = discovery_requests::table
        .filter(discovery_requests::school_id.eq_any(&schools))
        .select(count(discovery_requests::school_id).aggregate_distinct())
        .first(conn)?;
    let views: i64 = discovery_views::table
        .filter(discovery_views::school_id.eq_any(&schools))
        .count()
        .get_result(conn)?;
    let requests: i64 = discovery_requests::table
        .filter(discovery_requests::school_id.eq_any(&schools))
        .count()
        .get_result(conn)?;
    let confirmed: i64 = discovery_requests::table
        .filter(discovery_requests::school_id.eq_any(&schools))
        .filter(discovery_requests::status.eq_any([
            RequestStatus::Accepted.as_str(),
            RequestStatus::Done.as_str(),
        ]))
        .count()
        .get_result(conn)?;
    let attended: i64 = discovery_requests::table
        .filter(discovery_requests::school_id.eq_any(&schools))
        .filter(
            discovery_requests::school_attendance
                .is_not_null()
                .or(discovery_requests::company_attendance.is_not_null()),
        )
        .count()
        .get_result(conn)?;
    let by_school: Option<i64> = discovery_requests::table
        .filter(discovery_requests::school_id.eq_any(&schools))
        .select(sum(discovery_requests::school_attendance))
        .first(conn)?;
    let by_company: Option<i64> = discovery_requests::table
        .filter(discovery_requests::school_id.eq_any(&schools))
        .filter(discovery_requests::school_attendance.is_null())
        .select(sum(discovery_requests::company_attendance))
        .first(conn)?;
    let needs: i64 = discovery_needs::table
        .filter(discovery_needs::school_id.eq_any(&schools))
        .count()
        .get_result(conn)?;
    let needs_matched: i64 = discovery_needs::table
        .filter(discovery_needs::school_id.eq_any(&schools))
        .filter(discovery_needs::status.eq(super::needs::NeedStatus::Matched.as_str()))
        .count()
        .get_result(conn)?;
    Ok(Figures {
        territory: if all {
            "toute la région".to_owned()
        } else {
            deps.iter()
                .map(|d| crate::referential::departments::label(d))
                .collect::<Vec<_>>()
                .join(", ")
        },
        by_kind,
        by_sector: sorted(by_sector),
        by_department,
        schools_with_account,
        schools_searching,
        schools_requesting,
        views,
        requests,
        confirmed,
        attended,
        pupils_reached: by_school.unwrap_or(0) + by_company.unwrap_or(0),
        needs,
        needs_matched,
    })
}

/// Notes that a school searched today (once per school and day; no words, no person).
pub fn record_search(conn: &mut DbConnection, user: &CurrentUser) -> AppResult<()> {
    let (true, Some(school)) = (
        crate::auth::policy::allows(user, &Action::RequestDiscoveryAction),
        user.organisation_id.as_deref(),
    ) else {
        return Ok(());
    };
    let today = crate::clock::today_paris();
    let seen: i64 = discovery_search_days::table
        .filter(discovery_search_days::school_id.eq(school))
        .filter(discovery_search_days::day.eq(today))
        .count()
        .get_result(conn)?;
    if seen > 0 {
        return Ok(());
    }
    match diesel::insert_into(discovery_search_days::table)
        .values((
            discovery_search_days::school_id.eq(school),
            discovery_search_days::day.eq(today),
        ))
        .execute(conn)
    {
        Ok(_) => Ok(()),
        Err(e) if crate::db::is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The figures as CSV rows: section, label, count.
pub fn csv(f: &Figures) -> AppResult<Vec<u8>> {
    let mut w = crate::web::csv::CsvWriter::new(["Rubrique", "Libellé", "Nombre"])?;
    for (section, lines) in [
        ("Actions par type", &f.by_kind),
        ("Actions par secteur", &f.by_sector),
        ("Actions par département", &f.by_department),
    ] {
        for l in lines {
            w.row([section, l.label.as_str(), &l.count.to_string()])?;
        }
    }
    for (label, n) in [
        ("Établissements inscrits", f.schools_with_account),
        ("Établissements ayant cherché", f.schools_searching),
        ("Établissements ayant demandé", f.schools_requesting),
        ("Consultations d’actions", f.views),
        ("Demandes", f.requests),
        ("Demandes confirmées", f.confirmed),
        ("Actions réalisées avec présence indiquée", f.attended),
        ("Élèves et personnes touchés", f.pupils_reached),
        ("Besoins publiés", f.needs),
        ("Besoins pourvus", f.needs_matched),
    ] {
        w.row(["Établissements et demandes", label, &n.to_string()])?;
    }
    w.finish()
}
