//! Which two snapshots of an org `hfaudit diff` compares.
//!
//! `--from`/`--to` take a snapshot id or a date `YYYY-MM-DD`, which stands
//! for the latest complete snapshot taken on or before the end of that UTC
//! day. Without `--to` the latest snapshot is used; without `--from`, the
//! one just before `--to`. Damaged snapshots are never picked implicitly;
//! naming one is an error.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{Error, Result};
use crate::store::{Listed, validate_snapshot_id};

/// A parsed `--from`/`--to` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pick {
    Id(String),
    /// The latest snapshot taken on or before the end of this UTC day.
    Date(NaiveDate),
}

impl Pick {
    /// Parses the value of `flag` (`--from` or `--to`).
    pub fn parse(flag: &str, value: &str) -> Result<Pick> {
        if validate_snapshot_id(value).is_ok() {
            return Ok(Pick::Id(value.to_string()));
        }
        if value.len() == 10
            && let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        {
            return Ok(Pick::Date(date));
        }
        Err(Error::Usage(format!(
            "{flag} {value:?}: expected a snapshot id like 20261123T025751.123Z or a date YYYY-MM-DD"
        )))
    }
}

/// A complete snapshot that can be compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    pub taken_at: DateTime<Utc>,
}

/// The outcome of choosing for one org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Pair {
        from: Candidate,
        to: Candidate,
    },
    /// Nothing to compare (not an error): the reason, and how many complete
    /// snapshots the org has.
    Nothing {
        snapshots: usize,
        reason: String,
    },
}

/// Chooses the snapshots of `org` to compare among `listed` (oldest first,
/// as [`crate::store::Store::list`] gives them). `org_dir` only names the
/// place in messages. An id or date that matches no snapshot is a usage
/// error naming the org, the flag and the value.
pub fn choose(
    org: &str,
    org_dir: &Path,
    listed: &[Listed],
    from: Option<&Pick>,
    to: Option<&Pick>,
) -> Result<Selection> {
    let complete: Vec<Candidate> = listed
        .iter()
        .filter_map(|l| {
            l.manifest().map(|m| Candidate {
                id: m.snapshot_id.clone(),
                taken_at: m.taken_at,
            })
        })
        .collect();
    let resolve = |flag: &str, pick: &Pick| -> Result<usize> {
        match pick {
            Pick::Id(id) => {
                if let Some(i) = complete.iter().position(|c| &c.id == id) {
                    return Ok(i);
                }
                if let Some(Listed::Damaged { reason, .. }) = listed.iter().find(|l| l.id() == id) {
                    return Err(Error::store(
                        org_dir.join(id),
                        format!("{org}: snapshot {id} ({flag}) is damaged: {reason}"),
                    ));
                }
                Err(Error::Usage(format!(
                    "{org}: no snapshot {id} ({flag}) in {}{}",
                    org_dir.display(),
                    available(&complete)
                )))
            }
            Pick::Date(date) => {
                let end = date
                    .succ_opt()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc());
                complete
                    .iter()
                    .rposition(|c| end.is_none_or(|end| c.taken_at < end))
                    .ok_or_else(|| {
                        Error::Usage(format!(
                            "{org}: no snapshot taken on or before {date} ({flag}){}",
                            available(&complete)
                        ))
                    })
            }
        }
    };

    let to_index = match to {
        Some(pick) => resolve("--to", pick)?,
        None if complete.is_empty() => {
            return Ok(Selection::Nothing {
                snapshots: 0,
                reason: "no snapshot yet".into(),
            });
        }
        None => complete.len() - 1,
    };
    let from_index = match from {
        Some(pick) => resolve("--from", pick)?,
        None if to_index == 0 => {
            let reason = if complete.len() == 1 {
                format!("only one snapshot ({}); nothing to compare", complete[0].id)
            } else {
                format!("no snapshot before {}; nothing to compare", complete[0].id)
            };
            return Ok(Selection::Nothing {
                snapshots: complete.len(),
                reason,
            });
        }
        None => to_index - 1,
    };
    if from_index > to_index {
        return Err(Error::Usage(format!(
            "{org}: --from selects {} which is newer than {} selected by --to",
            complete[from_index].id, complete[to_index].id
        )));
    }
    if from_index == to_index {
        return Ok(Selection::Nothing {
            snapshots: complete.len(),
            reason: format!(
                "--from and --to both select {}; nothing to compare",
                complete[to_index].id
            ),
        });
    }
    Ok(Selection::Pair {
        from: complete[from_index].clone(),
        to: complete[to_index].clone(),
    })
}

/// " (snapshots: first … last)" to help the user pick, or " (no snapshot yet)".
fn available(complete: &[Candidate]) -> String {
    match complete {
        [] => " (the org has no snapshot yet)".into(),
        [only] => format!(" (the only snapshot is {})", only.id),
        [first, .., last] => format!(
            " ({} snapshots, from {} to {})",
            complete.len(),
            first.id,
            last.id
        ),
    }
}
