//! Findings as data: every rule has a stable snake_case code, a description
//! and a severity from an ordered enum; a finding carries the evidence and
//! the fix, and serialises with SPEC.md's field names.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::MatchMethod;

/// Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown severity '{s}' (critical, high, medium, low, info)"))
    }
}

/// Every rule hfaudit knows; the codes are part of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    DepartedMember,
    DepartedGroupAccess,
    DepartedGatedAccess,
    DepartedInvite,
    StaleInvite,
    UnmatchedMember,
    InactiveMember,
    RoleEscalation,
    LateRevocation,
    #[serde(rename = "member_without_2fa")]
    MemberWithout2fa,
    DepartedTokenUsed,
    DepartedToken,
    StaleToken,
}

impl Rule {
    pub const ALL: [Rule; 13] = [
        Rule::DepartedMember,
        Rule::DepartedGroupAccess,
        Rule::DepartedGatedAccess,
        Rule::DepartedInvite,
        Rule::StaleInvite,
        Rule::UnmatchedMember,
        Rule::InactiveMember,
        Rule::RoleEscalation,
        Rule::LateRevocation,
        Rule::MemberWithout2fa,
        Rule::DepartedTokenUsed,
        Rule::DepartedToken,
        Rule::StaleToken,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Rule::DepartedMember => "departed_member",
            Rule::DepartedGroupAccess => "departed_group_access",
            Rule::DepartedGatedAccess => "departed_gated_access",
            Rule::DepartedInvite => "departed_invite",
            Rule::StaleInvite => "stale_invite",
            Rule::UnmatchedMember => "unmatched_member",
            Rule::InactiveMember => "inactive_member",
            Rule::RoleEscalation => "role_escalation",
            Rule::LateRevocation => "late_revocation",
            Rule::MemberWithout2fa => "member_without_2fa",
            Rule::DepartedTokenUsed => "departed_token_used",
            Rule::DepartedToken => "departed_token",
            Rule::StaleToken => "stale_token",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Rule::DepartedMember => "a departed person is still an org member",
            Rule::DepartedGroupAccess => "a departed person is still in a resource group",
            Rule::DepartedGatedAccess => {
                "a departed person still holds accepted access to one of the org's gated repos"
            }
            Rule::DepartedInvite => "a pending invite for a departed person",
            Rule::StaleInvite => "an invite pending longer than stale_invite_days",
            Rule::UnmatchedMember => "a member that matches nobody in the roster",
            Rule::InactiveMember => "a matched, active member with no activity for inactive_days",
            Rule::RoleEscalation => "a member's role went up since the previous snapshot",
            Rule::LateRevocation => {
                "a departed person lost access more than revoke_sla_days after their last day"
            }
            Rule::MemberWithout2fa => "a member without two-factor authentication",
            Rule::DepartedTokenUsed => {
                "a token owned by a departed person was used after their last day"
            }
            Rule::DepartedToken => {
                "a departed person who is still a member owns a token that is not revoked"
            }
            Rule::StaleToken => "a member's access token unused for stale_token_days",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Rule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rule::ALL
            .into_iter()
            .find(|r| r.code() == s.trim())
            .ok_or_else(|| format!("unknown rule '{s}'"))
    }
}

/// One finding: one per (rule, org, subject).
///
/// The first fields are `findings.csv`'s columns in SPEC.md's order; the
/// rest is evidence for the HTML and JSON reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: Rule,
    pub org: String,
    /// The username, `username@group name`, `username@namespace/repo`,
    /// the invitee, or `username#TOKEN_ID`.
    pub subject: String,
    pub username: Option<String>,
    pub fullname: Option<String>,
    pub employee_id: Option<String>,
    pub email: Option<String>,
    #[serde(rename = "match")]
    pub match_method: MatchMethod,
    pub role: Option<String>,
    /// One sentence a reviewer can act on; says "probable match" for
    /// heuristic matches.
    pub detail: String,
    pub first_seen: Option<DateTime<Utc>>,
    pub days_open: Option<i64>,
    pub last_active: Option<DateTime<Utc>>,
    /// The exception's reason when an exception mutes this finding.
    pub muted: Option<String>,

    // Evidence.
    /// The snapshot the finding was read from.
    pub snapshot_id: String,
    pub taken_at: DateTime<Utc>,
    /// Resource groups and gated repos involved.
    pub groups: Vec<String>,
    pub repos: Vec<String>,
    /// What the group holds besides repos (collections, blog posts, jobs...),
    /// each `kind id` or `kind id (title)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// The concrete fix: a Settings path or an API call.
    pub fix: String,
    /// The person's cost center, for the finance view.
    pub cost_center: Option<String>,
}

impl Finding {
    pub fn is_muted(&self) -> bool {
        self.muted.is_some()
    }
}
