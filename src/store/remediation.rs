//! `STORE/ORG/_remediation.jsonl`: what `hfaudit apply` did, one JSON line
//! per call and outcome, appended and fsynced before the next call (mode
//! 0600, never through a symlink). A run that was stopped leaves the calls
//! it made; a re-run of the same plan (same sha256) reads them back and
//! goes on after them.
//!
//! The log is a record, not a source of truth: a step the log says is done
//! is not sent again, and the snapshot `apply` takes at the end shows
//! whether each finding is closed, whatever the log says.

use std::fs::OpenOptions;
use std::io::{BufRead, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, trust};
use crate::error::{Error, Result};

/// The log's name inside `STORE/ORG/`.
pub const REMEDIATION_LOG: &str = "_remediation.jsonl";

/// What became of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// About to be sent (a line without a later outcome: the run stopped).
    Started,
    Done,
    /// The re-read showed nothing left to do.
    AlreadyDone,
    Failed,
}

impl Outcome {
    /// Whether the step needs nothing more.
    pub fn settled(self) -> bool {
        matches!(self, Outcome::Done | Outcome::AlreadyDone)
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    pub at: DateTime<Utc>,
    pub plan_sha256: String,
    pub step: String,
    pub kind: String,
    pub method: String,
    pub path: String,
    /// The body sent (never a token: no call carries one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    pub outcome: Outcome,
    /// The Hub's message for a failure, or what the re-read found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Store {
    fn remediation_path(&self, org: &str) -> Result<PathBuf> {
        let dir = self.checked_org_dir(org)?.ok_or_else(|| {
            Error::store(
                self.org_dir(org),
                "no such org in the store: take a snapshot first",
            )
        })?;
        Ok(dir.join(REMEDIATION_LOG))
    }

    /// Appends `line` to `org`'s log and fsyncs it.
    pub fn append_remediation(&self, org: &str, line: &LogLine) -> Result<()> {
        let path = self.remediation_path(org)?;
        let mut text = serde_json::to_vec(line).expect("log lines serialize");
        text.push(b'\n');
        let mut file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(|e| Error::store(&path, trust::open_error(&e)))?;
        let meta = file.metadata().map_err(|e| Error::io(&path, e))?;
        if let Some(reason) = trust::distrust(&meta, trust::Kind::File) {
            return Err(Error::store(&path, reason));
        }
        file.write_all(&text)
            .and_then(|()| file.sync_data())
            .map_err(|e| Error::io(&path, e))
    }

    /// Every line of `org`'s log (none if there is no log yet). A last line
    /// cut short by a crash is skipped; any other unreadable line is an
    /// error naming it.
    pub fn remediation_log(&self, org: &str) -> Result<Vec<LogLine>> {
        let path = self.remediation_path(org)?;
        let (file, _) = match trust::open_file(&path) {
            Ok(opened) => opened,
            Err(_) if !path.exists() && std::fs::symlink_metadata(&path).is_err() => {
                return Ok(Vec::new());
            }
            Err(reason) => return Err(Error::store(&path, reason)),
        };
        let lines: Vec<String> = std::io::BufReader::new(file)
            .lines()
            .collect::<std::io::Result<_>>()
            .map_err(|e| Error::io(&path, e))?;
        let last = lines.len();
        let mut read = Vec::with_capacity(last);
        for (n, text) in lines.iter().enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<LogLine>(text) {
                Ok(line) => read.push(line),
                Err(e) if n + 1 == last => {
                    tracing::warn!(
                        "{}: line {} is cut short ({e}); a run was stopped while writing it",
                        path.display(),
                        n + 1
                    );
                }
                Err(e) => {
                    return Err(Error::store(
                        &path,
                        format!("line {} is not a log line: {e}", n + 1),
                    ));
                }
            }
        }
        Ok(read)
    }
}
