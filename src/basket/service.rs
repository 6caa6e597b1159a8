//! The basket's rules: what a person keeps (offers, profiles of candidates) and the saved
//! searches whose new offers are sent as a digest or read as a feed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::AppState;
use crate::db::{DbConnection, new_id, now, schema::*};
use crate::error::{AppError, AppResult};
use crate::offers::search::{PageSearch, load};
use crate::search::Sort;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = saved_searches)]
pub struct SavedSearch {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub query: String,
    pub alerts: bool,
    pub feed_token: String,
    pub created_at: NaiveDateTime,
}

pub fn save_offer(conn: &mut DbConnection, user_id: &str, offer_id: &str) -> AppResult<()> {
    let exists: i64 = saved_offers::table
        .find((user_id, offer_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(saved_offers::table)
            .values((
                saved_offers::user_id.eq(user_id),
                saved_offers::offer_id.eq(offer_id),
                saved_offers::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn unsave_offer(conn: &mut DbConnection, user_id: &str, offer_id: &str) -> AppResult<()> {
    diesel::delete(saved_offers::table.find((user_id, offer_id))).execute(conn)?;
    Ok(())
}

pub fn saved_offer_ids(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<String>> {
    Ok(saved_offers::table
        .filter(saved_offers::user_id.eq(user_id))
        .order(saved_offers::created_at.desc())
        .select(saved_offers::offer_id)
        .load(conn)?)
}

/// Whether the person keeps this offer in their selection.
pub fn is_saved(conn: &mut DbConnection, user_id: &str, offer_id: &str) -> AppResult<bool> {
    let found: i64 = saved_offers::table
        .filter(saved_offers::user_id.eq(user_id))
        .filter(saved_offers::offer_id.eq(offer_id))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

pub fn save_profile(conn: &mut DbConnection, user_id: &str, candidate_id: &str) -> AppResult<()> {
    let exists: i64 = saved_profiles::table
        .find((user_id, candidate_id))
        .count()
        .get_result(conn)?;
    if exists == 0 {
        diesel::insert_into(saved_profiles::table)
            .values((
                saved_profiles::user_id.eq(user_id),
                saved_profiles::candidate_id.eq(candidate_id),
                saved_profiles::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn unsave_profile(conn: &mut DbConnection, user_id: &str, candidate_id: &str) -> AppResult<()> {
    diesel::delete(saved_profiles::table.find((user_id, candidate_id))).execute(conn)?;
    Ok(())
}

/// Saved profiles still visible to recruiters (a profile hidden since is left out).
pub fn saved_profiles_of(
    conn: &mut DbConnection,
    user_id: &str,
) -> AppResult<Vec<(String, String)>> {
    Ok(saved_profiles::table
        .inner_join(users::table.on(users::id.eq(saved_profiles::candidate_id)))
        .inner_join(
            candidate_profiles::table
                .on(candidate_profiles::user_id.eq(saved_profiles::candidate_id)),
        )
        .filter(saved_profiles::user_id.eq(user_id))
        .filter(candidate_profiles::visible.eq(true))
        .filter(candidate_profiles::validation_status.eq("validated"))
        .order(saved_profiles::created_at.desc())
        .select((users::id, users::first_name))
        .load(conn)?)
}

pub fn create_search(
    conn: &mut DbConnection,
    user_id: &str,
    name: &str,
    query: &str,
    alerts: bool,
) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::unprocessable(
            "Donnez un nom à la recherche (80 caractères au plus).",
        ));
    }
    let count: i64 = saved_searches::table
        .filter(saved_searches::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    if count >= 20 {
        return Err(AppError::unprocessable(
            "Vous avez déjà 20 recherches enregistrées : supprimez-en une d’abord.",
        ));
    }
    let id = new_id();
    diesel::insert_into(saved_searches::table)
        .values((
            saved_searches::id.eq(&id),
            saved_searches::user_id.eq(user_id),
            saved_searches::name.eq(name),
            saved_searches::query.eq(PageSearch::parse(query).query_string()),
            saved_searches::alerts.eq(alerts),
            saved_searches::feed_token.eq(crate::auth::tokens::random_secret()),
            saved_searches::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn searches_of(conn: &mut DbConnection, user_id: &str) -> AppResult<Vec<SavedSearch>> {
    Ok(saved_searches::table
        .filter(saved_searches::user_id.eq(user_id))
        .order(saved_searches::created_at.desc())
        .select(SavedSearch::as_select())
        .load(conn)?)
}

/// Deletes one of the caller's searches; false when it is not theirs.
pub fn delete_search(conn: &mut DbConnection, user_id: &str, id: &str) -> AppResult<bool> {
    Ok(diesel::delete(
        saved_searches::table
            .find(id)
            .filter(saved_searches::user_id.eq(user_id)),
    )
    .execute(conn)?
        == 1)
}

/// Gives a search's feed a new private address: the old one stops working.
pub fn renew_feed(conn: &mut DbConnection, user_id: &str, id: &str) -> AppResult<bool> {
    Ok(diesel::update(
        saved_searches::table
            .find(id)
            .filter(saved_searches::user_id.eq(user_id)),
    )
    .set(saved_searches::feed_token.eq(crate::auth::tokens::random_secret()))
    .execute(conn)?
        == 1)
}

pub fn by_feed_token(conn: &mut DbConnection, token: &str) -> AppResult<Option<SavedSearch>> {
    Ok(saved_searches::table
        .filter(saved_searches::feed_token.eq(token))
        .select(SavedSearch::as_select())
        .first(conn)
        .optional()?)
}

/// The newest published offers matching a saved search (date order), loaded from the database.
pub async fn matches(
    state: &AppState,
    search: &SavedSearch,
    limit: usize,
) -> AppResult<Vec<crate::offers::search::Found>> {
    let page = PageSearch::parse(&search.query);
    let mut asked = page.asked(1, limit);
    asked.sort = "date".into();
    let built = state
        .db
        .run(move |conn| crate::offers::search::build(conn, &asked))
        .await?;
    let Ok((mut query, _)) = built else {
        return Ok(Vec::new());
    };
    query.sort = Sort::Date;
    let index = state.search.clone();
    let result = tokio::task::spawn_blocking(move || index.search(&query, false))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    state.db.run(move |conn| load(conn, &result)).await
}

/// Daily: mails each subscriber the offers published since the search was saved that match
/// it and were never sent before. Returns the number of mails.
pub async fn send_digests(state: &AppState) -> AppResult<usize> {
    let searches: Vec<(SavedSearch, String)> = state
        .db
        .run(|conn| {
            Ok(saved_searches::table
                .inner_join(users::table.on(users::id.eq(saved_searches::user_id)))
                .filter(saved_searches::alerts.eq(true))
                .filter(users::status.eq("active"))
                .select((SavedSearch::as_select(), users::email))
                .load(conn)?)
        })
        .await?;
    let base = state.config.base_url();
    let mut sent = 0;
    for (search, email) in searches {
        let found = matches(state, &search, 50).await?;
        let since = search.created_at;
        let fresh: Vec<_> = found
            .into_iter()
            .filter(|f| f.view.offer.published_at.is_some_and(|p| p >= since))
            .collect();
        if fresh.is_empty() {
            continue;
        }
        let (id, base, name) = (search.id.clone(), base.clone(), search.name.clone());
        let mailed = state
            .db
            .tx(move |conn| {
                let already: Vec<String> = digest_sent::table
                    .filter(digest_sent::saved_search_id.eq(&id))
                    .select(digest_sent::offer_id)
                    .load(conn)?;
                let new: Vec<_> = fresh
                    .iter()
                    .filter(|f| !already.contains(&f.view.offer.id))
                    .collect();
                if new.is_empty() {
                    return Ok(false);
                }
                let mail = super::mails::Digest {
                    name: &name,
                    offers: new
                        .iter()
                        .map(|f| super::mails::DigestOffer {
                            id: f.view.offer.id.clone(),
                            title: f.view.offer.title.clone(),
                            company: f.view.company_name.clone(),
                            place: f.view.place(),
                        })
                        .collect(),
                    base_url: &base,
                };
                crate::mail::enqueue(conn, &email, &mail)?;
                for f in new {
                    diesel::insert_into(digest_sent::table)
                        .values((
                            digest_sent::saved_search_id.eq(&id),
                            digest_sent::offer_id.eq(&f.view.offer.id),
                            digest_sent::sent_at.eq(now()),
                        ))
                        .execute(conn)?;
                }
                Ok(true)
            })
            .await?;
        if mailed {
            sent += 1;
        }
    }
    Ok(sent)
}
