//! `--exceptions FILE`: known, accepted findings. A matching exception mutes
//! a finding — it stays in every output, marked muted with the reason — and
//! an expired exception mutes nothing.
//!
//! ```toml
//! [[exception]]
//! rule = "unmatched_member"
//! subject = "ci-bot"
//! org = "acme"              # optional: any org
//! reason = "CI service account, owned by the platform team"
//! expires = "2027-01-31"    # optional: mutes until this day, inclusive
//! ```

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::rules::{Finding, Rule};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "exception")]
    exceptions: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: toml::Spanned<String>,
    subject: String,
    #[serde(default)]
    org: Option<String>,
    reason: String,
    #[serde(default)]
    expires: Option<toml::Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    pub rule: Rule,
    pub subject: String,
    pub org: Option<String>,
    pub reason: String,
    pub expires: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default)]
pub struct Exceptions {
    path: PathBuf,
    entries: Vec<Exception>,
}

impl Exceptions {
    pub fn load(path: &Path) -> Result<Exceptions> {
        let text = crate::input_file::read_to_string(
            path,
            crate::input_file::TOML_MAX_BYTES,
            "exceptions file",
        )?;
        Exceptions::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Exceptions> {
        let at = |offset: usize, message: String| {
            let (line, column) = crate::config::line_col(text, offset);
            Error::Input {
                path: path.to_path_buf(),
                line: Some(line),
                column: Some(column),
                message,
            }
        };
        let file: File = toml::from_str(text)
            .map_err(|e| at(e.span().map_or(0, |s| s.start), e.message().to_string()))?;
        let mut entries = Vec::new();
        for e in file.exceptions {
            let rule = e
                .rule
                .get_ref()
                .parse::<Rule>()
                .map_err(|msg| at(e.rule.span().start, msg))?;
            let expires = match &e.expires {
                None => None,
                Some(s) => Some(NaiveDate::parse_from_str(s.get_ref(), "%Y-%m-%d").map_err(
                    |_| {
                        at(
                            s.span().start,
                            format!("expires '{}' is not a date (YYYY-MM-DD)", s.get_ref()),
                        )
                    },
                )?),
            };
            if e.reason.trim().is_empty() {
                return Err(at(
                    e.rule.span().start,
                    "an exception needs a reason".into(),
                ));
            }
            entries.push(Exception {
                rule,
                subject: e.subject,
                org: e.org,
                reason: e.reason,
                expires,
            });
        }
        Ok(Exceptions {
            path: path.to_path_buf(),
            entries,
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Mutes the findings a live exception covers; returns warnings about
    /// expired exceptions that would have matched.
    pub fn apply(&self, findings: &mut [Finding], as_of: NaiveDate) -> Vec<String> {
        let mut warnings = Vec::new();
        for f in findings.iter_mut() {
            let Some(e) = self.entries.iter().find(|e| e.covers(f)) else {
                continue;
            };
            match e.expires {
                Some(day) if day < as_of => warnings.push(format!(
                    "{}: the exception for {} {} expired on {day}; the finding is no longer muted",
                    self.path.display(),
                    e.rule,
                    e.subject
                )),
                _ => f.muted = Some(e.reason.clone()),
            }
        }
        warnings
    }
}

impl Exception {
    fn covers(&self, f: &Finding) -> bool {
        self.rule == f.rule
            && self.subject.eq_ignore_ascii_case(&f.subject)
            && self
                .org
                .as_deref()
                .is_none_or(|o| o.eq_ignore_ascii_case(&f.org))
    }
}
