//! `seats_history.csv`: billable and reclaimable seats per snapshot, for
//! zero, one and many snapshots.

use super::story::{AS_OF, ORG};
use super::{History, Row};
use crate::harness::{Case, assert_code};
use crate::support::fake_hub::{Org, OrgMember, Pending};
use crate::support::generate::world_for;

/// The columns compared between a history row and a seats.csv row.
const SHARED: [&str; 8] = [
    "billable_seats",
    "members",
    "pending_invites",
    "departed",
    "unmatched",
    "reclaimable_seats",
    "monthly_cost",
    "reclaimable_monthly_cost",
];

fn all_row(seats: &[Row]) -> &Row {
    seats
        .iter()
        .find(|r| r["cost_center"] == "ALL")
        .expect("an ALL row")
}

#[track_caller]
fn assert_same_seats(history: &Row, all: &Row) {
    for col in SHARED {
        assert_eq!(history[col], all[col], "{col}: {history:?} vs {all:?}");
    }
}

#[test]
fn one_row_per_snapshot_with_leavers_counted_after_their_last_day() {
    let h = History::story();
    let out = h.report("default", AS_OF, &[]);
    let rows = out.csv("seats_history.csv");
    let ids: Vec<String> = h
        .case
        .complete(ORG)
        .iter()
        .map(|m| m.snapshot_id.clone())
        .collect();
    assert_eq!(
        rows.iter()
            .map(|r| r["snapshot_id"].clone())
            .collect::<Vec<_>>(),
        ids,
        "one row per snapshot, oldest first"
    );
    let got: Vec<[&str; 7]> = rows
        .iter()
        .map(|r| {
            [
                r["taken_at"].as_str(),
                r["billable_seats"].as_str(),
                r["members"].as_str(),
                r["pending_invites"].as_str(),
                r["departed"].as_str(),
                r["unmatched"].as_str(),
                r["reclaimable_seats"].as_str(),
            ]
        })
        .collect();
    // S0: olga (a leaver without a date) and two unmatched accounts; lenny's
    // last day is the day after. S1: mona's last day has passed. S2: pete's
    // has not yet. S3 is seats.csv: pete, zed-bot, inactive bob, two stale
    // invites.
    assert_eq!(
        got,
        [
            ["2026-03-02T08:00:00Z", "16", "13", "3", "1", "2", "3"],
            ["2026-03-09T08:00:00Z", "13", "11", "2", "2", "1", "3"],
            ["2026-03-16T08:00:00Z", "11", "9", "2", "0", "1", "1"],
            ["2026-03-23T08:00:00Z", "13", "10", "3", "1", "1", "5"],
        ]
    );
    assert!(rows.iter().all(|r| r["org"] == ORG));
    assert_eq!(rows[0]["monthly_cost"], "320.00", "Team: 20 a seat");
    assert_eq!(rows[0]["reclaimable_monthly_cost"], "60.00");
    assert_same_seats(&rows[3], all_row(&out.csv("seats.csv")));
    let json = out.json();
    let series = json["seat_history"].as_array().expect("seat_history");
    assert_eq!(series.len(), 4);
    assert_eq!(series[1]["departed"], 2);
}

/// solo: one member who left on 1 March, one nobody knows, one invite.
fn solo() -> Org {
    let mut org = Org::new("solo");
    org.members = vec![
        OrgMember::new("kim", "write"),
        OrgMember::new("leaver", "read"),
        OrgMember::new("stranger", "read"),
    ];
    org.pending_members = Some(vec![Pending {
        user: "invitee".into(),
        role: "read".into(),
    }]);
    org
}

#[test]
fn zero_and_one_snapshot() {
    let case = Case::new(world_for(vec![solo()]));
    let roster = case.dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "email,status,termination_date,hf_username\n\
         auditor@solo.example,active,,auditor\n\
         kim@solo.example,active,,kim\n\
         leaver@solo.example,terminated,2026-03-01,leaver\n",
    )
    .unwrap();
    let out = case.dir.path().join("out");
    let report = || {
        case.run(&[
            "report",
            "--roster",
            roster.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--as-of",
            "2026-06-30",
        ])
    };
    // Zero: nothing to report on, nothing written.
    let run = report();
    assert_code(&run, 2);
    assert!(run.stderr.contains("hfaudit snapshot"), "{}", run.stderr);
    assert!(!out.join("seats_history.csv").exists());

    // One snapshot, by the real binary: one row, the ALL row of seats.csv.
    assert_code(&case.snapshot("solo", &[]), 0);
    assert_code(&report(), 1);
    let read = |name: &str| -> Vec<Row> {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().unwrap().clone();
        reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                headers
                    .iter()
                    .zip(r.iter())
                    .map(|(h, v)| (h.into(), v.into()))
                    .collect()
            })
            .collect()
    };
    let rows = read("seats_history.csv");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["snapshot_id"], case.complete("solo")[0].snapshot_id);
    assert_same_seats(&rows[0], all_row(&read("seats.csv")));
    let r = &rows[0];
    assert_eq!(
        [
            &r["billable_seats"],
            &r["members"],
            &r["pending_invites"],
            &r["departed"],
            &r["unmatched"]
        ],
        ["5", "4", "1", "1", "1"],
        "auditor, kim, leaver, stranger and the invite"
    );
}
