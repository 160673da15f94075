//! No input makes the parser panic, and every answer is well-formed.
//!
//! A small seeded generator instead of a property-testing crate: random byte
//! strings biased towards CSV syntax, rosters with a valid header and random
//! rows, and random mutations of the good fixtures.

use std::path::Path;

use crate::error::Error;
use crate::roster::{Roster, RosterOptions};

/// xorshift64*: deterministic, so a failure names a reproducible seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A byte that often means something to a CSV reader.
    fn byte(&mut self) -> u8 {
        const INTERESTING: &[u8] =
            b",;\t\r\n\"\" @-_.:/0123456789aAeEtT\x00\xff\xc3\xa9\xef\xbb\xbf";
        match self.below(4) {
            0 => self.next() as u8,
            _ => INTERESTING[self.below(INTERESTING.len())],
        }
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.byte()).collect()
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }
}

/// Parses and checks the shape of the answer.
fn check(bytes: &[u8], opts: &RosterOptions, seed: u64) {
    let lines = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64 + 2;
    match Roster::parse(bytes, Path::new("fuzz.csv"), opts) {
        Ok(roster) => {
            assert!(!roster.people.is_empty(), "seed {seed}");
            for p in &roster.people {
                assert!(
                    p.email.is_some() || p.hf_username.is_some(),
                    "seed {seed}: {p:?}"
                );
                assert!(
                    p.line >= 2 && p.line <= lines,
                    "seed {seed}: line {}",
                    p.line
                );
                if let Some(e) = &p.email {
                    assert!(e.contains('@') && e.trim() == e, "seed {seed}: {e:?}");
                }
            }
        }
        Err(Error::Input {
            line,
            column,
            message,
            ..
        }) => {
            assert!(!message.is_empty(), "seed {seed}");
            assert!(
                line.is_none_or(|l| l >= 1 && l <= lines),
                "seed {seed}: line {line:?}: {message}"
            );
            assert!(column.is_none_or(|c| c >= 1), "seed {seed}: {message}");
        }
        Err(other) => panic!("seed {seed}: unexpected error kind {other:?}"),
    }
}

#[test]
fn random_bytes_never_panic() {
    let opts = RosterOptions::default();
    for seed in 1..=3_000u64 {
        let mut rng = Rng(seed);
        let bytes = rng.bytes(300);
        check(&bytes, &opts, seed);
    }
}

#[test]
fn random_rows_under_a_valid_header_never_panic() {
    const CELLS: &[&str] = &[
        "",
        " ",
        "a@x.com",
        "A@X.COM",
        "@bob",
        "bob",
        "https://huggingface.co/bob",
        "x",
        "\"q\"\"q\"",
        "\"a,b\"",
        "\"line\nbreak\"",
        "\"",
        "active",
        "Terminated - Voluntary",
        "leave",
        "bogus",
        "2026-03-31",
        "2026-02-30",
        "03/31/2026",
        "2026-03-31T17:00:00Z",
        "é",
        "\u{0}",
        "=1+1",
        "42",
    ];
    const HEADERS: &[&str] = &[
        "email,status,termination_date,hf_username,employee_id\n",
        "\u{feff}Work Email;Employment Status;End Date;HF Handle;Employee #\r\n",
        "hf_username\ttermination_date\tName\n",
    ];
    let opts = [
        RosterOptions::default(),
        RosterOptions {
            date_format: Some("%m/%d/%Y".into()),
            map: None,
        },
    ];
    for seed in 1..=3_000u64 {
        let mut rng = Rng(seed);
        let header = rng.pick(HEADERS);
        let delimiter = if header.contains(';') {
            ";"
        } else if header.contains('\t') {
            "\t"
        } else {
            ","
        };
        let mut text = String::from(header);
        for _ in 0..rng.below(8) {
            let cells: Vec<&str> = (0..rng.below(7)).map(|_| rng.pick(CELLS)).collect();
            text.push_str(&cells.join(delimiter));
            text.push_str(rng.pick(&["\n", "\r\n", "\r", ""]));
        }
        check(text.as_bytes(), &opts[rng.below(2)], seed);
    }
}

#[test]
fn mutated_good_rosters_never_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rosters/good");
    let mut originals: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    originals.sort();
    assert!(originals.len() >= 8);
    let opts = RosterOptions::default();
    for seed in 1..=4_000u64 {
        let mut rng = Rng(seed);
        let mut bytes = originals[rng.below(originals.len())].clone();
        for _ in 0..=rng.below(4) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(6) {
                0 if at < bytes.len() => bytes[at] = rng.byte(),
                1 => bytes.insert(at, rng.byte()),
                2 => {
                    let end = (at + rng.below(40)).min(bytes.len());
                    bytes.drain(at..end);
                }
                3 => bytes.truncate(at),
                4 => {
                    let end = (at + rng.below(80)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    let to = rng.below(bytes.len() + 1);
                    bytes.splice(to..to, copy);
                }
                _ => {
                    let junk = rng.bytes(12);
                    bytes.splice(at..at, junk);
                }
            }
        }
        check(&bytes, &opts, seed);
    }
}
