//! The webhooks' background work and listeners: each delivery is a job of its own (retried by
//! the delivery's own backoff, kept in its row), and the events of offers and applications
//! are followed in the transaction of the change.

use crate::app::Registry;

pub fn register(reg: &mut Registry) {
    reg.jobs
        .handle(super::service::DELIVER_JOB, super::service::deliver);
    reg.events
        .on(
            crate::applications::CREATED,
            super::service::on_application_created,
        )
        .on(
            crate::applications::STATUS_CHANGED,
            super::service::on_application_status_changed,
        )
        .on(crate::offers::CHANGED, super::service::on_offers_changed);
}
