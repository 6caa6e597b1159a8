//! Applications: a candidate applies to a published offer with a message; the organisation
//! managing the offer (company or delegated training centre) reads, answers, invites to an
//! interview, hires or declines. One thread of messages per application; each step is mailed
//! to the other side; unanswered applications remind the recruiter after 7 days.

pub mod follow;
pub mod jobs;
pub mod mails;
pub mod routes;
pub mod service;

pub use jobs::register;

/// Topic published (with the application's id) in the transaction where a candidate applies.
pub const CREATED: &str = "applications.created";
/// Topic published (with the application's id) in the transaction of a step that changed the
/// application's status.
pub const STATUS_CHANGED: &str = "applications.status_changed";

/// Tells the listeners that `done` changed the status of application `id` (when it did).
pub fn publish_step(
    conn: &mut crate::db::DbConnection,
    state: &crate::AppState,
    id: &str,
    done: &service::StepDone,
) -> crate::error::AppResult<()> {
    if done.from != done.status {
        state
            .registry
            .events
            .publish(conn, STATUS_CHANGED, &[id.to_owned()])?;
    }
    Ok(())
}
