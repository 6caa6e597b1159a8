//! Delegations: a company lets a training centre publish and manage its offers (applications
//! then go to the centre). Only the company's administrators grant and revoke one; the chamber
//! covering the company may record one on its behalf. Every change is audited. Imports never
//! add a delegation: a row may only name a company that delegated to the importer.

use serde::Serialize;

use super::store::{self, Organisation};
use crate::auth::CurrentUser;
use crate::auth::audit::{self, Event};
use crate::auth::policy::{Action, authorize};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::events::Events;
use crate::types::{OrgKind, Siret};

/// A training centre a company delegates to, as pages and the API show it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Delegate {
    /// The training centre's organisation id.
    pub id: String,
    pub name: String,
    pub siret: String,
}

/// The company and its reference for the policy; anything else (or a company the caller may
/// not see) is a 404.
fn company(conn: &mut DbConnection, by: &CurrentUser, id: &str) -> AppResult<Organisation> {
    let org = store::get(conn, id)?;
    let reference = store::policy_ref(conn, &org)?;
    authorize(by, &Action::ViewOrganisation(&reference)).map_err(|_| AppError::not_found())?;
    Ok(org)
}

/// The training centres a company delegates to, by name.
pub fn list(conn: &mut DbConnection, company_id: &str) -> AppResult<Vec<Delegate>> {
    Ok(store::delegates_of(conn, company_id)?
        .into_iter()
        .map(|(id, name, siret)| Delegate { id, name, siret })
        .collect())
}

/// The company's delegations, for whoever may see the company.
pub fn visible(
    conn: &mut DbConnection,
    by: &CurrentUser,
    company_id: &str,
) -> AppResult<Vec<Delegate>> {
    let org = company(conn, by, company_id)?;
    if org.kind() != OrgKind::Company {
        return Err(AppError::not_found());
    }
    list(conn, company_id)
}

/// The company (its administrator) or the chamber covering it lets the training centre with
/// this SIRET manage the company's offers. Returns the centre.
pub fn grant(
    conn: &mut DbConnection,
    by: &CurrentUser,
    company_id: &str,
    centre_siret: &Siret,
) -> AppResult<Delegate> {
    let org = company(conn, by, company_id)?;
    let reference = store::policy_ref(conn, &org)?;
    authorize(by, &Action::GrantDelegation(&reference))?;
    let centre = store::find_by_siret(conn, centre_siret.as_str())?
        .filter(|o| o.kind() == OrgKind::TrainingCentre)
        .ok_or_else(|| {
            AppError::unprocessable(
                "Aucun organisme de formation inscrit sur Passerelle n’a ce SIRET.",
            )
        })?;
    store::add_delegation(conn, company_id, &centre.id)?;
    audit::record(
        conn,
        Event::by(by, "delegation_granted")
            .on("organisation", company_id)
            .detail(&centre.id),
    )?;
    Ok(Delegate {
        id: centre.id,
        name: centre.name,
        siret: centre.siret.unwrap_or_default(),
    })
}

/// The company (its administrator) ends a delegation: from now on the centre neither creates
/// nor manages the company's offers, and what it managed for the company (offers, their
/// applications) goes back to the company through [`DELEGATION_REVOKED`](super::DELEGATION_REVOKED).
/// Returns the centre.
pub fn revoke(
    conn: &mut DbConnection,
    events: &Events,
    by: &CurrentUser,
    company_id: &str,
    centre_id: &str,
) -> AppResult<Delegate> {
    let org = company(conn, by, company_id)?;
    let reference = store::policy_ref(conn, &org)?;
    authorize(by, &Action::RevokeDelegation(&reference))?;
    let centre = list(conn, company_id)?
        .into_iter()
        .find(|d| d.id == centre_id)
        .ok_or_else(AppError::not_found)?;
    store::remove_delegation(conn, company_id, centre_id)?;
    events.publish(
        conn,
        super::DELEGATION_REVOKED,
        &[company_id.to_owned(), centre_id.to_owned()],
    )?;
    audit::record(
        conn,
        Event::by(by, "delegation_revoked")
            .on("organisation", company_id)
            .detail(centre_id),
    )?;
    Ok(centre)
}
