//! Pages and API of organisations: identity card and staff, invitations, the chambers'
//! validation queue, and the regional administrator's pages (accounts, organisations,
//! mail outbox and jobs, audit log).

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::delegations::{self, Delegate};
use super::store::{self, NewOrganisation, Organisation};
use crate::AppState;
use crate::auth::accounts;
use crate::auth::audit::{self, AuditEntry, Event};
use crate::auth::policy::{Action, Rows, Scope, authorize, scope};
use crate::auth::store::User;
use crate::auth::{CurrentUser, SessionHandle, service};
use crate::error::{AppError, AppResult};
use crate::jobs::Job;
use crate::mail::OutboxMail;
use crate::types::{EmailAddress, OrgKind, OrgStatus, Role, Siret, UserStatus};
use crate::web::extract::{Form, Path, Query, non_empty};
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .merge(super::signup::pages())
        .route("/organisation", get(my_organisation))
        .route("/organisations/{id}", get(organisation_page))
        .route("/organisations/{id}/invitations", post(invite))
        .route("/organisations/{id}/delegations", post(delegate))
        .route(
            "/organisations/{id}/delegations/{centre}/revoquer",
            post(revoke_delegation),
        )
        .route("/validations", get(validation_queue))
        .route("/validations/{id}", post(decide))
        .route("/admin/comptes", get(admin_accounts))
        .route("/admin/comptes/{id}/role", post(change_role))
        .route("/admin/comptes/{id}/statut", post(change_status))
        .route(
            "/admin/organisations",
            get(admin_organisations).post(create_organisation),
        )
        .route("/admin/courriels", get(admin_outbox))
        .route("/admin/journal", get(admin_audit))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_organisation))
        .routes(routes!(api_delegations, api_grant_delegation))
        .routes(routes!(api_revoke_delegation))
}

/// An organisation as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
struct OrganisationView {
    #[serde(flatten)]
    organisation: Organisation,
    departments: Vec<String>,
}

/// One organisation, if the caller may see it (its own; for a chamber, the companies of
/// its territory; everything for the regional administrator).
#[utoipa::path(get, path = "/{id}", operation_id = "get_organisation", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = OrganisationView), (status = 404, body = crate::error::ErrorBody)))]
async fn get_organisation(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<OrganisationView>> {
    let (organisation, departments) = load_visible(&state, &me, id).await?;
    Ok(Json(OrganisationView {
        organisation,
        departments,
    }))
}

/// Loads an organisation the caller may see; another organisation's record is a 404, so
/// that guessing identifiers teaches nothing.
async fn load_visible(
    state: &AppState,
    me: &CurrentUser,
    id: String,
) -> AppResult<(Organisation, Vec<String>)> {
    let me = me.clone();
    state
        .db
        .run(move |conn| {
            let org = store::get(conn, &id)?;
            let reference = store::policy_ref(conn, &org)?;
            authorize(&me, &Action::ViewOrganisation(&reference))
                .map_err(|_| AppError::not_found())?;
            Ok((org, reference.departments))
        })
        .await
}

#[derive(Template)]
#[template(path = "organisations/show.html")]
struct OrganisationPage {
    page: Page,
    org: Organisation,
    /// The departments it covers, named: `Ille-et-Vilaine (35)`.
    department_names: Vec<String>,
    staff: Vec<User>,
    can_invite: bool,
    roles: Vec<Role>,
    errors: Vec<String>,
    /// Training centres managing this company's offers (for a company).
    delegates: Vec<Delegate>,
    /// The caller may let a training centre manage the company's offers.
    can_delegate: bool,
    /// The caller may end a delegation.
    can_revoke: bool,
}

async fn my_organisation(me: CurrentUser) -> AppResult<Response> {
    match &me.organisation_id {
        Some(id) => Ok(see_other(&format!("/organisations/{id}"))),
        None => Err(AppError::not_found()),
    }
}

async fn show(
    state: &AppState,
    page: Page,
    me: &CurrentUser,
    id: String,
    errors: Vec<String>,
) -> AppResult<Response> {
    let (org, departments) = load_visible(state, me, id.clone()).await?;
    let is_company = org.kind() == OrgKind::Company;
    let codes = departments.clone();
    let (staff, delegates, department_names) = state
        .db
        .run(move |conn| {
            let delegates = if is_company {
                delegations::list(conn, &id)?
            } else {
                Vec::new()
            };
            // People read « Ille-et-Vilaine (35) », not a bare code.
            let names = crate::referential::store::departments_all(conn)?;
            let department_names = codes
                .iter()
                .map(|code| match names.iter().find(|d| &d.code == code) {
                    Some(d) => format!("{} ({code})", d.name),
                    None => code.clone(),
                })
                .collect();
            Ok((store::staff(conn, &id)?, delegates, department_names))
        })
        .await?;
    let reference = crate::auth::policy::OrgRef {
        id: org.id.clone(),
        kind: org.kind(),
        departments,
    };
    let can_delegate = crate::auth::policy::allows(me, &Action::GrantDelegation(&reference));
    let can_revoke = crate::auth::policy::allows(me, &Action::RevokeDelegation(&reference));
    let roles: Vec<Role> = Role::ALL
        .iter()
        .copied()
        .filter(|r| r.organisation_kind() == Some(org.kind()))
        .filter(|&role| {
            let grant = Action::GrantRole {
                org: Some(&reference),
                role,
            };
            crate::auth::policy::allows(me, &grant)
        })
        .collect();
    let can_invite =
        crate::auth::policy::allows(me, &Action::ManageStaff(&reference)) && !roles.is_empty();
    render(&OrganisationPage {
        page: page.titled(org.name.clone()),
        org,
        department_names,
        staff,
        can_invite,
        roles,
        errors,
        delegates,
        can_delegate,
        can_revoke,
    })
}

async fn organisation_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    show(&state, page, &me, id, Vec::new()).await
}

#[derive(Deserialize)]
struct InviteForm {
    email: String,
    first_name: String,
    last_name: String,
    role: String,
}

async fn invite(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<InviteForm>,
) -> AppResult<Response> {
    let (org, departments) = load_visible(&state, &me, id.clone()).await?;
    let reference = crate::auth::policy::OrgRef {
        id: org.id.clone(),
        kind: org.kind(),
        departments,
    };
    authorize(&me, &Action::ManageStaff(&reference))?;
    let mut errors = Vec::new();
    let email = EmailAddress::parse(&form.email)
        .map_err(|m| errors.push(m.to_owned()))
        .ok();
    if form.first_name.trim().is_empty() || form.last_name.trim().is_empty() {
        errors.push("Indiquez le prénom et le nom de la personne invitée.".into());
    }
    let role = Role::parse(&form.role).filter(|r| r.organisation_kind() == Some(org.kind()));
    match role {
        None => errors.push("Ce rôle n’existe pas pour ce type d’organisation.".into()),
        Some(role) => {
            let grant = Action::GrantRole {
                org: Some(&reference),
                role,
            };
            if !crate::auth::policy::allows(&me, &grant) {
                return Err(AppError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "forbidden",
                    format!(
                        "Vous ne pouvez pas donner le rôle « {} » : seul·e un·e administrateur·rice régional·e le peut.",
                        role.label()
                    ),
                ));
            }
        }
    }
    if let (true, Some(email), Some(role)) = (errors.is_empty(), email, role) {
        let base = state.config.base_url();
        let who = me.clone();
        let org_id = id.clone();
        let result = state
            .db
            .tx(move |conn| {
                let invitation = service::Invitation {
                    organisation_id: &org_id,
                    email: &email,
                    first_name: &form.first_name,
                    last_name: &form.last_name,
                    role,
                };
                service::invite(conn, &base, &who, invitation)
            })
            .await;
        match result {
            Ok(_) => {
                session.set_flash("L’invitation est envoyée. La personne choisira son mot de passe depuis le lien reçu.").await?;
                return Ok(see_other(&format!("/organisations/{id}")));
            }
            Err(e) if e.status().is_client_error() => errors.push(e.message().to_owned()),
            Err(e) => return Err(e),
        }
    }
    let response = show(&state, page, &me, id, errors).await?;
    Ok(form::rerender(response))
}

#[derive(Deserialize, utoipa::ToSchema)]
struct DelegationForm {
    /// SIRET of the training centre.
    siret: String,
}

/// A company (its administrator), or the chamber covering it, lets a training centre manage
/// its offers; applications then go to the centre.
async fn delegate(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<DelegationForm>,
) -> AppResult<Response> {
    let siret = match Siret::parse(&form.siret) {
        Ok(s) => s,
        Err(m) => {
            let response = show(&state, page, &me, id, vec![m.to_owned()]).await?;
            return Ok(form::rerender(response));
        }
    };
    let who = me.clone();
    let company = id.clone();
    let result = state
        .db
        .tx(move |conn| delegations::grant(conn, &who, &company, &siret))
        .await;
    match result {
        Ok(centre) => {
            session.set_flash(format!("« {} » peut désormais publier et gérer les offres de l’entreprise ; les candidatures lui seront adressées.", centre.name)).await?;
            Ok(see_other(&format!("/organisations/{id}")))
        }
        Err(e) if e.status() == axum::http::StatusCode::UNPROCESSABLE_ENTITY => {
            let response = show(&state, page, &me, id, vec![e.message().to_owned()]).await?;
            Ok(form::rerender(response))
        }
        Err(e) => Err(e),
    }
}

/// The company ends a delegation from its page.
async fn revoke_delegation(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path((id, centre)): Path<(String, String)>,
) -> AppResult<Response> {
    let who = me.clone();
    let company = id.clone();
    let app = state.clone();
    let centre = state
        .db
        .tx(move |conn| delegations::revoke(conn, &app.registry.events, &who, &company, &centre))
        .await?;
    session
        .set_flash(format!(
            "« {} » ne gère plus vos offres : il ne peut plus en publier ni en modifier pour vous.",
            centre.name
        ))
        .await?;
    Ok(see_other(&format!("/organisations/{id}")))
}

/// The training centres a company delegates the management of its offers to.
#[utoipa::path(get, path = "/{id}/delegations", operation_id = "list_delegations", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Company id")),
    responses((status = 200, body = Vec<Delegate>), (status = 404, body = crate::error::ErrorBody)))]
async fn api_delegations(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Delegate>>> {
    state
        .db
        .run(move |conn| delegations::visible(conn, &me, &id))
        .await
        .map(Json)
}

/// The company (its administrator), or the chamber covering it, lets the training centre with
/// this SIRET publish and manage the company's offers. Audited.
#[utoipa::path(post, path = "/{id}/delegations", operation_id = "grant_delegation", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Company id")), request_body = DelegationForm,
    responses((status = 201, body = Delegate), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_grant_delegation(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(form): crate::web::extract::Json<DelegationForm>,
) -> AppResult<(axum::http::StatusCode, Json<Delegate>)> {
    let siret = Siret::parse(&form.siret).map_err(AppError::unprocessable)?;
    let centre = state
        .db
        .tx(move |conn| delegations::grant(conn, &me, &id, &siret))
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(centre)))
}

/// The company (its administrator) ends a delegation: from now on the centre neither creates
/// nor manages the company's offers. Audited.
#[utoipa::path(delete, path = "/{id}/delegations/{centre_id}", operation_id = "revoke_delegation", tag = "accounts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Company id"), ("centre_id" = String, Path, description = "Training centre id")),
    responses((status = 200, body = Delegate), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn api_revoke_delegation(
    State(state): State<AppState>,
    me: CurrentUser,
    Path((id, centre_id)): Path<(String, String)>,
) -> AppResult<Json<Delegate>> {
    let app = state.clone();
    state
        .db
        .tx(move |conn| delegations::revoke(conn, &app.registry.events, &me, &id, &centre_id))
        .await
        .map(Json)
}

// ---- Validation of companies by the chambers ----

#[derive(Template)]
#[template(path = "organisations/validations.html")]
struct ValidationQueue {
    page: Page,
    /// Each company waiting, with its commune as people read it (« Rennes (35000) »).
    pending: Vec<(Organisation, String)>,
    departments: Vec<String>,
}

async fn validation_queue(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ViewValidationQueue)?;
    let territory = scope(&me, Rows::Territory);
    // A chamber is told which departments it validates; the regional team validates all.
    let departments = match &territory {
        Scope::Departments(d) => d
            .iter()
            .map(|code| crate::referential::departments::label(code))
            .collect(),
        _ => Vec::new(),
    };
    let pending = state
        .db
        .run(move |conn| {
            let departments = territory.department_codes(conn)?;
            let mut pending = Vec::new();
            for org in store::pending_companies(conn, &departments)? {
                let commune = match org.commune_insee.as_deref() {
                    Some(code) => crate::referential::store::commune(conn, code)?
                        .map_or_else(|| code.to_owned(), |c| c.label_with_department()),
                    None => String::new(),
                };
                pending.push((org, commune));
            }
            Ok(pending)
        })
        .await?;
    render(&ValidationQueue {
        page: page.titled("Entreprises à valider"),
        pending,
        departments,
    })
}

#[derive(Deserialize)]
struct DecisionForm {
    decision: String,
    reason: Option<String>,
}

async fn decide(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let approve = match form.decision.as_str() {
        "valider" => true,
        "refuser" => false,
        _ => {
            return Err(AppError::bad_request(
                "Décision inconnue : choisissez « valider » ou « refuser ».",
            ));
        }
    };
    let reason = non_empty(&form.reason).map(str::to_owned);
    if !approve && reason.is_none() {
        session
            .set_flash("Pour refuser une entreprise, indiquez le motif : il lui sera communiqué.")
            .await?;
        return Ok(see_other("/validations"));
    }
    let base = state.config.base_url();
    let who = me.clone();
    let name = state
        .db
        .tx(move |conn| {
            let org = store::get(conn, &id)?;
            let reference = store::policy_ref(conn, &org)?;
            authorize(&who, &Action::ValidateCompany(&reference))?;
            store::decide(conn, &id, &who.id, approve, reason.as_deref())?;
            let action = if approve {
                "organisation_validated"
            } else {
                "organisation_rejected"
            };
            audit::record(conn, Event::by(&who, action).on("organisation", &id))?;
            let reason = reason.clone().unwrap_or_default();
            for member in store::staff(conn, &id)? {
                if approve {
                    let mail = super::mails::Validated {
                        name: &org.name,
                        base_url: &base,
                    };
                    crate::mail::enqueue(conn, &member.email, &mail)?;
                } else {
                    let mail = super::mails::Rejected {
                        name: &org.name,
                        reason: &reason,
                    };
                    crate::mail::enqueue(conn, &member.email, &mail)?;
                }
            }
            Ok(org.name)
        })
        .await?;
    let message = if approve {
        format!("« {name} » est validée.")
    } else {
        format!("« {name} » est refusée ; le motif lui a été envoyé.")
    };
    session.set_flash(message).await?;
    Ok(see_other("/validations"))
}

// ---- Regional administration ----

#[derive(Template)]
#[template(path = "organisations/admin_accounts.html")]
struct AdminAccounts {
    page: Page,
    users: Vec<(User, Option<String>)>,
    roles: &'static [Role],
    q: String,
}

#[derive(Deserialize)]
struct AccountSearch {
    q: Option<String>,
}

async fn admin_accounts(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Query(search): Query<AccountSearch>,
) -> AppResult<Response> {
    authorize(&me, &Action::AdministerAccounts)?;
    let q = search.q.unwrap_or_default();
    let needle = crate::types::fold(q.trim());
    let users = state
        .db
        .run(move |conn| accounts::search(conn, &needle))
        .await?;
    render(&AdminAccounts {
        page: page.titled("Comptes"),
        users,
        roles: Role::ALL,
        q,
    })
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

async fn change_role(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    authorize(&me, &Action::AdministerAccounts)?;
    let role = Role::parse(&form.role).ok_or_else(|| AppError::bad_request("Rôle inconnu."))?;
    let target = id.clone();
    let organisation = state
        .db
        .run(move |conn| {
            let user = crate::auth::store::by_id(conn, &target)?.ok_or_else(AppError::not_found)?;
            match user.organisation_id {
                Some(org) => {
                    let org = store::get(conn, &org)?;
                    store::policy_ref(conn, &org).map(Some)
                }
                None => Ok(None),
            }
        })
        .await?;
    authorize(
        &me,
        &Action::GrantRole {
            org: organisation.as_ref(),
            role,
        },
    )?;
    let who = me.clone();
    state
        .db
        .tx(move |conn| accounts::change_role(conn, &who, &id, role))
        .await?;
    session
        .set_flash("Le rôle est modifié ; la personne devra se reconnecter.")
        .await?;
    Ok(see_other("/admin/comptes"))
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

async fn change_status(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    authorize(&me, &Action::AdministerAccounts)?;
    let status = match form.status.as_str() {
        "disabled" => UserStatus::Disabled,
        "active" => UserStatus::Active,
        _ => return Err(AppError::bad_request("Statut inconnu.")),
    };
    let who = me.clone();
    state
        .db
        .tx(move |conn| accounts::change_status(conn, &who, &id, status))
        .await?;
    let message = if status == UserStatus::Disabled {
        "Le compte est désactivé et ses sessions fermées."
    } else {
        "Le compte est réactivé."
    };
    session.set_flash(message).await?;
    Ok(see_other("/admin/comptes"))
}

#[derive(Template)]
#[template(path = "organisations/admin_organisations.html")]
struct AdminOrganisations {
    page: Page,
    organisations: Vec<Organisation>,
    kinds: &'static [OrgKind],
    errors: Vec<String>,
}

async fn admin_organisations_page(
    state: &AppState,
    page: Page,
    errors: Vec<String>,
) -> AppResult<Response> {
    let organisations = state.db.run(|conn| store::list(conn, None)).await?;
    render(&AdminOrganisations {
        page: page.titled("Organisations"),
        organisations,
        kinds: OrgKind::ALL,
        errors,
    })
}

async fn admin_organisations(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ManageOrganisations)?;
    admin_organisations_page(&state, page, Vec::new()).await
}

#[derive(Deserialize)]
struct NewOrganisationForm {
    kind: String,
    name: String,
    network: Option<String>,
    siret: Option<String>,
    departments: String,
}

async fn create_organisation(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Form(form): Form<NewOrganisationForm>,
) -> AppResult<Response> {
    authorize(&me, &Action::ManageOrganisations)?;
    let mut errors = Vec::new();
    let kind = OrgKind::parse(&form.kind);
    if kind.is_none() {
        errors.push("Choisissez le type d’organisation.".into());
    }
    if form.name.trim().is_empty() {
        errors.push("Indiquez le nom de l’organisation.".into());
    }
    let siret = match non_empty(&form.siret).map(Siret::parse) {
        Some(Ok(s)) => Some(s),
        Some(Err(m)) => {
            errors.push(m.into());
            None
        }
        None => None,
    };
    let departments: Vec<String> = form
        .departments
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_uppercase)
        .collect();
    let known = state
        .db
        .run(crate::referential::store::departments_all)
        .await?;
    for d in &departments {
        if !known.iter().any(|k| &k.code == d) {
            errors.push(format!("Le département « {d} » n’existe pas."));
        }
    }
    if let (true, Some(kind)) = (errors.is_empty(), kind) {
        let who = me.clone();
        let name = form.name.clone();
        let network = non_empty(&form.network).map(str::to_owned);
        let result = state
            .db
            .tx(move |conn| {
                let id = store::create(
                    conn,
                    NewOrganisation {
                        kind,
                        name: &name,
                        network: network.as_deref(),
                        siret: siret.as_ref(),
                        commune_insee: None,
                        status: OrgStatus::Active,
                        departments: &departments,
                    },
                )?;
                audit::record(
                    conn,
                    Event::by(&who, "organisation_created").on("organisation", &id),
                )?;
                Ok(id)
            })
            .await;
        match result {
            Ok(id) => {
                session.set_flash("L’organisation est créée. Invitez maintenant son administrateur depuis sa fiche.").await?;
                return Ok(see_other(&format!("/organisations/{id}")));
            }
            Err(e) if e.status().is_client_error() => errors.push(e.message().to_owned()),
            Err(e) => return Err(e),
        }
    }
    let response = admin_organisations_page(&state, page, errors).await?;
    Ok(form::rerender(response))
}

#[derive(Template)]
#[template(path = "organisations/admin_outbox.html")]
struct AdminOutbox {
    page: Page,
    mails: Vec<OutboxMail>,
    jobs: Vec<Job>,
    transport: String,
}

async fn admin_outbox(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ViewOperations)?;
    let (mails, jobs) = state
        .db
        .run(|conn| {
            Ok((
                crate::mail::recent(conn, 100)?,
                crate::jobs::recent(conn, 100)?,
            ))
        })
        .await?;
    render(&AdminOutbox {
        page: page.titled("Courriels et tâches"),
        mails,
        jobs,
        transport: state.mailer.describe(),
    })
}

#[derive(Template)]
#[template(path = "organisations/admin_audit.html")]
struct AdminAudit {
    page: Page,
    entries: Vec<AuditEntry>,
}

async fn admin_audit(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ViewAuditLog)?;
    let entries = state.db.run(|conn| audit::recent(conn, None, 200)).await?;
    render(&AdminAudit {
        page: page.titled("Journal d’audit"),
        entries,
    })
}

/// Dashboard tile: the person's organisation.
pub async fn tiles(
    _state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    let mut tiles = Vec::new();
    if me.organisation_id.is_some() {
        tiles.push(crate::web::dashboard::Tile {
            href: "/organisation",
            title: "Mon organisation",
            text: if me.is_org_admin {
                "Fiche de l’organisation, équipe et invitations.".into()
            } else {
                "Fiche de l’organisation et équipe.".into()
            },
            figures: Vec::new(),
        });
    }
    Ok(tiles)
}

/// Dashboard tile: the companies waiting for the chamber's validation.
pub async fn validation_tiles(
    state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::auth::policy::{Action, allows};
    let mut tiles = Vec::new();
    if allows(&me, &Action::ViewValidationQueue) {
        let territory = scope(&me, Rows::Territory);
        let pending = state
            .db
            .run(move |conn| {
                let departments = territory.department_codes(conn)?;
                store::pending_companies(conn, &departments)
            })
            .await?
            .len();
        tiles.push(crate::web::dashboard::Tile {
            href: "/validations",
            title: "Entreprises à valider",
            text: match pending {
                0 => "Aucune entreprise n’attend de validation.".into(),
                1 => "1 entreprise attend votre validation.".into(),
                n => format!("{n} entreprises attendent votre validation."),
            },
            figures: vec![crate::web::dashboard::Figure::count(
                pending,
                "entreprise à valider",
                "entreprises à valider",
            )],
        });
    }
    Ok(tiles)
}

/// Dashboard tiles of the administration pages: accounts, organisations, mail and jobs,
/// audit log.
pub async fn admin_tiles(
    _state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::auth::policy::{Action, allows};
    let mut tiles = Vec::new();
    if allows(&me, &Action::AdministerAccounts) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/admin/comptes",
            title: "Comptes",
            text: "Rôles, désactivation des comptes.".into(),
            figures: Vec::new(),
        });
        tiles.push(crate::web::dashboard::Tile {
            href: "/admin/organisations",
            title: "Organisations",
            text: "Partenaires et territoires couverts.".into(),
            figures: Vec::new(),
        });
    }
    if allows(&me, &Action::ViewOperations) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/admin/courriels",
            title: "Courriels et tâches",
            text: "File d’envoi des courriels et tâches de fond.".into(),
            figures: Vec::new(),
        });
    }
    if allows(&me, &Action::ViewAuditLog) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/admin/journal",
            title: "Journal d’audit",
            text: "Connexions, changements de rôle, validations.".into(),
            figures: Vec::new(),
        });
    }
    Ok(tiles)
}

/// « Mon espace »: one's organisation, the companies to validate, the administration.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Action, allows};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if me.organisation_id.is_some() {
        links.push(NavLink::new("/organisation", "Mon organisation"));
    }
    if allows(me, &Action::ViewValidationQueue) {
        links.push(NavLink::new("/validations", "Entreprises à valider"));
    }
    if allows(me, &Action::AdministerAccounts) {
        links.push(NavLink::new("/admin/comptes", "Comptes"));
        links.push(NavLink::new("/admin/organisations", "Organisations"));
    }
    links
}
