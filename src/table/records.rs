//! The `csv` reader plus the checks it does not do: the line every record
//! starts on, NUL bytes, unclosed quotes, invalid UTF-8 and overlong cells.

use std::path::Path;

use super::bytes::{self, Lines};
use super::{Kind, error};
use crate::error::Result;

/// The `csv` reader plus the checks it does not do, with line numbers.
pub(crate) struct Records<'a> {
    reader: csv::Reader<&'a [u8]>,
    pub(crate) record: csv::StringRecord,
    lines: Lines<'a>,
    data: &'a [u8],
    delimiter: u8,
    path: &'a Path,
    kind: &'a Kind,
}

impl<'a> Records<'a> {
    pub(crate) fn new(data: &'a [u8], delimiter: u8, path: &'a Path, kind: &'a Kind) -> Self {
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
            kind,
        }
    }

    /// Reads the next record into `self.record`; returns its line.
    pub(crate) fn next(&mut self) -> Result<Option<u64>> {
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
                format!(
                    "this cell contains a NUL byte: the file is not a text CSV \
                     (UTF-16 without a byte order mark, or a binary file?); export the {} as CSV UTF-8",
                    self.kind.what
                ),
            ));
        }
        if (at_end || text.contains(['\n', '\r']))
            && let Some(raw) = self.data.get(start..end.min(self.data.len()))
            && let Some(field) = bytes::unclosed_quote(raw, self.delimiter)
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
            super::shown(&tail)
        )
    }
}
