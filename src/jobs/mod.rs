//! Background work persisted in the database: queued jobs (mail delivery, …) and scheduled
//! ones (maintenance, later reminders and digests). A restart loses nothing, and a job runs
//! once even with several server processes: claiming is a conditional update that only one
//! process can win.

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

/// Recurring tasks: name and period.
const SCHEDULES: &[(&str, i64)] = &[
    ("maintenance.purge", 3600),
    ("offers.expire", 86400),
    ("candidates.purge_inactive", 86400),
    ("applications.remind", 86400),
    ("prescriptions.remind", 86400),
    ("prescriptions.purge", 86400),
    ("basket.digest", 86400),
    ("helpline.maildir", 60),
    ("helpline.remind", 900),
    ("partners.remind", 86400),
    ("reports.refresh", 60),
];

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
fn tick_schedules(conn: &mut DbConnection) -> AppResult<usize> {
    let at = now();
    let mut enqueued = 0;
    for (name, period) in SCHEDULES {
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
                    schedules::next_run_at.eq(at + Duration::seconds(*period)),
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
        .set(schedules::next_run_at.eq(at + Duration::seconds(*period)))
        .execute(conn)?;
        if won == 1 {
            enqueue(conn, name, "", at)?;
            enqueued += 1;
        }
    }
    Ok(enqueued)
}

/// Takes the next due job for this worker, if any.
fn claim(conn: &mut DbConnection, worker: &str) -> AppResult<Option<Job>> {
    let at = now();
    let due = || {
        jobs::status
            .eq("queued")
            .and(jobs::run_at.le(at))
            .or(jobs::status.eq("running").and(jobs::locked_until.lt(at)))
    };
    let candidates: Vec<String> = jobs::table
        .filter(due())
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
    match job.kind.as_str() {
        crate::mail::JOB_KIND => crate::mail::deliver(app, &job.payload).await,
        "maintenance.purge" => {
            let idle = Duration::minutes(app.config.session_idle_minutes);
            let max = Duration::hours(app.config.session_max_hours);
            let (sessions, failures, jobs) = app
                .db
                .run(move |conn| {
                    Ok((
                        crate::auth::purge_expired(conn, idle, max)?,
                        crate::auth::throttle::purge(conn)?,
                        purge_finished(conn, now())?,
                    ))
                })
                .await?;
            tracing::info!(sessions, failures, jobs, "maintenance purge");
            Ok(())
        }
        "offers.expire" => {
            let base = app.config.base_url();
            let today = crate::clock::today_paris();
            let (expired, warned) = app
                .db
                .tx(move |conn| crate::offers::service::expire_and_warn(conn, &base, today))
                .await?;
            tracing::info!(expired = expired.len(), warned, "offer expiry");
            app.search_sync(expired).await?;
            Ok(())
        }
        crate::imports::service::REINDEX_JOB => {
            let count = crate::imports::service::reindex_profile(app, job.payload.clone()).await?;
            tracing::info!(count, "imported offers reindexed");
            Ok(())
        }
        "reports.refresh" => {
            let months = app.db.run(crate::reports::rollup::refresh).await?;
            tracing::info!(months, "report counts refreshed");
            Ok(())
        }
        "basket.digest" => {
            let sent = crate::basket::service::send_digests(app).await?;
            tracing::info!(sent, "saved-search digests");
            Ok(())
        }
        "applications.remind" => {
            let base = app.config.base_url();
            let reminded = app
                .db
                .tx(move |conn| {
                    crate::applications::service::remind_unanswered(conn, &base, crate::db::now())
                })
                .await?;
            tracing::info!(reminded, "unanswered applications");
            Ok(())
        }
        "prescriptions.remind" => {
            let base = app.config.base_url();
            let today = crate::clock::today_paris();
            let reminded = app
                .db
                .tx(move |conn| crate::prescriptions::service::send_reminders(conn, today, &base))
                .await?;
            tracing::info!(reminded, "pre-registration decision reminders");
            Ok(())
        }
        "prescriptions.purge" => {
            let purged = app
                .db
                .tx(|conn| crate::prescriptions::service::purge_inactive(conn, crate::db::now()))
                .await?;
            tracing::info!(
                purged,
                "prescribed people erased after two years without activity"
            );
            Ok(())
        }
        "partners.remind" => {
            let base = app.config.base_url();
            let today = crate::clock::today_paris();
            let items = app
                .db
                .tx(move |conn| crate::partners::service::send_reminders(conn, today, &base))
                .await?;
            tracing::info!(items, "partner governance reminders");
            Ok(())
        }
        "candidates.purge_inactive" => {
            let base = app.config.base_url();
            let today = crate::clock::today_paris();
            let (warned, files, erased) = app
                .db
                .tx(move |conn| crate::candidates::service::purge_inactive(conn, &base, today))
                .await?;
            for file in files {
                crate::candidates::service::remove_cv_file(&app.config.data_dir, Some(&file));
            }
            tracing::info!(warned, erased, "inactive candidates");
            Ok(())
        }
        "helpline.maildir" => {
            let root = crate::helpline::intake::maildir(&app.config);
            let report = crate::helpline::intake::poll(app, &root).await?;
            if report != Default::default() {
                tracing::info!(?report, "information line mailbox");
            }
            Ok(())
        }
        "helpline.remind" => {
            let base = app.config.base_url();
            let hours = app.config.helpline_hours;
            let (reminded, escalated) = app
                .db
                .tx(move |conn| {
                    crate::helpline::service::remind_and_escalate(
                        conn,
                        &hours,
                        &base,
                        crate::db::now(),
                    )
                })
                .await?;
            tracing::info!(reminded, escalated, "information line reminders");
            Ok(())
        }
        other => anyhow::bail!("unknown job kind {other:?}"),
    }
}

fn finish(conn: &mut DbConnection, job: &Job, outcome: &anyhow::Result<()>) -> AppResult<()> {
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
            if job.kind == crate::mail::JOB_KIND {
                crate::mail::give_up(conn, &job.payload)?;
            }
        }
    }
    Ok(())
}

/// Runs every job due now, one after the other; returns how many ran.
pub async fn run_due(app: &AppState) -> AppResult<usize> {
    // Jobs see the application's clock, as requests do.
    crate::clock::scope(app.clock.clone(), run_all_due(app)).await
}

async fn run_all_due(app: &AppState) -> AppResult<usize> {
    let worker = app.instance_id.clone();
    app.db.run(tick_schedules).await?;
    let mut ran = 0;
    loop {
        let w = worker.clone();
        let Some(job) = app.db.run(move |conn| claim(conn, &w)).await? else {
            break;
        };
        let outcome = dispatch(app, &job).await;
        if let Err(error) = &outcome {
            tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %format!("{error:#}"), "job failed");
        }
        metrics::counter!("passerelle_jobs_total", "kind" => job.kind.clone(), "ok" => outcome.is_ok().to_string()).increment(1);
        app.db.run(move |conn| finish(conn, &job, &outcome)).await?;
        ran += 1;
    }
    Ok(ran)
}

/// The runner inside the server: polls every second until shutdown.
pub fn spawn_runner(
    app: AppState,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(error) = run_due(&app).await {
                tracing::error!(%error, "job runner");
            }
            tokio::select! {
                _ = tokio::time::sleep(StdDuration::from_secs(1)) => {}
                _ = shutdown.changed() => break,
            }
        }
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
