//! `passerelle backup FILE` and `passerelle restore FILE`. The files (CVs…) are in the
//! database, so a backup of the database is the whole of what cannot be rebuilt; the search
//! index is rebuilt from the database at start.
//!
//! - SQLite: `VACUUM INTO`, a consistent copy taken online (the server keeps running and
//!   writing; the WAL's recent commits are included, which a copy of `passerelle.db` alone
//!   would miss). Restoring checks that the file is a Passerelle database this version knows,
//!   refuses to replace a database a process is using or one that exists (unless `--force`,
//!   and then a copy of the old one is kept beside it), and clears the search index.
//! - PostgreSQL: `pg_dump --format=custom` and `pg_restore`, run when installed; otherwise the
//!   procedure is printed.

use std::io::Read;
use std::path::Path;
use std::process::Command;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::guard::{self, has_migrations};
use super::{DatabaseUrl, DbConnection};

/// Writes a backup of the database of `url` into `file` (never over an existing file).
/// Returns what to tell the person.
pub fn backup(url: &DatabaseUrl, file: &Path) -> anyhow::Result<String> {
    if file.exists() {
        anyhow::bail!(
            "{} existe déjà : choisissez un autre nom (une sauvegarde n’en remplace jamais une autre).",
            file.display()
        );
    }
    if let Some(parent) = file.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("création du dossier {}", parent.display()))?;
    }
    match url {
        DatabaseUrl::Sqlite(path) => sqlite_backup(url, path, file),
        DatabaseUrl::Postgres(raw) => postgres_backup(url, raw, file),
    }
}

/// Restores `file` (made by [`backup`]) as the database of `url`, clearing the search index
/// of `data_dir` (rebuilt at the next start). Returns what to tell the person.
pub fn restore(
    url: &DatabaseUrl,
    data_dir: &Path,
    file: &Path,
    force: bool,
) -> anyhow::Result<String> {
    if !file.is_file() {
        anyhow::bail!("La sauvegarde {} est introuvable.", file.display());
    }
    let told = match url {
        DatabaseUrl::Sqlite(path) => sqlite_restore(path, file, force)?,
        DatabaseUrl::Postgres(raw) => postgres_restore(url, raw, file, force)?,
    };
    let index = data_dir.join("index");
    if index.exists() {
        std::fs::remove_dir_all(&index)
            .with_context(|| format!("suppression de l’index de recherche {}", index.display()))?;
    }
    Ok(format!(
        "{told}\nL’index de recherche sera reconstruit depuis la base au prochain démarrage."
    ))
}

fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "''"))
}

fn size_label(path: &Path) -> String {
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    format!("{:.1} Mo", bytes as f64 / 1_048_576.0).replace('.', ",")
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

fn count(conn: &mut DbConnection, table: &str) -> i64 {
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<Count>(conn)
        .map(|c| c.n)
        .unwrap_or(0)
}

/// What a database holds, in a few words.
fn contents(conn: &mut DbConnection) -> String {
    format!(
        "{} comptes, {} offres, {} fichiers (CV…)",
        count(conn, "users"),
        count(conn, "offers"),
        count(conn, "stored_files")
    )
}

fn sqlite_backup(url: &DatabaseUrl, path: &str, file: &Path) -> anyhow::Result<String> {
    if !Path::new(path).is_file() {
        anyhow::bail!("La base de données SQLite {path} est introuvable : rien à sauvegarder.");
    }
    let mut conn = url
        .connect()
        .with_context(|| format!("ouverture de la base {path}"))?;
    if !has_migrations(&mut conn)? {
        anyhow::bail!("{path} n’est pas une base Passerelle (pas de table des migrations).");
    }
    conn.batch_execute(&format!("VACUUM INTO {}", quote(file)))
        .with_context(|| format!("écriture de la sauvegarde {}", file.display()))?;
    let what = contents(&mut conn);
    Ok(format!(
        "Sauvegarde écrite dans {} ({}) : {what}, cohérente à cet instant, commits récents \
         compris.\nPour la restaurer, le serveur arrêté : passerelle restore {}",
        file.display(),
        size_label(file),
        file.display()
    ))
}

/// The migrations this version knows, as stored in `__diesel_schema_migrations`.
fn known_versions(sqlite: bool) -> anyhow::Result<Vec<String>> {
    let names: Vec<String> = if sqlite {
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(&super::SQLITE_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect()
    } else {
        MigrationSource::<diesel::pg::Pg>::migrations(&super::POSTGRES_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect()
    };
    Ok(names)
}

/// Checks that `conn` is a Passerelle database this version can run (no migration it does
/// not know), naming it `what` in the refusal.
fn check_passerelle(conn: &mut DbConnection, what: &str, sqlite: bool) -> anyhow::Result<()> {
    if !has_migrations(conn)? {
        anyhow::bail!(
            "{what} n’est pas une sauvegarde Passerelle : la table des migrations n’y est pas."
        );
    }
    let known = known_versions(sqlite)?;
    let versions: Vec<Version> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations").load(conn)?;
    if let Some(unknown) = versions.iter().find(|v| !known.contains(&v.version)) {
        anyhow::bail!(
            "{what} vient d’une version plus récente de Passerelle (migration {} inconnue de \
             celle-ci) : restaurez-la avec cette version-là ou une plus récente.",
            unknown.version
        );
    }
    Ok(())
}

fn remove_if_there(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("suppression de {}", path.display())),
    }
}

fn with_suffix(path: &str, suffix: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{path}{suffix}"))
}

fn sqlite_restore(target: &str, file: &Path, force: bool) -> anyhow::Result<String> {
    let mut header = [0u8; 16];
    let is_sqlite = std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok()
        && &header == b"SQLite format 3\0";
    if !is_sqlite {
        anyhow::bail!(
            "{} n’est pas une sauvegarde Passerelle SQLite (une sauvegarde PostgreSQL se \
             restaure avec une base PostgreSQL : --database postgres://…).",
            file.display()
        );
    }
    let target_path = Path::new(target);
    if let Some(parent) = target_path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("création du dossier {}", parent.display()))?;
    }
    // Every process using the database holds a shared lock on this file (`Db::connect`).
    let lock_path = guard::lock_path(target_path);
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("ouverture de {}", lock_path.display()))?;
    let in_use = match lock.try_lock() {
        Ok(()) => false,
        Err(std::fs::TryLockError::WouldBlock) => true,
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("verrou {}", lock_path.display()));
        }
    };
    if in_use && !force {
        anyhow::bail!(
            "Un processus Passerelle (le serveur ou une commande) utilise la base {target} : \
             arrêtez-le avant de restaurer (par exemple systemctl stop passerelle). Avec \
             --force, la base serait remplacée sous lui : il continuerait dans l’ancienne et \
             son /healthz le signalerait."
        );
    }
    let exists = std::fs::metadata(target_path)
        .map(|m| m.len() > 0)
        .unwrap_or(false);
    if exists && !force {
        anyhow::bail!(
            "La base {target} existe déjà : la restauration la remplacerait. Relancez avec \
             --force pour la remplacer (une copie de l’ancienne est gardée à côté)."
        );
    }
    // The backup is copied beside the target, checked there, then renamed over it.
    let incoming = with_suffix(target, ".restauration");
    for path in [
        incoming.clone(),
        with_suffix(target, ".restauration-wal"),
        with_suffix(target, ".restauration-shm"),
    ] {
        remove_if_there(&path)?;
    }
    std::fs::copy(file, &incoming)
        .with_context(|| format!("copie de {} vers {}", file.display(), incoming.display()))?;
    let what = {
        let url = DatabaseUrl::Sqlite(incoming.display().to_string());
        let checked = (|| -> anyhow::Result<String> {
            let mut conn = url.connect()?;
            let check: Vec<QuickCheck> = diesel::sql_query("PRAGMA quick_check").load(&mut conn)?;
            if check.first().map(|c| c.quick_check.as_str()) != Some("ok") {
                anyhow::bail!("{} est endommagée (contrôle d’intégrité).", file.display());
            }
            check_passerelle(&mut conn, &file.display().to_string(), true)?;
            Ok(contents(&mut conn))
        })();
        match checked {
            Ok(what) => what,
            Err(e) => {
                let _ = std::fs::remove_file(&incoming);
                return Err(e);
            }
        }
    };
    let mut kept = None;
    if exists {
        let old = with_suffix(
            target,
            &format!(
                ".avant-restauration-{}",
                chrono::Utc::now().format("%Y%m%d-%H%M%S")
            ),
        );
        let mut conn = DatabaseUrl::Sqlite(target.to_owned())
            .connect()
            .with_context(|| format!("ouverture de la base {target}"))?;
        conn.batch_execute(&format!("VACUUM INTO {}", quote(&old)))
            .with_context(|| format!("copie de l’ancienne base dans {}", old.display()))?;
        kept = Some(old);
    }
    // The old database's journal must not be applied to the restored one.
    remove_if_there(&with_suffix(target, "-wal"))?;
    remove_if_there(&with_suffix(target, "-shm"))?;
    std::fs::rename(&incoming, target_path).with_context(|| format!("remplacement de {target}"))?;
    drop(lock);
    let mut told = format!(
        "Base {target} restaurée depuis {} : {what}.",
        file.display()
    );
    if let Some(old) = kept {
        told.push_str(&format!(
            "\nL’ancienne base est gardée dans {}.",
            old.display()
        ));
    }
    Ok(told)
}

#[derive(QueryableByName)]
struct QuickCheck {
    #[diesel(sql_type = Text)]
    quick_check: String,
}

const POSTGRES_PROCEDURE: &str = "Procédure PostgreSQL (outils du paquet postgresql-client, \
     de la version du serveur) :\n  sauvegarde : pg_dump --format=custom --no-owner \
     --file=passerelle.dump \"postgres://UTILISATEUR@HÔTE/BASE\"\n  restauration, serveurs \
     arrêtés, dans une base vide ou remplacée : pg_restore --clean --if-exists --no-owner \
     --single-transaction --dbname=\"postgres://UTILISATEUR@HÔTE/BASE\" passerelle.dump\n  puis, \
     sur chaque nœud, supprimer DATA_DIR/index (reconstruit au démarrage).";

fn run_tool(tool: &str, args: &[String]) -> anyhow::Result<bool> {
    match Command::new(tool).args(args).status() {
        Ok(status) if status.success() => Ok(true),
        Ok(status) => anyhow::bail!("{tool} a échoué ({status}).\n{POSTGRES_PROCEDURE}"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("lancement de {tool}")),
    }
}

fn postgres_backup(url: &DatabaseUrl, raw: &str, file: &Path) -> anyhow::Result<String> {
    let args = vec![
        "--format=custom".to_owned(),
        "--no-owner".to_owned(),
        format!("--file={}", file.display()),
        format!("--dbname={raw}"),
    ];
    if !run_tool("pg_dump", &args)? {
        anyhow::bail!(
            "pg_dump n’est pas installé sur cette machine (apt install postgresql-client).\n\
             {POSTGRES_PROCEDURE}"
        );
    }
    Ok(format!(
        "Sauvegarde de {} écrite dans {} ({}, pg_dump au format personnalisé), fichiers (CV…) \
         compris.\nPour la restaurer, les serveurs arrêtés : passerelle restore {}",
        guard::describe(url),
        file.display(),
        size_label(file),
        file.display()
    ))
}

fn postgres_restore(
    url: &DatabaseUrl,
    raw: &str,
    file: &Path,
    force: bool,
) -> anyhow::Result<String> {
    let mut conn = url.connect().context("connexion à la base PostgreSQL")?;
    let others = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .get_result::<Count>(&mut conn)?
    .n;
    if others > 0 && !force {
        anyhow::bail!(
            "{others} autre(s) connexion(s) utilisent la base {} : arrêtez les serveurs \
             Passerelle avant de restaurer, ou relancez avec --force.",
            guard::describe(url)
        );
    }
    if has_migrations(&mut conn)? && !force {
        anyhow::bail!(
            "La base {} contient déjà des données Passerelle : la restauration les remplacerait. \
             Relancez avec --force pour les remplacer (faites d’abord une sauvegarde).",
            guard::describe(url)
        );
    }
    drop(conn);
    let args = vec![
        "--clean".to_owned(),
        "--if-exists".to_owned(),
        "--no-owner".to_owned(),
        "--single-transaction".to_owned(),
        format!("--dbname={raw}"),
        file.display().to_string(),
    ];
    if !run_tool("pg_restore", &args)? {
        anyhow::bail!(
            "pg_restore n’est pas installé sur cette machine (apt install postgresql-client).\n\
             {POSTGRES_PROCEDURE}"
        );
    }
    let mut conn = url.connect().context("connexion à la base PostgreSQL")?;
    check_passerelle(&mut conn, &file.display().to_string(), false)?;
    Ok(format!(
        "Base {} restaurée depuis {} : {}. Sur les autres nœuds, supprimez DATA_DIR/index avant \
         de les redémarrer.",
        guard::describe(url),
        file.display(),
        contents(&mut conn)
    ))
}
