//! Accounts nobody can vouch for, and accounts without a second factor.

use crate::model::{MatchMethod, Role};
use crate::rules::context::OrgAudit;
use crate::rules::{Finding, Rule, Severity, base_finding, describe_person};

/// `unmatched_member`: medium. A heuristic match to someone still employed
/// is not enough to clear a member, so it is reported too, as a probable
/// match to confirm.
pub fn unmatched_member(a: &OrgAudit) -> Vec<Finding> {
    a.members
        .iter()
        .filter(|m| match m.method() {
            MatchMethod::Unmatched => true,
            MatchMethod::Heuristic => !a.departed(m.person),
            _ => false,
        })
        .map(|m| {
            let member = m.item;
            let mut f = base_finding(
                a,
                Rule::UnmatchedMember,
                Severity::Medium,
                member.username.clone(),
                m,
            );
            f.username = Some(member.username.clone());
            f.fullname = member.fullname.clone();
            f.role = member.role.clone();
            f.groups = member.resource_groups.clone();
            f.detail = match m.person {
                Some(p) => format!(
                    "{} (role {}) is not on the roster by username or email; probable match: {}, to confirm",
                    member.username,
                    member.role.as_deref().unwrap_or("unknown"),
                    describe_person(p)
                ),
                None => format!(
                    "{} (role {}{}) matches nobody on the roster",
                    member.username,
                    member.role.as_deref().unwrap_or("unknown"),
                    if member.external == Some(true) {
                        ", external collaborator"
                    } else {
                        ""
                    }
                ),
            };
            f.fix = format!(
                "Identify {u}: put their Hugging Face username in the roster's hf_username column or in an \
                 --identities file (hf_username,email). If nobody can, remove them: \
                 https://huggingface.co/organizations/{org}/settings/members",
                u = member.username,
                org = a.org()
            );
            let seen = a.member_first_seen(&member.username);
            f.first_seen = Some(seen);
            f.days_open = Some(a.days_since(seen));
            f
        })
        .collect()
}

/// `member_without_2fa`: high for admins, else medium; only where the Hub
/// reports the flag.
pub fn member_without_2fa(a: &OrgAudit) -> Vec<Finding> {
    a.members
        .iter()
        .filter(|m| m.item.two_fa == Some(false))
        .map(|m| {
            let member = m.item;
            let severity = if member.role() == Some(Role::Admin) {
                Severity::High
            } else {
                Severity::Medium
            };
            let mut f = base_finding(a, Rule::MemberWithout2fa, severity, member.username.clone(), m);
            f.username = Some(member.username.clone());
            f.fullname = member.fullname.clone().or(f.fullname);
            f.role = member.role.clone();
            f.groups = member.resource_groups.clone();
            f.detail = format!(
                "{} (role {}) has no two-factor authentication",
                member.username,
                member.role.as_deref().unwrap_or("unknown")
            );
            f.fix = format!(
                "Ask {} to enable 2FA (https://huggingface.co/settings/account), or require it for every member: \
                 https://huggingface.co/organizations/{}/settings (Security → Require two-factor authentication)",
                member.username,
                a.org()
            );
            let seen = a.member_first_seen(&member.username);
            f.first_seen = Some(seen);
            f.days_open = Some(a.days_since(seen));
            f
        })
        .collect()
}
