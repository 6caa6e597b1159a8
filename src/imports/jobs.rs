//! The imports' background work: importing the files received over FTPS or the API (queued
//! in the database, one profile's files in the order they arrived), reindexing the offers of
//! a profile after an import, and, at start and every minute, runs left by a process that
//! stopped (their lease expired) queued again, marked as failed, or done when only their index
//! update was cut.

use super::service::{self, Claimed, Next};
use crate::AppState;
use crate::app::Registry;

/// The schedule that looks for runs whose process stopped (never rename: it is a row).
pub const INTERRUPTED_SCHEDULE: &str = "imports.interrupted";

pub fn register(reg: &mut Registry) {
    // Both may take minutes: on the runner's long lane, never delaying mails.
    reg.jobs
        .handle(super::service::REINDEX_JOB, reindex)
        .long(super::service::REINDEX_JOB);
    reg.jobs
        .handle(service::QUEUE_JOB, import_queued)
        .on_give_up(service::QUEUE_JOB, service::give_up_queued)
        .long(service::QUEUE_JOB);
    reg.jobs.every(
        INTERRUPTED_SCHEDULE,
        chrono::Duration::minutes(1),
        interrupted,
    );
    // A received file is kept so that the partner sees it in its folder and an import can be
    // checked: a week at least, a year at most (what the run keeps, its figures and
    // rejections, is enough after that).
    reg.retain(
        "imports.purge_files",
        crate::web::retention::Kind {
            key: super::folder::RETENTION,
            label: "Fichiers reçus pour import et leurs comptes rendus",
            counted_from: "après la fin de l’import",
            default_days: 90,
            min_days: 7,
            max_days: 365,
            purged: ("fichier importé supprimé", "fichiers importés supprimés"),
            purge: |conn, retention| {
                super::folder::purge_files(conn, crate::db::now(), retention.days)
            },
        },
    );
    reg.on_start(fail_interrupted);
}

async fn reindex(app: AppState, profile_id: String) -> anyhow::Result<()> {
    let count = super::service::reindex_profile(&app, profile_id).await?;
    tracing::info!(count, "imported offers reindexed");
    Ok(())
}

/// Imports the queued files of the profile of a run, oldest first, until none is left; when
/// another process is applying one of them, that process goes on with the queue (this job is
/// tried again later while its run waits).
async fn import_queued(app: AppState, run_id: String) -> anyhow::Result<()> {
    let err = |e: crate::error::AppError| anyhow::anyhow!("{e}");
    let Some((profile_id, _)) = service::queued_run(&app, run_id.clone())
        .await
        .map_err(err)?
    else {
        return Ok(());
    };
    loop {
        match service::claim_next(&app, &profile_id).await.map_err(err)? {
            Next::Empty => return Ok(()),
            Next::Busy => {
                let waiting = service::queued_run(&app, run_id.clone())
                    .await
                    .map_err(err)?
                    .is_some_and(|(_, queued)| queued);
                if waiting {
                    anyhow::bail!("another file of this profile is being imported: this one waits");
                }
                return Ok(());
            }
            Next::Claimed(claimed) => import_claimed(&app, *claimed).await,
        }
    }
}

/// Imports a file taken from the queue; then its report goes beside it (FTPS) and its bytes
/// are dropped (unless they lie in the FTPS folder).
async fn import_claimed(app: &AppState, claimed: Claimed) {
    let Claimed { upload, ftps_path } = claimed;
    let (id, identifier, file_name) = (
        upload.run_id.clone(),
        upload.profile.identifier.clone(),
        upload.file_name.clone(),
    );
    match service::finish(app, upload, |_| Ok(())).await {
        Ok(run) => {
            tracing::info!(profile = %identifier, file = %file_name, run = %id, status = %run.status, "import done")
        }
        Err(e) => {
            tracing::error!(error = %e, profile = %identifier, file = %file_name, run = %id, "import failed")
        }
    }
    let read = id.clone();
    let run = app.db.run(move |conn| service::get(conn, &read)).await;
    // A run over has its report; one queued again (taken for interrupted meanwhile) will.
    let over = match &run {
        Ok(run) => matches!(run.status.as_str(), "done" | "failed" | "indexing"),
        Err(_) => true,
    };
    if let (Some(_), Ok(run), true) = (ftps_path, &run, over) {
        let run = run.clone();
        let kept = app
            .db
            .tx(move |conn| {
                let rejected = service::rejections(conn, &run.id)?;
                let report = service::report_csv(&run, &rejected)?;
                super::folder::keep_report(conn, &run.id, &report)
            })
            .await;
        if let Err(e) = kept {
            tracing::error!(error = %e, profile = %identifier, file = %file_name, run = %id, "FTPS import report not kept");
        }
    }
    if let Err(e) = service::drop_received_file(app, id.clone()).await {
        tracing::warn!(error = %e, run = %id, "received import file not dropped");
    }
}

async fn interrupted(app: AppState) -> anyhow::Result<()> {
    let taken = app
        .db
        .run(super::service::fail_interrupted)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if taken > 0 {
        tracing::warn!(taken, "import runs left by a stopped process closed");
    }
    Ok(())
}

fn fail_interrupted(app: &AppState) -> anyhow::Result<()> {
    let taken = super::service::fail_interrupted(&mut *app.db.conn()?)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if taken > 0 {
        tracing::warn!(taken, "import runs left by a stopped process closed");
    }
    Ok(())
}
