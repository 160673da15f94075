//! Queries over the whole history of an org: one lazy polars scan over the
//! Parquet files of every complete snapshot, never a load per snapshot.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime, Utc};
use polars::prelude::*;

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
        let complete: Vec<String> = self
            .list(org)?
            .into_iter()
            .filter_map(|l| match l {
                Listed::Complete(m) => Some(m.snapshot_id),
                Listed::Damaged { .. } => None,
            })
            .collect();
        Ok(FirstSeen {
            members: self.first_by(org, &complete, &tables::MEMBERS, "username")?,
            invites: self.first_by(org, &complete, &tables::INVITES, "invitee")?,
            snapshots: complete.len(),
        })
    }

    /// `SELECT key, min(snapshot_id) FROM <table of every snapshot> GROUP BY key`.
    fn first_by(
        &self,
        org: &str,
        ids: &[String],
        table: &Table,
        key: &str,
    ) -> Result<HashMap<String, DateTime<Utc>>> {
        let org_dir = self.org_dir(org);
        let paths: Vec<PathBuf> = ids
            .iter()
            .map(|id| org_dir.join(id).join(table.file))
            .filter(|p| p.is_file())
            .collect();
        if paths.is_empty() {
            return Ok(HashMap::new());
        }
        let firsts = min_snapshot_by(&paths, key)
            .map_err(|e| Error::store(&org_dir, format!("history scan of {}: {e}", table.file)))?;
        let mut out: HashMap<String, DateTime<Utc>> = HashMap::new();
        for (k, id) in firsts {
            let Some(t) = snapshot_time(&id) else {
                continue;
            };
            let entry = out.entry(k.to_lowercase()).or_insert(t);
            *entry = (*entry).min(t);
        }
        Ok(out)
    }
}

fn min_snapshot_by(paths: &[PathBuf], key: &str) -> PolarsResult<Vec<(String, String)>> {
    let df = super::read::scan_files(paths)?
        .select([col(key), col("snapshot_id")])
        .group_by([col(key)])
        .agg([col("snapshot_id").min().alias("first")])
        .collect()?;
    let keys = df.column(key)?.str()?;
    let firsts = df.column("first")?.str()?;
    Ok(keys
        .iter()
        .zip(firsts.iter())
        .filter_map(|(k, f)| Some((k?.to_string(), f?.to_string())))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CollectorStatus, Invite, InviteSource, Member, Snapshot};
    use chrono::TimeZone;
    use std::time::Duration;

    fn member(name: &str) -> Member {
        Member {
            hub_id: format!("id-{name}"),
            username: name.into(),
            fullname: None,
            role: Some("read".into()),
            two_fa: None,
            verified_email: None,
            external: None,
            is_pro: None,
            resource_groups: vec![],
        }
    }

    fn snap(day: u32, members: &[&str], invites: &[&str]) -> Snapshot {
        let mut s = Snapshot {
            org: "acme".into(),
            taken_at: Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap(),
            endpoint: "http://x".into(),
            members: members.iter().map(|m| member(m)).collect(),
            invites: invites
                .iter()
                .map(|i| Invite {
                    invitee: i.to_string(),
                    username: Some(i.to_string()),
                    email: None,
                    fullname: None,
                    role: None,
                    source: InviteSource::PendingMembers,
                    invited_at: None,
                })
                .collect(),
            ..Snapshot::default()
        };
        s.collectors
            .insert("members".into(), CollectorStatus::ok(members.len()));
        s.collectors
            .insert("invites".into(), CollectorStatus::ok(invites.len()));
        for c in ["resource_groups", "repo_access", "events"] {
            s.collectors.insert(
                c.into(),
                CollectorStatus::Unavailable {
                    reason: "test".into(),
                },
            );
        }
        s
    }

    #[test]
    fn first_seen_zero_one_many() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("store"));
        assert_eq!(store.first_seen("acme").unwrap(), FirstSeen::default());

        let lock = store.lock_org("acme", Duration::ZERO).unwrap();
        store
            .write_snapshot(&lock, &snap(1, &["alice"], &["newbie"]), "t")
            .unwrap();
        let one = store.first_seen("acme").unwrap();
        assert_eq!(one.snapshots, 1);
        let day1 = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        assert_eq!(one.members["alice"], day1);
        assert_eq!(one.invites["newbie"], day1);

        store
            .write_snapshot(&lock, &snap(2, &["Alice", "bob"], &["newbie"]), "t")
            .unwrap();
        store
            .write_snapshot(&lock, &snap(3, &["bob", "carol"], &[]), "t")
            .unwrap();
        let many = store.first_seen("acme").unwrap();
        assert_eq!(many.snapshots, 3);
        assert_eq!(many.members.len(), 3);
        assert_eq!(
            many.members["alice"], day1,
            "case-insensitive, earliest wins"
        );
        assert_eq!(
            many.members["bob"],
            Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap()
        );
        assert_eq!(
            many.members["carol"],
            Utc.with_ymd_and_hms(2026, 3, 3, 12, 0, 0).unwrap()
        );
        assert_eq!(many.invites["newbie"], day1);
    }

    #[test]
    fn snapshot_ids_are_times() {
        assert_eq!(
            snapshot_time("20261123T025751.123Z"),
            Some(
                Utc.with_ymd_and_hms(2026, 11, 23, 2, 57, 51).unwrap()
                    + chrono::Duration::milliseconds(123)
            )
        );
        assert_eq!(snapshot_time("garbage"), None);
    }
}
