//! "Cap sur les métiers": job-discovery actions (company visits, talks in class, job
//! shadowing, workshops) that companies and professional branches offer to schools; teachers
//! and counsellors find them near their school and request one for a group.

pub mod demo;
pub mod entered;
pub mod figures;
pub mod mails;
pub mod need_routes;
pub mod needs;
pub mod routes;
pub mod service;
pub mod supply_routes;
