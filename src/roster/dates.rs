//! Termination dates.
//!
//! ISO 8601 is always accepted: `2026-03-31`, or with a time part
//! (`2026-03-31T17:00:00Z`, `2026-03-31 17:00`). The date is taken as written:
//! an offset does not move it to another day, because HR writes the person's
//! local last day. Any other layout needs `--date-format` (a chrono strftime
//! string); `03/04/2026` is never guessed to be March or April. When a cell is
//! not ISO, the message proposes the `--date-format` that would read it.

use chrono::NaiveDate;
use chrono::format::{Item, Parsed, StrftimeItems};

use super::cells::shown;
use crate::error::{Error, Result};

/// Reads dates as ISO 8601 or in the user's `--date-format`.
#[derive(Debug, Clone)]
pub(crate) struct DateReader {
    custom: Option<(String, Vec<Item<'static>>)>,
}

impl DateReader {
    /// Validates `--date-format` once, up front.
    pub(crate) fn new(format: Option<&str>) -> Result<DateReader> {
        let custom = match format {
            None => None,
            Some(f) => {
                let items = StrftimeItems::new(f).parse_to_owned().map_err(|_| {
                    Error::Usage(format!(
                        "--date-format '{f}' is not a valid strftime format (e.g. '%m/%d/%Y' or '%d.%m.%Y')"
                    ))
                })?;
                Some((f.to_owned(), items))
            }
        };
        Ok(DateReader { custom })
    }

    /// Reads a non-empty, trimmed cell.
    pub(crate) fn parse(&self, cell: &str) -> Result<NaiveDate, String> {
        let iso = iso(cell);
        let Some((format, items)) = &self.custom else {
            return iso.map_err(|e| e.message(cell));
        };
        if let Ok(date) = iso {
            return Ok(date);
        }
        let mut parsed = Parsed::new();
        let result = chrono::format::parse(&mut parsed, cell, items.iter())
            .and_then(|()| parsed.to_naive_date());
        result.map_err(|e| match e.kind() {
            chrono::format::ParseErrorKind::OutOfRange
            | chrono::format::ParseErrorKind::Impossible => format!(
                "termination date {} is not a valid calendar date (read with --date-format '{format}')",
                shown(cell)
            ),
            _ => format!(
                "termination date {} is neither ISO 8601 (YYYY-MM-DD) nor in the --date-format '{format}'",
                shown(cell)
            ),
        })
    }
}

/// Why a cell is not an ISO date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IsoError {
    NotIso,
    NoSuchDay,
    TrailingText,
}

impl IsoError {
    fn message(self, cell: &str) -> String {
        match self {
            IsoError::NoSuchDay => format!(
                "termination date {} is not a valid calendar date",
                shown(cell)
            ),
            IsoError::TrailingText => format!(
                "termination date {} has unexpected text after the date (expected YYYY-MM-DD, optionally followed by a time)",
                shown(cell)
            ),
            IsoError::NotIso => match suggest_format(cell) {
                Some(format) => format!(
                    "termination date {} is not ISO 8601 (YYYY-MM-DD); pass --date-format {format} if that is the roster's format",
                    shown(cell)
                ),
                None if cell.len() <= 6 && cell.bytes().all(|b| b.is_ascii_digit()) => format!(
                    "termination date {} is a number, not a date (a spreadsheet date serial?); format the column as YYYY-MM-DD before exporting",
                    shown(cell)
                ),
                None => format!(
                    "termination date {} is not ISO 8601 (YYYY-MM-DD); pass --date-format with the roster's strftime format (e.g. '%m/%d/%Y')",
                    shown(cell)
                ),
            },
        }
    }
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and a time of day.
fn iso(cell: &str) -> Result<NaiveDate, IsoError> {
    let b = cell.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        part.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return Err(IsoError::NotIso);
    };
    if b[4] != b'-' || b[7] != b'-' {
        return Err(IsoError::NotIso);
    }
    if b.get(10).is_some_and(u8::is_ascii_digit) {
        return Err(IsoError::NotIso);
    }
    let date = NaiveDate::from_ymd_opt(y as i32, m, d).ok_or(IsoError::NoSuchDay)?;
    match b.get(10) {
        None => Ok(date),
        Some(b'T' | b't' | b' ') if time_of_day(&b[11..]) => Ok(date),
        Some(_) => Err(IsoError::TrailingText),
    }
}

/// `HH:MM[:SS[.fff]]` then an optional `Z`, `±HH:MM`, `±HHMM` or ` UTC`.
fn time_of_day(b: &[u8]) -> bool {
    let two = |i: usize, max: u8| -> bool {
        matches!(b.get(i..i + 2), Some([t, u]) if t.is_ascii_digit() && u.is_ascii_digit()
            && (t - b'0') * 10 + (u - b'0') <= max)
    };
    if !(two(0, 24) && b.get(2) == Some(&b':') && two(3, 59)) {
        return false;
    }
    let mut i = 5;
    if b.get(i) == Some(&b':') {
        if !two(i + 1, 60) {
            return false;
        }
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return false;
            }
        }
    }
    let zone = &b[i.min(b.len())..];
    match zone {
        [] | [b'Z' | b'z'] | b" UTC" | b"UTC" => true,
        [b'+' | b'-', rest @ ..] => {
            let ok_hh = |p: &[u8]| p.len() == 2 && p.iter().all(u8::is_ascii_digit);
            match rest.len() {
                2 => ok_hh(rest),
                4 => ok_hh(&rest[..2]) && ok_hh(&rest[2..]),
                5 => ok_hh(&rest[..2]) && rest[2] == b':' && ok_hh(&rest[3..]),
                _ => false,
            }
        }
        _ => false,
    }
}

/// The strftime format (quoted) that would read `cell`, for dates like `03/31/2026`,
/// `31.03.2026`, `31-Mar-2026` or `March 31, 2026`. When day and month
/// cannot be told apart, the US order is proposed and the other one named.
fn suggest_format(cell: &str) -> Option<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Part {
        Num(u32, usize),
        Month(bool),
    }
    let mut parts: Vec<Part> = Vec::new();
    let mut seps: Vec<String> = vec![String::new()];
    let mut rest = cell;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_digit() {
            let n = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if n > 4 {
                return None;
            }
            parts.push(Part::Num(rest[..n].parse().ok()?, n));
            seps.push(String::new());
            rest = &rest[n..];
        } else if c.is_ascii_alphabetic() {
            let n = rest
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            parts.push(Part::Month(month(&rest[..n])?));
            seps.push(String::new());
            rest = &rest[n..];
        } else {
            let sep = seps.last_mut()?;
            if c == '%' {
                sep.push('%');
            }
            sep.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if parts.len() != 3 || !seps[0].is_empty() || !seps[3].is_empty() {
        return None;
    }
    let year = |p: Part| match p {
        Part::Num(_, 4) => Some("%Y"),
        Part::Num(_, 2) => Some("%y"),
        _ => None,
    };
    let name = |abbreviated: bool| if abbreviated { "%b" } else { "%B" };
    let small = |p: Part| matches!(p, Part::Num(n, 1..=2) if n <= 31);
    let (a, b, c) = (parts[0], parts[1], parts[2]);
    let quoted = |f: [&str; 3]| format!("'{}{}{}{}{}'", f[0], seps[1], f[1], seps[2], f[2]);
    Some(match (a, b) {
        (Part::Num(_, 4), Part::Num(..)) if small(b) && small(c) => quoted(["%Y", "%m", "%d"]),
        (_, Part::Month(abbr)) if small(a) => quoted(["%d", name(abbr), year(c)?]),
        (Part::Month(abbr), _) if small(b) => quoted([name(abbr), "%d", year(c)?]),
        (Part::Num(x, _), Part::Num(y, _)) if small(a) && small(b) => {
            let yr = year(c)?;
            if x > 12 {
                quoted(["%d", "%m", yr])
            } else if y > 12 {
                quoted(["%m", "%d", yr])
            } else {
                // Day and month both ≤ 12: propose US order and name the other.
                format!(
                    "{} (or {})",
                    quoted(["%m", "%d", yr]),
                    quoted(["%d", "%m", yr])
                )
            }
        }
        _ => return None,
    })
}

/// Whether `word` is an English month name: `Some(true)` when abbreviated.
fn month(word: &str) -> Option<bool> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let w = word.to_ascii_lowercase();
    MONTHS.iter().find_map(|m| {
        if *m == w {
            Some(w.len() == 3)
        } else if w.len() == 3 && m.starts_with(&w) {
            Some(true)
        } else {
            None
        }
    })
}
