//! A remediation plan as data: for each selected open finding, the Hub call
//! that fixes it and the facts it was computed from, or why no call does.
//!
//! Only calls the Hub's own OpenAPI description documents are planned:
//! setting a member's role and resource groups (`PUT .../role`, which
//! replaces the groups: removing someone from a group is sending their
//! other groups), rejecting an accepted request on a gated **model**, and
//! revoking a member token's access to the org (Enterprise). Removing a
//! member from the org, cancelling an invitation and rejecting access to a
//! gated dataset have no documented call: they are manual steps, with
//! where to click. A departed member is set to `no_access` with no groups
//! (their access ends at once) and their removal is the manual step that
//! frees the seat.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::hub::remediate::{reject_body, role_body};
use crate::model::{Role, Snapshot};
use crate::report::Report;
use crate::rules::{Finding, Rule};

/// The plan file's format version.
pub const PLAN_VERSION: u32 = 1;

/// The rules planned when no `--rule` is given: every way a leaver still
/// gets in. The others concern people still employed (a stale token, an
/// escalation that may have been approved) and are planned only by name.
pub const DEFAULT_RULES: [Rule; 6] = [
    Rule::DepartedMember,
    Rule::DepartedGroupAccess,
    Rule::DepartedGatedAccess,
    Rule::DepartedInvite,
    Rule::DepartedToken,
    Rule::DepartedTokenUsed,
];

/// What `hfaudit plan` selects.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Empty: [`DEFAULT_RULES`].
    pub rules: Vec<Rule>,
    /// Findings whose subject or username is one of these (exact,
    /// case-insensitive); empty: all.
    pub subjects: Vec<String>,
}

impl Selection {
    fn takes(&self, f: &Finding) -> bool {
        let rule = if self.rules.is_empty() {
            DEFAULT_RULES.contains(&f.rule)
        } else {
            self.rules.contains(&f.rule)
        };
        let subject = self.subjects.is_empty()
            || self.subjects.iter().any(|s| {
                s.eq_ignore_ascii_case(&f.subject)
                    || f.username
                        .as_deref()
                        .is_some_and(|u| s.eq_ignore_ascii_case(u))
            });
        rule && subject && !f.is_muted()
    }
}

/// The whole plan, as written (inside its [`Sealed`] envelope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub version: u32,
    pub tool_version: String,
    pub created_at: DateTime<Utc>,
    /// The Hub the snapshots came from and the calls go to.
    pub endpoint: String,
    /// The user the token belongs to: never acted on.
    pub principal: String,
    pub orgs: Vec<PlanOrg>,
    /// In the order they are applied.
    pub steps: Vec<Step>,
    pub manual: Vec<Manual>,
    pub refused: Vec<Refused>,
}

/// The snapshot an org's steps were computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanOrg {
    pub org: String,
    pub snapshot_id: String,
    pub taken_at: DateTime<Utc>,
    pub plan: Option<String>,
}

/// A finding a step answers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingRef {
    pub rule: Rule,
    pub subject: String,
}

impl FindingRef {
    fn of(f: &Finding) -> FindingRef {
        FindingRef {
            rule: f.rule,
            subject: f.subject.clone(),
        }
    }
}

/// One Hub call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// `ORG#N`, N counting from 1 in the plan.
    pub id: String,
    pub org: String,
    pub action: Action,
    pub findings: Vec<FindingRef>,
    /// The findings' details: why the call is made.
    pub why: Vec<String>,
    /// The call as it would be sent from the snapshot's facts; `apply`
    /// sends the same call built from what the Hub says just before.
    pub call: Call,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    pub method: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

/// A resource group, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
}

/// A resource group membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRole {
    pub id: String,
    pub name: String,
    pub role: String,
}

/// What a step does, with the facts of the snapshot it relies on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// One role call: the org role becomes `role_to`, and the member leaves
    /// the groups in `remove` while keeping the others.
    SetAccess {
        username: String,
        role_from: Option<String>,
        role_to: String,
        remove: Vec<GroupRef>,
        /// The member's groups in the snapshot.
        groups_before: Vec<GroupRole>,
    },
    /// Reject `username`'s accepted request on the gated model `repo`.
    RejectAccess {
        username: String,
        repo: String,
        granted_at: Option<DateTime<Utc>>,
    },
    /// Revoke the token's access to the org.
    RevokeToken {
        token_id: String,
        owner: String,
        /// Display name and last four characters, never the value.
        label: String,
        last_used_at: Option<DateTime<Utc>>,
    },
}

impl Action {
    /// The kinds, for counts and tables.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::SetAccess { .. } => "set_access",
            Action::RejectAccess { .. } => "reject_access",
            Action::RevokeToken { .. } => "revoke_token",
        }
    }

    /// One line saying what the step does.
    pub fn describe(&self) -> String {
        match self {
            Action::SetAccess {
                username,
                role_from,
                role_to,
                remove,
                ..
            } => {
                let mut parts = Vec::new();
                if role_from.as_deref() != Some(role_to.as_str()) {
                    parts.push(format!(
                        "set {username}'s role from {} to {role_to}",
                        role_from.as_deref().unwrap_or("unknown")
                    ));
                }
                if !remove.is_empty() {
                    let names: Vec<&str> = remove.iter().map(|g| g.name.as_str()).collect();
                    parts.push(format!(
                        "remove {username} from resource group(s) {}",
                        names.join(", ")
                    ));
                }
                parts.join(" and ")
            }
            Action::RejectAccess { username, repo, .. } => {
                format!("reject {username}'s access to the gated model {repo}")
            }
            Action::RevokeToken { owner, label, .. } => {
                format!("revoke {owner}'s token {label} for the org")
            }
        }
    }
}

/// A fix no documented call makes: done by a person, where it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manual {
    pub org: String,
    pub findings: Vec<FindingRef>,
    pub what: String,
    /// Where to click.
    pub how: String,
}

/// A fix hfaudit will not plan, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refused {
    pub org: String,
    pub findings: Vec<FindingRef>,
    pub what: String,
    pub reason: String,
}

impl Plan {
    /// The number of steps of each kind, in a fixed order.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
        for s in &self.steps {
            *counts.entry(s.action.kind()).or_default() += 1;
        }
        ["reject_access", "revoke_token", "set_access"]
            .into_iter()
            .map(|k| (k, counts.get(k).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

/// What a plan is built from besides the report.
pub struct Basis<'a> {
    pub snapshots: &'a [&'a Snapshot],
    pub snapshot_ids: &'a [String],
    pub principal: &'a str,
    pub endpoint: &'a str,
    pub now: DateTime<Utc>,
}

/// The plan for the selected open findings of `report`.
pub fn build(report: &Report, basis: &Basis, selection: &Selection) -> Plan {
    let mut plan = Plan {
        version: PLAN_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: basis.now,
        endpoint: basis.endpoint.to_string(),
        principal: basis.principal.to_string(),
        orgs: Vec::new(),
        steps: Vec::new(),
        manual: Vec::new(),
        refused: Vec::new(),
    };
    for (snapshot, id) in basis.snapshots.iter().zip(basis.snapshot_ids) {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.org == snapshot.org && selection.takes(f))
            .collect();
        plan.orgs.push(PlanOrg {
            org: snapshot.org.clone(),
            snapshot_id: id.clone(),
            taken_at: snapshot.taken_at,
            plan: snapshot.plan.clone(),
        });
        OrgPlanner {
            snapshot,
            principal: basis.principal,
            plan: &mut plan,
        }
        .plan(&findings);
    }
    for (n, step) in plan.steps.iter_mut().enumerate() {
        step.id = format!("{}#{}", step.org, n + 1);
    }
    plan
}

struct OrgPlanner<'a> {
    snapshot: &'a Snapshot,
    principal: &'a str,
    plan: &'a mut Plan,
}

/// What one member's role call gathers.
#[derive(Default)]
struct MemberFix {
    demote: bool,
    remove: BTreeSet<GroupRef>,
    findings: Vec<FindingRef>,
    why: Vec<String>,
}

impl OrgPlanner<'_> {
    fn org(&self) -> String {
        self.snapshot.org.clone()
    }

    fn is_principal(&self, username: &str) -> bool {
        username.eq_ignore_ascii_case(self.principal)
    }

    fn refuse(&mut self, f: &[&Finding], what: String, reason: String) {
        self.plan.refused.push(Refused {
            org: self.org(),
            findings: f.iter().map(|f| FindingRef::of(f)).collect(),
            what,
            reason,
        });
    }

    fn manual(&mut self, f: &Finding, what: String, how: String) {
        self.plan.manual.push(Manual {
            org: self.org(),
            findings: vec![FindingRef::of(f)],
            what,
            how,
        });
    }

    fn step(&mut self, findings: &[&Finding], action: Action, call: Call) {
        self.plan.steps.push(Step {
            id: String::new(),
            org: self.org(),
            action,
            findings: findings.iter().map(|f| FindingRef::of(f)).collect(),
            why: findings.iter().map(|f| f.detail.clone()).collect(),
            call,
        });
    }

    /// Grants first, then tokens, then each member's role call; the manual
    /// steps in finding order.
    fn plan(mut self, findings: &[&Finding]) {
        let mut members: BTreeMap<String, MemberFix> = BTreeMap::new();
        let mut tokens: BTreeMap<String, Vec<&Finding>> = BTreeMap::new();
        for f in findings {
            match f.rule {
                Rule::DepartedGatedAccess => self.grant(f),
                Rule::DepartedToken | Rule::DepartedTokenUsed | Rule::StaleToken => {
                    if let Some((_, id)) = f.subject.rsplit_once('#') {
                        tokens.entry(id.to_string()).or_default().push(f);
                    }
                }
                Rule::DepartedMember => {
                    if let Some(u) = &f.username {
                        let fix = members.entry(u.clone()).or_default();
                        fix.demote = true;
                        fix.findings.push(FindingRef::of(f));
                        fix.why.push(f.detail.clone());
                    }
                    self.manual(
                        f,
                        format!(
                            "remove {} from the org (frees the seat)",
                            f.username.as_deref().unwrap_or(&f.subject)
                        ),
                        format!(
                            "https://huggingface.co/organizations/{}/settings/members → {} → \
                             Remove (the Hub documents no API call for it); apply first sets \
                             the role to no_access and leaves every group",
                            f.org,
                            f.username.as_deref().unwrap_or(&f.subject)
                        ),
                    );
                }
                Rule::DepartedGroupAccess => self.group(f, &mut members),
                Rule::DepartedInvite | Rule::StaleInvite => self.manual(
                    f,
                    format!("cancel the invitation of {}", f.subject),
                    format!(
                        "https://huggingface.co/organizations/{}/settings/members → Invitations \
                         → {} → Cancel (the Hub documents no API call for it)",
                        f.org, f.subject
                    ),
                ),
                _ => self.manual(
                    f,
                    format!("decide on {} ({})", f.subject, f.rule),
                    format!("no call fixes this without a person's decision: {}", f.fix),
                ),
            }
        }
        for (id, fs) in tokens {
            self.token(&id, &fs);
        }
        self.members(members, findings);
    }

    fn grant(&mut self, f: &Finding) {
        let repo_key = f.repos.first().map(String::as_str).unwrap_or("");
        let (kind, repo) = repo_key.split_once('/').unwrap_or(("", repo_key));
        let Some(username) = f.username.clone() else {
            self.manual(
                f,
                format!("reject the hidden requester's access to {repo_key}"),
                format!("https://huggingface.co/{kind}s/{repo}/settings → Gated user access"),
            );
            return;
        };
        if self.is_principal(&username) {
            self.refuse(
                &[f],
                format!("reject {username}'s access to {repo_key}"),
                "it is the token's own user".into(),
            );
            return;
        }
        if kind != "model" {
            self.manual(
                f,
                format!("reject {username}'s access to the gated {kind} {repo}"),
                format!(
                    "https://huggingface.co/{kind}s/{repo}/settings → Gated user access → \
                     {username} → Reject (the Hub documents the call for models only)"
                ),
            );
            return;
        }
        let granted_at = self
            .snapshot
            .repo_access
            .iter()
            .find(|a| {
                a.repo_type == "model"
                    && a.repo == repo
                    && a.username
                        .as_deref()
                        .is_some_and(|u| u.eq_ignore_ascii_case(&username))
            })
            .and_then(|a| a.reviewed_at);
        let call = Call {
            method: "POST".into(),
            path: format!("/api/models/{repo}/user-access-request/handle"),
            body: Some(reject_body(&username, &rejection_reason(f))),
        };
        self.step(
            &[f],
            Action::RejectAccess {
                username,
                repo: repo.to_string(),
                granted_at,
            },
            call,
        );
    }

    fn token(&mut self, id: &str, findings: &[&Finding]) {
        let token = self.snapshot.tokens.iter().find(|t| t.id == id);
        let Some(token) = token else {
            return;
        };
        let what = format!(
            "revoke {}'s token {} for the org",
            token.owner,
            token.label()
        );
        if self.is_principal(&token.owner) {
            self.refuse(findings, what, "it is the token's own user".into());
            return;
        }
        if !enterprise(self.snapshot.plan.as_deref()) {
            for f in findings {
                self.manual(
                    f,
                    what.clone(),
                    format!(
                        "revoking a member's token for the org needs Enterprise (this org's plan: \
                         {}): ask {} to delete it at https://huggingface.co/settings/tokens, or \
                         remove them from the org",
                        self.snapshot.plan.as_deref().unwrap_or("unknown"),
                        token.owner
                    ),
                );
            }
            return;
        }
        let call = Call {
            method: "POST".into(),
            path: format!(
                "/api/organizations/{}/settings/tokens/{}/revoke",
                self.snapshot.org, token.id
            ),
            body: None,
        };
        self.step(
            findings,
            Action::RevokeToken {
                token_id: token.id.clone(),
                owner: token.owner.clone(),
                label: token.label(),
                last_used_at: token.last_used_at,
            },
            call,
        );
    }

    fn group(&mut self, f: &Finding, members: &mut BTreeMap<String, MemberFix>) {
        let Some(username) = f.username.clone() else {
            return;
        };
        let name = f.groups.first().cloned().unwrap_or_default();
        let found: Vec<&crate::model::ResourceGroup> = self
            .snapshot
            .groups
            .iter()
            .filter(|g| g.name == name)
            .collect();
        let [group] = found.as_slice() else {
            self.refuse(
                &[f],
                format!("remove {username} from the resource group {name}"),
                format!(
                    "{} resource groups are named '{name}' in the snapshot: the group is not \
                     known for sure",
                    found.len()
                ),
            );
            return;
        };
        let fix = members.entry(username).or_default();
        fix.remove.insert(GroupRef {
            id: group.id.clone(),
            name: group.name.clone(),
        });
        fix.findings.push(FindingRef::of(f));
        fix.why.push(f.detail.clone());
    }

    /// One role call per member; never on the token's own user, never
    /// taking the org's last admin away.
    fn members(&mut self, members: BTreeMap<String, MemberFix>, findings: &[&Finding]) {
        let mut admins = self
            .snapshot
            .members
            .iter()
            .filter(|m| m.role() == Some(Role::Admin))
            .count();
        for (username, fix) in members {
            let member = self
                .snapshot
                .members
                .iter()
                .find(|m| m.username.eq_ignore_ascii_case(&username));
            let Some(member) = member else {
                continue;
            };
            let of_member: Vec<&Finding> = findings
                .iter()
                .copied()
                .filter(|f| fix.findings.contains(&FindingRef::of(f)))
                .collect();
            let before: Vec<GroupRole> = self
                .snapshot
                .group_members
                .iter()
                .filter(|g| g.username.eq_ignore_ascii_case(&username))
                .map(|g| GroupRole {
                    id: g.group_id.clone(),
                    name: g.group_name.clone(),
                    role: g.role.clone().unwrap_or_else(|| "read".into()),
                })
                .collect();
            let current = member.role.clone();
            let role_to = if fix.demote {
                Role::NoAccess.as_str().to_string()
            } else {
                current.clone().unwrap_or_else(|| "read".into())
            };
            let remove: Vec<GroupRef> = if fix.demote {
                before
                    .iter()
                    .map(|g| GroupRef {
                        id: g.id.clone(),
                        name: g.name.clone(),
                    })
                    .chain(fix.remove.iter().cloned())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect()
            } else {
                fix.remove.into_iter().collect()
            };
            if current.as_deref() == Some(role_to.as_str()) && remove.is_empty() {
                // Nothing a role call would change (set by an earlier apply).
                continue;
            }
            let action = Action::SetAccess {
                username: member.username.clone(),
                role_from: current.clone(),
                role_to: role_to.clone(),
                remove: remove.clone(),
                groups_before: before.clone(),
            };
            if self.is_principal(&username) {
                self.refuse(
                    &of_member,
                    action.describe(),
                    "it is the token's own user".into(),
                );
                continue;
            }
            let demotes_admin = member.role() == Some(Role::Admin) && role_to != "admin";
            if demotes_admin && admins <= 1 {
                self.refuse(
                    &of_member,
                    action.describe(),
                    format!("{username} is the last admin of {}", self.snapshot.org),
                );
                continue;
            }
            if demotes_admin {
                admins -= 1;
            }
            let keep: Vec<(String, String)> = before
                .iter()
                .filter(|g| !remove.iter().any(|r| r.id == g.id))
                .map(|g| (g.id.clone(), g.role.clone()))
                .collect();
            let call = Call {
                method: "PUT".into(),
                path: format!(
                    "/api/organizations/{}/members/{}/role",
                    self.snapshot.org, member.username
                ),
                body: Some(role_body(&role_to, &keep)),
            };
            self.step(&of_member, action, call);
        }
    }
}

/// Whether the org's plan revokes member tokens (Enterprise and above);
/// an unknown plan is tried, and the Hub's answer is the judge.
fn enterprise(plan: Option<&str>) -> bool {
    !matches!(plan, Some("team" | "academia" | "free"))
}

/// The reason sent with a rejection (at most 200 characters).
fn rejection_reason(f: &Finding) -> String {
    format!("hfaudit: {} ({})", f.rule, f.rule.description())
}
