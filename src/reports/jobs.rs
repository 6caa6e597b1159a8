//! The reports' background work: monthly counts refreshed every minute.

use chrono::Duration;

use crate::AppState;
use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs
        .every("reports.refresh", Duration::minutes(1), refresh);
}

async fn refresh(app: AppState) -> anyhow::Result<()> {
    let months = app.db.run(super::rollup::refresh).await?;
    tracing::info!(months, "report counts refreshed");
    Ok(())
}
