//! The migrations are written twice by hand, once per backend (`migrations/sqlite/`,
//! `migrations/postgres/`). This test migrates a fresh database of each kind and compares
//! what they hold: the same tables and views, the same columns per table (name, coarse type
//! family, nullability), the same indexes by name, and triggers covering the same events.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use passerelle::db::{DatabaseUrl, Db, DbConnection};

/// Differences the two backends are allowed to keep, each with its reason. A difference
/// listed here that no longer occurs fails the test too, so the list stays true.
const EXCEPTIONS: &[&str] = &[];

#[derive(Default, Debug)]
struct Schema {
    /// Tables and views: `table <name>` / `view <name>`.
    relations: BTreeSet<String>,
    /// Per table, per column: (type family, NOT NULL).
    columns: BTreeMap<String, BTreeMap<String, (String, bool)>>,
    /// Index name → (table, unique).
    indexes: BTreeMap<String, (String, bool)>,
    /// `table timing event` covered by at least one trigger (PostgreSQL triggers may fire on
    /// several events where SQLite needs one trigger per event, so names differ).
    triggers: BTreeSet<String>,
}

#[derive(QueryableByName)]
struct Relation {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
}

#[derive(QueryableByName)]
struct Index {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
}

#[derive(QueryableByName)]
struct Trigger {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    timing: String,
    #[diesel(sql_type = Text)]
    event: String,
}

#[derive(QueryableByName)]
struct SqliteTrigger {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    sql: String,
}

/// The coarse family of a declared (SQLite) or catalogued (PostgreSQL) column type.
fn family(declared: &str) -> String {
    let upper = declared.to_ascii_uppercase();
    let base = upper.split('(').next().unwrap_or_default().trim();
    match base {
        "TEXT" | "VARCHAR" | "CHARACTER VARYING" | "CHAR" | "CHARACTER" => "text",
        "INTEGER" | "INT" | "BIGINT" | "SMALLINT" => "integer",
        "BOOLEAN" | "BOOL" => "bool",
        "REAL" | "DOUBLE" | "DOUBLE PRECISION" | "FLOAT" => "float",
        "TIMESTAMP" | "DATETIME" | "TIMESTAMP WITHOUT TIME ZONE" => "timestamp",
        "DATE" => "date",
        "BLOB" | "BYTEA" => "binary",
        _ => return format!("other:{base}"),
    }
    .to_owned()
}

fn sqlite_schema(conn: &mut SqliteConnection) -> Schema {
    let mut schema = Schema::default();
    let relations: Vec<Relation> = diesel::sql_query(
        "SELECT type AS kind, name FROM sqlite_master \
         WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' \
         AND name <> '__diesel_schema_migrations'",
    )
    .load(conn)
    .expect("SQLite tables");
    schema.relations = relations
        .into_iter()
        .map(|r| format!("{} {}", r.kind, r.name))
        .collect();
    // A primary-key column counts as NOT NULL, as PostgreSQL makes it (SQLite lets a
    // non-integer key of a rowid table hold NULL, which no code of ours writes).
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
         (p.\"notnull\" OR p.pk > 0) AS not_null \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
         AND m.name <> '__diesel_schema_migrations'",
    )
    .load(conn)
    .expect("SQLite columns");
    for c in columns {
        schema
            .columns
            .entry(c.table_name)
            .or_default()
            .insert(c.column_name, (family(&c.data_type), c.not_null));
    }
    // Autoindexes back PRIMARY KEY and UNIQUE constraints: PostgreSQL names those otherwise.
    let indexes: Vec<Index> = diesel::sql_query(
        "SELECT m.name AS name, m.tbl_name AS table_name, l.\"unique\" AS is_unique \
         FROM sqlite_master m JOIN pragma_index_list(m.tbl_name) l ON l.name = m.name \
         WHERE m.type = 'index' AND m.name NOT LIKE 'sqlite_autoindex_%'",
    )
    .load(conn)
    .expect("SQLite indexes");
    schema.indexes = indexes
        .into_iter()
        .map(|i| (i.name, (i.table_name, i.is_unique)))
        .collect();
    let triggers: Vec<SqliteTrigger> =
        diesel::sql_query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            .load(conn)
            .expect("SQLite triggers");
    for t in triggers {
        schema
            .triggers
            .insert(sqlite_trigger_event(&t.name, &t.sql));
    }
    schema
}

/// `table timing event` of a SQLite trigger, read from its `CREATE TRIGGER` statement.
fn sqlite_trigger_event(name: &str, sql: &str) -> String {
    let upper = sql.to_ascii_uppercase();
    let head: Vec<&str> = upper
        .split(" FOR EACH ROW")
        .next()
        .unwrap_or_default()
        .split(" BEGIN")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let timing = head
        .iter()
        .position(|w| matches!(*w, "BEFORE" | "AFTER" | "INSTEAD"))
        .unwrap_or_else(|| panic!("trigger {name}: no timing in {sql}"));
    let event = head[timing + 1..]
        .iter()
        .find(|w| matches!(**w, "INSERT" | "UPDATE" | "DELETE"))
        .unwrap_or_else(|| panic!("trigger {name}: no event in {sql}"));
    let on = head
        .iter()
        .rposition(|w| *w == "ON")
        .unwrap_or_else(|| panic!("trigger {name}: no table in {sql}"));
    format!(
        "{} {} {}",
        head[on + 1].trim_matches('"').to_ascii_lowercase(),
        head[timing],
        event
    )
}

fn postgres_schema(conn: &mut PgConnection) -> Schema {
    let mut schema = Schema::default();
    let relations: Vec<Relation> = diesel::sql_query(
        "SELECT CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END AS kind, \
         table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    )
    .load(conn)
    .expect("PostgreSQL tables");
    schema.relations = relations
        .into_iter()
        .map(|r| format!("{} {}", r.kind, r.name))
        .collect();
    let columns: Vec<Column> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, \
         c.data_type::text AS data_type, (c.is_nullable = 'NO') AS not_null \
         FROM information_schema.columns c JOIN information_schema.tables t \
         ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' \
         AND c.table_name <> '__diesel_schema_migrations'",
    )
    .load(conn)
    .expect("PostgreSQL columns");
    for c in columns {
        schema
            .columns
            .entry(c.table_name)
            .or_default()
            .insert(c.column_name, (family(&c.data_type), c.not_null));
    }
    // Indexes that back a primary key, unique or exclusion constraint are named by
    // PostgreSQL (SQLite's autoindexes, left out on that side).
    let indexes: Vec<Index> = diesel::sql_query(
        "SELECT i.relname::text AS name, t.relname::text AS table_name, \
         x.indisunique AS is_unique \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname <> '__diesel_schema_migrations' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid \
                         AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))",
    )
    .load(conn)
    .expect("PostgreSQL indexes");
    schema.indexes = indexes
        .into_iter()
        .map(|i| (i.name, (i.table_name, i.is_unique)))
        .collect();
    let triggers: Vec<Trigger> = diesel::sql_query(
        "SELECT DISTINCT event_object_table::text AS table_name, \
         action_timing::text AS timing, event_manipulation::text AS event \
         FROM information_schema.triggers WHERE trigger_schema = 'public'",
    )
    .load(conn)
    .expect("PostgreSQL triggers");
    schema.triggers = triggers
        .into_iter()
        .map(|t| format!("{} {} {}", t.table_name, t.timing, t.event))
        .collect();
    schema
}

/// Every way the two schemas differ, one line each.
fn differences(sqlite: &Schema, postgres: &Schema) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in sqlite.relations.difference(&postgres.relations) {
        out.insert(format!("{r}: only on SQLite"));
    }
    for r in postgres.relations.difference(&sqlite.relations) {
        out.insert(format!("{r}: only on PostgreSQL"));
    }
    for (table, columns) in &sqlite.columns {
        let Some(other) = postgres.columns.get(table) else {
            continue;
        };
        for (name, (family, not_null)) in columns {
            match other.get(name) {
                None => {
                    out.insert(format!("column {table}.{name}: only on SQLite"));
                }
                Some((pg_family, pg_not_null)) => {
                    if family != pg_family {
                        out.insert(format!(
                            "column {table}.{name}: {family} on SQLite, {pg_family} on PostgreSQL"
                        ));
                    }
                    if not_null != pg_not_null {
                        let null = |n: &bool| if *n { "NOT NULL" } else { "nullable" };
                        out.insert(format!(
                            "column {table}.{name}: {} on SQLite, {} on PostgreSQL",
                            null(not_null),
                            null(pg_not_null)
                        ));
                    }
                }
            }
        }
        for name in other.keys().filter(|name| !columns.contains_key(*name)) {
            out.insert(format!("column {table}.{name}: only on PostgreSQL"));
        }
    }
    for (name, (table, unique)) in &sqlite.indexes {
        match postgres.indexes.get(name) {
            None => {
                out.insert(format!("index {name} on {table}: only on SQLite"));
            }
            Some((pg_table, pg_unique)) => {
                if table != pg_table || unique != pg_unique {
                    out.insert(format!(
                        "index {name}: on {table} (unique: {unique}) on SQLite, \
                         on {pg_table} (unique: {pg_unique}) on PostgreSQL"
                    ));
                }
            }
        }
    }
    for (name, (table, _)) in &postgres.indexes {
        if !sqlite.indexes.contains_key(name) {
            out.insert(format!("index {name} on {table}: only on PostgreSQL"));
        }
    }
    for t in sqlite.triggers.difference(&postgres.triggers) {
        out.insert(format!("trigger on {t}: only on SQLite"));
    }
    for t in postgres.triggers.difference(&sqlite.triggers) {
        out.insert(format!("trigger on {t}: only on PostgreSQL"));
    }
    out
}

/// A PostgreSQL database of its own, dropped at the end even if the test fails.
struct ScratchDatabase(String);

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        crate::helpers::admin_sql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.0));
    }
}

fn migrated(url: DatabaseUrl) -> Db {
    let db = Db::connect(&url).expect("database");
    db.migrate().expect("migrations");
    db
}

#[test]
#[cfg_attr(
    not(pg_tests),
    ignore = "PostgreSQL suite NOT RUN: set PASSERELLE_TEST_POSTGRES_URL"
)]
fn migrations_agree_on_both_backends() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("schema.db");
    let sqlite_db = migrated(DatabaseUrl::Sqlite(path.display().to_string()));
    let sqlite = match &mut *sqlite_db.conn().expect("SQLite connection") {
        DbConnection::Sqlite(conn) => sqlite_schema(conn),
        DbConnection::Pg(_) => unreachable!("a SQLite URL"),
    };

    let name = format!(
        "passerelle_schema_{}",
        passerelle::db::new_id().replace('-', "")
    );
    crate::helpers::admin_sql(&format!("CREATE DATABASE {name}"));
    let scratch = ScratchDatabase(name);
    let postgres_db = migrated(DatabaseUrl::Postgres(crate::helpers::with_database(
        &crate::helpers::postgres_url(),
        &scratch.0,
    )));
    let postgres = match &mut *postgres_db.conn().expect("PostgreSQL connection") {
        DbConnection::Pg(conn) => postgres_schema(conn),
        DbConnection::Sqlite(_) => unreachable!("a PostgreSQL URL"),
    };
    drop(postgres_db);

    // Guard against a comparison of nothing: the schema is there on both sides.
    assert!(sqlite.relations.contains("table users"), "{sqlite:?}");
    assert!(postgres.relations.contains("table users"), "{postgres:?}");
    assert!(!sqlite.indexes.is_empty() && !sqlite.triggers.is_empty());

    let found = differences(&sqlite, &postgres);
    let expected: BTreeSet<String> = EXCEPTIONS.iter().map(|e| (*e).to_owned()).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    let stale: Vec<_> = expected.difference(&found).collect();
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "the SQLite and PostgreSQL migrations disagree:\n  {}\n\
         exceptions that no longer occur (remove them from EXCEPTIONS):\n  {}",
        unexpected
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  "),
        stale
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  "),
    );
}
