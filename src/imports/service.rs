//! Import runs: every file received is recorded (who, when, channel, name, hash, counts,
//! duration, rejected rows), applied in one transaction, reported by e-mail, and the search
//! index follows.

use crate::web::csv::CsvWriter;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::apply::{self, Counts, Rejection};
use super::profile::ImportProfile;
use super::read;
use crate::AppState;
use crate::db::schema::{import_profiles, import_rejections, import_runs};
use crate::db::{DbConnection, new_id, now};
use crate::error::{AppError, AppResult};

/// How a file reached Passerelle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Ftps,
    Http,
    Cli,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ftps => "ftps",
            Self::Http => "http",
            Self::Cli => "cli",
        }
    }
}

pub fn channel_label(channel: &str) -> &'static str {
    match channel {
        "ftps" => "FTPS",
        "http" => "web (page ou API)",
        "cli" => "ligne de commande",
        _ => "autre",
    }
}

/// Job that brings the search index of the serving process in step with one profile's offers
/// (after an import made by another process, such as the command line).
pub const REINDEX_JOB: &str = "imports.reindex";

/// A file to import.
pub struct Upload {
    /// The run's id, chosen by the caller (`db::new_id()`) so it can answer before the end.
    pub run_id: String,
    pub profile: ImportProfile,
    /// Who sent it (the owner of the token used), when known.
    pub user_id: Option<String>,
    pub channel: Channel,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = import_runs)]
pub struct ImportRun {
    pub id: String,
    pub profile_id: String,
    #[serde(skip)]
    pub organisation_id: String,
    #[serde(skip)]
    pub user_id: Option<String>,
    /// `ftps`, `http` or `cli`.
    pub channel: String,
    pub file_name: String,
    pub file_sha256: String,
    pub file_bytes: i64,
    /// `queued` (received, waiting for its turn), `running`, `indexing` (rows applied, search
    /// index following), `done` or `failed`.
    pub status: String,
    /// Why the whole file was refused (French).
    pub error: Option<String>,
    pub received: i32,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
    pub withdrawn: i32,
    pub rejected: i32,
    #[serde(serialize_with = "crate::types::rfc3339::serialize")]
    pub started_at: NaiveDateTime,
    #[serde(serialize_with = "crate::types::rfc3339::serialize_option")]
    pub finished_at: Option<NaiveDateTime>,
    pub duration_ms: Option<i64>,
    /// `offers` (CSV) or `trainings` (LHÉO catalogue).
    pub content: String,
}

impl ImportRun {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "queued" => "En attente",
            "running" | "indexing" => "En cours",
            "done" if self.rejected > 0 => "Terminé, avec des lignes refusées",
            "done" => "Terminé",
            _ => "Refusé",
        }
    }
    pub fn channel_label(&self) -> &'static str {
        channel_label(&self.channel)
    }
    pub fn counts(&self) -> Counts {
        Counts {
            received: self.received,
            created: self.created,
            updated: self.updated,
            unchanged: self.unchanged,
            withdrawn: self.withdrawn,
            rejected: self.rejected,
        }
    }
    /// One French sentence for mails and pages.
    pub fn summary(&self) -> String {
        use crate::web::french::plural;
        if let Some(error) = &self.error {
            return format!("Fichier refusé, rien n’a été modifié : {error}");
        }
        if self.content == "trainings" {
            return format!(
                "{} : {}, {}, {}, {}.",
                plural(self.received, "formation reçue", "formations reçues"),
                plural(self.created, "créée", "créées"),
                plural(self.updated, "modifiée", "modifiées"),
                plural(self.unchanged, "inchangée", "inchangées"),
                plural(self.rejected, "refusée", "refusées"),
            );
        }
        format!(
            "{} : {}, {}, {}, {}, {}.",
            plural(self.received, "ligne reçue", "lignes reçues"),
            plural(self.created, "offre créée", "offres créées"),
            plural(self.updated, "modifiée", "modifiées"),
            plural(self.unchanged, "inchangée", "inchangées"),
            plural(self.withdrawn, "retirée", "retirées"),
            plural(self.rejected, "ligne refusée", "lignes refusées"),
        )
    }
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// How long a run is held by the process that runs it without news from it: that process
/// renews the lease every few seconds while it works ([`RENEW_EVERY`]); a run whose lease
/// expired was left by a process that stopped (crash, kill, power cut).
pub const LEASE: chrono::Duration = chrono::Duration::seconds(30);

/// How often the process running an import renews its lease.
const RENEW_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// What a run interrupted before its rows were committed says.
pub const INTERRUPTED: &str = "Import interrompu avant la fin (le traitement s’est arrêté) : \
                               aucune ligne n’a été enregistrée, renvoyez le fichier.";

/// Runs left by a process that stopped (their lease expired; at start and on a schedule):
/// those still `running` whose file is in the database (received over FTPS or the API) are
/// queued again, up to [`MAX_TAKES`] times; the other ones still `running` are failed, since
/// their file's rows were never committed and sending it again is safe; those whose rows were committed but whose index update was cut
/// (`indexing`) are done, and their profile's offers are reindexed by a job. A run whose
/// process is alive is never touched, whoever looks: a command started beside a running
/// server leaves the server's import alone.
pub fn fail_interrupted(conn: &mut DbConnection) -> AppResult<usize> {
    let at = now();
    // Runs recorded before leases existed have none: their process is gone.
    let expired = || {
        import_runs::lease_until
            .lt(at)
            .or(import_runs::lease_until.is_null())
    };
    // Read first: most of the time nothing expired, and nothing is written (on SQLite, a
    // command started during an import does not wait for its transaction).
    let left: Vec<(String, String, String, bool)> = import_runs::table
        .filter(import_runs::status.eq_any(["running", "indexing"]))
        .filter(expired())
        .select((
            import_runs::id,
            import_runs::status,
            import_runs::profile_id,
            import_runs::file_id
                .is_not_null()
                .and(import_runs::attempts.lt(MAX_TAKES)),
        ))
        .load(conn)?;
    if left.is_empty() {
        return Ok(0);
    }
    conn.transaction(|conn| {
        let mut taken = 0;
        let mut reindex = std::collections::BTreeSet::new();
        for (id, status, profile_id, again) in &left {
            // Again with the lease: the run may have moved on since it was read.
            let target = import_runs::table
                .find(id)
                .filter(import_runs::status.eq(status))
                .filter(expired());
            let won = if status == "running" && *again {
                let won = diesel::update(target)
                    .set((
                        import_runs::status.eq("queued"),
                        import_runs::runner.eq(None::<String>),
                        import_runs::lease_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
                if won == 1 {
                    crate::jobs::enqueue(conn, QUEUE_JOB, id, at)?;
                }
                won
            } else if status == "running" {
                diesel::update(target)
                    .set((
                        import_runs::status.eq("failed"),
                        import_runs::error.eq(INTERRUPTED),
                        import_runs::finished_at.eq(at),
                    ))
                    .execute(conn)?
            } else {
                let won = diesel::update(target)
                    .set(import_runs::status.eq("done"))
                    .execute(conn)?;
                if won == 1 {
                    reindex.insert(profile_id.clone());
                }
                won
            };
            taken += won;
        }
        for profile_id in &reindex {
            crate::jobs::enqueue(conn, REINDEX_JOB, profile_id, at)?;
        }
        Ok(taken)
    })
}

/// Renews the lease of a run this process (`runner`) holds; false once it holds it no more.
fn renew_lease(conn: &mut DbConnection, id: &str, runner: &str) -> AppResult<bool> {
    let renewed = diesel::update(
        import_runs::table
            .find(id)
            .filter(import_runs::runner.eq(runner))
            .filter(import_runs::status.eq_any(["running", "indexing"])),
    )
    .set(import_runs::lease_until.eq(now() + LEASE))
    .execute(conn)?;
    Ok(renewed == 1)
}

/// Renews a run's lease every few seconds until dropped.
struct LeaseKeeper(tokio::task::JoinHandle<()>);

impl LeaseKeeper {
    fn start(state: &AppState, run_id: &str) -> Self {
        let state = state.clone();
        let id = run_id.to_owned();
        Self(tokio::spawn(async move {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                let (run, runner) = (id.clone(), state.instance_id.clone());
                // While the import's transaction writes, the renewal waits for it (SQLite's
                // lock, PostgreSQL's row lock): the transaction holds the run all the same,
                // and sets a fresh lease when it commits.
                match state
                    .db
                    .run(move |conn| renew_lease(conn, &run, &runner))
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => tracing::debug!(error = %e, run = %id, "import lease not renewed"),
                }
            }
        }))
    }
}

impl Drop for LeaseKeeper {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The answer when a run was taken for interrupted (its lease expired) before this process
/// could apply it: nothing of the file is applied.
fn taken_over() -> AppError {
    AppError::conflict(INTERRUPTED)
}

/// Imports one file: records the run, applies the valid rows in one transaction, mails the
/// report to the sender, updates the search index. `progress` gets the rows done so far; an
/// error from it (or any failure) rolls the whole file back and marks the run failed.
pub async fn run(
    state: &AppState,
    upload: Upload,
    progress: impl Fn(usize) -> AppResult<()> + Send + 'static,
) -> AppResult<ImportRun> {
    record_start(state, &upload).await?;
    finish(state, upload, progress).await
}

/// Records that a file was received (the run, `running`): its id answers at once.
pub async fn record_start(state: &AppState, upload: &Upload) -> AppResult<()> {
    let (sha, size) = (sha256(&upload.bytes), file_size(&upload.bytes));
    // What the row says of the file (the bytes stay with the caller).
    let meta = Upload {
        run_id: upload.run_id.clone(),
        profile: upload.profile.clone(),
        user_id: upload.user_id.clone(),
        channel: upload.channel,
        file_name: upload.file_name.clone(),
        bytes: Vec::new(),
    };
    let runner = state.instance_id.clone();
    state
        .db
        .run(move |conn| {
            ensure_may_import(conn, &meta.profile.organisation_id)?;
            insert_run(conn, &meta, &sha, size, "running", Some(&runner))
        })
        .await
}

fn file_size(bytes: &[u8]) -> i64 {
    i64::try_from(bytes.len()).unwrap_or(i64::MAX)
}

/// Writes a new run, held by `runner` (with a fresh lease) when one runs it at once.
fn insert_run(
    conn: &mut DbConnection,
    upload: &Upload,
    sha: &str,
    size: i64,
    status: &str,
    runner: Option<&str>,
) -> AppResult<()> {
    let at = now();
    diesel::insert_into(import_runs::table)
        .values((
            import_runs::id.eq(&upload.run_id),
            import_runs::profile_id.eq(&upload.profile.id),
            import_runs::organisation_id.eq(&upload.profile.organisation_id),
            import_runs::user_id.eq(&upload.user_id),
            import_runs::channel.eq(upload.channel.as_str()),
            import_runs::file_name.eq(&upload.file_name),
            import_runs::file_sha256.eq(sha),
            import_runs::file_bytes.eq(size),
            import_runs::status.eq(status),
            import_runs::received.eq(0),
            import_runs::created.eq(0),
            import_runs::updated.eq(0),
            import_runs::unchanged.eq(0),
            import_runs::withdrawn.eq(0),
            import_runs::rejected.eq(0),
            import_runs::started_at.eq(at),
            import_runs::runner.eq(runner),
            import_runs::lease_until.eq(runner.map(|_| at + LEASE)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Refuses a file for an organisation that is not validated, whatever the channel (pages, API,
/// FTPS, command line): the same rule as the policy's.
pub fn ensure_may_import(conn: &mut DbConnection, organisation_id: &str) -> AppResult<()> {
    let org = crate::organisations::store::get(conn, organisation_id)?;
    let status = crate::types::OrgStatus::parse(&org.status);
    if crate::auth::policy::organisation_may_import(status) {
        Ok(())
    } else {
        Err(not_validated())
    }
}

/// The answer to an organisation that is not validated yet and tries to import.
pub fn not_validated() -> AppError {
    AppError::new(
        axum::http::StatusCode::FORBIDDEN,
        "forbidden",
        "Votre organisation doit être validée avant d’importer des offres ou de créer des \
         profils d’import.",
    )
}

/// What a received file holds.
enum Content {
    /// A CSV file of offers (read, or why it could not be).
    Offers(Result<read::Table, read::FileError>),
    /// An LHÉO XML training catalogue.
    Lheo(Vec<u8>),
}

impl Content {
    fn kind(&self) -> &'static str {
        match self {
            Content::Offers(_) => "offers",
            Content::Lheo(_) => "trainings",
        }
    }
}

/// Reads and applies a file whose run was recorded by [`record_start`].
pub async fn finish(
    state: &AppState,
    upload: Upload,
    progress: impl Fn(usize) -> AppResult<()> + Send + 'static,
) -> AppResult<ImportRun> {
    let started = std::time::Instant::now();
    let run_id = upload.run_id.clone();
    // The run stays this process's while it works: no other process takes it for interrupted.
    let _lease = LeaseKeeper::start(state, &run_id);
    let runner = state.instance_id.clone();
    let channel = upload.channel;
    let bytes = upload.bytes;
    // An XML file is a training catalogue (LHÉO); anything else is a CSV file of offers.
    let content = if read::is_xml(&bytes) {
        Content::Lheo(bytes)
    } else {
        Content::Offers(
            tokio::task::spawn_blocking(move || read::read_table(&bytes))
                .await
                .map_err(AppError::internal)?,
        )
    };
    let catalogue = state.registry.get::<super::CatalogueImport>().copied();
    let base = state.config.base_url();
    let app = state.clone();
    let profile = upload.profile;
    let user_id = upload.user_id;
    let id = run_id.clone();
    let outcome = state
        .db
        .tx(move |conn| {
            let elapsed = || i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
            let kind = content.kind();
            // Still this process's run? A run taken for interrupted stays failed: its file is
            // not applied. From here the transaction holds the run (SQLite's write lock,
            // PostgreSQL's row lock) until it commits.
            let owned = diesel::update(
                import_runs::table
                    .find(&id)
                    .filter(import_runs::runner.eq(&runner))
                    .filter(import_runs::status.eq("running")),
            )
            .set((
                import_runs::content.eq(kind),
                import_runs::lease_until.eq(now() + LEASE),
            ))
            .execute(conn)?;
            if owned == 0 {
                return Err(taken_over());
            }
            let applied = match content {
                Content::Offers(Err(e)) => Err(e.0),
                Content::Offers(Ok(table)) => {
                    let today = crate::clock::today_paris();
                    match apply::apply(conn, &profile, &table, today, &progress)? {
                        Ok(applied) => Ok(applied),
                        Err(mismatch) => Err(mismatch.0),
                    }
                }
                Content::Lheo(bytes) => match catalogue {
                    Some(super::CatalogueImport(apply)) => {
                        apply(conn, &profile.organisation_id, &bytes, &progress)?
                    }
                    None => Err("Les catalogues de formations (XML) ne sont pas acceptés \
                                 par cette plateforme."
                        .to_owned()),
                },
            };
            let changed = match applied {
                Err(error) => {
                    // A file of a million columns must not make a message (and a mail) of
                    // megabytes.
                    let error = super::report::bound_message(&error);
                    diesel::update(import_runs::table.find(&id))
                        .set((
                            import_runs::status.eq("failed"),
                            import_runs::error.eq(&error),
                            import_runs::finished_at.eq(now()),
                            import_runs::duration_ms.eq(elapsed()),
                        ))
                        .execute(conn)?;
                    Vec::new()
                }
                Ok(applied) => {
                    // One statement per row: batch inserts do not run on both backends.
                    for (seq, r) in applied.rejections.iter().enumerate() {
                        use super::report::{MAX_CELL_CHARS, MAX_QUOTED_CHARS, bound_message, cut};
                        diesel::insert_into(import_rejections::table)
                            .values((
                                import_rejections::run_id.eq(&id),
                                import_rejections::seq.eq(i32::try_from(seq).unwrap_or(i32::MAX)),
                                import_rejections::line.eq(r.line),
                                import_rejections::reference
                                    .eq(&*cut(&r.reference, MAX_QUOTED_CHARS)),
                                import_rejections::column_name
                                    .eq(&*cut(&r.column, MAX_QUOTED_CHARS)),
                                import_rejections::value.eq(&*cut(&r.value, MAX_CELL_CHARS)),
                                import_rejections::reason.eq(bound_message(&r.reason)),
                            ))
                            .execute(conn)?;
                    }
                    let c = applied.counts;
                    diesel::update(import_runs::table.find(&id))
                        .set((
                            // Done once the search index follows (see below).
                            import_runs::status.eq("indexing"),
                            import_runs::lease_until.eq(now() + LEASE),
                            import_runs::received.eq(c.received),
                            import_runs::created.eq(c.created),
                            import_runs::updated.eq(c.updated),
                            import_runs::unchanged.eq(c.unchanged),
                            import_runs::withdrawn.eq(c.withdrawn),
                            import_runs::rejected.eq(c.rejected),
                            import_runs::finished_at.eq(now()),
                            import_runs::duration_ms.eq(elapsed()),
                        ))
                        .execute(conn)?;
                    // The chambers covering each proposed company are told it waits for them.
                    for company in &applied.proposed {
                        crate::organisations::signup::tell_chambers(
                            conn,
                            company,
                            Some(&profile.organisation_id),
                            &base,
                        )?;
                    }
                    // Every node's search follows the change, recorded with it.
                    crate::offers::changed_in(conn, &app, &applied.changed)?;
                    applied.changed
                }
            };
            let mut run = get(conn, &id)?;
            if run.status == "indexing" {
                // What the run will say once the index follows, a moment later.
                run.status = "done".to_owned();
            }
            if let Some(user) = user_id
                .as_deref()
                .map(|u| crate::auth::store::by_id(conn, u))
                .transpose()?
                .flatten()
            {
                let mail = super::mails::Done {
                    file_name: &run.file_name,
                    status: run.status_label(),
                    profile: &profile.identifier,
                    summary: run.summary(),
                    id: &run.id,
                    base_url: &base,
                };
                crate::mail::enqueue(conn, &user.email, &mail)?;
            }
            Ok((run, changed))
        })
        .await;
    let (run, changed) = match outcome {
        Ok(done) => done,
        Err(e) => {
            // Nothing of the file was kept: say so on the run, then report the failure.
            let (failed, runner) = (run_id.clone(), state.instance_id.clone());
            state
                .db
                .run(move |conn| {
                    // Unless another process took it for interrupted already.
                    diesel::update(
                        import_runs::table
                            .find(&failed)
                            .filter(import_runs::runner.eq(&runner))
                            .filter(import_runs::status.eq("running")),
                    )
                    .set((
                        import_runs::status.eq("failed"),
                        import_runs::error
                            .eq("Import interrompu par une erreur : aucune ligne n’a été \
                                 enregistrée, renvoyez le fichier."),
                        import_runs::finished_at.eq(now()),
                    ))
                    .execute(conn)?;
                    Ok(())
                })
                .await?;
            return Err(e);
        }
    };
    if channel != Channel::Cli && !changed.is_empty() {
        // This node's index follows at once (the others within a second, from the log); the
        // command line serves no search: the server's follower applies its changes.
        crate::search::changes::catch_up(state).await;
    }
    let (done, runner) = (run.id.clone(), state.instance_id.clone());
    state
        .db
        .run(move |conn| {
            diesel::update(
                import_runs::table
                    .find(&done)
                    .filter(import_runs::runner.eq(&runner))
                    .filter(import_runs::status.eq("indexing")),
            )
            .set(import_runs::status.eq("done"))
            .execute(conn)?;
            Ok(())
        })
        .await?;
    metrics::counter!("passerelle_import_runs_total", "status" => run.status.clone()).increment(1);
    Ok(run)
}

async fn sync_index(state: &AppState, ids: Vec<String>) -> AppResult<()> {
    // One index commit (and one database read) per 10,000 offers: per 1,000, a 100,000-row
    // import spent most of its time in commits and reads (`passerelle bench import`).
    for chunk in ids.chunks(10_000) {
        crate::offers::changed(state, chunk.to_vec()).await?;
    }
    Ok(())
}

/// Brings the search index in step with every offer of an import profile.
pub async fn reindex_profile(state: &AppState, profile_id: String) -> AppResult<usize> {
    let ids: Vec<String> = state
        .db
        .run(move |conn| {
            Ok(crate::db::schema::offers::table
                .filter(crate::db::schema::offers::import_profile_id.eq(profile_id))
                .select(crate::db::schema::offers::id)
                .load(conn)?)
        })
        .await?;
    let count = ids.len();
    sync_index(state, ids).await?;
    Ok(count)
}

pub fn get(conn: &mut DbConnection, id: &str) -> AppResult<ImportRun> {
    import_runs::table
        .find(id)
        .select(ImportRun::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

pub fn rejections(conn: &mut DbConnection, run_id: &str) -> AppResult<Vec<Rejection>> {
    let rows: Vec<(i32, String, String, String, String)> = import_rejections::table
        .filter(import_rejections::run_id.eq(run_id))
        .order(import_rejections::seq)
        .select((
            import_rejections::line,
            import_rejections::reference,
            import_rejections::column_name,
            import_rejections::value,
            import_rejections::reason,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(line, reference, column, value, reason)| Rejection {
            line,
            reference,
            column,
            value,
            reason,
        })
        .collect())
}

/// Runs, most recent first, with their profile's identifier: one organisation's, or all.
pub fn runs(
    conn: &mut DbConnection,
    organisation_id: Option<&str>,
    limit: i64,
) -> AppResult<Vec<(ImportRun, String)>> {
    let mut q = import_runs::table
        .inner_join(import_profiles::table)
        .order(import_runs::started_at.desc())
        .limit(limit)
        .select((ImportRun::as_select(), import_profiles::identifier))
        .into_boxed();
    if let Some(org) = organisation_id {
        q = q.filter(import_runs::organisation_id.eq(org.to_owned()));
    }
    Ok(q.load(conn)?)
}

/// The report of a run as CSV: a summary line, then one line per problem.
pub fn report_csv(run: &ImportRun, rejected: &[Rejection]) -> AppResult<Vec<u8>> {
    let mut out = report_writer(&run.summary())?;
    for r in rejected {
        out.row([
            r.line.to_string().as_str(),
            &r.reference,
            &r.column,
            &r.value,
            &r.reason,
        ])?;
    }
    out.finish()
}

fn report_writer(summary: &str) -> AppResult<CsvWriter> {
    let mut out = CsvWriter::new(["ligne", "référence", "colonne", "valeur", "motif"])?;
    out.row(["0", "", "", "", summary])?;
    Ok(out)
}

/// Profiles by their public identifier.
pub fn profile_by_identifier(
    conn: &mut DbConnection,
    identifier: &str,
) -> AppResult<Option<ImportProfile>> {
    Ok(import_profiles::table
        .filter(import_profiles::identifier.eq(identifier))
        .select(ImportProfile::as_select())
        .first(conn)
        .optional()?)
}

pub fn profile(conn: &mut DbConnection, id: &str) -> AppResult<ImportProfile> {
    import_profiles::table
        .find(id)
        .select(ImportProfile::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(AppError::not_found)
}

pub fn profiles_of(
    conn: &mut DbConnection,
    organisation_id: &str,
) -> AppResult<Vec<ImportProfile>> {
    Ok(import_profiles::table
        .filter(import_profiles::organisation_id.eq(organisation_id))
        .order(import_profiles::identifier)
        .select(ImportProfile::as_select())
        .load(conn)?)
}

/// What a new or edited profile says.
pub struct ProfileInput {
    pub identifier: String,
    pub name: String,
    pub preset: String,
    pub mapping: std::collections::BTreeMap<String, String>,
    pub mode: super::profile::Mode,
    pub defaults: std::collections::BTreeMap<String, String>,
    /// Companies unknown to Passerelle are proposed to the chamber (pending) instead of
    /// refused.
    pub allow_pending_companies: bool,
}

pub fn create_profile(
    conn: &mut DbConnection,
    organisation_id: &str,
    input: &ProfileInput,
    trusted: bool,
) -> AppResult<String> {
    if profile_by_identifier(conn, &input.identifier)?.is_some() {
        return Err(AppError::conflict(
            "Cet identifiant de profil est déjà pris : choisissez-en un autre.",
        ));
    }
    let id = new_id();
    let at = now();
    diesel::insert_into(import_profiles::table)
        .values((
            import_profiles::id.eq(&id),
            import_profiles::organisation_id.eq(organisation_id),
            import_profiles::identifier.eq(&input.identifier),
            import_profiles::name.eq(&input.name),
            import_profiles::preset.eq(&input.preset),
            import_profiles::mapping
                .eq(serde_json::to_string(&input.mapping).map_err(AppError::internal)?),
            import_profiles::mode.eq(input.mode.as_str()),
            import_profiles::defaults
                .eq(serde_json::to_string(&input.defaults).map_err(AppError::internal)?),
            import_profiles::trusted.eq(trusted),
            import_profiles::allow_pending_companies.eq(input.allow_pending_companies),
            import_profiles::created_at.eq(at),
            import_profiles::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn update_profile(conn: &mut DbConnection, id: &str, input: &ProfileInput) -> AppResult<()> {
    diesel::update(import_profiles::table.find(id))
        .set((
            import_profiles::name.eq(&input.name),
            import_profiles::preset.eq(&input.preset),
            import_profiles::mapping
                .eq(serde_json::to_string(&input.mapping).map_err(AppError::internal)?),
            import_profiles::mode.eq(input.mode.as_str()),
            import_profiles::defaults
                .eq(serde_json::to_string(&input.defaults).map_err(AppError::internal)?),
            import_profiles::allow_pending_companies.eq(input.allow_pending_companies),
            import_profiles::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_trusted(conn: &mut DbConnection, id: &str, trusted: bool) -> AppResult<()> {
    diesel::update(import_profiles::table.find(id))
        .set(import_profiles::trusted.eq(trusted))
        .execute(conn)?;
    Ok(())
}

/// Job that imports the files of a profile received over FTPS or the API and queued, one at a
/// time in the order they arrived (payload: a queued run's id).
pub const QUEUE_JOB: &str = "imports.queued";

/// The kind of the received files in `stored_files`.
pub const FILE_KIND: &str = "import-file";

/// How many times a queued file is taken: again after its process stopped during it, up to
/// this many times (a file that stops every process that reads it must not stop them all).
const MAX_TAKES: i32 = 3;

/// Records a received file before it is acknowledged (the FTPS 226, the API's 202): its bytes
/// (`stored_files`), its run (`queued`) and the job that imports it, in one transaction. From
/// there nothing is lost: any node imports it, even after the one that received it stopped.
/// `ftps_path`: where it lies in its profile's FTPS folder (its report goes beside it; it
/// replaces the file received earlier there).
pub async fn receive(state: &AppState, upload: Upload, ftps_path: Option<String>) -> AppResult<()> {
    state
        .db
        .tx(move |conn| {
            ensure_may_import(conn, &upload.profile.organisation_id)?;
            let file_id = crate::db::files::insert(
                conn,
                &crate::db::files::NewFile {
                    kind: FILE_KIND,
                    content_type: "application/octet-stream",
                    bytes: &upload.bytes,
                    limit: read::MAX_FILE_BYTES,
                    too_large: "Le fichier dépasse 50 Mo : découpez-le en plusieurs envois.",
                },
            )?;
            let at = now();
            let (sha, size) = (sha256(&upload.bytes), file_size(&upload.bytes));
            // The file takes the place of the one received earlier at that path.
            if let Some(path) = &ftps_path {
                super::folder::take_out(conn, &upload.profile.id, path)?;
            }
            insert_run(conn, &upload, &sha, size, "queued", None)?;
            diesel::update(import_runs::table.find(&upload.run_id))
                .set((
                    import_runs::file_id.eq(&file_id),
                    import_runs::ftps_path.eq(&ftps_path),
                    import_runs::queued_at.eq(at),
                ))
                .execute(conn)?;
            crate::jobs::enqueue(conn, QUEUE_JOB, &upload.run_id, at)?;
            Ok(())
        })
        .await
}

/// A queued file taken by this process: its run is `running`, held by this process's lease.
pub struct Claimed {
    pub upload: Upload,
    /// Where it lies in the profile's FTPS folder, when it came that way.
    pub ftps_path: Option<String>,
}

/// What the queue of a profile had for this process.
pub enum Next {
    Claimed(Box<Claimed>),
    /// Another file of the profile is being applied (by a live process): it goes first.
    Busy,
    /// Nothing queued.
    Empty,
}

/// Takes the oldest queued file of a profile, unless another queued file of that profile is
/// being applied by a live process (files of one profile apply in the order they arrived).
pub async fn claim_next(state: &AppState, profile_id: &str) -> AppResult<Next> {
    let runner = state.instance_id.clone();
    let profile_id = profile_id.to_owned();
    state
        .db
        .tx(move |conn| {
            let at = now();
            let busy: i64 = import_runs::table
                .filter(import_runs::profile_id.eq(&profile_id))
                .filter(import_runs::queued_at.is_not_null())
                .filter(import_runs::status.eq("running"))
                .filter(import_runs::lease_until.ge(at))
                .count()
                .get_result(conn)?;
            if busy > 0 {
                return Ok(Next::Busy);
            }
            let Some(id) = import_runs::table
                .filter(import_runs::profile_id.eq(&profile_id))
                .filter(import_runs::status.eq("queued"))
                .order((import_runs::queued_at, import_runs::id))
                .select(import_runs::id)
                .first::<String>(conn)
                .optional()?
            else {
                return Ok(Next::Empty);
            };
            let won = diesel::update(
                import_runs::table
                    .find(&id)
                    .filter(import_runs::status.eq("queued")),
            )
            .set((
                import_runs::status.eq("running"),
                import_runs::runner.eq(&runner),
                import_runs::lease_until.eq(at + LEASE),
                import_runs::attempts.eq(import_runs::attempts + 1),
            ))
            .execute(conn)?;
            if won == 0 {
                // Taken by another process meanwhile: it goes on with the queue.
                return Ok(Next::Busy);
            }
            let run = get(conn, &id)?;
            let (file_id, ftps_path): (Option<String>, Option<String>) = import_runs::table
                .find(&id)
                .select((import_runs::file_id, import_runs::ftps_path))
                .first(conn)?;
            let bytes = match file_id {
                Some(file_id) => crate::db::files::get(conn, &file_id)?
                    .map(|f| f.bytes)
                    .ok_or_else(|| {
                        AppError::internal(anyhow::anyhow!("queued import file {file_id} is gone"))
                    })?,
                None => {
                    return Err(AppError::internal(anyhow::anyhow!(
                        "queued run {id} has no file"
                    )));
                }
            };
            let profile = profile(conn, &run.profile_id)?;
            let channel = match run.channel.as_str() {
                "ftps" => Channel::Ftps,
                "cli" => Channel::Cli,
                _ => Channel::Http,
            };
            Ok(Next::Claimed(Box::new(Claimed {
                upload: Upload {
                    run_id: run.id,
                    profile,
                    user_id: run.user_id,
                    channel,
                    file_name: run.file_name,
                    bytes,
                },
                ftps_path,
            })))
        })
        .await
}

/// The profile of a run and whether it is still queued.
pub async fn queued_run(state: &AppState, run_id: String) -> AppResult<Option<(String, bool)>> {
    state
        .db
        .run(move |conn| {
            Ok(import_runs::table
                .find(&run_id)
                .select((import_runs::profile_id, import_runs::status))
                .first::<(String, String)>(conn)
                .optional()?
                .map(|(profile, status)| (profile, status == "queued")))
        })
        .await
}

/// Once a run is over, the received file's bytes are dropped (its name, size and SHA-256 stay
/// on the run), unless the file lies in its profile's FTPS folder: there it stays until the
/// partner replaces or deletes it (see [`super::folder`]).
pub async fn drop_received_file(state: &AppState, run_id: String) -> AppResult<()> {
    state
        .db
        .tx(move |conn| {
            let file_id: Option<String> = import_runs::table
                .find(&run_id)
                .filter(import_runs::status.eq_any(["done", "failed", "indexing"]))
                .filter(import_runs::ftps_path.is_null())
                .select(import_runs::file_id)
                .first::<Option<String>>(conn)
                .optional()?
                .flatten();
            if let Some(file_id) = file_id {
                diesel::update(import_runs::table.find(&run_id))
                    .set(import_runs::file_id.eq(None::<String>))
                    .execute(conn)?;
                crate::db::files::delete(conn, &file_id)?;
            }
            Ok(())
        })
        .await
}

/// A queued run whose job gave up (the queue stayed busy for hours): failed, the sender told
/// by the run's page.
pub fn give_up_queued(conn: &mut DbConnection, run_id: &str) -> AppResult<()> {
    diesel::update(
        import_runs::table
            .find(run_id)
            .filter(import_runs::status.eq("queued")),
    )
    .set((
        import_runs::status.eq("failed"),
        import_runs::error.eq(
            "Le fichier n’a pas pu être importé (file d’attente bloquée) : aucune ligne n’a été \
             enregistrée, renvoyez-le.",
        ),
        import_runs::finished_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(())
}
