//! The report as a serializable tree (rustsec-style): `findings.json` is
//! this tree, and every other output is a view of it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::model::MatchMethod;
use crate::rules::{Finding, NeverActive, Revocation, Severity};

/// Everything one `hfaudit report` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub tool_version: String,
    pub generated_at: DateTime<Utc>,
    pub as_of: NaiveDate,
    /// The `--fail-on` threshold the exit code was computed with.
    pub fail_on: Severity,
    pub roster: RosterSummary,
    pub orgs: Vec<OrgSummary>,
    /// Sorted: severity (most severe first), then org, rule, subject.
    pub findings: Vec<Finding>,
    /// One row per (org, cost center), then the org's `ALL` row.
    pub seats: Vec<SeatRow>,
    /// One row per (org, member or invite).
    pub access: Vec<AccessRow>,
    /// Gated-repo users who match nobody and are not members: outsiders who
    /// asked for access. Listed, never findings.
    pub strangers: Vec<Stranger>,
    /// Every leaver who held membership in the history: how long they kept
    /// it after their last day, or that they still do.
    pub revocations: Vec<Revocation>,
    /// Members an activity source never saw active (not findings).
    pub never_active: Vec<NeverActive>,
    /// Billable and reclaimable seats per snapshot, oldest first, per org.
    pub seat_history: Vec<SeatHistoryRow>,
    /// Problems worth a look that are not findings (duplicate roster rows…).
    pub warnings: Vec<String>,
}

impl Report {
    /// Unmuted findings by severity, most severe first, every severity
    /// listed (zero included); of one org when `org` is given. The one
    /// count every output (terminal, HTML, mail) shows.
    pub fn open_counts(&self, org: Option<&str>) -> Vec<(Severity, usize)> {
        Severity::ALL
            .iter()
            .map(|s| {
                let n = self
                    .findings
                    .iter()
                    .filter(|f| f.severity == *s && !f.is_muted())
                    .filter(|f| org.is_none_or(|o| f.org == o))
                    .count();
                (*s, n)
            })
            .collect()
    }

    /// Findings an exception mutes.
    pub fn muted_count(&self) -> usize {
        self.findings.iter().filter(|f| f.is_muted()).count()
    }

    /// Unmuted findings at or above [`Report::fail_on`]: the exit-code gate.
    pub fn gated_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| !f.is_muted() && f.severity >= self.fail_on)
            .count()
    }

    /// Whether the run fails the gate (exit code 1).
    pub fn fails(&self) -> bool {
        self.gated_count() > 0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RosterSummary {
    /// The roster file as given on the command line.
    pub path: String,
    pub people: usize,
    pub departed: usize,
}

/// One org's snapshot and what could not be checked in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgSummary {
    pub org: String,
    pub snapshot_id: String,
    pub taken_at: DateTime<Utc>,
    pub plan: Option<String>,
    pub seat_price: f64,
    pub members: usize,
    pub pending_invites: usize,
    pub snapshots_in_store: usize,
    /// Collectors that were unavailable, with the reason, as
    /// `(collector, reason)`: what the report could not check.
    pub unavailable: Vec<Unchecked>,
    /// What an available collector's source cannot show, as
    /// `(collector, what)`: e.g. invitations cancelled in Settings, which
    /// leave no audit-log event. Said beside what could not be checked.
    pub caveats: Vec<Unchecked>,
    /// Collectors that ran but may have read less than the org holds
    /// (resource groups visible to the token, gated repos that could not be
    /// read), with what that means for the findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<Unchecked>,
    /// Where member activity comes from.
    pub activity: ActivitySummary,
    /// Time to revoke of the leavers who lost access in the history.
    pub time_to_revoke: Option<RevokeStats>,
    /// Snapshots left out of the history as damaged, with the reason.
    pub skipped_snapshots: Vec<String>,
}

/// The activity sources of an org's members.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivitySummary {
    /// Whether any snapshot could read the audit log.
    pub audit_log: bool,
    /// The oldest audit-log event in the store (none when the log is
    /// unreadable or empty).
    pub audit_log_since: Option<DateTime<Utc>>,
    /// The IdP export given with `--activity`.
    pub idp: Option<String>,
    /// Whether the latest snapshot listed the members' access tokens
    /// (their last use is activity).
    pub tokens: bool,
}

impl ActivitySummary {
    /// Whether any source exists (else activity is "unknown").
    pub fn known(&self) -> bool {
        self.audit_log || self.idp.is_some() || self.tokens
    }
}

/// Days from the last day to the loss of access, over the leavers whose
/// access ended in the history and whose last day the roster gives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevokeStats {
    pub leavers: usize,
    pub median_days: f64,
    pub p90_days: i64,
    pub worst_days: i64,
    /// How many figures are upper bounds (no audit-log event).
    pub upper_bounds: usize,
    /// Leavers still holding membership.
    pub still_members: usize,
}

/// `seats_history.csv`: one row per (org, snapshot).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeatHistoryRow {
    pub org: String,
    pub snapshot_id: String,
    pub taken_at: DateTime<Utc>,
    pub billable_seats: u64,
    pub members: u64,
    pub pending_invites: u64,
    pub departed: u64,
    pub unmatched: u64,
    pub reclaimable_seats: u64,
    pub monthly_cost: f64,
    pub reclaimable_monthly_cost: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unchecked {
    pub collector: String,
    pub reason: String,
}

/// `seats.csv`: SPEC.md's columns in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeatRow {
    pub org: String,
    /// A cost center, `(none)` for people without one or unmatched, or `ALL`.
    pub cost_center: String,
    pub plan: String,
    pub seat_price: f64,
    pub billable_seats: u64,
    pub members: u64,
    pub pending_invites: u64,
    pub departed: u64,
    pub unmatched: u64,
    pub inactive: u64,
    pub reclaimable_seats: u64,
    pub monthly_cost: f64,
    pub reclaimable_monthly_cost: f64,
}

/// `access.csv`: SPEC.md's columns in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessRow {
    pub org: String,
    pub username: String,
    pub fullname: Option<String>,
    /// `member`, `invite` or `service_account`.
    pub kind: String,
    pub role: Option<String>,
    pub two_fa: Option<bool>,
    pub external: Option<bool>,
    pub groups: Vec<String>,
    pub gated_repos: Vec<String>,
    #[serde(rename = "match")]
    pub match_method: MatchMethod,
    pub employee_id: Option<String>,
    pub email: Option<String>,
    /// `active`, `leave`, `departed`, `unknown`, or empty when unmatched.
    pub person_status: Option<String>,
    pub termination_date: Option<NaiveDate>,
    pub last_active: Option<DateTime<Utc>>,
    /// `sso_login`, `audit_log`, `token`, `idp`, or empty when no source
    /// exists ("unknown").
    pub activity_source: Option<String>,
    /// Unrevoked access tokens the account owns; `None` (empty) for
    /// invites and when the `tokens` collector did not run.
    pub tokens: Option<u64>,
    /// The latest use of any of those tokens.
    pub token_last_used: Option<DateTime<Utc>>,
}

/// A gated-repo user who is neither a member nor on the roster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stranger {
    pub org: String,
    pub username: Option<String>,
    pub fullname: Option<String>,
    pub email: Option<String>,
    pub repo: String,
}
