//! The evaluation annex tables both source reports had to fill in for their funder, computed
//! from live data for a period. Beneficiaries are the people Passerelle served: candidates
//! who signed up and people pre-registered on a training by an adviser. Where the data cannot
//! answer, the cell says why instead of guessing.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::indicators::Period;
use super::rollup::{self, Area, Metric, age_on};
use super::table::{Cell, Table};
use crate::auth::CurrentUser;
use crate::auth::policy::{Rows, Scope, scope};
use crate::db::{DbConnection, schema::*};
use crate::error::{AppError, AppResult};
use crate::types::Role;
use crate::web::paris_day;

/// The strands of the platform whose beneficiaries the annex counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Strand {
    /// Candidates of the work-study exchange (accounts created).
    Exchange,
    /// People pre-registered on a funded training by an adviser.
    Prescription,
}

impl Strand {
    fn label(self) -> &'static str {
        match self {
            Strand::Exchange => "Bourse de l’alternance (candidats inscrits)",
            Strand::Prescription => "Pré-inscriptions en formation",
        }
    }
}

/// The note of a sheet counting people: which strands it counts, and which it cannot.
const PEOPLE_STRANDS: &str = "Dispositifs comptés : bourse de l’alternance (candidats inscrits) \
     et pré-inscriptions en formation (personnes pré-inscrites). Les appelants du service \
     d’information et les visiteurs des Espaces Métiers sont comptés de façon anonyme (feuille \
     « Bénéficiaires par dispositif ») ; les stagiaires du programme des professionnels sont des \
     professionnels (feuille « Professionnels »).";

/// One beneficiary as the annex needs them.
#[derive(Clone, Debug)]
struct Person {
    strand: Strand,
    /// When they were served (sign-up or pre-registration), Paris day.
    day: NaiveDate,
    birth: Option<NaiveDate>,
    /// The situation's code (candidates: when they gave it at sign-up).
    situation: Option<String>,
    level: Option<i32>,
    /// female, male or undisclosed (optional answer).
    sex: Option<String>,
}

/// Whose beneficiaries the caller counts: the region's, an agency's, a centre's (the policy
/// decides; 403 for anyone else).
pub fn scope_of(user: &CurrentUser) -> AppResult<Scope> {
    scope(user, Rows::Beneficiaries).or_forbidden()
}

/// Whether a person may produce annex tables (for their own beneficiaries).
pub fn allowed(user: &CurrentUser) -> bool {
    scope_of(user).is_ok()
}

fn beneficiaries(
    conn: &mut DbConnection,
    scope: &Scope,
    period: &Period,
) -> AppResult<Beneficiaries> {
    let (from, to) = period.utc_range();
    let mut people = Vec::new();
    // Candidates: the region's, or those who applied to a centre's offers.
    type CandidateRow = (
        String,
        chrono::NaiveDateTime,
        Option<NaiveDate>,
        Option<i32>,
        Option<String>,
        Option<String>,
    );
    let candidates: Vec<CandidateRow> = match scope {
        Scope::Centre(org) => {
            let applied = applications::table
                .filter(applications::managed_by_id.eq(org.clone()))
                .select(applications::candidate_id.assume_not_null());
            users::table
                .left_join(candidate_profiles::table.on(candidate_profiles::user_id.eq(users::id)))
                .filter(users::role.eq(Role::Candidate.as_str()))
                .filter(users::created_at.ge(from))
                .filter(users::created_at.lt(to))
                .filter(users::id.eq_any(applied))
                .select((
                    users::id,
                    users::created_at,
                    users::birth_date,
                    candidate_profiles::level_reached.nullable(),
                    users::situation,
                    users::sex,
                ))
                .load(conn)?
        }
        _ => Vec::new(),
    };
    for (_, at, birth, level, situation, sex) in candidates {
        people.push(Person {
            strand: Strand::Exchange,
            day: paris_day(at),
            birth,
            situation,
            level,
            sex,
        });
    }
    // People pre-registered in the period (once each, at their first pre-registration).
    let mut query = prescriptions::table
        .inner_join(prescribed_people::table)
        .filter(prescriptions::submitted_at.ge(from))
        .filter(prescriptions::submitted_at.lt(to))
        .order(prescriptions::submitted_at)
        .select((
            prescribed_people::id,
            prescriptions::submitted_at,
            prescribed_people::birth_date,
            prescribed_people::situation,
            prescribed_people::level,
            prescribed_people::sex,
        ))
        .into_boxed();
    match scope {
        Scope::Agency(org) => query = query.filter(prescriptions::agency_id.eq(org.clone())),
        Scope::Centre(org) => query = query.filter(prescriptions::centre_id.eq(org.clone())),
        Scope::Region => {}
        _ => return Err(AppError::forbidden()),
    }
    type PrescribedRow = (
        String,
        chrono::NaiveDateTime,
        NaiveDate,
        String,
        i32,
        Option<String>,
    );
    let prescribed: Vec<PrescribedRow> = query.load(conn)?;
    let mut seen = HashSet::new();
    for (id, at, birth, situation, level, sex) in prescribed {
        if seen.insert(id) {
            people.push(Person {
                strand: Strand::Prescription,
                day: paris_day(at),
                birth: Some(birth),
                situation: Some(situation),
                level: Some(level),
                sex,
            });
        }
    }
    let mut counted = Beneficiaries::default();
    for p in &people {
        counted.add(p);
    }
    if let Scope::Region = scope {
        // The region's candidates: precomputed per month (see `rollup`).
        for c in rollup::counts(conn, Metric::CandidateAge, Some(period), Area::Region)? {
            let year = c.month.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
            *counted.ages.entry((year, c.dim.parse().ok())).or_default() += c.n;
            *counted.strands.entry(Strand::Exchange).or_default() += c.n;
            counted.total += c.n;
        }
        for (dim, n) in rollup::totals(conn, Metric::CandidateLevel, Some(period), Area::Region)? {
            *counted.levels.entry(dim.parse().ok()).or_default() += n;
        }
        for (dim, n) in rollup::totals(conn, Metric::CandidateSex, Some(period), Area::Region)? {
            let sex = (dim != rollup::UNKNOWN).then_some(dim);
            *counted.sexes.entry((Strand::Exchange, sex)).or_default() += n;
        }
        for (dim, n) in
            rollup::totals(conn, Metric::CandidateSituation, Some(period), Area::Region)?
        {
            let situation = (dim != rollup::UNKNOWN).then_some(dim);
            *counted
                .situations
                .entry((Strand::Exchange, situation))
                .or_default() += n;
        }
    }
    Ok(counted)
}

/// Beneficiaries counted as the annex tables need them.
#[derive(Debug, Default)]
struct Beneficiaries {
    /// By year of entry and age at entry (`None`: unknown).
    ages: BTreeMap<(i32, Option<u32>), i64>,
    /// By training level (`None`: not given).
    levels: BTreeMap<Option<i32>, i64>,
    /// By strand and situation code (`None`: not given).
    situations: HashMap<(Strand, Option<String>), i64>,
    /// By strand and sex code (`None`: not given).
    sexes: HashMap<(Strand, Option<String>), i64>,
    /// People per strand.
    strands: BTreeMap<Strand, i64>,
    total: i64,
}

impl Beneficiaries {
    fn add(&mut self, p: &Person) {
        let age = p.birth.map(|b| age_on(b, p.day));
        *self.ages.entry((p.day.year(), age)).or_default() += 1;
        *self.levels.entry(p.level).or_default() += 1;
        *self
            .situations
            .entry((p.strand, p.situation.clone()))
            .or_default() += 1;
        *self.sexes.entry((p.strand, p.sex.clone())).or_default() += 1;
        *self.strands.entry(p.strand).or_default() += 1;
        self.total += 1;
    }

    fn situation(&self, code: &str) -> i64 {
        self.situations
            .iter()
            .filter(|((_, c), _)| c.as_deref() == Some(code))
            .map(|(_, n)| n)
            .sum()
    }

    fn sex(&self, strand: Option<Strand>, code: Option<&str>) -> i64 {
        self.sexes
            .iter()
            .filter(|((s, c), _)| strand.is_none_or(|wanted| *s == wanted) && c.as_deref() == code)
            .map(|(_, n)| n)
            .sum()
    }

    fn aged(&self, keep: impl Fn(i32, Option<u32>) -> bool) -> i64 {
        self.ages
            .iter()
            .filter(|((year, age), _)| keep(*year, *age))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Old French training levels beside the national scale (3 = V … 7/8 = I).
fn old_level(level: i32) -> &'static str {
    match level {
        3 => "V",
        4 => "IV",
        5 => "III",
        6 => "II",
        7 | 8 => "I",
        _ => "–",
    }
}

/// The annex tables of a period, for a scope's beneficiaries; `hours` are the information
/// line's opening hours (answers in time).
pub fn tables(
    conn: &mut DbConnection,
    scope: &Scope,
    period: &Period,
    hours: &crate::config::OpeningHours,
) -> AppResult<Vec<Table>> {
    let people = beneficiaries(conn, scope, period)?;
    let total = people.total;

    // 1. Beneficiaries entered per year: young people under 26 and adults.
    let mut per_year = Table::new(
        "annexe-beneficiaires-par-annee",
        "Bénéficiaires entrés par année",
        &[
            "Année",
            "Jeunes de moins de 26 ans",
            "Adultes (26 ans et plus)",
            "Âge inconnu",
            "Total",
        ],
    )
    .with_sheet("Entrées par année")
    .with_chart(4)
    .with_note(PEOPLE_STRANDS);
    let years: std::collections::BTreeSet<i32> = people.ages.keys().map(|k| k.0).collect();
    for year in years {
        let young = people.aged(|y, age| y == year && age.is_some_and(|a| a < 26));
        let unknown = people.aged(|y, age| y == year && age.is_none());
        let n = people.aged(|y, _| y == year);
        per_year.push(vec![
            Cell::text(year.to_string()),
            Cell::Int(young),
            Cell::Int(n - young - unknown),
            Cell::Int(unknown),
            Cell::Int(n),
        ]);
    }

    // 2. By age band.
    let bands: [(&str, u32, u32); 6] = [
        ("moins de 6 ans", 0, 5),
        ("6 à 10 ans", 6, 9),
        ("10 à 16 ans", 10, 15),
        ("16 à 18 ans", 16, 17),
        ("18 à 25 ans", 18, 25),
        ("25 ans et plus", 26, u32::MAX),
    ];
    let mut by_age = Table::new(
        "annexe-par-age",
        "Bénéficiaires par tranche d’âge",
        &["Tranche d’âge", "Bénéficiaires", "Part (%)"],
    )
    .with_sheet("Bénéficiaires par âge")
    .with_chart(1)
    .with_note(format!(
        "Âge au jour de l’entrée ; « 18 à 25 ans » compte jusqu’à la veille des 26 ans. \
         {PEOPLE_STRANDS}"
    ));
    for (label, lo, hi) in bands {
        let n = people.aged(|_, age| age.is_some_and(|a| (lo..=hi).contains(&a)));
        by_age.push(vec![Cell::text(label), Cell::Int(n), Cell::share(n, total)]);
    }
    let unknown = people.aged(|_, age| age.is_none());
    by_age.push(vec![
        Cell::text("âge inconnu"),
        Cell::Int(unknown),
        Cell::share(unknown, total),
    ]);

    // 3. By situation: advisers record it for pre-registered people, candidates may give it.
    let mut by_situation = Table::new(
        "annexe-par-situation",
        "Bénéficiaires par situation",
        &["Situation", "Bénéficiaires"],
    )
    .with_note(format!(
        "La situation est renseignée par le conseiller lors d’une pré-inscription ; les candidats \
         l’indiquent s’ils le souhaitent à l’inscription. {PEOPLE_STRANDS}"
    ));
    for (label, code) in [
        ("Élèves (collège, lycée)", "pupil"),
        ("Apprentis", "apprentice"),
        ("Étudiants", "student"),
        ("Demandeurs d’emploi", "job_seeker"),
        ("Jeunes accompagnés (16–25 ans)", "young_person"),
        ("Travailleurs handicapés", "disabled_worker"),
        ("Salariés", "employee"),
        ("Autres situations", "other"),
    ] {
        by_situation.push(vec![Cell::text(label), Cell::Int(people.situation(code))]);
    }
    let undeclared: i64 = people
        .situations
        .iter()
        .filter(|((_, c), _)| c.is_none())
        .map(|(_, n)| n)
        .sum();
    by_situation.push(vec![
        Cell::text("Situation non déclarée (candidats)"),
        Cell::Int(undeclared),
    ]);

    // 4. By training level, with the old levels beside.
    let mut by_level = Table::new(
        "annexe-par-niveau",
        "Bénéficiaires par niveau de formation",
        &[
            "Niveau (nomenclature 2019)",
            "Ancien niveau",
            "Bénéficiaires",
        ],
    )
    .with_sheet("Bénéficiaires par niveau")
    .with_chart(2)
    .with_note(PEOPLE_STRANDS);
    for level in 3..=8 {
        let n = people.levels.get(&Some(level)).copied().unwrap_or(0);
        by_level.push(vec![
            Cell::text(crate::offers::model::level_label(level)),
            Cell::text(old_level(level)),
            Cell::Int(n),
        ]);
    }
    let below: i64 = people
        .levels
        .iter()
        .filter(|(l, _)| l.is_some_and(|l| l < 3))
        .map(|(_, n)| n)
        .sum();
    by_level.push(vec![
        Cell::text("Sans diplôme ou niveau inférieur au CAP"),
        Cell::text("VI"),
        Cell::Int(below),
    ]);
    let unknown = people.levels.get(&None).copied().unwrap_or(0);
    by_level.push(vec![
        Cell::text("Niveau non renseigné"),
        Cell::text("–"),
        Cell::Int(unknown),
    ]);

    // 5. By sex: an optional answer (« Je ne souhaite pas répondre » counted apart).
    let mut by_sex = Table::new(
        "annexe-par-sexe",
        "Bénéficiaires par sexe",
        &[
            "Dispositif",
            "Femmes",
            "Hommes",
            "Ne souhaitent pas répondre",
            "Non renseigné",
            "Total",
        ],
    )
    .with_note(format!(
        "Le sexe est demandé de façon facultative (« Femme », « Homme », « Je ne souhaite pas \
         répondre ») ; « Non renseigné » compte les personnes qui n’ont pas répondu, dont celles \
         inscrites avant que la question existe. {PEOPLE_STRANDS}"
    ));
    let strands: &[Strand] = match scope {
        Scope::Agency(_) => &[Strand::Prescription],
        _ => &[Strand::Exchange, Strand::Prescription],
    };
    let mut sex_row = |label: &str, strand: Option<Strand>| {
        let f = people.sex(strand, Some("female"));
        let m = people.sex(strand, Some("male"));
        let u = people.sex(strand, Some("undisclosed"));
        let n = people.sex(strand, None);
        by_sex.push(vec![
            Cell::text(label),
            Cell::Int(f),
            Cell::Int(m),
            Cell::Int(u),
            Cell::Int(n),
            Cell::Int(f + m + u + n),
        ]);
    };
    for strand in strands {
        sex_row(strand.label(), Some(*strand));
    }
    sex_row("Total", None);

    // 6. Adults by quality: the professionals using the platform (accounts).
    let mut by_quality = Table::new(
        "annexe-professionnels",
        "Adultes par qualité (professionnels utilisant la plateforme)",
        &["Qualité", "Comptes actifs"],
    )
    .with_sheet("Professionnels")
    .with_note("Comptes actifs à la fin de la période ; pour un organisme, ses propres comptes.");
    let end = period.utc_range().1;
    for (label, role) in [
        ("Enseignants et conseillers d’orientation", Role::Teacher),
        ("Conseillers emploi (prescripteurs)", Role::Prescriber),
        ("Personnels d’organismes de formation", Role::TrainingStaff),
        ("Recruteurs", Role::Recruiter),
        (
            "Chargés d’enregistrement des chambres",
            Role::RegistrationOfficer,
        ),
        ("Coordinateurs d’Espaces Métiers", Role::SiteCoordinator),
        (
            "Répondants des partenaires d’information",
            Role::PartnerResponder,
        ),
    ] {
        let mut query = users::table
            .filter(users::role.eq(role.as_str()))
            .filter(users::status.eq("active"))
            .filter(users::created_at.lt(end))
            .into_boxed();
        if let Some(org) = scope.organisation() {
            query = query.filter(users::organisation_id.eq(org.to_owned()));
        }
        let n: i64 = query.count().get_result(conn)?;
        by_quality.push(vec![Cell::text(label), Cell::Int(n)]);
    }
    let mut tables = vec![
        strands_table(conn, scope, period, &people)?,
        per_year,
        by_age,
        by_situation,
        by_level,
        by_sex,
        by_quality,
    ];
    tables.extend(super::outcomes::contract_tables(conn, scope, period)?);
    tables.extend(super::outcomes::prescription_tables(
        conn,
        scope,
        period,
        crate::clock::today_paris(),
    )?);
    if let Scope::Region = scope {
        tables.push(networks_table(conn, period)?);
        tables.push(partners_table(conn, period, hours)?);
        tables.push(departments_table(conn, period)?);
    }
    Ok(tables)
}

/// Beneficiaries of every strand: people counted one by one (exchange, pre-registrations),
/// and those counted anonymously (information line, Espaces Métiers) or as professionals
/// (programme).
fn strands_table(
    conn: &mut DbConnection,
    scope: &Scope,
    period: &Period,
    people: &Beneficiaries,
) -> AppResult<Table> {
    let mut table = Table::new(
        "annexe-par-dispositif",
        "Bénéficiaires par dispositif",
        &["Dispositif", "Bénéficiaires", "Ce qui est compté"],
    )
    .with_sheet("Bénéficiaires par dispositif")
    .with_chart(1)
    .with_note(
        "Une même personne peut être comptée dans deux dispositifs (un candidat qui appelle le \
         service d’information, par exemple) : les dispositifs ne s’additionnent pas.",
    );
    for (strand, what) in [
        (Strand::Exchange, "comptes candidats créés sur la période"),
        (
            Strand::Prescription,
            "personnes pré-inscrites sur la période (une fois chacune)",
        ),
    ] {
        if matches!(scope, Scope::Agency(_)) && strand == Strand::Exchange {
            continue;
        }
        table.push(vec![
            Cell::text(strand.label()),
            Cell::Int(people.strands.get(&strand).copied().unwrap_or(0)),
            Cell::text(what),
        ]);
    }
    if let Scope::Region = scope {
        let (from, to) = period.utc_range();
        let callers: i64 = helpline_requests::table
            .filter(helpline_requests::received_at.ge(from))
            .filter(helpline_requests::received_at.lt(to))
            .count()
            .get_result(conn)?;
        table.push(vec![
            Cell::text("Service d’information (appelants)"),
            Cell::Int(callers),
            Cell::text("demandes reçues sur la période, tous canaux"),
        ]);
        let visitors: Option<i64> = site_visits::table
            .filter(site_visits::visited_on.ge(period.from))
            .filter(site_visits::visited_on.le(period.to))
            .select(diesel::dsl::sum(site_visits::group_size))
            .first(conn)?;
        table.push(vec![
            Cell::text("Espaces Métiers (visiteurs)"),
            Cell::Int(visitors.unwrap_or(0)),
            Cell::text("visiteurs du registre anonyme des visites (groupes comptés par personne)"),
        ]);
        let trainees: i64 = programme_registrations::table
            .inner_join(programme_sessions::table)
            .filter(programme_registrations::status.eq("confirmed"))
            .filter(programme_sessions::first_day.ge(period.from))
            .filter(programme_sessions::first_day.le(period.to))
            .select(diesel::dsl::count(programme_registrations::user_id).aggregate_distinct())
            .first(conn)?;
        table.push(vec![
            Cell::text("Programme des professionnels (stagiaires)"),
            Cell::Int(trainees),
            Cell::text(
                "professionnels inscrits (confirmés) à une session commençant sur la période",
            ),
        ]);
    }
    Ok(table)
}

/// Share of pre-registrations by prescriber network (France Travail, Missions Locales, Cap
/// emploi, others).
fn networks_table(conn: &mut DbConnection, period: &Period) -> AppResult<Table> {
    let (from, to) = period.utc_range();
    let networks: Vec<(Option<String>, i64)> = prescriptions::table
        .inner_join(organisations::table.on(organisations::id.eq(prescriptions::agency_id)))
        .filter(prescriptions::submitted_at.ge(from))
        .filter(prescriptions::submitted_at.lt(to))
        .group_by(organisations::network)
        .select((organisations::network, count_star()))
        .load(conn)?;
    let total: i64 = networks.iter().map(|(_, n)| n).sum();
    let fold = |n: &Option<String>| {
        let n = n.as_deref().unwrap_or("").to_lowercase();
        if n.contains("france travail") || n.contains("pôle emploi") || n.contains("pole emploi") {
            "France Travail"
        } else if n.contains("mission") {
            "Missions Locales"
        } else if n.contains("cap emploi") {
            "Cap emploi"
        } else {
            "Autres prescripteurs"
        }
    };
    let mut table = Table::new(
        "annexe-reseaux-prescripteurs",
        "Pré-inscriptions par réseau prescripteur",
        &["Réseau", "Pré-inscriptions", "Part (%)"],
    )
    .with_sheet("Réseaux prescripteurs")
    .with_chart(1)
    .with_note(
        "Pré-inscriptions envoyées sur la période, selon le réseau de l’agence qui prescrit.",
    );
    for label in [
        "France Travail",
        "Missions Locales",
        "Cap emploi",
        "Autres prescripteurs",
    ] {
        let n: i64 = networks
            .iter()
            .filter(|(network, _)| fold(network) == label)
            .map(|(_, n)| n)
            .sum();
        table.push(vec![Cell::text(label), Cell::Int(n), Cell::share(n, total)]);
    }
    table.push(vec![
        Cell::text("Total"),
        Cell::Int(total),
        Cell::share(total, total),
    ]);
    Ok(table)
}

/// Counts per organisation id, as a grouped query returns them.
fn counts_of(rows: Vec<(String, i64)>) -> HashMap<String, i64> {
    rows.into_iter().collect()
}

/// Each partner's contribution over the period: offers, CVs validated, applications received,
/// pre-registrations sent or received, information-line answers in time. Companies are one
/// line (there are many); every other partner has its own.
fn partners_table(
    conn: &mut DbConnection,
    period: &Period,
    hours: &crate::config::OpeningHours,
) -> AppResult<Table> {
    let (from, to) = period.utc_range();
    let offers_of = counts_of(
        offers::table
            .filter(offers::published_at.ge(from))
            .filter(offers::published_at.lt(to))
            .group_by(offers::managed_by_id)
            .select((offers::managed_by_id, count_star()))
            .load(conn)?,
    );
    let cvs_of = counts_of(
        candidate_profiles::table
            .inner_join(users::table.on(users::id.nullable().eq(candidate_profiles::validated_by)))
            .filter(candidate_profiles::validated_at.ge(from))
            .filter(candidate_profiles::validated_at.lt(to))
            .filter(users::organisation_id.is_not_null())
            .group_by(users::organisation_id)
            .select((users::organisation_id.assume_not_null(), count_star()))
            .load(conn)?,
    );
    let applications_of = counts_of(
        applications::table
            .filter(applications::created_at.ge(from))
            .filter(applications::created_at.lt(to))
            .group_by(applications::managed_by_id)
            .select((applications::managed_by_id, count_star()))
            .load(conn)?,
    );
    // Sent (agencies) and received (centres).
    let mut prescriptions_of: HashMap<String, i64> = HashMap::new();
    let sent: Vec<(String, i64)> = prescriptions::table
        .filter(prescriptions::submitted_at.ge(from))
        .filter(prescriptions::submitted_at.lt(to))
        .group_by(prescriptions::agency_id)
        .select((prescriptions::agency_id, count_star()))
        .load(conn)?;
    let received: Vec<(String, i64)> = prescriptions::table
        .filter(prescriptions::submitted_at.ge(from))
        .filter(prescriptions::submitted_at.lt(to))
        .group_by(prescriptions::centre_id)
        .select((prescriptions::centre_id, count_star()))
        .load(conn)?;
    for (org, n) in sent.into_iter().chain(received) {
        *prescriptions_of.entry(org).or_default() += n;
    }
    let answers: Vec<(String, chrono::NaiveDateTime, Option<i64>)> = helpline_requests::table
        .filter(helpline_requests::first_response_partner_id.is_not_null())
        .filter(helpline_requests::received_at.ge(from))
        .filter(helpline_requests::received_at.lt(to))
        .select((
            helpline_requests::first_response_partner_id.assume_not_null(),
            helpline_requests::clock_started_at,
            helpline_requests::first_response_seconds,
        ))
        .load(conn)?;
    let mut answers_of: HashMap<String, (i64, i64)> = HashMap::new();
    for (partner, started, seconds) in answers {
        let entry = answers_of.entry(partner).or_default();
        entry.0 += 1;
        if seconds.is_some_and(|s| s <= hours.target_seconds(started)) {
            entry.1 += 1;
        }
    }
    let orgs: Vec<(String, String, String)> = organisations::table
        .select((organisations::id, organisations::name, organisations::kind))
        .load(conn)?;
    let mut table = Table::new(
        "annexe-contributions-partenaires",
        "Contribution de chaque partenaire",
        &[
            "Partenaire",
            "Type",
            "Offres publiées",
            "CV validés",
            "Candidatures reçues",
            "Pré-inscriptions envoyées ou reçues",
            "Réponses du service d’information",
            "dont dans les délais",
        ],
    )
    .with_sheet("Contributions partenaires")
    .with_note(
        "Sur la période : offres publiées par l’organisation qui les gère (l’entreprise ou \
         l’organisme délégué), CV validés par ses chargés d’enregistrement, candidatures reçues, \
         pré-inscriptions envoyées (agences) ou reçues (organismes), premières réponses données \
         par le partenaire aux demandes du service d’information (« dans les délais » : avant la \
         fin du 2e jour ouvré). Les entreprises sont regroupées sur une ligne.",
    );
    let get = |m: &HashMap<String, i64>, id: &str| m.get(id).copied().unwrap_or(0);
    let mut companies = [0i64; 6];
    let mut rows: Vec<(String, String, [i64; 6])> = Vec::new();
    for (id, name, kind) in orgs {
        let (answered, in_time) = answers_of.get(&id).copied().unwrap_or((0, 0));
        let figures = [
            get(&offers_of, &id),
            get(&cvs_of, &id),
            get(&applications_of, &id),
            get(&prescriptions_of, &id),
            answered,
            in_time,
        ];
        if figures.iter().all(|n| *n == 0) {
            continue;
        }
        if kind == crate::types::OrgKind::Company.as_str() {
            for (total, n) in companies.iter_mut().zip(figures) {
                *total += n;
            }
        } else {
            let kind = crate::types::OrgKind::parse(&kind).map_or("", crate::types::OrgKind::label);
            rows.push((name, kind.to_owned(), figures));
        }
    }
    rows.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    if companies.iter().any(|n| *n > 0) {
        rows.insert(
            0,
            (
                "Entreprises (ensemble)".to_owned(),
                "Entreprise".to_owned(),
                companies,
            ),
        );
    }
    for (name, kind, figures) in rows {
        let mut row = vec![Cell::text(name), Cell::text(kind)];
        row.extend(figures.iter().map(|n| Cell::Int(*n)));
        table.push(row);
    }
    Ok(table)
}

/// The period per department, with names: candidates, offers, applications, contracts.
fn departments_table(conn: &mut DbConnection, period: &Period) -> AppResult<Table> {
    let names = super::outcomes::department_names(conn)?;
    let mut figures: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    for (i, metric) in [
        Metric::CandidateAge,
        Metric::OfferStatus,
        Metric::ApplicationRome,
    ]
    .into_iter()
    .enumerate()
    {
        for c in rollup::counts(conn, metric, Some(period), Area::EachDepartment)? {
            figures.entry(c.department).or_default()[i] += c.n;
        }
    }
    let (from, to) = period.utc_range();
    let contracts: Vec<(String, i64)> = applications::table
        .inner_join(offers::table)
        .filter(applications::status.eq("hired"))
        .filter(applications::hired_at.ge(from))
        .filter(applications::hired_at.lt(to))
        .group_by(offers::department)
        .select((offers::department, count_star()))
        .load(conn)?;
    for (department, n) in contracts {
        figures.entry(department).or_default()[3] += n;
    }
    let mut table = Table::new(
        "annexe-par-departement",
        "Activité par département",
        &[
            "Département",
            "Candidats inscrits",
            "Offres créées",
            "Candidatures",
            "Contrats signés",
        ],
    )
    .with_sheet("Activité par département")
    .with_note(
        "Candidats : département de leur profil (« Département inconnu » sans profil) ; offres, \
         candidatures et contrats : département du lieu de travail de l’offre.",
    );
    for (code, f) in figures {
        let mut row = vec![Cell::text(super::outcomes::department_label(&names, &code))];
        row.extend(f.iter().map(|n| Cell::Int(*n)));
        table.push(row);
    }
    Ok(table)
}
