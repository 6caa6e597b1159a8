//! The index schema. Nothing is stored: the database keeps the offers, the index only answers
//! with ids (read from the `id` fast field).

use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};

use super::OfferDoc;
use super::analyzer::FRENCH;

pub(crate) mod names {
    pub const ID: &str = "id";
    pub const TITLE: &str = "title";
    pub const DESCRIPTION: &str = "description";
    pub const COMPANY: &str = "company";
    pub const ROME: &str = "rome";
    pub const NAF: &str = "naf";
    pub const CONTRACT: &str = "contract";
    pub const LEVEL: &str = "level";
    pub const COMMUNE: &str = "commune";
    pub const DEPARTMENT: &str = "department";
    pub const LAT: &str = "lat";
    pub const LON: &str = "lon";
    pub const QLAT: &str = "qlat";
    pub const APPROX: &str = "approx";
    pub const START: &str = "start";
    pub const PUBLISHED: &str = "published";
    pub const POSITIONS: &str = "positions";
}

#[derive(Clone)]
pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    pub description: Field,
    pub company: Field,
    pub rome: Field,
    pub naf: Field,
    pub contract: Field,
    pub level: Field,
    pub commune: Field,
    pub department: Field,
    pub lat: Field,
    pub lon: Field,
    pub qlat: Field,
    pub approx: Field,
    pub start: Field,
    pub published: Field,
    pub positions: Field,
}

pub(crate) fn build() -> (Schema, Fields) {
    use names::*;
    let mut b = Schema::builder();
    // Words: frequencies for BM25, no positions (no phrase queries).
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(FRENCH)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_text_field(ID, STRING | FAST),
        title: b.add_text_field(TITLE, text.clone()),
        description: b.add_text_field(DESCRIPTION, text.clone()),
        company: b.add_text_field(COMPANY, text),
        rome: b.add_text_field(ROME, STRING),
        naf: b.add_text_field(NAF, STRING),
        contract: b.add_text_field(CONTRACT, STRING | FAST),
        level: b.add_u64_field(LEVEL, INDEXED | FAST),
        commune: b.add_text_field(COMMUNE, STRING),
        department: b.add_text_field(DEPARTMENT, STRING | FAST),
        lat: b.add_f64_field(LAT, FAST),
        lon: b.add_f64_field(LON, FAST),
        qlat: b.add_i64_field(QLAT, FAST),
        approx: b.add_u64_field(APPROX, FAST),
        start: b.add_i64_field(START, FAST),
        published: b.add_i64_field(PUBLISHED, FAST),
        positions: b.add_u64_field(POSITIONS, FAST),
    };
    (b.build(), fields)
}

/// Latitude for the bounding-box pre-filter, in units of 1e-5 degree (about a metre): small
/// integers scan much faster than full `f64` values. Rounded down, so that the order of
/// coordinates is kept (the box is widened by one unit on each side).
pub(crate) fn quantize(degrees: f64) -> i64 {
    (degrees * 1e5).floor() as i64
}

/// Days since 1970-01-01.
pub(crate) fn day_number(date: chrono::NaiveDate) -> i64 {
    (date - chrono::NaiveDate::default()).num_days()
}

impl Fields {
    pub(crate) fn document(&self, offer: &OfferDoc) -> TantivyDocument {
        let mut d = TantivyDocument::new();
        d.add_text(self.id, &offer.id);
        d.add_text(self.title, &offer.title);
        d.add_text(self.description, &offer.description);
        d.add_text(self.company, &offer.company_name);
        d.add_text(self.rome, &offer.rome_code);
        if let Some(naf) = &offer.naf_division {
            d.add_text(self.naf, naf);
        }
        d.add_text(self.contract, &offer.contract_type);
        d.add_u64(self.level, u64::from(offer.level));
        d.add_text(self.commune, &offer.commune_insee);
        d.add_text(self.department, &offer.department);
        if let (Some(lat), Some(lon)) = (offer.lat, offer.lon)
            && lat.is_finite()
            && lon.is_finite()
        {
            d.add_f64(self.lat, lat);
            d.add_f64(self.lon, lon);
            d.add_i64(self.qlat, quantize(lat));
        }
        d.add_u64(self.approx, u64::from(offer.approximate_position));
        d.add_i64(self.start, day_number(offer.start_date));
        d.add_i64(self.published, offer.published_at.and_utc().timestamp());
        d.add_u64(self.positions, u64::from(offer.positions));
        d
    }
}
