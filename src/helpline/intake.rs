//! The Maildir the mail server delivers the line's messages into: every message in `new/`
//! is read, taken in (a new request or a reply to one), then moved to `cur/`. A message
//! that cannot be read goes to `rejected/` with a log line; nothing stops the job.

use std::path::{Path, PathBuf};

use super::mailparse;
use super::service::{self, Intake};
use crate::AppState;

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub created: usize,
    pub attached: usize,
    pub ignored: usize,
    pub rejected: usize,
}

fn ensure_dirs(root: &Path) -> std::io::Result<()> {
    for sub in ["new", "cur", "tmp", "rejected"] {
        std::fs::create_dir_all(root.join(sub))?;
    }
    Ok(())
}

/// A Maildir file name with the "seen" flag, as `cur/` expects.
fn seen_name(name: &str) -> String {
    match name.split_once(":2,") {
        Some((base, flags)) if flags.contains('S') => format!("{base}:2,{flags}"),
        Some((base, flags)) => format!("{base}:2,{flags}S"),
        None => format!("{name}:2,S"),
    }
}

/// Reads every message waiting in `root/new`.
pub async fn poll(app: &AppState, root: &Path) -> anyhow::Result<Report> {
    ensure_dirs(root)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("new"))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut report = Report::default();
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parsed = match std::fs::metadata(&path) {
            Ok(m) if m.len() as usize > mailparse::MAX_BYTES => {
                Err("message trop volumineux".to_owned())
            }
            Ok(_) => match std::fs::read(&path) {
                Ok(raw) => mailparse::parse(&raw),
                Err(e) => Err(format!("lecture impossible : {e}")),
            },
            Err(e) => Err(format!("lecture impossible : {e}")),
        };
        let mail = match parsed {
            Ok(mail) => mail,
            Err(reason) => {
                tracing::warn!(file = %name, %reason, "helpline mail rejected");
                std::fs::rename(&path, root.join("rejected").join(&name))?;
                report.rejected += 1;
                continue;
            }
        };
        let hours = app.config.helpline_hours;
        let outcome = app
            .db
            .tx(move |conn| service::take_mail(conn, &mail, &hours))
            .await;
        match outcome {
            Ok(Intake::Created(reference)) => {
                tracing::info!(file = %name, %reference, "helpline mail: new request");
                report.created += 1;
            }
            Ok(Intake::Attached(reference)) => {
                tracing::info!(file = %name, %reference, "helpline mail: reply attached");
                report.attached += 1;
            }
            Ok(Intake::Ignored(why)) => {
                tracing::info!(file = %name, why, "helpline mail ignored");
                report.ignored += 1;
            }
            Err(error) => {
                // The database failed: the message stays in new/ for the next pass.
                tracing::error!(file = %name, %error, "helpline mail not taken in");
                continue;
            }
        }
        std::fs::rename(&path, root.join("cur").join(seen_name(&name)))?;
    }
    Ok(report)
}

/// The configured Maildir (default `DATA_DIR/maildir/helpline`).
pub fn maildir(config: &crate::config::Config) -> PathBuf {
    config
        .helpline_maildir
        .clone()
        .unwrap_or_else(|| config.data_dir.join("maildir").join("helpline"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn seen_flag() {
        assert_eq!(super::seen_name("123.abc"), "123.abc:2,S");
        assert_eq!(super::seen_name("123.abc:2,F"), "123.abc:2,FS");
        assert_eq!(super::seen_name("123.abc:2,S"), "123.abc:2,S");
    }
}
