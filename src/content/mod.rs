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

/// What editorial content provides to the plumbing: the legal pages' texts.
pub fn register(reg: &mut crate::app::Registry) {
    reg.provide(crate::web::pages::LegalTexts(legal::rendered));
}
