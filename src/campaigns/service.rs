//! The rules of campaigns and their rows: drafts, the audience (always among those who
//! agreed), the start of a sending, the batches, unsubscription and the figures.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;

use super::mails::CampaignMail;
use super::model::{Audience, CampaignStatus, RecipientStatus};
use crate::auth::CurrentUser;
use crate::auth::tokens::{digest, random_secret};
use crate::db::schema::{
    campaign_recipients, campaigns, candidate_occupations, candidate_profiles,
    organisation_departments, organisations, outbox_mails, users,
};
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};
use crate::types::{OrgKind, Role, UserStatus};

/// The one-off job sending the next batch of a campaign (payload: the campaign's id).
pub const BATCH_JOB: &str = "campaigns.batch";

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub id: String,
    pub subject: String,
    pub body: String,
    pub audience: String,
    pub department: Option<String>,
    pub rome_code: Option<String>,
    pub org_kind: Option<String>,
    pub status: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

impl Campaign {
    pub fn status(&self) -> CampaignStatus {
        CampaignStatus::parse(&self.status).unwrap_or(CampaignStatus::Draft)
    }
    pub fn audience(&self) -> Audience {
        Audience::parse(&self.audience).unwrap_or(Audience::Candidates)
    }
    pub fn is_draft(&self) -> bool {
        self.status() == CampaignStatus::Draft
    }
}

/// What the campaign form holds, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CampaignInput {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub audience: String,
    /// A department code chosen in a list of names; empty: the whole region.
    #[serde(default)]
    pub department: String,
    /// An occupation as typed (words, label or ROME code); candidates only.
    #[serde(default)]
    pub occupation: String,
    /// A kind of organisation; partners only; empty: every partner.
    #[serde(default)]
    pub org_kind: String,
}

impl CampaignInput {
    pub fn of(c: &Campaign, occupation: String) -> Self {
        CampaignInput {
            subject: c.subject.clone(),
            body: c.body.clone(),
            audience: c.audience.clone(),
            department: c.department.clone().unwrap_or_default(),
            occupation,
            org_kind: c.org_kind.clone().unwrap_or_default(),
        }
    }
}

/// Kinds of partner organisation a campaign may address (not companies, not the operator).
pub fn partner_kinds() -> Vec<OrgKind> {
    OrgKind::ALL
        .iter()
        .copied()
        .filter(|k| !matches!(k, OrgKind::Company | OrgKind::Operator))
        .collect()
}

struct Valid {
    subject: String,
    body: String,
    audience: Audience,
    department: Option<String>,
    rome_code: Option<String>,
    org_kind: Option<OrgKind>,
}

fn validate(
    conn: &mut DbConnection,
    input: &CampaignInput,
) -> AppResult<Result<Valid, Vec<String>>> {
    let mut errors = Vec::new();
    let subject = input.subject.trim();
    if subject.is_empty() {
        errors.push("Indiquez l’objet du message.".to_owned());
    } else if subject.chars().count() > 200 {
        errors.push("L’objet ne doit pas dépasser 200 caractères.".to_owned());
    }
    let body = input.body.trim();
    if body.is_empty() {
        errors.push("Écrivez le texte du message.".to_owned());
    } else if body.chars().count() > 20_000 {
        errors.push("Le texte ne doit pas dépasser 20 000 caractères.".to_owned());
    }
    let audience = Audience::parse(&input.audience);
    if audience.is_none() {
        errors.push("Choisissez à qui s’adresse la campagne.".to_owned());
    }
    let department = match input.department.trim() {
        "" => None,
        code => {
            let known = crate::referential::store::departments_all(conn)?
                .into_iter()
                .any(|d| d.code == code);
            if !known {
                errors.push("Choisissez le département dans la liste.".to_owned());
            }
            Some(code.to_owned())
        }
    };
    let rome_code = match input.occupation.trim() {
        "" => None,
        typed => match crate::referential::store::resolve_rome(conn, typed)? {
            Ok(found) => Some(found.code),
            Err(_) => {
                errors.push(format!(
                    "Aucun métier précis ne correspond à « {typed} » : précisez-le (par exemple « Boulanger » ou un code ROME)."
                ));
                None
            }
        },
    };
    if rome_code.is_some() && audience != Some(Audience::Candidates) {
        errors.push("Le métier ne sert qu’à choisir des candidats : laissez-le vide.".to_owned());
    }
    let org_kind = match input.org_kind.trim() {
        "" => None,
        code => {
            let kind = OrgKind::parse(code).filter(|k| partner_kinds().contains(k));
            if kind.is_none() {
                errors.push("Choisissez le type de partenaire dans la liste.".to_owned());
            }
            if audience != Some(Audience::Partners) {
                errors.push("Le type de partenaire ne sert qu’aux campagnes vers les partenaires : laissez-le vide.".to_owned());
            }
            kind
        }
    };
    Ok(match (errors.is_empty(), audience) {
        (true, Some(audience)) => Ok(Valid {
            subject: subject.to_owned(),
            body: body.to_owned(),
            audience,
            department,
            rome_code,
            org_kind,
        }),
        _ => Err(errors),
    })
}

/// Writes a new draft.
pub fn create(
    conn: &mut DbConnection,
    me: &CurrentUser,
    input: &CampaignInput,
) -> AppResult<Result<String, Vec<String>>> {
    let v = match validate(conn, input)? {
        Ok(v) => v,
        Err(errors) => return Ok(Err(errors)),
    };
    let id = new_id();
    diesel::insert_into(campaigns::table)
        .values((
            campaigns::id.eq(&id),
            campaigns::subject.eq(&v.subject),
            campaigns::body.eq(&v.body),
            campaigns::audience.eq(v.audience.as_str()),
            campaigns::department.eq(&v.department),
            campaigns::rome_code.eq(&v.rome_code),
            campaigns::org_kind.eq(v.org_kind.map(OrgKind::as_str)),
            campaigns::status.eq(CampaignStatus::Draft.as_str()),
            campaigns::created_by.eq(&me.id),
            campaigns::created_at.eq(now()),
            campaigns::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Ok(id))
}

/// Changes a draft; a campaign being sent or sent is no longer changed (409).
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    input: &CampaignInput,
) -> AppResult<Result<(), Vec<String>>> {
    let v = match validate(conn, input)? {
        Ok(v) => v,
        Err(errors) => return Ok(Err(errors)),
    };
    let n = diesel::update(
        campaigns::table
            .find(id)
            .filter(campaigns::status.eq(CampaignStatus::Draft.as_str())),
    )
    .set((
        campaigns::subject.eq(&v.subject),
        campaigns::body.eq(&v.body),
        campaigns::audience.eq(v.audience.as_str()),
        campaigns::department.eq(&v.department),
        campaigns::rome_code.eq(&v.rome_code),
        campaigns::org_kind.eq(v.org_kind.map(OrgKind::as_str)),
        campaigns::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::conflict(
            "Cette campagne est déjà envoyée : elle ne peut plus être modifiée.",
        ));
    }
    Ok(Ok(()))
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<Option<Campaign>> {
    Ok(campaigns::table
        .find(id)
        .select(Campaign::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConnection) -> AppResult<Vec<Campaign>> {
    Ok(campaigns::table
        .order(campaigns::created_at.desc())
        .select(Campaign::as_select())
        .load(conn)?)
}

/// The people a campaign reaches now: active accounts with a verified address who agreed to
/// the region's information, within the campaign's filters. Ids and addresses.
pub fn audience(conn: &mut DbConnection, c: &Campaign) -> AppResult<Vec<(String, String)>> {
    let mut q = users::table
        .filter(users::status.eq(UserStatus::Active.as_str()))
        .filter(users::email_verified_at.is_not_null())
        .filter(users::info_mail_consent_at.is_not_null())
        .select((users::id, users::email))
        .order(users::id)
        .into_boxed();
    match c.audience() {
        Audience::Candidates => {
            q = q.filter(users::role.eq(Role::Candidate.as_str()));
            if let Some(d) = &c.department {
                q = q.filter(
                    users::id.eq_any(
                        candidate_profiles::table
                            .filter(candidate_profiles::department.eq(d))
                            .select(candidate_profiles::user_id),
                    ),
                );
            }
            if let Some(rome) = &c.rome_code {
                q = q.filter(
                    users::id.eq_any(
                        candidate_occupations::table
                            .filter(candidate_occupations::rome_code.eq(rome))
                            .select(candidate_occupations::user_id),
                    ),
                );
            }
        }
        Audience::Companies => {
            q = q.filter(users::role.eq(Role::Recruiter.as_str())).filter(
                users::organisation_id.eq_any(
                    organisations::table
                        .filter(organisations::kind.eq(OrgKind::Company.as_str()))
                        .select(organisations::id.nullable()),
                ),
            );
        }
        Audience::Partners => {
            let kinds: Vec<&str> = match c.org_kind.as_deref().and_then(OrgKind::parse) {
                Some(kind) => vec![kind.as_str()],
                None => partner_kinds().into_iter().map(OrgKind::as_str).collect(),
            };
            q = q.filter(
                users::organisation_id.eq_any(
                    organisations::table
                        .filter(organisations::kind.eq_any(kinds))
                        .select(organisations::id.nullable()),
                ),
            );
        }
    }
    if c.audience() != Audience::Candidates
        && let Some(d) = &c.department
    {
        q = q.filter(
            users::organisation_id.eq_any(
                organisation_departments::table
                    .filter(organisation_departments::department_code.eq(d))
                    .select(organisation_departments::organisation_id.nullable()),
            ),
        );
    }
    Ok(q.load(conn)?)
}

/// Starts sending a draft: one recipient row per person it reaches now, and the first batch
/// due at once. Returns how many recipients. A campaign already started answers 409.
pub fn start(conn: &mut DbConnection, id: &str) -> AppResult<usize> {
    let n = diesel::update(
        campaigns::table
            .find(id)
            .filter(campaigns::status.eq(CampaignStatus::Draft.as_str())),
    )
    .set((
        campaigns::status.eq(CampaignStatus::Sending.as_str()),
        campaigns::started_at.eq(Some(now())),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(AppError::conflict("Cette campagne est déjà envoyée."));
    }
    let campaign = get(conn, id)?.ok_or_else(AppError::not_found)?;
    let people = audience(conn, &campaign)?;
    for (user_id, email) in &people {
        diesel::insert_into(campaign_recipients::table)
            .values((
                campaign_recipients::id.eq(new_id()),
                campaign_recipients::campaign_id.eq(id),
                campaign_recipients::user_id.eq(user_id),
                campaign_recipients::email.eq(email),
                campaign_recipients::status.eq(RecipientStatus::Pending.as_str()),
                campaign_recipients::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    crate::jobs::enqueue(conn, BATCH_JOB, id, now())?;
    Ok(people.len())
}

/// What a batch needs from the configuration.
pub struct Sending<'a> {
    pub base_url: &'a str,
    pub region: &'a str,
    pub per_minute: u32,
}

/// Sends the next batch of a campaign: up to `per_minute` recipients, each claimed by moving
/// its row out of `pending` (a row another node claimed first is left alone), checked again
/// (still agreeing, address never refused for good) and put in the outbox with its own
/// unsubscription link. The next batch is due a minute later; the last one closes the
/// campaign.
pub fn send_batch(conn: &mut DbConnection, sending: &Sending<'_>, id: &str) -> AppResult<()> {
    let Some(campaign) = get(conn, id)? else {
        return Ok(());
    };
    if campaign.status() != CampaignStatus::Sending {
        return Ok(());
    }
    let pending: Vec<String> = campaign_recipients::table
        .filter(campaign_recipients::campaign_id.eq(id))
        .filter(campaign_recipients::status.eq(RecipientStatus::Pending.as_str()))
        .order(campaign_recipients::id)
        .limit(i64::from(sending.per_minute.max(1)))
        .select(campaign_recipients::id)
        .load(conn)?;
    let html = mail_html(&campaign.body, sending.base_url);
    for recipient in pending {
        let target = campaign_recipients::table
            .find(&recipient)
            .filter(campaign_recipients::status.eq(RecipientStatus::Pending.as_str()));
        let claimed = diesel::update(target)
            .set((
                campaign_recipients::status.eq(RecipientStatus::Queued.as_str()),
                campaign_recipients::handled_at.eq(Some(now())),
            ))
            .execute(conn)?;
        if claimed == 0 {
            continue;
        }
        let person: Option<(String, String, Option<NaiveDateTime>)> = campaign_recipients::table
            .inner_join(users::table.on(users::id.eq(campaign_recipients::user_id)))
            .filter(campaign_recipients::id.eq(&recipient))
            .filter(users::status.eq(UserStatus::Active.as_str()))
            .select((users::id, users::email, users::info_mail_consent_at))
            .first(conn)
            .optional()?;
        let set_status = |conn: &mut DbConnection, status: RecipientStatus| -> AppResult<()> {
            diesel::update(campaign_recipients::table.find(&recipient))
                .set(campaign_recipients::status.eq(status.as_str()))
                .execute(conn)?;
            Ok(())
        };
        let Some((_, email, Some(_))) = person else {
            set_status(conn, RecipientStatus::Withdrawn)?;
            continue;
        };
        if crate::mail::ever_rejected(conn, &email)? {
            set_status(conn, RecipientStatus::Bounced)?;
            continue;
        }
        let token = random_secret();
        let link = format!("{}/desabonnement?jeton={token}", sending.base_url);
        let mail_id = crate::mail::enqueue_with_headers(
            conn,
            &email,
            &CampaignMail {
                subject: &campaign.subject,
                body: &campaign.body,
                body_html: &html,
                unsubscribe: Some(&link),
                region: sending.region,
                test: false,
            },
            &[
                (crate::mail::LIST_UNSUBSCRIBE, format!("<{link}>")),
                (
                    "List-Unsubscribe-Post",
                    "List-Unsubscribe=One-Click".to_owned(),
                ),
            ],
        )?;
        diesel::update(campaign_recipients::table.find(&recipient))
            .set((
                campaign_recipients::outbox_mail_id.eq(Some(mail_id)),
                campaign_recipients::token_digest.eq(Some(digest(&token))),
            ))
            .execute(conn)?;
    }
    let left: i64 = campaign_recipients::table
        .filter(campaign_recipients::campaign_id.eq(id))
        .filter(campaign_recipients::status.eq(RecipientStatus::Pending.as_str()))
        .count()
        .get_result(conn)?;
    if left > 0 {
        crate::jobs::enqueue(conn, BATCH_JOB, id, now() + chrono::Duration::minutes(1))?;
    } else {
        diesel::update(
            campaigns::table
                .find(id)
                .filter(campaigns::status.eq(CampaignStatus::Sending.as_str())),
        )
        .set((
            campaigns::status.eq(CampaignStatus::Sent.as_str()),
            campaigns::finished_at.eq(Some(now())),
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// The HTML of a campaign's body for a mail: links to pages of the site (`/offres`) get
/// the site's address, since a mail has no page to be relative to.
fn mail_html(body: &str, base_url: &str) -> String {
    crate::content::markdown::render(body).replace("href=\"/", &format!("href=\"{base_url}/"))
}

/// Sends the campaign as it stands to its author's own address, marked as a test.
pub fn test_send(
    conn: &mut DbConnection,
    campaign: &Campaign,
    to: &str,
    region: &str,
    base_url: &str,
) -> AppResult<()> {
    let html = mail_html(&campaign.body, base_url);
    crate::mail::enqueue(
        conn,
        to,
        &CampaignMail {
            subject: &campaign.subject,
            body: &campaign.body,
            body_html: &html,
            unsubscribe: None,
            region,
            test: true,
        },
    )?;
    Ok(())
}

/// Whether an unsubscription link is one we sent.
pub fn token_known(conn: &mut DbConnection, token: &str) -> AppResult<bool> {
    Ok(campaign_recipients::table
        .filter(campaign_recipients::token_digest.eq(Some(digest(token))))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// The person of this unsubscription link stops the region's information, at once: their
/// consent is withdrawn (campaign mails still in the outbox are cancelled, batches to come
/// skip them) and the campaign counts them as unsubscribed. `false` for an unknown link.
pub fn unsubscribe(conn: &mut DbConnection, token: &str) -> AppResult<bool> {
    let row: Option<(String, String)> = campaign_recipients::table
        .filter(campaign_recipients::token_digest.eq(Some(digest(token))))
        .select((campaign_recipients::id, campaign_recipients::user_id))
        .first(conn)
        .optional()?;
    let Some((id, user_id)) = row else {
        return Ok(false);
    };
    diesel::update(
        campaign_recipients::table
            .find(&id)
            .filter(campaign_recipients::unsubscribed_at.is_null()),
    )
    .set(campaign_recipients::unsubscribed_at.eq(Some(now())))
    .execute(conn)?;
    crate::auth::store::set_info_mail_consent(conn, &user_id, false)?;
    Ok(true)
}

/// The figures of a campaign.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub recipients: usize,
    /// Not yet handed to the mail server.
    pub waiting: usize,
    pub sent: usize,
    /// The mail server could not be reached for good.
    pub failed: usize,
    /// Refused for good by the recipient's server (now or before).
    pub bounced: usize,
    /// Withdrew before their mail left.
    pub withdrawn: usize,
    pub unsubscribed: usize,
}

pub fn figures(conn: &mut DbConnection, id: &str) -> AppResult<Figures> {
    let rows: Vec<(String, Option<String>, Option<NaiveDateTime>)> = campaign_recipients::table
        .left_join(
            outbox_mails::table.on(outbox_mails::id
                .nullable()
                .eq(campaign_recipients::outbox_mail_id)),
        )
        .filter(campaign_recipients::campaign_id.eq(id))
        .select((
            campaign_recipients::status,
            outbox_mails::status.nullable(),
            campaign_recipients::unsubscribed_at,
        ))
        .load(conn)?;
    let mut f = Figures {
        recipients: rows.len(),
        ..Figures::default()
    };
    for (status, mail, unsubscribed) in rows {
        if unsubscribed.is_some() {
            f.unsubscribed += 1;
        }
        match (RecipientStatus::parse(&status), mail.as_deref()) {
            (Some(RecipientStatus::Withdrawn), _) | (_, Some(crate::mail::CANCELLED)) => {
                f.withdrawn += 1
            }
            (Some(RecipientStatus::Bounced), _) | (_, Some(crate::mail::REJECTED)) => {
                f.bounced += 1
            }
            (_, Some("sent")) => f.sent += 1,
            (_, Some("failed")) => f.failed += 1,
            _ => f.waiting += 1,
        }
    }
    Ok(f)
}
