//! The partners' FTPS folders, kept in the database: every node shows a partner the same
//! folder, whichever received its files and whichever imported them.
//!
//! A folder holds, at each path, the latest file received there (its run's name, size and
//! bytes, kept until the partner replaces or deletes it) and, once that run is over, its
//! report `<name>.report.csv` (a stored file of the run); plus the sub-folders the partner
//! made. Paths are relative to the profile's folder, with `/` between parts; `""` is the
//! folder itself.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{ftps_folders, import_runs, stored_files};
use crate::db::{DbConnection, now};
use crate::error::AppResult;

/// Suffix of the reports Passerelle puts beside the files it received.
pub const REPORT_SUFFIX: &str = ".report.csv";

/// Kind of the stored files holding reports.
pub const REPORT_KIND: &str = "import-report";

/// Whether a path names a report (which only Passerelle writes).
pub fn is_report(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.ends_with(REPORT_SUFFIX))
}

/// The folder a path lies in, and its name there.
pub fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    Folder,
    File,
    Report,
}

/// One entry of a folder.
#[derive(Clone, Debug)]
pub struct Entry {
    pub path: String,
    pub what: What,
    pub size: u64,
    pub modified: NaiveDateTime,
}

/// The latest run received at a path.
struct Placed {
    run_id: String,
    path: String,
    size: i64,
    received_at: NaiveDateTime,
    finished_at: Option<NaiveDateTime>,
    file_id: Option<String>,
    report_file_id: Option<String>,
}

type PlacedRow = (
    String,
    Option<String>,
    i64,
    Option<NaiveDateTime>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
    Option<String>,
);

/// Every file of a profile's folder: per path, its latest run.
fn placed(conn: &mut DbConnection, profile_id: &str) -> AppResult<Vec<Placed>> {
    let rows: Vec<PlacedRow> = import_runs::table
        .filter(import_runs::profile_id.eq(profile_id))
        .filter(import_runs::ftps_path.is_not_null())
        .order((import_runs::queued_at.desc(), import_runs::id.desc()))
        .select((
            import_runs::id,
            import_runs::ftps_path,
            import_runs::file_bytes,
            import_runs::queued_at,
            import_runs::started_at,
            import_runs::finished_at,
            import_runs::file_id,
            import_runs::report_file_id,
        ))
        .load(conn)?;
    let mut seen = BTreeSet::new();
    Ok(rows
        .into_iter()
        .filter_map(
            |(run_id, path, size, queued, started, finished_at, file_id, report_file_id)| {
                let path = path?;
                seen.insert(path.clone()).then_some(Placed {
                    run_id,
                    path,
                    size,
                    received_at: queued.unwrap_or(started),
                    finished_at,
                    file_id,
                    report_file_id,
                })
            },
        )
        .collect())
}

fn made_folders(
    conn: &mut DbConnection,
    profile_id: &str,
) -> AppResult<Vec<(String, NaiveDateTime)>> {
    Ok(ftps_folders::table
        .filter(ftps_folders::profile_id.eq(profile_id))
        .select((ftps_folders::path, ftps_folders::created_at))
        .load(conn)?)
}

fn size(bytes: i64) -> u64 {
    u64::try_from(bytes).unwrap_or(0)
}

/// What a folder holds, or None when there is no such folder. Folders exist when the partner
/// made them or a file lies inside.
pub fn list(conn: &mut DbConnection, profile_id: &str, dir: &str) -> AppResult<Option<Vec<Entry>>> {
    Snapshot::load(conn, profile_id)?.list(conn, dir)
}

/// The entry at a path (`""`: the folder itself).
pub fn find(conn: &mut DbConnection, profile_id: &str, path: &str) -> AppResult<Option<Entry>> {
    Snapshot::load(conn, profile_id)?.find(conn, path)
}

/// A profile's folder as one command reads it, once: its files and the folders made.
struct Snapshot {
    files: Vec<Placed>,
    folders: Vec<(String, NaiveDateTime)>,
}

impl Snapshot {
    fn load(conn: &mut DbConnection, profile_id: &str) -> AppResult<Self> {
        Ok(Self {
            files: placed(conn, profile_id)?,
            folders: made_folders(conn, profile_id)?,
        })
    }

    /// The file at a path.
    fn file(&self, path: &str) -> Option<&Placed> {
        self.files.iter().find(|f| f.path == path)
    }

    /// See [`list`].
    fn list(&self, conn: &mut DbConnection, dir: &str) -> AppResult<Option<Vec<Entry>>> {
        let files = &self.files;
        let folders = &self.folders;
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let exists = dir.is_empty()
            || folders.iter().any(|(path, _)| path == dir)
            || files.iter().any(|f| f.path.starts_with(&prefix));
        if !exists {
            return Ok(None);
        }
        let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
        for (path, created_at) in folders {
            if split(path).0 == dir {
                entries.insert(
                    path.clone(),
                    Entry {
                        path: path.clone(),
                        what: What::Folder,
                        size: 0,
                        modified: *created_at,
                    },
                );
            }
        }
        let report_sizes: BTreeMap<String, i64> = {
            let ids: Vec<&String> = files
                .iter()
                .filter(|f| split(&f.path).0 == dir)
                .filter_map(|f| f.report_file_id.as_ref())
                .collect();
            if ids.is_empty() {
                BTreeMap::new()
            } else {
                stored_files::table
                    .filter(stored_files::id.eq_any(ids))
                    .select((stored_files::id, stored_files::size))
                    .load::<(String, i64)>(conn)?
                    .into_iter()
                    .collect()
            }
        };
        for file in files {
            let Some(rest) = file.path.strip_prefix(&prefix) else {
                continue;
            };
            match rest.split_once('/') {
                // Deeper: the sub-folder it lies in.
                Some((folder, _)) => {
                    let path = format!("{prefix}{folder}");
                    entries.entry(path.clone()).or_insert(Entry {
                        path,
                        what: What::Folder,
                        size: 0,
                        modified: file.received_at,
                    });
                }
                None => {
                    entries.insert(
                        file.path.clone(),
                        Entry {
                            path: file.path.clone(),
                            what: What::File,
                            size: size(file.size),
                            modified: file.received_at,
                        },
                    );
                    if let Some(bytes) = file
                        .report_file_id
                        .as_ref()
                        .and_then(|id| report_sizes.get(id))
                    {
                        let path = format!("{}{REPORT_SUFFIX}", file.path);
                        entries.insert(
                            path.clone(),
                            Entry {
                                path,
                                what: What::Report,
                                size: size(*bytes),
                                modified: file.finished_at.unwrap_or(file.received_at),
                            },
                        );
                    }
                }
            }
        }
        Ok(Some(entries.into_values().collect()))
    }

    /// See [`find`].
    fn find(&self, conn: &mut DbConnection, path: &str) -> AppResult<Option<Entry>> {
        if path.is_empty() {
            return Ok(Some(Entry {
                path: String::new(),
                what: What::Folder,
                size: 0,
                modified: now(),
            }));
        }
        Ok(self
            .list(conn, split(path).0)?
            .and_then(|entries| entries.into_iter().find(|e| e.path == path)))
    }
}

/// The bytes of a file or a report; None when there is none at that path, or when the file's
/// bytes are no longer kept.
pub fn read(conn: &mut DbConnection, profile_id: &str, path: &str) -> AppResult<Option<Vec<u8>>> {
    let (file_path, report) = match path.strip_suffix(REPORT_SUFFIX) {
        Some(file) => (file, true),
        None => (path, false),
    };
    let Some(file) = placed(conn, profile_id)?
        .into_iter()
        .find(|f| f.path == file_path)
    else {
        return Ok(None);
    };
    let id = if report {
        file.report_file_id
    } else {
        file.file_id
    };
    match id {
        Some(id) => Ok(crate::db::files::get(conn, &id)?.map(|f| f.bytes)),
        None => Ok(None),
    }
}

/// Takes the files at `path` out of the folder (a new file arrives there, or the partner
/// deletes or moves it): their reports are deleted, and their bytes too unless an import
/// still needs them (it drops them when it ends).
pub fn take_out(conn: &mut DbConnection, profile_id: &str, path: &str) -> AppResult<()> {
    let runs: Vec<(String, String, Option<String>, Option<String>)> = import_runs::table
        .filter(import_runs::profile_id.eq(profile_id))
        .filter(import_runs::ftps_path.eq(path))
        .select((
            import_runs::id,
            import_runs::status,
            import_runs::file_id,
            import_runs::report_file_id,
        ))
        .load(conn)?;
    for (run_id, status, file_id, report_file_id) in runs {
        let over = matches!(status.as_str(), "done" | "failed" | "indexing");
        diesel::update(import_runs::table.find(&run_id))
            .set((
                import_runs::ftps_path.eq(None::<String>),
                import_runs::report_file_id.eq(None::<String>),
            ))
            .execute(conn)?;
        if let Some(report) = report_file_id {
            crate::db::files::delete(conn, &report)?;
        }
        if let (Some(file_id), true) = (file_id, over) {
            diesel::update(import_runs::table.find(&run_id))
                .set(import_runs::file_id.eq(None::<String>))
                .execute(conn)?;
            crate::db::files::delete(conn, &file_id)?;
        }
    }
    Ok(())
}

/// Why a change of the folder was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Nothing at that path (or its folder does not exist).
    NotFound,
    /// The name is taken, or names a report.
    NameNotAllowed,
    /// A folder that still holds something.
    NotEmpty,
}

/// Deletes a file (with its report) or only a report.
pub fn delete(
    conn: &mut DbConnection,
    profile_id: &str,
    path: &str,
) -> AppResult<Result<(), Refused>> {
    let folder = Snapshot::load(conn, profile_id)?;
    match folder.find(conn, path)? {
        Some(Entry {
            what: What::File, ..
        }) => {
            take_out(conn, profile_id, path)?;
            Ok(Ok(()))
        }
        Some(Entry {
            what: What::Report, ..
        }) => {
            let file_path = path.strip_suffix(REPORT_SUFFIX).unwrap_or(path);
            if let Some(file) = folder.file(file_path)
                && let Some(report) = &file.report_file_id
            {
                diesel::update(import_runs::table.find(&file.run_id))
                    .set(import_runs::report_file_id.eq(None::<String>))
                    .execute(conn)?;
                crate::db::files::delete(conn, report)?;
            }
            Ok(Ok(()))
        }
        _ => Ok(Err(Refused::NotFound)),
    }
}

/// Moves a file (its report follows it); a file already at `to` is replaced.
pub fn rename(
    conn: &mut DbConnection,
    profile_id: &str,
    from: &str,
    to: &str,
) -> AppResult<Result<(), Refused>> {
    if is_report(to) || to.is_empty() {
        return Ok(Err(Refused::NameNotAllowed));
    }
    let folder = Snapshot::load(conn, profile_id)?;
    match folder.find(conn, from)? {
        Some(Entry {
            what: What::File, ..
        }) => {}
        Some(_) => return Ok(Err(Refused::NameNotAllowed)),
        None => return Ok(Err(Refused::NotFound)),
    }
    if folder.list(conn, split(to).0)?.is_none() {
        return Ok(Err(Refused::NotFound));
    }
    match folder.find(conn, to)? {
        Some(Entry {
            what: What::Folder, ..
        }) => return Ok(Err(Refused::NameNotAllowed)),
        Some(_) => take_out(conn, profile_id, to)?,
        None => {}
    }
    diesel::update(
        import_runs::table
            .filter(import_runs::profile_id.eq(profile_id))
            .filter(import_runs::ftps_path.eq(from)),
    )
    .set(import_runs::ftps_path.eq(to))
    .execute(conn)?;
    Ok(Ok(()))
}

/// Makes a folder inside an existing one.
pub fn make_folder(
    conn: &mut DbConnection,
    profile_id: &str,
    path: &str,
) -> AppResult<Result<(), Refused>> {
    if path.is_empty() || is_report(path) {
        return Ok(Err(Refused::NameNotAllowed));
    }
    let folder = Snapshot::load(conn, profile_id)?;
    if folder.list(conn, split(path).0)?.is_none() {
        return Ok(Err(Refused::NotFound));
    }
    if folder.find(conn, path)?.is_some() {
        return Ok(Err(Refused::NameNotAllowed));
    }
    diesel::insert_into(ftps_folders::table)
        .values((
            ftps_folders::profile_id.eq(profile_id),
            ftps_folders::path.eq(path),
            ftps_folders::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(Ok(()))
}

/// Removes an empty folder the partner made.
pub fn remove_folder(
    conn: &mut DbConnection,
    profile_id: &str,
    path: &str,
) -> AppResult<Result<(), Refused>> {
    match list(conn, profile_id, path)? {
        None => return Ok(Err(Refused::NotFound)),
        Some(entries) if !entries.is_empty() => return Ok(Err(Refused::NotEmpty)),
        Some(_) => {}
    }
    let removed = diesel::delete(
        ftps_folders::table
            .filter(ftps_folders::profile_id.eq(profile_id))
            .filter(ftps_folders::path.eq(path)),
    )
    .execute(conn)?;
    Ok(if removed == 1 {
        Ok(())
    } else {
        Err(Refused::NotFound)
    })
}

/// Keeps the report of a run received over FTPS beside its file, unless the partner took the
/// file out meanwhile. Call it in a transaction.
pub fn keep_report(conn: &mut DbConnection, run_id: &str, report: &[u8]) -> AppResult<()> {
    let placed: Option<(Option<String>, Option<String>)> = import_runs::table
        .find(run_id)
        .select((import_runs::ftps_path, import_runs::report_file_id))
        .first(conn)
        .optional()?;
    let Some((Some(_), previous)) = placed else {
        return Ok(());
    };
    let id = crate::db::files::insert(
        conn,
        &crate::db::files::NewFile {
            kind: REPORT_KIND,
            content_type: "text/csv; charset=utf-8",
            bytes: report,
            limit: crate::db::files::MAX_BYTES,
            too_large: "Le rapport dépasse la taille permise.",
        },
    )?;
    diesel::update(import_runs::table.find(run_id))
        .set(import_runs::report_file_id.eq(&id))
        .execute(conn)?;
    if let Some(previous) = previous {
        crate::db::files::delete(conn, &previous)?;
    }
    Ok(())
}

/// The retention of the files received for import and their reports (`retention_settings`).
pub const RETENTION: &str = "import_files";

/// Erases the bytes and the report of the files whose import ended more than `days` before
/// `at` (they leave the partner's folder); the run stays, with its figures and rejections,
/// for the import history. Returns how many files went.
pub fn purge_files(conn: &mut DbConnection, at: NaiveDateTime, days: i64) -> AppResult<usize> {
    let limit = at - chrono::Duration::days(days);
    let runs: Vec<(String, Option<String>, Option<String>)> = import_runs::table
        .filter(import_runs::status.eq_any(["done", "failed"]))
        .filter(import_runs::finished_at.lt(limit))
        .filter(
            import_runs::file_id
                .is_not_null()
                .or(import_runs::report_file_id.is_not_null()),
        )
        .select((
            import_runs::id,
            import_runs::file_id,
            import_runs::report_file_id,
        ))
        .load(conn)?;
    for (run_id, file_id, report_file_id) in &runs {
        diesel::update(import_runs::table.find(run_id))
            .set((
                import_runs::file_id.eq(None::<String>),
                import_runs::report_file_id.eq(None::<String>),
                import_runs::ftps_path.eq(None::<String>),
            ))
            .execute(conn)?;
        for id in [file_id, report_file_id].into_iter().flatten() {
            crate::db::files::delete(conn, id)?;
        }
    }
    Ok(runs.len())
}
