//! The shared application state: configuration, database, mailer, metrics, search index and
//! the registries the capabilities fill at start. Plumbing only: this module knows no
//! capability (they register in `crate::startup`, next to the router).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use anyhow::Context;

use crate::config::Config;
use crate::db::{self, DatabaseUrl, Db};
use crate::{events, jobs, mail, referential, search, telemetry, web};

/// Everything a request handler or a job may need.
pub struct App {
    pub config: Config,
    /// Where time comes from: the same clock as `db`'s (tests move it).
    pub clock: crate::clock::Clock,
    pub db: Db,
    pub mailer: mail::Mailer,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// Identifies this process among several sharing a database (job leases).
    pub instance_id: String,
    /// Full-text and geographic search of published offers (rebuilt from the database).
    pub search: Arc<search::OfferIndex>,
    /// Where this process's index stands in the change log (`search::changes`).
    pub search_cursor: search::changes::Cursor,
    /// What the capabilities registered at start: job handlers, schedules, event listeners.
    pub registry: Registry,
}

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// A check run once the state is open, before anything is served (say, marking work
/// interrupted by a stop as failed); an error stops the start.
pub type OnStart = fn(&AppState) -> anyhow::Result<()>;

/// Where each capability registers, at start, what the shared plumbing runs for it: its
/// kinds of job and recurring tasks ([`jobs::Registry`]), its listeners of other
/// capabilities' events ([`events::Events`]), its dashboard tiles
/// ([`web::dashboard::Registry`]), its start checks, and what it provides to another
/// capability that asked for it by type ([`Registry::provide`]). Built once, by
/// `crate::startup::registry`.
#[derive(Default)]
pub struct Registry {
    pub jobs: jobs::Registry,
    pub events: events::Events,
    pub dashboard: web::dashboard::Registry,
    pub nav: web::nav::Registry,
    /// The kinds of item the search index follows in the change log.
    pub search: search::changes::Registry,
    /// The kinds of personal data whose retention the region sets, with their purges.
    pub retention: web::retention::Registry,
    on_start: Vec<OnStart>,
    provided: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
}

impl Registry {
    /// Makes `value` available to whoever asks for a `T`: a capability declares the type of
    /// what it needs from others (a function answering a question, say), another capability
    /// registers one, and neither imports the other in both directions. A type is provided
    /// once: a second registration is a mistake in `crate::startup` and stops the start.
    pub fn provide<T: Any + Send + Sync>(&mut self, value: T) -> &mut Self {
        let previous = self.provided.insert(TypeId::of::<T>(), Box::new(value));
        assert!(
            previous.is_none(),
            "{} is provided twice",
            std::any::type_name::<T>()
        );
        self
    }

    /// What was registered for `T`, if anything.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.provided
            .get(&TypeId::of::<T>())
            .and_then(|value| value.downcast_ref())
    }

    /// A kind of personal data whose retention the region sets: its purge runs daily as the
    /// recurring task `schedule` (never renamed: it is a row), with the duration set, and
    /// writes its count to the audit log.
    pub fn retain(&mut self, schedule: &'static str, kind: web::retention::Kind) -> &mut Self {
        let key = kind.key;
        self.retention.add(kind);
        self.jobs
            .every(schedule, chrono::Duration::days(1), move |app| async move {
                web::retention::run(&app, key).await.map(|_| ())
            });
        self
    }

    /// `check` runs at every start, in registration order.
    pub fn on_start(&mut self, check: OnStart) -> &mut Self {
        self.on_start.push(check);
        self
    }
}

impl AppState {
    /// Opens the database, applies migrations, prepares the mailer and the search index,
    /// then runs the start checks of `registry`.
    pub fn open(config: Config, registry: Registry) -> anyhow::Result<Self> {
        let url = DatabaseUrl::parse(&config.database_url)?;
        config.prepare_data_dir()?;
        db::guard::refuse_new_over_used_folder(&url, &config.data_dir, config.new_database)?;
        let db = Db::connect(&url)?;
        db.migrate()?;
        db::guard::mark_data_folder(&url, &config.data_dir);
        let mailer = mail::Mailer::new(&config)?;
        let index_dir = config.data_dir.join("index").join("offers");
        let search = Arc::new(
            search::OfferIndex::open_or_create(&index_dir).with_context(|| {
                format!("cannot open the search index in {}", index_dir.display())
            })?,
        );
        let search_cursor = search::changes::Cursor::open(&index_dir);
        let state = Self(Arc::new(App {
            search_cursor,
            metrics: telemetry::metrics_handle(),
            instance_id: db::new_id(),
            config,
            clock: db.clock().clone(),
            db,
            mailer,
            search,
            registry,
        }));
        for check in &state.registry.on_start {
            check(&state)?;
        }
        // The index catches up with the change log, or is rebuilt from the database. A
        // command run beside a server finds the index up to date (the server follows the log):
        // it writes nothing to it.
        search::changes::start(&state)?;
        Ok(state)
    }

    /// Loads the reference data unless it is already there.
    pub fn ensure_reference_data(&self) -> anyhow::Result<()> {
        let mut conn = self.db.conn()?;
        if !referential::load::is_loaded(&mut conn)? {
            let loaded = referential::load_all(&mut conn)?;
            tracing::info!(?loaded, "reference data loaded");
        } else if referential::load::refresh_naf(&mut conn)? {
            tracing::info!("NAF labels and tree refreshed");
        }
        let territory = &self.config.territory;
        if referential::departments::of_territory(territory).is_empty() {
            anyhow::bail!(
                "PASSERELLE_TERRITORY={territory} : ce n’est ni un code de région INSEE (53 pour la Bretagne…) ni FR pour une instance nationale"
            );
        }
        referential::store::set_territory(&mut conn, territory)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Registry;

    #[derive(Debug, PartialEq)]
    struct Answer(u32);

    #[test]
    fn provided_values_are_found_by_type() {
        let mut reg = Registry::default();
        assert_eq!(reg.get::<Answer>(), None);
        reg.provide(Answer(42));
        assert_eq!(reg.get::<Answer>(), Some(&Answer(42)));
    }

    #[test]
    #[should_panic(expected = "provided twice")]
    fn a_type_is_provided_once() {
        let mut reg = Registry::default();
        reg.provide(Answer(1));
        reg.provide(Answer(2));
    }
}
