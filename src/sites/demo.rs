//! Demo data of the Espaces Métiers network: the Saint-Brieuc site of the demo host, a second
//! host in Lorient with its own coordinator and site, a few visits, an event open to
//! registration, two exhibitions and one booking (dates relative to the day it is loaded);
//! Saint-Brieuc's action plan of the year, submitted to the regional team.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use crate::auth::store::{self as users, NewUser};
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::AppResult;
use crate::organisations::store::{self as orgs, NewOrganisation};
use crate::types::{EmailAddress, OrgKind, OrgStatus, Role, UserStatus};

fn site(
    conn: &mut DbConnection,
    host: &str,
    name: &str,
    address: &str,
    commune: &str,
) -> AppResult<String> {
    let id = new_id();
    diesel::insert_into(sites::table)
        .values((
            sites::id.eq(&id),
            sites::host_id.eq(host),
            sites::name.eq(name),
            sites::address.eq(address),
            sites::commune_insee.eq(commune),
            sites::opening_hours.eq("Du lundi au vendredi, 9 h – 12 h 30 et 13 h 30 – 17 h 30\nLe mercredi jusqu’à 19 h"),
            sites::services.eq("Accueil sans rendez-vous, information sur les métiers, la formation et l’alternance\nAteliers collectifs et visites d’entreprises"),
            sites::resources.eq("Documentation ONISEP, 4 postes informatiques, casques de réalité virtuelle de découverte des métiers"),
            sites::created_at.eq(now()),
            sites::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Age band, situation, topic, group size, referral.
type Visit<'a> = (&'a str, &'a str, &'a str, i32, Option<&'a str>);

fn visit(
    conn: &mut DbConnection,
    site: &str,
    day: NaiveDate,
    (age, situation, topic, size, referred): Visit<'_>,
) -> AppResult<()> {
    diesel::insert_into(site_visits::table)
        .values((
            site_visits::id.eq(new_id()),
            site_visits::site_id.eq(site),
            site_visits::visited_on.eq(day),
            site_visits::age_band.eq(age),
            site_visits::situation.eq(situation),
            site_visits::topic.eq(topic),
            site_visits::group_size.eq(size),
            site_visits::referred_to.eq(referred),
            site_visits::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn load(
    conn: &mut DbConnection,
    ids: &HashMap<&'static str, String>,
    hash: &str,
) -> AppResult<()> {
    let today = crate::clock::today_paris();
    let brieuc = site(
        conn,
        &ids["site_host"],
        "Espace Métiers de Saint-Brieuc",
        "5 rue du Général Leclerc",
        "22278",
    )?;
    let departments = vec!["56".to_owned()];
    let lorient_host = orgs::create(
        conn,
        NewOrganisation {
            kind: OrgKind::SiteHost,
            name: "Mission Locale du Pays de Lorient",
            network: Some("Mission Locale"),
            siret: None,
            commune_insee: Some("56121"),
            status: OrgStatus::Active,
            departments: &departments,
        },
    )?;
    let email = EmailAddress::parse(&format!(
        "coordinatrice.lorient@{}",
        crate::types::DEMO_DOMAIN
    ))
    .expect("valid demo address");
    users::create(
        conn,
        NewUser {
            email: &email,
            password_hash: Some(hash.to_owned()),
            first_name: "Servane",
            last_name: "Le Dantec",
            role: Role::SiteCoordinator,
            organisation_id: Some(&lorient_host),
            is_org_admin: true,
            status: UserStatus::Active,
            email_verified: true,
            birth_date: None,
        },
    )?;
    let lorient = site(
        conn,
        &lorient_host,
        "Espace Métiers de Lorient",
        "2 quai des Indes",
        "56121",
    )?;
    let visits: &[(i64, Visit<'_>)] = &[
        (
            0,
            (
                "16_25",
                "job_seeker",
                "alternance",
                1,
                Some("mission_locale"),
            ),
        ),
        (0, ("under_16", "pupil", "discover_trades", 24, None)),
        (1, ("16_25", "pupil", "orientation", 1, None)),
        (
            2,
            (
                "26_44",
                "employee",
                "career_change",
                1,
                Some("transitions_pro"),
            ),
        ),
        (3, ("16_25", "student", "training", 1, None)),
        (5, ("45_plus", "parent", "orientation", 1, None)),
        (
            8,
            (
                "16_25",
                "job_seeker",
                "job_search",
                1,
                Some("france_travail"),
            ),
        ),
        (35, ("26_44", "job_seeker", "training", 1, None)),
    ];
    for (days_ago, v) in visits {
        visit(conn, &brieuc, today - Duration::days(*days_ago), *v)?;
    }
    for (days_ago, v) in &visits[..3] {
        visit(conn, &lorient, today - Duration::days(*days_ago), *v)?;
    }
    let event_day = today + Duration::days(10);
    diesel::insert_into(site_events::table)
        .values((
            site_events::id.eq(new_id()),
            site_events::site_id.eq(&brieuc),
            site_events::kind.eq("workshop"),
            site_events::title.eq("Atelier : réussir sa recherche de contrat d’alternance"),
            site_events::description.eq("Deux heures pour préparer son CV, repérer les entreprises qui recrutent et s’entraîner à l’entretien."),
            site_events::starts_at.eq(event_day.and_hms_opt(14, 0, 0).expect("valid time")),
            site_events::capacity.eq(Some(12)),
            site_events::registered.eq(0),
            site_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    let mut exhibition_ids = Vec::new();
    for (title, description) in [
        (
            "Les métiers de la mer",
            "Douze panneaux et un film sur la pêche, la construction navale, l’aquaculture et la marine marchande.",
        ),
        (
            "Industrie : les métiers de demain",
            "Une exposition interactive sur l’usine d’aujourd’hui : robotique, maintenance, conduite de ligne.",
        ),
    ] {
        let id = new_id();
        diesel::insert_into(exhibitions::table)
            .values((
                exhibitions::id.eq(&id),
                exhibitions::title.eq(title),
                exhibitions::description.eq(description),
                exhibitions::requirements.eq("40 m² au sol, deux prises électriques"),
                exhibitions::created_at.eq(now()),
                exhibitions::updated_at.eq(now()),
            ))
            .execute(conn)?;
        exhibition_ids.push(id);
    }
    // Lorient shows the sea trades in three weeks, a day of transport on each side.
    let (start, end) = (today + Duration::days(21), today + Duration::days(34));
    let booking = new_id();
    diesel::insert_into(exhibition_bookings::table)
        .values((
            exhibition_bookings::id.eq(&booking),
            exhibition_bookings::exhibition_id.eq(&exhibition_ids[0]),
            exhibition_bookings::site_id.eq(&lorient),
            exhibition_bookings::starts_on.eq(start),
            exhibition_bookings::ends_on.eq(end),
            exhibition_bookings::transport_days_before.eq(1),
            exhibition_bookings::transport_days_after.eq(1),
            exhibition_bookings::booked_by.eq(None::<String>),
            exhibition_bookings::created_at.eq(now()),
        ))
        .execute(conn)?;
    let mut day = start - Duration::days(1);
    while day <= end + Duration::days(1) {
        diesel::insert_into(exhibition_booked_days::table)
            .values((
                exhibition_booked_days::exhibition_id.eq(&exhibition_ids[0]),
                exhibition_booked_days::day.eq(day),
                exhibition_booked_days::booking_id.eq(&booking),
            ))
            .execute(conn)?;
        day += Duration::days(1);
    }
    plan(conn, &brieuc, chrono::Datelike::year(&today))
}

/// Saint-Brieuc's plan of the year: two objectives, three actions, submitted.
fn plan(conn: &mut DbConnection, site: &str, year: i32) -> AppResult<()> {
    let plan = new_id();
    diesel::insert_into(site_plans::table)
        .values((
            site_plans::id.eq(&plan),
            site_plans::site_id.eq(site),
            site_plans::year.eq(year),
            site_plans::status.eq(super::model::PlanStatus::Submitted.as_str()),
            site_plans::review_comment.eq(""),
            site_plans::submitted_at.eq(Some(now())),
            site_plans::created_at.eq(now()),
            site_plans::updated_at.eq(now()),
        ))
        .execute(conn)?;
    for (text, target) in [
        ("Accueillir plus de jeunes de 16 à 25 ans", Some(600)),
        (
            "Faire découvrir les métiers de l’industrie aux collégiens du Pays de Saint-Brieuc",
            Some(8),
        ),
    ] {
        diesel::insert_into(site_plan_objectives::table)
            .values((
                site_plan_objectives::id.eq(new_id()),
                site_plan_objectives::plan_id.eq(&plan),
                site_plan_objectives::text.eq(text),
                site_plan_objectives::target.eq(target),
                site_plan_objectives::achieved.eq(None::<i32>),
                site_plan_objectives::comment.eq(""),
                site_plan_objectives::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    for (title, period, audience, partner) in [
        (
            "Ateliers « réussir sa recherche de contrat d’alternance »",
            "Chaque mois",
            "Jeunes de 16 à 25 ans",
            "Mission Locale",
        ),
        (
            "Visites d’entreprises industrielles",
            "Printemps",
            "Classes de 4e et 3e",
            "UIMM Bretagne",
        ),
        (
            "Accueil de l’exposition « Industrie : les métiers de demain »",
            "Automne",
            "Tout public",
            "",
        ),
    ] {
        diesel::insert_into(site_plan_actions::table)
            .values((
                site_plan_actions::id.eq(new_id()),
                site_plan_actions::plan_id.eq(&plan),
                site_plan_actions::title.eq(title),
                site_plan_actions::period.eq(period),
                site_plan_actions::audience.eq(audience),
                site_plan_actions::partner.eq(partner),
                site_plan_actions::status.eq(super::model::PlanActionStatus::Planned.as_str()),
                site_plan_actions::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}
