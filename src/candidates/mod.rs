//! Candidate profiles: wished occupations, level, place and mobility, availability, a short
//! presentation and a CV (PDF). A profile is seen by recruiters only once a chamber validated
//! it and while its owner keeps it visible; every view of it by someone else is audited.

pub mod accompaniment;
pub mod alerts;
pub mod contact;
pub mod jobs;
pub mod mails;
pub mod routes;
pub mod service;
pub mod store;

pub use jobs::register;

use crate::db::DbConnection;
use crate::error::AppResult;

/// The organisations a candidate applied to (`conn`, candidate id): they see the profile
/// whatever its visibility. Provided at start by the capability that keeps applications
/// (`reg.provide(candidates::AppliedTo(…))`); without one, nobody sees a profile that way.
#[derive(Clone, Copy)]
pub struct AppliedTo(pub fn(&mut DbConnection, &str) -> AppResult<Vec<String>>);
