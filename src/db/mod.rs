//! Storage: one diesel `MultiConnection` over SQLite (embedded default) and PostgreSQL
//! (scale-out), a pool, embedded per-backend migrations, and blocking work kept off the
//! async runtime.

pub mod backup;
pub mod files;
pub mod guard;
pub mod json_list;
pub mod schema;

use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::clock::Clock;
use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend. Queries written once against `MultiBackend` run on both;
/// the rare dialect-specific spot goes through [`with_backend!`].
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Runs the same diesel code against the concrete connection inside a [`DbConnection`], for
/// statements `MultiBackend` cannot express (bulk inserts, upserts).
#[macro_export]
macro_rules! with_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Where the data lives, parsed from `--database`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(Self::Sqlite(path.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite:") {
            Ok(Self::Sqlite(path.to_owned()))
        } else {
            anyhow::bail!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST/DB"
            )
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    fn connect(&self) -> ConnectionResult<DbConnection> {
        match self {
            Self::Postgres(url) => {
                let mut conn = diesel::PgConnection::establish(url)?;
                conn.batch_execute("SET TIME ZONE 'UTC'")
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Pg(conn))
            }
            Self::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(path)?;
                // Tuned for a server: concurrent readers, one writer waiting politely.
                // Temporary data (sorts of grouped counts, and the statement journal a
                // statement firing triggers keeps) stays in memory rather than in files. Reads
                // go through a memory map of the file's first 256 MiB (no copy of each page
                // read; the busiest searches answered a quarter faster).
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 268435456;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

pub struct Manager(DatabaseUrl);

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        self.0
            .connect()
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type Pool = diesel::r2d2::Pool<Manager>;

/// The database handle shared by the whole application. Its blocking work runs with the
/// application's clock as the current one (see [`crate::clock`]).
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    url: DatabaseUrl,
    clock: Clock,
    /// The SQLite file as opened: its deletion or replacement is noticed.
    file: Option<guard::FileIdentity>,
    /// The shared lock beside a SQLite file, held while this handle lives.
    _lock: Option<std::sync::Arc<std::fs::File>>,
    /// One permit per pooled connection: [`Db::run`] waits for its turn here, without a
    /// thread, rather than on a blocking thread parked until the pool hands a connection over
    /// (dozens of such threads woken and put back to sleep cost a tenth of a busy server).
    turns: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Db {
    pub fn connect(url: &DatabaseUrl) -> anyhow::Result<Self> {
        if let DatabaseUrl::Sqlite(path) = url
            && let Some(parent) = std::path::Path::new(path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create folder {}", parent.display()))?;
        }
        let lock = guard::share_lock(url).map(std::sync::Arc::new);
        if let DatabaseUrl::Sqlite(_) = url {
            // Switch a new file to WAL once, before the pool opens its connections side by
            // side: the switch needs the file to itself ("database is locked" otherwise).
            url.connect()
                .with_context(|| format!("cannot open the {} database", url.backend_name()))?;
        }
        let size = match url {
            DatabaseUrl::Sqlite(_) => 8,
            DatabaseUrl::Postgres(_) => 16,
        };
        let pool = diesel::r2d2::Pool::builder()
            .max_size(size)
            // A PostgreSQL connection can be cut (server restarted): it is checked before use.
            // A SQLite connection is an open file that does not break: no check (a statement
            // per request saved).
            .test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)))
            .connection_timeout(Duration::from_secs(15))
            .build(Manager(url.clone()))
            .with_context(|| format!("cannot open the {} database", url.backend_name()))?;
        Ok(Self {
            pool,
            url: url.clone(),
            clock: Clock::system(),
            file: guard::FileIdentity::of(url),
            _lock: lock,
            turns: std::sync::Arc::new(tokio::sync::Semaphore::new(size as usize)),
        })
    }

    /// `Err` (503, with a French reason) when the SQLite file was deleted or replaced since
    /// it was opened: what would be written now would vanish at the next start.
    pub fn check_file(&self) -> Result<(), AppError> {
        match &self.file {
            Some(file) => file.check().map_err(|reason| {
                AppError::new(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    "database_file_lost",
                    reason,
                )
            }),
            None => Ok(()),
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// The application's clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Applies pending migrations of the backend in use.
    pub fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.get()?;
        let applied = match &mut *conn {
            DbConnection::Pg(c) => c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len()),
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        }
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        if applied > 0 {
            tracing::info!(
                applied,
                backend = self.url.backend_name(),
                "migrations applied"
            );
        }
        Ok(())
    }

    /// A pooled connection for blocking code (CLI, jobs already on a blocking thread).
    pub fn conn(&self) -> anyhow::Result<diesel::r2d2::PooledConnection<Manager>> {
        Ok(self.pool.get()?)
    }

    /// Runs blocking database work on the blocking thread pool. Refused (503) when the SQLite
    /// file is gone ([`Db::check_file`]): what would be written would vanish at the next start.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        self.check_file()?;
        let _turn = self.turns.acquire().await.map_err(AppError::internal)?;
        let pool = self.pool.clone();
        let clock = self.clock.clone();
        tokio::task::spawn_blocking(move || {
            let _clock = crate::clock::enter(clock);
            let mut conn = pool.get().map_err(AppError::internal)?;
            f(&mut conn)
        })
        .await
        .map_err(AppError::internal)?
    }

    /// Like [`Db::run`] inside one transaction: all or nothing (see [`write_transaction`]).
    pub async fn tx<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    {
        self.run(|conn| write_transaction(conn, f)).await
    }
}

/// Runs `f` in a transaction meant to write. On SQLite it begins with `BEGIN IMMEDIATE`, taking
/// the write lock first: a concurrent writer waits for it (`busy_timeout`) instead of failing
/// with "database is locked" when a transaction that has read tries to write. On PostgreSQL, a
/// plain transaction. Nested transactions inside `f` become savepoints, as usual.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Pg(_) => DbConnection::begin_transaction(conn)?,
    }
    match f(&mut *conn) {
        Ok(value) => {
            DbConnection::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match DbConnection::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// A new identifier: UUID v7 (time-ordered, not guessable), stored as text on both backends.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Now, in UTC, as stored: the current clock's (see [`crate::clock`]).
pub fn now() -> NaiveDateTime {
    crate::clock::now()
}

/// True when a diesel error is a unique-constraint violation.
pub fn is_unique_violation(err: &diesel::result::Error) -> bool {
    matches!(
        err,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    /// `.cargo/config.toml` builds SQLite with the query planner stability guarantee, so that a
    /// prepared statement survives new values bound to it (see there).
    #[test]
    fn sqlite_keeps_its_plans_whatever_is_bound() {
        let mut conn = diesel::SqliteConnection::establish(":memory:").expect("in memory");
        let options: Vec<CompileOption> = diesel::sql_query("PRAGMA compile_options")
            .load(&mut conn)
            .expect("compile options");
        assert!(
            options.iter().any(|o| o.compile_options == "ENABLE_QPSG"),
            "SQLite was built without SQLITE_ENABLE_QPSG: {:?}",
            options
                .iter()
                .map(|o| o.compile_options.as_str())
                .collect::<Vec<_>>()
        );
    }
}
