//! The practitioner training programme ("Cap Métiers Formation"): short courses, professional
//! days and practice workshops run by the regional team for the staff of partner
//! organisations, with registration, a first-come-first-served waiting list, attendance per
//! day and an evaluation after the session.

pub mod demo;
pub mod mails;
pub mod routes;
pub mod service;
