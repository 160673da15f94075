//! The snapshot store: every snapshot of every org, kept as plain Parquet +
//! JSON on disk (SPEC.md, "Store").
//!
//! This is the only module that imports polars. The rest of the program hands
//! it a [`Snapshot`] and gets [`Snapshot`]s back; how they are laid out is
//! decided here:
//!
//! ```text
//! STORE/ORG/SNAPSHOT_ID/manifest.json       written last, lists every file with its sha256
//! STORE/ORG/SNAPSHOT_ID/<table>.parquet     one file per table of an `ok` collector
//! STORE/ORG/.tmp-SNAPSHOT_ID-PID/           a snapshot being written (never read)
//! STORE/ORG/.lock                           held while a snapshot is written
//! STORE/ORG/.presence-index                 a cache of the members history (`history/index.rs`)
//! STORE/ORG/_remediation.jsonl              what `hfaudit apply` did, one line per call (`remediation`)
//! ```
//!
//! A snapshot becomes visible by one `rename` of a complete, fsynced
//! directory, so a crash never leaves something a reader takes for complete;
//! readers verify every checksum before they trust a file.
//!
//! Nothing another user could have written is trusted (`trust`): the store
//! and org directories must be the running user's and writable by them
//! alone, or the command stops; a snapshot with a symlinked or foreign file
//! is damaged, never the latest; store files are opened without following
//! symlinks. A snapshot deleted (by `prune`) while it is read is skipped.
//!
//! Submodules: [`manifest`] (manifest.json and checksums), `lock` (the
//! per-org lock), `trust` (what is trusted on disk), `tables` (the column
//! layout of each file), `encode` / `decode` (model ↔ polars), `write`
//! (atomic publication), `read` (listing, loading, history scans).

mod decode;
mod encode;
mod history;
mod lock;
pub mod manifest;
pub mod prune;
mod read;
pub mod remediation;
pub mod reviews;
mod tables;
mod trust;
mod write;

#[cfg(test)]
mod testdata;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub use crate::model::snapshot_id;
pub use history::INDEX_FILE;
pub use lock::OrgLock;
pub use manifest::{CollectorEntry, FileEntry, Manifest};
pub use write::{RepoAccessWriter, StagedSnapshot};

/// Version of the on-disk layout written by this build. A reader refuses
/// (reports as damaged) snapshots of any other version.
pub const SCHEMA_VERSION: u32 = 1;

/// Name of the manifest inside a snapshot directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Prefix of the directories snapshots are written into before publication.
const TEMP_PREFIX: &str = ".tmp-";

/// Name of the per-org lock file.
const LOCK_FILE: &str = ".lock";

/// A store rooted at one directory (`--store`, default `./hfaudit-store`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    root: PathBuf,
}

/// One snapshot directory as [`Store::list`] found it.
#[derive(Debug, Clone, PartialEq)]
pub enum Listed {
    /// Manifest readable, of our schema version, and every file verified.
    Complete(Manifest),
    /// Published, but not usable; `reason` names the file at fault.
    Damaged { id: String, reason: String },
}

impl Listed {
    /// The snapshot id (the directory name).
    pub fn id(&self) -> &str {
        match self {
            Listed::Complete(manifest) => &manifest.snapshot_id,
            Listed::Damaged { id, .. } => id,
        }
    }

    pub fn manifest(&self) -> Option<&Manifest> {
        match self {
            Listed::Complete(manifest) => Some(manifest),
            Listed::Damaged { .. } => None,
        }
    }
}

impl Store {
    /// A handle on the store at `root`. Does no I/O: the directory is
    /// created by the first [`Store::lock_org`].
    pub fn new(root: impl Into<PathBuf>) -> Store {
        Store { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `STORE/ORG`.
    pub fn org_dir(&self, org: &str) -> PathBuf {
        self.root.join(org)
    }

    /// `STORE/ORG/SNAPSHOT_ID`.
    pub fn snapshot_dir(&self, org: &str, id: &str) -> PathBuf {
        self.org_dir(org).join(id)
    }

    /// `STORE/ORG` after checking that `lock` is this store's lock of `org`.
    fn locked_org_dir(&self, lock: &OrgLock, org: &str) -> Result<PathBuf> {
        let org_dir = self.org_dir(org);
        if lock.org() != org || lock.path() != org_dir.join(LOCK_FILE) {
            return Err(Error::store(
                &org_dir,
                format!(
                    "cannot change org {org:?} while holding the lock {}",
                    lock.path().display()
                ),
            ));
        }
        Ok(org_dir)
    }

    /// Removes stale `.tmp-*` directories left by killed runs (and
    /// presence indexes a killed report left half-written). Only safe
    /// while holding the org's lock (which the argument proves), since a
    /// running writer's temp dir looks exactly the same; a report writing
    /// its index meanwhile only loses that index.
    pub fn sweep_temp(&self, lock: &OrgLock) -> Result<usize> {
        let org_dir = self.locked_org_dir(lock, lock.org())?;
        let entries = match std::fs::read_dir(&org_dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(Error::io(&org_dir, e)),
        };
        let mut removed = 0;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&org_dir, e))?;
            let name = entry.file_name();
            let name = name.to_str().unwrap_or_default();
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if name.starts_with(history::INDEX_TEMP_PREFIX) && is_file {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                continue;
            }
            let is_temp = name.starts_with(TEMP_PREFIX);
            if is_temp && entry.file_type().is_ok_and(|t| t.is_dir()) {
                let path = entry.path();
                write::remove_incomplete(&path).map_err(|e| Error::io(&path, e))?;
                tracing::info!(path = %path.display(), "removed an unfinished snapshot");
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// Checks an organization name against the Hub's rules
/// (`[A-Za-z0-9][A-Za-z0-9._-]{0,95}`) before it becomes a directory name,
/// so that `--org ../../etc` cannot escape the store.
pub fn validate_org_name(org: &str) -> Result<()> {
    let mut chars = org.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if first_ok && rest_ok && org.len() <= 96 {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "invalid organization name {org:?}: expected 1 to 96 letters, digits, '.', '_' or '-', \
             starting with a letter or digit"
        )))
    }
}

/// Checks that `id` has the shape [`snapshot_id`] produces, so that a
/// `--from`/`--to` value cannot name anything but a snapshot directory.
pub fn validate_snapshot_id(id: &str) -> Result<()> {
    let shape = "ddddddddTdddddd.dddZ";
    let ok = id.len() == shape.len()
        && id.bytes().zip(shape.bytes()).all(|(c, s)| match s {
            b'd' => c.is_ascii_digit(),
            _ => c == s,
        });
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "invalid snapshot id {id:?}: expected UTC time like 20261123T025751.123Z"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn snapshot_id_is_utc_to_the_millisecond() {
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 2, 57, 51).unwrap()
            + chrono::Duration::milliseconds(123);
        assert_eq!(snapshot_id(t), "20261123T025751.123Z");
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(snapshot_id(t), "20260102T030405.000Z");
        validate_snapshot_id(&snapshot_id(t)).unwrap();
    }

    #[test]
    fn org_names_follow_hub_rules() {
        for good in ["acme", "a", "Acme-Corp_2.0", &"x".repeat(96)] {
            validate_org_name(good).unwrap();
        }
        for bad in [
            "../../etc",
            "",
            "a/b",
            "a\\b",
            ".",
            "..",
            ".hidden",
            "-x",
            "a b",
            "é",
            &"x".repeat(97),
        ] {
            assert!(
                matches!(validate_org_name(bad), Err(Error::Usage(_))),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn snapshot_ids_are_checked() {
        validate_snapshot_id("20261123T025751.123Z").unwrap();
        for bad in [
            "",
            "..",
            "../20261123T025751.123Z",
            "20261123T025751.123",
            "20261123X025751.123Z",
            "2026112aT025751.123Z",
            ".tmp-20261123T025751.123Z-1",
        ] {
            assert!(validate_snapshot_id(bad).is_err(), "{bad:?} accepted");
        }
    }
}
