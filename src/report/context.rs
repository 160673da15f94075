//! What `report.html.j2` sees: small `Serialize` view structs built from a
//! [`Report`], with every date, count and amount already formatted and every
//! piece of Hub or roster text cleaned of control and bidi characters.
//!
//! Templates never see domain types (zola's `ser.rs` habit): renaming a
//! domain field cannot silently blank a column, and whatever reaches the
//! template is text that is safe once autoescaped.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

mod history;

pub use history::{NeverActiveView, RevocationView, RevokeStatsView};

use crate::model::MatchMethod;
use crate::report::{AccessRow, OrgSummary, Report, SeatRow, Stranger};
use crate::rules::{Finding, Rule, Severity};
use crate::text::clean_text;

fn text(s: &str) -> String {
    clean_text(s).into_owned()
}

/// Like [`text`], but keeps line breaks: a fix can be a Settings path and
/// an API call on two lines (shown in `<pre>`).
fn lines(s: &str) -> String {
    s.split('\n').map(clean_text).collect::<Vec<_>>().join("\n")
}

fn opt_text(s: Option<&String>) -> Option<String> {
    s.map(|s| text(s)).filter(|s| !s.is_empty())
}

fn texts(v: &[String]) -> Vec<String> {
    v.iter().map(|s| text(s)).collect()
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1234.5` → `1,234.50`.
pub fn money(amount: f64) -> String {
    if !amount.is_finite() {
        return "n/a".into();
    }
    let fixed = format!("{:.2}", amount.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let sign = if amount < 0.0 { "-" } else { "" };
    let int = int
        .parse::<u64>()
        .map(thousands)
        .unwrap_or_else(|_| int.to_owned());
    format!("{sign}{int}.{frac}")
}

/// Tables longer than this many rows start folded in report.html (a
/// closed `<details>`): a 10,000-member report opens quickly, while every
/// row stays in the page for find-in-page (which unfolds them) and print.
pub const FOLD_ROWS: usize = 200;

/// A point in time: `iso` for `<time datetime>`, `text` for people.
#[derive(Debug, Clone, Serialize)]
pub struct Moment {
    pub iso: String,
    pub text: String,
}

impl Moment {
    pub fn new(t: DateTime<Utc>) -> Self {
        use chrono::{Datelike, Timelike};
        let y = t.year();
        let text = if (0..=9999).contains(&y) {
            // What the format below gives, without parsing it per value.
            format!(
                "{y:04}-{:02}-{:02} {:02}:{:02} UTC",
                t.month(),
                t.day(),
                t.hour(),
                t.minute()
            )
        } else {
            t.format("%Y-%m-%d %H:%M UTC").to_string()
        };
        Moment {
            iso: crate::report::utc_seconds(t),
            text,
        }
    }

    pub fn date(d: NaiveDate) -> Self {
        let s = d.format("%Y-%m-%d").to_string();
        Moment {
            iso: s.clone(),
            text: s,
        }
    }
}

/// The root of the template context, `{{ report.… }}`: these fields and
/// the long lists ([`severity_groups`], [`access_rows`], [`still_holding`],
/// [`revoked`]), built apart so that each can be built and converted on
/// its own thread.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub tool_version: String,
    pub generated_at: Moment,
    pub as_of: Moment,
    pub fail_on: &'static str,
    pub roster: RosterView,
    pub headline: Headline,
    pub orgs: Vec<OrgView>,
    /// True when no org had an unavailable collector.
    pub everything_checked: bool,
    pub warnings: Vec<String>,
    pub seat_tables: Vec<SeatTable>,
    /// More than [`FOLD_ROWS`] access rows: the inventory starts folded.
    pub access_folded: bool,
    pub strangers: Vec<StrangerView>,
    /// Time to revoke, per org that had leavers.
    pub revoke_stats: Vec<RevokeStatsView>,
    pub never_active: Vec<NeverActiveView>,
    /// Orgs with a seat history (the charts are passed beside the view).
    pub trends: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RosterView {
    pub path: String,
    pub people: String,
    pub departed: String,
}

/// The figures at the top of the report. Muted findings are not counted in
/// the severity figures, only in `muted`.
#[derive(Debug, Clone, Serialize)]
pub struct Headline {
    pub critical: String,
    pub high: String,
    pub medium: String,
    pub low: String,
    pub info: String,
    pub open_total: String,
    pub muted: String,
    pub any_muted: bool,
    /// Unmuted findings at or above `--fail-on`.
    pub at_or_above_fail_on: String,
    pub fails: bool,
    pub billable_seats: String,
    pub reclaimable_seats: String,
    pub monthly_cost: String,
    pub reclaimable_monthly_cost: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrgView {
    pub org: String,
    pub snapshot_id: String,
    pub taken_at: Moment,
    pub plan: Option<String>,
    pub seat_price: String,
    pub members: String,
    pub pending_invites: String,
    pub snapshots_in_store: String,
    pub unavailable: Vec<UncheckedView>,
    /// What an available source cannot show.
    pub caveats: Vec<UncheckedView>,
    /// Collectors that read only part of what the org holds.
    pub incomplete: Vec<UncheckedView>,
    /// Where member activity comes from, in words.
    pub activity: String,
    pub activity_known: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct UncheckedView {
    pub collector: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeverityGroup {
    /// `critical`…`info`: also the CSS class and the filter value.
    pub severity: &'static str,
    pub label: &'static str,
    /// 4 for critical … 0 for info: the filter compares these.
    pub rank: u8,
    pub open: String,
    pub muted: String,
    pub any_muted: bool,
    /// More than [`FOLD_ROWS`] findings: the group's table starts folded.
    pub folded: bool,
    // html.rs adds `findings` (the [`FindingView`]s) and `rows` (them
    // rendered by `_finding_rows.html.j2`), both built in pieces.
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingView {
    pub severity: &'static str,
    pub rank: u8,
    pub rule: &'static str,
    pub rule_description: &'static str,
    pub org: String,
    pub subject: String,
    pub username: Option<String>,
    pub fullname: Option<String>,
    pub employee_id: Option<String>,
    pub email: Option<String>,
    pub match_method: &'static str,
    /// A heuristic match: shown as "probable match".
    pub probable: bool,
    pub unmatched: bool,
    pub role: Option<String>,
    pub detail: String,
    pub snapshot_id: String,
    pub taken_at: Moment,
    pub groups: Vec<String>,
    pub repos: Vec<String>,
    /// The group's other resources (collections, blog posts, jobs...).
    pub resources: Vec<String>,
    pub first_seen: Option<Moment>,
    pub days_open: Option<String>,
    pub last_active: Option<Moment>,
    pub cost_center: Option<String>,
    pub fix: String,
    pub is_muted: bool,
    pub muted_reason: Option<String>,
}

/// One org's seats, finance view; the `ALL` row is kept apart so that it
/// can be emphasised and stays last when the table is sorted.
#[derive(Debug, Clone, Serialize)]
pub struct SeatTable {
    pub org: String,
    pub plan: String,
    pub seat_price: String,
    pub rows: Vec<SeatRowView>,
    pub all: Option<SeatRowView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeatRowView {
    pub cost_center: String,
    pub billable_seats: String,
    pub members: String,
    pub pending_invites: String,
    pub departed: String,
    pub unmatched: String,
    pub inactive: String,
    pub reclaimable_seats: String,
    pub monthly_cost: String,
    pub reclaimable_monthly_cost: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessView {
    pub org: String,
    pub username: String,
    pub fullname: Option<String>,
    pub kind: String,
    pub role: Option<String>,
    pub two_fa: Option<bool>,
    pub external: Option<bool>,
    pub groups: Vec<String>,
    pub gated_repos: Vec<String>,
    pub match_method: &'static str,
    pub probable: bool,
    pub unmatched: bool,
    pub employee_id: Option<String>,
    pub email: Option<String>,
    pub person_status: Option<String>,
    pub departed: bool,
    pub termination_date: Option<Moment>,
    /// `None` with an activity source means "never active"; without one,
    /// "unknown" (SPEC.md: no source is never reported as inactive).
    pub last_active: Option<Moment>,
    pub activity_source: Option<String>,
    /// Unrevoked access tokens; `None` when they were not listed.
    pub tokens: Option<u64>,
    pub token_last_used: Option<Moment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StrangerView {
    pub org: String,
    pub username: Option<String>,
    pub fullname: Option<String>,
    pub email: Option<String>,
    pub repo: String,
}

fn rank(s: Severity) -> u8 {
    match s {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

impl ReportView {
    pub fn new(report: &Report) -> Self {
        let counts = report.open_counts(None);
        let open = |s: Severity| {
            counts
                .iter()
                .find(|(severity, _)| *severity == s)
                .map_or(0, |(_, n)| *n as u64)
        };
        let muted = report.muted_count() as u64;
        let open_total = counts.iter().map(|(_, n)| *n as u64).sum();
        let gate = report.gated_count() as u64;
        let all_rows = report.seats.iter().filter(|r| r.cost_center == "ALL");
        let (mut billable, mut reclaimable, mut cost, mut reclaimable_cost) = (0, 0, 0.0, 0.0);
        for r in all_rows {
            billable += r.billable_seats;
            reclaimable += r.reclaimable_seats;
            cost += r.monthly_cost;
            reclaimable_cost += r.reclaimable_monthly_cost;
        }
        ReportView {
            tool_version: text(&report.tool_version),
            generated_at: Moment::new(report.generated_at),
            as_of: Moment::date(report.as_of),
            fail_on: report.fail_on.as_str(),
            roster: RosterView {
                path: text(&report.roster.path),
                people: thousands(report.roster.people as u64),
                departed: thousands(report.roster.departed as u64),
            },
            headline: Headline {
                critical: thousands(open(Severity::Critical)),
                high: thousands(open(Severity::High)),
                medium: thousands(open(Severity::Medium)),
                low: thousands(open(Severity::Low)),
                info: thousands(open(Severity::Info)),
                open_total: thousands(open_total),
                muted: thousands(muted),
                any_muted: muted > 0,
                at_or_above_fail_on: thousands(gate),
                fails: gate > 0,
                billable_seats: thousands(billable),
                reclaimable_seats: thousands(reclaimable),
                monthly_cost: money(cost),
                reclaimable_monthly_cost: money(reclaimable_cost),
            },
            orgs: report.orgs.iter().map(OrgView::new).collect(),
            everything_checked: report.orgs.iter().all(|o| {
                o.unavailable.is_empty() && o.caveats.is_empty() && o.incomplete.is_empty()
            }),
            warnings: texts(&report.warnings),
            seat_tables: SeatTable::per_org(&report.seats),
            access_folded: report.access.len() > FOLD_ROWS,
            strangers: report.strangers.iter().map(StrangerView::new).collect(),
            revoke_stats: RevokeStatsView::per_org(&report.orgs),
            never_active: report
                .never_active
                .iter()
                .map(NeverActiveView::new)
                .collect(),
            trends: report
                .orgs
                .iter()
                .filter(|o| report.seat_history.iter().any(|h| h.org == o.org))
                .map(|o| text(&o.org))
                .collect(),
        }
    }
}

// The long lists of the template context (`report.severities`,
// `report.access`, `report.still_holding`, `report.revoked`), one function
// each: a large org's report spends most of its view time here.

/// Always five groups, critical first, empty ones included, each with
/// its findings (whose views html.rs builds, a piece at a time).
pub fn severity_groups(report: &Report) -> Vec<(SeverityGroup, Vec<&Finding>)> {
    Severity::ALL
        .into_iter()
        .map(|s| {
            let findings: Vec<&Finding> =
                report.findings.iter().filter(|f| f.severity == s).collect();
            (SeverityGroup::new(s, &findings), findings)
        })
        .collect()
}

/// The view of each of `findings`, in order.
pub fn finding_views(findings: &[&Finding]) -> Vec<FindingView> {
    findings.iter().map(|f| FindingView::new(f)).collect()
}

/// The view of each of `rows` (members, invites and service accounts).
pub fn access_views(rows: &[AccessRow]) -> Vec<AccessView> {
    rows.iter().map(AccessView::new).collect()
}

/// Leavers still holding membership, most days since the last day
/// first.
pub fn still_holding(report: &Report) -> Vec<RevocationView> {
    report
        .revocations
        .iter()
        .filter(|r| r.still_member)
        .map(RevocationView::new)
        .collect()
}

/// Leavers whose membership ended in the history, slowest first.
pub fn revoked(report: &Report) -> Vec<RevocationView> {
    // (org, lower-cased subject) of every late-revocation finding: late
    // by the finding's own verdict, so the table and the findings agree
    // whatever the SLA was.
    let late: crate::collections::HashSet<(&str, String)> = report
        .findings
        .iter()
        .filter(|f| f.rule == Rule::LateRevocation)
        .map(|f| (f.org.as_str(), f.subject.to_ascii_lowercase()))
        .collect();
    report
        .revocations
        .iter()
        .filter(|r| !r.still_member)
        .map(|r| {
            let mut v = RevocationView::new(r);
            v.late = late.contains(&(r.org.as_str(), r.username.to_ascii_lowercase()));
            v
        })
        .collect()
}

impl OrgView {
    fn new(o: &OrgSummary) -> Self {
        OrgView {
            org: text(&o.org),
            snapshot_id: text(&o.snapshot_id),
            taken_at: Moment::new(o.taken_at),
            plan: opt_text(o.plan.as_ref()),
            seat_price: money(o.seat_price),
            members: thousands(o.members as u64),
            pending_invites: thousands(o.pending_invites as u64),
            snapshots_in_store: thousands(o.snapshots_in_store as u64),
            unavailable: unchecked(&o.unavailable),
            caveats: unchecked(&o.caveats),
            incomplete: unchecked(&o.incomplete),
            activity: history::activity_sources(o),
            activity_known: o.activity.known(),
        }
    }
}

fn unchecked(items: &[crate::report::Unchecked]) -> Vec<UncheckedView> {
    items
        .iter()
        .map(|u| UncheckedView {
            collector: text(&u.collector),
            reason: text(&u.reason),
        })
        .collect()
}

impl SeverityGroup {
    fn new(severity: Severity, findings: &[&Finding]) -> Self {
        let muted = findings.iter().filter(|f| f.is_muted()).count() as u64;
        SeverityGroup {
            severity: severity.as_str(),
            label: label(severity),
            rank: rank(severity),
            open: thousands(findings.len() as u64 - muted),
            muted: thousands(muted),
            any_muted: muted > 0,
            folded: findings.len() > FOLD_ROWS,
        }
    }
}

impl FindingView {
    fn new(f: &Finding) -> Self {
        FindingView {
            severity: f.severity.as_str(),
            rank: rank(f.severity),
            rule: f.rule.code(),
            rule_description: f.rule.description(),
            org: text(&f.org),
            subject: text(&f.subject),
            username: opt_text(f.username.as_ref()),
            fullname: opt_text(f.fullname.as_ref()),
            employee_id: opt_text(f.employee_id.as_ref()),
            email: opt_text(f.email.as_ref()),
            match_method: f.match_method.as_str(),
            probable: f.match_method.is_probable(),
            unmatched: f.match_method == MatchMethod::Unmatched,
            role: opt_text(f.role.as_ref()),
            detail: text(&f.detail),
            snapshot_id: text(&f.snapshot_id),
            taken_at: Moment::new(f.taken_at),
            groups: texts(&f.groups),
            repos: texts(&f.repos),
            resources: texts(&f.resources),
            first_seen: f.first_seen.map(Moment::new),
            days_open: f.days_open.map(|d| d.to_string()),
            last_active: f.last_active.map(Moment::new),
            cost_center: opt_text(f.cost_center.as_ref()),
            fix: lines(&f.fix),
            is_muted: f.is_muted(),
            // An exception with an empty reason still mutes.
            muted_reason: f.muted.as_deref().map(text),
        }
    }
}

impl SeatTable {
    /// Groups `report.seats` (already one org after another) by org.
    fn per_org(seats: &[SeatRow]) -> Vec<SeatTable> {
        let mut tables: Vec<SeatTable> = Vec::new();
        for row in seats {
            let table = match tables.iter_mut().find(|t| t.org == clean_text(&row.org)) {
                Some(t) => t,
                None => {
                    tables.push(SeatTable {
                        org: text(&row.org),
                        plan: text(&row.plan),
                        seat_price: money(row.seat_price),
                        rows: Vec::new(),
                        all: None,
                    });
                    tables.last_mut().expect("just pushed")
                }
            };
            if row.cost_center == "ALL" {
                table.all = Some(SeatRowView::new(row));
            } else {
                table.rows.push(SeatRowView::new(row));
            }
        }
        tables
    }
}

impl SeatRowView {
    fn new(r: &SeatRow) -> Self {
        SeatRowView {
            cost_center: text(&r.cost_center),
            billable_seats: thousands(r.billable_seats),
            members: thousands(r.members),
            pending_invites: thousands(r.pending_invites),
            departed: thousands(r.departed),
            unmatched: thousands(r.unmatched),
            inactive: thousands(r.inactive),
            reclaimable_seats: thousands(r.reclaimable_seats),
            monthly_cost: money(r.monthly_cost),
            reclaimable_monthly_cost: money(r.reclaimable_monthly_cost),
        }
    }
}

impl AccessView {
    fn new(a: &AccessRow) -> Self {
        AccessView {
            org: text(&a.org),
            username: text(&a.username),
            fullname: opt_text(a.fullname.as_ref()),
            kind: text(&a.kind),
            role: opt_text(a.role.as_ref()),
            two_fa: a.two_fa,
            external: a.external,
            groups: texts(&a.groups),
            gated_repos: texts(&a.gated_repos),
            match_method: a.match_method.as_str(),
            probable: a.match_method.is_probable(),
            unmatched: a.match_method == MatchMethod::Unmatched,
            employee_id: opt_text(a.employee_id.as_ref()),
            email: opt_text(a.email.as_ref()),
            person_status: opt_text(a.person_status.as_ref()),
            departed: a.person_status.as_deref() == Some("departed"),
            termination_date: a.termination_date.map(Moment::date),
            last_active: a.last_active.map(Moment::new),
            activity_source: opt_text(a.activity_source.as_ref()),
            tokens: a.tokens,
            token_last_used: a.token_last_used.map(Moment::new),
        }
    }
}

impl StrangerView {
    fn new(s: &Stranger) -> Self {
        StrangerView {
            org: text(&s.org),
            username: opt_text(s.username.as_ref()),
            fullname: opt_text(s.fullname.as_ref()),
            email: opt_text(s.email.as_ref()),
            repo: text(&s.repo),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fix_keeps_its_line_breaks_only() {
        assert_eq!(
            lines("a\u{202E}\nDELETE /x\r"),
            "a\u{FFFD}\nDELETE /x\u{FFFD}"
        );
    }

    #[test]
    fn moments_format_as_chrono_does() {
        use chrono::TimeZone;
        for t in [
            Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            Utc.with_ymd_and_hms(999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(12026, 1, 2, 3, 4, 5).unwrap(),
            Utc.with_ymd_and_hms(-3, 1, 2, 3, 4, 5).unwrap(),
        ] {
            let m = Moment::new(t);
            assert_eq!(m.iso, t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            assert_eq!(m.text, t.format("%Y-%m-%d %H:%M UTC").to_string());
        }
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(money(0.0), "0.00");
        assert_eq!(money(1234.5), "1,234.50");
        assert_eq!(money(1_000_000.004), "1,000,000.00");
        assert_eq!(money(f64::NAN), "n/a");
    }

    #[test]
    fn muted_findings_are_not_in_the_headline() {
        let report = crate::report::testdata::report();
        let view = ReportView::new(&report);
        let count = |s: Severity, muted: bool| {
            report
                .findings
                .iter()
                .filter(|f| f.severity == s && f.is_muted() == muted)
                .count()
        };
        assert!(count(Severity::Critical, true) + count(Severity::High, true) > 0);
        assert_eq!(
            view.headline.critical,
            count(Severity::Critical, false).to_string()
        );
        assert_eq!(view.headline.high, count(Severity::High, false).to_string());
        let muted = report.findings.iter().filter(|f| f.is_muted()).count();
        assert_eq!(view.headline.muted, muted.to_string());
    }
}
