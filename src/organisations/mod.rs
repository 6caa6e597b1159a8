//! Organisations taking part in the platform (companies, training centres, chambers,
//! employment agencies, funders, …), their territory, their staff, and the validation of
//! companies by the chambers, and the delegations of companies to training centres.

pub mod delegations;
pub mod mails;
pub mod routes;
pub mod signup;
pub mod store;

pub use store::Organisation;

/// The event published when a company ends a delegation, with the ids `[company, centre]`,
/// in the transaction of the revocation: capabilities whose records the centre managed for
/// the company hand them back to the company (`reg.events.on(DELEGATION_REVOKED, …)`).
pub const DELEGATION_REVOKED: &str = "organisations.delegation_revoked";
