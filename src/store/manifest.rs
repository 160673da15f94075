//! `manifest.json`: what a snapshot contains and how to check it.
//!
//! The manifest is written last, after every data file is fsynced, and lists
//! each file with its sha256 and size. Its presence marks a snapshot as
//! published; its checksums let a reader tell a complete snapshot from a
//! damaged one. It also carries everything about the snapshot that is not a
//! table (when, from where, which collectors ran, the gated repos), so that
//! `hfaudit history` needs nothing else.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{MANIFEST_FILE, SCHEMA_VERSION};
use crate::model::Collector;
use crate::model::CollectorStatus;

/// One collector's outcome as recorded in the manifest: exactly
/// [`CollectorStatus`] (`{"status":"ok","rows":7}` or
/// `{"status":"unavailable","reason":"..."}`).
pub type CollectorEntry = CollectorStatus;

/// The contents of `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub org: String,
    pub snapshot_id: String,
    pub taken_at: DateTime<Utc>,
    pub tool_version: String,
    pub endpoint: String,
    #[serde(default)]
    pub plan: Option<String>,
    /// Collector name → outcome; names as in [`Collector::name`].
    pub collectors: BTreeMap<String, CollectorEntry>,
    /// `type/namespace/name` → gating mode (`auto`/`manual`).
    #[serde(default)]
    pub gated_repos: BTreeMap<String, String>,
    /// File name (relative to the snapshot directory) → checksum and size.
    pub files: BTreeMap<String, FileEntry>,
}

/// A data file's checksum and size, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Lowercase hex sha256 of the file's bytes.
    pub sha256: String,
    pub bytes: u64,
}

impl FileEntry {
    /// The entry describing `bytes`.
    pub fn of(bytes: &[u8]) -> FileEntry {
        FileEntry {
            sha256: hex::encode(Sha256::digest(bytes)),
            bytes: bytes.len() as u64,
        }
    }

    /// Checks `bytes` against this entry; the error says what differs.
    pub fn verify(&self, bytes: &[u8]) -> Result<(), String> {
        if bytes.len() as u64 != self.bytes {
            return Err(format!(
                "size is {} bytes, the manifest says {}",
                bytes.len(),
                self.bytes
            ));
        }
        let actual = hex::encode(Sha256::digest(bytes));
        if !actual.eq_ignore_ascii_case(&self.sha256) {
            return Err(format!(
                "sha256 is {actual}, the manifest says {}",
                self.sha256
            ));
        }
        Ok(())
    }
}

impl Manifest {
    /// Row count of a collector that ran, `None` if it was unavailable or
    /// not recorded.
    pub fn collector_rows(&self, c: Collector) -> Option<u64> {
        match self.collectors.get(c.name()) {
            Some(CollectorStatus::Ok { rows, .. }) => Some(*rows),
            _ => None,
        }
    }

    pub fn collector(&self, c: Collector) -> Option<&CollectorEntry> {
        self.collectors.get(c.name())
    }

    /// Number of members, if the members collector ran.
    pub fn members(&self) -> Option<u64> {
        self.collector_rows(Collector::Members)
    }

    /// Number of pending invites, if the invites collector ran.
    pub fn invites(&self) -> Option<u64> {
        self.collector_rows(Collector::Invites)
    }

    /// Collectors that could not run, with the reason, in name order.
    pub fn unavailable(&self) -> Vec<(&str, &str)> {
        self.collectors
            .iter()
            .filter_map(|(name, status)| match status {
                CollectorStatus::Unavailable { reason } => Some((name.as_str(), reason.as_str())),
                CollectorStatus::Ok { .. } => None,
            })
            .collect()
    }

    /// Short completeness label for `hfaudit history`: `full`, or
    /// `partial (no events, resource_groups)`.
    pub fn completeness(&self) -> String {
        let missing: Vec<&str> = Collector::ALL
            .iter()
            .map(|c| c.name())
            .filter(|name| {
                !self
                    .collectors
                    .get(*name)
                    .is_some_and(CollectorStatus::is_ok)
            })
            .collect();
        let incomplete: Vec<&str> = Collector::ALL
            .iter()
            .map(|c| c.name())
            .filter(|name| {
                self.collectors
                    .get(*name)
                    .is_some_and(|s| s.shortfall().is_some())
            })
            .collect();
        match (missing.is_empty(), incomplete.is_empty()) {
            (true, true) => "full".to_string(),
            (false, true) => format!("partial (no {})", missing.join(", ")),
            (true, false) => format!("partial (incomplete {})", incomplete.join(", ")),
            (false, false) => format!(
                "partial (no {}; incomplete {})",
                missing.join(", "),
                incomplete.join(", ")
            ),
        }
    }

    /// Reads and checks `dir/manifest.json`: readable JSON of our schema
    /// version whose org and id match the directory, in a file of this
    /// user's, not writable by others, opened without following a symlink.
    /// Does not look at the data files (see [`Manifest::verify_files`]).
    /// The error is a reason naming manifest.json.
    pub(crate) fn read(dir: &Path, org: &str, id: &str) -> Result<Manifest, String> {
        let path = dir.join(MANIFEST_FILE);
        let text = super::trust::read_file(&path).map_err(|reason| {
            let missing = matches!(std::fs::symlink_metadata(&path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound);
            if missing {
                format!("{MANIFEST_FILE}: missing (the snapshot was never completed)")
            } else {
                format!("{MANIFEST_FILE}: {reason}")
            }
        })?;
        let value: serde_json::Value =
            serde_json::from_slice(&text).map_err(|e| format!("{MANIFEST_FILE}: {e}"))?;
        match value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
        {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "{MANIFEST_FILE}: schema_version {v} is not supported by this hfaudit \
                     (it reads version {SCHEMA_VERSION})"
                ));
            }
            None => return Err(format!("{MANIFEST_FILE}: no schema_version")),
        }
        let manifest: Manifest =
            serde_json::from_value(value).map_err(|e| format!("{MANIFEST_FILE}: {e}"))?;
        if manifest.org != org {
            return Err(format!(
                "{MANIFEST_FILE}: org is {:?} but the snapshot is stored under {org:?}",
                manifest.org
            ));
        }
        if manifest.snapshot_id != id {
            return Err(format!(
                "{MANIFEST_FILE}: snapshot_id is {:?} but the directory is {id:?}",
                manifest.snapshot_id
            ));
        }
        if let Some(name) = manifest.files.keys().find(|name| !is_plain_file_name(name)) {
            return Err(format!(
                "{MANIFEST_FILE}: file name {name:?} is not allowed"
            ));
        }
        Ok(manifest)
    }

    /// Checks every file the manifest lists against its size and sha256,
    /// streaming (nothing is kept in memory). The error names the file.
    pub(crate) fn verify_files(&self, dir: &Path) -> Result<(), String> {
        for (name, entry) in &self.files {
            verify_streaming(&dir.join(name), entry)
                .map_err(|reason| format!("{name}: {reason}"))?;
        }
        Ok(())
    }
}

/// A name that stays inside the snapshot directory.
fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name != MANIFEST_FILE
        && !name.contains(['/', '\\', '\0'])
}

fn verify_streaming(path: &Path, entry: &FileEntry) -> Result<(), String> {
    let (mut file, _) = super::trust::open_file(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    if len != entry.bytes {
        return Err(format!(
            "size is {len} bytes, the manifest says {}",
            entry.bytes
        ));
    }
    let actual = hex::encode(hasher.finalize());
    if !actual.eq_ignore_ascii_case(&entry.sha256) {
        return Err(format!(
            "sha256 is {actual}, the manifest says {}",
            entry.sha256
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample() -> Manifest {
        let mut collectors = BTreeMap::new();
        collectors.insert("members".to_string(), CollectorStatus::ok(7));
        collectors.insert(
            "invites".to_string(),
            CollectorStatus::sourced(3, Some("pending-members".into())),
        );
        collectors.insert(
            "events".to_string(),
            CollectorStatus::Unavailable {
                reason: "402 Payment Required".into(),
            },
        );
        Manifest {
            schema_version: SCHEMA_VERSION,
            org: "acme".into(),
            snapshot_id: "20261123T025751.123Z".into(),
            taken_at: Utc.with_ymd_and_hms(2026, 11, 23, 2, 57, 51).unwrap()
                + chrono::Duration::milliseconds(123),
            tool_version: "0.1.0".into(),
            endpoint: "https://huggingface.co".into(),
            plan: Some("team".into()),
            collectors,
            gated_repos: [("model/acme/secret-llm".to_string(), "manual".to_string())].into(),
            files: [("members.parquet".to_string(), FileEntry::of(b"abc"))].into(),
        }
    }

    #[test]
    fn json_shape_matches_the_contract() {
        let json = serde_json::to_value(sample()).unwrap();
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["taken_at"], "2026-11-23T02:57:51.123Z");
        assert_eq!(json["plan"], "team");
        assert_eq!(
            json["collectors"]["invites"],
            serde_json::json!({"status": "ok", "rows": 3, "source": "pending-members"})
        );
        assert_eq!(
            json["collectors"]["events"],
            serde_json::json!({"status": "unavailable", "reason": "402 Payment Required"})
        );
        assert_eq!(json["gated_repos"]["model/acme/secret-llm"], "manual");
        assert_eq!(
            json["files"]["members.parquet"]["sha256"],
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(json["files"]["members.parquet"]["bytes"], 3);
        let back: Manifest = serde_json::from_value(json).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn accessors_summarise_collectors() {
        let m = sample();
        assert_eq!(m.members(), Some(7));
        assert_eq!(m.invites(), Some(3));
        assert_eq!(m.collector_rows(Collector::Events), None);
        assert_eq!(m.unavailable(), vec![("events", "402 Payment Required")]);
        assert!(!m.completeness().starts_with("full"));
        assert_eq!(
            m.completeness(),
            "partial (no resource_groups, repo_access, events, tokens, service_accounts)"
        );
    }

    #[test]
    fn verify_detects_size_and_content_changes() {
        let entry = FileEntry::of(b"hello");
        entry.verify(b"hello").unwrap();
        assert!(entry.verify(b"hellO").unwrap_err().contains("sha256"));
        assert!(entry.verify(b"hello!").unwrap_err().contains("size"));
    }

    #[test]
    fn read_rejects_other_versions_and_mismatches() {
        let dir = tempfile::tempdir().unwrap();
        let write = |m: &serde_json::Value| {
            std::fs::write(dir.path().join(MANIFEST_FILE), m.to_string()).unwrap()
        };
        let good = serde_json::to_value(sample()).unwrap();
        write(&good);
        assert_eq!(
            Manifest::read(dir.path(), "acme", "20261123T025751.123Z").unwrap(),
            sample()
        );
        let err = Manifest::read(dir.path(), "other", "20261123T025751.123Z").unwrap_err();
        assert!(err.contains("org"), "{err}");
        let err = Manifest::read(dir.path(), "acme", "20261123T025751.124Z").unwrap_err();
        assert!(err.contains("snapshot_id"), "{err}");

        let mut v2 = good.clone();
        v2["schema_version"] = 2.into();
        write(&v2);
        let err = Manifest::read(dir.path(), "acme", "20261123T025751.123Z").unwrap_err();
        assert!(err.contains("schema_version 2"), "{err}");

        let mut escaping = good.clone();
        escaping["files"]["../x"] = serde_json::json!({"sha256": "00", "bytes": 0});
        write(&escaping);
        let err = Manifest::read(dir.path(), "acme", "20261123T025751.123Z").unwrap_err();
        assert!(err.contains("not allowed"), "{err}");

        std::fs::write(dir.path().join(MANIFEST_FILE), "{not json").unwrap();
        let err = Manifest::read(dir.path(), "acme", "20261123T025751.123Z").unwrap_err();
        assert!(err.starts_with(MANIFEST_FILE), "{err}");
    }
}
