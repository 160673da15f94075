//! Collectors: one function per kind of data a snapshot holds, each turning
//! the Hub's wire shapes into domain types.
//!
//! Optional collectors return [`Outcome::Unavailable`] with the Hub's reason
//! when the plan or the token cannot read them (402/403/404); every other
//! failure is an error, so a snapshot is either complete or not recorded.

mod gated;
mod invites;
mod service_accounts;
mod tokens;

use chrono::{DateTime, Utc};

pub(crate) use gated::accepted_requests;
pub use gated::{ACCESS_PAGE, accepted_access, gated_repos};
pub use invites::{pending_invites, pending_members};
pub use service_accounts::service_accounts;
pub use tokens::{
    ALL_TOKENS, PARTITIONS as TOKEN_PARTITIONS, TOKENS_PAGE, member_tokens, token_listing,
};

use crate::error::{Error, Result};
use crate::hub::client::HubClient;
use crate::hub::wire;
use crate::model::{Event, GroupMember, GroupResource, Member, ResourceGroup};

/// Page size asked for the members list (the Hub's maximum).
pub const MEMBERS_PAGE: usize = 10_000;

/// What an optional collector found.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    Ok(T),
    /// The plan or the token cannot read this; the reason says which.
    Unavailable(String),
}

/// Progress callbacks, so the hub module stays free of terminal concerns.
pub trait Observer: Send + Sync {
    fn members_fetched(&self, _org: &str, _so_far: usize) {}
    fn repos_found(&self, _org: &str, _total: usize) {}
    fn repo_scanned(&self, _org: &str) {}
}

/// Maps "not on this plan / not with this token / not on this deployment"
/// to `Unavailable`; anything else stays an error.
pub(crate) fn optional<T>(result: Result<T>, statuses: &[u16]) -> Result<Outcome<T>> {
    match result {
        Ok(v) => Ok(Outcome::Ok(v)),
        Err(Error::Hub {
            status: Some(status),
            message,
            ..
        }) if statuses.contains(&status) => Ok(Outcome::Unavailable(message)),
        Err(e) => Err(e),
    }
}

/// The statuses that mean a feature is absent rather than failing.
pub(crate) const UNAVAILABLE: [u16; 3] = [402, 403, 404];

pub async fn overview(c: &HubClient, org: &str) -> Result<wire::Overview> {
    let url = c.url(&["api", "organizations", org, "overview"], &[]);
    c.get_json(&url).await
}

/// Every member, with every field the listing reports. Required: an error
/// here fails the snapshot. `num_users` is the overview's count, which
/// bounds the pages read; it is awaited only if a second page is needed.
pub async fn members(
    c: &HubClient,
    org: &str,
    observer: &dyn Observer,
    num_users: impl std::future::Future<Output = Option<u64>> + Send,
) -> Result<Vec<Member>> {
    let on_page = |n: usize| observer.members_fetched(org, n);
    let listed = member_listing(c, org, None, MEMBERS_PAGE, &on_page, num_users).await?;
    Ok(listed.into_iter().map(|l| l.member).collect())
}

/// One resource group of a member, as a row of the members listing has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedGroup {
    pub id: String,
    pub name: String,
    pub role: String,
}

/// One row of the members listing, mapped once for every reader: the
/// member as a snapshot keeps them, and their resource groups with id and
/// role, as a role call must send those it keeps. `groups` is `None` when
/// the row does not tell them (`resourceGroups` is optional in the Hub's
/// schema; a group without its id or role cannot be sent either).
#[derive(Debug, Clone, PartialEq)]
pub struct ListedMember {
    pub member: Member,
    pub groups: Option<Vec<ListedGroup>>,
}

/// The members listing of `org`, `limit` rows a page (`on_page` told the
/// rows read so far, `num_users` bounding the pages as for [`members`]);
/// with `search`, the rows the Hub's search returns for it (near names
/// too: the caller matches exactly).
pub async fn member_listing(
    c: &HubClient,
    org: &str,
    search: Option<&str>,
    limit: usize,
    on_page: &(dyn Fn(usize) + Sync),
    num_users: impl std::future::Future<Output = Option<u64>> + Send,
) -> Result<Vec<ListedMember>> {
    let page = limit.to_string();
    let mut query: Vec<(&str, &str)> = search.map(|s| ("search", s)).into_iter().collect();
    query.push(("limit", &page));
    let url = c.url(&["api", "organizations", org, "members"], &query);
    let raw: Vec<wire::OrgMember> = c
        .get_all(
            &url,
            limit,
            |m: &wire::OrgMember| m.user.to_lowercase(),
            on_page,
            num_users,
        )
        .await?;
    Ok(raw.into_iter().map(listed).collect())
}

#[cfg(test)]
fn member(m: wire::OrgMember) -> Member {
    listed(m).member
}

fn listed(m: wire::OrgMember) -> ListedMember {
    let told = m.resource_groups.is_some();
    let rows = m.resource_groups.unwrap_or_default();
    let names = rows.iter().map(|g| g.name.clone()).collect();
    let groups = rows
        .into_iter()
        .map(|g| {
            Some(ListedGroup {
                id: g.id?,
                name: g.name,
                role: g.role?,
            })
        })
        .collect::<Option<Vec<_>>>()
        .filter(|_| told);
    ListedMember {
        member: Member {
            hub_id: m.id.unwrap_or_default(),
            username: m.user,
            fullname: m.fullname,
            role: m.role,
            two_fa: m.two_fa_enabled,
            verified_email: m.verified_email.filter(|e| !e.is_empty()),
            external: m.is_external_collaborator,
            is_pro: m.is_pro,
            resource_groups: names,
        },
        groups,
    }
}

/// Resource groups and who is in them (Team plan and above).
pub async fn resource_groups(
    c: &HubClient,
    org: &str,
) -> Result<Outcome<(Vec<ResourceGroup>, Vec<GroupMember>)>> {
    let url = c.url(&["api", "organizations", org, "resource-groups"], &[]);
    let raw = optional(c.get_json::<Vec<wire::Group>>(&url).await, &UNAVAILABLE)?;
    Ok(match raw {
        Outcome::Unavailable(r) => Outcome::Unavailable(r),
        Outcome::Ok(groups) => Outcome::Ok(split_groups(groups)),
    })
}

fn split_groups(groups: Vec<wire::Group>) -> (Vec<ResourceGroup>, Vec<GroupMember>) {
    let mut out = Vec::with_capacity(groups.len());
    let mut members = Vec::new();
    for g in groups {
        for u in &g.users {
            members.push(GroupMember {
                group_id: g.id.clone(),
                group_name: g.name.clone(),
                username: u.name.clone(),
                fullname: u.fullname.clone(),
                role: u.role.clone(),
                added_by: u.added_by.clone(),
            });
        }
        let resources: Vec<GroupResource> = g
            .resources
            .or(g.repos)
            .unwrap_or_default()
            .into_iter()
            .map(group_resource)
            .collect();
        let repos = resources
            .iter()
            .filter(|r| r.is_repo())
            .map(|r| format!("{}/{}", r.kind, r.id))
            .collect();
        out.push(ResourceGroup {
            id: g.id,
            name: g.name,
            description: g.description.filter(|d| !d.is_empty()),
            auto_join: g.auto_join.map(|a| a.enabled).unwrap_or(false),
            repos,
            resources,
        });
    }
    (out, members)
}

/// A group's resource by its kind; a kind this version does not know is
/// `other`, keyed by whatever it has. A repo without a type is a model (the
/// oldest servers sent none).
fn group_resource(r: wire::GroupResource) -> GroupResource {
    let raw_type = r.kind.unwrap_or_default();
    let known = GroupResource::KINDS.iter().find(|k| **k == raw_type);
    let kind = match (known, raw_type.as_str()) {
        (Some(kind), _) => kind.to_string(),
        (None, "") if r.name.is_some() => "model".to_string(),
        (None, _) => "other".to_string(),
    };
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
    let (id, title) = match kind.as_str() {
        "collection" | "blog" => (nonempty(r.slug).or(r.id), nonempty(r.title)),
        "job" | "scheduled-job" => (r.id, nonempty(r.name)),
        "other" => (
            nonempty(r.id).or(nonempty(r.slug)).or(r.name),
            nonempty(r.title),
        ),
        _ => (r.name, None),
    };
    GroupResource {
        kind,
        raw_type,
        id: id.unwrap_or_default(),
        title,
    }
}

/// The audit log (Team/Enterprise). An event whose time cannot be read makes
/// the whole log unavailable rather than silently shorter.
pub async fn audit_log(c: &HubClient, org: &str) -> Result<Outcome<Vec<Event>>> {
    let url = c.url(&["api", "organizations", org, "audit-log", "export"], &[]);
    let raw = match optional(
        c.get_json_export::<Vec<wire::AuditEvent>>(&url).await,
        &UNAVAILABLE,
    )? {
        Outcome::Ok(raw) => raw,
        Outcome::Unavailable(reason) => return Ok(Outcome::Unavailable(reason)),
    };
    let mut events = Vec::with_capacity(raw.len());
    for e in raw {
        let Some(created_at) = parse_time(&e.created_at) else {
            return Ok(Outcome::Unavailable(format!(
                "audit-log event {} has an unreadable createdAt '{}'",
                e.id, e.created_at
            )));
        };
        events.push(Event {
            id: e.id,
            created_at,
            kind: e.kind,
            message: e.message,
            author: e.author.as_ref().and_then(|a| a.user.clone()),
            author_type: e.author.and_then(|a| a.kind),
            data: e
                .data
                .map(|d| d.get().trim().to_string())
                .filter(|d| d != "null"),
        });
    }
    events.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    Ok(Outcome::Ok(events))
}

/// RFC 3339 times as the Hub writes them, normalised to UTC milliseconds.
pub(crate) fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s.trim())
        .ok()?
        .with_timezone(&Utc);
    DateTime::from_timestamp_millis(t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_accept_resources_or_repos() {
        let json = r#"[
          {"id":"g1","name":"research","description":"","autoJoin":{"enabled":true},
           "users":[{"type":"user","_id":"u1","name":"alice","fullname":"Alice","role":"admin","addedBy":"bob"}],
           "resources":[{"type":"model","name":"acme/llm","private":true}]},
          {"id":"g2","name":"legacy","users":[],"repos":[{"type":"dataset","name":"acme/data"}]}
        ]"#;
        let groups: Vec<wire::Group> = serde_json::from_str(json).unwrap();
        let (groups, members) = split_groups(groups);
        assert_eq!(groups[0].repos, vec!["model/acme/llm"]);
        assert!(groups[0].auto_join);
        assert_eq!(groups[0].description, None);
        assert_eq!(groups[1].repos, vec!["dataset/acme/data"]);
        assert_eq!(members.len(), 1);
        assert_eq!(members[0].username, "alice");
        assert_eq!(members[0].group_name, "research");
        assert_eq!(members[0].added_by.as_deref(), Some("bob"));
    }

    #[test]
    fn member_fields_are_kept() {
        let json = r#"{"_id":"64b7","user":"alice","fullname":"Alice Martin","isPro":false,"type":"user",
            "role":"admin","resourceGroups":[{"name":"research","id":"g","numUsers":4,"role":"write"}],
            "twoFaEnabled":true,"verifiedEmail":"alice@acme.com","isExternalCollaborator":false}"#;
        let m = member(serde_json::from_str(json).unwrap());
        assert_eq!(m.hub_id, "64b7");
        assert_eq!(m.role.as_deref(), Some("admin"));
        assert_eq!(m.two_fa, Some(true));
        assert_eq!(m.verified_email.as_deref(), Some("alice@acme.com"));
        assert_eq!(m.external, Some(false));
        assert_eq!(m.resource_groups, vec!["research"]);
        let bare = member(serde_json::from_str(r#"{"user":"bob"}"#).unwrap());
        assert_eq!(bare.two_fa, None);
        assert_eq!(bare.role, None);
    }

    #[test]
    fn a_rows_groups_are_known_only_when_it_tells_each_ones_id_and_role() {
        let row = |groups: &str| -> ListedMember {
            let json = format!(r#"{{"user":"alice","role":"write"{groups}}}"#);
            listed(serde_json::from_str(&json).unwrap())
        };
        let full =
            row(r#","resourceGroups":[{"name":"research","id":"g1","numUsers":4,"role":"write"}]"#);
        assert_eq!(
            full.groups,
            Some(vec![ListedGroup {
                id: "g1".into(),
                name: "research".into(),
                role: "write".into()
            }])
        );
        assert_eq!(row(r#","resourceGroups":[]"#).groups, Some(vec![]));
        // No list (optional in the Hub's schema), a group without its id or
        // role: unknown, while the snapshot keeps every name it has.
        assert_eq!(row("").groups, None);
        for partial in [
            r#","resourceGroups":[{"name":"research","id":"g1","role":"write"},{"name":"infra","role":"read"}]"#,
            r#","resourceGroups":[{"name":"research","id":"g1"}]"#,
        ] {
            let m = row(partial);
            assert_eq!(m.groups, None, "{partial}");
            assert!(m.member.resource_groups.contains(&"research".to_string()));
        }
    }

    #[test]
    fn times_are_normalised_to_utc_millis() {
        let t = parse_time("2026-05-02T11:14:53.828123+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-05-02T09:14:53.828+00:00");
        assert!(parse_time("yesterday").is_none());
    }

    #[test]
    fn optional_maps_only_feature_statuses() {
        let hub = |s| Error::Hub {
            url: "u".into(),
            status: Some(s),
            message: format!("{s}"),
        };
        assert_eq!(
            optional::<()>(Err(hub(402)), &UNAVAILABLE).unwrap(),
            Outcome::Unavailable("402".into())
        );
        assert!(optional::<()>(Err(hub(500)), &UNAVAILABLE).is_err());
        assert!(optional::<()>(Err(hub(401)), &UNAVAILABLE).is_err());
    }
}
