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
//!
//! A plan is made either from findings ([`build`]) or from the `revoke`
//! and `change` decisions of a closed access review ([`build_review`]):
//! a revoke gets the calls a departed member's findings get (their grants
//! rejected, their tokens revoked, the role call to `no_access` with no
//! group, the removal as a manual step), a change to a lower role the role
//! call that keeps every group. The same refusals hold for both.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::hub::remediate::{reject_body, role_body};
use crate::model::{Role, Snapshot};
use crate::report::Report;
use crate::review::Population;
use crate::review::decisions::{Decision, Verdict};
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
    /// The closed access review whose decisions the plan carries out;
    /// `None`: a plan of findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
    pub orgs: Vec<PlanOrg>,
    /// In the order they are applied.
    pub steps: Vec<Step>,
    pub manual: Vec<Manual>,
    pub refused: Vec<Refused>,
    /// Decisions the snapshot shows carried out already: nothing to call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub already_done: Vec<AlreadyDone>,
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

/// A review decision a step carries out: which review, which line, who
/// decided, and the worksheet line it was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRef {
    pub review_id: String,
    pub line_id: String,
    pub username: String,
    pub decision: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_role: Option<String>,
    pub reviewer: String,
    pub worksheet: String,
    pub worksheet_line: u64,
}

impl DecisionRef {
    fn of(review_id: &str, d: &Decision) -> DecisionRef {
        DecisionRef {
            review_id: review_id.to_string(),
            line_id: d.line_id.clone(),
            username: d.username.clone(),
            decision: d.decision,
            new_role: d.new_role.clone(),
            reviewer: d.reviewer.clone(),
            worksheet: d.worksheet.clone(),
            worksheet_line: d.worksheet_line,
        }
    }

    /// `review ID line L: revoke (by R, W line N)`.
    pub fn describe(&self) -> String {
        format!(
            "review {} line {}: {}{} (by {}, {} line {})",
            self.review_id,
            self.line_id,
            self.decision.as_str(),
            self.new_role
                .as_deref()
                .map_or(String::new(), |r| format!(" to {r}")),
            self.reviewer,
            self.worksheet,
            self.worksheet_line
        )
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
    /// The review decisions it carries out (a plan made with `--review`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<DecisionRef>,
    /// The findings' details (or the decisions'): why the call is made.
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<DecisionRef>,
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<DecisionRef>,
    pub what: String,
    pub reason: String,
}

/// A decision with nothing left to do, and what the snapshot shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlreadyDone {
    pub org: String,
    pub decisions: Vec<DecisionRef>,
    pub what: String,
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
    let mut plan = empty(basis, None);
    for (snapshot, id) in basis.snapshots.iter().zip(basis.snapshot_ids) {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.org == snapshot.org && selection.takes(f))
            .collect();
        OrgPlanner::new(snapshot, id, basis.principal, &mut plan).plan(&findings);
    }
    number(&mut plan);
    plan
}

/// A closed review's decisions, for [`build_review`].
pub struct Review<'a> {
    pub review_id: &'a str,
    pub population: &'a Population,
    pub decisions: &'a [Decision],
    /// Decisions on these accounts only (a username or a line id, exact,
    /// case-insensitive); empty: all.
    pub subjects: &'a [String],
}

impl Review<'_> {
    fn takes(&self, d: &Decision) -> bool {
        matches!(d.decision, Verdict::Revoke | Verdict::Change)
            && (self.subjects.is_empty()
                || self.subjects.iter().any(|s| {
                    s.eq_ignore_ascii_case(&d.username) || s.eq_ignore_ascii_case(&d.line_id)
                }))
    }
}

/// The plan of the `revoke` and `change` decisions of a closed review, for
/// the orgs of `basis` (their latest snapshots). `report` is reconciled
/// from the same snapshots: what an exception mutes there is refused.
pub fn build_review(report: &Report, basis: &Basis, review: &Review) -> Plan {
    let mut plan = empty(basis, Some(review.review_id.to_string()));
    for (snapshot, id) in basis.snapshots.iter().zip(basis.snapshot_ids) {
        let decisions: Vec<&Decision> = review
            .decisions
            .iter()
            .filter(|d| d.org.eq_ignore_ascii_case(&snapshot.org) && review.takes(d))
            .collect();
        let muted: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.org == snapshot.org && f.is_muted())
            .collect();
        OrgPlanner::new(snapshot, id, basis.principal, &mut plan)
            .decisions(review, &decisions, &muted);
    }
    number(&mut plan);
    plan
}

fn empty(basis: &Basis, review: Option<String>) -> Plan {
    Plan {
        version: PLAN_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        created_at: basis.now,
        endpoint: basis.endpoint.to_string(),
        principal: basis.principal.to_string(),
        review,
        orgs: Vec::new(),
        steps: Vec::new(),
        manual: Vec::new(),
        refused: Vec::new(),
        already_done: Vec::new(),
    }
}

fn number(plan: &mut Plan) {
    for (n, step) in plan.steps.iter_mut().enumerate() {
        step.id = format!("{}#{}", step.org, n + 1);
    }
}

struct OrgPlanner<'a> {
    snapshot: &'a Snapshot,
    principal: &'a str,
    plan: &'a mut Plan,
}

/// Why a call is made: the findings it fixes or the decisions it carries
/// out, with their details.
#[derive(Debug, Clone, Default)]
struct Why {
    findings: Vec<FindingRef>,
    decisions: Vec<DecisionRef>,
    details: Vec<String>,
}

impl Why {
    fn findings(fs: &[&Finding]) -> Why {
        Why {
            findings: fs.iter().map(|f| FindingRef::of(f)).collect(),
            decisions: Vec::new(),
            details: fs.iter().map(|f| f.detail.clone()).collect(),
        }
    }

    fn add(&mut self, other: Why) {
        self.findings.extend(other.findings);
        self.decisions.extend(other.decisions);
        self.details.extend(other.details);
    }
}

/// What one member's role call gathers.
#[derive(Default)]
struct MemberFix {
    /// To `no_access`, out of every group.
    demote: bool,
    /// To this role (a review's `change`), keeping every group.
    role_to: Option<String>,
    remove: BTreeSet<GroupRef>,
    /// Also the manual removal from the org (a leaver's, a revoke's), for
    /// these findings or decisions: planned only when the role call is
    /// not refused.
    removal: Option<Why>,
    why: Why,
}

impl<'a> OrgPlanner<'a> {
    fn new(
        snapshot: &'a Snapshot,
        snapshot_id: &str,
        principal: &'a str,
        plan: &'a mut Plan,
    ) -> OrgPlanner<'a> {
        plan.orgs.push(PlanOrg {
            org: snapshot.org.clone(),
            snapshot_id: snapshot_id.to_string(),
            taken_at: snapshot.taken_at,
            plan: snapshot.plan.clone(),
        });
        OrgPlanner {
            snapshot,
            principal,
            plan,
        }
    }
}

impl OrgPlanner<'_> {
    fn org(&self) -> String {
        self.snapshot.org.clone()
    }

    fn is_principal(&self, username: &str) -> bool {
        username.eq_ignore_ascii_case(self.principal)
    }

    fn refuse(&mut self, why: &Why, what: String, reason: String) {
        self.plan.refused.push(Refused {
            org: self.org(),
            findings: why.findings.clone(),
            decisions: why.decisions.clone(),
            what,
            reason,
        });
    }

    fn manual(&mut self, why: &Why, what: String, how: String) {
        self.plan.manual.push(Manual {
            org: self.org(),
            findings: why.findings.clone(),
            decisions: why.decisions.clone(),
            what,
            how,
        });
    }

    fn step(&mut self, why: Why, action: Action, call: Call) {
        self.plan.steps.push(Step {
            id: String::new(),
            org: self.org(),
            action,
            findings: why.findings,
            decisions: why.decisions,
            why: why.details,
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
                Rule::DepartedMember => match &f.username {
                    // The removal goes with the role call: refused with it.
                    Some(u) => {
                        let fix = members.entry(u.clone()).or_default();
                        fix.demote = true;
                        fix.removal = Some(Why::findings(&[f]));
                        fix.why.add(Why::findings(&[f]));
                    }
                    None => self.removal(&Why::findings(&[f]), &f.subject),
                },
                Rule::DepartedGroupAccess => self.group(f, &mut members),
                Rule::DepartedInvite | Rule::StaleInvite => self.manual(
                    &Why::findings(&[f]),
                    format!("cancel the invitation of {}", f.subject),
                    format!(
                        "https://huggingface.co/organizations/{}/settings/members → Invitations \
                         → {} → Cancel (the Hub documents no API call for it)",
                        f.org, f.subject
                    ),
                ),
                _ => self.manual(
                    &Why::findings(&[f]),
                    format!("decide on {} ({})", f.subject, f.rule),
                    format!("no call fixes this without a person's decision: {}", f.fix),
                ),
            }
        }
        for (id, fs) in tokens {
            self.token(&id, Why::findings(&fs));
        }
        self.members(members);
    }

    /// The manual step that frees a leaver's seat.
    fn removal(&mut self, why: &Why, username: &str) {
        self.manual(
            why,
            format!("remove {username} from the org (frees the seat)"),
            format!(
                "https://huggingface.co/organizations/{}/settings/members → {username} → Remove \
                 (the Hub documents no API call for it); apply first sets the role to no_access \
                 and leaves every group",
                self.snapshot.org
            ),
        );
    }

    /// A review's decisions: for each revoke, what the departed member's
    /// findings would get; for each change to a lower role, the role call
    /// keeping every group. What the snapshot shows done already is listed
    /// as such; what an exception mutes (`muted`) is refused.
    fn decisions(mut self, review: &Review, decisions: &[&Decision], muted: &[&Finding]) {
        let mut members: BTreeMap<String, MemberFix> = BTreeMap::new();
        let mut tokens: Vec<(String, Why)> = Vec::new();
        let snapshot = self.snapshot;
        let reason = format!("hfaudit: access review {}", review.review_id);
        for d in decisions {
            let why = Why {
                findings: Vec::new(),
                decisions: vec![DecisionRef::of(review.review_id, d)],
                details: vec![decision_detail(review.review_id, d)],
            };
            let username = d.username.as_str();
            let member = self
                .snapshot
                .members
                .iter()
                .find(|m| m.username.eq_ignore_ascii_case(username));
            // An exception on the account itself mutes its role call.
            let member_muted = muted
                .iter()
                .find(|f| f.subject.eq_ignore_ascii_case(username));
            let role_call = |fix: MemberFix, members: &mut BTreeMap<String, MemberFix>| {
                members.insert(member.map_or(username, |m| &m.username).to_string(), fix);
            };
            match d.decision {
                Verdict::Revoke => {
                    let mut acted = false;
                    let grants: Vec<String> = self
                        .snapshot
                        .repo_access
                        .iter()
                        .filter(|a| {
                            a.username
                                .as_deref()
                                .is_some_and(|u| u.eq_ignore_ascii_case(username))
                        })
                        .map(|a| format!("{}/{}", a.repo_type, a.repo))
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    for key in grants {
                        acted = true;
                        let exception = muted.iter().find(|f| {
                            f.username
                                .as_deref()
                                .is_some_and(|u| u.eq_ignore_ascii_case(username))
                                && f.repos.contains(&key)
                        });
                        match exception {
                            Some(f) => self.refuse_muted(
                                &why,
                                format!("reject {username}'s access to {key}"),
                                f,
                            ),
                            None => self.reject(username, &key, why.clone(), &reason),
                        }
                    }
                    let owned: Vec<String> = self
                        .snapshot
                        .tokens
                        .iter()
                        .filter(|t| t.owner.eq_ignore_ascii_case(username) && !t.is_revoked())
                        .map(|t| t.id.clone())
                        .collect();
                    for id in owned {
                        acted = true;
                        let suffix = format!("#{id}");
                        match muted.iter().find(|f| f.subject.ends_with(&suffix)) {
                            Some(f) => self.refuse_muted(
                                &why,
                                format!("revoke {username}'s token {id} for the org"),
                                f,
                            ),
                            None => tokens.push((id, why.clone())),
                        }
                    }
                    if let Some(m) = member {
                        acted = true;
                        match member_muted {
                            Some(f) => self.refuse_muted(
                                &why,
                                format!(
                                    "set {0}'s role to no_access, leave every group and \
                                     remove {0} from the org",
                                    m.username
                                ),
                                f,
                            ),
                            // The removal goes with the role call: refused
                            // with it, and none for a muted account.
                            None => role_call(
                                MemberFix {
                                    demote: true,
                                    removal: Some(why.clone()),
                                    why: why.clone(),
                                    ..MemberFix::default()
                                },
                                &mut members,
                            ),
                        }
                    }
                    // A service account is no member: deleting it is manual.
                    let service_account = member.is_none()
                        && snapshot
                            .service_accounts
                            .iter()
                            .any(|s| s.username.eq_ignore_ascii_case(username))
                        && review
                            .population
                            .line(&d.line_id)
                            .is_some_and(|l| l.kind == "service_account");
                    if service_account {
                        acted = true;
                        self.manual(
                            &why,
                            format!("delete the service account {username}"),
                            format!(
                                "https://huggingface.co/organizations/{}/settings/service-accounts \
                                 → {username} → Delete (the Hub documents no API call for it)",
                                snapshot.org
                            ),
                        );
                    }
                    if !acted {
                        self.done(
                            why,
                            format!(
                                "revoke {username}: no longer in {} and holds nothing there",
                                snapshot.org
                            ),
                        );
                    }
                }
                Verdict::Change => {
                    let new_role = d.new_role.clone().unwrap_or_default();
                    let Some(m) = member else {
                        self.done(
                            why,
                            format!(
                                "change {username} to {new_role}: no longer a member of {}",
                                snapshot.org
                            ),
                        );
                        continue;
                    };
                    let current = m.role.as_deref();
                    if current.is_some_and(|r| r.eq_ignore_ascii_case(&new_role)) {
                        self.done(
                            why,
                            format!("change {} to {new_role}: already so", m.username),
                        );
                        continue;
                    }
                    let what = format!(
                        "set {}'s role from {} to {new_role}",
                        m.username,
                        current.unwrap_or("unknown")
                    );
                    if Role::escalation(current, Some(&new_role)).0 {
                        self.refuse(
                            &why,
                            what,
                            "it raises the role: a plan only lowers access (raise it by hand if \
                             that is meant)"
                                .into(),
                        );
                        continue;
                    }
                    match member_muted {
                        Some(f) => self.refuse_muted(&why, what, f),
                        None => role_call(
                            MemberFix {
                                role_to: Some(new_role),
                                why,
                                ..MemberFix::default()
                            },
                            &mut members,
                        ),
                    }
                }
                Verdict::Keep => {}
            }
        }
        for (id, why) in tokens {
            self.token(&id, why);
        }
        self.members(members);
    }

    fn refuse_muted(&mut self, why: &Why, what: String, f: &Finding) {
        self.refuse(
            why,
            what,
            format!(
                "an exception accepts {} on {}: {}",
                f.rule,
                f.subject,
                f.muted.as_deref().unwrap_or_default()
            ),
        );
    }

    fn done(&mut self, why: Why, what: String) {
        self.plan.already_done.push(AlreadyDone {
            org: self.org(),
            decisions: why.decisions,
            what,
        });
    }

    fn grant(&mut self, f: &Finding) {
        let repo_key = f.repos.first().map(String::as_str).unwrap_or("");
        let Some(username) = f.username.as_deref() else {
            let (kind, repo) = repo_key.split_once('/').unwrap_or(("", repo_key));
            self.manual(
                &Why::findings(&[f]),
                format!("reject the hidden requester's access to {repo_key}"),
                format!("https://huggingface.co/{kind}s/{repo}/settings → Gated user access"),
            );
            return;
        };
        self.reject(
            username,
            repo_key,
            Why::findings(&[f]),
            &rejection_reason(f),
        );
    }

    /// Rejecting `username`'s accepted request on `repo_key`
    /// (`type/namespace/name`): a call for a model, a manual step else.
    fn reject(&mut self, username: &str, repo_key: &str, why: Why, reason: &str) {
        let (kind, repo) = repo_key.split_once('/').unwrap_or(("", repo_key));
        if self.is_principal(username) {
            self.refuse(
                &why,
                format!("reject {username}'s access to {repo_key}"),
                "it is the token's own user".into(),
            );
            return;
        }
        if kind != "model" {
            self.manual(
                &why,
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
                        .is_some_and(|u| u.eq_ignore_ascii_case(username))
            })
            .and_then(|a| a.reviewed_at);
        let call = Call {
            method: "POST".into(),
            path: format!("/api/models/{repo}/user-access-request/handle"),
            body: Some(reject_body(username, reason)),
        };
        self.step(
            why,
            Action::RejectAccess {
                username: username.to_string(),
                repo: repo.to_string(),
                granted_at,
            },
            call,
        );
    }

    fn token(&mut self, id: &str, why: Why) {
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
            self.refuse(&why, what, "it is the token's own user".into());
            return;
        }
        if !enterprise(self.snapshot.plan.as_deref()) {
            let how = format!(
                "revoking a member's token for the org needs Enterprise (this org's plan: {}): \
                 ask {} to delete it at https://huggingface.co/settings/tokens, or remove them \
                 from the org",
                self.snapshot.plan.as_deref().unwrap_or("unknown"),
                token.owner
            );
            // One manual step per finding (or decision), as each is listed.
            for f in &why.findings {
                let one = Why {
                    findings: vec![f.clone()],
                    ..Why::default()
                };
                self.manual(&one, what.clone(), how.clone());
            }
            if !why.decisions.is_empty() {
                let decisions = Why {
                    decisions: why.decisions.clone(),
                    ..Why::default()
                };
                self.manual(&decisions, what.clone(), how.clone());
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
            why,
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
                &Why::findings(&[f]),
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
        fix.why.add(Why::findings(&[f]));
    }

    /// One role call per member, and the manual removal from the org of
    /// those to remove; never on the token's own user, never taking the
    /// org's last admin away (the removal refused with the call).
    fn members(&mut self, members: BTreeMap<String, MemberFix>) {
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
                if let Some(why) = &fix.removal {
                    self.removal(why, &username);
                }
                continue;
            };
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
            let role_to = match (&fix.role_to, fix.demote) {
                (_, true) => Role::NoAccess.as_str().to_string(),
                (Some(role), false) => role.clone(),
                (None, false) => current.clone().unwrap_or_else(|| "read".into()),
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
            let unchanged = current.as_deref() == Some(role_to.as_str()) && remove.is_empty();
            if unchanged && fix.removal.is_none() {
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
            // A refusal names the removal too: it is refused with the call.
            let what = match (fix.removal.is_some(), unchanged) {
                (false, _) => action.describe(),
                (true, true) => format!("remove {} from the org", member.username),
                (true, false) => format!(
                    "{} and remove {} from the org",
                    action.describe(),
                    member.username
                ),
            };
            if self.is_principal(&username) {
                self.refuse(&fix.why, what, "it is the token's own user".into());
                continue;
            }
            if unchanged {
                // No role call (set by an earlier apply): the removal is
                // still to do.
                if let Some(why) = &fix.removal {
                    self.removal(why, &member.username);
                }
                continue;
            }
            let demotes_admin = member.role() == Some(Role::Admin) && role_to != "admin";
            if demotes_admin && admins <= 1 {
                self.refuse(
                    &fix.why,
                    what,
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
            if let Some(why) = &fix.removal {
                self.removal(why, &member.username);
            }
            self.step(fix.why, action, call);
        }
    }
}

/// Why a decision's calls are made: who decided what, where.
fn decision_detail(review_id: &str, d: &Decision) -> String {
    let mut text = format!(
        "access review {review_id}: {} decided {}{} on line {} ({} line {})",
        d.reviewer,
        d.decision.as_str(),
        d.new_role
            .as_deref()
            .map_or(String::new(), |r| format!(" to {r}")),
        d.line_id,
        d.worksheet,
        d.worksheet_line
    );
    if let Some(note) = d.note.as_deref().filter(|n| !n.is_empty()) {
        text.push_str(&format!(": {note}"));
    }
    text
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
