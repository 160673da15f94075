//! `hfaudit snapshot` against a well-behaved fake Hub: the stored snapshot
//! is exactly what the Hub holds, however it pages.

use hfaudit::model::{CollectorStatus, Snapshot};

use crate::harness::{Case, assert_code};
use crate::support::fake_hub::{Endpoint, Org, World};
use crate::support::generate::{ADMIN_TOKEN, OrgSpec, generate_org, world_for};
use hfaudit::model::Collector;

/// Asserts the latest snapshot of `org` equals the Hub's state, field by field.
pub fn assert_matches_hub(case: &Case, org: &str) -> Snapshot {
    let snap = case.latest(org);
    let want: Org = case.hub.with_world(|w| w.orgs[org].clone());
    assert_eq!(snap.org, org);
    assert_eq!(snap.members.len(), want.members.len(), "member count");
    for (got, want) in snap.members.iter().zip(&want.members) {
        assert_eq!(got.username, want.user);
        assert_eq!(got.hub_id, want.id);
        assert_eq!(got.fullname.as_deref(), Some(want.fullname.as_str()));
        assert_eq!(got.role, want.role);
        assert_eq!(got.two_fa, want.two_fa);
        assert_eq!(got.verified_email, want.verified_email);
        assert_eq!(got.external, want.external);
    }
    if let Some(groups) = &want.resource_groups {
        assert_eq!(
            snap.collector(Collector::ResourceGroups).map(|c| c.is_ok()),
            Some(true)
        );
        let names: Vec<&str> = snap.groups.iter().map(|g| g.name.as_str()).collect();
        let want_names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, want_names);
        let users: usize = groups.iter().map(|g| g.users.len()).sum();
        assert_eq!(snap.group_members.len(), users, "group members");
    }
    let gated: Vec<_> = want
        .models
        .iter()
        .chain(&want.datasets)
        .filter(|r| r.gated.is_some())
        .collect();
    assert_eq!(snap.gated_repos.len(), gated.len(), "gated repos");
    let grants: usize = gated.iter().map(|r| r.accepted.len()).sum();
    assert_eq!(snap.repo_access.len(), grants, "accepted access requests");
    if let Some(log) = &want.audit_log {
        assert_eq!(snap.events.len(), log.len(), "audit-log events");
    }
    if let Some(tokens) = &want.tokens {
        assert_eq!(
            snap.collector(Collector::Tokens).map(|c| c.is_ok()),
            Some(true)
        );
        let mut got: Vec<&str> = snap.tokens.iter().map(|t| t.id.as_str()).collect();
        let mut want: Vec<&str> = tokens.iter().map(|t| t.id.as_str()).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "member tokens, revoked ones included");
    }
    if let Some(pending) = &want.pending_members {
        let mut got: Vec<&str> = snap.invites.iter().map(|i| i.invitee.as_str()).collect();
        let mut want: Vec<&str> = pending.iter().map(|p| p.user.as_str()).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "pending invites");
    }
    snap
}

fn org(members: usize) -> Org {
    generate_org(&OrgSpec {
        groups: 3,
        gated_repos: 4,
        accepted_per_repo: 5,
        pending: 2,
        // An older deployment with `pending-members`; the tests below take
        // it away to reach the other sources.
        legacy_pending_members: true,
        ..OrgSpec::new("acme", members)
    })
}

#[test]
fn zero_members() {
    let case = Case::new(world_for(vec![org(1)]));
    // The token's user still belongs to the org (whoami lists it) but the
    // member listing is empty, as for a token of an org being set up.
    case.hub.with_world(|w| {
        let o = w.orgs.get_mut("acme").unwrap();
        o.members.clear();
        for g in o.resource_groups.iter_mut().flatten() {
            g.users.clear();
        }
    });
    assert_code(&case.snapshot("acme", &[]), 0);
    let snap = case.latest("acme");
    assert!(snap.members.is_empty());
    // Without a role in the org, the Hub refuses access requests and the
    // audit log: recorded as unavailable, not as empty.
    assert!(!snap.collector(Collector::RepoAccess).unwrap().is_ok());
    assert!(!snap.collector(Collector::Events).unwrap().is_ok());
    assert_eq!(
        snap.collector(Collector::Members),
        Some(&CollectorStatus::ok(0))
    );
}

#[test]
fn one_member() {
    let case = Case::new(world_for(vec![org(1)]));
    let run = case.snapshot("acme", &[]);
    assert_code(&run, 0);
    assert!(run.stdout.contains("acme: snapshot"), "{}", run.stdout);
    assert_eq!(assert_matches_hub(&case, "acme").members.len(), 1);
}

#[test]
fn many_members_over_many_pages() {
    let mut world = world_for(vec![org(230)]);
    world.page_cap = 50;
    let case = Case::new(world);
    assert_code(&case.snapshot("acme", &[]), 0);
    assert_matches_hub(&case, "acme");
    let member_pages = case
        .hub
        .requests()
        .iter()
        .filter(|r| r.path == "/api/organizations/acme/members")
        .count();
    assert_eq!(member_pages, 5, "230 members at 50 a page");
    // The first request asked for the largest page the Hub allows.
    let first = case
        .hub
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/organizations/acme/members")
        .unwrap();
    assert!(first.query.contains("limit=10000"), "{}", first.query);
}

#[test]
fn offset_paged_deployment_without_link() {
    let mut world = world_for(vec![org(250)]);
    world.offset_paging = true;
    let case = Case::new(world);
    assert_code(&case.snapshot("acme", &[]), 0);
    assert_matches_hub(&case, "acme");
    let offsets: Vec<String> = case
        .hub
        .requests()
        .iter()
        .filter(|r| r.path == "/api/organizations/acme/members")
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(offsets.len(), 3, "{offsets:?}");
    assert!(
        offsets[1].contains("offset=100") && offsets[2].contains("offset=200"),
        "{offsets:?}"
    );
}

#[test]
fn several_orgs_each_get_a_snapshot() {
    let other = generate_org(&OrgSpec {
        seed: 7,
        ..OrgSpec::new("beta", 12)
    });
    let case = Case::new(world_for(vec![org(20), other]));
    let run = case.run(&["snapshot", "--org", "acme", "--org", "beta"]);
    assert_code(&run, 0);
    assert_matches_hub(&case, "acme");
    assert_matches_hub(&case, "beta");
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.contains(": snapshot "))
            .count(),
        2
    );
}

#[test]
fn each_run_appends_a_snapshot() {
    let case = Case::new(world_for(vec![org(10)]));
    assert_code(&case.snapshot("acme", &[]), 0);
    case.hub.with_world(|w| {
        let o = w.orgs.get_mut("acme").unwrap();
        o.members.truncate(5);
    });
    assert_code(&case.snapshot("acme", &[]), 0);
    let all = case.complete("acme");
    assert_eq!(all.len(), 2);
    assert_eq!(assert_matches_hub(&case, "acme").members.len(), 5);
    let first = case.store().load("acme", &all[0].snapshot_id).unwrap();
    assert_eq!(first.members.len(), 10);
}

#[test]
fn legacy_groups_field_and_hidden_requesters() {
    let mut o = org(15);
    for g in o.resource_groups.as_mut().unwrap() {
        g.legacy_repos_field = true;
    }
    for r in o.models.iter_mut().chain(o.datasets.iter_mut()) {
        for grant in &mut r.accepted {
            grant.user = None;
        }
    }
    let case = Case::new(world_for(vec![o]));
    case.hub.expect_off_contract(
        Endpoint::ResourceGroups,
        "an older deployment: `repos` without `resources`",
    );
    assert_code(&case.snapshot("acme", &[]), 0);
    let snap = assert_matches_hub(&case, "acme");
    assert!(snap.groups.iter().any(|g| !g.repos.is_empty()));
    assert!(snap.repo_access.iter().all(|a| a.username.is_none()));
}

#[test]
fn invites_fall_back_to_the_audit_log() {
    let mut o = org(10);
    let expected: Vec<String> = o
        .pending_members
        .take()
        .unwrap()
        .into_iter()
        .map(|p| p.user)
        .collect();
    assert!(!expected.is_empty());
    let case = Case::new(world_for(vec![o]));
    assert_code(&case.snapshot("acme", &[]), 0);
    let snap = case.latest("acme");
    let mut got: Vec<String> = snap.invites.iter().map(|i| i.invitee.clone()).collect();
    got.sort();
    let mut expected = expected;
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!(
        snap.collector(Collector::Invites),
        Some(&CollectorStatus::sourced(
            expected.len() as u64,
            Some("audit-log".into())
        ))
    );
}

#[test]
fn no_invite_source_is_unavailable_not_empty() {
    let mut o = org(10);
    o.pending_members = None;
    o.audit_log = None;
    let case = Case::new(world_for(vec![o]));
    assert_code(&case.snapshot("acme", &[]), 0);
    let snap = case.latest("acme");
    match snap.collector(Collector::Invites) {
        Some(CollectorStatus::Unavailable { reason }) => {
            assert!(
                reason.contains("pending-members") && reason.contains("audit log"),
                "{reason}"
            )
        }
        other => panic!("invites should be unavailable, got {other:?}"),
    }
    assert!(
        !case
            .store_dir()
            .join("acme")
            .read_dir()
            .unwrap()
            .any(|e| { e.unwrap().path().join("invites.parquet").exists() })
    );
}

#[test]
fn scim_provisioning_lists_invitations() {
    use crate::support::fake_hub::ScimUser;
    let mut o = org(6);
    o.pending_members = None;
    let mut scim: Vec<ScimUser> = o
        .members
        .iter()
        .map(|m| ScimUser {
            id: m.id.clone(),
            user_name: m.user.clone(),
            display_name: m.fullname.clone(),
            email: format!("{}@acme.example", m.user),
            active: true,
            member: true,
        })
        .collect();
    scim.push(ScimUser {
        id: "scim-new".into(),
        user_name: "new-hire".into(),
        display_name: "New Hire".into(),
        email: "new.hire@acme.example".into(),
        active: true,
        member: false,
    });
    o.scim_users = Some(scim);
    o.scim_token = Some("scim_org_token".into());
    let case = Case::new(world_for(vec![o]));
    let file = case.dir.path().join("scim-token");
    std::fs::write(&file, "scim_org_token").unwrap();
    assert_code(
        &case.snapshot("acme", &["--scim-token-file", file.to_str().unwrap()]),
        0,
    );
    let snap = case.latest("acme");
    assert_eq!(snap.invites.len(), 1);
    assert_eq!(snap.invites[0].username.as_deref(), Some("new-hire"));
    assert_eq!(
        snap.invites[0].email.as_deref(),
        Some("new.hire@acme.example")
    );
}

#[test]
fn read_role_records_gated_access_as_unavailable() {
    let world: World = world_for(vec![org(8)]);
    let case = Case::new(world);
    case.hub.with_world(|w| {
        let auditor = w.tokens[ADMIN_TOKEN].user.clone();
        let o = w.orgs.get_mut("acme").unwrap();
        for m in o.members.iter_mut().filter(|m| m.user == auditor) {
            m.role = Some("read".into());
        }
    });
    assert_code(&case.snapshot("acme", &[]), 0);
    let snap = case.latest("acme");
    assert!(matches!(
        snap.collector(Collector::RepoAccess),
        Some(CollectorStatus::Unavailable { reason }) if reason.contains("write or admin")
    ));
    // No doomed per-repo calls were made.
    assert!(
        !case
            .hub
            .requests()
            .iter()
            .any(|r| r.path.contains("user-access-request"))
    );
}
