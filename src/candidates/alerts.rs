//! CV alerts: a recruiter (or a training centre) who may search CVs keeps the criteria of a
//! search (occupation, commune and radius, level) and receives a daily digest of the visible,
//! validated profiles that match and were validated since the alert was made, never the same
//! profile twice. Each profile sent is a disclosure: logged as such, and the candidate sees
//! which organisation received it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::routes::{CandidateSummary, CvCriteria, find_candidates_in};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::auth::audit::{self, Event};
use crate::auth::policy::{Action, allows, authorize};
use crate::db::schema::{candidate_profiles, cv_alert_sent, cv_alerts};
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};

/// The audit action of a profile sent in a CV alert (shown to the candidate with the views).
pub const ALERTED: &str = "cv_alerted";

/// Most alerts one person keeps.
const MAX_ALERTS: i64 = 10;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = cv_alerts)]
pub struct CvAlert {
    pub id: String,
    pub user_id: String,
    /// What it looks for, in words (« Boulanger / Boulangère · Rennes (35000), 30 km »).
    pub name: String,
    pub rome: String,
    pub commune: String,
    pub radius_km: String,
    pub level: String,
    pub created_at: NaiveDateTime,
}

impl CvAlert {
    pub fn criteria(&self) -> CvCriteria {
        CvCriteria {
            rome: self.rome.clone(),
            commune: self.commune.clone(),
            radius_km: self.radius_km.clone(),
            level: self.level.clone(),
            available_by: String::new(),
        }
    }

    /// The search page with these criteria.
    pub fn search_href(&self) -> String {
        format!(
            "/candidats?{}",
            serde_urlencoded::to_string([
                ("metier", self.rome.as_str()),
                ("commune", self.commune.as_str()),
                ("rayon", self.radius_km.as_str()),
                ("niveau", self.level.as_str()),
            ])
            .unwrap_or_default()
        )
    }
}

/// The alerts the person keeps, newest first.
pub fn of(conn: &mut DbConnection, me: &CurrentUser) -> AppResult<Vec<CvAlert>> {
    authorize(me, &Action::SearchCandidates)?;
    Ok(cv_alerts::table
        .filter(cv_alerts::user_id.eq(&me.id))
        .order(cv_alerts::created_at.desc())
        .select(CvAlert::as_select())
        .load(conn)?)
}

/// Keeps the criteria of a CV search as an alert; `Err` lists what is wrong (French): the
/// criteria as the search checks them, an occupation or a commune at least, the number kept.
pub fn create(
    conn: &mut DbConnection,
    me: &CurrentUser,
    criteria: &CvCriteria,
) -> AppResult<Result<String, Vec<String>>> {
    authorize(me, &Action::SearchCandidates)?;
    if let Err(errors) = find_candidates_in(conn, criteria)? {
        return Ok(Err(errors));
    }
    let rome = match criteria.rome.trim() {
        "" => None,
        typed => crate::referential::store::resolve_rome(conn, typed)?.ok(),
    };
    let commune = criteria.commune.trim();
    if rome.is_none() && commune.is_empty() {
        return Ok(Err(vec![
            "Pour recevoir des profils, choisissez au moins un métier ou une commune.".into(),
        ]));
    }
    let kept: i64 = cv_alerts::table
        .filter(cv_alerts::user_id.eq(&me.id))
        .count()
        .get_result(conn)?;
    if kept >= MAX_ALERTS {
        return Ok(Err(vec![format!(
            "Vous avez déjà {MAX_ALERTS} alertes : supprimez-en une d’abord."
        )]));
    }
    let radius = match criteria.radius_km.trim() {
        "" => "30",
        r => r,
    };
    let mut parts = Vec::new();
    if let Some(r) = &rome {
        parts.push(r.label.clone());
    }
    if !commune.is_empty() {
        let place = match crate::referential::store::resolve_commune(conn, commune)? {
            Ok(c) => c.label(),
            Err(_) => commune.to_owned(),
        };
        parts.push(format!("{place}, {radius} km"));
    }
    if let Ok(level) = criteria.level.trim().parse::<i32>() {
        parts.push(crate::offers::model::level_label(level).to_owned());
    }
    let id = new_id();
    diesel::insert_into(cv_alerts::table)
        .values((
            cv_alerts::id.eq(&id),
            cv_alerts::user_id.eq(&me.id),
            cv_alerts::name.eq(parts.join(" · ")),
            cv_alerts::rome.eq(rome.map(|r| r.code).unwrap_or_default()),
            cv_alerts::commune.eq(commune),
            cv_alerts::radius_km.eq(radius),
            cv_alerts::level.eq(criteria.level.trim()),
            cv_alerts::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Ok(id))
}

/// Deletes one of the person's alerts (another's: 404).
pub fn delete(conn: &mut DbConnection, me: &CurrentUser, id: &str) -> AppResult<()> {
    let owner: String = cv_alerts::table
        .find(id)
        .select(cv_alerts::user_id)
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)?;
    authorize(me, &Action::KeepCvAlert { owner_id: &owner }).map_err(|_| AppError::not_found())?;
    diesel::delete(cv_alerts::table.find(id)).execute(conn)?;
    Ok(())
}

/// Profiles of `found` validated since `since` and never sent to this alert.
fn fresh(
    conn: &mut DbConnection,
    alert: &CvAlert,
    found: Vec<CandidateSummary>,
) -> AppResult<Vec<CandidateSummary>> {
    let sent: Vec<String> = cv_alert_sent::table
        .filter(cv_alert_sent::alert_id.eq(&alert.id))
        .select(cv_alert_sent::candidate_id)
        .load(conn)?;
    let ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
    let recent: Vec<String> = candidate_profiles::table
        .filter(candidate_profiles::user_id.eq_any(&ids))
        .filter(candidate_profiles::validated_at.ge(alert.created_at))
        .select(candidate_profiles::user_id)
        .load(conn)?;
    Ok(found
        .into_iter()
        .filter(|f| recent.contains(&f.id) && !sent.contains(&f.id))
        .collect())
}

/// Daily: mails each alert's owner, while they may still search CVs, the new matching
/// profiles; records each profile sent (never again to this alert) and logs the disclosure.
/// Returns the number of mails.
pub async fn send_digests(state: &AppState) -> AppResult<usize> {
    let alerts: Vec<CvAlert> = state
        .db
        .run(|conn| {
            Ok(cv_alerts::table
                .order(cv_alerts::created_at)
                .select(CvAlert::as_select())
                .load(conn)?)
        })
        .await?;
    let base = state.config.base_url();
    let mut mailed = 0;
    for alert in alerts {
        let base = base.clone();
        let sent = state
            .db
            .tx(move |conn| {
                let Some(owner) = crate::auth::store::current_user(conn, &alert.user_id)? else {
                    return Ok(false);
                };
                if !allows(&owner, &Action::SearchCandidates) {
                    return Ok(false);
                }
                let Ok(found) = find_candidates_in(conn, &alert.criteria())? else {
                    return Ok(false);
                };
                let new = fresh(conn, &alert, found)?;
                if new.is_empty() {
                    return Ok(false);
                }
                let mail = super::mails::CvDigest {
                    name: &alert.name,
                    profiles: new
                        .iter()
                        .map(|p| super::mails::DigestProfile {
                            id: p.id.clone(),
                            name: p.name(),
                            occupations: p
                                .occupations
                                .iter()
                                .map(|o| o.label.clone())
                                .collect::<Vec<_>>()
                                .join(", "),
                            level: p.level.clone().unwrap_or_default(),
                            place: p.commune.clone().unwrap_or_default(),
                        })
                        .collect(),
                    base_url: &base,
                };
                crate::mail::enqueue(conn, &owner.email, &mail)?;
                let at = now();
                for p in &new {
                    diesel::insert_into(cv_alert_sent::table)
                        .values((
                            cv_alert_sent::alert_id.eq(&alert.id),
                            cv_alert_sent::candidate_id.eq(&p.id),
                            cv_alert_sent::sent_at.eq(at),
                        ))
                        .execute(conn)?;
                    audit::record(conn, Event::by(&owner, ALERTED).on("candidate", &p.id))?;
                }
                Ok(true)
            })
            .await?;
        if sent {
            mailed += 1;
        }
    }
    Ok(mailed)
}
