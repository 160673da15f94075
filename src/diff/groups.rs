//! Resource groups created, deleted or renamed, and who was added to or
//! removed from a group or changed role in it.
//!
//! Groups are matched by id. The members of a created or deleted group are
//! listed with the group rather than as one "added"/"removed" row each.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::members::sort_by_name;
use crate::model::{GroupMember, Role, Snapshot};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GroupChanges {
    pub created: Vec<GroupRef>,
    pub deleted: Vec<GroupRef>,
    pub renamed: Vec<GroupRenamed>,
    pub added: Vec<GroupMemberRef>,
    pub removed: Vec<GroupMemberRef>,
    pub role_changes: Vec<GroupRoleChange>,
}

/// A group with its members (usernames, sorted) as of the snapshot that
/// lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRenamed {
    pub id: String,
    pub from: String,
    pub to: String,
}

/// A user in a group (the group's name as of the snapshot that lists them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupMemberRef {
    pub group_id: String,
    pub group: String,
    pub username: String,
    pub role: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupRoleChange {
    pub group_id: String,
    pub group: String,
    pub username: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub escalation: bool,
    pub to_admin: bool,
}

impl GroupMemberRef {
    fn of(m: &GroupMember) -> GroupMemberRef {
        GroupMemberRef {
            group_id: m.group_id.clone(),
            group: m.group_name.clone(),
            username: m.username.clone(),
            role: m.role.clone(),
        }
    }
}

type Seats<'a> = BTreeMap<(String, String), &'a GroupMember>;

fn seats(members: &[GroupMember]) -> Seats<'_> {
    members
        .iter()
        .map(|m| ((m.group_id.clone(), m.username.to_lowercase()), m))
        .collect()
}

pub(super) fn compare(from: &Snapshot, to: &Snapshot) -> GroupChanges {
    let old_groups: BTreeMap<&str, &str> = from
        .groups
        .iter()
        .map(|g| (g.id.as_str(), g.name.as_str()))
        .collect();
    let new_groups: BTreeMap<&str, &str> = to
        .groups
        .iter()
        .map(|g| (g.id.as_str(), g.name.as_str()))
        .collect();
    let (old, new) = (seats(&from.group_members), seats(&to.group_members));
    let mut out = GroupChanges::default();

    let group_ref = |id: &str, name: &str, seats: &Seats<'_>| GroupRef {
        id: id.to_string(),
        name: name.to_string(),
        members: members_of(id, seats),
    };
    for (id, name) in &new_groups {
        match old_groups.get(id) {
            None => out.created.push(group_ref(id, name, &new)),
            Some(before) if before != name => out.renamed.push(GroupRenamed {
                id: id.to_string(),
                from: before.to_string(),
                to: name.to_string(),
            }),
            Some(_) => {}
        }
    }
    for (id, name) in &old_groups {
        if !new_groups.contains_key(id) {
            out.deleted.push(group_ref(id, name, &old));
        }
    }

    // Seats in groups that exist in both snapshots (members of created and
    // deleted groups are listed with the group).
    let in_both =
        |group_id: &str| old_groups.contains_key(group_id) && new_groups.contains_key(group_id);
    for (k, m) in &new {
        if !in_both(&k.0) {
            continue;
        }
        match old.get(k) {
            None => out.added.push(GroupMemberRef::of(m)),
            Some(before) if before.role != m.role => {
                let (escalation, to_admin) =
                    Role::escalation(before.role.as_deref(), m.role.as_deref());
                out.role_changes.push(GroupRoleChange {
                    group_id: m.group_id.clone(),
                    group: m.group_name.clone(),
                    username: m.username.clone(),
                    from: before.role.clone(),
                    to: m.role.clone(),
                    escalation,
                    to_admin,
                });
            }
            Some(_) => {}
        }
    }
    for (k, m) in &old {
        if in_both(&k.0) && !new.contains_key(k) {
            out.removed.push(GroupMemberRef::of(m));
        }
    }

    sort_by_name(&mut out.created, |g| &g.name);
    sort_by_name(&mut out.deleted, |g| &g.name);
    sort_by_name(&mut out.renamed, |g| &g.to);
    let by_group_then_user = |a: &GroupMemberRef, b: &GroupMemberRef| {
        (a.group.to_lowercase(), a.username.to_lowercase())
            .cmp(&(b.group.to_lowercase(), b.username.to_lowercase()))
    };
    out.added.sort_by(by_group_then_user);
    out.removed.sort_by(by_group_then_user);
    out.role_changes.sort_by(|a, b| {
        (a.group.to_lowercase(), a.username.to_lowercase())
            .cmp(&(b.group.to_lowercase(), b.username.to_lowercase()))
    });
    out
}

/// Usernames in group `id`, sorted case-insensitively.
fn members_of(id: &str, seats: &Seats<'_>) -> Vec<String> {
    let names: BTreeSet<(String, String)> = seats
        .iter()
        .filter(|((group_id, _), _)| group_id == id)
        .map(|((_, lower), m)| (lower.clone(), m.username.clone()))
        .collect();
    names.into_iter().map(|(_, name)| name).collect()
}
