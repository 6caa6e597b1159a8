//! What happened, for whoever follows it: a capability publishes a topic it owns (say
//! `offers::CHANGED`, with the ids of the records concerned) inside the transaction of the
//! change, and the listeners other capabilities registered at start (see `crate::startup`)
//! run in that same transaction. A listener's error rolls the change back.
//!
//! This module knows no capability and no topic.

use std::collections::HashMap;

use crate::db::DbConnection;
use crate::error::AppResult;

/// Follows a topic: receives the ids of the records concerned, in the publisher's transaction.
pub type Listener = fn(&mut DbConnection, &[String]) -> AppResult<()>;

/// Listeners by topic, in the order they were registered.
#[derive(Default)]
pub struct Events {
    listeners: HashMap<&'static str, Vec<Listener>>,
}

impl Events {
    /// `listener` runs whenever `topic` is published.
    pub fn on(&mut self, topic: &'static str, listener: Listener) -> &mut Self {
        self.listeners.entry(topic).or_default().push(listener);
        self
    }

    /// Runs every listener of `topic`, in registration order; stops at the first error.
    pub fn publish(&self, conn: &mut DbConnection, topic: &str, ids: &[String]) -> AppResult<()> {
        for listener in self.listeners.get(topic).into_iter().flatten() {
            listener(conn, ids)?;
        }
        Ok(())
    }

    /// How many listeners follow `topic`.
    pub fn listeners(&self, topic: &str) -> usize {
        self.listeners.get(topic).map_or(0, Vec::len)
    }
}
