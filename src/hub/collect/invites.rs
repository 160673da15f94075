//! Pending invitations, from the best source the deployment offers.
//!
//! The current Hub API has no plain listing of pending invitations
//! (HUB_API.md), so they are read, in order of preference, from the
//! `pending-members` endpoint (older deployments), SCIM provisioning users
//! who are not members and are active (Basic SSO; `active: false` is a
//! deactivated invitation), or the audit log (an invite with no later
//! acceptance, for someone who is not a member). SCIM takes the org's own
//! SCIM token (`--scim-token-file`, `HF_SCIM_TOKEN`), never the user token;
//! on Managed SSO it lists members only, so the audit log is read. The
//! audit log cannot show an invitation cancelled in Settings (no event is
//! written): the report says so. The source used is recorded.

use crate::collections::{HashSet, HashSetExt};
use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::hub::client::HubClient;
use crate::hub::collect::{Outcome, UNAVAILABLE, optional, parse_time};
use crate::hub::paging::page_budget;
use crate::hub::wire;
use crate::model::{Event, EventSubject, Invite, InviteSource, Member, event_kind};

/// SCIM's largest page.
const SCIM_PAGE: usize = 1000;

/// Event types that send an invitation.
const INVITE_EVENTS: [&str; 2] = event_kind::INVITES;
/// Event types after which an invitation is no longer pending.
const SETTLE_EVENTS: [&str; 6] = [
    event_kind::INVITE_ACCEPT,
    event_kind::ADD_USER,
    event_kind::JOIN_FROM_DOMAIN,
    event_kind::JOIN_AUTOMATIC,
    event_kind::SSO_JOIN,
    event_kind::REMOVE_USER,
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
    events: &Outcome<&[Event]>,
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

    // SCIM takes the org's own SCIM token: the user token is never sent there.
    match c.scim() {
        None => tried.push(format!("SCIM provisioning: {NO_SCIM_TOKEN}")),
        Some(scim) => match scim_source(scim, org).await? {
            Scim::Basic(users) => {
                let (invites, deactivated) = scim_invites(users, &member_names);
                if deactivated > 0 {
                    tracing::info!(
                        "{org}: {deactivated} deactivated SCIM invitation(s) (active: false) \
                         left out: they hold no seat"
                    );
                }
                return Ok(Outcome::Ok((invites, InviteSource::ScimProvisioning)));
            }
            Scim::Managed => tried.push(MANAGED_SSO.to_string()),
            Scim::Unavailable(r) => tried.push(r),
        },
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

/// Why SCIM was not read without a SCIM token.
pub const NO_SCIM_TOKEN: &str = "no SCIM token (pass --scim-token-file FILE or set HF_SCIM_TOKEN; a user token cannot read SCIM)";

/// Why a Managed SSO org's SCIM list is no source of invitations.
const MANAGED_SSO: &str = "SCIM (Managed SSO): accounts are provisioned as members, so the SCIM \
                           list holds no invitations";

/// What SCIM says about invitations.
enum Scim {
    /// Basic SSO: `scim-provisioning/v2/Users`, members and invitations.
    Basic(Vec<wire::ScimUser>),
    /// Managed SSO: `scim/v2/Users` answers, and lists members only.
    Managed,
    /// Neither path could be read with this token; the reason says why.
    Unavailable(String),
}

/// SCIM statuses that mean "not with this token / plan / SSO mode": SCIM
/// answers 401 to a token that is not the org's SCIM token.
const SCIM_UNAVAILABLE: [u16; 4] = [401, 402, 403, 404];

/// Basic SSO's list first; when that path does not exist (404), one row of
/// Managed SSO's list tells whether the org provisions members directly.
async fn scim_source(c: &HubClient, org: &str) -> Result<Scim> {
    let basic = match scim_users(c, org).await {
        Ok(users) => return Ok(Scim::Basic(users)),
        Err(Error::Hub {
            status: Some(404),
            message,
            ..
        }) => message,
        Err(Error::Hub {
            status: Some(status),
            message,
            ..
        }) if SCIM_UNAVAILABLE.contains(&status) => {
            return Ok(Scim::Unavailable(format!("SCIM provisioning: {message}")));
        }
        Err(e) => return Err(e),
    };
    let managed = optional(managed_scim_probe(c, org).await, &SCIM_UNAVAILABLE)?;
    Ok(match managed {
        Outcome::Ok(_) => Scim::Managed,
        Outcome::Unavailable(reason) => Scim::Unavailable(format!(
            "SCIM provisioning (Basic SSO): {basic}; SCIM (Managed SSO): {reason}"
        )),
    })
}

/// One row of Managed SSO's SCIM list (`scim/v2/Users`): enough to know it
/// answers.
async fn managed_scim_probe(c: &HubClient, org: &str) -> Result<wire::ScimList> {
    let url = c.url(
        &["api", "organizations", org, "scim", "v2", "Users"],
        &[("count", "1")],
    );
    c.get_json(&url).await
}

/// SCIM provisioning users who are invitations: not members, and active
/// (`active: false` is a deactivated invitation, not a pending one). Also
/// returns how many deactivated ones were left out.
fn scim_invites(users: Vec<wire::ScimUser>, members: &HashSet<String>) -> (Vec<Invite>, usize) {
    let (active, deactivated): (Vec<_>, Vec<_>) = users
        .into_iter()
        .filter(|u| !members.contains(&u.user_name.to_lowercase()))
        .partition(|u| u.active != Some(false));
    (
        active.into_iter().map(from_scim).collect(),
        deactivated.len(),
    )
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

/// Who an invite or settle event is about: whom its `data` names (see
/// [`EventSubject`]); for acceptances, also the author.
fn subject(event: &Event) -> Vec<String> {
    let mut out = crate::model::event_targets(event.data.as_deref());
    if !INVITE_EVENTS.contains(&event.kind.as_str())
        && let Some(author) = &event.author
    {
        out.push(author.to_lowercase());
    }
    out
}

/// Invitations in the log with no later acceptance, for non-members.
/// `events` is sorted by time. An invitation whose `data` names nobody in a
/// shape [`EventSubject`] reads is left out, with a warning.
fn from_audit_log(events: &[Event], members: &HashSet<String>) -> Vec<Invite> {
    let mut open: BTreeMap<String, Invite> = BTreeMap::new();
    let mut unreadable = 0usize;
    for e in events {
        if INVITE_EVENTS.contains(&e.kind.as_str()) {
            let who = EventSubject::of(e.data.as_deref());
            let Some(invitee) = who.username.clone().or(who.email.clone()) else {
                unreadable += 1;
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
                    username: who.username,
                    email: who.email,
                    fullname: None,
                    role: who.role,
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
    if unreadable > 0 {
        tracing::warn!(
            "{unreadable} invitation event(s) of the audit log name no invitee in a form \
             hfaudit reads (their data is missing or of an unknown shape); not counted"
        );
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
        let members: HashSet<String> = ["alice".to_string()].into_iter().collect();
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

    /// The `data` of invitation events in the shapes the Hub does not
    /// promise: missing, a bare string, objects with other keys, nested
    /// objects; those naming nobody are left out, the rest are read.
    #[test]
    fn audit_log_data_shapes_are_read_defensively() {
        let members = HashSet::new();
        let mut missing = event(1, "org.invite_user", "admin", "");
        missing.data = None;
        // (invitee, username, email) read, or `None`: nobody.
        type Read<'a> = Option<(&'a str, Option<&'a str>, Option<&'a str>)>;
        let cases: [(Event, Read); 12] = [
            (missing, None),
            (event(1, "org.invite_user", "admin", "null"), None),
            (event(1, "org.invite_user", "admin", "{}"), None),
            (event(1, "org.invite_user", "admin", "[1,2]"), None),
            (event(1, "org.invite_user", "admin", r#"{"user":42}"#), None),
            (
                event(1, "org.invite_user", "admin", r#""newbie""#),
                Some(("newbie", Some("newbie"), None)),
            ),
            (
                event(1, "org.invite.email", "admin", r#""Ext@Other.example""#),
                Some(("Ext@Other.example", None, Some("Ext@Other.example"))),
            ),
            (
                event(
                    1,
                    "org.invite_user",
                    "admin",
                    r#"{"username":"u1","role":"read"}"#,
                ),
                Some(("u1", Some("u1"), None)),
            ),
            (
                event(
                    1,
                    "org.invite.email",
                    "admin",
                    r#"{"inviteeEmail":"x@y.example"}"#,
                ),
                Some(("x@y.example", None, Some("x@y.example"))),
            ),
            (
                event(
                    1,
                    "org.invite_user",
                    "admin",
                    r#"{"invitee":{"name":"nested","email":"n@y.example"},"role":"write"}"#,
                ),
                Some(("nested", Some("nested"), Some("n@y.example"))),
            ),
            (
                event(1, "org.invite_user", "admin", r#"{"user":{"user":"deep"}}"#),
                Some(("deep", Some("deep"), None)),
            ),
            (
                // A `user` string that is an email is an email.
                event(1, "org.invite_user", "admin", r#"{"user":"e@y.example"}"#),
                Some(("e@y.example", None, Some("e@y.example"))),
            ),
        ];
        for (e, want) in cases {
            let data = e.data.clone();
            let got = from_audit_log(std::slice::from_ref(&e), &members);
            match want {
                None => assert!(got.is_empty(), "{data:?}: {got:?}"),
                Some((invitee, username, email)) => {
                    assert_eq!(got.len(), 1, "{data:?}");
                    assert_eq!(got[0].invitee, invitee, "{data:?}");
                    assert_eq!(got[0].username.as_deref(), username, "{data:?}");
                    assert_eq!(got[0].email.as_deref(), email, "{data:?}");
                }
            }
        }
        // The role is kept where a string says it, nested or not.
        let nested = event(
            1,
            "org.invite_user",
            "admin",
            r#"{"invitee":{"name":"n","role":"write"}}"#,
        );
        assert_eq!(
            from_audit_log(&[nested], &members)[0].role.as_deref(),
            Some("write")
        );
        // A settle event in another shape still settles: a bare string.
        let settled = [
            event(1, "org.invite_user", "admin", r#"{"user":"newbie"}"#),
            event(2, "org.add_user", "admin", r#""NEWBIE""#),
        ];
        assert!(from_audit_log(&settled, &members).is_empty());
    }

    fn scim_user(name: &str, active: Option<bool>) -> wire::ScimUser {
        wire::ScimUser {
            id: format!("id-{name}"),
            user_name: name.into(),
            display_name: Some(name.to_uppercase()),
            emails: vec![wire::ScimEmail {
                value: format!("{name}@acme.example"),
                primary: Some(true),
            }],
            active,
            meta: None,
        }
    }

    #[test]
    fn scim_invites_are_active_non_members_zero_one_many() {
        let members: HashSet<String> = ["alice".to_string()].into_iter().collect();
        let (none, deactivated) = scim_invites(vec![], &members);
        assert!(none.is_empty() && deactivated == 0);
        // Members are not invitations, whatever their `active`.
        let (none, deactivated) = scim_invites(
            vec![
                scim_user("Alice", Some(true)),
                scim_user("alice", Some(false)),
            ],
            &members,
        );
        assert!(none.is_empty() && deactivated == 0);

        let (one, deactivated) = scim_invites(
            vec![
                scim_user("alice", Some(true)),
                scim_user("newbie", Some(true)),
            ],
            &members,
        );
        assert_eq!(deactivated, 0);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].invitee, "newbie@acme.example");
        assert_eq!(one[0].username.as_deref(), Some("newbie"));
        assert_eq!(one[0].source, InviteSource::ScimProvisioning);
        assert_eq!(one[0].invited_at, None, "SCIM meta has no creation time");

        // `active: false` is a deactivated invitation, not a pending one;
        // an `active` the Hub left out counts as active.
        let (many, deactivated) = scim_invites(
            vec![
                scim_user("a", Some(true)),
                scim_user("b", Some(false)),
                scim_user("c", None),
                scim_user("d", Some(false)),
                scim_user("alice", Some(true)),
            ],
            &members,
        );
        let names: Vec<&str> = many.iter().filter_map(|i| i.username.as_deref()).collect();
        assert_eq!(names, vec!["a", "c"]);
        assert_eq!(deactivated, 2);
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
