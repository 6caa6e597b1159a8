//! Outgoing mail goes through a database outbox: a mail is written in the same transaction
//! as the change it tells about, and a job delivers it (SMTP, or `.eml` files in
//! development), retried with backoff when the server is down. The operator sees the outbox.
//!
//! A mail is written as a pair of askama templates, text and HTML, that a capability declares
//! with [`template!`] (its struct in `src/<capability>/mails.rs`, its templates in
//! `templates/mail/<capability>/<name>.txt` and `.html`, the HTML one extending
//! `templates/mail/layout.html`); it leaves as `multipart/alternative`. This module knows no
//! capability.

use std::path::PathBuf;

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::Config;
use crate::db::{DbConnection, new_id, now, schema::outbox_mails};
use crate::error::AppResult;
use crate::jobs;

pub const JOB_KIND: &str = "mail.send";

/// A rendered mail: its subject, its text, and the HTML alternative of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

impl Mail {
    /// The whole mail as one readable document (subject, text part, HTML part), the form
    /// its snapshot tests keep.
    pub fn preview(&self) -> String {
        format!(
            "Subject: {}\n\n----- text/plain -----\n{}\n----- text/html -----\n{}",
            self.subject,
            self.text,
            self.html.as_deref().unwrap_or("(none)")
        )
    }
}

/// A mail a capability can send: an askama text template and its HTML twin, and a subject.
/// Implemented by [`template!`]; what is written in the HTML part goes through askama's HTML
/// escaping, so text a person typed never becomes markup.
pub trait Template {
    fn subject(&self) -> String;
    fn text(&self) -> askama::Result<String>;
    fn html(&self) -> askama::Result<String>;

    fn render(&self) -> AppResult<Mail> {
        Ok(Mail {
            subject: self.subject(),
            text: self.text()?,
            html: Some(self.html()?),
        })
    }
}

/// Declares a mail: a struct whose fields the templates read, its text template, its HTML
/// template (which sees the same fields) and its subject.
///
/// ```ignore
/// crate::mail::template! {
///     /// Tells a company its offer is online.
///     pub struct OfferApproved<'a> {
///         pub title: &'a str,
///         pub link: String,
///     }
///     text = "mail/offers/approved.txt",
///     html = "mail/offers/approved.html",
///     subject(&self) { format!("Votre offre « {} » est publiée", self.title) }
/// }
/// ```
macro_rules! template {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident $(<$($lt:lifetime),+>)? { $($fields:tt)* }
        text = $text:tt,
        html = $html:tt,
        subject(&$this:ident) $subject:block
    ) => {
        $(#[$meta])*
        #[derive(askama::Template)]
        #[template(path = $text)]
        $vis struct $name $(<$($lt),+>)? { $($fields)* }

        const _: () = {
            use $crate::mail::Template as _;

            /// The HTML part: the same fields, seen through `Deref`.
            #[derive(askama::Template)]
            #[template(path = $html)]
            struct Html<'html $($(, $lt)+)?>(&'html $name $(<$($lt),+>)?);

            impl<'html $($(, $lt)+)?> ::std::ops::Deref for Html<'html $($(, $lt)+)?> {
                type Target = $name $(<$($lt),+>)?;
                fn deref(&self) -> &Self::Target {
                    self.0
                }
            }

            impl $(<$($lt),+>)? $crate::mail::Template for $name $(<$($lt),+>)? {
                fn subject(&$this) -> String $subject

                fn text(&self) -> askama::Result<String> {
                    askama::Template::render(self)
                }

                fn html(&self) -> askama::Result<String> {
                    askama::Template::render(&Html(self))
                }
            }
        };
    };
}
pub(crate) use template;

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .with_context(|| format!("invalid sender address {:?}", config.mail_from))?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .context("invalid SMTP URL")?
                    .build(),
            ),
            None => Transport::Files(config.data_dir.join("outbox")),
        };
        Ok(Self { transport, from })
    }

    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "SMTP".to_owned(),
            Transport::Files(dir) => format!("fichiers .eml dans {}", dir.display()),
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the parts of one outbox row, read together in `deliver`"
    )]
    async fn send(
        &self,
        id: &str,
        to: &str,
        subject: &str,
        text: &str,
        html: Option<&str>,
        thread_refs: Option<&str>,
        extra_headers: &[(String, String)],
    ) -> anyhow::Result<()> {
        let to: Mailbox = to
            .parse()
            .with_context(|| format!("invalid recipient {to:?}"))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{id}@passerelle>")))
            .header(AutoSubmitted);
        if let Some(refs) = thread_refs.map(str::trim).filter(|r| !r.is_empty()) {
            if let Some(last) = refs.split_whitespace().last() {
                builder = builder.in_reply_to(last.to_owned());
            }
            builder = builder.references(refs.to_owned());
        }
        for (name, value) in extra_headers {
            let name = HeaderName::new_from_ascii(name.clone())
                .map_err(|_| anyhow::anyhow!("invalid header name {name:?}"))?;
            builder = builder.raw_header(HeaderValue::new(name, value.clone()));
        }
        let message = match html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                text.to_owned(),
                html.to_owned(),
            ))?,
            None => builder
                .header(ContentType::TEXT_PLAIN)
                .body(text.to_owned())?,
        };
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Files(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                tokio::fs::write(dir.join(format!("{id}.eml")), message.formatted()).await?;
            }
        }
        Ok(())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834) on every mail the platform sends: a program
/// sends them, so absence replies and other robots do not answer them, and no loop starts with
/// a mailbox that answers automatically (the information line's own reader ignores such mails).
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// Puts a mail in the outbox; it leaves when the surrounding transaction commits.
pub fn enqueue(conn: &mut DbConnection, to: &str, mail: &impl Template) -> AppResult<String> {
    enqueue_in_thread(conn, to, mail, &[])
}

/// The header that makes a mail one its recipient may stop (RFC 2369); such mails are
/// "unsubscribable": [`cancel_unsubscribable`] withdraws those still waiting.
pub const LIST_UNSUBSCRIBE: &str = "List-Unsubscribe";

/// Puts in the outbox a mail with extra headers (`List-Unsubscribe`, …), given as names and
/// values; names must be ASCII header names.
pub fn enqueue_with_headers(
    conn: &mut DbConnection,
    to: &str,
    mail: &impl Template,
    headers: &[(&str, String)],
) -> AppResult<String> {
    let id = enqueue_in_thread(conn, to, mail, &[])?;
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    diesel::update(outbox_mails::table.find(&id))
        .set(outbox_mails::extra_headers.eq(Some(
            serde_json::to_string(&headers).map_err(crate::error::AppError::internal)?,
        )))
        .execute(conn)?;
    Ok(id)
}

/// The person stopped a kind of mail they may unsubscribe from: those still waiting in the
/// outbox for this address (with a `List-Unsubscribe` header) are cancelled, never sent.
/// Returns how many.
pub fn cancel_unsubscribable(conn: &mut DbConnection, to: &str) -> AppResult<usize> {
    Ok(diesel::update(
        outbox_mails::table
            .filter(outbox_mails::to_address.eq(to))
            .filter(outbox_mails::status.eq("pending"))
            .filter(outbox_mails::extra_headers.like(format!("%\"{LIST_UNSUBSCRIBE}\"%"))),
    )
    .set(outbox_mails::status.eq(CANCELLED))
    .execute(conn)?)
}

/// A mail cancelled before it left (the recipient withdrew).
pub const CANCELLED: &str = "cancelled";
/// A mail the recipient's server refused for good (SMTP 5xx: unknown mailbox, complaint):
/// never retried.
pub const REJECTED: &str = "rejected";

/// Whether the recipient's server ever refused mail to this address for good.
pub fn ever_rejected(conn: &mut DbConnection, to: &str) -> AppResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        outbox_mails::table
            .filter(outbox_mails::to_address.eq(to))
            .filter(outbox_mails::status.eq(REJECTED)),
    ))
    .get_result(conn)?)
}

/// The status of outbox mails (`pending`, `sent`, `failed`, `rejected`, `cancelled`) by id.
pub fn statuses(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<(String, String)>> {
    let mut all = Vec::new();
    for chunk in ids.chunks(500) {
        all.extend(
            outbox_mails::table
                .filter(outbox_mails::id.eq_any(chunk))
                .select((outbox_mails::id, outbox_mails::status))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(all)
}

/// Puts in the outbox a mail that follows others of a conversation (their Message-IDs,
/// `<…>` included, oldest first): it carries In-Reply-To and References.
pub fn enqueue_in_thread(
    conn: &mut DbConnection,
    to: &str,
    mail: &impl Template,
    thread: &[String],
) -> AppResult<String> {
    let Mail {
        subject,
        text,
        html,
    } = mail.render()?;
    let id = new_id();
    let thread_refs = (!thread.is_empty()).then(|| thread.join(" "));
    diesel::insert_into(outbox_mails::table)
        .values((
            outbox_mails::id.eq(&id),
            outbox_mails::to_address.eq(to),
            outbox_mails::subject.eq(subject),
            outbox_mails::body_text.eq(text),
            outbox_mails::body_html.eq(html),
            outbox_mails::status.eq("pending"),
            outbox_mails::attempts.eq(0),
            outbox_mails::created_at.eq(now()),
            outbox_mails::thread_refs.eq(thread_refs),
        ))
        .execute(conn)?;
    jobs::enqueue(conn, JOB_KIND, &id, now())?;
    Ok(id)
}

/// Mail is delivered by `mail.send` jobs; one that fails for good marks its mail failed. The
/// bodies of mails sent are erased after the retention the region sets.
pub fn register(reg: &mut crate::app::Registry) {
    reg.jobs
        .handle(JOB_KIND, |app, mail_id| async move {
            deliver(&app, &mail_id).await
        })
        .on_give_up(JOB_KIND, give_up);
    // Bodies hold reset and invitation links and what people wrote: a week is enough to
    // answer "I did not get the mail"; beyond a year the outbox would be an archive of
    // correspondence, which it is not meant to be.
    reg.retain(
        PURGE_JOB,
        crate::web::retention::Kind {
            key: RETENTION,
            label: "Contenu des courriels envoyés",
            counted_from: "après l’envoi",
            default_days: 7,
            min_days: 7,
            max_days: 365,
            purged: (
                "contenu de courriel effacé",
                "contenus de courriels effacés",
            ),
            purge: |conn, retention| purge_bodies(conn, retention.days),
        },
    );
}

/// The daily purge of old mail bodies (see [`purge_bodies`]).
pub const PURGE_JOB: &str = "mail.purge_bodies";
/// The retention of mail bodies (`retention_settings`).
pub const RETENTION: &str = "mail_bodies";
/// What replaces a purged body.
pub const PURGED_BODY: &str = "(contenu effacé au terme de sa durée de conservation)";

/// Erases the text and HTML of mails sent (or given up) more than `days` ago: they held
/// reset and invitation links. Recipient, subject, status and dates stay.
/// Returns how many mails were purged.
pub fn purge_bodies(conn: &mut DbConnection, days: i64) -> AppResult<usize> {
    let before = now() - chrono::Duration::days(days);
    let old = outbox_mails::status
        .eq("sent")
        .and(outbox_mails::sent_at.lt(before))
        .or(outbox_mails::status
            .eq("failed")
            .and(outbox_mails::created_at.lt(before)));
    Ok(diesel::update(
        outbox_mails::table
            .filter(old)
            .filter(outbox_mails::body_text.ne(PURGED_BODY))
            .filter(outbox_mails::body_text.ne(OLD_PURGED_BODY)),
    )
    .set((
        outbox_mails::body_text.eq(PURGED_BODY),
        outbox_mails::body_html.eq(None::<String>),
    ))
    .execute(conn)?)
}

/// What earlier versions put in place of a purged body (those mails are not counted again).
const OLD_PURGED_BODY: &str = "(contenu effacé 7 jours après l’envoi)";

/// Delivers one outbox mail (the `mail.send` job).
pub async fn deliver(app: &crate::AppState, mail_id: &str) -> anyhow::Result<()> {
    let id = mail_id.to_owned();
    type Outgoing = (
        String,
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    );
    let mail: Option<Outgoing> = app
        .db
        .run(move |conn| {
            Ok(outbox_mails::table
                .find(&id)
                .select((
                    outbox_mails::to_address,
                    outbox_mails::subject,
                    outbox_mails::body_text,
                    outbox_mails::body_html,
                    outbox_mails::status,
                    outbox_mails::thread_refs,
                    outbox_mails::extra_headers,
                ))
                .first(conn)
                .optional()?)
        })
        .await?;
    let Some((to, subject, text, html, status, thread_refs, extra_headers)) = mail else {
        return Ok(());
    };
    if status != "pending" {
        return Ok(());
    }
    let extra_headers: Vec<(String, String)> = extra_headers
        .as_deref()
        .map(serde_json::from_str)
        .transpose()?
        .unwrap_or_default();
    let result = app
        .mailer
        .send(
            mail_id,
            &to,
            &subject,
            &text,
            html.as_deref(),
            thread_refs.as_deref(),
            &extra_headers,
        )
        .await;
    // A permanent refusal (SMTP 5xx: no such mailbox, refused as spam) is not retried: the
    // mail is marked rejected, which those who send to many read before mailing again.
    let rejected = result.as_ref().err().is_some_and(|e| {
        e.downcast_ref::<lettre::transport::smtp::Error>()
            .is_some_and(lettre::transport::smtp::Error::is_permanent)
    });
    let id = mail_id.to_owned();
    let error = result.as_ref().err().map(|e| format!("{e:#}"));
    app.db
        .run(move |conn| {
            let target = outbox_mails::table.find(&id);
            match error {
                None => diesel::update(target)
                    .set((
                        outbox_mails::status.eq("sent"),
                        outbox_mails::attempts.eq(outbox_mails::attempts + 1),
                        outbox_mails::sent_at.eq(Some(now())),
                        outbox_mails::last_error.eq(None::<String>),
                    ))
                    .execute(conn)?,
                Some(error) if rejected => diesel::update(target)
                    .set((
                        outbox_mails::status.eq(REJECTED),
                        outbox_mails::attempts.eq(outbox_mails::attempts + 1),
                        outbox_mails::last_error.eq(Some(error)),
                    ))
                    .execute(conn)?,
                Some(error) => diesel::update(target)
                    .set((
                        outbox_mails::attempts.eq(outbox_mails::attempts + 1),
                        outbox_mails::last_error.eq(Some(error)),
                    ))
                    .execute(conn)?,
            };
            Ok(())
        })
        .await?;
    if result.is_ok() {
        metrics::counter!("passerelle_mails_sent_total").increment(1);
    }
    if rejected {
        return Ok(());
    }
    result
}

/// Called when the job gave up: the mail is marked failed for the operator to see.
pub fn give_up(conn: &mut DbConnection, mail_id: &str) -> AppResult<()> {
    diesel::update(outbox_mails::table.find(mail_id))
        .set(outbox_mails::status.eq("failed"))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = outbox_mails)]
pub struct OutboxMail {
    pub id: String,
    pub to_address: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

impl OutboxMail {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "sent" => "Envoyé",
            "failed" => "Échec définitif",
            REJECTED => "Refusé par le destinataire",
            CANCELLED => "Annulé (désabonnement)",
            _ => "En attente",
        }
    }
}

pub fn recent(conn: &mut DbConnection, limit: i64) -> AppResult<Vec<OutboxMail>> {
    Ok(outbox_mails::table
        .order(outbox_mails::created_at.desc())
        .limit(limit)
        .select(OutboxMail::as_select())
        .load(conn)?)
}
