//! The files of a snapshot being written: private, fsynced, hashed as they
//! are written, and removed manifest first when the snapshot is abandoned.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::super::MANIFEST_FILE;
use super::super::manifest::FileEntry;
use crate::error::{Error, Result};

/// A snapshot directory that is not (yet) durably published: removed on
/// drop unless [`Unpublished::published`] was called.
pub(super) struct Unpublished {
    pub(super) path: PathBuf,
    armed: bool,
}

impl Unpublished {
    pub(super) fn create(path: PathBuf) -> Result<Unpublished> {
        let mkdir = || std::fs::DirBuilder::new().mode(0o700).create(&path);
        match mkdir() {
            Ok(()) => {}
            // Left by an earlier run of this same pid (pids are reused).
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                remove_incomplete(&path).map_err(|e| Error::io(&path, e))?;
                mkdir().map_err(|e| Error::io(&path, e))?;
            }
            Err(e) => return Err(Error::io(&path, e)),
        }
        Ok(Unpublished { path, armed: true })
    }

    pub(super) fn published(&mut self) {
        self.armed = false;
    }
}

impl Drop for Unpublished {
    fn drop(&mut self) {
        if self.armed
            && let Err(e) = remove_incomplete(&self.path)
        {
            tracing::warn!(path = %self.path.display(), "could not remove an unfinished snapshot: {e}");
        }
    }
}

/// Removes a snapshot directory so that it never looks complete meanwhile:
/// `manifest.json` goes first.
pub(crate) fn remove_incomplete(dir: &Path) -> io::Result<()> {
    match std::fs::remove_file(dir.join(MANIFEST_FILE)) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Creates `path` (which must not exist, not even as a symlink: `O_EXCL`)
/// with mode 0600, lets `fill` write it, fsyncs it, and returns the sha256
/// and size of what was written.
pub(in crate::store) fn write_private_file(
    path: &Path,
    fill: impl FnOnce(&mut HashingWriter<BufWriter<File>>) -> io::Result<()>,
) -> Result<FileEntry> {
    let io_err = |e| Error::io(path, e);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err)?;
    let mut out = HashingWriter {
        inner: BufWriter::with_capacity(256 * 1024, file),
        hasher: Sha256::new(),
        bytes: 0,
    };
    fill(&mut out).map_err(io_err)?;
    let HashingWriter {
        inner,
        hasher,
        bytes,
    } = out;
    let file = inner.into_inner().map_err(|e| io_err(e.into_error()))?;
    file.sync_all().map_err(io_err)?;
    Ok(FileEntry {
        sha256: hex::encode(hasher.finalize()),
        bytes,
    })
}

/// Passes writes through while hashing exactly the bytes accepted.
pub(in crate::store) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}
