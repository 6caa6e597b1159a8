//! Audit log of sensitive events: who (person and organisation), what, on which record,
//! from where, when (UTC). Never the content of personal documents.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::CurrentUser;
use crate::db::{DbConnection, new_id, now, schema::audit_events};
use crate::error::AppResult;

#[derive(Debug, Default)]
pub struct Event<'a> {
    pub actor_user_id: Option<&'a str>,
    pub actor_organisation_id: Option<&'a str>,
    pub action: &'a str,
    pub target_type: Option<&'a str>,
    pub target_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl<'a> Event<'a> {
    pub fn by(actor: &'a CurrentUser, action: &'a str) -> Self {
        Self {
            actor_user_id: Some(&actor.id),
            actor_organisation_id: actor.organisation_id.as_deref(),
            action,
            ..Self::default()
        }
    }

    pub fn on(mut self, target_type: &'a str, target_id: &'a str) -> Self {
        self.target_type = Some(target_type);
        self.target_id = Some(target_id);
        self
    }

    pub fn detail(mut self, detail: &'a str) -> Self {
        self.detail = Some(detail);
        self
    }

    pub fn from_ip(mut self, ip: &'a str) -> Self {
        self.ip = Some(ip);
        self
    }
}

pub fn record(conn: &mut DbConnection, event: Event<'_>) -> AppResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::id.eq(new_id()),
            audit_events::at.eq(now()),
            audit_events::actor_user_id.eq(event.actor_user_id),
            audit_events::actor_organisation_id.eq(event.actor_organisation_id),
            audit_events::action.eq(event.action),
            audit_events::target_type.eq(event.target_type),
            audit_events::target_id.eq(event.target_id),
            audit_events::ip.eq(event.ip),
            audit_events::detail.eq(event.detail),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = audit_events)]
pub struct AuditEntry {
    pub at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_organisation_id: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

pub fn recent(
    conn: &mut DbConnection,
    action: Option<&str>,
    limit: i64,
) -> AppResult<Vec<AuditEntry>> {
    let mut query = audit_events::table
        .order(audit_events::at.desc())
        .limit(limit)
        .select(AuditEntry::as_select())
        .into_boxed();
    if let Some(action) = action {
        query = query.filter(audit_events::action.eq(action.to_owned()));
    }
    Ok(query.load(conn)?)
}

/// The retention of the audit log (`retention_settings`).
pub const RETENTION: &str = "audit_log";

/// The audit log as a kind of data the region keeps for a while: registered at start by the
/// composition root. Six months at least, so that an incident noticed late can still be
/// traced (the CNIL recommends six months to a year for access logs); three years at most,
/// the time within which a misuse may be prosecuted.
pub fn retention() -> crate::web::retention::Kind {
    crate::web::retention::Kind {
        key: RETENTION,
        label: "Journal d’audit (connexions, consultations de CV, changements sensibles)",
        counted_from: "après l’événement",
        default_days: 365,
        min_days: 180,
        max_days: 1095,
        purged: (
            "événement du journal d’audit supprimé",
            "événements du journal d’audit supprimés",
        ),
        purge: |conn, retention| purge(conn, now() - chrono::Duration::days(retention.days)),
    }
}

/// Deletes the events recorded before `before`; returns how many.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> AppResult<usize> {
    Ok(diesel::delete(audit_events::table.filter(audit_events::at.lt(before))).execute(conn)?)
}
