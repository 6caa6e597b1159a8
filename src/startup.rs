//! The composition root, next to the router (`crate::api`): the one place that knows every
//! capability. It builds the [`Registry`] in which each capability registers its jobs,
//! schedules, event listeners, dashboard tiles and start checks, opens the state with it, and runs the server.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use chrono::Duration;

use crate::app::Registry;
use crate::config::Config;
use crate::db::now;
use crate::{
    AppState, api, applications, auth, basket, campaigns, candidates, content, discovery, gateway,
    helpline, imports, jobs, mail, offers, organisations, partners, prescriptions, programme,
    reports, sites, trainings, webhooks,
};

/// Every registration, once. The order of the recurring tasks is the order they are
/// enqueued when due together.
pub fn registry() -> Registry {
    let mut reg = Registry::default();
    mail::register(&mut reg);
    crate::search::changes::register(&mut reg.jobs);
    reg.jobs
        .every("maintenance.purge", Duration::hours(1), maintenance);
    reg.retain("audit.purge", auth::audit::retention());
    offers::register(&mut reg);
    candidates::register(&mut reg);
    applications::register(&mut reg);
    prescriptions::register(&mut reg);
    basket::register(&mut reg);
    helpline::register(&mut reg);
    sites::register(&mut reg);
    partners::register(&mut reg);
    reports::register(&mut reg);
    imports::register(&mut reg);
    webhooks::register(&mut reg);
    trainings::register(&mut reg);
    gateway::register(&mut reg);
    content::register(&mut reg);
    campaigns::register(&mut reg);
    dashboard(&mut reg);
    space(&mut reg);
    reg
}

/// « Mon espace », in the order shown: the person's own things first, then their work.
fn space(reg: &mut Registry) {
    reg.nav
        .space(candidates::routes::space)
        .space(applications::routes::space)
        .space(basket::routes::space)
        .space(offers::routes::space)
        .space(crate::referential::retired::space)
        .space(prescriptions::routes::space)
        .space(discovery::routes::space)
        .space(sites::routes::space)
        .space(helpline::routes::space)
        .space(gateway::routes::space)
        .space(imports::routes::space)
        .space(webhooks::routes::space)
        .space(content::routes::space)
        .space(campaigns::routes::space)
        .space(programme::routes::space)
        .space(reports::routes::space)
        .space(organisations::routes::space)
        .space(partners::routes::space);
}

/// The dashboard's tiles, in the order shown (after "Mon compte"), then its sections.
fn dashboard(reg: &mut Registry) {
    reg.dashboard
        .tiles(organisations::routes::tiles)
        .tiles(applications::routes::tiles)
        .tiles(candidates::routes::tiles)
        .tiles(offers::routes::tiles)
        .tiles(organisations::routes::validation_tiles)
        .tiles(crate::referential::retired::tiles)
        .tiles(imports::routes::tiles)
        .tiles(prescriptions::routes::tiles)
        .tiles(helpline::routes::tiles)
        .tiles(partners::routes::tiles)
        .tiles(gateway::routes::tiles)
        .tiles(sites::routes::tiles)
        .tiles(discovery::routes::tiles)
        .tiles(organisations::routes::admin_tiles)
        .tiles(crate::web::retention::tiles)
        .tiles(programme::routes::tiles)
        .tiles(content::routes::tiles)
        .tiles(reports::routes::tiles)
        .section(reports::routes::dashboard_section);
}

/// The plumbing's own housekeeping: expired sessions, old login failures, finished jobs.
async fn maintenance(app: AppState) -> anyhow::Result<()> {
    let idle = Duration::minutes(app.config.session_idle_minutes);
    let max = Duration::hours(app.config.session_max_hours);
    let (sessions, failures, jobs) = app
        .db
        .run(move |conn| {
            Ok((
                auth::purge_expired(conn, idle, max)?,
                auth::throttle::purge(conn)?,
                jobs::purge_finished(conn, now())?,
            ))
        })
        .await?;
    tracing::info!(sessions, failures, jobs, "maintenance purge");
    Ok(())
}

impl AppState {
    /// Opens the database, applies migrations and prepares the mailer, with every
    /// capability registered; runs their start checks (the search index is rebuilt when it
    /// disagrees with the database).
    pub fn init(config: Config) -> anyhow::Result<Self> {
        Self::open(config, registry())
    }

    /// Rebuilds the search index from the database (and puts it at the end of the change
    /// log); `progress` receives the number indexed.
    pub fn rebuild_search(&self, progress: impl Fn(u64)) -> anyhow::Result<u64> {
        crate::search::changes::rebuild(self, &progress)
    }

    pub fn router(&self) -> Router {
        api::router(self.clone())
    }
}

/// A running server: its address is known before it serves (tests bind port 0).
pub struct Application {
    listener: tokio::net::TcpListener,
    state: AppState,
    address: SocketAddr,
}

impl Application {
    pub async fn build(state: AppState) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind(state.config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", state.config.addr))?;
        let address = listener.local_addr()?;
        Ok(Self {
            listener,
            state,
            address,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until Ctrl-C / SIGTERM, with the job runner beside it; finishes requests in
    /// flight before returning.
    pub async fn run(self) -> anyhow::Result<()> {
        self.run_with_ftps(None).await
    }

    /// Serves like [`Application::run`], with the partners' FTPS server beside it when given:
    /// one signal stops both; transfers and imports in flight finish first.
    pub async fn run_with_ftps(
        self,
        ftps: Option<imports::ftps::FtpsHandle>,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let runner = jobs::spawn_runner(self.state.clone(), stop_rx.clone());
        let follower = crate::search::changes::spawn_follower(self.state.clone(), stop_rx.clone());
        let (signal_tx, signal_rx) = tokio::sync::watch::channel(false);
        let signal_tx = Arc::new(signal_tx);
        let on_signal = signal_tx.clone();
        let signal = tokio::spawn(async move {
            shutdown_signal().await;
            let _ = on_signal.send(true);
        });
        let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let app = self.state.router();
        let http = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stopped(signal_rx.clone()));
        let http = async {
            let served = http.await;
            // Should the web server end by itself, the FTPS server stops too.
            let _ = signal_tx.send(true);
            served
        };
        let ftps = async {
            match ftps {
                Some(ftps) => {
                    stopped(signal_rx.clone()).await;
                    ftps.shutdown().await
                }
                None => Ok(()),
            }
        };
        let (served, ftps_stopped) = tokio::join!(http, ftps);
        signal.abort();
        let _ = stop_tx.send(true);
        let _ = runner.await;
        let _ = follower.await;
        served?;
        ftps_stopped?;
        tracing::info!("stopped");
        Ok(())
    }

    /// Serves until the returned sender is dropped or sent to (for tests).
    pub async fn run_until(
        self,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> anyhow::Result<()> {
        let (follow_stop, follow_rx) = tokio::sync::watch::channel(false);
        let follower = crate::search::changes::spawn_follower(self.state.clone(), follow_rx);
        let app = self.state.router();
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop.changed().await;
        })
        .await?;
        let _ = follow_stop.send(true);
        let _ = follower.await;
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut sig) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            sig.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::registry;

    #[test]
    fn every_capability_registers_its_work() {
        let reg = registry();
        // Names and periods are stored in the `schedules` table: they must not drift.
        let schedules: Vec<(&str, i64)> = reg
            .jobs
            .schedules()
            .iter()
            .map(|s| (s.name, s.period.num_seconds()))
            .collect();
        assert_eq!(
            schedules,
            [
                ("mail.purge_bodies", 86400),
                ("search.prune_changes", 3600),
                ("maintenance.purge", 3600),
                ("audit.purge", 86400),
                ("offers.expire", 86400),
                ("candidates.purge_inactive", 86400),
                ("candidates.cv_alerts", 86400),
                ("applications.remind", 86400),
                ("prescriptions.remind", 86400),
                ("prescriptions.followups", 86400),
                ("prescriptions.purge", 86400),
                ("basket.digest", 86400),
                ("helpline.maildir", 60),
                ("helpline.remind", 900),
                ("helpline.purge", 86400),
                ("sites.purge_registrations", 86400),
                ("partners.remind", 86400),
                ("reports.refresh", 60),
                ("imports.interrupted", 60),
                ("imports.purge_files", 86400),
            ]
        );
        // One-off kinds are handled too; every schedule has its handler.
        let kinds = reg.jobs.kinds();
        for kind in [
            crate::mail::JOB_KIND,
            crate::imports::service::REINDEX_JOB,
            crate::imports::service::QUEUE_JOB,
            crate::webhooks::service::DELIVER_JOB,
            crate::campaigns::service::BATCH_JOB,
        ] {
            assert!(kinds.contains(&kind), "{kind}");
        }
        assert_eq!(kinds.len(), schedules.len() + 5);
        // Each kind of personal data the region keeps has its retention and its purge.
        let kinds: Vec<&str> = reg.retention.kinds().iter().map(|k| k.key).collect();
        assert_eq!(
            kinds,
            [
                "mail_bodies",
                "audit_log",
                "candidates",
                "prescribed_people",
                "helpline_requests",
                "event_registrations",
                "import_files",
            ]
        );
        // The France Travail queue and the webhooks follow the offers; the webhooks follow
        // the applications.
        assert_eq!(reg.events.listeners(crate::offers::CHANGED), 2);
        assert_eq!(reg.events.listeners(crate::applications::CREATED), 1);
        assert_eq!(reg.events.listeners(crate::applications::STATUS_CHANGED), 1);
    }

    #[test]
    #[should_panic(expected = "registered twice")]
    fn a_kind_registered_twice_stops_the_start() {
        let mut reg = registry();
        crate::offers::register(&mut reg);
    }
}
