//! Each role's indicators for a period (Paris days) and, for the region, a department: always
//! computed from the database and scoped to what the caller answers for.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::rollup::{self, Area, Metric};
use super::table::{Cell, Table};
use crate::auth::CurrentUser;
use crate::auth::policy::{Rows, Scope, scope};
use crate::db::{DbConnection, schema::*};
use crate::error::{AppError, AppResult};
use crate::offers::model::OfferStatus;
use crate::prescriptions::model::Status;

/// A period of whole days, Paris time, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The UTC instants it covers: [from 00:00 Paris, the day after `to` 00:00 Paris).
    pub fn utc_range(&self) -> (NaiveDateTime, NaiveDateTime) {
        (
            crate::web::paris_midnight_utc(self.from),
            crate::web::paris_midnight_utc(self.to.succ_opt().unwrap_or(self.to)),
        )
    }

    /// From the 1st of January to today.
    pub fn year_to_date(today: NaiveDate) -> Self {
        Self {
            from: NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
            to: today,
        }
    }

    /// Reads `du` / `au` (JJ/MM/AAAA or AAAA-MM-JJ); defaults to the year to date.
    pub fn parse(from: &str, to: &str, today: NaiveDate) -> Result<Self, Vec<String>> {
        let parse = crate::web::parse_date_fr;
        let default = Self::year_to_date(today);
        let mut errors = Vec::new();
        let from = match from.trim() {
            "" => default.from,
            f => parse(f).unwrap_or_else(|e| {
                errors.push(e.message("La date de début doit être au format JJ/MM/AAAA."));
                default.from
            }),
        };
        let to = match to.trim() {
            "" => default.to,
            t => parse(t).unwrap_or_else(|e| {
                errors.push(e.message("La date de fin doit être au format JJ/MM/AAAA."));
                default.to
            }),
        };
        if errors.is_empty() && to < from {
            errors.push("La date de fin précède la date de début.".to_owned());
        }
        if errors.is_empty() {
            Ok(Self { from, to })
        } else {
            Err(errors)
        }
    }

    pub fn label(&self) -> String {
        format!(
            "du {} au {}",
            crate::web::date_fr(&self.from),
            crate::web::date_fr(&self.to)
        )
    }
}

/// ROME 4.0 occupation domains (first letter of the code).
pub fn rome_domain(code: &str) -> &'static str {
    match code.chars().next() {
        Some('A') => "A – Agriculture, pêche, espaces verts, soins aux animaux",
        Some('B') => "B – Arts et façonnage d’ouvrages d’art",
        Some('C') => "C – Banque, assurance, immobilier",
        Some('D') => "D – Commerce, vente et grande distribution",
        Some('E') => "E – Communication, média et multimédia",
        Some('F') => "F – Construction, bâtiment et travaux publics",
        Some('G') => "G – Hôtellerie-restauration, tourisme, loisirs",
        Some('H') => "H – Industrie",
        Some('I') => "I – Installation et maintenance",
        Some('J') => "J – Santé",
        Some('K') => "K – Services à la personne et à la collectivité",
        Some('L') => "L – Spectacle",
        Some('M') => "M – Support à l’entreprise",
        Some('N') => "N – Transport et logistique",
        _ => "Domaine inconnu",
    }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = values.len();
    match n {
        0 => None,
        n if n % 2 == 1 => Some(values[n / 2]),
        n => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// Offers created in the period, by status; `managed_by` or `company` scopes them.
fn offers_by_status(
    conn: &mut DbConnection,
    period: &Period,
    company: Option<&str>,
    managed_by: Option<&str>,
    departments: Option<&[String]>,
) -> AppResult<Table> {
    let (from, to) = period.utc_range();
    let mut query = offers::table
        .filter(offers::created_at.ge(from))
        .filter(offers::created_at.lt(to))
        .group_by(offers::status)
        .select((offers::status, count_star()))
        .into_boxed();
    if let Some(c) = company {
        query = query.filter(offers::company_id.eq(c.to_owned()));
    }
    if let Some(m) = managed_by {
        query = query.filter(offers::managed_by_id.eq(m.to_owned()));
    }
    if let Some(d) = departments {
        query = query.filter(offers::department.eq_any(d.to_vec()));
    }
    let counts: HashMap<String, i64> = query.load::<(String, i64)>(conn)?.into_iter().collect();
    let mut table = Table::new(
        "offres-par-statut",
        "Offres créées sur la période, par statut",
        &["Statut", "Offres"],
    )
    .with_chart(1)
    .with_headline("offre créée sur la période", "offres créées sur la période");
    let mut total = 0;
    for status in OfferStatus::ALL {
        let n = counts.get(status.as_str()).copied().unwrap_or(0);
        total += n;
        table.push(vec![Cell::text(status.label()), Cell::Int(n)]);
    }
    table.push(vec![Cell::text("Total"), Cell::Int(total)]);
    Ok(table)
}

/// Applications received by an organisation in the period: answered, response rate, median
/// time to first answer.
fn applications_received(conn: &mut DbConnection, period: &Period, org: &str) -> AppResult<Table> {
    let (from, to) = period.utc_range();
    let rows: Vec<(NaiveDateTime, Option<NaiveDateTime>)> = applications::table
        .filter(applications::managed_by_id.eq(org))
        .filter(applications::created_at.ge(from))
        .filter(applications::created_at.lt(to))
        .select((applications::created_at, applications::first_answered_at))
        .load(conn)?;
    let total = rows.len() as i64;
    let answered: Vec<f64> = rows
        .iter()
        .filter_map(|(at, answer)| answer.map(|a| (a - *at).num_minutes() as f64 / 1440.0))
        .collect();
    let mut table = Table::new(
        "candidatures-recues",
        "Candidatures reçues sur la période",
        &["Indicateur", "Valeur"],
    )
    .with_headline_row(
        "Candidatures reçues",
        "candidature reçue sur la période",
        "candidatures reçues sur la période",
    );
    table.push(vec![Cell::text("Candidatures reçues"), Cell::Int(total)]);
    table.push(vec![
        Cell::text("Candidatures ayant reçu une réponse"),
        Cell::Int(answered.len() as i64),
    ]);
    table.push(vec![
        Cell::text("Taux de réponse (%)"),
        Cell::share(answered.len() as i64, total),
    ]);
    table.push(vec![
        Cell::text("Délai médian de première réponse (jours)"),
        Cell::days(median(answered)),
    ]);
    Ok(table)
}

/// Status, received, created, updated and rejected rows of one import run.
type RunCounts = (String, i32, i32, i32, i32);

/// Import runs of an organisation in the period.
fn import_runs_table(conn: &mut DbConnection, period: &Period, org: &str) -> AppResult<Table> {
    let (from, to) = period.utc_range();
    let runs: Vec<RunCounts> = import_runs::table
        .filter(import_runs::organisation_id.eq(org))
        .filter(import_runs::started_at.ge(from))
        .filter(import_runs::started_at.lt(to))
        .select((
            import_runs::status,
            import_runs::received,
            import_runs::created,
            import_runs::updated,
            import_runs::rejected,
        ))
        .load(conn)?;
    let mut table = Table::new(
        "imports",
        "Fichiers importés sur la période",
        &["Indicateur", "Valeur"],
    )
    .with_headline_row(
        "Fichiers reçus",
        "fichier reçu sur la période",
        "fichiers reçus sur la période",
    );
    let sum = |f: &dyn Fn(&RunCounts) -> i32| runs.iter().map(|r| i64::from(f(r))).sum::<i64>();
    table.push(vec![
        Cell::text("Fichiers reçus"),
        Cell::Int(runs.len() as i64),
    ]);
    table.push(vec![
        Cell::text("Fichiers refusés en entier"),
        Cell::Int(runs.iter().filter(|r| r.0 == "failed").count() as i64),
    ]);
    table.push(vec![Cell::text("Lignes reçues"), Cell::Int(sum(&|r| r.1))]);
    table.push(vec![Cell::text("Créations"), Cell::Int(sum(&|r| r.2))]);
    table.push(vec![Cell::text("Mises à jour"), Cell::Int(sum(&|r| r.3))]);
    table.push(vec![
        Cell::text("Lignes refusées"),
        Cell::Int(sum(&|r| r.4)),
    ]);
    Ok(table)
}

/// Pre-registrations the caller may see, submitted in the period.
fn prescription_rows(
    conn: &mut DbConnection,
    user: &CurrentUser,
    period: &Period,
) -> AppResult<Vec<crate::prescriptions::stats::Row>> {
    let (from, to) = period.utc_range();
    Ok(crate::prescriptions::stats::rows(
        conn,
        user,
        &crate::prescriptions::stats::Filter::default(),
    )?
    .into_iter()
    .filter(|r| r.submitted_at >= from && r.submitted_at < to)
    .collect())
}

fn prescriptions_by_state(rows: &[crate::prescriptions::stats::Row]) -> Table {
    let mut table = Table::new(
        "preinscriptions-par-statut",
        "Pré-inscriptions envoyées sur la période, par statut",
        &["Statut", "Pré-inscriptions"],
    )
    .with_chart(1)
    .with_headline(
        "pré-inscription envoyée sur la période",
        "pré-inscriptions envoyées sur la période",
    );
    for status in Status::ALL {
        let n = rows.iter().filter(|r| r.status == status.as_str()).count() as i64;
        table.push(vec![Cell::text(status.label()), Cell::Int(n)]);
    }
    table.push(vec![Cell::text("Total"), Cell::Int(rows.len() as i64)]);
    table
}

fn prescription_delays(rows: &[crate::prescriptions::stats::Row], key: &str, title: &str) -> Table {
    let report = crate::prescriptions::stats::report(rows);
    let o = &report.overall;
    let in_time = rows
        .iter()
        .filter(|r| {
            r.decided_at
                .is_some_and(|d| crate::clock::paris_day(d) <= r.decision_due)
        })
        .count() as i64;
    let mut table = Table::new(key, title, &["Indicateur", "Valeur"]);
    table.push(vec![
        Cell::text("Pré-inscriptions"),
        Cell::Int(o.total as i64),
    ]);
    table.push(vec![
        Cell::text("Résultats de sélection rendus dans l’outil (% des décisions dues)"),
        match o.decision_rate {
            Some(r) => Cell::Num(r),
            None => Cell::missing("aucune décision due sur la période"),
        },
    ]);
    table.push(vec![
        Cell::text("Décisions rendues dans le délai"),
        Cell::Int(in_time),
    ]);
    table.push(vec![
        Cell::text("Délai médian de décision (jours)"),
        Cell::days(o.time_to_decision.median_days),
    ]);
    table.push(vec![
        Cell::text("Entrées en formation"),
        Cell::Int(o.entered as i64),
    ]);
    table.push(vec![
        Cell::text("Délai médian d’entrée en formation (jours)"),
        Cell::days(o.time_to_entry.median_days),
    ]);
    table
}

fn funded_sessions_table(
    conn: &mut DbConnection,
    user: &CurrentUser,
    rows: &[crate::prescriptions::stats::Row],
) -> AppResult<Table> {
    let loads = crate::prescriptions::stats::session_loads(conn, user, rows)?;
    let places: i64 = loads.iter().filter_map(|l| l.places).map(i64::from).sum();
    let holding: i64 = loads.iter().map(|l| l.holding).sum();
    let mut table = Table::new(
        "sessions-financees",
        "Sessions financées",
        &["Indicateur", "Valeur"],
    )
    .with_headline_row("Sessions", "session financée", "sessions financées");
    table.push(vec![Cell::text("Sessions"), Cell::Int(loads.len() as i64)]);
    table.push(vec![Cell::text("Places"), Cell::Int(places)]);
    table.push(vec![
        Cell::text("Places occupées (acceptées ou entrées)"),
        Cell::Int(holding),
    ]);
    table.push(vec![
        Cell::text("Taux de remplissage (%)"),
        Cell::share(holding, places),
    ]);
    Ok(table)
}

/// Companies of the territory: waiting for validation now, validated and refused in the period.
fn validations_table(
    conn: &mut DbConnection,
    period: &Period,
    departments: &[String],
) -> AppResult<Table> {
    let (from, to) = period.utc_range();
    let in_territory = organisation_departments::table
        .filter(organisation_departments::department_code.eq_any(departments.to_vec()))
        .select(organisation_departments::organisation_id);
    let pending: i64 = organisations::table
        .filter(organisations::kind.eq("company"))
        .filter(organisations::status.eq("pending"))
        .filter(organisations::id.eq_any(in_territory))
        .count()
        .get_result(conn)?;
    let in_territory = organisation_departments::table
        .filter(organisation_departments::department_code.eq_any(departments.to_vec()))
        .select(organisation_departments::organisation_id);
    let decided: Vec<(String, i64)> = organisations::table
        .filter(organisations::kind.eq("company"))
        .filter(organisations::id.eq_any(in_territory))
        .filter(organisations::validated_at.ge(from))
        .filter(organisations::validated_at.lt(to))
        .group_by(organisations::status)
        .select((organisations::status, count_star()))
        .load(conn)?;
    let decided: HashMap<String, i64> = decided.into_iter().collect();
    let profiles: Vec<(String, i64)> = candidate_profiles::table
        .filter(candidate_profiles::department.eq_any(departments.to_vec()))
        .group_by(candidate_profiles::validation_status)
        .select((candidate_profiles::validation_status, count_star()))
        .load(conn)?;
    let profiles: HashMap<String, i64> = profiles.into_iter().collect();
    let mut table = Table::new(
        "validations",
        "Validations du territoire",
        &["Indicateur", "Valeur"],
    );
    table.push(vec![
        Cell::text("Entreprises en attente de validation (aujourd’hui)"),
        Cell::Int(pending),
    ]);
    table.push(vec![
        Cell::text("Entreprises validées sur la période"),
        Cell::Int(decided.get("active").copied().unwrap_or(0)),
    ]);
    table.push(vec![
        Cell::text("Entreprises refusées sur la période"),
        Cell::Int(decided.get("rejected").copied().unwrap_or(0)),
    ]);
    for (status, label) in [
        ("pending", "Profils de candidats en attente (aujourd’hui)"),
        ("validated", "Profils de candidats validés (aujourd’hui)"),
        ("rejected", "Profils de candidats refusés (aujourd’hui)"),
    ] {
        table.push(vec![
            Cell::text(label),
            Cell::Int(profiles.get(status).copied().unwrap_or(0)),
        ]);
    }
    Ok(table)
}

/// Offers created in the period by department and status (the region, or a territory).
fn offers_by_department(
    conn: &mut DbConnection,
    period: &Period,
    departments: Option<&[String]>,
) -> AppResult<Table> {
    let area = departments.map_or(Area::EachDepartment, Area::Departments);
    let mut by_dep: BTreeMap<String, HashMap<String, i64>> = BTreeMap::new();
    for c in rollup::counts(conn, Metric::OfferStatus, Some(period), area)? {
        *by_dep
            .entry(c.department)
            .or_default()
            .entry(c.dim)
            .or_default() += c.n;
    }
    let mut columns = vec!["Département"];
    let statuses = [
        OfferStatus::Published,
        OfferStatus::Pending,
        OfferStatus::Filled,
        OfferStatus::Expired,
        OfferStatus::Withdrawn,
        OfferStatus::Draft,
    ];
    columns.extend(statuses.iter().map(|s| s.label()));
    columns.push("Total");
    let mut table = Table::new(
        "offres-par-departement",
        "Offres créées sur la période, par département et statut",
        &columns,
    )
    .with_chart(columns.len() - 1)
    .with_headline("offre créée sur la période", "offres créées sur la période");
    for (dep, counts) in by_dep {
        let mut row = vec![Cell::text(crate::referential::departments::label(&dep))];
        let mut total = 0;
        for s in statuses {
            let n = counts.get(s.as_str()).copied().unwrap_or(0);
            total += n;
            row.push(Cell::Int(n));
        }
        row.push(Cell::Int(total));
        table.push(row);
    }
    Ok(table)
}

/// Offers created in the period by sector (NAF division of their ROME code).
fn offers_by_sector(
    conn: &mut DbConnection,
    period: &Period,
    departments: Option<&[String]>,
) -> AppResult<Table> {
    let by_rome = rollup::totals(conn, Metric::OfferRome, Some(period), Area::of(departments))?;
    sector_table(
        conn,
        by_rome,
        "offres-par-secteur",
        "Offres créées sur la période, par secteur (NAF)",
        "Offres",
    )
}

/// Turns counts per ROME code into counts per NAF division (a code may belong to several).
pub(super) fn sector_table(
    conn: &mut DbConnection,
    by_rome: Vec<(String, i64)>,
    key: &str,
    title: &str,
    what: &str,
) -> AppResult<Table> {
    let links: Vec<(String, String)> = naf_division_rome::table
        .select((
            naf_division_rome::rome_code,
            naf_division_rome::naf_division,
        ))
        .load(conn)?;
    let mut divisions_of: HashMap<String, Vec<String>> = HashMap::new();
    for (rome, naf) in links {
        divisions_of.entry(rome).or_default().push(naf);
    }
    let labels: HashMap<String, String> = naf_divisions::table
        .select((naf_divisions::code, naf_divisions::label))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    let mut unknown = 0;
    for (rome, n) in by_rome {
        match divisions_of.get(&rome) {
            Some(divisions) => {
                for d in divisions {
                    *counts.entry(d.clone()).or_default() += n;
                }
            }
            None => unknown += n,
        }
    }
    let mut sorted: Vec<(String, i64)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut table = Table::new(key, title, &["Secteur (division NAF)", what])
        .with_chart(1)
        .with_note(
            "Un métier ROME relève parfois de plusieurs secteurs : il compte alors dans chacun.",
        );
    for (code, n) in sorted.into_iter().take(15) {
        let label = labels.get(&code).cloned().unwrap_or_default();
        table.push(vec![Cell::text(format!("{code} – {label}")), Cell::Int(n)]);
    }
    if unknown > 0 {
        table.push(vec![
            Cell::text("Métier sans secteur connu"),
            Cell::Int(unknown),
        ]);
    }
    Ok(table)
}

/// Candidate profiles (CVs) by sector of their wished occupations.
fn cvs_by_sector(conn: &mut DbConnection, departments: Option<&[String]>) -> AppResult<Table> {
    let by_rome = rollup::totals(conn, Metric::CvRome, None, Area::of(departments))?;
    sector_table(
        conn,
        by_rome,
        "cv-par-secteur",
        "CV par secteur des métiers recherchés (NAF via ROME)",
        "CV",
    )
}

/// Applications of the period by occupation domain of the offer.
fn applications_by_domain(
    conn: &mut DbConnection,
    period: &Period,
    departments: Option<&[String]>,
) -> AppResult<Table> {
    let rows = rollup::totals(
        conn,
        Metric::ApplicationRome,
        Some(period),
        Area::of(departments),
    )?;
    let mut by_domain: BTreeMap<&'static str, i64> = BTreeMap::new();
    for (rome, n) in rows {
        *by_domain.entry(rome_domain(&rome)).or_default() += n;
    }
    let mut table = Table::new(
        "candidatures-par-domaine",
        "Candidatures de la période, par domaine professionnel (ROME)",
        &["Domaine", "Candidatures"],
    )
    .with_chart(1);
    for (domain, n) in by_domain {
        table.push(vec![Cell::text(domain), Cell::Int(n)]);
    }
    Ok(table)
}

/// Dashboard age band of an age in whole years.
pub fn age_band(age: u32) -> &'static str {
    match age {
        0..=15 => "moins de 16 ans",
        16..=17 => "16-17 ans",
        18..=25 => "18-25 ans",
        26..=44 => "26-44 ans",
        _ => "45 ans et plus",
    }
}

/// Candidates (accounts created in the period) by age band at registration and level reached.
fn candidates_by_age_and_level(
    conn: &mut DbConnection,
    period: &Period,
    departments: Option<&[String]>,
) -> AppResult<Vec<Table>> {
    let area = Area::of(departments);
    let ages = rollup::totals(conn, Metric::CandidateAge, Some(period), area)?;
    let levels = rollup::totals(conn, Metric::CandidateLevel, Some(period), area)?;
    let bands = [
        "moins de 16 ans",
        "16-17 ans",
        "18-25 ans",
        "26-44 ans",
        "45 ans et plus",
    ];
    let mut by_band: HashMap<&str, i64> = HashMap::new();
    let mut unknown = 0;
    for (dim, n) in &ages {
        match dim.parse::<u32>() {
            Ok(age) => *by_band.entry(age_band(age)).or_default() += n,
            Err(_) => unknown += n,
        }
    }
    let mut by_age = Table::new(
        "candidats-par-age",
        "Candidats inscrits sur la période, par tranche d’âge",
        &["Tranche d’âge", "Candidats"],
    )
    .with_chart(1)
    .with_headline(
        "candidat inscrit sur la période",
        "candidats inscrits sur la période",
    )
    .with_note("Âge au jour de l’inscription.");
    for band in bands {
        by_age.push(vec![
            Cell::text(band),
            Cell::Int(by_band.get(band).copied().unwrap_or(0)),
        ]);
    }
    if unknown > 0 {
        by_age.push(vec![Cell::text("Âge non renseigné"), Cell::Int(unknown)]);
    }
    let level_count = |wanted: &str| {
        levels
            .iter()
            .filter(|(dim, _)| dim == wanted)
            .map(|(_, n)| n)
            .sum::<i64>()
    };
    let mut by_level = Table::new(
        "candidats-par-niveau",
        "Candidats inscrits sur la période, par niveau atteint",
        &["Niveau", "Candidats"],
    )
    .with_chart(1)
    .with_note(
        "Le sexe des candidats n’est pas collecté par Passerelle : aucun indicateur par sexe.",
    );
    for level in 3..=8 {
        by_level.push(vec![
            Cell::text(crate::offers::model::level_label(level)),
            Cell::Int(level_count(&level.to_string())),
        ]);
    }
    by_level.push(vec![
        Cell::text("Niveau non renseigné"),
        Cell::Int(level_count(rollup::UNKNOWN)),
    ]);
    Ok(vec![by_age, by_level])
}

/// The indicators of a person's home, for a period and (regional team) a department.
pub fn for_user(
    conn: &mut DbConnection,
    user: &CurrentUser,
    period: &Period,
    department: Option<&str>,
) -> AppResult<Vec<Table>> {
    let mut tables = Vec::new();
    let today = crate::clock::today_paris();
    let outcome_scope = scope(user, Rows::Indicators);
    match outcome_scope.clone() {
        Scope::Company(org) => {
            tables.push(offers_by_status(conn, period, Some(&org), None, None)?);
            tables.push(applications_received(conn, period, &org)?);
        }
        Scope::Centre(org) => {
            tables.push(offers_by_status(conn, period, None, Some(&org), None)?);
            tables.push(import_runs_table(conn, period, &org)?);
            tables.push(applications_received(conn, period, &org)?);
            let rows = prescription_rows(conn, user, period)?;
            tables.push(
                prescription_delays(
                    &rows,
                    "preinscriptions-recues",
                    "Pré-inscriptions reçues et décisions rendues",
                )
                .with_headline_row(
                    "Pré-inscriptions",
                    "pré-inscription reçue sur la période",
                    "pré-inscriptions reçues sur la période",
                ),
            );
        }
        Scope::Agency(_) => {
            let rows = prescription_rows(conn, user, period)?;
            tables.push(prescriptions_by_state(&rows));
            tables.push(prescription_delays(
                &rows,
                "delais-preinscriptions",
                "Délais de décision et d’entrée en formation",
            ));
        }
        Scope::Funder(_) => {
            let rows = prescription_rows(conn, user, period)?;
            tables.push(funded_sessions_table(conn, user, &rows)?);
            tables.push(
                prescription_delays(
                    &rows,
                    "retours-selection",
                    "Retours de sélection et entrées en formation",
                )
                .with_headline_row(
                    "Pré-inscriptions",
                    "pré-inscription sur les sessions financées",
                    "pré-inscriptions sur les sessions financées",
                ),
            );
        }
        Scope::Departments(deps) => {
            tables.push(validations_table(conn, period, &deps)?);
            tables.push(offers_by_department(conn, period, Some(&deps))?);
            tables.push(cvs_by_sector(conn, Some(&deps))?);
        }
        Scope::Region => {
            let deps: Option<Vec<String>> = department.map(|d| vec![d.to_owned()]);
            let deps = deps.as_deref();
            tables.push(offers_by_department(conn, period, deps)?);
            tables.push(offers_by_sector(conn, period, deps)?);
            tables.push(cvs_by_sector(conn, deps)?);
            tables.push(applications_by_domain(conn, period, deps)?);
            tables.extend(candidates_by_age_and_level(conn, period, deps)?);
            let rows = prescription_rows(conn, user, period)?;
            let rows: Vec<_> = rows
                .into_iter()
                .filter(|r| department.is_none_or(|d| r.department.as_deref() == Some(d)))
                .collect();
            tables.push(prescriptions_by_state(&rows));
            tables.push(prescription_delays(
                &rows,
                "retours-selection",
                "Retours de sélection et délais des pré-inscriptions",
            ));
        }
        _ => {}
    }
    // Outcomes: contracts (offers' side) and what became of pre-registered people.
    let outcome_scope = match (outcome_scope, department) {
        (Scope::Region, Some(d)) => Scope::Departments(vec![d.to_owned()]),
        (s, _) => s,
    };
    tables.extend(super::outcomes::contract_tables(
        conn,
        &outcome_scope,
        period,
    )?);
    if department.is_none() {
        tables.extend(super::outcomes::prescription_tables(
            conn,
            &outcome_scope,
            period,
            today,
        )?);
    }
    Ok(tables)
}

/// Whether a person has indicators on their home.
pub fn has_indicators(user: &CurrentUser) -> bool {
    scope(user, Rows::Indicators) != Scope::Nothing
}

/// One table of a person's indicators, by key (404 when it is not theirs).
pub fn one(
    conn: &mut DbConnection,
    user: &CurrentUser,
    period: &Period,
    department: Option<&str>,
    key: &str,
) -> AppResult<Table> {
    for_user(conn, user, period, department)?
        .into_iter()
        .find(|t| t.key == key)
        .ok_or_else(AppError::not_found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_paris_days() {
        // Winter: Paris is UTC+1; summer: UTC+2; the March switch night.
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let p = Period {
            from: day(2026, 1, 1),
            to: day(2026, 1, 31),
        };
        let (from, to) = p.utc_range();
        assert_eq!(from.to_string(), "2025-12-31 23:00:00");
        assert_eq!(to.to_string(), "2026-01-31 23:00:00");
        let p = Period {
            from: day(2026, 7, 1),
            to: day(2026, 7, 31),
        };
        let (from, to) = p.utc_range();
        assert_eq!(from.to_string(), "2026-06-30 22:00:00");
        assert_eq!(to.to_string(), "2026-07-31 22:00:00");
        let p = Period {
            from: day(2026, 3, 29),
            to: day(2026, 3, 29),
        };
        let (from, to) = p.utc_range();
        assert_eq!(from.to_string(), "2026-03-28 23:00:00");
        assert_eq!(to.to_string(), "2026-03-29 22:00:00");
    }

    #[test]
    fn periods_are_read_in_french() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let p = Period::parse("", "", today).unwrap();
        assert_eq!(p.label(), "du 01/01/2026 au 23/11/2026");
        assert!(Period::parse("31/12/2026", "01/01/2026", today).is_err());
        assert!(Period::parse("hier", "", today).is_err());
    }

    #[test]
    fn age_bands_and_medians() {
        assert_eq!(age_band(15), "moins de 16 ans");
        assert_eq!(age_band(16), "16-17 ans");
        assert_eq!(age_band(25), "18-25 ans");
        assert_eq!(age_band(26), "26-44 ans");
        assert_eq!(age_band(45), "45 ans et plus");
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
    }
}
