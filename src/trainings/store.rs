//! Trainings, actions and sessions in the database. Each level keeps its LHÉO content as
//! JSON beside the columns searches and scoping filter on.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::lheo::Summary;
use super::model::{
    Action, Address, Contact, LheoDate, RecruitmentState, ResponsibleOrganisation, Session,
    Training,
};
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::{AppError, AppResult};
use crate::types::OrgKind;

/// What an upsert did to one training.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
    Unchanged,
}

/// Who publishes: decides which trainings it may publish and which funders it stands for.
#[derive(Clone, Debug)]
pub struct Publisher {
    pub id: String,
    pub kind: OrgKind,
    pub siret: Option<String>,
}

impl Publisher {
    pub fn load(conn: &mut DbConnection, organisation_id: &str) -> AppResult<Self> {
        let org = crate::organisations::store::get(conn, organisation_id)?;
        Ok(Self {
            kind: org.kind(),
            siret: org.siret.clone(),
            id: org.id,
        })
    }
}

/// What the catalogue needs to know to store trainings: funders by LHÉO code, centres by
/// SIRET. Loaded once per import.
pub struct Directory {
    funders_by_code: HashMap<String, String>,
    centres_by_siret: HashMap<String, Option<String>>,
}

impl Directory {
    pub fn load(conn: &mut DbConnection) -> AppResult<Self> {
        // Only codes a regional administrator approved; a code belongs to one funder.
        let funders_by_code: HashMap<String, String> = funder_codes::table
            .filter(funder_codes::status.eq("approved"))
            .select((funder_codes::code, funder_codes::organisation_id))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        Ok(Self {
            funders_by_code,
            centres_by_siret: HashMap::new(),
        })
    }

    fn centre(&mut self, conn: &mut DbConnection, siret: &str) -> AppResult<Option<String>> {
        if let Some(found) = self.centres_by_siret.get(siret) {
            return Ok(found.clone());
        }
        let found: Vec<String> = organisations::table
            .filter(organisations::siret.eq(siret))
            .filter(organisations::kind.eq(OrgKind::TrainingCentre.as_str()))
            .select(organisations::id)
            .load(conn)?;
        let found = found.into_iter().next();
        self.centres_by_siret
            .insert(siret.to_owned(), found.clone());
        Ok(found)
    }

    /// The funder organisation an LHÉO funder code was approved for (`funder_codes`).
    pub fn funder(&self, code: &str) -> Option<String> {
        self.funders_by_code.get(code.trim()).cloned()
    }
}

/// Why a publisher may not publish this training (French), if it may not.
pub fn may_publish(publisher: &Publisher, training: &Training) -> Option<String> {
    match publisher.kind {
        OrgKind::Funder | OrgKind::Operator => None,
        OrgKind::TrainingCentre => {
            if publisher.siret.as_deref() == Some(training.organisation.siret.as_str()) {
                None
            } else {
                Some(format!(
                    "le SIRET de l’organisme responsable ({}) n’est pas celui de votre organisme : un organisme de formation publie ses propres formations",
                    training.organisation.siret
                ))
            }
        }
        _ => Some(
            "seuls les financeurs et les organismes de formation publient des formations".into(),
        ),
    }
}

fn digest(training: &Training) -> String {
    let json = serde_json::to_vec(training).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

/// The French-analysed words of a training, as stored for word search (` a b c `).
pub fn search_terms(training: &Training) -> String {
    let mut analyzer = crate::search::analyzer::french_analyzer();
    let text = format!(
        "{}\n{}\n{}\n{}",
        training.title, training.objectives, training.expected_results, training.content
    );
    let terms = crate::search::analyzer::terms(&mut analyzer, &text);
    format!(" {} ", terms.join(" "))
}

fn spaced(codes: &[String]) -> String {
    format!(" {} ", codes.join(" "))
}

/// Creates or updates a training with its actions and sessions, keyed by
/// (publisher, numero). Sessions that disappeared are deleted, or closed when people are
/// pre-registered on them (their history stays). A training known until now by its summary
/// only becomes a full one.
pub fn upsert(
    conn: &mut DbConnection,
    directory: &mut Directory,
    publisher: &Publisher,
    training: &Training,
) -> AppResult<Upserted> {
    save(
        conn,
        directory,
        publisher,
        training,
        &digest(training),
        Kind::Full,
    )
}

/// What a catalogue entry was made from.
#[derive(Clone, Copy)]
enum Kind<'a> {
    /// A full LHÉO record (`formation`).
    Full,
    /// An `lheo-index` summary (`resume-offre`), with the address of the full record.
    Summary { href: Option<&'a str> },
}

fn save(
    conn: &mut DbConnection,
    directory: &mut Directory,
    publisher: &Publisher,
    training: &Training,
    digest: &str,
    kind: Kind<'_>,
) -> AppResult<Upserted> {
    let existing: Vec<(String, String)> = trainings::table
        .filter(trainings::publisher_id.eq(&publisher.id))
        .filter(trainings::numero.eq(&training.numero))
        .select((trainings::id, trainings::digest))
        .load(conn)?;
    if let Some((_, old)) = existing.first()
        && old == digest
    {
        return Ok(Upserted::Unchanged);
    }
    let (is_summary, summary_href) = match kind {
        Kind::Full => (false, None),
        Kind::Summary { href } => (true, href),
    };
    let centre_id = directory.centre(conn, &training.organisation.siret)?;
    let mut head = training.clone();
    head.actions.clear();
    let data = serde_json::to_string(&head).map_err(AppError::internal)?;
    let at = now();
    let (training_id, outcome) = match existing.first() {
        Some((id, _)) => {
            diesel::update(trainings::table.find(id))
                .set((
                    (
                        trainings::centre_id.eq(&centre_id),
                        trainings::centre_siret.eq(&training.organisation.siret),
                        trainings::title.eq(&training.title),
                        trainings::rome_codes.eq(spaced(&training.rome_codes)),
                        trainings::search_terms.eq(search_terms(training)),
                        trainings::certifying.eq(training.certifying),
                        trainings::entry_level.eq(training.entry_level),
                        trainings::data.eq(&data),
                        trainings::digest.eq(digest),
                        trainings::updated_at.eq(at),
                    ),
                    trainings::is_summary.eq(is_summary),
                    trainings::summary_href.eq(summary_href),
                ))
                .execute(conn)?;
            (id.clone(), Upserted::Updated)
        }
        None => {
            let id = new_id();
            diesel::insert_into(trainings::table)
                .values((
                    (
                        trainings::id.eq(&id),
                        trainings::publisher_id.eq(&publisher.id),
                        trainings::numero.eq(&training.numero),
                        trainings::centre_id.eq(&centre_id),
                        trainings::centre_siret.eq(&training.organisation.siret),
                        trainings::title.eq(&training.title),
                        trainings::rome_codes.eq(spaced(&training.rome_codes)),
                        trainings::search_terms.eq(search_terms(training)),
                        trainings::certifying.eq(training.certifying),
                        trainings::entry_level.eq(training.entry_level),
                        trainings::data.eq(&data),
                        trainings::digest.eq(digest),
                    ),
                    trainings::created_at.eq(at),
                    trainings::updated_at.eq(at),
                    trainings::is_summary.eq(is_summary),
                    trainings::summary_href.eq(summary_href),
                ))
                .execute(conn)?;
            (id, Upserted::Created)
        }
    };
    let old_actions: Vec<(String, String)> = training_actions::table
        .filter(training_actions::training_id.eq(&training_id))
        .select((training_actions::numero, training_actions::id))
        .load(conn)?;
    let mut old_actions: HashMap<String, String> = old_actions.into_iter().collect();
    for action in &training.actions {
        let action_id = old_actions.remove(&action.numero);
        save_action(conn, directory, &training_id, action_id, action)?;
    }
    for (_, action_id) in old_actions {
        retire_sessions(conn, &action_id, &[])?;
        let left: i64 = training_sessions::table
            .filter(training_sessions::action_id.eq(&action_id))
            .count()
            .get_result(conn)?;
        if left == 0 {
            diesel::delete(training_actions::table.find(&action_id)).execute(conn)?;
        }
    }
    Ok(outcome)
}

fn save_action(
    conn: &mut DbConnection,
    directory: &Directory,
    training_id: &str,
    existing: Option<String>,
    action: &Action,
) -> AppResult<()> {
    let place = action.place.as_ref();
    let commune = match place.and_then(|p| p.insee.as_deref()) {
        Some(insee) => crate::referential::store::commune(conn, insee)?,
        None => None,
    };
    let lat = place
        .and_then(|p| p.latitude)
        .or(commune.as_ref().and_then(|c| c.lat));
    let lon = place
        .and_then(|p| p.longitude)
        .or(commune.as_ref().and_then(|c| c.lon));
    let mut head = action.clone();
    head.sessions.clear();
    let data = serde_json::to_string(&head).map_err(AppError::internal)?;
    let values = (
        training_actions::commune_insee.eq(commune.as_ref().map(|c| c.insee_code.clone())),
        training_actions::department.eq(commune.as_ref().map(|c| c.department.clone())),
        training_actions::lat.eq(lat),
        training_actions::lon.eq(lon),
        training_actions::teaching_mode.eq(action.teaching_mode),
        training_actions::prescription_required.eq(action.prescription_required),
        training_actions::data.eq(&data),
    );
    let action_id = match existing {
        Some(id) => {
            diesel::update(training_actions::table.find(&id))
                .set(values)
                .execute(conn)?;
            id
        }
        None => {
            let id = new_id();
            diesel::insert_into(training_actions::table)
                .values((
                    training_actions::id.eq(&id),
                    training_actions::training_id.eq(training_id),
                    training_actions::numero.eq(&action.numero),
                    values,
                ))
                .execute(conn)?;
            id
        }
    };
    diesel::delete(
        training_action_funders::table.filter(training_action_funders::action_id.eq(&action_id)),
    )
    .execute(conn)?;
    for (position, funding) in action.funders.iter().enumerate() {
        diesel::insert_into(training_action_funders::table)
            .values((
                training_action_funders::action_id.eq(&action_id),
                training_action_funders::position.eq(position as i32),
                training_action_funders::lheo_code.eq(&funding.code),
                training_action_funders::funder_id.eq(directory.funder(&funding.code)),
                training_action_funders::places.eq(funding.places),
            ))
            .execute(conn)?;
    }
    let funded = !action.funders.is_empty();
    let old: Vec<(String, String)> = training_sessions::table
        .filter(training_sessions::action_id.eq(&action_id))
        .select((training_sessions::numero, training_sessions::id))
        .load(conn)?;
    let old: HashMap<String, String> = old.into_iter().collect();
    for session in &action.sessions {
        let data = serde_json::to_string(session).map_err(AppError::internal)?;
        let values = (
            training_sessions::start_date.eq(session.start.first_day()),
            training_sessions::end_date.eq(session.end.last_day()),
            training_sessions::recruitment.eq(session.recruitment.as_str()),
            training_sessions::places.eq(session.places),
            training_sessions::funded.eq(funded),
            training_sessions::data.eq(data),
        );
        match old.get(&session.numero) {
            Some(id) => {
                diesel::update(training_sessions::table.find(id))
                    .set(values)
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(training_sessions::table)
                    .values((
                        training_sessions::id.eq(new_id()),
                        training_sessions::action_id.eq(&action_id),
                        training_sessions::training_id.eq(training_id),
                        training_sessions::numero.eq(&session.numero),
                        values,
                    ))
                    .execute(conn)?;
            }
        }
    }
    let keep: Vec<&str> = action.sessions.iter().map(|s| s.numero.as_str()).collect();
    retire_sessions(conn, &action_id, &keep)
}

/// Sessions of an action no longer published: deleted, or closed when people are
/// pre-registered on them.
fn retire_sessions(conn: &mut DbConnection, action_id: &str, keep: &[&str]) -> AppResult<()> {
    let gone: Vec<(String, String)> = training_sessions::table
        .filter(training_sessions::action_id.eq(action_id))
        .filter(training_sessions::numero.ne_all(keep))
        .select((training_sessions::id, training_sessions::data))
        .load(conn)?;
    for (id, data) in gone {
        let used: i64 = prescriptions::table
            .filter(prescriptions::session_id.eq(&id))
            .count()
            .get_result(conn)?;
        if used == 0 {
            diesel::delete(training_sessions::table.find(&id)).execute(conn)?;
        } else {
            let mut session: Session = serde_json::from_str(&data).map_err(AppError::internal)?;
            session.recruitment = RecruitmentState::Closed;
            diesel::update(training_sessions::table.find(&id))
                .set((
                    training_sessions::recruitment.eq(RecruitmentState::Closed.as_str()),
                    training_sessions::data
                        .eq(serde_json::to_string(&session).map_err(AppError::internal)?),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A stored training, reassembled with its actions and sessions.
pub fn load(conn: &mut DbConnection, training_id: &str) -> AppResult<Training> {
    let data: Option<String> = trainings::table
        .find(training_id)
        .select(trainings::data)
        .load(conn)?
        .into_iter()
        .next();
    let data = data.ok_or_else(AppError::not_found)?;
    let mut loaded = assemble(conn, vec![(training_id.to_owned(), data)])?;
    Ok(loaded.remove(0))
}

/// Reassembles trainings (id, data) with their actions and sessions, keeping their order.
fn assemble(conn: &mut DbConnection, heads: Vec<(String, String)>) -> AppResult<Vec<Training>> {
    let ids: Vec<&String> = heads.iter().map(|(id, _)| id).collect();
    let actions: Vec<(String, String, String)> = training_actions::table
        .filter(training_actions::training_id.eq_any(&ids))
        .order((training_actions::training_id, training_actions::numero))
        .select((
            training_actions::id,
            training_actions::training_id,
            training_actions::data,
        ))
        .load(conn)?;
    let action_ids: Vec<&String> = actions.iter().map(|(id, _, _)| id).collect();
    let sessions: Vec<(String, String)> = training_sessions::table
        .filter(training_sessions::action_id.eq_any(&action_ids))
        .order((training_sessions::action_id, training_sessions::numero))
        .select((training_sessions::action_id, training_sessions::data))
        .load(conn)?;
    let mut sessions_by_action: HashMap<String, Vec<Session>> = HashMap::new();
    for (action_id, data) in sessions {
        let session: Session = serde_json::from_str(&data).map_err(AppError::internal)?;
        sessions_by_action
            .entry(action_id)
            .or_default()
            .push(session);
    }
    let mut actions_by_training: HashMap<String, Vec<Action>> = HashMap::new();
    for (id, training_id, data) in actions {
        let mut action: Action = serde_json::from_str(&data).map_err(AppError::internal)?;
        action.sessions = sessions_by_action.remove(&id).unwrap_or_default();
        actions_by_training
            .entry(training_id)
            .or_default()
            .push(action);
    }
    heads
        .into_iter()
        .map(|(id, data)| {
            let mut training: Training = serde_json::from_str(&data).map_err(AppError::internal)?;
            training.actions = actions_by_training.remove(&id).unwrap_or_default();
            Ok(training)
        })
        .collect()
}

/// The whole catalogue (or one publisher's), in a stable order, `page` trainings at a time:
/// the trainings known by a full record (see [`summary_entries`] for the others).
pub fn each_page(
    conn: &mut DbConnection,
    publisher_id: Option<&str>,
    page: i64,
    mut f: impl FnMut(Vec<Training>) -> AppResult<()>,
) -> AppResult<usize> {
    let mut after = String::new();
    let mut count = 0;
    loop {
        let mut query = trainings::table
            .filter(trainings::id.gt(&after))
            .filter(trainings::is_summary.eq(false))
            .order(trainings::id)
            .select((trainings::id, trainings::data))
            .limit(page)
            .into_boxed();
        if let Some(publisher) = publisher_id {
            query = query.filter(trainings::publisher_id.eq(publisher));
        }
        let heads: Vec<(String, String)> = query.load(conn)?;
        let Some((last, _)) = heads.last() else {
            break;
        };
        after = last.clone();
        let n = heads.len();
        count += n;
        f(assemble(conn, heads)?)?;
        if (n as i64) < page {
            break;
        }
    }
    Ok(count)
}

/// The whole catalogue as LHÉO 2.3 (see [`super::lheo::write_catalogue`]): the trainings known
/// by a full record, then those known by a summary only; with how many of each were written.
pub fn lheo_export(conn: &mut DbConnection) -> AppResult<(Vec<u8>, usize, usize)> {
    let mut all = Vec::new();
    each_page(conn, None, 500, |page| {
        all.extend(page);
        Ok(())
    })?;
    let summaries = summary_entries(conn)?;
    let listed: Vec<(&Training, Option<&str>)> = summaries
        .iter()
        .map(|e| (&e.training, e.href.as_deref()))
        .collect();
    let mut out = Vec::new();
    super::lheo::write_catalogue(&all, &listed, &mut out).map_err(AppError::internal)?;
    Ok((out, all.len(), summaries.len()))
}

/// The whole catalogue as CSV, one row per session: the trainings known by a full record,
/// then those known by a summary only, said to be so (column « fiche », the French notice,
/// the link to the full record).
pub fn csv_export(conn: &mut DbConnection) -> AppResult<Vec<u8>> {
    let mut out = crate::web::csv::CsvWriter::new([
        "numéro formation",
        "intitulé",
        "organisme",
        "SIRET",
        "lieu",
        "numéro action",
        "numéro session",
        "début",
        "fin",
        "recrutement",
        "fiche",
        "remarque",
        "fiche complète",
    ])?;
    let mut full = Vec::new();
    each_page(conn, None, 500, |page| {
        full.extend(page);
        Ok(())
    })?;
    let summaries = summary_entries(conn)?;
    let entries = full.iter().map(|t| (t, None)).chain(
        summaries
            .iter()
            .map(|e| (&e.training, Some(e.href.as_deref().unwrap_or_default()))),
    );
    for (t, summary) in entries {
        let (kind, notice, href) = match summary {
            None => ("complète", "", ""),
            Some(href) => ("résumée", super::lheo::SUMMARY_NOTICE, href),
        };
        for a in &t.actions {
            let place = a.place.as_ref().unwrap_or(&t.organisation.address);
            let place = format!("{} {}", place.postcode, place.city);
            for s in &a.sessions {
                out.row([
                    t.numero.as_str(),
                    &t.title,
                    &t.organisation.name,
                    &t.organisation.siret,
                    place.trim(),
                    &a.numero,
                    &s.numero,
                    &s.start.label(),
                    &s.end.label(),
                    s.recruitment.label(),
                    kind,
                    notice,
                    href,
                ])?;
            }
        }
    }
    out.finish()
}

/// Number of trainings and sessions in the catalogue.
pub fn counts(conn: &mut DbConnection) -> AppResult<(i64, i64)> {
    let trainings: i64 = trainings::table.count().get_result(conn)?;
    let sessions: i64 = training_sessions::table.count().get_result(conn)?;
    Ok((trainings, sessions))
}

/// One session with what pages and the pre-registration need around it.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub id: String,
    pub training_id: String,
    pub action_id: String,
    pub publisher_id: String,
    pub centre_id: Option<String>,
    pub training: Training,
    pub action: Action,
    pub session: Session,
    pub commune_insee: Option<String>,
    pub department: Option<String>,
    pub start_date: Option<NaiveDate>,
    /// Funder organisations of the action (registered ones), in LHÉO order.
    pub funder_ids: Vec<String>,
    /// The training is known by an `lheo-index` summary only (no full record yet).
    pub is_summary: bool,
    /// Where its full record can be fetched, when the summary says.
    pub summary_href: Option<String>,
}

pub fn session(conn: &mut DbConnection, session_id: &str) -> AppResult<SessionRecord> {
    let row: Option<(String, String, String, Option<NaiveDate>)> = training_sessions::table
        .find(session_id)
        .select((
            training_sessions::training_id,
            training_sessions::action_id,
            training_sessions::data,
            training_sessions::start_date,
        ))
        .load(conn)?
        .into_iter()
        .next();
    let (training_id, action_id, data, start_date) = row.ok_or_else(AppError::not_found)?;
    #[allow(clippy::type_complexity)]
    let (publisher_id, centre_id, training_data, is_summary, summary_href): (
        String,
        Option<String>,
        String,
        bool,
        Option<String>,
    ) = trainings::table
        .find(&training_id)
        .select((
            trainings::publisher_id,
            trainings::centre_id,
            trainings::data,
            trainings::is_summary,
            trainings::summary_href,
        ))
        .get_result(conn)?;
    let (action_data, commune_insee, department): (String, Option<String>, Option<String>) =
        training_actions::table
            .find(&action_id)
            .select((
                training_actions::data,
                training_actions::commune_insee,
                training_actions::department,
            ))
            .get_result(conn)?;
    let funder_ids: Vec<Option<String>> = training_action_funders::table
        .filter(training_action_funders::action_id.eq(&action_id))
        .order(training_action_funders::position)
        .select(training_action_funders::funder_id)
        .load(conn)?;
    let mut funder_ids: Vec<String> = funder_ids.into_iter().flatten().collect();
    funder_ids.dedup();
    Ok(SessionRecord {
        id: session_id.to_owned(),
        training: serde_json::from_str(&training_data).map_err(AppError::internal)?,
        action: serde_json::from_str(&action_data).map_err(AppError::internal)?,
        session: serde_json::from_str(&data).map_err(AppError::internal)?,
        training_id,
        action_id,
        publisher_id,
        centre_id,
        commune_insee,
        department,
        start_date,
        funder_ids,
        is_summary,
        summary_href,
    })
}

/// Updates what a centre or funder maintains by hand on a session: recruitment state and
/// places.
pub fn update_session_state(
    conn: &mut DbConnection,
    session_id: &str,
    recruitment: RecruitmentState,
    places: Option<i32>,
) -> AppResult<()> {
    let record = session(conn, session_id)?;
    let mut session = record.session;
    session.recruitment = recruitment;
    session.places = places;
    diesel::update(training_sessions::table.find(session_id))
        .set((
            training_sessions::recruitment.eq(recruitment.as_str()),
            training_sessions::places.eq(places),
            training_sessions::data
                .eq(serde_json::to_string(&session).map_err(AppError::internal)?),
        ))
        .execute(conn)?;
    // The training's digest no longer matches its content: the next identical import
    // restores what the publisher's file says.
    diesel::update(trainings::table.find(&record.training_id))
        .set((trainings::digest.eq(""), trainings::updated_at.eq(now())))
        .execute(conn)?;
    Ok(())
}

/// `numero` of the one action of a catalogue entry made from a summary: a `resume-offre`
/// says where the training takes place, not how its actions are divided.
pub const SUMMARY_ACTION: &str = "resume-offre";

/// Applies an `lheo-index` summary (`Err`, in French, when it cannot be).
///
/// - A training the catalogue has from a full LHÉO record keeps all it has: the summary only
///   updates the recruitment state of the sessions it lists.
/// - Otherwise the summary creates (or replaces) a catalogue entry marked as a summary: its
///   title, organisation, place, codes, and sessions with their dates and recruitment state
///   (one session with dates to be specified when it lists none, so that searches find it),
///   and the address of the full record. The full record, when it comes, completes it and
///   clears the mark ([`upsert`] on the same publisher and `numero`).
pub fn apply_summary(
    conn: &mut DbConnection,
    directory: &mut Directory,
    publisher: &Publisher,
    summary: &Summary,
) -> AppResult<Result<Upserted, String>> {
    let Some(numero) = summary.numero.as_deref().filter(|n| !n.trim().is_empty()) else {
        return Ok(Err("résumé sans identifiant (attribut numero)".into()));
    };
    let found: Vec<(String, bool)> = trainings::table
        .filter(trainings::publisher_id.eq(&publisher.id))
        .filter(trainings::numero.eq(numero))
        .select((trainings::id, trainings::is_summary))
        .load(conn)?;
    if let Some((training_id, false)) = found.into_iter().next() {
        return Ok(Ok(update_recruitment(conn, &training_id, summary)?));
    }
    let Some(title) = summary.title.clone() else {
        return Ok(Err(
            "résumé sans intitulé (intitule-formation) : la formation ne peut pas être présentée"
                .into(),
        ));
    };
    let training = summary_training(numero, title, summary);
    if let Some(reason) = may_publish(publisher, &training) {
        return Ok(Err(reason));
    }
    let href = summary.href.as_deref();
    let digest = {
        let json = serde_json::to_vec(&(&training, href)).unwrap_or_default();
        format!("resume-offre:{}", hex::encode(Sha256::digest(json)))
    };
    Ok(Ok(save(
        conn,
        directory,
        publisher,
        &training,
        &digest,
        Kind::Summary { href },
    )?))
}

/// The recruitment state of the sessions a summary lists, on a full training.
fn update_recruitment(
    conn: &mut DbConnection,
    training_id: &str,
    summary: &Summary,
) -> AppResult<Upserted> {
    let mut changed = false;
    for listed in &summary.sessions {
        let (Some(session_numero), Some(recruitment)) = (&listed.numero, listed.recruitment) else {
            continue;
        };
        let rows: Vec<(String, String)> = training_sessions::table
            .filter(training_sessions::training_id.eq(training_id))
            .filter(training_sessions::numero.eq(session_numero))
            .select((training_sessions::id, training_sessions::recruitment))
            .load(conn)?;
        for (id, current) in rows {
            if current != recruitment.as_str() {
                let places = training_sessions::table
                    .find(&id)
                    .select(training_sessions::places)
                    .get_result(conn)?;
                update_session_state(conn, &id, recruitment, places)?;
                changed = true;
            }
        }
    }
    Ok(if changed {
        Upserted::Updated
    } else {
        Upserted::Unchanged
    })
}

/// What a summary tells of a training, in the catalogue's shape: what it does not tell is
/// empty (texts), unknown (`-1` codes, dates to be specified) or absent.
fn summary_training(numero: &str, title: String, summary: &Summary) -> Training {
    let place = Address {
        name: None,
        lines: Vec::new(),
        postcode: summary.postcode.clone().unwrap_or_default(),
        city: summary.city.clone().unwrap_or_default(),
        insee: summary.insee.clone(),
        latitude: None,
        longitude: None,
    };
    let mut sessions: Vec<Session> = Vec::new();
    for (index, listed) in summary.sessions.iter().enumerate() {
        let numero = listed
            .numero
            .clone()
            .unwrap_or_else(|| format!("session-{}", index + 1));
        if sessions.iter().any(|s| s.numero == numero) {
            continue;
        }
        sessions.push(Session {
            numero,
            start: listed.start.unwrap_or(LheoDate::Unknown),
            end: listed.end.unwrap_or(LheoDate::Unknown),
            // LHÉO: no `etat-recrutement` means open.
            recruitment: listed.recruitment.unwrap_or(RecruitmentState::Open),
            registration_address: Address::default(),
            places: None,
            extras: None,
        });
    }
    if sessions.is_empty() {
        sessions.push(Session {
            numero: "session-1".into(),
            start: LheoDate::Unknown,
            end: LheoDate::Unknown,
            recruitment: RecruitmentState::Open,
            registration_address: Address::default(),
            places: None,
            extras: None,
        });
    }
    let has_place = place.insee.is_some() || !place.city.is_empty();
    let action = Action {
        numero: SUMMARY_ACTION.into(),
        rhythm: String::new(),
        public_codes: Vec::new(),
        public_info: None,
        entry_level_required: false,
        work_study: String::new(),
        teaching_mode: -1,
        specific_conditions: String::new(),
        funding_possible: false,
        place: has_place.then(|| place.clone()),
        entry_mode: -1,
        url: None,
        info_dates: Vec::new(),
        hours_total: summary.hours_total,
        hours_centre: None,
        hours_company: None,
        price_total: None,
        funders: Vec::new(),
        prescription_required: false,
        sessions,
        extras: None,
    };
    let name = summary.organisation_name.clone().unwrap_or_default();
    Training {
        numero: numero.to_owned(),
        title,
        objectives: String::new(),
        expected_results: String::new(),
        content: String::new(),
        certifying: summary.certifying.unwrap_or(false),
        rncp_codes: summary.rncp_codes.clone(),
        rs_codes: Vec::new(),
        rome_codes: summary.rome_codes.clone(),
        formacode_codes: summary.formacode_codes.clone(),
        nsf_codes: Vec::new(),
        pathway: -1,
        entry_level: summary.entry_level.unwrap_or(-1),
        exit_level: None,
        url: None,
        contact: Contact::default(),
        organisation: ResponsibleOrganisation {
            numero: None,
            activity_number: String::new(),
            siret: summary.siret.clone().unwrap_or_default(),
            legal_name: name.clone(),
            name,
            address: place,
            contact: Contact::default(),
        },
        actions: vec![action],
        extras: None,
    }
}

/// A catalogue entry known by its summary only, for exports.
#[derive(Clone, Debug)]
pub struct SummaryEntry {
    pub training: Training,
    /// Where the full record can be fetched (`resume-offre/@href`).
    pub href: Option<String>,
}

/// The catalogue entries known by their summary only, in a stable order.
pub fn summary_entries(conn: &mut DbConnection) -> AppResult<Vec<SummaryEntry>> {
    let rows: Vec<(String, String, Option<String>)> = trainings::table
        .filter(trainings::is_summary.eq(true))
        .order(trainings::id)
        .select((trainings::id, trainings::data, trainings::summary_href))
        .load(conn)?;
    let mut hrefs = Vec::with_capacity(rows.len());
    let mut heads = Vec::with_capacity(rows.len());
    for (id, data, href) in rows {
        heads.push((id, data));
        hrefs.push(href);
    }
    Ok(assemble(conn, heads)?
        .into_iter()
        .zip(hrefs)
        .map(|(training, href)| SummaryEntry { training, href })
        .collect())
}
