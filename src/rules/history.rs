//! Rules that read the history: roles that went up since the previous
//! snapshot, and leavers who kept access past their last day.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::history::{MembershipEvent, Presence};
use crate::model::{MatchMethod, Role, event_kind, event_targets};
use crate::rules::context::{Former, Matched, OrgAudit};
use crate::rules::{Finding, Rule, Severity, base_finding};

/// `role_escalation`: a member's role went up between the previous complete
/// snapshot and the latest: high when to admin, else medium. Members who
/// joined since are not escalations (`hfaudit diff` lists them).
pub fn role_escalation(a: &OrgAudit) -> Vec<Finding> {
    let Some(prev) = &a.history.previous else {
        return Vec::new();
    };
    a.members
        .iter()
        .filter_map(|m| {
            let member = m.item;
            let before = prev.roles.get(&member.username.to_lowercase())?;
            let (up, to_admin) = Role::escalation(before.as_deref(), member.role.as_deref());
            if !up {
                return None;
            }
            let severity = if to_admin {
                Severity::High
            } else {
                Severity::Medium
            };
            let (old, new) = (
                before.as_deref().unwrap_or("?"),
                member.role.as_deref().unwrap_or("?"),
            );
            let mut f = base_finding(
                a,
                Rule::RoleEscalation,
                severity,
                member.username.clone(),
                m,
            );
            f.username = Some(member.username.clone());
            f.fullname = f.fullname.or_else(|| member.fullname.clone());
            f.role = member.role.clone();
            let event = change_event(a, &member.username, prev.taken_at);
            let when = event.map_or(a.snapshot.taken_at, |e| e.at);
            f.detail = format!(
                "role went from {old} to {new} between the snapshots of {} and {}{}",
                prev.taken_at.format("%Y-%m-%d"),
                a.snapshot.taken_at.format("%Y-%m-%d"),
                match event {
                    Some(e) => format!(
                        " (org.change_role by {} on {})",
                        e.author.as_deref().unwrap_or("an unknown author"),
                        e.at.format("%Y-%m-%d %H:%M UTC")
                    ),
                    None => String::new(),
                }
            );
            f.fix = format!(
                "confirm the change to {new} was approved; otherwise set the role back to {old} \
                 in Settings → Members of {}",
                a.org()
            );
            f.first_seen = Some(when);
            f.days_open = Some(a.days_since(when));
            Some(f)
        })
        .collect()
}

/// The latest `org.change_role` about `username` after `since`.
fn change_event<'a>(
    a: &'a OrgAudit,
    username: &str,
    since: DateTime<Utc>,
) -> Option<&'a MembershipEvent> {
    let user = username.to_lowercase();
    a.history
        .org
        .membership_events
        .iter()
        .rev()
        .filter(|e| e.kind == event_kind::CHANGE_ROLE && e.at > since)
        .find(|e| event_targets(e.data.as_deref()).contains(&user))
}

/// How a leaver's access ended, or that it has not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Revocation {
    pub org: String,
    pub username: String,
    pub fullname: Option<String>,
    pub employee_id: Option<String>,
    pub email: Option<String>,
    #[serde(rename = "match")]
    pub match_method: MatchMethod,
    /// The roster's last day; `None` when it only gives a leaver status.
    pub last_day: Option<NaiveDate>,
    /// When access ended; `None` while still a member.
    pub revoked_at: Option<DateTime<Utc>>,
    /// `audit_log` (the removal or leave event) or `snapshots` (the first
    /// snapshot without them: an upper bound).
    pub evidence: Option<String>,
    /// The last snapshot that still showed them as a member.
    pub last_seen: DateTime<Utc>,
    /// Days from the last day to the loss of access (0 when on or before
    /// the last day); while still a member, days since the last day.
    pub days: Option<i64>,
    pub still_member: bool,
}

impl Revocation {
    /// Whether `days` is only an upper bound (no audit-log event).
    pub fn is_upper_bound(&self) -> bool {
        self.evidence.as_deref() == Some("snapshots")
    }
}

/// Every departed person who held membership in the history: how long
/// they kept it after their last day, or that they still hold it.
pub fn revocations(a: &OrgAudit) -> Vec<Revocation> {
    let mut out = Vec::new();
    for f in a.former.iter().filter(|f| a.departed(f.person)) {
        out.push(former_revocation(a, f));
    }
    for m in a.members.iter().filter(|m| a.departed(m.person)) {
        let person = m.person.expect("departed implies a person");
        out.push(Revocation {
            org: a.org().to_string(),
            username: m.item.username.clone(),
            fullname: person.full_name.clone().or_else(|| m.item.fullname.clone()),
            employee_id: person.employee_id.clone(),
            email: person.email.clone(),
            match_method: m.method(),
            last_day: person.termination_date,
            revoked_at: None,
            evidence: None,
            last_seen: a.snapshot.taken_at,
            days: person.termination_date.map(|d| a.days_since_date(d)),
            still_member: true,
        });
    }
    out.sort_by(|x, y| {
        (x.still_member, x.days, &x.username)
            .cmp(&(y.still_member, y.days, &y.username))
            .reverse()
    });
    out
}

fn former_revocation(a: &OrgAudit, f: &Former) -> Revocation {
    let p: &Presence = f.presence;
    let person = f.person.expect("departed implies a person");
    let event = a.exit_event(&p.username, p.last);
    let (revoked_at, evidence) = match event {
        Some(e) => (Some(e.at), "audit_log"),
        None => (
            a.history.org.first_after(p.last).map(|s| s.taken_at),
            "snapshots",
        ),
    };
    let days = match (person.termination_date, revoked_at) {
        (Some(day), Some(at)) => Some((at.date_naive() - day).num_days().max(0)),
        _ => None,
    };
    Revocation {
        org: a.org().to_string(),
        username: p.username.clone(),
        fullname: person.full_name.clone().or_else(|| p.fullname.clone()),
        employee_id: person.employee_id.clone(),
        email: person.email.clone(),
        match_method: f.matched.method,
        last_day: person.termination_date,
        revoked_at,
        evidence: revoked_at.map(|_| evidence.to_string()),
        last_seen: p.last,
        days,
        still_member: false,
    }
}

/// `late_revocation`: medium. A departed person lost their membership more
/// than `revoke_sla_days` after their last day. From the audit log's
/// removal event when there is one, else from the first snapshot without
/// them (an upper bound, said so in the detail).
pub fn late_revocation(a: &OrgAudit) -> Vec<Finding> {
    let sla = a.thresholds.revoke_sla_days;
    a.former
        .iter()
        .filter(|f| a.departed(f.person))
        .filter_map(|f| {
            let r = former_revocation(a, f);
            let (days, last_day, at) = (r.days?, r.last_day?, r.revoked_at?);
            if days <= sla {
                return None;
            }
            let m = Matched {
                item: f.presence,
                matched: f.matched,
                person: f.person,
            };
            let mut out = base_finding(
                a,
                Rule::LateRevocation,
                Severity::Medium,
                r.username.clone(),
                &m,
            );
            out.username = Some(r.username.clone());
            out.fullname = r.fullname.clone();
            out.detail = if r.is_upper_bound() {
                format!(
                    "lost membership of {} at most {days} days after their last day ({last_day}): \
                     still a member on {}, gone by {} (no audit-log event, so this is an upper \
                     bound); the SLA is {sla} day(s)",
                    a.org(),
                    r.last_seen.format("%Y-%m-%d"),
                    at.format("%Y-%m-%d"),
                )
            } else {
                format!(
                    "lost membership of {} {days} days after their last day ({last_day}), on {} \
                     (audit log); the SLA is {sla} day(s)",
                    a.org(),
                    at.format("%Y-%m-%d"),
                )
            };
            out.fix = "review what the account did after the last day (audit log), revoke its \
                       tokens and gated-repo access, and remove leavers on their last day"
                .to_string();
            out.first_seen = last_day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
            out.days_open = Some(days);
            Some(out)
        })
        .collect()
}
