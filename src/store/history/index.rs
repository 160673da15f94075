//! The presence index: what the members scan found, kept next to the
//! snapshots so that a report reads one file instead of every
//! `members.parquet` of the history (issue 16).
//!
//! `STORE/ORG/.presence-index` is a cache, never a source:
//!
//! - it names every `members.parquet` it was computed from (snapshot id,
//!   the sha256 and row count its manifest gives), and is used only when
//!   those files are, in order, the first ones of the history being read;
//!   the snapshots after them are scanned and added (the usual cron case:
//!   one new snapshot a day). Anything else (a pruned or damaged snapshot,
//!   another file, another version) and the history is scanned in full;
//! - its first line is the sha256 of the rest, so a damaged index is
//!   noticed and rebuilt, never read;
//! - it is read like every store file (no symlink, the running user's,
//!   writable by them alone), written under a temporary name and renamed
//!   into place (0600), and only ever rewritten with what the snapshots
//!   say; a store it cannot be written to (read-only, full) is scanned;
//! - when the history is read again with every checksum verified (after a
//!   damaged file), the index is not used;
//! - `prune` deletes it with the snapshots it may describe.

use crate::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use polars::prelude::PolarsResult;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::scan::{self, Account};
use crate::store::{trust, write};

/// Name of the index in an org directory (a dot: never a snapshot).
pub const INDEX_FILE: &str = ".presence-index";

/// Prefix of an index being written (a killed writer's is swept with the
/// unfinished snapshots).
pub(in crate::store) const TEMP_FILE_PREFIX: &str = ".tmp-presence-";

/// Layout of the index file; another one is rebuilt.
const VERSION: u32 = 1;

/// One `members.parquet` of the history as its manifest describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Key {
    pub snapshot_id: String,
    pub sha256: String,
    pub rows: u64,
}

/// What the index file holds after its checksum line.
#[derive(Debug, Serialize, Deserialize)]
struct Index {
    version: u32,
    /// The files the accounts were computed from, oldest first.
    files: Vec<Key>,
    /// [`scan::members`] over `files`.
    accounts: Vec<Account>,
}

/// [`scan::members`] over `paths` (described by `keys`), from the index of
/// `org_dir` and a scan of the files after the ones it covers, or from a
/// scan of every file when the index does not cover a prefix of `keys`
/// (or `use_index` is false). The index is then brought up to date.
pub(super) fn members(
    org_dir: &Path,
    keys: &[Key],
    paths: &[PathBuf],
    rows: &[u64],
    use_index: bool,
) -> PolarsResult<Vec<Account>> {
    let cached = use_index.then(|| load(org_dir)).flatten();
    let (accounts, changed) = match cached {
        Some(index) if keys.starts_with(&index.files) => {
            let m = index.files.len();
            tracing::debug!(
                "{}: the presence index covers {m} of {} snapshots",
                org_name(org_dir),
                keys.len()
            );
            if m == keys.len() {
                (index.accounts, false)
            } else {
                let tail = scan::members(&paths[m..], &rows[m..])?;
                (extend(index.accounts, m, tail), true)
            }
        }
        _ => (scan::members(paths, rows)?, true),
    };
    if changed && !keys.is_empty() {
        let index = Index {
            version: VERSION,
            files: keys.to_vec(),
            accounts,
        };
        save(org_dir, &index);
        return Ok(index.accounts);
    }
    Ok(accounts)
}

/// The org an org directory is for, for the log.
fn org_name(org_dir: &Path) -> std::borrow::Cow<'_, str> {
    org_dir.file_name().unwrap_or_default().to_string_lossy()
}

/// The accounts of the first `m` files with those of the files after them
/// (`tail`, positions counted from `m`): runs that meet are joined, names
/// and emails are the tail's (its rows are later).
fn extend(mut accounts: Vec<Account>, m: usize, tail: Vec<Account>) -> Vec<Account> {
    let at: HashMap<String, usize> = accounts
        .iter()
        .enumerate()
        .map(|(k, a)| (a.username.clone(), k))
        .collect();
    for later in tail {
        let mut runs = later.runs.iter().map(|&(a, b)| (a + m, b + m)).peekable();
        match at.get(&later.username) {
            Some(&k) => {
                let account = &mut accounts[k];
                if let (Some(last), Some(&(a, b))) = (account.runs.last_mut(), runs.peek())
                    && last.1 + 1 == a
                {
                    last.1 = b;
                    runs.next();
                }
                account.runs.extend(runs);
                account.fullname = later.fullname;
                account.verified_email = later.verified_email;
            }
            None => accounts.push(Account {
                runs: runs.collect(),
                ..later
            }),
        }
    }
    accounts
}

/// The index of `org_dir`, if there is one that can be trusted to be what
/// this build wrote.
fn load(org_dir: &Path) -> Option<Index> {
    let path = org_dir.join(INDEX_FILE);
    let bytes = match trust::read_file(&path) {
        Ok(bytes) => bytes,
        Err(reason) => {
            if path.symlink_metadata().is_ok() {
                tracing::warn!("{}: {reason}; scanning every snapshot", path.display());
            }
            return None;
        }
    };
    let parsed = parse(&bytes);
    if let Err(reason) = &parsed {
        tracing::warn!("{}: {reason}; scanning every snapshot", path.display());
    }
    parsed.ok()
}

/// An index file's bytes: `sha256:HEX` of the rest, a newline, JSON.
fn parse(bytes: &[u8]) -> Result<Index, String> {
    let newline = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or("no checksum line")?;
    let (head, body) = (&bytes[..newline], &bytes[newline + 1..]);
    let want = head.strip_prefix(b"sha256:").ok_or("no checksum line")?;
    if hex::encode(Sha256::digest(body)).as_bytes() != want {
        return Err("its checksum does not match: damaged".into());
    }
    let index: Index = serde_json::from_slice(body).map_err(|e| format!("unreadable: {e}"))?;
    if index.version != VERSION {
        return Err(format!("version {} is not this build's", index.version));
    }
    Ok(index)
}

/// `index` as an index file's bytes.
fn render(index: &Index) -> Vec<u8> {
    let body = serde_json::to_vec(index).expect("an index serialises");
    let mut out = format!("sha256:{}\n", hex::encode(Sha256::digest(&body))).into_bytes();
    out.extend_from_slice(&body);
    out
}

/// Writes `index` into `org_dir`, under a temporary name first; a store
/// that cannot take it is read without one (logged).
fn save(org_dir: &Path, index: &Index) {
    let started = std::time::Instant::now();
    let path = org_dir.join(INDEX_FILE);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let temp = org_dir.join(format!("{TEMP_FILE_PREFIX}{}-{nanos}", std::process::id()));
    let bytes = render(index);
    let written = write::write_private_file(&temp, |out| out.write_all(&bytes))
        .and_then(|_| std::fs::rename(&temp, &path).map_err(|e| crate::error::Error::io(&path, e)));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        tracing::info!("the presence index was not written: {e}");
    }
    tracing::debug!(
        "{}: presence index written in {} ms",
        org_name(org_dir),
        started.elapsed().as_millis()
    );
}

/// Deletes the index of `org_dir` (it may describe snapshots that are
/// gone); a missing one is fine.
pub(in crate::store) fn remove(org_dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(org_dir.join(INDEX_FILE)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str, runs: &[(usize, usize)]) -> Account {
        Account {
            username: name.into(),
            fullname: Some(format!("{name} {runs:?}")),
            verified_email: None,
            runs: runs.to_vec(),
        }
    }

    #[test]
    fn extend_joins_runs_that_meet_and_adds_new_accounts() {
        let cached = vec![
            account("stays", &[(0, 2)]),
            account("gone", &[(0, 1)]),
            account("back", &[(0, 0)]),
        ];
        let tail = vec![
            account("stays", &[(0, 1)]),
            account("back", &[(1, 1)]),
            account("new", &[(0, 1)]),
        ];
        let out = extend(cached, 3, tail);
        let runs: Vec<(&str, &[(usize, usize)])> = out
            .iter()
            .map(|a| (a.username.as_str(), a.runs.as_slice()))
            .collect();
        assert_eq!(
            runs,
            [
                ("stays", &[(0, 4)][..]),
                ("gone", &[(0, 1)][..]),
                ("back", &[(0, 0), (4, 4)][..]),
                ("new", &[(3, 4)][..]),
            ]
        );
        assert_eq!(out[0].fullname.as_deref(), Some("stays [(0, 1)]"));
        assert_eq!(out[1].fullname.as_deref(), Some("gone [(0, 1)]"));
    }

    #[test]
    fn a_changed_byte_or_another_version_is_refused() {
        let index = Index {
            version: VERSION,
            files: vec![Key {
                snapshot_id: "20261101T000000.000Z".into(),
                sha256: "ab".repeat(32),
                rows: 1,
            }],
            accounts: vec![account("alice", &[(0, 0)])],
        };
        let bytes = render(&index);
        assert_eq!(parse(&bytes).unwrap().accounts, index.accounts);
        let mut flipped = bytes.clone();
        let at = flipped.len() - 10;
        flipped[at] ^= 1;
        assert!(parse(&flipped).unwrap_err().contains("checksum"));
        assert!(parse(b"{}").unwrap_err().contains("checksum line"));
        let other = render(&Index {
            version: VERSION + 1,
            ..index
        });
        assert!(parse(&other).unwrap_err().contains("version"));
    }
}
