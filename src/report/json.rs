//! `findings.json`: the [`Report`] tree as it serialises (rustsec's habit),
//! so its field names are the CSV column names: `findings`, `seats` and
//! `access` rows, plus the orgs, roster summary, strangers and warnings.
//!
//! Unlike the CSVs, the JSON keeps Hub text exact; characters that would
//! reorder or hide text when the file is viewed (bidi controls, DEL, C1
//! controls, line separators) are written as `\uXXXX` escapes, so they never
//! appear raw in the file while a JSON reader still gets them back.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use crate::error::{Error, Result};
use crate::report::Report;
use crate::text::is_hostile_char;

/// Pretty-printed JSON with a trailing newline.
pub fn render(report: &Report) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write(report, &mut out)?;
    Ok(out)
}

/// [`render`], written to `out` as it serialises (a large org's is 10 MB).
pub fn write(report: &Report, out: &mut dyn Write) -> Result<()> {
    // serde_json writes a few bytes at a time (a key, an indent level):
    // gathered here, not one dynamic call each.
    let mut out = io::BufWriter::with_capacity(64 << 10, out);
    write_pretty(report, &mut out)?;
    out.write_all(b"\n")
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("<findings.json>", e))
}

/// `value` as pretty-printed JSON with [`is_hostile_char`]s escaped: the
/// one way every JSON the tool prints or writes (`findings.json`, `diff`
/// and `history --format json`) is made.
pub fn pretty<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_pretty(value, &mut out)?;
    Ok(out)
}

fn write_pretty<T: Serialize + ?Sized, W: Write>(value: &T, out: W) -> Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, EscapingFormatter::default());
    value
        .serialize(&mut ser)
        .map_err(|e| Error::io("<json>", io::Error::other(e.to_string())))
}

/// [`pretty`], as text (UTF-8, hostile characters escaped).
pub fn pretty_string<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let bytes = pretty(value)?;
    Ok(String::from_utf8(bytes).expect("serde_json writes UTF-8"))
}

/// `PrettyFormatter`, plus `\uXXXX` for [`is_hostile_char`]s that
/// serde_json would otherwise write raw (it escapes only C0 itself).
#[derive(Default)]
struct EscapingFormatter {
    pretty: PrettyFormatter<'static>,
}

impl Formatter for EscapingFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Most text is ASCII below DEL, where nothing is hostile (serde_json
        // escapes the C0 controls itself): one byte scan, one write.
        if fragment.bytes().all(|b| b < 0x7f) {
            return w.write_all(fragment.as_bytes());
        }
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_hostile_char(c)) {
            w.write_all(&rest.as_bytes()[..at])?;
            // Every hostile char is in the BMP: one escape is enough.
            write!(w, "\\u{:04x}", c as u32)?;
            rest = &rest[at + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.pretty.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.pretty.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::csv::{ACCESS_COLUMNS, FINDINGS_COLUMNS, SEATS_COLUMNS};
    use crate::report::testdata;
    use serde_json::Value;

    fn parsed() -> (Report, Value) {
        let report = testdata::report();
        let bytes = render(&report).unwrap();
        (report, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn same_field_names_as_the_csvs() {
        let (report, json) = parsed();
        for (key, columns, rows) in [
            ("findings", &FINDINGS_COLUMNS[..], report.findings.len()),
            ("seats", &SEATS_COLUMNS[..], report.seats.len()),
            ("access", &ACCESS_COLUMNS[..], report.access.len()),
        ] {
            let items = json[key].as_array().unwrap();
            assert_eq!(items.len(), rows, "{key}");
            for item in items {
                let obj = item.as_object().unwrap();
                for c in columns {
                    assert!(obj.contains_key(*c), "{key} lacks {c}");
                }
            }
        }
        for key in [
            "generated_at",
            "as_of",
            "orgs",
            "roster",
            "strangers",
            "warnings",
            "fail_on",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn hostile_characters_are_escaped_but_kept() {
        let report = testdata::report();
        let bytes = render(&report).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(!text.chars().any(|c| is_hostile_char(c) && c != '\n'));
        assert!(text.contains("\\u202e"));
        // Round trip: the reader gets the exact Hub text back.
        let json: Value = serde_json::from_slice(&bytes).unwrap();
        let names: Vec<&str> = json["access"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["fullname"].as_str())
            .collect();
        let expected: Vec<&str> = report
            .access
            .iter()
            .filter_map(|a| a.fullname.as_deref())
            .collect();
        assert_eq!(names, expected);
        assert!(expected.iter().any(|n| n.contains('\u{202E}')));
    }

    #[test]
    fn snapshot() {
        let report = testdata::report();
        testdata::snapshot(
            "findings.json",
            &String::from_utf8(render(&report).unwrap()).unwrap(),
        );
    }
}
