//! The Espaces Métiers network: walk-in career spaces run by host organisations (Missions
//! Locales, CIO…), with an anonymous visit log, local events open to registration, the
//! booking calendar of travelling exhibitions, and visit figures per site and network.

pub mod agenda;
pub mod demo;
pub mod figures;
pub mod mails;
pub mod model;
pub mod network;
pub mod plan_routes;
pub mod plans;
pub mod routes;
pub mod service;

/// The spaces' background work: registrations to past events are erased after the retention
/// the region set. The sites' events join the regional agenda and its feeds.
pub fn register(reg: &mut crate::app::Registry) {
    reg.provide(crate::content::AgendaSource(agenda::entries));
    // A registration serves to welcome the person and to tell them of a change: once the
    // event is over, a month covers the follow-up and a year the annual figures.
    reg.retain(
        "sites.purge_registrations",
        crate::web::retention::Kind {
            key: service::RETENTION,
            label: "Inscriptions aux événements des Espaces Métiers",
            counted_from: "après l’événement",
            default_days: 90,
            min_days: 30,
            max_days: 365,
            purged: (
                "inscription à un événement supprimée",
                "inscriptions à des événements supprimées",
            ),
            purge: |conn, retention| {
                service::purge_registrations(conn, crate::db::now(), retention.days)
            },
        },
    );
}
