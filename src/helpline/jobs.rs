//! The information line's background work: its mailbox polled every minute, reminders and
//! escalations of requests nearing or past their 2 working days, and the daily purge of old
//! requests.

use chrono::Duration;

use crate::AppState;
use crate::app::Registry;
use crate::web::retention::Kind;

pub fn register(reg: &mut Registry) {
    reg.jobs
        .every("helpline.maildir", Duration::minutes(1), poll_maildir)
        .every("helpline.remind", Duration::minutes(15), remind);
    // Requests are kept to follow a caller who comes back and for the line's figures: a year
    // at least (the annual evaluation), three years at most (the prescription of a claim
    // about the answer given).
    reg.retain(
        "helpline.purge",
        Kind {
            key: super::service::RETENTION,
            label: "Demandes au service d’information",
            counted_from: "après leur dernier mouvement (les demandes en attente de réponse restent)",
            default_days: 730,
            min_days: 365,
            max_days: 1095,
            purged: (
                "demande du service d’information supprimée",
                "demandes du service d’information supprimées",
            ),
            purge: |conn, retention| {
                super::service::purge_old(conn, crate::db::now(), retention.days)
            },
        },
    );
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
