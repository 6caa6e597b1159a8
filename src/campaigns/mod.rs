//! Information campaigns of the region (« SCAM aux demandeurs d’emploi … par territoire »):
//! editors and the regional team write a subject and a Markdown body for an audience
//! (candidates by department and occupation, companies by department, partners' staff by
//! kind of organisation and department), preview it with the count of recipients, send a
//! test to themselves, then send it. Only people who agreed to the region's information
//! (at sign-up or in their account) receive it; each mail carries a one-click
//! `List-Unsubscribe` (RFC 8058) honoured at once. Mails leave through the outbox in batches
//! (`PASSERELLE_CAMPAIGN_RATE_PER_MINUTE`), one recipient row per person and campaign, so
//! that several nodes never mail someone twice; refusals for good (SMTP 5xx) are counted and
//! the address is not mailed again by campaigns.

pub mod demo;
pub mod jobs;
pub mod mails;
pub mod model;
pub mod routes;
pub mod service;

pub use jobs::register;
