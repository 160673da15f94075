//! Members' access tokens: a leaver's token that was used after their last
//! day, a leaver who is still a member and holds a token that still works,
//! and tokens nobody has used for `stale_token_days`. Subjects are
//! `username#TOKEN_ID`; details name a token by its display name and last
//! four characters (the only part of its value the Hub returns).

use chrono::{DateTime, Utc};

use crate::model::{MemberToken, ServiceAccount};
use crate::rules::context::{Matched, OrgAudit};
use crate::rules::departed::{left, set_open_since};
use crate::rules::{Finding, Rule, Severity, base_finding};

/// `username#TOKEN_ID`.
fn subject(t: &MemberToken) -> String {
    format!("{}#{}", t.owner, t.id)
}

/// A finding about one token, with the owner and their member role.
fn token_finding(
    a: &OrgAudit,
    rule: Rule,
    severity: Severity,
    m: &Matched<'_, MemberToken>,
) -> Finding {
    let t = m.item;
    let mut f = base_finding(a, rule, severity, subject(t), m);
    let member = a.member(&t.owner).map(|m| m.item);
    let service_account = service_account(a, t);
    f.username = Some(t.owner.clone());
    f.fullname = member
        .and_then(|m| m.fullname.clone())
        .or_else(|| service_account.map(|s| s.name.clone()))
        .or_else(|| t.owner_fullname.clone())
        .or(f.fullname);
    f.role = member.and_then(|m| m.role.clone());
    f
}

/// The service account that owns `t`, if a service account does.
fn service_account<'a>(a: &OrgAudit<'a>, t: &MemberToken) -> Option<&'a ServiceAccount> {
    a.snapshot
        .service_accounts
        .iter()
        .find(|s| s.username.eq_ignore_ascii_case(&t.owner))
}

/// "Revoke …": the Settings page and the API call.
fn revoke_fix(a: &OrgAudit, t: &MemberToken) -> String {
    format!(
        "Revoke the token's access to {org}: Settings → Access Tokens \
         (https://huggingface.co/organizations/{org}/settings/tokens), or \
         POST /api/organizations/{org}/settings/tokens/{id}/revoke (Enterprise). Revoking \
         withdraws its access to the org's resources; the token itself keeps working elsewhere",
        org = a.org(),
        id = t.id
    )
}

/// The moment after a last day: midnight UTC of the next day.
fn after(day: chrono::NaiveDate) -> DateTime<Utc> {
    day.succ_opt()
        .unwrap_or(day)
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
}

/// `departed_token_used`: critical. The token's `lastUsedAt` is after the
/// owner's last day (only when the roster gives a termination date).
pub fn departed_token_used(a: &OrgAudit) -> Vec<Finding> {
    a.tokens
        .iter()
        .filter(|m| a.departed(m.person))
        .filter_map(|m| {
            let t = m.item;
            let last_day = m.person?.termination_date?;
            let used = t.last_used_at.filter(|used| *used >= after(last_day))?;
            let mut f = token_finding(a, Rule::DepartedTokenUsed, Severity::Critical, m);
            f.detail = format!(
                "{}, but their {} token {} was used on {} ({} day(s) after the last day){}",
                left(m.person),
                t.role,
                t.label(),
                used.format("%Y-%m-%d %H:%M UTC"),
                (used.date_naive() - last_day).num_days(),
                if t.is_revoked() {
                    "; its access to the org has since been revoked"
                } else {
                    ""
                }
            );
            f.fix = format!(
                "Treat as a possible incident: find what the token did after {last_day} (audit log, \
                 repo history). {}",
                revoke_fix(a, t)
            );
            set_open_since(a, &mut f, m.person, used);
            Some(f)
        })
        .collect()
}

/// `departed_token`: high. The owner has left, is still a member, and the
/// token's access to the org is not revoked.
pub fn departed_token(a: &OrgAudit) -> Vec<Finding> {
    a.tokens
        .iter()
        .filter(|m| a.departed(m.person) && !m.item.is_revoked())
        .filter(|m| a.member(&m.item.owner).is_some())
        .map(|m| {
            let t = m.item;
            let mut f = token_finding(a, Rule::DepartedToken, Severity::High, m);
            f.detail = format!(
                "{} but is still a member of {} and owns the {} token {}{}, which is not revoked{}",
                left(m.person),
                a.org(),
                t.role,
                t.label(),
                t.status
                    .as_deref()
                    .map(|s| format!(" (status {s})"))
                    .unwrap_or_default(),
                match t.last_used_at {
                    Some(used) => format!("; last used {}", used.format("%Y-%m-%d")),
                    None => "; never used".to_string(),
                }
            );
            f.fix = format!(
                "{}; then remove {} from the org (see departed_member)",
                revoke_fix(a, t),
                t.owner
            );
            set_open_since(a, &mut f, m.person, t.created_at);
            f
        })
        .collect()
}

/// `stale_token`: low. An approved token (or, where the org does not
/// require approval, any token never revoked) unused for more than
/// `stale_token_days`, or never used and older than that; of a member or
/// of a service account alike.
pub fn stale_token(a: &OrgAudit) -> Vec<Finding> {
    let days = a.thresholds.stale_token_days;
    a.tokens
        .iter()
        .filter(|m| m.item.status.as_deref().is_none_or(|s| s == "approved"))
        .filter_map(|m| {
            let t = m.item;
            let since = t.last_used_at.unwrap_or(t.created_at);
            let idle = a.days_since(since);
            if idle <= days {
                return None;
            }
            let mut f = token_finding(a, Rule::StaleToken, Severity::Low, m);
            let owned_by = service_account(a, t);
            f.detail = format!(
                "the {} token {} of {}{} {} ({idle} days, more than {days})",
                t.role,
                t.label(),
                if owned_by.is_some() {
                    "service account "
                } else {
                    ""
                },
                t.owner,
                match t.last_used_at {
                    Some(used) => format!("was last used on {}", used.format("%Y-%m-%d")),
                    None => format!(
                        "was never used since it was created on {}",
                        t.created_at.format("%Y-%m-%d")
                    ),
                },
            );
            f.fix = match owned_by {
                Some(_) => format!(
                    "Ask the team that runs the service account {} whether the token is still \
                     needed; an admin of {} can delete it in the org's Settings, under the \
                     service account. {}",
                    t.owner,
                    a.org(),
                    revoke_fix(a, t)
                ),
                None => format!(
                    "Ask {} whether the token is still needed; they can delete it at \
                     https://huggingface.co/settings/tokens. {}",
                    t.owner,
                    revoke_fix(a, t)
                ),
            };
            f.first_seen = Some((since + chrono::Duration::days(days)).min(a.snapshot.taken_at));
            f.days_open = Some(idle);
            Some(f)
        })
        .collect()
}
