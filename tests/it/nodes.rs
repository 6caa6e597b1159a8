//! Several nodes, one truth: two server processes on one database (here two applications in
//! one test process, each with its own data folder and search index). A change made through
//! one is found through the other within a second, from the change log; a node that was
//! stopped catches up exactly when it starts again; the log is pruned behind the live nodes,
//! and a node left behind the pruned log rebuilds its index from the database.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use diesel::prelude::*;
use passerelle::AppState;
use passerelle::db::schema::{search_changes, search_nodes};

use crate::both_backends;
use crate::helpers::{Client, TestApp};

both_backends!(a_change_made_on_one_node_is_found_on_the_other);

/// A second node on the database of `app`, with its own data folder; serving (with its log
/// follower) until the returned sender is sent to.
async fn node(
    app: &TestApp,
    data_dir: &std::path::Path,
) -> (
    AppState,
    tokio::sync::watch::Sender<bool>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let mut config = app.state.config.clone();
    config.data_dir = data_dir.to_owned();
    let state = tokio::task::spawn_blocking(move || AppState::init(config))
        .await
        .unwrap()
        .expect("second node");
    let application = passerelle::Application::build(state.clone())
        .await
        .expect("second node serves");
    let (stop, rx) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(application.run_until(rx));
    (state, stop, running)
}

async fn published(app: &TestApp) -> u64 {
    let n = app
        .state
        .db
        .run(passerelle::offers::index::published_count)
        .await
        .unwrap();
    u64::try_from(n).unwrap()
}

/// Waits (up to 1 s, the promise) until the node's index holds `expected` offers.
async fn within_a_second(node: &AppState, expected: u64) {
    let start = Instant::now();
    while node.search.len() != expected {
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "the other node holds {} offers after 1 s, {expected} expected",
            node.search.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The published offers the demo recruiter's company manages.
async fn recruiter_offers(app: &TestApp) -> Vec<String> {
    use passerelle::db::schema::{offers, users};
    app.state
        .db
        .run(|conn| {
            let org: Option<String> = users::table
                .filter(users::email.eq("recruiter@demo.passerelle.test"))
                .select(users::organisation_id)
                .first(conn)?;
            Ok(offers::table
                .filter(offers::managed_by_id.eq(org.unwrap_or_default()))
                .filter(offers::status.eq("published"))
                .order(offers::id)
                .select(offers::id)
                .load(conn)?)
        })
        .await
        .unwrap()
}

async fn fill(recruiter: &mut Client<'_>, id: &str) {
    recruiter.get("/mes-offres").await;
    recruiter
        .post_form(&format!("/mes-offres/{id}/pourvue"), &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

async fn a_change_made_on_one_node_is_found_on_the_other(app: TestApp) {
    let app = app.with_demo().await;
    let folder = tempfile::tempdir().unwrap();
    let (b, stop_b, running_b) = node(&app, folder.path()).await;
    let before = published(&app).await;
    assert!(before >= 2, "demo offers");
    assert_eq!(b.search.len(), before, "the new node built its index");

    // An offer filled through A leaves B's search within a second.
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    let ids = recruiter_offers(&app).await;
    assert!(
        ids.len() >= 2,
        "two published offers of the recruiter: {ids:?}"
    );
    fill(&mut recruiter, &ids[0]).await;
    assert_eq!(published(&app).await, before - 1);
    within_a_second(&b, before - 1).await;

    // B stops; A changes again; B starts again on its folder and catches up exactly.
    stop_b.send(true).unwrap();
    running_b.await.unwrap().unwrap();
    drop(b);
    fill(&mut recruiter, &ids[1]).await;
    let (b, stop_b, running_b) = node(&app, folder.path()).await;
    assert_eq!(b.search.len(), before - 2, "caught up at start");
    let last: i64 = app
        .state
        .db
        .run(|conn| {
            Ok(search_changes::table
                .select(diesel::dsl::max(search_changes::seq))
                .first::<Option<i64>>(conn)?
                .unwrap_or(0))
        })
        .await
        .unwrap();
    assert_eq!(b.search_cursor.position(), Some(last), "from its cursor");

    // B tells how far it went; the log is pruned behind it.
    let start = Instant::now();
    loop {
        let id = b.instance_id.clone();
        let seen: Option<i64> = app
            .state
            .db
            .run(move |conn| {
                Ok(search_nodes::table
                    .find(id)
                    .select(search_nodes::cursor)
                    .first(conn)
                    .optional()?)
            })
            .await
            .unwrap();
        if seen == Some(last) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "no heartbeat");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pruned = app
        .state
        .db
        .run(passerelle::search::changes::prune)
        .await
        .unwrap();
    assert!(pruned >= 1, "{pruned} rows pruned (the last one stays)");
    stop_b.send(true).unwrap();
    running_b.await.unwrap().unwrap();
    drop(b);

    // A node whose cursor is older than the pruned log rebuilds from the database.
    std::fs::write(folder.path().join("index/offers/changes-cursor"), "0").unwrap();
    let mut recruiter = app.login_as("recruiter@demo.passerelle.test").await;
    recruiter.get("/mes-offres").await;
    let (b, stop_b, running_b) = node(&app, folder.path()).await;
    assert_eq!(b.search.len(), published(&app).await);
    assert_eq!(b.search_cursor.position(), Some(last));
    stop_b.send(true).unwrap();
    running_b.await.unwrap().unwrap();
}
