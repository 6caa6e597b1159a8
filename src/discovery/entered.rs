//! Actions entered on a company's behalf by a chamber's advisers or a professional branch,
//! one by one or by a CSV import: the company's staff are mailed, the action is published at
//! once and its requests go to the company; the entering organisation may withdraw it until
//! the company takes it over, after which only the company manages it.
//!
//! The import reads the file with the offers' reader (`imports::read`: encodings, delimiters,
//! headers matched without accents or case) and reports like offer imports: rows received,
//! created, unchanged, refused with their line and a French reason; a refused row never
//! stops the others. A row's key is the digest of its cells: the same file sent twice adds
//! nothing (the second report says « inchangée »); a changed row is a new action.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::service::{ActionInput, ActionKind, Entry, insert_action};
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, OrgRef, allows, authorize};
use crate::auth::store::staff_emails;
use crate::db::{DbConnection, now, schema::*};
use crate::error::{AppError, AppResult};
use crate::types::{OrgKind, Role};

/// A company as the person entering an action finds it, by its SIRET.
fn company_by_siret(conn: &mut DbConnection, siret: &str) -> AppResult<Option<(OrgRef, String)>> {
    let digits: String = siret.chars().filter(|c| !c.is_whitespace()).collect();
    let found: Option<(String, String)> = organisations::table
        .filter(organisations::siret.eq(&digits))
        .filter(organisations::kind.eq(OrgKind::Company.as_str()))
        .select((organisations::id, organisations::name))
        .first(conn)
        .optional()?;
    let Some((id, name)) = found else {
        return Ok(None);
    };
    let departments: Vec<String> = organisation_departments::table
        .filter(organisation_departments::organisation_id.eq(&id))
        .select(organisation_departments::department_code)
        .load(conn)?;
    Ok(Some((
        OrgRef {
            id,
            kind: OrgKind::Company,
            departments,
        },
        name,
    )))
}

/// An action for a company found by its SIRET, checked for the person entering it.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct EnteredInput {
    /// The company's SIRET (14 digits).
    #[serde(default)]
    pub siret: String,
    #[serde(flatten)]
    pub action: ActionInput,
}

/// The company of a SIRET when the person may enter actions for it; a French reason if not.
fn company_for(
    conn: &mut DbConnection,
    user: &CurrentUser,
    siret: &str,
) -> AppResult<Result<(OrgRef, String), String>> {
    if siret.trim().is_empty() {
        return Ok(Err("Indiquez le SIRET de l’entreprise.".to_owned()));
    }
    match company_by_siret(conn, siret)? {
        None => Ok(Err(format!(
            "Aucune entreprise inscrite sur Passerelle n’a le SIRET « {} ».",
            siret.trim()
        ))),
        Some((company, name)) if !allows(user, &Action::EnterDiscoveryActionFor(&company)) => {
            Ok(Err(format!(
                "Vous ne pouvez pas saisir d’action pour {name} : l’entreprise n’est pas dans vos départements."
            )))
        }
        Some(found) => Ok(Ok(found)),
    }
}

fn tell_company(
    conn: &mut DbConnection,
    user: &CurrentUser,
    company_id: &str,
    action_id: &str,
    title: &str,
    base_url: &str,
) -> AppResult<()> {
    let by: String = organisations::table
        .find(user.organisation_id.as_deref().unwrap_or_default())
        .select(organisations::name)
        .first(conn)?;
    for to in staff_emails(conn, company_id, &[Role::Recruiter])? {
        let mail = super::mails::EnteredForYou {
            by: &by,
            action_title: title,
            action_id,
            base_url,
        };
        crate::mail::enqueue(conn, &to, &mail)?;
    }
    Ok(())
}

/// Enters one action for a company; its recruiters are mailed.
pub fn enter(
    conn: &mut DbConnection,
    user: &CurrentUser,
    input: &EnteredInput,
    base_url: &str,
) -> AppResult<Result<String, Vec<String>>> {
    may_enter(user)?;
    let own = user
        .organisation_id
        .clone()
        .ok_or_else(AppError::forbidden)?;
    let company = match company_for(conn, user, &input.siret)? {
        Ok((company, _)) => company,
        Err(e) => return Ok(Err(vec![e])),
    };
    let entry = Entry {
        entered_by: Some((&own, &user.id)),
        import_key: None,
    };
    let id = match insert_action(conn, &company.id, &input.action, &entry)? {
        Ok(id) => id,
        Err(e) => return Ok(Err(e)),
    };
    crate::auth::audit::record(
        conn,
        crate::auth::audit::Event::by(user, "discovery.action_entered_for_company")
            .on("discovery_action", &id),
    )?;
    tell_company(
        conn,
        user,
        &company.id,
        &id,
        input.action.title.trim(),
        base_url,
    )?;
    Ok(Ok(id))
}

/// Whether the person may enter actions for some company at all (the policy decides for
/// each company).
fn may_enter(user: &CurrentUser) -> AppResult<()> {
    let any = OrgRef {
        id: String::new(),
        kind: OrgKind::Company,
        departments: user.departments.clone(),
    };
    authorize(user, &Action::EnterDiscoveryActionFor(&any))
}

/// Whether the person may enter actions for companies (for links and pages).
pub fn may_enter_any(user: &CurrentUser) -> bool {
    may_enter(user).is_ok()
}

/// The company takes over an action entered for it: the chamber or branch can no longer
/// withdraw it. Answers its title.
pub fn take_over(conn: &mut DbConnection, user: &CurrentUser, id: &str) -> AppResult<String> {
    let found: Option<(String, String, Option<String>)> = discovery_actions::table
        .find(id)
        .filter(discovery_actions::active.eq(true))
        .select((
            discovery_actions::organisation_id,
            discovery_actions::title,
            discovery_actions::entered_by_org,
        ))
        .first(conn)
        .optional()?;
    let (org, title, entered_by) = found.ok_or_else(AppError::not_found)?;
    if !allows(
        user,
        &Action::ManageDiscoveryAction {
            organisation_id: &org,
        },
    ) {
        return Err(AppError::not_found());
    }
    if entered_by.is_none() {
        return Err(AppError::conflict(
            "Cette action est déjà gérée par votre entreprise seule.",
        ));
    }
    diesel::update(discovery_actions::table.find(id))
        .set((
            discovery_actions::entered_by_org.eq(None::<String>),
            discovery_actions::updated_at.eq(now()),
        ))
        .execute(conn)?;
    crate::auth::audit::record(
        conn,
        crate::auth::audit::Event::by(user, "discovery.action_taken_over")
            .on("discovery_action", id),
    )?;
    Ok(title)
}

/// An action one's organisation entered for a company.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct EnteredRow {
    pub id: String,
    pub title: String,
    pub company: String,
    pub kind: String,
    /// Still kept by the organisation that entered it (not taken over yet).
    pub kept: bool,
    pub active: bool,
}

impl EnteredRow {
    pub fn kind_label(&self) -> &'static str {
        ActionKind::parse(&self.kind).map_or("", ActionKind::label)
    }
}

/// The actions the caller's organisation entered for companies, newest first.
pub fn entered(conn: &mut DbConnection, user: &CurrentUser) -> AppResult<Vec<EnteredRow>> {
    may_enter(user)?;
    let own = user
        .organisation_id
        .clone()
        .ok_or_else(AppError::forbidden)?;
    let rows: Vec<(String, String, String, String, Option<String>, bool)> =
        discovery_actions::table
            .inner_join(organisations::table)
            .filter(discovery_actions::import_org.eq(&own))
            .order((discovery_actions::created_at.desc(), discovery_actions::id))
            .select((
                discovery_actions::id,
                discovery_actions::title,
                organisations::name,
                discovery_actions::kind,
                discovery_actions::entered_by_org,
                discovery_actions::active,
            ))
            .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, company, kind, kept, active)| EnteredRow {
            id,
            title,
            company,
            kind,
            kept: kept.is_some(),
            active,
        })
        .collect())
}

/// What an import did, as offer imports report it.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = DiscoveryImportReport)]
pub struct ImportReport {
    pub received: i32,
    pub created: i32,
    pub unchanged: i32,
    /// « Ligne 3 : … », one per refused row.
    pub rejected: Vec<String>,
}

impl ImportReport {
    /// One French sentence.
    pub fn summary(&self) -> String {
        use crate::web::french::plural;
        format!(
            "{} : {}, {}, {}.",
            plural(self.received, "ligne reçue", "lignes reçues"),
            plural(self.created, "action créée", "actions créées"),
            plural(
                self.unchanged,
                "inchangée (déjà importée)",
                "inchangées (déjà importées)"
            ),
            plural(
                self.rejected.len() as i32,
                "ligne refusée",
                "lignes refusées"
            ),
        )
    }
}

/// The preset: the columns of the file, as their headers read (accents and case ignored).
pub const COLUMNS: [&str; 10] = [
    "siret",
    "type",
    "titre",
    "description",
    "codes rome",
    "publics",
    "capacite",
    "commune",
    "date de debut",
    "date de fin",
];

fn kind_code(typed: &str) -> String {
    let folded = typed.trim().to_lowercase();
    ActionKind::ALL
        .iter()
        .find(|k| k.as_str() == folded || k.label().to_lowercase() == folded)
        .map_or(folded, |k| k.as_str().to_owned())
}

fn level_codes(typed: &str) -> String {
    typed
        .split([',', ';', '/'])
        .flat_map(|part| {
            let folded = part.trim().to_lowercase();
            match super::service::Level::ALL
                .iter()
                .find(|l| l.as_str() == folded || l.label().to_lowercase() == folded)
            {
                Some(l) => vec![l.as_str().to_owned()],
                None => folded.split_whitespace().map(str::to_owned).collect(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Imports a CSV file of actions for companies. `Ok(Err)` when the whole file is refused
/// (unreadable, a column missing): nothing is stored then.
pub fn import(
    conn: &mut DbConnection,
    user: &CurrentUser,
    bytes: &[u8],
    base_url: &str,
) -> AppResult<Result<ImportReport, String>> {
    may_enter(user)?;
    let own = user
        .organisation_id
        .clone()
        .ok_or_else(AppError::forbidden)?;
    let table = match crate::imports::read::read_table(bytes) {
        Ok(t) => t,
        Err(e) => return Ok(Err(e.0)),
    };
    let mut columns = Vec::new();
    let mut missing = Vec::new();
    for name in COLUMNS {
        match table.column(name) {
            Some(i) => columns.push(i),
            None => missing.push(format!("« {name} »")),
        }
    }
    if !missing.is_empty() {
        return Ok(Err(format!(
            "Colonnes manquantes : {}. La première ligne doit nommer les colonnes : {}.",
            missing.join(", "),
            COLUMNS.join(" ; ")
        )));
    }
    let mut report = ImportReport::default();
    for row in &table.rows {
        report.received += 1;
        let cell = |i: usize| row.get(columns[i]).trim().to_owned();
        let mut digest = Sha256::new();
        for i in 0..COLUMNS.len() {
            digest.update(cell(i).as_bytes());
            digest.update([0u8]);
        }
        let key = hex::encode(digest.finalize());
        let seen: i64 = discovery_actions::table
            .filter(discovery_actions::import_org.eq(&own))
            .filter(discovery_actions::import_key.eq(&key))
            .count()
            .get_result(conn)?;
        if seen > 0 {
            report.unchanged += 1;
            continue;
        }
        let company = match company_for(conn, user, &cell(0))? {
            Ok((company, _)) => company,
            Err(e) => {
                report.rejected.push(format!("Ligne {} : {e}", row.line));
                continue;
            }
        };
        let date_from = cell(8);
        let input = ActionInput {
            kind: kind_code(&cell(1)),
            title: cell(2),
            description: cell(3),
            rome_codes: cell(4),
            levels: level_codes(&cell(5)),
            capacity: cell(6),
            commune: cell(7),
            on_request: if date_from.is_empty() { "oui" } else { "" }.to_owned(),
            starts_on: date_from,
            ends_on: cell(9),
        };
        let entry = Entry {
            entered_by: Some((&own, &user.id)),
            import_key: Some(&key),
        };
        match insert_action(conn, &company.id, &input, &entry)? {
            Ok(id) => {
                report.created += 1;
                tell_company(conn, user, &company.id, &id, &input.title, base_url)?;
            }
            Err(errors) => {
                report
                    .rejected
                    .push(format!("Ligne {} : {}", row.line, errors.join(" ")))
            }
        }
    }
    let summary = report.summary();
    crate::auth::audit::record(
        conn,
        crate::auth::audit::Event::by(user, "discovery.actions_imported").detail(&summary),
    )?;
    Ok(Ok(report))
}
