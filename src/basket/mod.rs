//! Basket and subscriptions: candidates save offers and searches (with a daily e-mail of new
//! matches, never the same offer twice, and a private Atom feed); recruiters save profiles;
//! everyone may follow the public Atom feeds of new offers per department and per occupation.

pub mod feeds;
pub mod jobs;
pub mod mails;
pub mod routes;
pub mod service;

pub use jobs::register;
