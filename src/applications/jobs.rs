//! The applications' background work: recruiters are reminded of unanswered applications.

use chrono::Duration;

use crate::AppState;
use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs
        .every("applications.remind", Duration::days(1), remind);
}

async fn remind(app: AppState) -> anyhow::Result<()> {
    let base = app.config.base_url();
    let reminded = app
        .db
        .tx(move |conn| super::service::remind_unanswered(conn, &base, crate::db::now()))
        .await?;
    tracing::info!(reminded, "unanswered applications");
    Ok(())
}
