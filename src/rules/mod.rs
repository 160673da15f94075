//! The rules: pure functions from one org's matched snapshot (and the
//! history facts it carries) to findings. One file per rule family; the
//! findings themselves are data (`finding`), muted by `exceptions`.

pub mod activity;
pub mod context;
mod departed;
pub mod exceptions;
mod finding;
pub mod history;
mod hygiene;
mod invites;
mod tokens;

use crate::collections::{HashSet, HashSetExt};

pub use activity::{NeverActive, never_active};
pub use context::{AuditHistory, Matched, OrgAudit, PreviousRoles, Thresholds};
pub use finding::{Finding, Rule, Severity};
pub use history::{Revocation, revocations};

use crate::model::Person;

/// Every rule, in report order: those of the latest snapshot, then those
/// of the history.
const RULES: [fn(&OrgAudit) -> Vec<Finding>; 13] = [
    departed::departed_member,
    departed::departed_group_access,
    departed::departed_gated_access,
    departed::departed_invite,
    tokens::departed_token_used,
    tokens::departed_token,
    tokens::stale_token,
    invites::stale_invite,
    hygiene::unmatched_member,
    hygiene::member_without_2fa,
    activity::inactive_member,
    history::role_escalation,
    history::late_revocation,
];

/// Runs every rule on one org: one finding per (rule, org, subject), each
/// about a member carrying the member's last activity.
pub fn evaluate(audit: &OrgAudit) -> Vec<Finding> {
    let mut seen = HashSet::new();
    let mut out: Vec<Finding> = RULES
        .iter()
        .flat_map(|rule| rule(audit))
        .filter(|f| seen.insert((f.rule, f.org.clone(), f.subject.to_lowercase())))
        .collect();
    for f in &mut out {
        if f.last_active.is_none()
            && let Some(user) = &f.username
        {
            f.last_active = audit.activity_of(user).last();
        }
    }
    sort(&mut out);
    out
}

/// Most severe first, then org, rule and subject: a stable order for every
/// output.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.org.cmp(&b.org))
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.subject.cmp(&b.subject))
    });
}

/// "Alice Martin <alice@acme.com> (E1001)".
pub(crate) fn describe_person(p: &Person) -> String {
    let mut s = p
        .full_name
        .clone()
        .or_else(|| p.email.clone())
        .or_else(|| p.employee_id.clone())
        .unwrap_or_else(|| format!("roster line {}", p.line));
    if let (Some(_), Some(email)) = (&p.full_name, &p.email) {
        s.push_str(&format!(" <{email}>"));
    }
    if let Some(id) = &p.employee_id {
        s.push_str(&format!(" ({id})"));
    }
    s
}

/// A finding with the person, match and evidence filled in; rules add the
/// role, detail, fix and dates.
pub(crate) fn base_finding<T>(
    a: &OrgAudit,
    rule: Rule,
    severity: Severity,
    subject: String,
    m: &Matched<'_, T>,
) -> Finding {
    let person = m.person;
    Finding {
        severity,
        rule,
        org: a.org().to_string(),
        subject,
        username: None,
        fullname: person.and_then(|p| p.full_name.clone()),
        employee_id: person.and_then(|p| p.employee_id.clone()),
        email: person.and_then(|p| p.email.clone()),
        match_method: m.method(),
        role: None,
        detail: String::new(),
        first_seen: None,
        days_open: None,
        last_active: None,
        muted: None,
        snapshot_id: a.snapshot_id.clone(),
        taken_at: a.snapshot.taken_at,
        groups: Vec::new(),
        repos: Vec::new(),
        resources: Vec::new(),
        fix: String::new(),
        cost_center: person.and_then(|p| p.cost_center.clone()),
    }
}

/// Prefixes "Probable match (heuristic): " to the details of findings whose
/// match is a guess, so no output presents it as certain.
pub fn label_probable(findings: &mut [Finding]) {
    for f in findings.iter_mut().filter(|f| f.match_method.is_probable()) {
        if !f.detail.starts_with("Probable match") {
            f.detail = format!("Probable match (heuristic): {}", f.detail);
        }
    }
}

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_history;
#[cfg(test)]
mod tests_service_accounts;
#[cfg(test)]
mod tests_tokens;
