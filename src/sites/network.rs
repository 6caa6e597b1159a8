//! The shape of the network: a site may be a relay (« site relais ») of a central site. The
//! regional team attaches and detaches relays; the central site's coordinators see their
//! relays' figures with theirs; the public page of a site names its central site or relays.

use diesel::prelude::*;
use serde::Deserialize;

use super::service::{SiteCard, get, relays_of};
use crate::auth::CurrentUser;
use crate::auth::policy::{Action, authorize};
use crate::db::{DbConnection, now, schema::*};
use crate::error::AppResult;

/// A site's place in the network: the central site it relays, or the relays it leads.
pub struct Network {
    pub central: Option<SiteCard>,
    pub relays: Vec<SiteCard>,
}

pub fn network(conn: &mut DbConnection, card: &SiteCard) -> AppResult<Network> {
    let central = match &card.site.central_site_id {
        Some(id) => Some(get(conn, id)?),
        None => None,
    };
    let relays = relays_of(conn, std::slice::from_ref(&card.site.id))?;
    Ok(Network { central, relays })
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct AttachInput {
    /// The central site's id; empty: detach.
    #[serde(default)]
    pub central_site_id: String,
}

/// Attaches a site to a central site, or detaches it (empty choice). One level only: a
/// central site is not itself a relay, and a site with relays cannot become one.
pub fn attach(
    conn: &mut DbConnection,
    user: &CurrentUser,
    site_id: &str,
    input: &AttachInput,
) -> AppResult<Result<Option<String>, Vec<String>>> {
    authorize(user, &Action::AttachRelaySite)?;
    let site = get(conn, site_id)?;
    let central = match input.central_site_id.trim() {
        "" => None,
        id if id == site_id => {
            return Ok(Err(vec![
                "Un site ne peut pas être le relais de lui-même.".to_owned(),
            ]));
        }
        id => {
            let Ok(central) = get(conn, id) else {
                return Ok(Err(vec!["Choisissez le site central.".to_owned()]));
            };
            if central.site.central_site_id.is_some() {
                return Ok(Err(vec![format!(
                    "« {} » est lui-même un site relais : choisissez un site central.",
                    central.site.name
                )]));
            }
            if !relays_of(conn, std::slice::from_ref(&site.site.id))?.is_empty() {
                return Ok(Err(vec![format!(
                    "« {} » a ses propres sites relais : il ne peut pas devenir relais.",
                    site.site.name
                )]));
            }
            Some(central.site.id)
        }
    };
    diesel::update(sites::table.find(site_id))
        .set((
            sites::central_site_id.eq(&central),
            sites::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Ok(central))
}
