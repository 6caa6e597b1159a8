//! `passerelle bench search`: loads offers (the benchmark CSV, or N generated from a seed) into
//! an on-disk index, runs the queries (the benchmark JSONL, or generated), and prints one JSON
//! line per query then a summary (build time, latency per kind, peak memory, targets).
//! Formats: the benchmark README (samples copied in `tests/data/bench/`).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use serde::Deserialize;

use super::generate::{BenchQuery, KINDS, OfferGenerator, reference};
use super::{OfferDoc, OfferIndex, OfferQuery, Sort, department_of, haversine_km};

/// p99 latency target for every query kind.
const TARGET_P99: Duration = Duration::from_millis(20);
const TARGET_BUILD: Duration = Duration::from_secs(120);
const TARGET_MEMORY_BYTES: u64 = 1536 * 1024 * 1024;

#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Offers CSV (`;`, quoted, header: reference;title;description;rome_code;…).
    #[arg(long, conflicts_with = "generate")]
    pub offers: Option<PathBuf>,
    /// Queries JSONL; without it, `--queries-count` queries are generated from the seed.
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// Generate this many offers from the seed instead of reading a CSV.
    #[arg(long)]
    pub generate: Option<usize>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of generated queries (the six kinds in turn).
    #[arg(long, default_value_t = 600)]
    pub queries_count: usize,
    /// Index folder (kept afterwards); default: a temporary folder, removed at the end.
    #[arg(long)]
    pub index_dir: Option<PathBuf>,
    /// Recompute the total of every query without words by brute force; fail on a mismatch.
    #[arg(long)]
    pub check: bool,
    /// Use the index already in `--index-dir` as it is (no rebuild; the offers are still read
    /// or generated for `--check`).
    #[arg(long, requires = "index_dir")]
    pub reuse: bool,
    /// Also count facets (contract type, level, department) in the timed queries.
    #[arg(long)]
    pub facets: bool,
    /// Write the offers used (generated or read) as a benchmark CSV, e.g. to load the peers.
    #[arg(long)]
    pub export_offers: Option<PathBuf>,
    /// Write the queries used as a benchmark JSONL.
    #[arg(long)]
    pub export_queries: Option<PathBuf>,
}

impl Default for BenchArgs {
    fn default() -> Self {
        Self {
            offers: None,
            queries: None,
            generate: None,
            seed: 42,
            queries_count: 600,
            index_dir: None,
            check: false,
            reuse: false,
            facets: false,
            export_offers: None,
            export_queries: None,
        }
    }
}

/// Runs the benchmark, printing to standard output.
pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let report = run_to(&args, &mut out)?;
    out.flush()?;
    if report.mismatches > 0 {
        bail!(
            "{} of {} checked totals differ from the brute-force count",
            report.mismatches,
            report.checked
        );
    }
    Ok(())
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Report {
    pub offers: u64,
    pub build: Duration,
    /// kind → latencies of the timed pass, sorted.
    pub latencies: BTreeMap<String, Vec<Duration>>,
    pub peak_memory_bytes: Option<u64>,
    pub checked: usize,
    pub mismatches: usize,
}

/// Runs the benchmark, writing the per-query lines and the summary to `out`.
pub fn run_to(args: &BenchArgs, out: &mut dyn Write) -> anyhow::Result<Report> {
    // Declared before the index so that it is removed after the index is closed.
    let mut _temp_dir: Option<TempDir> = None;
    let index_dir = match &args.index_dir {
        Some(dir) => dir.clone(),
        None => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let dir = std::env::temp_dir().join(format!(
                "passerelle-bench-search-{}-{nanos}",
                std::process::id()
            ));
            _temp_dir = Some(TempDir(dir.clone()));
            dir
        }
    };
    let index = OfferIndex::open_or_create(&index_dir)?;

    // Offers: streamed into the index; with --check, a compact copy is kept.
    let checks: RefCell<CheckTable> = RefCell::new(CheckTable::default());
    let failure: RefCell<Option<anyhow::Error>> = RefCell::new(None);
    let mut exporter = match &args.export_offers {
        Some(path) => Some(OfferCsvWriter::create(path)?),
        None => None,
    };
    let keep = |doc: &OfferDoc, siret: Option<&str>, exporter: &mut Option<OfferCsvWriter>| {
        if args.check {
            checks.borrow_mut().push(doc);
        }
        if let Some(w) = exporter
            && let Err(e) = w.write(doc, siret.unwrap_or(""))
        {
            failure.borrow_mut().get_or_insert(e);
        }
    };
    let bar = progress_bar(args.generate.map(|n| n as u64));
    let load = |docs: &mut dyn Iterator<Item = OfferDoc>| -> anyhow::Result<u64> {
        if args.reuse {
            if args.check || args.export_offers.is_some() {
                docs.for_each(drop);
            }
            Ok(index.len())
        } else {
            index.rebuild(docs, |n| bar.set_position(n))
        }
    };
    let started = Instant::now();
    let offers = match (&args.offers, args.generate) {
        (Some(path), _) => {
            let mut docs = read_offers(path)?
                .map_while(|row| match row {
                    Ok(doc) => Some(doc),
                    Err(e) => {
                        failure.borrow_mut().get_or_insert(e);
                        None
                    }
                })
                .inspect(|doc| keep(doc, None, &mut exporter));
            load(&mut docs)?
        }
        (None, Some(n)) => {
            let mut docs = OfferGenerator::new(args.seed, n).map(|g| {
                keep(&g.doc, Some(&g.siret), &mut exporter);
                g.doc
            });
            load(&mut docs)?
        }
        (None, None) => bail!("give --offers FILE or --generate N"),
    };
    let build = started.elapsed();
    bar.finish_and_clear();
    if let Some(e) = failure.into_inner() {
        return Err(e);
    }
    if let Some(w) = exporter {
        w.finish()?;
    }
    let checks = checks.into_inner();

    let queries = match &args.queries {
        Some(path) => read_queries(path)?,
        None => super::generate::queries(args.seed, args.queries_count),
    };
    if let Some(path) = &args.export_queries {
        let mut w = BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        );
        for q in &queries {
            serde_json::to_writer(&mut w, q)?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
    }
    let prepared: Vec<(&BenchQuery, Option<OfferQuery>)> =
        queries.iter().map(|q| (q, to_offer_query(q))).collect();

    // Warm-up, then the timed pass.
    for q in prepared.iter().filter_map(|(_, q)| q.as_ref()) {
        index.search(q, args.facets)?;
    }
    let mut latencies: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut checked = 0;
    let mut mismatches = 0;
    for (bq, q) in &prepared {
        let (total, ids, elapsed) = match q {
            Some(q) => {
                let t = Instant::now();
                let result = index.search(q, args.facets)?;
                let elapsed = t.elapsed();
                let ids: Vec<String> = result.hits.into_iter().map(|h| h.id).collect();
                (result.total, ids, elapsed)
            }
            // A centre that is not a known commune with a position: nothing is inside.
            None => (0, Vec::new(), Duration::ZERO),
        };
        latencies.entry(bq.kind.clone()).or_default().push(elapsed);
        serde_json::to_writer(
            &mut *out,
            &serde_json::json!({
                "id": bq.id,
                "total": total,
                "ids": ids,
                "micros": elapsed.as_micros() as u64,
            }),
        )?;
        out.write_all(b"\n")?;
        if args.check && bq.q.as_deref().is_none_or(|s| s.trim().is_empty()) {
            checked += 1;
            let expected = checks.count(q.as_ref());
            if expected != total {
                mismatches += 1;
                writeln!(
                    out,
                    "# CHECK FAILED {}: index total {total}, brute force {expected}",
                    bq.id
                )?;
            }
        }
    }
    for v in latencies.values_mut() {
        v.sort();
    }
    let report = Report {
        offers,
        build,
        latencies,
        peak_memory_bytes: peak_memory_bytes(),
        checked,
        mismatches,
    };
    write_summary(out, &report, &index, args)?;
    drop(index);
    Ok(report)
}

/// Removes the temporary index folder at the end.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn progress_bar(len: Option<u64>) -> indicatif::ProgressBar {
    let bar = match len {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("indexing {pos}/{len} offers [{elapsed_precise}]")
    {
        bar.set_style(style);
    }
    bar
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn write_summary(
    out: &mut dyn Write,
    report: &Report,
    index: &OfferIndex,
    args: &BenchArgs,
) -> anyhow::Result<()> {
    writeln!(out, "# offers: {}", report.offers)?;
    writeln!(
        out,
        "# index build: {:.1} s ({} segment(s){})",
        report.build.as_secs_f64(),
        index.segment_count(),
        if args.reuse {
            ", REUSED index: not a build time"
        } else if args.generate.is_some() {
            ", generation included"
        } else {
            ", CSV parsing included"
        }
    )?;
    writeln!(
        out,
        "# latency per kind (ms, timed pass after one warm-up pass{}):",
        if args.facets { ", with facets" } else { "" }
    )?;
    writeln!(
        out,
        "# {:<16} {:>5} {:>8} {:>8} {:>8} {:>8}",
        "kind", "n", "p50", "p95", "p99", "max"
    )?;
    let mut worst: Option<(&str, Duration)> = None;
    let mut kinds: Vec<&str> = KINDS.to_vec();
    for k in report.latencies.keys() {
        if !kinds.contains(&k.as_str()) {
            kinds.push(k);
        }
    }
    for kind in kinds {
        let Some(v) = report.latencies.get(kind) else {
            continue;
        };
        let p99 = percentile(v, 99.0);
        writeln!(
            out,
            "# {:<16} {:>5} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            kind,
            v.len(),
            ms(percentile(v, 50.0)),
            ms(percentile(v, 95.0)),
            ms(p99),
            ms(*v.last().unwrap_or(&Duration::ZERO)),
        )?;
        if worst.is_none_or(|(_, w)| p99 > w) {
            worst = Some((kind, p99));
        }
    }
    match report.peak_memory_bytes {
        Some(b) => writeln!(
            out,
            "# peak memory (VmHWM): {:.0} MiB (positions and ids held in memory: {:.0} MiB)",
            b as f64 / 1048576.0,
            index.cache_bytes() as f64 / 1048576.0
        )?,
        None => writeln!(out, "# peak memory: unknown (no /proc/self/status)")?,
    }
    if args.check {
        writeln!(
            out,
            "# check: {} totals compared with brute force, {} mismatch(es)",
            report.checked, report.mismatches
        )?;
    }
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    let (worst_kind, worst_p99) = worst.unwrap_or(("-", Duration::ZERO));
    let memory = match report.peak_memory_bytes {
        Some(b) => format!(
            "{} ({:.0} MiB)",
            met(b < TARGET_MEMORY_BYTES),
            b as f64 / 1048576.0
        ),
        None => "unknown".to_owned(),
    };
    writeln!(
        out,
        "# targets: p99 < 20 ms for every kind: {} (worst {worst_kind} {:.2} ms); \
         index build < 120 s: {} ({:.1} s); peak memory < 1.5 GiB: {memory}",
        met(worst_p99 < TARGET_P99),
        ms(worst_p99),
        met(report.build < TARGET_BUILD && !args.reuse),
        report.build.as_secs_f64(),
    )?;
    Ok(())
}

/// Peak resident memory of this process (VmHWM), Linux only.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// One row of the offers CSV.
#[derive(Debug, Deserialize)]
struct CsvOffer {
    reference: String,
    title: String,
    description: String,
    rome_code: String,
    naf_division: Option<String>,
    contract_type: String,
    level: u8,
    commune_insee: String,
    lat: Option<f64>,
    lon: Option<f64>,
    start_date: NaiveDate,
    positions: u32,
    company_name: String,
    published_at: String,
}

impl CsvOffer {
    fn into_doc(self) -> anyhow::Result<OfferDoc> {
        let published_at = chrono::DateTime::parse_from_rfc3339(&self.published_at)
            .with_context(|| format!("{}: bad published_at", self.reference))?
            .naive_utc();
        let approximate_position = reference()
            .commune(&self.commune_insee)
            .is_none_or(|c| c.approximate);
        Ok(OfferDoc {
            department: department_of(&self.commune_insee).to_owned(),
            id: self.reference,
            title: self.title,
            description: self.description,
            company_name: self.company_name,
            rome_code: self.rome_code,
            naf_division: self.naf_division.filter(|s| !s.is_empty()),
            contract_type: self.contract_type,
            level: self.level,
            commune_insee: self.commune_insee,
            lat: self.lat,
            lon: self.lon,
            approximate_position,
            start_date: self.start_date,
            published_at,
            positions: self.positions,
        })
    }
}

/// Reads an offers CSV of the benchmark format, one offer at a time.
pub fn read_offers(
    path: &Path,
) -> anyhow::Result<impl Iterator<Item = anyhow::Result<OfferDoc>> + use<>> {
    let reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display().to_string();
    Ok(reader
        .into_deserialize::<CsvOffer>()
        .enumerate()
        .map(move |(n, row)| {
            row.map_err(anyhow::Error::from)
                .and_then(CsvOffer::into_doc)
                .with_context(|| format!("{name}: offer {}", n + 1))
        }))
}

/// Writes offers in the benchmark CSV format.
struct OfferCsvWriter {
    writer: csv::Writer<std::fs::File>,
}

impl OfferCsvWriter {
    fn create(path: &Path) -> anyhow::Result<Self> {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_path(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        writer.write_record([
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
        ])?;
        Ok(Self { writer })
    }

    fn write(&mut self, d: &OfferDoc, siret: &str) -> anyhow::Result<()> {
        let coord = |v: Option<f64>| v.map(|v| format!("{v:.5}")).unwrap_or_default();
        self.writer.write_record([
            d.id.as_str(),
            &d.title,
            &d.description,
            &d.rome_code,
            d.naf_division.as_deref().unwrap_or(""),
            &d.contract_type,
            &d.level.to_string(),
            &d.commune_insee,
            &coord(d.lat),
            &coord(d.lon),
            &d.start_date.to_string(),
            &d.positions.to_string(),
            siret,
            &d.company_name,
            &d.published_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ])?;
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}

/// Reads a queries JSONL of the benchmark format.
pub fn read_queries(path: &Path) -> anyhow::Result<Vec<BenchQuery>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line).with_context(|| format!("{}:{}", path.display(), n + 1))?,
        );
    }
    Ok(out)
}

/// The search for a benchmark query; `None` when its centre is not a commune with a position
/// (no offer can be inside then).
pub fn to_offer_query(q: &BenchQuery) -> Option<OfferQuery> {
    let center = match &q.commune {
        Some(insee) => Some(reference().commune(insee)?.position?),
        None => None,
    };
    Some(OfferQuery {
        q: q.q.clone(),
        rome: q.rome.clone().unwrap_or_default(),
        naf_division: None,
        center,
        radius_km: q.radius_km,
        department: q.department.clone(),
        contract_type: q.contract_type.clone(),
        level: q.level,
        start_after: q.start_after,
        sort: match q.sort.as_deref() {
            Some("distance") => Sort::Distance,
            Some("date") => Sort::Date,
            _ => Sort::Relevance,
        },
        offset: 0,
        limit: q.limit.unwrap_or(20),
    })
}

/// What the brute-force check needs of each offer (about 40 bytes).
#[derive(Default)]
pub(crate) struct CheckTable {
    codes: HashMap<String, u32>,
    rows: Vec<CheckRow>,
}

struct CheckRow {
    rome: u32,
    naf: u32,
    department: u32,
    contract: u32,
    level: u8,
    start: NaiveDate,
    position: Option<(f64, f64)>,
}

impl CheckTable {
    fn code(&mut self, s: &str) -> u32 {
        if let Some(&c) = self.codes.get(s) {
            return c;
        }
        let c = self.codes.len() as u32 + 1;
        self.codes.insert(s.to_owned(), c);
        c
    }

    fn lookup(&self, s: &str) -> u32 {
        // 0 is never given to a value: an unknown value matches nothing.
        self.codes.get(s).copied().unwrap_or(0)
    }

    pub(crate) fn push(&mut self, d: &OfferDoc) {
        let row = CheckRow {
            rome: self.code(&d.rome_code),
            naf: d.naf_division.as_deref().map(|n| self.code(n)).unwrap_or(0),
            department: self.code(&d.department),
            contract: self.code(&d.contract_type),
            level: d.level,
            start: d.start_date,
            position: d.lat.zip(d.lon),
        };
        self.rows.push(row);
    }

    /// Brute-force count of the offers matching a query without words (`None`: unknown
    /// centre, nothing matches).
    pub(crate) fn count(&self, q: Option<&OfferQuery>) -> u64 {
        let Some(q) = q else { return 0 };
        let romes: Vec<u32> = q.rome.iter().map(|r| self.lookup(r)).collect();
        let naf = q.naf_division.as_deref().map(|s| self.lookup(s));
        let department = q.department.as_deref().map(|s| self.lookup(s));
        let contract = q.contract_type.as_deref().map(|s| self.lookup(s));
        let radius = q.center.zip(q.radius_km);
        self.rows
            .iter()
            .filter(|r| romes.is_empty() || romes.contains(&r.rome))
            .filter(|r| naf.is_none_or(|n| n == r.naf && n != 0))
            .filter(|r| department.is_none_or(|d| d == r.department))
            .filter(|r| contract.is_none_or(|c| c == r.contract))
            .filter(|r| q.level.is_none_or(|l| l == r.level))
            .filter(|r| q.start_after.is_none_or(|s| r.start >= s))
            .filter(|r| match (radius, r.position) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some((c, km)), Some(p)) => haversine_km(c, p) <= km,
            })
            .count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/bench")
            .join(name)
    }

    #[test]
    fn runs_on_the_sample_and_totals_match_brute_force() {
        let args = BenchArgs {
            offers: Some(sample("offers-sample.csv")),
            queries: Some(sample("queries-sample.jsonl")),
            check: true,
            facets: true,
            ..Default::default()
        };
        let mut out = Vec::new();
        let report = run_to(&args, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(report.offers, 2000);
        assert_eq!(report.checked, 80, "{text}");
        assert_eq!(report.mismatches, 0, "{text}");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 120);
        assert!(lines.iter().all(|l| {
            l["ids"].as_array().unwrap().len() <= l["total"].as_u64().unwrap() as usize
        }));
        assert!(text.contains("# targets:"), "{text}");
    }

    #[test]
    fn runs_on_generated_data() {
        let args = BenchArgs {
            generate: Some(1500),
            queries_count: 60,
            check: true,
            seed: 7,
            ..Default::default()
        };
        let mut out = Vec::new();
        let report = run_to(&args, &mut out).unwrap();
        assert_eq!(report.offers, 1500);
        assert_eq!(report.checked, 40);
        assert_eq!(report.mismatches, 0);
        assert_eq!(report.latencies.len(), 6);
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&v, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&v[..1], 99.0), Duration::from_millis(1));
    }
}
