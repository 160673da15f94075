//! What the store trusts on disk: only what the running user could have
//! written.
//!
//! Another user who can write into the store could plant a snapshot that
//! becomes "the latest" (and hides every finding), or a symlink through
//! which a root-run cron job overwrites a file of root's. So:
//!
//! - the store directory (followed if it is a symlink: that is the path the
//!   user chose) and every org directory (never followed) must be owned by
//!   the running user and not writable by group or others, or the command
//!   stops: [`Error::Store`] naming the path and why (exit 3);
//! - a snapshot directory, manifest or data file that is a symlink, is
//!   owned by someone else or is writable by group/others makes that
//!   snapshot damaged: named, left out, never the latest;
//! - store files are opened with `O_NOFOLLOW` and checked on the open
//!   descriptor, the lock too; new files are created with `O_EXCL`.
//!
//! Once these directories are checked, nobody else can rename, replace or
//! add an entry below them, so what is read by path afterwards (by polars)
//! is what was checked.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// How the user names the store directory, for errors.
pub(super) const STORE_SETTING: &str =
    "the store (--store, HFAUDIT_STORE or `store` in the config)";

use super::{Store, validate_org_name};
use crate::error::{Error, Result};

/// What an entry of the store is expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Dir,
    File,
}

/// The effective uid of this process.
pub(super) fn my_uid() -> u32 {
    static UID: OnceLock<u32> = OnceLock::new();
    // SAFETY: geteuid has no preconditions, touches no memory of ours and
    // cannot fail.
    *UID.get_or_init(|| unsafe { libc::geteuid() })
}

/// Why an entry with this (not followed) metadata is not to be trusted as
/// a `kind`, if it is not.
pub(super) fn distrust(meta: &Metadata, kind: Kind) -> Option<String> {
    let file_type = meta.file_type();
    if file_type.is_symlink() {
        return Some("is a symlink; refusing to follow it".into());
    }
    match kind {
        Kind::Dir if !file_type.is_dir() => return Some("is not a directory".into()),
        Kind::File if !file_type.is_file() => return Some("is not a regular file".into()),
        _ => {}
    }
    let me = my_uid();
    if meta.uid() != me {
        return Some(format!(
            "is owned by uid {}, not by you (uid {me})",
            meta.uid()
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Some(format!("is writable by group/others (mode {mode:04o})"));
    }
    None
}

/// `path` (not followed) checked as a `kind`; the error is a reason that
/// does not repeat the path.
pub(super) fn check_path(path: &Path, kind: Kind) -> Result<Metadata, String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    match distrust(&meta, kind) {
        Some(reason) => Err(reason),
        None => Ok(meta),
    }
}

/// Opens a store file for reading without following a symlink (nor
/// blocking on a FIFO) and checks it on the open descriptor. The error is
/// a reason that does not repeat the path.
pub(super) fn open_file(path: &Path) -> Result<(File, Metadata), String> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| open_error(&e))?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    match distrust(&meta, Kind::File) {
        Some(reason) => Err(reason),
        None => Ok((file, meta)),
    }
}

/// A store file's bytes, read as [`open_file`] opens it.
pub(super) fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    let (mut file, meta) = open_file(path)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// The reason for an open that failed: a symlink says so (`O_NOFOLLOW`
/// fails with `ELOOP`), anything else as the OS puts it.
pub(super) fn open_error(e: &io::Error) -> String {
    if e.raw_os_error() == Some(libc::ELOOP) {
        "is a symlink; refusing to follow it".into()
    } else {
        e.to_string()
    }
}

/// Whether snapshot `id` is gone from `org_dir`: deleted (by `prune`)
/// since it was listed. Such a snapshot is skipped, not damaged.
pub(super) fn vanished(org_dir: &Path, id: &str) -> bool {
    matches!(
        std::fs::symlink_metadata(org_dir.join(id)),
        Err(e) if e.kind() == io::ErrorKind::NotFound
    )
}

/// Refuses a store or org directory: the whole command stops.
fn refuse(path: &Path, reason: &str) -> Error {
    Error::store(
        path,
        format!(
            "{reason}; a store directory must be yours and writable by you alone \
             (another user could plant snapshots in it), so it is not used"
        ),
    )
}

impl Store {
    /// Checks the store directory; `Ok(false)` if it does not exist yet.
    pub(super) fn check_root(&self) -> Result<bool> {
        let root = self.root();
        // Followed: the store may be a symlink the user made.
        let meta = match std::fs::metadata(root) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(Error::dir_io(root, STORE_SETTING, e)),
        };
        // A file where the store should be is a mistake in the settings
        // (exit 2), not a store to distrust.
        if !meta.is_dir() {
            return Err(Error::not_a_directory(root, STORE_SETTING));
        }
        match distrust(&meta, Kind::Dir) {
            Some(reason) => Err(refuse(root, &reason)),
            None => Ok(true),
        }
    }

    /// `STORE/ORG` once the store directory and it are checked; `None` if
    /// either does not exist yet.
    pub(super) fn checked_org_dir(&self, org: &str) -> Result<Option<PathBuf>> {
        validate_org_name(org)?;
        if !self.check_root()? {
            return Ok(None);
        }
        let org_dir = self.org_dir(org);
        let meta = match std::fs::symlink_metadata(&org_dir) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&org_dir, e)),
        };
        match distrust(&meta, Kind::Dir) {
            Some(reason) => Err(refuse(&org_dir, &reason)),
            None => Ok(Some(org_dir)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn private_entries_of_ours_are_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        chmod(&file, 0o600);
        check_path(dir.path(), Kind::Dir).unwrap();
        check_path(&file, Kind::File).unwrap();
        // Readable by others is fine; writable is not.
        chmod(&file, 0o644);
        assert_eq!(read_file(&file).unwrap(), b"x");
        chmod(dir.path(), 0o755);
        check_path(dir.path(), Kind::Dir).unwrap();
    }

    #[test]
    fn symlinks_wrong_kinds_and_writable_modes_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert_eq!(
            check_path(&link, Kind::File).unwrap_err(),
            "is a symlink; refusing to follow it"
        );
        assert_eq!(
            open_file(&link).unwrap_err(),
            "is a symlink; refusing to follow it"
        );
        assert_eq!(
            check_path(&file, Kind::Dir).unwrap_err(),
            "is not a directory"
        );
        assert_eq!(
            check_path(dir.path(), Kind::File).unwrap_err(),
            "is not a regular file"
        );
        assert!(open_file(dir.path()).is_err());
        chmod(&file, 0o620);
        assert_eq!(
            open_file(&file).unwrap_err(),
            "is writable by group/others (mode 0620)"
        );
        chmod(dir.path(), 0o777);
        assert_eq!(
            check_path(dir.path(), Kind::Dir).unwrap_err(),
            "is writable by group/others (mode 0777)"
        );
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(open_file(&fifo).unwrap_err(), "is not a regular file");
    }

    #[test]
    fn entries_of_another_user_are_refused() {
        if my_uid() != 0 {
            // Only root can give a file away.
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        std::os::unix::fs::chown(&file, Some(65534), None).unwrap();
        assert_eq!(
            open_file(&file).unwrap_err(),
            "is owned by uid 65534, not by you (uid 0)"
        );
    }
}
