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
