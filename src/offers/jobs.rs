//! The offers' background work: expiry of offers past their end date, with a warning to
//! their authors before.

use chrono::Duration;

use crate::AppState;
use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs.every("offers.expire", Duration::days(1), expire);
    reg.search.follow(
        super::SEARCH_KIND,
        super::index::apply_changes,
        super::index::rebuild,
    );
    reg.events.on(
        crate::organisations::DELEGATION_REVOKED,
        super::store::hand_back_to_company,
    );
    reg.provide(crate::referential::RetiredInOffers(
        super::service::retired_code_uses,
    ));
}

async fn expire(app: AppState) -> anyhow::Result<()> {
    let base = app.config.base_url();
    let today = crate::clock::today_paris();
    let state = app.clone();
    let (expired, warned) = app
        .db
        .tx(move |conn| {
            let (expired, warned) = super::service::expire_and_warn(conn, &base, today)?;
            super::changed_in(conn, &state, &expired)?;
            Ok((expired, warned))
        })
        .await?;
    tracing::info!(expired = expired.len(), warned, "offer expiry");
    crate::search::changes::catch_up(&app).await;
    Ok(())
}
