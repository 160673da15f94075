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
use super::read::{RELISTS, hook, published_ids, read_manifest, skip_vanished};
use super::tables::{self, Table};
use super::trust::{self, Kind};
use super::{Listed, Store, snapshot_id};
use crate::error::{Error, Result};
use crate::model::event_kind;

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

impl Store {
    /// First appearance of every member and invitee of `org`, over all
    /// complete snapshots (damaged ones are skipped).
    pub fn first_seen(&self, org: &str) -> Result<FirstSeen> {
        Ok(self.history(org)?.first_seen)
    }

    /// The history of `org`: presence of every account, activity and
    /// membership events from every exported audit log, first sightings.
    ///
    /// Snapshots deleted while the history is read (by `hfaudit prune`) are
    /// left out: the scan starts again without them.
    pub fn history(&self, org: &str) -> Result<OrgHistory> {
        let org_dir = self.org_dir(org);
        let mut verify = false;
        let mut first = None;
        let mut retries = 0;
        loop {
            let (manifests, skipped) = if verify {
                self.verified_manifests(org)?
            } else {
                timed(org, "manifests", || self.history_manifests(org))?
            };
            hook("history: scan");
            let e = match self.history_of(org, &manifests) {
                Ok(mut h) => {
                    h.skipped = skipped;
                    return Ok(h);
                }
                Err(e) => e,
            };
            let gone = manifests
                .iter()
                .filter(|m| trust::vanished(&org_dir, &m.snapshot_id))
                .inspect(|m| skip_vanished(org, &m.snapshot_id))
                .count();
            if gone > 0 && retries < RELISTS {
                retries += 1;
                continue;
            }
            if verify {
                return Err(first.unwrap_or(e));
            }
            // A file of the right size may still be damaged: verify every
            // checksum, leave the damaged snapshots out, retry.
            first = Some(e);
            verify = true;
        }
    }

    /// Role of every member in snapshot `id` (lower-cased username → role),
    /// read from its `members.parquet` alone.
    pub fn member_roles(&self, org: &str, id: &str) -> Result<Roles> {
        super::validate_snapshot_id(id)?;
        let org_dir = self
            .checked_org_dir(org)?
            .unwrap_or_else(|| self.org_dir(org));
        let dir = org_dir.join(id);
        let path = dir.join(tables::MEMBERS.file);
        trust::check_path(&dir, Kind::Dir)
            .map_err(|reason| Error::store(&dir, format!("the snapshot directory {reason}")))?;
        trust::check_path(&path, Kind::File).map_err(|reason| Error::store(&path, reason))?;
        scan::roles(&path).map_err(|e| Error::store(&path, e.to_string()))
    }

    /// The newest snapshot of `history` before `latest` whose roles can
    /// still be read, with those roles ([`Self::member_roles`]). One that
    /// was deleted since the history was read (by `hfaudit prune`) is
    /// skipped for the one before it.
    pub fn previous_roles<'h>(
        &self,
        org: &str,
        history: &'h OrgHistory,
        latest: &str,
    ) -> Result<Option<(&'h SnapshotInfo, Roles)>> {
        let org_dir = self.org_dir(org);
        for prev in history
            .snapshots
            .iter()
            .rev()
            .filter(|s| s.id.as_str() < latest)
        {
            hook("previous: roles");
            match self.member_roles(org, &prev.id) {
                Ok(roles) => return Ok(Some((prev, roles))),
                Err(_) if trust::vanished(&org_dir, &prev.id) => skip_vanished(org, &prev.id),
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Manifests of the published snapshots whose files are all there with
    /// the size the manifest gives; the others are named in the second list.
    /// Files that are symlinks, another user's or writable by others make
    /// a snapshot damaged too (see `trust`); deleted ones are left out.
    fn history_manifests(&self, org: &str) -> Result<(Vec<Manifest>, Vec<String>)> {
        let mut good = Vec::new();
        let mut skipped = Vec::new();
        let Some(org_dir) = self.checked_org_dir(org)? else {
            return Ok((good, skipped));
        };
        for id in published_ids(&org_dir)? {
            let dir = org_dir.join(&id);
            let checked = read_manifest(&org_dir, org, &id).and_then(|m| {
                for (name, entry) in &m.files {
                    let len = trust::check_path(&dir.join(name), Kind::File).map(|md| md.len());
                    match len {
                        Ok(n) if n == entry.bytes => {}
                        Ok(n) => {
                            return Err(format!(
                                "{name}: size is {n} bytes, the manifest says {}",
                                entry.bytes
                            ));
                        }
                        Err(reason) => return Err(format!("{name}: {reason}")),
                    }
                }
                Ok(m)
            });
            match checked {
                Ok(m) => good.push(m),
                Err(_) if trust::vanished(&org_dir, &id) => skip_vanished(org, &id),
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
        // Snapshots with a members table (all of them, unless a manifest
        // says otherwise), their files and row counts.
        let with_members: Vec<usize> = (0..manifests.len())
            .filter(|&k| {
                manifests[k].files.contains_key(tables::MEMBERS.file)
                    && manifests[k].members().is_some()
            })
            .collect();
        let member_files: Vec<PathBuf> = with_members
            .iter()
            .map(|&k| {
                org_dir
                    .join(&manifests[k].snapshot_id)
                    .join(tables::MEMBERS.file)
            })
            .collect();
        let rows: Vec<u64> = with_members
            .iter()
            .map(|&k| manifests[k].members().unwrap_or(0))
            .collect();
        let scanned = timed(org, "members", || scan::members(&member_files, &rows))
            .map_err(fail("members"))?;
        let invites = timed(org, "invites", || {
            scan::first_by(&files(&tables::INVITES), "invitee")
        })
        .map_err(fail("invites"))?;
        let events = timed(org, "events", || {
            scan::events(&files(&tables::EVENTS), &MEMBERSHIP_EVENT_KINDS)
        })
        .map_err(fail("events"))?;
        let (accounts, member_runs) = presence(scanned, &with_members, &snapshots);
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
            member_runs,
            skipped: Vec::new(),
        })
    }
}

/// Presence per lower-cased username (spellings merged, the latest one
/// kept) and runs per Hub spelling as indices into `snapshots`, from the
/// scanned accounts whose runs are positions in `with_members`.
fn presence(
    scanned: Vec<scan::Account>,
    with_members: &[usize],
    snapshots: &[SnapshotInfo],
) -> (HashMap<String, Presence>, MemberRuns) {
    let mut accounts: HashMap<String, Presence> = HashMap::new();
    let mut member_runs = HashMap::with_capacity(scanned.len());
    for a in scanned {
        let runs: Vec<(usize, usize)> = a
            .runs
            .iter()
            .map(|&(x, y)| (with_members[x], with_members[y]))
            .collect();
        let (Some(&(first, _)), Some(&(_, last))) = (runs.first(), runs.last()) else {
            continue;
        };
        let seen = Presence {
            username: a.username.clone(),
            fullname: a.fullname,
            verified_email: a.verified_email,
            first: snapshots[first].taken_at,
            last: snapshots[last].taken_at,
        };
        match accounts.entry(a.username.to_lowercase()) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(seen);
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let p = o.get_mut();
                let first = p.first.min(seen.first);
                if seen.last > p.last {
                    *p = seen;
                }
                p.first = first;
            }
        }
        member_runs.insert(a.username, runs);
    }
    (accounts, member_runs)
}

/// Runs one history query, logging how long it took (`-vv`).
fn timed<T>(org: &str, what: &str, query: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let out = query();
    tracing::debug!(
        "{org}: history of {what} scanned in {} ms",
        started.elapsed().as_millis()
    );
    out
}
