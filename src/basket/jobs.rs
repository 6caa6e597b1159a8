//! The basket's background work: the daily digest of new results of saved searches.

use chrono::Duration;

use crate::AppState;
use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs.every("basket.digest", Duration::days(1), digest);
}

async fn digest(app: AppState) -> anyhow::Result<()> {
    let sent = super::service::send_digests(&app).await?;
    tracing::info!(sent, "saved-search digests");
    Ok(())
}
