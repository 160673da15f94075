//! hfaudit: audit a Hugging Face organization for offboarding gaps and seat
//! waste.
//!
//! The pipeline: `hub` fetches an org into a [`model::Snapshot`], `store`
//! keeps every snapshot as Parquet, and the commands in `commands` read
//! them back. `main.rs` only parses arguments and maps errors to exit codes.

pub mod activity;
pub mod cli;
pub(crate) mod collections;
pub mod commands;
pub mod config;
pub mod diff;
pub mod error;
mod fault;
pub mod history;
pub mod hub;
pub mod identity;
pub mod input_file;
pub mod logging;
pub mod model;
pub mod reconcile;
pub mod remediate;
pub mod report;
pub mod review;
pub mod roster;
pub mod rules;
pub mod seats;
pub mod store;
mod table;
pub mod term;
pub mod text;

pub use error::{Error, Result};
