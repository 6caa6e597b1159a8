//! What the money achieved: contracts signed through the platform (an application ending in a
//! hire), and what became of the people pre-registered on funded training (entry, end,
//! qualification, drop-out, situation six months later). Shown on the dashboards of those
//! who may see them and in the evaluation annex; scoped like every indicator.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::indicators::Period;
use super::table::{Cell, Table};
use crate::auth::policy::Scope;
use crate::db::{DbConnection, schema::*};
use crate::error::AppResult;
use crate::offers::ContractType;
use crate::prescriptions::model::{FollowupSituation, Qualification, Status};
use crate::web::paris_day;

/// One contract signed through the platform.
struct Contract {
    hired_at: NaiveDateTime,
    contract_type: Option<String>,
    department: String,
    rome_code: String,
    partner: String,
    candidate_id: Option<String>,
}

fn contracts_of(
    conn: &mut DbConnection,
    scope: &Scope,
    period: &Period,
) -> AppResult<Option<Vec<Contract>>> {
    let (from, to) = period.utc_range();
    let mut query = applications::table
        .inner_join(offers::table)
        .inner_join(organisations::table.on(organisations::id.eq(applications::managed_by_id)))
        .filter(applications::hired_at.ge(from))
        .filter(applications::hired_at.lt(to))
        .filter(applications::status.eq("hired"))
        .select((
            applications::hired_at.assume_not_null(),
            applications::contract_type,
            offers::department,
            offers::rome_code,
            organisations::name,
            applications::candidate_id,
        ))
        .into_boxed();
    match scope {
        Scope::Region => {}
        Scope::Departments(deps) => query = query.filter(offers::department.eq_any(deps.clone())),
        Scope::Company(org) | Scope::Centre(org) => {
            query = query.filter(applications::managed_by_id.eq(org.clone()))
        }
        _ => return Ok(None),
    }
    type Row = (
        NaiveDateTime,
        Option<String>,
        String,
        String,
        String,
        Option<String>,
    );
    let rows: Vec<Row> = query.load(conn)?;
    Ok(Some(
        rows.into_iter()
            .map(
                |(hired_at, contract_type, department, rome_code, partner, candidate_id)| {
                    Contract {
                        hired_at,
                        contract_type,
                        department,
                        rome_code,
                        partner,
                        candidate_id,
                    }
                },
            )
            .collect(),
    ))
}

fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(values[values.len() / 2])
}

/// The department names (code → name).
pub(super) fn department_names(conn: &mut DbConnection) -> AppResult<HashMap<String, String>> {
    Ok(departments::table
        .select((departments::code, departments::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// « Ille-et-Vilaine (35) », or the code alone when unknown.
pub fn department_label(names: &HashMap<String, String>, code: &str) -> String {
    match names.get(code) {
        Some(name) => format!("{name} ({code})"),
        None if code.is_empty() => "Département inconnu".to_owned(),
        None => code.to_owned(),
    }
}

/// The contract tables of a scope: per month (with the delay from first application), per
/// department, per sector, per partner, and the share of offers filled. Empty for a scope
/// that has no contracts to see.
pub fn contract_tables(
    conn: &mut DbConnection,
    scope: &Scope,
    period: &Period,
) -> AppResult<Vec<Table>> {
    let Some(contracts) = contracts_of(conn, scope, period)? else {
        return Ok(Vec::new());
    };
    // Days from the candidate's first application (any offer) to the contract.
    let candidates: Vec<String> = contracts
        .iter()
        .filter_map(|c| c.candidate_id.clone())
        .collect();
    let mut first_application: HashMap<String, NaiveDateTime> = HashMap::new();
    for chunk in candidates.chunks(500) {
        let rows: Vec<(Option<String>, NaiveDateTime)> = applications::table
            .filter(applications::candidate_id.eq_any(chunk.to_vec()))
            .select((applications::candidate_id, applications::created_at))
            .load(conn)?;
        for (candidate, at) in rows {
            if let Some(candidate) = candidate {
                let first = first_application.entry(candidate).or_insert(at);
                if at < *first {
                    *first = at;
                }
            }
        }
    }
    let mut per_month: BTreeMap<NaiveDate, (i64, i64, i64, Vec<i64>)> = BTreeMap::new();
    for c in &contracts {
        let day = paris_day(c.hired_at);
        let month = day.with_day(1).unwrap_or(day);
        let entry = per_month.entry(month).or_default();
        entry.0 += 1;
        match c.contract_type.as_deref().and_then(ContractType::parse) {
            Some(ContractType::Apprenticeship) => entry.1 += 1,
            Some(ContractType::Professionalisation) => entry.2 += 1,
            None => {}
        }
        if let Some(first) = c
            .candidate_id
            .as_ref()
            .and_then(|id| first_application.get(id))
        {
            entry.3.push((c.hired_at - *first).num_days());
        }
    }
    let mut by_month = Table::new(
        "contrats-par-mois",
        "Contrats signés grâce à la plateforme, par mois",
        &[
            "Mois",
            "Contrats",
            "dont apprentissage",
            "dont professionnalisation",
            "Délai médian depuis la première candidature (jours)",
        ],
    )
    .with_sheet("Contrats par mois")
    .with_chart(1)
    .with_headline("contrat signé", "contrats signés")
    .with_note(
        "Un contrat est une candidature que l’entreprise (ou l’organisme délégué) a marquée « \
         recrutée », avec le type de contrat et la date de début, confirmés ou corrigés par le \
         ou la candidat·e. Délai : de la première candidature de la personne, toutes offres \
         confondues, au recrutement.",
    );
    let mut all_delays = Vec::new();
    let (mut total, mut apprenticeship, mut professionalisation) = (0, 0, 0);
    for (month, (n, a, p, delays)) in per_month {
        total += n;
        apprenticeship += a;
        professionalisation += p;
        all_delays.extend(delays.iter().copied());
        by_month.push(vec![
            Cell::text(crate::web::month_fr(month.year(), month.month())),
            Cell::Int(n),
            Cell::Int(a),
            Cell::Int(p),
            median(delays).map_or(Cell::text("–"), Cell::Int),
        ]);
    }
    by_month.push(vec![
        Cell::text("Total"),
        Cell::Int(total),
        Cell::Int(apprenticeship),
        Cell::Int(professionalisation),
        median(all_delays).map_or(Cell::text("–"), Cell::Int),
    ]);

    let names = department_names(conn)?;
    let mut per_department: BTreeMap<String, i64> = BTreeMap::new();
    let mut per_partner: BTreeMap<String, i64> = BTreeMap::new();
    let mut per_rome: HashMap<String, i64> = HashMap::new();
    for c in &contracts {
        *per_department.entry(c.department.clone()).or_default() += 1;
        *per_partner.entry(c.partner.clone()).or_default() += 1;
        *per_rome.entry(c.rome_code.clone()).or_default() += 1;
    }
    let mut by_department = Table::new(
        "contrats-par-departement",
        "Contrats signés, par département du lieu de travail",
        &["Département", "Contrats"],
    )
    .with_sheet("Contrats par département")
    .with_chart(1);
    for (code, n) in per_department {
        by_department.push(vec![
            Cell::text(department_label(&names, &code)),
            Cell::Int(n),
        ]);
    }
    let by_sector = super::indicators::sector_table(
        conn,
        per_rome.into_iter().collect(),
        "contrats-par-secteur",
        "Contrats signés, par secteur (NAF)",
        "Contrats",
    )?;
    let mut partners: Vec<(String, i64)> = per_partner.into_iter().collect();
    partners.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut by_partner = Table::new(
        "contrats-par-partenaire",
        "Contrats signés, par entreprise ou organisme qui gère l’offre",
        &["Entreprise ou organisme", "Contrats"],
    )
    .with_sheet("Contrats par partenaire")
    .with_chart(1);
    for (name, n) in partners {
        by_partner.push(vec![Cell::text(name), Cell::Int(n)]);
    }

    // Offers published in the period, and how many are filled.
    let (from, to) = period.utc_range();
    let mut query = offers::table
        .filter(offers::published_at.ge(from))
        .filter(offers::published_at.lt(to))
        .select((offers::status, offers::department))
        .into_boxed();
    match scope {
        Scope::Departments(deps) => query = query.filter(offers::department.eq_any(deps.clone())),
        Scope::Company(org) | Scope::Centre(org) => {
            query = query.filter(offers::managed_by_id.eq(org.clone()))
        }
        _ => {}
    }
    let published: Vec<(String, String)> = query.load(conn)?;
    let filled = published.iter().filter(|(s, _)| s == "filled").count() as i64;
    let mut filled_table = Table::new(
        "offres-pourvues",
        "Offres publiées sur la période et offres pourvues",
        &["Offres", "Nombre", "Part (%)"],
    )
    .with_sheet("Offres pourvues")
    .with_note(
        "Une offre est pourvue quand ses recrutements occupent tous ses postes, ou quand \
         l’entreprise la marque pourvue.",
    );
    let n_published = published.len() as i64;
    filled_table.push(vec![
        Cell::text("Publiées sur la période"),
        Cell::Int(n_published),
        Cell::share(n_published, n_published),
    ]);
    filled_table.push(vec![
        Cell::text("dont pourvues"),
        Cell::Int(filled),
        Cell::share(filled, n_published),
    ]);
    Ok(vec![
        by_month,
        filled_table,
        by_department,
        by_sector,
        by_partner,
    ])
}

/// One pre-registration as its outcome tables need it.
struct Outcome {
    status: String,
    entry_date: Option<NaiveDate>,
    qualification: Option<String>,
    funder: Option<String>,
    centre: String,
    network: Option<String>,
    followup_due: Option<NaiveDate>,
    followup: Option<String>,
}

/// Counts of one line of an outcome table.
#[derive(Default)]
struct Tally {
    entered: i64,
    completed: i64,
    qualified: i64,
    dropped: i64,
    followups: BTreeMap<&'static str, i64>,
    followups_missing: i64,
}

impl Tally {
    fn add(&mut self, o: &Outcome, today: NaiveDate) {
        self.entered += 1;
        match Status::parse(&o.status) {
            Some(Status::Completed) => self.completed += 1,
            Some(Status::DroppedOut) => self.dropped += 1,
            _ => {}
        }
        if matches!(
            o.qualification.as_deref().and_then(Qualification::parse),
            Some(Qualification::Obtained | Qualification::Partial)
        ) {
            self.qualified += 1;
        }
        match (
            o.followup.as_deref().and_then(FollowupSituation::parse),
            o.followup_due,
        ) {
            (Some(s), _) => *self.followups.entry(s.as_str()).or_default() += 1,
            (None, Some(due)) if due <= today => self.followups_missing += 1,
            _ => {}
        }
    }

    fn row(&self, label: String) -> Vec<Cell> {
        let mut row = vec![
            Cell::text(label),
            Cell::Int(self.entered),
            Cell::Int(self.completed),
            Cell::Int(self.qualified),
            Cell::Int(self.dropped),
        ];
        for s in FollowupSituation::ALL {
            row.push(Cell::Int(
                self.followups.get(s.as_str()).copied().unwrap_or(0),
            ));
        }
        row.push(Cell::Int(self.followups_missing));
        row
    }
}

fn outcome_columns(first: &'static str) -> Vec<&'static str> {
    vec![
        first,
        "Entrées en formation",
        "Formations terminées",
        "Certifications obtenues (en tout ou partie)",
        "Abandons",
        "À 6 mois : en emploi",
        "À 6 mois : en formation",
        "À 6 mois : en recherche d’emploi",
        "À 6 mois : autre situation",
        "À 6 mois : situation non recueillie",
    ]
}

/// The outcome tables of pre-registrations entered in a period: per funder, centre and
/// prescriber network. Empty for a scope that sees no pre-registration.
pub fn prescription_tables(
    conn: &mut DbConnection,
    scope: &Scope,
    period: &Period,
    today: NaiveDate,
) -> AppResult<Vec<Table>> {
    let (funder_orgs, agency_orgs) =
        diesel::alias!(organisations as funder_orgs, organisations as agency_orgs);
    let mut query = prescriptions::table
        .inner_join(organisations::table.on(organisations::id.eq(prescriptions::centre_id)))
        .inner_join(
            agency_orgs.on(agency_orgs
                .field(organisations::id)
                .eq(prescriptions::agency_id)),
        )
        .left_join(
            funder_orgs.on(funder_orgs
                .field(organisations::id)
                .nullable()
                .eq(prescriptions::funder_id)),
        )
        .left_join(
            prescription_followups::table
                .on(prescription_followups::prescription_id.eq(prescriptions::id)),
        )
        .filter(prescriptions::entry_date.ge(period.from))
        .filter(prescriptions::entry_date.le(period.to))
        .select((
            prescriptions::status,
            prescriptions::entry_date,
            prescriptions::qualification,
            funder_orgs.field(organisations::name).nullable(),
            organisations::name,
            agency_orgs.field(organisations::network),
            prescription_followups::due_on.nullable(),
            prescription_followups::situation.nullable(),
        ))
        .into_boxed();
    match scope {
        Scope::Region => {}
        Scope::Agency(org) => query = query.filter(prescriptions::agency_id.eq(org.clone())),
        Scope::Centre(org) => query = query.filter(prescriptions::centre_id.eq(org.clone())),
        Scope::Funder(org) => query = query.filter(prescriptions::funder_id.eq(org.clone())),
        _ => return Ok(Vec::new()),
    }
    type Row = (
        String,
        Option<NaiveDate>,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        Option<NaiveDate>,
        Option<String>,
    );
    let rows: Vec<Row> = query.load(conn)?;
    let outcomes: Vec<Outcome> = rows
        .into_iter()
        .map(
            |(status, entry_date, qualification, funder, centre, network, due, followup)| Outcome {
                status,
                entry_date,
                qualification,
                funder,
                centre,
                network,
                followup_due: due,
                followup,
            },
        )
        .collect();
    let note = "Personnes pré-inscrites sur Passerelle et entrées en formation sur la période. \
                La situation à 6 mois est enregistrée par le prescripteur ou donnée par la \
                personne (lien envoyé par e-mail) ; « non recueillie » compte les suivis arrivés à \
                échéance sans réponse.";
    let mut tables = Vec::new();
    for (key, title, sheet, first, group) in [
        (
            "parcours-par-financeur",
            "Parcours des personnes entrées en formation, par financeur",
            "Parcours par financeur",
            "Financeur",
            0,
        ),
        (
            "parcours-par-organisme",
            "Parcours des personnes entrées en formation, par organisme",
            "Parcours par organisme",
            "Organisme de formation",
            1,
        ),
        (
            "parcours-par-reseau",
            "Parcours des personnes entrées en formation, par réseau prescripteur",
            "Parcours par réseau",
            "Réseau prescripteur",
            2,
        ),
    ] {
        let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
        let mut total = Tally::default();
        for o in &outcomes {
            if o.entry_date.is_none() {
                continue;
            }
            let label = match group {
                0 => o
                    .funder
                    .clone()
                    .unwrap_or_else(|| "Financeur non précisé".to_owned()),
                1 => o.centre.clone(),
                _ => o
                    .network
                    .clone()
                    .unwrap_or_else(|| "Autre réseau".to_owned()),
            };
            tallies.entry(label).or_default().add(o, today);
            total.add(o, today);
        }
        let mut table = Table::new(key, title, &outcome_columns(first))
            .with_note(note)
            .with_sheet(sheet);
        if group == 0 {
            table = table.with_headline_row("Total", "entrée en formation", "entrées en formation");
            table.chart = Some(1);
        }
        for (label, tally) in tallies {
            table.push(tally.row(label));
        }
        table.push(total.row("Total".to_owned()));
        tables.push(table);
    }
    Ok(tables)
}
