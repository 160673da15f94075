//! The Hub calls of `hfaudit apply`: the three writes the Hub's own OpenAPI
//! description documents (`PUT .../members/{username}/role`,
//! `POST /api/models/.../user-access-request/handle`,
//! `POST .../settings/tokens/{tokenId}/revoke`) and, before each, the one
//! read that says whether it is still needed.
//!
//! A read asks about one subject (`search=`, `q=`), the answer matched
//! exactly since the Hub's search also returns near names; or, when one
//! listing serves many calls, it lists once: the org's members
//! ([`members_now`]), a model's accepted requests ([`accepted_now`]), an
//! owner's tokens ([`active_tokens`]) or the org's ([`active_org_tokens`]).
//! The members are read through the snapshot's own listing
//! ([`member_listing`]), each row mapped once for both.

use crate::collections::{HashMap, HashSet};

use reqwest::Method;
use serde_json::json;

use crate::error::Result;
use crate::hub::HubClient;
use crate::hub::collect::{ListedGroup, ListedMember, MEMBERS_PAGE, member_listing};
use crate::hub::wire;

/// Page size of the one-subject reads: a search matches a few rows.
const SEARCH_PAGE: usize = 100;
/// The access-request listing's smallest page is 10 (its OpenAPI bounds).
const ACCESS_SEARCH_PAGE: usize = 100;

/// A member as the Hub lists them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveMember {
    pub role: Option<String>,
    /// Their resource groups (id, name, role); `None` when the listing
    /// does not tell them all: a role call that keeps groups cannot be
    /// sent, and none is concluded already done from them.
    pub groups: Option<Vec<ListedGroup>>,
}

/// `username` in `org` now, or `None` when they are no longer a member.
pub async fn member_now(c: &HubClient, org: &str, username: &str) -> Result<Option<LiveMember>> {
    let found = member_listing(
        c,
        org,
        Some(username),
        SEARCH_PAGE,
        &|_| {},
        std::future::ready(None),
    )
    .await?;
    Ok(found
        .into_iter()
        .find(|m| m.member.username.eq_ignore_ascii_case(username))
        .map(live))
}

/// Every member of `org` now, by lower-cased username: one listing (paged)
/// for many role calls.
pub async fn members_now(c: &HubClient, org: &str) -> Result<HashMap<String, LiveMember>> {
    let found = member_listing(
        c,
        org,
        None,
        MEMBERS_PAGE,
        &|_| {},
        std::future::ready(None),
    )
    .await?;
    Ok(found
        .into_iter()
        .map(|m| (m.member.username.to_lowercase(), live(m)))
        .collect())
}

fn live(m: ListedMember) -> LiveMember {
    LiveMember {
        role: m.member.role,
        groups: m.groups,
    }
}

/// Whether `username` still holds an accepted request on the model `repo`
/// (`namespace/name`).
pub async fn access_accepted(c: &HubClient, repo: &str, username: &str) -> Result<bool> {
    let limit = ACCESS_SEARCH_PAGE.to_string();
    let url = access_request_url(c, repo, "accepted", &[("q", username), ("limit", &limit)]);
    let found: Vec<wire::AccessRequest> = c
        .get_all(
            &url,
            ACCESS_SEARCH_PAGE,
            |r: &wire::AccessRequest| r.user.as_ref().map(|u| u.user.to_lowercase()),
            &|_| {},
            std::future::ready(None),
        )
        .await?;
    Ok(accepted_users(&found).contains(&username.to_lowercase()))
}

/// The lower-cased users holding an accepted request on the model `repo`
/// now: one listing (paged) for many rejections.
pub async fn accepted_now(c: &HubClient, repo: &str) -> Result<HashSet<String>> {
    let (namespace, name) = repo.split_once('/').unwrap_or((repo, ""));
    let found = crate::hub::collect::accepted_requests(c, "model", namespace, name).await?;
    Ok(accepted_users(&found))
}

fn accepted_users(found: &[wire::AccessRequest]) -> HashSet<String> {
    found
        .iter()
        .filter(|r| r.status.as_deref().is_none_or(|s| s == "accepted"))
        .filter_map(|r| r.user.as_ref().map(|u| u.user.to_lowercase()))
        .collect()
}

/// Whether the token `token_id` of `owner` still has access to `org`:
/// listed and not revoked. A token no longer listed at all (deleted by
/// its owner) has none.
pub async fn token_active(c: &HubClient, org: &str, owner: &str, token_id: &str) -> Result<bool> {
    Ok(active_tokens(c, org, owner).await?.contains(token_id))
}

/// The ids of `owner`'s tokens with access to `org` now (listed, not
/// revoked): one listing for all of the owner's revocations.
pub async fn active_tokens(c: &HubClient, org: &str, owner: &str) -> Result<HashSet<String>> {
    let q = format!("owner:{owner} status:all");
    Ok(active(
        crate::hub::collect::token_listing(c, org, &q).await?,
    ))
}

/// The ids of every member token with access to `org` now: one listing
/// (paged) for the revocations of many owners.
pub async fn active_org_tokens(c: &HubClient, org: &str) -> Result<HashSet<String>> {
    Ok(active(
        crate::hub::collect::token_listing(c, org, "-status:revoked").await?,
    ))
}

fn active(listed: Vec<wire::OrgToken>) -> HashSet<String> {
    listed
        .into_iter()
        .filter(|t| {
            t.authorization
                .as_ref()
                .is_none_or(|a| a.status != "revoked")
        })
        .map(|t| t.id)
        .collect()
}

/// `/api/models/{namespace}/{name}/user-access-request/{last}` for the
/// model `repo` (`namespace/name`).
fn access_request_url(c: &HubClient, repo: &str, last: &str, query: &[(&str, &str)]) -> url::Url {
    let (namespace, name) = repo.split_once('/').unwrap_or((repo, ""));
    c.url(
        &[
            "api",
            "models",
            namespace,
            name,
            "user-access-request",
            last,
        ],
        query,
    )
}

/// `PUT /api/organizations/{org}/members/{username}/role`: `role`, and the
/// member's resource groups replaced by `groups` (id, role).
pub async fn set_role(
    c: &HubClient,
    org: &str,
    username: &str,
    role: &str,
    groups: &[(String, String)],
) -> Result<()> {
    let url = c.url(
        &["api", "organizations", org, "members", username, "role"],
        &[],
    );
    c.write(Method::PUT, &url, Some(&role_body(role, groups)))
        .await
}

/// The body of the role call (also what a plan shows).
pub fn role_body(role: &str, groups: &[(String, String)]) -> serde_json::Value {
    let groups: Vec<serde_json::Value> = groups
        .iter()
        .map(|(id, role)| json!({"id": id, "role": role}))
        .collect();
    json!({"role": role, "resourceGroups": groups})
}

/// `POST /api/models/{repo}/user-access-request/handle`, rejecting
/// `username`'s request.
pub async fn reject_access(c: &HubClient, repo: &str, username: &str, reason: &str) -> Result<()> {
    let url = access_request_url(c, repo, "handle", &[]);
    c.write(Method::POST, &url, Some(&reject_body(username, reason)))
        .await
}

/// The body of the reject call; the reason is cut to the Hub's 200
/// characters.
pub fn reject_body(username: &str, reason: &str) -> serde_json::Value {
    let reason: String = reason.chars().take(200).collect();
    json!({"user": username, "status": "rejected", "rejectionReason": reason})
}

/// `POST /api/organizations/{org}/settings/tokens/{token_id}/revoke`.
pub async fn revoke_token(c: &HubClient, org: &str, token_id: &str) -> Result<()> {
    let url = c.url(
        &[
            "api",
            "organizations",
            org,
            "settings",
            "tokens",
            token_id,
            "revoke",
        ],
        &[],
    );
    c.write(Method::POST, &url, None).await
}
