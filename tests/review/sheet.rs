//! A worksheet as a reviewer's spreadsheet sees it: read from the CSV
//! `review start` wrote, filled in, and saved back in the dialect of one
//! spreadsheet program.

use std::path::Path;

/// How a spreadsheet program saves a CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// As written by `review start`: `,`, minimal quoting, LF.
    Plain,
    /// Excel ("CSV UTF-8"): a BOM, `;` (a European locale), CRLF.
    Excel,
    /// LibreOffice Calc with "quote all text cells": `,`, every field
    /// quoted, LF.
    LibreOffice,
    /// Google Sheets: `,`, minimal quoting, CRLF.
    GoogleSheets,
    /// Excel with a `sep=;` first line naming the delimiter, `;`, LF.
    SepLine,
}

impl Dialect {
    /// The physical line of the header.
    pub fn header_line(self) -> u64 {
        if self == Dialect::SepLine { 2 } else { 1 }
    }
}

/// The header and rows of a worksheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Sheet {
    pub fn read(path: &Path) -> Sheet {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut r = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
        let header = r.headers().unwrap().iter().map(str::to_owned).collect();
        let rows = r
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
            .collect();
        Sheet { header, rows }
    }

    /// The 0-based index of column `name`.
    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    pub fn line_ids(&self) -> Vec<String> {
        self.rows.iter().map(|r| r[0].clone()).collect()
    }

    /// The row of `line_id`.
    pub fn row(&self, line_id: &str) -> &Vec<String> {
        self.rows
            .iter()
            .find(|r| r[0] == line_id)
            .unwrap_or_else(|| panic!("no line {line_id} in {:?}", self.line_ids()))
    }

    pub fn row_mut(&mut self, line_id: &str) -> &mut Vec<String> {
        let ids = self.line_ids();
        self.rows
            .iter_mut()
            .find(|r| r[0] == line_id)
            .unwrap_or_else(|| panic!("no line {line_id} in {ids:?}"))
    }

    /// Sets the cell of column `name` on the row of `line_id`.
    pub fn set(&mut self, line_id: &str, name: &str, value: &str) -> &mut Sheet {
        let c = self.col(name);
        self.row_mut(line_id)[c] = value.into();
        self
    }

    /// Fills in `decision`, `new_role` and `note` of `line_id`.
    pub fn decide(
        &mut self,
        line_id: &str,
        decision: &str,
        new_role: &str,
        note: &str,
    ) -> &mut Sheet {
        self.set(line_id, "decision", decision)
            .set(line_id, "new_role", new_role)
            .set(line_id, "note", note)
    }

    /// The physical line the row of `line_id` is on once saved in
    /// `dialect` (no cell of the rows before it holds a line break).
    pub fn line_of(&self, line_id: &str, dialect: Dialect) -> u64 {
        let i = self
            .rows
            .iter()
            .position(|r| r[0] == line_id)
            .unwrap_or_else(|| panic!("no line {line_id}"));
        dialect.header_line() + 1 + i as u64
    }

    /// The bytes as `dialect` saves them.
    pub fn bytes(&self, dialect: Dialect) -> Vec<u8> {
        let (prefix, delimiter, crlf, always): (&[u8], u8, bool, bool) = match dialect {
            Dialect::Plain => (b"", b',', false, false),
            Dialect::Excel => (b"\xEF\xBB\xBF", b';', true, false),
            Dialect::LibreOffice => (b"", b',', false, true),
            Dialect::GoogleSheets => (b"", b',', true, false),
            Dialect::SepLine => (b"sep=;\n", b';', false, false),
        };
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .terminator(if crlf {
                csv::Terminator::CRLF
            } else {
                csv::Terminator::Any(b'\n')
            })
            .quote_style(if always {
                csv::QuoteStyle::Always
            } else {
                csv::QuoteStyle::Necessary
            })
            .from_writer(prefix.to_vec());
        w.write_record(&self.header).unwrap();
        for row in &self.rows {
            w.write_record(row).unwrap();
        }
        w.into_inner().unwrap()
    }

    /// Saves it as `dialect` to `path`.
    pub fn save(&self, path: &Path, dialect: Dialect) -> std::path::PathBuf {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, self.bytes(dialect)).unwrap();
        path.to_owned()
    }
}
