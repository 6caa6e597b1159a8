//! Queries on reference data: communes (by name, postcode or INSEE code), ROME
//! occupations, NAF divisions and departments.

use diesel::prelude::*;
use serde::Serialize;

use super::search_key;
use crate::db::{DbConnection, schema::*};
use crate::error::AppResult;

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = communes)]
pub struct Commune {
    /// INSEE code, e.g. `35238`.
    pub insee_code: String,
    pub name: String,
    /// Department code (2 characters, 3 for overseas).
    pub department: String,
    /// Postal codes, space-separated.
    pub postal_codes: String,
    pub population: i64,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// Where the coordinates come from: `commune`, `postal_code`, `department` or `none`.
    pub geo_precision: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = rome_occupations)]
pub struct Rome {
    /// ROME 4.0 code, e.g. `D1102`.
    pub code: String,
    pub label: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = naf_divisions)]
pub struct NafDivision {
    /// NAF division, 2 digits (`00` = cross-sector).
    pub code: String,
    pub label: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = departments)]
pub struct Department {
    pub code: String,
    pub name: String,
    pub region_code: String,
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Communes by name prefix (accent- and case-insensitive), by postal code prefix or by
/// INSEE code; most populated first.
pub fn search_communes(conn: &mut DbConnection, q: &str, limit: i64) -> AppResult<Vec<Commune>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = communes::table
        .select(Commune::as_select())
        .order((communes::population.desc(), communes::insee_code))
        .limit(limit)
        .into_boxed();
    if q.chars()
        .all(|c| c.is_ascii_digit() || c == 'A' || c == 'B' || c == 'a' || c == 'b')
        && q.chars().next().is_some_and(|c| c.is_ascii_digit())
    {
        let prefix = escape_like(&q.to_uppercase());
        query = query.filter(
            communes::postal_codes
                .like(format!("{prefix}%"))
                .escape('\\')
                .or(communes::postal_codes
                    .like(format!("% {prefix}%"))
                    .escape('\\'))
                .or(communes::insee_code.eq(q.to_uppercase())),
        );
    } else {
        let key = escape_like(&search_key(q));
        query = query.filter(communes::name_folded.like(format!("{key}%")).escape('\\'));
    }
    Ok(query.load(conn)?)
}

pub fn commune(conn: &mut DbConnection, insee_code: &str) -> AppResult<Option<Commune>> {
    Ok(communes::table
        .find(insee_code)
        .select(Commune::as_select())
        .first(conn)
        .optional()?)
}

/// Resolves what a person typed in a commune field without JavaScript: an INSEE code,
/// the `Name (postal code)` form offered by the autocompletion, a postal code or a name.
/// Returns the candidates when it is ambiguous.
pub fn resolve_commune(
    conn: &mut DbConnection,
    input: &str,
) -> AppResult<Result<Commune, Vec<Commune>>> {
    let input = input.trim();
    if let Some(found) = commune(conn, input)? {
        return Ok(Ok(found));
    }
    let (name, postal) = match input.rsplit_once('(') {
        Some((name, rest)) => (name.trim(), Some(rest.trim_end_matches(')').trim())),
        None => (input, None),
    };
    let mut candidates = if name.chars().all(|c| c.is_ascii_digit()) && !name.is_empty() {
        search_communes(conn, name, 20)?
    } else {
        communes::table
            .filter(communes::name_folded.eq(search_key(name)))
            .order(communes::population.desc())
            .limit(50)
            .select(Commune::as_select())
            .load(conn)?
    };
    if let Some(postal) = postal.filter(|p| !p.is_empty()) {
        candidates
            .retain(|c| c.postal_codes.split(' ').any(|p| p == postal) || c.insee_code == postal);
    }
    Ok(if candidates.len() == 1 {
        Ok(candidates.remove(0))
    } else {
        Err(candidates)
    })
}

/// ROME occupations by code prefix or by words of the label (all words, any order).
pub fn search_rome(conn: &mut DbConnection, q: &str, limit: i64) -> AppResult<Vec<Rome>> {
    let q = q.trim();
    let mut query = rome_occupations::table
        .select(Rome::as_select())
        .order(rome_occupations::code)
        .limit(limit)
        .into_boxed();
    let looks_like_code = q.len() <= 5
        && q.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && q.chars().skip(1).all(|c| c.is_ascii_digit())
        && q.len() > 1;
    if looks_like_code {
        query = query.filter(
            rome_occupations::code
                .like(format!("{}%", escape_like(&q.to_uppercase())))
                .escape('\\'),
        );
    } else {
        for word in search_key(q).split(' ').filter(|w| !w.is_empty()) {
            query = query.filter(
                rome_occupations::label_folded
                    .like(format!("%{}%", escape_like(word)))
                    .escape('\\'),
            );
        }
    }
    Ok(query.load(conn)?)
}

pub fn naf_divisions_all(conn: &mut DbConnection) -> AppResult<Vec<NafDivision>> {
    Ok(naf_divisions::table
        .select(NafDivision::as_select())
        .order(naf_divisions::code)
        .load(conn)?)
}

pub fn departments_all(conn: &mut DbConnection) -> AppResult<Vec<Department>> {
    Ok(departments::table
        .select(Department::as_select())
        .order(departments::code)
        .load(conn)?)
}

/// Resolves what a person typed in an occupation field without JavaScript: a ROME code, the
/// `CODE – label` form of the autocompletion, or words. Words pick the occupation whose label
/// starts with them, or the only one containing them; otherwise the candidates are returned.
pub fn resolve_rome(conn: &mut DbConnection, input: &str) -> AppResult<Result<Rome, Vec<Rome>>> {
    let input = input.trim();
    let code = input.split([' ', '–']).next().unwrap_or("").to_uppercase();
    if let Some(found) = search_rome(conn, &code, 1)?
        .into_iter()
        .find(|r| r.code == code)
    {
        return Ok(Ok(found));
    }
    let mut matches = search_rome(conn, input, 50)?;
    if matches.len() == 1 {
        return Ok(Ok(matches.remove(0)));
    }
    let key = search_key(input);
    if let Some(found) = matches
        .iter()
        .find(|r| search_key(&r.label).starts_with(&key))
    {
        return Ok(Ok(found.clone()));
    }
    matches.truncate(5);
    Ok(Err(matches))
}
