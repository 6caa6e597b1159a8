//! The webhook pages of an organisation's administrators: its addresses, the form of each,
//! its secret, its delivery log and the « Tester » button.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};

use super::service::{self, Delivery, EventKind, Subscription};
use crate::AppState;
use crate::auth::policy::{Action, OrgRef, allows, authorize};
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Path};
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/webhooks", get(list_page).post(create))
        .route("/webhooks/{id}", get(detail_page).post(update))
        .route("/webhooks/{id}/tester", post(test))
}

/// The caller's organisation, as the policy knows it (without its departments, which the
/// rule does not read).
fn own_org(me: &CurrentUser) -> Option<OrgRef> {
    match (&me.organisation_id, me.organisation_kind) {
        (Some(id), Some(kind)) => Some(OrgRef {
            id: id.clone(),
            kind,
            departments: me.departments.clone(),
        }),
        _ => None,
    }
}

/// The organisation whose webhooks the caller manages.
fn managed_org(me: &CurrentUser) -> AppResult<OrgRef> {
    let org = own_org(me).ok_or_else(AppError::forbidden)?;
    authorize(me, &Action::ManageWebhooks(&org))?;
    Ok(org)
}

/// A subscription the caller manages; another organisation's answers 404.
async fn visible(state: &AppState, me: &CurrentUser, id: String) -> AppResult<Subscription> {
    let subscription = state.db.run(move |conn| service::get(conn, &id)).await?;
    let org_id = subscription.organisation_id.clone();
    let org = state
        .db
        .run(move |conn| {
            let org = crate::organisations::store::get(conn, &org_id)?;
            crate::organisations::store::policy_ref(conn, &org)
        })
        .await?;
    if !allows(me, &Action::ManageWebhooks(&org)) {
        return Err(AppError::not_found());
    }
    Ok(subscription)
}

/// What the form sent: the address, the kinds ticked, active or paused.
struct Typed {
    url: String,
    kinds: Vec<String>,
    active: bool,
}

impl Typed {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut typed = Typed {
            url: String::new(),
            kinds: Vec::new(),
            active: false,
        };
        for (name, value) in pairs {
            match name.as_str() {
                "url" => typed.url = value,
                "events" => typed.kinds.push(value),
                "active" => typed.active = value == "oui",
                _ => {}
            }
        }
        typed
    }
    fn of(subscription: &Subscription) -> Self {
        Typed {
            url: subscription.url.clone(),
            kinds: subscription
                .kinds()
                .into_iter()
                .map(|k| k.as_str().to_owned())
                .collect(),
            active: subscription.active,
        }
    }
    fn blank() -> Self {
        Typed {
            url: String::new(),
            kinds: EventKind::CHOSEN
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect(),
            active: true,
        }
    }
    fn ticked(&self, kind: &EventKind) -> bool {
        self.kinds.iter().any(|k| k == kind.as_str())
    }
}

#[derive(Template)]
#[template(path = "webhooks/list.html")]
struct ListPage {
    page: Page,
    subscriptions: Vec<Subscription>,
    form: Typed,
    errors: Vec<String>,
    kinds: &'static [EventKind],
}

async fn list_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    let org = managed_org(&me)?;
    let subscriptions = state
        .db
        .run(move |conn| service::subscriptions_of(conn, &org.id))
        .await?;
    render(&ListPage {
        page: page.titled("Webhooks"),
        subscriptions,
        form: Typed::blank(),
        errors: Vec::new(),
        kinds: EventKind::CHOSEN,
    })
}

async fn create(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let org = managed_org(&me)?;
    let typed = Typed::from_pairs(pairs);
    match service::check(&typed.url, &typed.kinds, typed.active) {
        Ok(input) => {
            let org_id = org.id.clone();
            let id = state
                .db
                .tx(move |conn| service::create(conn, &org_id, &input))
                .await?;
            session
                .set_flash("L’adresse est enregistrée. Recopiez son secret dans votre logiciel pour vérifier les signatures.")
                .await?;
            Ok(see_other(&format!("/webhooks/{id}")))
        }
        Err(errors) => {
            let subscriptions = state
                .db
                .run(move |conn| service::subscriptions_of(conn, &org.id))
                .await?;
            let response = render(&ListPage {
                page: page.titled("Webhooks"),
                subscriptions,
                form: typed,
                errors,
                kinds: EventKind::CHOSEN,
            })?;
            Ok(form::rerender(response))
        }
    }
}

#[derive(Template)]
#[template(path = "webhooks/detail.html")]
struct DetailPage {
    page: Page,
    subscription: Subscription,
    deliveries: Vec<Delivery>,
    form: Typed,
    errors: Vec<String>,
    kinds: &'static [EventKind],
}

async fn detail(
    state: &AppState,
    page: Page,
    subscription: Subscription,
    form: Typed,
    errors: Vec<String>,
) -> AppResult<Response> {
    let id = subscription.id.clone();
    let deliveries = state
        .db
        .run(move |conn| service::deliveries(conn, &id))
        .await?;
    let status = form::status(&errors);
    let mut response = render(&DetailPage {
        page: page.titled(format!("Webhook vers {}", subscription.url)),
        subscription,
        deliveries,
        form,
        errors,
        kinds: EventKind::CHOSEN,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

async fn detail_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let subscription = visible(&state, &me, id).await?;
    let form = Typed::of(&subscription);
    detail(&state, page, subscription, form, Vec::new()).await
}

async fn update(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let subscription = visible(&state, &me, id).await?;
    let typed = Typed::from_pairs(pairs);
    match service::check(&typed.url, &typed.kinds, typed.active) {
        Ok(input) => {
            let id = subscription.id.clone();
            state
                .db
                .tx(move |conn| service::update(conn, &id, &input))
                .await?;
            session.set_flash("Le webhook est enregistré.").await?;
            Ok(see_other(&format!("/webhooks/{}", subscription.id)))
        }
        Err(errors) => detail(&state, page, subscription, typed, errors).await,
    }
}

async fn test(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let subscription = visible(&state, &me, id).await?;
    let target = subscription.clone();
    state
        .db
        .tx(move |conn| service::ping(conn, &target))
        .await?;
    session
        .set_flash("Un événement « ping » part vers votre adresse : son résultat s’affiche dans le journal ci-dessous.")
        .await?;
    Ok(see_other(&format!("/webhooks/{}", subscription.id)))
}

/// « Mon espace »: the webhooks of the administrators who manage them.
pub fn space(me: &CurrentUser) -> Vec<crate::web::nav::NavLink> {
    match own_org(me) {
        Some(org) if allows(me, &Action::ManageWebhooks(&org)) => {
            vec![crate::web::nav::NavLink::new("/webhooks", "Webhooks")]
        }
        _ => Vec::new(),
    }
}
