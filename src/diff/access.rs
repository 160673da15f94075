//! Pending invitations (added, accepted, withdrawn) and accepted access to
//! gated repos (granted, gone).
//!
//! An invite that disappeared was *accepted* when its invitee is a member of
//! the newer snapshot (by username or verified email), else *withdrawn*
//! (cancelled, declined or expired: the Hub does not say which).

use crate::collections::{HashMap, HashMapExt};
use std::collections::BTreeMap;

use serde::Serialize;

use super::members::sort_by_name;
use crate::model::{Invite, Member, RepoAccess, Snapshot};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InviteChanges {
    pub added: Vec<InviteRef>,
    pub accepted: Vec<AcceptedInvite>,
    pub withdrawn: Vec<InviteRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InviteRef {
    /// A username or an email address, as the invite source names them.
    pub invitee: String,
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcceptedInvite {
    pub invitee: String,
    /// The role the invite offered.
    pub invited_role: Option<String>,
    /// The member the invitee now is.
    pub member: String,
    pub role: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccessChanges {
    pub granted: Vec<AccessRef>,
    pub gone: Vec<AccessRef>,
}

/// One user's accepted access to one gated repo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessRef {
    /// `model` or `dataset`.
    pub repo_type: String,
    /// `namespace/name`.
    pub repo: String,
    /// `None` when the repo hides requester identities.
    pub username: Option<String>,
    pub request_id: Option<String>,
    pub granted_by: Option<String>,
    /// For access that is gone: whether the repo is still gated in the newer
    /// snapshot (false: the repo was deleted, made public or ungated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo_still_gated: Option<bool>,
}

impl InviteRef {
    fn of(i: &Invite) -> InviteRef {
        InviteRef {
            invitee: i.invitee.clone(),
            role: i.role.clone(),
        }
    }
}

fn by_invitee(invites: &[Invite]) -> BTreeMap<String, &Invite> {
    invites
        .iter()
        .map(|i| (i.invitee.to_lowercase(), i))
        .collect()
}

pub(super) fn invites(from: &[Invite], to: &[Invite], members: &[Member]) -> InviteChanges {
    let (old, new) = (by_invitee(from), by_invitee(to));
    let mut by_name: HashMap<String, &Member> = HashMap::new();
    for m in members {
        by_name.insert(m.username.to_lowercase(), m);
        if let Some(email) = &m.verified_email {
            by_name.entry(email.to_lowercase()).or_insert(m);
        }
    }
    let member_of = |i: &Invite| {
        [Some(&i.invitee), i.username.as_ref(), i.email.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|name| by_name.get(&name.to_lowercase()).copied())
    };
    let mut out = InviteChanges::default();
    for (k, i) in &new {
        if !old.contains_key(k) {
            out.added.push(InviteRef::of(i));
        }
    }
    for (k, i) in &old {
        if new.contains_key(k) {
            continue;
        }
        match member_of(i) {
            Some(m) => out.accepted.push(AcceptedInvite {
                invitee: i.invitee.clone(),
                invited_role: i.role.clone(),
                member: m.username.clone(),
                role: m.role.clone(),
            }),
            None => out.withdrawn.push(InviteRef::of(i)),
        }
    }
    sort_by_name(&mut out.added, |i| &i.invitee);
    sort_by_name(&mut out.accepted, |i| &i.invitee);
    sort_by_name(&mut out.withdrawn, |i| &i.invitee);
    out
}

/// (`type`, repo lower-cased, user lower-cased or the request id).
type AccessKey = (String, String, String);

fn access_key(a: &RepoAccess) -> AccessKey {
    // The Hub sends no request id: a hidden requester's request is known
    // by when it was made, the same in every snapshot.
    let who = match (&a.username, &a.request_id, a.requested_at) {
        (Some(user), _, _) => format!("user:{}", user.to_lowercase()),
        (None, Some(id), _) => format!("request:{id}"),
        (None, None, Some(at)) => format!("requested:{}", at.timestamp_millis()),
        (None, None, None) => String::from("hidden"),
    };
    (a.repo_type.clone(), a.repo.to_lowercase(), who)
}

fn access_ref(a: &RepoAccess) -> AccessRef {
    AccessRef {
        repo_type: a.repo_type.clone(),
        repo: a.repo.clone(),
        username: a.username.clone(),
        request_id: a.request_id.clone(),
        granted_by: a.granted_by.clone(),
        repo_still_gated: None,
    }
}

pub(super) fn gated(from: &Snapshot, to: &Snapshot) -> AccessChanges {
    let index = |rows: &[RepoAccess]| -> BTreeMap<AccessKey, AccessRef> {
        rows.iter()
            .map(|a| (access_key(a), access_ref(a)))
            .collect()
    };
    let (old, new) = (index(&from.repo_access), index(&to.repo_access));
    let still_gated = |a: &AccessRef| {
        let key = format!("{}/{}", a.repo_type, a.repo).to_lowercase();
        to.gated_repos.keys().any(|k| k.to_lowercase() == key)
    };
    let mut out = AccessChanges {
        granted: new
            .iter()
            .filter(|(k, _)| !old.contains_key(*k))
            .map(|(_, a)| a.clone())
            .collect(),
        gone: old
            .iter()
            .filter(|(k, _)| !new.contains_key(*k))
            .map(|(_, a)| AccessRef {
                repo_still_gated: Some(still_gated(a)),
                ..a.clone()
            })
            .collect(),
    };
    // BTreeMap order is (type, repo, user) already; keep it readable and stable.
    for list in [&mut out.granted, &mut out.gone] {
        list.sort_by(|a, b| {
            (
                a.repo.to_lowercase(),
                &a.repo_type,
                user_label(a).to_lowercase(),
            )
                .cmp(&(
                    b.repo.to_lowercase(),
                    &b.repo_type,
                    user_label(b).to_lowercase(),
                ))
        });
    }
    out
}

/// The user of an access row as shown: the username, else the request id.
pub fn user_label(a: &AccessRef) -> String {
    match (&a.username, &a.request_id) {
        (Some(user), _) => user.clone(),
        (None, Some(id)) => format!("(hidden requester, request {id})"),
        (None, None) => "(hidden requester)".to_string(),
    }
}
