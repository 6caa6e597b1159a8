//! The queue (scoped: officers see every request, partner responders those routed to their
//! organisation), the CSV export and the figures: volumes by channel, share of individuals
//! and of people under 26, topics, first-response time and 2-working-day compliance per partner.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::model::{AgeBand, CallerKind, Channel, Status};
use super::service::Request;
use super::sla::{self, BusinessHours};
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, allows, authorize};
use crate::db::{DbConnection, schema::*};
use crate::error::AppResult;

/// Filters of the queue.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub topic: Option<String>,
    pub channel: Option<Channel>,
    pub overdue: bool,
}

/// One request in the queue, the export and the API list.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = HelplineRow)]
pub struct Row {
    pub id: String,
    pub reference: String,
    pub channel: String,
    pub channel_label: String,
    pub status: String,
    pub status_label: String,
    pub topic: String,
    pub topic_label: String,
    pub caller_kind: String,
    pub age_band: String,
    pub subject: String,
    pub partner_id: Option<String>,
    pub partner: Option<String>,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub received_at: NaiveDateTime,
    pub received_fr: String,
    /// Business seconds counted in the current cycle, pauses excluded.
    pub elapsed_seconds: i64,
    pub elapsed_label: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub due_at: Option<NaiveDateTime>,
    pub due_fr: String,
    pub paused: bool,
    pub overdue: bool,
    pub first_response_seconds: Option<i64>,
    /// Business seconds the first answer could take (2 working days after the request).
    pub target_seconds: i64,
}

/// The requests the caller may see, overdue first, then by due time.
pub fn rows(
    conn: &mut DbConnection,
    user: &CurrentUser,
    filter: &Filter,
    hours: &BusinessHours,
) -> AppResult<Vec<Row>> {
    authorize(user, &Action::ViewHelplineQueue)?;
    let now = crate::db::now();
    let mut query = helpline_requests::table
        .inner_join(helpline_topics::table)
        .left_join(
            organisations::table.on(organisations::id
                .nullable()
                .eq(helpline_requests::partner_id)),
        )
        .select((
            Request::as_select(),
            helpline_topics::label,
            organisations::name.nullable(),
        ))
        .into_boxed();
    if !allows(user, &Action::WorkHelpline) {
        // Partner responders: only what is routed to their organisation.
        let org = user.organisation_id.clone().unwrap_or_default();
        query = query.filter(helpline_requests::partner_id.eq(org));
    }
    if let Some(status) = filter.status {
        query = query.filter(helpline_requests::status.eq(status.as_str()));
    }
    if let Some(topic) = &filter.topic {
        query = query.filter(helpline_requests::topic.eq(topic.clone()));
    }
    if let Some(channel) = filter.channel {
        query = query.filter(helpline_requests::channel.eq(channel.as_str()));
    }
    let found: Vec<(Request, String, Option<String>)> = query
        .order(helpline_requests::received_at.desc())
        .limit(5000)
        .load(conn)?;
    let mut rows: Vec<Row> = found
        .into_iter()
        .map(|(r, topic_label, partner)| {
            let clock = r.clock(hours, now);
            let overdue = r.status().awaits_answer() && clock.overdue();
            Row {
                channel_label: r.channel().label().to_owned(),
                status_label: r.status().label().to_owned(),
                received_fr: crate::web::datetime_fr(&r.received_at),
                elapsed_label: sla::hours_fr(clock.elapsed),
                due_fr: if !r.status().awaits_answer() {
                    String::new()
                } else {
                    clock
                        .due_at
                        .map(|d| crate::web::datetime_fr(&d))
                        .unwrap_or_else(|| "suspendu".into())
                },
                due_at: clock.due_at,
                paused: clock.paused,
                overdue,
                elapsed_seconds: clock.elapsed,
                id: r.id,
                reference: r.reference,
                channel: r.channel,
                status: r.status,
                topic: r.topic,
                topic_label,
                caller_kind: r.caller_kind,
                age_band: r.age_band,
                subject: r.subject,
                partner_id: r.partner_id,
                partner,
                received_at: r.received_at,
                first_response_seconds: r.first_response_seconds,
                target_seconds: hours.target_seconds(r.received_at),
            }
        })
        .filter(|row| !filter.overdue || row.overdue)
        .collect();
    rows.sort_by(|a, b| {
        let open = |r: &Row| Status::parse(&r.status).is_some_and(|s| s.awaits_answer());
        b.overdue
            .cmp(&a.overdue)
            .then(open(b).cmp(&open(a)))
            .then(a.due_at.is_none().cmp(&b.due_at.is_none()))
            .then(a.due_at.cmp(&b.due_at))
            .then(b.received_at.cmp(&a.received_at))
    });
    Ok(rows)
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = HelplineCount)]
pub struct Count {
    pub code: String,
    pub label: String,
    pub count: usize,
    pub percent: u32,
}

/// How a partner keeps the promise of 2 working days on the requests routed to it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PartnerCompliance {
    pub partner_id: String,
    pub partner: String,
    pub routed: usize,
    pub in_time: usize,
    /// Answered late, or still unanswered past 2 working days.
    pub late: usize,
    /// Share answered within 2 working days among those decided (in time or late).
    pub percent: Option<u32>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = HelplineFigures)]
pub struct Figures {
    pub total: usize,
    pub by_channel: Vec<Count>,
    pub by_topic: Vec<Count>,
    /// Share of requests from individuals (not professionals).
    pub individuals_percent: Option<u32>,
    /// Share of people under 26 among those whose age is known.
    pub under_26_percent: Option<u32>,
    pub answered: usize,
    /// Median business time to the first answer, in seconds (pauses excluded).
    pub median_first_response_seconds: Option<i64>,
    pub median_first_response_label: String,
    pub in_time: usize,
    pub late: usize,
    /// Share answered within 2 working days among those decided.
    pub within_48h_percent: Option<u32>,
    pub overdue_open: usize,
    pub by_partner: Vec<PartnerCompliance>,
}

fn percent(part: usize, whole: usize) -> Option<u32> {
    (whole > 0).then(|| ((part as f64 * 100.0 / whole as f64).round()) as u32)
}

/// In time (`Some(true)`), late (`Some(false)`) or not decided yet (`None`).
fn compliance(row: &Row) -> Option<bool> {
    match row.first_response_seconds {
        Some(s) => Some(s <= row.target_seconds),
        None if row.overdue => Some(false),
        None => None,
    }
}

pub fn figures(rows: &[Row]) -> Figures {
    let total = rows.len();
    let count_by = |key: &dyn Fn(&Row) -> (String, String)| {
        let mut counts: Vec<Count> = Vec::new();
        for row in rows {
            let (code, label) = key(row);
            match counts.iter_mut().find(|c| c.code == code) {
                Some(c) => c.count += 1,
                None => counts.push(Count {
                    code,
                    label,
                    count: 1,
                    percent: 0,
                }),
            }
        }
        for c in &mut counts {
            c.percent = percent(c.count, total).unwrap_or(0);
        }
        counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
        counts
    };
    let by_channel = count_by(&|r| (r.channel.clone(), r.channel_label.clone()));
    let by_topic = count_by(&|r| (r.topic.clone(), r.topic_label.clone()));
    let individuals = rows
        .iter()
        .filter(|r| r.caller_kind == CallerKind::Individual.as_str())
        .count();
    let known_age: Vec<AgeBand> = rows
        .iter()
        .filter_map(|r| AgeBand::parse(&r.age_band))
        .filter(|a| *a != AgeBand::Unknown)
        .collect();
    let young = known_age.iter().filter(|a| a.is_young()).count();
    let mut times: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.first_response_seconds)
        .collect();
    times.sort_unstable();
    let median = (!times.is_empty()).then(|| {
        let n = times.len();
        if n % 2 == 1 {
            times[n / 2]
        } else {
            (times[n / 2 - 1] + times[n / 2]) / 2
        }
    });
    let in_time = rows.iter().filter(|r| compliance(r) == Some(true)).count();
    let late = rows.iter().filter(|r| compliance(r) == Some(false)).count();
    let mut by_partner: Vec<PartnerCompliance> = Vec::new();
    for row in rows {
        let (Some(id), Some(name)) = (&row.partner_id, &row.partner) else {
            continue;
        };
        let entry = match by_partner.iter_mut().position(|p| &p.partner_id == id) {
            Some(i) => &mut by_partner[i],
            None => {
                by_partner.push(PartnerCompliance {
                    partner_id: id.clone(),
                    partner: name.clone(),
                    routed: 0,
                    in_time: 0,
                    late: 0,
                    percent: None,
                });
                by_partner.last_mut().expect("just pushed")
            }
        };
        entry.routed += 1;
        match compliance(row) {
            Some(true) => entry.in_time += 1,
            Some(false) => entry.late += 1,
            None => {}
        }
    }
    for p in &mut by_partner {
        p.percent = percent(p.in_time, p.in_time + p.late);
    }
    by_partner.sort_by(|a, b| a.partner.cmp(&b.partner));
    Figures {
        total,
        by_channel,
        by_topic,
        individuals_percent: percent(individuals, total),
        under_26_percent: percent(young, known_age.len()),
        answered: times.len(),
        median_first_response_seconds: median,
        median_first_response_label: median.map(sla::hours_fr).unwrap_or_else(|| "–".into()),
        in_time,
        late,
        within_48h_percent: percent(in_time, in_time + late),
        overdue_open: rows.iter().filter(|r| r.overdue).count(),
        by_partner,
    }
}

/// The rows as CSV (the public's subject is shown as text, never run as a formula).
pub fn csv(rows: &[Row]) -> AppResult<Vec<u8>> {
    let mut out = crate::web::csv::CsvWriter::new([
        "Référence",
        "Reçue le",
        "Canal",
        "Thème",
        "Statut",
        "Partenaire",
        "Objet",
        "Délai écoulé (heures ouvrées)",
        "Réponse attendue avant",
        "En retard",
    ])?;
    for r in rows {
        out.row([
            r.reference.as_str(),
            r.received_fr.as_str(),
            r.channel_label.as_str(),
            r.topic_label.as_str(),
            r.status_label.as_str(),
            r.partner.as_deref().unwrap_or(""),
            r.subject.as_str(),
            r.elapsed_label.as_str(),
            r.due_fr.as_str(),
            if r.overdue { "oui" } else { "non" },
        ])?;
    }
    out.finish()
}
