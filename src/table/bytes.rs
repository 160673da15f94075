//! The bytes around the CSV: encodings and file types we refuse, the BOM,
//! the delimiter, unclosed quotes and line numbers.
//!
//! The `csv` crate does the RFC 4180 work, but it skips blank lines without
//! counting them and accepts an unclosed quote by reading to the end of the
//! file; this module fills both gaps so that every message names the right
//! line.

use super::{Kind, fold};

/// Checks what the file is and returns its bytes without a UTF-8 BOM.
/// `Err` is a whole-file message (no line).
pub(crate) fn prepare<'a>(bytes: &'a [u8], kind: &Kind) -> Result<&'a [u8], String> {
    let what = kind.what;
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(format!(
            "the {what} is UTF-16 encoded (it starts with a UTF-16 byte order mark); \
             save it as UTF-8 (in Excel: \"CSV UTF-8 (Comma delimited)\")"
        ));
    }
    if bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Err(format!("the {what} is UTF-32 encoded; save it as UTF-8"));
    }
    let data = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(file) = binary_kind(data) {
        return Err(format!(
            "this is {file}, not a CSV file; {} as CSV (UTF-8)",
            kind.export
        ));
    }
    if data.iter().all(|&b| b == b'\r' || b == b'\n') {
        return Err(format!(
            "the {what} is empty: expected a header line (e.g. {}) and one line per {}",
            kind.example, kind.row
        ));
    }
    Ok(data)
}

/// Recognises the files people export by mistake instead of a CSV.
fn binary_kind(data: &[u8]) -> Option<&'static str> {
    const KINDS: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF-", "a PDF document"),
        (
            b"PK\x03\x04",
            "a ZIP archive (an .xlsx or .ods spreadsheet?)",
        ),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            "an old Office document (an .xls spreadsheet?)",
        ),
        (b"\x1F\x8B", "a gzip archive"),
    ];
    KINDS
        .iter()
        .find(|(magic, _)| data.starts_with(magic))
        .map(|&(_, kind)| kind)
}

/// Excel's `sep=;` first line, which names the delimiter: the delimiter.
pub(crate) fn excel_sep_line(data: &[u8]) -> Option<u8> {
    let head = data.get(..4)?;
    if !head.eq_ignore_ascii_case(b"sep=") {
        return None;
    }
    match data.get(4..) {
        Some([d, rest @ ..]) if matches!(rest.first(), None | Some(b'\r' | b'\n')) => Some(*d),
        _ => None,
    }
}

/// Picks `,`, `;` or tab: the one that splits the header line into the most
/// recognised headers (`is_known` is asked of each [`fold`]ed header), then
/// into the most cells; comma on a tie.
pub(crate) fn sniff_delimiter(data: &[u8], is_known: &dyn Fn(&str) -> bool) -> u8 {
    let start = data
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(data.len());
    let line = &data[start..];
    let end = line
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(line.len());
    let line = &line[..end];
    let mut best = (b',', 0, 0);
    for delimiter in [b',', b';', b'\t'] {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(line);
        let mut record = csv::ByteRecord::new();
        if !matches!(reader.read_byte_record(&mut record), Ok(true)) {
            continue;
        }
        let known = record
            .iter()
            .filter(|h| is_known(&fold(&String::from_utf8_lossy(h))))
            .count();
        if (known, record.len()) > (best.1, best.2) {
            best = (delimiter, known, record.len());
        }
    }
    best.0
}

/// The 0-based field of a record whose opening quote is never closed.
/// `raw` is the record's bytes up to where the reader stopped.
pub(crate) fn unclosed_quote(raw: &[u8], delimiter: u8) -> Option<usize> {
    let (mut field, mut at_start, mut quoted) = (0, true, false);
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if quoted {
            if b == b'"' {
                if raw.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if b == delimiter {
            field += 1;
            at_start = true;
        } else if b == b'\n' || b == b'\r' {
            return None;
        } else {
            quoted = at_start && b == b'"';
            at_start = false;
        }
        i += 1;
    }
    quoted.then_some(field)
}

/// Turns the byte offsets the `csv` reader reports into 1-based line
/// numbers, counting `\n`, `\r\n` and a lone `\r` as one line end each.
/// Offsets must be asked for in increasing order.
#[derive(Debug)]
pub(crate) struct Lines<'a> {
    data: &'a [u8],
    pos: usize,
    line: u64,
    lone_cr: bool,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        let lone_cr = data
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\r' && data.get(i + 1) != Some(&b'\n'));
        Lines {
            data,
            pos: 0,
            line: 1,
            lone_cr,
        }
    }

    /// The byte where a record really starts, when the reader began looking
    /// for it at `from` (it skips blank lines first).
    pub(crate) fn record_start(&self, from: usize) -> usize {
        let from = from.min(self.data.len());
        from + self.data[from..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count()
    }

    /// The line of byte `offset`.
    pub(crate) fn line_at(&mut self, offset: usize) -> u64 {
        let offset = offset.min(self.data.len());
        if offset > self.pos {
            let span = &self.data[self.pos..offset];
            let mut n = span.iter().filter(|&&b| b == b'\n').count();
            if self.lone_cr {
                n += span
                    .iter()
                    .enumerate()
                    .filter(|&(i, &b)| {
                        b == b'\r' && self.data.get(self.pos + i + 1) != Some(&b'\n')
                    })
                    .count();
            }
            self.line += n as u64;
            self.pos = offset;
        }
        self.line
    }
}
