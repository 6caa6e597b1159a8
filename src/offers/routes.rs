//! Pages and API of offers: public listing and detail, the recruiter's (or training centre's)
//! offers, the offer form, lifecycle actions, and the chambers' moderation queue.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::model::{ContractType, LEVELS, Offer, OfferForm, OfferStatus, Transition, level_label};
use super::service;
use super::store;
use crate::AppState;
use crate::auth::policy::{Action, Rows, allows, authorize, scope};
use crate::auth::{CurrentUser, MaybeUser, SessionHandle};
use crate::db::{DbConnection, schema::*};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Path, Query};
use crate::web::filters::SearchLinks;
use crate::web::json::{Created, StatusAnswer};
use crate::web::{Page, form, render, see_other};

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/offres", get(public_list))
        .route("/offres/{id}", get(show))
        .route("/mes-offres", get(mine).post(create))
        .route("/mes-offres/nouvelle", get(new_form))
        .route("/mes-offres/{id}/modifier", get(edit_form).post(update))
        .route("/mes-offres/{id}/{action}", post(act))
        .route("/moderation/offres", get(moderation_queue))
        .route("/moderation/offres/{id}", post(moderate))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_create))
        .routes(routes!(api_search))
        .routes(routes!(super::export::api_export))
        .routes(routes!(api_get, api_update))
        .routes(routes!(api_transition))
        .routes(routes!(api_mine))
        .routes(routes!(api_moderation_queue))
}

/// An offer with the names people read beside the codes.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OfferView {
    #[serde(flatten)]
    pub offer: Offer,
    pub company_name: String,
    pub commune_name: String,
    pub postal_code: String,
    pub rome_label: String,
    /// The commune's position is approximate (not the commune's own coordinates).
    pub approximate_position: bool,
    /// Position of the commune (WGS 84), when known.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl OfferView {
    pub fn place(&self) -> String {
        format!("{} ({})", self.commune_name, self.postal_code)
    }
}

/// What a view adds to an offer: its company, commune and occupation, read in one join.
type Names = (
    String,
    String,
    String,
    String,
    String,
    Option<f64>,
    Option<f64>,
);

/// The columns of [`Names`], beside the offer's own.
macro_rules! names_columns {
    () => {
        (
            organisations::name,
            communes::name,
            communes::postal_codes,
            rome_occupations::label,
            communes::geo_precision,
            communes::lat,
            communes::lon,
        )
    };
}

/// The offers joined with what their views name.
macro_rules! offers_with_names {
    () => {
        offers::table
            .inner_join(organisations::table.on(organisations::id.eq(offers::company_id)))
            .inner_join(communes::table)
            .inner_join(rome_occupations::table)
    };
}

fn named(offer: Offer, names: Names) -> OfferView {
    let (company, commune, postal, rome, precision, lat, lon) = names;
    OfferView {
        offer,
        company_name: company,
        commune_name: commune,
        postal_code: postal.split(' ').next().unwrap_or_default().to_owned(),
        rome_label: rome,
        approximate_position: precision != "commune",
        lat,
        lon,
    }
}

/// Loads views of the given offers, in the given order.
pub fn views(conn: &mut DbConnection, list: Vec<Offer>) -> AppResult<Vec<OfferView>> {
    let ids: Vec<String> = list.iter().map(|o| o.id.clone()).collect();
    let extra: std::collections::HashMap<String, Names> = offers_with_names!()
        .filter(offers::id.eq_any(&ids))
        .select((offers::id, names_columns!()))
        .load::<(String, Names)>(conn)?
        .into_iter()
        .collect();
    Ok(list
        .into_iter()
        .filter_map(|offer| {
            let names = extra.get(&offer.id)?.clone();
            Some(named(offer, names))
        })
        .collect())
}

/// Loads the views of the offers with these ids, in this order (an unknown id is skipped):
/// what a page of search results shows. One query on the backend's own connection (the generic
/// one's overhead on a query of this size was a fifth of a search request), whose statement
/// each connection prepares once: on PostgreSQL `id = ANY($1)`, on SQLite
/// [`in_json_list`](crate::db::json_list::in_json_list).
pub fn views_by_id(conn: &mut DbConnection, ids: &[String]) -> AppResult<Vec<OfferView>> {
    let rows: Vec<(Offer, Names)> = match conn {
        DbConnection::Sqlite(c) => offers_with_names!()
            .filter(crate::db::json_list::in_json_list(offers::id, ids))
            .select((Offer::as_select(), names_columns!()))
            .load(c)?,
        DbConnection::Pg(c) => offers_with_names!()
            .filter(offers::id.eq_any(ids))
            .select((Offer::as_select(), names_columns!()))
            .load(c)?,
    };
    let mut rows: std::collections::HashMap<String, (Offer, Names)> = rows
        .into_iter()
        .map(|row| (row.0.id.clone(), row))
        .collect();
    Ok(ids
        .iter()
        .filter_map(|id| rows.remove(id))
        .map(|(offer, names)| named(offer, names))
        .collect())
}

fn view(conn: &mut DbConnection, offer: Offer) -> AppResult<OfferView> {
    views(conn, vec![offer])?
        .pop()
        .ok_or_else(AppError::not_found)
}

/// Who may see an offer that is not published: its managers and the chamber.
fn may_see(conn: &mut DbConnection, user: Option<&CurrentUser>, offer: &Offer) -> AppResult<bool> {
    if offer.is_published() {
        return Ok(true);
    }
    let Some(u) = user else {
        return Ok(false);
    };
    let reference = service::offer_ref(conn, offer)?;
    Ok(
        allows(u, &Action::ManageOffer(&reference))
            || allows(u, &Action::ModerateOffer(&reference)),
    )
}

// ---- Public pages ----

#[derive(Template)]
#[template(path = "offers/list.html")]
struct ListPage {
    page: Page,
    found: Vec<super::search::Found>,
    total: u64,
    facets: super::search::FacetCounts,
    centre: Option<super::search::Centre>,
    errors: Vec<String>,
    q: String,
    metier: String,
    commune: String,
    rayon: String,
    departement: String,
    contrat: String,
    niveau: String,
    debut: String,
    tri: String,
    page_number: usize,
    pages: usize,
    /// The query string without `page`, for pagination and saved searches.
    base_query: String,
    /// Facet links and the active filters, each removable.
    links: SearchLinks,
    /// A candidate may save this search (alerts and feed).
    can_save: bool,
    departments: Vec<crate::referential::store::Department>,
    contract_types: &'static [ContractType],
    levels: Vec<(i32, &'static str)>,
    /// Tile server and attribution of the results map (none: no map).
    map: Option<(String, String)>,
}

impl ListPage {
    fn contract_label(code: &str) -> &'static str {
        ContractType::parse(code).map_or("Contrat inconnu", ContractType::label)
    }

    fn level_name(level: &u8) -> &'static str {
        level_label(i32::from(*level))
    }

    fn department_name(&self, code: &str) -> String {
        crate::referential::departments::label(code)
    }
}

/// The search's links and its active filters, labelled as people read them.
pub fn offer_search_links(
    p: &super::search::PageSearch,
    centre: Option<&super::search::Centre>,
    occupation: Option<&str>,
) -> SearchLinks {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let (q, metier, commune, rayon) = (s(&p.q), s(&p.metier), s(&p.commune), s(&p.rayon));
    let (departement, contrat, niveau, debut, tri) = (
        s(&p.departement),
        s(&p.contrat),
        s(&p.niveau),
        s(&p.debut),
        s(&p.tri),
    );
    let mut links = SearchLinks::new(
        "/offres",
        [
            ("q", q.as_str()),
            ("metier", metier.as_str()),
            ("commune", commune.as_str()),
            ("rayon", rayon.as_str()),
            ("departement", departement.as_str()),
            ("contrat", contrat.as_str()),
            ("niveau", niveau.as_str()),
            ("debut", debut.as_str()),
            ("tri", tri.as_str()),
        ],
    )
    .keeping(&["tri"]);
    links.chip(&["q"], |v| format!("Mots-clés : « {v} »"));
    links.chip(&["metier"], |v| {
        format!("Métier : {}", occupation.unwrap_or(v))
    });
    let radius = if rayon.trim().is_empty() {
        "30"
    } else {
        rayon.trim()
    };
    links.chip(&["commune", "rayon"], |v| {
        let place = centre.map_or(v, |c| c.name.as_str());
        format!(
            "À {radius} km autour {}",
            crate::web::french::de_place(place)
        )
    });
    links.chip(&["departement"], |v| {
        format!(
            "Département : {}",
            crate::referential::departments::label(v)
        )
    });
    links.chip(&["contrat"], |v| ListPage::contract_label(v).to_owned());
    links.chip(&["niveau"], |v| match v.trim().parse::<i32>() {
        Ok(l) if LEVELS.contains(&l) => format!("Diplôme visé : {}", level_label(l)),
        _ => format!("Diplôme visé : {v}"),
    });
    links.chip(&["debut"], |v| format!("Début à partir du {v}"));
    links
}

const PAGE_SIZE: usize = 20;

/// Runs a search: the query is built and the offers loaded from the database; the index is
/// only asked which ids match. Also used by the portal's search over every kind.
pub async fn run_search(
    state: &AppState,
    asked: super::search::Asked,
) -> AppResult<
    Result<
        (
            crate::search::SearchResult,
            Vec<super::search::Found>,
            Option<super::search::Centre>,
        ),
        Vec<String>,
    >,
> {
    // One trip to a blocking thread: the query built, the index asked, the offers loaded.
    let index = state.search.clone();
    state
        .db
        .run(move |conn| {
            let (query, centre) = match super::search::build(conn, &asked)? {
                Ok(built) => built,
                Err(errors) => return Ok(Err(errors)),
            };
            let result = index.search(&query, true).map_err(AppError::internal)?;
            let found = super::search::load(conn, &result)?;
            Ok(Ok((result, found, centre)))
        })
        .await
}

async fn public_list(
    State(state): State<AppState>,
    page: Page,
    Query(p): Query<super::search::PageSearch>,
) -> AppResult<Response> {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let page_number = p.page.unwrap_or(1).max(1);
    let asked = p.asked(page_number, PAGE_SIZE);
    let (result, found, centre, errors) = match run_search(&state, asked).await? {
        Ok((result, found, centre)) => (Some(result), found, centre, Vec::new()),
        Err(errors) => (None, Vec::new(), None, errors),
    };
    let total = result.as_ref().map_or(0, |r| r.total);
    let facets = result
        .and_then(|r| r.facets)
        .map(Into::into)
        .unwrap_or_default();
    let pages = (usize::try_from(total).unwrap_or(0).div_ceil(PAGE_SIZE))
        .clamp(1, crate::search::MAX_WINDOW / PAGE_SIZE);
    let base_query = p.query_string();
    let can_save = page
        .user()
        .is_some_and(|u| allows(u, &Action::KeepOfferBasket));
    let departments = crate::referential::departments::of_territory(&state.config.territory);
    let typed = s(&p.metier);
    let occupation = state
        .db
        .run(move |conn| crate::referential::store::occupation_label(conn, &typed))
        .await?;
    let links = offer_search_links(&p, centre.as_ref(), occupation.as_deref());
    let status = form::status(&errors);
    let response = render(&ListPage {
        links,
        page: page.titled("Offres d’alternance"),
        found,
        total,
        facets,
        centre,
        errors,
        q: s(&p.q),
        metier: s(&p.metier),
        commune: s(&p.commune),
        rayon: p
            .rayon
            .clone()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| "30".into()),
        departement: s(&p.departement),
        contrat: s(&p.contrat),
        niveau: s(&p.niveau),
        debut: s(&p.debut),
        tri: s(&p.tri),
        page_number,
        pages,
        can_save,
        base_query,
        departments,
        contract_types: ContractType::ALL,
        levels: LEVELS.iter().map(|l| (*l, level_label(*l))).collect(),
        map: state.config.map_tiles_origin().map(|_| {
            (
                state.config.map_tiles.trim().to_owned(),
                state.config.map_attribution.clone(),
            )
        }),
    })?;
    Ok((status, response).into_response())
}

/// Searches published offers: words (French analysis), ROME codes, NAF sector, commune and
/// radius (haversine), department, contract type, level, start date; sorted by relevance,
/// distance or date; with the exact total and facet counts.
#[utoipa::path(get, path = "/offers/search", operation_id = "search_offers", tag = "offers", params(super::search::ApiSearch),
    responses((status = 200, body = super::search::SearchAnswer), (status = 422, body = crate::error::ErrorBody)))]
async fn api_search(
    State(state): State<AppState>,
    Query(p): Query<super::search::ApiSearch>,
) -> AppResult<Json<super::search::SearchAnswer>> {
    let asked = p.asked();
    let (page, per_page) = (asked.page, asked.per_page);
    match run_search(&state, asked).await? {
        Ok((result, items, centre)) => Ok(Json(super::search::SearchAnswer {
            total: result.total,
            page,
            per_page,
            centre,
            items,
            facets: result.facets.map(Into::into).unwrap_or_default(),
        })),
        Err(errors) => Err(AppError::invalid_fields(errors)),
    }
}

#[derive(Template)]
#[template(path = "offers/show.html")]
struct ShowPage {
    page: Page,
    v: OfferView,
    can_manage: bool,
    /// A candidate may apply (published offer).
    can_apply: bool,
    /// In the candidate's basket.
    saved: bool,
    /// For its managers: the offer's occupation or commune was retired from the referential.
    retired: Vec<String>,
}

async fn show(
    State(state): State<AppState>,
    page: Page,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let viewer = user.clone();
    let (v, can_manage, retired) = state
        .db
        .run(move |conn| {
            let offer = store::get(conn, &id)?;
            if !may_see(conn, viewer.as_ref(), &offer)? {
                return Err(AppError::not_found());
            }
            let reference = service::offer_ref(conn, &offer)?;
            let can_manage = viewer
                .as_ref()
                .is_some_and(|u| allows(u, &Action::ManageOffer(&reference)));
            let retired = if can_manage {
                service::retired_codes_of(conn, &offer)?
            } else {
                Vec::new()
            };
            Ok((view(conn, offer)?, can_manage, retired))
        })
        .await?;
    let can_apply = v.offer.is_published()
        && user
            .as_ref()
            .is_none_or(|u| allows(u, &Action::ActAsCandidate));
    let saved = match &user {
        Some(u) if allows(u, &Action::KeepOfferBasket) => {
            let (uid, oid) = (u.id.clone(), v.offer.id.clone());
            match state.registry.get::<super::SavedOffer>().copied() {
                Some(super::SavedOffer(is_saved)) => {
                    state.db.run(move |conn| is_saved(conn, &uid, &oid)).await?
                }
                None => false,
            }
        }
        _ => false,
    };
    let title = v.offer.title.clone();
    render(&ShowPage {
        page: page
            .titled(title)
            .within(&[("Offres d’alternance", "/offres")]),
        v,
        can_manage,
        can_apply,
        saved,
        retired,
    })
}

// ---- Managers' pages ----

#[derive(Template)]
#[template(path = "offers/mine.html")]
struct MinePage {
    page: Page,
    offers: Vec<OfferView>,
    can_create: bool,
}

fn may_post(me: &CurrentUser) -> bool {
    allows(me, &Action::PostOffers)
}

async fn mine(State(state): State<AppState>, page: Page, me: CurrentUser) -> AppResult<Response> {
    authorize(&me, &Action::Recruit)?;
    let org = me.organisation_id.clone().unwrap_or_default();
    let offers = state
        .db
        .run(move |conn| {
            let list = store::for_organisation(conn, &org)?;
            views(conn, list)
        })
        .await?;
    render(&MinePage {
        page: page.titled("Mes offres"),
        offers,
        can_create: may_post(&me),
    })
}

#[derive(Template)]
#[template(path = "offers/form.html")]
struct FormPage {
    page: Page,
    form: OfferForm,
    errors: Vec<String>,
    action: String,
    editing: bool,
    companies: Vec<(String, String)>,
    /// The communes to choose from when the one typed is ambiguous.
    commune_choices: Vec<crate::referential::Commune>,
    is_centre: bool,
    contract_types: &'static [ContractType],
    levels: Vec<(i32, &'static str)>,
}

async fn form_page(
    state: &AppState,
    page: Page,
    me: &CurrentUser,
    form: OfferForm,
    errors: Vec<String>,
    action: String,
    editing: bool,
) -> AppResult<Response> {
    let is_centre = allows(me, &Action::ActForDelegatingCompanies);
    let org = me.organisation_id.clone().unwrap_or_default();
    let companies = if is_centre {
        state
            .db
            .run(move |conn| crate::organisations::store::delegated_companies(conn, &org))
            .await?
    } else {
        Vec::new()
    };
    let typed = form.commune.clone();
    let commune_choices = if errors.is_empty() {
        Vec::new()
    } else {
        state
            .db
            .run(move |conn| crate::referential::store::commune_choices(conn, &typed))
            .await?
    };
    let title = if editing {
        "Modifier l’offre"
    } else {
        "Nouvelle offre d’alternance"
    };
    let status = form::status(&errors);
    let response = render(&FormPage {
        page: page.titled(title),
        form,
        errors,
        action,
        editing,
        companies,
        commune_choices,
        is_centre,
        contract_types: ContractType::ALL,
        levels: LEVELS.iter().map(|l| (*l, level_label(*l))).collect(),
    })?;
    Ok((status, response).into_response())
}

async fn new_form(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    if !may_post(&me) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Seuls les recruteurs d’une entreprise validée et les organismes de formation délégués publient des offres.",
        ));
    }
    let form = OfferForm {
        positions: "1".into(),
        duration_months: "24".into(),
        share_with_france_travail: Some("oui".into()),
        ..OfferForm::default()
    };
    form_page(
        &state,
        page,
        &me,
        form,
        Vec::new(),
        "/mes-offres".into(),
        false,
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Form(form): Form<OfferForm>,
) -> AppResult<Response> {
    let who = me.clone();
    let input = form.clone();
    match state
        .db
        .tx(move |conn| service::create(conn, &who, &input, crate::clock::today_paris()))
        .await?
    {
        Ok(id) => {
            session.set_flash("L’offre est enregistrée comme brouillon. Relisez-la puis soumettez-la à la chambre consulaire.").await?;
            Ok(see_other(&format!("/offres/{id}")))
        }
        Err(errors) => {
            form_page(&state, page, &me, form, errors, "/mes-offres".into(), false).await
        }
    }
}

fn form_of(offer: &OfferView) -> OfferForm {
    let o = &offer.offer;
    OfferForm {
        title: o.title.clone(),
        description: o.description.clone(),
        // Names, as the autocompletion writes them; both are read back (code in brackets,
        // commune and postcode).
        rome: format!("{} ({})", offer.rome_label, o.rome_code),
        contract_type: o.contract_type.clone(),
        level: o.level.to_string(),
        training: o.training.clone().unwrap_or_default(),
        start_date: crate::web::date_fr(&o.start_date),
        duration_months: o.duration_months.to_string(),
        commune: offer.place(),
        positions: o.positions.to_string(),
        share_with_france_travail: o.share_with_france_travail.then(|| "oui".to_owned()),
        expires_on: o
            .expires_on
            .map(|d| crate::web::date_fr(&d))
            .unwrap_or_default(),
        company_id: o.company_id.clone(),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let who = me.clone();
    let key = id.clone();
    let v = state
        .db
        .run(move |conn| {
            let offer = service::managed(conn, &who, &key)?;
            view(conn, offer)
        })
        .await?;
    form_page(
        &state,
        page,
        &me,
        form_of(&v),
        Vec::new(),
        format!("/mes-offres/{id}/modifier"),
        true,
    )
    .await
}

async fn update(
    State(state): State<AppState>,
    session: SessionHandle,
    page: Page,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<OfferForm>,
) -> AppResult<Response> {
    let who = me.clone();
    let input = form.clone();
    let key = id.clone();
    let app = state.clone();
    match state
        .db
        .tx(move |conn| {
            let result = service::update(conn, &who, &key, &input, crate::clock::today_paris())?;
            if result.is_ok() {
                super::changed_in(conn, &app, std::slice::from_ref(&key))?;
            }
            Ok(result)
        })
        .await?
    {
        Ok(status) => {
            crate::search::changes::catch_up(&state).await;
            let message = if status == OfferStatus::Pending {
                "L’offre est modifiée. Elle repasse par la validation de la chambre consulaire avant d’être de nouveau publiée."
            } else {
                "L’offre est modifiée."
            };
            session.set_flash(message).await?;
            Ok(see_other(&format!("/offres/{id}")))
        }
        Err(errors) => {
            form_page(
                &state,
                page,
                &me,
                form,
                errors,
                format!("/mes-offres/{id}/modifier"),
                true,
            )
            .await
        }
    }
}

async fn act(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path((id, action)): Path<(String, String)>,
) -> AppResult<Response> {
    let (transition, message) = match action.as_str() {
        "soumettre" => (
            Transition::Submit,
            "L’offre est transmise à la chambre consulaire, qui la validera avant publication.",
        ),
        "retirer" => (
            Transition::Withdraw,
            "L’offre est retirée : elle n’est plus visible des candidats.",
        ),
        "pourvue" => (
            Transition::MarkFilled,
            "L’offre est marquée comme pourvue. Félicitations !",
        ),
        "prolonger" => (
            Transition::Extend,
            "La publication de l’offre est prolongée.",
        ),
        _ => return Err(AppError::not_found()),
    };
    let base = state.config.base_url();
    let key = id.clone();
    let app = state.clone();
    let status = state
        .db
        .tx(move |conn| {
            let status = service::apply(
                conn,
                &base,
                &me,
                &key,
                transition,
                None,
                crate::clock::today_paris(),
            )?;
            super::changed_in(conn, &app, std::slice::from_ref(&key))?;
            Ok(status)
        })
        .await?;
    crate::search::changes::catch_up(&state).await;
    let message = if transition == Transition::Extend && status == OfferStatus::Pending {
        "L’offre expirée est de nouveau soumise à la chambre consulaire."
    } else {
        message
    };
    session.set_flash(message).await?;
    Ok(see_other("/mes-offres"))
}

// ---- Moderation ----

#[derive(Template)]
#[template(path = "offers/moderation.html")]
struct ModerationPage {
    page: Page,
    offers: Vec<OfferView>,
}

fn moderation_departments(
    me: &CurrentUser,
) -> impl FnOnce(&mut DbConnection) -> AppResult<Vec<String>> + Send + 'static {
    let scope = scope(me, Rows::Territory);
    move |conn| scope.department_codes(conn)
}

async fn moderation_queue(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
) -> AppResult<Response> {
    authorize(&me, &Action::ViewOfferModerationQueue)?;
    let scope = moderation_departments(&me);
    let offers = state
        .db
        .run(move |conn| {
            let deps = scope(conn)?;
            let list = store::pending_in(conn, &deps)?;
            views(conn, list)
        })
        .await?;
    render(&ModerationPage {
        page: page.titled("Offres à valider"),
        offers,
    })
}

#[derive(Deserialize)]
struct DecisionForm {
    decision: String,
    reason: Option<String>,
}

async fn moderate(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> AppResult<Response> {
    let transition = match form.decision.as_str() {
        "valider" => Transition::Approve,
        "refuser" => Transition::Reject,
        _ => {
            return Err(AppError::bad_request(
                "Décision inconnue : choisissez « valider » ou « refuser ».",
            ));
        }
    };
    let reason = form.reason.clone().filter(|r| !r.trim().is_empty());
    if transition == Transition::Reject && reason.is_none() {
        session
            .set_flash(
                "Pour refuser une offre, indiquez le motif : il sera communiqué au recruteur.",
            )
            .await?;
        return Ok(see_other("/moderation/offres"));
    }
    let base = state.config.base_url();
    let key = id.clone();
    let app = state.clone();
    state
        .db
        .tx(move |conn| {
            let status = service::apply(
                conn,
                &base,
                &me,
                &key,
                transition,
                reason.as_deref(),
                crate::clock::today_paris(),
            )?;
            super::changed_in(conn, &app, std::slice::from_ref(&key))?;
            Ok(status)
        })
        .await?;
    crate::search::changes::catch_up(&state).await;
    session
        .set_flash(if transition == Transition::Approve {
            "L’offre est publiée."
        } else {
            "L’offre est renvoyée au recruteur avec votre motif."
        })
        .await?;
    Ok(see_other("/moderation/offres"))
}

// ---- API ----

/// Creates a draft offer for the caller's company (or, for a training centre, for a company
/// that delegated to it: `company_id`).
#[utoipa::path(post, path = "/offers", operation_id = "create_offer", tag = "offers", security(("bearer" = [])), request_body = OfferForm,
    responses((status = 201, body = Created), (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
async fn api_create(
    State(state): State<AppState>,
    me: CurrentUser,
    crate::web::extract::Json(form): crate::web::extract::Json<OfferForm>,
) -> AppResult<Response> {
    match state
        .db
        .tx(move |conn| service::create(conn, &me, &form, crate::clock::today_paris()))
        .await?
    {
        Ok(id) => Ok((StatusCode::CREATED, Json(Created { id })).into_response()),
        Err(errors) => Err(AppError::invalid_fields(errors)),
    }
}

/// One offer: anyone for a published offer; its managers and the chamber otherwise.
#[utoipa::path(get, path = "/offers/{id}", operation_id = "get_offer", tag = "offers", params(("id" = String, Path, description = "Offer id")),
    responses((status = 200, body = OfferView), (status = 404, body = crate::error::ErrorBody)))]
async fn api_get(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
) -> AppResult<Json<OfferView>> {
    state
        .db
        .run(move |conn| {
            let offer = store::get(conn, &id)?;
            if !may_see(conn, user.as_ref(), &offer)? {
                return Err(AppError::not_found());
            }
            view(conn, offer)
        })
        .await
        .map(Json)
}

/// Replaces an offer's content; a published offer goes back to moderation.
#[utoipa::path(put, path = "/offers/{id}", operation_id = "update_offer", tag = "offers", security(("bearer" = [])), request_body = OfferForm,
    params(("id" = String, Path, description = "Offer id")),
    responses((status = 200, body = OfferView), (status = 422, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn api_update(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(form): crate::web::extract::Json<OfferForm>,
) -> AppResult<Json<OfferView>> {
    let key = id.clone();
    let app = state.clone();
    let result = state
        .db
        .tx(move |conn| {
            match service::update(conn, &me, &key, &form, crate::clock::today_paris())? {
                Ok(_) => {
                    super::changed_in(conn, &app, std::slice::from_ref(&key))?;
                    let offer = store::get(conn, &key)?;
                    Ok(Ok(view(conn, offer)?))
                }
                Err(errors) => Ok(Err(errors)),
            }
        })
        .await?;
    crate::search::changes::catch_up(&state).await;
    result.map(Json).map_err(AppError::invalid_fields)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct TransitionRequest {
    /// `submit`, `withdraw`, `fill`, `extend` (managers) or `approve`, `reject` (chamber).
    action: String,
    /// Required to reject.
    reason: Option<String>,
}

/// Moves an offer along its lifecycle.
#[utoipa::path(post, path = "/offers/{id}/transitions", operation_id = "transition_offer", tag = "offers", security(("bearer" = [])), request_body = TransitionRequest,
    params(("id" = String, Path, description = "Offer id")),
    responses((status = 200, body = StatusAnswer), (status = 409, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn api_transition(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
    crate::web::extract::Json(request): crate::web::extract::Json<TransitionRequest>,
) -> AppResult<Json<StatusAnswer>> {
    let transition = match request.action.as_str() {
        "submit" => Transition::Submit,
        "withdraw" => Transition::Withdraw,
        "fill" => Transition::MarkFilled,
        "extend" => Transition::Extend,
        "approve" => Transition::Approve,
        "reject" => Transition::Reject,
        other => {
            return Err(AppError::bad_request(format!(
                "Action inconnue « {other} » : submit, withdraw, fill, extend, approve ou reject."
            )));
        }
    };
    let base = state.config.base_url();
    let key = id.clone();
    let app = state.clone();
    let status = state
        .db
        .tx(move |conn| {
            let status = service::apply(
                conn,
                &base,
                &me,
                &key,
                transition,
                request.reason.as_deref(),
                crate::clock::today_paris(),
            )?;
            super::changed_in(conn, &app, std::slice::from_ref(&key))?;
            Ok(status)
        })
        .await?;
    crate::search::changes::catch_up(&state).await;
    Ok(Json(StatusAnswer {
        status: status.as_str().to_owned(),
    }))
}

/// The offers of the caller's organisation (company, or training centre managing them).
#[utoipa::path(get, path = "/my/offers", operation_id = "list_my_offers", tag = "offers", security(("bearer" = [])),
    responses((status = 200, body = [OfferView]), (status = 401, body = crate::error::ErrorBody)))]
async fn api_mine(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<Vec<OfferView>>> {
    let Some(org) = me.organisation_id.clone() else {
        return Ok(Json(Vec::new()));
    };
    state
        .db
        .run(move |conn| {
            let list = store::for_organisation(conn, &org)?;
            views(conn, list)
        })
        .await
        .map(Json)
}

/// Offers waiting for the caller's moderation (registration officers, for their territory).
#[utoipa::path(get, path = "/moderation/offers", operation_id = "list_offer_moderation_queue", tag = "offers", security(("bearer" = [])),
    responses((status = 200, body = [OfferView]), (status = 403, body = crate::error::ErrorBody)))]
async fn api_moderation_queue(
    State(state): State<AppState>,
    me: CurrentUser,
) -> AppResult<Json<Vec<OfferView>>> {
    authorize(&me, &Action::ViewOfferModerationQueue)?;
    let scope = moderation_departments(&me);
    state
        .db
        .run(move |conn| {
            let deps = scope(conn)?;
            let list = store::pending_in(conn, &deps)?;
            views(conn, list)
        })
        .await
        .map(Json)
}

/// Dashboard tiles: offers for candidates, a recruiter's offers, the moderation queue.
pub async fn tiles(
    state: AppState,
    me: crate::auth::CurrentUser,
) -> crate::error::AppResult<Vec<crate::web::dashboard::Tile>> {
    use crate::auth::policy::{Action, allows};
    let mut tiles = Vec::new();
    if allows(&me, &Action::ActAsCandidate) {
        tiles.push(crate::web::dashboard::Tile {
            href: "/offres",
            title: "Offres d’alternance",
            text: "Les offres publiées près de chez vous.".into(),
            figures: Vec::new(),
        });
    }
    if let (true, Some(org)) = (allows(&me, &Action::Recruit), me.organisation_id.clone()) {
        let published = state
            .db
            .run(move |conn| super::store::published_of(conn, &org))
            .await?;
        tiles.push(crate::web::dashboard::Tile {
            href: "/mes-offres",
            title: "Mes offres",
            text: if allows(&me, &Action::ActForDelegatingCompanies) {
                "Offres que vous gérez pour les entreprises qui vous l’ont délégué.".into()
            } else {
                "Publier, modifier, prolonger vos offres d’alternance.".into()
            },
            figures: vec![crate::web::dashboard::Figure::count(
                published,
                "offre publiée",
                "offres publiées",
            )],
        });
    }
    if allows(&me, &Action::ViewOfferModerationQueue) {
        let departments = moderation_departments(&me);
        let pending = state
            .db
            .run(move |conn| {
                let departments = departments(conn)?;
                super::store::pending_in(conn, &departments)
            })
            .await?
            .len();
        tiles.push(crate::web::dashboard::Tile {
            href: "/moderation/offres",
            title: "Offres à valider",
            text: match pending {
                0 => "Aucune offre n’attend de validation.".into(),
                1 => "1 offre attend votre validation.".into(),
                n => format!("{n} offres attendent votre validation."),
            },
            figures: vec![crate::web::dashboard::Figure::count(
                pending,
                "offre à valider",
                "offres à valider",
            )],
        });
    }
    Ok(tiles)
}

/// « Mon espace »: an organisation's offers, the chamber's moderation queue.
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Action, allows};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if allows(me, &Action::Recruit) && me.organisation_id.is_some() {
        links.push(NavLink::new("/mes-offres", "Mes offres"));
    }
    if allows(me, &Action::ViewOfferModerationQueue) {
        links.push(NavLink::new("/moderation/offres", "Offres à valider"));
    }
    links
}
