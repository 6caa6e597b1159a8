//! The information line's background work: its mailbox polled every minute, reminders and
//! escalations of requests nearing or past their 2 working days.

use chrono::Duration;

use crate::AppState;
use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs
        .every("helpline.maildir", Duration::minutes(1), poll_maildir)
        .every("helpline.remind", Duration::minutes(15), remind);
}

async fn poll_maildir(app: AppState) -> anyhow::Result<()> {
    let root = super::intake::maildir(&app.config);
    let report = super::intake::poll(&app, &root).await?;
    if report != Default::default() {
        tracing::info!(?report, "information line mailbox");
    }
    Ok(())
}

async fn remind(app: AppState) -> anyhow::Result<()> {
    let base = app.config.base_url();
    let hours = app.config.helpline_hours;
    let (reminded, escalated) = app
        .db
        .tx(move |conn| super::service::remind_and_escalate(conn, &hours, &base))
        .await?;
    tracing::info!(reminded, escalated, "information line reminders");
    Ok(())
}
