//! Atom feeds (RFC 4287): the one way the site builds and serves a feed. Capabilities make the
//! entries; the document around them (id, authors, links, language, date) and its response
//! are the same for every feed.

use atom_syndication::{Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::config::Config;

/// A time of the database (UTC) as Atom writes it.
pub fn date(at: chrono::NaiveDateTime) -> FixedDateTime {
    at.and_utc().fixed_offset()
}

/// A link to the HTML page of an entry or of a feed.
pub fn html_link(href: String) -> Link {
    Link {
        href,
        rel: "alternate".into(),
        mime_type: Some("text/html".into()),
        ..Link::default()
    }
}

/// Answers with the feed at `path` (its address and id), titled `title`, that follows the
/// HTML page at `page_path`; it is as recent as its newest entry. Public, cached five minutes.
pub fn respond(
    config: &Config,
    path: &str,
    title: String,
    page_path: &str,
    entries: Vec<Entry>,
) -> Response {
    let base = config.base_url();
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or_else(|| date(crate::db::now()));
    let feed = Feed {
        id: format!("{base}{path}"),
        title: Text::plain(title),
        updated,
        authors: vec![Person {
            name: format!("Passerelle {}", config.region_name),
            ..Person::default()
        }],
        links: vec![
            Link {
                href: format!("{base}{path}"),
                rel: "self".into(),
                mime_type: Some("application/atom+xml".into()),
                ..Link::default()
            },
            html_link(format!("{base}{page_path}")),
        ],
        lang: Some("fr".into()),
        entries,
        ..Feed::default()
    };
    (
        [
            (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        feed.to_string(),
    )
        .into_response()
}
