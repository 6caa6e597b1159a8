//! The Espaces Métiers network: walk-in career spaces run by host organisations (Missions
//! Locales, CIO…), with an anonymous visit log, local events open to registration, the
//! booking calendar of travelling exhibitions, and visit figures per site and network.

pub mod demo;
pub mod figures;
pub mod mails;
pub mod model;
pub mod routes;
pub mod service;
