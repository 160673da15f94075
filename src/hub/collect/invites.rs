//! Pending invitations, from the best source the deployment offers.
//!
//! The current Hub API has no plain listing of pending invitations
//! (HUB_API.md), so they are read, in order of preference, from the
//! `pending-members` endpoint, SCIM provisioning users who are not members
//! (Basic SSO), or the audit log (an invite with no later acceptance, for
//! someone who is not a member). The source used is recorded.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::hub::client::HubClient;
use crate::hub::collect::{Outcome, UNAVAILABLE, optional, parse_time};
use crate::hub::paging::page_budget;
use crate::hub::wire;
use crate::model::{Event, Invite, InviteSource, Member};

/// SCIM's largest page.
const SCIM_PAGE: usize = 1000;

/// Event types that send an invitation.
const INVITE_EVENTS: [&str; 2] = ["org.invite_user", "org.invite.email"];
/// Event types after which an invitation is no longer pending.
const SETTLE_EVENTS: [&str; 6] = [
    "org.invite.accept",
    "org.add_user",
    "org.join.from_domain",
    "org.join.automatic",
    "org.sso_join",
    "org.remove_user",
];

/// The `pending-members` endpoint, where a deployment offers it. Independent
/// of everything else, so it is fetched alongside the other collectors.
pub async fn pending_members(
    c: &HubClient,
    org: &str,
) -> Result<Outcome<Vec<wire::PendingMember>>> {
    let url = c.url(&["api", "organizations", org, "pending-members"], &[]);
    optional(
        c.get_json::<Vec<wire::PendingMember>>(&url).await,
        &UNAVAILABLE,
    )
}

/// Pending invitations from the first source that answers: `pending` (the
/// result of [`pending_members`]), then SCIM, then the audit log.
pub async fn pending_invites(
    c: &HubClient,
    org: &str,
    pending: Outcome<Vec<wire::PendingMember>>,
    members: &[Member],
    events: &Outcome<Vec<Event>>,
) -> Result<Outcome<(Vec<Invite>, InviteSource)>> {
    let member_names: HashSet<String> = members.iter().map(|m| m.username.to_lowercase()).collect();
    let mut tried = Vec::new();

    match pending {
        Outcome::Ok(pending) => {
            let invites = pending
                .into_iter()
                .filter(|p| p.status.as_deref().is_none_or(|s| s == "pending"))
                .filter(|p| !member_names.contains(&p.user.to_lowercase()))
                .map(from_pending)
                .collect();
            return Ok(Outcome::Ok((invites, InviteSource::PendingMembers)));
        }
        Outcome::Unavailable(r) => tried.push(format!("pending-members: {r}")),
    }

    // SCIM answers 401 to a token that is not the org's SCIM token.
    match optional(scim_users(c, org).await, &[401, 402, 403, 404])? {
        Outcome::Ok(users) => {
            let invites = users
                .into_iter()
                .filter(|u| !member_names.contains(&u.user_name.to_lowercase()))
                .map(from_scim)
                .collect();
            return Ok(Outcome::Ok((invites, InviteSource::ScimProvisioning)));
        }
        Outcome::Unavailable(r) => tried.push(format!("SCIM provisioning: {r}")),
    }

    match events {
        Outcome::Ok(events) => Ok(Outcome::Ok((
            from_audit_log(events, &member_names),
            InviteSource::AuditLog,
        ))),
        Outcome::Unavailable(r) => {
            tried.push(format!("audit log: {r}"));
            Ok(Outcome::Unavailable(format!(
                "no source of pending invitations could be read ({})",
                tried.join("; ")
            )))
        }
    }
}

fn from_pending(p: wire::PendingMember) -> Invite {
    let is_email = p.user.contains('@');
    Invite {
        username: (!is_email).then(|| p.user.clone()),
        email: is_email.then(|| p.user.clone()),
        invitee: p.user,
        fullname: None,
        role: p.role,
        source: InviteSource::PendingMembers,
        invited_at: None,
    }
}

async fn scim_users(c: &HubClient, org: &str) -> Result<Vec<wire::ScimUser>> {
    let mut users: Vec<wire::ScimUser> = Vec::new();
    let mut seen = HashSet::new();
    // Set by the first page: its `totalResults` and row count.
    let mut budget = None;
    let mut read = 0usize;
    loop {
        let start = (users.len() + 1).to_string();
        let count = SCIM_PAGE.to_string();
        let url = c.url(
            &[
                "api",
                "organizations",
                org,
                "scim-provisioning",
                "v2",
                "Users",
            ],
            &[("startIndex", &start), ("count", &count)],
        );
        if let Some(pages) = budget
            && read >= pages
        {
            return Err(Error::Hub {
                url: c.shown(&url),
                status: None,
                message: format!(
                    "the Hub keeps handing out new SCIM users ({read} pages, {} users), more \
                     than the first page's totalResults allows ({pages} pages); the list cannot \
                     be read completely",
                    users.len()
                ),
            });
        }
        let page: wire::ScimList = c.get_json(&url).await?;
        let before = users.len();
        for u in page.resources {
            if seen.insert(u.id.clone()) {
                users.push(u);
            }
        }
        if users.len() == before || users.len() as u64 >= page.total_results {
            return Ok(users);
        }
        budget.get_or_insert_with(|| page_budget(Some(page.total_results), users.len()));
        read += 1;
    }
}

fn from_scim(u: wire::ScimUser) -> Invite {
    let email = u
        .emails
        .iter()
        .find(|e| e.primary == Some(true))
        .or(u.emails.first())
        .map(|e| e.value.clone());
    Invite {
        invitee: email.clone().unwrap_or_else(|| u.user_name.clone()),
        username: Some(u.user_name),
        email,
        fullname: u.display_name,
        role: None,
        source: InviteSource::ScimProvisioning,
        invited_at: u
            .meta
            .and_then(|m| m.created)
            .as_deref()
            .and_then(parse_time),
    }
}

/// Who an invite or settle event is about: `data.user`, `data.username`,
/// `data.email` or `data.invitee`; for acceptances, also the author.
fn subject(event: &Event) -> Vec<String> {
    let mut out = crate::model::event_targets(event.data.as_deref());
    if event.kind != "org.invite_user"
        && event.kind != "org.invite.email"
        && let Some(author) = &event.author
    {
        out.push(author.to_lowercase());
    }
    out
}

fn data_field(event: &Event, key: &str) -> Option<String> {
    let data: Value = serde_json::from_str(event.data.as_deref()?).ok()?;
    data.get(key)?.as_str().map(str::to_string)
}

/// Invitations in the log with no later acceptance, for non-members.
/// `events` is sorted by time.
fn from_audit_log(events: &[Event], members: &HashSet<String>) -> Vec<Invite> {
    let mut open: BTreeMap<String, Invite> = BTreeMap::new();
    for e in events {
        if INVITE_EVENTS.contains(&e.kind.as_str()) {
            let user = data_field(e, "user").or_else(|| data_field(e, "username"));
            let email = data_field(e, "email").or_else(|| data_field(e, "invitee"));
            let Some(invitee) = user.clone().or(email.clone()) else {
                continue;
            };
            let key = invitee.to_lowercase();
            // A re-sent invitation keeps the first time it was sent.
            let invited_at = open
                .get(&key)
                .and_then(|i| i.invited_at)
                .or(Some(e.created_at));
            open.insert(
                key,
                Invite {
                    invitee,
                    username: user,
                    email,
                    fullname: None,
                    role: data_field(e, "role"),
                    source: InviteSource::AuditLog,
                    invited_at,
                },
            );
        } else if SETTLE_EVENTS.contains(&e.kind.as_str()) {
            let subjects = subject(e);
            open.retain(|key, invite| {
                let email = invite.email.as_deref().map(str::to_lowercase);
                !subjects
                    .iter()
                    .any(|s| s == key || Some(s) == email.as_ref())
            });
        }
    }
    open.into_values()
        .filter(|i| {
            let user = i.username.as_deref().map(str::to_lowercase);
            !user.is_some_and(|u| members.contains(&u))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn event(day: u32, kind: &str, author: &str, data: &str) -> Event {
        Event {
            id: format!("{day}-{kind}"),
            created_at: chrono::Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0).unwrap(),
            kind: kind.into(),
            message: None,
            author: Some(author.into()),
            author_type: Some("user".into()),
            data: Some(data.into()),
        }
    }

    #[test]
    fn audit_log_invites_zero_one_many() {
        let members: HashSet<String> = ["alice".to_string()].into();
        assert!(from_audit_log(&[], &members).is_empty());

        let one = [event(
            1,
            "org.invite_user",
            "admin",
            r#"{"user":"newbie","role":"write"}"#,
        )];
        let got = from_audit_log(&one, &members);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].invitee, "newbie");
        assert_eq!(got[0].role.as_deref(), Some("write"));
        assert_eq!(got[0].source, InviteSource::AuditLog);

        let many = [
            event(1, "org.invite_user", "admin", r#"{"user":"newbie"}"#),
            event(
                2,
                "org.invite.email",
                "admin",
                r#"{"email":"Ext@Other.example"}"#,
            ),
            event(3, "org.invite_user", "admin", r#"{"user":"accepted"}"#),
            event(4, "org.invite.accept", "accepted", "{}"),
            event(5, "org.invite_user", "admin", r#"{"user":"alice"}"#),
            event(6, "org.invite_user", "admin", r#"{"user":"newbie"}"#),
            event(7, "org.invite_user", "admin", r#"{"user":"added"}"#),
            event(8, "org.add_user", "admin", r#"{"user":"added"}"#),
        ];
        let got = from_audit_log(&many, &members);
        let names: Vec<&str> = got.iter().map(|i| i.invitee.as_str()).collect();
        assert_eq!(names, vec!["Ext@Other.example", "newbie"]);
        // A re-sent invitation is as old as the first one.
        assert_eq!(got[1].invited_at, Some(many[0].created_at));
    }

    #[test]
    fn pending_members_that_are_emails() {
        let i = from_pending(wire::PendingMember {
            user: "x@y.example".into(),
            role: Some("read".into()),
            status: None,
        });
        assert_eq!(i.email.as_deref(), Some("x@y.example"));
        assert_eq!(i.username, None);
    }
}
