//! What searches read for every candidate or every hit, per segment, in memory: the offers'
//! positions and their ids. Filled when the reader loads a new segment (a tantivy [`Warmer`])
//! and forgotten with the segment.
//!
//! Positions: offers are placed at their commune's position, so there are far fewer distinct
//! positions than offers. Each document keeps the index of its position (4 bytes), each
//! distinct position its unit vector and coordinates; a query then decides each position once
//! (see [`PointMemo`]) and each document costs one small array read.
//!
//! Ids: reading an id from the `id` fast field decompresses a dictionary block (zstd) per hit,
//! about 15 µs; the ids are kept here instead (their bytes and 4 bytes of offset each).
//!
//! Facets: department, contract type and level of each document packed in 4 bytes, so that
//! counting them over hundreds of thousands of matches reads one array.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SearcherGeneration, SegmentReader, Warmer};

use super::geo::{RadiusTest, chord2, unit_vector};
use super::schema::names;

/// Marks a document without a position.
pub(crate) const NO_POSITION: u32 = u32::MAX;

/// A distinct position of a segment.
pub(crate) struct Point {
    pub xyz: [f64; 3],
    pub lat: f64,
    pub lon: f64,
}

const LAT_BINS_PER_DEGREE: f64 = 10.0;
const LAT_BINS: usize = 180 * 10;

fn lat_bin(lat: f64) -> usize {
    (((lat + 90.0) * LAT_BINS_PER_DEGREE).floor().max(0.0) as usize).min(LAT_BINS - 1)
}

/// The in-memory data of one segment.
pub(crate) struct SegmentData {
    /// Per document, the index of its position in `points`, or [`NO_POSITION`].
    point_of_doc: Vec<u32>,
    pub points: Vec<Point>,
    /// Number of documents per tenth of a degree of latitude, from -90°.
    lat_bins: Vec<u32>,
    /// Per document, the index of its id in `id_ends`.
    id_of_doc: Vec<u32>,
    /// Every id, one after the other, and where each one ends.
    id_bytes: String,
    id_ends: Vec<u32>,
    /// Per document: department rank (bits 16..32), contract type rank (8..16), level (0..8).
    facets_of_doc: Vec<u32>,
    /// Department codes and contract types by rank.
    pub departments: Vec<String>,
    pub contract_types: Vec<String>,
}

/// Rank meaning "no value" in the packed facets.
pub(crate) const NO_DEPARTMENT: u32 = 0xFFFF;
pub(crate) const NO_CONTRACT: u32 = 0xFF;

/// The terms of a string fast field, in rank order.
fn all_terms(column: &tantivy::columnar::StrColumn) -> tantivy::Result<Vec<String>> {
    let mut out = Vec::with_capacity(column.num_terms());
    let mut terms = column.dictionary().stream()?;
    while terms.advance() {
        out.push(String::from_utf8_lossy(terms.key()).into_owned());
    }
    Ok(out)
}

impl SegmentData {
    fn load(segment: &SegmentReader) -> tantivy::Result<Self> {
        let ff = segment.fast_fields();
        let lat = ff.f64(names::LAT)?;
        let lon = ff.f64(names::LON)?;
        let mut index: HashMap<(u64, u64), u32> = HashMap::new();
        let mut points = Vec::new();
        let mut lat_bins = vec![0u32; LAT_BINS];
        let point_of_doc = (0..segment.max_doc())
            .map(|doc| match (lat.first(doc), lon.first(doc)) {
                (Some(lat), Some(lon)) if points.len() < NO_POSITION as usize => {
                    lat_bins[lat_bin(lat)] += 1;
                    *index
                        .entry((lat.to_bits(), lon.to_bits()))
                        .or_insert_with(|| {
                            points.push(Point {
                                xyz: unit_vector(lat, lon),
                                lat,
                                lon,
                            });
                            (points.len() - 1) as u32
                        })
                }
                _ => NO_POSITION,
            })
            .collect();

        let str_column = |name: &str| {
            ff.str(name)?
                .ok_or_else(|| tantivy::TantivyError::SchemaError(format!("no fast field {name}")))
        };
        let ids = str_column(names::ID)?;
        let mut id_bytes = String::new();
        let mut id_ends = Vec::with_capacity(ids.num_terms());
        let mut terms = ids.dictionary().stream()?;
        while terms.advance() {
            id_bytes.push_str(&String::from_utf8_lossy(terms.key()));
            id_ends.push(u32::try_from(id_bytes.len()).map_err(|_| {
                tantivy::TantivyError::InternalError("offer ids too long".to_owned())
            })?);
        }
        let id_of_doc = (0..segment.max_doc())
            .map(|doc| ids.ords().first(doc).map_or(u32::MAX, |o| o as u32))
            .collect();

        let departments = str_column(names::DEPARTMENT)?;
        let contracts = str_column(names::CONTRACT)?;
        let levels = ff.u64(names::LEVEL)?;
        let rank = |column: &tantivy::columnar::StrColumn, doc, none: u32| {
            column
                .ords()
                .first(doc)
                .map_or(none, |o| (o as u32).min(none))
        };
        let facets_of_doc = (0..segment.max_doc())
            .map(|doc| {
                rank(&departments, doc, NO_DEPARTMENT) << 16
                    | rank(&contracts, doc, NO_CONTRACT) << 8
                    | levels.first(doc).map_or(0, |l| l.min(255) as u32)
            })
            .collect();
        Ok(Self {
            point_of_doc,
            points,
            lat_bins,
            id_of_doc,
            id_bytes,
            id_ends,
            facets_of_doc,
            departments: all_terms(&departments)?,
            contract_types: all_terms(&contracts)?,
        })
    }

    /// The index of a document's position, or [`NO_POSITION`].
    #[inline]
    pub fn point(&self, doc: DocId) -> u32 {
        self.point_of_doc
            .get(doc as usize)
            .copied()
            .unwrap_or(NO_POSITION)
    }

    /// About how many documents lie between these latitudes (at least that many).
    pub fn count_in_latitudes(&self, (lo, hi): (f64, f64)) -> usize {
        if lo.is_nan() || hi.is_nan() || lo > hi {
            return 0;
        }
        self.lat_bins[lat_bin(lo)..=lat_bin(hi)]
            .iter()
            .map(|&n| n as usize)
            .sum()
    }

    /// The id of a document (empty if it has none).
    pub fn id(&self, doc: DocId) -> &str {
        let Some(&i) = self.id_of_doc.get(doc as usize) else {
            return "";
        };
        let i = i as usize;
        let Some(&end) = self.id_ends.get(i) else {
            return "";
        };
        let start = if i == 0 { 0 } else { self.id_ends[i - 1] };
        &self.id_bytes[start as usize..end as usize]
    }

    /// The sort rank of a document's id (ids sort like their ranks), `u32::MAX` if none.
    #[inline]
    pub fn id_rank(&self, doc: DocId) -> u32 {
        self.id_of_doc
            .get(doc as usize)
            .copied()
            .unwrap_or(u32::MAX)
    }

    /// The packed facets of a document (see `facets_of_doc`).
    #[inline]
    pub fn facets(&self, doc: DocId) -> u32 {
        self.facets_of_doc
            .get(doc as usize)
            .copied()
            .unwrap_or(NO_DEPARTMENT << 16 | NO_CONTRACT << 8)
    }

    fn memory_bytes(&self) -> usize {
        self.facets_of_doc.len() * 4
            + self.point_of_doc.len() * 4
            + self.points.len() * std::mem::size_of::<Point>()
            + self.lat_bins.len() * 4
            + self.id_of_doc.len() * 4
            + self.id_bytes.len()
            + self.id_ends.len() * 4
    }
}

/// What one query learnt about a segment's positions: each one's squared chord to the centre
/// and, with a radius, whether it is inside — computed on first use.
pub(crate) struct PointMemo {
    center_vec: [f64; 3],
    /// NaN until computed.
    chord2: Vec<f64>,
    /// 0: unknown, 1: inside, 2: outside.
    inside: Vec<u8>,
}

impl PointMemo {
    pub fn new(data: &SegmentData, center_vec: [f64; 3], with_radius: bool) -> Self {
        Self {
            center_vec,
            chord2: vec![f64::NAN; data.points.len()],
            inside: if with_radius {
                vec![0; data.points.len()]
            } else {
                Vec::new()
            },
        }
    }

    /// Squared chord between the centre and a point (infinite for [`NO_POSITION`]).
    #[inline]
    pub fn chord2(&mut self, data: &SegmentData, point: u32) -> f64 {
        let Some(c) = self.chord2.get_mut(point as usize) else {
            return f64::INFINITY;
        };
        if c.is_nan() {
            *c = chord2(&self.center_vec, &data.points[point as usize].xyz);
        }
        *c
    }

    /// Whether a point is within the radius (never for [`NO_POSITION`]).
    #[inline]
    pub fn inside(&mut self, data: &SegmentData, test: &RadiusTest, point: u32) -> bool {
        let Some(&state) = self.inside.get(point as usize) else {
            return false;
        };
        if state != 0 {
            return state == 1;
        }
        let c2 = self.chord2(data, point);
        let p = &data.points[point as usize];
        let inside = test.inside(c2, || (p.lat, p.lon));
        self.inside[point as usize] = if inside { 1 } else { 2 };
        inside
    }
}

#[derive(Default)]
pub(crate) struct SegmentCache {
    segments: RwLock<HashMap<SegmentId, Arc<SegmentData>>>,
}

impl SegmentCache {
    /// The data of a segment, loaded now if the warmer has not done it yet.
    pub fn segment(&self, segment: &SegmentReader) -> tantivy::Result<Arc<SegmentData>> {
        let id = segment.segment_id();
        if let Some(data) = self.read().get(&id) {
            return Ok(data.clone());
        }
        let data = Arc::new(SegmentData::load(segment)?);
        Ok(self.write().entry(id).or_insert(data).clone())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<SegmentId, Arc<SegmentData>>> {
        self.segments.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<SegmentId, Arc<SegmentData>>> {
        self.segments.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Bytes held (for diagnostics).
    pub fn memory_bytes(&self) -> usize {
        self.read().values().map(|d| d.memory_bytes()).sum()
    }
}

impl Warmer for SegmentCache {
    fn warm(&self, searcher: &Searcher) -> tantivy::Result<()> {
        for segment in searcher.segment_readers() {
            self.segment(segment)?;
        }
        Ok(())
    }

    fn garbage_collect(&self, live_generations: &[&SearcherGeneration]) {
        self.write().retain(|id, _| {
            live_generations
                .iter()
                .any(|generation| generation.segments().contains_key(id))
        });
    }
}
