//! Partners' webhooks: an organisation that manages offers (a company, a training centre
//! with delegations, a partner feeding its software's offers) registers addresses that
//! receive signed JSON events about its offers and their applications: a new application,
//! an application's status changed, an offer published or expired (and `ping`, the test
//! button). Each event is a delivery row recorded in the transaction of the change (listeners
//! of `applications::CREATED`, `applications::STATUS_CHANGED` and `offers::CHANGED`), sent by
//! a job with `web::outbound::post`, retried with backoff; the organisation sees the log.
//!
//! An event goes only to the subscriptions of the organisation managing the offer concerned.

pub mod jobs;
pub mod routes;
pub mod service;

pub use jobs::register;
