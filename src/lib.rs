//! Passerelle: one regional platform for work-study offers, funded training, information on
//! trades, and the partners who help people into them.

pub mod api;
pub mod applications;
pub mod auth;
pub mod basket;
pub mod candidates;
pub mod clock;
pub mod config;
pub mod content;
pub mod db;
pub mod demo;
pub mod discovery;
pub mod error;
pub mod gateway;
pub mod helpline;
pub mod imports;
pub mod jobs;
pub mod mail;
pub mod offers;
pub mod organisations;
pub mod partners;
pub mod prescriptions;
pub mod programme;
pub mod referential;
pub mod reports;
pub mod search;
pub mod sites;
pub mod telemetry;
pub mod trainings;
pub mod types;
pub mod web;

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;

pub use config::Config;
use db::{DatabaseUrl, Db};

/// Everything a request handler or a job may need.
pub struct App {
    pub config: Config,
    /// Where time comes from: the same clock as `db`'s (tests move it).
    pub clock: clock::Clock,
    pub db: Db,
    pub mailer: mail::Mailer,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Identifies this process among several sharing a database (job leases).
    pub instance_id: String,
    /// Full-text and geographic search of published offers (rebuilt from the database).
    pub search: Arc<search::OfferIndex>,
}

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl AppState {
    /// Opens the database, applies migrations and prepares the mailer.
    pub fn init(config: Config) -> anyhow::Result<Self> {
        let url = DatabaseUrl::parse(&config.database_url)?;
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
        let db = Db::connect(&url)?;
        db.migrate()?;
        let mailer = mail::Mailer::new(&config)?;
        let index_dir = config.data_dir.join("index").join("offers");
        let search = Arc::new(
            search::OfferIndex::open_or_create(&index_dir).with_context(|| {
                format!("cannot open the search index in {}", index_dir.display())
            })?,
        );
        let state = Self(Arc::new(App {
            metrics: telemetry::metrics_handle(),
            instance_id: db::new_id(),
            config,
            clock: db.clock().clone(),
            db,
            mailer,
            search,
        }));
        let interrupted = imports::service::fail_interrupted(&mut *state.db.conn()?)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if interrupted > 0 {
            tracing::warn!(
                interrupted,
                "import runs interrupted by a stop marked as failed"
            );
        }
        // The database is the source of truth: an index that disagrees is rebuilt.
        let published = offers::index::published_count(&mut *state.db.conn()?)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if u64::try_from(published).unwrap_or(0) != state.search.len() {
            let count = state.rebuild_search(|_| {})?;
            tracing::info!(count, "search index rebuilt");
        }
        Ok(state)
    }

    /// Rebuilds the offer index from the database; `progress` receives the number indexed.
    pub fn rebuild_search(&self, progress: impl Fn(u64)) -> anyhow::Result<u64> {
        let mut conn = self.db.conn()?;
        let mut docs = Vec::new();
        offers::index::all_docs(&mut conn, |page| {
            docs.extend(page);
            Ok(())
        })?;
        self.search.rebuild(docs.into_iter(), progress)
    }

    /// Brings the index in step with the database for these offers (after any change).
    /// The France Travail gateway queue follows too.
    pub async fn search_sync(&self, ids: Vec<String>) -> error::AppResult<()> {
        let (docs, gone) = self
            .db
            .tx(move |conn| {
                gateway::sync(conn, &ids)?;
                offers::index::docs_for(conn, &ids)
            })
            .await?;
        let index = self.search.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            if !docs.is_empty() {
                index.upsert(&docs)?;
            }
            if !gone.is_empty() {
                index.delete(&gone)?;
            }
            Ok(())
        })
        .await
        .map_err(error::AppError::internal)?
        .map_err(error::AppError::internal)
    }

    /// Loads the reference data unless it is already there.
    pub fn ensure_reference_data(&self) -> anyhow::Result<()> {
        let mut conn = self.db.conn()?;
        if !referential::load::is_loaded(&mut conn)? {
            let loaded = referential::load_all(&mut conn)?;
            tracing::info!(?loaded, "reference data loaded");
        }
        Ok(())
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
        let app = self.state.router();
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop.changed().await;
        })
        .await?;
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
