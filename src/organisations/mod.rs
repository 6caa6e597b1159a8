//! Organisations taking part in the platform (companies, training centres, chambers,
//! employment agencies, funders, …), their territory, their staff, and the validation of
//! companies by the chambers, and the delegations of companies to training centres.

pub mod delegations;
pub mod mails;
pub mod routes;
pub mod signup;
pub mod store;

pub use store::Organisation;
