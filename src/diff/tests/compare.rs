//! Comparing two snapshots, part by part.

use std::collections::BTreeMap;

use super::*;

#[test]
fn identical_snapshots_have_no_changes() {
    let mut a = snap(1);
    a.members = vec![member("alice", "admin"), member("bob", "read")];
    a.invites = vec![invite("newbie", "read")];
    let g = group("g1", "research");
    a.group_members = vec![seat(&g, "bob", "read")];
    a.groups = vec![g];
    a.repo_access = vec![grant("acme/m", "bob")];
    let mut b = a.clone();
    b.taken_at = at(2);
    let d = diff(&a, &b);
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(d.counts().len(), 16, "every kind counted, all zero");
    assert_eq!(d.from.snapshot_id, "A");
    assert_eq!(d.to.taken_at, "2026-03-02T12:00:00.000Z");
    let text = table::render(
        &BTreeMap::from([("acme".into(), OrgDiff::Compared(Box::new(d)))]),
        "s",
    );
    assert_eq!(text, "acme: A → B\n  no changes\n");
}

#[test]
fn members_joined_and_left_zero_one_many() {
    let mut a = snap(1);
    a.members = vec![member("alice", "admin")];
    let mut b = snap(2);
    b.members = a.members.clone();
    assert_eq!(diff(&a, &b).members.compared().unwrap().joined, vec![]);

    b.members.push(member("bob", "read"));
    let m = diff(&a, &b).members.compared().cloned().unwrap();
    assert_eq!(
        m.joined,
        vec![MemberRef {
            username: "bob".into(),
            fullname: None,
            role: Some("read".into())
        }]
    );
    assert!(m.left.is_empty());

    a.members
        .extend([member("Zed", "write"), member("eve", "read")]);
    b.members
        .extend([member("carol", "write"), member("Dave", "read")]);
    let m = diff(&a, &b).members.compared().cloned().unwrap();
    assert_eq!(names(&m.joined, |r| &r.username), ["bob", "carol", "Dave"]);
    assert_eq!(names(&m.left, |r| &r.username), ["eve", "Zed"]);
    assert!(m.role_changes.is_empty() && m.renamed.is_empty());
}

#[test]
fn renames_are_matched_by_hub_id_not_reported_as_join_and_leave() {
    let mut a = snap(1);
    a.members = vec![member("alice", "read")];
    let mut b = snap(2);
    let mut renamed = member("alice", "read");
    renamed.username = "alice-new".into();
    b.members = vec![renamed];
    let m = diff(&a, &b).members.compared().cloned().unwrap();
    assert!(m.joined.is_empty() && m.left.is_empty());
    assert_eq!(
        m.renamed,
        vec![Renamed {
            hub_id: "id-alice".into(),
            from: "alice".into(),
            to: "alice-new".into()
        }]
    );
}

#[test]
fn role_changes_mark_escalations_and_admin() {
    let mut a = snap(1);
    a.members = vec![
        member("up", "read"),
        member("admin", "write"),
        member("down", "admin"),
        member("odd", "weird"),
        member("same", "write"),
    ];
    let mut b = snap(2);
    b.members = vec![
        member("up", "write"),
        member("admin", "admin"),
        member("down", "read"),
        member("odd", "admin"),
        member("same", "write"),
    ];
    let m = diff(&a, &b).members.compared().cloned().unwrap();
    let got: Vec<(String, bool, bool)> = m
        .role_changes
        .iter()
        .map(|r| (r.username.clone(), r.escalation, r.to_admin))
        .collect();
    assert_eq!(
        got,
        [
            ("admin".to_string(), true, true),
            ("down".to_string(), false, false),
            ("odd".to_string(), true, true),
            ("up".to_string(), true, false),
        ]
    );
    assert_eq!(m.role_changes[0].from.as_deref(), Some("write"));
    assert_eq!(m.role_changes[0].to.as_deref(), Some("admin"));
    assert_eq!(
        crate::model::Role::escalation(None, Some("write")),
        (false, false)
    );
    assert_eq!(
        crate::model::Role::escalation(Some("admin"), Some("admin")),
        (false, false)
    );
    assert_eq!(
        crate::model::Role::escalation(Some("no_access"), Some("read")),
        (true, false)
    );
}

#[test]
fn two_fa_changes_only_when_both_snapshots_say() {
    let mut a = snap(1);
    a.members = vec![
        member("off", "read"),
        member("on", "read"),
        member("unknown", "read"),
    ];
    a.members[1].two_fa = Some(false);
    let mut b = a.clone();
    b.members[0].two_fa = Some(false);
    b.members[1].two_fa = Some(true);
    b.members[2].two_fa = None;
    let m = diff(&a, &b).members.compared().cloned().unwrap();
    assert_eq!(
        m.two_fa_changes,
        vec![
            TwoFaChange {
                username: "off".into(),
                from: true,
                to: false
            },
            TwoFaChange {
                username: "on".into(),
                from: false,
                to: true
            },
        ]
    );
}

#[test]
fn group_changes_zero_one_many() {
    let (research, infra, gone, fresh) = (
        group("g1", "research"),
        group("g2", "infra"),
        group("g3", "legacy"),
        group("g4", "ml-ops"),
    );
    let mut a = snap(1);
    a.groups = vec![research.clone(), infra.clone(), gone.clone()];
    a.group_members = vec![
        seat(&research, "bob", "read"),
        seat(&research, "carol", "read"),
        seat(&infra, "dave", "read"),
        seat(&gone, "eve", "write"),
    ];
    let mut b = a.clone();
    assert_eq!(
        diff(&a, &b).resource_groups.compared(),
        Some(&GroupChanges::default())
    );

    // One move: bob from research to infra.
    b.group_members.remove(0);
    b.group_members.push(seat(&infra, "bob", "write"));
    let g = diff(&a, &b).resource_groups.compared().cloned().unwrap();
    assert_eq!(names(&g.removed, |r| &r.username), ["bob"]);
    assert_eq!(g.removed[0].group, "research");
    assert_eq!(names(&g.added, |r| &r.username), ["bob"]);
    assert_eq!(g.added[0].group, "infra");
    assert_eq!(g.added[0].role.as_deref(), Some("write"));

    // Many: a group deleted, one created, one renamed, a role change.
    let renamed = group("g2", "infrastructure");
    b.groups = vec![research.clone(), renamed.clone(), fresh.clone()];
    b.group_members = vec![
        seat(&research, "carol", "admin"),
        seat(&renamed, "dave", "read"),
        seat(&renamed, "bob", "write"),
        seat(&fresh, "zed", "read"),
        seat(&fresh, "Amy", "write"),
    ];
    let g = diff(&a, &b).resource_groups.compared().cloned().unwrap();
    assert_eq!(
        g.created,
        vec![GroupRef {
            id: "g4".into(),
            name: "ml-ops".into(),
            members: vec!["Amy".into(), "zed".into()]
        }]
    );
    assert_eq!(
        g.deleted,
        vec![GroupRef {
            id: "g3".into(),
            name: "legacy".into(),
            members: vec!["eve".into()]
        }]
    );
    assert_eq!(
        g.renamed,
        vec![GroupRenamed {
            id: "g2".into(),
            from: "infra".into(),
            to: "infrastructure".into()
        }]
    );
    assert_eq!(names(&g.added, |r| &r.username), ["bob"]);
    assert_eq!(names(&g.removed, |r| &r.username), ["bob"]);
    assert_eq!(g.role_changes.len(), 1);
    let rc = &g.role_changes[0];
    assert_eq!(
        (rc.username.as_str(), rc.group.as_str()),
        ("carol", "research")
    );
    assert!(rc.escalation && rc.to_admin);
}

#[test]
fn invites_added_accepted_withdrawn() {
    let mut a = snap(1);
    a.members = vec![member("alice", "admin")];
    let mut b = a.clone();
    let inv = |d: &Diff| d.invites.compared().cloned().unwrap();
    assert_eq!(inv(&diff(&a, &b)), InviteChanges::default());

    b.invites = vec![invite("newbie", "read")];
    let i = inv(&diff(&a, &b));
    assert_eq!(
        i.added,
        vec![InviteRef {
            invitee: "newbie".into(),
            role: Some("read".into())
        }]
    );

    a.invites = vec![
        invite("newbie", "read"),
        invite("joiner", "write"),
        invite("mailed@acme.example", "read"),
        invite("ghost", "read"),
        invite("nobody@else.example", "read"),
    ];
    b.invites = vec![invite("newbie", "read"), invite("later", "write")];
    b.members.push(member("Joiner", "write"));
    b.members.push(member("mailed", "read")); // verified email mailed@acme.example
    let i = inv(&diff(&a, &b));
    assert_eq!(names(&i.added, |r| &r.invitee), ["later"]);
    assert_eq!(
        i.accepted,
        vec![
            AcceptedInvite {
                invitee: "joiner".into(),
                invited_role: Some("write".into()),
                member: "Joiner".into(),
                role: Some("write".into()),
            },
            AcceptedInvite {
                invitee: "mailed@acme.example".into(),
                invited_role: Some("read".into()),
                member: "mailed".into(),
                role: Some("read".into()),
            },
        ]
    );
    assert_eq!(
        names(&i.withdrawn, |r| &r.invitee),
        ["ghost", "nobody@else.example"]
    );
}

#[test]
fn gated_access_granted_and_gone() {
    let mut a = snap(1);
    a.gated_repos = BTreeMap::from([
        ("model/acme/m".into(), "manual".into()),
        ("model/acme/old".into(), "auto".into()),
    ]);
    let mut b = a.clone();
    let acc = |d: &Diff| d.gated_access.compared().cloned().unwrap();
    assert_eq!(acc(&diff(&a, &b)), AccessChanges::default());

    b.repo_access = vec![grant("acme/m", "bob")];
    let x = acc(&diff(&a, &b));
    assert_eq!(x.granted.len(), 1);
    assert_eq!(x.granted[0].username.as_deref(), Some("bob"));
    assert_eq!(x.granted[0].repo_still_gated, None);
    assert!(x.gone.is_empty());

    a.repo_access = vec![
        grant("acme/m", "eve"),
        grant("acme/old", "eve"),
        grant("acme/m", "Bob"), // same user, other case: no change
    ];
    b.repo_access = vec![
        grant("acme/m", "bob"),
        grant("acme/m", "carol"),
        grant("acme/new", "carol"),
    ];
    b.gated_repos.remove("model/acme/old");
    let x = acc(&diff(&a, &b));
    let pairs = |v: &[AccessRef]| -> Vec<(String, String)> {
        v.iter()
            .map(|r| (r.repo.clone(), r.username.clone().unwrap()))
            .collect()
    };
    assert_eq!(
        pairs(&x.granted),
        [
            ("acme/m".to_string(), "carol".to_string()),
            ("acme/new".to_string(), "carol".to_string())
        ]
    );
    assert_eq!(
        pairs(&x.gone),
        [
            ("acme/m".to_string(), "eve".to_string()),
            ("acme/old".to_string(), "eve".to_string())
        ]
    );
    assert_eq!(x.gone[0].repo_still_gated, Some(true));
    assert_eq!(x.gone[1].repo_still_gated, Some(false));
}

/// The Hub sends no request id: hidden requesters' requests are told apart
/// by when they were made. Zero, one and many of them change.
#[test]
fn hidden_requesters_are_known_by_request_time() {
    let hidden = |day: u32| RepoAccess {
        request_id: None,
        username: None,
        requested_at: Some(at(day)),
        ..grant("acme/m", "nobody")
    };
    let mut a = snap(1);
    a.gated_repos = BTreeMap::from([("model/acme/m".into(), "manual".into())]);
    let mut b = a.clone();
    a.repo_access = vec![hidden(1), hidden(2), hidden(3)];
    let acc = |d: &Diff| d.gated_access.compared().cloned().unwrap();
    let counts = |b: &Snapshot| {
        let x = acc(&diff(&a, b));
        (x.granted.len(), x.gone.len())
    };
    b.repo_access = a.repo_access.clone();
    assert_eq!(counts(&b), (0, 0));
    b.repo_access = vec![hidden(1), hidden(3)];
    assert_eq!(counts(&b), (0, 1));
    b.repo_access = vec![hidden(4), hidden(5)];
    assert_eq!(counts(&b), (2, 3));
}
