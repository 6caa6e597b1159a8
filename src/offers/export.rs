//! Export of the published offers for national aggregators (`GET /api/v1/offers/export`):
//! public, like the offers themselves, and holding nothing personal (no account ids, no
//! e-mail addresses). JSON Lines or CSV, ordered by `updated_at` then `id`, streamed: the
//! order's keys are read 20,000 at a time, the offers 1,000 at a time by primary key, and each
//! page is written while the client takes the previous ones. However many offers the instance
//! holds, the server keeps a window of keys and a few pages in memory, and holds a database
//! connection only while it reads. An offer changed during the export may come twice.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::mpsc;

use super::OfferStatus;
use crate::AppState;
use crate::db::{DbConnection, schema::*};
use crate::error::{AppError, AppResult};
use crate::web::csv::CsvWriter;
use crate::web::extract::Query;

/// Offers read from the database and written at a time.
pub const CHUNK: usize = 1000;
/// Keys (`updated_at`, `id`) of the next offers read at a time.
pub const KEY_WINDOW: i64 = 20_000;

/// What the export is asked.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// Only the offers updated since this moment (inclusive): RFC 3339
    /// (`2026-11-01T08:00:00Z`) or a date `AAAA-MM-JJ` (midnight UTC). Giving again the
    /// last `updated_at` received is safe: the offers of that second come again.
    pub updated_since: Option<String>,
    /// `jsonl` (default: one JSON object per line) or `csv` (`;`, header row).
    pub format: Option<String>,
}

/// One exported offer (nothing personal: neither account ids nor e-mail addresses).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedOffer {
    pub id: String,
    /// The partner's own reference, for offers imported from a partner's file.
    pub partner_reference: Option<String>,
    pub title: String,
    pub description: String,
    /// ROME 4.0 code.
    pub rome_code: String,
    pub rome_label: String,
    /// `apprentissage` or `professionnalisation`.
    pub contract_type: String,
    /// Targeted diploma level, 3 (CAP) to 8 (doctorate).
    pub level: i32,
    pub training: Option<String>,
    pub start_date: NaiveDate,
    pub duration_months: i32,
    pub positions: i32,
    /// INSEE code of the place of work.
    pub commune_insee: String,
    pub commune_name: String,
    pub postal_code: String,
    pub department: String,
    /// Position of the commune (WGS 84), when known.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub company_name: String,
    pub company_siret: Option<String>,
    /// The company agrees to share the offer with France Travail.
    pub share_with_france_travail: bool,
    /// RFC 3339, UTC.
    pub published_at: Option<String>,
    /// RFC 3339, UTC.
    pub updated_at: String,
    /// The offer's public page.
    pub url: String,
}

/// The CSV header, in the order of [`ExportedOffer`]'s fields.
pub const CSV_HEADER: [&str; 24] = [
    "id",
    "partner_reference",
    "title",
    "description",
    "rome_code",
    "rome_label",
    "contract_type",
    "level",
    "training",
    "start_date",
    "duration_months",
    "positions",
    "commune_insee",
    "commune_name",
    "postal_code",
    "department",
    "lat",
    "lon",
    "company_name",
    "company_siret",
    "share_with_france_travail",
    "published_at",
    "updated_at",
    "url",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    Csv,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Self::JsonLines => "application/x-ndjson",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// `updated_since`: RFC 3339, or a date (midnight UTC).
pub fn parse_since(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(at.naive_utc());
    }
    // A `+` left unencoded in a query string arrives as a space: `…T08:00:00 01:00`.
    let (head, offset) = raw.rsplit_once(' ')?;
    DateTime::parse_from_rfc3339(&format!("{head}+{offset}"))
        .ok()
        .map(|at| at.naive_utc())
}

/// The query's parameters, checked: every problem is listed (French).
fn checked(p: &ExportParams) -> AppResult<(Option<NaiveDateTime>, Format)> {
    let mut problems = Vec::new();
    let since = match p.updated_since.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => {
            let parsed = parse_since(raw);
            if parsed.is_none() {
                problems.push(format!(
                    "updated_since : « {} » n’est pas une date lisible. Indiquez une date \
                     AAAA-MM-JJ (par exemple 2026-11-01) ou une date et heure RFC 3339 (par \
                     exemple 2026-11-01T08:00:00Z).",
                    raw.chars().take(40).collect::<String>()
                ));
            }
            parsed
        }
    };
    let format = match p.format.as_deref().map(str::trim) {
        None | Some("") | Some("jsonl") => Format::JsonLines,
        Some("csv") => Format::Csv,
        Some(other) => {
            problems.push(format!(
                "format : « {} » n’est pas un format d’export connu. Valeurs possibles : jsonl \
                 (par défaut) ou csv.",
                other.chars().take(40).collect::<String>()
            ));
            Format::JsonLines
        }
    };
    if problems.is_empty() {
        Ok((since, format))
    } else {
        Err(AppError::invalid_fields(problems))
    }
}

/// One offer as read from the database.
#[derive(Queryable)]
struct Row {
    id: String,
    status: String,
    partner_reference: Option<String>,
    title: String,
    description: String,
    rome_code: String,
    rome_label: String,
    contract_type: String,
    level: i32,
    training: Option<String>,
    start_date: NaiveDate,
    duration_months: i32,
    positions: i32,
    commune_insee: String,
    commune_name: String,
    postal_codes: String,
    department: String,
    lat: Option<f64>,
    lon: Option<f64>,
    company_name: String,
    company_siret: Option<String>,
    share_with_france_travail: bool,
    published_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

fn rfc3339(at: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(at, Utc).to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Row {
    fn exported(self, base_url: &str) -> ExportedOffer {
        ExportedOffer {
            url: format!("{base_url}/offres/{}", self.id),
            id: self.id,
            partner_reference: self.partner_reference,
            title: self.title,
            description: self.description,
            rome_code: self.rome_code,
            rome_label: self.rome_label,
            contract_type: self.contract_type,
            level: self.level,
            training: self.training,
            start_date: self.start_date,
            duration_months: self.duration_months,
            positions: self.positions,
            commune_insee: self.commune_insee,
            commune_name: self.commune_name,
            postal_code: self
                .postal_codes
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_owned(),
            department: self.department,
            lat: self.lat,
            lon: self.lon,
            company_name: self.company_name,
            company_siret: self.company_siret,
            share_with_france_travail: self.share_with_france_travail,
            published_at: self.published_at.map(rfc3339),
            updated_at: rfc3339(self.updated_at),
        }
    }
}

/// An offer's place in the export order: `(updated_at, id)`.
type Key = (NaiveDateTime, String);

/// The next keys of published offers after `after`, in export order. Only the keys are read
/// here: the offers table has no index on `updated_at`, so each call reads it whole, and
/// [`KEY_WINDOW`] keys at a time keep that to a few reads per export.
fn keys(
    conn: &mut DbConnection,
    since: Option<NaiveDateTime>,
    after: Option<&Key>,
    limit: i64,
) -> AppResult<Vec<Key>> {
    let mut q = offers::table
        .filter(offers::status.eq(OfferStatus::Published.as_str()))
        .select((offers::updated_at, offers::id))
        .order((offers::updated_at, offers::id))
        .limit(limit)
        .into_boxed();
    if let Some(since) = since {
        q = q.filter(offers::updated_at.ge(since));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            offers::updated_at
                .gt(*at)
                .or(offers::updated_at.eq(*at).and(offers::id.gt(id.clone()))),
        );
    }
    Ok(q.load(conn)?)
}

/// The offers with these ids that are still published, in the order of `ids`. By primary key
/// only: next to `status = ?`, SQLite (without statistics) would walk the status index, i.e.
/// every published offer, for each page.
fn rows(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<Row>> {
    let loaded: Vec<Row> = offers::table
        .inner_join(organisations::table.on(organisations::id.eq(offers::company_id)))
        .inner_join(communes::table)
        .inner_join(rome_occupations::table)
        .filter(offers::id.eq_any(ids))
        .select((
            offers::id,
            offers::status,
            offers::partner_reference,
            offers::title,
            offers::description,
            offers::rome_code,
            rome_occupations::label,
            offers::contract_type,
            offers::level,
            offers::training,
            offers::start_date,
            offers::duration_months,
            offers::positions,
            offers::commune_insee,
            communes::name,
            communes::postal_codes,
            offers::department,
            communes::lat,
            communes::lon,
            organisations::name,
            organisations::siret,
            offers::share_with_france_travail,
            offers::published_at,
            offers::updated_at,
        ))
        .load(conn)?;
    let mut by_id: HashMap<String, Row> = loaded
        .into_iter()
        .filter(|r| r.status == OfferStatus::Published.as_str())
        .map(|r| (r.id.clone(), r))
        .collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Writes one page in the export format (the CSV header before the first page).
fn encode(rows: Vec<Row>, format: Format, base_url: &str, header: bool) -> AppResult<Vec<u8>> {
    let mut out = Vec::with_capacity(rows.len() * 1024);
    match format {
        Format::JsonLines => {
            for row in rows {
                serde_json::to_writer(&mut out, &row.exported(base_url))
                    .map_err(AppError::internal)?;
                out.push(b'\n');
            }
        }
        Format::Csv => {
            let mut w = if header {
                CsvWriter::new(CSV_HEADER)?
            } else {
                CsvWriter::continued()
            };
            let opt = |v: Option<String>| v.unwrap_or_default();
            let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
            for row in rows {
                let o = row.exported(base_url);
                w.row([
                    o.id,
                    opt(o.partner_reference),
                    o.title,
                    o.description,
                    o.rome_code,
                    o.rome_label,
                    o.contract_type,
                    o.level.to_string(),
                    opt(o.training),
                    o.start_date.to_string(),
                    o.duration_months.to_string(),
                    o.positions.to_string(),
                    o.commune_insee,
                    o.commune_name,
                    o.postal_code,
                    o.department,
                    num(o.lat),
                    num(o.lon),
                    o.company_name,
                    o.company_siret.unwrap_or_default(),
                    if o.share_with_france_travail {
                        "oui"
                    } else {
                        "non"
                    }
                    .to_owned(),
                    o.published_at.unwrap_or_default(),
                    o.updated_at,
                    o.url,
                ])?;
            }
            out.extend(w.finish()?);
        }
    }
    Ok(out)
}

/// Where an export is: the keys read ahead and not yet written, and where to read on.
struct Export {
    since: Option<NaiveDateTime>,
    format: Format,
    base_url: String,
    ahead: VecDeque<Key>,
    /// The last key read (the next keys come after it).
    last: Option<Key>,
    /// Every key was read.
    exhausted: bool,
    started: bool,
    /// Offers per page ([`CHUNK`]) and keys per read ([`KEY_WINDOW`]).
    chunk: usize,
    window: i64,
}

impl Export {
    fn new(since: Option<NaiveDateTime>, format: Format, base_url: String) -> Self {
        Self {
            since,
            format,
            base_url,
            ahead: VecDeque::new(),
            last: None,
            exhausted: false,
            started: false,
            chunk: CHUNK,
            window: KEY_WINDOW,
        }
    }
}

impl Export {
    /// The next page of the body (the CSV header comes with the first one), or `None` at
    /// the end.
    fn next_page(&mut self, conn: &mut DbConnection) -> AppResult<Option<Vec<u8>>> {
        if self.ahead.is_empty() && !self.exhausted {
            let keys = keys(conn, self.since, self.last.as_ref(), self.window)?;
            self.exhausted = i64::try_from(keys.len()).unwrap_or(i64::MAX) < self.window;
            self.last = keys.last().cloned().or_else(|| self.last.take());
            self.ahead.extend(keys);
        }
        let header = !self.started;
        self.started = true;
        if self.ahead.is_empty() && !header {
            return Ok(None);
        }
        let take = self.ahead.len().min(self.chunk);
        let ids: Vec<String> = self.ahead.drain(..take).map(|(_, id)| id).collect();
        let rows = if ids.is_empty() {
            Vec::new()
        } else {
            rows(conn, &ids)?
        };
        encode(rows, self.format, &self.base_url, header).map(Some)
    }
}

/// Lists the published offers for national services (France Travail, aggregators): public,
/// no personal data. JSON Lines (`application/x-ndjson`, one offer per line) or CSV
/// (`text/csv`, UTF-8 with a byte order mark, `;`, header row, cells that a spreadsheet would
/// run as formulas prefixed with an apostrophe), ordered by `updated_at` then `id`, streamed.
#[utoipa::path(get, path = "/offers/export", operation_id = "export_offers", tag = "offers", params(ExportParams),
    responses(
        (status = 200, description = "Published offers, one per line (JSON Lines) or per CSV row",
            content((ExportedOffer = "application/x-ndjson"), (String = "text/csv"))),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn api_export(
    State(state): State<AppState>,
    Query(p): Query<ExportParams>,
) -> AppResult<Response> {
    let (since, format) = checked(&p)?;
    let export = Export::new(since, format, state.config.base_url());
    // The first page is read before answering, so that a failure is a proper error.
    let (mut export, first) = state
        .db
        .run(move |conn| {
            let mut export = export;
            let first = export.next_page(conn)?;
            Ok((export, first))
        })
        .await?;
    // The next pages are read by a blocking task, one connection at a time, and wait in a
    // channel of two for the client to take them.
    let (tx, rx) = mpsc::channel::<io::Result<Vec<u8>>>(2);
    tokio::task::spawn_blocking(move || {
        let mut page = first;
        while let Some(bytes) = page {
            if !bytes.is_empty() && tx.blocking_send(Ok(bytes)).is_err() {
                return; // The client went away.
            }
            let next = state
                .db
                .conn()
                .map_err(AppError::internal)
                .and_then(|mut conn| export.next_page(&mut conn));
            page = match next {
                Ok(next) => next,
                Err(e) => {
                    tracing::error!(error = %e, "offer export interrupted");
                    // The body fails: the client sees a cut transfer, never a short export.
                    let _ = tx.blocking_send(Err(io::Error::other(e.to_string())));
                    return;
                }
            };
        }
    });
    let body = Body::new(tower_http::services::fs::AsyncReadBody::with_capacity(
        PagesReader {
            pages: rx,
            current: Vec::new(),
            pos: 0,
        },
        64 * 1024,
    ));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if format == Format::Csv {
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment; filename=\"offres-passerelle.csv\""),
        );
    }
    Ok(response)
}

/// The pages sent by the reading task, as one byte stream (end: the task is done).
struct PagesReader {
    pages: mpsc::Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    pos: usize,
}

impl AsyncRead for PagesReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            if self.pos < self.current.len() {
                let n = buf.remaining().min(self.current.len() - self.pos);
                let start = self.pos;
                buf.put_slice(&self.current[start..start + n]);
                self.pos += n;
                return Poll::Ready(Ok(()));
            }
            match ready!(self.pages.poll_recv(cx)) {
                Some(Ok(bytes)) => {
                    self.current = bytes;
                    self.pos = 0;
                }
                Some(Err(e)) => return Poll::Ready(Err(e)),
                None => return Poll::Ready(Ok(())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updated_since_forms() {
        let at = |s: &str| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("valid test time")
        };
        assert_eq!(parse_since("2026-11-01"), Some(at("2026-11-01 00:00:00")));
        assert_eq!(
            parse_since("2026-11-01T08:30:00Z"),
            Some(at("2026-11-01 08:30:00"))
        );
        assert_eq!(
            parse_since("2026-11-01T08:30:00+01:00"),
            Some(at("2026-11-01 07:30:00"))
        );
        assert_eq!(
            parse_since("2026-11-01T08:30:00 01:00"),
            Some(at("2026-11-01 07:30:00"))
        );
        for bad in ["01/11/2026", "2026-13-01", "hier", "2026-11-01T08:30:00"] {
            assert_eq!(parse_since(bad), None, "{bad}");
        }
    }

    /// Small pages and key windows, offers updated at the same moment: every published offer
    /// once, by `updated_at` then `id`, whatever the page and window boundaries.
    #[test]
    fn pages_and_key_windows_follow_the_order() {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = crate::Config::for_tests(
            format!("sqlite://{}", dir.path().join("export.db").display()),
            dir.path().to_owned(),
        );
        let state = AppState::init(config).expect("app");
        state.ensure_reference_data().expect("reference data");
        let mut conn = state.db.conn().expect("connection");
        crate::demo::load(&mut conn).expect("demo data");
        let mut published: Vec<(NaiveDateTime, String)> = offers::table
            .filter(offers::status.eq(OfferStatus::Published.as_str()))
            .select((offers::updated_at, offers::id))
            .load(&mut *conn)
            .expect("published offers");
        assert_eq!(published.len(), 3);
        // Two offers updated at the same moment: the id decides.
        let same = published[0].0;
        diesel::update(offers::table.find(&published[1].1))
            .set(offers::updated_at.eq(same))
            .execute(&mut *conn)
            .expect("update");
        published[1].0 = same;
        published.sort();
        let expected: Vec<String> = published.into_iter().map(|(_, id)| id).collect();
        for (chunk, window) in [(1, 1), (1, 2), (2, 2), (2, 3), (5, 1), (1000, 20_000)] {
            let mut export = Export::new(None, Format::JsonLines, "http://x".into());
            (export.chunk, export.window) = (chunk, window);
            let mut ids = Vec::new();
            let mut pages = 0;
            while let Some(bytes) = export.next_page(&mut conn).expect("page") {
                pages += 1;
                assert!(pages < 20, "the export ends");
                for line in String::from_utf8(bytes).expect("UTF-8").lines() {
                    let offer: serde_json::Value = serde_json::from_str(line).expect("JSON");
                    ids.push(offer["id"].as_str().expect("id").to_owned());
                }
            }
            assert_eq!(ids, expected, "pages of {chunk}, windows of {window}");
        }
        let mut export = Export::new(None, Format::Csv, "http://x".into());
        export.window = 1;
        let mut csv = Vec::new();
        while let Some(bytes) = export.next_page(&mut conn).expect("page") {
            csv.extend(bytes);
        }
        let csv = String::from_utf8(csv).expect("UTF-8");
        assert!(
            csv.starts_with("\u{feff}id;partner_reference;title;"),
            "{csv}"
        );
        assert_eq!(
            csv.matches("http://x/offres/").count(),
            3,
            "one header: {csv}"
        );
    }

    #[test]
    fn parameters_are_checked_together() {
        let err = checked(&ExportParams {
            updated_since: Some("hier".into()),
            format: Some("xml".into()),
        })
        .expect_err("two problems");
        assert_eq!(err.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        assert!(err.message().contains("AAAA-MM-JJ"), "{}", err.message());
        assert!(err.message().contains("jsonl"), "{}", err.message());
        let (since, format) = checked(&ExportParams::default()).expect("defaults");
        assert_eq!((since, format), (None, Format::JsonLines));
    }
}
