//! The applications' registrations: recruiters are reminded of unanswered applications, and
//! the candidates' profiles learn which organisations a candidate applied to.

use chrono::Duration;

use crate::AppState;
use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs
        .every("applications.remind", Duration::days(1), remind);
    reg.provide(crate::candidates::AppliedTo(
        super::service::organisations_applied_to,
    ));
    reg.events.on(
        crate::organisations::DELEGATION_REVOKED,
        super::service::hand_back_to_company,
    );
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
