//! Background work persisted in the database: queued jobs (mail delivery, …) and scheduled
//! ones (maintenance, reminders and digests). A restart loses nothing, and a job runs once
//! even with several server processes: claiming is a conditional update that only one
//! process can win.
//!
//! This module knows no capability: each one registers the kinds of job it handles and its
//! recurring tasks in a [`Registry`] at start (see `crate::startup`), and the runner
//! dispatches through it.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::AppState;
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::AppResult;

/// How long a claimed job is reserved before another process may take it over.
const LEASE: Duration = Duration::minutes(5);
const MAX_ATTEMPTS: i32 = 8;
/// How long finished jobs stay for the operator to look at: done ones, failed ones.
const KEEP_DONE: Duration = Duration::days(30);
const KEEP_FAILED: Duration = Duration::days(180);

/// Runs one job of a kind: the application and the job's payload.
pub type Handler = Arc<dyn Fn(AppState, String) -> JobFuture + Send + Sync>;

/// A running job.
pub type JobFuture = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;

/// Called in a transaction when a job of a kind failed for the last time, with its payload.
pub type GiveUp = fn(&mut DbConnection, &str) -> AppResult<()>;

struct Kind {
    handler: Handler,
    give_up: Option<GiveUp>,
    /// Runs for long (minutes): taken by its own lane, so that it never holds up the others.
    long: bool,
}

/// Which jobs a runner takes: all of them (`passerelle` commands, tests), or one of the two
/// lanes of the server's runner, so that a long job (an import) never delays a mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    All,
    Quick,
    Long,
}

/// A recurring task: a job of kind `name` enqueued every `period` (first run at first start).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub name: &'static str,
    pub period: Duration,
}

/// The kinds of job the runner knows and the recurring tasks, as the capabilities registered
/// them at start. A kind registered twice is a programming error and panics at start.
#[derive(Default)]
pub struct Registry {
    kinds: HashMap<&'static str, Kind>,
    schedules: Vec<Schedule>,
}

impl Registry {
    /// Jobs of `kind` (enqueued with [`enqueue`]) run `handler` with their payload.
    pub fn handle<F, Fut>(&mut self, kind: &'static str, handler: F) -> &mut Self
    where
        F: Fn(AppState, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |app, payload| Box::pin(handler(app, payload)));
        let previous = self.kinds.insert(
            kind,
            Kind {
                handler,
                give_up: None,
                long: false,
            },
        );
        assert!(previous.is_none(), "job kind {kind:?} registered twice");
        self
    }

    /// When a job of `kind` fails for the last time, `give_up` records it (in a transaction).
    pub fn on_give_up(&mut self, kind: &'static str, give_up: GiveUp) -> &mut Self {
        let Some(entry) = self.kinds.get_mut(kind) else {
            panic!("job kind {kind:?} has no handler: register it before its give-up hook");
        };
        entry.give_up = Some(give_up);
        self
    }

    /// Jobs of `kind` may run for minutes: the server runs them on a lane of their own.
    pub fn long(&mut self, kind: &'static str) -> &mut Self {
        let Some(entry) = self.kinds.get_mut(kind) else {
            panic!("job kind {kind:?} has no handler: register it before marking it long");
        };
        entry.long = true;
        self
    }

    fn long_kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self
            .kinds
            .iter()
            .filter(|(_, k)| k.long)
            .map(|(name, _)| *name)
            .collect();
        kinds.sort_unstable();
        kinds
    }

    /// A recurring task: a job of kind `name` every `period`, run by `handler`.
    pub fn every<F, Fut>(&mut self, name: &'static str, period: Duration, handler: F) -> &mut Self
    where
        F: Fn(AppState) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        assert!(
            period > Duration::zero(),
            "schedule {name:?} needs a period"
        );
        self.handle(name, move |app, _payload| handler(app));
        self.schedules.push(Schedule { name, period });
        self
    }

    /// The recurring tasks, in the order they were registered.
    pub fn schedules(&self) -> &[Schedule] {
        &self.schedules
    }

    /// The kinds of job with a handler, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.kinds.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }

    fn handler(&self, kind: &str) -> Option<Handler> {
        self.kinds.get(kind).map(|k| k.handler.clone())
    }

    fn give_up(&self, kind: &str) -> Option<GiveUp> {
        self.kinds.get(kind).and_then(|k| k.give_up)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub run_at: NaiveDateTime,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

impl Job {
    /// Its state, in French (the administrator's outbox page).
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "queued" => "En attente",
            "running" => "En cours",
            "done" => "Terminée",
            "failed" => "Échec définitif",
            _ => "Inconnu",
        }
    }
}

pub fn enqueue(
    conn: &mut DbConnection,
    kind: &str,
    payload: &str,
    run_at: NaiveDateTime,
) -> AppResult<String> {
    let id = new_id();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(&id),
            jobs::kind.eq(kind),
            jobs::payload.eq(payload),
            jobs::status.eq("queued"),
            jobs::run_at.eq(run_at),
            jobs::attempts.eq(0),
            jobs::max_attempts.eq(MAX_ATTEMPTS),
            jobs::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Enqueues the recurring tasks that are due; only one process wins each period.
fn tick_schedules(conn: &mut DbConnection, tasks: &[Schedule]) -> AppResult<usize> {
    let at = now();
    let mut enqueued = 0;
    for &Schedule { name, period } in tasks {
        let next: Option<NaiveDateTime> = schedules::table
            .find(name)
            .select(schedules::next_run_at)
            .first(conn)
            .optional()?;
        let Some(next) = next else {
            // First run ever: whoever creates the schedule runs it now.
            let inserted = diesel::insert_into(schedules::table)
                .values((
                    schedules::name.eq(name),
                    schedules::next_run_at.eq(at + period),
                ))
                .execute(conn);
            match inserted {
                Ok(_) => {
                    enqueue(conn, name, "", at)?;
                    enqueued += 1;
                }
                Err(e) if crate::db::is_unique_violation(&e) => {}
                Err(e) => return Err(e.into()),
            }
            continue;
        };
        if next > at {
            continue;
        }
        let won = diesel::update(
            schedules::table
                .find(name)
                .filter(schedules::next_run_at.eq(next)),
        )
        .set(schedules::next_run_at.eq(at + period))
        .execute(conn)?;
        if won == 1 {
            enqueue(conn, name, "", at)?;
            enqueued += 1;
        }
    }
    Ok(enqueued)
}

/// Takes the next due job of the lane for this worker, if any (`long`: the kinds of the long
/// lane).
fn claim(
    conn: &mut DbConnection,
    worker: &str,
    lane: Lane,
    long: &[&'static str],
) -> AppResult<Option<Job>> {
    let at = now();
    let due = || {
        jobs::status
            .eq("queued")
            .and(jobs::run_at.le(at))
            .or(jobs::status.eq("running").and(jobs::locked_until.lt(at)))
    };
    let mut candidates = jobs::table.filter(due()).into_boxed();
    match lane {
        Lane::All => {}
        Lane::Quick => candidates = candidates.filter(jobs::kind.ne_all(long)),
        Lane::Long => candidates = candidates.filter(jobs::kind.eq_any(long)),
    }
    let candidates: Vec<String> = candidates
        .order(jobs::run_at)
        .limit(8)
        .select(jobs::id)
        .load(conn)?;
    for id in candidates {
        let won = diesel::update(jobs::table.find(&id).filter(due()))
            .set((
                jobs::status.eq("running"),
                jobs::locked_by.eq(worker),
                jobs::locked_until.eq(at + LEASE),
                jobs::attempts.eq(jobs::attempts + 1),
            ))
            .execute(conn)?;
        if won == 1 {
            return Ok(Some(
                jobs::table.find(&id).select(Job::as_select()).first(conn)?,
            ));
        }
    }
    Ok(None)
}

async fn dispatch(app: &AppState, job: &Job) -> anyhow::Result<()> {
    let Some(handler) = app.registry.jobs.handler(&job.kind) else {
        anyhow::bail!("unknown job kind {:?}: no handler registered", job.kind);
    };
    handler(app.clone(), job.payload.clone()).await
}

fn finish(
    conn: &mut DbConnection,
    job: &Job,
    outcome: &anyhow::Result<()>,
    give_up: Option<GiveUp>,
) -> AppResult<()> {
    let target = jobs::table.find(&job.id);
    match outcome {
        Ok(()) => {
            diesel::update(target)
                .set((
                    jobs::status.eq("done"),
                    jobs::finished_at.eq(Some(now())),
                    jobs::locked_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
        Err(error) if job.attempts < job.max_attempts => {
            // 30 s, 1 min, 2 min, … up to 1 h.
            let delay = (30i64 << (job.attempts - 1).clamp(0, 7)).min(3600);
            diesel::update(target)
                .set((
                    jobs::status.eq("queued"),
                    jobs::run_at.eq(now() + Duration::seconds(delay)),
                    jobs::last_error.eq(Some(format!("{error:#}"))),
                    jobs::locked_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
        Err(error) => {
            diesel::update(target)
                .set((
                    jobs::status.eq("failed"),
                    jobs::finished_at.eq(Some(now())),
                    jobs::last_error.eq(Some(format!("{error:#}"))),
                ))
                .execute(conn)?;
            if let Some(give_up) = give_up {
                give_up(conn, &job.payload)?;
            }
        }
    }
    Ok(())
}

/// Runs every job due now, one after the other; returns how many ran.
pub async fn run_due(app: &AppState) -> AppResult<usize> {
    run_lane(app, Lane::All).await
}

/// Runs every job of a lane due now, one after the other; returns how many ran.
pub async fn run_lane(app: &AppState, lane: Lane) -> AppResult<usize> {
    // Jobs see the application's clock, as requests do.
    crate::clock::scope(app.clock.clone(), run_all_due(app, lane)).await
}

async fn run_all_due(app: &AppState, lane: Lane) -> AppResult<usize> {
    let worker = app.instance_id.clone();
    if lane != Lane::Long {
        let tasks = app.registry.jobs.schedules().to_vec();
        app.db.run(move |conn| tick_schedules(conn, &tasks)).await?;
    }
    let long = app.registry.jobs.long_kinds();
    let mut ran = 0;
    loop {
        let (w, l) = (worker.clone(), long.clone());
        let Some(job) = app.db.run(move |conn| claim(conn, &w, lane, &l)).await? else {
            break;
        };
        let outcome = dispatch(app, &job).await;
        if let Err(error) = &outcome {
            tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %format!("{error:#}"), "job failed");
        }
        metrics::counter!("passerelle_jobs_total", "kind" => job.kind.clone(), "ok" => outcome.is_ok().to_string()).increment(1);
        let give_up = app.registry.jobs.give_up(&job.kind);
        app.db
            .run(move |conn| finish(conn, &job, &outcome, give_up))
            .await?;
        ran += 1;
    }
    Ok(ran)
}

/// The runner inside the server: two lanes, each polling every second until shutdown, one
/// for the long jobs (imports) and one for the rest (mails, schedules…), so that a long job
/// never holds up a mail.
pub fn spawn_runner(
    app: AppState,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let lane = |lane: Lane| {
        let (app, mut shutdown) = (app.clone(), shutdown.clone());
        async move {
            loop {
                if let Err(error) = run_lane(&app, lane).await {
                    tracing::error!(%error, ?lane, "job runner");
                }
                tokio::select! {
                    _ = tokio::time::sleep(StdDuration::from_secs(1)) => {}
                    _ = shutdown.changed() => break,
                }
            }
        }
    };
    let (quick, long) = (lane(Lane::Quick), lane(Lane::Long));
    tokio::spawn(async move {
        tokio::join!(quick, long);
    })
}

/// Jobs for the operator's page, most recent first.
/// Deletes jobs done more than 30 days ago and jobs failed more than 180 days ago (recurring
/// tasks alone leave thousands a day); returns how many.
pub fn purge_finished(conn: &mut DbConnection, at: NaiveDateTime) -> AppResult<usize> {
    let done = diesel::delete(
        jobs::table
            .filter(jobs::status.eq("done"))
            .filter(jobs::finished_at.lt(at - KEEP_DONE)),
    )
    .execute(conn)?;
    let failed = diesel::delete(
        jobs::table
            .filter(jobs::status.eq("failed"))
            .filter(jobs::finished_at.lt(at - KEEP_FAILED)),
    )
    .execute(conn)?;
    Ok(done + failed)
}

pub fn recent(conn: &mut DbConnection, limit: i64) -> AppResult<Vec<Job>> {
    Ok(jobs::table
        .order(jobs::created_at.desc())
        .limit(limit)
        .select(Job::as_select())
        .load(conn)?)
}
