//! Pages and API of the Espaces Métiers network: the sites, the tablet visit log, events and
//! their registrations, the exhibition catalogue and its booking calendar, the figures.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::figures::{self, Report};
use super::model::{AgeBand, EventKind, Referral, Topic, VisitSituation};
use super::network::Network;
use super::plan_routes;
use super::service::{
    self, Booking, BookingInput, EventInput, Exhibition, ExhibitionInput, Registration,
    RegistrationInput, SiteCard, SiteEvent, SiteInput, VisitInput,
};
use crate::AppState;
use crate::auth::policy::{Action, allows};
use crate::auth::{ClientIp, CurrentUser, MaybeUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::organisations::store::Organisation;
use crate::types::OrgKind;
use crate::web::extract::{Form, Path, Query};
use crate::web::json::Created;
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/espaces-metiers", get(list))
        .route("/espaces-metiers/nouveau", get(new_form).post(create))
        .route("/espaces-metiers/chiffres", get(figures_page))
        .route("/espaces-metiers/chiffres.csv", get(figures_csv))
        .route("/espaces-metiers/{id}", get(show))
        .route(
            "/espaces-metiers/{id}/modifier",
            get(edit_form).post(update),
        )
        .route("/espaces-metiers/{id}/visites", get(visit_form).post(visit))
        .route("/espaces-metiers/{id}/evenements", post(create_event))
        .route(
            "/espaces-metiers/{id}/site-central",
            post(plan_routes::attach),
        )
        .route("/espaces-metiers/{id}/plan", get(plan_routes::plan))
        .route(
            "/espaces-metiers/{id}/plan/objectifs",
            post(plan_routes::add_objective),
        )
        .route(
            "/espaces-metiers/{id}/plan/actions",
            post(plan_routes::add_action),
        )
        .route(
            "/espaces-metiers/{id}/plan/etat-action",
            post(plan_routes::action_status),
        )
        .route(
            "/espaces-metiers/{id}/plan/resultats",
            post(plan_routes::record_result),
        )
        .route(
            "/espaces-metiers/{id}/plan/transmission",
            post(plan_routes::submit),
        )
        .route("/espaces-metiers/{id}/plan/avis", post(plan_routes::review))
        .route("/evenements/{id}", get(event_page))
        .route("/evenements/{id}/inscription", post(register))
        .route(
            "/evenements/annulation/{secret}",
            get(cancellation_page).post(cancel_registration),
        )
        .route("/expositions", get(exhibitions).post(create_exhibition))
        .route("/expositions/{id}", get(exhibition))
        .route("/expositions/{id}/reservations", post(book))
        .route(
            "/expositions/{id}/reservations/{booking}/annulation",
            post(cancel_booking),
        )
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_sites))
        .routes(routes!(api_figures))
        .routes(routes!(api_visit))
        .routes(routes!(api_exhibitions))
        .routes(routes!(api_bookings, api_book))
}

// ---- Sites ----

#[derive(Template)]
#[template(path = "sites/list.html")]
struct ListPage {
    page: Page,
    sites: Vec<SiteCard>,
    mine: Vec<String>,
    can_create: bool,
    figures: bool,
}

async fn list(State(state): State<AppState>, page: Page, me: MaybeUser) -> AppResult<Response> {
    let who = me.0.clone();
    let (sites, mine) = state
        .db
        .run(move |conn| {
            let mine = match &who {
                Some(u) => service::managed(conn, u)?
                    .into_iter()
                    .map(|s| s.site.id)
                    .collect(),
                None => Vec::new(),
            };
            Ok((service::all(conn)?, mine))
        })
        .await?;
    let (can_create, figures) = match &me.0 {
        Some(u) => (
            allows(u, &Action::ChooseSiteHost)
                || u.organisation_id
                    .as_deref()
                    .is_some_and(|host| allows(u, &Action::CreateSiteFor { host_id: host })),
            allows(u, &Action::ViewSiteFigures),
        ),
        None => (false, false),
    };
    render(&ListPage {
        page: page.titled("Les Espaces Métiers"),
        sites,
        mine,
        can_create,
        figures,
    })
}

#[derive(Template)]
#[template(path = "sites/form.html")]
struct SiteForm {
    page: Page,
    action: String,
    form: SiteInput,
    commune_label: String,
    hosts: Vec<Organisation>,
    errors: Vec<String>,
}

async fn site_form(
    state: &AppState,
    page: Page,
    me: &CurrentUser,
    action: String,
    form: SiteInput,
    errors: Vec<String>,
) -> AppResult<Response> {
    let hosts = if allows(me, &Action::ChooseSiteHost) && action == "/espaces-metiers/nouveau" {
        state
            .db
            .run(|conn| crate::organisations::store::list(conn, Some(OrgKind::SiteHost)))
            .await?
    } else {
        Vec::new()
    };
    let title = if action.ends_with("nouveau") {
        "Nouvel Espace Métiers"
    } else {
        "Modifier l’Espace Métiers"
    };
    let html = render(&SiteForm {
        page: page.titled(title),
        commune_label: form.commune.clone(),
        action,
        form,
        hosts,
        errors: errors.clone(),
    })?;
    Ok((form::status(&errors), html).into_response())
}

async fn new_form(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    let host = me.organisation_id.clone().unwrap_or_default();
    if !allows(&me, &Action::ChooseSiteHost)
        && !allows(&me, &Action::CreateSiteFor { host_id: &host })
    {
        return Err(AppError::forbidden());
    }
    site_form(
        &state,
        page,
        &me,
        "/espaces-metiers/nouveau".into(),
        SiteInput::default(),
        Vec::new(),
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<SiteInput>,
) -> AppResult<Response> {
    let (who, input) = (me.clone(), form.clone());
    match state
        .db
        .tx(move |conn| service::create_site(conn, &who, &input))
        .await?
    {
        Ok(id) => {
            session.set_flash("L’Espace Métiers est créé.").await?;
            Ok(see_other(&format!("/espaces-metiers/{id}")))
        }
        Err(errors) => {
            site_form(
                &state,
                page,
                &me,
                "/espaces-metiers/nouveau".into(),
                form,
                errors,
            )
            .await
        }
    }
}

async fn edit_form(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (who, key) = (me.clone(), id.clone());
    let card = state
        .db
        .run(move |conn| service::managed_site(conn, &who, &key))
        .await?;
    let s = card.site;
    let form = SiteInput {
        name: s.name,
        address: s.address,
        commune: s.commune_insee,
        opening_hours: s.opening_hours,
        services: s.services,
        resources: s.resources,
        host_id: s.host_id,
    };
    site_form(
        &state,
        page,
        &me,
        format!("/espaces-metiers/{id}/modifier"),
        form,
        Vec::new(),
    )
    .await
}

async fn update(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<SiteInput>,
) -> AppResult<Response> {
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    match state
        .db
        .tx(move |conn| service::update_site(conn, &who, &key, &input))
        .await?
    {
        Ok(()) => {
            session
                .set_flash("Les informations du site sont enregistrées.")
                .await?;
            Ok(see_other(&format!("/espaces-metiers/{id}")))
        }
        Err(errors) => {
            site_form(
                &state,
                page,
                &me,
                format!("/espaces-metiers/{id}/modifier"),
                form,
                errors,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "sites/show.html")]
struct ShowPage {
    page: Page,
    card: SiteCard,
    events: Vec<SiteEvent>,
    manage: bool,
    kinds: &'static [EventKind],
    form: EventInput,
    errors: Vec<String>,
    network: Network,
    /// The regional team's choice of a central site: the sites that may be one.
    centrals: Option<Vec<SiteCard>>,
    attach_errors: Vec<String>,
    /// The plan of the year is readable by this person.
    plan: bool,
    year: i32,
}

async fn show_site(
    state: &AppState,
    page: Page,
    me: Option<CurrentUser>,
    id: String,
    form: EventInput,
    errors: Vec<String>,
) -> AppResult<Response> {
    show_page(state, page, me, id, form, errors, Vec::new()).await
}

/// The site's page again with the errors of the choice of a central site.
pub(super) async fn show_with_errors(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    id: String,
    attach_errors: Vec<String>,
) -> AppResult<Response> {
    show_page(
        state,
        page,
        Some(me),
        id,
        EventInput::default(),
        Vec::new(),
        attach_errors,
    )
    .await
}

async fn show_page(
    state: &AppState,
    page: Page,
    me: Option<CurrentUser>,
    id: String,
    form: EventInput,
    errors: Vec<String>,
    attach_errors: Vec<String>,
) -> AppResult<Response> {
    let attach = me
        .as_ref()
        .is_some_and(|u| allows(u, &Action::AttachRelaySite));
    let (card, events, network, centrals) = state
        .db
        .run(move |conn| {
            let card = service::get(conn, &id)?;
            let network = super::network::network(conn, &card)?;
            let centrals = if attach && network.relays.is_empty() {
                Some(
                    service::all(conn)?
                        .into_iter()
                        .filter(|s| s.site.id != id && s.site.central_site_id.is_none())
                        .collect(),
                )
            } else {
                None
            };
            Ok((
                card,
                service::events(conn, &id, crate::clock::today_paris())?,
                network,
                centrals,
            ))
        })
        .await?;
    let plan = me.as_ref().is_some_and(|u| {
        allows(
            u,
            &Action::ViewSitePlan {
                host_id: &card.site.host_id,
            },
        )
    });
    let manage = me.as_ref().is_some_and(|u| {
        allows(
            u,
            &Action::ManageSite {
                host_id: &card.site.host_id,
            },
        )
    });
    let html = render(&ShowPage {
        page: page
            .titled(card.site.name.clone())
            .within(&[("Espaces Métiers", "/espaces-metiers")]),
        card,
        events,
        manage,
        kinds: EventKind::ALL,
        form,
        errors: errors.clone(),
        network,
        centrals,
        attach_errors: attach_errors.clone(),
        plan,
        year: crate::clock::today_paris().year(),
    })?;
    let status = if attach_errors.is_empty() {
        form::status(&errors)
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, html).into_response())
}

async fn show(
    State(state): State<AppState>,
    page: Page,
    me: MaybeUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    show_site(&state, page, me.0, id, EventInput::default(), Vec::new()).await
}

async fn create_event(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<EventInput>,
) -> AppResult<Response> {
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    match state
        .db
        .tx(move |conn| service::create_event(conn, &who, &key, &input))
        .await?
    {
        Ok(event) => {
            session.set_flash("L’événement est publié.").await?;
            Ok(see_other(&format!("/evenements/{event}")))
        }
        Err(errors) => show_site(&state, page, Some(me), id, form, errors).await,
    }
}

// ---- Visit log ----

#[derive(Template)]
#[template(path = "sites/visits.html")]
struct VisitPage {
    page: Page,
    card: SiteCard,
    today_count: i64,
    ages: &'static [AgeBand],
    situations: &'static [VisitSituation],
    topics: &'static [Topic],
    referrals: &'static [Referral],
    errors: Vec<String>,
}

async fn visit_page(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    id: String,
    errors: Vec<String>,
) -> AppResult<Response> {
    let (card, today_count) = state
        .db
        .run(move |conn| {
            let card = service::managed_site(conn, &me, &id)?;
            let n = service::visits_on(conn, &id, crate::clock::today_paris())?;
            Ok((card, n))
        })
        .await?;
    let html = render(&VisitPage {
        page: page.titled(format!("Journal des visites – {}", card.site.name)),
        card,
        today_count,
        ages: AgeBand::ALL,
        situations: VisitSituation::ALL,
        topics: Topic::ALL,
        referrals: Referral::ALL,
        errors: errors.clone(),
    })?;
    Ok((form::status(&errors), html).into_response())
}

async fn visit_form(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    visit_page(&state, page, me, id, Vec::new()).await
}

async fn visit(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<VisitInput>,
) -> AppResult<Response> {
    let (who, key) = (me.clone(), id.clone());
    match state
        .db
        .tx(move |conn| service::record_visit(conn, &who, &key, &form, crate::clock::today_paris()))
        .await?
    {
        Ok(count) => {
            session
                .set_flash(format!(
                    "Visite enregistrée ({} ce jour-là).",
                    crate::web::french::plural(count, "visite", "visites")
                ))
                .await?;
            Ok(see_other(&format!("/espaces-metiers/{id}/visites")))
        }
        Err(errors) => visit_page(&state, page, me, id, errors).await,
    }
}

// ---- Events ----

#[derive(Template)]
#[template(path = "sites/event.html")]
struct EventPage {
    page: Page,
    event: SiteEvent,
    card: SiteCard,
    registrations: Option<Vec<Registration>>,
    form: RegistrationInput,
    errors: Vec<String>,
}

async fn event_view(
    state: &AppState,
    page: Page,
    me: Option<CurrentUser>,
    id: String,
    form: RegistrationInput,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let (event, card, registrations) = state
        .db
        .run(move |conn| {
            let event = service::event(conn, &id)?;
            let card = service::get(conn, &event.site_id)?;
            let registrations = match &me {
                Some(u)
                    if allows(
                        u,
                        &Action::ManageSite {
                            host_id: &card.site.host_id,
                        },
                    ) =>
                {
                    Some(service::registrations(conn, u, &event)?)
                }
                _ => None,
            };
            Ok((event, card, registrations))
        })
        .await?;
    let page = page.with_form().await?;
    let html = render(&EventPage {
        page: page
            .titled(event.title.clone())
            .within(&[("Espaces Métiers", "/espaces-metiers")]),
        event,
        card,
        registrations,
        form,
        errors,
    })?;
    Ok((status, html).into_response())
}

#[derive(Template)]
#[template(path = "sites/cancel.html")]
struct CancelPage {
    page: Page,
    found: service::Cancellable,
    action: String,
}

/// The page of a cancellation link: what it cancels, and a button (nothing changes on GET).
async fn cancellation_page(
    State(state): State<AppState>,
    page: Page,
    Path(secret): Path<String>,
) -> AppResult<Response> {
    let action = service::cancel_path(&secret);
    let found = state
        .db
        .run(move |conn| service::cancellable(conn, &secret))
        .await?;
    let page = page.with_form().await?;
    let html = render(&CancelPage {
        page: page.titled("Annuler mon inscription".to_owned()),
        found,
        action,
    })?;
    Ok(html.into_response())
}

async fn cancel_registration(
    State(state): State<AppState>,
    session: SessionHandle,
    Path(secret): Path<String>,
) -> AppResult<Response> {
    let event = state
        .db
        .tx(move |conn| service::cancel_registration(conn, &secret))
        .await?;
    session
        .set_flash("Votre inscription est annulée ; un e-mail vous le confirme.")
        .await?;
    Ok(see_other(&format!("/evenements/{}", event.id)))
}

async fn event_page(
    State(state): State<AppState>,
    page: Page,
    me: MaybeUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    event_view(
        &state,
        page,
        me.0,
        id,
        RegistrationInput::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn register(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: MaybeUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<RegistrationInput>,
) -> AppResult<Response> {
    let (key, input, base) = (id.clone(), form.clone(), state.config.base_url());
    let result = state
        .db
        .tx(move |conn| service::register(conn, &key, &input, &base, &ip))
        .await;
    match result {
        Ok(Ok(())) => {
            session
                .set_flash("Votre inscription est enregistrée ; un e-mail de confirmation vous est envoyé.")
                .await?;
            Ok(see_other(&format!("/evenements/{id}")))
        }
        Ok(Err(errors)) => {
            event_view(
                &state,
                page,
                me.0,
                id,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) if e.status() == StatusCode::CONFLICT => {
            let message = e.message().to_owned();
            event_view(
                &state,
                page,
                me.0,
                id,
                form,
                vec![message],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

// ---- Exhibitions ----

#[derive(Template)]
#[template(path = "sites/exhibitions.html")]
struct ExhibitionsPage {
    page: Page,
    exhibitions: Vec<Exhibition>,
    manage: bool,
    form: ExhibitionInput,
    errors: Vec<String>,
}

async fn exhibitions_page(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    form: ExhibitionInput,
    errors: Vec<String>,
) -> AppResult<Response> {
    let list = state.db.run(service::exhibitions).await?;
    let html = render(&ExhibitionsPage {
        page: page.titled("Expositions itinérantes"),
        exhibitions: list,
        manage: allows(&me, &Action::ManageExhibitions),
        form,
        errors: errors.clone(),
    })?;
    Ok((form::status(&errors), html).into_response())
}

async fn exhibitions(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    exhibitions_page(&state, page, me, ExhibitionInput::default(), Vec::new()).await
}

async fn create_exhibition(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<ExhibitionInput>,
) -> AppResult<Response> {
    let (who, input) = (me.clone(), form.clone());
    match state
        .db
        .tx(move |conn| service::create_exhibition(conn, &who, &input))
        .await?
    {
        Ok(id) => {
            session
                .set_flash("L’exposition est ajoutée au catalogue.")
                .await?;
            Ok(see_other(&format!("/expositions/{id}")))
        }
        Err(errors) => exhibitions_page(&state, page, me, form, errors).await,
    }
}

#[derive(Template)]
#[template(path = "sites/exhibition.html")]
struct ExhibitionPage {
    page: Page,
    exhibition: Exhibition,
    bookings: Vec<Booking>,
    /// Bookings this person may still cancel.
    cancellable: Vec<String>,
    sites: Vec<SiteCard>,
    form: BookingInput,
    errors: Vec<String>,
}

async fn exhibition_page(
    state: &AppState,
    page: Page,
    me: CurrentUser,
    id: String,
    form: BookingInput,
    errors: Vec<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let (exhibition, bookings, sites) = state
        .db
        .run(move |conn| {
            let sites: Vec<SiteCard> = service::managed(conn, &me)?
                .into_iter()
                .filter(|s| {
                    allows(
                        &me,
                        &Action::BookExhibition {
                            host_id: &s.site.host_id,
                        },
                    )
                })
                .collect();
            Ok((
                service::exhibition(conn, &id)?,
                service::bookings(conn, &id, crate::clock::today_paris())?,
                sites,
            ))
        })
        .await?;
    let cancellable = bookings
        .iter()
        .filter(|b| {
            b.away_from() > crate::clock::today_paris()
                && sites.iter().any(|s| s.site.id == b.site_id)
        })
        .map(|b| b.id.clone())
        .collect();
    let html = render(&ExhibitionPage {
        page: page.titled(format!("Exposition « {} »", exhibition.title)),
        exhibition,
        bookings,
        cancellable,
        sites,
        form,
        errors,
    })?;
    Ok((status, html).into_response())
}

async fn exhibition(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    exhibition_page(
        &state,
        page,
        me,
        id,
        BookingInput::default(),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

async fn cancel_booking(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path((id, booking)): Path<(String, String)>,
) -> AppResult<Response> {
    let key = id.clone();
    state
        .db
        .tx(move |conn| {
            service::cancel_booking(conn, &me, &key, &booking, crate::clock::today_paris())
        })
        .await?;
    session
        .set_flash("La réservation est annulée : ses jours sont de nouveau libres.")
        .await?;
    Ok(see_other(&format!("/expositions/{id}")))
}

async fn book(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<BookingInput>,
) -> AppResult<Response> {
    let (who, key, input) = (me.clone(), id.clone(), form.clone());
    let result = state
        .db
        .tx(move |conn| service::book(conn, &who, &key, &input, crate::clock::today_paris()))
        .await;
    match result {
        Ok(Ok(_)) => {
            session.set_flash("La réservation est enregistrée.").await?;
            Ok(see_other(&format!("/expositions/{id}")))
        }
        Ok(Err(errors)) => {
            exhibition_page(
                &state,
                page,
                me,
                id,
                form,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) if e.status() == StatusCode::CONFLICT => {
            let message = e.message().to_owned();
            exhibition_page(
                &state,
                page,
                me,
                id,
                form,
                vec![message],
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

// ---- Figures ----

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
struct FigureParams {
    /// A year (default: this year).
    #[serde(default)]
    annee: String,
    /// One site's id (default: every site the caller may see).
    #[serde(default)]
    site: String,
}

impl FigureParams {
    fn year(&self) -> AppResult<i32> {
        match self.annee.trim() {
            "" => Ok(crate::clock::today_paris().year()),
            y => y
                .parse::<i32>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(|| {
                    AppError::unprocessable("L’année s’écrit sur 4 chiffres, par exemple 2026.")
                }),
        }
    }
    fn site(&self) -> Option<&str> {
        Some(self.site.trim()).filter(|s| !s.is_empty())
    }
}

async fn load_report(
    state: &AppState,
    me: CurrentUser,
    p: &FigureParams,
) -> AppResult<(Report, Vec<SiteCard>)> {
    let year = p.year()?;
    let site = p.site().map(str::to_owned);
    state
        .db
        .run(move |conn| {
            let all = figures::scope(conn, &me, None)?;
            let sites = figures::scope(conn, &me, site.as_deref())?;
            let rows = figures::visits(conn, &sites, year)?;
            let events = figures::events(conn, &sites, year)?;
            Ok((figures::report(&sites, &rows, &events, year), all))
        })
        .await
}

#[derive(Template)]
#[template(path = "sites/figures.html")]
struct FiguresPage {
    page: Page,
    report: Report,
    sites: Vec<SiteCard>,
    p: FigureParams,
}

async fn figures_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Query(p): Query<FigureParams>,
) -> AppResult<Response> {
    let (report, sites) = load_report(&state, me, &p).await?;
    render(&FiguresPage {
        page: page.titled(format!(
            "Fréquentation des Espaces Métiers en {}",
            report.year
        )),
        report,
        sites,
        p,
    })
}

async fn figures_csv(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(p): Query<FigureParams>,
) -> AppResult<Response> {
    let year = p.year()?;
    let site = p.site().map(str::to_owned);
    let bytes = state
        .db
        .run(move |conn| {
            let sites = figures::scope(conn, &me, site.as_deref())?;
            let rows = figures::visits(conn, &sites, year)?;
            figures::csv(&sites, &rows)
        })
        .await?;
    Ok(crate::web::csv::attachment(
        "frequentation-espaces-metiers.csv",
        bytes,
    ))
}

// ---- API ----

#[derive(Serialize, utoipa::ToSchema)]
struct VisitRecorded {
    /// Visits the site logged that day, this one included.
    visits_that_day: i64,
}

/// Every Espace Métiers of the network, with address, opening hours, services and resources.
#[utoipa::path(get, path = "/sites", operation_id = "list_sites", tag = "sites", responses((status = 200, body = [SiteCard])))]
async fn api_sites(State(state): State<AppState>) -> AppResult<Json<Vec<SiteCard>>> {
    state.db.run(service::all).await.map(Json)
}

/// Visit figures per site and for the network (coordinators: their host's sites; the
/// regional team: every site).
#[utoipa::path(get, path = "/sites/figures", operation_id = "get_site_figures", tag = "sites", security(("bearer" = [])), params(FigureParams),
    responses((status = 200, body = Report), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn api_figures(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(p): Query<FigureParams>,
) -> AppResult<Json<Report>> {
    load_report(&state, me, &p).await.map(|(r, _)| Json(r))
}

/// Logs an anonymous walk-in visit (the site's coordinators).
#[utoipa::path(post, path = "/sites/{id}/visits", operation_id = "log_site_visit", tag = "sites", security(("bearer" = [])),
    request_body = VisitInput, params(("id" = String, Path, description = "Site id")),
    responses((status = 201, body = VisitRecorded), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_visit(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(input): crate::web::extract::Json<VisitInput>,
) -> AppResult<Response> {
    let n = state
        .db
        .tx(move |conn| service::record_visit(conn, &me, &id, &input, crate::clock::today_paris()))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok((
        StatusCode::CREATED,
        Json(VisitRecorded { visits_that_day: n }),
    )
        .into_response())
}

/// The catalogue of travelling exhibitions.
#[utoipa::path(get, path = "/exhibitions", operation_id = "list_exhibitions", tag = "sites", responses((status = 200, body = [Exhibition])))]
async fn api_exhibitions(State(state): State<AppState>) -> AppResult<Json<Vec<Exhibition>>> {
    state.db.run(service::exhibitions).await.map(Json)
}

/// An exhibition's bookings to come (and those of the last days).
#[utoipa::path(get, path = "/exhibitions/{id}/bookings", operation_id = "list_exhibition_bookings", tag = "sites",
    params(("id" = String, Path, description = "Exhibition id")),
    responses((status = 200, body = [Booking]), (status = 404, body = crate::error::ErrorBody)))]
async fn api_bookings(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<Booking>>> {
    state
        .db
        .run(move |conn| {
            service::exhibition(conn, &id)?;
            service::bookings(conn, &id, crate::clock::today_paris())
        })
        .await
        .map(Json)
}

/// Books an exhibition for a site (its coordinators). A period that overlaps another
/// booking, transport days included, answers 409.
#[utoipa::path(post, path = "/exhibitions/{id}/bookings", operation_id = "book_exhibition", tag = "sites", security(("bearer" = [])),
    request_body = BookingInput, params(("id" = String, Path, description = "Exhibition id")),
    responses((status = 201, body = Created), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn api_book(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(input): crate::web::extract::Json<BookingInput>,
) -> AppResult<Response> {
    let created = state
        .db
        .tx(move |conn| service::book(conn, &me, &id, &input, crate::clock::today_paris()))
        .await?
        .map_err(AppError::invalid_fields)?;
    Ok((StatusCode::CREATED, Json(Created { id: created })).into_response())
}

/// Dashboard tile: the sites' log and figures.
pub async fn tiles(
    _state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::auth::policy::{Action, allows};
    let mut tiles = Vec::new();
    if allows(&me, &Action::ViewSiteFigures) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/espaces-metiers",
            title: "Espaces Métiers",
            text: "Journal des visites, événements, expositions itinérantes et fréquentation."
                .into(),
            figures: Vec::new(),
        });
    }
    Ok(tiles)
}

/// « Mon espace »: the Espaces Métiers a coordinator runs and their figures.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Rows, Scope, scope};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if scope(me, Rows::Sites) != Scope::Nothing {
        links.push(NavLink::new("/espaces-metiers", "Espaces Métiers"));
        links.push(NavLink::new("/espaces-metiers/chiffres", "Fréquentation"));
    }
    links
}
