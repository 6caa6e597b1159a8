//! Guards around where the data lives: a data folder that served a database is never paired
//! silently with a new, empty one; a SQLite file deleted or replaced under a running process
//! is noticed (health check, writes); a process using a SQLite database holds a shared lock
//! beside it, which `passerelle restore` checks.

use std::path::{Path, PathBuf};

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{DatabaseUrl, DbConnection};

/// The file, in the data folder, naming the database it serves (rewritten at each start).
pub const MARKER: &str = "base-de-donnees.txt";

/// Whether `url` is an ordinary SQLite file (not `:memory:` nor an URI).
fn sqlite_file(url: &DatabaseUrl) -> Option<&Path> {
    match url {
        DatabaseUrl::Sqlite(path) if !path.starts_with(':') && !path.starts_with("file:") => {
            Some(Path::new(path))
        }
        _ => None,
    }
}

/// The database's address as shown to people: never its password.
pub fn describe(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Sqlite(path) => format!("SQLite {path}"),
        DatabaseUrl::Postgres(raw) => match url::Url::parse(raw) {
            Ok(mut parsed) => {
                let _ = parsed.set_password(None);
                format!("PostgreSQL {parsed}")
            }
            Err(_) => "PostgreSQL".to_owned(),
        },
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Whether the connected database holds Passerelle's migrations table.
pub fn has_migrations(conn: &mut DbConnection) -> QueryResult<bool> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' \
             AND name = '__diesel_schema_migrations'"
        }
        DbConnection::Pg(_) => {
            "SELECT count(*) AS n FROM information_schema.tables \
             WHERE table_name = '__diesel_schema_migrations' AND table_schema = current_schema()"
        }
    };
    Ok(diesel::sql_query(sql).get_result::<Count>(conn)?.n > 0)
}

/// Whether the database is about to be created from nothing: a SQLite file missing or empty,
/// a PostgreSQL database without Passerelle's tables. Never creates anything.
fn is_new(url: &DatabaseUrl) -> anyhow::Result<bool> {
    match url {
        DatabaseUrl::Sqlite(_) => Ok(match sqlite_file(url) {
            Some(path) => std::fs::metadata(path)
                .map(|m| m.len() == 0)
                .unwrap_or(true),
            None => false,
        }),
        DatabaseUrl::Postgres(_) => {
            let mut conn = url.connect()?;
            Ok(!has_migrations(&mut conn)?)
        }
    }
}

/// What in `data_dir` shows that it served a database already.
fn traces_of_a_database(data_dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let marker = data_dir.join(MARKER);
    if marker.is_file() {
        let named = std::fs::read_to_string(&marker).unwrap_or_default();
        found.push(format!(
            "le fichier {} ({})",
            marker.display(),
            named.lines().next().unwrap_or_default().trim()
        ));
    }
    let index = data_dir.join("index").join("offers").join("meta.json");
    if index.is_file() {
        found.push(format!("l’index de recherche {}", index.display()));
    }
    let cv = data_dir.join("cv");
    if cv.is_dir() {
        found.push(format!("le dossier des CV {}", cv.display()));
    }
    found
}

/// Before the database is opened (and, for SQLite, created): stops with a French explanation
/// when the database would be created new while `data_dir` shows that it served one, unless
/// `allow_new` (`--new-database`) says this is wanted.
pub fn refuse_new_over_used_folder(
    url: &DatabaseUrl,
    data_dir: &Path,
    allow_new: bool,
) -> anyhow::Result<()> {
    if allow_new || !is_new(url)? {
        return Ok(());
    }
    let traces = traces_of_a_database(data_dir);
    if traces.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "La base de données ({}) est introuvable ou vide, alors que le dossier de données {} \
         a déjà servi à une base Passerelle : {}.\n\
         Passerelle ne crée pas une base vide à sa place, qui ferait disparaître les données \
         sans bruit. Si la base a été déplacée, indiquez où elle est (--database ou \
         PASSERELLE_DATABASE_URL) ; si elle est perdue, restaurez la dernière sauvegarde \
         (passerelle restore FICHIER) ; pour repartir volontairement d’une base vide, relancez \
         avec --new-database (ou PASSERELLE_NEW_DATABASE=true).",
        describe(url),
        data_dir.display(),
        traces.join(", ")
    )
}

/// Once the database is open and migrated: the data folder names it (see [`MARKER`]). A
/// failure to write is only logged: the folder may be read-only, which is told elsewhere.
pub fn mark_data_folder(url: &DatabaseUrl, data_dir: &Path) {
    let text = format!(
        "{}\nCe dossier de données sert cette base de données Passerelle. S’il est gardé sans \
         elle, Passerelle refuse d’en créer une nouvelle vide (option --new-database pour le \
         vouloir).\n",
        describe(url)
    );
    let marker = data_dir.join(MARKER);
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(text.as_str()) {
        return;
    }
    if let Err(error) = std::fs::write(&marker, text) {
        tracing::warn!(%error, marker = %marker.display(), "cannot write the data folder's marker");
    }
}

/// The identity (device, inode) of a SQLite file, taken when the database is opened: the
/// file deleted or replaced under the process is noticed by [`FileIdentity::check`].
#[derive(Clone, Debug)]
pub struct FileIdentity {
    path: PathBuf,
    id: (u64, u64),
}

#[cfg(unix)]
fn identity(path: &Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)?;
    Ok((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> std::io::Result<(u64, u64)> {
    std::fs::metadata(path).map(|_| (0, 0))
}

impl FileIdentity {
    /// The identity of the SQLite file of `url`, if it is one.
    pub fn of(url: &DatabaseUrl) -> Option<Self> {
        let path = sqlite_file(url)?;
        let id = identity(path).ok()?;
        Some(Self {
            path: path.to_owned(),
            id,
        })
    }

    /// `Err` with a French reason when the file is gone or is another file now.
    pub fn check(&self) -> Result<(), String> {
        match identity(&self.path) {
            Ok(id) if id == self.id => Ok(()),
            Ok(_) => Err(format!(
                "Le fichier de la base de données {} a été remplacé depuis le démarrage : ce \
                 processus écrit encore dans l’ancien. Redémarrez Passerelle.",
                self.path.display()
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
                "Le fichier de la base de données {} a disparu depuis le démarrage : ce qui \
                 serait enregistré maintenant serait perdu. Arrêtez Passerelle et restaurez la \
                 base (passerelle restore FICHIER).",
                self.path.display()
            )),
            Err(e) => Err(format!(
                "Le fichier de la base de données {} ne peut pas être lu : {e}.",
                self.path.display()
            )),
        }
    }
}

/// The lock file beside a SQLite database.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// A shared lock held by every process using the SQLite database of `url` for as long as it
/// uses it; `passerelle restore` asks for it exclusively to know that none runs.
pub fn share_lock(url: &DatabaseUrl) -> Option<std::fs::File> {
    let path = lock_path(sqlite_file(url)?);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(
            |error| tracing::warn!(%error, lock = %path.display(), "cannot open the lock file"),
        )
        .ok()?;
    match file.try_lock_shared() {
        Ok(()) => Some(file),
        Err(error) => {
            tracing::warn!(%error, lock = %path.display(), "cannot take the shared lock");
            None
        }
    }
}
