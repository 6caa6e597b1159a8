//! Figures computed from Passerelle's own data: each person's indicators (scoped to what they
//! answer for), charts drawn on the server beside their tables, CSV and XLSX downloads, and
//! the evaluation annex tables.

pub mod annex;
pub mod bench;
pub mod chart;
pub mod export;
pub mod indicators;
pub mod jobs;
pub mod outcomes;
pub mod rollup;
pub mod routes;
pub mod table;

pub use jobs::register;
