//! Editorial content: news per territory, the agenda of events (fairs, open days, "Mercredis
//! de l'alternance") with iCalendar feeds, and documentation pages, written in Markdown by the
//! editors and rendered without any HTML of the author's.

pub mod demo;
pub mod ical;
pub mod markdown;
pub mod routes;
pub mod service;
