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
mod index;
mod scan;
#[cfg(test)]
mod tests;

use crate::collections::{HashMap, HashMapExt};
use std::path::{Path, PathBuf};

pub use index::INDEX_FILE;
pub(super) use index::{TEMP_FILE_PREFIX as INDEX_TEMP_PREFIX, remove as remove_index};

use super::manifest::Manifest;
use super::read::{RELISTS, hook, in_parallel, published_ids, read_manifest, skip_vanished};
use super::tables::{self, Table};
use super::trust::{self, Kind};
use super::{Listed, Store};
use crate::error::{Error, Result};
use crate::history::{
    AuthorActivity, FirstSeen, MEMBERSHIP_EVENT_KINDS, MemberRuns, MembershipEvent, OrgHistory,
    Presence, Roles, SnapshotInfo, snapshot_time,
};
use crate::model::Collector;

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
            // After a damaged file, everything comes from the verified
            // snapshots: the presence index is not used.
            let e = match self.history_of(org, &manifests, !verify) {
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

    /// The presence scan alone: every account of `org` over the snapshots
    /// whose files are all there (what [`Self::history`] gives as
    /// `accounts`, without its retries over damaged snapshots). The history
    /// bench times it by itself (`--phase members`), to hold against the
    /// same query in another engine.
    pub fn member_presence(&self, org: &str) -> Result<HashMap<String, Presence>> {
        let (manifests, _) = self.history_manifests(org)?;
        let org_dir = self.org_dir(org);
        let (with_members, files, rows) = member_files(&org_dir, &manifests);
        let scanned = scan::members(&files, &rows)
            .map_err(|e| Error::store(&org_dir, format!("history scan of members: {e}")))?;
        Ok(presence(scanned, &with_members, &snapshot_infos(&manifests)).0)
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
        let check = |id: &str| {
            let dir = org_dir.join(id);
            read_manifest(&org_dir, org, id).and_then(|m| {
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
            })
        };
        // Hundreds of small files and a few stats each: read on every core.
        let ids = published_ids(&org_dir)?;
        let checked = in_parallel(&ids, |_, part| {
            part.iter().map(|id| check(id)).collect::<Vec<_>>()
        })
        .into_iter()
        .flatten();
        for (id, checked) in ids.iter().zip(checked) {
            match checked {
                Ok(m) => good.push(m),
                Err(_) if trust::vanished(&org_dir, id) => skip_vanished(org, id),
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

    fn history_of(&self, org: &str, manifests: &[Manifest], use_index: bool) -> Result<OrgHistory> {
        let org_dir = self.org_dir(org);
        let snapshots = snapshot_infos(manifests);
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
        let (with_members, member_files, rows) = member_files(&org_dir, manifests);
        let keys: Vec<index::Key> = with_members
            .iter()
            .zip(&rows)
            .map(|(&k, &rows)| index::Key {
                snapshot_id: manifests[k].snapshot_id.clone(),
                sha256: manifests[k].files[tables::MEMBERS.file].sha256.clone(),
                rows,
            })
            .collect();
        // The audit-log exports are few large files, the members and
        // invites many small ones: scanned at once, each keeps the cores
        // busy while the other waits on its reads.
        let event_files = files(&tables::EVENTS);
        let (scanned, invites, events) = std::thread::scope(|scope| {
            let events = scope.spawn(|| {
                timed(org, "events", || {
                    scan::events(&event_files, &MEMBERSHIP_EVENT_KINDS)
                })
            });
            let scanned = timed(org, "members", || {
                index::members(&org_dir, &keys, &member_files, &rows, use_index)
            });
            let invites = timed(org, "invites", || {
                scan::first_by(&files(&tables::INVITES), "invitee")
            });
            let events = events.join().expect("the events scan panicked");
            (scanned, invites, events)
        });
        let scanned = scanned.map_err(fail("members"))?;
        let invites = invites.map_err(fail("invites"))?;
        let events = events.map_err(fail("events"))?;
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

/// What the history says of each snapshot of `manifests`.
fn snapshot_infos(manifests: &[Manifest]) -> Vec<SnapshotInfo> {
    manifests
        .iter()
        .map(|m| SnapshotInfo {
            id: m.snapshot_id.clone(),
            taken_at: m.taken_at,
            members: m.members(),
            invites: m.invites(),
            events: m.collector_rows(Collector::Events).is_some(),
        })
        .collect()
}

/// The snapshots of `manifests` with a members table (all of them, unless
/// a manifest says otherwise) as positions in `manifests`, their
/// `members.parquet` files and row counts.
fn member_files(org_dir: &Path, manifests: &[Manifest]) -> (Vec<usize>, Vec<PathBuf>, Vec<u64>) {
    let with_members: Vec<usize> = (0..manifests.len())
        .filter(|&k| {
            manifests[k].files.contains_key(tables::MEMBERS.file)
                && manifests[k].members().is_some()
        })
        .collect();
    let files = with_members
        .iter()
        .map(|&k| {
            org_dir
                .join(&manifests[k].snapshot_id)
                .join(tables::MEMBERS.file)
        })
        .collect();
    let rows = with_members
        .iter()
        .map(|&k| manifests[k].members().unwrap_or(0))
        .collect();
    (with_members, files, rows)
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
