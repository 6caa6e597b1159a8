//! Applying one partner file: every row is checked (French reasons, line and column), the valid
//! ones are upserted by (profile, partner reference) and, in snapshot mode, the profile's offers
//! missing from the file are withdrawn. The caller runs all of it in one transaction, so a file
//! is applied entirely or not at all.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::profile::{FIELDS, ImportProfile, Mode, field};
use super::read::{Row, Table, parse_date, parse_integer};
use super::report;
use crate::db::schema::{communes, delegations, import_profiles, offers, rome_occupations};
use crate::db::{DbConnection, now};
use crate::error::AppResult;
use crate::offers::model::{ContractType, OfferStatus};
use crate::offers::store::{
    self as offer_store, ImportOrigin, ImportedChange, NewOffer, OfferContent,
};
use crate::organisations::store::{self as orgs, NewOrganisation};
use crate::types::{OrgKind, OrgStatus, Siret};

/// What one file did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub received: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub withdrawn: i32,
    pub rejected: i32,
}

/// One reason a row was not applied.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Rejection {
    pub line: i32,
    pub reference: String,
    /// Column header in the partner's file (or the field's name when it has no column).
    pub column: String,
    pub value: String,
    pub reason: String,
}

/// The outcome of applying a file: counts, rejected rows, offers whose index entry must change.
#[derive(Debug, Default)]
pub struct Applied {
    pub counts: Counts,
    pub rejections: Vec<Rejection>,
    pub changed: Vec<String>,
    /// Companies this file proposed to the chambers (unknown SIRETs, pending).
    pub proposed: Vec<String>,
}

/// A file that cannot be applied at all (its columns do not match the profile).
#[derive(Debug)]
pub struct Mismatch(pub String);

/// Where each field comes from: a column of the file, or the profile's default value.
struct Columns {
    index: HashMap<&'static str, (usize, String)>,
    defaults: HashMap<String, String>,
}

impl Columns {
    fn resolve(profile: &ImportProfile, table: &Table) -> Result<Self, Mismatch> {
        let mapping = profile.mapping();
        let defaults = profile.default_values();
        let mut index = HashMap::new();
        let mut missing = Vec::new();
        for f in FIELDS {
            let Some(header) = mapping.get(f.key).filter(|h| !h.trim().is_empty()) else {
                continue;
            };
            match table.column(header) {
                Some(i) => {
                    index.insert(f.key, (i, header.clone()));
                }
                None if f.required && !defaults.contains_key(f.key) => {
                    missing.push(format!("{} ({})", report::quote(header), f.label));
                }
                None => {}
            }
        }
        if !missing.is_empty() {
            return Err(Mismatch(format!(
                "Colonnes attendues absentes du fichier : {}. Colonnes trouvées : {}. Vérifiez \
                 l’export de votre logiciel ou la correspondance des colonnes du profil {}.",
                report::list(&missing, String::clone, "autre colonne", "autres colonnes"),
                report::list(
                    &table.headers,
                    |h| report::quote(h),
                    "autre colonne",
                    "autres colonnes"
                ),
                report::quote(&profile.identifier)
            )));
        }
        Ok(Self {
            index,
            defaults: defaults.into_iter().collect(),
        })
    }

    /// The value of a field in a row (the default when the cell is empty), and where it came
    /// from, for the report.
    fn get<'r>(&'r self, row: &'r Row, key: &'static str) -> (&'r str, String) {
        (self.value(row, key), self.column(key))
    }

    /// The value of a field in a row (the default when the cell is empty).
    fn value<'r>(&'r self, row: &'r Row, key: &'static str) -> &'r str {
        let default = || self.defaults.get(key).map_or("", String::as_str);
        match self.index.get(key) {
            Some((i, _)) => {
                let value = row.get(*i);
                if value.is_empty() { default() } else { value }
            }
            None => default(),
        }
    }

    /// Where the value of a field comes from, for the report: its column in the file, or the
    /// field's name when it has none (the profile's default value).
    fn column(&self, key: &'static str) -> String {
        match self.index.get(key) {
            Some((_, header)) => header.clone(),
            None => field(key).map_or(key, |f| f.label).to_owned(),
        }
    }
}

/// Reference data looked up once per file.
struct Lookups {
    rome: HashSet<String>,
    /// INSEE code → department.
    communes: HashMap<String, String>,
    /// What a typed commune (name, postal code) resolved to, or why not.
    typed_communes: HashMap<String, Result<(String, String), String>>,
    /// SIRET → company (or why it cannot be used), for the employers met so far.
    companies: HashMap<String, UsableCompany>,
    /// The valid SIRETs of the file, read at once (a query per employer cost seconds on large
    /// files): the organisation that already has it, if any.
    existing: HashMap<String, Option<orgs::Organisation>>,
    /// Companies that delegate their offers to the partner.
    delegated: HashSet<String>,
    /// Companies the partner's imports proposed and nobody claimed yet.
    proposed: HashSet<String>,
    /// Companies this file proposed.
    newly_proposed: Vec<String>,
}

impl Lookups {
    fn load(
        conn: &mut DbConnection,
        partner_id: &str,
        columns: &Columns,
        table: &Table,
    ) -> AppResult<Self> {
        // Retired codes are left out: no offer takes one any more.
        let rome = rome_occupations::table
            .filter(rome_occupations::retired_at.is_null())
            .select(rome_occupations::code)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        let communes = communes::table
            .filter(communes::retired_at.is_null())
            .select((communes::insee_code, communes::department))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        // The valid SIRETs of the file (read as `check_row` reads them).
        let sirets: HashSet<String> = table
            .rows
            .iter()
            .filter_map(|row| Siret::parse(columns.value(row, "siret").trim()).ok())
            .map(|siret| siret.as_str().to_owned())
            .collect();
        let sirets: Vec<String> = sirets.into_iter().collect();
        let mut existing: HashMap<String, Option<orgs::Organisation>> = HashMap::new();
        for chunk in sirets.chunks(500) {
            existing.extend(chunk.iter().map(|siret| (siret.clone(), None)));
            for org in orgs::find_by_sirets(conn, chunk)? {
                if let Some(siret) = org.siret.clone() {
                    existing.insert(siret, Some(org));
                }
            }
        }
        let delegated = delegations::table
            .filter(delegations::training_centre_id.eq(partner_id))
            .select(delegations::company_id)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        let proposed = orgs::proposed_by(conn, partner_id)?.into_iter().collect();
        Ok(Self {
            rome,
            communes,
            typed_communes: HashMap::new(),
            companies: HashMap::new(),
            existing,
            delegated,
            proposed,
            newly_proposed: Vec::new(),
        })
    }

    fn commune(
        &mut self,
        conn: &mut DbConnection,
        typed: &str,
    ) -> AppResult<Result<(String, String), String>> {
        if let Some(department) = self.communes.get(typed) {
            return Ok(Ok((typed.to_owned(), department.clone())));
        }
        if let Some(known) = self.typed_communes.get(typed) {
            return Ok(known.clone());
        }
        let found = match crate::referential::store::resolve_commune(conn, typed)? {
            Ok(c) if c.retired_at.is_some() => Err(c.refusal().unwrap_or_default()),
            Ok(c) => Ok((c.insee_code, c.department)),
            Err(choices) if choices.is_empty() => Err(
                "Commune introuvable : indiquez le code INSEE, le code postal ou le nom exact."
                    .to_owned(),
            ),
            Err(_) => Err(
                "Plusieurs communes correspondent : indiquez le code INSEE ou « Nom (code postal) »."
                    .to_owned(),
            ),
        };
        self.typed_communes.insert(typed.to_owned(), found.clone());
        Ok(found)
    }
}

/// A row turned into an offer's content.
struct Content {
    title: String,
    description: String,
    rome_code: String,
    contract_type: ContractType,
    level: i32,
    training: Option<String>,
    start_date: NaiveDate,
    duration_months: i32,
    commune_insee: String,
    department: String,
    positions: i32,
    share_with_france_travail: bool,
    siret: Siret,
    company_name: String,
}

impl Content {
    /// What the row says of the offer, as the offers store writes it.
    fn offer(&self) -> OfferContent<'_> {
        OfferContent {
            title: &self.title,
            description: &self.description,
            rome_code: &self.rome_code,
            contract_type: self.contract_type.as_str(),
            level: self.level,
            training: self.training.as_deref(),
            start_date: self.start_date,
            duration_months: self.duration_months,
            commune_insee: &self.commune_insee,
            department: &self.department,
            positions: self.positions,
            share_with_france_travail: self.share_with_france_travail,
        }
    }

    /// A digest of everything the file says about the offer: equal digests, nothing to do.
    fn digest(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.title.as_str(),
            &self.description,
            &self.rome_code,
            self.contract_type.as_str(),
            &self.level.to_string(),
            self.training.as_deref().unwrap_or(""),
            &self.start_date.to_string(),
            &self.duration_months.to_string(),
            &self.commune_insee,
            &self.positions.to_string(),
            if self.share_with_france_travail {
                "1"
            } else {
                "0"
            },
            self.siret.as_str(),
            &self.company_name,
        ] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        hex::encode(h.finalize())
    }
}

/// Contract types as partner software writes them.
fn contract_type(value: &str) -> Option<ContractType> {
    let folded = crate::types::fold(value);
    let folded = folded.trim();
    if folded.is_empty() {
        return None;
    }
    if [
        "apprentissage",
        "app",
        "apprenti",
        "contrat d apprentissage",
        "contrat d'apprentissage",
        "ca",
    ]
    .contains(&folded)
        || folded.contains("apprenti")
    {
        return Some(ContractType::Apprenticeship);
    }
    if [
        "professionnalisation",
        "pro",
        "cp",
        "contrat de professionnalisation",
    ]
    .contains(&folded)
        || folded.contains("professionnalisation")
    {
        return Some(ContractType::Professionalisation);
    }
    None
}

/// Diploma levels: the national scale 3…8, the former scale V…I and common diploma names.
fn level(value: &str) -> Option<i32> {
    let folded = crate::types::fold(value);
    let folded = folded.trim().trim_start_matches("niveau").trim();
    if let Ok(n) = folded.parse::<i32>() {
        return (3..=8).contains(&n).then_some(n);
    }
    Some(match folded {
        "v" | "cap" | "bep" | "cap/bep" => 3,
        "iv" | "bac" | "bac pro" | "bp" | "brevet professionnel" => 4,
        "iii" | "bts" | "dut" | "bac+2" | "bac + 2" => 5,
        "ii" | "licence" | "licence pro" | "but" | "bac+3" | "bac + 3" => 6,
        "i" | "master" | "ingenieur" | "bac+5" | "bac + 5" => 7,
        "doctorat" => 8,
        _ => return None,
    })
}

fn yes_no(value: &str) -> Option<bool> {
    match crate::types::fold(value).trim() {
        "" => None,
        "oui" | "o" | "1" | "x" | "true" | "vrai" | "yes" | "y" => Some(true),
        "non" | "n" | "0" | "false" | "faux" | "no" => Some(false),
        _ => None,
    }
}

/// Checks one row; every problem of the row is reported.
fn check_row(
    conn: &mut DbConnection,
    columns: &Columns,
    lookups: &mut Lookups,
    row: &Row,
    reference: &str,
    today: NaiveDate,
) -> AppResult<Result<Content, Vec<Rejection>>> {
    let mut problems = Vec::new();
    let mut reject = |key: &'static str, value: &str, reason: String| {
        let column = columns.column(key);
        problems.push(Rejection {
            line: i32::try_from(row.line).unwrap_or(i32::MAX),
            reference: reference.to_owned(),
            column: report::cut(&column, report::MAX_QUOTED_CHARS).into_owned(),
            value: report::cut(value, report::MAX_CELL_CHARS).into_owned(),
            reason,
        });
    };
    let text = |key: &'static str| columns.value(row, key).trim().to_owned();

    let title = text("title");
    if title.is_empty() {
        reject("title", &title, "Intitulé manquant.".to_owned());
    } else if title.chars().count() > 150 {
        reject(
            "title",
            &title,
            "L’intitulé dépasse 150 caractères.".to_owned(),
        );
    }
    let description = text("description");
    if description.chars().count() < 30 {
        reject(
            "description",
            &description,
            "Description trop courte : 30 caractères au moins (missions, horaires, qualités attendues).".to_owned(),
        );
    } else if description.chars().count() > 5000 {
        reject(
            "description",
            "",
            "La description dépasse 5 000 caractères.".to_owned(),
        );
    }
    let typed_rome = text("rome_code");
    let rome_code = typed_rome
        .split([' ', '-', '–'])
        .next()
        .unwrap_or("")
        .to_uppercase();
    if !lookups.rome.contains(&rome_code) {
        reject(
            "rome_code",
            &typed_rome,
            if typed_rome.is_empty() {
                "Code ROME manquant.".to_owned()
            } else {
                "Code ROME inconnu ou retiré du référentiel ROME 4.0 (exemple : D1102).".to_owned()
            },
        );
    }
    let typed_contract = text("contract_type");
    let contract = contract_type(&typed_contract);
    if contract.is_none() {
        reject(
            "contract_type",
            &typed_contract,
            "Type de contrat inconnu : apprentissage ou professionnalisation.".to_owned(),
        );
    }
    let typed_level = text("level");
    let level = level(&typed_level);
    if level.is_none() {
        reject(
            "level",
            &typed_level,
            "Niveau de diplôme inconnu : de 3 (CAP) à 8 (doctorat).".to_owned(),
        );
    }
    let typed_commune = text("commune");
    let commune = if typed_commune.is_empty() {
        reject(
            "commune",
            "",
            "Commune du lieu de travail manquante.".to_owned(),
        );
        None
    } else {
        match lookups.commune(conn, &typed_commune)? {
            Ok(c) => Some(c),
            Err(reason) => {
                reject("commune", &typed_commune, reason);
                None
            }
        }
    };
    let typed_start = text("start_date");
    let start_date = match parse_date(&typed_start) {
        None => {
            // A day that does not exist (31/02/2027) is said so.
            let problem = crate::web::parse_date_fr(&typed_start)
                .err()
                .unwrap_or(crate::web::DateError::Format);
            reject(
                "start_date",
                &typed_start,
                problem.message("Date de début illisible : JJ/MM/AAAA ou AAAA-MM-JJ."),
            );
            None
        }
        Some(d) if d < today - Duration::days(31) => {
            reject(
                "start_date",
                &typed_start,
                "Date de début passée depuis plus d’un mois.".to_owned(),
            );
            None
        }
        Some(d) => Some(d),
    };
    let typed_duration = text("duration_months");
    let duration = parse_integer(&typed_duration).filter(|d| (1..=48).contains(d));
    if duration.is_none() {
        reject(
            "duration_months",
            &typed_duration,
            "Durée du contrat en mois, de 1 à 48.".to_owned(),
        );
    }
    let typed_positions = text("positions");
    let positions = parse_integer(&typed_positions).filter(|p| (1..=99).contains(p));
    if positions.is_none() {
        reject(
            "positions",
            &typed_positions,
            "Nombre de postes de 1 à 99.".to_owned(),
        );
    }
    let typed_siret = text("siret");
    let siret = match Siret::parse(&typed_siret) {
        Ok(s) => Some(s),
        Err(_) if typed_siret.is_empty() => {
            reject("siret", "", "SIRET de l’entreprise manquant.".to_owned());
            None
        }
        Err(_) => {
            reject(
                "siret",
                &typed_siret,
                "SIRET invalide : 14 chiffres dont la clé de contrôle est juste.".to_owned(),
            );
            None
        }
    };
    let company_name = text("company_name");
    let typed_ft = text("france_travail");
    let share = if typed_ft.is_empty() {
        false
    } else {
        match yes_no(&typed_ft) {
            Some(b) => b,
            None => {
                reject(
                    "france_travail",
                    &typed_ft,
                    "Diffusion à France Travail : oui ou non.".to_owned(),
                );
                false
            }
        }
    };
    let training = Some(text("training")).filter(|t| !t.is_empty());
    match (
        rome_code, contract, level, commune, start_date, duration, positions, siret,
    ) {
        (
            rome_code,
            Some(contract_type),
            Some(level),
            Some((commune_insee, department)),
            Some(start_date),
            Some(duration),
            Some(positions),
            Some(siret),
        ) if problems.is_empty() => Ok(Ok(Content {
            title,
            description,
            rome_code,
            contract_type,
            level,
            training,
            start_date,
            duration_months: i32::try_from(duration).unwrap_or(1),
            commune_insee,
            department,
            positions: i32::try_from(positions).unwrap_or(1),
            share_with_france_travail: share,
            siret,
            company_name,
        })),
        _ => Ok(Err(problems)),
    }
}

/// Why a row naming a company the importer may not act for is refused.
const NO_DELEGATION: &str = "Entreprise sans délégation à votre organisme : elle doit vous \
     déléguer la gestion de ses offres depuis sa fiche sur Passerelle (ou la chambre consulaire \
     l’enregistrer) avant que vous publiiez pour elle.";

/// Why a row naming a SIRET unknown to Passerelle is refused when the profile does not
/// propose companies.
const UNKNOWN_COMPANY: &str = "Entreprise sans délégation à votre organisme : ce SIRET est \
     inconnu de Passerelle. L’entreprise doit s’inscrire et vous déléguer ses offres, ou le \
     profil d’import doit proposer les entreprises inconnues à la validation de la chambre.";

/// A company a row may name: its id, and whether it still waits for the chamber (its offers
/// are then never published).
type UsableCompany = Result<(String, bool), String>;

/// An existing organisation as the company of a row: a company, which is the importer
/// itself, delegates to it, or was proposed by it and is not claimed yet.
fn usable_company(org: orgs::Organisation, lookups: &Lookups, partner_id: &str) -> UsableCompany {
    if org.kind() != OrgKind::Company {
        return Err("Ce SIRET est celui d’un organisme qui n’est pas une entreprise.".to_owned());
    }
    if org.id == partner_id
        || lookups.delegated.contains(&org.id)
        || lookups.proposed.contains(&org.id)
    {
        let pending = org.status != OrgStatus::Active.as_str();
        Ok((org.id, pending))
    } else {
        Err(NO_DELEGATION.to_owned())
    }
}

/// The company of a row: known by its SIRET and one the importer may act for, or, when the
/// profile allows it, proposed to the chamber as a pending company. The import never adds a
/// delegation: only the company (or the chamber covering it) grants one.
fn company(
    conn: &mut DbConnection,
    lookups: &mut Lookups,
    profile: &ImportProfile,
    content: &Content,
) -> AppResult<UsableCompany> {
    let siret = content.siret.as_str().to_owned();
    if let Some(known) = lookups.companies.get(&siret) {
        return Ok(known.clone());
    }
    let existing = match lookups.existing.remove(&siret) {
        Some(read_before) => read_before,
        None => orgs::find_by_siret(conn, &siret)?,
    };
    let found = match existing {
        Some(org) => usable_company(org, lookups, &profile.organisation_id),
        None if !profile.allow_pending_companies => Err(UNKNOWN_COMPANY.to_owned()),
        None if content.company_name.is_empty() => Err(
            "Entreprise inconnue de Passerelle : indiquez sa raison sociale pour la proposer à \
             la chambre consulaire."
                .to_owned(),
        ),
        None => {
            let id = orgs::create(
                conn,
                NewOrganisation {
                    kind: OrgKind::Company,
                    name: &content.company_name,
                    network: None,
                    siret: Some(&content.siret),
                    commune_insee: Some(&content.commune_insee),
                    status: OrgStatus::Pending,
                    departments: std::slice::from_ref(&content.department),
                },
            )?;
            orgs::set_proposed_by(conn, &id, &profile.organisation_id)?;
            lookups.proposed.insert(id.clone());
            lookups.newly_proposed.push(id.clone());
            Ok((id, true))
        }
    };
    lookups.companies.insert(siret, found.clone());
    Ok(found)
}

/// An offer this profile imported before.
struct Known {
    id: String,
    company_id: String,
    digest: Option<String>,
    status: OfferStatus,
}

/// An imported offer as read: id, company, partner reference, digest, status.
type KnownRow = (String, String, Option<String>, Option<String>, String);

fn known_offers(conn: &mut DbConnection, profile_id: &str) -> AppResult<HashMap<String, Known>> {
    let rows: Vec<KnownRow> = offers::table
        .filter(offers::import_profile_id.eq(profile_id))
        .select((
            offers::id,
            offers::company_id,
            offers::partner_reference,
            offers::import_digest,
            offers::status,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, company_id, reference, digest, status)| {
            Some((
                reference?,
                Known {
                    id,
                    company_id,
                    digest,
                    status: OfferStatus::parse(&status).unwrap_or(OfferStatus::Draft),
                },
            ))
        })
        .collect())
}

/// A new offer a row asks for.
struct Create {
    company_id: String,
    content: Content,
    digest: String,
    reference: String,
    status: OfferStatus,
}

/// A new version of an offer this profile imported before.
struct Update {
    id: String,
    company_id: String,
    content: Content,
    digest: String,
    status: OfferStatus,
    /// Published by this row (and not before): dated now, as a chamber's approval would be.
    publishing: bool,
}

/// The offers the rows create or change, written a batch at a time: a statement per row cost
/// PostgreSQL a round trip each (126 s for 100,000 rows, against 10 s on SQLite).
#[derive(Default)]
struct Writes {
    creates: Vec<Create>,
    updates: Vec<Update>,
}

impl Writes {
    /// Offers held before they are written.
    const BATCH: usize = 5_000;

    fn len(&self) -> usize {
        self.creates.len() + self.updates.len()
    }

    /// Writes the offers held, adding their ids to `changed`.
    fn flush(
        &mut self,
        conn: &mut DbConnection,
        profile: &ImportProfile,
        at: chrono::NaiveDateTime,
        changed: &mut Vec<String>,
    ) -> AppResult<()> {
        let news: Vec<NewOffer<'_>> = self
            .creates
            .iter()
            .map(|c| NewOffer {
                company_id: &c.company_id,
                managed_by_id: &profile.organisation_id,
                created_by: None,
                content: c.content.offer(),
                expires_on: None,
                status: c.status,
                import: Some(ImportOrigin {
                    profile_id: &profile.id,
                    reference: &c.reference,
                    digest: &c.digest,
                }),
            })
            .collect();
        changed.extend(offer_store::insert_many(conn, &news, at)?);
        drop(news);
        self.creates.clear();
        let updates: Vec<ImportedChange<'_>> = self
            .updates
            .iter()
            .map(|u| ImportedChange {
                id: &u.id,
                company_id: &u.company_id,
                content: u.content.offer(),
                digest: &u.digest,
                status: u.status,
                publishing: u.publishing,
            })
            .collect();
        offer_store::update_imported(conn, &updates, at)?;
        drop(updates);
        changed.extend(self.updates.drain(..).map(|u| u.id));
        Ok(())
    }
}

/// Applies a file's rows for a profile. `progress` receives the number of rows done (every
/// 100 rows); an error it returns stops the import, and the caller's transaction rolls back.
pub fn apply(
    conn: &mut DbConnection,
    profile: &ImportProfile,
    table: &Table,
    today: NaiveDate,
    progress: &dyn Fn(usize) -> AppResult<()>,
) -> AppResult<Result<Applied, Mismatch>> {
    let columns = match Columns::resolve(profile, table) {
        Ok(c) => c,
        Err(m) => return Ok(Err(m)),
    };
    let mut lookups = Lookups::load(conn, &profile.organisation_id, &columns, table)?;
    let mut known = known_offers(conn, &profile.id)?;
    let mut applied = Applied::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut writes = Writes::default();
    let at = now();
    for (done, row) in table.rows.iter().enumerate() {
        if done % 100 == 0 {
            progress(done)?;
        }
        applied.counts.received += 1;
        let reference = columns.value(row, "reference").trim().to_owned();
        let line = i32::try_from(row.line).unwrap_or(i32::MAX);
        let reject_row = |applied: &mut Applied, column: String, value: &str, reason: String| {
            applied.rejections.push(Rejection {
                line,
                reference: report::cut(&reference, report::MAX_QUOTED_CHARS).into_owned(),
                column: report::cut(&column, report::MAX_QUOTED_CHARS).into_owned(),
                value: report::cut(value, report::MAX_CELL_CHARS).into_owned(),
                reason,
            });
        };
        if reference.is_empty() || reference.chars().count() > 100 {
            reject_row(
                &mut applied,
                columns.column("reference"),
                &reference,
                "Référence de l’offre manquante ou trop longue (100 caractères au plus) : c’est \
                 elle qui relie la ligne à l’offre publiée."
                    .to_owned(),
            );
            applied.counts.rejected += 1;
            continue;
        }
        if let Some(first) = seen.insert(reference.clone(), row.line) {
            reject_row(
                &mut applied,
                columns.column("reference"),
                &reference,
                format!("Référence déjà présente ligne {first} du fichier : la ligne est ignorée."),
            );
            seen.insert(reference.clone(), first);
            applied.counts.rejected += 1;
            continue;
        }
        let content = match check_row(conn, &columns, &mut lookups, row, &reference, today)? {
            Ok(content) => content,
            Err(problems) => {
                applied.rejections.extend(problems);
                applied.counts.rejected += 1;
                continue;
            }
        };
        let (company_id, company_pending) = match company(conn, &mut lookups, profile, &content)? {
            Ok(found) => found,
            Err(reason) => {
                let (value, column) = columns.get(row, "siret");
                let value = value.to_owned();
                reject_row(&mut applied, column, &value, reason);
                applied.counts.rejected += 1;
                continue;
            }
        };
        let digest = content.digest();
        // A pending company's offers wait for the chamber, whatever the profile's trust.
        let trusted = profile.trusted && !company_pending;
        let reopened = if trusted {
            OfferStatus::Published
        } else {
            OfferStatus::Pending
        };
        match known.remove(&reference) {
            None => {
                writes.creates.push(Create {
                    company_id,
                    content,
                    digest,
                    reference,
                    status: reopened,
                });
                applied.counts.created += 1;
            }
            Some(offer) => {
                let changed = offer.digest.as_deref() != Some(digest.as_str());
                // A withdrawn offer listed again is back; filled and expired ones stay so.
                let status = match offer.status {
                    OfferStatus::Withdrawn => reopened,
                    OfferStatus::Published if changed && !trusted => OfferStatus::Pending,
                    OfferStatus::Pending if trusted => OfferStatus::Published,
                    other => other,
                };
                if !changed && status == offer.status {
                    applied.counts.unchanged += 1;
                    continue;
                }
                writes.updates.push(Update {
                    publishing: status == OfferStatus::Published && offer.status != status,
                    id: offer.id,
                    company_id,
                    content,
                    digest,
                    status,
                });
                applied.counts.updated += 1;
            }
        }
        if writes.len() >= Writes::BATCH {
            writes.flush(conn, profile, at, &mut applied.changed)?;
        }
    }
    writes.flush(conn, profile, at, &mut applied.changed)?;
    if profile.mode() == Mode::Snapshot {
        // Offers of this profile that the file no longer lists (rejected rows still count as
        // listed: their offer keeps its last good version).
        let gone: Vec<String> = known
            .into_iter()
            .filter(|(reference, k)| {
                // A company that revoked its delegation is no longer the importer's to manage.
                let managed = k.company_id == profile.organisation_id
                    || lookups.delegated.contains(&k.company_id)
                    || lookups.proposed.contains(&k.company_id);
                managed
                    && !seen.contains_key(reference)
                    && matches!(
                        k.status,
                        OfferStatus::Draft | OfferStatus::Pending | OfferStatus::Published
                    )
            })
            .map(|(_, k)| k.id)
            .collect();
        offer_store::withdraw_many(conn, &gone, at)?;
        applied.counts.withdrawn = i32::try_from(gone.len()).unwrap_or(i32::MAX);
        applied.changed.extend(gone);
    }
    progress(table.rows.len())?;
    diesel::update(import_profiles::table.find(&profile.id))
        .set(import_profiles::updated_at.eq(at))
        .execute(conn)?;
    applied.proposed = std::mem::take(&mut lookups.newly_proposed);
    Ok(Ok(applied))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_types_and_levels_as_partners_write_them() {
        for (typed, want) in [
            ("apprentissage", Some(ContractType::Apprenticeship)),
            (
                "Contrat d’apprentissage",
                Some(ContractType::Apprenticeship),
            ),
            ("APP", Some(ContractType::Apprenticeship)),
            (
                "Professionnalisation",
                Some(ContractType::Professionalisation),
            ),
            ("PRO", Some(ContractType::Professionalisation)),
            ("CDI", None),
        ] {
            assert_eq!(contract_type(typed), want, "{typed}");
        }
        for (typed, want) in [
            ("3", Some(3)),
            ("Niveau 5", Some(5)),
            ("V", Some(3)),
            ("IV", Some(4)),
            ("BTS", Some(5)),
            ("Licence", Some(6)),
            ("9", None),
            ("", None),
        ] {
            assert_eq!(level(typed), want, "{typed}");
        }
        assert_eq!(yes_no("Oui"), Some(true));
        assert_eq!(yes_no("N"), Some(false));
        assert_eq!(yes_no("peut-être"), None);
    }
}
