//! Unit tests of the pure diff: zero, one and many changes of each kind,
//! unavailable collectors, the table, and the choice of snapshots.

mod compare;
mod output;
mod select;
mod unavailable;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::model::*;

pub(super) fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
}

pub(super) fn member(name: &str, role: &str) -> Member {
    Member {
        hub_id: format!("id-{name}"),
        username: name.into(),
        fullname: None,
        role: Some(role.into()),
        two_fa: Some(true),
        verified_email: Some(format!("{name}@acme.example")),
        external: None,
        is_pro: None,
        resource_groups: vec![],
    }
}

pub(super) fn invite(invitee: &str, role: &str) -> Invite {
    Invite {
        invitee: invitee.into(),
        username: (!invitee.contains('@')).then(|| invitee.to_string()),
        email: invitee.contains('@').then(|| invitee.to_string()),
        fullname: None,
        role: Some(role.into()),
        source: InviteSource::PendingMembers,
        invited_at: None,
    }
}

pub(super) fn group(id: &str, name: &str) -> ResourceGroup {
    ResourceGroup {
        id: id.into(),
        name: name.into(),
        description: None,
        auto_join: false,
        repos: vec![],
        resources: vec![],
    }
}

pub(super) fn seat(group: &ResourceGroup, user: &str, role: &str) -> GroupMember {
    GroupMember {
        group_id: group.id.clone(),
        group_name: group.name.clone(),
        username: user.into(),
        fullname: None,
        role: Some(role.into()),
        added_by: None,
    }
}

pub(super) fn grant(repo: &str, user: &str) -> RepoAccess {
    RepoAccess {
        repo_type: "model".into(),
        repo: repo.into(),
        gated: "manual".into(),
        request_id: Some(format!("req-{repo}-{user}")),
        username: Some(user.into()),
        fullname: None,
        email: None,
        requested_at: None,
        reviewed_at: None,
        granted_by: Some("auditor".into()),
    }
}

pub(super) fn snap(day: u32) -> Snapshot {
    let mut s = Snapshot {
        org: "acme".into(),
        taken_at: at(day),
        endpoint: "http://hub".into(),
        ..Snapshot::default()
    };
    for c in Collector::ALL {
        s.collectors.insert(c.name().into(), CollectorStatus::ok(0));
    }
    s
}

pub(super) fn lacks(s: &mut Snapshot, collector: &str) {
    s.collectors.insert(
        collector.into(),
        CollectorStatus::Unavailable {
            reason: "the plan lacks it".into(),
        },
    );
}

pub(super) fn diff(a: &Snapshot, b: &Snapshot) -> Diff {
    compare(Sides {
        from: a,
        from_id: "A",
        to: b,
        to_id: "B",
    })
}

pub(super) fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| name(i).to_string()).collect()
}
