//! Partner imports: files sent by partner software over FTPS, HTTP or the command line — CSV
//! files of offers, and XML training catalogues (LHÉO) applied by the capability that keeps
//! the catalogue ([`CatalogueImport`]).

pub mod apply;
pub mod bench;
pub mod folder;
pub mod ftps;
pub mod jobs;
pub mod mails;
pub mod profile;
pub mod read;
pub mod report;
pub mod routes;
pub mod service;

pub use jobs::register;

use crate::db::DbConnection;
use crate::error::AppResult;

/// Applies an XML training catalogue (LHÉO) received through a profile of this organisation
/// (`conn`, organisation id, file, progress callback) in the import's transaction: `Ok(Err)`
/// with a French reason when the whole file is refused. Provided at start by the capability
/// that keeps the catalogue (`reg.provide(imports::CatalogueImport(…))`); without one, XML
/// files are refused.
#[derive(Clone, Copy)]
pub struct CatalogueImport(pub ApplyCatalogue);

/// See [`CatalogueImport`].
pub type ApplyCatalogue = fn(
    &mut DbConnection,
    &str,
    &[u8],
    &dyn Fn(usize) -> AppResult<()>,
) -> AppResult<Result<apply::Applied, String>>;
