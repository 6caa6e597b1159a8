//! Work-study offers: posted by companies (or training centres they delegate to), moderated
//! by the chamber covering the place of work, published, then filled, expired or withdrawn.

pub mod export;
pub mod index;
pub mod mails;
pub mod model;
pub mod routes;
pub mod search;
pub mod service;
pub mod store;

pub use model::{ContractType, Offer, OfferStatus};
