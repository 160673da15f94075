//! The HR roster: a CSV export from the company's HR system, read into
//! [`Person`]s that the rest of hfaudit reconciles with the Hub.
//!
//! The roster is untrusted, hand-edited input, so this module is strict and
//! talkative: the first problem stops the run with `file:line:column` and
//! what was expected (exit 2), and nothing is ever guessed.
//!
//! - **Bytes and CSV** ([`crate::table`], shared with the identities file
//!   and the activity export): UTF-8 with or without a BOM; UTF-16,
//!   spreadsheets and binaries refused by name; `,`, `;` or tab chosen from
//!   the header line, Excel's `sep=;` honoured; every row numbered by the
//!   line it starts on; a row wider or narrower than the header is an error.
//! - **Headers** ([`headers`]): case, spaces and punctuation are ignored;
//!   the usual HRIS names are recognised, `--roster-map` ([`map`]) names
//!   the rest. Required: an email or hf_username column, and a status or
//!   termination_date column. Unknown columns are ignored.
//! - **Cells** ([`cells`], [`status`], [`dates`]): emails lower-cased and
//!   checked; usernames accept `@name` and profile URLs; statuses come from
//!   a closed vocabulary; dates are ISO 8601 unless `--date-format` says
//!   otherwise. Empty cells are `None` (`Unknown` for the status).
//! - **IdP exports** ([`idp`]): Google Workspace's, Okta's and Entra's user
//!   downloads are rosters too, recognised by their headers; their account
//!   states (suspended, deprovisioned, disabled, `accountEnabled` false) say
//!   who has departed.
//! - **Duplicates** ([`dedup`]): the same email or employee_id twice is a
//!   warning and one row wins (the later termination date, else the later
//!   row in the file).

mod aliases;
mod cells;
mod dates;
mod dedup;
mod headers;
mod idp;
mod map;
mod row;
mod status;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use crate::error::Result;
use crate::model::Person;

use crate::table::{Kind, Table, error};
use dates::DateReader;
use headers::{Columns, HeaderError};
use map::RosterMap;
use row::RowReader;

/// The roster, for the table reader's messages.
const KIND: Kind = Kind {
    what: "roster",
    example: "email,status,termination_date",
    row: "person",
    export: "export the roster from the HR system",
};

/// How to read the roster: `--date-format` and `--roster-map`.
#[derive(Debug, Clone, Default)]
pub struct RosterOptions {
    /// chrono strftime format for non-ISO dates (`--date-format`, e.g.
    /// "%m/%d/%Y"); ISO 8601 (YYYY-MM-DD, also with a time part) is always
    /// accepted; other formats are never guessed.
    pub date_format: Option<String>,
    /// `--roster-map FILE.toml`: maps our field names to unusual header names.
    pub map: Option<PathBuf>,
}

/// The people of one roster file.
#[derive(Debug, Clone)]
pub struct Roster {
    pub path: PathBuf,
    /// In file order, one per person (duplicates resolved).
    pub people: Vec<Person>,
    /// Duplicates etc.: "roster.csv:12: duplicate email a@b.com (also on
    /// line 7); the later row (line 12) wins".
    pub warnings: Vec<String>,
}

impl Roster {
    /// Reads and parses the roster file.
    pub fn load(path: &Path, opts: &RosterOptions) -> Result<Roster> {
        let bytes = crate::input_file::read(path, crate::input_file::CSV_MAX_BYTES, "roster")?;
        Roster::parse(&bytes, path, opts)
    }

    /// Parses roster bytes; `path` is only used in messages (the
    /// `--roster-map` file, if any, is read from disk).
    pub fn parse(bytes: &[u8], path: &Path, opts: &RosterOptions) -> Result<Roster> {
        let dates = DateReader::new(opts.date_format.as_deref())?;
        let map = opts.map.as_deref().map(RosterMap::load).transpose()?;
        let is_known = |folded: &str| headers::is_known(folded, map.as_ref());
        let mut table = Table::open(bytes, path, &KIND, &is_known)?;
        let header_line = table.header_line;
        let columns =
            Columns::resolve(table.headers.clone(), map.as_ref()).map_err(|e| match e {
                HeaderError::Roster { column, message } => {
                    error(path, Some(header_line), column, message)
                }
                HeaderError::Map {
                    line,
                    column,
                    message,
                } => {
                    let map_path = map.as_ref().map_or(path, |m| m.path.as_path());
                    let message = format!("{message} (roster: {})", path.display());
                    error(map_path, Some(line), Some(column), message)
                }
            })?;

        let mut people = dedup::People::new(path, table.max_rows());
        let mut rows = RowReader {
            columns: &columns,
            dates: &dates,
            statuses: status::StatusReader::new(columns.statuses),
        };
        let mut count = 0usize;
        while let Some((line, record)) = table.next_row()? {
            let person = rows
                .person(record, line)
                .map_err(|(column, message)| error(path, Some(line), column, message))?;
            people.add(person);
            count += 1;
        }
        if count == 0 {
            return Err(error(
                path,
                Some(header_line + 1),
                None,
                "the roster has a header but no people",
            ));
        }
        let (people, warnings) = people.finish();
        Ok(Roster {
            path: path.to_owned(),
            people,
            warnings,
        })
    }

    /// How many people have departed as of `as_of` (see [`Person::departed`]).
    pub fn departed_count(&self, as_of: chrono::NaiveDate) -> usize {
        self.people.iter().filter(|p| p.departed(as_of)).count()
    }
}
