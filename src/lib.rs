//! Passerelle: one regional platform for work-study offers, funded training, information on
//! trades, and the partners who help people into them.

pub mod api;
pub mod app;
pub mod applications;
pub mod auth;
pub mod basket;
pub mod calendar;
pub mod campaigns;
pub mod candidates;
pub mod clock;
pub mod config;
pub mod content;
pub mod db;
pub mod demo;
pub mod discovery;
pub mod error;
pub mod events;
#[doc(hidden)]
pub mod fuzzing;
pub mod gateway;
pub mod helpline;
pub mod imports;
pub mod jobs;
pub mod mail;
pub mod offers;
pub mod organisations;
pub mod partners;
pub mod portal;
pub mod prescriptions;
pub mod programme;
pub mod referential;
pub mod reports;
pub mod search;
pub mod sites;
pub mod startup;
pub mod telemetry;
pub mod trainings;
pub mod types;
pub mod web;
pub mod webhooks;

pub use app::{App, AppState};
pub use config::Config;
pub use startup::Application;
