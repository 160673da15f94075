//! Access-review campaigns (issue 13): what an auditor asks for beyond a
//! report — a frozen population that provably came from the store, a
//! decision on every line by the person accountable for it, and the proof
//! that each revocation happened.
//!
//! - [`population`]: one [`Line`] per (org, account) of the latest
//!   snapshots, built from the reconciled report, each with its reviewer;
//! - [`worksheet`]: the per-reviewer worksheets (CSV to fill in, HTML to
//!   read and print) and reading them back once filled in;
//! - [`decisions`]: the strict checks of an import and the append-only
//!   record of decisions;
//! - [`status`]: lines decided and overdue, per reviewer;
//! - [`evidence`]: verification against later snapshots and the evidence
//!   pack written when the campaign is closed;
//! - [`period`]: without a campaign, the period queries auditors sample
//!   (leavers, role escalations, inactive members).
//!
//! The files live in `STORE/_reviews/ID/` (see `crate::store::reviews`).
//! These modules are pure: the commands read and write.

pub mod decisions;
pub mod evidence;
pub mod period;
pub mod population;
pub mod status;
pub mod worksheet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub use decisions::Decision;
pub use population::Line;

/// Version of `campaign.json` and `population.json`.
pub const SCHEMA_VERSION: u32 = 1;

/// The files of a campaign directory.
pub const CAMPAIGN: &str = crate::store::reviews::CAMPAIGN_FILE;
pub const POPULATION_CSV: &str = "population.csv";
pub const POPULATION_JSON: &str = "population.json";
pub const REPORT_HTML: &str = "report.html";
pub const DECISIONS: &str = "decisions.jsonl";
pub const WORKSHEETS: &str = "worksheets";
pub const EVIDENCE: &str = "evidence";

/// `campaign.json`: what the population was frozen from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub schema_version: u32,
    pub review_id: String,
    pub started_at: DateTime<Utc>,
    /// The report date the population was reconciled as of.
    pub as_of: NaiveDate,
    pub due: Option<NaiveDate>,
    pub tool_version: String,
    /// The Hub the snapshots were read from.
    pub endpoint: String,
    /// The token's user (`whoami`) when the campaign was started.
    pub principal: String,
    pub reviewers: Reviewers,
    pub roster: HashedFile,
    /// The latest complete snapshot of each org.
    pub snapshots: Vec<SnapshotRef>,
    pub lines: usize,
    pub worksheets: Vec<WorksheetRef>,
}

/// A file named by its path and the sha256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashedFile {
    pub path: String,
    pub sha256: String,
}

/// One snapshot a campaign relied on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRef {
    pub org: String,
    pub snapshot_id: String,
    pub taken_at: DateTime<Utc>,
    /// sha256 of the bytes of its `manifest.json` (which holds the sha256
    /// of every data file).
    pub manifest_sha256: String,
}

/// One reviewer's worksheet files, relative to the campaign directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorksheetRef {
    pub reviewer: String,
    pub csv: String,
    pub html: String,
    pub lines: usize,
}

/// Who reviews which line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Reviewers {
    /// Each matched person's `manager_email` from the roster; lines with
    /// nobody to assign go to `fallback`.
    Manager { fallback: Option<String> },
    /// Every line to one reviewer.
    Single { email: String },
}

/// How a line's reviewer was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assigned {
    Manager,
    Fallback,
    Single,
}

impl Assigned {
    pub fn as_str(self) -> &'static str {
        match self {
            Assigned::Manager => "manager",
            Assigned::Fallback => "fallback",
            Assigned::Single => "single",
        }
    }
}

/// `population.json`: the lines, as frozen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Population {
    pub schema_version: u32,
    pub review_id: String,
    pub lines: Vec<Line>,
}

impl Population {
    pub fn line(&self, id: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.line_id == id)
    }
}

/// `review start`'s flags, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartSettings {
    pub reviewers: Reviewers,
    pub due: Option<NaiveDate>,
}

impl StartSettings {
    /// `--reviewers manager|EMAIL`, `--fallback-reviewer EMAIL`, `--due DATE`.
    pub fn resolve(
        reviewers: &str,
        fallback: Option<&str>,
        due: Option<&str>,
    ) -> Result<StartSettings> {
        let fallback = fallback
            .map(|f| email(f, "--fallback-reviewer"))
            .transpose()?;
        let reviewers = if reviewers.trim().eq_ignore_ascii_case("manager") {
            Reviewers::Manager { fallback }
        } else {
            if fallback.is_some() {
                return Err(Error::Usage(
                    "--fallback-reviewer goes with --reviewers manager: with --reviewers EMAIL \
                     every line is that reviewer's"
                        .into(),
                ));
            }
            Reviewers::Single {
                email: email(reviewers, "--reviewers").map_err(|_| {
                    Error::Usage(format!(
                        "--reviewers {reviewers:?} is neither `manager` nor an email address"
                    ))
                })?,
            }
        };
        let due = due
            .map(|d| {
                NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                    .map_err(|_| Error::Usage(format!("--due {d:?} is not a date (YYYY-MM-DD)")))
            })
            .transpose()?;
        Ok(StartSettings { reviewers, due })
    }
}

/// An email address given on the command line, trimmed and lower-cased.
fn email(text: &str, flag: &str) -> Result<String> {
    let t = text.trim();
    let ok = t.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && t.chars()
                .all(|c| c.is_alphanumeric() || "@.-_+'".contains(c))
    });
    if ok {
        Ok(t.to_lowercase())
    } else {
        Err(Error::Usage(format!(
            "{flag} {text:?} is not an email address (expected name@domain)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewers_are_managers_or_one_email() {
        let s = StartSettings::resolve("manager", Some("Sec@Acme.example"), Some("2026-07-01"))
            .unwrap();
        assert_eq!(
            s.reviewers,
            Reviewers::Manager {
                fallback: Some("sec@acme.example".into())
            }
        );
        assert_eq!(s.due, NaiveDate::from_ymd_opt(2026, 7, 1));
        let s = StartSettings::resolve("boss@acme.example", None, None).unwrap();
        assert_eq!(
            s.reviewers,
            Reviewers::Single {
                email: "boss@acme.example".into()
            }
        );
        for (r, f, d) in [
            ("nobody", None, None),
            ("manager", Some("not-an-email"), None),
            ("a@b.example", Some("c@d.example"), None),
            ("manager", None, Some("07/01/2026")),
            ("../../etc/passwd@x.y", None, None),
        ] {
            let err = StartSettings::resolve(r, f, d).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{r} {f:?} {d:?}: {err}");
        }
    }
}
