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
use crate::helpers::{Client, ServeProcess, TestApp, free_port, wait_healthy};

both_backends!(
    a_change_made_on_one_node_is_found_on_the_other,
    a_data_folder_read_only_or_full_keeps_the_node_up,
);

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

/// A filesystem of its own mounted on a folder (tmpfs, `size` bytes), so that a test can make
/// it read-only or full under a running node; unmounted when dropped.
struct Mount(std::path::PathBuf);

impl Mount {
    fn tmpfs(dir: &std::path::Path, size: &str) -> Self {
        let mount = Self(dir.to_owned());
        mount.run(&["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]);
        mount
    }

    fn run(&self, args: &[&str]) {
        let out = std::process::Command::new("mount")
            .args(args)
            .arg(&self.0)
            .output()
            .expect("mount");
        assert!(
            out.status.success(),
            "this test mounts a tmpfs (as root, as CI runs): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn read_only(&self, read_only: bool) {
        self.run(&[
            "-o",
            if read_only {
                "remount,ro"
            } else {
                "remount,rw"
            },
        ]);
    }

    /// Fills the filesystem to its last block; returns the file to remove to free it.
    fn fill(&self) -> std::path::PathBuf {
        let filler = self.0.join("filler");
        for bs in ["1M", "4k", "512"] {
            let _ = std::process::Command::new("dd")
                .args([
                    "if=/dev/zero",
                    "conv=notrunc",
                    "oflag=append",
                    &format!("bs={bs}"),
                ])
                .arg(format!("of={}", filler.display()))
                .output()
                .expect("dd");
        }
        filler
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// The node's `/healthz` status and `code`.
async fn health(node: &TestApp) -> (StatusCode, String) {
    let r = node.client().get("/healthz").await;
    let code = r.json()["code"].as_str().unwrap_or("").to_owned();
    (r.status, code)
}

/// A node whose data folder turns read-only, then full, while it runs: changes are still
/// accepted (the database holds them), the node stays up and says what is wrong on `/healthz`
/// (so that a load balancer sends searches elsewhere), and once the folder can be written
/// again its index catches up exactly, nothing half-written.
async fn a_data_folder_read_only_or_full_keeps_the_node_up(app: TestApp) {
    let app = app.with_demo().await;
    let mut mounted = None;
    let node = app
        .another_node(|dir| mounted = Some(Mount::tmpfs(dir, "64m")))
        .await;
    let mount = mounted.expect("mounted");
    let before = published(&app).await;
    assert_eq!(node.state.search.len(), before);
    assert_eq!(health(&node).await.0, StatusCode::OK);
    let ids = recruiter_offers(&app).await;
    let mut recruiter = node.login_as("recruiter@demo.passerelle.test").await;

    // Read-only: the recruiter's change is made; the node's search is behind and it says so.
    mount.read_only(true);
    fill(&mut recruiter, &ids[0]).await;
    assert_eq!(published(&app).await, before - 1);
    assert_eq!(node.state.search.len(), before, "nothing written");
    let r = node.client().get("/healthz").await;
    r.assert_status(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["code"], "search_index_behind");
    let message = r.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("L’index de recherche de ce nœud ne peut pas être mis à jour")
            && message.contains("accessible en écriture"),
        "{message}"
    );
    node.client().get("/").await.assert_status(StatusCode::OK);
    // Writable again: the follower's next turn catches up.
    mount.read_only(false);
    passerelle::search::changes::catch_up(&node.state).await;
    assert_eq!(node.state.search.len(), before - 1);
    assert_eq!(health(&node).await.0, StatusCode::OK);

    // Full: the same, until space is freed.
    let filler = mount.fill();
    fill(&mut recruiter, &ids[1]).await;
    assert_eq!(published(&app).await, before - 2);
    assert_eq!(node.state.search.len(), before - 1);
    assert_eq!(
        health(&node).await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "search_index_behind".to_owned()
        )
    );
    std::fs::remove_file(filler).unwrap();
    passerelle::search::changes::catch_up(&node.state).await;
    assert_eq!(node.state.search.len(), before - 2);
    assert_eq!(health(&node).await.0, StatusCode::OK);
    let r = node.client().get("/api/v1/offers/search").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.json()["total"].as_u64(), Some(before - 2), "{}", r.text);
    drop(mount);
}

/// Debian's nginx in front of the nodes (as `deploy/nginx-passerelle.conf`, without TLS).
struct Proxy {
    child: std::process::Child,
    port: u16,
}

impl Proxy {
    async fn start(dir: &std::path::Path, nodes: &[&ServeProcess]) -> Self {
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("Debian's nginx (scripts/test installs nginx-light)");
        let port = free_port();
        let dir = dir.join("nginx");
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        let upstream: String = nodes
            .iter()
            .map(|n| format!("server 127.0.0.1:{} max_fails=1 fail_timeout=5s;\n", n.port))
            .collect();
        let conf = format!(
            "worker_processes 1;\n\
             error_log {dir}/logs/error.log;\n\
             pid {dir}/nginx.pid;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n\
               access_log off;\n\
               client_body_temp_path {dir}/body;\n\
               proxy_temp_path {dir}/proxy;\n\
               fastcgi_temp_path {dir}/fastcgi;\n\
               uwsgi_temp_path {dir}/uwsgi;\n\
               scgi_temp_path {dir}/scgi;\n\
               client_max_body_size 60m;\n\
               client_body_buffer_size 60m;\n\
               proxy_max_temp_file_size 0;\n\
               upstream passerelle {{ {upstream} keepalive 8; }}\n\
               server {{\n\
                 listen 127.0.0.1:{port};\n\
                 location / {{\n\
                   proxy_pass http://passerelle;\n\
                   proxy_http_version 1.1;\n\
                   proxy_set_header Connection \"\";\n\
                   proxy_set_header Host $host;\n\
                   proxy_set_header X-Forwarded-For $remote_addr;\n\
                   proxy_next_upstream error timeout http_502 http_503;\n\
                 }}\n\
               }}\n\
             }}\n",
            dir = dir.display()
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let child = std::process::Command::new(nginx)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.join("logs/stderr.log")).unwrap())
            .spawn()
            .expect("nginx");
        let proxy = Self { child, port };
        wait_healthy(&proxy.base(), "nginx", &dir.join("logs/error.log")).await;
        proxy
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // SIGTERM: nginx's master stops its workers (SIGKILL would leave them running).
        let _ = std::process::Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// The search API's total, asked over HTTP at `base`.
async fn total_at(app: &TestApp, base: &str) -> u64 {
    let r = app.client().via(base).get("/api/v1/offers/search").await;
    r.assert_status(StatusCode::OK);
    r.json()["total"].as_u64().expect("total")
}

/// Waits (up to 1 s, the promise) until the search at `base` finds `expected` offers.
async fn found_within_a_second(app: &TestApp, base: &str, expected: u64) {
    let start = Instant::now();
    loop {
        let found = total_at(app, base).await;
        if found == expected {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{base} finds {found} offers after 1 s, {expected} expected"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Two `passerelle serve` processes on one PostgreSQL database behind nginx: what changes
/// through one is found through the other within a second, a CV sent to one downloads from
/// the other, each scheduled task runs once, the proxy keeps answering while a node is
/// killed, and the node started again catches up exactly.
#[tokio::test]
#[cfg_attr(
    not(pg_tests),
    ignore = "PostgreSQL suite NOT RUN: set PASSERELLE_TEST_POSTGRES_URL"
)]
async fn two_server_processes_behind_nginx() {
    let app = TestApp::new(crate::helpers::Backend::Postgres)
        .await
        .with_demo()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let a = ServeProcess::start(&app, &dir.path().join("a"), &[]).await;
    let mut b = ServeProcess::start(&app, &dir.path().join("b"), &[]).await;
    let proxy = Proxy::start(dir.path(), &[&a, &b]).await;
    let before = published(&app).await;
    for _ in 0..4 {
        // Both nodes in turn.
        assert_eq!(total_at(&app, &proxy.base()).await, before);
    }

    // An offer filled through A leaves B's search within a second.
    let ids = recruiter_offers(&app).await;
    let mut recruiter = app
        .login_as("recruiter@demo.passerelle.test")
        .await
        .via(&a.base());
    fill(&mut recruiter, &ids[0]).await;
    assert_eq!(published(&app).await, before - 1);
    found_within_a_second(&app, &b.base(), before - 1).await;

    // A CV sent to A downloads from B, and through the proxy.
    let mut candidate = app.login_as("candidate@demo.passerelle.test").await;
    crate::candidates::fill_profile(&mut candidate).await;
    let mut candidate = candidate.via(&a.base());
    candidate.get("/profil").await.assert_status(StatusCode::OK);
    candidate
        .post_file("/profil/cv", "cv", "mon-cv.pdf", &crate::candidates::pdf())
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let mut candidate = candidate.via(&b.base());
    let cv = candidate.get("/profil/cv").await;
    cv.assert_status(StatusCode::OK);
    assert_eq!(cv.bytes, crate::candidates::pdf());
    let mut candidate = candidate.via(&proxy.base());
    assert_eq!(
        candidate.get("/profil/cv").await.bytes,
        crate::candidates::pdf()
    );

    // Each scheduled task ran once, though both nodes run the scheduler.
    let names: Vec<String> = app
        .state
        .registry
        .jobs
        .schedules()
        .iter()
        .map(|s| s.name.to_owned())
        .collect();
    let counts: Vec<(String, i64)> = app
        .state
        .db
        .run(move |conn| {
            use passerelle::db::schema::jobs;
            Ok(jobs::table
                .filter(jobs::kind.eq_any(&names))
                .group_by(jobs::kind)
                .select((jobs::kind, diesel::dsl::count_star()))
                .load(conn)?)
        })
        .await
        .unwrap();
    assert!(!counts.is_empty(), "the nodes run the scheduled tasks");
    assert!(
        counts.iter().all(|(_, n)| *n == 1),
        "each scheduled task once: {counts:?}"
    );

    // B is killed: the proxy keeps answering from A; A changes things meanwhile.
    b.kill();
    for _ in 0..4 {
        assert_eq!(total_at(&app, &proxy.base()).await, before - 1);
    }
    fill(&mut recruiter, &ids[1]).await;
    assert_eq!(published(&app).await, before - 2);
    // B starts again on its folder: caught up exactly, at once.
    b = ServeProcess::start(&app, &dir.path().join("b"), &[]).await;
    assert_eq!(total_at(&app, &b.base()).await, before - 2);
    for _ in 0..4 {
        assert_eq!(total_at(&app, &proxy.base()).await, before - 2);
    }
    drop(proxy);
    drop(a);
    drop(b);
}
