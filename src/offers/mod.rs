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

/// To call after any change to these offers: tells the listeners of [`CHANGED`], then brings
/// the search index in step with the database.
pub async fn changed(state: &AppState, ids: Vec<String>) -> AppResult<()> {
    let app = state.clone();
    let (docs, gone) = state
        .db
        .tx(move |conn| {
            app.registry.events.publish(conn, CHANGED, &ids)?;
            index::docs_for(conn, &ids)
        })
        .await?;
    index::apply(state, docs, gone).await
}
