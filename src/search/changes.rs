//! The change log that keeps every node's search index in step with the database.
//!
//! A change to an indexed item writes a row of `search_changes` (a sequence number, the kind
//! of item, its id) **in the transaction of the change** ([`record`]). Each process that serves
//! searches follows the log ([`spawn_follower`]): it applies the rows after its cursor to its
//! own index, then moves the cursor, kept in the index folder (a crash between the two applies
//! the same rows again, which changes nothing: an item is always read afresh from the
//! database). At start ([`start`]) a node catches up from its cursor, or rebuilds its index
//! from the database when it has no cursor (new or older index) or when the log was pruned past
//! it. Nodes register with a heartbeat (`search_nodes`); the log is pruned behind the slowest
//! live node ([`prune`]).
//!
//! This module knows no capability: each one that indexes something registers how to apply
//! changes of its kind and how to rebuild ([`Registry::follow`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::AppState;
use crate::db::schema::{search_changes, search_nodes};
use crate::db::{DbConnection, now};
use crate::error::AppResult;

/// Applies the changes of items of one kind (their ids, each once) to this node's index,
/// reading them afresh from the database.
pub type Apply = fn(&AppState, &mut DbConnection, &[String]) -> anyhow::Result<()>;
/// Rebuilds this node's index of one kind from the database, telling `progress` how many it
/// indexed so far; returns the number indexed.
pub type Rebuild = fn(&AppState, &mut DbConnection, &dyn Fn(u64)) -> anyhow::Result<u64>;

/// How often a node reads the log: a change made anywhere is searchable within a second.
pub const POLL: Duration = Duration::from_millis(250);
/// How often a node tells the others how far it went.
const HEARTBEAT: chrono::TimeDelta = chrono::TimeDelta::seconds(30);
/// A node not heard of for this long no longer holds the log back (it rebuilds when it comes
/// back, if the log was pruned past it).
const NODE_TIMEOUT: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// Rows read at once.
const BATCH: i64 = 10_000;
/// File of the index folder holding the last sequence number applied.
const CURSOR_FILE: &str = "changes-cursor";
/// Keeps the sequence numbers of PostgreSQL in commit order (see [`record`]).
const LOG_LOCK: i64 = 0x0050_6173_736c_6f67; // "Passlog"

/// The kinds of item followed, as the capabilities registered them.
#[derive(Default)]
pub struct Registry {
    kinds: Vec<(&'static str, Apply, Rebuild)>,
}

impl Registry {
    /// Items of `kind` are indexed: `apply` brings their changes in, `rebuild` starts over.
    pub fn follow(&mut self, kind: &'static str, apply: Apply, rebuild: Rebuild) -> &mut Self {
        assert!(
            self.kinds.iter().all(|(k, ..)| *k != kind),
            "search kind {kind:?} registered twice"
        );
        self.kinds.push((kind, apply, rebuild));
        self
    }
}

/// Records that these items changed, in the transaction of the change (call it last in the
/// transaction: on PostgreSQL it holds a lock until the commit).
pub fn record(conn: &mut DbConnection, kind: &str, ids: &[String]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    // PostgreSQL hands out sequence numbers at insert, not at commit: without this lock, a
    // follower could read number 8 while number 7 is not yet committed, and never see 7. The
    // lock, held until the commit, makes writers of the log commit in the order of their
    // numbers. (SQLite has one writer at a time already.)
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({LOG_LOCK})")).execute(pg)?;
    }
    let at = now();
    for chunk in ids.chunks(1_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|id| {
                (
                    search_changes::kind.eq(kind),
                    search_changes::item_id.eq(id),
                    search_changes::changed_at.eq(at),
                )
            })
            .collect();
        crate::with_backend!(conn, c => diesel::insert_into(search_changes::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// Where this node stands in the log: the last sequence number applied to its index.
pub struct Cursor {
    file: PathBuf,
    /// Also serialises the node's followers (the loop, catch-ups after a request's change).
    at: Mutex<Option<i64>>,
    /// Why the last catch-up failed (an index that cannot be written: data folder read-only
    /// or full), until one succeeds.
    trouble: Mutex<Option<String>>,
}

impl Cursor {
    /// The cursor kept in the index folder `dir` (none when the index is new or comes from a
    /// version without a log).
    pub fn open(dir: &std::path::Path) -> Self {
        let file = dir.join(CURSOR_FILE);
        let at = std::fs::read_to_string(&file)
            .ok()
            .and_then(|s| s.trim().parse().ok());
        Self {
            file,
            at: Mutex::new(at),
            trouble: Mutex::new(None),
        }
    }

    /// Why this node's index is behind the log, while catching up fails.
    pub fn trouble(&self) -> Option<String> {
        self.trouble
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Keeps the outcome of a catch-up; logs when the index starts or stops failing (not at
    /// every retry).
    fn note(&self, outcome: &anyhow::Result<usize>) {
        let mut trouble = self.trouble.lock().unwrap_or_else(|e| e.into_inner());
        match outcome {
            Ok(_) => {
                if trouble.take().is_some() {
                    tracing::info!("search index: caught up with the change log again");
                }
            }
            Err(error) => {
                let error = format!("{error:#}");
                if trouble.is_none() {
                    tracing::error!(%error, "search index: change log not applied, retrying");
                }
                *trouble = Some(error);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<i64>> {
        self.at.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The last sequence number applied, if any.
    pub fn position(&self) -> Option<i64> {
        *self.lock()
    }

    fn store(&self, slot: &mut Option<i64>, seq: i64) -> anyhow::Result<()> {
        // Written beside, then renamed: a crash leaves the old cursor or the new, whole.
        let partial = self.file.with_extension("partial");
        std::fs::write(&partial, seq.to_string())
            .and_then(|()| std::fs::rename(&partial, &self.file))
            .with_context(|| format!("cannot write {}", self.file.display()))?;
        *slot = Some(seq);
        Ok(())
    }
}

fn last_seq(conn: &mut DbConnection) -> AppResult<i64> {
    Ok(search_changes::table
        .select(diesel::dsl::max(search_changes::seq))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

fn first_seq(conn: &mut DbConnection) -> AppResult<Option<i64>> {
    Ok(search_changes::table
        .select(diesel::dsl::min(search_changes::seq))
        .first::<Option<i64>>(conn)?)
}

/// Rebuilds every index of this node from the database, then puts the cursor at the end of
/// the log as it was before the rebuild (changes made meanwhile are applied again: harmless).
pub fn rebuild(state: &AppState, progress: &dyn Fn(u64)) -> anyhow::Result<u64> {
    let mut slot = state.search_cursor.lock();
    let mut conn = state.db.conn()?;
    let end = last_seq(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut count = 0;
    for (_, _, rebuild) in &state.registry.search.kinds {
        count += rebuild(state, &mut conn, progress)?;
    }
    state.search_cursor.store(&mut slot, end)?;
    Ok(count)
}

/// At start: catches up from the cursor, or rebuilds when there is none, when the log was
/// pruned past it, or when the cursor is ahead of the log (a restored database).
pub fn start(state: &AppState) -> anyhow::Result<()> {
    let (first, last) = {
        let mut conn = state.db.conn()?;
        let first = first_seq(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
        (
            first,
            last_seq(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?,
        )
    };
    // Behind the pruned log, or ahead of it (a database restored from a backup older than
    // the index): the log cannot tell what changed, the database can.
    let usable = |at: i64| at <= last && first.is_none_or(|first| at >= first - 1);
    match state.search_cursor.position() {
        Some(at) if usable(at) => {
            let applied = catch_up_blocking(state)?;
            tracing::info!(applied, "search index caught up with the change log");
        }
        position => {
            let count = rebuild(state, &|_| {})?;
            tracing::info!(count, ?position, "search index rebuilt from the database");
        }
    }
    Ok(())
}

/// Applies the log after the cursor to this node's index; returns the number of rows read.
pub fn catch_up_blocking(state: &AppState) -> anyhow::Result<usize> {
    let outcome = apply_log(state);
    state.search_cursor.note(&outcome);
    outcome
}

fn apply_log(state: &AppState) -> anyhow::Result<usize> {
    let mut slot = state.search_cursor.lock();
    let mut conn = state.db.conn()?;
    let mut read = 0;
    loop {
        let after = slot.unwrap_or(0);
        let rows: Vec<(i64, String, String)> = search_changes::table
            .filter(search_changes::seq.gt(after))
            .order(search_changes::seq)
            .limit(BATCH)
            .select((
                search_changes::seq,
                search_changes::kind,
                search_changes::item_id,
            ))
            .load(&mut conn)?;
        let Some(last) = rows.last().map(|r| r.0) else {
            break;
        };
        read += rows.len();
        let mut by_kind: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (_, kind, id) in rows {
            by_kind.entry(kind).or_default().push(id);
        }
        for (kind, mut ids) in by_kind {
            ids.sort();
            ids.dedup();
            match state
                .registry
                .search
                .kinds
                .iter()
                .find(|(k, ..)| *k == kind)
            {
                Some((_, apply, _)) => apply(state, &mut conn, &ids)?,
                None => tracing::warn!(kind, "change log: no index follows this kind"),
            }
        }
        state.search_cursor.store(&mut slot, last)?;
    }
    Ok(read)
}

/// [`catch_up_blocking`] off the async threads: after a change a request made, so that the
/// node that made it finds it at once. The change is committed whatever happens here: a
/// failure (an index that cannot be written) is logged and kept for `/healthz`, and the
/// follower retries.
pub async fn catch_up(state: &AppState) {
    let state = state.clone();
    if let Err(error) = tokio::task::spawn_blocking(move || catch_up_blocking(&state)).await {
        tracing::error!(%error, "search index: catch-up stopped");
    }
}

/// Tells the other nodes how far this one went.
fn heartbeat(state: &AppState) -> anyhow::Result<()> {
    let Some(at) = state.search_cursor.position() else {
        return Ok(());
    };
    let mut conn = state.db.conn()?;
    let id = state.instance_id.clone();
    let seen = now();
    let updated = diesel::update(search_nodes::table.find(&id))
        .set((search_nodes::cursor.eq(at), search_nodes::seen_at.eq(seen)))
        .execute(&mut conn)?;
    if updated == 0 {
        diesel::insert_into(search_nodes::table)
            .values((
                search_nodes::id.eq(&id),
                search_nodes::cursor.eq(at),
                search_nodes::seen_at.eq(seen),
            ))
            .execute(&mut conn)?;
    }
    Ok(())
}

/// Follows the log until `stop`: every [`POLL`], applies what is new; tells the others how far
/// it went every 30 seconds. A failure (database unreachable, index folder full) is logged and
/// retried at the next turn: the node catches up once the cause is gone.
pub fn spawn_follower(
    state: AppState,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last_beat: Option<NaiveDateTime> = None;
        loop {
            let turn = state.clone();
            let beat = last_beat.is_none_or(|at| now() - at >= HEARTBEAT);
            // Returns whether the node told the others where it stands. A failed catch-up is
            // logged (once) and kept by the cursor; the next turn retries.
            let done = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
                if catch_up_blocking(&turn).is_err() || !beat {
                    return Ok(false);
                }
                heartbeat(&turn)?;
                Ok(true)
            })
            .await;
            match done {
                Ok(Ok(true)) => last_beat = Some(now()),
                Ok(Ok(false)) => {}
                Ok(Err(error)) => tracing::warn!(%error, "search nodes: heartbeat not recorded"),
                Err(error) => tracing::warn!(%error, "search index: follower stopped a turn"),
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => break,
            }
        }
        // Gone: the log no longer waits for this node.
        let state = state.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let mut conn = state.db.conn()?;
            diesel::delete(search_nodes::table.find(&state.instance_id)).execute(&mut conn)?;
            anyhow::Ok(())
        })
        .await;
    })
}

/// Deletes the rows of the log every live node has applied (but the last), and forgets nodes
/// not heard of for a day. Returns the number of rows deleted.
pub fn prune(conn: &mut DbConnection) -> AppResult<usize> {
    let cutoff = now() - NODE_TIMEOUT;
    diesel::delete(search_nodes::table.filter(search_nodes::seen_at.lt(cutoff))).execute(conn)?;
    let slowest: Option<i64> = search_nodes::table
        .select(diesel::dsl::min(search_nodes::cursor))
        .first(conn)?;
    let Some(slowest) = slowest else {
        // Nobody follows the log right now: keep it for whoever starts next.
        return Ok(0);
    };
    // The newest row every node applied stays: the log never empties once used, so that a
    // node that comes back with an older cursor sees the log was pruned past it.
    Ok(
        diesel::delete(search_changes::table.filter(search_changes::seq.lt(slowest)))
            .execute(conn)?,
    )
}

/// The schedule of the pruning (once across nodes, like every schedule).
pub fn register(reg: &mut crate::jobs::Registry) {
    reg.every(
        "search.prune_changes",
        chrono::Duration::hours(1),
        |app| async move {
            let pruned = app.db.run(prune).await?;
            tracing::info!(pruned, "search change log pruned");
            Ok(())
        },
    );
}
