//! The candidates' background work: inactive profiles are warned, then erased with their CV.

use chrono::Duration;

use crate::AppState;
use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs.every(
        "candidates.purge_inactive",
        Duration::days(1),
        purge_inactive,
    );
}

async fn purge_inactive(app: AppState) -> anyhow::Result<()> {
    let base = app.config.base_url();
    let today = crate::clock::today_paris();
    let (warned, files, erased) = app
        .db
        .tx(move |conn| super::service::purge_inactive(conn, &base, today))
        .await?;
    for file in files {
        super::service::remove_cv_file(&app.config.data_dir, Some(&file));
    }
    tracing::info!(warned, erased, "inactive candidates");
    Ok(())
}
