//! `repo_access.parquet` written while its rows still arrive.
//!
//! Accepted access requests come one gated repo at a time over most of a
//! snapshot's run, and the table is the last to be complete. Encoding all
//! of it only then put its encoding, compression and fsync on the critical
//! path; instead, rows are pushed (in table order) as their repos come in,
//! a thread encodes every [`ROW_GROUP`] of them as a row group, and
//! finishing only adds the last rows and the footer. Row groups are cut at
//! fixed row counts, so the file does not depend on the order in which
//! responses arrived.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use super::files::write_private_file;
use super::{COMPRESSION, StagedSnapshot};
use crate::error::{Error, Result};
use crate::model::{RepoAccess, Snapshot};
use crate::store::encode;
use crate::store::manifest::FileEntry;
use crate::store::tables::REPO_ACCESS;
use polars::prelude::ParquetWriter;

/// Rows per row group.
const ROW_GROUP: usize = 2048;

enum Message {
    Rows(Vec<RepoAccess>),
    Finish,
}

/// Writes `repo_access.parquet` of a staged snapshot from rows pushed in
/// table order. Dropped unfinished (the collector failed, or turned out
/// unavailable), it stops and removes the file.
pub struct RepoAccessWriter {
    staged: StagedSnapshot,
    path: PathBuf,
    send: Option<Sender<Message>>,
    thread: Option<JoinHandle<Result<(usize, FileEntry)>>>,
}

impl StagedSnapshot {
    /// Starts writing the snapshot's `repo_access.parquet`.
    pub fn repo_access_writer(&self) -> Result<RepoAccessWriter> {
        let s = &*self.0;
        let path = s.temp_dir.join(REPO_ACCESS.file);
        let (send, recv) = channel();
        let (org, id, file) = (s.org.clone(), s.id.clone(), path.clone());
        let thread = std::thread::Builder::new()
            .name("repo-access-writer".into())
            .spawn(move || write_rows(&file, &org, &id, recv))
            .map_err(|e| Error::io(&path, e))?;
        Ok(RepoAccessWriter {
            staged: self.clone(),
            path,
            send: Some(send),
            thread: Some(thread),
        })
    }
}

impl RepoAccessWriter {
    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next rows of the table (copied; encoding happens elsewhere).
    pub fn push(&self, rows: &[RepoAccess]) {
        if let Some(send) = &self.send {
            // A closed channel means the writer failed: `finish` says so.
            let _ = send.send(Message::Rows(rows.to_vec()));
        }
    }

    /// Writes the last rows and the footer, fsyncs the file and stages it
    /// with the number of rows pushed. Blocks.
    pub fn finish(mut self) -> Result<()> {
        if let Some(send) = self.send.take() {
            let _ = send.send(Message::Finish);
        }
        let (rows, entry) = self.join()?;
        self.staged
            .0
            .written
            .lock()
            .expect("staged files lock")
            .insert(REPO_ACCESS.file, (rows, entry));
        Ok(())
    }

    fn join(&mut self) -> Result<(usize, FileEntry)> {
        let thread = self.thread.take().expect("joined once");
        thread
            .join()
            .unwrap_or_else(|_| Err(Error::store(&self.path, "the table writer panicked")))
    }
}

impl Drop for RepoAccessWriter {
    fn drop(&mut self) {
        if self.thread.is_some() {
            // Closing the channel without `Finish` makes the thread stop.
            self.send.take();
            let _ = self.join();
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The writer thread: row groups as rows come, the rest on `Finish`; an
/// error if the channel closes first.
fn write_rows(
    path: &Path,
    org: &str,
    id: &str,
    recv: Receiver<Message>,
) -> Result<(usize, FileEntry)> {
    let mut written = 0;
    let entry = write_private_file(path, |out| {
        let table = |rows: Vec<RepoAccess>| {
            let part = Snapshot {
                org: org.to_string(),
                repo_access: rows,
                ..Snapshot::default()
            };
            encode::encode(&REPO_ACCESS, &part, id).map_err(io::Error::other)
        };
        let schema = table(Vec::new())?.schema().as_ref().clone();
        let mut writer = ParquetWriter::new(out)
            .with_compression(COMPRESSION)
            .batched(&schema)
            .map_err(io::Error::other)?;
        let mut pending: Vec<RepoAccess> = Vec::new();
        let mut finished = false;
        for message in recv {
            match message {
                Message::Rows(rows) => {
                    pending.extend(rows);
                    while pending.len() >= ROW_GROUP {
                        let rest = pending.split_off(ROW_GROUP);
                        let group = std::mem::replace(&mut pending, rest);
                        written += group.len();
                        writer
                            .write_batch(&table(group)?)
                            .map_err(io::Error::other)?;
                    }
                }
                Message::Finish => {
                    finished = true;
                    break;
                }
            }
        }
        if !finished {
            return Err(io::Error::other("abandoned before the last rows"));
        }
        if !pending.is_empty() {
            written += pending.len();
            writer
                .write_batch(&table(pending)?)
                .map_err(io::Error::other)?;
        }
        writer.finish().map(drop).map_err(io::Error::other)
    })?;
    Ok((written, entry))
}
