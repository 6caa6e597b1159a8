//! French referentials: INSEE geography (regions, departments, communes with coordinates),
//! ROME 4.0 occupations, NAF divisions and the NAF → ROME table. The CSV files of
//! `data/reference/` are embedded in the binary, so a running Passerelle needs no other file.

pub mod departments;
pub mod retired;
pub mod routes;
pub mod store;
pub mod update;

pub mod load;
pub use load::load_all;
pub use retired::{RetiredInOffers, RetiredInProfiles, RetiredKind, RetiredUse};
pub use store::{Commune, Rome};

/// Key used to match names whatever their accents, case, hyphens or apostrophes.
pub fn search_key(text: &str) -> String {
    crate::types::fold(&text.replace(['-', '\'', '’'], " "))
}

pub use crate::search::geo::haversine_km;
