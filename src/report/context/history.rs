//! The history views of `report.html`: time to revoke, leavers still
//! holding access, members never seen active, activity sources.

use serde::Serialize;

use super::{Moment, opt_text, text, thousands};
use crate::report::{OrgSummary, RevokeStats};
use crate::rules::{NeverActive, Revocation};

/// One org's time-to-revoke figures.
#[derive(Debug, Clone, Serialize)]
pub struct RevokeStatsView {
    pub org: String,
    pub leavers: String,
    pub median: String,
    pub p90: String,
    pub worst: String,
    /// "≤ " when any figure is an upper bound.
    pub bound: &'static str,
    pub upper_bounds: String,
    pub any_upper_bound: bool,
    pub still_members: String,
}

impl RevokeStatsView {
    pub fn new(org: &str, s: &RevokeStats) -> Self {
        let days = |d: f64| {
            if d.fract() == 0.0 {
                format!("{d:.0}")
            } else {
                format!("{d:.1}")
            }
        };
        RevokeStatsView {
            org: text(org),
            leavers: thousands(s.leavers as u64),
            median: days(s.median_days),
            p90: thousands(s.p90_days.max(0) as u64),
            worst: thousands(s.worst_days.max(0) as u64),
            bound: if s.upper_bounds > 0 { "≤ " } else { "" },
            upper_bounds: thousands(s.upper_bounds as u64),
            any_upper_bound: s.upper_bounds > 0,
            still_members: thousands(s.still_members as u64),
        }
    }

    pub fn per_org(orgs: &[OrgSummary]) -> Vec<Self> {
        orgs.iter()
            .filter_map(|o| o.time_to_revoke.as_ref().map(|s| Self::new(&o.org, s)))
            .collect()
    }
}

/// A leaver, with how long access lasted past the last day.
#[derive(Debug, Clone, Serialize)]
pub struct RevocationView {
    pub org: String,
    pub username: String,
    pub fullname: Option<String>,
    pub match_method: &'static str,
    pub last_day: Option<Moment>,
    pub revoked_at: Option<Moment>,
    pub last_seen: Moment,
    /// `12`, `≤ 12` (upper bound) or empty when the last day is unknown.
    pub days: String,
    /// For sorting: the number of days, -1 when unknown.
    pub days_sort: i64,
    pub evidence: String,
    /// Whether a `late_revocation` finding was raised for it.
    pub late: bool,
}

impl RevocationView {
    pub fn new(r: &Revocation) -> Self {
        let days = match r.days {
            Some(d) if r.is_upper_bound() => format!("≤ {d}"),
            Some(d) => d.to_string(),
            None => String::new(),
        };
        RevocationView {
            org: text(&r.org),
            username: text(&r.username),
            fullname: opt_text(r.fullname.as_ref()),
            match_method: r.match_method.as_str(),
            last_day: r.last_day.map(Moment::date),
            revoked_at: r.revoked_at.map(Moment::new),
            last_seen: Moment::new(r.last_seen),
            days,
            days_sort: r.days.unwrap_or(-1),
            evidence: match r.evidence.as_deref() {
                Some("audit_log") => "audit-log event".into(),
                Some("snapshots") => "first snapshot without them (upper bound)".into(),
                _ => String::new(),
            },
            late: false,
        }
    }
}

/// A member no activity source ever saw active.
#[derive(Debug, Clone, Serialize)]
pub struct NeverActiveView {
    pub org: String,
    pub username: String,
    pub fullname: Option<String>,
    pub role: Option<String>,
    pub match_method: &'static str,
    pub member_since: Moment,
}

impl NeverActiveView {
    pub fn new(n: &NeverActive) -> Self {
        NeverActiveView {
            org: text(&n.org),
            username: text(&n.username),
            fullname: opt_text(n.fullname.as_ref()),
            role: opt_text(n.role.as_ref()),
            match_method: n.match_method.as_str(),
            member_since: Moment::new(n.member_since),
        }
    }
}

/// Where an org's activity figures come from, in words.
pub fn activity_sources(o: &OrgSummary) -> String {
    let mut parts = Vec::new();
    if let Some(since) = o.activity.audit_log_since {
        parts.push(format!(
            "audit log (events since {})",
            since.format("%Y-%m-%d")
        ));
    }
    if o.activity.tokens {
        parts.push("members' access tokens (their last use)".to_string());
    }
    if let Some(idp) = &o.activity.idp {
        parts.push(format!("IdP export {}", text(idp)));
    }
    if parts.is_empty() {
        "activity unknown: no audit log, no token listing and no --activity export, so nobody \
         is called inactive"
            .into()
    } else {
        format!("activity from the {}", parts.join(" and the "))
    }
}
