//! `hfaudit prune` on a real store: a dry run changes nothing and says what
//! would go, `--apply` deletes exactly that under the org lock and keeps the
//! rest complete, an empty policy is refused, a held lock stops it.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use hfaudit::model::{Collector, CollectorStatus, Snapshot};

use crate::harness::{Case, assert_code, files_below};
use crate::support::generate::{OrgSpec, generate_org, read_member, world_for};

/// A snapshot of `org` taken on 2026-`month`-`day` at 03:00 UTC.
fn stored(org: &str, month: u32, day: u32, members: usize) -> Snapshot {
    let mut snap = Snapshot {
        org: org.into(),
        taken_at: Utc.with_ymd_and_hms(2026, month, day, 3, 0, 0).unwrap(),
        endpoint: "http://hub".into(),
        members: (0..members)
            .map(|i| read_member(format!("{i:024x}"), format!("user{i}")))
            .collect(),
        ..Snapshot::default()
    };
    for c in Collector::ALL {
        snap.collectors
            .insert(c.name().into(), CollectorStatus::ok(0));
    }
    snap.collectors
        .insert("members".into(), CollectorStatus::ok(members));
    snap
}

/// Weekly snapshots of `acme` on the Mondays from 2026-09-07 to 2026-11-23
/// (12), plus a second one on 2026-11-23; `beta` has one.
fn case() -> Case {
    let case = Case::new(world_for(vec![generate_org(&OrgSpec::new("acme", 2))]));
    let store = case.store();
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    let first = Utc.with_ymd_and_hms(2026, 9, 7, 3, 0, 0).unwrap();
    for week in 0..12 {
        let mut snap = stored("acme", 1, 1, 3 + week as usize);
        snap.taken_at = first + chrono::Duration::weeks(week);
        store.write_snapshot(&lock, &snap, "test").unwrap();
    }
    let mut later = stored("acme", 11, 23, 20);
    later.taken_at += chrono::Duration::hours(12);
    store.write_snapshot(&lock, &later, "test").unwrap();
    drop(lock);
    let lock = store.lock_org("beta", Duration::ZERO).unwrap();
    store
        .write_snapshot(&lock, &stored("beta", 1, 1, 1), "test")
        .unwrap();
    case
}

fn ids(case: &Case, org: &str) -> Vec<String> {
    case.complete(org)
        .into_iter()
        .map(|m| m.snapshot_id)
        .collect()
}

#[test]
fn dry_run_changes_nothing_and_apply_deletes_exactly_that() {
    let case = case();
    let before = ids(&case, "acme");
    assert_eq!(before.len(), 13);
    let files_before = files_below(&case.store_dir());
    let policy = [
        "--keep-daily",
        "2",
        "--keep-weekly",
        "3",
        "--keep-monthly",
        "3",
    ];

    let mut args = vec!["prune"];
    args.extend_from_slice(&policy);
    let dry = case.run(&args);
    assert_code(&dry, 0);
    assert_eq!(
        files_below(&case.store_dir()),
        files_before,
        "dry run changed the store"
    );
    // Kept: 11-23 15:00 (newest, daily, weekly, monthly), 11-16 (daily,
    // weekly), 11-09 (weekly), 10-26 (monthly: the newest of October),
    // 09-28 (monthly). Deleted: the other 8.
    let keep = [
        "20261123T150000.000Z",
        "20261116T030000.000Z",
        "20261109T030000.000Z",
        "20261026T030000.000Z",
        "20260928T030000.000Z",
    ];
    for id in &before {
        let verdict = if keep.contains(&id.as_str()) {
            "keep"
        } else {
            "delete"
        };
        assert!(
            dry.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(verdict) && l.contains(id)),
            "{id} should be {verdict}:\n{}",
            dry.stdout
        );
    }
    assert!(
        dry.stdout.contains("newest, daily, weekly, monthly"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("acme: 13 snapshot(s): keep 5, delete 8"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("beta: 1 snapshot(s): keep 1, delete 0"),
        "{}",
        dry.stdout
    );
    let doomed_bytes: u64 = before
        .iter()
        .filter(|id| !keep.contains(&id.as_str()))
        .flat_map(|id| files_below(&case.store_dir().join("acme").join(id)))
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert!(
        dry.stdout
            .contains("8 snapshot(s) would be deleted, freeing "),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains(&format!("({doomed_bytes} bytes)")),
        "{}",
        dry.stdout
    );

    args.push("--apply");
    let applied = case.run(&args);
    assert_code(&applied, 0);
    assert!(
        applied.stdout.contains("deleted 8 snapshot(s), freed ")
            && applied.stdout.contains(&format!("({doomed_bytes} bytes)")),
        "{}",
        applied.stdout
    );
    assert_eq!(
        ids(&case, "acme"),
        keep.iter().rev().map(|s| s.to_string()).collect::<Vec<_>>()
    );
    assert_eq!(ids(&case, "beta").len(), 1);
    // Nothing half-deleted or hidden is left behind, and the newest still loads.
    let names: Vec<String> = std::fs::read_dir(case.store_dir().join("acme"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".lock")
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
    assert_eq!(case.latest("acme").members.len(), 20);

    // Pruning again with the same policy deletes nothing.
    let again = case.run(&args);
    assert_code(&again, 0);
    assert!(
        again.stdout.contains("deleted 0 snapshot(s)"),
        "{}",
        again.stdout
    );
}

#[test]
fn an_empty_policy_is_refused_and_the_newest_always_stays() {
    let case = case();
    let files_before = files_below(&case.store_dir());
    for args in [
        vec!["prune", "--apply"],
        vec!["prune", "--keep-daily", "0", "--apply"],
    ] {
        let run = case.run(&args);
        assert_code(&run, 2);
        assert!(run.stderr.contains("--keep-daily"), "{}", run.stderr);
    }
    assert_eq!(files_below(&case.store_dir()), files_before);

    // One daily slot: only the newest snapshot of the newest day stays.
    let run = case.run(&["prune", "--org", "acme", "--keep-daily", "1", "--apply"]);
    assert_code(&run, 0);
    assert_eq!(ids(&case, "acme"), vec!["20261123T150000.000Z"]);
    assert_eq!(ids(&case, "beta").len(), 1, "--org limits the prune");
}

#[test]
fn a_held_lock_stops_apply_and_changes_nothing() {
    let case = case();
    std::fs::write(
        case.dir.path().join("hfaudit.toml"),
        "[hub]\nlock_wait_secs = 1\n",
    )
    .unwrap();
    let lock = case.store().lock_org("acme", Duration::ZERO).unwrap();
    let run = case.run(&["prune", "--org", "acme", "--keep-weekly", "1", "--apply"]);
    assert_code(&run, 3);
    assert!(run.stderr.contains("another hfaudit run"), "{}", run.stderr);
    drop(lock);
    assert_eq!(ids(&case, "acme").len(), 13);
}
