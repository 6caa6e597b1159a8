//! "Within `radius_km` of a centre" as a tantivy query, exact to the haversine.
//!
//! When it leads an intersection (nothing more selective is asked), candidates come from the
//! bounding box's latitude band: a range scan of the `qlat` fast field (small integers, which
//! tantivy's columnar filters with SIMD), a few thousand documents at a time. Each candidate —
//! and, when another clause leads (a ROME code, a word), each of that clause's documents — is
//! decided from the in-memory positions of [`SegmentCache`]: the squared chord between unit
//! vectors against the radius's, and the haversine itself within a hair of the limit, once per
//! distinct position. The box's longitude side is not scanned: reading a candidate's longitude
//! from its fast field would cost more than this exact test from memory, which rejects the
//! same offers.

use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;

use tantivy::columnar::Column;
use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, TERMINATED};

use super::cache::{PointMemo, SegmentCache, SegmentData};
use super::geo::{BoundingBox, RadiusTest};
use super::schema::{names, quantize};

/// Documents of the latitude band scanned at once.
const CHUNK: u32 = 4096;

/// Matches the offers within the radius.
#[derive(Clone)]
pub(crate) struct RadiusQuery {
    test: RadiusTest,
    lat_range: (f64, f64),
    qlat_range: RangeInclusive<i64>,
    cache: Arc<SegmentCache>,
}

impl fmt::Debug for RadiusQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RadiusQuery")
            .field("test", &self.test)
            .field("lat_range", &self.lat_range)
            .finish_non_exhaustive()
    }
}

impl RadiusQuery {
    pub fn new(test: RadiusTest, bbox: BoundingBox, cache: Arc<SegmentCache>) -> Self {
        Self {
            test,
            lat_range: bbox.lat,
            // Widened by one unit: quantization rounds down.
            qlat_range: quantize(bbox.lat.0) - 1..=quantize(bbox.lat.1) + 1,
            cache,
        }
    }
}

impl Query for RadiusQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(RadiusWeight(self.clone())))
    }
}

struct RadiusWeight(RadiusQuery);

impl RadiusWeight {
    /// A scorer not yet positioned on a document.
    fn unpositioned(&self, segment: &SegmentReader, boost: Score) -> tantivy::Result<RadiusScorer> {
        let query = &self.0;
        let geo = query.cache.segment(segment)?;
        let in_band = geo.count_in_latitudes(query.lat_range) as u64;
        Ok(RadiusScorer {
            qlat: segment.fast_fields().i64(names::QLAT)?,
            qlat_range: query.qlat_range.clone(),
            next_fetch: 0,
            matches: Vec::with_capacity(CHUNK as usize),
            pos: 0,
            memo: PointMemo::new(&geo, query.test.center_vec, true),
            test: query.test,
            max_doc: segment.max_doc(),
            // Scanning the band is cheap (SIMD over small integers); deciding each of its
            // documents costs a few term-advances.
            cost: u64::from(segment.max_doc()) / 8 + in_band * 3,
            geo,
            doc: TERMINATED,
            boost,
        })
    }
}

impl Weight for RadiusWeight {
    fn scorer(&self, segment: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorer = self.unpositioned(segment, boost)?;
        scorer.doc = scorer.next_from_band();
        Ok(Box::new(scorer))
    }

    fn scorer_danger(
        &self,
        segment: &SegmentReader,
        target: DocId,
        boost: Score,
    ) -> tantivy::Result<(SeekDangerResult, Box<dyn Scorer>)> {
        let mut scorer = self.unpositioned(segment, boost)?;
        let result = scorer.seek_danger(target);
        Ok((result, Box::new(scorer)))
    }

    fn explain(&self, segment: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.unpositioned(segment, 1.0)?;
        if scorer.is_inside(doc) {
            Ok(Explanation::new("within the radius", 1.0))
        } else {
            Err(tantivy::TantivyError::InvalidArgument(format!(
                "document #({doc}) is not within the radius"
            )))
        }
    }
}

struct RadiusScorer {
    qlat: Column<i64>,
    qlat_range: RangeInclusive<i64>,
    /// The band is scanned up to here (excluded).
    next_fetch: DocId,
    /// Matches of the last scanned chunk; `matches[pos]` is the current document.
    matches: Vec<DocId>,
    pos: usize,
    geo: Arc<SegmentData>,
    memo: PointMemo,
    test: RadiusTest,
    max_doc: DocId,
    cost: u64,
    doc: DocId,
    boost: Score,
}

impl RadiusScorer {
    #[inline]
    fn is_inside(&mut self, doc: DocId) -> bool {
        let point = self.geo.point(doc);
        self.memo.inside(&self.geo, &self.test, point)
    }

    /// The next match from the band, scanning chunks from `next_fetch`.
    fn next_from_band(&mut self) -> DocId {
        self.pos += 1;
        while self.pos >= self.matches.len() {
            if self.next_fetch >= self.max_doc {
                self.matches.clear();
                self.pos = 0;
                return TERMINATED;
            }
            let end = self.next_fetch.saturating_add(CHUNK).min(self.max_doc);
            self.matches.clear();
            self.qlat.get_docids_for_value_range(
                self.qlat_range.clone(),
                self.next_fetch..end,
                &mut self.matches,
            );
            let (geo, memo, test) = (&self.geo, &mut self.memo, &self.test);
            self.matches
                .retain(|&doc| memo.inside(geo, test, geo.point(doc)));
            self.next_fetch = end;
            self.pos = 0;
        }
        self.matches[self.pos]
    }
}

impl DocSet for RadiusScorer {
    #[inline]
    fn advance(&mut self) -> DocId {
        if self.doc != TERMINATED {
            self.doc = self.next_from_band();
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        if self.matches.last().is_some_and(|&last| last >= target) {
            // In the chunk already scanned.
            self.pos = self.matches.partition_point(|&d| d < target);
            self.doc = self.matches[self.pos];
        } else {
            self.matches.clear();
            self.pos = 0;
            self.next_fetch = self.next_fetch.max(target);
            self.doc = self.next_from_band();
        }
        self.doc
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        if target >= self.max_doc {
            return SeekDangerResult::SeekLowerBound(TERMINATED);
        }
        if self.is_inside(target) {
            // Positioned on `target`; the band resumes after it.
            self.matches.clear();
            self.matches.push(target);
            self.pos = 0;
            self.next_fetch = target + 1;
            self.doc = target;
            SeekDangerResult::Found
        } else {
            SeekDangerResult::SeekLowerBound(target + 1)
        }
    }

    #[inline]
    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.max_doc / 10
    }

    fn cost(&self) -> u64 {
        self.cost
    }
}

impl Scorer for RadiusScorer {
    fn score(&mut self) -> Score {
        self.boost
    }
}
