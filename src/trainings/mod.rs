//! The catalogue of publicly funded training, after LHÉO 2.3: trainings, actions and
//! sessions published by funders and training centres, imported and exported as LHÉO XML,
//! searched by the public and by prescribers.

pub mod demo;
pub mod import;
pub mod lheo;
pub mod model;
pub mod routes;
pub mod search;
pub mod store;

/// Registers at start: the catalogue imports of partners' profiles (LHÉO files) are applied
/// here.
pub fn register(reg: &mut crate::app::Registry) {
    reg.provide(crate::imports::CatalogueImport(import::apply));
}
