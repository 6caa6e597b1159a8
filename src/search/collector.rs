//! One pass over the matching documents: exact count, facet counts and the top `k` for the
//! requested order, with a deterministic order for ties. (The radius is a query clause, see
//! `radius.rs`.)
//!
//! Order keys are `u64` where smaller is better, then the most recent publication, then the id
//! (inside a segment the id's rank in the segment's sorted ids; across segments the id itself).

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::cache::{NO_CONTRACT, NO_DEPARTMENT, PointMemo, SegmentCache, SegmentData};
use super::geo::haversine_km;
use super::schema::names;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    Score,
    Date,
    Distance,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct GeoSpec {
    pub center: (f64, f64),
    pub center_vec: [f64; 3],
}

pub(crate) struct OfferCollector<'a> {
    pub order: Order,
    pub k: usize,
    pub geo: Option<GeoSpec>,
    pub cache: &'a SegmentCache,
    pub facets: bool,
    pub scoring: bool,
}

/// One of the best documents of a segment (or of the whole index after merging).
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub key: u64,
    pub published: i64,
    pub id: String,
    pub score: f32,
    pub distance_km: Option<f64>,
    pub approximate_position: bool,
}

impl Candidate {
    fn cmp_rank(&self, other: &Self) -> Ordering {
        (self.key, Reverse(self.published), &self.id).cmp(&(
            other.key,
            Reverse(other.published),
            &other.id,
        ))
    }
}

#[derive(Debug)]
pub(crate) struct FacetCounts {
    pub contract_type: HashMap<String, u64>,
    pub level: [u64; 256],
    pub department: HashMap<String, u64>,
}

impl Default for FacetCounts {
    fn default() -> Self {
        Self {
            contract_type: HashMap::new(),
            level: [0; 256],
            department: HashMap::new(),
        }
    }
}

pub(crate) struct SegmentFruit {
    pub total: u64,
    pub top: Vec<Candidate>,
    pub facets: Option<Box<FacetCounts>>,
}

pub(crate) struct Collected {
    pub total: u64,
    /// Best first, at most `k`.
    pub top: Vec<Candidate>,
    pub facets: Option<Box<FacetCounts>>,
}

impl Collector for OfferCollector<'_> {
    type Fruit = Collected;
    type Child = OfferSegmentCollector;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<OfferSegmentCollector> {
        let ff = segment.fast_fields();
        let data = self.cache.segment(segment)?;
        let geo = self.geo.map(|spec| Geo {
            memo: PointMemo::new(&data, spec.center_vec, false),
            spec,
        });
        let facets = self.facets.then(|| SegmentFacets {
            department: vec![0; data.departments.len()],
            contract: vec![0; data.contract_types.len()],
            level: [0; 256],
        });
        Ok(OfferSegmentCollector {
            order: self.order,
            k: self.k,
            geo,
            facets,
            published: ff.i64(names::PUBLISHED)?,
            data,
            approx: ff.u64(names::APPROX)?,
            heap: BinaryHeap::with_capacity(self.k.min(10_000) + 1),
            total: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Collected> {
        let mut total = 0;
        let mut top = Vec::new();
        let mut facets: Option<Box<FacetCounts>> = None;
        for fruit in fruits {
            total += fruit.total;
            top.extend(fruit.top);
            if let Some(f) = fruit.facets {
                match &mut facets {
                    None => facets = Some(f),
                    Some(acc) => {
                        for (k, v) in f.contract_type {
                            *acc.contract_type.entry(k).or_default() += v;
                        }
                        for (k, v) in f.department {
                            *acc.department.entry(k).or_default() += v;
                        }
                        for (a, b) in acc.level.iter_mut().zip(f.level.iter()) {
                            *a += b;
                        }
                    }
                }
            }
        }
        top.sort_by(Candidate::cmp_rank);
        top.truncate(self.k);
        if self.facets && facets.is_none() {
            facets = Some(Box::default());
        }
        Ok(Collected { total, top, facets })
    }
}

struct Geo {
    spec: GeoSpec,
    memo: PointMemo,
}

/// Counts by rank (see `SegmentData::facets`).
struct SegmentFacets {
    department: Vec<u64>,
    contract: Vec<u64>,
    level: [u64; 256],
}

impl SegmentFacets {
    #[inline]
    fn count(&mut self, packed: u32) {
        let department = packed >> 16;
        let contract = (packed >> 8) & 0xFF;
        if department != NO_DEPARTMENT
            && let Some(n) = self.department.get_mut(department as usize)
        {
            *n += 1;
        }
        if contract != NO_CONTRACT
            && let Some(n) = self.contract.get_mut(contract as usize)
        {
            *n += 1;
        }
        self.level[(packed & 0xFF) as usize] += 1;
    }

    fn harvest(self, data: &SegmentData) -> FacetCounts {
        let named = |names: &[String], counts: &[u64]| {
            names
                .iter()
                .zip(counts)
                .filter(|(_, n)| **n > 0)
                .map(|(name, n)| (name.clone(), *n))
                .collect()
        };
        FacetCounts {
            contract_type: named(&data.contract_types, &self.contract),
            department: named(&data.departments, &self.department),
            level: self.level,
        }
    }
}

/// A document kept in a segment's heap. The heap's top is the worst kept document.
#[derive(Debug, Clone, Copy)]
struct Entry {
    key: u64,
    published: i64,
    id_rank: u32,
    doc: DocId,
    score: f32,
}

impl Entry {
    #[inline]
    fn rank(&self) -> (u64, Reverse<i64>, u32) {
        (self.key, Reverse(self.published), self.id_rank)
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.rank() == other.rank()
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

pub(crate) struct OfferSegmentCollector {
    order: Order,
    k: usize,
    geo: Option<Geo>,
    facets: Option<SegmentFacets>,
    published: Column<i64>,
    data: Arc<SegmentData>,
    approx: Column<u64>,
    heap: BinaryHeap<Entry>,
    total: u64,
}

/// Higher scores first.
#[inline]
fn score_key(score: Score) -> u64 {
    // BM25 scores are never negative; their bits grow with them.
    u64::from(u32::MAX - score.max(0.0).to_bits())
}

/// Most recent first.
#[inline]
fn date_key(published: i64) -> u64 {
    u64::MAX - ((published as u64) ^ (1 << 63))
}

impl OfferSegmentCollector {
    #[inline]
    fn published(&self, doc: DocId) -> i64 {
        self.published.first(doc).unwrap_or(i64::MIN)
    }

    /// The squared chord to the centre (infinite without a centre or a position).
    #[inline]
    fn chord2(&mut self, doc: DocId) -> f64 {
        match &mut self.geo {
            Some(geo) => geo.memo.chord2(&self.data, self.data.point(doc)),
            None => f64::INFINITY,
        }
    }

    fn distance_km(&self, doc: DocId) -> Option<f64> {
        let geo = self.geo.as_ref()?;
        let p = self.data.points.get(self.data.point(doc) as usize)?;
        Some(haversine_km(geo.spec.center, (p.lat, p.lon)))
    }

    #[inline]
    fn offer(&mut self, doc: DocId, key: u64, published: Option<i64>, score: f32) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            let entry = Entry {
                key,
                published: published.unwrap_or_else(|| self.published(doc)),
                id_rank: self.data.id_rank(doc),
                doc,
                score,
            };
            self.heap.push(entry);
            return;
        }
        let worst = *self.heap.peek().expect("heap is full");
        if key > worst.key {
            return;
        }
        let published = published.unwrap_or_else(|| self.published(doc));
        if key == worst.key && published < worst.published {
            return;
        }
        let entry = Entry {
            key,
            published,
            id_rank: self.data.id_rank(doc),
            doc,
            score,
        };
        if entry < worst {
            *self.heap.peek_mut().expect("heap is full") = entry;
        }
    }
}

impl SegmentCollector for OfferSegmentCollector {
    type Fruit = SegmentFruit;

    #[inline]
    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        if let Some(f) = &mut self.facets {
            f.count(self.data.facets(doc));
        }
        match self.order {
            Order::Score => self.offer(doc, score_key(score), None, score),
            Order::Date => {
                let published = self.published(doc);
                self.offer(doc, date_key(published), Some(published), score)
            }
            Order::Distance => {
                let c2 = self.chord2(doc);
                self.offer(doc, c2.to_bits(), None, score)
            }
        }
    }

    fn harvest(mut self) -> SegmentFruit {
        let mut entries = std::mem::take(&mut self.heap).into_vec();
        entries.sort();
        let top = entries
            .into_iter()
            .map(|e| Candidate {
                key: e.key,
                published: e.published,
                id: self.data.id(e.doc).to_owned(),
                score: e.score,
                distance_km: self.distance_km(e.doc),
                approximate_position: self.approx.first(e.doc).unwrap_or(0) != 0,
            })
            .collect();
        SegmentFruit {
            total: self.total,
            top,
            facets: self.facets.take().map(|f| Box::new(f.harvest(&self.data))),
        }
    }
}
