//! Partner imports: CSV files of offers sent by partner software over FTPS, HTTP or the command line.

pub mod apply;
pub mod bench;
pub mod ftps;
pub mod jobs;
pub mod mails;
pub mod profile;
pub mod read;
pub mod routes;
pub mod service;

pub use jobs::register;
