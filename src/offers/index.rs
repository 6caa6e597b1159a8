//! Keeps the offer search index in step with the database (the source of truth): published
//! offers are in the index, nothing else. The index can always be rebuilt from the database.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::OfferStatus;
use crate::AppState;
use crate::db::{DbConnection, schema::*};
use crate::error::AppResult;
use crate::search::{OfferDoc, department_of};

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i32,
    String,
    Option<f64>,
    Option<f64>,
    String,
    chrono::NaiveDate,
    Option<NaiveDateTime>,
    i32,
);

/// The main NAF division of each ROME occupation (cross-sector `00` left aside).
fn naf_by_rome(conn: &mut DbConnection) -> AppResult<HashMap<String, String>> {
    let pairs: Vec<(String, String)> = naf_division_rome::table
        .filter(naf_division_rome::naf_division.ne("00"))
        .order((
            naf_division_rome::rome_code,
            naf_division_rome::naf_division,
        ))
        .select((
            naf_division_rome::rome_code,
            naf_division_rome::naf_division,
        ))
        .load(conn)?;
    let mut map = HashMap::new();
    for (rome, naf) in pairs {
        map.entry(rome).or_insert(naf);
    }
    Ok(map)
}

/// Offers with their status and what the index needs (a macro: the query's type is
/// unnameable). Callers filter by primary key and keep the published ones in Rust: a
/// `status = 'published'` condition makes SQLite walk the status index, every published offer
/// for each call, instead of looking the ids up.
macro_rules! offers_with_status {
    () => {
        offers::table
            .inner_join(organisations::table.on(organisations::id.eq(offers::company_id)))
            .inner_join(communes::table)
            .select((
                offers::id,
                offers::status,
                offers::title,
                offers::description,
                organisations::name,
                offers::rome_code,
                offers::contract_type,
                offers::level,
                offers::commune_insee,
                communes::lat,
                communes::lon,
                communes::geo_precision,
                offers::start_date,
                offers::published_at,
                offers::positions,
            ))
    };
}

fn is_published(row: &Row) -> bool {
    row.1 == OfferStatus::Published.as_str()
}

fn doc(row: Row, naf: &HashMap<String, String>) -> OfferDoc {
    let (
        id,
        _status,
        title,
        description,
        company_name,
        rome_code,
        contract_type,
        level,
        commune_insee,
        lat,
        lon,
        precision,
        start_date,
        published_at,
        positions,
    ) = row;
    OfferDoc {
        department: department_of(&commune_insee).to_owned(),
        naf_division: naf.get(&rome_code).cloned(),
        id,
        title,
        description,
        company_name,
        rome_code,
        contract_type,
        level: u8::try_from(level).unwrap_or(0),
        commune_insee,
        lat,
        lon,
        approximate_position: precision != "commune",
        start_date,
        published_at: published_at.unwrap_or_default(),
        positions: u32::try_from(positions).unwrap_or(1),
    }
}

/// The documents of the given offers that are published; the others are to be removed.
/// Callers pass at most a few thousand ids at a time (one SQL parameter each).
pub fn docs_for(
    conn: &mut DbConnection,
    ids: &[String],
) -> AppResult<(Vec<OfferDoc>, Vec<String>)> {
    let naf = naf_by_rome(conn)?;
    let rows: Vec<Row> = offers_with_status!()
        .filter(offers::id.eq_any(ids))
        .load(conn)?;
    let docs: Vec<OfferDoc> = rows
        .into_iter()
        .filter(is_published)
        .map(|r| doc(r, &naf))
        .collect();
    let found: std::collections::HashSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    let gone = ids
        .iter()
        .filter(|id| !found.contains(id.as_str()))
        .cloned()
        .collect();
    Ok((docs, gone))
}

/// Every published offer, in pages (for a rebuild).
pub fn all_docs(
    conn: &mut DbConnection,
    mut each: impl FnMut(Vec<OfferDoc>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let naf = naf_by_rome(conn)?;
    let mut after = String::new();
    loop {
        // Pages of every offer in id order (the primary key), published ones kept.
        let rows: Vec<Row> = offers_with_status!()
            .filter(offers::id.gt(&after))
            .order(offers::id)
            .limit(5000)
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.0.clone();
        let docs: Vec<OfferDoc> = rows
            .into_iter()
            .filter(is_published)
            .map(|r| doc(r, &naf))
            .collect();
        if !docs.is_empty() {
            each(docs)?;
        }
    }
    Ok(())
}

pub fn published_count(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(offers::table
        .filter(offers::status.eq(OfferStatus::Published.as_str()))
        .count()
        .get_result(conn)?)
}

/// Rebuilds the offer index from the database; `progress` receives the number indexed
/// (through `search::changes::rebuild`, which also puts the index at the end of the log).
pub fn rebuild(
    state: &AppState,
    conn: &mut DbConnection,
    progress: &dyn Fn(u64),
) -> anyhow::Result<u64> {
    let mut docs = Vec::new();
    all_docs(conn, |page| {
        docs.extend(page);
        Ok(())
    })?;
    state.search.rebuild(docs.into_iter(), progress)
}

/// Brings this node's index in step with the database for these offers (from the change
/// log): the published ones are (re)indexed, the others removed. One index commit and one
/// database read per 10,000 offers.
pub fn apply_changes(
    state: &AppState,
    conn: &mut DbConnection,
    ids: &[String],
) -> anyhow::Result<()> {
    for chunk in ids.chunks(10_000) {
        let (docs, gone) = docs_for(conn, chunk).map_err(|e| anyhow::anyhow!("{e}"))?;
        state.search.upsert(&docs)?;
        state.search.delete(&gone)?;
    }
    Ok(())
}
