//! Members' access tokens (Team and Enterprise):
//! `GET /api/organizations/{org}/settings/tokens?q=status:all`.
//!
//! The listing pages by `Link`, 100 tokens a page, one page after the
//! other: 21,000 tokens would be 210 round trips in a row. So a first page
//! of the whole listing is read (most orgs have fewer than 100 tokens and
//! stop there); when more follow, the listing is read again as disjoint
//! `q` partitions ([`PARTITIONS`], one per token role plus a catch-all for
//! any other role) that run at once, each following its own `Link` chain.
//! A token seen in two partitions is kept once, and a token of the first
//! page that no partition returned is kept too (with a warning): the
//! partitioning can cost requests, never tokens.

use crate::collections::{HashSet, HashSetExt};

use futures_util::stream::{self, StreamExt, TryStreamExt};

use crate::error::Result;
use crate::hub::client::{HubClient, next_link};
use crate::hub::collect::{Outcome, UNAVAILABLE, optional, parse_time};
use crate::hub::wire;
use crate::model::MemberToken;

/// Tokens per page (the Hub's maximum).
pub const TOKENS_PAGE: usize = 100;

/// The whole listing, revoked tokens included (the default leaves them out).
pub const ALL_TOKENS: &str = "status:all";

/// Disjoint `q` filters whose union is [`ALL_TOKENS`]: one per role of the
/// Hub's schema (`read`, `write`, `fineGrained`), and one for every other
/// role, so that a role the Hub adds later is not lost.
pub const PARTITIONS: [&str; 4] = [
    "status:all role:read",
    "status:all role:write",
    "status:all role:fineGrained",
    "status:all -role:read -role:write -role:fineGrained",
];

/// Every token of the org's members, or `Unavailable` when the plan or the
/// token cannot list them (402/403/404) or the Hub sent a time that cannot
/// be read.
pub async fn member_tokens(c: &HubClient, org: &str) -> Result<Outcome<Vec<MemberToken>>> {
    let raw = match optional(all_tokens(c, org).await, &UNAVAILABLE)? {
        Outcome::Ok(raw) => raw,
        Outcome::Unavailable(reason) => return Ok(Outcome::Unavailable(reason)),
    };
    let mut tokens = Vec::with_capacity(raw.len());
    for t in raw {
        match token(t) {
            Ok(t) => tokens.push(t),
            Err(reason) => return Ok(Outcome::Unavailable(reason)),
        }
    }
    // The lower-cased owner once per token, not twice per comparison: this
    // sort ends the longest chain of a large org's snapshot.
    tokens.sort_by_cached_key(|t| (t.owner.to_lowercase(), t.created_at, t.id.clone()));
    Ok(Outcome::Ok(tokens))
}

async fn all_tokens(c: &HubClient, org: &str) -> Result<Vec<wire::OrgToken>> {
    let first = listing_url(c, org, ALL_TOKENS);
    let (page, headers) = c.get_decoded::<Vec<wire::OrgToken>>(&first).await?;
    if next_link(&headers).is_none() && page.len() < TOKENS_PAGE {
        return Ok(page);
    }
    // More than one page: the partitions, at most `concurrency` at once.
    let parts: Vec<Vec<wire::OrgToken>> = stream::iter(PARTITIONS)
        .map(|q| token_listing(c, org, q))
        .buffered(c.options().concurrency.max(1))
        .try_collect()
        .await?;
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    for t in parts.into_iter().flatten() {
        if seen.insert(t.id.clone()) {
            all.push(t);
        }
    }
    let missing: Vec<wire::OrgToken> = page.into_iter().filter(|t| !seen.contains(&t.id)).collect();
    if !missing.is_empty() {
        tracing::warn!(
            "{org}: {} token(s) of the full listing were in no role partition \
             (the Hub's `q` filter differs, or tokens were deleted meanwhile); kept",
            missing.len()
        );
        all.extend(missing);
    }
    Ok(all)
}

/// Every token matching the filter `q`, following the `Link` chain.
pub async fn token_listing(c: &HubClient, org: &str, q: &str) -> Result<Vec<wire::OrgToken>> {
    let url = listing_url(c, org, q);
    c.get_all(
        &url,
        TOKENS_PAGE,
        |t: &wire::OrgToken| t.id.clone(),
        &|_| {},
        std::future::ready(None),
    )
    .await
}

fn listing_url(c: &HubClient, org: &str, q: &str) -> url::Url {
    let limit = TOKENS_PAGE.to_string();
    c.url(
        &["api", "organizations", org, "settings", "tokens"],
        &[("q", q), ("limit", &limit)],
    )
}

/// The wire item as a model row; the error names the token and the field.
fn token(t: wire::OrgToken) -> std::result::Result<MemberToken, String> {
    let time = |field: &str, value: &str| {
        parse_time(value).ok_or_else(|| {
            format!(
                "token {} of {} has an unreadable {field} '{value}'",
                t.id, t.owner.name
            )
        })
    };
    let opt_time = |field: &str, value: Option<&String>| value.map(|v| time(field, v)).transpose();
    let created_at = time("createdAt", &t.created_at)?;
    let last_used_at = opt_time("lastUsedAt", t.last_used_at.as_ref())?;
    let auth = t.authorization.as_ref();
    let requested_at = opt_time("requestedAt", auth.map(|a| &a.requested_at))?;
    let authorized_at = opt_time("authorizedAt", auth.and_then(|a| a.authorized_at.as_ref()))?;
    let permissions = t
        .fine_grained
        .as_ref()
        .map(|f| {
            f.scoped
                .iter()
                .flat_map(|s| {
                    s.permissions
                        .iter()
                        .map(move |p| format!("{}/{}:{p}", s.entity.kind, s.entity.id))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(MemberToken {
        owner_fullname: Some(t.owner.fullname).filter(|n| !n.is_empty()),
        status: auth.map(|a| a.status.clone()),
        authorizer: auth.and_then(|a| a.authorizer.as_ref().map(|u| u.name.clone())),
        id: t.id,
        owner_id: t.owner.id,
        owner: t.owner.name,
        display_name: t.display_name,
        role: t.role,
        last4: t.last4,
        created_at,
        last_used_at,
        requested_at,
        authorized_at,
        permissions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"{"_id":"66f0aaaaaaaaaaaaaaaaaaaa","displayName":"ci-upload","role":"fineGrained",
        "last4":"x9Qa","createdAt":"2026-03-02T10:00:00.000Z","lastUsedAt":"2026-11-20T08:14:00.000Z",
        "owner":{"_id":"64b7aaaaaaaaaaaaaaaaaaaa","name":"alice","fullname":"Alice Martin","avatarUrl":"/a.png"},
        "authorization":{"status":"approved","requestedAt":"2026-03-02T10:00:00.000Z",
          "authorizedAt":"2026-03-03T09:00:00.000Z",
          "authorizer":{"name":"bob","fullname":"Bob","avatarUrl":"/b.png"}},
        "fineGrained":{"scoped":[{"entity":{"_id":"6500aaaaaaaaaaaaaaaaaaaa","type":"org"},
          "permissions":["repo.content.read","org.read"]}]}}"#;

    const BARE: &str = r#"{"_id":"66f0bbbbbbbbbbbbbbbbbbbb","displayName":"old","role":"read",
        "createdAt":"2025-01-02T10:00:00Z",
        "owner":{"_id":"64b7bbbbbbbbbbbbbbbbbbbb","name":"carol","fullname":"","avatarUrl":"/c.png"}}"#;

    #[test]
    fn every_field_is_kept() {
        let t = token(serde_json::from_str(FULL).unwrap()).unwrap();
        assert_eq!(t.id, "66f0aaaaaaaaaaaaaaaaaaaa");
        assert_eq!(
            (t.owner.as_str(), t.owner_id.as_str()),
            ("alice", "64b7aaaaaaaaaaaaaaaaaaaa")
        );
        assert_eq!(t.owner_fullname.as_deref(), Some("Alice Martin"));
        assert_eq!(
            (t.display_name.as_str(), t.role.as_str()),
            ("ci-upload", "fineGrained")
        );
        assert_eq!(t.last4.as_deref(), Some("x9Qa"));
        assert_eq!(t.created_at.to_rfc3339(), "2026-03-02T10:00:00+00:00");
        assert_eq!(
            t.last_used_at.unwrap().to_rfc3339(),
            "2026-11-20T08:14:00+00:00"
        );
        assert_eq!(t.status.as_deref(), Some("approved"));
        assert!(t.requested_at.is_some() && t.authorized_at.is_some());
        assert_eq!(t.authorizer.as_deref(), Some("bob"));
        assert_eq!(
            t.permissions,
            vec![
                "org/6500aaaaaaaaaaaaaaaaaaaa:repo.content.read",
                "org/6500aaaaaaaaaaaaaaaaaaaa:org.read"
            ]
        );
        assert_eq!(t.label(), "'ci-upload' (…x9Qa)");
    }

    #[test]
    fn only_required_fields_decode_with_nothing_invented() {
        let t = token(serde_json::from_str(BARE).unwrap()).unwrap();
        assert_eq!(t.last4, None);
        assert_eq!(t.last_used_at, None);
        assert_eq!(t.status, None);
        assert_eq!(t.requested_at, None);
        assert_eq!(t.authorizer, None);
        assert_eq!(t.owner_fullname, None);
        assert!(t.permissions.is_empty());
        assert!(!t.is_revoked());
        assert_eq!(t.label(), "'old'");
    }

    #[test]
    fn an_unreadable_time_is_named() {
        let json = BARE.replace("2025-01-02T10:00:00Z", "soon");
        let err = token(serde_json::from_str(&json).unwrap()).unwrap_err();
        assert!(
            err.contains("66f0bbbbbbbbbbbbbbbbbbbb") && err.contains("createdAt 'soon'"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_required_field_is_a_decode_error() {
        let json = BARE.replace(r#""displayName":"old","#, "");
        assert!(serde_json::from_str::<wire::OrgToken>(&json).is_err());
    }
}
