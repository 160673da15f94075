//! Publishing a snapshot atomically.
//!
//! Everything is written under `STORE/ORG/.tmp-ID-PID/` (files 0600, created
//! with that mode, each fsynced), `manifest.json` last with the sha256 and
//! size of every data file; the directory is fsynced, renamed to
//! `STORE/ORG/ID/`, and the org directory fsynced. Until the rename nothing
//! is visible to readers; on any error the partial directory is removed,
//! manifest first, so what remains can never look complete.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use polars::prelude::{ParquetCompression, ParquetWriter};
use sha2::{Digest, Sha256};

use super::manifest::{FileEntry, Manifest};
use super::tables::{self, Table};
use super::{MANIFEST_FILE, OrgLock, SCHEMA_VERSION, Store, TEMP_PREFIX, encode, snapshot_id};
use crate::error::{Error, Result};
use crate::model::Snapshot;

/// zstd: polars' default, compact, and read by DuckDB, Spark and pyarrow.
const COMPRESSION: ParquetCompression = ParquetCompression::Zstd(None);

impl Store {
    /// Writes `snap` as a new snapshot of its org and publishes it
    /// atomically (see the module docs). Fails with [`Error::Store`] if a
    /// snapshot with the same id (same `taken_at` millisecond) exists; the
    /// existing one is left untouched. Row timestamps are stored to the
    /// millisecond (the Hub's precision); `taken_at` is kept exactly.
    pub fn write_snapshot(
        &self,
        lock: &OrgLock,
        snap: &Snapshot,
        tool_version: &str,
    ) -> Result<Manifest> {
        super::validate_org_name(&snap.org)?;
        let org_dir = self.locked_org_dir(lock, &snap.org)?;
        refuse_dropped_rows(snap, &org_dir)?;

        let id = snapshot_id(snap.taken_at);
        let final_dir = org_dir.join(&id);
        refuse_existing(&final_dir)?;

        let temp_dir = org_dir.join(format!("{TEMP_PREFIX}{id}-{}", std::process::id()));
        let mut unpublished = Unpublished::create(temp_dir.clone())?;

        // Tables are encoded, written and fsynced in parallel: a snapshot is
        // published sooner, and the fsyncs overlap.
        let wanted: Vec<&'static Table> = tables::ALL
            .iter()
            .copied()
            .filter(|t| snap.collector(t.collector).is_some_and(|s| s.is_ok()))
            .collect();
        let written: Vec<Result<(&'static Table, PathBuf, FileEntry)>> =
            std::thread::scope(|scope| {
                let handles: Vec<_> = wanted
                    .iter()
                    .map(|&table| {
                        let path = temp_dir.join(table.file);
                        let id = id.as_str();
                        scope.spawn(move || {
                            write_table(table, snap, id, &path).map(|e| (table, path, e))
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(Error::store(&temp_dir, "a table writer panicked"))
                        })
                    })
                    .collect()
            });
        let mut files = BTreeMap::new();
        for result in written {
            let (table, path, entry) = result?;
            files.insert(table.file.to_string(), entry);
            fail_point("data_file", &path)?;
        }

        let manifest = Manifest {
            schema_version: SCHEMA_VERSION,
            org: snap.org.clone(),
            snapshot_id: id.clone(),
            taken_at: snap.taken_at,
            tool_version: tool_version.to_string(),
            endpoint: snap.endpoint.clone(),
            plan: snap.plan.clone(),
            collectors: snap.collectors.clone(),
            gated_repos: snap.gated_repos.clone(),
            files,
        };
        let manifest_path = temp_dir.join(MANIFEST_FILE);
        let mut json = serde_json::to_vec_pretty(&manifest)
            .map_err(|e| Error::store(&manifest_path, e.to_string()))?;
        json.push(b'\n');
        write_private_file(&manifest_path, |out| out.write_all(&json))?;
        sync_dir(&temp_dir)?;
        fail_point("before_rename", &temp_dir)?;

        refuse_existing(&final_dir)?;
        std::fs::rename(&temp_dir, &final_dir).map_err(|e| Error::io(&final_dir, e))?;
        unpublished.path = final_dir;
        fail_point("after_rename", &org_dir)?;
        // (The org directory's own entry was made durable by `lock_org`.)
        sync_dir(&org_dir)?;
        unpublished.published();
        tracing::debug!(org = %snap.org, id = %id, "snapshot written");
        Ok(manifest)
    }
}

/// Encodes one table and writes it as a private, fsynced Parquet file.
fn write_table(table: &'static Table, snap: &Snapshot, id: &str, path: &Path) -> Result<FileEntry> {
    let mut df = encode::encode(table, snap, id)
        .map_err(|e| Error::store(path, format!("cannot build the table: {e}")))?;
    write_private_file(path, |out| {
        ParquetWriter::new(out)
            .with_compression(COMPRESSION)
            .finish(&mut df)
            .map(drop)
            .map_err(io::Error::other)
    })
}

/// Rows are only stored for collectors that ran; rows under a collector
/// marked unavailable would be silently lost, so that is refused.
fn refuse_dropped_rows(snap: &Snapshot, org_dir: &Path) -> Result<()> {
    for table in tables::ALL {
        let rows = rows_of(table, snap);
        if rows > 0 && !snap.collector(table.collector).is_some_and(|s| s.is_ok()) {
            return Err(Error::store(
                org_dir,
                format!(
                    "{rows} row(s) for {} but the {} collector is not ok; refusing to drop them",
                    table.file, table.collector
                ),
            ));
        }
    }
    Ok(())
}

fn rows_of(table: &Table, snap: &Snapshot) -> usize {
    match table.file {
        f if f == tables::MEMBERS.file => snap.members.len(),
        f if f == tables::INVITES.file => snap.invites.len(),
        f if f == tables::RESOURCE_GROUPS.file => snap.groups.len(),
        f if f == tables::GROUP_MEMBERS.file => snap.group_members.len(),
        f if f == tables::REPO_ACCESS.file => snap.repo_access.len(),
        f if f == tables::EVENTS.file => snap.events.len(),
        _ => 0,
    }
}

fn refuse_existing(final_dir: &Path) -> Result<()> {
    match std::fs::symlink_metadata(final_dir) {
        Ok(_) => Err(Error::store(
            final_dir,
            "a snapshot with this id already exists; not overwriting it",
        )),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(final_dir, e)),
    }
}

/// A snapshot directory that is not (yet) durably published: removed on
/// drop unless [`Unpublished::published`] was called.
struct Unpublished {
    path: PathBuf,
    armed: bool,
}

impl Unpublished {
    fn create(path: PathBuf) -> Result<Unpublished> {
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

    fn published(mut self) {
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

/// Creates `path` (which must not exist) with mode 0600, lets `fill` write
/// it, fsyncs it, and returns the sha256 and size of what was written.
fn write_private_file(
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
struct HashingWriter<W> {
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

pub(super) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

#[cfg(not(test))]
fn fail_point(_name: &'static str, _path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
thread_local! {
    /// The step at which the next write on this thread fails (tests only).
    pub(crate) static FAIL_AT: std::cell::Cell<Option<&'static str>> =
        const { std::cell::Cell::new(None) };
}

#[cfg(test)]
fn fail_point(name: &'static str, path: &Path) -> Result<()> {
    if FAIL_AT.with(|f| f.get()) == Some(name) {
        return Err(Error::io(
            path,
            io::Error::other(format!("injected failure at {name}")),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
