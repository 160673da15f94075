//! A store damaged on disk (a flipped bit, a truncated or missing file, a
//! garbled manifest): every command says which file is damaged, skips that
//! snapshot and works from the newest intact one; nothing crashes.

use std::path::Path;

use serde_json::Value;

use crate::harness::{Case, Run, assert_code};
use crate::support::generate::{OrgSpec, generate_org, world_for};

type Damage = fn(&Path);

/// Damages, each naming the file the commands must name.
const DAMAGES: [(&str, Damage); 5] = [
    ("members.parquet", |d| flip(&d.join("members.parquet"))),
    ("resource_groups.parquet", |d| {
        truncate(&d.join("resource_groups.parquet"))
    }),
    ("events.parquet", |d| {
        std::fs::remove_file(d.join("events.parquet")).unwrap()
    }),
    ("manifest.json", |d| truncate(&d.join("manifest.json"))),
    // The manifest lists files in name order: the first checksum is the
    // events file's, which then no longer matches.
    ("events.parquet", |d| {
        flip_checksum(&d.join("manifest.json"))
    }),
];

fn flip(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(path, bytes).unwrap();
}

/// A changed digit in the manifest's first sha256 (flipping an arbitrary
/// bit may only change the case of a hex digit, which is no damage).
fn flip_checksum(path: &Path) {
    let mut text = std::fs::read_to_string(path).unwrap();
    let at = text.find("\"sha256\"").expect("a checksum");
    let digit = at + text[at..].find(": \"").unwrap() + 3;
    let old = text.as_bytes()[digit];
    let new = if old == b'0' { "1" } else { "0" };
    text.replace_range(digit..digit + 1, new);
    std::fs::write(path, text).unwrap();
}

fn truncate(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..bytes.len() / 3]).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[track_caller]
fn assert_no_crash(run: &Run, what: &str) {
    assert!(
        !run.stderr.contains("panicked") && (0..=3).contains(&run.code),
        "{what} crashed: exit {}\n{}",
        run.code,
        run.stderr
    );
}

#[test]
fn a_damaged_snapshot_is_named_and_skipped_by_every_command() {
    let org = generate_org(&OrgSpec {
        groups: 2,
        gated_repos: 2,
        accepted_per_repo: 2,
        ..OrgSpec::new("acme", 12)
    });
    let case = Case::new(world_for(vec![org]));
    for _ in 0..3 {
        assert_code(&case.snapshot("acme", &[]), 0);
    }
    let ids: Vec<String> = case
        .complete("acme")
        .into_iter()
        .map(|m| m.snapshot_id)
        .collect();
    let newest = case.store().snapshot_dir("acme", &ids[2]);
    let backup = case.dir.path().join("backup");
    copy_dir(&newest, &backup);
    let roster = case.dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "email,hf_username,status\na@acme.example,auditor,active\n",
    )
    .unwrap();
    let out = case.dir.path().join("out");

    for (file, damage) in DAMAGES {
        damage(&newest);

        let history = case.run(&["history", "--org", "acme"]);
        assert_no_crash(&history, "history");
        assert_code(&history, 0);
        assert!(
            history.stdout.contains(&ids[2]) && history.stdout.contains(file),
            "{file}: history names the damaged file:\n{}",
            history.stdout
        );

        let report = case.run(&[
            "report",
            "--roster",
            roster.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_no_crash(&report, "report");
        assert!(report.code <= 1, "{file}: {}", report.stderr);
        assert!(report.stderr.contains(file), "{file}: {}", report.stderr);
        let json: Value =
            serde_json::from_slice(&std::fs::read(out.join("findings.json")).unwrap()).unwrap();
        assert_eq!(
            json["orgs"][0]["snapshot_id"], ids[1],
            "{file}: the report reads the newest intact snapshot"
        );

        let diff = case.run(&["diff", "--org", "acme"]);
        assert_no_crash(&diff, "diff");
        if diff.code == 0 {
            assert!(
                diff.stdout.contains(&ids[1]) && !diff.stdout.contains(&ids[2]),
                "{file}: diff compares intact snapshots:\n{}",
                diff.stdout
            );
        }

        std::fs::remove_dir_all(&newest).unwrap();
        copy_dir(&backup, &newest);
    }
    // Repaired, the newest is read again.
    assert_eq!(case.complete("acme").len(), 3);
}
