//! The information line "Cap Info": requests by phone (logged by an information officer),
//! by the public web form and by e-mail (a Maildir watched by a job), answered at once or
//! routed to an information partner, every one within 2 working days.

pub mod demo;
pub mod intake;
pub mod jobs;
pub mod mailparse;
pub mod mails;
pub mod model;
pub mod routes;
pub mod service;
pub mod sla;
pub mod stats;

pub use jobs::register;
