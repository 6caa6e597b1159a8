//! Partners and governance: the partner directory (public and restricted fields, contacts
//! kept by each partner), the onboarding checklist after Bretagne Alternance's steps, the
//! charter (versions and signatures), yearly renewals with contributions, and the daily
//! reminder digest to the regional team.

pub mod demo;
pub mod jobs;
pub mod mails;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;

pub use jobs::register;
