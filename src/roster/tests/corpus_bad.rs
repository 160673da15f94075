//! The malformed corpus: every roster in `fixtures/rosters/bad` fails
//! exactly where `EXPECTED.tsv` says.
//!
//! EXPECTED.tsv: `file, line, column, message substring` (`-` for none).
//! `file` is the file the error names: for `X.toml` rows the roster is
//! `X.csv` read with `--roster-map X.toml`; an `X.csv` row is read with
//! `--roster-map X.toml` when that file exists.

use super::fixtures as dir;
use crate::error::Error;
use crate::roster::{Roster, RosterOptions};

struct Expected {
    file: String,
    line: Option<u64>,
    column: Option<u64>,
    needle: String,
}

fn expected() -> Vec<Expected> {
    let text = std::fs::read_to_string(dir("bad").join("EXPECTED.tsv")).unwrap();
    let number = |s: &str| (s != "-").then(|| s.parse::<u64>().unwrap());
    text.lines()
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 4, "EXPECTED.tsv line {l:?}");
            Expected {
                file: cols[0].to_owned(),
                line: number(cols[1]),
                column: number(cols[2]),
                needle: cols[3].to_owned(),
            }
        })
        .collect()
}

/// Runs the roster the way the CLI would for this EXPECTED.tsv row.
fn run_bad(file: &str) -> Result<Roster, Error> {
    let bad = dir("bad");
    let (roster, map) = match file.strip_suffix(".toml") {
        Some(stem) => (bad.join(format!("{stem}.csv")), Some(bad.join(file))),
        None => {
            let map = bad.join(file).with_extension("toml");
            (bad.join(file), map.exists().then_some(map))
        }
    };
    let opts = RosterOptions {
        date_format: None,
        map,
    };
    Roster::load(&roster, &opts)
}

#[test]
fn every_bad_roster_fails_where_expected_tsv_says() {
    let mut failures = Vec::new();
    for e in expected() {
        match run_bad(&e.file) {
            Ok(r) => failures.push(format!("{}: parsed {} people", e.file, r.people.len())),
            Err(err) => {
                let shown = err.to_string();
                let Error::Input {
                    path,
                    line,
                    column,
                    message,
                } = &err
                else {
                    failures.push(format!("{}: not an input error: {shown}", e.file));
                    continue;
                };
                let named = path.file_name().and_then(|n| n.to_str()) == Some(e.file.as_str());
                if !named || *line != e.line || *column != e.column || !message.contains(&e.needle)
                {
                    failures.push(format!(
                        "{}: expected {:?}:{:?} containing {:?}\n      got {shown}",
                        e.file, e.line, e.column, e.needle
                    ));
                }
                assert_eq!(err.exit_code(), 2, "{shown}");
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_bad_file_is_listed_and_the_corpus_is_large() {
    let listed: Vec<String> = expected().into_iter().map(|e| e.file).collect();
    let is_listed = |name: &str| listed.iter().any(|l| l == name);
    let mut count = 0;
    for entry in std::fs::read_dir(dir("bad")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == "EXPECTED.tsv" {
            continue;
        }
        let sibling = match name.rsplit_once('.') {
            Some((stem, "csv")) => format!("{stem}.toml"),
            Some((stem, "toml")) => format!("{stem}.csv"),
            _ => panic!("unexpected file {name} in the bad corpus"),
        };
        assert!(
            is_listed(&name) || is_listed(&sibling),
            "{name} is not in EXPECTED.tsv"
        );
        count += 1;
    }
    assert!(listed.len() >= 35, "only {} bad cases", listed.len());
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), listed.len(), "a file is listed twice");
    assert!(count >= listed.len());
}
