//! The pre-registrations' background work: decision reminders, and erasure of prescribed
//! people after the retention the region set (two years without activity by default).

use chrono::Duration;

use crate::AppState;
use crate::app::Registry;
use crate::web::retention::Kind;

pub fn register(reg: &mut Registry) {
    reg.jobs
        .every("prescriptions.remind", Duration::days(1), remind)
        .every("prescriptions.followups", Duration::days(1), followups);
    // A pre-registration follows a person through a training course and its outcomes: six
    // months at least (an entry may come months after the decision), three years at most
    // (the longest follow-up the region's evaluations ask for).
    reg.retain(
        "prescriptions.purge",
        Kind {
            key: super::service::RETENTION,
            label: "Personnes préinscrites et leurs préinscriptions",
            counted_from: "après le dernier mouvement de leurs préinscriptions, avec un e-mail \
                           d’avertissement un mois avant",
            default_days: super::service::DEFAULT_RETENTION_DAYS,
            min_days: 180,
            max_days: 1095,
            purged: (
                "personne préinscrite supprimée",
                "personnes préinscrites supprimées",
            ),
            purge: |conn, retention| {
                let (warned, erased) = super::service::purge_inactive(
                    conn,
                    &retention.base_url,
                    crate::db::now(),
                    retention.days,
                )?;
                tracing::info!(warned, erased, "prescribed people warned and erased");
                Ok(erased)
            },
        },
    );
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
