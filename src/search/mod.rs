//! Offer search: words (French analysis), ROME codes, NAF division, place (radius or
//! department), contract type, level and start date, sorted by relevance, distance or date,
//! with exact totals and optional facet counts.
//!
//! The database stays the source of truth: this index (tantivy) stores no text, only what it
//! needs to match, sort and count, and can always be rebuilt from the offers the caller gives
//! ([`OfferIndex::rebuild`]). Searches read a snapshot; [`OfferIndex::upsert`] and
//! [`OfferIndex::delete`] commit and make the change visible to the next search.
//!
//! Radius queries take their candidates from the bounding box (a fast-field range scan), then
//! decide with the haversine distance on a sphere of radius 6,371.0088 km (compared first
//! through the chord between unit vectors held in memory, which needs no trigonometry, and with
//! the haversine itself near the limit, so the answer is the haversine's): see `radius.rs`.

pub mod analyzer;
pub mod bench;
mod cache;
pub mod changes;
mod collector;
pub mod generate;
pub mod geo;
mod radius;
mod schema;

use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};

use collector::{GeoSpec, OfferCollector, Order};
pub use geo::haversine_km;
use schema::Fields;

/// One offer as indexed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferDoc {
    /// The offer's id in the database (the partner's reference in the benchmark).
    pub id: String,
    pub title: String,
    pub description: String,
    pub company_name: String,
    pub rome_code: String,
    pub naf_division: Option<String>,
    /// `apprentissage` or `professionnalisation`.
    pub contract_type: String,
    /// Targeted diploma level, 3 (CAP) … 8 (doctorate).
    pub level: u8,
    pub commune_insee: String,
    /// First 2 characters of the INSEE code, 3 for overseas departments (`97x`); see
    /// [`department_of`].
    pub department: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The commune's position is approximate (`geo_precision` other than `commune`).
    pub approximate_position: bool,
    pub start_date: chrono::NaiveDate,
    /// UTC.
    pub published_at: chrono::NaiveDateTime,
    pub positions: u32,
}

/// The department code of an INSEE commune code: 2 characters, 3 for `97x`.
pub fn department_of(insee: &str) -> &str {
    let n = if insee.starts_with("97") { 3 } else { 2 };
    insee.get(..n).unwrap_or(insee)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// Text score; without words (or on equal scores), most recently published first.
    #[default]
    Relevance,
    /// Nearest first (needs a centre; without one, falls back to date).
    Distance,
    /// Most recently published first.
    Date,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferQuery {
    /// Words; every word must be found (title, description or company name).
    pub q: Option<String>,
    /// Any of these ROME codes.
    pub rome: Vec<String>,
    pub naf_division: Option<String>,
    /// (lat, lon) in degrees.
    pub center: Option<(f64, f64)>,
    /// With `center`: only offers whose haversine distance is ≤ this (offers without a
    /// position never match).
    pub radius_km: Option<f64>,
    pub department: Option<String>,
    pub contract_type: Option<String>,
    pub level: Option<u8>,
    /// `start_date >= start_after`.
    pub start_after: Option<chrono::NaiveDate>,
    pub sort: Sort,
    pub offset: usize,
    pub limit: usize,
}

impl Default for OfferQuery {
    fn default() -> Self {
        Self {
            q: None,
            rome: Vec::new(),
            naf_division: None,
            center: None,
            radius_km: None,
            department: None,
            contract_type: None,
            level: None,
            start_after: None,
            sort: Sort::Relevance,
            offset: 0,
            limit: 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    /// Text score (0 without words or when not sorting by relevance).
    pub score: f32,
    /// Haversine distance to the centre, when there is a centre and the offer has a position.
    pub distance_km: Option<f64>,
    /// The distance is computed from an approximate position of the commune.
    pub approximate_position: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facets {
    /// Most frequent first, then by value.
    pub contract_type: Vec<(String, u64)>,
    /// By level.
    pub level: Vec<(u8, u64)>,
    /// Most frequent first, then by code.
    pub department: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    /// Exact number of matching offers.
    pub total: u64,
    pub hits: Vec<Hit>,
    pub facets: Option<Facets>,
}

/// Largest `offset + limit` served (deeper pages answer no hits, with the right total).
pub const MAX_WINDOW: usize = 10_000;

/// Memory budget of the writer kept for updates.
const UPDATE_WRITER_BUDGET: usize = 50_000_000;
/// Memory budget of the writer used by [`OfferIndex::rebuild`], shared by its threads.
const REBUILD_WRITER_BUDGET: usize = 600_000_000;
/// Title words weigh more than description and company words.
const TITLE_BOOST: f32 = 2.0;

/// The offer index. `Send + Sync`: share it behind an `Arc`; searches run concurrently,
/// writes are serialised.
pub struct OfferIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    analyzer: TextAnalyzer,
    writer: Mutex<Option<IndexWriter>>,
    /// Positions and ids in memory, kept up to date by the reader (a warmer).
    cache: Arc<cache::SegmentCache>,
}

/// File of the index folder naming the analyzer version that wrote it.
const ANALYZER_MARKER: &str = "analyzer-version";

impl OfferIndex {
    /// Opens the index in `dir` (memory-mapped), creating it if needed. An index written with
    /// another schema is discarded (it is empty afterwards: rebuild it from the database).
    pub fn open_or_create(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create index folder {}", dir.display()))?;
        // Terms written by another analyzer would not meet the words people type now.
        let marker = dir.join(ANALYZER_MARKER);
        let written_by = std::fs::read_to_string(&marker).ok();
        if written_by.as_deref() != Some(analyzer::VERSION)
            && std::fs::read_dir(dir)?.next().is_some()
        {
            tracing::warn!(dir = %dir.display(), "offer index written by another analyzer: starting empty");
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot clear index folder {}", dir.display()))?;
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&marker, analyzer::VERSION)
            .with_context(|| format!("cannot write {}", marker.display()))?;
        let (schema, fields) = schema::build();
        let open = |schema| -> anyhow::Result<tantivy::Result<Index>> {
            let directory = MmapDirectory::open(dir)
                .with_context(|| format!("cannot open index folder {}", dir.display()))?;
            Ok(Index::open_or_create(directory, schema))
        };
        let index = match open(schema.clone())? {
            Ok(index) => index,
            Err(
                error @ (tantivy::TantivyError::SchemaError(_)
                | tantivy::TantivyError::IncompatibleIndex(_)
                | tantivy::TantivyError::DataCorruption(_)),
            ) => {
                tracing::warn!(%error, dir = %dir.display(), "offer index from another version or damaged: starting empty");
                std::fs::remove_dir_all(dir)
                    .with_context(|| format!("cannot clear index folder {}", dir.display()))?;
                std::fs::create_dir_all(dir)?;
                open(schema)??
            }
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("cannot open the index in {}", dir.display()));
            }
        };
        Self::from_index(index, fields)
    }

    /// An index in memory (tests, small tools).
    pub fn in_memory() -> anyhow::Result<Self> {
        let (schema, fields) = schema::build();
        Self::from_index(Index::create_in_ram(schema), fields)
    }

    fn from_index(index: Index, fields: Fields) -> anyhow::Result<Self> {
        let analyzer = analyzer::french_analyzer();
        index
            .tokenizers()
            .register(analyzer::FRENCH, analyzer.clone());
        let cache = Arc::new(cache::SegmentCache::default());
        let warmer: Arc<dyn tantivy::Warmer> = cache.clone();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .warmers(vec![Arc::downgrade(&warmer)])
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
            analyzer,
            writer: Mutex::new(None),
            cache,
        })
    }

    fn lock_writer(&self) -> std::sync::MutexGuard<'_, Option<IndexWriter>> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with_update_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let mut guard = self.lock_writer();
        if guard.is_none() {
            *guard = Some(
                self.index
                    .writer_with_num_threads(1, UPDATE_WRITER_BUDGET)?,
            );
        }
        let writer = guard.as_mut().expect("writer just created");
        let result = f(writer);
        if result.is_err() {
            // Forget what was not committed, and the writer with it: after a failed write (a
            // data folder read-only or full) the next update starts from a fresh one.
            let _ = writer.rollback();
            *guard = None;
        }
        result
    }

    /// Adds the offers, replacing those with the same id; visible to the next search.
    pub fn upsert(&self, docs: &[OfferDoc]) -> anyhow::Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        self.with_update_writer(|writer| {
            for doc in docs {
                writer.delete_term(Term::from_field_text(self.fields.id, &doc.id));
                writer.add_document(self.fields.document(doc))?;
            }
            writer.commit()?;
            Ok(())
        })?;
        self.reader.reload()?;
        Ok(())
    }

    /// Removes the offers with these ids; visible to the next search.
    pub fn delete(&self, ids: &[String]) -> anyhow::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.with_update_writer(|writer| {
            for id in ids {
                writer.delete_term(Term::from_field_text(self.fields.id, id));
            }
            writer.commit()?;
            Ok(())
        })?;
        self.reader.reload()?;
        Ok(())
    }

    /// Replaces the whole content with `docs` in one commit (searches see the old content
    /// until then), then merges it into one segment. `progress` receives the number of offers
    /// read so far, every 10,000 and at the end. Returns the number of offers indexed.
    pub fn rebuild(
        &self,
        docs: impl Iterator<Item = OfferDoc>,
        progress: impl Fn(u64),
    ) -> anyhow::Result<u64> {
        let mut guard = self.lock_writer();
        if let Some(old) = guard.take() {
            old.wait_merging_threads()?;
        }
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4);
        let mut writer: IndexWriter = self
            .index
            .writer_with_num_threads(threads, REBUILD_WRITER_BUDGET)?;
        // One final merge below instead of merges during the load.
        writer.set_merge_policy(Box::new(tantivy::merge_policy::NoMergePolicy));
        let count = (|| -> anyhow::Result<u64> {
            writer.delete_all_documents()?;
            let mut count = 0u64;
            for doc in docs {
                writer.add_document(self.fields.document(&doc))?;
                count += 1;
                if count.is_multiple_of(10_000) {
                    progress(count);
                }
            }
            progress(count);
            writer.commit()?;
            Ok(count)
        })();
        let count = match count {
            Ok(count) => count,
            Err(error) => {
                let _ = writer.rollback();
                return Err(error);
            }
        };
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(count)
    }

    /// Number of offers in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Memory held by the in-memory positions and ids (for diagnostics).
    pub fn cache_bytes(&self) -> usize {
        self.cache.memory_bytes()
    }

    /// Number of segments (for diagnostics).
    pub fn segment_count(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// The analyzed terms of some words (what `q` becomes).
    pub fn analyze(&self, text: &str) -> Vec<String> {
        analyzer::terms(&mut self.analyzer.clone(), text)
    }

    pub fn search(&self, query: &OfferQuery, with_facets: bool) -> anyhow::Result<SearchResult> {
        let f = &self.fields;
        let words = match query.q.as_deref() {
            Some(q) if !q.trim().is_empty() => self.analyze(q),
            _ => Vec::new(),
        };
        let geo_center = query
            .center
            .filter(|(lat, lon)| lat.is_finite() && lon.is_finite());
        let radius = match (geo_center, query.radius_km) {
            (Some(c), Some(r)) if r.is_finite() => Some((c, r.max(0.0))),
            _ => None,
        };
        let order = match query.sort {
            Sort::Relevance if !words.is_empty() => Order::Score,
            Sort::Distance if geo_center.is_some() => Order::Distance,
            _ => Order::Date,
        };
        let scoring = order == Order::Score;
        // Filters must not change scores.
        let filter = |q: Box<dyn Query>| -> Box<dyn Query> {
            if scoring {
                Box::new(ConstScoreQuery::new(q, 0.0))
            } else {
                q
            }
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for word in &words {
            let term = |field| {
                Box::new(TermQuery::new(
                    Term::from_field_text(field, word),
                    IndexRecordOption::WithFreqs,
                )) as Box<dyn Query>
            };
            let any_field = BooleanQuery::new(vec![
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(term(f.title), TITLE_BOOST)),
                ),
                (Occur::Should, term(f.description)),
                (Occur::Should, term(f.company)),
            ]);
            clauses.push((Occur::Must, Box::new(any_field)));
        }
        let exact = |field, value: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, value),
                IndexRecordOption::Basic,
            ))
        };
        match query.rome.as_slice() {
            [] => {}
            [one] => clauses.push((Occur::Must, filter(exact(f.rome, one)))),
            many => clauses.push((
                Occur::Must,
                filter(Box::new(TermSetQuery::new(
                    many.iter().map(|code| Term::from_field_text(f.rome, code)),
                ))),
            )),
        }
        if let Some(naf) = &query.naf_division {
            clauses.push((Occur::Must, filter(exact(f.naf, naf))));
        }
        if let Some(department) = &query.department {
            clauses.push((Occur::Must, filter(exact(f.department, department))));
        }
        if let Some(contract) = &query.contract_type {
            clauses.push((Occur::Must, filter(exact(f.contract, contract))));
        }
        if let Some(level) = query.level {
            clauses.push((
                Occur::Must,
                filter(Box::new(TermQuery::new(
                    Term::from_field_u64(f.level, u64::from(level)),
                    IndexRecordOption::Basic,
                ))),
            ));
        }
        if let Some(start) = query.start_after {
            clauses.push((
                Occur::Must,
                filter(Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_i64(f.start, schema::day_number(start))),
                    Bound::Unbounded,
                ))),
            ));
        }
        if let Some((center, radius_km)) = radius {
            clauses.push((
                Occur::Must,
                filter(Box::new(radius::RadiusQuery::new(
                    geo::RadiusTest::new(center, radius_km),
                    geo::bounding_box(center, radius_km),
                    self.cache.clone(),
                ))),
            ));
        }
        let tantivy_query: Box<dyn Query> = if clauses.is_empty() {
            Box::new(AllQuery)
        } else if clauses.len() == 1 && !scoring {
            clauses.pop().expect("one clause").1
        } else {
            Box::new(BooleanQuery::new(clauses))
        };

        let window = query.offset.saturating_add(query.limit);
        let k = if window > MAX_WINDOW { 0 } else { window };
        let collector = OfferCollector {
            order,
            k,
            geo: geo_center.map(|center| GeoSpec {
                center,
                center_vec: geo::unit_vector(center.0, center.1),
            }),
            cache: &self.cache,
            facets: with_facets,
            scoring,
        };
        let searcher = self.reader.searcher();
        let collected = searcher.search(tantivy_query.as_ref(), &collector)?;
        let hits = collected
            .top
            .into_iter()
            .skip(query.offset)
            .map(|c| Hit {
                id: c.id,
                score: if scoring { c.score } else { 0.0 },
                distance_km: c.distance_km,
                approximate_position: c.approximate_position,
            })
            .collect();
        let facets = collected.facets.map(|counts| {
            let sorted = |map: std::collections::HashMap<String, u64>| {
                let mut v: Vec<(String, u64)> = map.into_iter().collect();
                v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                v
            };
            Facets {
                contract_type: sorted(counts.contract_type),
                level: counts
                    .level
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(l, n)| (l as u8, *n))
                    .collect(),
                department: sorted(counts.department),
            }
        });
        Ok(SearchResult {
            total: collected.total,
            hits,
            facets,
        })
    }
}

#[cfg(test)]
mod tests;
