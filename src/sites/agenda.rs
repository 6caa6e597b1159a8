//! The sites' local events in the regional agenda and its iCalendar feeds: what sites
//! provide as `content::AgendaSource` (content never names sites).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::service::SiteEvent;
use crate::content::AgendaEntry;
use crate::db::{DbConnection, schema::*};
use crate::error::AppResult;

/// Events starting from `from` to before `to` (UTC) at the sites of a department (none: all),
/// with the site's name and place and the event's page, where people register.
pub fn entries(
    conn: &mut DbConnection,
    department: Option<&str>,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> AppResult<Vec<AgendaEntry>> {
    // Events are stored in the site's local time, as the coordinator typed them.
    let (from, to) = (
        crate::clock::utc_to_paris(from),
        crate::clock::utc_to_paris(to),
    );
    let mut query = site_events::table
        .inner_join(sites::table.inner_join(communes::table))
        .filter(site_events::starts_at.ge(from))
        .filter(site_events::starts_at.lt(to))
        .select((
            SiteEvent::as_select(),
            sites::name,
            sites::address,
            communes::name,
            communes::department,
        ))
        .order((site_events::starts_at, site_events::id))
        .into_boxed();
    if let Some(d) = department {
        query = query.filter(communes::department.eq(d.to_owned()));
    }
    let rows: Vec<(SiteEvent, String, String, String, String)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(e, site, address, commune, department)| {
            let places = match e.places_left() {
                None => "Entrée libre.".to_owned(),
                Some(0) => "Complet.".to_owned(),
                Some(n) => format!(
                    "Sur inscription : {}.",
                    crate::web::french::plural(n, "place disponible", "places disponibles")
                ),
            };
            AgendaEntry {
                uid: format!("site-event-{}", e.id),
                kind_label: e.kind_label().to_owned(),
                description: if e.description.is_empty() {
                    places
                } else {
                    format!("{}\n\n{places}", e.description)
                },
                title: e.title,
                starts_at: crate::clock::paris_to_utc(e.starts_at),
                ends_at: None,
                place: format!("{site}, {address}, {commune}"),
                organiser: site,
                department,
                path: format!("/evenements/{}", e.id),
                updated_at: e.created_at,
            }
        })
        .collect())
}
