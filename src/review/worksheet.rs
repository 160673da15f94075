//! The reviewers' worksheets, and reading them back filled in.
//!
//! `worksheets/REVIEWER.csv` has the line id first, then the campaign id
//! and the reviewer (on every row: a worksheet says whose it is, whatever
//! the file is renamed to), then the facts, then the empty `decision`,
//! `new_role` and `note` columns. Cells are defused for spreadsheets
//! (`report::csv::text`). `worksheets/REVIEWER.html` shows the same lines
//! as a self-contained page to read and print (no script, no fetch, A4).
//!
//! A filled-in worksheet is read by the project's one CSV reader
//! (`crate::table`): whatever Excel, LibreOffice or Google Sheets saved
//! (BOM, CRLF, `;`, `sep=`, quoting) reads the same; extra columns are
//! ignored, the fact columns may be deleted, and every problem names the
//! file, line and column.

use std::path::Path;

use chrono::NaiveDate;
use minijinja::{Environment, UndefinedBehavior, Value, context};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Line;
use crate::error::{Error, Result};
use crate::report::csv::text;
use crate::report::utc_seconds as timestamp;
use crate::table::{self, Kind, Table, fold};
use crate::text::clean_text;

/// The fact columns, shared by the worksheets and `population.csv`.
pub const FACT_COLUMNS: [&str; 17] = [
    "org",
    "username",
    "fullname",
    "kind",
    "role",
    "groups",
    "gated_repos",
    "tokens",
    "token_last_used",
    "two_fa",
    "person",
    "email",
    "employee_id",
    "person_status",
    "match",
    "last_active",
    "findings",
];

/// The columns a reviewer fills in, last.
pub const DECISION_COLUMNS: [&str; 3] = ["decision", "new_role", "note"];

const LINE_ID: &str = "line_id";
const REVIEW_ID: &str = "review_id";
const REVIEWER: &str = "reviewer";

const KIND: Kind = Kind {
    what: "worksheet",
    example: "line_id,review_id,reviewer,…,decision,new_role,note",
    row: "line",
    export: "save the worksheet from the spreadsheet",
};

const TEMPLATE: &str = "worksheet.html.j2";
const TEMPLATE_SOURCE: &str = include_str!("../../templates/worksheet.html.j2");
const STYLE: &str = include_str!("../../templates/worksheet.css");

/// The facts of a line, defused, in [`FACT_COLUMNS`] order.
pub fn facts(l: &Line) -> Vec<String> {
    let opt = |s: &Option<String>| s.as_deref().map(text).unwrap_or_default();
    vec![
        text(&l.org),
        text(&l.username),
        opt(&l.fullname),
        text(&l.kind),
        opt(&l.role),
        text(&l.groups.join(";")),
        text(&l.gated_repos.join(";")),
        l.tokens.map(|n| n.to_string()).unwrap_or_default(),
        l.token_last_used.map(timestamp).unwrap_or_default(),
        l.two_fa.map(|b| b.to_string()).unwrap_or_default(),
        opt(&l.person),
        opt(&l.email),
        opt(&l.employee_id),
        opt(&l.person_status),
        text(l.match_method.as_str()),
        l.last_active.map(timestamp).unwrap_or_default(),
        text(&l.findings.join(";")),
    ]
}

/// A CSV (RFC 4180, `,`, LF, no BOM) of `header` and `rows`.
pub fn csv_table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    w.write_record(header).expect("in memory");
    for row in rows {
        w.write_record(&row).expect("in memory");
    }
    w.into_inner().expect("in memory")
}

/// `worksheets/REVIEWER.csv`: `lines` are the reviewer's.
pub fn csv(review_id: &str, reviewer: &str, lines: &[&Line]) -> Vec<u8> {
    let header: Vec<&str> = [LINE_ID, REVIEW_ID, REVIEWER]
        .into_iter()
        .chain(FACT_COLUMNS)
        .chain(DECISION_COLUMNS)
        .collect();
    csv_table(
        &header,
        lines.iter().map(|l| {
            let mut row = vec![text(&l.line_id), text(review_id), text(reviewer)];
            row.extend(facts(l));
            row.extend([String::new(), String::new(), String::new()]);
            row
        }),
    )
}

/// The file name stem of a reviewer's worksheets: the email lower-cased,
/// every character but letters, digits and `@._+-` as `_`, no leading dot,
/// at most 100 characters. Never a path.
pub fn file_stem(email: &str) -> String {
    let mut stem: String = email
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "@._+-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    while stem.starts_with('.') {
        stem.replace_range(..1, "_");
    }
    if stem.is_empty() {
        stem.push_str("reviewer");
    }
    stem
}

/// The stems of `reviewers`' worksheets, distinct: two emails that clean
/// to the same stem get a short hash of the email each.
pub fn file_stems(reviewers: &[&str]) -> Vec<String> {
    let stems: Vec<String> = reviewers.iter().map(|r| file_stem(r)).collect();
    stems
        .iter()
        .zip(reviewers)
        .map(|(stem, email)| {
            if stems.iter().filter(|s| *s == stem).count() > 1 {
                let hash = hex::encode(Sha256::digest(email.as_bytes()));
                format!("{stem}-{}", &hash[..8])
            } else {
                stem.clone()
            }
        })
        .collect()
}

/// What the HTML worksheet shows.
pub struct Header<'a> {
    pub review_id: &'a str,
    pub reviewer: &'a str,
    pub as_of: NaiveDate,
    pub due: Option<NaiveDate>,
    pub csv_name: &'a str,
}

#[derive(Serialize)]
struct LineView {
    line_id: String,
    account: String,
    facts: Vec<(String, String)>,
    findings: String,
}

/// `worksheets/REVIEWER.html`: the same lines, to read and print.
pub fn html(header: &Header<'_>, lines: &[&Line]) -> Result<String> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.add_template(TEMPLATE, TEMPLATE_SOURCE)
        .map_err(|e| template_error(&e))?;
    let clean = |s: &str| clean_text(s).into_owned();
    let opt = |s: &Option<String>| s.as_deref().map(clean).unwrap_or_default();
    let views: Vec<LineView> = lines
        .iter()
        .map(|l| LineView {
            line_id: clean(&l.line_id),
            account: format!("{} / {}", clean(&l.org), clean(&l.username)),
            facts: vec![
                ("Name".into(), opt(&l.fullname)),
                ("Kind".into(), clean(&l.kind)),
                ("Role".into(), opt(&l.role)),
                ("Groups".into(), clean(&l.groups.join(", "))),
                ("Gated repos".into(), clean(&l.gated_repos.join(", "))),
                (
                    "Tokens".into(),
                    match (l.tokens, l.token_last_used) {
                        (None, _) => "not listed".into(),
                        (Some(n), Some(t)) => format!("{n}, last used {}", timestamp(t)),
                        (Some(n), None) => n.to_string(),
                    },
                ),
                (
                    "2FA".into(),
                    l.two_fa
                        .map_or("unknown", |b| if b { "yes" } else { "no" })
                        .into(),
                ),
                (
                    "Person".into(),
                    [opt(&l.person), opt(&l.email), opt(&l.person_status)]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                ("Match".into(), l.match_method.as_str().into()),
                (
                    "Last active".into(),
                    l.last_active
                        .map(timestamp)
                        .unwrap_or_else(|| "unknown".into()),
                ),
            ],
            findings: clean(&l.findings.join(", ")),
        })
        .collect();
    let csp = crate::report::html::content_security_policy(STYLE, "");
    let ctx = context! {
        csp => csp,
        style => Value::from_safe_string(STYLE.to_string()),
        review_id => clean(header.review_id),
        reviewer => clean(header.reviewer),
        as_of => header.as_of.to_string(),
        due => header.due.map(|d| d.to_string()),
        csv_name => clean(header.csv_name),
        lines => views,
        tool_version => env!("CARGO_PKG_VERSION"),
    };
    env.get_template(TEMPLATE)
        .and_then(|t| t.render(ctx))
        .map_err(|e| template_error(&e))
}

fn template_error(e: &minijinja::Error) -> Error {
    Error::Config {
        path: Path::new("templates").join(TEMPLATE),
        message: e.to_string(),
    }
}

/// A cell read back: located, trimmed, and with the `'` our writer put in
/// front of a formula-like cell taken off again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub value: String,
    /// 1-based.
    pub column: u64,
}

/// One row of a filled-in worksheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilledRow {
    pub line: u64,
    pub line_id: Cell,
    pub review_id: Option<Cell>,
    pub reviewer: Cell,
    pub decision: Cell,
    pub new_role: Cell,
    pub note: Cell,
}

/// A filled-in worksheet as read.
#[derive(Debug, Clone)]
pub struct Filled {
    pub sha256: String,
    /// The line of the header.
    pub header_line: u64,
    pub rows: Vec<FilledRow>,
}

/// Reads a filled-in worksheet's `bytes`; `path` names it in errors.
pub fn read(bytes: &[u8], path: &Path) -> Result<Filled> {
    let ours: Vec<String> = [LINE_ID, REVIEW_ID, REVIEWER]
        .into_iter()
        .chain(FACT_COLUMNS)
        .chain(DECISION_COLUMNS)
        .map(fold)
        .collect();
    let is_known = |folded: &str| ours.iter().any(|o| o == folded);
    let mut t = Table::open(bytes, path, &KIND, &is_known)?;
    let header_line = t.header_line;
    let required = [LINE_ID, REVIEWER, "decision", "new_role", "note"];
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|c| t.column(&[c]).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(table::error(
            path,
            Some(header_line),
            None,
            format!(
                "this is not a review worksheet: the header has no {} column{} (the worksheets \
                 `hfaudit review start` writes have line_id, review_id, reviewer, the facts, \
                 then decision, new_role and note)",
                missing.join(", "),
                if missing.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    let col = |name: &str| t.column(&[name]).expect("checked");
    let (id, reviewer, decision, new_role, note) = (
        col(LINE_ID),
        col(REVIEWER),
        col("decision"),
        col("new_role"),
        col("note"),
    );
    let review = t.column(&[REVIEW_ID]);
    let mut rows = Vec::new();
    while let Some((line, record)) = t.next_row()? {
        let cell = |i: usize| Cell {
            value: undefused(record.get(i).unwrap_or_default().trim()).to_string(),
            column: i as u64 + 1,
        };
        rows.push(FilledRow {
            line,
            line_id: cell(id),
            review_id: review.map(cell),
            reviewer: cell(reviewer),
            decision: cell(decision),
            new_role: cell(new_role),
            note: cell(note),
        });
    }
    Ok(Filled {
        sha256: hex::encode(Sha256::digest(bytes)),
        header_line,
        rows,
    })
}

/// `cell` without the `'` [`text`] puts before a formula-like cell.
fn undefused(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\u{FFFD}']) => rest,
        _ => cell,
    }
}

/// A line with hostile text, for the tests of the other modules.
#[cfg(test)]
pub(crate) fn tests_line() -> Line {
    tests::line("acme:alice", "boss@acme.example")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MatchMethod;
    use crate::review::Assigned;

    pub(crate) fn line(id: &str, reviewer: &str) -> Line {
        let (org, user) = id.split_once(':').unwrap();
        Line {
            line_id: id.into(),
            org: org.into(),
            username: user.into(),
            kind: "member".into(),
            fullname: Some("=HYPERLINK(\"http://evil\")<script>".into()),
            role: Some("write".into()),
            two_fa: Some(false),
            groups: vec!["research (write)".into()],
            gated_repos: vec!["model/acme/secret".into()],
            tokens: Some(2),
            token_last_used: None,
            person: Some("Alice".into()),
            email: Some(format!("{user}@acme.example")),
            employee_id: None,
            person_status: Some("active".into()),
            match_method: MatchMethod::Roster,
            last_active: None,
            findings: vec!["member_without_2fa".into()],
            reviewer: reviewer.into(),
            assigned: Assigned::Manager,
        }
    }

    #[test]
    fn file_stems_are_plain_names() {
        assert_eq!(file_stem("Boss@Acme.example"), "boss@acme.example");
        assert_eq!(file_stem("../../etc/passwd"), "_._.._etc_passwd");
        assert_eq!(file_stem(".hidden@x.y"), "_hidden@x.y");
        assert_eq!(file_stem(""), "reviewer");
        assert_eq!(file_stem(&"a".repeat(300)).len(), 100);
        let stems = file_stems(&["a/b@x.y", "a_b@x.y", "c@x.y"]);
        assert_ne!(stems[0], stems[1]);
        assert!(stems[0].starts_with("a_b@x.y-"));
        assert_eq!(stems[2], "c@x.y");
    }

    #[test]
    fn a_worksheet_is_defused_and_reads_back_in_every_dialect() {
        let l = line("acme:alice", "boss@acme.example");
        let bytes = csv("20260101T000000.000Z", "boss@acme.example", &[&l]);
        let text = String::from_utf8(bytes.clone()).unwrap();
        let header = text.lines().next().unwrap();
        assert!(header.starts_with("line_id,review_id,reviewer,org,"));
        assert!(header.ends_with(",decision,new_role,note"));
        assert!(text.contains("'=HYPERLINK"), "{text}");
        // Filled in: as Excel saves it (BOM, `;`, CRLF), LibreOffice
        // (quoted), Google Sheets (plain).
        let filled = text.replacen(",,,\n", ",revoke,,\"left, per HR\"\n", 1);
        let excel = {
            let mut r = csv::ReaderBuilder::new().from_reader(filled.as_bytes());
            let mut w = csv::WriterBuilder::new()
                .delimiter(b';')
                .terminator(csv::Terminator::CRLF)
                .from_writer(b"\xEF\xBB\xBF".to_vec());
            w.write_record(r.headers().unwrap()).unwrap();
            for rec in r.records() {
                w.write_record(&rec.unwrap()).unwrap();
            }
            w.into_inner().unwrap()
        };
        for bytes in [filled.clone().into_bytes(), excel] {
            let read = read(&bytes, Path::new("w.csv")).unwrap();
            assert_eq!(read.rows.len(), 1);
            let r = &read.rows[0];
            assert_eq!(r.line, 2);
            assert_eq!(r.line_id.value, "acme:alice");
            assert_eq!(r.line_id.column, 1);
            assert_eq!(r.reviewer.value, "boss@acme.example");
            assert_eq!(r.decision.value, "revoke");
            assert_eq!(r.note.value, "left, per HR");
            assert_eq!(r.note.column, 23);
        }
    }

    #[test]
    fn a_file_that_is_no_worksheet_is_named() {
        let err = read(b"email,status\na@b.c,active\n", Path::new("hr.csv")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("hr.csv:1: this is not a review worksheet"),
            "{msg}"
        );
        assert!(msg.contains("line_id"), "{msg}");
    }

    #[test]
    fn the_html_worksheet_escapes_and_prints() {
        let l = line("acme:alice", "boss@acme.example");
        let page = html(
            &Header {
                review_id: "20260101T000000.000Z",
                reviewer: "boss@acme.example",
                as_of: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                due: NaiveDate::from_ymd_opt(2026, 2, 1),
                csv_name: "boss@acme.example.csv",
            },
            &[&l],
        )
        .unwrap();
        assert!(!page.contains("<script"), "{page}");
        assert!(page.contains("&lt;script&gt;"));
        assert!(page.contains("@page"));
        assert!(page.contains("A4"));
        assert!(page.contains("acme:alice"));
        assert!(page.contains("2026-02-01"));
        assert!(page.contains("default-src"), "a Content-Security-Policy");
        assert!(!page.contains("http://evil\"") || page.contains("&quot;"));
    }
}
