//! The HR roster: a CSV export from the company's HR system, read into
//! [`Person`]s that the rest of hfaudit reconciles with the Hub.
//!
//! The roster is untrusted, hand-edited input, so this module is strict and
//! talkative: the first problem stops the run with `file:line:column` and
//! what was expected (exit 2), and nothing is ever guessed.
//!
//! - **Bytes** ([`input`]): UTF-8 with or without a BOM; UTF-16, spreadsheets
//!   (.xlsx/.xls), images and other binaries are refused by name; NUL bytes
//!   and invalid UTF-8 are reported at their line and column.
//! - **CSV**: RFC 4180 quoting via the `csv` crate; `,`, `;` or tab, chosen
//!   from the header line (the delimiter that yields recognised headers);
//!   Excel's `sep=;` first line is honoured. LF, CRLF or CR line ends. A
//!   row's line number is the line where it starts (a quoted cell may span
//!   lines). Blank rows (`,,,`) are skipped. A row with fewer or more cells
//!   than the header is an error (a shifted row would put data under the
//!   wrong column).
//! - **Headers** ([`headers`]): case, spaces and punctuation are ignored;
//!   the usual HRIS names are recognised, `--roster-map` ([`map`]) names
//!   the rest. Required: an email or hf_username column, and a status or
//!   termination_date column. Unknown columns are ignored.
//! - **Cells** ([`cells`], [`status`], [`dates`]): emails lower-cased and
//!   checked; usernames accept `@name` and profile URLs; statuses come from
//!   a closed vocabulary; dates are ISO 8601 unless `--date-format` says
//!   otherwise. Empty cells are `None` (`Unknown` for the status).
//! - **Duplicates** ([`dedup`]): the same email or employee_id twice is a
//!   warning and one row wins (the later termination date, else the later
//!   row in the file).

mod aliases;
mod cells;
mod dates;
mod dedup;
mod headers;
mod input;
mod map;
mod row;
mod status;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::Person;

use dates::DateReader;
use headers::{Columns, HeaderError};
use input::Lines;
use map::RosterMap;
use row::RowReader;

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
        let data = input::prepare(bytes).map_err(|m| error(path, None, None, m))?;
        let sep_line = input::excel_sep_line(data);
        let delimiter = sep_line.unwrap_or_else(|| input::sniff_delimiter(data, map.as_ref()));
        let mut records = Records::new(data, delimiter, path);
        if sep_line.is_some() {
            records.next()?;
        }

        let Some(header_line) = records.next()? else {
            return Err(error(path, None, None, "the roster is empty"));
        };
        let headers: Vec<String> = records.record.iter().map(|h| h.trim().to_owned()).collect();
        if headers.iter().all(String::is_empty) {
            return Err(error(
                path,
                Some(header_line),
                None,
                "the header line is blank; the first line must name the columns (e.g. email,status,termination_date)",
            ));
        }
        let columns = Columns::resolve(headers, map.as_ref()).map_err(|e| match e {
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

        let expected_rows = count_byte(data, b'\n').max(count_byte(data, b'\r'));
        let mut people = dedup::People::new(path, expected_rows);
        let mut rows = RowReader {
            columns: &columns,
            dates: &dates,
            statuses: status::StatusReader::default(),
        };
        let mut count = 0usize;
        while let Some(line) = records.next()? {
            let record = &records.record;
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            check_width(record, &columns, delimiter)
                .map_err(|(column, message)| error(path, Some(line), Some(column), message))?;
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

fn count_byte(data: &[u8], byte: u8) -> usize {
    data.iter().filter(|&&b| b == byte).count()
}

fn error(path: &Path, line: Option<u64>, column: Option<u64>, message: impl Into<String>) -> Error {
    Error::Input {
        path: path.to_owned(),
        line,
        column,
        message: message.into(),
    }
}

/// A row must have a cell for every named column, and no more cells than
/// the header line (empty header cells at its end may go unfilled).
fn check_width(
    record: &csv::StringRecord,
    columns: &Columns,
    delimiter: u8,
) -> std::result::Result<(), (u64, String)> {
    let got = record.len();
    let (named, width) = (columns.named_width(), columns.width);
    let d = char::from(delimiter).escape_default();
    if got < named {
        return Err((
            got as u64 + 1,
            format!(
                "this row has {got} cells but the header has {named}; a '{d}' is missing, or the row was cut short"
            ),
        ));
    }
    if got > width {
        return Err((
            width as u64 + 1,
            format!(
                "this row has {got} cells but the header has {width}; a cell containing '{d}' is not in double quotes, or the row has a stray '{d}'"
            ),
        ));
    }
    Ok(())
}

/// The `csv` reader plus the checks it does not do, with line numbers.
struct Records<'a> {
    reader: csv::Reader<&'a [u8]>,
    record: csv::StringRecord,
    lines: Lines<'a>,
    data: &'a [u8],
    delimiter: u8,
    path: &'a Path,
}

impl<'a> Records<'a> {
    fn new(data: &'a [u8], delimiter: u8, path: &'a Path) -> Self {
        Records {
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(data),
            record: csv::StringRecord::new(),
            lines: Lines::new(data),
            data,
            delimiter,
            path,
        }
    }

    /// Reads the next record into `self.record`; returns its line.
    fn next(&mut self) -> Result<Option<u64>> {
        let from = self.reader.position().byte() as usize;
        let read = self.reader.read_record(&mut self.record);
        let start = self.lines.record_start(from);
        let line = self.lines.line_at(start);
        match read {
            Ok(false) => Ok(None),
            Ok(true) => {
                let end = self.reader.position().byte() as usize;
                self.check(start, end, line)?;
                if let Some((column, message)) = crate::input_file::long_cell(&self.record) {
                    return Err(error(self.path, Some(line), Some(column), message));
                }
                Ok(Some(line))
            }
            Err(e) => Err(match e.kind() {
                csv::ErrorKind::Utf8 { err, .. } => {
                    let detail = self.utf8_detail(start, err.field(), err.valid_up_to());
                    error(
                        self.path,
                        Some(line),
                        Some(err.field() as u64 + 1),
                        format!("this cell is not valid UTF-8 (save the file as UTF-8){detail}"),
                    )
                }
                _ => error(self.path, Some(line), None, e.to_string()),
            }),
        }
    }

    fn check(&self, start: usize, end: usize, line: u64) -> Result<()> {
        let text = self.record.as_slice();
        let at_end = end >= self.data.len();
        if !at_end && !text.bytes().any(|b| b == 0 || b == b'\n' || b == b'\r') {
            return Ok(());
        }
        if let Some(field) = self.record.iter().position(|c| c.contains('\0')) {
            return Err(error(
                self.path,
                Some(line),
                Some(field as u64 + 1),
                "this cell contains a NUL byte: the file is not a text CSV \
                 (UTF-16 without a byte order mark, or a binary file?); export the roster as CSV UTF-8",
            ));
        }
        if (at_end || text.contains(['\n', '\r']))
            && let Some(raw) = self.data.get(start..end.min(self.data.len()))
            && let Some(field) = input::unclosed_quote(raw, self.delimiter)
        {
            return Err(error(
                self.path,
                Some(line),
                Some(field as u64 + 1),
                "the quoted cell starting on this line is never closed (a '\"' is missing), \
                 so the rest of the file was read as one cell",
            ));
        }
        Ok(())
    }

    /// Which bytes are wrong, and the encoding they suggest.
    fn utf8_detail(&self, start: usize, field: usize, valid_up_to: usize) -> String {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .from_reader(self.data.get(start..).unwrap_or_default());
        let mut raw = csv::ByteRecord::new();
        let Ok(true) = reader.read_byte_record(&mut raw) else {
            return String::new();
        };
        let Some(cell) = raw.get(field) else {
            return String::new();
        };
        let Some(&bad) = cell.get(valid_up_to) else {
            return String::new();
        };
        let before = String::from_utf8_lossy(&cell[..valid_up_to]);
        let tail: String = {
            let chars: Vec<char> = before.chars().rev().take(20).collect();
            chars.into_iter().rev().collect()
        };
        format!(
            ": byte 0x{bad:02X} after {}; the file looks Latin-1/Windows-1252 encoded (Excel's plain \"CSV\"; choose \"CSV UTF-8\" instead)",
            cells::shown(&tail)
        )
    }
}
