//! Online pre-registration on funded sessions: a prescriber pre-registers a person, the
//! training centre returns the selection result, then the entry and its outcome.

pub mod followup;
pub mod followup_routes;
pub mod jobs;
pub mod mails;
pub mod model;
pub mod routes;
pub mod service;
pub mod stats;
pub mod survey;

pub use jobs::register;
