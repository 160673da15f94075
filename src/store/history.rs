//! Queries over the whole history of an org: lazy polars scans over the
//! Parquet files of every complete snapshot, never a load per snapshot.
//!
//! History reads check each snapshot's manifest and file sizes, not every
//! checksum (730 daily snapshots would mean hashing gigabytes on every
//! report); the latest snapshot, the one reported on, is fully verified by
//! [`Store::latest`]. A file that is damaged despite the right size makes
//! the scan fail, and then every checksum is verified, the damaged
//! snapshots are named and skipped, and the scan runs again.

mod cover;
mod scan;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::manifest::Manifest;
use super::read::published_ids;
use super::tables::{self, Table};
use super::{Listed, Store};
use crate::error::{Error, Result};

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
    /// Latest known full name and verified email (for matching people who
    /// are no longer members).
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
    "org.remove_user",
    "org.leave",
    "org.change_role",
    "org.invite_user",
    "org.invite.email",
];

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
}

/// Seats in one snapshot: what the manifest counts and what the roster
/// says of the members (see [`Store::seat_history`]).
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

impl Store {
    /// First appearance of every member and invitee of `org`, over all
    /// complete snapshots (damaged ones are skipped).
    pub fn first_seen(&self, org: &str) -> Result<FirstSeen> {
        Ok(self.history(org)?.first_seen)
    }

    /// The history of `org`: presence of every account, activity and
    /// membership events from every exported audit log, first sightings.
    pub fn history(&self, org: &str) -> Result<OrgHistory> {
        let (manifests, skipped) = self.history_manifests(org)?;
        match self.history_of(org, &manifests) {
            Ok(mut h) => {
                h.skipped = skipped;
                Ok(h)
            }
            Err(first) => {
                // A file of the right size may still be damaged: verify
                // every checksum, leave the damaged snapshots out, retry.
                let (manifests, skipped) = self.verified_manifests(org)?;
                let mut h = self.history_of(org, &manifests).map_err(|_| first)?;
                h.skipped = skipped;
                Ok(h)
            }
        }
    }

    /// Seats per complete snapshot: members and invites from the manifests,
    /// departed and unmatched members by one lazy join of every
    /// `members.parquet` with what the roster says of each account
    /// (`holders`, keyed by the username as the Hub spells it: the
    /// [`Presence::username`]; the Hub keeps a user's spelling).
    pub fn seat_history(
        &self,
        org: &str,
        history: &OrgHistory,
        holders: &HashMap<String, Holder>,
    ) -> Result<Vec<SeatPoint>> {
        let org_dir = self.org_dir(org);
        let with_members: Vec<&SnapshotInfo> = history
            .snapshots
            .iter()
            .filter(|s| s.members.is_some())
            .collect();
        let paths: Vec<PathBuf> = with_members
            .iter()
            .map(|s| org_dir.join(&s.id).join(tables::MEMBERS.file))
            .collect();
        let counts = scan::reclaimable_by_snapshot(&paths, holders)
            .map_err(|e| Error::store(&org_dir, format!("seat history scan: {e}")))?;
        Ok(with_members
            .into_iter()
            .map(|s| {
                let (departed, unmatched) = counts.get(&s.id).copied().unwrap_or((0, 0));
                SeatPoint {
                    snapshot_id: s.id.clone(),
                    taken_at: s.taken_at,
                    members: s.members.unwrap_or(0),
                    pending_invites: s.invites.unwrap_or(0),
                    departed,
                    unmatched,
                }
            })
            .collect())
    }

    /// Role of every member in snapshot `id` (lower-cased username → role),
    /// read from its `members.parquet` alone.
    pub fn member_roles(&self, org: &str, id: &str) -> Result<HashMap<String, Option<String>>> {
        super::validate_snapshot_id(id)?;
        let path = self.snapshot_dir(org, id).join(tables::MEMBERS.file);
        scan::roles(&path).map_err(|e| Error::store(&path, e.to_string()))
    }

    /// Manifests of the published snapshots whose files are all there with
    /// the size the manifest gives; the others are named in the second list.
    fn history_manifests(&self, org: &str) -> Result<(Vec<Manifest>, Vec<String>)> {
        super::validate_org_name(org)?;
        let org_dir = self.org_dir(org);
        let mut good = Vec::new();
        let mut skipped = Vec::new();
        for id in published_ids(&org_dir)? {
            let dir = org_dir.join(&id);
            let checked = Manifest::read(&dir, org, &id).and_then(|m| {
                for (name, entry) in &m.files {
                    let len = std::fs::metadata(dir.join(name)).map(|md| md.len());
                    match len {
                        Ok(n) if n == entry.bytes => {}
                        Ok(n) => {
                            return Err(format!(
                                "{name}: size is {n} bytes, the manifest says {}",
                                entry.bytes
                            ));
                        }
                        Err(e) => return Err(format!("{name}: {e}")),
                    }
                }
                Ok(m)
            });
            match checked {
                Ok(m) => good.push(m),
                Err(reason) => skipped.push(format!("{org}/{id}: {reason}")),
            }
        }
        Ok((good, skipped))
    }

    /// Like [`Self::history_manifests`], verifying every checksum.
    fn verified_manifests(&self, org: &str) -> Result<(Vec<Manifest>, Vec<String>)> {
        let mut good = Vec::new();
        let mut skipped = Vec::new();
        for listed in self.list(org)? {
            match listed {
                Listed::Complete(m) => good.push(m),
                Listed::Damaged { id, reason } => {
                    tracing::warn!("skipping damaged snapshot {org}/{id}: {reason}");
                    skipped.push(format!("{org}/{id}: {reason}"));
                }
            }
        }
        Ok((good, skipped))
    }

    fn history_of(&self, org: &str, manifests: &[Manifest]) -> Result<OrgHistory> {
        let org_dir = self.org_dir(org);
        let snapshots: Vec<SnapshotInfo> = manifests
            .iter()
            .map(|m| SnapshotInfo {
                id: m.snapshot_id.clone(),
                taken_at: m.taken_at,
                members: m.members(),
                invites: m.invites(),
                events: m.collector_rows("events").is_some(),
            })
            .collect();
        let files = |table: &Table| -> Vec<PathBuf> {
            manifests
                .iter()
                .filter(|m| m.files.contains_key(table.file))
                .map(|m| org_dir.join(&m.snapshot_id).join(table.file))
                .collect()
        };
        let fail = |what: &str| {
            let org_dir = org_dir.clone();
            let what = what.to_string();
            move |e: polars::prelude::PolarsError| {
                Error::store(&org_dir, format!("history scan of {what}: {e}"))
            }
        };
        let accounts = scan::presence(&files(&tables::MEMBERS)).map_err(fail("members"))?;
        let invites =
            scan::first_by(&files(&tables::INVITES), "invitee").map_err(fail("invites"))?;
        let events = scan::events(&files(&tables::EVENTS), &MEMBERSHIP_EVENT_KINDS)
            .map_err(fail("events"))?;
        let first_seen = FirstSeen {
            members: accounts.iter().map(|(k, p)| (k.clone(), p.first)).collect(),
            invites,
            snapshots: snapshots.len(),
        };
        Ok(OrgHistory {
            snapshots,
            first_seen,
            accounts,
            activity: events.activity,
            audit_log_since: events.oldest,
            membership_events: events.membership,
            skipped: Vec::new(),
        })
    }
}
