//! Which roster column holds which field.
//!
//! HR systems name the same thing many ways ("Work Email", "Primary Work
//! Email", "E-mail"…). Headers are compared after [`fold`]ing, against the
//! alias table in [`super::aliases`]; a `--roster-map` entry beats every alias. Within one
//! field a lower rank wins ("Work Email" over "Email", "Legal Name" over
//! "Preferred Name"); two columns of the same field and rank are ambiguous and
//! rejected rather than guessed between.

use std::fmt::Write as _;

use super::aliases::ALIASES;
use super::cells::shown;
use super::idp::Source;
use super::map::RosterMap;
use super::status::Vocabulary;
use crate::table::fold;

/// A field of [`crate::model::Person`] that a roster column can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    EmployeeId,
    Email,
    FullName,
    FirstName,
    LastName,
    Status,
    TerminationDate,
    HfUsername,
    Department,
    CostCenter,
    ManagerEmail,
}

impl Field {
    pub(crate) const ALL: [Field; 11] = [
        Field::EmployeeId,
        Field::Email,
        Field::FullName,
        Field::FirstName,
        Field::LastName,
        Field::Status,
        Field::TerminationDate,
        Field::HfUsername,
        Field::Department,
        Field::CostCenter,
        Field::ManagerEmail,
    ];

    /// The name used in `--roster-map` files and in messages.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Field::EmployeeId => "employee_id",
            Field::Email => "email",
            Field::FullName => "full_name",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Status => "status",
            Field::TerminationDate => "termination_date",
            Field::HfUsername => "hf_username",
            Field::Department => "department",
            Field::CostCenter => "cost_center",
            Field::ManagerEmail => "manager_email",
        }
    }

    pub(crate) fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The field and rank of a (folded) header, if it is a known alias: the
/// source's own aliases first, then the HR ones.
fn alias(folded: &str, source: Source) -> Option<(Field, u8)> {
    if source.ignores(folded) {
        return None;
    }
    source
        .aliases()
        .iter()
        .chain(ALIASES)
        .find(|(_, _, name)| fold(name) == folded)
        .map(|&(field, rank, _)| (field, rank))
}

/// Whether a header means something to us (used to pick the delimiter).
pub(crate) fn is_known(folded: &str, map: Option<&RosterMap>) -> bool {
    [Source::Hris, Source::Entra]
        .into_iter()
        .any(|source| alias(folded, source).is_some())
        || map.is_some_and(|m| m.entries.iter().any(|e| fold(&e.header) == folded))
}

/// The accepted header names of one field, for messages.
pub(crate) fn accepted(field: Field) -> String {
    let names: Vec<&str> = ALIASES
        .iter()
        .filter(|(f, _, _)| *f == field)
        .map(|&(_, _, name)| name)
        .collect();
    names.join(", ")
}

/// Where each field is, once the header line is understood.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    index: [Option<usize>; 11],
    /// The header cells as written, for messages.
    pub(crate) names: Vec<String>,
    /// A column read when the email cell of a row is empty (Entra's
    /// userPrincipalName, see [`super::idp`]).
    pub(crate) email_fallback: Option<usize>,
    /// The words the status column speaks.
    pub(crate) statuses: Vocabulary,
}

/// A header problem: the 1-based column (if one is to blame) and the message.
/// Map problems carry their own file position instead.
#[derive(Debug)]
pub(crate) enum HeaderError {
    Roster {
        column: Option<u64>,
        message: String,
    },
    Map {
        line: u64,
        column: u64,
        message: String,
    },
}

impl Columns {
    pub(crate) fn get(&self, field: Field) -> Option<usize> {
        self.index[field.index()]
    }

    /// Works out which column holds which field.
    pub(crate) fn resolve(
        headers: Vec<String>,
        map: Option<&RosterMap>,
    ) -> Result<Columns, HeaderError> {
        let folded: Vec<String> = headers.iter().map(|h| fold(h)).collect();
        let source = Source::detect(&headers);
        let mut index = [None; 11];
        let mut taken = vec![false; headers.len()];
        let mut mapped = [false; 11];
        if let Some(map) = map {
            for entry in &map.entries {
                let want = fold(&entry.header);
                let mut hits = folded.iter().enumerate().filter(|(_, f)| **f == want);
                let Some((first, _)) = hits.next() else {
                    return Err(HeaderError::Map {
                        line: entry.line,
                        column: entry.column,
                        message: format!(
                            "columns.{} names the header {}, but the roster has no such column; its headers are {}",
                            entry.field.key(),
                            shown(&entry.header),
                            list(&headers)
                        ),
                    });
                };
                if let Some((second, _)) = hits.next() {
                    return Err(duplicate(&headers, first, second, entry.field));
                }
                if taken[first] {
                    return Err(HeaderError::Map {
                        line: entry.line,
                        column: entry.column,
                        message: format!(
                            "columns.{} names the header {}, which another entry of the map already uses",
                            entry.field.key(),
                            shown(&entry.header)
                        ),
                    });
                }
                taken[first] = true;
                mapped[entry.field.index()] = true;
                index[entry.field.index()] = Some(first);
            }
        }
        // For each field: the winning column and its rank; plus the first
        // column seen at every (field, rank) to catch ambiguous pairs.
        let mut best: [Option<(usize, u8)>; 11] = [None; 11];
        let mut seen: Vec<(Field, u8, usize)> = Vec::new();
        for (col, f) in folded.iter().enumerate() {
            if taken[col] {
                continue;
            }
            let Some((field, rank)) = alias(f, source) else {
                continue;
            };
            if mapped[field.index()] {
                continue;
            }
            if let Some(&(_, _, first)) = seen.iter().find(|s| s.0 == field && s.1 == rank) {
                return Err(duplicate(&headers, first, col, field));
            }
            seen.push((field, rank, col));
            let slot = &mut best[field.index()];
            if slot.is_none_or(|(_, r)| rank < r) {
                *slot = Some((col, rank));
            }
        }
        for field in Field::ALL {
            if let Some((col, _)) = best[field.index()] {
                index[field.index()] = Some(col);
            }
        }
        let email_fallback = source
            .email_fallback(&folded)
            .filter(|&c| !taken[c] && index[Field::Email.index()] != Some(c));
        let status_header = index[Field::Status.index()].map(|c| folded[c].as_str());
        let columns = Columns {
            index,
            names: headers,
            email_fallback,
            statuses: source.vocabulary(status_header),
        };
        columns.check_required(map.is_some())?;
        Ok(columns)
    }

    fn check_required(&self, has_map: bool) -> Result<(), HeaderError> {
        let missing = if self.get(Field::Email).is_none() && self.get(Field::HfUsername).is_none() {
            Some(("email or hf_username", [Field::Email, Field::HfUsername]))
        } else if self.get(Field::Status).is_none() && self.get(Field::TerminationDate).is_none() {
            Some((
                "status or termination_date",
                [Field::Status, Field::TerminationDate],
            ))
        } else {
            None
        };
        let Some((what, fields)) = missing else {
            return Ok(());
        };
        let mut message = format!(
            "the roster has no {what} column; its headers are {}.",
            list(&self.names)
        );
        for field in fields {
            let _ = write!(
                message,
                " Accepted for {}: {}.",
                field.key(),
                accepted(field)
            );
        }
        message.push_str(if has_map {
            " Add the column's header to the [columns] table of the --roster-map file."
        } else {
            " Or name the column with --roster-map FILE.toml ([columns] table, e.g. email = \"Correo\")."
        });
        Err(HeaderError::Roster {
            column: None,
            message,
        })
    }
}

fn duplicate(headers: &[String], first: usize, second: usize, field: Field) -> HeaderError {
    HeaderError::Roster {
        column: Some(second as u64 + 1),
        message: format!(
            "duplicate column: {} (column {}) and {} (column {}) both hold {}; remove one, or choose one with --roster-map",
            shown(&headers[first]),
            first + 1,
            shown(&headers[second]),
            second + 1,
            field.key()
        ),
    }
}

/// The header cells for messages, at most 30 of them.
fn list(headers: &[String]) -> String {
    let mut out: Vec<String> = headers.iter().take(30).map(|h| shown(h)).collect();
    if headers.len() > 30 {
        out.push(format!("… ({} in all)", headers.len()));
    }
    out.join(", ")
}
