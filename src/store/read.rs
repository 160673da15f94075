//! Reading the store: listing orgs and snapshots, loading one snapshot after
//! verifying its checksums, finding the latest usable one, and scanning a
//! table across the whole history with polars' lazy API.
//!
//! Directories without `manifest.json` (including `.tmp-*`) were never
//! published and are skipped silently; a published snapshot that fails
//! verification, or that another user could have written (see `trust`), is
//! reported, never silently trusted. A snapshot deleted since it was listed
//! (`hfaudit prune` does not wait for readers) is skipped with a log line;
//! when that was the newest, the latest is looked up again.

use crate::collections::{HashSet, HashSetExt};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;
use polars_buffer::Buffer;

use super::manifest::Manifest;
use super::tables::{self, Table};
use super::trust::{self, Kind};
use super::{Listed, MANIFEST_FILE, Store, decode, validate_org_name, validate_snapshot_id};
use crate::error::{Error, Result};
use crate::model::Snapshot;

impl Store {
    /// Org directories of the store, sorted; empty if the store does not
    /// exist yet. [`Error::Store`] if the store directory is not this
    /// user's or is writable by group/others.
    pub fn orgs(&self) -> Result<Vec<String>> {
        if !self.check_root()? {
            return Ok(Vec::new());
        }
        let mut orgs: Vec<String> = read_dir_names(&self.root)?
            .into_iter()
            .filter(|name| validate_org_name(name).is_ok() && self.root.join(name).is_dir())
            .collect();
        orgs.sort();
        Ok(orgs)
    }

    /// Every published snapshot of `org`, oldest first, each either verified
    /// complete or damaged with the reason (naming the file at fault).
    /// [`Error::Store`] if the store or org directory is not this user's or
    /// is writable by group/others.
    pub fn list(&self, org: &str) -> Result<Vec<Listed>> {
        let Some(org_dir) = self.checked_org_dir(org)? else {
            return Ok(Vec::new());
        };
        let mut listed = Vec::new();
        for id in published_ids(&org_dir)? {
            let dir = org_dir.join(&id);
            match read_manifest(&org_dir, org, &id).and_then(|m| verify(&m, &dir).map(|()| m)) {
                Ok(manifest) => listed.push(Listed::Complete(manifest)),
                Err(_) if trust::vanished(&org_dir, &id) => skip_vanished(org, &id),
                Err(reason) => listed.push(Listed::Damaged { id, reason }),
            }
        }
        Ok(listed)
    }

    /// Loads snapshot `id` of `org` after verifying every checksum.
    /// [`Error::Store`] names the damaged file; [`Error::Usage`] if there is
    /// no such snapshot.
    pub fn load(&self, org: &str, id: &str) -> Result<Snapshot> {
        validate_org_name(org)?;
        validate_snapshot_id(id)?;
        let dir = self.snapshot_dir(org, id);
        let org_dir = self.checked_org_dir(org)?;
        if org_dir.is_none() || std::fs::symlink_metadata(&dir).is_err() {
            return Err(Error::Usage(format!(
                "{org}: no snapshot {id} in {}",
                self.org_dir(org).display()
            )));
        }
        load_dir(&dir, org, id, Events::Load)
    }

    /// The newest complete, valid snapshot of `org`, or `None`. Damaged
    /// snapshots are skipped with a warning naming the file.
    pub fn latest(&self, org: &str) -> Result<Option<Snapshot>> {
        self.latest_with(org, Events::Load)
    }

    /// [`Self::latest`] without decoding the audit-log rows (`events` is
    /// left empty; the file is still verified): the report reads the audit
    /// log of the whole history instead, and 100,000 rows take a while.
    pub fn latest_without_events(&self, org: &str) -> Result<Option<Snapshot>> {
        self.latest_with(org, Events::Skip)
    }

    fn latest_with(&self, org: &str, events: Events) -> Result<Option<Snapshot>> {
        let Some(org_dir) = self.checked_org_dir(org)? else {
            return Ok(None);
        };
        let mut damaged = HashSet::new();
        let mut relisted = 0;
        'listing: loop {
            for id in published_ids(&org_dir)?.into_iter().rev() {
                if damaged.contains(&id) {
                    continue;
                }
                match load_dir(&org_dir.join(&id), org, &id, events) {
                    Ok(snap) => return Ok(Some(snap)),
                    Err(_) if trust::vanished(&org_dir, &id) => {
                        skip_vanished(org, &id);
                        // Newer snapshots may have been published since
                        // the listing: look the latest up again.
                        if relisted < RELISTS {
                            relisted += 1;
                            continue 'listing;
                        }
                    }
                    Err(e) => {
                        tracing::warn!("skipping damaged snapshot: {e}");
                        damaged.insert(id);
                    }
                }
            }
            return Ok(None);
        }
    }
}

/// How often a read starts again because snapshots were deleted while it
/// ran (each time, at least one was): `prune` deletes a few per second.
pub(super) const RELISTS: usize = 20;

/// Logs that snapshot `id` of `org` was deleted while it was being read.
pub(super) fn skip_vanished(org: &str, id: &str) {
    tracing::info!("{org}/{id}: deleted while being read (by `hfaudit prune`?); skipped");
}

/// Reads the manifest of snapshot `id` once its directory is checked
/// (not a symlink, this user's, not writable by others). The error is a
/// reason naming what is at fault.
pub(super) fn read_manifest(org_dir: &Path, org: &str, id: &str) -> Result<Manifest, String> {
    let dir = org_dir.join(id);
    trust::check_path(&dir, Kind::Dir)
        .map_err(|reason| format!("the snapshot directory {reason}"))?;
    Manifest::read(&dir, org, id)
}

/// A test's callback at the [`hook`] points of a read.
#[cfg(test)]
type Hook = Box<dyn FnMut(&str)>;

#[cfg(test)]
thread_local! {
    /// Run at named points of a read on this thread (tests only), e.g. to
    /// delete a snapshot between listing and reading it.
    pub(crate) static HOOK: std::cell::RefCell<Option<Hook>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` at every [`hook`] point of this thread until [`clear_hook`].
#[cfg(test)]
pub(crate) fn set_hook(f: impl FnMut(&str) + 'static) {
    HOOK.with(|h| *h.borrow_mut() = Some(Box::new(f)));
}

#[cfg(test)]
pub(crate) fn clear_hook() {
    HOOK.with(|h| *h.borrow_mut() = None);
}

/// A point where tests may change the store under a reader.
pub(super) fn hook(point: &str) {
    #[cfg(test)]
    {
        // Taken out while it runs, so that it may read the store itself.
        if let Some(mut f) = HOOK.with(|h| h.borrow_mut().take()) {
            f(point);
            HOOK.with(|h| {
                h.borrow_mut().get_or_insert(f);
            });
        }
    }
    #[cfg(not(test))]
    let _ = point;
}

/// One lazy scan over many Parquet files of the same table.
pub(super) fn scan_files(paths: &[PathBuf]) -> PolarsResult<LazyFrame> {
    let sources = paths
        .iter()
        .map(|p| PlRefPath::try_from_path(p))
        .collect::<PolarsResult<Vec<_>>>()?;
    let args = ScanArgsParquet {
        // Paths are literal: a store under a directory named `[x]` must work.
        glob: false,
        ..ScanArgsParquet::default()
    };
    LazyFrame::scan_parquet_files(sources.into(), args)
}

/// Parquet files of the same table read into memory, for scans of many
/// small files (one per snapshot): scanning paths maps and unmaps every
/// file on every scan, which costs more than decoding them. (Large files,
/// such as the audit-log exports, are better scanned by path: polars then
/// reads only what a query needs.)
#[derive(Clone)]
pub(super) struct Loaded(Arc<[Buffer<u8>]>);

impl Loaded {
    /// Reads `paths` with plain reads, on every core.
    pub(super) fn read(paths: &[PathBuf]) -> PolarsResult<Loaded> {
        let read = |part: &[PathBuf]| -> PolarsResult<Vec<Vec<u8>>> {
            part.iter()
                .map(|p| {
                    trust::read_file(p)
                        .map_err(|e| polars_err!(ComputeError: "{}: {e}", p.display()))
                })
                .collect()
        };
        let mut files = Vec::with_capacity(paths.len());
        for part in in_parallel(paths, |_, part| read(part)) {
            files.extend(part?.into_iter().map(Buffer::from_vec));
        }
        Ok(Loaded(files.into()))
    }

    /// The bytes of each file, in order.
    pub(super) fn files(&self) -> Vec<&[u8]> {
        self.0.iter().map(|b| &b[..]).collect()
    }

    /// The files at `positions`.
    pub(super) fn some(&self, positions: impl IntoIterator<Item = usize>) -> Loaded {
        Loaded(positions.into_iter().map(|i| self.0[i].clone()).collect())
    }

    /// One lazy scan over the files, in order.
    pub(super) fn scan(&self) -> PolarsResult<LazyFrame> {
        let args = ScanArgsParquet {
            hive_options: HiveOptions::new_disabled(),
            ..ScanArgsParquet::default()
        };
        LazyFrame::scan_parquet_sources(ScanSources::Buffers(self.0.clone()), args)
    }
}

/// `work(first, part)` over contiguous parts of `items`, one per core
/// (`first` is the position of `part[0]`), results in order: how the
/// store reads and tallies many small files at once. A panic in `work` is
/// the caller's.
pub(super) fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(usize, &[T]) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let per = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per)
            .enumerate()
            .map(|(i, part)| {
                let work = &work;
                scope.spawn(move || work(i * per, part))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Names of the published snapshot directories of an org (those with a
/// manifest), sorted (= oldest first). Empty if the org has none.
pub(super) fn published_ids(org_dir: &Path) -> Result<Vec<String>> {
    let mut ids: Vec<String> = read_dir_names(org_dir)?
        .into_iter()
        .filter(|name| {
            // Whatever it is: a symlinked manifest is damage to name.
            !name.starts_with('.')
                && std::fs::symlink_metadata(org_dir.join(name).join(MANIFEST_FILE)).is_ok()
        })
        .collect();
    ids.sort();
    hook("listed");
    Ok(ids)
}

/// UTF-8 entry names of `dir`; empty if it does not exist.
fn read_dir_names(dir: &Path) -> Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if let Ok(name) = entry.file_name().into_string() {
            names.push(name);
        }
    }
    Ok(names)
}

/// The tables a manifest promises, i.e. those of its `ok` collectors.
fn promised_tables(manifest: &Manifest) -> impl Iterator<Item = &'static Table> + '_ {
    tables::ALL.into_iter().filter(|table| {
        manifest
            .collector(table.collector)
            .is_some_and(|status| status.is_ok())
    })
}

/// Every promised table is listed, and every listed file matches.
fn verify(manifest: &Manifest, dir: &Path) -> Result<(), String> {
    for table in promised_tables(manifest) {
        if !manifest.files.contains_key(table.file) {
            return Err(format!(
                "{}: the {} collector is ok but {MANIFEST_FILE} does not list this file",
                table.file, table.collector
            ));
        }
    }
    // Sizes first: a file swapped for a device or a huge file is refused
    // without being read.
    for (name, entry) in &manifest.files {
        match trust::check_path(&dir.join(name), Kind::File) {
            Ok(meta) if meta.len() == entry.bytes => {}
            Ok(meta) => {
                return Err(format!(
                    "{name}: not a regular file of {} bytes as the manifest says ({} bytes)",
                    entry.bytes,
                    meta.len()
                ));
            }
            Err(reason) => return Err(format!("{name}: {reason}")),
        }
    }
    manifest.verify_files(dir)
}

/// Whether [`load_dir`] decodes `events.parquet` or only verifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Events {
    Load,
    Skip,
}

fn load_dir(dir: &Path, org: &str, id: &str, events: Events) -> Result<Snapshot> {
    let org_dir = dir.parent().unwrap_or(dir);
    let manifest = read_manifest(org_dir, org, id).map_err(|reason| Error::store(dir, reason))?;
    for table in promised_tables(&manifest) {
        if !manifest.files.contains_key(table.file) {
            return Err(Error::store(
                dir.join(table.file),
                format!(
                    "the {} collector is ok but {MANIFEST_FILE} does not list this file",
                    table.collector
                ),
            ));
        }
    }
    // Files the manifest lists that this version does not read are still
    // checked: a damaged snapshot is damaged as a whole.
    for (name, entry) in &manifest.files {
        if !tables::ALL.iter().any(|t| t.file == name) {
            let path = dir.join(name);
            let bytes = read_sized(&path, entry)?;
            entry
                .verify(&bytes)
                .map_err(|reason| Error::store(&path, reason))?;
        }
    }

    let mut snap = Snapshot {
        org: manifest.org.clone(),
        taken_at: manifest.taken_at,
        endpoint: manifest.endpoint.clone(),
        plan: manifest.plan.clone(),
        gated_repos: manifest.gated_repos.clone(),
        collectors: manifest.collectors.clone(),
        ..Snapshot::default()
    };
    for table in promised_tables(&manifest) {
        let path = dir.join(table.file);
        let entry = &manifest.files[table.file];
        if table.file == tables::EVENTS.file && events == Events::Skip {
            let bytes = read_sized(&path, entry)?;
            entry
                .verify(&bytes)
                .map_err(|reason| Error::store(&path, reason))?;
            continue;
        }
        let df = read_verified(&path, entry)?;
        let decoded = match table.file {
            f if f == tables::MEMBERS.file => decode::members(&df).map(|v| snap.members = v),
            f if f == tables::INVITES.file => decode::invites(&df).map(|v| snap.invites = v),
            f if f == tables::RESOURCE_GROUPS.file => {
                decode::resource_groups(&df).map(|v| snap.groups = v)
            }
            f if f == tables::GROUP_MEMBERS.file => {
                decode::group_members(&df).map(|v| snap.group_members = v)
            }
            f if f == tables::REPO_ACCESS.file => {
                decode::repo_access(&df).map(|v| snap.repo_access = v)
            }
            f if f == tables::EVENTS.file => decode::events(&df).map(|v| snap.events = v),
            f if f == tables::TOKENS.file => decode::tokens(&df).map(|v| snap.tokens = v),
            f if f == tables::SERVICE_ACCOUNTS.file => {
                decode::service_accounts(&df).map(|v| snap.service_accounts = v)
            }
            _ => Ok(()),
        };
        decoded.map_err(|reason| Error::store(&path, reason))?;
    }
    Ok(snap)
}

/// Reads a data file once, checks it against its manifest entry, and parses
/// those same bytes (no window for the file to change in between).
fn read_verified(path: &Path, entry: &super::FileEntry) -> Result<DataFrame> {
    let bytes = read_sized(path, entry)?;
    entry
        .verify(&bytes)
        .map_err(|reason| Error::store(path, reason))?;
    ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| Error::store(path, format!("not a readable Parquet file: {e}")))
}

/// A regular file's bytes, if its size is the manifest's: a file replaced
/// by a huge one, a directory, a device or a symlink is refused before it
/// is read, and so is a file of another user's or writable by others.
fn read_sized(path: &Path, entry: &super::FileEntry) -> Result<Vec<u8>> {
    let (file, meta) = trust::open_file(path).map_err(|reason| Error::store(path, reason))?;
    if meta.len() != entry.bytes {
        return Err(Error::store(
            path,
            format!(
                "not a regular file of {} bytes as the manifest says ({} bytes)",
                entry.bytes,
                meta.len()
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(entry.bytes).unwrap_or(0));
    // No more than the manifest's size, even if the file grows meanwhile.
    file.take(entry.bytes)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::store(path, e.to_string()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests;
