//! Demo actions of "Cap sur les métiers": two actions of the demo bakery (a visit of the
//! bakehouse on request, a talk in class on a set date), and a need of the demo school (a
//! class that can go to Rennes) with the bakery's proposal waiting for the teacher.

use std::collections::HashMap;

use chrono::Duration;
use diesel::prelude::*;

use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::AppResult;

pub fn load(conn: &mut DbConnection, ids: &HashMap<&'static str, String>) -> AppResult<()> {
    let today = crate::clock::today_paris();
    let rennes = crate::referential::store::commune(conn, "35238")?;
    let (lat, lon) = rennes.map_or((None, None), |c| (c.lat, c.lon));
    let mut analyzer = crate::search::analyzer::french_analyzer();
    for (kind, title, description, romes, levels, capacity, date) in [
        (
            "company_visit",
            "Visite du fournil de la Boulangerie Le Goff",
            "Le groupe découvre le fournil au petit matin avec un boulanger et ses apprentis : pétrissage, façonnage, cuisson du pain et des viennoiseries.",
            " D1102 D1104 ",
            " college lycee ",
            15,
            None,
        ),
        (
            "class_talk",
            "Un boulanger dans votre classe",
            "Un artisan boulanger et son apprentie viennent présenter le métier, l’apprentissage et le CAP, avec dégustation.",
            " D1102 ",
            " college lycee job_seekers ",
            30,
            Some(today + Duration::days(28)),
        ),
    ] {
        let terms =
            crate::search::analyzer::terms(&mut analyzer, &format!("{title} {description}"));
        diesel::insert_into(discovery_actions::table)
            .values((
                discovery_actions::id.eq(new_id()),
                discovery_actions::organisation_id.eq(&ids["company"]),
                discovery_actions::kind.eq(kind),
                discovery_actions::title.eq(title),
                discovery_actions::description.eq(description),
                discovery_actions::rome_codes.eq(romes),
                discovery_actions::levels.eq(levels),
                discovery_actions::capacity.eq(capacity),
                discovery_actions::commune_insee.eq("35238"),
                discovery_actions::lat.eq(lat),
                discovery_actions::lon.eq(lon),
                discovery_actions::on_request.eq(date.is_none()),
                discovery_actions::starts_on.eq(date),
                discovery_actions::ends_on.eq(date),
                discovery_actions::search_terms.eq(format!(" {} ", terms.join(" "))),
                discovery_actions::active.eq(true),
                discovery_actions::created_at.eq(now()),
                discovery_actions::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    load_need(conn, ids, lat, lon)
}

/// The demo school's need for its bakers' class, and the bakery's proposal.
fn load_need(
    conn: &mut DbConnection,
    ids: &HashMap<&'static str, String>,
    lat: Option<f64>,
    lon: Option<f64>,
) -> AppResult<()> {
    let today = crate::clock::today_paris();
    let teacher: Option<String> = users::table
        .filter(users::organisation_id.eq(&ids["school"]))
        .filter(users::role.eq("teacher"))
        .select(users::id)
        .first(conn)
        .optional()?;
    let need = new_id();
    diesel::insert_into(discovery_needs::table)
        .values((
            discovery_needs::id.eq(&need),
            discovery_needs::school_id.eq(&ids["school"]),
            discovery_needs::teacher_id.eq(teacher),
            discovery_needs::class_name.eq("2de Bac pro Boulanger-pâtissier"),
            discovery_needs::level.eq("lycee"),
            discovery_needs::group_size.eq(12),
            discovery_needs::period_from.eq(today + Duration::days(14)),
            discovery_needs::period_to.eq(today + Duration::days(60)),
            discovery_needs::commune_insee.eq("35238"),
            discovery_needs::lat.eq(lat),
            discovery_needs::lon.eq(lon),
            discovery_needs::radius_km.eq(30),
            discovery_needs::rome_codes.eq(" D1102 "),
            discovery_needs::message
                .eq("Voyage d’études à Rennes : la classe aimerait voir un fournil en activité."),
            discovery_needs::status.eq("open"),
            discovery_needs::created_at.eq(now()),
            discovery_needs::updated_at.eq(now()),
        ))
        .execute(conn)?;
    diesel::insert_into(discovery_proposals::table)
        .values((
            discovery_proposals::id.eq(new_id()),
            discovery_proposals::need_id.eq(&need),
            discovery_proposals::organisation_id.eq(&ids["company"]),
            discovery_proposals::kind.eq("company_visit"),
            discovery_proposals::proposed_date.eq(today + Duration::days(21)),
            discovery_proposals::message
                .eq("Visite du fournil à 8 h, puis atelier façonnage avec nos apprentis."),
            discovery_proposals::status.eq("proposed"),
            discovery_proposals::created_at.eq(now()),
            discovery_proposals::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
