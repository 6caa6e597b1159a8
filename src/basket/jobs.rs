//! The basket's registrations: the daily digest of new results of saved searches, and the
//! answer to "is this offer in the selection?" for the offer's page.

use chrono::Duration;

use crate::AppState;
use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs.every("basket.digest", Duration::days(1), digest);
    reg.provide(crate::offers::SavedOffer(super::service::is_saved));
}

async fn digest(app: AppState) -> anyhow::Result<()> {
    let sent = super::service::send_digests(&app).await?;
    tracing::info!(sent, "saved-search digests");
    Ok(())
}
