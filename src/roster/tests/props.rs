//! Property tests (proptest) of the roster parser: no input makes it panic,
//! and every answer is well-formed — people with an email or a username,
//! on a line of the file; errors with a message and a position inside it.
//!
//! Three generators: arbitrary bytes; rosters whose header is made of the
//! real aliases (any HR export's column names) with arbitrary, quoted or
//! hostile cells under any delimiter and line ending; and arbitrary
//! `--date-format` and `--roster-map` contents. Complements the seeded
//! generator in `fuzz.rs`. Case counts are fixed (`CASES`).

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::Config;

use crate::error::Error;
use crate::roster::aliases::ALIASES;
use crate::roster::{Roster, RosterOptions};

const CASES: u32 = 2_000;

/// Parses and checks the shape of the answer.
fn check(bytes: &[u8], opts: &RosterOptions) -> Result<(), TestCaseError> {
    let breaks = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64;
    let lines = breaks + 2;
    match Roster::parse(bytes, Path::new("props.csv"), opts) {
        Ok(roster) => {
            prop_assert!(!roster.people.is_empty());
            for p in &roster.people {
                prop_assert!(p.email.is_some() || p.hf_username.is_some(), "{p:?}");
                prop_assert!(p.line >= 2 && p.line <= lines, "line {}", p.line);
                if let Some(e) = &p.email {
                    prop_assert!(e.contains('@') && e.trim() == e, "{e:?}");
                }
            }
        }
        Err(Error::Input {
            line,
            column,
            message,
            ..
        }) => {
            prop_assert!(!message.is_empty());
            prop_assert!(
                line.is_none_or(|l| l >= 1 && l <= lines),
                "{line:?}: {message}"
            );
            prop_assert!(column.is_none_or(|c| c >= 1), "{message}");
        }
        Err(other) => prop_assert!(false, "unexpected error kind {other:?}"),
    }
    Ok(())
}

/// A cell as HR exports and hostile editors write them.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z]{1,8}@[a-z]{1,6}\\.(com|example)",
        "@?[A-Za-z0-9._-]{1,12}",
        "https://huggingface\\.co/[a-z0-9-]{1,10}/?",
        "(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}(T[0-9:]{8}Z)?",
        "[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}",
        prop::sample::select(vec![
            "active",
            "Active",
            "terminated",
            "Terminated - Voluntary",
            "leave",
            "on leave",
            "inactive",
            "contractor",
            "",
            " ",
            "\"",
            "\"\"",
            "=1+1",
            "\u{feff}",
            "\u{202e}",
            "\u{0}",
            "\r",
            "\n",
        ])
        .prop_map(str::to_string),
    ]
}

/// A field written the way a CSV writer would (quoted when needed), or raw.
fn written(cell: &str, delimiter: char, quote: bool) -> String {
    if quote {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.replace(delimiter, " ")
    }
}

/// A roster: a header of real aliases, then rows of cells.
fn roster() -> impl Strategy<Value = Vec<u8>> {
    let aliases: Vec<&'static str> = ALIASES.iter().map(|(_, _, name)| *name).collect();
    let header = prop::collection::vec(
        prop_oneof![4 => prop::sample::select(aliases), 1 => Just("Notes")],
        1..7,
    );
    let rows = prop::collection::vec(prop::collection::vec((cell(), any::<bool>()), 0..8), 0..10);
    let delimiter = prop::sample::select(vec![',', ';', '\t', '|']);
    let newline = prop::sample::select(vec!["\n", "\r\n", "\r"]);
    (header, rows, delimiter, newline, any::<bool>()).prop_map(
        |(header, rows, delimiter, newline, bom)| {
            let mut text = String::new();
            if bom {
                text.push('\u{feff}');
            }
            let sep = delimiter.to_string();
            text.push_str(&header.join(&sep));
            for row in rows {
                text.push_str(newline);
                let cells: Vec<String> = row
                    .iter()
                    .map(|(c, quote)| written(c, delimiter, *quote))
                    .collect();
                text.push_str(&cells.join(&sep));
            }
            text.into_bytes()
        },
    )
}

proptest! {
    #![proptest_config(Config { cases: CASES, failure_persistence: None, ..Config::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes, &RosterOptions::default())?;
    }

    #[test]
    fn rosters_with_real_headers_never_panic(bytes in roster()) {
        check(&bytes, &RosterOptions::default())?;
    }

    #[test]
    fn arbitrary_date_formats_never_panic(
        bytes in roster(),
        format in prop_oneof![any::<String>(), "(%[a-zA-Z%.:+-]?|[/ -]){0,8}"],
    ) {
        let opts = RosterOptions { date_format: Some(format), map: None };
        // An invalid format is the user's error (exit 2), never a panic.
        if !matches!(Roster::parse(&bytes, Path::new("props.csv"), &opts), Err(Error::Usage(_))) {
            check(&bytes, &opts)?;
        }
    }

    #[test]
    fn arbitrary_roster_maps_never_panic(
        bytes in roster(),
        map in prop_oneof![
            any::<String>(),
            "([a-z_]{1,16} = \"[^\"\\\\]{0,12}\"\n){0,4}",
            "\\[[a-z]{0,8}\\]\n[a-z_]{1,16} = [0-9\\[\\]{}\"]{0,6}",
        ],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("map.toml");
        std::fs::write(&path, map).unwrap();
        let opts = RosterOptions { date_format: None, map: Some(path) };
        match Roster::parse(&bytes, Path::new("props.csv"), &opts) {
            Ok(_) | Err(Error::Input { .. }) | Err(Error::Usage(_)) => {}
            Err(other) => prop_assert!(false, "unexpected error kind {other:?}"),
        }
    }
}
