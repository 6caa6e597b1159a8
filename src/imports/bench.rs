//! `passerelle bench import`: generates a partner file in the generic format (N rows, real
//! communes and ROME codes, Luhn-valid SIRETs, start dates to come), loads it twice through
//! the trusted `demo-generic` profile into a fresh SQLite database (or an empty PostgreSQL
//! one, `--postgres`), and prints the time, rows per second and counts of each run, the
//! peak memory and whether the targets are met: first run (every offer created and indexed)
//! < 20 s, second run (same file) < 5 s with nothing changed.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Duration as Days;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::service::{self, Channel, ImportRun, Upload};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::search::generate::OfferGenerator;
use crate::types::{Role, Siret};
use crate::{AppState, Config};

const TARGET_FIRST: Duration = Duration::from_secs(20);
const TARGET_SECOND: Duration = Duration::from_secs(5);

/// The header of the benchmark's offers CSV (`../shared/bench/README.md`), which the
/// `generic` preset reads (it leaves `naf_division`, `lat`, `lon` and `published_at` aside).
pub const HEADER: [&str; 15] = [
    "reference",
    "title",
    "description",
    "rome_code",
    "naf_division",
    "contract_type",
    "level",
    "commune_insee",
    "lat",
    "lon",
    "start_date",
    "positions",
    "siret",
    "company_name",
    "published_at",
];

/// Import profile of the demo dataset used (trusted: offers are published at once).
const PROFILE: &str = "demo-generic";

#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Rows of the generated file.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Distinct employers (SIRETs) in the file; default: one for every 3 rows.
    #[arg(long)]
    pub companies: Option<usize>,
    /// Folder of the database and search index, kept afterwards (it must not hold a
    /// database yet); default: a temporary folder, removed at the end. (Not `--data-dir`,
    /// the server's option, which always has a value.)
    #[arg(long)]
    pub keep_dir: Option<PathBuf>,
    /// Also write the generated file here.
    #[arg(long)]
    pub export_csv: Option<PathBuf>,
    /// An empty PostgreSQL database to import into (`postgres://…`, made with `createdb`)
    /// instead of a fresh SQLite one; the search index stays in the folder above. (Not
    /// `--database-url`, the server's option, which always has a value.)
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
}

impl Default for BenchArgs {
    fn default() -> Self {
        Self {
            rows: 100_000,
            seed: 42,
            companies: None,
            keep_dir: None,
            export_csv: None,
            postgres: None,
        }
    }
}

/// What one import run measured.
#[derive(Debug, Clone)]
pub struct Measured {
    pub wall: Duration,
    pub run: ImportRun,
}

impl Measured {
    pub fn rows_per_second(&self) -> f64 {
        f64::from(self.run.received) / self.wall.as_secs_f64().max(1e-9)
    }
    /// Offers created, updated or withdrawn.
    pub fn changes(&self) -> i32 {
        self.run.created + self.run.updated + self.run.withdrawn
    }
}

/// What the benchmark measured.
#[derive(Debug, Clone)]
pub struct Report {
    pub first: Measured,
    pub second: Measured,
    /// Offers in the search index after the first run.
    pub indexed_after_first: u64,
    pub peak_memory_bytes: Option<u64>,
}

impl Report {
    pub fn first_met(&self) -> bool {
        self.first.wall < TARGET_FIRST && self.first.run.rejected == 0
    }
    pub fn second_met(&self) -> bool {
        self.second.wall < TARGET_SECOND && self.second.changes() == 0
    }
}

/// A Luhn-valid SIRET (13 random digits and the check digit).
fn siret(rng: &mut impl Rng) -> String {
    let digits: String = (0..13)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect();
    (0..10u8)
        .map(|check| format!("{digits}{}", char::from(b'0' + check)))
        .find(|candidate| crate::types::luhn_valid(candidate))
        .expect("one check digit makes any number Luhn-valid")
}

/// The partner file: `rows` offers over `companies` employers, deterministic for a seed.
pub fn generate_csv(rows: usize, seed: u64, companies: usize) -> anyhow::Result<Vec<u8>> {
    let companies = companies.max(1);
    let mut rng = StdRng::seed_from_u64(seed ^ 0x696d_706f_7274);
    let mut seen = HashSet::new();
    let mut sirets = Vec::with_capacity(companies);
    while sirets.len() < companies {
        let s = siret(&mut rng);
        // Clear of La Poste's numbering, which skips the Luhn rule.
        if !s.starts_with("356000000") && seen.insert(s.clone()) {
            debug_assert!(Siret::parse(&s).is_ok());
            sirets.push(s);
        }
    }
    // An employer keeps the name of its first offer.
    let mut names: Vec<Option<String>> = vec![None; companies];
    let today = crate::clock::today_paris();
    let mut out = Vec::with_capacity(rows * 450);
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        w.write_record(HEADER)?;
        for generated in OfferGenerator::new(seed, rows) {
            let d = generated.doc;
            let k = rng.random_range(0..companies);
            let name = names[k].get_or_insert_with(|| d.company_name.clone());
            let start = today + Days::days(rng.random_range(14..365));
            // Titles stay within the 150 characters an offer may have.
            let title = if d.title.chars().count() > 150 {
                d.title
                    .chars()
                    .take(150)
                    .collect::<String>()
                    .trim()
                    .to_owned()
            } else {
                d.title
            };
            let coord = |v: Option<f64>| v.map(|v| format!("{v:.5}")).unwrap_or_default();
            w.write_record([
                d.id.as_str(),
                &title,
                &d.description,
                &d.rome_code,
                d.naf_division.as_deref().unwrap_or(""),
                &d.contract_type,
                &d.level.to_string(),
                &d.commune_insee,
                &coord(d.lat),
                &coord(d.lon),
                &start.to_string(),
                &d.positions.to_string(),
                &sirets[k],
                name,
                &d.published_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ])?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// The file's employers, registered as validated companies that delegate their offers to the
/// partner (an import names only such companies): part of the setup, not of the measure.
async fn register_employers(
    state: &AppState,
    bytes: &[u8],
    partner_id: String,
) -> anyhow::Result<usize> {
    let mut employers = std::collections::BTreeMap::new();
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(bytes);
    for record in reader.records() {
        let record = record?;
        if let (Some(siret), Some(name)) = (record.get(12), record.get(13)) {
            employers
                .entry(siret.to_owned())
                .or_insert_with(|| name.to_owned());
        }
    }
    let count = employers.len();
    state
        .db
        .tx(move |conn| {
            for (siret, name) in &employers {
                let siret = Siret::parse(siret)
                    .map_err(|m| crate::error::AppError::internal(anyhow::anyhow!(m)))?;
                let id = crate::organisations::store::create(
                    conn,
                    crate::organisations::store::NewOrganisation {
                        kind: crate::types::OrgKind::Company,
                        name,
                        network: None,
                        siret: Some(&siret),
                        commune_insee: None,
                        status: crate::types::OrgStatus::Active,
                        departments: &[],
                    },
                )?;
                crate::organisations::store::add_delegation(conn, &id, &partner_id)?;
            }
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(count)
}

/// Removes the temporary folder at the end.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// Loads the demo dataset (the bench imports through its trusted profile): given by the
/// caller, which knows every capability's demo rows.
pub type LoadDemo = fn(&mut DbConnection) -> AppResult<bool>;

/// Runs the benchmark, printing to standard output. `config` is the command line's: its
/// database and data folder are replaced by a fresh SQLite database (or the empty PostgreSQL
/// database given) and a temporary folder.
pub async fn run(args: BenchArgs, config: Config, load_demo: LoadDemo) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    run_to(&args, config, load_demo, &mut stdout.lock()).await?;
    Ok(())
}

/// Runs the benchmark, writing its lines to `out`.
pub async fn run_to(
    args: &BenchArgs,
    mut config: Config,
    load_demo: LoadDemo,
    out: &mut dyn Write,
) -> anyhow::Result<Report> {
    let companies = args.companies.unwrap_or(args.rows / 3).max(1);
    let started = Instant::now();
    let (rows, seed) = (args.rows, args.seed);
    let bytes = tokio::task::spawn_blocking(move || generate_csv(rows, seed, companies)).await??;
    writeln!(
        out,
        "# import benchmark: {} rows (seed {}, {} employers), generic CSV of {:.1} MiB generated in {:.2} s",
        args.rows,
        args.seed,
        companies,
        mib(bytes.len() as u64),
        started.elapsed().as_secs_f64()
    )?;
    if let Some(path) = &args.export_csv {
        std::fs::write(path, &bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }

    // Declared before the state so that it is removed after the database is closed.
    let mut _temp_dir: Option<TempDir> = None;
    let dir = match &args.keep_dir {
        Some(dir) => dir.clone(),
        None => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let dir = std::env::temp_dir().join(format!(
                "passerelle-bench-import-{}-{nanos}",
                std::process::id()
            ));
            _temp_dir = Some(TempDir(dir.clone()));
            dir
        }
    };
    let db_path = dir.join("passerelle.db");
    if db_path.exists() {
        bail!(
            "{} already holds a database: give an empty folder",
            dir.display()
        );
    }
    let database = match &args.postgres {
        Some(url) => match crate::db::DatabaseUrl::parse(url)? {
            crate::db::DatabaseUrl::Postgres(url) => {
                config.database_url = url;
                "PostgreSQL database".to_owned()
            }
            crate::db::DatabaseUrl::Sqlite(_) => {
                bail!("--postgres takes a PostgreSQL database (postgres://…)")
            }
        },
        None => {
            config.database_url = format!("sqlite://{}", db_path.display());
            format!("SQLite database in {}", dir.display())
        }
    };
    config.data_dir = dir.clone();
    config.smtp_url = None;
    config.ftps_addr = None;

    let setup = Instant::now();
    let state = tokio::task::spawn_blocking(move || -> anyhow::Result<AppState> {
        let state = AppState::init(config)?;
        state.ensure_reference_data()?;
        {
            let mut conn = state.db.conn()?;
            if !load_demo(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))? {
                bail!("the database already holds data: give an empty one");
            }
        }
        state.rebuild_search(|_| {})?;
        Ok(state)
    })
    .await??;
    let (profile, user_id) = state
        .db
        .run(|conn| {
            let profile = service::profile_by_identifier(conn, PROFILE)?;
            let user =
                crate::auth::store::by_email(conn, &crate::types::demo_email(Role::TrainingStaff))?;
            Ok((profile, user.map(|u| u.id)))
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let profile = profile.with_context(|| format!("the demo profile {PROFILE} is missing"))?;
    let employers = register_employers(&state, &bytes, profile.organisation_id.clone()).await?;
    writeln!(
        out,
        "# setup: {database}, reference data, demo dataset and {employers} employers \
         delegating to the centre loaded in {:.2} s; profile {PROFILE} ({} mode, {})",
        setup.elapsed().as_secs_f64(),
        profile.mode().as_str(),
        if profile.trusted {
            "trusted: offers published at once"
        } else {
            "offers sent to moderation"
        }
    )?;

    let mut measured = Vec::new();
    for round in 1..=2 {
        let upload = Upload {
            run_id: crate::db::new_id(),
            profile: profile.clone(),
            user_id: user_id.clone(),
            // Over HTTP the search index is updated within the run (the command line would
            // leave it to the server's job runner).
            channel: Channel::Http,
            file_name: "bench-offres.csv".to_owned(),
            bytes: bytes.clone(),
        };
        let bar = indicatif::ProgressBar::new(args.rows as u64);
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "run {msg}: {pos}/{len} rows [{elapsed_precise}]",
        ) {
            bar.set_style(style);
        }
        bar.set_message(round.to_string());
        let progress = {
            let bar = bar.clone();
            move |done: usize| {
                bar.set_position(done as u64);
                Ok(())
            }
        };
        let t = Instant::now();
        let run = service::run(&state, upload, progress)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let wall = t.elapsed();
        bar.finish_and_clear();
        if let Some(error) = &run.error {
            bail!("run {round} refused the file: {error}");
        }
        let m = Measured { wall, run };
        let applied = Duration::from_millis(u64::try_from(m.run.duration_ms.unwrap_or(0))?);
        writeln!(
            out,
            "run {round}: {:.2} s, {:.0} rows/s — created {}, updated {}, unchanged {}, \
             withdrawn {}, rejected {} (rows read and applied: {:.2} s; commit, mail and \
             search index: {:.2} s)",
            wall.as_secs_f64(),
            m.rows_per_second(),
            m.run.created,
            m.run.updated,
            m.run.unchanged,
            m.run.withdrawn,
            m.run.rejected,
            applied.as_secs_f64(),
            wall.saturating_sub(applied).as_secs_f64()
        )?;
        if round == 1 && m.run.rejected > 0 {
            let id = m.run.id.clone();
            let first = state
                .db
                .run(move |conn| service::rejections(conn, &id))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for r in first.iter().take(5) {
                writeln!(
                    out,
                    "#   rejected line {} ({}), {}: {}",
                    r.line, r.reference, r.column, r.reason
                )?;
            }
        }
        measured.push(m);
    }
    let second = measured.pop().expect("two runs");
    let first = measured.pop().expect("two runs");
    let report = Report {
        first,
        second,
        indexed_after_first: state.search.len(),
        peak_memory_bytes: crate::search::bench::peak_memory_bytes(),
    };
    writeln!(
        out,
        "# search index: {} offers (demo and imported)",
        report.indexed_after_first
    )?;
    match report.peak_memory_bytes {
        Some(b) => writeln!(out, "# peak memory (VmHWM): {:.0} MiB", mib(b))?,
        None => writeln!(out, "# peak memory: unknown (no /proc/self/status)")?,
    }
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    writeln!(
        out,
        "# targets: first run < {} s including the search index: {} ({:.2} s, {} rejected); \
         second run < {} s with no change: {} ({:.2} s, {} created + updated + withdrawn)",
        TARGET_FIRST.as_secs(),
        met(report.first_met()),
        report.first.wall.as_secs_f64(),
        report.first.run.rejected,
        TARGET_SECOND.as_secs(),
        met(report.second_met()),
        report.second.wall.as_secs_f64(),
        report.second.changes()
    )?;
    drop(state);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generic_preset_reads_the_benchmark_header() {
        let preset = super::super::profile::preset("generic").expect("generic preset");
        for (field, column) in preset.columns {
            assert!(
                HEADER.contains(column),
                "{field}: {column} not in the header"
            );
        }
    }

    #[test]
    fn generated_rows_are_valid_and_deterministic() {
        let csv = generate_csv(200, 7, 20).expect("generated");
        assert_eq!(csv, generate_csv(200, 7, 20).expect("generated"));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(csv.as_slice());
        assert_eq!(reader.headers().expect("header"), HEADER.as_slice());
        let today = crate::clock::today_paris();
        let reference = crate::search::generate::reference();
        let mut sirets = HashSet::new();
        let mut rows = 0;
        for record in reader.records() {
            let r = record.expect("row");
            rows += 1;
            assert!(Siret::parse(&r[12]).is_ok(), "{}", &r[12]);
            sirets.insert(r[12].to_owned());
            assert!(reference.commune(&r[7]).is_some(), "{}", &r[7]);
            assert!(reference.romes.iter().any(|x| x.code == &r[3]), "{}", &r[3]);
            let start: chrono::NaiveDate = r[10].parse().expect("date");
            assert!(start > today);
            assert!(r[1].chars().count() <= 150);
            assert!(r[2].chars().count() >= 30);
        }
        assert_eq!(rows, 200);
        assert!(sirets.len() <= 20 && sirets.len() > 5, "{}", sirets.len());
    }
}
