//! Unit tests of the roster module: inline rosters for each rule, the
//! fixture corpus, a seeded no-panic generator and the scale check.

mod columns_and_cells;
mod corpus_bad;
mod corpus_good;
mod duplicates_and_maps;
mod fuzz;
mod props;
mod scale;
mod statuses_and_dates;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{Roster, RosterOptions};
use crate::error::Error;

/// `fixtures/rosters/{kind}`.
fn fixtures(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/rosters")
        .join(kind)
}

pub(super) fn parse(text: &str) -> Result<Roster, Error> {
    parse_with(text.as_bytes(), &RosterOptions::default())
}

pub(super) fn parse_with(bytes: &[u8], opts: &RosterOptions) -> Result<Roster, Error> {
    Roster::parse(bytes, Path::new("roster.csv"), opts)
}

/// The error's line, column and message.
pub(super) fn fail(text: &str) -> (Option<u64>, Option<u64>, String) {
    match parse(text) {
        Err(Error::Input {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
        other => panic!("expected an input error, got {other:?}"),
    }
}

pub(super) fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}
