//! One reader for every table a user hands us — the roster, the
//! `--identities` file, the `--activity` export — so that all three accept
//! the same files and fail with the same `file:line:column` messages.
//!
//! - **Bytes** ([`bytes`]): UTF-8 with or without a BOM; UTF-16/32,
//!   spreadsheets (.xlsx/.xls), images and other binaries are refused by
//!   name; NUL bytes and invalid UTF-8 are reported at their line and column.
//! - **CSV** ([`records`]): RFC 4180 quoting via the `csv` crate; `,`, `;`
//!   or tab, chosen from the header line (the delimiter that yields
//!   recognised headers); Excel's `sep=;` first line is honoured. LF, CRLF or
//!   CR line ends. A row's line number is the line where it starts (a quoted
//!   cell may span lines). Blank rows (`,,,`) are skipped. A row with fewer
//!   or more cells than the header is an error (a shifted row would put data
//!   under the wrong column). No cell may pass
//!   [`crate::input_file::CELL_MAX_BYTES`].
//! - **Headers** ([`fold`]): compared case-insensitively, blind to spaces
//!   and punctuation, and to a bracketed suffix (`Status [READ ONLY]`).
//!
//! What the columns mean is the caller's: this module only hands out rows.

mod bytes;
mod records;

use std::path::Path;

use crate::error::{Error, Result};

use records::Records;

/// What kind of table a file is, for messages.
#[derive(Debug)]
pub(crate) struct Kind {
    /// The file as messages name it: "roster", "identities file".
    pub(crate) what: &'static str,
    /// A header line to show as an example.
    pub(crate) example: &'static str,
    /// What one line describes: "person".
    pub(crate) row: &'static str,
    /// How to get a CSV instead of a binary file: "export the roster from
    /// the HR system" (" as CSV (UTF-8)" follows).
    pub(crate) export: &'static str,
}

/// A table whose header line has been read; [`Table::next_row`] reads the
/// rest.
pub(crate) struct Table<'a> {
    records: Records<'a>,
    path: &'a Path,
    data: &'a [u8],
    delimiter: u8,
    /// The line of the header.
    pub(crate) header_line: u64,
    /// The header cells, trimmed.
    pub(crate) headers: Vec<String>,
}

impl<'a> Table<'a> {
    /// Checks the bytes, picks the delimiter (`is_known` says whether a
    /// [`fold`]ed header means something to the caller) and reads the
    /// header line. `path` is only used in messages.
    pub(crate) fn open(
        bytes: &'a [u8],
        path: &'a Path,
        kind: &'a Kind,
        is_known: &dyn Fn(&str) -> bool,
    ) -> Result<Table<'a>> {
        let data = bytes::prepare(bytes, kind).map_err(|m| error(path, None, None, m))?;
        let sep_line = bytes::excel_sep_line(data);
        let delimiter = sep_line.unwrap_or_else(|| bytes::sniff_delimiter(data, is_known));
        let mut records = Records::new(data, delimiter, path, kind);
        if sep_line.is_some() {
            records.next()?;
        }
        let Some(header_line) = records.next()? else {
            return Err(error(
                path,
                None,
                None,
                format!("the {} is empty", kind.what),
            ));
        };
        let headers: Vec<String> = records.record.iter().map(|h| h.trim().to_owned()).collect();
        if headers.iter().all(String::is_empty) {
            return Err(error(
                path,
                Some(header_line),
                None,
                format!(
                    "the header line is blank; the first line must name the columns (e.g. {})",
                    kind.example
                ),
            ));
        }
        Ok(Table {
            records,
            path,
            data,
            delimiter,
            header_line,
            headers,
        })
    }

    /// At least as many rows as the file has (its line ends), to size
    /// collections.
    pub(crate) fn max_rows(&self) -> usize {
        let count = |byte: u8| self.data.iter().filter(|&&b| b == byte).count();
        count(b'\n').max(count(b'\r'))
    }

    /// The next row that is not blank, with its line; its width is checked
    /// against the header's.
    pub(crate) fn next_row(&mut self) -> Result<Option<(u64, &csv::StringRecord)>> {
        let line = loop {
            let Some(line) = self.records.next()? else {
                return Ok(None);
            };
            if !self.records.record.iter().all(|c| c.trim().is_empty()) {
                break line;
            }
        };
        self.check_width(&self.records.record)
            .map_err(|(column, message)| error(self.path, Some(line), Some(column), message))?;
        Ok(Some((line, &self.records.record)))
    }

    /// A row must have a cell for every named column, and no more cells
    /// than the header line (empty header cells at its end may go unfilled).
    fn check_width(&self, record: &csv::StringRecord) -> std::result::Result<(), (u64, String)> {
        let got = record.len();
        let width = self.headers.len();
        let named = self
            .headers
            .iter()
            .rposition(|n| !n.is_empty())
            .map_or(0, |i| i + 1);
        let d = char::from(self.delimiter).escape_default();
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

    /// The first column whose header is one of `names` (compared [`fold`]ed).
    pub(crate) fn column(&self, names: &[&str]) -> Option<usize> {
        self.headers.iter().position(|h| is_one_of(&fold(h), names))
    }
}

/// Whether a [`fold`]ed header is one of `names` (as written).
pub(crate) fn is_one_of(folded: &str, names: &[&str]) -> bool {
    names.iter().any(|n| fold(n) == folded)
}

/// An input error at `path`, line and column when known.
pub(crate) fn error(
    path: &Path,
    line: Option<u64>,
    column: Option<u64>,
    message: impl Into<String>,
) -> Error {
    Error::Input {
        path: path.to_owned(),
        line,
        column,
        message: message.into(),
    }
}

/// Folds a header for comparison: case-insensitive, and blind to spaces and
/// punctuation (`_`, `-`, `.`, `(`, `'`…), except that `#` reads as "number"
/// ("Employee #" = "Employee Number"). A bracketed suffix is dropped, as
/// Google Workspace writes them ("Email Address [Required]" = "Email
/// Address"), unless nothing is left without it. Invalid UTF-8 is folded
/// lossily.
pub(crate) fn fold(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    for c in without_bracketed_suffix(header).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '#' {
            out.push_str("number");
        } else if !c.is_ascii() && c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// `header` without one trailing `[…]`, when something is left before it.
pub(crate) fn without_bracketed_suffix(header: &str) -> &str {
    let trimmed = header.trim_end();
    if let Some(inner) = trimmed.strip_suffix(']')
        && let Some(open) = inner.rfind('[')
        && trimmed[..open].chars().any(char::is_alphanumeric)
    {
        return &trimmed[..open];
    }
    header
}

/// A cell quoted for a message: control characters escaped, long text cut.
pub(crate) fn shown(cell: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::with_capacity(cell.len().min(MAX * 2) + 2);
    out.push('\'');
    for (n, c) in cell.chars().enumerate() {
        if n == MAX {
            out.push('…');
            break;
        }
        if c.is_control() || c == '\u{feff}' {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_fold_without_a_bracketed_suffix() {
        for (header, folded) in [
            ("Email Address [Required]", "emailaddress"),
            ("Status [READ ONLY] ", "status"),
            (
                "Recovery Phone [MUST BE IN THE E.164 FORMAT]",
                "recoveryphone",
            ),
            ("E-mail", "email"),
            (" HF_Username ", "hfusername"),
            ("Employee #", "employeenumber"),
            ("[Required]", "required"),
            ("Phone [work] ext", "phoneworkext"),
            ("Name [a] [b]", "namea"),
        ] {
            assert_eq!(fold(header), folded, "{header}");
        }
    }
}
