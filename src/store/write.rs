//! Publishing a snapshot atomically.
//!
//! Everything is written under `STORE/ORG/.tmp-ID-PID/` (files 0600, created
//! with that mode, each fsynced), `manifest.json` last with the sha256 and
//! size of every data file; the directory is fsynced, renamed to
//! `STORE/ORG/ID/`, and the org directory fsynced. Until the rename nothing
//! is visible to readers; on any error the partial directory is removed,
//! manifest first, so what remains can never look complete.
//!
//! A snapshot can be written in one go ([`Store::write_snapshot`]) or staged
//! ([`Store::stage_snapshot`]): then each collector's tables are written as
//! soon as that collector finished, while the others still fetch, and
//! [`Store::publish_snapshot`] only adds what is left, the manifest and the
//! rename.

mod files;
mod stream;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use polars::prelude::{ParquetCompression, ParquetWriter};

use files::Unpublished;
pub(super) use files::write_private_file;
pub(crate) use files::{remove_incomplete, sync_dir};
pub use stream::RepoAccessWriter;

use super::manifest::{FileEntry, Manifest};
use super::tables::{self, Table};
use super::{MANIFEST_FILE, OrgLock, SCHEMA_VERSION, Store, TEMP_PREFIX, encode, snapshot_id};
use crate::error::{Error, Result};
use crate::model::{Collector, Snapshot};

/// zstd: polars' default, compact, and read by DuckDB, Spark and pyarrow.
const COMPRESSION: ParquetCompression = ParquetCompression::Zstd(None);

/// A snapshot being written and not yet visible. Clones share it, so tables
/// can be written from other threads; dropped unpublished (every clone),
/// it removes what was written.
#[derive(Clone)]
pub struct StagedSnapshot(Arc<Staged>);

struct Staged {
    org: String,
    id: String,
    org_dir: PathBuf,
    temp_dir: PathBuf,
    /// File name → rows written and the file's entry, per table written.
    written: Mutex<BTreeMap<&'static str, (usize, FileEntry)>>,
    dir: Mutex<Unpublished>,
}

impl std::fmt::Debug for StagedSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedSnapshot")
            .field("dir", &self.0.temp_dir)
            .finish_non_exhaustive()
    }
}

impl StagedSnapshot {
    /// The directory being written (not a snapshot until published).
    pub fn dir(&self) -> &Path {
        &self.0.temp_dir
    }

    /// Encodes and writes every table of `collector` from `part`'s rows
    /// (the other fields of `part` are ignored). Blocks; call it only for a
    /// collector that finished `ok`, and at most once per collector.
    pub fn write_tables(&self, collector: Collector, part: &Snapshot) -> Result<()> {
        let s = &*self.0;
        if part.org != s.org {
            return Err(Error::store(
                &s.temp_dir,
                format!("rows of org {:?} in a snapshot of {:?}", part.org, s.org),
            ));
        }
        for &table in tables::ALL.iter().filter(|t| t.collector == collector) {
            let path = s.temp_dir.join(table.file);
            let entry = write_table(table, part, &s.id, &path)?;
            s.written
                .lock()
                .expect("staged files lock")
                .insert(table.file, (rows_of(table, part), entry));
        }
        Ok(())
    }
}

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
        let staged = self.stage_snapshot(lock, &snap.org, snap.taken_at)?;
        self.publish_snapshot(lock, staged, snap, tool_version)
    }

    /// Starts the snapshot of `org` taken at `taken_at`: creates its
    /// temporary directory, refusing an id that is already published.
    pub fn stage_snapshot(
        &self,
        lock: &OrgLock,
        org: &str,
        taken_at: DateTime<Utc>,
    ) -> Result<StagedSnapshot> {
        super::validate_org_name(org)?;
        let org_dir = self.locked_org_dir(lock, org)?;
        let id = snapshot_id(taken_at);
        refuse_existing(&org_dir.join(&id))?;
        let temp_dir = org_dir.join(format!("{TEMP_PREFIX}{id}-{}", std::process::id()));
        let dir = Unpublished::create(temp_dir.clone())?;
        Ok(StagedSnapshot(Arc::new(Staged {
            org: org.to_string(),
            id,
            org_dir,
            temp_dir,
            written: Mutex::new(BTreeMap::new()),
            dir: Mutex::new(dir),
        })))
    }

    /// Writes the tables of `snap` not staged yet, checks the staged ones
    /// hold `snap`'s rows, then the manifest, and publishes the snapshot
    /// atomically. No clone of `staged` may be in use any more.
    pub fn publish_snapshot(
        &self,
        lock: &OrgLock,
        staged: StagedSnapshot,
        snap: &Snapshot,
        tool_version: &str,
    ) -> Result<Manifest> {
        let org_dir = self.locked_org_dir(lock, &snap.org)?;
        let staged = Arc::try_unwrap(staged.0).map_err(|s| {
            Error::store(
                &s.temp_dir,
                "tables are still being written; cannot publish",
            )
        })?;
        let id = staged.id.clone();
        let temp_dir = staged.temp_dir.clone();
        if staged.org != snap.org || org_dir != staged.org_dir || snapshot_id(snap.taken_at) != id {
            return Err(Error::store(
                &temp_dir,
                format!("staged as {}/{id}, not {}", staged.org, snap.org),
            ));
        }
        refuse_dropped_rows(snap, &org_dir)?;
        let final_dir = org_dir.join(&id);
        refuse_existing(&final_dir)?;

        let mut written = std::mem::take(&mut *staged.written.lock().expect("staged files lock"));
        // Tables not staged yet are encoded, written and fsynced in
        // parallel: the fsyncs overlap.
        let wanted: Vec<&'static Table> = tables::ALL
            .iter()
            .copied()
            .filter(|t| snap.collector(t.collector).is_some_and(|s| s.is_ok()))
            .collect();
        let missing: Vec<&'static Table> = wanted
            .iter()
            .copied()
            .filter(|t| !written.contains_key(t.file))
            .collect();
        let results: Vec<Result<(&'static Table, FileEntry)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = missing
                .iter()
                .map(|&table| {
                    let path = temp_dir.join(table.file);
                    let id = id.as_str();
                    scope.spawn(move || write_table(table, snap, id, &path).map(|e| (table, e)))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(Error::store(&temp_dir, "a table writer panicked")))
                })
                .collect()
        });
        for result in results {
            let (table, entry) = result?;
            written.insert(table.file, (rows_of(table, snap), entry));
        }

        let mut files = BTreeMap::new();
        for (file, (rows, entry)) in written {
            let Some(table) = wanted.iter().find(|t| t.file == file) else {
                return Err(Error::store(
                    temp_dir.join(file),
                    "written for a collector that is not ok; refusing to publish it",
                ));
            };
            let expected = rows_of(table, snap);
            if rows != expected {
                return Err(Error::store(
                    temp_dir.join(file),
                    format!("staged with {rows} row(s), but the snapshot has {expected}"),
                ));
            }
            crate::fault::point("data_file", &temp_dir.join(file))?;
            files.insert(file.to_string(), entry);
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
        crate::fault::point("before_rename", &temp_dir)?;

        let mut unpublished = staged.dir.lock().expect("staged dir lock");
        refuse_existing(&final_dir)?;
        std::fs::rename(&temp_dir, &final_dir).map_err(|e| Error::io(&final_dir, e))?;
        unpublished.path = final_dir;
        crate::fault::point("after_rename", &org_dir)?;
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
        f if f == tables::TOKENS.file => snap.tokens.len(),
        f if f == tables::SERVICE_ACCOUNTS.file => snap.service_accounts.len(),
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

#[cfg(test)]
mod tests;
