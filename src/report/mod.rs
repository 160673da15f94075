//! The report: a serializable tree (`model`) and one file per output
//! format — `html`, `csv`, `json` — with `context` as the view the HTML
//! templates see and `write` publishing every file atomically.

mod model;
pub use model::*;

pub mod chart;
pub mod context;
pub mod csv;
pub mod html;
pub mod json;
pub mod mail;
pub mod write;

#[cfg(test)]
pub(crate) mod testdata;
