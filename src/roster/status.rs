//! The employment-status vocabulary.
//!
//! A status cell is compared case-insensitively, with spaces, `_` and `-`
//! folded, against three closed word lists. An HRIS qualifier after a
//! separator is allowed ("Terminated - Voluntary", "Leave (Parental)",
//! "Inactive: retired") as long as it does not itself name another status
//! ("Active - On Leave" is rejected as contradictory). Anything else is an
//! error: a status is never guessed.
//!
//! Identity-provider exports ([`super::idp`]) speak of accounts, not
//! employment: there a suspended, deprovisioned or disabled account is a
//! leaver's, and Entra's `accountEnabled` is true or false.

use crate::model::EmploymentStatus;

/// Which words a status column speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Vocabulary {
    /// An HR system's: [`ACTIVE`], [`LEAVE`], [`DEPARTED`].
    #[default]
    Hris,
    /// An identity provider's account states, [`IDP_ACTIVE`] and
    /// [`IDP_DEPARTED`], before the HR words.
    Idp,
    /// Entra's `accountEnabled`: true (active) or false (departed).
    AccountEnabled,
}

/// Currently employed (including people hired but not started yet).
pub(crate) const ACTIVE: &[&str] = &[
    "active",
    "employed",
    "current",
    "current employee",
    "on payroll",
    "working",
    "full time",
    "part time",
    "regular",
    "permanent",
    "contractor",
    "intern",
    "temporary",
    "probation",
    "probationary",
    "hired",
    "new hire",
    "pre hire",
    "prehire",
    "onboarding",
    "rehired",
    "rehire",
];

/// Still employed but away.
pub(crate) const LEAVE: &[&str] = &[
    "leave",
    "on leave",
    "leave of absence",
    "loa",
    "paid leave",
    "unpaid leave",
    "parental leave",
    "maternity leave",
    "paternity leave",
    "medical leave",
    "sick leave",
    "military leave",
    "garden leave",
    "disability",
    "short term disability",
    "long term disability",
    "sabbatical",
    "suspended",
    "furlough",
    "furloughed",
];

/// No longer employed.
pub(crate) const DEPARTED: &[&str] = &[
    "terminated",
    "termed",
    "departed",
    "inactive",
    "offboarded",
    "resigned",
    "retired",
    "separated",
    "former",
    "former employee",
    "ex employee",
    "dismissed",
    "fired",
    "laid off",
    "deceased",
    "left",
    "left company",
    "exited",
    "quit",
    "deactivated",
    "withdrawn",
    "end of contract",
    "contract ended",
];

/// Account states of an identity provider that are still employment
/// (Okta's lifecycle: staged, provisioned, locked out…).
pub(crate) const IDP_ACTIVE: &[&str] = &[
    "staged",
    "provisioned",
    "pending user action",
    "recovery",
    "password reset",
    "password expired",
    "locked out",
];

/// Account states of an identity provider that mean the person has left.
pub(crate) const IDP_DEPARTED: &[&str] = &["suspended", "deprovisioned", "disabled"];

/// Characters after which an HRIS qualifier may follow.
const QUALIFIER_SEPARATORS: &[char] = &['-', '–', '—', ':', '(', '[', ',', ';', '|'];

/// The longest status cell we try to read; anything longer is not a status.
const MAX_LEN: usize = 100;

/// Reads status cells, remembering the few distinct spellings a roster uses.
#[derive(Debug, Default)]
pub(crate) struct StatusReader {
    vocabulary: Vocabulary,
    seen: Vec<(String, EmploymentStatus)>,
    scratch: String,
}

impl StatusReader {
    pub(crate) fn new(vocabulary: Vocabulary) -> Self {
        StatusReader {
            vocabulary,
            ..StatusReader::default()
        }
    }

    /// Reads a non-empty, trimmed status cell. `Err` carries the message for
    /// an unrecognised status.
    pub(crate) fn read(&mut self, cell: &str) -> Result<EmploymentStatus, String> {
        if let Some((_, status)) = self.seen.iter().find(|(s, _)| s == cell) {
            return Ok(*status);
        }
        let status = parse(cell, self.vocabulary, &mut self.scratch)?;
        if self.seen.len() < 32 {
            self.seen.push((cell.to_owned(), status));
        }
        Ok(status)
    }
}

/// Reads a non-empty, trimmed status cell. `buf` is scratch space.
fn parse(cell: &str, words: Vocabulary, buf: &mut String) -> Result<EmploymentStatus, String> {
    if cell.len() <= MAX_LEN {
        if let Some(status) = lookup(cell, words, buf) {
            return Ok(status);
        }
        for (at, sep) in cell.match_indices(QUALIFIER_SEPARATORS) {
            let Some(head) = lookup(&cell[..at], words, buf) else {
                continue;
            };
            return match lookup(&cell[at + sep.len()..], words, buf) {
                Some(tail) if tail != head => Err(format!(
                    "status {} names two different statuses ({} and {}); use one",
                    super::cells::shown(cell),
                    head.as_str(),
                    tail.as_str()
                )),
                _ => Ok(head),
            };
        }
    }
    let cell = super::cells::shown(cell);
    Err(match words {
        Vocabulary::AccountEnabled => {
            format!("accountEnabled {cell} is neither true nor false; or leave the cell empty")
        }
        Vocabulary::Hris | Vocabulary::Idp => format!(
            "status {cell} is not a known employment status (case-insensitive): {}; or leave the cell empty",
            vocabulary(words)
        ),
    })
}

/// The whole vocabulary, for messages and docs.
pub(crate) fn vocabulary(words: Vocabulary) -> String {
    let hris = format!(
        "active = {}; leave = {}; departed = {}",
        ACTIVE.join(", "),
        LEAVE.join(", "),
        DEPARTED.join(", ")
    );
    match words {
        Vocabulary::Idp => format!(
            "{hris}; in identity-provider exports also active = {}; departed = {}",
            IDP_ACTIVE.join(", "),
            IDP_DEPARTED.join(", ")
        ),
        Vocabulary::Hris | Vocabulary::AccountEnabled => hris,
    }
}

fn lookup(text: &str, words: Vocabulary, buf: &mut String) -> Option<EmploymentStatus> {
    normalise(text, buf);
    let word = buf.as_str();
    let idp = words == Vocabulary::Idp;
    if words == Vocabulary::AccountEnabled {
        match word {
            "true" => Some(EmploymentStatus::Active),
            "false" => Some(EmploymentStatus::Departed),
            _ => None,
        }
    } else if word == "unknown" {
        Some(EmploymentStatus::Unknown)
    } else if idp && IDP_DEPARTED.contains(&word) {
        Some(EmploymentStatus::Departed)
    } else if ACTIVE.contains(&word) || idp && IDP_ACTIVE.contains(&word) {
        Some(EmploymentStatus::Active)
    } else if LEAVE.contains(&word) {
        Some(EmploymentStatus::Leave)
    } else if DEPARTED.contains(&word) {
        Some(EmploymentStatus::Departed)
    } else {
        None
    }
}

/// Lower-cases and turns every run of spaces, `_`, `-` and `.` into one space.
fn normalise(text: &str, buf: &mut String) {
    buf.clear();
    let mut gap = false;
    for c in text.chars() {
        if c.is_whitespace() || matches!(c, '_' | '-' | '.' | '/') {
            gap = !buf.is_empty();
        } else {
            if gap {
                buf.push(' ');
                gap = false;
            }
            buf.extend(c.to_lowercase());
        }
    }
}
