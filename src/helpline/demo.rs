//! Demo data of the information line: a second information partner (ONISEP Bretagne, with
//! its own responder, who sees nothing of Transitions Pro's requests) and a few requests in
//! every state, one routed to Transitions Pro Bretagne, one overdue.

use std::collections::HashMap;

use chrono::Duration;
use diesel::prelude::*;

use super::service::{self, CallInput, WebInput};
use super::sla::BusinessHours;
use crate::auth::store::{self as users, NewUser};
use crate::db::{DbConnection, schema::helpline_requests};
use crate::error::{AppError, AppResult};
use crate::organisations::store::{self as orgs, NewOrganisation};
use crate::types::{EmailAddress, OrgKind, OrgStatus, Role, UserStatus};

pub const OTHER_PARTNER: &str = "ONISEP Bretagne";
pub const OTHER_RESPONDER: &str = "onisep@demo.passerelle.test";

fn call(topic: &str, age: &str, situation: &str, question: &str, answer: &str) -> CallInput {
    CallInput {
        caller_kind: "individual".into(),
        age_band: age.into(),
        situation: situation.into(),
        topic: topic.into(),
        question: question.into(),
        answer: answer.into(),
        ..CallInput::default()
    }
}

fn backdate(conn: &mut DbConnection, id: &str, at: chrono::NaiveDateTime) -> AppResult<()> {
    diesel::update(helpline_requests::table.find(id))
        .set((
            helpline_requests::received_at.eq(at),
            helpline_requests::clock_started_at.eq(at),
            helpline_requests::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn load(conn: &mut DbConnection, ids: &HashMap<&str, String>, hash: &str) -> AppResult<()> {
    use crate::db::schema::{jobs, outbox_mails};
    let before: Vec<String> = outbox_mails::table.select(outbox_mails::id).load(conn)?;
    requests(conn, ids, hash)?;
    // The demo's history happened in the past: its mails (to made-up addresses) are not sent.
    let sent: Vec<String> = outbox_mails::table
        .filter(outbox_mails::id.ne_all(&before))
        .select(outbox_mails::id)
        .load(conn)?;
    diesel::delete(
        jobs::table
            .filter(jobs::kind.eq(crate::mail::JOB_KIND))
            .filter(jobs::payload.eq_any(&sent)),
    )
    .execute(conn)?;
    diesel::delete(outbox_mails::table.filter(outbox_mails::id.eq_any(&sent))).execute(conn)?;
    Ok(())
}

fn requests(conn: &mut DbConnection, ids: &HashMap<&str, String>, hash: &str) -> AppResult<()> {
    let onisep = orgs::create(
        conn,
        NewOrganisation {
            kind: OrgKind::InformationPartner,
            name: OTHER_PARTNER,
            network: Some("ONISEP"),
            siret: None,
            commune_insee: Some("35238"),
            status: OrgStatus::Active,
            departments: &[
                "22".to_owned(),
                "29".to_owned(),
                "35".to_owned(),
                "56".to_owned(),
            ],
        },
    )?;
    users::create(
        conn,
        NewUser {
            email: &EmailAddress::parse(OTHER_RESPONDER).expect("valid demo address"),
            password_hash: Some(hash.to_owned()),
            first_name: "Bleuenn",
            last_name: "Le Gall",
            role: Role::PartnerResponder,
            organisation_id: Some(&onisep),
            is_org_admin: true,
            status: UserStatus::Active,
            email_verified: true,
            birth_date: None,
        },
    )?;
    let officer_email = crate::types::demo_email(Role::InfoOfficer);
    let officer_id = users::by_email(conn, &officer_email)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo officer missing")))?
        .id;
    let officer = users::current_user(conn, &officer_id)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo officer missing")))?;
    let hours = BusinessHours::default();
    let base = "http://127.0.0.1:8080";
    let now = crate::db::now();
    let invalid = |e: Vec<String>| AppError::internal(anyhow::anyhow!("demo request: {e:?}"));

    // Answered at once on the phone, three days ago.
    as_of(now - Duration::days(3), || service::log_call(
        conn,
        &officer,
        &call(
            "apprenticeship",
            "18_25",
            "pupil",
            "Mon fils veut devenir boulanger en apprentissage : à partir de quel âge et comment trouver un patron ?",
            "Dès 15 ans après la 3e. Les offres sont sur Passerelle (rubrique Offres d’alternance) et le CFA des métiers de Rennes aide à trouver une entreprise.",
        ),
        &hours,
        base,
    ))?
    .map_err(invalid)?;
    // Routed to Transitions Pro Bretagne, waiting for its answer.
    let mut routed = call(
        "career_change",
        "26_44",
        "employee",
        "Salariée dans la vente depuis 12 ans, je voudrais me reconvertir comme aide-soignante : puis-je financer la formation avec un projet de transition professionnelle ?",
        "",
    );
    routed.requester_name = "Gaëlle Le Corre".into();
    routed.requester_email = "gaelle.lecorre@exemple.fr".into();
    let r = service::log_call(conn, &officer, &routed, &hours, base)?.map_err(invalid)?;
    service::route(
        conn,
        &officer,
        &r.id,
        &ids["info_partner"],
        "Projet déjà bien construit, CDI depuis plus de deux ans.",
        &hours,
        base,
    )?
    .map_err(invalid)?;
    // Routed to ONISEP, answered by it, then closed.
    let r = service::log_call(
        conn,
        &officer,
        &call(
            "orientation",
            "under_18",
            "pupil",
            "Quelles formations après un bac pro commerce pour travailler dans le tourisme ?",
            "",
        ),
        &hours,
        base,
    )?
    .map_err(invalid)?;
    service::route(conn, &officer, &r.id, &onisep, "", &hours, base)?.map_err(invalid)?;
    let responder_id = users::by_email(conn, OTHER_RESPONDER)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo responder missing")))?
        .id;
    let responder = users::current_user(conn, &responder_id)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo responder missing")))?;
    service::answer(
        conn,
        &responder,
        &r.id,
        "Un BTS Tourisme ou un BTS MCO en alternance sont accessibles après un bac pro commerce ; voir les fiches ONISEP.",
        &hours,
        base,
    )?
    .map_err(invalid)?;
    service::close(conn, &officer, &r.id, &hours)?.map_err(invalid)?;
    // A web question, still new.
    service::submit_web(
        conn,
        &WebInput {
            name: "Killian Moal".into(),
            email: "killian.moal@exemple.fr".into(),
            caller_kind: "individual".into(),
            age_band: "18_25".into(),
            situation: "job_seeker".into(),
            topic: "funding".into(),
            question: "Je suis inscrit à France Travail : ma formation de cariste peut-elle être financée par la Région ?".into(),
            ..WebInput::default()
        },
        "127.0.0.1",
    )?
    .map_err(invalid)?;
    // A professional's question received ten days ago, never answered: overdue.
    let mut late = call(
        "training_entry",
        "unknown",
        "adviser",
        "Quelles sont les dates d’entrée des prochaines sessions de CAP Boulanger financées en Ille-et-Vilaine ?",
        "",
    );
    late.caller_kind = "professional".into();
    let r = service::log_call(conn, &officer, &late, &hours, base)?.map_err(invalid)?;
    backdate(conn, &r.id, now - Duration::days(10))?;
    // Reminded and escalated back then.
    diesel::update(helpline_requests::table.find(&r.id))
        .set((
            helpline_requests::reminded_at.eq(Some(now - Duration::days(7))),
            helpline_requests::escalated_at.eq(Some(now - Duration::days(3))),
        ))
        .execute(conn)?;
    Ok(())
}

/// Runs `f` as if it were `at` (demo requests received in the past).
fn as_of<T>(at: chrono::NaiveDateTime, f: impl FnOnce() -> T) -> T {
    let clock = crate::clock::Clock::system();
    clock.set(at);
    let _past = crate::clock::enter(clock);
    f()
}
