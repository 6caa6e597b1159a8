//! Editorial content: news per territory, the agenda of events (fairs, open days, job-dating,
//! "Mercredis de l'alternance") with iCalendar feeds, documentation pages and the resources
//! reserved to professionals, written in Markdown by the editors and rendered without any
//! HTML of the author's; the news and events training centres and chambers propose, which
//! editors publish or refuse; the help pages of the product's forms; the texts of the legal
//! pages as the editors wrote them.

pub mod demo;
pub mod help;
pub mod ical;
pub mod legal;
pub mod mails;
pub mod markdown;
pub mod proposal_routes;
pub mod proposals;
pub mod routes;
pub mod service;

/// An event another capability shows in the regional agenda and its iCalendar feeds (the
/// Espaces Métiers' local events), as that capability describes it.
#[derive(Clone, Debug)]
pub struct AgendaEntry {
    /// Unique and stable: the iCalendar UID before `@host`.
    pub uid: String,
    pub kind_label: String,
    pub title: String,
    /// Plain text.
    pub description: String,
    /// UTC.
    pub starts_at: chrono::NaiveDateTime,
    /// UTC; none when the event gives only its start.
    pub ends_at: Option<chrono::NaiveDateTime>,
    pub place: String,
    pub organiser: String,
    /// Department code of the place.
    pub department: String,
    /// The event's page (path), where people register.
    pub path: String,
    /// UTC: last change.
    pub updated_at: chrono::NaiveDateTime,
}

/// The events another capability adds to the agenda: those starting from `from` to before
/// `to` (UTC), of one department or (none) of all; provided with `reg.provide`, read by the
/// agenda with `state.registry.get::<AgendaSource>()` (content never names who provides it).
#[derive(Clone, Copy)]
pub struct AgendaSource(pub AgendaEntries);

/// The function behind [`AgendaSource`]: connection, department, from, to.
pub type AgendaEntries = fn(
    &mut crate::db::DbConnection,
    Option<&str>,
    chrono::NaiveDateTime,
    chrono::NaiveDateTime,
) -> crate::error::AppResult<Vec<AgendaEntry>>;

/// What editorial content provides to the plumbing: the legal pages' texts.
pub fn register(reg: &mut crate::app::Registry) {
    reg.provide(crate::web::pages::LegalTexts(legal::rendered));
}
