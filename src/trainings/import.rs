//! Applying one LHÉO file received through an import profile (FTPS, HTTP or command line):
//! every training is checked, the valid ones are upserted by (publisher, numero), the others
//! are reported with their French reasons; an `lheo-index` file's summaries create entries
//! marked as summaries, or update the recruitment of trainings already known. The caller runs
//! it in one transaction.

use super::lheo;
use super::store::{self, Directory, Publisher, Upserted};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::imports::apply::{Applied, Rejection};
use crate::imports::report;

/// Applies an LHÉO file for `organisation_id`; `Err` (French) when the whole file is refused.
pub fn apply(
    conn: &mut DbConnection,
    organisation_id: &str,
    bytes: &[u8],
    progress: &dyn Fn(usize) -> AppResult<()>,
) -> AppResult<Result<Applied, String>> {
    let parsed = match lheo::parse(bytes) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let publisher = Publisher::load(conn, organisation_id)?;
    let mut directory = Directory::load(conn)?;
    let mut applied = Applied::default();
    for (done, item) in parsed.trainings.iter().enumerate() {
        applied.counts.received += 1;
        let reasons = match &item.result {
            Err(reasons) => reasons.clone(),
            Ok(training) => match store::may_publish(&publisher, training) {
                Some(reason) => vec![reason],
                None => {
                    match store::upsert(conn, &mut directory, &publisher, training)? {
                        Upserted::Created => applied.counts.created += 1,
                        Upserted::Updated => applied.counts.updated += 1,
                        Upserted::Unchanged => applied.counts.unchanged += 1,
                    }
                    Vec::new()
                }
            },
        };
        if !reasons.is_empty() {
            applied.counts.rejected += 1;
            // A training with thousands of broken sessions says so in 21 lines.
            let mut reasons = reasons;
            report::bound_problems(&mut reasons);
            for reason in reasons {
                applied.rejections.push(Rejection {
                    line: i32::try_from(item.line).unwrap_or(i32::MAX),
                    reference: item.numero.clone().unwrap_or_default(),
                    column: "formation".into(),
                    value: item.title.clone().unwrap_or_default(),
                    reason,
                });
            }
        }
        progress(done + 1)?;
    }
    for summary in &parsed.summaries {
        applied.counts.received += 1;
        match store::apply_summary(conn, &mut directory, &publisher, summary)? {
            Ok(Upserted::Created) => applied.counts.created += 1,
            Ok(Upserted::Updated) => applied.counts.updated += 1,
            Ok(Upserted::Unchanged) => applied.counts.unchanged += 1,
            Err(reason) => {
                applied.counts.rejected += 1;
                applied.rejections.push(Rejection {
                    line: i32::try_from(summary.line).unwrap_or(i32::MAX),
                    reference: summary.numero.clone().unwrap_or_default(),
                    column: "resume-offre".into(),
                    value: summary.title.clone().unwrap_or_default(),
                    reason,
                });
            }
        }
    }
    Ok(Ok(applied))
}
