//! The evaluation annex tables both source reports had to fill in for their funder, computed
//! from live data for a period. Beneficiaries are the people Passerelle served: candidates
//! who signed up and people pre-registered on a training by an adviser. Where the data cannot
//! answer, the cell says why instead of guessing.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
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

/// One beneficiary as the annex needs them.
#[derive(Clone, Debug)]
struct Person {
    /// When they were served (sign-up or pre-registration), Paris day.
    day: NaiveDate,
    birth: Option<NaiveDate>,
    /// `Some` for pre-registered people (the adviser records it); candidates have none.
    situation: Option<String>,
    level: Option<i32>,
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
    let candidates: Vec<(
        String,
        chrono::NaiveDateTime,
        Option<NaiveDate>,
        Option<i32>,
    )> = match scope {
        Scope::Centre(_) => {
            let mut query = users::table
                .left_join(candidate_profiles::table.on(candidate_profiles::user_id.eq(users::id)))
                .filter(users::role.eq(Role::Candidate.as_str()))
                .filter(users::created_at.ge(from))
                .filter(users::created_at.lt(to))
                .select((
                    users::id,
                    users::created_at,
                    users::birth_date,
                    candidate_profiles::level_reached.nullable(),
                ))
                .into_boxed();
            if let Scope::Centre(org) = scope {
                let applied = applications::table
                    .filter(applications::managed_by_id.eq(org.clone()))
                    .select(applications::candidate_id.assume_not_null());
                query = query.filter(users::id.eq_any(applied));
            }
            query.load(conn)?
        }
        _ => Vec::new(),
    };
    for (_, at, birth, level) in candidates {
        people.push(Person {
            day: paris_day(at),
            birth,
            situation: None,
            level,
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
        ))
        .into_boxed();
    match scope {
        Scope::Agency(org) => query = query.filter(prescriptions::agency_id.eq(org.clone())),
        Scope::Centre(org) => query = query.filter(prescriptions::centre_id.eq(org.clone())),
        Scope::Region => {}
        _ => return Err(AppError::forbidden()),
    }
    let prescribed: Vec<(String, chrono::NaiveDateTime, NaiveDate, String, i32)> =
        query.load(conn)?;
    let mut seen = HashSet::new();
    for (id, at, birth, situation, level) in prescribed {
        if seen.insert(id) {
            people.push(Person {
                day: paris_day(at),
                birth: Some(birth),
                situation: Some(situation),
                level: Some(level),
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
            *counted.situations.entry(None).or_default() += c.n;
            counted.total += c.n;
        }
        for (dim, n) in rollup::totals(conn, Metric::CandidateLevel, Some(period), Area::Region)? {
            *counted.levels.entry(dim.parse().ok()).or_default() += n;
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
    /// By situation (`None`: candidates, who do not declare one).
    situations: HashMap<Option<String>, i64>,
    total: i64,
}

impl Beneficiaries {
    fn add(&mut self, p: &Person) {
        let age = p.birth.map(|b| age_on(b, p.day));
        *self.ages.entry((p.day.year(), age)).or_default() += 1;
        *self.levels.entry(p.level).or_default() += 1;
        *self.situations.entry(p.situation.clone()).or_default() += 1;
        self.total += 1;
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

/// The annex tables of a period, for a scope's beneficiaries.
pub fn tables(conn: &mut DbConnection, scope: &Scope, period: &Period) -> AppResult<Vec<Table>> {
    let people = beneficiaries(conn, scope, period)?;
    let total = people.total;
    let not_collected_sex = "le sexe n’est pas collecté par Passerelle";

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
    .with_chart(4);
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
    .with_chart(1)
    .with_note("Âge au jour de l’entrée ; « 18 à 25 ans » compte jusqu’à la veille des 26 ans.");
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

    // 3. By situation: only pre-registered people have one.
    let candidates = people.situations.get(&None).copied().unwrap_or(0);
    let mut by_situation = Table::new(
        "annexe-par-situation",
        "Bénéficiaires par situation",
        &["Situation", "Bénéficiaires"],
    )
    .with_note(
        "La situation est renseignée par le conseiller lors d’une pré-inscription ; les candidats \
         inscrits d’eux-mêmes ne la déclarent pas.",
    );
    for (label, code) in [
        ("Élèves (collège, lycée)", None),
        ("Apprentis", None),
        ("Étudiants", None),
        ("Demandeurs d’emploi", Some("job_seeker")),
        ("Jeunes accompagnés (16–25 ans)", Some("young_person")),
        ("Travailleurs handicapés", Some("disabled_worker")),
        ("Salariés", Some("employee")),
        ("Autres situations", Some("other")),
    ] {
        by_situation.push(vec![
            Cell::text(label),
            match code {
                Some(code) => Cell::Int(
                    people
                        .situations
                        .get(&Some(code.to_owned()))
                        .copied()
                        .unwrap_or(0),
                ),
                None => Cell::missing("situation non collectée sous cette forme"),
            },
        ]);
    }
    by_situation.push(vec![
        Cell::text("Situation non déclarée (candidats)"),
        Cell::Int(candidates),
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
    .with_chart(2);
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

    // 5. By sex: not collected.
    let mut by_sex = Table::new(
        "annexe-par-sexe",
        "Bénéficiaires par sexe",
        &["Sexe", "Bénéficiaires"],
    );
    for label in ["Femmes", "Hommes"] {
        by_sex.push(vec![Cell::text(label), Cell::missing(not_collected_sex)]);
    }
    by_sex.push(vec![Cell::text("Total"), Cell::Int(total)]);

    // 6. Adults by quality: the professionals using the platform (accounts).
    let mut by_quality = Table::new(
        "annexe-professionnels",
        "Adultes par qualité (professionnels utilisant la plateforme)",
        &["Qualité", "Comptes actifs"],
    )
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
    Ok(vec![
        per_year,
        by_age,
        by_situation,
        by_level,
        by_sex,
        by_quality,
    ])
}
