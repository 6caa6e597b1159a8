//! Visit figures per site and for the network: people by month, age band (share of 16–25
//! year-olds), school pupils and topics. A group visit counts its number of people. A
//! coordinator sees the sites of their host and the relays of those sites, the regional team
//! the whole network. Events held in the year and their registrations are counted per site.

use crate::web::csv::CsvWriter;
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use serde::Serialize;

use super::model::{AgeBand, Topic, VisitSituation};

use super::service::{SiteCard, managed, relays_of};
use crate::auth::CurrentUser;
use crate::db::{DbConnection, schema::*};
use crate::error::{AppError, AppResult};

/// A count under a label.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SiteFigureCount)]
pub struct Count {
    /// Code (`2026-11`, `16_25`, `alternance`…).
    pub key: String,
    pub label: String,
    /// Visits logged (a group is one visit).
    pub visits: i64,
    /// People (a group counts its size).
    pub people: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SiteFigures)]
pub struct Figures {
    /// The site, or none for the network total.
    pub site_id: Option<String>,
    pub name: String,
    pub visits: i64,
    pub people: i64,
    pub group_visits: i64,
    /// People aged 16 to 25.
    pub young: i64,
    /// Share of people aged 16 to 25, in percent (one decimal).
    pub young_share: f64,
    /// School pupils (collège, lycée).
    pub pupils: i64,
    /// People referred to a partner.
    pub referred: i64,
    pub by_month: Vec<Count>,
    pub by_age: Vec<Count>,
    pub by_topic: Vec<Count>,
    /// Events held in the year.
    pub events: i64,
    /// Registrations to those events.
    pub registrations: i64,
    /// The central site's name, when this site is one of its relays.
    pub relay_of: Option<String>,
}

impl Figures {
    pub fn young_share_fr(&self) -> String {
        format!("{:.1} %", self.young_share).replace('.', ",")
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = SiteReport)]
pub struct Report {
    pub year: i32,
    pub network: Figures,
    pub sites: Vec<Figures>,
}

/// One visit as figures need it.
#[derive(Clone, Debug, Queryable)]
pub struct VisitRow {
    pub site_id: String,
    pub visited_on: NaiveDate,
    pub age_band: String,
    pub situation: String,
    pub topic: String,
    pub group_size: i32,
    pub referred_to: Option<String>,
}

/// Visits of the sites a person may see for a year, optionally one site (404 if not theirs).
pub fn scope(
    conn: &mut DbConnection,
    user: &CurrentUser,
    site: Option<&str>,
) -> AppResult<Vec<SiteCard>> {
    use crate::auth::policy::{Action, allows, authorize};
    authorize(user, &Action::ViewSiteFigures)?;
    let mut sites = managed(conn, user)?;
    // The relays of the sites one runs, each checked against the policy with its central
    // site's host (one query for all of them, never every site of the network).
    let ids: Vec<String> = sites.iter().map(|s| s.site.id.clone()).collect();
    let relays = relays_of(conn, &ids)?;
    for relay in relays {
        if sites.iter().any(|s| s.site.id == relay.site.id) {
            continue;
        }
        let central_host = sites
            .iter()
            .find(|s| relay.site.central_site_id.as_deref() == Some(s.site.id.as_str()))
            .map(|s| s.site.host_id.clone());
        if allows(
            user,
            &Action::ViewSiteFiguresOf {
                host_id: &relay.site.host_id,
                central_host_id: central_host.as_deref(),
            },
        ) {
            sites.push(relay);
        }
    }
    if let Some(site) = site {
        sites.retain(|s| s.site.id == site);
        if sites.is_empty() {
            return Err(AppError::not_found());
        }
    }
    Ok(sites)
}

pub fn visits(conn: &mut DbConnection, sites: &[SiteCard], year: i32) -> AppResult<Vec<VisitRow>> {
    let ids: Vec<&str> = sites.iter().map(|s| s.site.id.as_str()).collect();
    let from = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| AppError::unprocessable("Année invalide."))?;
    let to = NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| AppError::unprocessable("Année invalide."))?;
    Ok(site_visits::table
        .filter(site_visits::site_id.eq_any(ids))
        .filter(site_visits::visited_on.between(from, to))
        .order((site_visits::visited_on, site_visits::id))
        .select((
            site_visits::site_id,
            site_visits::visited_on,
            site_visits::age_band,
            site_visits::situation,
            site_visits::topic,
            site_visits::group_size,
            site_visits::referred_to,
        ))
        .load(conn)?)
}

/// Events held in the year by these sites and the places taken: (site, events,
/// registrations), counted by the database.
pub fn events(
    conn: &mut DbConnection,
    sites: &[SiteCard],
    year: i32,
) -> AppResult<Vec<(String, i64, i64)>> {
    let ids: Vec<&str> = sites.iter().map(|s| s.site.id.as_str()).collect();
    let from = NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| AppError::unprocessable("Année invalide."))?;
    let to = NaiveDate::from_ymd_opt(year + 1, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| AppError::unprocessable("Année invalide."))?;
    let rows: Vec<(String, i64, Option<i64>)> = site_events::table
        .filter(site_events::site_id.eq_any(&ids))
        .filter(site_events::starts_at.ge(from))
        .filter(site_events::starts_at.lt(to))
        .group_by(site_events::site_id)
        .select((
            site_events::site_id,
            diesel::dsl::count_star(),
            diesel::dsl::sum(site_events::registered),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(site, n, r)| (site, n, r.unwrap_or(0)))
        .collect())
}

fn add(map: &mut BTreeMap<String, (i64, i64)>, key: &str, people: i64) {
    let entry = map.entry(key.to_owned()).or_default();
    entry.0 += 1;
    entry.1 += people;
}

/// Figures over a set of visits.
pub fn figures(site_id: Option<String>, name: String, rows: &[&VisitRow]) -> Figures {
    let mut months = BTreeMap::new();
    let mut ages = BTreeMap::new();
    let mut topics = BTreeMap::new();
    let (mut people, mut groups, mut young, mut pupils, mut referred) = (0, 0, 0, 0, 0);
    for r in rows {
        let n = i64::from(r.group_size);
        people += n;
        if r.group_size > 1 {
            groups += 1;
        }
        if r.age_band == AgeBand::From16To25.as_str() {
            young += n;
        }
        if r.situation == VisitSituation::Pupil.as_str() {
            pupils += n;
        }
        if r.referred_to.is_some() {
            referred += n;
        }
        add(
            &mut months,
            &format!("{}-{:02}", r.visited_on.year(), r.visited_on.month()),
            n,
        );
        add(&mut ages, &r.age_band, n);
        add(&mut topics, &r.topic, n);
    }
    let count = |key: String, label: String, (visits, people): (i64, i64)| Count {
        key,
        label,
        visits,
        people,
    };
    let by_month = months
        .into_iter()
        .map(|(key, v)| {
            let (y, m) = key.split_once('-').unwrap_or_default();
            let label = crate::web::month_fr(y.parse().unwrap_or(0), m.parse().unwrap_or(1));
            count(key, label, v)
        })
        .collect();
    let by_age = AgeBand::ALL
        .iter()
        .map(|a| {
            count(
                a.as_str().into(),
                a.label().into(),
                ages.get(a.as_str()).copied().unwrap_or_default(),
            )
        })
        .collect();
    let by_topic = Topic::ALL
        .iter()
        .map(|t| {
            count(
                t.as_str().into(),
                t.label().into(),
                topics.get(t.as_str()).copied().unwrap_or_default(),
            )
        })
        .collect();
    let young_share = if people == 0 {
        0.0
    } else {
        (young as f64 * 1000.0 / people as f64).round() / 10.0
    };
    Figures {
        site_id,
        name,
        visits: rows.len() as i64,
        people,
        group_visits: groups,
        young,
        young_share,
        pupils,
        referred,
        by_month,
        by_age,
        by_topic,
        events: 0,
        registrations: 0,
        relay_of: None,
    }
}

/// Figures per site and for all the sites together.
pub fn report(
    sites: &[SiteCard],
    rows: &[VisitRow],
    events: &[(String, i64, i64)],
    year: i32,
) -> Report {
    let all: Vec<&VisitRow> = rows.iter().collect();
    let mut network = figures(None, "Ensemble des sites".to_owned(), &all);
    network.events = events.iter().map(|e| e.1).sum();
    network.registrations = events.iter().map(|e| e.2).sum();
    let sites = sites
        .iter()
        .map(|s| {
            let mine: Vec<&VisitRow> = rows.iter().filter(|r| r.site_id == s.site.id).collect();
            let mut f = figures(Some(s.site.id.clone()), s.site.name.clone(), &mine);
            if let Some((_, n, r)) = events.iter().find(|e| e.0 == s.site.id) {
                f.events = *n;
                f.registrations = *r;
            }
            f.relay_of = s.site.central_site_id.as_ref().and_then(|c| {
                sites
                    .iter()
                    .find(|x| &x.site.id == c)
                    .map(|x| x.site.name.clone())
            });
            f
        })
        .collect();
    Report {
        year,
        network,
        sites,
    }
}

/// One line per site and month: visits, people, each age band, pupils, each topic.
pub fn csv(sites: &[SiteCard], rows: &[VisitRow]) -> AppResult<Vec<u8>> {
    let mut header: Vec<String> = vec![
        "Site".into(),
        "Mois".into(),
        "Visites".into(),
        "Personnes".into(),
    ];
    header.extend(AgeBand::ALL.iter().map(|a| a.label().to_owned()));
    header.push("Part des 16-25 ans (%)".into());
    header.push("Scolaires".into());
    header.push("Orientées vers un partenaire".into());
    header.extend(Topic::ALL.iter().map(|t| t.label().to_owned()));
    let mut out = CsvWriter::new(&header)?;
    for s in sites {
        let mut by_month: BTreeMap<String, Vec<&VisitRow>> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.site_id == s.site.id) {
            by_month
                .entry(format!(
                    "{}-{:02}",
                    r.visited_on.year(),
                    r.visited_on.month()
                ))
                .or_default()
                .push(r);
        }
        for (month, visits) in by_month {
            let f = figures(None, s.site.name.clone(), &visits);
            let mut line: Vec<String> = vec![
                s.site.name.clone(),
                month,
                f.visits.to_string(),
                f.people.to_string(),
            ];
            line.extend(f.by_age.iter().map(|c| c.people.to_string()));
            line.push(format!("{:.1}", f.young_share).replace('.', ","));
            line.push(f.pupils.to_string());
            line.push(f.referred.to_string());
            line.extend(f.by_topic.iter().map(|c| c.people.to_string()));
            out.row(&line)?;
        }
    }
    out.finish()
}
