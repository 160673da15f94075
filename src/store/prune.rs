//! Retention: which snapshots `hfaudit prune` keeps, and deleting the rest
//! without ever leaving something that looks complete.
//!
//! The policy ([`plan`]) is a pure function, as restic's and borg's
//! `forget`: going from the newest snapshot to the oldest, `--keep-daily N`
//! keeps the newest snapshot of each of the last N days that have one (UTC),
//! `--keep-weekly N` of each of the last N ISO weeks that have one,
//! `--keep-monthly N` of each of the last N months that have one. The newest
//! snapshot is always kept.
//!
//! Deleting ([`Store::delete_snapshot`]) renames the snapshot directory to
//! a `.tmp-` name first (one atomic step: readers stop seeing it, and an
//! interrupted delete is swept by the next snapshot like any unfinished
//! write), then removes its manifest, then the rest.

use std::path::Path;

use chrono::{DateTime, Datelike, Utc};

use super::{Listed, OrgLock, Store, TEMP_PREFIX, write};
use crate::error::{Error, Result};

/// How many periods of each kind to keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
}

impl Retention {
    /// All zeros: nothing but the newest snapshot would be kept.
    pub fn is_empty(&self) -> bool {
        self.daily == 0 && self.weekly == 0 && self.monthly == 0
    }
}

/// Why a snapshot is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Keep {
    Newest,
    Daily,
    Weekly,
    Monthly,
}

impl Keep {
    pub fn as_str(self) -> &'static str {
        match self {
            Keep::Newest => "newest",
            Keep::Daily => "daily",
            Keep::Weekly => "weekly",
            Keep::Monthly => "monthly",
        }
    }
}

/// The fate of one snapshot: kept for `reasons`, or deleted when empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: String,
    pub taken_at: DateTime<Utc>,
    pub reasons: Vec<Keep>,
}

impl Decision {
    pub fn keep(&self) -> bool {
        !self.reasons.is_empty()
    }
}

/// Decides, for snapshots given in any order as `(id, taken_at)`, which to
/// keep. Returns them newest first.
pub fn plan(snapshots: &[(String, DateTime<Utc>)], policy: Retention) -> Vec<Decision> {
    let mut sorted: Vec<&(String, DateTime<Utc>)> = snapshots.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    let mut buckets = [
        Bucket::new(Keep::Daily, policy.daily),
        Bucket::new(Keep::Weekly, policy.weekly),
        Bucket::new(Keep::Monthly, policy.monthly),
    ];
    sorted
        .into_iter()
        .enumerate()
        .map(|(i, (id, taken_at))| {
            let mut reasons = Vec::new();
            if i == 0 {
                reasons.push(Keep::Newest);
            }
            for b in &mut buckets {
                let period = period(b.reason, *taken_at);
                if b.left > 0 && b.last != Some(period) {
                    reasons.push(b.reason);
                    b.left -= 1;
                    b.last = Some(period);
                }
            }
            Decision {
                id: id.clone(),
                taken_at: *taken_at,
                reasons,
            }
        })
        .collect()
}

/// One rule of the policy while [`plan`] walks back in time.
struct Bucket {
    reason: Keep,
    /// Periods still to keep.
    left: u32,
    /// The period whose newest snapshot was kept last.
    last: Option<(i32, u32)>,
}

impl Bucket {
    fn new(reason: Keep, left: u32) -> Bucket {
        Bucket {
            reason,
            left,
            last: None,
        }
    }
}

/// The day, ISO week or month `t` falls in, as a comparable key.
fn period(kind: Keep, t: DateTime<Utc>) -> (i32, u32) {
    match kind {
        Keep::Daily | Keep::Newest => (t.year(), t.ordinal()),
        Keep::Weekly => {
            let w = t.iso_week();
            (w.year(), w.week())
        }
        Keep::Monthly => (t.year(), t.month()),
    }
}

/// One org's snapshots with the policy applied.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgPrune {
    pub org: String,
    /// Newest first, with each snapshot's size on disk in bytes.
    pub decisions: Vec<(Decision, u64)>,
    /// Published snapshots that fail verification: never touched, listed
    /// so someone looks at them.
    pub damaged: Vec<String>,
}

impl OrgPrune {
    /// Bytes the deleted snapshots take.
    pub fn bytes_freed(&self) -> u64 {
        self.decisions
            .iter()
            .filter(|(d, _)| !d.keep())
            .map(|(_, b)| b)
            .sum()
    }
}

impl Store {
    /// Applies `policy` to the complete snapshots of `org` (no change).
    pub fn prune_plan(&self, org: &str, policy: Retention) -> Result<OrgPrune> {
        let mut complete = Vec::new();
        let mut damaged = Vec::new();
        for listed in self.list(org)? {
            match listed {
                Listed::Complete(m) => complete.push((m.snapshot_id, m.taken_at)),
                Listed::Damaged { id, .. } => damaged.push(id),
            }
        }
        let decisions = plan(&complete, policy)
            .into_iter()
            .map(|d| {
                let dir = self.snapshot_dir(org, &d.id);
                dir_size(&dir).map(|size| (d, size))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(OrgPrune {
            org: org.to_string(),
            decisions,
            damaged,
        })
    }

    /// Deletes snapshot `id` of the locked org: renamed out of sight first,
    /// then its manifest, then its files.
    pub fn delete_snapshot(&self, lock: &OrgLock, id: &str) -> Result<()> {
        super::validate_snapshot_id(id)?;
        let org_dir = self.locked_org_dir(lock, lock.org())?;
        let dir = org_dir.join(id);
        let hidden = org_dir.join(format!("{TEMP_PREFIX}prune-{id}-{}", std::process::id()));
        std::fs::rename(&dir, &hidden).map_err(|e| Error::io(&dir, e))?;
        // The presence index may describe the snapshot: it goes with it
        // (the next history read rebuilds it from what is left).
        let index = org_dir.join(super::history::INDEX_FILE);
        super::history::remove_index(&org_dir).map_err(|e| Error::io(&index, e))?;
        write::sync_dir(&org_dir)?;
        write::remove_incomplete(&hidden).map_err(|e| Error::io(&hidden, e))
    }
}

/// Bytes of the regular files directly in `dir` (a snapshot is flat).
fn dir_size(dir: &Path) -> Result<u64> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut total = 0;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let meta = entry.metadata().map_err(|e| Error::io(entry.path(), e))?;
        if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> (String, DateTime<Utc>) {
        let t = Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
        (super::super::snapshot_id(t), t)
    }

    fn policy(daily: u32, weekly: u32, monthly: u32) -> Retention {
        Retention {
            daily,
            weekly,
            monthly,
        }
    }

    fn kept(decisions: &[Decision]) -> Vec<&str> {
        decisions
            .iter()
            .filter(|d| d.keep())
            .map(|d| &d.id[..11])
            .collect()
    }

    #[test]
    fn zero_snapshots() {
        assert!(plan(&[], policy(7, 4, 12)).is_empty());
    }

    #[test]
    fn one_snapshot_is_always_kept() {
        let d = plan(&[at(2026, 1, 1, 3)], policy(0, 0, 0));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].reasons, vec![Keep::Newest]);
        let d = plan(&[at(2026, 1, 1, 3)], policy(1, 1, 1));
        assert_eq!(
            d[0].reasons,
            vec![Keep::Newest, Keep::Daily, Keep::Weekly, Keep::Monthly]
        );
    }

    #[test]
    fn all_zeros_keeps_only_the_newest() {
        let snaps = [at(2026, 1, 1, 3), at(2026, 1, 3, 3), at(2026, 1, 2, 3)];
        let d = plan(&snaps, policy(0, 0, 0));
        assert_eq!(kept(&d), vec!["20260103T03"]);
        assert_eq!(d.iter().filter(|d| !d.keep()).count(), 2);
        assert!(policy(0, 0, 0).is_empty() && !policy(0, 0, 1).is_empty());
    }

    #[test]
    fn daily_keeps_the_newest_of_each_day_with_a_snapshot() {
        // Three on Jan 2 (the 23:00 one is the newest that day), one on Jan 1,
        // none on Jan 3, one on Jan 4.
        let snaps = [
            at(2026, 1, 1, 23),
            at(2026, 1, 2, 0),
            at(2026, 1, 2, 12),
            at(2026, 1, 2, 23),
            at(2026, 1, 4, 1),
        ];
        let d = plan(&snaps, policy(2, 0, 0));
        assert_eq!(kept(&d), vec!["20260104T01", "20260102T23"]);
        let d = plan(&snaps, policy(3, 0, 0));
        assert_eq!(kept(&d), vec!["20260104T01", "20260102T23", "20260101T23"]);
        // Midnight UTC is a day boundary: 23:00 and 00:00 are different days.
        let d = plan(&[at(2026, 1, 1, 23), at(2026, 1, 2, 0)], policy(2, 0, 0));
        assert_eq!(kept(&d).len(), 2);
    }

    #[test]
    fn weekly_uses_iso_weeks_across_the_new_year() {
        // 2026-12-31 (Thu) and 2027-01-03 (Sun) are both ISO week 53 of 2026;
        // 2027-01-04 (Mon) starts week 1 of 2027.
        let snaps = [at(2026, 12, 31, 3), at(2027, 1, 3, 3), at(2027, 1, 4, 3)];
        let d = plan(&snaps, policy(0, 2, 0));
        assert_eq!(kept(&d), vec!["20270104T03", "20270103T03"]);
        assert!(!d[2].keep());
        // Sunday then Monday: two weeks.
        let d = plan(&[at(2026, 11, 22, 3), at(2026, 11, 23, 3)], policy(0, 2, 0));
        assert_eq!(kept(&d).len(), 2);
    }

    #[test]
    fn many_weekly_snapshots_with_a_mixed_policy() {
        // A weekly cron for a year: 53 Mondays of 2026 (from Jan 5).
        let start = Utc.with_ymd_and_hms(2026, 1, 5, 3, 0, 0).unwrap();
        let snaps: Vec<(String, DateTime<Utc>)> = (0..52)
            .map(|w| {
                let t = start + chrono::Duration::weeks(w);
                (super::super::snapshot_id(t), t)
            })
            .collect();
        let d = plan(&snaps, policy(7, 4, 6));
        // 7 daily = the last 7 weekly runs (restic: days that have one);
        // weekly and monthly overlap them, then monthly reaches back.
        let kept = kept(&d);
        assert_eq!(
            kept[..7],
            [
                "20261228T03",
                "20261221T03",
                "20261214T03",
                "20261207T03",
                "20261130T03",
                "20261123T03",
                "20261116T03"
            ]
        );
        let months: std::collections::BTreeSet<&str> = kept.iter().map(|k| &k[..6]).collect();
        assert_eq!(months.len(), 6, "{kept:?}");
        assert_eq!(kept.len(), 7 + 4, "{kept:?}");
        // The newest of each month is what monthly keeps.
        let monthly: Vec<&Decision> = d
            .iter()
            .filter(|d| d.reasons.contains(&Keep::Monthly))
            .collect();
        assert_eq!(monthly.len(), 6);
        for m in monthly {
            let next_week = m.taken_at + chrono::Duration::weeks(1);
            assert_ne!(next_week.month(), m.taken_at.month(), "{}", m.id);
        }
    }

    #[test]
    fn monthly_boundary_is_the_first_of_the_month_utc() {
        let snaps = [at(2026, 1, 31, 23), at(2026, 2, 1, 0)];
        assert_eq!(kept(&plan(&snaps, policy(0, 0, 2))).len(), 2);
        assert_eq!(kept(&plan(&snaps, policy(0, 0, 1))), vec!["20260201T00"]);
    }
}
