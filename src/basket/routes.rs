use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::feeds;
use super::service::{self, SavedSearch};
use crate::AppState;
use crate::auth::policy::{Action, allows};
use crate::auth::{CurrentUser, SessionHandle};
use crate::error::{AppError, AppResult};
use crate::offers::routes::{OfferView, views};
use crate::types::Role;
use crate::web::extract::Form;
use crate::web::{Page, render, see_other};

pub fn pages() -> Router<AppState> {
    Router::new()
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

async fn basket(State(state): State<AppState>, page: Page, me: CurrentUser) -> AppResult<Response> {
    let candidate = me.role == Role::Candidate;
    if !candidate && !allows(&me, &Action::SearchCandidates) {
        return Err(AppError::forbidden());
    }
    let id = me.id.clone();
    let (offers, searches, profiles) = state
        .db
        .run(move |conn| {
            let ids = service::saved_offer_ids(conn, &id)?;
            let list = crate::offers::store::get_many(conn, &ids)?;
            let mut offers = views(conn, list)?;
            offers.sort_by_key(|v| ids.iter().position(|i| *i == v.offer.id));
            Ok((
                offers,
                service::searches_of(conn, &id)?,
                service::saved_profiles_of(conn, &id)?,
            ))
        })
        .await?;
    render(&BasketPage {
        page: page.titled("Mon panier"),
        offers,
        searches,
        profiles,
        base_url: state.config.base_url(),
        candidate,
    })
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
    if me.role != Role::Candidate {
        return Err(AppError::forbidden());
    }
    let add = form.action == "ajouter";
    let offer = id.clone();
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
        .await?;
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
    if !allows(&me, &Action::SearchCandidates) {
        return Err(AppError::forbidden());
    }
    let add = form.action == "ajouter";
    let candidate = id.clone();
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
        .await?;
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
    if me.role != Role::Candidate {
        return Err(AppError::forbidden());
    }
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
