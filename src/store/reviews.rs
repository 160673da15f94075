//! `STORE/_reviews/ID/`: access-review campaigns (`hfaudit review`), kept
//! beside the snapshots they froze. This module only moves bytes, with the
//! store's trust rules; what the files mean is `crate::review`'s.
//!
//! ```text
//! STORE/_reviews/ID/campaign.json        the frozen basis (written once)
//! STORE/_reviews/ID/population.{csv,json}
//! STORE/_reviews/ID/report.html
//! STORE/_reviews/ID/worksheets/R.{csv,html}
//! STORE/_reviews/ID/decisions.jsonl      appended by `review import`
//! STORE/_reviews/ID/evidence/            written once by `review close`
//! ```
//!
//! A campaign (and later its evidence pack) is written into
//! `.tmp-NAME-PID/` (dirs 0700, files 0600 created with `O_EXCL`, each
//! fsynced) and renamed into place in one step, so a failure leaves no half
//! campaign. `_reviews` is never an org: org names start with a letter or
//! digit. Every directory and file read back must be the running user's
//! and writable by them alone (`trust`).

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::trust::{self, Kind};
use super::write::{remove_incomplete, sync_dir, write_private_file};
use super::{MANIFEST_FILE, Store, TEMP_PREFIX, validate_org_name, validate_snapshot_id};
use crate::error::{Error, Result};

/// The directory of the campaigns inside the store.
pub const REVIEWS_DIR: &str = "_reviews";

/// The file whose presence makes a directory of [`REVIEWS_DIR`] a campaign.
pub const CAMPAIGN_FILE: &str = "campaign.json";

impl Store {
    /// `STORE/_reviews`, checked; created (0700) when `create` and missing.
    /// `None` when it does not exist and was not created.
    fn reviews_root(&self, create: bool) -> Result<Option<PathBuf>> {
        if !self.check_root()? {
            return if create {
                Err(Error::store(
                    self.root(),
                    "the store does not exist: take a snapshot with `hfaudit snapshot` first",
                ))
            } else {
                Ok(None)
            };
        }
        let dir = self.root().join(REVIEWS_DIR);
        if create && std::fs::symlink_metadata(&dir).is_err() {
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(Error::io(&dir, e)),
            }
        }
        match trust::check_path(&dir, Kind::Dir) {
            Ok(_) => Ok(Some(dir)),
            Err(_) if !create && std::fs::symlink_metadata(&dir).is_err() => Ok(None),
            Err(reason) => Err(Error::store(&dir, reason)),
        }
    }

    /// The ids of the campaigns in the store, oldest first.
    pub fn review_ids(&self) -> Result<Vec<String>> {
        let Some(root) = self.reviews_root(false)? else {
            return Ok(Vec::new());
        };
        let entries = std::fs::read_dir(&root).map_err(|e| Error::io(&root, e))?;
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&root, e))?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if validate_snapshot_id(&name).is_ok() && entry.path().join(CAMPAIGN_FILE).is_file() {
                ids.push(name);
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// `STORE/_reviews/ID`, checked; [`Error::Usage`] if there is no such
    /// campaign.
    pub fn review_dir(&self, id: &str) -> Result<PathBuf> {
        validate_snapshot_id(id).map_err(|_| {
            Error::Usage(format!(
                "{id:?} is not a review id (like 20261123T025751.123Z)"
            ))
        })?;
        let missing = || {
            Error::Usage(format!(
                "no review {id} in {}: `hfaudit review start` creates one",
                self.root().join(REVIEWS_DIR).display()
            ))
        };
        let root = self.reviews_root(false)?.ok_or_else(missing)?;
        let dir = root.join(id);
        if std::fs::symlink_metadata(&dir).is_err() {
            return Err(missing());
        }
        trust::check_path(&dir, Kind::Dir).map_err(|reason| Error::store(&dir, reason))?;
        Ok(dir)
    }

    /// The bytes of `rel` (e.g. `population.json`, `evidence/manifest.json`)
    /// in campaign `id`; `None` when it does not exist.
    pub fn read_review_file(&self, id: &str, rel: &str) -> Result<Option<Vec<u8>>> {
        let mut path = self.review_dir(id)?;
        let parts: Vec<&str> = rel.split('/').collect();
        for (n, part) in parts.iter().enumerate() {
            check_name(part)?;
            path.push(part);
            if std::fs::symlink_metadata(&path).is_err() {
                return Ok(None);
            }
            if n + 1 < parts.len() {
                trust::check_path(&path, Kind::Dir).map_err(|r| Error::store(&path, r))?;
            }
        }
        trust::read_file(&path)
            .map(Some)
            .map_err(|reason| Error::store(&path, reason))
    }

    /// Whether `rel` exists in campaign `id` (not followed).
    pub fn review_has(&self, id: &str, rel: &str) -> Result<bool> {
        let dir = self.review_dir(id)?;
        Ok(std::fs::symlink_metadata(dir.join(rel)).is_ok())
    }

    /// Writes a new campaign `id` with `files` (paths relative to it, `/`
    /// separated) in one step; returns its directory.
    pub fn publish_review(&self, id: &str, files: &[(String, Vec<u8>)]) -> Result<PathBuf> {
        validate_snapshot_id(id)?;
        let root = self.reviews_root(true)?.expect("created");
        publish_dir(&root, id, files)
    }

    /// Writes `files` as the new directory `sub` of campaign `id` in one
    /// step; an existing `sub` is an error.
    pub fn publish_review_dir(
        &self,
        id: &str,
        sub: &str,
        files: &[(String, Vec<u8>)],
    ) -> Result<PathBuf> {
        check_name(sub)?;
        let dir = self.review_dir(id)?;
        publish_dir(&dir, sub, files)
    }

    /// Appends `bytes` (whole lines) to `name` in campaign `id` with one
    /// write, and fsyncs it (created 0600, never through a symlink).
    pub fn append_review_file(&self, id: &str, name: &str, bytes: &[u8]) -> Result<()> {
        check_name(name)?;
        let path = self.review_dir(id)?.join(name);
        let mut file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| Error::store(&path, trust::open_error(&e)))?;
        let meta = file.metadata().map_err(|e| Error::io(&path, e))?;
        if let Some(reason) = trust::distrust(&meta, Kind::File) {
            return Err(Error::store(&path, reason));
        }
        file.write_all(bytes)
            .and_then(|()| file.sync_data())
            .map_err(|e| Error::io(&path, e))
    }

    /// Takes campaign `id`'s lock (`.lock` in its directory, never through a
    /// symlink), waiting for another import or close to finish.
    pub fn lock_review(&self, id: &str) -> Result<std::fs::File> {
        let path = self.review_dir(id)?.join(".lock");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| Error::store(&path, trust::open_error(&e)))?;
        let meta = file.metadata().map_err(|e| Error::io(&path, e))?;
        if let Some(reason) = trust::distrust(&meta, Kind::File) {
            return Err(Error::store(&path, reason));
        }
        file.lock().map_err(|e| Error::io(&path, e))?;
        Ok(file)
    }

    /// The bytes of snapshot `id`'s `manifest.json` in `org`, read as the
    /// store reads it (checked, not followed).
    pub fn manifest_bytes(&self, org: &str, id: &str) -> Result<Vec<u8>> {
        validate_org_name(org)?;
        validate_snapshot_id(id)?;
        let dir = self.snapshot_dir(org, id);
        trust::check_path(&dir, Kind::Dir).map_err(|r| Error::store(&dir, r))?;
        let path = dir.join(MANIFEST_FILE);
        trust::read_file(&path).map_err(|reason| Error::store(&path, reason))
    }
}

/// A path component we write: no separator, no `..`, no hidden name.
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && Path::new(name).file_name().is_some_and(|f| f == name);
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!("{name:?} is not a plain file name")))
    }
}

/// Writes `files` under `parent/.tmp-NAME-PID/`, then renames it to
/// `parent/NAME`; on any error the temporary directory is removed.
fn publish_dir(parent: &Path, name: &str, files: &[(String, Vec<u8>)]) -> Result<PathBuf> {
    let target = parent.join(name);
    if std::fs::symlink_metadata(&target).is_ok() {
        return Err(Error::Usage(format!("{} exists already", target.display())));
    }
    let temp = parent.join(format!("{TEMP_PREFIX}{name}-{}", std::process::id()));
    if std::fs::symlink_metadata(&temp).is_ok() {
        // Left by an earlier run of this same pid.
        remove_incomplete(&temp).map_err(|e| Error::io(&temp, e))?;
    }
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&temp)
        .map_err(|e| Error::io(&temp, e))?;
    let written = write_all(&temp, files).and_then(|()| {
        sync_dir(&temp)?;
        crate::fault::point("review-publish", &target)?;
        std::fs::rename(&temp, &target).map_err(|e| Error::io(&target, e))?;
        sync_dir(parent)
    });
    if written.is_err() {
        let _ = remove_incomplete(&temp);
    }
    written.map(|()| target)
}

fn write_all(temp: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    for (rel, bytes) in files {
        let mut path = temp.to_path_buf();
        let parts: Vec<&str> = rel.split('/').collect();
        let (file, dirs) = parts.split_last().expect("split yields one part");
        for dir in dirs {
            check_name(dir)?;
            path.push(dir);
            if std::fs::symlink_metadata(&path).is_err() {
                std::fs::DirBuilder::new()
                    .mode(0o700)
                    .create(&path)
                    .map_err(|e| Error::io(&path, e))?;
            }
        }
        check_name(file)?;
        path.push(file);
        write_private_file(&path, |w| w.write_all(bytes))?;
        if !dirs.is_empty() {
            sync_dir(path.parent().expect("a parent"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&root)
            .unwrap();
        (dir, Store::new(root))
    }

    #[test]
    fn a_campaign_is_published_private_and_read_back() {
        let (_tmp, store) = store();
        let id = "20260101T000000.000Z";
        assert!(store.review_ids().unwrap().is_empty());
        let files = vec![
            (CAMPAIGN_FILE.to_string(), b"{}".to_vec()),
            ("worksheets/a@b.csv".to_string(), b"x".to_vec()),
        ];
        let dir = store.publish_review(id, &files).unwrap();
        assert_eq!(store.review_ids().unwrap(), vec![id]);
        assert_eq!(mode(&store.root().join(REVIEWS_DIR)), 0o700);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("worksheets")), 0o700);
        assert_eq!(mode(&dir.join("worksheets/a@b.csv")), 0o600);
        assert_eq!(
            store.read_review_file(id, "worksheets/a@b.csv").unwrap(),
            Some(b"x".to_vec())
        );
        assert_eq!(store.read_review_file(id, "nope").unwrap(), None);
        // Written once.
        assert!(store.publish_review(id, &files).is_err());
        // Appended.
        store.append_review_file(id, "log.jsonl", b"1\n").unwrap();
        store.append_review_file(id, "log.jsonl", b"2\n").unwrap();
        assert_eq!(
            store.read_review_file(id, "log.jsonl").unwrap(),
            Some(b"1\n2\n".to_vec())
        );
        assert_eq!(mode(&dir.join("log.jsonl")), 0o600);
        // No temporary directory is left.
        let names: Vec<_> = std::fs::read_dir(store.root().join(REVIEWS_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(id)]);
    }

    #[test]
    fn paths_cannot_escape_and_symlinks_are_refused() {
        let (tmp, store) = store();
        let id = "20260101T000000.000Z";
        for bad in ["../x", ".hidden", "a/../../b"] {
            let files = vec![(bad.to_string(), b"x".to_vec())];
            assert!(store.publish_review(id, &files).is_err(), "{bad}");
        }
        assert!(
            store.review_ids().unwrap().is_empty(),
            "nothing half-written"
        );
        assert!(store.review_dir("../../etc").is_err());
        store
            .publish_review(id, &[(CAMPAIGN_FILE.to_string(), b"{}".to_vec())])
            .unwrap();
        let outside = tmp.path().join("outside");
        std::fs::write(&outside, b"secret").unwrap();
        let link = store.review_dir(id).unwrap().join("decisions.jsonl");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let err = store
            .append_review_file(id, "decisions.jsonl", b"x\n")
            .unwrap_err();
        assert!(err.to_string().contains("symlink"), "{err}");
        assert_eq!(std::fs::read(&outside).unwrap(), b"secret");
        assert!(store.read_review_file(id, "decisions.jsonl").is_err());
    }
}
