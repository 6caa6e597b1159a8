//! The partners' background work: governance reminders (renewals, charter, dues).

use chrono::Duration;

use crate::AppState;
use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs.every("partners.remind", Duration::days(1), remind);
}

async fn remind(app: AppState) -> anyhow::Result<()> {
    let base = app.config.base_url();
    let today = crate::clock::today_paris();
    let items = app
        .db
        .tx(move |conn| super::service::send_reminders(conn, today, &base))
        .await?;
    tracing::info!(items, "partner governance reminders");
    Ok(())
}
