//! Members who joined, left, were renamed, or changed role or 2FA.
//!
//! Members are matched by the Hub's user id, which survives a rename, and
//! by lower-cased username when a snapshot has no id.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Member, Role};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MemberChanges {
    pub joined: Vec<MemberRef>,
    pub left: Vec<MemberRef>,
    pub renamed: Vec<Renamed>,
    pub role_changes: Vec<RoleChange>,
    pub two_fa_changes: Vec<TwoFaChange>,
}

/// A member as of the snapshot that lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberRef {
    pub username: String,
    pub fullname: Option<String>,
    pub role: Option<String>,
}

/// The same Hub account under a new username.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renamed {
    pub hub_id: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleChange {
    /// The username in the newer snapshot.
    pub username: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The role went up (or became admin).
    pub escalation: bool,
    pub to_admin: bool,
}

/// 2FA turned on or off; only reported when both snapshots say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TwoFaChange {
    pub username: String,
    pub from: bool,
    pub to: bool,
}

impl MemberRef {
    fn of(m: &Member) -> MemberRef {
        MemberRef {
            username: m.username.clone(),
            fullname: m.fullname.clone(),
            role: m.role.clone(),
        }
    }
}

fn key(m: &Member) -> String {
    if m.hub_id.is_empty() {
        format!("user:{}", m.username.to_lowercase())
    } else {
        format!("id:{}", m.hub_id)
    }
}

fn by_key(members: &[Member]) -> BTreeMap<String, &Member> {
    members.iter().map(|m| (key(m), m)).collect()
}

pub(super) fn compare(from: &[Member], to: &[Member]) -> MemberChanges {
    let (old, new) = (by_key(from), by_key(to));
    let mut out = MemberChanges::default();
    for (k, m) in &new {
        let Some(before) = old.get(k) else {
            out.joined.push(MemberRef::of(m));
            continue;
        };
        if before.username != m.username {
            out.renamed.push(Renamed {
                hub_id: m.hub_id.clone(),
                from: before.username.clone(),
                to: m.username.clone(),
            });
        }
        if before.role != m.role {
            let (escalation, to_admin) =
                Role::escalation(before.role.as_deref(), m.role.as_deref());
            out.role_changes.push(RoleChange {
                username: m.username.clone(),
                from: before.role.clone(),
                to: m.role.clone(),
                escalation,
                to_admin,
            });
        }
        if let (Some(a), Some(b)) = (before.two_fa, m.two_fa)
            && a != b
        {
            out.two_fa_changes.push(TwoFaChange {
                username: m.username.clone(),
                from: a,
                to: b,
            });
        }
    }
    out.left = old
        .iter()
        .filter(|(k, _)| !new.contains_key(*k))
        .map(|(_, m)| MemberRef::of(m))
        .collect();
    sort_by_name(&mut out.joined, |m| &m.username);
    sort_by_name(&mut out.left, |m| &m.username);
    sort_by_name(&mut out.renamed, |r| &r.to);
    sort_by_name(&mut out.role_changes, |r| &r.username);
    sort_by_name(&mut out.two_fa_changes, |r| &r.username);
    out
}

/// Sorts case-insensitively by a name, then exactly (a stable, readable order).
pub(super) fn sort_by_name<T>(items: &mut [T], name: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| {
        let (a, b) = (name(a), name(b));
        a.to_lowercase().cmp(&b.to_lowercase()).then(a.cmp(b))
    });
}
