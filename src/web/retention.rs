//! How long each kind of personal data is kept. Each capability registers its kinds
//! ([`Kind`]: key, French label, default, legal bounds, and the purge that erases what is
//! older) through `app::Registry::retain`, which also schedules that purge daily; the
//! regional administrator sets the durations within their bounds on `/admin/conservation`
//! (table `retention_settings`, the default in code when no row); the privacy page shows
//! them. Every change and every purge is written to the audit log.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use diesel::prelude::*;

use super::{Page, form, render, see_other};
use crate::AppState;
use crate::auth::audit::{self, Event};
use crate::auth::policy::{Action, authorize};
use crate::auth::{CurrentUser, SessionHandle};
use crate::db::schema::retention_settings;
use crate::db::{DbConnection, now};
use crate::error::AppResult;
use crate::web::extract::Form;

/// What a purge knows: the duration set for its kind, and the site's address for the mails
/// it sends (warnings before erasure).
pub struct Retention {
    pub days: i64,
    pub base_url: String,
}

/// Erases what is older than the retention of its kind; returns how many records went.
pub type Purge = fn(&mut DbConnection, &Retention) -> AppResult<usize>;

/// A kind of personal data whose retention the region sets.
pub struct Kind {
    /// Stable key (row of `retention_settings`, never renamed).
    pub key: &'static str,
    /// What it is, in French, as the administrator and the privacy page show it.
    pub label: &'static str,
    /// From when the duration counts, in French (« après la dernière activité »).
    pub counted_from: &'static str,
    pub default_days: i32,
    /// The legal bounds: the administrator chooses within them (the reason is with each
    /// capability's registration).
    pub min_days: i32,
    pub max_days: i32,
    /// What one purge run erases, singular and plural (« demande … supprimée »).
    pub purged: (&'static str, &'static str),
    pub purge: Purge,
}

/// The kinds the capabilities registered, in registration order.
#[derive(Default)]
pub struct Registry {
    kinds: Vec<Kind>,
}

impl Registry {
    /// Adds a kind; a key registered twice or a default outside its bounds stops the start.
    pub fn add(&mut self, kind: Kind) -> &mut Self {
        assert!(
            self.kind(kind.key).is_none(),
            "retention kind {:?} registered twice",
            kind.key
        );
        assert!(
            0 < kind.min_days
                && kind.min_days <= kind.default_days
                && kind.default_days <= kind.max_days,
            "retention kind {:?}: its default must lie within its bounds",
            kind.key
        );
        self.kinds.push(kind);
        self
    }

    pub fn kinds(&self) -> &[Kind] {
        &self.kinds
    }

    pub fn kind(&self, key: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.key == key)
    }

    /// Every kind with its current duration (the setting, or its default).
    pub fn current(&self, conn: &mut DbConnection) -> AppResult<Vec<Setting<'_>>> {
        let stored = stored(conn)?;
        Ok(self
            .kinds
            .iter()
            .map(|kind| Setting {
                days: stored.get(kind.key).copied().unwrap_or(kind.default_days),
                kind,
            })
            .collect())
    }

    /// The current duration of `key`, in days (its default without a setting).
    pub fn days(&self, conn: &mut DbConnection, key: &str) -> AppResult<i32> {
        let kind = self.kind(key).ok_or_else(|| {
            crate::error::AppError::internal(anyhow::anyhow!("unknown retention {key}"))
        })?;
        let set: Option<i32> = retention_settings::table
            .find(key)
            .select(retention_settings::days)
            .first(conn)
            .optional()?;
        Ok(set.unwrap_or(kind.default_days))
    }
}

/// A kind and its duration now.
pub struct Setting<'a> {
    pub kind: &'a Kind,
    pub days: i32,
}

impl Setting<'_> {
    pub fn duration_fr(&self) -> String {
        duration_fr(self.days)
    }
}

fn stored(conn: &mut DbConnection) -> AppResult<HashMap<String, i32>> {
    Ok(retention_settings::table
        .select((retention_settings::kind, retention_settings::days))
        .load::<(String, i32)>(conn)?
        .into_iter()
        .collect())
}

/// A duration as people say it: « 2 ans », « 6 mois », « 45 jours ».
pub fn duration_fr(days: i32) -> String {
    let plural = |n: i32, one: &str, many: &str| format!("{n} {}", if n > 1 { many } else { one });
    if days % 365 == 0 {
        plural(days / 365, "an", "ans")
    } else if days % 30 == 0 {
        format!("{} mois", days / 30)
    } else {
        plural(days, "jour", "jours")
    }
}

/// Runs the purge of `key` with its current duration, in one transaction, and writes the
/// count to the audit log. Returns how many records went.
pub async fn run(app: &AppState, key: &'static str) -> anyhow::Result<usize> {
    let state = app.clone();
    let base_url = app.config.base_url();
    let (count, days) = app
        .db
        .tx(move |conn| {
            let registry = &state.registry.retention;
            let kind = registry.kind(key).ok_or_else(|| {
                crate::error::AppError::internal(anyhow::anyhow!("unknown retention {key}"))
            })?;
            let days = registry.days(conn, key)?;
            let count = (kind.purge)(
                conn,
                &Retention {
                    days: i64::from(days),
                    base_url,
                },
            )?;
            let what = if count == 1 {
                kind.purged.0
            } else {
                kind.purged.1
            };
            let detail = format!("Purge : {count} {what} (conservation {days} jours)");
            audit::record(
                conn,
                Event {
                    action: "retention_purge",
                    target_type: Some("retention"),
                    target_id: Some(key),
                    detail: Some(&detail),
                    ..Event::default()
                },
            )?;
            Ok((count, days))
        })
        .await?;
    tracing::info!(key, count, days, "retention purge");
    Ok(count)
}

/// Records the durations typed in the form: every value must be a whole number of days
/// within its kind's bounds, else nothing changes and the problems come back in French.
/// Each change is written to the audit log. Returns how many changed.
pub fn save(
    conn: &mut DbConnection,
    registry: &Registry,
    me: &CurrentUser,
    typed: &HashMap<String, String>,
) -> AppResult<Result<usize, Vec<String>>> {
    authorize(me, &Action::ManageRetention)?;
    let mut errors = Vec::new();
    let mut wanted = Vec::new();
    for setting in registry.current(conn)? {
        let kind = setting.kind;
        let Some(value) = typed.get(kind.key) else {
            continue;
        };
        match value.trim().parse::<i32>() {
            Ok(days) if (kind.min_days..=kind.max_days).contains(&days) => {
                if days != setting.days {
                    wanted.push((kind, setting.days, days));
                }
            }
            Ok(_) => errors.push(format!(
                "{} : la durée de conservation doit être comprise entre {} et {} jours.",
                kind.label, kind.min_days, kind.max_days
            )),
            Err(_) => errors.push(format!(
                "{} : indiquez la durée de conservation en nombre entier de jours (entre {} et {}).",
                kind.label, kind.min_days, kind.max_days
            )),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    for (kind, before, days) in &wanted {
        diesel::delete(retention_settings::table.find(kind.key)).execute(conn)?;
        diesel::insert_into(retention_settings::table)
            .values((
                retention_settings::kind.eq(kind.key),
                retention_settings::days.eq(days),
                retention_settings::updated_by.eq(&me.id),
                retention_settings::updated_at.eq(now()),
            ))
            .execute(conn)?;
        let detail = format!(
            "Conservation « {} » : {before} jours → {days} jours",
            kind.label
        );
        audit::record(
            conn,
            Event::by(me, "retention_changed")
                .on("retention", kind.key)
                .detail(&detail),
        )?;
    }
    Ok(Ok(wanted.len()))
}

/// The dashboard tile of the retention page (the regional team).
pub async fn tiles(_state: AppState, me: CurrentUser) -> AppResult<Vec<super::dashboard::Tile>> {
    let mut tiles = Vec::new();
    if crate::auth::policy::allows(&me, &Action::ManageRetention) {
        tiles.push(super::dashboard::Tile {
            href: "/admin/conservation",
            title: "Conservation des données",
            text: "Durées de conservation de chaque catégorie de données personnelles.".into(),
            figures: Vec::new(),
        });
    }
    Ok(tiles)
}

pub fn pages() -> super::routes::Pages {
    super::routes::Pages::new().route("/admin/conservation", get(page).post(update))
}

/// One row of the form: what was typed (or the value now) for a kind.
struct Row<'a> {
    setting: Setting<'a>,
    value: String,
}

#[derive(Template)]
#[template(path = "admin_retention.html")]
struct RetentionPage<'a> {
    page: Page,
    rows: Vec<Row<'a>>,
    errors: Vec<String>,
}

async fn show(
    state: &AppState,
    page: Page,
    typed: Option<HashMap<String, String>>,
    errors: Vec<String>,
) -> AppResult<Response> {
    let st = state.clone();
    let days: Vec<i32> = state
        .db
        .run(move |conn| {
            Ok(st
                .registry
                .retention
                .current(conn)?
                .into_iter()
                .map(|s| s.days)
                .collect())
        })
        .await?;
    let rows = state
        .registry
        .retention
        .kinds()
        .iter()
        .zip(days)
        .map(|(kind, days)| Row {
            value: typed
                .as_ref()
                .and_then(|t| t.get(kind.key).cloned())
                .unwrap_or_else(|| days.to_string()),
            setting: Setting { kind, days },
        })
        .collect();
    let status = form::status(&errors);
    let html = render(&RetentionPage {
        page: page.titled("Durées de conservation des données"),
        rows,
        errors,
    })?;
    Ok((status, html).into_response())
}

async fn page(State(state): State<AppState>, page: Page, me: CurrentUser) -> AppResult<Response> {
    authorize(&me, &Action::ManageRetention)?;
    show(&state, page, None, Vec::new()).await
}

async fn update(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(typed): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    authorize(&me, &Action::ManageRetention)?;
    let (st, input) = (state.clone(), typed.clone());
    let result = state
        .db
        .tx(move |conn| save(conn, &st.registry.retention, &me, &input))
        .await?;
    match result {
        Ok(changed) => {
            session
                .set_flash(match changed {
                    0 => "Aucune durée n’a changé.".to_owned(),
                    1 => "La durée de conservation est enregistrée.".to_owned(),
                    n => format!("{n} durées de conservation sont enregistrées."),
                })
                .await?;
            Ok(see_other("/admin/conservation"))
        }
        Err(errors) => show(&state, page, Some(typed), errors).await,
    }
}

#[cfg(test)]
mod tests {
    use super::duration_fr;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_fr(730), "2 ans");
        assert_eq!(duration_fr(365), "1 an");
        assert_eq!(duration_fr(180), "6 mois");
        assert_eq!(duration_fr(7), "7 jours");
        assert_eq!(duration_fr(1), "1 jour");
    }
}
