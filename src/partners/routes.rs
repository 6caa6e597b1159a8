//! Pages and API of the partner directory and governance: the public directory and cards,
//! contacts kept by each partner, the regional team's list and governance pages, charter
//! versions, and the partner's "Ma convention" page.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::Step;
use super::service::{
    self, AdminFilter, CardView, CharterInput, ContactInput, DirectoryFilter, Governance,
    PaymentInput, ProfileInput, PublicCard, RenewalInput, Row, StepInput,
};
use super::store::CharterVersion;
use crate::AppState;
use crate::auth::policy::{Action, allows};
use crate::auth::{CurrentUser, MaybeUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::imports::profile::ImportProfile;
use crate::organisations::Organisation;
use crate::types::OrgKind;
use crate::web::extract::{Form, Path, Query};
use crate::web::filters::SearchLinks;
use crate::web::json::Created;
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/partenaires", get(directory_page))
        .route("/partenaires/{id}", get(card_page))
        .route("/partenaires/{id}/fiche", post(card_save))
        .route("/partenaires/{id}/contacts", post(contact_add))
        .route(
            "/partenaires/{id}/contacts/{cid}/public",
            post(contact_public),
        )
        .route(
            "/partenaires/{id}/contacts/{cid}/suppression",
            post(contact_remove),
        )
        .route("/admin/partenaires", get(admin_list_page).post(admin_add))
        .route("/admin/partenaires/{id}", get(governance_page))
        .route("/admin/partenaires/{id}/etapes", post(step_record))
        .route("/admin/partenaires/{id}/renouvellements", post(renewal_add))
        .route("/admin/renouvellements/{id}/paiement", post(payment_record))
        .route("/admin/charte", get(charter_page).post(charter_publish))
        .route("/ma-convention", get(my_convention))
        .route("/ma-convention/signature", post(my_signature))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_directory))
        .routes(routes!(api_admin_list))
        .routes(routes!(api_charter, api_publish_charter))
        .routes(routes!(api_card))
        .routes(routes!(api_governance))
        .routes(routes!(api_step))
        .routes(routes!(api_sign))
        .routes(routes!(api_renewal))
        .routes(routes!(api_payment))
}

/// Kinds of organisation a partner may be.
const PARTNER_KINDS: &[OrgKind] = &[
    OrgKind::TrainingCentre,
    OrgKind::Chamber,
    OrgKind::EmploymentAgency,
    OrgKind::Funder,
    OrgKind::InformationPartner,
    OrgKind::School,
    OrgKind::SiteHost,
];

#[derive(Template)]
#[template(path = "partners/directory.html")]
struct DirectoryPage {
    page: Page,
    cards: Vec<PublicCard>,
    f: DirectoryFilter,
    kinds: &'static [OrgKind],
    departments: Vec<String>,
    /// The active filters, each removable.
    links: SearchLinks,
}

/// The directory's active filters, labelled as people read them.
fn directory_links(f: &DirectoryFilter) -> SearchLinks {
    let mut links = SearchLinks::new(
        "/partenaires",
        [
            ("type", f.kind.as_str()),
            ("departement", f.departement.as_str()),
        ],
    );
    links.chip(&["type"], |v| match OrgKind::parse(v) {
        Some(k) => format!("Type : {}", k.label()),
        None => format!("Type : {v}"),
    });
    links.chip(&["departement"], |v| {
        format!(
            "Département : {}",
            crate::referential::departments::label(v)
        )
    });
    links
}

/// Departments the listed partners cover, for the filter.
fn covered(cards: &[PublicCard]) -> Vec<String> {
    let mut all: Vec<String> = cards.iter().flat_map(|c| c.departments.clone()).collect();
    all.sort();
    all.dedup();
    all
}

async fn directory_page(
    State(state): State<AppState>,
    page: Page,
    Query(f): Query<DirectoryFilter>,
) -> AppResult<Response> {
    let filter = f.clone();
    let (cards, departments) = state
        .db
        .run(move |conn| {
            Ok((
                service::directory(conn, &filter)?,
                covered(&service::directory(conn, &DirectoryFilter::default())?),
            ))
        })
        .await?;
    render(&DirectoryPage {
        links: directory_links(&f),
        page: page.titled("Les partenaires de Passerelle"),
        cards,
        f,
        kinds: PARTNER_KINDS,
        departments,
    })
}

#[derive(Template)]
#[template(path = "partners/card.html")]
struct CardPage {
    page: Page,
    c: CardView,
    can_manage: bool,
    regional: bool,
    /// The contact form as typed, and its problems.
    contact: ContactInput,
    contact_errors: Vec<String>,
    /// The card form: the card as stored, or as typed with its problems.
    card: ProfileInput,
    card_errors: Vec<String>,
}

/// A form of the card page that was sent with problems: given back as typed.
enum CardRetry {
    Contact(ContactInput, Vec<String>),
    Card(ProfileInput, Vec<String>),
}

async fn card_page(
    State(state): State<AppState>,
    page: Page,
    MaybeUser(me): MaybeUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    card(&state, page, me, id, None).await
}

/// A partner's card; after a form sent with problems, with them and what was typed
/// (answered 422).
async fn card(
    state: &AppState,
    page: Page,
    me: Option<CurrentUser>,
    id: String,
    retry: Option<CardRetry>,
) -> AppResult<Response> {
    let who = me.clone();
    let (c, can_manage) = state
        .db
        .run(move |conn| {
            let c = service::card(conn, who.as_ref(), &id)?;
            let (_, _, reference) = service::partner(conn, &id)?;
            let can_manage = who
                .as_ref()
                .is_some_and(|u| allows(u, &Action::ManagePartnerCard(&reference)));
            Ok((c, can_manage))
        })
        .await?;
    let regional = me
        .as_ref()
        .is_some_and(|u| allows(u, &Action::ManagePartners));
    let stored = ProfileInput {
        platform_role: c.public.platform_role.clone(),
        website: c.public.website.clone().unwrap_or_default(),
        description: c.public.description.clone(),
        listed: if c.restricted.as_ref().is_some_and(|r| r.listed) {
            "oui".into()
        } else {
            String::new()
        },
        ..ProfileInput::default()
    };
    let (mut contact, mut contact_errors) = (ContactInput::default(), Vec::new());
    let (mut card, mut card_errors) = (stored, Vec::new());
    match retry {
        Some(CardRetry::Contact(typed, errors)) => (contact, contact_errors) = (typed, errors),
        Some(CardRetry::Card(typed, errors)) => (card, card_errors) = (typed, errors),
        None => {}
    }
    let status = if contact_errors.is_empty() && card_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = CardPage {
        page: page
            .titled(c.public.name.clone())
            .within(&[("Partenaires", "/partenaires")]),
        c,
        can_manage,
        regional,
        contact,
        contact_errors,
        card,
        card_errors,
    }
    .render()?;
    Ok((status, Html(html)).into_response())
}

async fn card_save(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ProfileInput>,
) -> AppResult<Response> {
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    let result = state
        .db
        .tx(move |conn| service::update_card(conn, &who, &key, &input))
        .await?;
    match result {
        Ok(_) => {
            session
                .set_flash("La fiche du partenaire est enregistrée.")
                .await?;
            Ok(see_other(&format!("/partenaires/{id}")))
        }
        Err(errors) => {
            card(
                &state,
                page,
                Some(me),
                id,
                Some(CardRetry::Card(form, errors)),
            )
            .await
        }
    }
}

async fn contact_add(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ContactInput>,
) -> AppResult<Response> {
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    let result = state
        .db
        .tx(move |conn| service::add_contact(conn, &who, &key, &input))
        .await?;
    match result {
        Ok(_) => {
            session.set_flash("Le contact est ajouté.").await?;
            Ok(see_other(&format!("/partenaires/{id}#contacts")))
        }
        Err(errors) => {
            card(
                &state,
                page,
                Some(me),
                id,
                Some(CardRetry::Contact(form, errors)),
            )
            .await
        }
    }
}

async fn contact_public(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path((id, cid)): Path<(String, String)>,
) -> AppResult<Response> {
    let key = id.clone();
    state
        .db
        .tx(move |conn| service::make_contact_public(conn, &me, &key, &cid))
        .await?;
    session
        .set_flash("Ce contact est désormais celui que l’annuaire public affiche.")
        .await?;
    Ok(see_other(&format!("/partenaires/{id}#contacts")))
}

async fn contact_remove(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path((id, cid)): Path<(String, String)>,
) -> AppResult<Response> {
    let key = id.clone();
    state
        .db
        .tx(move |conn| service::remove_contact(conn, &me, &key, &cid))
        .await?;
    session.set_flash("Le contact est supprimé.").await?;
    Ok(see_other(&format!("/partenaires/{id}#contacts")))
}

#[derive(Template)]
#[template(path = "partners/admin_list.html")]
struct AdminListPage {
    page: Page,
    rows: Vec<Row>,
    f: AdminFilter,
    kinds: &'static [OrgKind],
    departments: Vec<String>,
    candidates: Vec<Organisation>,
    /// The form to add a partner, as typed, and its problems.
    form: ProfileInput,
    errors: Vec<String>,
}

async fn admin_list_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Query(f): Query<AdminFilter>,
) -> AppResult<Response> {
    admin_list(&state, page, me, f, ProfileInput::default(), Vec::new()).await
}

/// The partners' list; after the form to add one was sent with problems, with them and what
/// was typed (answered 422).
async fn admin_list(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    f: AdminFilter,
    form: ProfileInput,
    errors: Vec<String>,
) -> AppResult<Response> {
    let filter = f.clone();
    let (rows, departments, candidates) = state
        .db
        .run(move |conn| {
            let all = service::admin_rows(
                conn,
                &me,
                &AdminFilter::default(),
                crate::clock::today_paris(),
            )?;
            let mut departments: Vec<String> =
                all.iter().flat_map(|r| r.departments.clone()).collect();
            departments.sort();
            departments.dedup();
            Ok((
                service::admin_rows(conn, &me, &filter, crate::clock::today_paris())?,
                departments,
                service::candidates_for_partnership(conn, &me)?,
            ))
        })
        .await?;
    let status = form::status(&errors);
    let html = render(&AdminListPage {
        page: page.titled("Partenaires : adhésion et conventions"),
        rows,
        f,
        kinds: PARTNER_KINDS,
        departments,
        candidates,
        form,
        errors,
    })?;
    Ok((status, html).into_response())
}

async fn admin_add(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<ProfileInput>,
) -> AppResult<Response> {
    let (who, input) = (me.clone(), form.clone());
    let result = state
        .db
        .tx(move |conn| service::add_partner(conn, &who, &input, crate::clock::today_paris()))
        .await?;
    match result {
        Ok(id) => {
            session
                .set_flash("Le partenaire est ajouté ; son parcours d’adhésion commence.")
                .await?;
            Ok(see_other(&format!("/admin/partenaires/{id}")))
        }
        Err(errors) => admin_list(&state, page, me, AdminFilter::default(), form, errors).await,
    }
}

#[derive(Template)]
#[template(path = "partners/governance.html")]
struct GovernancePage {
    page: Page,
    g: Governance,
    steps: &'static [Step],
    import_profiles: Vec<ImportProfile>,
    /// The step form as typed (today's date when nothing was), and its problems.
    step: StepInput,
    step_errors: Vec<String>,
    /// The renewal form as typed, and its problems.
    renewal: RenewalInput,
    renewal_errors: Vec<String>,
    /// The payment form of one renewal (its id) as typed, and its problems.
    payment_for: String,
    payment: PaymentInput,
    payment_errors: Vec<String>,
}

/// A form of the governance page that was sent with problems: given back as typed.
enum Retry {
    Step(StepInput, Vec<String>),
    Renewal(RenewalInput, Vec<String>),
    /// The renewal's id, the form, its problems.
    Payment(String, PaymentInput, Vec<String>),
}

async fn governance_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    governance(&state, page, me, id, None).await
}

/// The governance page; after a form sent with problems, with them and what was typed
/// (answered 422).
async fn governance(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    id: String,
    retry: Option<Retry>,
) -> AppResult<Response> {
    if !allows(&me, &Action::ManagePartners) {
        return Err(AppError::not_found());
    }
    let (g, import_profiles) = state
        .db
        .run(move |conn| {
            Ok((
                service::governance(conn, &me, &id, crate::clock::today_paris())?,
                crate::imports::service::profiles_of(conn, &id)?,
            ))
        })
        .await?;
    let mut step = StepInput {
        done_on: crate::web::date_fr(&crate::clock::today_paris()),
        ..StepInput::default()
    };
    let (mut step_errors, mut renewal, mut renewal_errors) =
        (Vec::new(), RenewalInput::default(), Vec::new());
    let (mut payment_for, mut payment, mut payment_errors) =
        (String::new(), PaymentInput::default(), Vec::new());
    match retry {
        Some(Retry::Step(typed, errors)) => (step, step_errors) = (typed, errors),
        Some(Retry::Renewal(typed, errors)) => (renewal, renewal_errors) = (typed, errors),
        Some(Retry::Payment(id, typed, errors)) => {
            (payment_for, payment, payment_errors) = (id, typed, errors)
        }
        None => {}
    }
    let status = if step_errors.is_empty() && renewal_errors.is_empty() && payment_errors.is_empty()
    {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = GovernancePage {
        page: page.titled(format!("Gouvernance – {}", g.partner.name)),
        g,
        steps: Step::ALL,
        import_profiles,
        step,
        step_errors,
        renewal,
        renewal_errors,
        payment_for,
        payment,
        payment_errors,
    }
    .render()?;
    Ok((status, Html(html)).into_response())
}

async fn step_record(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<StepInput>,
) -> AppResult<Response> {
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    let result = state
        .db
        .tx(move |conn| service::record_step(conn, &who, &key, &input, crate::clock::today_paris()))
        .await?;
    match result {
        Ok(step) => {
            session
                .set_flash(format!("Étape « {} » enregistrée.", step.label()))
                .await?;
            Ok(see_other(&format!("/admin/partenaires/{id}#parcours")))
        }
        Err(errors) => governance(&state, page, me, id, Some(Retry::Step(form, errors))).await,
    }
}

async fn renewal_add(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<RenewalInput>,
) -> AppResult<Response> {
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    let result = state
        .db
        .tx(move |conn| service::add_renewal(conn, &who, &key, &input, crate::clock::today_paris()))
        .await?;
    match result {
        Ok(_) => {
            session
                .set_flash("Le renouvellement et la cotisation demandée sont enregistrés.")
                .await?;
            Ok(see_other(&format!(
                "/admin/partenaires/{id}#renouvellements"
            )))
        }
        Err(errors) => governance(&state, page, me, id, Some(Retry::Renewal(form, errors))).await,
    }
}

async fn payment_record(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<PaymentInput>,
) -> AppResult<Response> {
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    let (org, result) = state
        .db
        .tx(move |conn| {
            let org = service::renewal_partner(conn, &who, &key)?;
            let result =
                service::record_payment(conn, &who, &key, &input, crate::clock::today_paris())?;
            Ok((org, result))
        })
        .await?;
    match result {
        Ok(_) => {
            session
                .set_flash("Le paiement de la cotisation est enregistré.")
                .await?;
            Ok(see_other(&format!(
                "/admin/partenaires/{org}#renouvellements"
            )))
        }
        Err(errors) => {
            governance(
                &state,
                page,
                me,
                org,
                Some(Retry::Payment(id, form, errors)),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "partners/charter.html")]
struct CharterPage {
    page: Page,
    versions: Vec<(CharterVersion, usize)>,
    current: Option<i32>,
    form: CharterInput,
    errors: Vec<String>,
}

impl CharterPage {
    fn is_current(&self, v: &CharterVersion) -> bool {
        self.current == Some(v.number)
    }
}

async fn show_charter_page(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    form: CharterInput,
    errors: Vec<String>,
) -> AppResult<Response> {
    let (versions, current) = state
        .db
        .run(move |conn| {
            Ok((
                service::charter_versions(conn, &me)?,
                service::current_charter(conn, crate::clock::today_paris())?.map(|v| v.number),
            ))
        })
        .await?;
    let status = form::status(&errors);
    let html = render(&CharterPage {
        page: page.titled("Charte des partenaires"),
        versions,
        current,
        form,
        errors,
    })?;
    Ok((status, html).into_response())
}

async fn charter_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    show_charter_page(&state, page, me, CharterInput::default(), Vec::new()).await
}

async fn charter_publish(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<CharterInput>,
) -> AppResult<Response> {
    let (who, input) = (me.clone(), form.clone());
    let result = state
        .db
        .tx(move |conn| service::publish_charter(conn, &who, &input, crate::clock::today_paris()))
        .await?;
    match result {
        Ok(number) => {
            session
                .set_flash(format!(
                    "La version {number} de la charte est publiée ; les partenaires qui ont signé une version antérieure devront la signer de nouveau."
                ))
                .await?;
            Ok(see_other("/admin/charte"))
        }
        Err(errors) => show_charter_page(&state, page, me, form, errors).await,
    }
}

#[derive(Template)]
#[template(path = "partners/my_convention.html")]
struct MyConventionPage {
    page: Page,
    g: Governance,
    can_sign: bool,
    /// The renewals' table is shared with the governance page, whose payment forms are
    /// not shown here: none is being retried.
    payment_for: String,
    payment: PaymentInput,
    payment_errors: Vec<String>,
}

fn my_org(me: &CurrentUser) -> AppResult<String> {
    me.organisation_id.clone().ok_or_else(AppError::not_found)
}

async fn my_convention(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    let org = my_org(&me)?;
    let who = me.clone();
    let (g, can_sign) = state
        .db
        .run(move |conn| {
            let g = service::governance(conn, &who, &org, crate::clock::today_paris())?;
            let (_, _, reference) = service::partner(conn, &org)?;
            Ok((g, allows(&who, &Action::SignCharter(&reference))))
        })
        .await?;
    render(&MyConventionPage {
        page: page.titled("Ma convention"),
        g,
        can_sign,
        payment_for: String::new(),
        payment: PaymentInput::default(),
        payment_errors: Vec::new(),
    })
}

async fn my_signature(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
) -> AppResult<Response> {
    let org = my_org(&me)?;
    let result = state
        .db
        .tx(move |conn| service::sign_charter(conn, &me, &org, crate::clock::today_paris()))
        .await;
    match result {
        Ok(number) => {
            session
                .set_flash(format!(
                    "Merci : la version {number} de la charte est signée pour votre organisation."
                ))
                .await?
        }
        Err(e) if e.status() == StatusCode::CONFLICT => {
            session.set_flash(e.message().to_owned()).await?
        }
        Err(e) => return Err(e),
    }
    Ok(see_other("/ma-convention"))
}

// ---- API ----

/// The public directory: public fields of the active partners.
#[utoipa::path(get, path = "/partners", operation_id = "list_partners", tag = "partners", params(DirectoryFilter),
    responses((status = 200, body = [PublicCard])))]
async fn api_directory(
    State(state): State<AppState>,
    Query(f): Query<DirectoryFilter>,
) -> AppResult<Json<Vec<PublicCard>>> {
    state
        .db
        .run(move |conn| service::directory(conn, &f))
        .await
        .map(Json)
}

/// Every partner with its onboarding progress, charter status and renewal status
/// (regional administrator).
#[utoipa::path(get, path = "/partners/governance", operation_id = "list_partner_governance", tag = "partners", security(("bearer" = [])),
    params(AdminFilter),
    responses((status = 200, body = [Row]), (status = 403, body = crate::error::ErrorBody)))]
async fn api_admin_list(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(f): Query<AdminFilter>,
) -> AppResult<Json<Vec<Row>>> {
    state
        .db
        .run(move |conn| service::admin_rows(conn, &me, &f, crate::clock::today_paris()))
        .await
        .map(Json)
}

/// The charter version in force (public).
#[utoipa::path(get, path = "/partners/charter", operation_id = "get_charter", tag = "partners",
    responses((status = 200, body = CharterVersion), (status = 404, body = crate::error::ErrorBody)))]
async fn api_charter(State(state): State<AppState>) -> AppResult<Json<CharterVersion>> {
    state
        .db
        .run(|conn| service::current_charter(conn, crate::clock::today_paris()))
        .await?
        .map(Json)
        .ok_or_else(AppError::not_found)
}

#[derive(Serialize, utoipa::ToSchema)]
struct VersionAnswer {
    version: i32,
}

/// Publishes a new charter version (regional administrator); every version is kept.
#[utoipa::path(post, path = "/partners/charter", operation_id = "publish_charter", tag = "partners", security(("bearer" = [])),
    request_body = CharterInput,
    responses((status = 409, body = crate::error::ErrorBody), (status = 201, body = VersionAnswer), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn api_publish_charter(
    State(state): State<AppState>,
    me: CurrentUser,
    crate::web::extract::Json(input): crate::web::extract::Json<CharterInput>,
) -> AppResult<Response> {
    let version = state
        .db
        .tx(move |conn| service::publish_charter(conn, &me, &input, crate::clock::today_paris()))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok((StatusCode::CREATED, Json(VersionAnswer { version })).into_response())
}

/// A partner's card: public fields for everyone, restricted fields (SIRET, contacts) for
/// its own staff and the regional administrator.
#[utoipa::path(get, path = "/partners/{id}", operation_id = "get_partner", tag = "partners",
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = CardView), (status = 404, body = crate::error::ErrorBody)))]
async fn api_card(
    State(state): State<AppState>,
    MaybeUser(me): MaybeUser,
    Path(id): Path<String>,
) -> AppResult<Json<CardView>> {
    state
        .db
        .run(move |conn| service::card(conn, me.as_ref(), &id))
        .await
        .map(Json)
}

/// A partner's onboarding checklist, charter signatures and renewals (its own staff, the
/// regional administrator; 404 for anyone else).
#[utoipa::path(get, path = "/partners/{id}/governance", operation_id = "get_partner_governance", tag = "partners", security(("bearer" = [])),
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = Governance), (status = 404, body = crate::error::ErrorBody)))]
async fn api_governance(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<Governance>> {
    state
        .db
        .run(move |conn| service::governance(conn, &me, &id, crate::clock::today_paris()))
        .await
        .map(Json)
}

#[derive(Serialize, utoipa::ToSchema)]
struct StepAnswer {
    step: String,
}

/// Records an onboarding step as done, dated, with who did it (regional administrator).
#[utoipa::path(post, path = "/partners/{id}/steps", operation_id = "record_partner_step", tag = "partners", security(("bearer" = [])),
    request_body = StepInput, params(("id" = String, Path, description = "Organisation id")),
    responses((status = 200, body = StepAnswer), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_step(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(input): crate::web::extract::Json<StepInput>,
) -> AppResult<Json<StepAnswer>> {
    let step = state
        .db
        .tx(move |conn| service::record_step(conn, &me, &id, &input, crate::clock::today_paris()))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok(Json(StepAnswer {
        step: step.as_str().to_owned(),
    }))
}

/// Signs the charter version in force for the organisation (its administrators).
#[utoipa::path(post, path = "/partners/{id}/charter-signatures", operation_id = "sign_charter", tag = "partners", security(("bearer" = [])),
    params(("id" = String, Path, description = "Organisation id")),
    responses((status = 201, body = VersionAnswer), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
async fn api_sign(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let version = state
        .db
        .tx(move |conn| service::sign_charter(conn, &me, &id, crate::clock::today_paris()))
        .await?;
    Ok((StatusCode::CREATED, Json(VersionAnswer { version })).into_response())
}

/// Adds a yearly renewal with the contribution requested (regional administrator).
#[utoipa::path(post, path = "/partners/{id}/renewals", operation_id = "create_partner_renewal", tag = "partners", security(("bearer" = [])),
    request_body = RenewalInput, params(("id" = String, Path, description = "Organisation id")),
    responses((status = 201, body = Created), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_renewal(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(input): crate::web::extract::Json<RenewalInput>,
) -> AppResult<Response> {
    let id = state
        .db
        .tx(move |conn| service::add_renewal(conn, &me, &id, &input, crate::clock::today_paris()))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

/// Records the payment of a renewal's contribution (regional administrator).
#[utoipa::path(post, path = "/partners/renewals/{id}/payment", operation_id = "record_renewal_payment", tag = "partners", security(("bearer" = [])),
    request_body = PaymentInput, params(("id" = String, Path, description = "Renewal id")),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_payment(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(input): crate::web::extract::Json<PaymentInput>,
) -> AppResult<StatusCode> {
    state
        .db
        .tx(move |conn| {
            service::record_payment(conn, &me, &id, &input, crate::clock::today_paris())
        })
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Dashboard tile: the partners' administration, or a partner's own agreement.
pub async fn tiles(
    state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::auth::policy::{Action, allows};
    let mut tiles = Vec::new();
    if allows(&me, &Action::ManagePartners) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/admin/partenaires",
            title: "Partenaires et conventions",
            text: "Parcours d’adhésion, charte et signatures, renouvellements et cotisations."
                .into(),
            figures: Vec::new(),
        });
    } else if let Some(org) = me.organisation_id.clone() {
        let partner = state
            .db
            .run(move |conn| super::store::profile(conn, &org))
            .await?;
        if partner.is_some() {
            tiles.push(crate::web::dashboard::Tile {
                href: "/ma-convention",
                title: "Ma convention",
                text: "Charte des partenaires, parcours d’adhésion et cotisations de votre organisation.".into(),
                figures: Vec::new(),
            });
        }
    }
    Ok(tiles)
}

/// « Mon espace »: the partners' governance (the regional team).
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Action, allows};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if allows(me, &Action::ManagePartners) {
        links.push(NavLink::new(
            "/admin/partenaires",
            "Partenaires et conventions",
        ));
    }
    links
}
