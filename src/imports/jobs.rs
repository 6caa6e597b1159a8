//! The imports' background work: reindexing the offers of a profile after an import, and,
//! at start and every minute, runs left by a process that stopped (their lease expired)
//! marked as failed, or done when only their index update was cut.

use crate::AppState;
use crate::app::Registry;

/// The schedule that looks for runs whose process stopped (never rename: it is a row).
pub const INTERRUPTED_SCHEDULE: &str = "imports.interrupted";

pub fn register(reg: &mut Registry) {
    reg.jobs.handle(super::service::REINDEX_JOB, reindex);
    reg.jobs.every(
        INTERRUPTED_SCHEDULE,
        chrono::Duration::minutes(1),
        interrupted,
    );
    reg.on_start(fail_interrupted);
}

async fn reindex(app: AppState, profile_id: String) -> anyhow::Result<()> {
    let count = super::service::reindex_profile(&app, profile_id).await?;
    tracing::info!(count, "imported offers reindexed");
    Ok(())
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
