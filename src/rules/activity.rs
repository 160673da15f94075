//! Seats nobody uses: matched, active people with no activity for
//! `inactive_days`, where an activity source exists.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::activity::Activity;
use crate::model::{EmploymentStatus, MatchMethod};
use crate::rules::context::OrgAudit;
use crate::rules::{Finding, Rule, Severity, base_finding};

/// `inactive_member`: low. Only with an activity source (audit log or IdP
/// export) and a last activity older than `inactive_days`; members a
/// source never saw active are listed apart ([`never_active`]), members
/// without a source are "unknown", never inactive.
pub fn inactive_member(a: &OrgAudit) -> Vec<Finding> {
    a.members
        .iter()
        .filter(|m| m.method() != MatchMethod::Unmatched && !a.departed(m.person))
        .filter(|m| m.person.is_some_and(|p| p.status == EmploymentStatus::Active))
        .filter_map(|m| {
            let member = m.item;
            let Activity::Last { at, source } = a.activity_of(&member.username) else {
                return None;
            };
            let idle = a.days_since(at);
            if idle <= a.thresholds.inactive_days {
                return None;
            }
            let mut f = base_finding(a, Rule::InactiveMember, Severity::Low, member.username.clone(), m);
            f.username = Some(member.username.clone());
            f.role = member.role.clone();
            f.detail = format!(
                "no activity in {} for {idle} days (more than {}); last seen {} ({})",
                a.org(),
                a.thresholds.inactive_days,
                at.format("%Y-%m-%d"),
                source.as_str()
            );
            f.fix = format!(
                "ask whether the seat is still needed; remove the member in Settings → Members of {} if not",
                a.org()
            );
            f.first_seen = Some(a.member_first_seen(&member.username));
            f.days_open = Some(idle);
            f.last_active = Some(at);
            Some(f)
        })
        .collect()
}

/// A member an activity source never saw active.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeverActive {
    pub org: String,
    pub username: String,
    pub fullname: Option<String>,
    pub role: Option<String>,
    #[serde(rename = "match")]
    pub match_method: MatchMethod,
    /// First snapshot showing them as a member.
    pub member_since: DateTime<Utc>,
}

/// Members with an activity source but no activity ever, oldest first.
pub fn never_active(a: &OrgAudit) -> Vec<NeverActive> {
    let mut out: Vec<NeverActive> = a
        .members
        .iter()
        .filter(|m| a.activity_of(&m.item.username).is_never())
        .map(|m| NeverActive {
            org: a.org().to_string(),
            username: m.item.username.clone(),
            fullname: m
                .person
                .and_then(|p| p.full_name.clone())
                .or_else(|| m.item.fullname.clone()),
            role: m.item.role.clone(),
            match_method: m.method(),
            member_since: a.member_first_seen(&m.item.username),
        })
        .collect();
    out.sort_by(|x, y| (x.member_since, &x.username).cmp(&(y.member_since, &y.username)));
    out
}
