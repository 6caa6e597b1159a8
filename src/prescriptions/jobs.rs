//! The pre-registrations' background work: decision reminders, and erasure of prescribed
//! people after two years without activity.

use chrono::Duration;

use crate::AppState;
use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs
        .every("prescriptions.remind", Duration::days(1), remind)
        .every("prescriptions.purge", Duration::days(1), purge)
        .every("prescriptions.followups", Duration::days(1), followups);
}

/// Six months after an exit: the person's single-use link, by mail.
async fn followups(app: AppState) -> anyhow::Result<()> {
    let base = app.config.base_url();
    let today = crate::clock::today_paris();
    let sent = app
        .db
        .tx(move |conn| super::followup::send_links(conn, &base, today))
        .await?;
    tracing::info!(sent, "six-month follow-up links sent");
    Ok(())
}

async fn remind(app: AppState) -> anyhow::Result<()> {
    let base = app.config.base_url();
    let today = crate::clock::today_paris();
    let reminded = app
        .db
        .tx(move |conn| super::service::send_reminders(conn, today, &base))
        .await?;
    tracing::info!(reminded, "pre-registration decision reminders");
    Ok(())
}

async fn purge(app: AppState) -> anyhow::Result<()> {
    let purged = app
        .db
        .tx(|conn| super::service::purge_inactive(conn, crate::db::now()))
        .await?;
    tracing::info!(
        purged,
        "prescribed people erased after two years without activity"
    );
    Ok(())
}
