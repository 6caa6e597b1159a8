//! The basket's pages and API: saved offers and profiles, saved searches and their feeds.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::feeds;
use super::service::{self, SavedSearch};
use crate::AppState;
use crate::auth::policy::{Action, allows, authorize};
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::offers::routes::{OfferView, views};
use crate::web::extract::{Form, Path};
use crate::web::{Page, render, see_other};

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_basket))
        .routes(routes!(api_keep_offer, api_drop_offer))
        .routes(routes!(api_keep_profile, api_drop_profile))
        .routes(routes!(api_create_search))
        .routes(routes!(api_delete_search))
        .routes(routes!(api_renew_feed))
}

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new()
        .route("/panier", get(basket))
        .route("/offres/{id}/panier", post(toggle_offer))
        .route("/candidats/{id}/panier", post(toggle_profile))
        .route("/recherches", post(save_search))
        .route("/recherches/{id}/supprimer", post(delete_search))
        .route("/recherches/{id}/nouveau-lien", post(renew_feed))
        .route("/flux/offres/departement/{file}", get(feeds::department))
        .route("/flux/offres/metier/{file}", get(feeds::occupation))
        .route("/flux/recherche/{file}", get(feeds::saved_search))
}

#[derive(Template)]
#[template(path = "basket/basket.html")]
struct BasketPage {
    page: Page,
    offers: Vec<OfferView>,
    searches: Vec<SavedSearch>,
    profiles: Vec<(String, String)>,
    base_url: String,
    candidate: bool,
}

/// What one person keeps: saved offers (candidates), saved profiles (recruiters, still visible
/// ones only) and saved searches.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Basket {
    pub offers: Vec<OfferView>,
    pub profiles: Vec<SavedProfile>,
    pub searches: Vec<SavedSearchView>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SavedProfile {
    pub id: String,
    pub first_name: String,
}

/// A saved search as its owner sees it, with its private feed address.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SavedSearchView {
    pub id: String,
    pub name: String,
    /// Query string of the offer search (`q=…&commune=…`), as on `/offres`.
    pub query: String,
    pub alerts: bool,
    pub feed_url: String,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub created_at: chrono::NaiveDateTime,
}

fn may_keep_basket(me: &CurrentUser) -> AppResult<()> {
    if allows(me, &Action::KeepOfferBasket) || allows(me, &Action::SearchCandidates) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

async fn load_basket(state: &AppState, me: &CurrentUser) -> AppResult<(Basket, Vec<SavedSearch>)> {
    may_keep_basket(me)?;
    let id = me.id.clone();
    let base = state.config.base_url();
    state
        .db
        .run(move |conn| {
            let ids = service::saved_offer_ids(conn, &id)?;
            let list = crate::offers::store::get_many(conn, &ids)?;
            let mut offers = views(conn, list)?;
            offers.sort_by_key(|v| ids.iter().position(|i| *i == v.offer.id));
            let searches = service::searches_of(conn, &id)?;
            let profiles = service::saved_profiles_of(conn, &id)?
                .into_iter()
                .map(|(id, first_name)| SavedProfile { id, first_name })
                .collect();
            let views = searches
                .iter()
                .map(|s| SavedSearchView {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    query: s.query.clone(),
                    alerts: s.alerts,
                    feed_url: format!("{base}/flux/recherche/{}.atom", s.feed_token),
                    created_at: s.created_at,
                })
                .collect();
            Ok((
                Basket {
                    offers,
                    profiles,
                    searches: views,
                },
                searches,
            ))
        })
        .await
}

async fn basket(State(state): State<AppState>, page: Page, me: CurrentUser) -> AppResult<Response> {
    let (basket, searches) = load_basket(&state, &me).await?;
    render(&BasketPage {
        page: page.titled("Mon panier"),
        offers: basket.offers,
        searches,
        profiles: basket
            .profiles
            .into_iter()
            .map(|p| (p.id, p.first_name))
            .collect(),
        base_url: state.config.base_url(),
        candidate: allows(&me, &Action::KeepOfferBasket),
    })
}

/// Adds a published offer to a candidate's basket, or takes one out.
async fn keep_offer(state: &AppState, me: CurrentUser, offer: String, add: bool) -> AppResult<()> {
    authorize(&me, &Action::KeepOfferBasket)?;
    state
        .db
        .run(move |conn| {
            if add {
                let o = crate::offers::store::get(conn, &offer)?;
                if !o.is_published() {
                    return Err(AppError::not_found());
                }
                service::save_offer(conn, &me.id, &offer)
            } else {
                service::unsave_offer(conn, &me.id, &offer)
            }
        })
        .await
}

/// Adds a profile the recruiter may see to its basket, or takes one out.
async fn keep_profile(
    state: &AppState,
    me: CurrentUser,
    candidate: String,
    add: bool,
) -> AppResult<()> {
    authorize(&me, &Action::SearchCandidates)?;
    state
        .db
        .run(move |conn| {
            if add {
                let profile = crate::candidates::store::get(conn, &candidate)?
                    .ok_or_else(AppError::not_found)?;
                if !allows(
                    &me,
                    &Action::ViewCandidate(&crate::candidates::service::candidate_ref(&profile)),
                ) {
                    return Err(AppError::not_found());
                }
                service::save_profile(conn, &me.id, &candidate)
            } else {
                service::unsave_profile(conn, &me.id, &candidate)
            }
        })
        .await
}

#[derive(Deserialize)]
struct ToggleForm {
    action: String,
}

async fn toggle_offer(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ToggleForm>,
) -> AppResult<Response> {
    let add = form.action == "ajouter";
    keep_offer(&state, me, id.clone(), add).await?;
    session
        .set_flash(if add {
            "L’offre est dans votre panier."
        } else {
            "L’offre est retirée de votre panier."
        })
        .await?;
    Ok(see_other(&format!("/offres/{id}")))
}

async fn toggle_profile(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
    Form(form): Form<ToggleForm>,
) -> AppResult<Response> {
    let add = form.action == "ajouter";
    keep_profile(&state, me, id.clone(), add).await?;
    session
        .set_flash(if add {
            "Le profil est dans votre panier."
        } else {
            "Le profil est retiré de votre panier."
        })
        .await?;
    Ok(see_other(&format!("/candidats/{id}")))
}

#[derive(Deserialize)]
struct SearchForm {
    name: String,
    query: String,
    alerts: Option<String>,
}

async fn save_search(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Form(form): Form<SearchForm>,
) -> AppResult<Response> {
    authorize(&me, &Action::KeepOfferBasket)?;
    let result = state
        .db
        .run(move |conn| {
            service::create_search(conn, &me.id, &form.name, &form.query, form.alerts.is_some())
        })
        .await;
    match result {
        Ok(_) => {
            session.set_flash("La recherche est enregistrée. Vous recevrez chaque jour les nouvelles offres qui y répondent.").await?;
            Ok(see_other("/panier"))
        }
        Err(e) if e.status().is_client_error() => {
            session.set_flash(e.message().to_owned()).await?;
            Ok(see_other("/panier"))
        }
        Err(e) => Err(e),
    }
}

async fn delete_search(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    if !state
        .db
        .run(move |conn| service::delete_search(conn, &me.id, &id))
        .await?
    {
        return Err(AppError::not_found());
    }
    session
        .set_flash("La recherche est supprimée, avec ses alertes et son flux.")
        .await?;
    Ok(see_other("/panier"))
}

async fn renew_feed(
    State(state): State<AppState>,
    session: SessionHandle,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Response> {
    if !state
        .db
        .run(move |conn| service::renew_feed(conn, &me.id, &id))
        .await?
    {
        return Err(AppError::not_found());
    }
    session
        .set_flash("Le flux a une nouvelle adresse : l’ancienne ne fonctionne plus.")
        .await?;
    Ok(see_other("/panier"))
}

// ---- API ----

/// The caller's basket: saved offers (candidate), saved profiles (recruiter) and saved searches
/// with their private feed addresses.
#[utoipa::path(get, path = "/basket", operation_id = "get_basket", tag = "basket", security(("bearer" = [])),
    responses((status = 200, body = Basket), (status = 403, body = crate::error::ErrorBody)))]
async fn api_basket(State(state): State<AppState>, me: CurrentUser) -> AppResult<Json<Basket>> {
    load_basket(&state, &me)
        .await
        .map(|(basket, _)| Json(basket))
}

/// Saves a published offer (candidates). Saving it twice changes nothing.
#[utoipa::path(put, path = "/basket/offers/{id}", operation_id = "keep_offer_in_basket", tag = "basket", security(("bearer" = [])),
    params(("id" = String, Path, description = "Offer id")),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn api_keep_offer(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    keep_offer(&state, me, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes an offer out of the basket.
#[utoipa::path(delete, path = "/basket/offers/{id}", operation_id = "drop_offer_from_basket", tag = "basket", security(("bearer" = [])),
    params(("id" = String, Path, description = "Offer id")),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody)))]
async fn api_drop_offer(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    keep_offer(&state, me, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Saves a candidate's profile the recruiter may see (validated recruiters and centres).
#[utoipa::path(put, path = "/basket/candidates/{id}", operation_id = "keep_profile_in_basket", tag = "basket", security(("bearer" = [])),
    params(("id" = String, Path, description = "Candidate (account) id")),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
async fn api_keep_profile(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    keep_profile(&state, me, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes a profile out of the basket.
#[utoipa::path(delete, path = "/basket/candidates/{id}", operation_id = "drop_profile_from_basket", tag = "basket", security(("bearer" = [])),
    params(("id" = String, Path, description = "Candidate (account) id")),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody)))]
async fn api_drop_profile(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    keep_profile(&state, me, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewSavedSearch {
    /// 1 to 80 characters.
    pub name: String,
    /// Query string of the offer search, as on `/offres` (`q=boulanger&commune=35238&rayon=30`).
    pub query: String,
    /// Daily e-mail of new matching offers.
    #[serde(default)]
    pub alerts: bool,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CreatedSearch {
    pub id: String,
}

/// Saves an offer search (candidates, 20 at most), with daily alerts if asked.
#[utoipa::path(post, path = "/saved-searches", operation_id = "create_saved_search", tag = "basket", security(("bearer" = [])),
    request_body = NewSavedSearch,
    responses((status = 201, body = CreatedSearch), (status = 403, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)))]
async fn api_create_search(
    State(state): State<AppState>,
    me: CurrentUser,
    crate::web::extract::Json(body): crate::web::extract::Json<NewSavedSearch>,
) -> AppResult<Response> {
    authorize(&me, &Action::KeepOfferBasket)?;
    let id = state
        .db
        .run(move |conn| service::create_search(conn, &me.id, &body.name, &body.query, body.alerts))
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedSearch { id })).into_response())
}

/// Deletes one of the caller's saved searches, with its alerts and feed.
#[utoipa::path(delete, path = "/saved-searches/{id}", operation_id = "delete_saved_search", tag = "basket", security(("bearer" = [])),
    params(("id" = String, Path, description = "Saved search id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
async fn api_delete_search(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    if state
        .db
        .run(move |conn| service::delete_search(conn, &me.id, &id))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::not_found())
    }
}

/// Gives a saved search's feed a new private address; the old one stops working.
#[utoipa::path(post, path = "/saved-searches/{id}/feed", operation_id = "renew_saved_search_feed", tag = "basket", security(("bearer" = [])),
    params(("id" = String, Path, description = "Saved search id")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
async fn api_renew_feed(
    State(state): State<AppState>,
    me: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    if state
        .db
        .run(move |conn| service::renew_feed(conn, &me.id, &id))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::not_found())
    }
}

/// « Mon espace »: offers kept and saved searches with their alerts (candidates), saved profiles (recruiters).
pub fn space(me: &crate::auth::CurrentUser) -> Vec<crate::web::nav::NavLink> {
    use crate::auth::policy::{Action, allows};
    use crate::web::nav::NavLink;
    let mut links = Vec::new();
    if allows(me, &Action::KeepOfferBasket) {
        links.push(NavLink::new("/panier", "Mon panier et mes alertes"));
    } else if allows(me, &Action::SearchCandidates) {
        links.push(NavLink::new("/panier", "Profils sauvegardés"));
    }
    links
}
