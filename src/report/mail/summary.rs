//! The plain-text body and the subject of the report mail, built from the
//! [`Report`] just written (the same tree as `findings.json`), so the mail
//! says exactly what its attachments say, with the counts every other
//! output shows ([`Report::open_counts`]).
//!
//! Hub text (subjects, details) is hostile: control and bidi characters are
//! replaced and long values cut, so the body cannot be made to lie about
//! what it lists.

use std::fmt::Write;

use crate::report::Report;
use crate::seats::ALL;
use crate::text::clean_line;

/// Unmuted findings listed in the body; the rest are counted.
pub const TOP_FINDINGS: usize = 10;

/// The subject (after the prefix) and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub subject: String,
    pub body: String,
}

/// Builds the summary of `report`; `notes` are said first (orgs without a
/// fresh snapshot).
pub fn summarise(report: &Report, notes: &[String]) -> Summary {
    let counts = report.open_counts(None);
    let unmuted: Vec<_> = report.findings.iter().filter(|f| !f.is_muted()).collect();
    let muted = report.muted_count();
    let as_of = report.as_of.format("%Y-%m-%d").to_string();
    let orgs: Vec<String> = report.orgs.iter().map(|o| clean_line(&o.org, 96)).collect();

    let subject = format!(
        "{} critical, {} high — {} as of {as_of}",
        counts[0].1,
        counts[1].1,
        if orgs.is_empty() {
            "no org".to_string()
        } else {
            orgs.join(", ")
        }
    );

    let mut body = String::new();
    let _ = writeln!(body, "hfaudit report as of {as_of}\n");
    for note in notes {
        let _ = writeln!(body, "NOTE: {note}");
    }
    if !notes.is_empty() {
        body.push('\n');
    }
    let listed: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    let _ = writeln!(
        body,
        "Findings: {}{}",
        listed.join(", "),
        if muted > 0 {
            format!(" (plus {muted} muted)")
        } else {
            String::new()
        }
    );

    let totals: Vec<_> = report
        .seats
        .iter()
        .filter(|s| s.cost_center == ALL)
        .collect();
    let _ = writeln!(
        body,
        "Seats: {} billable (${:.2}/month), {} reclaimable (${:.2}/month)",
        totals.iter().map(|s| s.billable_seats).sum::<u64>(),
        totals.iter().map(|s| s.monthly_cost).sum::<f64>(),
        totals.iter().map(|s| s.reclaimable_seats).sum::<u64>(),
        totals
            .iter()
            .map(|s| s.reclaimable_monthly_cost)
            .sum::<f64>(),
    );
    if totals.len() > 1 {
        for s in &totals {
            let _ = writeln!(
                body,
                "  {}: {} billable (${:.2}/month), {} reclaimable (${:.2}/month)",
                clean_line(&s.org, 96),
                s.billable_seats,
                s.monthly_cost,
                s.reclaimable_seats,
                s.reclaimable_monthly_cost,
            );
        }
    }

    body.push('\n');
    if unmuted.is_empty() {
        body.push_str("No open findings.\n");
    } else {
        let _ = writeln!(body, "Top findings:");
        for f in unmuted.iter().take(TOP_FINDINGS) {
            let _ = writeln!(
                body,
                "- [{}] {} {} {}: {}",
                f.severity,
                f.rule,
                clean_line(&f.org, 96),
                clean_line(&f.subject, 120),
                clean_line(&f.detail, 240),
            );
        }
        if unmuted.len() > TOP_FINDINGS {
            let _ = writeln!(
                body,
                "… and {} more in findings.csv",
                unmuted.len() - TOP_FINDINGS
            );
        }
    }
    body.push_str(
        "\nAttached: findings.csv (one row per finding), seats.csv (seats and cost per \
         cost center), report.html (the full report; open it in a browser).\n",
    );
    Summary { subject, body }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata;
    use crate::rules::{Finding, Severity};

    fn finding(sev: Severity, subject: &str, muted: Option<&str>) -> Finding {
        let mut f = testdata::report().findings[0].clone();
        f.severity = sev;
        f.rule = crate::rules::Rule::DepartedMember;
        f.org = "acme".into();
        f.subject = subject.into();
        f.detail = "left on 2026-01-01".into();
        f.muted = muted.map(str::to_string);
        f
    }

    fn seats(org: &str, billable: u64, reclaimable: u64) -> crate::report::SeatRow {
        let mut row = testdata::report()
            .seats
            .into_iter()
            .find(|s| s.cost_center == ALL)
            .expect("an ALL row");
        row.org = org.into();
        row.billable_seats = billable;
        row.monthly_cost = billable as f64 * 20.0;
        row.reclaimable_seats = reclaimable;
        row.reclaimable_monthly_cost = reclaimable as f64 * 20.0;
        row
    }

    /// The test report with these orgs, findings and seat totals.
    fn report(orgs: &[&str], findings: Vec<Finding>, seats: Vec<crate::report::SeatRow>) -> Report {
        let mut r = testdata::report();
        let org = r.orgs[0].clone();
        r.orgs = orgs
            .iter()
            .map(|name| crate::report::OrgSummary {
                org: name.to_string(),
                ..org.clone()
            })
            .collect();
        r.as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        r.findings = findings;
        r.seats = seats;
        r
    }

    #[test]
    fn no_findings() {
        let s = summarise(&report(&["acme"], vec![], vec![seats("acme", 3, 0)]), &[]);
        assert_eq!(s.subject, "0 critical, 0 high — acme as of 2026-11-23");
        assert!(
            s.body
                .contains("Findings: 0 critical, 0 high, 0 medium, 0 low, 0 info\n")
        );
        assert!(
            s.body
                .contains("Seats: 3 billable ($60.00/month), 0 reclaimable ($0.00/month)")
        );
        assert!(s.body.contains("No open findings."));
        assert!(!s.body.contains("NOTE"));
    }

    #[test]
    fn one_finding_and_a_muted_one() {
        let r = report(
            &["acme"],
            vec![
                finding(Severity::Critical, "alice", None),
                finding(Severity::High, "bob", Some("ok")),
            ],
            vec![seats("acme", 3, 1)],
        );
        let s = summarise(&r, &["beta: no fresh snapshot".into()]);
        assert_eq!(s.subject, "1 critical, 0 high — acme as of 2026-11-23");
        assert!(
            s.body.contains("NOTE: beta: no fresh snapshot"),
            "{}",
            s.body
        );
        assert!(s.body.contains("1 critical, 0 high") && s.body.contains("(plus 1 muted)"));
        assert!(
            s.body
                .contains("- [critical] departed_member acme alice: left on 2026-01-01")
        );
        assert!(!s.body.contains("bob"), "muted findings are not listed");
    }

    #[test]
    fn many_findings_are_cut_and_orgs_totalled() {
        let mut findings: Vec<Finding> = (0..12)
            .map(|i| finding(Severity::High, &format!("u{i}"), None))
            .collect();
        findings.push(finding(Severity::Low, "evil\u{202E}txt.exe\nBcc: x", None));
        let r = report(
            &["a", "b"],
            findings,
            vec![seats("a", 2, 1), seats("b", 3, 2)],
        );
        let s = summarise(&r, &[]);
        assert_eq!(s.subject, "0 critical, 12 high — a, b as of 2026-11-23");
        assert!(
            s.body
                .contains("Seats: 5 billable ($100.00/month), 3 reclaimable ($60.00/month)")
        );
        assert!(s.body.contains("  b: 3 billable"));
        assert!(s.body.contains("- [high] departed_member acme u9:") && !s.body.contains("u10:"));
        assert!(s.body.contains("… and 3 more in findings.csv"));
        assert_eq!(
            clean_line("evil\u{202E}txt\nBcc", 100),
            "evil\u{FFFD}txt\u{FFFD}Bcc"
        );
        assert_eq!(clean_line("abcdef", 3), "abc…");
    }
}
