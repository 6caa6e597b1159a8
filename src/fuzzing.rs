//! What each fuzz target does (`fuzz/`, `cargo +nightly fuzz run <target>`), in one place: the
//! fuzz targets call these functions, and so does the regression test that replays their
//! corpus and past crashes in the normal suite (`tests/it/fuzzing.rs`). Each one feeds
//! arbitrary bytes to the product's own readers the way a request, a partner file or a
//! received mail reaches them, and panics only on a bug: a reader must answer (a value or a
//! French error), never panic, and a few properties are checked on what it answers.

use crate::content::markdown;
use crate::discovery;
use crate::helpline::mailparse;
use crate::imports::read;
use crate::offers::search::{ApiSearch, PageSearch};
use crate::trainings::lheo;
use crate::trainings::routes::SearchParams;
use crate::web::extract::Query;

/// What a fuzz target does with one input.
pub type Target = fn(&[u8]);

/// The targets, by the names of their folders in `fuzz/corpus/` and `fuzz/regressions/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("partner_csv", partner_csv),
    ("lheo", lheo),
    ("helpline_mail", helpline_mail),
    ("markdown", markdown),
    ("search_query", search_query),
];

/// A partner's CSV file, as an import receives it: the table, each column found again by its
/// header, and every cell through the reader's date and number parsers.
pub fn partner_csv(data: &[u8]) {
    let _ = read::is_xml(data);
    let Ok(table) = read::read_table(data) else {
        return;
    };
    assert!(!table.headers.is_empty() && !table.rows.is_empty());
    for (index, header) in table.headers.iter().enumerate() {
        assert!(
            table.column(header).is_none_or(|found| found == index),
            "header {header:?} found at another column"
        );
    }
    for row in &table.rows {
        for cell in &row.fields {
            let _ = read::parse_date(cell);
            let _ = read::parse_decimal(cell);
            let _ = read::parse_integer(cell);
        }
    }
}

/// An LHÉO catalogue, as a funder sends it; what is accepted is exported again, and the export
/// reads back with the same trainings accepted.
pub fn lheo(data: &[u8]) {
    let Ok(parsed) = lheo::parse(data) else {
        return;
    };
    let accepted: Vec<_> = parsed.accepted().cloned().collect();
    let written = lheo::write_to_string(&accepted);
    let again = lheo::parse(written.as_bytes())
        .unwrap_or_else(|e| panic!("the export of accepted trainings is refused: {e}"));
    assert_eq!(
        again.accepted().count(),
        accepted.len(),
        "the export of accepted trainings reads back differently"
    );
}

/// A message dropped in the information line's Maildir.
pub fn helpline_mail(data: &[u8]) {
    if let Ok(mail) = mailparse::parse(data) {
        let _ = mailparse::strip_quoted(&mail.body);
    }
}

/// Markdown written by an editor (pages, news, events), rendered and excerpted.
pub fn markdown(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let html = markdown::render(&text);
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "raw HTML reached the page"
    );
    let excerpt = markdown::plain_excerpt(&text, 280);
    assert!(excerpt.chars().count() <= 281, "excerpt too long");
}

/// A search page's address: the query string read into the offers, trainings and discovery
/// searches (page and API), what each asks the search, and the links built from it; the
/// criteria written back as a query string read again to the same criteria.
pub fn search_query(data: &[u8]) {
    let text = String::from_utf8_lossy(data);

    if let Ok(Query(p)) = Query::<PageSearch>::from_query(&text) {
        let _ = p.asked(p.page.unwrap_or(1).max(1), 20);
        let _ = crate::offers::routes::offer_search_links(&p, None, None).chips();
        let written = p.query_string();
        assert_eq!(PageSearch::parse(&written).query_string(), written);
    }
    let saved = PageSearch::parse(&text).query_string();
    assert_eq!(PageSearch::parse(&saved).query_string(), saved);
    if let Ok(Query(p)) = Query::<ApiSearch>::from_query(&text) {
        let _ = p.asked();
    }

    if let Ok(Query(p)) = Query::<SearchParams>::from_query(&text) {
        let _ = p.asked();
        let links = p.links(None, None);
        let _ = (links.chips(), links.cleared(), links.href());
        let written = p.query_string();
        let Ok(Query(again)) = Query::<SearchParams>::from_query(&written) else {
            panic!("training search {written:?} does not read back");
        };
        assert_eq!(again.query_string(), written);
    }

    if let Ok(Query(p)) = Query::<discovery::service::Asked>::from_query(&text) {
        let _ = discovery::routes::search_links(&p, None).chips();
        let written = p.query_string();
        let Ok(Query(again)) = Query::<discovery::service::Asked>::from_query(&written) else {
            panic!("discovery search {written:?} does not read back");
        };
        assert_eq!(again.query_string(), written);
    }
}
