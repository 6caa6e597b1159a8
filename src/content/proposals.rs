//! Content from partners: a training centre or a chamber proposes a news item or an agenda
//! event (open day, job-dating…); it stays « proposée », never public, until an editor
//! publishes it (the news item or the event is created then) or refuses it with a reason. The
//! author is told of the decision by mail, in the transaction of the decision.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;

use super::service::{self, EventFields, EventInput, EventKind, NewsInput};
use crate::auth::CurrentUser;
use crate::auth::policy::ProposalRef;
use crate::db::schema::{content_proposals, organisations};
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};
use crate::string_enum;

string_enum! {
    /// Where a proposal stands.
    ProposalStatus {
        Proposed => "proposed", "Proposée";
        Approved => "approved", "Publiée";
        Refused => "refused", "Refusée";
    }
}

/// The kind `news` of a proposal; any other kind is an event kind.
pub const NEWS: &str = "news";

/// What a partner may propose, with its label, in the order of the form.
pub fn kinds() -> Vec<(&'static str, &'static str)> {
    let mut kinds = vec![(NEWS, "Actualité")];
    kinds.extend(
        [
            EventKind::OpenDay,
            EventKind::JobDating,
            EventKind::Fair,
            EventKind::AlternanceWednesday,
            EventKind::Other,
        ]
        .iter()
        .map(|k| (k.as_str(), k.label())),
    );
    kinds
}

fn kind_label(kind: &str) -> &'static str {
    if kind == NEWS {
        "Actualité"
    } else {
        EventKind::parse(kind).map_or("", EventKind::label)
    }
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = content_proposals)]
pub struct Proposal {
    pub id: String,
    pub organisation_id: String,
    pub author_id: Option<String>,
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub place: String,
    pub organiser: String,
    pub territory: Option<String>,
    pub status: String,
    pub reason: String,
    pub published_path: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl Proposal {
    pub fn policy_ref(&self) -> ProposalRef {
        ProposalRef {
            organisation_id: self.organisation_id.clone(),
        }
    }
    pub fn is_news(&self) -> bool {
        self.kind == NEWS
    }
    pub fn is_proposed(&self) -> bool {
        self.status == ProposalStatus::Proposed.as_str()
    }
    pub fn is_refused(&self) -> bool {
        self.status == ProposalStatus::Refused.as_str()
    }
    pub fn kind_label(&self) -> &'static str {
        kind_label(&self.kind)
    }
    pub fn status_label(&self) -> &'static str {
        ProposalStatus::parse(&self.status).map_or("", ProposalStatus::label)
    }
    pub fn territory_label(&self) -> String {
        service::territory_label(&self.territory)
    }
    pub fn created_fr(&self) -> String {
        crate::web::date_fr(&crate::web::utc_to_paris(self.created_at).date())
    }
    pub fn decided_fr(&self) -> String {
        self.decided_at
            .map(|d| crate::web::date_fr(&crate::web::utc_to_paris(d).date()))
            .unwrap_or_default()
    }
    /// « mercredi 2 décembre 2026, 14:00 – 17:00 » for an event; empty for news.
    pub fn when_fr(&self) -> String {
        match (self.starts_at, self.ends_at) {
            (Some(s), Some(e)) => {
                let (s, e) = (crate::web::utc_to_paris(s), crate::web::utc_to_paris(e));
                format!(
                    "{}, {} – {}",
                    crate::web::long_date_fr(&s.date()),
                    s.format("%H:%M"),
                    e.format("%H:%M")
                )
            }
            _ => String::new(),
        }
    }
}

/// The proposal form, as typed (kept on errors).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ProposalForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub territory: String,
}

impl ProposalForm {
    pub fn of(p: &Proposal) -> Self {
        let local = |t: Option<NaiveDateTime>| t.map(crate::web::utc_to_paris);
        let (start, end) = (local(p.starts_at), local(p.ends_at));
        ProposalForm {
            kind: p.kind.clone(),
            title: p.title.clone(),
            summary: p.summary.clone(),
            body: p.body.clone(),
            date: start
                .map(|s| s.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
            start: start
                .map(|s| s.format("%H:%M").to_string())
                .unwrap_or_default(),
            end: end
                .map(|s| s.format("%H:%M").to_string())
                .unwrap_or_default(),
            place: p.place.clone(),
            territory: p.territory.clone().unwrap_or_default(),
        }
    }
}

/// A checked proposal: a news item or an event, as the editors would publish it.
pub enum ProposalInput {
    News(NewsInput),
    Event(EventInput),
}

/// Checks the form: news need a title and a text; events a date, hours and a place too. The
/// organiser of an event is the proposing organisation.
pub fn parse(
    form: &ProposalForm,
    organiser: &str,
    departments: &[String],
) -> Result<ProposalInput, Vec<String>> {
    match form.kind.trim() {
        NEWS => service::parse_news(
            &form.title,
            &form.summary,
            &form.body,
            &form.territory,
            departments,
        )
        .map(ProposalInput::News),
        "" => Err(vec![
            "Choisissez ce que vous proposez : une actualité ou un type de rendez-vous.".to_owned(),
        ]),
        kind if kinds().iter().any(|(k, _)| *k == kind) => service::parse_event(
            &EventFields {
                kind,
                title: &form.title,
                description: &form.body,
                date: &form.date,
                start: &form.start,
                end: &form.end,
                place: &form.place,
                organiser,
                territory: &form.territory,
            },
            departments,
        )
        .map(ProposalInput::Event),
        _ => Err(vec!["Ce type de proposition n’existe pas.".to_owned()]),
    }
}

/// A proposal by its id, whoever asks (the routes ask the policy).
pub fn by_id(conn: &mut DbConnection, id: &str) -> AppResult<Proposal> {
    content_proposals::table
        .find(id)
        .select(Proposal::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

/// A proposal, for the editors (any) or the proposing organisation (404 for another one).
pub fn get(conn: &mut DbConnection, me: &CurrentUser, id: &str) -> AppResult<Proposal> {
    let p = by_id(conn, id)?;
    use crate::auth::policy::{Action, allows};
    if allows(me, &Action::ReviewProposals) || allows(me, &Action::FollowProposal(&p.policy_ref()))
    {
        Ok(p)
    } else {
        Err(AppError::not_found())
    }
}

/// The proposals of an organisation, newest first.
pub fn of_organisation(conn: &mut DbConnection, org_id: &str) -> AppResult<Vec<Proposal>> {
    Ok(content_proposals::table
        .filter(content_proposals::organisation_id.eq(org_id))
        .select(Proposal::as_select())
        .order((
            content_proposals::created_at.desc(),
            content_proposals::id.desc(),
        ))
        .load(conn)?)
}

/// The editors' queue: the proposals waiting, oldest first, with their organisation's name.
pub fn waiting(conn: &mut DbConnection) -> AppResult<Vec<(Proposal, String)>> {
    Ok(content_proposals::table
        .inner_join(
            organisations::table.on(organisations::id.eq(content_proposals::organisation_id)),
        )
        .filter(content_proposals::status.eq(ProposalStatus::Proposed.as_str()))
        .select((Proposal::as_select(), organisations::name))
        .order((content_proposals::created_at, content_proposals::id))
        .load(conn)?)
}

/// The last decisions, newest first, with their organisation's name.
pub fn decided(conn: &mut DbConnection, limit: i64) -> AppResult<Vec<(Proposal, String)>> {
    Ok(content_proposals::table
        .inner_join(
            organisations::table.on(organisations::id.eq(content_proposals::organisation_id)),
        )
        .filter(content_proposals::status.ne(ProposalStatus::Proposed.as_str()))
        .select((Proposal::as_select(), organisations::name))
        .order((
            content_proposals::decided_at.desc(),
            content_proposals::id.desc(),
        ))
        .limit(limit)
        .load(conn)?)
}

pub fn organisation_name(conn: &mut DbConnection, org_id: &str) -> AppResult<String> {
    crate::auth::store::organisation_name(conn, org_id)
}

/// The columns a checked proposal fills.
struct Columns<'a> {
    kind: &'static str,
    title: &'a str,
    summary: &'a str,
    body: &'a str,
    starts_at: Option<NaiveDateTime>,
    ends_at: Option<NaiveDateTime>,
    place: &'a str,
    organiser: &'a str,
    territory: Option<String>,
}

fn columns(input: &ProposalInput) -> Columns<'_> {
    match input {
        ProposalInput::News(n) => Columns {
            kind: NEWS,
            title: &n.title,
            summary: &n.summary,
            body: &n.body,
            starts_at: None,
            ends_at: None,
            place: "",
            organiser: "",
            territory: n.territory.clone(),
        },
        ProposalInput::Event(e) => Columns {
            kind: e.kind.as_str(),
            title: &e.title,
            summary: "",
            body: &e.description,
            starts_at: Some(e.starts_at),
            ends_at: Some(e.ends_at),
            place: &e.place,
            organiser: &e.organiser,
            territory: e.territory.clone(),
        },
    }
}

/// Records a new proposal of the person's organisation; returns its id.
pub fn create(
    conn: &mut DbConnection,
    me: &CurrentUser,
    input: &ProposalInput,
) -> AppResult<String> {
    let org = me
        .organisation_id
        .as_deref()
        .ok_or_else(AppError::forbidden)?;
    let Columns {
        kind,
        title,
        summary,
        body,
        starts_at,
        ends_at,
        place,
        organiser,
        territory,
    } = columns(input);
    let id = new_id();
    let at = now();
    diesel::insert_into(content_proposals::table)
        .values((
            content_proposals::id.eq(&id),
            content_proposals::organisation_id.eq(org),
            content_proposals::author_id.eq(&me.id),
            content_proposals::kind.eq(kind),
            content_proposals::title.eq(title),
            content_proposals::summary.eq(summary),
            content_proposals::body.eq(body),
            content_proposals::starts_at.eq(starts_at),
            content_proposals::ends_at.eq(ends_at),
            content_proposals::place.eq(place),
            content_proposals::organiser.eq(organiser),
            content_proposals::territory.eq(territory),
            content_proposals::status.eq(ProposalStatus::Proposed.as_str()),
            content_proposals::reason.eq(""),
            content_proposals::created_at.eq(at),
            content_proposals::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Changes a proposal that still waits (the caller checked it is the person's organisation's);
/// one already decided answers 409.
pub fn update(conn: &mut DbConnection, id: &str, input: &ProposalInput) -> AppResult<()> {
    let Columns {
        kind,
        title,
        summary,
        body,
        starts_at,
        ends_at,
        place,
        organiser,
        territory,
    } = columns(input);
    let n = diesel::update(
        content_proposals::table
            .find(id)
            .filter(content_proposals::status.eq(ProposalStatus::Proposed.as_str())),
    )
    .set((
        content_proposals::kind.eq(kind),
        content_proposals::title.eq(title),
        content_proposals::summary.eq(summary),
        content_proposals::body.eq(body),
        content_proposals::starts_at.eq(starts_at),
        content_proposals::ends_at.eq(ends_at),
        content_proposals::place.eq(place),
        content_proposals::organiser.eq(organiser),
        content_proposals::territory.eq(territory),
        content_proposals::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::conflict(
            "Cette proposition a déjà été traitée par la rédaction : elle ne se modifie plus.",
        ));
    }
    Ok(())
}

/// An editor's decision.
pub enum Decision {
    Publish,
    Refuse { reason: String },
}

/// Publishes (creating the news item or the event) or refuses a waiting proposal, and tells
/// its author by mail; a proposal already decided answers 409. Returns where it is published.
pub fn decide(
    conn: &mut DbConnection,
    me: &CurrentUser,
    id: &str,
    decision: &Decision,
    base_url: &str,
) -> AppResult<Option<String>> {
    let (p, path) = record_decision(conn, me, id, decision)?;
    for to in recipients(conn, &p)? {
        match decision {
            Decision::Publish => crate::mail::enqueue(
                conn,
                &to,
                &super::mails::ProposalPublished {
                    title: &p.title,
                    kind: p.kind_label(),
                    path: path.as_deref().unwrap_or_default(),
                    id: &p.id,
                    base_url,
                },
            )?,
            Decision::Refuse { reason } => crate::mail::enqueue(
                conn,
                &to,
                &super::mails::ProposalRefused {
                    title: &p.title,
                    kind: p.kind_label(),
                    reason,
                    id: &p.id,
                    base_url,
                },
            )?,
        };
    }
    Ok(path)
}

/// The decision without its mail (the demo data's past decisions): the proposal as it was,
/// and where it is published.
pub fn record_decision(
    conn: &mut DbConnection,
    me: &CurrentUser,
    id: &str,
    decision: &Decision,
) -> AppResult<(Proposal, Option<String>)> {
    let p = by_id(conn, id)?;
    if !p.is_proposed() {
        return Err(AppError::conflict(
            "Cette proposition a déjà été traitée par la rédaction.",
        ));
    }
    let (status, reason, path) = match decision {
        Decision::Publish => {
            let path = if p.is_news() {
                let slug = service::save_news(
                    conn,
                    me,
                    None,
                    &NewsInput {
                        title: p.title.clone(),
                        summary: p.summary.clone(),
                        body: p.body.clone(),
                        territory: p.territory.clone(),
                    },
                )?;
                format!("/actualites/{slug}")
            } else {
                let (Some(kind), Some(starts_at), Some(ends_at)) =
                    (EventKind::parse(&p.kind), p.starts_at, p.ends_at)
                else {
                    return Err(AppError::internal(anyhow::anyhow!(
                        "proposal {id} is an event without kind or hours"
                    )));
                };
                service::save_event(
                    conn,
                    me,
                    None,
                    &EventInput {
                        kind,
                        title: p.title.clone(),
                        description: p.body.clone(),
                        starts_at,
                        ends_at,
                        place: p.place.clone(),
                        organiser: p.organiser.clone(),
                        territory: p.territory.clone(),
                    },
                )?;
                format!(
                    "/agenda?mois={}",
                    crate::web::utc_to_paris(starts_at).format("%Y-%m")
                )
            };
            (ProposalStatus::Approved, String::new(), Some(path))
        }
        Decision::Refuse { reason } => (ProposalStatus::Refused, reason.clone(), None),
    };
    let at = now();
    diesel::update(content_proposals::table.find(id))
        .set((
            content_proposals::status.eq(status.as_str()),
            content_proposals::reason.eq(&reason),
            content_proposals::published_path.eq(&path),
            content_proposals::decided_by.eq(&me.id),
            content_proposals::decided_at.eq(at),
            content_proposals::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok((p, path))
}

/// Who hears of a decision: the author while their account is active, otherwise the
/// organisation's proposing staff.
fn recipients(conn: &mut DbConnection, p: &Proposal) -> AppResult<Vec<String>> {
    if let Some(author) = &p.author_id
        && let Some(user) = crate::auth::store::by_id(conn, author)?
        && user.status == crate::types::UserStatus::Active.as_str()
        && user.organisation_id.as_deref() == Some(p.organisation_id.as_str())
    {
        return Ok(vec![user.email]);
    }
    crate::auth::store::staff_emails(
        conn,
        &p.organisation_id,
        &[
            crate::types::Role::TrainingStaff,
            crate::types::Role::RegistrationOfficer,
        ],
    )
}

/// Checks the editor's refusal reason: required, 1,000 characters at most.
pub fn parse_decision(decision: &str, reason: &str) -> Result<Decision, String> {
    match decision.trim() {
        "publier" => Ok(Decision::Publish),
        "refuser" => {
            let reason = reason.trim();
            if reason.is_empty() {
                Err("Indiquez la raison du refus : elle est envoyée au partenaire.".to_owned())
            } else if reason.chars().count() > 1000 {
                Err("La raison du refus fait 1 000 caractères au plus.".to_owned())
            } else {
                Ok(Decision::Refuse {
                    reason: reason.to_owned(),
                })
            }
        }
        _ => Err("Choisissez de publier ou de refuser la proposition.".to_owned()),
    }
}
