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

use chrono::{DateTime, Datelike, Timelike, Utc};

/// `t` as `YYYY-MM-DDTHH:MM:SSZ`, as every CSV cell, worksheet cell and
/// `<time datetime>` gives a moment: written field by field, not by
/// parsing a strftime format per value (a large report writes tens of
/// thousands of these).
pub fn utc_seconds(t: DateTime<Utc>) -> String {
    let y = t.year();
    if !(0..=9999).contains(&y) {
        return t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    }
    format!(
        "{y:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
