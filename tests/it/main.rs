//! One integration-test binary: every test acts through HTTP as a person or a partner's
//! software would. Each runs on SQLite and, when PASSERELLE_TEST_POSTGRES_URL is set, on
//! PostgreSQL.

mod helpers;

mod account_security;
mod accounts;
mod api;
mod api_answers;
mod applications;
mod architecture;
mod backup;
mod basket;
mod browser;
mod candidates;
mod cli;
mod content;
mod content_partners;
mod crawl;
mod discovery;
mod exports;
mod files;
mod filters;
mod ftps;
mod fuzzing;
mod gateway;
mod helpline;
mod imports;
mod mails;
mod matrix;
mod names;
mod nodes;
mod offers;
mod operations;
mod organisations;
mod partners;
mod policy;
mod portal;
mod prescriptions;
mod programme;
mod referential;
mod reports;
mod schema;
mod search;
mod sites;
mod trainings;
