//! Applications: a candidate applies to a published offer with a message; the organisation
//! managing the offer (company or delegated training centre) reads, answers, invites to an
//! interview, hires or declines. One thread of messages per application; each step is mailed
//! to the other side; unanswered applications remind the recruiter after 7 days.

pub mod follow;
pub mod jobs;
pub mod mails;
pub mod routes;
pub mod service;

pub use jobs::register;
