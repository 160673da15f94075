//! `findings.csv`, `seats.csv` and `access.csv`: SPEC.md's columns in order,
//! header row first, RFC 4180 quoting, UTF-8 without BOM, LF line endings.
//!
//! These files are opened in spreadsheets, so every text cell is defused:
//! a cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a
//! leading `'` (OWASP's advice against formula injection), and control and
//! bidi characters become U+FFFD. Numeric columns are ours and left alone.

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::report::{AccessRow, Report, SeatHistoryRow, SeatRow, utc_seconds as timestamp};
use crate::rules::Finding;
use crate::text::clean_text;

pub const FINDINGS_COLUMNS: [&str; 15] = [
    "severity",
    "rule",
    "org",
    "subject",
    "username",
    "fullname",
    "employee_id",
    "email",
    "match",
    "role",
    "detail",
    "first_seen",
    "days_open",
    "last_active",
    "muted",
];

pub const SEATS_COLUMNS: [&str; 13] = [
    "org",
    "cost_center",
    "plan",
    "seat_price",
    "billable_seats",
    "members",
    "pending_invites",
    "departed",
    "unmatched",
    "inactive",
    "reclaimable_seats",
    "monthly_cost",
    "reclaimable_monthly_cost",
];

pub const ACCESS_COLUMNS: [&str; 18] = [
    "org",
    "username",
    "fullname",
    "kind",
    "role",
    "two_fa",
    "external",
    "groups",
    "gated_repos",
    "match",
    "employee_id",
    "email",
    "person_status",
    "termination_date",
    "last_active",
    "activity_source",
    "tokens",
    "token_last_used",
];

/// `findings.csv`: one row per finding, muted ones included.
pub fn findings(report: &Report) -> Result<Vec<u8>> {
    table(&FINDINGS_COLUMNS, report.findings.iter().map(finding_row))
}

/// `seats.csv`: one row per (org, cost center), then the org's `ALL` row.
pub fn seats(report: &Report) -> Result<Vec<u8>> {
    table(&SEATS_COLUMNS, report.seats.iter().map(seat_row))
}

/// `seats_history.csv`'s columns, in order.
pub const SEATS_HISTORY_COLUMNS: [&str; 11] = [
    "org",
    "snapshot_id",
    "taken_at",
    "billable_seats",
    "members",
    "pending_invites",
    "departed",
    "unmatched",
    "reclaimable_seats",
    "monthly_cost",
    "reclaimable_monthly_cost",
];

/// `seats_history.csv`: one row per (org, snapshot), oldest first.
pub fn seats_history(report: &Report) -> Result<Vec<u8>> {
    table(
        &SEATS_HISTORY_COLUMNS,
        report.seat_history.iter().map(seat_history_row),
    )
}

fn seat_history_row(r: &SeatHistoryRow) -> Vec<String> {
    vec![
        text(&r.org),
        text(&r.snapshot_id),
        timestamp(r.taken_at),
        r.billable_seats.to_string(),
        r.members.to_string(),
        r.pending_invites.to_string(),
        r.departed.to_string(),
        r.unmatched.to_string(),
        r.reclaimable_seats.to_string(),
        money(r.monthly_cost),
        money(r.reclaimable_monthly_cost),
    ]
}

/// `access.csv`: one row per (org, member or invite).
pub fn access(report: &Report) -> Result<Vec<u8>> {
    table(&ACCESS_COLUMNS, report.access.iter().map(access_row))
}

fn finding_row(f: &Finding) -> Vec<String> {
    vec![
        text(f.severity.as_str()),
        text(f.rule.code()),
        text(&f.org),
        text(&f.subject),
        opt_text(f.username.as_deref()),
        opt_text(f.fullname.as_deref()),
        opt_text(f.employee_id.as_deref()),
        opt_text(f.email.as_deref()),
        text(f.match_method.as_str()),
        opt_text(f.role.as_deref()),
        text(&f.detail),
        f.first_seen.map(timestamp).unwrap_or_default(),
        f.days_open.map(|d| d.to_string()).unwrap_or_default(),
        f.last_active.map(timestamp).unwrap_or_default(),
        opt_text(f.muted.as_deref()),
    ]
}

fn seat_row(r: &SeatRow) -> Vec<String> {
    vec![
        text(&r.org),
        text(&r.cost_center),
        text(&r.plan),
        money(r.seat_price),
        r.billable_seats.to_string(),
        r.members.to_string(),
        r.pending_invites.to_string(),
        r.departed.to_string(),
        r.unmatched.to_string(),
        r.inactive.to_string(),
        r.reclaimable_seats.to_string(),
        money(r.monthly_cost),
        money(r.reclaimable_monthly_cost),
    ]
}

fn access_row(a: &AccessRow) -> Vec<String> {
    vec![
        text(&a.org),
        text(&a.username),
        opt_text(a.fullname.as_deref()),
        text(&a.kind),
        opt_text(a.role.as_deref()),
        a.two_fa.map(boolean).unwrap_or_default(),
        a.external.map(boolean).unwrap_or_default(),
        list(&a.groups),
        list(&a.gated_repos),
        text(a.match_method.as_str()),
        opt_text(a.employee_id.as_deref()),
        opt_text(a.email.as_deref()),
        opt_text(a.person_status.as_deref()),
        a.termination_date.map(date).unwrap_or_default(),
        a.last_active.map(timestamp).unwrap_or_default(),
        opt_text(a.activity_source.as_deref()),
        a.tokens.map(|n| n.to_string()).unwrap_or_default(),
        a.token_last_used.map(timestamp).unwrap_or_default(),
    ]
}

fn table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    w.write_record(header).map_err(write_error)?;
    for row in rows {
        w.write_record(&row).map_err(write_error)?;
    }
    w.into_inner()
        .map_err(|e| Error::io("<csv buffer>", std::io::Error::other(e.to_string())))
}

fn write_error(e: csv::Error) -> Error {
    Error::io("<csv buffer>", std::io::Error::other(e.to_string()))
}

/// A text cell, defused for spreadsheets.
pub fn text(s: &str) -> String {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let clean = clean_text(s);
    if formula {
        format!("'{clean}")
    } else {
        clean.into_owned()
    }
}

fn opt_text(s: Option<&str>) -> String {
    s.map(text).unwrap_or_default()
}

/// Lists are joined with `;`; the joined cell is defused as a whole.
fn list(items: &[String]) -> String {
    text(&items.join(";"))
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn boolean(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

fn money(amount: f64) -> String {
    format!("{amount:.2}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata;

    fn first_line(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap().lines().next().unwrap()
    }

    fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes);
        r.records()
            .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn headers_are_specs_columns_in_order() {
        let report = testdata::report();
        assert_eq!(
            first_line(&findings(&report).unwrap()),
            "severity,rule,org,subject,username,fullname,employee_id,email,match,role,detail,first_seen,days_open,last_active,muted"
        );
        assert_eq!(
            first_line(&seats(&report).unwrap()),
            "org,cost_center,plan,seat_price,billable_seats,members,pending_invites,departed,unmatched,inactive,reclaimable_seats,monthly_cost,reclaimable_monthly_cost"
        );
        assert_eq!(
            first_line(&access(&report).unwrap()),
            "org,username,fullname,kind,role,two_fa,external,groups,gated_repos,match,employee_id,email,person_status,termination_date,last_active,activity_source,tokens,token_last_used"
        );
    }

    #[test]
    fn one_row_per_item_lf_no_bom_every_row_full_width() {
        let report = testdata::report();
        for (bytes, rows, width) in [
            (findings(&report).unwrap(), report.findings.len(), 15),
            (seats(&report).unwrap(), report.seats.len(), 13),
            (access(&report).unwrap(), report.access.len(), 18),
        ] {
            assert!(!bytes.starts_with(b"\xEF\xBB\xBF"));
            assert!(!bytes.contains(&b'\r'), "no CR anywhere, not even in cells");
            assert!(bytes.ends_with(b"\n"));
            let cells = cells(&bytes);
            assert_eq!(cells.len(), rows + 1);
            assert!(cells.iter().all(|row| row.len() == width));
        }
    }

    #[test]
    fn formula_cells_are_neutralised() {
        let report = testdata::report();
        let numeric = |header: &str| {
            matches!(
                header,
                "seat_price"
                    | "billable_seats"
                    | "members"
                    | "pending_invites"
                    | "departed"
                    | "unmatched"
                    | "inactive"
                    | "reclaimable_seats"
                    | "monthly_cost"
                    | "reclaimable_monthly_cost"
                    | "days_open"
            )
        };
        let mut neutralised = 0;
        for bytes in [
            findings(&report).unwrap(),
            seats(&report).unwrap(),
            access(&report).unwrap(),
        ] {
            let text = String::from_utf8(bytes.clone()).unwrap();
            assert!(!text.contains('\u{202E}'));
            assert!(!text.chars().any(|c| c.is_control() && c != '\n'));
            let rows = cells(&bytes);
            let header = rows[0].clone();
            for row in &rows[1..] {
                for (h, cell) in header.iter().zip(row) {
                    if numeric(h) {
                        assert!(
                            cell.is_empty() || cell.parse::<f64>().is_ok(),
                            "{h}: {cell:?}"
                        );
                        continue;
                    }
                    assert!(
                        !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                        "{h}: {cell:?} is live in a spreadsheet"
                    );
                    neutralised += usize::from(cell.starts_with('\''));
                }
            }
        }
        assert!(neutralised >= 8, "testdata lost its hostile cells");

        let findings = String::from_utf8(findings(&report).unwrap()).unwrap();
        for cell in [
            r#"'=HYPERLINK(""http://evil"")"#,
            "'+1",
            "'-2+3",
            "'@SUM(A1)",
            "'\u{FFFD}",
        ] {
            assert!(findings.contains(cell), "{cell} not in findings.csv");
        }
    }

    #[test]
    fn muted_is_the_reason() {
        let report = testdata::report();
        let rows = cells(&findings(&report).unwrap());
        for (row, f) in rows[1..].iter().zip(&report.findings) {
            assert_eq!(
                row[14],
                f.muted.clone().unwrap_or_default(),
                "{}",
                f.subject
            );
            assert_eq!(row[8], f.match_method.as_str());
        }
        assert!(rows.iter().any(|r| r[14].starts_with("Break-glass")));
    }

    #[test]
    fn cell_formats() {
        assert_eq!(text("=1+1"), "'=1+1");
        assert_eq!(text("\tx"), "'\u{FFFD}x");
        assert_eq!(text("\rx"), "'\u{FFFD}x");
        assert_eq!(text("a-b=c"), "a-b=c");
        assert_eq!(text("a\u{202E}b"), "a\u{FFFD}b");
        assert_eq!(list(&["-x".into(), "y".into()]), "'-x;y");
        assert_eq!(money(20.0), "20.00");
        assert_eq!(money(1234.567), "1234.57");
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-23T02:57:51.123Z").unwrap();
        assert_eq!(
            timestamp(t.with_timezone(&chrono::Utc)),
            "2026-11-23T02:57:51Z"
        );
    }

    #[test]
    fn snapshots() {
        let report = testdata::report();
        let s = |b: Vec<u8>| String::from_utf8(b).unwrap();
        testdata::snapshot("findings.csv", &s(findings(&report).unwrap()));
        testdata::snapshot("seats.csv", &s(seats(&report).unwrap()));
        testdata::snapshot("access.csv", &s(access(&report).unwrap()));
    }
}
