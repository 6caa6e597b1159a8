//! Atom feeds (RFC 4287) of new offers: public per department and per occupation, private per
//! saved search (at a revocable address).

use atom_syndication::{Entry, Person, Text};
use axum::extract::State;
use axum::http::header;
use axum::response::Response;

use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::offers::search::{Asked, Found, load};
use crate::search::Sort;
use crate::web::extract::Path;
use crate::web::feed;

const FEED_SIZE: usize = 50;

fn render(state: &AppState, id_path: &str, title: String, found: Vec<Found>) -> Response {
    let base = state.config.base_url();
    let entries: Vec<Entry> = found
        .into_iter()
        .map(|f| {
            let o = &f.view.offer;
            let published = feed::date(o.published_at.unwrap_or(o.updated_at));
            Entry {
                id: format!("{base}/offres/{}", o.id),
                title: Text::plain(o.title.clone()),
                updated: feed::date(o.updated_at),
                published: Some(published),
                authors: vec![Person {
                    name: f.view.company_name.clone(),
                    ..Person::default()
                }],
                links: vec![feed::html_link(format!("{base}/offres/{}", o.id))],
                summary: Some(Text::plain(format!(
                    "{} – {} – {} – début le {}",
                    f.view.company_name,
                    f.view.place(),
                    o.contract_label(),
                    o.start_fr()
                ))),
                ..Entry::default()
            }
        })
        .collect();
    feed::respond(&state.config, id_path, title, "/offres", entries)
}

async fn newest(state: &AppState, asked: Asked) -> AppResult<Vec<Found>> {
    let built = state
        .db
        .run(move |conn| crate::offers::search::build(conn, &asked))
        .await?;
    let (mut query, _) = built.map_err(AppError::invalid_fields)?;
    query.sort = Sort::Date;
    let index = state.search.clone();
    let result = tokio::task::spawn_blocking(move || index.search(&query, false))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    state.db.run(move |conn| load(conn, &result)).await
}

pub async fn department(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let code = file
        .strip_suffix(".atom")
        .ok_or_else(AppError::not_found)?
        .to_uppercase();
    let name = state
        .db
        .run(crate::referential::store::departments_all)
        .await?
        .into_iter()
        .find(|d| d.code == code)
        .ok_or_else(AppError::not_found)?
        .name;
    let found = newest(
        &state,
        Asked {
            department: code.clone(),
            page: 1,
            per_page: FEED_SIZE,
            ..Asked::default()
        },
    )
    .await?;
    Ok(render(
        &state,
        &format!("/flux/offres/departement/{code}.atom"),
        format!("Offres d’alternance – {name} ({code})"),
        found,
    ))
}

pub async fn occupation(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let code = file
        .strip_suffix(".atom")
        .ok_or_else(AppError::not_found)?
        .to_uppercase();
    let key = code.clone();
    let rome = state
        .db
        .run(move |conn| crate::referential::store::search_rome(conn, &key, 1))
        .await?
        .into_iter()
        .find(|r| r.code == code)
        .ok_or_else(AppError::not_found)?;
    let found = newest(
        &state,
        Asked {
            rome: vec![code.clone()],
            page: 1,
            per_page: FEED_SIZE,
            ..Asked::default()
        },
    )
    .await?;
    Ok(render(
        &state,
        &format!("/flux/offres/metier/{code}.atom"),
        format!("Offres d’alternance – {}", rome.label),
        found,
    ))
}

pub async fn saved_search(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let token = file
        .strip_suffix(".atom")
        .ok_or_else(AppError::not_found)?
        .to_owned();
    let search = state
        .db
        .run(move |conn| super::service::by_feed_token(conn, &token))
        .await?
        .ok_or_else(AppError::not_found)?;
    let found = super::service::matches(&state, &search, FEED_SIZE).await?;
    let mut response = render(
        &state,
        &format!("/flux/recherche/{}.atom", search.feed_token),
        format!("Passerelle – {}", search.name),
        found,
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, max-age=300"),
    );
    Ok(response)
}
