//! Leavers who still have a way in: membership, resource groups, accepted
//! access to gated repos, pending invitations.

use crate::collections::{HashMap, HashMapExt};

use crate::model::{Person, Role};
use crate::rules::context::OrgAudit;
use crate::rules::{Finding, Rule, Severity, base_finding, describe_person};

/// `departed_member`: critical for admin or write, else high.
pub fn departed_member(a: &OrgAudit) -> Vec<Finding> {
    let gated = gated_repos_by_user(a);
    a.members
        .iter()
        .filter(|m| a.departed(m.person))
        .map(|m| {
            let member = m.item;
            let role = member.role();
            let severity = if matches!(role, Some(Role::Admin | Role::Write)) {
                Severity::Critical
            } else {
                Severity::High
            };
            let mut f = base_finding(a, Rule::DepartedMember, severity, member.username.clone(), m);
            f.username = Some(member.username.clone());
            f.fullname = member.fullname.clone().or(f.fullname);
            f.role = member.role.clone();
            f.groups = member.resource_groups.clone();
            f.repos = gated
                .get(&member.username.to_ascii_lowercase())
                .cloned()
                .unwrap_or_default();
            f.detail = format!(
                "{} but is still a member of {} with role {}{}",
                left(m.person),
                a.org(),
                member.role.as_deref().unwrap_or("unknown"),
                if f.repos.is_empty() {
                    String::new()
                } else {
                    format!(", and holds access to {} gated repo(s)", f.repos.len())
                }
            );
            f.fix = format!(
                "Remove {u} from the org: https://huggingface.co/organizations/{org}/settings/members \
                 (Members → {u} → Remove). Removing does not revoke their tokens or accepted access \
                 to gated repos: see the departed_gated_access findings.",
                u = member.username,
                org = a.org()
            );
            set_open_since(a, &mut f, m.person, a.member_first_seen(&member.username));
            f
        })
        .collect()
}

/// `departed_group_access`: high.
pub fn departed_group_access(a: &OrgAudit) -> Vec<Finding> {
    a.group_members
        .iter()
        .filter(|g| a.departed(g.person))
        .map(|g| {
            let gm = g.item;
            let subject = format!("{}@{}", gm.username, gm.group_name);
            let mut f = base_finding(a, Rule::DepartedGroupAccess, Severity::High, subject, g);
            f.username = Some(gm.username.clone());
            f.fullname = gm.fullname.clone().or(f.fullname);
            f.role = gm.role.clone();
            f.groups = vec![gm.group_name.clone()];
            let group = a.snapshot.groups.iter().find(|rg| rg.id == gm.group_id);
            f.repos = group.map(|rg| rg.repos.clone()).unwrap_or_default();
            f.resources = group.map(non_repo_resources).unwrap_or_default();
            f.detail = format!(
                "{} but is still in resource group '{}' with role {}",
                left(g.person),
                gm.group_name,
                gm.role.as_deref().unwrap_or("unknown")
            );
            f.fix = format!(
                "Remove {} from the resource group: https://huggingface.co/organizations/{}/settings/resource-groups \
                 → {} → Members",
                gm.username,
                a.org(),
                gm.group_name
            );
            set_open_since(a, &mut f, g.person, a.member_first_seen(&gm.username));
            f
        })
        .collect()
}

/// `departed_gated_access`: high.
pub fn departed_gated_access(a: &OrgAudit) -> Vec<Finding> {
    a.access
        .iter()
        .filter(|x| a.departed(x.person))
        .map(|x| {
            let acc = x.item;
            let who = acc
                .username
                .clone()
                .or_else(|| acc.email.clone())
                .unwrap_or_else(|| "(hidden requester)".into());
            let subject = format!("{who}@{}", acc.repo);
            let mut f = base_finding(a, Rule::DepartedGatedAccess, Severity::High, subject, x);
            f.username = acc.username.clone();
            f.fullname = acc.fullname.clone().or(f.fullname);
            f.email = f.email.or_else(|| acc.email.clone());
            f.repos = vec![format!("{}/{}", acc.repo_type, acc.repo)];
            f.detail = format!(
                "{} but still holds accepted access to the gated {} {}{}",
                left(x.person),
                acc.repo_type,
                acc.repo,
                acc.reviewed_at
                    .map(|t| format!(" (granted {})", t.format("%Y-%m-%d")))
                    .unwrap_or_default()
            );
            f.fix = format!(
                "Reject the accepted request: https://huggingface.co/{kind}s/{repo}/settings (Gated user access), \
                 or POST /api/{kind}s/{repo}/user-access-request/handle with {{\"user\": \"{who}\", \"status\": \"rejected\"}}",
                kind = acc.repo_type,
                repo = acc.repo,
            );
            let since = acc.reviewed_at.or(acc.requested_at).unwrap_or(a.snapshot.taken_at);
            set_open_since(a, &mut f, x.person, since);
            f
        })
        .collect()
}

/// `departed_invite`: medium.
pub fn departed_invite(a: &OrgAudit) -> Vec<Finding> {
    a.invites
        .iter()
        .filter(|i| a.departed(i.person))
        .map(|i| {
            let inv = i.item;
            let mut f = base_finding(
                a,
                Rule::DepartedInvite,
                Severity::Medium,
                inv.invitee.clone(),
                i,
            );
            f.username = inv.username.clone();
            f.email = f.email.or_else(|| inv.email.clone());
            f.role = inv.role.clone();
            f.detail = format!(
                "{} but an invitation to {} is still pending (a billable seat)",
                left(i.person),
                a.org()
            );
            f.fix = invite_fix(a, &inv.invitee);
            set_open_since(a, &mut f, i.person, a.invite_first_seen(inv));
            f
        })
        .collect()
}

pub(crate) fn invite_fix(a: &OrgAudit, invitee: &str) -> String {
    format!(
        "Cancel the invitation for {invitee}: https://huggingface.co/organizations/{}/settings/members \
         (Pending invitations → Cancel)",
        a.org()
    )
}

/// "Alice Martin (alice@acme.com) left on 2026-03-31" or "… is terminated".
pub(super) fn left(person: Option<&Person>) -> String {
    let Some(p) = person else {
        return "This person has left".into();
    };
    let who = describe_person(p);
    match (p.termination_date, p.status_text.as_deref()) {
        (Some(d), _) => format!("{who} left on {d}"),
        (None, Some(s)) => format!("{who} is '{s}' on the roster"),
        (None, None) => format!("{who} has left"),
    }
}

/// Open since the later of the last day and the evidence's first sighting;
/// days counted from the last day when the roster gives one.
pub(super) fn set_open_since(
    a: &OrgAudit,
    f: &mut Finding,
    person: Option<&Person>,
    seen: chrono::DateTime<chrono::Utc>,
) {
    let last_day = person.and_then(|p| p.termination_date);
    let after_last_day = last_day
        .and_then(|d| d.succ_opt())
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    let first = match after_last_day {
        Some(t) => seen.max(t).min(a.snapshot.taken_at),
        None => seen,
    };
    f.first_seen = Some(first);
    f.days_open = Some(match last_day {
        Some(d) => a.days_since_date(d),
        None => a.days_since(first),
    });
}

/// The gated repos each username (ASCII lower-cased) holds accepted access
/// to, as `type/namespace/name`, sorted.
fn gated_repos_by_user(a: &OrgAudit) -> HashMap<String, Vec<String>> {
    let mut by_user: HashMap<String, Vec<String>> = HashMap::new();
    for x in &a.access {
        if let Some(u) = x.item.username.as_deref() {
            by_user
                .entry(u.to_ascii_lowercase())
                .or_default()
                .push(format!("{}/{}", x.item.repo_type, x.item.repo));
        }
    }
    for repos in by_user.values_mut() {
        repos.sort();
        repos.dedup();
    }
    by_user
}

/// A group's resources that are not repos, as evidence: `kind id` or
/// `kind id (title)`; a kind this version does not know shows its raw type.
fn non_repo_resources(group: &crate::model::ResourceGroup) -> Vec<String> {
    group
        .resources
        .iter()
        .filter(|r| !r.is_repo())
        .map(|r| {
            let kind = match r.kind.as_str() {
                "other" => format!("{} (unknown kind)", r.raw_type),
                kind => kind.to_string(),
            };
            match &r.title {
                Some(title) => format!("{kind} {} ({title})", r.id),
                None => format!("{kind} {}", r.id),
            }
        })
        .collect()
}
