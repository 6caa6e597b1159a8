//! Work-study offers: posted by companies (or training centres they delegate to), moderated
//! by the chamber covering the place of work, published, then filled, expired or withdrawn.

pub mod export;
pub mod index;
pub mod jobs;
pub mod mails;
pub mod model;
pub mod routes;
pub mod search;
pub mod service;
pub mod store;

pub use jobs::register;
pub use model::{ContractType, Offer, OfferStatus};

use crate::AppState;
use crate::db::DbConnection;
use crate::error::AppResult;

/// Whether a person keeps an offer in their selection (`user id`, `offer id`), for the offer's
/// page: answered by the capability that keeps selections, which provides it at start
/// (`reg.provide(offers::SavedOffer(…))`); without one, no offer is ever shown as saved.
#[derive(Clone, Copy)]
pub struct SavedOffer(pub fn(&mut DbConnection, &str, &str) -> AppResult<bool>);

/// The event published when offers changed (created, edited, moderated, expired, imported…),
/// with their ids: other capabilities follow it by registering a listener
/// (`reg.events.on(offers::CHANGED, …)`), which runs in the transaction of [`changed`].
pub const CHANGED: &str = "offers.changed";

/// Kind of the offers in the search change log.
pub const SEARCH_KIND: &str = "offer";

/// To call in the transaction of any change to these offers, last: tells the listeners of
/// [`CHANGED`] and records the change in the search change log, which every node follows.
pub fn changed_in(conn: &mut DbConnection, state: &AppState, ids: &[String]) -> AppResult<()> {
    state.registry.events.publish(conn, CHANGED, ids)?;
    crate::search::changes::record(conn, SEARCH_KIND, ids)
}

/// [`changed_in`] in a transaction of its own, for changes already committed (a long import's
/// rows, a reindex), then this node's index catches up at once.
pub async fn changed(state: &AppState, ids: Vec<String>) -> AppResult<()> {
    let app = state.clone();
    state
        .db
        .tx(move |conn| changed_in(conn, &app, &ids))
        .await?;
    crate::search::changes::catch_up(state).await;
    Ok(())
}
