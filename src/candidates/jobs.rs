//! The candidates' background work: inactive profiles are warned, then erased with their CV;
//! at start, CV files an earlier version kept on disk move into the database.

use anyhow::Context;

use crate::AppState;
use crate::app::Registry;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::web::retention::{Kind, Retention};

pub fn register(reg: &mut Registry) {
    // The CNIL's recruitment guidance keeps a candidate's file two years after the last
    // contact; six months at least, so that a person warned a month before has time to come
    // back, three years at most, beyond which a CV no longer describes anyone.
    reg.retain(
        "candidates.purge_inactive",
        Kind {
            key: super::service::RETENTION,
            label: "Comptes des candidat·es et leurs CV",
            counted_from: "après la dernière activité, avec un e-mail d’avertissement un mois avant",
            default_days: super::service::DEFAULT_RETENTION_DAYS,
            min_days: 180,
            max_days: 1095,
            purged: ("compte de candidat·e supprimé", "comptes de candidat·es supprimés"),
            purge: purge_inactive,
        },
    );
    reg.on_start(move_cv_files_into_database);
    reg.provide(crate::referential::RetiredInProfiles(
        super::store::retired_code_uses,
    ));
    reg.jobs
        .every("candidates.cv_alerts", chrono::Duration::days(1), cv_alerts);
}

async fn cv_alerts(app: AppState) -> anyhow::Result<()> {
    let sent = super::alerts::send_digests(&app).await?;
    tracing::info!(sent, "CV alert digests");
    Ok(())
}

fn purge_inactive(conn: &mut DbConnection, retention: &Retention) -> AppResult<usize> {
    let today = crate::clock::today_paris();
    let (warned, erased) =
        super::service::purge_inactive(conn, &retention.base_url, today, retention.days)?;
    tracing::info!(warned, erased, "inactive candidates");
    Ok(erased)
}

/// Earlier versions kept each CV in `DATA_DIR/cv/`, on the disk of the node that received
/// it. Each such file moves into the database (one transaction per file), then leaves the
/// disk; a file no profile names any more is a leftover and is deleted. Run at every start:
/// with nothing left on disk, it does nothing.
fn move_cv_files_into_database(app: &AppState) -> anyhow::Result<()> {
    let dir = app.config.data_dir.join("cv");
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(e).with_context(|| format!("lecture du dossier des CV {}", dir.display()));
        }
    };
    let _clock = crate::clock::enter(app.clock.clone());
    let mut conn = app.db.conn()?;
    let (mut moved, mut leftovers) = (0, 0);
    for entry in entries {
        let path = entry?.path();
        if !path.is_file() {
            continue;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let bytes = std::fs::read(&path)
            .with_context(|| format!("lecture du CV {} pour le placer en base", path.display()))?;
        let owner = crate::db::write_transaction(&mut conn, |conn| {
            super::service::adopt_cv_file(conn, &name, &bytes)
        })
        .map_err(|e| {
            anyhow::anyhow!(
                "le CV {} n’a pas pu être placé en base : {e}",
                path.display()
            )
        })?;
        match owner {
            Some(_) => moved += 1,
            None => leftovers += 1,
        }
        std::fs::remove_file(&path)
            .with_context(|| format!("suppression du CV {} placé en base", path.display()))?;
    }
    // The folder goes once empty; something else left in it stays, and so does the folder.
    let _ = std::fs::remove_dir(&dir);
    if moved + leftovers > 0 {
        tracing::info!(
            moved,
            leftovers,
            "CV files moved from the data folder into the database"
        );
    }
    Ok(())
}
