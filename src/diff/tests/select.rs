//! Choosing the two snapshots from `--from`/`--to`.

use std::path::Path;

use chrono::{Duration, NaiveDate};

use super::at;
use crate::diff::select::{Candidate, Pick, Selection, choose};
use crate::error::Error;
use crate::model::Collector;
use crate::store::{Listed, Manifest, snapshot_id};

/// Complete snapshots taken on 2026-03-`days` at 12:00 UTC.
fn listed(days: &[u32]) -> Vec<Listed> {
    days.iter()
        .map(|&d| {
            let taken_at = at(d);
            Listed::Complete(Manifest {
                schema_version: 1,
                org: "acme".into(),
                snapshot_id: snapshot_id(taken_at),
                taken_at,
                tool_version: "t".into(),
                endpoint: "http://hub".into(),
                plan: None,
                collectors: Collector::ALL
                    .iter()
                    .map(|c| (c.name().to_string(), crate::model::CollectorStatus::ok(0)))
                    .collect(),
                gated_repos: Default::default(),
                files: Default::default(),
            })
        })
        .collect()
}

fn id(day: u32) -> String {
    snapshot_id(at(day))
}

fn pick(flag: &str, v: &str) -> Pick {
    Pick::parse(flag, v).unwrap()
}

fn pair(s: Selection) -> (String, String) {
    match s {
        Selection::Pair { from, to } => (from.id, to.id),
        other => panic!("expected a pair, got {other:?}"),
    }
}

fn run(list: &[Listed], from: Option<&str>, to: Option<&str>) -> crate::Result<Selection> {
    let from = from.map(|v| pick("--from", v));
    let to = to.map(|v| pick("--to", v));
    choose(
        "acme",
        Path::new("/s/acme"),
        list,
        from.as_ref(),
        to.as_ref(),
    )
}

fn usage(r: crate::Result<Selection>) -> String {
    match r {
        Err(Error::Usage(m)) => m,
        other => panic!("expected a usage error, got {other:?}"),
    }
}

#[test]
fn values_are_ids_or_dates() {
    assert_eq!(
        pick("--from", "20261123T025751.123Z"),
        Pick::Id("20261123T025751.123Z".into())
    );
    assert_eq!(
        pick("--to", "2026-03-02"),
        Pick::Date(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap())
    );
    for bad in [
        "",
        "yesterday",
        "2026-3-2",
        "2026-02-30",
        "20261123T025751Z",
        "../x",
    ] {
        match Pick::parse("--from", bad) {
            Err(Error::Usage(m)) => assert!(m.starts_with("--from "), "{m}"),
            other => panic!("{bad:?} accepted: {other:?}"),
        }
    }
}

#[test]
fn default_is_the_last_two_and_fewer_is_not_an_error() {
    assert_eq!(
        run(&[], None, None).unwrap(),
        Selection::Nothing {
            snapshots: 0,
            reason: "no snapshot yet".into()
        }
    );
    match run(&listed(&[1]), None, None).unwrap() {
        Selection::Nothing {
            snapshots: 1,
            reason,
        } => {
            assert!(reason.contains("only one snapshot"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        pair(run(&listed(&[1, 2]), None, None).unwrap()),
        (id(1), id(2))
    );
    assert_eq!(
        pair(run(&listed(&[1, 2, 5, 9]), None, None).unwrap()),
        (id(5), id(9))
    );
}

#[test]
fn damaged_snapshots_are_skipped_by_default_and_refused_by_id() {
    let mut list = listed(&[1, 2]);
    list.push(Listed::Damaged {
        id: id(3),
        reason: "members.parquet: sha256 differs".into(),
    });
    assert_eq!(pair(run(&list, None, None).unwrap()), (id(1), id(2)));
    match run(&list, None, Some(&id(3))) {
        Err(e @ Error::Store { .. }) => {
            let m = e.to_string();
            assert!(m.contains("damaged") && m.contains("sha256 differs"), "{m}");
            assert_eq!(e.exit_code(), 3);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn ids_pick_exact_snapshots() {
    let list = listed(&[1, 2, 3, 4]);
    let ids = |f: u32, t: u32| pair(run(&list, Some(&id(f)), Some(&id(t))).unwrap());
    assert_eq!(ids(1, 4), (id(1), id(4)));
    assert_eq!(ids(2, 3), (id(2), id(3)));
    // Only --to: from is the one before it; only --from: to is the latest.
    assert_eq!(
        pair(run(&list, None, Some(&id(3))).unwrap()),
        (id(2), id(3))
    );
    assert_eq!(
        pair(run(&list, Some(&id(1)), None).unwrap()),
        (id(1), id(4))
    );
    // --to the first one: nothing before it.
    match run(&list, None, Some(&id(1))).unwrap() {
        Selection::Nothing { reason, .. } => assert!(reason.contains("no snapshot before")),
        other => panic!("{other:?}"),
    }
    // Same snapshot twice: nothing to compare, not an error.
    assert!(matches!(
        run(&list, Some(&id(2)), Some(&id(2))).unwrap(),
        Selection::Nothing { .. }
    ));
    // Reversed: an error.
    let m = usage(run(&list, Some(&id(4)), Some(&id(2))));
    assert!(m.contains("newer than"), "{m}");
    // Unknown: an error naming the org, the flag and the value.
    let unknown = snapshot_id(at(2) + Duration::milliseconds(1));
    let m = usage(run(&list, Some(&unknown), None));
    assert!(
        m.starts_with(&format!("acme: no snapshot {unknown} (--from)")),
        "{m}"
    );
    assert!(
        m.contains(&format!("4 snapshots, from {} to {}", id(1), id(4))),
        "{m}"
    );
}

#[test]
fn dates_pick_the_latest_snapshot_on_or_before_the_end_of_the_day() {
    let list = listed(&[1, 3, 4]);
    let dates = |f: &str, t: &str| pair(run(&list, Some(f), Some(t)).unwrap());
    assert_eq!(dates("2026-03-01", "2026-03-04"), (id(1), id(4)));
    // The 2nd has none: the 1st is the latest on or before it.
    assert_eq!(dates("2026-03-02", "2026-03-03"), (id(1), id(3)));
    // Long after: the latest.
    assert_eq!(dates("2026-03-03", "2027-01-01"), (id(3), id(4)));
    // A date before any snapshot is an error naming the org and the date.
    let m = usage(run(&list, Some("2026-02-28"), None));
    assert!(
        m.starts_with("acme: no snapshot taken on or before 2026-02-28 (--from)"),
        "{m}"
    );
    let m = usage(run(&[], None, Some("2026-03-01")));
    assert!(m.contains("has no snapshot yet"), "{m}");
    // End of day is exclusive of the next day's midnight.
    let mut edge = listed(&[1]);
    let midnight = NaiveDate::from_ymd_opt(2026, 3, 5)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    for t in [midnight - Duration::milliseconds(1), midnight] {
        if let Listed::Complete(m) = listed(&[1]).remove(0) {
            edge.push(Listed::Complete(Manifest {
                snapshot_id: snapshot_id(t),
                taken_at: t,
                ..m
            }));
        }
    }
    let c = run(&edge, None, Some("2026-03-04")).unwrap();
    let Selection::Pair { to, .. } = c else {
        panic!("{c:?}")
    };
    assert_eq!(
        to,
        Candidate {
            id: "20260304T235959.999Z".into(),
            taken_at: midnight - Duration::milliseconds(1)
        }
    );
}
