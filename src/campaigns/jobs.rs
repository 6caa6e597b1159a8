//! The campaigns' background work: the batches of a sending, one a minute.

use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs
        .handle(super::service::BATCH_JOB, |app, id| async move {
            let base_url = app.config.base_url();
            let region = app.config.region_name.clone();
            let per_minute = app.config.campaign_rate_per_minute;
            app.db
                .tx(move |conn| {
                    super::service::send_batch(
                        conn,
                        &super::service::Sending {
                            base_url: &base_url,
                            region: &region,
                            per_minute,
                        },
                        &id,
                    )
                })
                .await?;
            Ok(())
        });
}
