//! What the store's history says of an org, as domain types: the complete
//! snapshots, every account's presence across them, the membership events
//! of the audit log, authors' last activity, and the seat arithmetic over
//! them. Built by [`crate::store::Store::history`] (lazy scans over the
//! Parquet files); read by the rules and the seat report, which so need
//! nothing of the store.

use crate::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::model::{event_kind, snapshot_id};

/// Each member's role in one snapshot, by username (`None`: no role recorded).
pub type Roles = HashMap<String, Option<String>>;

/// When each member and each invitee first appeared in the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FirstSeen {
    /// Lower-cased username → time of the first snapshot listing them.
    pub members: HashMap<String, DateTime<Utc>>,
    /// Lower-cased invitee → time of the first snapshot listing the invite.
    pub invites: HashMap<String, DateTime<Utc>>,
    /// Complete snapshots scanned.
    pub snapshots: usize,
}

/// One complete snapshot, as its manifest describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub id: String,
    pub taken_at: DateTime<Utc>,
    /// Member rows, when the members collector ran.
    pub members: Option<u64>,
    /// Pending invites, when the invites collector could read them.
    pub invites: Option<u64>,
    /// Whether the audit log could be read in this snapshot.
    pub events: bool,
}

/// An account's presence in the org over the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// The username as the Hub spells it (latest spelling).
    pub username: String,
    /// Full name and verified email as the last snapshot listing the
    /// account has them (for matching people who are no longer members).
    pub fullname: Option<String>,
    pub verified_email: Option<String>,
    /// First and last snapshot listing the account as a member.
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
}

/// The last activity an author shows in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthorActivity {
    /// Latest event of any kind the user authored.
    pub last: DateTime<Utc>,
    /// Latest `org.sso_login`, the strongest evidence of use.
    pub last_sso_login: Option<DateTime<Utc>>,
}

/// An audit-log event about membership (removals, departures, invites),
/// once even when several snapshots exported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipEvent {
    pub id: String,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub author: Option<String>,
    /// The free-form `data` object, as compact JSON.
    pub data: Option<String>,
}

/// The audit-log event kinds [`OrgHistory::membership_events`] keeps.
pub const MEMBERSHIP_EVENT_KINDS: [&str; 5] = [
    event_kind::REMOVE_USER,
    event_kind::LEAVE,
    event_kind::CHANGE_ROLE,
    event_kind::INVITE_USER,
    event_kind::INVITE_EMAIL,
];

/// Username as the Hub spells it → inclusive index ranges of snapshots.
pub type MemberRuns = HashMap<String, Vec<(usize, usize)>>;

/// Everything the rules and the report read from an org's history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgHistory {
    /// Complete snapshots, oldest first.
    pub snapshots: Vec<SnapshotInfo>,
    pub first_seen: FirstSeen,
    /// Lower-cased username → presence, for every account ever a member.
    pub accounts: HashMap<String, Presence>,
    /// Lower-cased author → last activity, over every exported event.
    pub activity: HashMap<String, AuthorActivity>,
    /// The oldest audit-log event in the store: activity evidence starts
    /// there. `None` when no snapshot could read the audit log.
    pub audit_log_since: Option<DateTime<Utc>>,
    /// Removals, departures, role changes and invitations, oldest first.
    pub membership_events: Vec<MembershipEvent>,
    /// Username as the Hub spells it → the runs of consecutive snapshots
    /// listing it as a member, as inclusive index ranges into `snapshots`
    /// (one run, unless the account left and came back).
    pub member_runs: MemberRuns,
    /// Snapshots named as damaged and left out, with the reason.
    pub skipped: Vec<String>,
}

impl OrgHistory {
    /// Whether any snapshot could read the audit log.
    pub fn has_audit_log(&self) -> bool {
        self.snapshots.iter().any(|s| s.events)
    }

    /// The complete snapshot before `id`, if any.
    pub fn previous(&self, id: &str) -> Option<&SnapshotInfo> {
        self.snapshots.iter().rev().find(|s| s.id.as_str() < id)
    }

    /// The first complete snapshot after `t`.
    pub fn first_after(&self, t: DateTime<Utc>) -> Option<&SnapshotInfo> {
        self.snapshots.iter().find(|s| s.taken_at > t)
    }

    /// Seats in every snapshot with a members table: members and invites
    /// as the manifests count them, and the members that `holders` (keyed
    /// by the username as the Hub spells it: the [`Presence::username`])
    /// make reclaimable. A departed holder counts in the snapshots taken
    /// after their departure. Computed from [`Self::member_runs`], so it
    /// reads no file.
    pub fn seats(&self, holders: &HashMap<String, Holder>) -> Vec<SeatPoint> {
        let n = self.snapshots.len();
        // Difference arrays over snapshot indices.
        let mut departed = vec![0i64; n + 1];
        let mut unmatched = vec![0i64; n + 1];
        for (user, holder) in holders {
            let Some(runs) = self.member_runs.get(user) else {
                continue;
            };
            let (diff, from) = match holder {
                Holder::Unmatched => (&mut unmatched, 0),
                Holder::DepartedAfter(None) => (&mut departed, 0),
                Holder::DepartedAfter(Some(t)) => {
                    let after = snapshot_id(*t);
                    let from = self.snapshots.partition_point(|s| s.id <= after);
                    (&mut departed, from)
                }
            };
            for &(a, b) in runs {
                let a = a.max(from);
                if a <= b && b < n {
                    diff[a] += 1;
                    diff[b + 1] -= 1;
                }
            }
        }
        let (mut d, mut u) = (0i64, 0i64);
        let mut out = Vec::with_capacity(n);
        for (k, s) in self.snapshots.iter().enumerate() {
            d += departed[k];
            u += unmatched[k];
            if let Some(members) = s.members {
                out.push(SeatPoint {
                    snapshot_id: s.id.clone(),
                    taken_at: s.taken_at,
                    members,
                    pending_invites: s.invites.unwrap_or(0),
                    departed: d.unsigned_abs(),
                    unmatched: u.unsigned_abs(),
                });
            }
        }
        out
    }
}

/// Seats in one snapshot: what the manifest counts and what the roster
/// says of the members (see [`OrgHistory::seats`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatPoint {
    pub snapshot_id: String,
    pub taken_at: DateTime<Utc>,
    pub members: u64,
    pub pending_invites: u64,
    /// Members whose person had left by the time of the snapshot.
    pub departed: u64,
    /// Members matching nobody on the roster.
    pub unmatched: u64,
}

/// What the roster says of an account, for the seat history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// Matches nobody: a reclaimable seat in every snapshot.
    Unmatched,
    /// Left the company: a reclaimable seat in snapshots after this time
    /// (`None`: left at a date the roster does not give, so in all).
    DepartedAfter(Option<DateTime<Utc>>),
}

/// The time a snapshot id stands for (ids are `taken_at` to the millisecond).
pub fn snapshot_time(id: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(id, "%Y%m%dT%H%M%S%.3fZ")
        .ok()
        .map(|t| t.and_utc())
}
