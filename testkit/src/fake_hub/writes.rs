//! The three writes of the Hub's description, made on the fake Hub's world:
//!
//! - `PUT /api/organizations/{name}/members/{username}/role` sets a
//!   member's role and, when `resourceGroups` is sent, makes it exactly
//!   the member's groups (with those roles; out of every other group);
//! - `POST /api/models/{namespace}/{repo}/user-access-request/handle`
//!   moves a user's access request to `accepted`, `rejected` or `pending`
//!   (models only: the description has no datasets variant, which answers
//!   like any unknown path);
//! - `POST /api/organizations/{name}/settings/tokens/{tokenId}/revoke`
//!   marks a member's token revoked (Enterprise only).
//!
//! Each answers `200 {}` once made. A write is decided on the world as it
//! is ([`decide`]: every refusal, as a reply), then made ([`Change::apply`])
//! under the same lock, so two writes never decide on the same world.
//!
//! Refusals, in the order they are checked: 401 (unknown token); 400 (a
//! body that breaks the operation's `requestBody` schema, named in the
//! message); 404 (an org the caller is not in) or 403 (a fine-grained token
//! without any scope on it); 402 (plan); 403 (role or token permission);
//! 404 (no such member, repo, request or token); 400 or 409 (a request
//! the world cannot take: an unknown group, a repo that is not gated, the
//! last admin).

use serde_json::{Value, json};

use super::FakeHub;
use super::Recorded;
use super::reply::Reply;
use super::routes::{self, Route};
use super::world::{AccessGrant, GroupUser, Org, TokenApproval, TokenInfo, World};

/// Fine-grained permissions that may change a member's role (any one).
const MEMBERS_WRITE: &[&str] = &["org.write", "org.members.write"];
/// ... that may handle access requests.
const ACCESS_WRITE: &[&str] = &["org.write", "repo.write", "repo.access.write"];
/// ... that may revoke a member's token.
const ORG_WRITE: &[&str] = &["org.write"];
/// Plans with Enterprise features (token revocation).
const ENTERPRISE_PLANS: &[&str] = &["enterprise", "plus"];
/// The access-request lists, by status.
const REQUEST_LISTS: [&str; 3] = ["accepted", "pending", "rejected"];

/// One write as `decide` sees it.
pub(super) struct Write<'a> {
    /// A write route (`Route::is_write`).
    pub route: &'a Route,
    /// The bearer token, if any.
    pub token: Option<&'a str>,
    pub body: &'a [u8],
    /// What the Hub's description finds wrong with `body` (empty: nothing).
    pub body_errors: &'a [String],
}

/// A write that was allowed, to be made on the world.
#[derive(Debug)]
pub(super) enum Change {
    Role {
        org: String,
        member: GroupUser,
        role: String,
        /// `Some`: exactly these groups (id, role); `None`: groups unchanged.
        groups: Option<Vec<(String, String)>>,
    },
    Request {
        org: String,
        repo: String,
        /// The list it is in, and where.
        from: &'static str,
        index: usize,
        to: String,
        reason: Option<String>,
        by: String,
    },
    Revoke {
        org: String,
        token: String,
    },
    /// Already so (a request already of that status, a token already
    /// revoked): answered 200, nothing to change.
    Nothing,
}

/// The answer to a write that was made.
pub(super) fn done() -> Reply {
    Reply::ok(&json!({}))
}

/// Whether `call` may be made on `world`, and what it changes.
pub(super) fn decide(world: &World, call: &Write) -> Result<Change, Reply> {
    let who = routes::caller(world, call.token)?;
    let body = body(call)?;
    match call.route {
        Route::MemberRole { org, user } => role(world, who, org, user, &body),
        Route::HandleAccessRequest { org, repo } => handle(world, who, org, repo, &body),
        Route::RevokeToken { org, token } => revoke(world, who, org, token),
        _ => Err(Reply::error(405, "Method not allowed")),
    }
}

/// The body as JSON (`Null` for none), or the 400 naming what the Hub's
/// description finds wrong with it.
fn body(call: &Write) -> Result<Value, Reply> {
    let value = serde_json::from_slice(call.body).unwrap_or(Value::Null);
    if call.body_errors.is_empty() {
        return Ok(value);
    }
    let anyone = ["user", "userId"].iter().any(|k| value.get(k).is_some());
    let mut problems = call.body_errors.to_vec();
    if matches!(call.route, Route::HandleAccessRequest { .. }) && value.is_object() && !anyone {
        problems.insert(0, "Either userId or user must be provided".into());
    }
    let message = format!("Invalid request body: {}", problems.join("; "));
    Err(Reply::error(400, &message))
}

fn text(body: &Value, key: &str) -> Option<String> {
    body.get(key).and_then(Value::as_str).map(str::to_string)
}

/// `PUT members/{username}/role`: paid plans; an admin, with `org.write`
/// or `org.members.write` for a fine-grained token; never the last admin
/// demoted.
fn role(
    world: &World,
    who: &TokenInfo,
    org: &str,
    user: &str,
    body: &Value,
) -> Result<Change, Reply> {
    let org = routes::org_for(world, who, org)?;
    if org.plan.is_none() {
        let message = "Changing a member's role is only available on Team and Enterprise plans";
        return Err(Reply::error(402, message));
    }
    routes::require_role(org, who, &["admin"], MEMBERS_WRITE)?;
    let member = org.member(user).ok_or_else(|| {
        let message = format!("{user} is not a member of {}", org.name);
        Reply::error(404, &message)
    })?;
    let role = text(body, "role").unwrap_or_default();
    let groups = match body.get("resourceGroups").and_then(Value::as_array) {
        None => None,
        Some(wanted) => Some(groups(org, wanted)?),
    };
    let admins = org
        .members
        .iter()
        .filter(|m| m.role.as_deref() == Some("admin"))
        .count();
    if member.role.as_deref() == Some("admin") && role != "admin" && admins <= 1 {
        let message = format!(
            "{user} is the last admin of {}: an organization must keep at least one admin",
            org.name
        );
        return Err(Reply::error(409, &message));
    }
    Ok(Change::Role {
        org: org.name.clone(),
        member: GroupUser {
            id: member.id.clone(),
            name: member.user.clone(),
            fullname: member.fullname.clone(),
            role: String::new(),
            added_by: who.user.clone(),
        },
        role,
        groups,
    })
}

/// The (group id, role) pairs of `resourceGroups`, each an existing group
/// of `org` listed once: 400 otherwise.
fn groups(org: &Org, wanted: &[Value]) -> Result<Vec<(String, String)>, Reply> {
    let known = org.resource_groups.as_deref().unwrap_or_default();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for entry in wanted {
        let id = text(entry, "id").unwrap_or_default();
        let group = known.iter().find(|g| g.id.eq_ignore_ascii_case(&id));
        let group = group.ok_or_else(|| {
            let message = format!("Resource group {id} not found in {}", org.name);
            Reply::error(400, &message)
        })?;
        if pairs.iter().any(|(listed, _)| *listed == group.id) {
            let message = format!("Resource group {id} is listed more than once");
            return Err(Reply::error(400, &message));
        }
        pairs.push((group.id.clone(), text(entry, "role").unwrap_or_default()));
    }
    Ok(pairs)
}

/// `POST .../user-access-request/handle` on a gated model: write or admin
/// in the org (fine-grained: `repo.access.write`, `repo.write` or
/// `org.write`); the request of `user` (a username) or `userId` (both:
/// the same user), 404 when there is none.
fn handle(
    world: &World,
    who: &TokenInfo,
    org: &str,
    repo: &str,
    body: &Value,
) -> Result<Change, Reply> {
    let org = routes::org_for(world, who, org)?;
    let id = format!("{}/{repo}", org.name);
    let model = org.models.iter().find(|r| r.id == id);
    let model =
        model.ok_or_else(|| Reply::error(404, "Repository not found").code("RepoNotFound"))?;
    routes::require_role(org, who, &["admin", "write"], ACCESS_WRITE)?;
    if let Some(status) = model.access_status {
        let message = format!("You cannot handle the access requests of {id}");
        return Err(Reply::error(status, &message));
    }
    if model.gated.is_none() {
        return Err(Reply::error(400, "Repo is not gated"));
    }
    let (user, user_id) = (text(body, "user"), text(body, "userId"));
    if user.is_none() && user_id.is_none() {
        return Err(Reply::error(400, "Either userId or user must be provided"));
    }
    let of = |g: &AccessGrant| {
        g.user.as_ref().is_some_and(|u| {
            user.as_deref()
                .is_none_or(|n| u.user.eq_ignore_ascii_case(n))
                && user_id.as_deref().is_none_or(|i| u.id == i)
        })
    };
    let lists = [&model.accepted, &model.pending, &model.rejected];
    let found = REQUEST_LISTS
        .iter()
        .zip(lists)
        .find_map(|(status, list)| Some((*status, list.iter().position(of)?)));
    let (from, index) = found.ok_or_else(|| {
        let named = user.or(user_id).unwrap_or_default();
        let message = format!("No access request from {named} on {id}");
        Reply::error(404, &message)
    })?;
    let to = text(body, "status").unwrap_or_default();
    let reset = from == "accepted" && model.accepted[index].reset_reason.is_some();
    if from == to && !reset {
        return Ok(Change::Nothing);
    }
    Ok(Change::Request {
        org: org.name.clone(),
        repo: id,
        from,
        index,
        to,
        reason: text(body, "rejectionReason"),
        by: who.user.clone(),
    })
}

/// `POST settings/tokens/{tokenId}/revoke`: Enterprise (402 otherwise, as
/// for service accounts); an admin, with `org.write` for a fine-grained
/// token; 404 for an unknown id; a token already revoked stays so (200).
fn revoke(world: &World, who: &TokenInfo, org: &str, token: &str) -> Result<Change, Reply> {
    let org = routes::org_for(world, who, org)?;
    let enterprise = org
        .plan
        .as_deref()
        .is_some_and(|p| ENTERPRISE_PLANS.contains(&p));
    let tokens = org.tokens.as_ref().filter(|_| enterprise).ok_or_else(|| {
        Reply::error(
            402,
            "Revoking member tokens is only available on Enterprise plans",
        )
    })?;
    routes::require_role(org, who, &["admin"], ORG_WRITE)?;
    let found = tokens.iter().find(|t| t.id == token);
    let found = found.ok_or_else(|| Reply::error(404, "Token not found"))?;
    if found.status_value() == Some("revoked") {
        return Ok(Change::Nothing);
    }
    Ok(Change::Revoke {
        org: org.name.clone(),
        token: token.to_string(),
    })
}

/// Now, as the Hub writes times: RFC 3339 with milliseconds and `Z`.
fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

impl Change {
    /// Makes the change; `decide` checked that everything it names exists.
    pub fn apply(self, world: &mut World) {
        match self {
            Change::Role {
                org,
                member,
                role,
                groups,
            } => set_role(world.org_mut(&org), member, role, groups),
            Change::Request {
                org,
                repo,
                from,
                index,
                to,
                reason,
                by,
            } => {
                let org = world.org_mut(&org);
                let Some(model) = org.models.iter_mut().find(|r| r.id == repo) else {
                    return;
                };
                let mut grant = list(model, from).remove(index);
                grant.reset_reason = None;
                if to == "pending" {
                    grant.granted_by.clear();
                } else {
                    grant.reviewed_at = now();
                    grant.granted_by = by;
                }
                let user = grant.user.as_ref().map(|u| u.user.clone());
                if let Some(user) = user {
                    match reason.filter(|_| to == "rejected") {
                        Some(reason) => model.rejection_reasons.insert(user, reason),
                        None => model.rejection_reasons.remove(&user),
                    };
                }
                list(model, &to).push(grant);
            }
            Change::Revoke { org, token } => {
                let tokens = world.org_mut(&org).tokens.iter_mut().flatten();
                for t in tokens.filter(|t| t.id == token) {
                    let was = t.authorization.take();
                    let was = was.unwrap_or_else(|| TokenApproval {
                        requested_at: t.created_at.clone(),
                        ..TokenApproval::default()
                    });
                    t.authorization = Some(TokenApproval {
                        status: "revoked".into(),
                        ..was
                    });
                }
            }
            Change::Nothing => {}
        }
    }
}

/// The access-request list of `status` of `repo`.
fn list<'r>(repo: &'r mut super::world::Repo, status: &str) -> &'r mut Vec<AccessGrant> {
    match status {
        "accepted" => &mut repo.accepted,
        "pending" => &mut repo.pending,
        _ => &mut repo.rejected,
    }
}

/// `member`'s role becomes `role`; with `groups`, `member` is in exactly
/// those (with their roles), added by `member.added_by` where new.
fn set_role(org: &mut Org, member: GroupUser, role: String, groups: Option<Vec<(String, String)>>) {
    if let Some(m) = org.members.iter_mut().find(|m| m.user == member.name) {
        m.role = Some(role);
    }
    let (Some(wanted), Some(all)) = (groups, org.resource_groups.as_mut()) else {
        return;
    };
    for group in all {
        let role = wanted.iter().find(|(id, _)| *id == group.id).map(|w| &w.1);
        let mine = group.users.iter_mut().find(|u| u.name == member.name);
        match (role, mine) {
            (Some(role), Some(user)) => user.role = role.clone(),
            (Some(role), None) => group.users.push(GroupUser {
                role: role.clone(),
                ..member.clone()
            }),
            (None, _) => group.users.retain(|u| u.name != member.name),
        }
    }
}

impl FakeHub {
    /// The requests received so far that were not reads (not GET or HEAD),
    /// in order, with their bodies.
    pub fn writes(&self) -> Vec<Recorded> {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD"))
            .cloned()
            .collect()
    }

    /// Sends `method path` (with its query) as `bearer`, with `body` as
    /// JSON (`None`: no body): the status and the body of the answer.
    /// Judged like every other request.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        bearer: &str,
        body: Option<&Value>,
    ) -> (u16, Vec<u8>) {
        let bytes = body.map(|b| serde_json::to_vec(b).expect("JSON values serialize"));
        self.send_raw(method, path, bearer, bytes)
    }

    /// As `send`, with a body of any bytes (sent as `application/json`).
    pub fn send_raw(
        &self,
        method: &str,
        path: &str,
        bearer: &str,
        body: Option<Vec<u8>>,
    ) -> (u16, Vec<u8>) {
        let url = format!("{}{path}", self.url());
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let mut request = reqwest::Client::new()
                .request(method, url)
                .bearer_auth(bearer);
            if let Some(body) = body {
                request = request
                    .header("content-type", "application/json")
                    .body(body);
            }
            let response = request.send().await.expect("an answer");
            let status = response.status().as_u16();
            (status, response.bytes().await.expect("a body").to_vec())
        })
    }
}

#[cfg(test)]
mod tests;
