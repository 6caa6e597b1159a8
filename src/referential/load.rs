//! Loads the reference CSV files shipped in `data/reference/` (see its provenance) into the
//! database at first start.

use anyhow::Context;
use diesel::prelude::*;
use serde::Deserialize;

use super::search_key;
use crate::db::{DbConnection, schema};

const REGIONS: &str = include_str!("../../data/reference/regions.csv");
pub(super) const DEPARTMENTS: &str = include_str!("../../data/reference/departments.csv");
const COMMUNES: &str = include_str!("../../data/reference/communes.csv");
const ROME: &str = include_str!("../../data/reference/rome.csv");
const NAF: &str = include_str!("../../data/reference/naf_divisions.csv");
const NAF_TREE: &str = include_str!("../../data/reference/naf.csv");
const NAF_ROME: &str = include_str!("../../data/reference/naf_division_rome.csv");

/// Row counts after a load.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub regions: usize,
    pub departments: usize,
    pub communes: usize,
    pub rome: usize,
    pub naf: usize,
    pub naf_codes: usize,
    pub naf_rome: usize,
}

#[derive(Insertable)]
#[diesel(table_name = schema::regions)]
struct Region {
    code: String,
    name: String,
}

#[derive(Insertable)]
#[diesel(table_name = schema::departments)]
struct Department {
    code: String,
    name: String,
    region_code: String,
}

#[derive(Deserialize)]
struct CommuneRow {
    insee_code: String,
    name: String,
    department: String,
    region: String,
    postal_codes: String,
    population: Option<i64>,
    lat: Option<f64>,
    lon: Option<f64>,
    geo_precision: String,
}

#[derive(Insertable)]
#[diesel(table_name = schema::communes)]
struct NewCommune {
    insee_code: String,
    name_folded: String,
    name: String,
    department: String,
    region: String,
    postal_codes: String,
    population: i64,
    lat: Option<f64>,
    lon: Option<f64>,
    geo_precision: String,
}

#[derive(Insertable)]
#[diesel(table_name = schema::rome_occupations)]
struct NewRome {
    code: String,
    label_folded: String,
    label: String,
}

#[derive(Insertable, Deserialize)]
#[diesel(table_name = schema::naf_divisions)]
struct NafDivision {
    code: String,
    label: String,
}

#[derive(Deserialize)]
struct NafCodeRow {
    code: String,
    level: String,
    label: String,
}

#[derive(Insertable)]
#[diesel(table_name = schema::naf_codes)]
struct NafCode {
    code: String,
    level: String,
    label: String,
    label_folded: String,
}

fn naf_tree() -> anyhow::Result<Vec<NafCode>> {
    Ok(read::<NafCodeRow>("naf.csv", NAF_TREE)?
        .into_iter()
        .map(|r| NafCode {
            label_folded: search_key(&r.label),
            code: r.code,
            level: r.level,
            label: r.label,
        })
        .collect())
}

#[derive(Insertable, Deserialize)]
#[diesel(table_name = schema::naf_division_rome)]
struct NafRome {
    naf_division: String,
    rome_code: String,
}

fn read<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> anyhow::Result<Vec<T>> {
    csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .with_context(|| format!("reading embedded {name}"))
}

fn pairs(name: &str, text: &str) -> anyhow::Result<Vec<(String, String, Option<String>)>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("reading embedded {name}"))?;
        out.push((
            record.get(0).unwrap_or_default().to_owned(),
            record.get(1).unwrap_or_default().to_owned(),
            record.get(2).map(str::to_owned),
        ));
    }
    Ok(out)
}

/// Replaces all reference tables with the embedded data, in one transaction, so a reader
/// never sees a half-loaded referential. Running it again gives the same tables.
pub fn load_all(conn: &mut DbConnection) -> anyhow::Result<Loaded> {
    let regions: Vec<Region> = pairs("regions.csv", REGIONS)?
        .into_iter()
        .map(|(code, name, _)| Region { code, name })
        .collect();
    let departments: Vec<Department> = pairs("departments.csv", DEPARTMENTS)?
        .into_iter()
        .map(|(code, name, region)| Department {
            code,
            name,
            region_code: region.unwrap_or_default(),
        })
        .collect();
    let communes: Vec<NewCommune> = read::<CommuneRow>("communes.csv", COMMUNES)?
        .into_iter()
        .map(|c| NewCommune {
            name_folded: search_key(&c.name),
            insee_code: c.insee_code,
            name: c.name,
            department: c.department,
            region: c.region,
            postal_codes: c.postal_codes,
            population: c.population.unwrap_or(0),
            lat: c.lat,
            lon: c.lon,
            geo_precision: c.geo_precision,
        })
        .collect();
    let rome: Vec<NewRome> = pairs("rome.csv", ROME)?
        .into_iter()
        .map(|(code, label, _)| NewRome {
            label_folded: search_key(&label),
            code,
            label,
        })
        .collect();
    let naf: Vec<NafDivision> = read("naf_divisions.csv", NAF)?;
    let naf_rome: Vec<NafRome> = read("naf_division_rome.csv", NAF_ROME)?;
    let naf_codes = naf_tree()?;

    let loaded = Loaded {
        regions: regions.len(),
        departments: departments.len(),
        communes: communes.len(),
        rome: rome.len(),
        naf: naf.len(),
        naf_codes: naf_codes.len(),
        naf_rome: naf_rome.len(),
    };
    crate::with_backend!(conn, c => c.transaction::<_, anyhow::Error, _>(|c| {
        use schema::*;
        diesel::delete(instance_settings::table.find(OFFICIAL_NAF)).execute(c)?;
        diesel::delete(naf_division_rome::table).execute(c)?;
        diesel::delete(naf_divisions::table).execute(c)?;
        diesel::delete(naf_codes::table).execute(c)?;
        diesel::delete(rome_occupations::table).execute(c)?;
        diesel::delete(communes::table).execute(c)?;
        diesel::delete(departments::table).execute(c)?;
        diesel::delete(regions::table).execute(c)?;
        for chunk in regions.chunks(500) {
            diesel::insert_into(regions::table).values(chunk).execute(c)?;
        }
        for chunk in departments.chunks(500) {
            diesel::insert_into(departments::table).values(chunk).execute(c)?;
        }
        // SQLite accepts at most 32,766 bound parameters in one statement.
        for chunk in communes.chunks(2000) {
            diesel::insert_into(communes::table).values(chunk).execute(c)?;
        }
        for chunk in rome.chunks(2000) {
            diesel::insert_into(rome_occupations::table).values(chunk).execute(c)?;
        }
        for chunk in naf.chunks(2000) {
            diesel::insert_into(naf_divisions::table).values(chunk).execute(c)?;
        }
        for chunk in naf_codes.chunks(2000) {
            diesel::insert_into(naf_codes::table).values(chunk).execute(c)?;
        }
        for chunk in naf_rome.chunks(2000) {
            diesel::insert_into(naf_division_rome::table).values(chunk).execute(c)?;
        }
        Ok(())
    }))?;
    Ok(loaded)
}

/// Brings the NAF labels and tree of a database loaded by an earlier version up to the
/// embedded files (accented division labels, whole tree), in one transaction; returns whether
/// anything changed. Other tables are left alone: they carry no fix since.
pub fn refresh_naf(conn: &mut DbConnection) -> anyhow::Result<bool> {
    // An official file loaded since (`passerelle reference load --naf`) is newer than the
    // embedded one: it stays.
    if official_naf(conn)? {
        return Ok(false);
    }
    let divisions: Vec<NafDivision> = read("naf_divisions.csv", NAF)?;
    let tree = naf_tree()?;
    let stored: Vec<(String, String)> = schema::naf_divisions::table
        .select((schema::naf_divisions::code, schema::naf_divisions::label))
        .order(schema::naf_divisions::code)
        .load(conn)?;
    let mut embedded: Vec<(String, String)> = divisions
        .iter()
        .map(|d| (d.code.clone(), d.label.clone()))
        .collect();
    embedded.sort();
    let tree_count: i64 = schema::naf_codes::table.count().get_result(conn)?;
    if stored == embedded && tree_count == tree.len() as i64 {
        return Ok(false);
    }
    crate::with_backend!(conn, c => c.transaction::<_, anyhow::Error, _>(|c| {
        use schema::*;
        for d in &divisions {
            diesel::update(naf_divisions::table.find(&d.code))
                .set(naf_divisions::label.eq(&d.label))
                .execute(c)?;
        }
        diesel::delete(naf_codes::table).execute(c)?;
        for chunk in tree.chunks(2000) {
            diesel::insert_into(naf_codes::table).values(chunk).execute(c)?;
        }
        Ok(())
    }))?;
    Ok(true)
}

/// The setting that records that the NAF tree comes from an official file.
pub(super) const OFFICIAL_NAF: &str = "reference.naf_official";

fn official_naf(conn: &mut DbConnection) -> anyhow::Result<bool> {
    let count: i64 = schema::instance_settings::table
        .filter(schema::instance_settings::key.eq(OFFICIAL_NAF))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// True when the referential has been loaded at least once.
pub fn is_loaded(conn: &mut DbConnection) -> anyhow::Result<bool> {
    let count: i64 = schema::communes::table.count().get_result(conn)?;
    Ok(count > 0)
}
