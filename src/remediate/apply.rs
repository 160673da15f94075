//! Sending a plan: before each call, the read that says whether it is
//! still needed; every call and its outcome logged before the next; a
//! failure does not stop the steps that do not depend on it. Then, from
//! a fresh snapshot, whether each step's finding is closed.
//!
//! **Batched reads.** Where one listing answers for many calls, it is read
//! once, right before the first call that depends on it; the calls that
//! share it are sent next to each other (up to `concurrency` at a time):
//! a model's accepted requests for its rejections, the org's members for
//! its role calls and the org's tokens for the revocations of many owners,
//! when the listing takes fewer requests (from the sizes of the latest
//! snapshot) than one search per call (per owner, for tokens); else an
//! owner's tokens for theirs. The members listing only decides a role
//! call that keeps no group (a leaver's): one that keeps groups sends
//! them, and the call replaces the member's groups, so it reads the
//! member alone right before it is sent (a group joined since the listing
//! is kept). A listing that fails is not read again: each call that
//! shared it reads its own subject. A call decided from a batch that then
//! fails is re-checked with the one subject's read: if there is nothing
//! left to do (the fact changed since the batch), it is `already done`.

use crate::collections::{HashMap, HashMapExt, HashSet, HashSetExt};

use chrono::Utc;
use futures_util::StreamExt;
use futures_util::stream;
use tokio::sync::OnceCell;

use crate::error::{Error, Result};
use crate::hub::HubClient;
use crate::hub::collect::{ACCESS_PAGE, ListedGroup, MEMBERS_PAGE, TOKENS_PAGE};
use crate::hub::remediate::{self as calls, LiveMember};
use crate::model::Role;
use crate::model::Snapshot;
use crate::remediate::plan::{Action, Call, GroupRef, Step};
use crate::remediate::{Plan, Sealed};
use crate::review::decisions::Verdict;
use crate::rules::Rule;
use crate::store::Store;
use crate::store::remediation::{LogLine, Outcome};

/// What became of one step in this run.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub step: String,
    pub outcome: Outcome,
    /// What the re-read found, or the Hub's message.
    pub message: Option<String>,
    /// Settled by an earlier run of the same plan (from the log).
    pub earlier: bool,
}

/// The log's step name for the snapshot `apply` takes at the end.
pub const CLOSING_SNAPSHOT: &str = "closing-snapshot";

/// What earlier runs of a plan left in the orgs' logs.
#[derive(Debug, Default)]
pub struct EarlierRuns {
    /// The steps they settled.
    pub settled: HashSet<String>,
    /// The closing snapshots they took, (org, snapshot id): a plan stays
    /// fresh through its own closing snapshots, so that it can be applied
    /// again, to find everything already done.
    pub closing: Vec<(String, String)>,
}

/// What earlier runs of `sealed` left in the orgs' logs.
pub fn earlier_runs(store: &Store, sealed: &Sealed) -> Result<EarlierRuns> {
    let mut settled = HashSet::new();
    let mut closing = Vec::new();
    for org in &sealed.plan.orgs {
        for line in store.remediation_log(&org.org)? {
            if line.plan_sha256 != sealed.sha256 {
                continue;
            }
            if line.step == CLOSING_SNAPSHOT {
                closing.extend(line.message.map(|id| (org.org.clone(), id)));
                continue;
            }
            if line.outcome.settled() {
                settled.insert(line.step);
            } else {
                settled.remove(&line.step);
            }
        }
    }
    Ok(EarlierRuns { settled, closing })
}

/// Logs the snapshot taken after applying `sealed` to `org`.
pub fn log_closing_snapshot(store: &Store, sealed: &Sealed, org: &str, id: &str) -> Result<()> {
    store.append_remediation(
        org,
        &LogLine {
            at: Utc::now(),
            plan_sha256: sealed.sha256.clone(),
            step: CLOSING_SNAPSHOT.into(),
            kind: "snapshot".into(),
            method: "GET".into(),
            path: String::new(),
            body: None,
            outcome: Outcome::Done,
            message: Some(id.to_string()),
        },
    )
}

/// How many rows the listings a batch would read hold, from each org's
/// latest snapshot: a listing is read only when it takes fewer requests
/// than one search per call.
#[derive(Debug, Default, Clone)]
pub struct Sizes {
    /// org → members.
    pub members: HashMap<String, usize>,
    /// gated model `namespace/name` → accepted requests.
    pub accepted: HashMap<String, usize>,
    /// org → unrevoked member tokens.
    pub tokens: HashMap<String, usize>,
}

impl Sizes {
    /// Adds the sizes of one org's snapshot.
    pub fn add(&mut self, snapshot: &Snapshot) {
        self.members
            .insert(snapshot.org.clone(), snapshot.members.len());
        for a in snapshot
            .repo_access
            .iter()
            .filter(|a| a.repo_type == "model")
        {
            *self.accepted.entry(a.repo.clone()).or_default() += 1;
        }
        let active = snapshot.tokens.iter().filter(|t| !t.is_revoked()).count();
        self.tokens.insert(snapshot.org.clone(), active);
    }
}

/// The requests a listing of `rows` rows takes.
fn pages(rows: usize, page: usize) -> usize {
    rows.div_ceil(page).max(1)
}

/// A listing shared by several calls, read once (on the first call that
/// needs it); `None` when that read failed: it is not tried again, each
/// call then reads its own subject.
type Shared<T> = OnceCell<Option<T>>;

/// The listing of `cell`, read now if it is the first call to need it;
/// `None` when there is no such batch or it could not be read (then or
/// earlier).
async fn shared<'a, T, F>(cell: Option<&'a Shared<T>>, what: &str, read: F) -> Option<&'a T>
where
    F: std::future::Future<Output = Result<T>>,
{
    cell?
        .get_or_init(|| async move {
            match read.await {
                Ok(listed) => Some(listed),
                Err(e) => {
                    tracing::warn!(
                        "{what} could not be read, each call reads its own subject: {e}"
                    );
                    None
                }
            }
        })
        .await
        .as_ref()
}

/// The listings shared by several calls: per org, per model, per org or
/// (org, lower-cased owner).
#[derive(Default)]
struct Batches {
    members: HashMap<String, Shared<HashMap<String, LiveMember>>>,
    accepted: HashMap<String, Shared<HashSet<String>>>,
    org_tokens: HashMap<String, Shared<HashSet<String>>>,
    tokens: HashMap<(String, String), Shared<HashSet<String>>>,
}

impl Batches {
    /// The batches worth reading for `steps`.
    fn new(steps: &[&Step], sizes: &Sizes) -> Batches {
        let mut roles: HashMap<&str, usize> = HashMap::new();
        let mut rejects: HashMap<&str, usize> = HashMap::new();
        let mut batches = Batches::default();
        for step in steps {
            match &step.action {
                // The listing settles a role call that keeps no group; one
                // that keeps groups reads the member alone anyway.
                Action::SetAccess { .. } if leaves_every_group(step) => {
                    *roles.entry(&step.org).or_default() += 1
                }
                Action::SetAccess { .. } => {}
                Action::RejectAccess { repo, .. } => *rejects.entry(repo).or_default() += 1,
                Action::RevokeToken { owner, .. } => {
                    batches
                        .tokens
                        .entry((step.org.clone(), owner.to_lowercase()))
                        .or_default();
                }
            }
        }
        // One listing per owner, or of the whole org when that takes fewer.
        let mut owners: HashMap<String, usize> = HashMap::new();
        for (org, _) in batches.tokens.keys() {
            *owners.entry(org.clone()).or_default() += 1;
        }
        let worth = |calls: usize, rows: Option<&usize>, page: usize| {
            rows.is_some_and(|rows| calls > pages(*rows, page))
        };
        for (org, calls) in roles {
            if worth(calls, sizes.members.get(org), MEMBERS_PAGE) {
                batches.members.insert(org.to_string(), OnceCell::new());
            }
        }
        for (repo, calls) in rejects {
            if worth(calls, sizes.accepted.get(repo), ACCESS_PAGE) {
                batches.accepted.insert(repo.to_string(), OnceCell::new());
            }
        }
        for (org, calls) in owners {
            if worth(calls, sizes.tokens.get(&org), TOKENS_PAGE) {
                batches.tokens.retain(|(o, _), _| *o != org);
                batches.org_tokens.insert(org, OnceCell::new());
            }
        }
        batches
    }
}

/// The order the calls of one phase are sent in: those sharing a listing
/// next to each other (plan order within).
fn batch_order(step: &Step) -> (&'static str, String) {
    let resource = match &step.action {
        Action::SetAccess { .. } => step.org.clone(),
        Action::RejectAccess { repo, .. } => repo.clone(),
        Action::RevokeToken { owner, .. } => format!("{}/{}", step.org, owner.to_lowercase()),
    };
    (step.action.kind(), resource)
}

/// Applies every step not in `settled`: grants and tokens first (at most
/// `concurrency` at once), then the role calls.
pub async fn apply(
    client: &HubClient,
    store: &Store,
    sealed: &Sealed,
    settled: &HashSet<String>,
    sizes: &Sizes,
    on_step: &(dyn Fn(&Step, &Applied) + Sync),
) -> Vec<Applied> {
    let concurrency = client.options().concurrency.max(1);
    let pending: Vec<&Step> = sealed
        .plan
        .steps
        .iter()
        .filter(|s| !settled.contains(&s.id))
        .collect();
    let runner = Runner {
        client,
        store,
        sha256: &sealed.sha256,
        batches: Batches::new(&pending, sizes),
    };
    let mut results = Vec::with_capacity(sealed.plan.steps.len());
    let (roles, mut others): (Vec<&Step>, Vec<&Step>) = sealed
        .plan
        .steps
        .iter()
        .partition(|s| matches!(s.action, Action::SetAccess { .. }));
    others.sort_by_cached_key(|s| batch_order(s));
    for phase in [others, roles] {
        let runner = &runner;
        let done: Vec<Applied> = stream::iter(phase)
            .map(|step| async move {
                let applied = if settled.contains(&step.id) {
                    Applied {
                        step: step.id.clone(),
                        outcome: Outcome::Done,
                        message: Some("settled by an earlier run of this plan (log)".into()),
                        earlier: true,
                    }
                } else {
                    runner.run(step).await
                };
                on_step(step, &applied);
                applied
            })
            .buffered(concurrency)
            .collect()
            .await;
        results.extend(done);
    }
    results
}

struct Runner<'a> {
    client: &'a HubClient,
    store: &'a Store,
    sha256: &'a str,
    batches: Batches,
}

/// Where a step's fact is read from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Read {
    /// The batch, when the step has one.
    Batch,
    /// The one subject's read, now.
    Now,
}

/// What the re-read says.
enum Needed {
    /// Nothing to do, and why.
    No(String),
    /// The call cannot be made right from what the Hub says: nothing is
    /// sent, the step fails with this.
    Cannot(String),
    /// This call; for a role call, the groups to keep (id, role);
    /// `batched` when decided from a batch.
    Yes {
        call: Call,
        keep: Vec<(String, String)>,
        batched: bool,
    },
}

impl Runner<'_> {
    async fn run(&self, step: &Step) -> Applied {
        let (outcome, message) = match self.needed(step, Read::Batch).await {
            Err(e) => {
                let message = format!("could not re-read before the call, nothing sent: {e}");
                if let Err(e) = self.log(step, &step.call, Outcome::Failed, Some(message.clone())) {
                    tracing::error!("{}: cannot write the log: {e}", step.id);
                }
                (Outcome::Failed, Some(message))
            }
            Ok(Needed::No(why)) => {
                match self.log(step, &step.call, Outcome::AlreadyDone, Some(why.clone())) {
                    Ok(()) => (Outcome::AlreadyDone, Some(why)),
                    Err(e) => (Outcome::Failed, Some(format!("cannot write the log: {e}"))),
                }
            }
            Ok(Needed::Cannot(message)) => {
                if let Err(e) = self.log(step, &step.call, Outcome::Failed, Some(message.clone())) {
                    tracing::error!("{}: cannot write the log: {e}", step.id);
                }
                (Outcome::Failed, Some(message))
            }
            Ok(Needed::Yes {
                call,
                keep,
                batched,
            }) => match self.send(step, call, &keep).await {
                (Outcome::Failed, message) if batched => self.recheck(step, message).await,
                sent => sent,
            },
        };
        Applied {
            step: step.id.clone(),
            outcome,
            message,
            earlier: false,
        }
    }

    /// A call decided from a batch failed: if the subject's own read says
    /// there is nothing left to do (it changed since the batch), the step
    /// is already done; else it failed.
    async fn recheck(&self, step: &Step, failed: Option<String>) -> (Outcome, Option<String>) {
        let Ok(Needed::No(why)) = self.needed(step, Read::Now).await else {
            return (Outcome::Failed, failed);
        };
        let why = format!(
            "{why} (read again after the call failed: {})",
            failed.as_deref().unwrap_or("no message")
        );
        match self.log(step, &step.call, Outcome::AlreadyDone, Some(why.clone())) {
            Ok(()) => (Outcome::AlreadyDone, Some(why)),
            Err(e) => (Outcome::Failed, Some(format!("cannot write the log: {e}"))),
        }
    }

    /// Logs `started`, sends the call, logs its outcome.
    async fn send(
        &self,
        step: &Step,
        call: Call,
        keep: &[(String, String)],
    ) -> (Outcome, Option<String>) {
        if let Err(e) = self.log(step, &call, Outcome::Started, None) {
            return (
                Outcome::Failed,
                Some(format!("cannot write the log, nothing sent: {e}")),
            );
        }
        let sent = self.call(step, &call, keep).await;
        let (outcome, message) = match sent {
            Ok(()) => (Outcome::Done, None),
            Err(e) => (Outcome::Failed, Some(e.to_string())),
        };
        if let Err(e) = self.log(step, &call, outcome, message.clone()) {
            tracing::error!("{}: the call was made but cannot be logged: {e}", step.id);
        }
        // Tests stop the process here, between two calls.
        if let Err(e) = crate::fault::point("apply-call", std::path::Path::new(&step.id)) {
            tracing::error!("{e}");
        }
        (outcome, message)
    }

    fn log(
        &self,
        step: &Step,
        call: &Call,
        outcome: Outcome,
        message: Option<String>,
    ) -> Result<()> {
        self.store.append_remediation(
            &step.org,
            &LogLine {
                at: Utc::now(),
                plan_sha256: self.sha256.to_string(),
                step: step.id.clone(),
                kind: step.action.kind().to_string(),
                method: call.method.clone(),
                path: call.path.clone(),
                body: call.body.clone(),
                outcome,
                message,
            },
        )
    }

    /// Re-reads the one fact the step depends on: from its batch (read
    /// now if it is the first call to need it) or by the subject's search.
    async fn needed(&self, step: &Step, read: Read) -> Result<Needed> {
        let c = self.client;
        let b = &self.batches;
        let org = step.org.as_str();
        let use_batch = read == Read::Batch;
        Ok(match &step.action {
            Action::SetAccess {
                username,
                role_to,
                remove,
                ..
            } => {
                let leaves_all = leaves_every_group(step);
                let role = |live: Option<&LiveMember>| {
                    role_needed(username, org, live, role_to, remove, leaves_all)
                };
                let listed = shared(
                    b.members.get(org).filter(|_| use_batch),
                    &format!("the members of {org}"),
                    calls::members_now(c, org),
                )
                .await
                .map(|all| all.get(&username.to_lowercase()));
                // The listing decides "nothing to do", and a call that keeps
                // no group; one that keeps groups reads the member alone,
                // right before it is sent (the call replaces the groups).
                let from_listing = listed.map(role);
                match from_listing {
                    Some(RoleNeed::No(why)) => Needed::No(why),
                    Some(RoleNeed::Send(keep)) if keep.is_empty() && leaves_all => {
                        self.role_call(step, role_to, keep, true)
                    }
                    _ => match role(calls::member_now(c, org, username).await?.as_ref()) {
                        RoleNeed::No(why) => Needed::No(why),
                        RoleNeed::Cannot(why) => Needed::Cannot(why),
                        RoleNeed::Send(keep) => self.role_call(step, role_to, keep, false),
                    },
                }
            }
            Action::RejectAccess { username, repo, .. } => {
                let listed = shared(
                    b.accepted.get(repo).filter(|_| use_batch),
                    &format!("the accepted requests of {repo}"),
                    calls::accepted_now(c, repo),
                )
                .await
                .map(|users| users.contains(&username.to_lowercase()));
                let accepted = match listed {
                    Some(accepted) => accepted,
                    None => calls::access_accepted(c, repo, username).await?,
                };
                if accepted {
                    Needed::Yes {
                        call: step.call.clone(),
                        keep: Vec::new(),
                        batched: listed.is_some(),
                    }
                } else {
                    Needed::No(format!(
                        "{username} no longer holds accepted access to {repo}"
                    ))
                }
            }
            Action::RevokeToken {
                token_id,
                owner,
                label,
                ..
            } => {
                let key = (step.org.clone(), owner.to_lowercase());
                let of_org = b.org_tokens.get(org).filter(|_| use_batch);
                let of_owner = b.tokens.get(&key).filter(|_| use_batch);
                let listed = match of_org {
                    Some(_) => {
                        shared(
                            of_org,
                            &format!("the tokens of {org}"),
                            calls::active_org_tokens(c, org),
                        )
                        .await
                    }
                    None => {
                        shared(
                            of_owner,
                            &format!("{owner}'s tokens in {org}"),
                            calls::active_tokens(c, org, owner),
                        )
                        .await
                    }
                }
                .map(|ids| ids.contains(token_id));
                let active = match listed {
                    Some(active) => active,
                    None => calls::token_active(c, org, owner, token_id).await?,
                };
                if active {
                    Needed::Yes {
                        call: step.call.clone(),
                        keep: Vec::new(),
                        batched: listed.is_some(),
                    }
                } else {
                    Needed::No(format!(
                        "{owner}'s token {label} is already revoked or deleted"
                    ))
                }
            }
        })
    }

    /// The role call sending `keep` (the groups the Hub lists now, less
    /// those to leave).
    fn role_call(
        &self,
        step: &Step,
        role_to: &str,
        keep: Vec<(String, String)>,
        batched: bool,
    ) -> Needed {
        Needed::Yes {
            call: Call {
                body: Some(calls::role_body(role_to, &keep)),
                ..step.call.clone()
            },
            keep,
            batched,
        }
    }

    async fn call(&self, step: &Step, call: &Call, keep: &[(String, String)]) -> Result<()> {
        let c = self.client;
        let org = step.org.as_str();
        match &step.action {
            Action::SetAccess {
                username, role_to, ..
            } => calls::set_role(c, org, username, role_to, keep).await,
            Action::RejectAccess { username, repo, .. } => {
                let reason = call
                    .body
                    .as_ref()
                    .and_then(|b| b["rejectionReason"].as_str())
                    .unwrap_or("hfaudit");
                calls::reject_access(c, repo, username, reason).await
            }
            Action::RevokeToken { token_id, .. } => calls::revoke_token(c, org, token_id).await,
        }
    }
}

/// Whether a role call leaves every group: a leaver's or a revoke's
/// (`no_access`, no group kept, as the plan made it), as opposed to one
/// that keeps the member's other groups (a group finding alone, a change).
fn leaves_every_group(step: &Step) -> bool {
    let Action::SetAccess { role_to, .. } = &step.action else {
        return false;
    };
    role_to == Role::NoAccess.as_str()
        && (step.findings.iter().any(|f| f.rule == Rule::DepartedMember)
            || step.decisions.iter().any(|d| d.decision == Verdict::Revoke))
}

/// What a role call needs, from the member as the Hub lists them.
#[derive(Debug, PartialEq)]
enum RoleNeed {
    /// Nothing: gone, or already so; why.
    No(String),
    /// The call, sending these groups (id, role).
    Send(Vec<(String, String)>),
    /// Nothing sent: why.
    Cannot(String),
}

/// `username`'s role call to `role_to`, leaving `remove`, from `live` (the
/// member as listed now; `None`: no longer a member). Groups the listing
/// does not tell are never taken for "none of those": a call that keeps
/// groups is then not sent; one that leaves every group (`leaves_all`)
/// sends none.
fn role_needed(
    username: &str,
    org: &str,
    live: Option<&LiveMember>,
    role_to: &str,
    remove: &[GroupRef],
    leaves_all: bool,
) -> RoleNeed {
    let Some(live) = live else {
        return RoleNeed::No(format!("{username} is no longer a member of {org}"));
    };
    let leaving =
        |groups: &[ListedGroup]| groups.iter().any(|g| remove.iter().any(|r| r.id == g.id));
    let groups_done = remove.is_empty() || live.groups.as_deref().is_some_and(|g| !leaving(g));
    if live.role.as_deref() == Some(role_to) && groups_done {
        return RoleNeed::No(format!(
            "{username} already has role {role_to} and none of those groups"
        ));
    }
    match &live.groups {
        // The groups the Hub lists now, less those to leave: a group
        // joined since the plan is kept.
        Some(groups) => RoleNeed::Send(
            groups
                .iter()
                .filter(|g| !remove.iter().any(|r| r.id == g.id))
                .map(|g| (g.id.clone(), g.role.clone()))
                .collect(),
        ),
        None if leaves_all => RoleNeed::Send(Vec::new()),
        None => RoleNeed::Cannot(format!(
            "cannot tell the member's groups, nothing sent: the Hub lists {username} without \
             every resource group's id and role, and the role call replaces the groups"
        )),
    }
}

/// Whether a step's effect shows in `snapshot` (taken after the apply).
pub fn closed_in(step: &Step, snapshot: &Snapshot) -> bool {
    match &step.action {
        Action::SetAccess {
            username,
            role_to,
            remove,
            ..
        } => {
            let Some(member) = snapshot
                .members
                .iter()
                .find(|m| m.username.eq_ignore_ascii_case(username))
            else {
                return true;
            };
            member.role.as_deref() == Some(role_to.as_str())
                && !snapshot.group_members.iter().any(|g| {
                    g.username.eq_ignore_ascii_case(username)
                        && remove.iter().any(|r| r.id == g.group_id)
                })
        }
        Action::RejectAccess { username, repo, .. } => !snapshot.repo_access.iter().any(|a| {
            a.repo_type == "model"
                && a.repo == *repo
                && a.username
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(username))
        }),
        Action::RevokeToken { token_id, .. } => snapshot
            .tokens
            .iter()
            .find(|t| t.id == *token_id)
            .is_none_or(|t| t.is_revoked()),
    }
}

/// Whether `username` is still a member in `snapshot`.
pub fn still_member(snapshot: &Snapshot, username: &str) -> bool {
    snapshot
        .members
        .iter()
        .any(|m| m.username.eq_ignore_ascii_case(username))
}

/// The plan's orgs whose latest snapshot in `store` is neither the plan's
/// nor one of the plan's own closing snapshots (`closing`).
pub fn stale_orgs(
    plan: &Plan,
    latest: &[(String, Option<String>)],
    closing: &[(String, String)],
) -> Vec<String> {
    plan.orgs
        .iter()
        .filter(|o| {
            latest
                .iter()
                .find(|(org, _)| *org == o.org)
                .is_none_or(|(_, id)| {
                    let Some(id) = id else { return true };
                    *id != o.snapshot_id && !closing.contains(&(o.org.clone(), id.clone()))
                })
        })
        .map(|o| {
            let now = latest
                .iter()
                .find(|(org, _)| *org == o.org)
                .and_then(|(_, id)| id.clone())
                .unwrap_or_else(|| "none".into());
            format!(
                "{}: the plan was made from snapshot {}, the latest is {now}",
                o.org, o.snapshot_id
            )
        })
        .collect()
}

/// The refusal for a plan that must not be applied (exit 2).
pub fn refused(message: String, hint: &str) -> Error {
    Error::Refused {
        message,
        hint: hint.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(id: &str, role: &str) -> ListedGroup {
        ListedGroup {
            id: id.into(),
            name: format!("group {id}"),
            role: role.into(),
        }
    }

    fn member(role: &str, groups: Option<Vec<ListedGroup>>) -> LiveMember {
        LiveMember {
            role: Some(role.into()),
            groups,
        }
    }

    fn leave(id: &str) -> Vec<GroupRef> {
        vec![GroupRef {
            id: id.into(),
            name: format!("group {id}"),
        }]
    }

    #[test]
    fn a_role_call_sends_the_listed_groups_less_those_to_leave() {
        let bob = member(
            "write",
            Some(vec![group("g1", "write"), group("g2", "read")]),
        );
        assert_eq!(
            role_needed("bob", "acme", Some(&bob), "write", &leave("g1"), false),
            RoleNeed::Send(vec![("g2".into(), "read".into())])
        );
        assert!(matches!(
            role_needed("bob", "acme", Some(&bob), "write", &leave("g9"), false),
            RoleNeed::No(_)
        ));
        assert!(matches!(
            role_needed("bob", "acme", None, "no_access", &[], true),
            RoleNeed::No(why) if why == "bob is no longer a member of acme"
        ));
    }

    #[test]
    fn groups_the_listing_does_not_tell_are_never_taken_for_none() {
        // No `resourceGroups` at all, as the Hub's schema allows.
        let unknown = member("write", None);
        // A call that keeps groups: nothing sent.
        for (role_to, remove) in [("write", leave("g1")), ("read", vec![])] {
            match role_needed("bob", "acme", Some(&unknown), role_to, &remove, false) {
                RoleNeed::Cannot(why) => assert!(
                    why.starts_with("cannot tell the member's groups, nothing sent"),
                    "{why}"
                ),
                other => panic!("{other:?}"),
            }
        }
        // Already so is not concluded from unknown groups, but a call that
        // leaves every group sends none.
        let leaver = member("no_access", None);
        assert_eq!(
            role_needed(
                "bob",
                "acme",
                Some(&leaver),
                "no_access",
                &leave("g1"),
                true
            ),
            RoleNeed::Send(vec![])
        );
        // A role already so with no group to leave needs no groups.
        assert!(matches!(
            role_needed("bob", "acme", Some(&unknown), "write", &[], false),
            RoleNeed::No(_)
        ));
    }
}
