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
    /// Set when the official file no longer lists the commune (merged, renumbered): rows
    /// that use it keep its name, nothing new may choose it.
    #[serde(skip)]
    pub retired_at: Option<chrono::NaiveDateTime>,
}

impl Commune {
    /// « Rennes (35000) »: how a commune is shown to people, and typed back into a search.
    pub fn label(&self) -> String {
        let postal = self.postal_codes.split(' ').next().unwrap_or_default();
        format!("{} ({postal})", self.name)
    }

    /// The French refusal of a retired commune chosen in a form; `None` when in service.
    pub fn refusal(&self) -> Option<String> {
        self.retired_at.map(|_| {
            format!(
                "La commune « {} » (code INSEE {}) ne figure plus au référentiel des communes (fusion ou changement de code) : choisissez la commune actuelle.",
                self.name, self.insee_code
            )
        })
    }

    /// « Cesson-Sévigné (35510), Ille-et-Vilaine »: a commune among others of the same name.
    pub fn label_with_department(&self) -> String {
        format!(
            "{}, {}",
            self.label(),
            super::departments::name(&self.department).unwrap_or(&self.department)
        )
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = rome_occupations)]
pub struct Rome {
    /// ROME 4.0 code, e.g. `D1102`.
    pub code: String,
    pub label: String,
    /// Set when the official ROME file no longer lists the occupation.
    #[serde(skip)]
    pub retired_at: Option<chrono::NaiveDateTime>,
}

impl Rome {
    /// The French refusal of a retired occupation chosen in a form; `None` when in service.
    pub fn refusal(&self) -> Option<String> {
        self.retired_at.map(|_| {
            format!(
                "Le métier « {} » ({}) a été retiré du référentiel ROME : choisissez un métier en vigueur.",
                self.label, self.code
            )
        })
    }
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = naf_divisions)]
pub struct NafDivision {
    /// NAF division, 2 digits (`00` = cross-sector).
    pub code: String,
    pub label: String,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = naf_codes)]
pub struct NafCode {
    /// NAF rév. 2 code: `47` (division), `47.2` (group), `47.24` (class), `47.24Z` (subclass).
    pub code: String,
    /// `division`, `group`, `class` or `subclass`.
    pub level: String,
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
        .filter(communes::retired_at.is_null())
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

/// Records the territory the instance serves (from the configuration, at start), so every
/// node and every rule that resolves a place reads the same one from the database.
pub fn set_territory(conn: &mut DbConnection, territory: &str) -> AppResult<()> {
    let current: Option<String> = instance_settings::table
        .find("territory")
        .select(instance_settings::value)
        .first(conn)
        .optional()?;
    if current.as_deref() == Some(territory) {
        return Ok(());
    }
    diesel::delete(instance_settings::table.find("territory")).execute(conn)?;
    diesel::insert_into(instance_settings::table)
        .values((
            instance_settings::key.eq("territory"),
            instance_settings::value.eq(territory),
        ))
        .execute(conn)?;
    Ok(())
}

/// The territory the instance serves: an INSEE region code, or `FR` (also when none was
/// recorded).
pub fn territory(conn: &mut DbConnection) -> AppResult<String> {
    Ok(instance_settings::table
        .find("territory")
        .select(instance_settings::value)
        .first(conn)
        .optional()?
        .unwrap_or_else(|| super::departments::NATIONAL.to_owned()))
}

/// Resolves what a person typed in a commune field without JavaScript: an INSEE code,
/// the `Name (postal code)` form offered by the autocompletion, a postal code or a name.
/// Returns the candidates, the instance's region first, when it is ambiguous: a name is
/// never guessed. « Cesson » typed in Brittany names Cesson (Seine-et-Marne) exactly but
/// starts Cesson-Sévigné (Ille-et-Vilaine), so both are offered; « Saint-Malo » is the one
/// commune of that exact name in the region, so it is taken.
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
    let territory = territory(conn)?;
    let regional = |c: &Commune| {
        territory.eq_ignore_ascii_case(super::departments::NATIONAL)
            || super::departments::in_territory(&territory, &c.department)
    };
    let mut candidates = if name.chars().all(|c| c.is_ascii_digit()) && !name.is_empty() {
        search_communes(conn, name, 20)?
    } else {
        communes::table
            .filter(communes::name_folded.eq(search_key(name)))
            .filter(communes::retired_at.is_null())
            .order(communes::population.desc())
            .limit(50)
            .select(Commune::as_select())
            .load(conn)?
    };
    if let Some(postal) = postal.filter(|p| !p.is_empty()) {
        candidates
            .retain(|c| c.postal_codes.split(' ').any(|p| p == postal) || c.insee_code == postal);
    } else if !name.is_empty() && !name.chars().all(|c| c.is_ascii_digit()) {
        let exact_here = candidates.iter().filter(|c| regional(c)).count();
        if exact_here == 0 {
            // Nothing of that exact name here: the region's communes whose name starts with
            // it (« Cesson » → Cesson-Sévigné) are offered before the exact ones elsewhere.
            let key = escape_like(&search_key(name));
            let mut starting: Vec<Commune> = communes::table
                .filter(communes::name_folded.like(format!("{key} %")).escape('\\'))
                .filter(communes::retired_at.is_null())
                .order(communes::population.desc())
                .limit(50)
                .select(Commune::as_select())
                .load(conn)?;
            starting.retain(|c| regional(c));
            starting.truncate(10);
            starting.append(&mut candidates);
            candidates = starting;
        } else if exact_here == 1 {
            candidates.retain(|c| regional(c));
        }
    }
    // The region's communes first, then by population (the order of the queries).
    candidates.sort_by_key(|c| !regional(c));
    Ok(if candidates.len() == 1 {
        Ok(candidates.remove(0))
    } else {
        Err(candidates)
    })
}

/// The communes to choose from when what was typed names several (at most 12, the
/// region's first); empty otherwise. Forms show them as radio buttons after their errors.
pub fn commune_choices(conn: &mut DbConnection, typed: &str) -> AppResult<Vec<Commune>> {
    if typed.trim().is_empty() {
        return Ok(Vec::new());
    }
    Ok(match resolve_commune(conn, typed)? {
        Err(mut several) if several.len() > 1 => {
            several.truncate(12);
            several
        }
        _ => Vec::new(),
    })
}

/// ROME occupations by code prefix or by words of the label (all words, any order).
pub fn search_rome(conn: &mut DbConnection, q: &str, limit: i64) -> AppResult<Vec<Rome>> {
    let q = q.trim();
    let mut query = rome_occupations::table
        .filter(rome_occupations::retired_at.is_null())
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

/// NAF codes by code prefix (`47.2`, `4724Z` or `47.24Z`) or by words of the label (all
/// words, any order), in code order, so a division comes before its groups.
pub fn search_naf_codes(conn: &mut DbConnection, q: &str, limit: i64) -> AppResult<Vec<NafCode>> {
    let q = q.trim();
    let mut query = naf_codes::table
        .filter(naf_codes::retired_at.is_null())
        .select(NafCode::as_select())
        .order(naf_codes::code)
        .limit(limit)
        .into_boxed();
    if q.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        let compact: String = q
            .chars()
            .filter(|c| *c != '.')
            .collect::<String>()
            .to_uppercase();
        // `4724Z` → `47.24Z`: the only dot sits after the division's two digits.
        let dotted = if compact.len() > 2 && compact.is_char_boundary(2) {
            format!("{}.{}", &compact[..2], &compact[2..])
        } else {
            compact
        };
        query = query.filter(
            naf_codes::code
                .like(format!("{}%", escape_like(&dotted)))
                .escape('\\'),
        );
    } else {
        for word in search_key(q).split(' ').filter(|w| !w.is_empty()) {
            query = query.filter(
                naf_codes::label_folded
                    .like(format!("%{}%", escape_like(word)))
                    .escape('\\'),
            );
        }
    }
    Ok(query.load(conn)?)
}

pub fn departments_all(conn: &mut DbConnection) -> AppResult<Vec<Department>> {
    Ok(departments::table
        .select(Department::as_select())
        .order(departments::code)
        .load(conn)?)
}

/// The ROME codes a search field means: a code or the `CODE – label` form of the
/// autocompletion gives that code; words give the occupation they name, or the few their
/// label contains; `None` when nothing matches.
pub fn occupation_codes(conn: &mut DbConnection, typed: &str) -> AppResult<Option<Vec<String>>> {
    let first = typed.split([' ', '–']).next().unwrap_or("").to_uppercase();
    if is_rome_code(&first) {
        return Ok(Some(vec![first]));
    }
    Ok(match resolve_rome(conn, typed)? {
        Ok(found) => Some(vec![found.code]),
        Err(several) if !several.is_empty() => Some(several.into_iter().map(|r| r.code).collect()),
        Err(_) => None,
    })
}

/// What a search form's occupation field asks for, as the `% CODE %` patterns a
/// space-padded `rome_codes` column is matched with: always five (the last repeated), so a
/// query ORs a fixed number of `LIKE`s. Empty field: `Ok(None)`; nothing matches: the French
/// error to show.
pub fn occupation_patterns(
    conn: &mut DbConnection,
    typed: &str,
) -> AppResult<Result<Option<[String; 5]>, String>> {
    if typed.trim().is_empty() {
        return Ok(Ok(None));
    }
    let Some(codes) = occupation_codes(conn, typed)? else {
        return Ok(Err(format!(
            "Aucun métier ne correspond à « {} » : essayez d’autres mots.",
            typed.trim()
        )));
    };
    let last = codes.last().cloned().unwrap_or_default();
    Ok(Ok(Some(std::array::from_fn(|i| {
        format!("% {} %", codes.get(i).unwrap_or(&last))
    }))))
}

/// A letter and four digits: the shape of a ROME 4.0 code.
pub fn is_rome_code(text: &str) -> bool {
    text.len() == 5
        && text.starts_with(|c: char| c.is_ascii_uppercase())
        && text[1..].chars().all(|c| c.is_ascii_digit())
}

/// « Boulanger / Boulangère (D1104) » for what was typed in an occupation field, when it
/// names one occupation.
pub fn occupation_label(conn: &mut DbConnection, typed: &str) -> AppResult<Option<String>> {
    // An empty field names nothing (and costs no query on every search page).
    if typed.trim().is_empty() {
        return Ok(None);
    }
    Ok(match resolve_rome(conn, typed)? {
        Ok(found) => Some(format!("{} ({})", found.label, found.code)),
        Err(_) => None,
    })
}

/// Resolves what a person typed in an occupation field without JavaScript: a ROME code, the
/// `CODE – label` form of the autocompletion, or words. Words pick the occupation whose label
/// starts with them, or the only one containing them; otherwise the candidates are returned.
pub fn resolve_rome(conn: &mut DbConnection, input: &str) -> AppResult<Result<Rome, Vec<Rome>>> {
    let input = input.trim();
    let first = input.split([' ', '–']).next().unwrap_or("").to_uppercase();
    // « Boulanger / Boulangère (D1102) »: the code in brackets at the end.
    let last = input
        .strip_suffix(')')
        .and_then(|rest| rest.rsplit_once('('))
        .map(|(_, code)| code.trim().to_uppercase())
        .unwrap_or_default();
    for code in [first, last] {
        if !is_rome_code(&code) {
            continue;
        }
        if let Some(found) = rome_occupations::table
            .find(&code)
            .select(Rome::as_select())
            .first(conn)
            .optional()?
        {
            return Ok(Ok(found));
        }
    }
    let key = search_key(input);
    if let Some(found) = rome_occupations::table
        .filter(rome_occupations::label_folded.eq(&key))
        .filter(rome_occupations::retired_at.is_null())
        .select(Rome::as_select())
        .first(conn)
        .optional()?
    {
        return Ok(Ok(found));
    }
    let mut matches = search_rome(conn, input, 50)?;
    if matches.len() == 1 {
        return Ok(Ok(matches.remove(0)));
    }
    if let Some(found) = matches
        .iter()
        .find(|r| search_key(&r.label).starts_with(&key))
    {
        return Ok(Ok(found.clone()));
    }
    matches.truncate(5);
    Ok(Err(matches))
}
