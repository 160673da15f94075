//! `--roster-map FILE.toml`: the user's names for our fields.
//!
//! ```toml
//! [columns]
//! email = "Correo electrónico"
//! status = "Estado"
//! ```
//!
//! Keys are our field names; values are header texts of the roster (compared
//! the same forgiving way as the built-in aliases). Every mistake points at
//! the map file's line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::headers::Field;
use crate::error::{Error, Result};

/// A parsed map file.
#[derive(Debug, Clone)]
pub(crate) struct RosterMap {
    pub(crate) path: PathBuf,
    pub(crate) entries: Vec<MapEntry>,
}

/// One `field = "Header"` line.
#[derive(Debug, Clone)]
pub(crate) struct MapEntry {
    pub(crate) field: Field,
    pub(crate) header: String,
    /// Where the value is written in the map file (1-based).
    pub(crate) line: u64,
    pub(crate) column: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, Spanned<String>>,
}

impl RosterMap {
    pub(crate) fn load(path: &Path) -> Result<RosterMap> {
        let bytes = crate::input_file::read(path, crate::input_file::TOML_MAX_BYTES, "roster map")?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let (line, column) = position(&String::from_utf8_lossy(&bytes), e.valid_up_to());
            error(
                path,
                line,
                column,
                "the map file is not valid UTF-8 (save the file as UTF-8)",
            )
        })?;
        RosterMap::parse(text, path)
    }

    pub(crate) fn parse(text: &str, path: &Path) -> Result<RosterMap> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let file: MapFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |span| position(text, span.start));
            error(path, line, column, e.message().to_owned())
        })?;
        let mut entries: Vec<MapEntry> = Vec::with_capacity(file.columns.len());
        for (key, value) in file.columns {
            let (line, column) = position(text, key.span().start);
            let Some(field) = Field::from_key(key.get_ref()) else {
                let keys: Vec<&str> = Field::ALL.iter().map(|f| f.key()).collect();
                return Err(error(
                    path,
                    line,
                    column,
                    format!(
                        "unknown field '{}' in [columns]; the fields are {}",
                        key.get_ref(),
                        keys.join(", ")
                    ),
                ));
            };
            let (line, column) = position(text, value.span().start);
            let header = value.into_inner();
            if header.trim().is_empty() {
                return Err(error(
                    path,
                    line,
                    column,
                    format!(
                        "columns.{} is empty; give the roster's header text",
                        field.key()
                    ),
                ));
            }
            entries.push(MapEntry {
                field,
                header,
                line,
                column,
            });
        }
        // BTreeMap order is alphabetical: report problems in file order.
        entries.sort_by_key(|e| (e.line, e.column));
        Ok(RosterMap {
            path: path.to_owned(),
            entries,
        })
    }
}

fn error(path: &Path, line: u64, column: u64, message: impl Into<String>) -> Error {
    Error::Input {
        path: path.to_owned(),
        line: Some(line),
        column: Some(column),
        message: message.into(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (u64, u64) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() as u64 + 1;
    (line, column)
}
