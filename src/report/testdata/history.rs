//! The history part of the test report: leavers (revoked from the audit
//! log, from snapshots only, still members), members never seen active, and
//! a seat history with hostile names where Hub text goes.

use super::{HYPERLINK, LABS, ML, SCRIPT, d, s, t};
use crate::model::MatchMethod;
use crate::report::{ActivitySummary, RevokeStats, SeatHistoryRow};
use crate::rules::{NeverActive, Revocation};

pub fn activity(org: &str) -> ActivitySummary {
    ActivitySummary {
        audit_log: org == ML,
        audit_log_since: (org == ML).then(|| t("2026-08-01T00:00:00Z")),
        idp: None,
        tokens: org == ML,
    }
}

pub fn revoke_stats(org: &str) -> Option<RevokeStats> {
    (org == ML).then_some(RevokeStats {
        leavers: 3,
        median_days: 2.0,
        p90_days: 16,
        worst_days: 16,
        upper_bounds: 1,
        still_members: 1,
    })
}

fn revocation(user: &str, last_day: &str, days: Option<i64>, evidence: Option<&str>) -> Revocation {
    Revocation {
        org: ML.into(),
        username: user.into(),
        fullname: s(&format!("Person {user}")),
        employee_id: None,
        email: None,
        match_method: MatchMethod::Roster,
        last_day: Some(d(last_day)),
        revoked_at: evidence.map(|_| t("2026-10-20T09:30:00Z")),
        evidence: evidence.map(str::to_owned),
        last_seen: t("2026-10-13T03:00:00Z"),
        days,
        still_member: evidence.is_none(),
    }
}

pub fn revocations() -> Vec<Revocation> {
    let mut hostile = revocation("mallory", "2026-10-04", Some(16), Some("snapshots"));
    hostile.fullname = s(SCRIPT);
    vec![
        revocation("oscar", "2026-10-01", Some(53), None),
        hostile,
        revocation("peggy", "2026-10-18", Some(2), Some("audit_log")),
        revocation("trent", "2026-10-20", Some(0), Some("audit_log")),
    ]
}

pub fn never_active() -> Vec<NeverActive> {
    vec![NeverActive {
        org: ML.into(),
        username: "quiet-quinn".into(),
        fullname: s(HYPERLINK),
        role: s("read"),
        match_method: MatchMethod::HubEmail,
        member_since: t("2026-09-07T03:00:00Z"),
    }]
}

pub fn seat_history() -> Vec<SeatHistoryRow> {
    let row = |org: &str, id: &str, at: &str, members: u64, reclaimable: u64, price: f64| {
        SeatHistoryRow {
            org: org.into(),
            snapshot_id: id.into(),
            taken_at: t(at),
            billable_seats: members + 1,
            members,
            pending_invites: 1,
            departed: reclaimable,
            unmatched: 0,
            reclaimable_seats: reclaimable,
            monthly_cost: (members + 1) as f64 * price,
            reclaimable_monthly_cost: reclaimable as f64 * price,
        }
    };
    vec![
        row(
            ML,
            "20261109T030000.000Z",
            "2026-11-09T03:00:00Z",
            8,
            1,
            50.0,
        ),
        row(
            ML,
            "20261116T030000.000Z",
            "2026-11-16T03:00:00Z",
            9,
            2,
            50.0,
        ),
        row(
            ML,
            super::ML_SNAPSHOT,
            "2026-11-23T02:57:51.123Z",
            10,
            4,
            50.0,
        ),
        row(
            LABS,
            super::LABS_SNAPSHOT,
            "2026-11-23T02:58:12.456Z",
            5,
            1,
            20.0,
        ),
    ]
}
