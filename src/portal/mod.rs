//! The public front door. The home page (`/`): a "Quel métier ? Où ?" search box, the key
//! figures of the platform, the next events and latest news of the visitor's department, one
//! entry per audience. One search over everything (`/recherche`): the same words and place
//! find published offers, funded training sessions, job-discovery actions and agenda events,
//! each kind answered by its own capability's search and shown as a tab leading to that
//! kind's own search page (its filters, its pages).

pub mod routes;
pub mod service;
