//! `hfaudit diff --from/--to` by id and by date, and the exit-2 errors.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use hfaudit::model::{CollectorStatus, Snapshot};
use serde_json::json;

use super::{acme, changed_case, json_of};
use crate::harness::{Case, assert_code};
use crate::support::fake_hub::fake_id;
use crate::support::generate::{read_member, world_for};

#[test]
fn from_and_to_by_id() {
    let (case, m) = changed_case();
    // A third snapshot in which carol leaves again.
    case.hub
        .with_world(|w| w.org_mut("acme").members.retain(|m| m.user != "carol"));
    assert_code(&case.snapshot("acme", &[]), 0);
    let ids: Vec<String> = case
        .complete("acme")
        .into_iter()
        .map(|m| m.snapshot_id)
        .collect();
    assert_eq!(
        ids[..2],
        [m[0].snapshot_id.clone(), m[1].snapshot_id.clone()]
    );
    let members = |args: &[&str]| {
        let mut all = vec!["diff", "--format", "json"];
        all.extend_from_slice(args);
        let v = json_of(&case.run(&all));
        let names = |kind: &str| -> Vec<String> {
            v["acme"]["members"][kind]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["username"].as_str().unwrap().to_string())
                .collect()
        };
        (
            v["acme"]["from"]["snapshot_id"].clone(),
            names("joined"),
            names("left"),
        )
    };
    // Default: the last two.
    assert_eq!(
        members(&[]),
        (json!(ids[1]), vec![], vec!["carol".to_string()])
    );
    // First to last: carol came and went.
    assert_eq!(
        members(&["--from", &ids[0], "--to", &ids[2]]),
        (
            json!(ids[0]),
            vec!["newbie".to_string()],
            vec!["eve".to_string()]
        )
    );
    // --to alone: the one before it.
    assert_eq!(
        members(&["--to", &ids[1]]),
        (
            json!(ids[0]),
            vec!["carol".to_string(), "newbie".to_string()],
            vec!["eve".to_string()]
        )
    );
    // --from alone: to the latest.
    assert_eq!(members(&["--from", &ids[0]]).0, json!(ids[0]));
}

#[test]
fn unknown_ids_and_dates_are_exit_2_naming_org_and_value() {
    let (case, m) = changed_case();
    let unknown = "20200101T000000.000Z";
    let run = case.run(&["diff", "--from", unknown]);
    assert_code(&run, 2);
    assert!(run.stdout.is_empty(), "no partial output: {}", run.stdout);
    assert!(
        run.stderr
            .contains(&format!("acme: no snapshot {unknown} (--from)")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&m[1].snapshot_id), "{}", run.stderr);

    let run = case.run(&["diff", "--to", "2001-02-03"]);
    assert_code(&run, 2);
    assert!(
        run.stderr
            .contains("acme: no snapshot taken on or before 2001-02-03 (--to)"),
        "{}",
        run.stderr
    );

    let run = case.run(&["diff", "--from", "last-week"]);
    assert_code(&run, 2);
    assert!(
        run.stderr.contains("--from \"last-week\""),
        "{}",
        run.stderr
    );

    let run = case.run(&[
        "diff",
        "--from",
        &m[1].snapshot_id,
        "--to",
        &m[0].snapshot_id,
    ]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("newer than"), "{}", run.stderr);
}

/// A snapshot of `acme` taken on 2026-03-`day` at `hour`:00 UTC with the
/// given members (all collectors ok but resource groups, unavailable).
fn stored(day: u32, hour: u32, members: &[&str]) -> Snapshot {
    let mut snap = Snapshot {
        org: "acme".into(),
        taken_at: Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap(),
        endpoint: "http://hub".into(),
        members: members
            .iter()
            .map(|name| read_member(fake_id(name), name.to_string()))
            .collect(),
        ..Snapshot::default()
    };
    for c in hfaudit::model::Collector::ALL {
        snap.collectors
            .insert(c.name().into(), CollectorStatus::ok(0));
    }
    snap.collectors
        .insert("members".into(), CollectorStatus::ok(members.len()));
    snap.collectors.insert(
        "resource_groups".into(),
        CollectorStatus::Unavailable {
            reason: "the plan has no resource groups".into(),
        },
    );
    snap
}

#[test]
fn from_and_to_by_date_and_unavailable_collectors() {
    let case = Case::new(world_for(vec![acme()]));
    let store = case.store();
    let lock = store.lock_org("acme", Duration::ZERO).unwrap();
    for snap in [
        stored(1, 9, &["alice"]),
        stored(1, 23, &["alice", "bob"]),
        stored(3, 0, &["alice", "bob", "carol"]),
        stored(4, 12, &["bob", "carol"]),
    ] {
        store.write_snapshot(&lock, &snap, "test").unwrap();
    }
    drop(lock);
    let pair = |args: &[&str]| {
        let mut all = vec!["diff", "--format", "json"];
        all.extend_from_slice(args);
        let v = json_of(&case.run(&all));
        (
            v["acme"]["from"]["snapshot_id"]
                .as_str()
                .unwrap()
                .to_string(),
            v["acme"]["to"]["snapshot_id"].as_str().unwrap().to_string(),
        )
    };
    let id = |day: u32, hour: u32| format!("202603{day:02}T{hour:02}0000.000Z");
    // The latest on or before the end of each day.
    assert_eq!(
        pair(&["--from", "2026-03-01", "--to", "2026-03-03"]),
        (id(1, 23), id(3, 0))
    );
    // The 2nd has no snapshot: the 1st's last one stands for it.
    assert_eq!(
        pair(&["--from", "2026-03-02", "--to", "2026-03-09"]),
        (id(1, 23), id(4, 12))
    );
    // A date and an id mixed.
    assert_eq!(
        pair(&["--from", &id(1, 9), "--to", "2026-03-03"]),
        (id(1, 9), id(3, 0))
    );
    // Resource groups were unavailable: not compared, said so in both formats.
    let v = json_of(&case.run(&["diff", "--format", "json"]));
    assert_eq!(
        v["acme"]["resource_groups"],
        json!({
            "status": "unavailable",
            "reason": format!(
                "resource_groups was unavailable in {} (the plan has no resource groups); \
                 resource_groups was unavailable in {} (the plan has no resource groups)",
                id(3, 0),
                id(4, 12)
            ),
        })
    );
    let run = case.run(&["diff"]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains(
            "  resource groups: could not be compared: resource_groups was unavailable in"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  left (1)\n    alice  read\n"),
        "{}",
        run.stdout
    );
    // The 28th is before every snapshot.
    let run = case.run(&["diff", "--from", "2026-02-28"]);
    assert_code(&run, 2);
    assert!(
        run.stderr
            .contains("acme: no snapshot taken on or before 2026-02-28 (--from)"),
        "{}",
        run.stderr
    );
}
