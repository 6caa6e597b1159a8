//! Subscriptions, the events recorded for them and their delivery: signature, backoff, log.

use std::collections::HashSet;
use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime, SecondsFormat};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::AppState;
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::{AppError, AppResult};
use crate::types::string_enum;

/// The job sending one delivery (its payload is the delivery's id).
pub const DELIVER_JOB: &str = "webhooks.deliver";

/// How long a receiver has to answer.
pub const TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// The waits before each new try after a failure: then the delivery has failed for good.
pub const BACKOFF: [Duration; 5] = [
    Duration::minutes(1),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(12),
];

/// How many deliveries the log page shows.
pub const LOG_LENGTH: i64 = 100;

string_enum! {
    /// What a webhook tells.
    EventKind {
        ApplicationCreated => "application.created", "Nouvelle candidature";
        ApplicationStatusChanged => "application.status_changed", "Changement de statut d’une candidature";
        OfferPublished => "offer.published", "Offre publiée";
        OfferExpired => "offer.expired", "Offre expirée";
        Ping => "ping", "Test (bouton « Tester »)";
    }
}

impl EventKind {
    /// The kinds an organisation chooses (the test is always sent when asked).
    pub const CHOSEN: &'static [EventKind] = &[
        EventKind::ApplicationCreated,
        EventKind::ApplicationStatusChanged,
        EventKind::OfferPublished,
        EventKind::OfferExpired,
    ];
}

string_enum! {
    /// Where a delivery stands.
    DeliveryStatus {
        Pending => "pending", "En attente";
        Delivered => "delivered", "Remise";
        Failed => "failed", "Échec définitif";
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct Subscription {
    pub id: String,
    pub organisation_id: String,
    pub url: String,
    pub secret: String,
    pub events: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Subscription {
    pub fn kinds(&self) -> Vec<EventKind> {
        self.events
            .split(',')
            .filter_map(EventKind::parse)
            .collect()
    }
    pub fn wants(&self, kind: EventKind) -> bool {
        self.kinds().contains(&kind)
    }
    pub fn kinds_label(&self) -> String {
        let labels: Vec<&str> = self.kinds().into_iter().map(EventKind::label).collect();
        if labels.is_empty() {
            "aucun événement".into()
        } else {
            labels.join(", ")
        }
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: String,
    pub subscription_id: String,
    pub event: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

impl Delivery {
    pub fn event_label(&self) -> &'static str {
        EventKind::parse(&self.event).map_or("", EventKind::label)
    }
    pub fn status_label(&self) -> &'static str {
        DeliveryStatus::parse(&self.status).map_or("", DeliveryStatus::label)
    }
    /// The last answer: its HTTP status, or the error that kept it from coming.
    pub fn last_outcome(&self) -> String {
        match (&self.last_status, &self.last_error) {
            (Some(status), _) => format!("HTTP {status}"),
            (None, Some(error)) => error.clone(),
            (None, None) => "—".into(),
        }
    }
}

/// What a person typed on the subscription form, checked.
#[derive(Clone, Debug)]
pub struct SubscriptionInput {
    pub url: String,
    pub kinds: Vec<EventKind>,
    pub active: bool,
}

/// Checks the address and the kinds chosen; the French problems otherwise.
pub fn check(url: &str, kinds: &[String], active: bool) -> Result<SubscriptionInput, Vec<String>> {
    let mut errors = Vec::new();
    let url = url.trim();
    if url.len() > 500 {
        errors.push("L’adresse est trop longue (500 caractères au plus).".to_string());
    } else if let Err(e) = crate::web::outbound::check_url(url) {
        errors.push(e);
    }
    let chosen: Vec<EventKind> = EventKind::CHOSEN
        .iter()
        .copied()
        .filter(|k| kinds.iter().any(|c| c == k.as_str()))
        .collect();
    if chosen.is_empty() {
        errors.push("Choisissez au moins un événement à recevoir.".to_string());
    }
    if errors.is_empty() {
        Ok(SubscriptionInput {
            url: url.to_owned(),
            kinds: chosen,
            active,
        })
    } else {
        Err(errors)
    }
}

fn events_text(kinds: &[EventKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn subscriptions_of(conn: &mut DbConnection, org_id: &str) -> AppResult<Vec<Subscription>> {
    Ok(webhook_subscriptions::table
        .filter(webhook_subscriptions::organisation_id.eq(org_id))
        .order(webhook_subscriptions::created_at)
        .select(Subscription::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<Subscription> {
    webhook_subscriptions::table
        .find(id)
        .select(Subscription::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

/// Registers an address for `org_id`, with a secret the server draws.
pub fn create(
    conn: &mut DbConnection,
    org_id: &str,
    input: &SubscriptionInput,
) -> AppResult<String> {
    let id = new_id();
    let at = now();
    diesel::insert_into(webhook_subscriptions::table)
        .values((
            webhook_subscriptions::id.eq(&id),
            webhook_subscriptions::organisation_id.eq(org_id),
            webhook_subscriptions::url.eq(&input.url),
            webhook_subscriptions::secret.eq(crate::auth::tokens::random_secret()),
            webhook_subscriptions::events.eq(events_text(&input.kinds)),
            webhook_subscriptions::active.eq(input.active),
            webhook_subscriptions::created_at.eq(at),
            webhook_subscriptions::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn update(conn: &mut DbConnection, id: &str, input: &SubscriptionInput) -> AppResult<()> {
    diesel::update(webhook_subscriptions::table.find(id))
        .set((
            webhook_subscriptions::url.eq(&input.url),
            webhook_subscriptions::events.eq(events_text(&input.kinds)),
            webhook_subscriptions::active.eq(input.active),
            webhook_subscriptions::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The latest deliveries of a subscription, newest first.
pub fn deliveries(conn: &mut DbConnection, subscription_id: &str) -> AppResult<Vec<Delivery>> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(subscription_id))
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .limit(LOG_LENGTH)
        .select(Delivery::as_select())
        .load(conn)?)
}

fn rfc3339(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Records `kind` for one subscription (its body written now, as it will be sent) and
/// queues its sending.
pub fn record_for(
    conn: &mut DbConnection,
    subscription_id: &str,
    kind: EventKind,
    data: serde_json::Value,
) -> AppResult<String> {
    let id = new_id();
    let at = now();
    let body = json!({
        "id": id,
        "type": kind.as_str(),
        "created_at": rfc3339(at),
        "data": data,
    })
    .to_string();
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::id.eq(&id),
            webhook_deliveries::subscription_id.eq(subscription_id),
            webhook_deliveries::event.eq(kind.as_str()),
            webhook_deliveries::body.eq(&body),
            webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(Some(at)),
            webhook_deliveries::created_at.eq(at),
        ))
        .execute(conn)?;
    crate::jobs::enqueue(conn, DELIVER_JOB, &id, at)?;
    Ok(id)
}

/// Records `kind` for every active subscription of `org_id` that chose it: the organisation
/// managing the offer concerned, and nobody else.
fn record(
    conn: &mut DbConnection,
    org_id: &str,
    kind: EventKind,
    data: &serde_json::Value,
) -> AppResult<usize> {
    let mut recorded = 0;
    for subscription in subscriptions_of(conn, org_id)? {
        if subscription.active && subscription.wants(kind) {
            record_for(conn, &subscription.id, kind, data.clone())?;
            recorded += 1;
        }
    }
    Ok(recorded)
}

/// The organisations with an active subscription (few): the others need no work.
fn subscribed_organisations(conn: &mut DbConnection) -> AppResult<HashSet<String>> {
    Ok(webhook_subscriptions::table
        .filter(webhook_subscriptions::active.eq(true))
        .select(webhook_subscriptions::organisation_id)
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// An application as its events tell it: managing organisation, offer, status, dates, the
/// offer's title and reference, the candidate.
type ApplicationEventRow = (
    String,
    String,
    String,
    NaiveDateTime,
    NaiveDateTime,
    String,
    Option<String>,
    Option<String>,
);

/// The `data` of an application's event: what its managing organisation already sees on the
/// application's page (ids, the offer, the status, the dates, the candidate's name).
fn application_data(
    conn: &mut DbConnection,
    id: &str,
) -> AppResult<Option<(String, serde_json::Value)>> {
    let row: Option<ApplicationEventRow> = applications::table
        .inner_join(offers::table)
        .filter(applications::id.eq(id))
        .select((
            applications::managed_by_id,
            applications::offer_id,
            applications::status,
            applications::created_at,
            applications::updated_at,
            offers::title,
            offers::partner_reference,
            applications::candidate_id,
        ))
        .first(conn)
        .optional()?;
    let Some((org, offer_id, status, created_at, updated_at, title, reference, candidate)) = row
    else {
        return Ok(None);
    };
    let name: Option<(String, String)> = match candidate {
        Some(candidate) => users::table
            .find(candidate)
            .select((users::first_name, users::last_name))
            .first(conn)
            .optional()?,
        None => None,
    };
    let status_label =
        crate::applications::service::ApplicationStatus::parse(&status).map_or("", |s| s.label());
    Ok(Some((
        org,
        json!({
            "application_id": id,
            "offer_id": offer_id,
            "offer_reference": reference,
            "offer_title": title,
            "status": status,
            "status_label": status_label,
            "candidate_name": name.map(|(f, l)| format!("{f} {l}")),
            "created_at": rfc3339(created_at),
            "updated_at": rfc3339(updated_at),
        }),
    )))
}

fn on_applications(conn: &mut DbConnection, ids: &[String], kind: EventKind) -> AppResult<()> {
    let subscribed = subscribed_organisations(conn)?;
    if subscribed.is_empty() {
        return Ok(());
    }
    for id in ids {
        if let Some((org, data)) = application_data(conn, id)?
            && subscribed.contains(&org)
        {
            record(conn, &org, kind, &data)?;
        }
    }
    Ok(())
}

/// Listener of `applications::CREATED`.
pub fn on_application_created(conn: &mut DbConnection, ids: &[String]) -> AppResult<()> {
    on_applications(conn, ids, EventKind::ApplicationCreated)
}

/// Listener of `applications::STATUS_CHANGED`.
pub fn on_application_status_changed(conn: &mut DbConnection, ids: &[String]) -> AppResult<()> {
    on_applications(conn, ids, EventKind::ApplicationStatusChanged)
}

/// Listener of `offers::CHANGED`: an offer of a subscribed organisation that became published
/// or expired since webhooks last told about it.
pub fn on_offers_changed(conn: &mut DbConnection, ids: &[String]) -> AppResult<()> {
    let subscribed = subscribed_organisations(conn)?;
    if subscribed.is_empty() {
        return Ok(());
    }
    for id in ids {
        type Row = (
            String,
            String,
            String,
            Option<String>,
            Option<NaiveDateTime>,
            Option<chrono::NaiveDate>,
        );
        let row: Option<Row> = offers::table
            .find(id)
            .select((
                offers::managed_by_id,
                offers::status,
                offers::title,
                offers::partner_reference,
                offers::published_at,
                offers::expires_on,
            ))
            .first(conn)
            .optional()?;
        let Some((org, status, title, reference, published_at, expires_on)) = row else {
            continue;
        };
        if !subscribed.contains(&org) {
            continue;
        }
        let told: Option<String> = webhook_offer_states::table
            .find(id)
            .select(webhook_offer_states::status)
            .first(conn)
            .optional()?;
        if told.as_deref() == Some(status.as_str()) {
            continue;
        }
        let kind = match status.as_str() {
            "published" => Some(EventKind::OfferPublished),
            "expired" => Some(EventKind::OfferExpired),
            _ => None,
        };
        if let Some(kind) = kind {
            let data = json!({
                "offer_id": id,
                "offer_reference": reference,
                "title": title,
                "status": status,
                "published_at": published_at.map(rfc3339),
                "expires_on": expires_on.map(|d| d.to_string()),
            });
            record(conn, &org, kind, &data)?;
        }
        let updated = diesel::update(webhook_offer_states::table.find(id))
            .set(webhook_offer_states::status.eq(&status))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(webhook_offer_states::table)
                .values((
                    webhook_offer_states::offer_id.eq(id),
                    webhook_offer_states::status.eq(&status),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The `ping` of the « Tester » button.
pub fn ping(conn: &mut DbConnection, subscription: &Subscription) -> AppResult<String> {
    record_for(
        conn,
        &subscription.id,
        EventKind::Ping,
        json!({ "subscription_id": subscription.id }),
    )
}

/// `hex(HMAC-SHA256(secret, "<timestamp>.<body>"))`, the `v1` of `Passerelle-Signature`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The job: sends a pending delivery once, records the answer, and queues the next try (or
/// gives up) after a failure. A delivery already delivered or failed is left alone.
pub async fn deliver(state: AppState, id: String) -> anyhow::Result<()> {
    let key = id.clone();
    let loaded = state
        .db
        .run(move |conn| {
            let row: Option<(Delivery, String, String)> = webhook_deliveries::table
                .inner_join(webhook_subscriptions::table)
                .filter(webhook_deliveries::id.eq(&key))
                .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
                .select((
                    Delivery::as_select(),
                    webhook_subscriptions::url,
                    webhook_subscriptions::secret,
                ))
                .first(conn)
                .optional()?;
            Ok(row)
        })
        .await?;
    let Some((delivery, url, secret)) = loaded else {
        return Ok(());
    };
    let timestamp = now().and_utc().timestamp();
    let headers = [
        ("Passerelle-Timestamp", timestamp.to_string()),
        (
            "Passerelle-Signature",
            format!("v1={}", signature(&secret, timestamp, &delivery.body)),
        ),
        ("Passerelle-Event", delivery.event.clone()),
        ("Passerelle-Delivery", delivery.id.clone()),
    ];
    let outcome = crate::web::outbound::post(
        &url,
        "application/json",
        &headers,
        delivery.body.clone().into_bytes(),
        TIMEOUT,
    )
    .await;
    let (status, error) = match outcome {
        Ok(answer) if answer.is_success() => (Some(i32::from(answer.status)), None),
        Ok(answer) => (
            Some(i32::from(answer.status)),
            Some(format!("réponse HTTP {}", answer.status)),
        ),
        Err(e) => (None, Some(format!("{e:#}"))),
    };
    state
        .db
        .tx(move |conn| record_attempt(conn, &delivery, status, error))
        .await?;
    Ok(())
}

fn record_attempt(
    conn: &mut DbConnection,
    delivery: &Delivery,
    status: Option<i32>,
    error: Option<String>,
) -> AppResult<()> {
    let attempts = delivery.attempts + 1;
    let at = now();
    let target = webhook_deliveries::table
        .find(&delivery.id)
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()));
    if error.is_none() {
        diesel::update(target)
            .set((
                webhook_deliveries::status.eq(DeliveryStatus::Delivered.as_str()),
                webhook_deliveries::attempts.eq(attempts),
                webhook_deliveries::last_status.eq(status),
                webhook_deliveries::last_error.eq(None::<String>),
                webhook_deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
                webhook_deliveries::delivered_at.eq(Some(at)),
            ))
            .execute(conn)?;
        return Ok(());
    }
    let wait = usize::try_from(attempts - 1)
        .ok()
        .and_then(|i| BACKOFF.get(i));
    match wait {
        Some(wait) => {
            let next = at + *wait;
            let won = diesel::update(target)
                .set((
                    webhook_deliveries::attempts.eq(attempts),
                    webhook_deliveries::last_status.eq(status),
                    webhook_deliveries::last_error.eq(&error),
                    webhook_deliveries::next_attempt_at.eq(Some(next)),
                ))
                .execute(conn)?;
            if won == 1 {
                crate::jobs::enqueue(conn, DELIVER_JOB, &delivery.id, next)?;
            }
        }
        None => {
            diesel::update(target)
                .set((
                    webhook_deliveries::status.eq(DeliveryStatus::Failed.as_str()),
                    webhook_deliveries::attempts.eq(attempts),
                    webhook_deliveries::last_status.eq(status),
                    webhook_deliveries::last_error.eq(&error),
                    webhook_deliveries::next_attempt_at.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_the_hmac_of_timestamp_dot_body() {
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
        assert_eq!(
            signature("s3cret", 1_700_000_000, "{\"a\":1}"),
            "1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940"
        );
    }

    #[test]
    fn the_form_wants_an_address_and_an_event() {
        assert!(
            check(
                "https://erp.example.fr/hook",
                &["application.created".into()],
                true
            )
            .is_ok()
        );
        assert_eq!(check("erp.example.fr", &[], true).unwrap_err().len(), 2);
        assert!(check("https://erp.example.fr/hook", &["ping".into()], true).is_err());
    }
}
