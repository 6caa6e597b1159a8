//! The imports' background work: reindexing the offers of a profile after an import, and
//! at start, runs a stop interrupted marked as failed.

use crate::AppState;
use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs.handle(super::service::REINDEX_JOB, reindex);
    reg.on_start(fail_interrupted);
}

async fn reindex(app: AppState, profile_id: String) -> anyhow::Result<()> {
    let count = super::service::reindex_profile(&app, profile_id).await?;
    tracing::info!(count, "imported offers reindexed");
    Ok(())
}

fn fail_interrupted(app: &AppState) -> anyhow::Result<()> {
    let interrupted = super::service::fail_interrupted(&mut *app.db.conn()?)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "import runs interrupted by a stop marked as failed"
        );
    }
    Ok(())
}
