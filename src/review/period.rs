//! The period queries auditors sample from the history, without a
//! campaign: `hfaudit evidence --since DATE [--until DATE] --out DIR`.
//!
//! - `leavers.csv`: everyone whose last day (or, when the roster gives only
//!   a leaver status, whose loss of access) falls in the period, with the
//!   days they kept access and the snapshots that prove it: the last one
//!   listing them and the first one without them;
//! - `escalations.csv`: every role that went up between two consecutive
//!   complete snapshots, the later one taken in the period, with both
//!   snapshot ids (and the audit log's `org.change_role` event when there
//!   is one);
//! - `inactive.csv`: every member inactive for more than `inactive_days` in
//!   the latest snapshot, with its id;
//! - `manifest.json`: the sha256 of each file, of every snapshot manifest
//!   relied on and of the roster, the period and the tool version.
//!   `hfaudit evidence verify DIR` checks it.
//!
//! Everything here is pure: the command reads the store.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::worksheet::csv_table;
use super::{HashedFile, SnapshotRef};
use crate::history::{MembershipEvent, OrgHistory, Roles, SnapshotInfo};
use crate::model::{Role, event_kind, event_targets};
use crate::report::Report;
use crate::report::csv::text;
use crate::report::utc_seconds as timestamp;
use crate::rules::{Revocation, Rule};
use crate::store::FileEntry;

/// `kind` of a period pack's manifest (a campaign's pack has none).
pub const KIND: &str = "period";

/// The files of a period pack besides its manifest, in order.
pub const FILES: [&str; 3] = ["leavers.csv", "escalations.csv", "inactive.csv"];

/// The days the queries cover, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub since: NaiveDate,
    pub until: NaiveDate,
}

impl Period {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.since <= day && day <= self.until
    }
}

/// `manifest.json` of a period pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodManifest {
    pub schema_version: u32,
    /// Always [`KIND`].
    pub kind: String,
    pub period: Period,
    pub tool_version: String,
    pub generated_at: DateTime<Utc>,
    /// The Hub each org's snapshots were read from.
    pub endpoints: BTreeMap<String, String>,
    pub inactive_days: i64,
    pub roster: HashedFile,
    /// Every snapshot a row names: the latest of each org, and those the
    /// escalations compare.
    pub snapshots: Vec<SnapshotRef>,
    pub leavers: usize,
    pub escalations: usize,
    pub inactive: usize,
    pub files: BTreeMap<String, FileEntry>,
}

/// The snapshots of `history` whose escalations fall in `period`: those
/// taken in it with a members table, preceded by the one before the first
/// of them (the state the period started from).
pub fn escalation_snapshots(history: &OrgHistory, period: Period) -> Vec<&SnapshotInfo> {
    let with_members: Vec<&SnapshotInfo> = history
        .snapshots
        .iter()
        .filter(|s| s.members.is_some() && s.taken_at.date_naive() <= period.until)
        .collect();
    let Some(first) = with_members
        .iter()
        .position(|s| period.contains(s.taken_at.date_naive()))
    else {
        return Vec::new();
    };
    with_members[first.saturating_sub(1)..].to_vec()
}

/// One role that went up between two consecutive snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub org: String,
    pub username: String,
    pub from_role: Option<String>,
    pub to_role: Option<String>,
    pub to_admin: bool,
    pub from_snapshot: String,
    pub from_taken_at: DateTime<Utc>,
    pub to_snapshot: String,
    pub to_taken_at: DateTime<Utc>,
    /// The `org.change_role` event between the two snapshots, if any.
    pub event: Option<MembershipEvent>,
}

/// The escalations between two consecutive snapshots (`before` the roles
/// of `from`, `after` those of `to`). Usernames are shown as `history`
/// spells them; members who joined between the two are not escalations.
pub fn escalations(
    org: &str,
    history: &OrgHistory,
    (from, before): (&SnapshotInfo, &Roles),
    (to, after): (&SnapshotInfo, &Roles),
) -> Vec<Escalation> {
    let mut out: Vec<Escalation> = after
        .iter()
        .filter_map(|(user, role)| {
            let old = before.get(user)?;
            let (up, to_admin) = Role::escalation(old.as_deref(), role.as_deref());
            up.then(|| Escalation {
                org: org.to_string(),
                username: history
                    .accounts
                    .get(user)
                    .map_or_else(|| user.clone(), |p| p.username.clone()),
                from_role: old.clone(),
                to_role: role.clone(),
                to_admin,
                from_snapshot: from.id.clone(),
                from_taken_at: from.taken_at,
                to_snapshot: to.id.clone(),
                to_taken_at: to.taken_at,
                event: history
                    .membership_events
                    .iter()
                    .rev()
                    .filter(|e| {
                        e.kind == event_kind::CHANGE_ROLE
                            && e.at > from.taken_at
                            && e.at <= to.taken_at
                    })
                    .find(|e| event_targets(e.data.as_deref()).contains(user))
                    .cloned(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.username.cmp(&b.username));
    out
}

/// The revocations of `report` that belong to `period`: the last day in
/// it, or, without a last day, the loss of access in it.
pub fn leavers(report: &Report, period: Period) -> Vec<&Revocation> {
    let mut out: Vec<&Revocation> = report
        .revocations
        .iter()
        .filter(|r| match (r.last_day, r.revoked_at) {
            (Some(day), _) => period.contains(day),
            (None, Some(at)) => period.contains(at.date_naive()),
            (None, None) => false,
        })
        .collect();
    out.sort_by(|a, b| (&a.org, a.last_day, &a.username).cmp(&(&b.org, b.last_day, &b.username)));
    out
}

/// The id of the complete snapshot of `history` taken at `t`.
fn id_at(history: &OrgHistory, t: DateTime<Utc>) -> Option<&str> {
    history
        .snapshots
        .iter()
        .find(|s| s.taken_at == t)
        .map(|s| s.id.as_str())
}

const LEAVERS_COLUMNS: [&str; 15] = [
    "org",
    "username",
    "fullname",
    "employee_id",
    "email",
    "match",
    "last_day",
    "revoked_at",
    "revoked_per",
    "days_to_revoke",
    "days_is_upper_bound",
    "still_member",
    "last_seen_snapshot",
    "first_snapshot_without",
    "proof",
];

/// `leavers.csv`; `histories` by org.
pub fn leavers_csv(rows: &[&Revocation], histories: &BTreeMap<&str, &OrgHistory>) -> Vec<u8> {
    csv_table(
        &LEAVERS_COLUMNS,
        rows.iter().map(|r| {
            let h = histories.get(r.org.as_str());
            let last_seen = h.and_then(|h| id_at(h, r.last_seen)).unwrap_or_default();
            let first_without = if r.still_member {
                None
            } else {
                h.and_then(|h| h.first_after(r.last_seen))
            };
            let proof = match (r.still_member, r.evidence.as_deref(), first_without) {
                (true, _, _) => format!("still a member in snapshot {last_seen}"),
                (false, Some("audit_log"), Some(s)) => format!(
                    "audit-log event at {} (removal or leave); snapshot {} lists them, {} no longer",
                    r.revoked_at.map(timestamp).unwrap_or_default(),
                    last_seen,
                    s.id
                ),
                (false, _, Some(s)) => format!(
                    "snapshot {last_seen} lists them, {} no longer (access ended between the two)",
                    s.id
                ),
                (false, _, None) => format!("last listed in snapshot {last_seen}"),
            };
            vec![
                text(&r.org),
                text(&r.username),
                r.fullname.as_deref().map(text).unwrap_or_default(),
                r.employee_id.as_deref().map(text).unwrap_or_default(),
                r.email.as_deref().map(text).unwrap_or_default(),
                r.match_method.as_str().to_string(),
                r.last_day.map(|d| d.to_string()).unwrap_or_default(),
                r.revoked_at.map(timestamp).unwrap_or_default(),
                r.evidence.clone().unwrap_or_default(),
                r.days.map(|d| d.to_string()).unwrap_or_default(),
                yes_no(r.is_upper_bound()),
                yes_no(r.still_member),
                last_seen.to_string(),
                first_without.map(|s| s.id.clone()).unwrap_or_default(),
                text(&proof),
            ]
        }),
    )
}

const ESCALATION_COLUMNS: [&str; 11] = [
    "org",
    "username",
    "from_role",
    "to_role",
    "to_admin",
    "from_snapshot",
    "from_taken_at",
    "to_snapshot",
    "to_taken_at",
    "changed_by",
    "changed_at",
];

/// `escalations.csv`.
pub fn escalations_csv(rows: &[Escalation]) -> Vec<u8> {
    csv_table(
        &ESCALATION_COLUMNS,
        rows.iter().map(|e| {
            vec![
                text(&e.org),
                text(&e.username),
                e.from_role.as_deref().map(text).unwrap_or_default(),
                e.to_role.as_deref().map(text).unwrap_or_default(),
                yes_no(e.to_admin),
                e.from_snapshot.clone(),
                timestamp(e.from_taken_at),
                e.to_snapshot.clone(),
                timestamp(e.to_taken_at),
                e.event
                    .as_ref()
                    .and_then(|e| e.author.as_deref())
                    .map(text)
                    .unwrap_or_default(),
                e.event
                    .as_ref()
                    .map(|e| timestamp(e.at))
                    .unwrap_or_default(),
            ]
        }),
    )
}

const INACTIVE_COLUMNS: [&str; 12] = [
    "org",
    "username",
    "fullname",
    "email",
    "match",
    "role",
    "last_active",
    "days_inactive",
    "snapshot_id",
    "taken_at",
    "muted",
    "detail",
];

/// `inactive.csv`: the `inactive_member` findings of `report`, muted ones
/// too (with the exception's reason).
pub fn inactive_csv(report: &Report) -> (usize, Vec<u8>) {
    let rows: Vec<Vec<String>> = report
        .findings
        .iter()
        .filter(|f| f.rule == Rule::InactiveMember)
        .map(|f| {
            vec![
                text(&f.org),
                text(f.username.as_deref().unwrap_or(&f.subject)),
                f.fullname.as_deref().map(text).unwrap_or_default(),
                f.email.as_deref().map(text).unwrap_or_default(),
                f.match_method.as_str().to_string(),
                f.role.as_deref().map(text).unwrap_or_default(),
                f.last_active.map(timestamp).unwrap_or_default(),
                f.days_open.map(|d| d.to_string()).unwrap_or_default(),
                f.snapshot_id.clone(),
                timestamp(f.taken_at),
                f.muted.as_deref().map(text).unwrap_or_default(),
                text(&f.detail),
            ]
        })
        .collect();
    (rows.len(), csv_table(&INACTIVE_COLUMNS, rows))
}

/// What a period manifest says that its checksummed files contradict:
/// `rows` are the data rows of [`FILES`] (`None` for one not intact).
pub fn manifest_disagreements(m: &PeriodManifest, rows: [Option<usize>; 3]) -> Vec<String> {
    let mut out =
        super::evidence::unlisted_or_unknown(&m.files, &FILES, m.schema_version, "period pack");
    if m.period.since > m.period.until {
        out.push("was changed: its period ends before it starts".into());
    }
    let counts = [m.leavers, m.escalations, m.inactive];
    for ((file, count), rows) in FILES.iter().zip(counts).zip(rows) {
        if let Some(rows) = rows.filter(|r| *r != count) {
            out.push(format!(
                "was changed: it counts {count} row(s) in {file}, which has {rows}"
            ));
        }
    }
    out
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Presence;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn info(id: &str, when: &str, members: bool) -> SnapshotInfo {
        SnapshotInfo {
            id: id.into(),
            taken_at: at(when),
            members: members.then_some(1),
            invites: None,
            events: false,
        }
    }

    fn roles(pairs: &[(&str, &str)]) -> Roles {
        pairs
            .iter()
            .map(|(u, r)| (u.to_string(), Some(r.to_string())))
            .collect()
    }

    fn period(since: &str, until: &str) -> Period {
        Period {
            since: since.parse().unwrap(),
            until: until.parse().unwrap(),
        }
    }

    #[test]
    fn the_period_starts_from_the_snapshot_before_it() {
        let history = OrgHistory {
            snapshots: vec![
                info("a", "2026-01-01T00:00:00Z", true),
                info("b", "2026-02-01T00:00:00Z", true),
                info("c", "2026-03-01T00:00:00Z", false),
                info("d", "2026-03-02T00:00:00Z", true),
                info("e", "2026-04-01T00:00:00Z", true),
            ],
            ..OrgHistory::default()
        };
        let ids = |p: Period| -> Vec<String> {
            escalation_snapshots(&history, p)
                .iter()
                .map(|s| s.id.clone())
                .collect()
        };
        assert_eq!(ids(period("2026-02-15", "2026-03-31")), ["b", "d"]);
        assert_eq!(ids(period("2026-01-01", "2026-01-01")), ["a"]);
        assert_eq!(
            ids(period("2026-05-01", "2026-06-01")),
            Vec::<String>::new()
        );
        assert_eq!(
            ids(period("2025-01-01", "2026-12-31")),
            ["a", "b", "d", "e"]
        );
    }

    #[test]
    fn escalations_zero_one_many_with_the_hub_spelling_and_the_event() {
        let a = info("a", "2026-01-01T00:00:00Z", true);
        let b = info("b", "2026-02-01T00:00:00Z", true);
        let c = info("c", "2026-03-01T00:00:00Z", true);
        let mut history = OrgHistory::default();
        history.accounts.insert(
            "bob".into(),
            Presence {
                username: "Bob".into(),
                fullname: None,
                verified_email: None,
                first: a.taken_at,
                last: c.taken_at,
            },
        );
        history.membership_events.push(MembershipEvent {
            id: "e1".into(),
            at: at("2026-02-10T00:00:00Z"),
            kind: event_kind::CHANGE_ROLE.into(),
            author: Some("root".into()),
            data: Some(r#"{"user":"bob","role":"admin"}"#.into()),
        });
        // Zero: nothing changed, a newcomer, a demotion.
        let same = [
            (&a, roles(&[("bob", "read")])),
            (&b, roles(&[("bob", "read"), ("new", "admin")])),
        ];
        let all = |steps: &[(&SnapshotInfo, Roles)]| -> Vec<Escalation> {
            steps
                .windows(2)
                .flat_map(|w| escalations("acme", &history, (w[0].0, &w[0].1), (w[1].0, &w[1].1)))
                .collect()
        };
        assert_eq!(all(&same), []);
        let down = [
            (&a, roles(&[("bob", "write")])),
            (&b, roles(&[("bob", "read")])),
        ];
        assert_eq!(all(&down), []);
        // One, then many across pairs (no_access → read counts).
        let steps = [
            (&a, roles(&[("bob", "read"), ("zoe", "no_access")])),
            (&b, roles(&[("bob", "read"), ("zoe", "read")])),
            (&c, roles(&[("bob", "admin"), ("zoe", "read")])),
        ];
        let got = all(&steps);
        assert_eq!(got.len(), 2);
        assert_eq!(
            (
                got[0].username.as_str(),
                got[0].to_admin,
                got[0].to_snapshot.as_str()
            ),
            ("zoe", false, "b")
        );
        assert_eq!(got[0].event, None);
        assert_eq!(
            (
                got[1].username.as_str(),
                got[1].from_role.as_deref(),
                got[1].to_role.as_deref(),
                got[1].to_admin,
                got[1].from_snapshot.as_str(),
                got[1].to_snapshot.as_str()
            ),
            ("Bob", Some("read"), Some("admin"), true, "b", "c")
        );
        assert_eq!(got[1].event.as_ref().unwrap().id, "e1");
        let csv = String::from_utf8(escalations_csv(&got)).unwrap();
        assert!(
            csv.lines()
                .any(|l| l.starts_with("acme,Bob,read,admin,yes,b,")
                    && l.ends_with(",root,2026-02-10T00:00:00Z")),
            "{csv}"
        );
    }
}
