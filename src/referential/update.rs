//! Updates the referentials from the official files a region downloads (ROME, communes, NAF),
//! without a new build: `passerelle reference load --rome FILE --communes FILE --naf FILE`.
//! Each file has the shape of its embedded twin in `data/reference/` (UTF-8, with or without
//! BOM, `;` separator, header row). A code the new file no longer lists is never deleted: it
//! is marked retired (`retired_at`), so the rows that use it keep its name while nothing new
//! may choose it; a retired code that comes back is put back in service.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::search_key;
use super::store::is_rome_code;
use crate::db::{DbConnection, now, schema};

/// One official file, read but not yet checked.
#[derive(Clone, Debug)]
pub struct Source {
    /// How the file is named in messages (its path as given).
    pub name: String,
    pub text: String,
}

impl Source {
    /// Reads `path` as UTF-8 text (a byte order mark is dropped).
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| format!("lecture de {name}"))?;
        Self::from_bytes(name, bytes)
    }

    /// The file's bytes as text; a file that is not UTF-8 is refused with the line of the
    /// first wrong byte.
    pub fn from_bytes(name: String, bytes: Vec<u8>) -> anyhow::Result<Self> {
        let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => rest.to_vec(),
            None => bytes,
        };
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Self { name, text }),
            Err(error) => {
                let valid = error.utf8_error().valid_up_to();
                let line = error.as_bytes()[..valid]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1;
                anyhow::bail!(
                    "{name}, ligne {line} : le fichier n’est pas en UTF-8 (enregistrez-le en UTF-8, séparateur point-virgule)"
                )
            }
        }
    }
}

/// The official files given, each optional.
#[derive(Clone, Debug, Default)]
pub struct OfficialFiles {
    pub rome: Option<Source>,
    pub communes: Option<Source>,
    pub naf: Option<Source>,
}

/// What changed for one kind of code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Codes new to the database: (code, label).
    pub added: Vec<(String, String)>,
    /// Codes whose label changed: (code, old label, new label).
    pub relabelled: Vec<(String, String, String)>,
    /// Codes the file no longer lists, now retired: (code, label).
    pub retired: Vec<(String, String)>,
    /// Retired codes the file lists again, back in service: (code, label).
    pub reinstated: Vec<(String, String)>,
    /// Codes whose other facts changed (postal codes, population, position, level…).
    pub updated: usize,
    /// Rows the file holds.
    pub rows: usize,
}

/// What a load of official files changed, per kind (`None`: no file of that kind).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub rome: Option<Changes>,
    pub communes: Option<Changes>,
    pub naf: Option<Changes>,
}

impl Report {
    /// The report in French, one line per change.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (title, changes) in [
            ("Métiers ROME", &self.rome),
            ("Communes", &self.communes),
            ("Codes NAF", &self.naf),
        ] {
            let Some(c) = changes else { continue };
            let _ = writeln!(
                out,
                "{title} : {} lignes lues ; {} ajouté{}, {} renommé{}, {} retiré{}, {} remis en service{}.",
                c.rows,
                c.added.len(),
                plural(c.added.len()),
                c.relabelled.len(),
                plural(c.relabelled.len()),
                c.retired.len(),
                plural(c.retired.len()),
                c.reinstated.len(),
                if c.updated > 0 {
                    format!(", {} autres mises à jour", c.updated)
                } else {
                    String::new()
                }
            );
            for (code, label) in &c.added {
                let _ = writeln!(out, "  ajouté : {code} « {label} »");
            }
            for (code, old, new) in &c.relabelled {
                let _ = writeln!(out, "  renommé : {code} « {old} » → « {new} »");
            }
            for (code, label) in &c.retired {
                let _ = writeln!(out, "  retiré : {code} « {label} »");
            }
            for (code, label) in &c.reinstated {
                let _ = writeln!(out, "  remis en service : {code} « {label} »");
            }
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

/// The rows of a `;` file with the given columns (in any order, others ignored), each with
/// its line number and its fields trimmed, in the order of `columns`.
fn rows(source: &Source, columns: &[&str]) -> anyhow::Result<Vec<(u64, Vec<String>)>> {
    let name = &source.name;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(source.text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| anyhow::anyhow!("{name}, ligne 1 : en-tête illisible ({e})"))?
        .clone();
    let expected = columns.join(";");
    if headers.iter().all(|h| h.trim().is_empty()) {
        anyhow::bail!("{name} est vide : la première ligne doit être « {expected} »");
    }
    let mut at = Vec::new();
    for column in columns {
        match headers.iter().position(|h| h.trim() == *column) {
            Some(i) => at.push(i),
            None => anyhow::bail!(
                "{name}, ligne 1 : la colonne « {column} » manque (en-tête attendu : « {expected} », séparateur point-virgule)"
            ),
        }
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => anyhow::anyhow!(
                    "{name}, ligne {line} : {len} colonnes au lieu de {expected_len} (séparateur point-virgule)"
                ),
                _ => anyhow::anyhow!("{name}, ligne {line} : ligne illisible ({e})"),
            }
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        out.push((
            line,
            at.iter()
                .map(|i| record.get(*i).unwrap_or_default().trim().to_owned())
                .collect(),
        ));
    }
    if out.is_empty() {
        anyhow::bail!("{name} ne contient aucune ligne après l’en-tête : rien n’a été changé");
    }
    Ok(out)
}

/// Refuses a code listed twice.
fn unique(
    name: &str,
    seen: &mut BTreeMap<String, u64>,
    code: &str,
    line: u64,
) -> anyhow::Result<()> {
    if let Some(first) = seen.insert(code.to_owned(), line) {
        anyhow::bail!("{name}, ligne {line} : le code « {code} » figure déjà ligne {first}");
    }
    Ok(())
}

fn required(name: &str, line: u64, value: &str, what: &str) -> anyhow::Result<()> {
    if value.is_empty() {
        anyhow::bail!("{name}, ligne {line} : {what} manque");
    }
    Ok(())
}

struct RomeRow {
    code: String,
    label: String,
}

fn parse_rome(source: &Source) -> anyhow::Result<Vec<RomeRow>> {
    let name = &source.name;
    let mut seen = BTreeMap::new();
    rows(source, &["code", "label"])?
        .into_iter()
        .map(|(line, f)| {
            let [code, label] = <[String; 2]>::try_from(f).expect("two columns");
            if !is_rome_code(&code) {
                anyhow::bail!(
                    "{name}, ligne {line} : « {code} » n’est pas un code ROME (une majuscule et quatre chiffres, par exemple D1102)"
                );
            }
            required(name, line, &label, "l’intitulé du métier")?;
            unique(name, &mut seen, &code, line)?;
            Ok(RomeRow { code, label })
        })
        .collect()
}

struct CommuneRow {
    insee_code: String,
    name: String,
    department: String,
    region: String,
    postal_codes: String,
    population: i64,
    lat: Option<f64>,
    lon: Option<f64>,
    geo_precision: String,
}

const PRECISIONS: [&str; 4] = ["commune", "postal_code", "department", "none"];

fn is_insee_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 5
        && b[0].is_ascii_digit()
        && (b[1].is_ascii_digit() || b[1] == b'A' || b[1] == b'B')
        && b[2..].iter().all(u8::is_ascii_digit)
}

fn parse_communes(source: &Source) -> anyhow::Result<Vec<CommuneRow>> {
    let name = &source.name;
    let mut seen = BTreeMap::new();
    let number = |line: u64, value: &str, what: &str| -> anyhow::Result<Option<f64>> {
        if value.is_empty() {
            return Ok(None);
        }
        value
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| {
                anyhow::anyhow!("{name}, ligne {line} : {what} « {value} » n’est pas un nombre")
            })
    };
    rows(
        source,
        &[
            "insee_code",
            "name",
            "department",
            "region",
            "postal_codes",
            "population",
            "lat",
            "lon",
            "geo_precision",
        ],
    )?
    .into_iter()
    .map(|(line, f)| {
        let [insee, commune, department, region, postal, population, lat, lon, precision] =
            <[String; 9]>::try_from(f).expect("nine columns");
        if !is_insee_code(&insee) {
            anyhow::bail!(
                "{name}, ligne {line} : « {insee} » n’est pas un code INSEE de commune (cinq caractères, par exemple 35238 ou 2A004)"
            );
        }
        required(name, line, &commune, "le nom de la commune")?;
        required(name, line, &department, "le département")?;
        let population = if population.is_empty() {
            0
        } else {
            population.parse::<i64>().ok().filter(|p| *p >= 0).ok_or_else(|| {
                anyhow::anyhow!(
                    "{name}, ligne {line} : la population « {population} » n’est pas un nombre entier"
                )
            })?
        };
        let lat = number(line, &lat, "la latitude")?;
        let lon = number(line, &lon, "la longitude")?;
        let precision = if precision.is_empty() {
            "none".to_owned()
        } else {
            precision
        };
        if !PRECISIONS.contains(&precision.as_str()) {
            anyhow::bail!(
                "{name}, ligne {line} : geo_precision « {precision} » inconnu (commune, postal_code, department ou none)"
            );
        }
        unique(name, &mut seen, &insee, line)?;
        Ok(CommuneRow {
            insee_code: insee,
            name: commune,
            department,
            region,
            postal_codes: postal,
            population,
            lat,
            lon,
            geo_precision: precision,
        })
    })
    .collect()
}

struct NafRow {
    code: String,
    level: String,
    label: String,
}

fn naf_shape(code: &str, level: &str) -> bool {
    let b = code.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    match level {
        "division" => b.len() == 2 && digits(0..2),
        "group" => b.len() == 4 && digits(0..2) && b[2] == b'.' && digits(3..4),
        "class" => b.len() == 5 && digits(0..2) && b[2] == b'.' && digits(3..5),
        "subclass" => {
            b.len() == 6
                && digits(0..2)
                && b[2] == b'.'
                && digits(3..5)
                && b[5].is_ascii_uppercase()
        }
        _ => false,
    }
}

fn parse_naf(source: &Source) -> anyhow::Result<Vec<NafRow>> {
    let name = &source.name;
    let mut seen = BTreeMap::new();
    rows(source, &["code", "level", "label"])?
        .into_iter()
        .map(|(line, f)| {
            let [code, level, label] = <[String; 3]>::try_from(f).expect("three columns");
            if !["division", "group", "class", "subclass"].contains(&level.as_str()) {
                anyhow::bail!(
                    "{name}, ligne {line} : niveau « {level} » inconnu (division, group, class ou subclass)"
                );
            }
            if !naf_shape(&code, &level) {
                anyhow::bail!(
                    "{name}, ligne {line} : « {code} » n’est pas un code NAF de niveau {level} (par exemple 47, 47.2, 47.24, 47.24Z)"
                );
            }
            required(name, line, &label, "l’intitulé")?;
            unique(name, &mut seen, &code, line)?;
            Ok(NafRow { code, level, label })
        })
        .collect()
}

/// Checks every file given, then applies them all in one transaction and reports what
/// changed. A file with a fault changes nothing, the others included.
pub fn apply(conn: &mut DbConnection, files: &OfficialFiles) -> anyhow::Result<Report> {
    let rome = files.rome.as_ref().map(parse_rome).transpose()?;
    let communes = files.communes.as_ref().map(parse_communes).transpose()?;
    let naf = files.naf.as_ref().map(parse_naf).transpose()?;
    let at = now();
    crate::db::write_transaction(conn, |conn| {
        Ok(Report {
            rome: rome.map(|r| apply_rome(conn, r, at)).transpose()?,
            communes: communes.map(|c| apply_communes(conn, c, at)).transpose()?,
            naf: naf.map(|n| apply_naf(conn, n, at)).transpose()?,
        })
    })
}

/// What the database holds of one kind: code → (label, retired).
type Stored = BTreeMap<String, (String, bool)>;

fn stored(pairs: Vec<(String, String, Option<NaiveDateTime>)>) -> Stored {
    pairs
        .into_iter()
        .map(|(code, label, retired)| (code, (label, retired.is_some())))
        .collect()
}

/// Sorts a row of the file into the report; true when the code is new.
fn classify(changes: &mut Changes, stored: &Stored, code: &str, label: &str) -> bool {
    match stored.get(code) {
        None => {
            changes.added.push((code.to_owned(), label.to_owned()));
            true
        }
        Some((old, retired)) => {
            if old != label {
                changes
                    .relabelled
                    .push((code.to_owned(), old.clone(), label.to_owned()));
            }
            if *retired {
                changes.reinstated.push((code.to_owned(), label.to_owned()));
            }
            false
        }
    }
}

/// The stored codes, still in service, that the file does not list.
fn to_retire(stored: &Stored, listed: &HashSet<&str>) -> Vec<(String, String)> {
    stored
        .iter()
        .filter(|(code, (_, retired))| !retired && !listed.contains(code.as_str()))
        .map(|(code, (label, _))| (code.clone(), label.clone()))
        .collect()
}

fn apply_rome(
    conn: &mut DbConnection,
    rows: Vec<RomeRow>,
    at: NaiveDateTime,
) -> anyhow::Result<Changes> {
    use schema::rome_occupations as r;
    let before = stored(
        r::table
            .select((r::code, r::label, r::retired_at))
            .load(conn)?,
    );
    let mut changes = Changes {
        rows: rows.len(),
        ..Changes::default()
    };
    for row in &rows {
        if classify(&mut changes, &before, &row.code, &row.label) {
            diesel::insert_into(r::table)
                .values((
                    r::code.eq(&row.code),
                    r::label.eq(&row.label),
                    r::label_folded.eq(search_key(&row.label)),
                ))
                .execute(conn)?;
        } else if before[&row.code] != (row.label.clone(), false) {
            diesel::update(r::table.find(&row.code))
                .set((
                    r::label.eq(&row.label),
                    r::label_folded.eq(search_key(&row.label)),
                    r::retired_at.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
    }
    let listed: HashSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    changes.retired = to_retire(&before, &listed);
    for (code, _) in &changes.retired {
        diesel::update(r::table.find(code))
            .set(r::retired_at.eq(Some(at)))
            .execute(conn)?;
    }
    Ok(changes)
}

type CommuneFacts = (
    String,
    String,
    String,
    i64,
    Option<f64>,
    Option<f64>,
    String,
);

fn apply_communes(
    conn: &mut DbConnection,
    rows: Vec<CommuneRow>,
    at: NaiveDateTime,
) -> anyhow::Result<Changes> {
    use schema::communes as c;
    let loaded: Vec<(String, String, Option<NaiveDateTime>, CommuneFacts)> = c::table
        .select((
            c::insee_code,
            c::name,
            c::retired_at,
            (
                c::department,
                c::region,
                c::postal_codes,
                c::population,
                c::lat,
                c::lon,
                c::geo_precision,
            ),
        ))
        .load(conn)?;
    let mut facts: BTreeMap<String, CommuneFacts> = BTreeMap::new();
    let mut pairs = Vec::with_capacity(loaded.len());
    for (code, name, retired, known) in loaded {
        facts.insert(code.clone(), known);
        pairs.push((code, name, retired));
    }
    let before = stored(pairs);
    let mut changes = Changes {
        rows: rows.len(),
        ..Changes::default()
    };
    for row in &rows {
        let new_facts: CommuneFacts = (
            row.department.clone(),
            row.region.clone(),
            row.postal_codes.clone(),
            row.population,
            row.lat,
            row.lon,
            row.geo_precision.clone(),
        );
        let values = (
            c::name.eq(&row.name),
            c::name_folded.eq(search_key(&row.name)),
            c::department.eq(&row.department),
            c::region.eq(&row.region),
            c::postal_codes.eq(&row.postal_codes),
            c::population.eq(row.population),
            c::lat.eq(row.lat),
            c::lon.eq(row.lon),
            c::geo_precision.eq(&row.geo_precision),
        );
        if classify(&mut changes, &before, &row.insee_code, &row.name) {
            diesel::insert_into(c::table)
                .values((c::insee_code.eq(&row.insee_code), values))
                .execute(conn)?;
            continue;
        }
        let same_name = before[&row.insee_code] == (row.name.clone(), false);
        let same_facts = facts.get(&row.insee_code) == Some(&new_facts);
        if same_name && !same_facts {
            changes.updated += 1;
        }
        if !same_name || !same_facts {
            diesel::update(c::table.find(&row.insee_code))
                .set((values, c::retired_at.eq(None::<NaiveDateTime>)))
                .execute(conn)?;
        }
    }
    let listed: HashSet<&str> = rows.iter().map(|r| r.insee_code.as_str()).collect();
    changes.retired = to_retire(&before, &listed);
    for (code, _) in &changes.retired {
        diesel::update(c::table.find(code))
            .set(c::retired_at.eq(Some(at)))
            .execute(conn)?;
    }
    Ok(changes)
}

fn apply_naf(
    conn: &mut DbConnection,
    rows: Vec<NafRow>,
    at: NaiveDateTime,
) -> anyhow::Result<Changes> {
    use schema::naf_codes as n;
    let loaded: Vec<(String, String, Option<NaiveDateTime>, String)> = n::table
        .select((n::code, n::label, n::retired_at, n::level))
        .load(conn)?;
    let levels: BTreeMap<String, String> = loaded
        .iter()
        .map(|(code, _, _, level)| (code.clone(), level.clone()))
        .collect();
    let before = stored(
        loaded
            .into_iter()
            .map(|(code, label, retired, _)| (code, label, retired))
            .collect(),
    );
    let mut changes = Changes {
        rows: rows.len(),
        ..Changes::default()
    };
    for row in &rows {
        if classify(&mut changes, &before, &row.code, &row.label) {
            diesel::insert_into(n::table)
                .values((
                    n::code.eq(&row.code),
                    n::level.eq(&row.level),
                    n::label.eq(&row.label),
                    n::label_folded.eq(search_key(&row.label)),
                ))
                .execute(conn)?;
        } else {
            let same = before[&row.code] == (row.label.clone(), false);
            let same_level = levels.get(&row.code) == Some(&row.level);
            if same && !same_level {
                changes.updated += 1;
            }
            if !same || !same_level {
                diesel::update(n::table.find(&row.code))
                    .set((
                        n::level.eq(&row.level),
                        n::label.eq(&row.label),
                        n::label_folded.eq(search_key(&row.label)),
                        n::retired_at.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
            }
        }
        // A division's label is also the activity sector's, shown in the offer search.
        if row.level == "division" {
            diesel::update(schema::naf_divisions::table.find(&row.code))
                .set(schema::naf_divisions::label.eq(&row.label))
                .execute(conn)?;
        }
    }
    let listed: HashSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    changes.retired = to_retire(&before, &listed);
    for (code, _) in &changes.retired {
        diesel::update(n::table.find(code))
            .set(n::retired_at.eq(Some(at)))
            .execute(conn)?;
    }
    // The start's refresh of the embedded NAF tree leaves an official one alone.
    use schema::instance_settings as s;
    diesel::delete(s::table.find(super::load::OFFICIAL_NAF)).execute(conn)?;
    diesel::insert_into(s::table)
        .values((
            s::key.eq(super::load::OFFICIAL_NAF),
            s::value.eq(at.format("%Y-%m-%dT%H:%M:%S").to_string()),
        ))
        .execute(conn)?;
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Source {
        Source::from_bytes("essai.csv".into(), text.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn a_byte_order_mark_is_dropped_and_other_encodings_refused_with_their_line() {
        let with_bom =
            Source::from_bytes("r.csv".into(), b"\xEF\xBB\xBFcode;label\n".to_vec()).unwrap();
        assert_eq!(with_bom.text, "code;label\n");
        let latin1 =
            Source::from_bytes("r.csv".into(), b"code;label\nD1102;P\xe2tissier\n".to_vec())
                .unwrap_err();
        assert_eq!(
            latin1.to_string(),
            "r.csv, ligne 2 : le fichier n’est pas en UTF-8 (enregistrez-le en UTF-8, séparateur point-virgule)"
        );
    }

    #[test]
    fn malformed_rome_files_name_their_line() {
        let err = |text: &str| parse_rome(&source(text)).err().unwrap().to_string();
        assert_eq!(
            err("code,label\nD1102,Boulanger\n"),
            "essai.csv, ligne 1 : la colonne « code » manque (en-tête attendu : « code;label », séparateur point-virgule)"
        );
        assert_eq!(
            err("code;label\nD1102;Boulanger\nd11;Pâtissier\n"),
            "essai.csv, ligne 3 : « d11 » n’est pas un code ROME (une majuscule et quatre chiffres, par exemple D1102)"
        );
        assert_eq!(
            err("code;label\nD1102;Boulanger\nD1104;Pâtissier;en trop\n"),
            "essai.csv, ligne 3 : 3 colonnes au lieu de 2 (séparateur point-virgule)"
        );
        assert_eq!(
            err("code;label\nD1102;Boulanger\nD1102;Autre\n"),
            "essai.csv, ligne 3 : le code « D1102 » figure déjà ligne 2"
        );
        assert_eq!(
            err("code;label\n"),
            "essai.csv ne contient aucune ligne après l’en-tête : rien n’a été changé"
        );
        let ok = parse_rome(&source("label;code\r\nBoulanger;D1102\r\n\r\n")).unwrap();
        assert_eq!(
            (ok[0].code.as_str(), ok[0].label.as_str()),
            ("D1102", "Boulanger")
        );
    }

    #[test]
    fn commune_and_naf_rows_are_checked() {
        let header =
            "insee_code;name;department;region;postal_codes;population;lat;lon;geo_precision\n";
        let err = parse_communes(&source(&format!(
            "{header}35238;Rennes;35;53;35000 35200;222485;48.11;-1.68;commune\n35999;Nulle-Part;35;53;35000;beaucoup;;;none\n"
        )))
        .err()
        .unwrap();
        assert_eq!(
            err.to_string(),
            "essai.csv, ligne 3 : la population « beaucoup » n’est pas un nombre entier"
        );
        let ok = parse_communes(&source(&format!(
            "{header}2A004;Ajaccio;2A;94;20000;;;;none\n"
        )))
        .unwrap();
        assert_eq!(ok[0].population, 0);
        let err = parse_naf(&source("code;level;label\n47.2;class;Commerce\n"))
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "essai.csv, ligne 2 : « 47.2 » n’est pas un code NAF de niveau class (par exemple 47, 47.2, 47.24, 47.24Z)"
        );
        assert!(naf_shape("47.24Z", "subclass") && naf_shape("01", "division"));
    }

    #[test]
    fn the_report_names_every_change() {
        let report = Report {
            rome: Some(Changes {
                added: vec![("Z9901".into(), "Nouveau".into())],
                relabelled: vec![("D1102".into(), "Boulanger".into(), "Boulanger·ère".into())],
                retired: vec![("D1104".into(), "Pâtissier".into())],
                reinstated: Vec::new(),
                updated: 0,
                rows: 3,
            }),
            ..Report::default()
        };
        assert_eq!(
            report.text(),
            "Métiers ROME : 3 lignes lues ; 1 ajouté, 1 renommé, 1 retiré, 0 remis en service.\n  \
             ajouté : Z9901 « Nouveau »\n  renommé : D1102 « Boulanger » → « Boulanger·ère »\n  \
             retiré : D1104 « Pâtissier »\n"
        );
    }
}
