//! The legal pages' texts written by the editors (legal notice, accessibility statement,
//! introduction of the privacy page), in Markdown, rendered without any HTML of the author's;
//! a page nobody wrote shows its built-in text. Provided to the general pages as
//! `web::pages::LegalTexts`.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use diesel::prelude::*;
use serde::Deserialize;

use super::markdown;
use crate::AppState;
use crate::auth::audit::{self, Event};
use crate::auth::policy::{Action, authorize};
use crate::auth::{CurrentUser, SessionHandle};
use crate::db::schema::legal_texts;
use crate::db::{DbConnection, now};
use crate::error::{AppError, AppResult};
use crate::web::extract::{Form, Path};
use crate::web::pages::LEGAL_PAGES;
use crate::web::{Page, form, render, see_other};

/// A legal text may be this long, in characters.
pub const MAX_CHARS: usize = 50_000;

/// The Markdown an editor wrote for `key`, if any.
pub fn source(conn: &mut DbConnection, key: &str) -> AppResult<Option<String>> {
    Ok(legal_texts::table
        .find(key)
        .select(legal_texts::body)
        .first(conn)
        .optional()?)
}

/// The text of `key` as safe HTML, or `None` for the built-in text (`web::pages::LegalTexts`).
pub fn rendered(conn: &mut DbConnection, key: &str) -> AppResult<Option<String>> {
    Ok(source(conn, key)?.map(|body| markdown::render(&body)))
}

/// Records the text of `key` (empty: back to the built-in text), in the audit log too.
pub fn save(
    conn: &mut DbConnection,
    me: &CurrentUser,
    key: &str,
    body: &str,
) -> AppResult<Result<(), Vec<String>>> {
    authorize(me, &Action::PublishContent)?;
    let body = body.trim();
    if body.chars().count() > MAX_CHARS {
        return Ok(Err(vec![format!(
            "Le texte dépasse {MAX_CHARS} caractères : raccourcissez-le."
        )]));
    }
    diesel::delete(legal_texts::table.find(key)).execute(conn)?;
    if !body.is_empty() {
        diesel::insert_into(legal_texts::table)
            .values((
                legal_texts::key.eq(key),
                legal_texts::body.eq(body),
                legal_texts::updated_by.eq(&me.id),
                legal_texts::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    let detail = if body.is_empty() {
        "texte d’origine rétabli"
    } else {
        "texte modifié"
    };
    audit::record(
        conn,
        Event::by(me, "legal_text_changed")
            .on("legal_page", key)
            .detail(detail),
    )?;
    Ok(Ok(()))
}

pub fn pages() -> crate::web::routes::Pages {
    crate::web::routes::Pages::new().route(
        "/redaction/pages-legales/{key}",
        get(form_page).post(update),
    )
}

/// The legal page of `key` (its address and what it is); 404 for any other.
fn legal_page(key: &str) -> AppResult<(&'static str, &'static str)> {
    LEGAL_PAGES
        .iter()
        .find(|(k, _)| *k == key)
        .copied()
        .ok_or_else(AppError::not_found)
}

#[derive(Default, Deserialize)]
struct LegalForm {
    #[serde(default)]
    body: String,
}

#[derive(Template)]
#[template(path = "content/legal_form.html")]
struct LegalFormPage {
    page: Page,
    key: &'static str,
    body: String,
    errors: Vec<String>,
}

async fn form_page(
    State(state): State<AppState>,
    page: Page,
    me: CurrentUser,
    Path(key): Path<String>,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    let (key, label) = legal_page(&key)?;
    let body = state
        .db
        .run(move |conn| source(conn, key))
        .await?
        .unwrap_or_default();
    render(&LegalFormPage {
        page: page.titled(label),
        key,
        body,
        errors: Vec::new(),
    })
}

async fn update(
    State(state): State<AppState>,
    page: Page,
    session: SessionHandle,
    me: CurrentUser,
    Path(key): Path<String>,
    Form(typed): Form<LegalForm>,
) -> AppResult<Response> {
    authorize(&me, &Action::PublishContent)?;
    let (key, label) = legal_page(&key)?;
    let body = typed.body.clone();
    let result = state.db.tx(move |conn| save(conn, &me, key, &body)).await?;
    match result {
        Ok(()) => {
            session
                .set_flash(format!("Le texte « {label} » est enregistré."))
                .await?;
            Ok(see_other(&format!("/redaction/pages-legales/{key}")))
        }
        Err(errors) => {
            let html = render(&LegalFormPage {
                page: page.titled(label),
                key,
                body: typed.body,
                errors,
            })?;
            Ok(form::rerender(html).into_response())
        }
    }
}
