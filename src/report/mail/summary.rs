//! The plain-text body and the subject of the report mail, read from the
//! `findings.json` just written, so the mail says exactly what its
//! attachments say.
//!
//! Hub text (subjects, details) is hostile: control and bidi characters are
//! replaced and long values cut, so the body cannot be made to lie about
//! what it lists.

use std::fmt::Write;

use serde_json::Value;

use crate::text::clean_line;

/// Unmuted findings listed in the body; the rest are counted.
pub const TOP_FINDINGS: usize = 10;

const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// The subject (after the prefix) and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub subject: String,
    pub body: String,
}

/// Builds the summary of `findings.json`; `notes` are said first (orgs
/// without a fresh snapshot).
pub fn summarise(json: &Value, notes: &[String]) -> Summary {
    let findings = json["findings"].as_array().map_or(&[][..], Vec::as_slice);
    let unmuted: Vec<&Value> = findings.iter().filter(|f| f["muted"].is_null()).collect();
    let count = |sev: &str| unmuted.iter().filter(|f| f["severity"] == sev).count();
    let counts: Vec<(&str, usize)> = SEVERITIES.iter().map(|s| (*s, count(s))).collect();
    let muted = findings.len() - unmuted.len();
    let as_of = clean_line(json["as_of"].as_str().unwrap_or("?"), 20);
    let orgs: Vec<String> = json["orgs"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|o| clean_line(o["org"].as_str().unwrap_or("?"), 96))
        .collect();

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

    let seats = json["seats"].as_array().map_or(&[][..], Vec::as_slice);
    let totals: Vec<&Value> = seats.iter().filter(|s| s["cost_center"] == "ALL").collect();
    let sum_u = |k: &str| totals.iter().filter_map(|s| s[k].as_u64()).sum::<u64>();
    let sum_f = |k: &str| totals.iter().filter_map(|s| s[k].as_f64()).sum::<f64>();
    let _ = writeln!(
        body,
        "Seats: {} billable (${:.2}/month), {} reclaimable (${:.2}/month)",
        sum_u("billable_seats"),
        sum_f("monthly_cost"),
        sum_u("reclaimable_seats"),
        sum_f("reclaimable_monthly_cost"),
    );
    if totals.len() > 1 {
        for s in &totals {
            let _ = writeln!(
                body,
                "  {}: {} billable (${:.2}/month), {} reclaimable (${:.2}/month)",
                clean_line(s["org"].as_str().unwrap_or("?"), 96),
                s["billable_seats"].as_u64().unwrap_or(0),
                s["monthly_cost"].as_f64().unwrap_or(0.0),
                s["reclaimable_seats"].as_u64().unwrap_or(0),
                s["reclaimable_monthly_cost"].as_f64().unwrap_or(0.0),
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
                clean_line(f["severity"].as_str().unwrap_or("?"), 10),
                clean_line(f["rule"].as_str().unwrap_or("?"), 40),
                clean_line(f["org"].as_str().unwrap_or("?"), 96),
                clean_line(f["subject"].as_str().unwrap_or("?"), 120),
                clean_line(f["detail"].as_str().unwrap_or(""), 240),
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
    use serde_json::json;

    fn finding(sev: &str, subject: &str, muted: Option<&str>) -> Value {
        json!({"severity": sev, "rule": "departed_member", "org": "acme",
               "subject": subject, "detail": "left on 2026-01-01", "muted": muted})
    }

    fn seats(org: &str, billable: u64, reclaimable: u64) -> Value {
        json!({"org": org, "cost_center": "ALL", "billable_seats": billable,
               "monthly_cost": billable as f64 * 20.0, "reclaimable_seats": reclaimable,
               "reclaimable_monthly_cost": reclaimable as f64 * 20.0})
    }

    #[test]
    fn no_findings() {
        let json = json!({"as_of": "2026-11-23", "orgs": [{"org": "acme"}],
                          "findings": [], "seats": [seats("acme", 3, 0)]});
        let s = summarise(&json, &[]);
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
        let json = json!({"as_of": "2026-11-23", "orgs": [{"org": "acme"}],
            "findings": [finding("critical", "alice", None), finding("high", "bob", Some("ok"))],
            "seats": [seats("acme", 3, 1)]});
        let s = summarise(&json, &["beta: no fresh snapshot".into()]);
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
        let mut findings: Vec<Value> = (0..12)
            .map(|i| finding("high", &format!("u{i}"), None))
            .collect();
        findings.push(finding("low", "evil\u{202E}txt.exe\nBcc: x", None));
        let json = json!({"as_of": "2026-11-23", "orgs": [{"org": "a"}, {"org": "b"}],
            "findings": findings, "seats": [seats("a", 2, 1), seats("b", 3, 2)]});
        let s = summarise(&json, &[]);
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
