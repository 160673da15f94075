//! Which endpoint a path is, who may call it, and what it answers.
//!
//! Access rules imitate the Hub: an unknown token is 401; an org the caller
//! does not belong to is 404; a fine-grained token needs a scope on the org
//! with a permission for the endpoint (the coarse `org.read`/`org.write` or
//! a finer one such as `org.members.read`; a write form includes its read
//! form); gated-repo access lists need write or admin in the org (and a
//! token that is not `read`); the audit log and tokens need an admin;
//! resource groups list only the caller's own groups unless an admin asks.
//! The routes of the three writes are parsed here and answered by `writes.rs`.

use serde_json::Value;

use super::faults::Endpoint;
use super::paging::{self, Limits, Paging};
use super::reply::{Query, Reply};
use super::views;
use super::world::{AccessGrant, MemberToken, Org, Repo, TokenInfo, World};

const MEMBERS: Limits = Limits {
    default: 500,
    min: 10,
    max: 10_000,
};
const REPOS: Limits = Limits {
    default: 500,
    min: 1,
    max: usize::MAX,
};
const ACCESS_REQUESTS: Limits = Limits {
    default: 1000,
    min: 10,
    max: 1000,
};
/// `settings/tokens`: 1..100, default 100 (the Hub's OpenAPI description).
const TOKENS: Limits = Limits {
    default: 100,
    min: 1,
    max: 100,
};
/// Fine-grained permissions that read each kind of data (any one suffices).
const MEMBERS_READ: &[&str] = &["org.read", "org.members.read"];
const GROUPS_READ: &[&str] = &["org.read", "resourceGroup.read"];
const ACCESS_READ: &[&str] = &["org.write", "repo.write", "repo.access.read"];
const ORG_READ: &[&str] = &["org.read"];
const SERVICE_ACCOUNTS_READ: &[&str] = &["org.read", "org.serviceAccounts.read"];
const SCIM_MAX_COUNT: usize = 1000;
const SCIM_DEFAULT_COUNT: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Route {
    Whoami,
    Overview(String),
    Members(String),
    ResourceGroups(String),
    PendingMembers(String),
    /// `scim-provisioning/v2/Users` (Basic SSO: members and invitations).
    ScimUsers(String),
    /// `scim/v2/Users` (Managed SSO: provisioned members only).
    ScimManagedUsers(String),
    AuditLog(String),
    /// `settings/tokens`: members' access tokens.
    Tokens(String),
    /// `service-accounts` (Enterprise).
    ServiceAccounts(String),
    /// `models` or `datasets`.
    RepoList(String),
    AccessRequests {
        kind: String,
        org: String,
        repo: String,
        status: String,
    },
    /// `PUT members/{username}/role` (answered by `writes.rs`).
    MemberRole {
        org: String,
        user: String,
    },
    /// `POST /api/models/{namespace}/{repo}/user-access-request/handle`:
    /// models only, as in the Hub's description (answered by `writes.rs`).
    HandleAccessRequest {
        org: String,
        repo: String,
    },
    /// `POST settings/tokens/{tokenId}/revoke` (answered by `writes.rs`).
    RevokeToken {
        org: String,
        token: String,
    },
}

impl Route {
    /// Routes a raw (percent-encoded) path; segments are decoded one by one,
    /// so an encoded `/` stays inside its segment, as on the Hub.
    pub fn parse(path: &str) -> Option<Route> {
        let decoded: Vec<String> = path.trim_matches('/').split('/').map(decode).collect();
        let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
        let org = |name: &&str| name.to_string();
        let route = match segments.as_slice() {
            ["api", "whoami-v2"] => Route::Whoami,
            ["api", "organizations", o, "overview"] => Route::Overview(org(o)),
            ["api", "organizations", o, "members"] => Route::Members(org(o)),
            ["api", "organizations", o, "resource-groups"] => Route::ResourceGroups(org(o)),
            ["api", "organizations", o, "pending-members"] => Route::PendingMembers(org(o)),
            [
                "api",
                "organizations",
                o,
                "scim-provisioning",
                "v2",
                "Users",
            ] => Route::ScimUsers(org(o)),
            ["api", "organizations", o, "scim", "v2", "Users"] => Route::ScimManagedUsers(org(o)),
            ["api", "organizations", o, "audit-log", "export"] => Route::AuditLog(org(o)),
            ["api", "organizations", o, "settings", "tokens"] => Route::Tokens(org(o)),
            ["api", "organizations", o, "service-accounts"] => Route::ServiceAccounts(org(o)),
            ["api", kind @ ("models" | "datasets")] => Route::RepoList(kind.to_string()),
            [
                "api",
                kind @ ("models" | "datasets"),
                o,
                repo,
                "user-access-request",
                status,
            ] if matches!(*status, "accepted" | "pending" | "rejected") => Route::AccessRequests {
                kind: kind.to_string(),
                org: org(o),
                repo: repo.to_string(),
                status: status.to_string(),
            },
            ["api", "organizations", o, "members", user, "role"] => Route::MemberRole {
                org: org(o),
                user: user.to_string(),
            },
            ["api", "models", o, repo, "user-access-request", "handle"] => {
                Route::HandleAccessRequest {
                    org: org(o),
                    repo: repo.to_string(),
                }
            }
            [
                "api",
                "organizations",
                o,
                "settings",
                "tokens",
                token,
                "revoke",
            ] => Route::RevokeToken {
                org: org(o),
                token: token.to_string(),
            },
            _ => return None,
        };
        Some(route)
    }

    pub fn endpoint(&self) -> Endpoint {
        match self {
            Route::Whoami => Endpoint::Whoami,
            Route::Overview(_) => Endpoint::Overview,
            Route::Members(_) => Endpoint::Members,
            Route::ResourceGroups(_) => Endpoint::ResourceGroups,
            Route::PendingMembers(_) => Endpoint::PendingMembers,
            Route::ScimUsers(_) | Route::ScimManagedUsers(_) => Endpoint::ScimUsers,
            Route::AuditLog(_) => Endpoint::AuditLog,
            Route::Tokens(_) => Endpoint::Tokens,
            Route::ServiceAccounts(_) => Endpoint::ServiceAccounts,
            Route::RepoList(kind) if kind == "models" => Endpoint::Models,
            Route::RepoList(_) => Endpoint::Datasets,
            Route::AccessRequests { .. } => Endpoint::AccessRequests,
            Route::MemberRole { .. } => Endpoint::RoleChange,
            Route::HandleAccessRequest { .. } => Endpoint::HandleAccessRequest,
            Route::RevokeToken { .. } => Endpoint::RevokeToken,
        }
    }

    /// The method the route answers (`GET` also answers `HEAD`).
    pub fn method(&self) -> &'static str {
        match self {
            Route::MemberRole { .. } => "PUT",
            Route::HandleAccessRequest { .. } | Route::RevokeToken { .. } => "POST",
            _ => "GET",
        }
    }

    /// A write: answered by `writes.rs`, which changes the world.
    pub fn is_write(&self) -> bool {
        self.method() != "GET"
    }
}

/// `%XX` escapes decoded (invalid ones and non-UTF-8 results kept as sent).
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_string())
}

/// One request as routes see it.
pub(super) struct Call<'a> {
    pub route: &'a Route,
    pub query: &'a Query,
    /// The bearer token, if any.
    pub token: Option<&'a str>,
    /// Page settings; `page_cap` and `offset_paging` are taken from the world.
    pub paging: Paging,
}

/// The answer to an authenticated-or-not request that no fault replaced.
pub(super) fn respond(world: &World, call: &Call) -> Reply {
    match try_respond(world, call) {
        Ok(reply) | Err(reply) => reply,
    }
}

fn try_respond(world: &World, call: &Call) -> Result<Reply, Reply> {
    let query = call.query;
    let mut paging = call.paging.clone();
    paging.page_cap = world.page_cap;
    paging.offset_paging = world.offset_paging;
    paging.ignore_offset = world.ignore_offset;
    // SCIM takes the org's own SCIM token, not a user's.
    match call.route {
        Route::ScimUsers(org) => return scim_users(world, org, false, call, &paging),
        Route::ScimManagedUsers(org) => return scim_users(world, org, true, call, &paging),
        _ => {}
    }
    let who = caller(world, call.token)?;
    Ok(match call.route {
        Route::Whoami => Reply::ok(&views::whoami(world, who)),
        Route::Overview(org) => {
            let org = org_for(world, who, org)?;
            require_permission(org, who, MEMBERS_READ)?;
            Reply::ok(&views::overview(org))
        }
        Route::Members(org) => {
            let org = org_for(world, who, org)?;
            require_permission(org, who, MEMBERS_READ)?;
            members(org, who, query, &paging)
        }
        Route::ResourceGroups(org) => {
            let org = org_for(world, who, org)?;
            let groups = org.resource_groups.as_ref().ok_or_else(|| {
                Reply::error(
                    402,
                    "Resource groups are only available on Team and Enterprise plans",
                )
            })?;
            require_permission(org, who, GROUPS_READ)?;
            // The groups the caller has access to: all of them for an admin.
            let admin = org.role_of(&who.user) == Some("admin");
            let visible = groups
                .iter()
                .filter(|g| admin || g.users.iter().any(|u| u.name == who.user));
            Reply::ok(&Value::Array(visible.map(views::group).collect()))
        }
        Route::PendingMembers(org) => {
            let org = org_for(world, who, org)?;
            let pending = org.pending_members.as_ref().ok_or_else(not_found)?;
            Reply::ok(&Value::Array(pending.iter().map(views::pending).collect()))
        }
        Route::ScimUsers(_) | Route::ScimManagedUsers(_) => unreachable!("answered above"),
        Route::AuditLog(org) => {
            let org = org_for(world, who, org)?;
            let events = org.audit_log.as_ref().ok_or_else(|| {
                Reply::error(
                    402,
                    "Audit logs are only available on Team and Enterprise plans",
                )
            })?;
            require_role(org, who, &["admin"], ORG_READ)?;
            let ids = views::member_ids(org);
            let rows = events.iter().map(|e| views::audit_event(&ids, e));
            Reply::ok(&Value::Array(rows.collect()))
        }
        Route::Tokens(org) => member_tokens(org_for(world, who, org)?, who, query, &paging)?,
        Route::ServiceAccounts(org) => {
            let org = org_for(world, who, org)?;
            let accounts = org.service_accounts.as_ref().ok_or_else(|| {
                Reply::error(
                    402,
                    "Service accounts are only available on Enterprise plans",
                )
            })?;
            require_role(org, who, &["admin"], SERVICE_ACCOUNTS_READ)?;
            Reply::ok(&Value::Array(
                accounts.iter().map(views::service_account).collect(),
            ))
        }
        Route::RepoList(kind) => repo_list(world, who, kind, query, &paging),
        Route::AccessRequests {
            kind,
            org,
            repo,
            status,
        } => {
            let org = org_for(world, who, org)?;
            access_requests(org, who, kind, repo, status, query, &paging)?
        }
        Route::MemberRole { .. }
        | Route::HandleAccessRequest { .. }
        | Route::RevokeToken { .. } => {
            return Err(Reply::error(405, "Method not allowed"));
        }
    })
}

pub(super) fn not_found() -> Reply {
    Reply::error(404, "Sorry, we can't find the page you are looking for.")
}

/// The 404 for paths the Hub does not serve, once the token is known to be valid.
pub(super) fn unknown_path(world: &World, token: Option<&str>) -> Reply {
    match caller(world, token) {
        Ok(_) => not_found(),
        Err(reply) => reply,
    }
}

pub(super) fn caller<'w>(world: &'w World, token: Option<&str>) -> Result<&'w TokenInfo, Reply> {
    token
        .and_then(|t| world.tokens.get(t))
        .ok_or_else(|| Reply::error(401, "Invalid credentials in Authorization header"))
}

fn belongs(org: &Org, who: &TokenInfo) -> bool {
    who.orgs.contains(&org.name) || org.member(&who.user).is_some()
}

/// The org, if the caller may see it: 404 like the Hub when not a member,
/// 403 for a fine-grained token without any scope on it.
pub(super) fn org_for<'w>(world: &'w World, who: &TokenInfo, name: &str) -> Result<&'w Org, Reply> {
    let org = world.orgs.get(name).filter(|org| belongs(org, who));
    let org = org.ok_or_else(|| Reply::error(404, "Organization not found"))?;
    let any_scope = who
        .scoped
        .iter()
        .any(|s| s.entity_type == "org" && s.entity_name == org.name);
    if who.role == "fineGrained" && !any_scope {
        let message = format!("This fine-grained token has no access to the organization {name}");
        return Err(Reply::error(403, &message));
    }
    Ok(org)
}

/// Whether a fine-grained token holds one of `wanted` on `org`, a write
/// form (`org.members.write`) counting for its read form.
fn scoped(who: &TokenInfo, org: &str, wanted: &[&str]) -> bool {
    let includes = |granted: &str, wanted: &str| {
        granted == wanted
            || wanted
                .strip_suffix(".read")
                .is_some_and(|base| granted.strip_suffix(".write") == Some(base))
    };
    who.scoped.iter().any(|s| {
        s.entity_type == "org"
            && s.entity_name == org
            && s.permissions
                .iter()
                .any(|p| wanted.iter().any(|w| includes(p, w)))
    })
}

/// 403 for a fine-grained token without one of `permissions` on the org.
fn require_permission(org: &Org, who: &TokenInfo, permissions: &[&str]) -> Result<(), Reply> {
    if who.role != "fineGrained" || scoped(who, &org.name, permissions) {
        return Ok(());
    }
    let message = format!(
        "This fine-grained token needs {} on {}",
        permissions.join(" or "),
        org.name
    );
    Err(Reply::error(403, &message))
}

/// 403 unless the caller's role in the org is one of `roles` and the token
/// itself may act on it (not `read`; fine-grained with one of `permissions`).
pub(super) fn require_role(
    org: &Org,
    who: &TokenInfo,
    roles: &[&str],
    permissions: &[&str],
) -> Result<(), Reply> {
    let role_ok = org.role_of(&who.user).is_some_and(|r| roles.contains(&r));
    let token_ok = match who.role.as_str() {
        "read" => roles.contains(&"read"),
        "fineGrained" => scoped(who, &org.name, permissions),
        _ => true,
    };
    if role_ok && token_ok {
        Ok(())
    } else {
        let message = format!(
            "You need {} rights in {} for this",
            roles.join(" or "),
            org.name
        );
        Err(Reply::error(403, &message))
    }
}

fn members(org: &Org, who: &TokenInfo, query: &Query, paging: &Paging) -> Reply {
    let search = query.get("search").map(str::to_lowercase);
    let email = query.get("email");
    let rows: Vec<_> = org
        .members
        .iter()
        .filter(|m| {
            search.as_deref().is_none_or(|s| {
                m.user.to_lowercase().contains(s) || m.fullname.to_lowercase().contains(s)
            })
        })
        .filter(|m| email.is_none_or(|e| m.verified_email.as_deref() == Some(e)))
        .collect();
    let show_email = org.plan.is_some() && org.role_of(&who.user) == Some("admin");
    let groups = views::group_index(org);
    let render = |m: &&_| views::member(m, groups.as_ref(), show_email);
    paging::page(&rows, render, query, MEMBERS, paging)
}

/// `settings/tokens`: admins only (Team and Enterprise, else 402), filtered
/// by `q`, paged by `Link`.
fn member_tokens(
    org: &Org,
    who: &TokenInfo,
    query: &Query,
    paging: &Paging,
) -> Result<Reply, Reply> {
    let tokens = org.tokens.as_ref().ok_or_else(|| {
        Reply::error(
            402,
            "Token management is only available on Team and Enterprise plans",
        )
    })?;
    require_role(org, who, &["admin"], ORG_READ)?;
    let filter = TokenFilter::parse(query.get("q").unwrap_or(""))
        .map_err(|message| Reply::error(400, &message))?;
    let rows: Vec<&MemberToken> = tokens.iter().filter(|t| filter.matches(t)).collect();
    let render = |t: &&MemberToken| views::member_token(org, t);
    Ok(paging::page(&rows, render, query, TOKENS, paging))
}

/// The `q` of `settings/tokens`: space-separated `key:value` terms, all of
/// which must hold, each negatable with `-`; keys `owner`, `role`, `status`
/// and `token` (last four). `status:all` matches everything; without any
/// `status` term the default `-status:revoked` applies. A token without
/// `authorization` has no status: `status:X` never matches it, `-status:X`
/// always does.
pub(super) struct TokenFilter {
    terms: Vec<(bool, String, String)>,
}

impl TokenFilter {
    pub fn parse(q: &str) -> Result<TokenFilter, String> {
        let mut terms = Vec::new();
        for term in q.split_whitespace() {
            let (negated, term) = match term.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, term),
            };
            let (key, value) = term
                .split_once(':')
                .filter(|(k, v)| {
                    matches!(*k, "owner" | "role" | "status" | "token") && !v.is_empty()
                })
                .ok_or_else(|| format!("Invalid q term {term:?}"))?;
            terms.push((negated, key.to_string(), value.to_string()));
        }
        if !terms.iter().any(|(_, k, _)| k == "status") {
            terms.push((true, "status".into(), "revoked".into()));
        }
        Ok(TokenFilter { terms })
    }

    pub fn matches(&self, t: &MemberToken) -> bool {
        self.terms.iter().all(|(negated, key, value)| {
            let hit = match key.as_str() {
                "owner" => t.owner.eq_ignore_ascii_case(value),
                "role" => t.role == *value,
                "token" => t.last4.as_deref() == Some(value.as_str()),
                _ if value == "all" => return true,
                _ => t.status_value() == Some(value.as_str()),
            };
            hit != *negated
        })
    }
}

/// `/api/{kind}/{org}/{repo}/user-access-request/{status}`: the repo's
/// requests of that status, filtered by `q`.
fn access_requests(
    org: &Org,
    who: &TokenInfo,
    kind: &str,
    repo: &str,
    status: &str,
    query: &Query,
    paging: &Paging,
) -> Result<Reply, Reply> {
    let id = format!("{}/{repo}", org.name);
    let repo = repos_of(org, kind).iter().find(|r| r.id == id);
    let repo =
        repo.ok_or_else(|| Reply::error(404, "Repository not found").code("RepoNotFound"))?;
    require_role(org, who, &["admin", "write"], ACCESS_READ)?;
    if let Some(status) = repo.access_status {
        let message = format!("You cannot read the access requests of {id}");
        return Err(Reply::error(status, &message));
    }
    if repo.gated.is_none() {
        return Err(Reply::error(400, "Repo is not gated"));
    }
    let grants = match status {
        "accepted" => &repo.accepted,
        "pending" => &repo.pending,
        _ => &repo.rejected,
    };
    let q = query.get("q").map(str::to_lowercase);
    let rows: Vec<&AccessGrant> = grants
        .iter()
        .filter(|g| q.as_deref().is_none_or(|q| request_matches(org, g, q)))
        .collect();
    let render = |g: &&AccessGrant| views::grant(org, g, status);
    Ok(paging::page(&rows, render, query, ACCESS_REQUESTS, paging))
}

/// The `q` of access-request lists: "requester username, fullname, email,
/// email domain or verified organization", as a case-insensitive
/// substring (`q` lowercased). A request without a requester never matches.
fn request_matches(org: &Org, g: &AccessGrant, q: &str) -> bool {
    let Some(u) = &g.user else {
        return false;
    };
    let verified = org.member(&u.user).map(|_| org.name.as_str());
    [
        Some(u.user.as_str()),
        Some(u.fullname.as_str()),
        u.email.as_deref(),
        verified,
    ]
    .into_iter()
    .flatten()
    .any(|field| field.to_lowercase().contains(q))
}

pub(super) fn repos_of<'o>(org: &'o Org, kind: &str) -> &'o [Repo] {
    if kind == "models" {
        &org.models
    } else {
        &org.datasets
    }
}

fn repo_list(world: &World, who: &TokenInfo, kind: &str, query: &Query, paging: &Paging) -> Reply {
    let author = query.get("author");
    let rows: Vec<&Repo> = world
        .orgs
        .values()
        .filter(|org| author.is_none_or(|a| a == org.name))
        .flat_map(|org| {
            let visible = belongs(org, who);
            repos_of(org, kind)
                .iter()
                .filter(move |r| visible || !r.private)
        })
        .collect();
    paging::page(&rows, |r| views::repo(r), query, REPOS, paging)
}

/// A SCIM user list: 404 unless the org has SCIM on this path (`managed`:
/// `scim/v2`, else `scim-provisioning/v2`), 401 unless the bearer is the
/// org's SCIM token.
fn scim_users(
    world: &World,
    org: &str,
    managed: bool,
    call: &Call,
    paging: &Paging,
) -> Result<Reply, Reply> {
    let org = world.orgs.get(org).ok_or_else(not_found)?;
    let users = org
        .scim_users
        .as_ref()
        .filter(|_| org.scim_managed == managed)
        .ok_or_else(not_found)?;
    if call.token.is_none() || call.token != org.scim_token.as_deref() {
        return Err(Reply::error(401, "Invalid SCIM token"));
    }
    let query = call.query;
    let start_index = query.number("startIndex")?.unwrap_or(1).max(1);
    let count = query.number("count")?.unwrap_or(SCIM_DEFAULT_COUNT);
    let count = count.min(SCIM_MAX_COUNT).min(paging.page_cap);
    let filter = match query.get("filter") {
        None => None,
        Some(text) => Some(scim_filter(text).ok_or_else(|| Reply::error(400, "Invalid filter"))?),
    };
    let matching: Vec<_> = users
        .iter()
        .filter(|u| {
            filter
                .as_ref()
                .is_none_or(|(attr, value)| match attr.as_str() {
                    "id" => u.id == *value,
                    "username" => u.user_name.eq_ignore_ascii_case(value),
                    "emails" | "emails.value" => u.email.eq_ignore_ascii_case(value),
                    _ => views::scim_user("", u)["externalId"] == value.as_str(),
                })
        })
        .collect();
    let location = format!("{}{}", paging.base_url, paging.path);
    let page = matching.iter().skip(start_index - 1).take(count);
    let resources = page.map(|u| views::scim_user(&location, u)).collect();
    Ok(Reply::ok(&views::scim_list(
        resources,
        matching.len(),
        start_index,
    )))
}

/// `userName eq "alice"` -> (`username`, `alice`); only `eq` is supported.
fn scim_filter(text: &str) -> Option<(String, String)> {
    let mut parts = text.splitn(3, ' ');
    let (attr, op, value) = (parts.next()?, parts.next()?, parts.next()?);
    let attr = attr.to_lowercase();
    let known = matches!(
        attr.as_str(),
        "id" | "username" | "emails" | "emails.value" | "externalid"
    );
    let value = value.trim().strip_prefix('"')?.strip_suffix('"')?;
    (op.eq_ignore_ascii_case("eq") && known).then(|| (attr, value.to_string()))
}
