//! The per-org lock: two runs on the same org never write at once.
//!
//! `STORE/ORG/.lock` is locked with the OS's advisory file lock
//! (`File::try_lock`, i.e. `flock` on Unix), so a killed process releases it
//! automatically and no stale lock can block cron. The holder writes
//! `pid=<pid> started=<rfc3339>` into the file so the second run can say who
//! is in the way.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};

use super::{LOCK_FILE, Store, trust, validate_org_name};
use crate::error::{Error, Result};

/// How often a waiting run retries the lock.
const POLL: Duration = Duration::from_millis(100);

/// Proof that this process holds an org's lock; released on drop.
#[derive(Debug)]
pub struct OrgLock {
    org: String,
    path: PathBuf,
    file: File,
}

impl OrgLock {
    pub fn org(&self) -> &str {
        &self.org
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for OrgLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first makes the
        // release immediate even if the descriptor was duplicated.
        let _ = self.file.unlock();
    }
}

impl Store {
    /// Takes `STORE/ORG/.lock`, creating `STORE` and `STORE/ORG` (mode 0700)
    /// if needed; refuses ([`Error::Store`]) either directory, or a lock
    /// file, that is not this user's or is writable by group/others, and a
    /// lock that is a symlink or a hard link. Retries every ~100 ms for up
    /// to `wait`, then fails with [`Error::Locked`] naming the holder.
    pub fn lock_org(&self, org: &str, wait: Duration) -> Result<OrgLock> {
        validate_org_name(org)?;
        let org_dir = self.org_dir(org);
        // A file named as the store is the user's to fix before anything
        // is created below it.
        self.check_root()?;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&org_dir)
            .map_err(|e| Error::dir_io(&org_dir, trust::STORE_SETTING, e))?;
        // Both directories, whether just made or found, must be ours and
        // writable by us alone before anything is opened in them.
        let org_dir = self
            .checked_org_dir(org)?
            .ok_or_else(|| Error::store(&org_dir, "disappeared while it was being created"))?;
        // Make the org directory's entry durable now, before any fetch, so
        // publishing a snapshot later only syncs the org directory.
        super::write::sync_dir(&self.root)?;
        let path = org_dir.join(LOCK_FILE);
        // Never through a symlink: a planted `.lock -> /etc/shadow` would
        // otherwise be truncated and overwritten below.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| match e.raw_os_error() {
                Some(libc::ELOOP) => Error::store(&path, trust::open_error(&e)),
                _ => Error::io(&path, e),
            })?;
        let meta = file.metadata().map_err(|e| Error::io(&path, e))?;
        if let Some(reason) = trust::distrust(&meta, trust::Kind::File) {
            return Err(Error::store(&path, reason));
        }
        // A hard link to another file would be overwritten just the same.
        if meta.nlink() != 1 {
            return Err(Error::store(
                &path,
                format!(
                    "has {} hard links; refusing to overwrite a file linked elsewhere",
                    meta.nlink()
                ),
            ));
        }

        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(Error::Locked {
                            holder: read_holder(&mut file),
                            path,
                        });
                    }
                    std::thread::sleep(POLL.min(deadline - now));
                }
                Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
        }

        let holder = format!(
            "pid={} started={}",
            std::process::id(),
            Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        let write = |file: &mut File| -> std::io::Result<()> {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(holder.as_bytes())?;
            file.flush()
        };
        write(&mut file).map_err(|e| Error::io(&path, e))?;
        Ok(OrgLock {
            org: org.to_string(),
            path,
            file,
        })
    }
}

/// What the current holder wrote into the lock file, if anything.
fn read_holder(file: &mut File) -> Option<String> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(256).read_to_string(&mut text).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn second_lock_fails_while_first_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("store"));
        let first = store.lock_org("acme", Duration::ZERO).unwrap();
        assert_eq!(first.org(), "acme");

        let err = store.lock_org("acme", Duration::ZERO).unwrap_err();
        match &err {
            Error::Locked { path, holder } => {
                assert_eq!(path, &dir.path().join("store/acme/.lock"));
                let holder = holder.as_deref().unwrap();
                assert!(
                    holder.starts_with(&format!("pid={} started=", std::process::id())),
                    "{holder}"
                );
            }
            other => panic!("expected Locked, got {other:?}"),
        }
        assert!(err.to_string().contains("pid="), "{err}");

        // Another org is independent.
        let _other = store.lock_org("other", Duration::ZERO).unwrap();

        drop(first);
        store.lock_org("acme", Duration::ZERO).unwrap();
    }

    #[test]
    fn waiting_gives_up_after_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let _held = store.lock_org("acme", Duration::ZERO).unwrap();
        let start = Instant::now();
        let err = store
            .lock_org("acme", Duration::from_millis(250))
            .unwrap_err();
        assert!(matches!(err, Error::Locked { .. }));
        assert!(start.elapsed() >= Duration::from_millis(250));
    }

    #[test]
    fn waiting_succeeds_when_the_holder_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let held = store.lock_org("acme", Duration::ZERO).unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            drop(held);
        });
        store.lock_org("acme", Duration::from_secs(10)).unwrap();
        releaser.join().unwrap();
    }

    #[test]
    fn creates_private_directories_and_lock_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        let store = Store::new(&root);
        let lock = store.lock_org("acme", Duration::ZERO).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(&root.join("acme")), 0o700);
        assert_eq!(mode(lock.path()), 0o600);
    }

    #[test]
    fn refuses_bad_org_names_before_touching_disk() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("store"));
        let err = store.lock_org("../../etc", Duration::ZERO).unwrap_err();
        assert!(matches!(err, Error::Usage(_)));
        assert!(!dir.path().join("store").exists());
    }
}
