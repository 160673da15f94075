//! Generated orgs are deterministic and look like real ones.

use crate::support::fake_hub::OrgMember;
use crate::support::generate::{AUDITOR, OrgSpec, generate_org, generate_org_at};

#[test]
fn generated_orgs_are_deterministic_and_realistic() {
    let now = 1_795_392_000_000; // 2026-11-23T00:00:00Z
    let mut spec = OrgSpec::new("acme", 500);
    (
        spec.groups,
        spec.gated_repos,
        spec.accepted_per_repo,
        spec.pending,
    ) = (4, 6, 10, 5);
    spec.legacy_pending_members = true;
    let acme = generate_org_at(&spec, now);
    assert_eq!(acme, generate_org_at(&spec, now));
    assert_ne!(
        acme.members,
        generate_org_at(
            &OrgSpec {
                seed: 2,
                ..spec.clone()
            },
            now
        )
        .members
    );

    assert_eq!(acme.members.len(), 500);
    assert_eq!(
        (
            acme.members[0].user.as_str(),
            acme.members[0].role.as_deref()
        ),
        (AUDITOR, Some("admin"))
    );
    let mut users: Vec<&str> = acme.members.iter().map(|m| m.user.as_str()).collect();
    users.sort_unstable();
    users.dedup();
    assert_eq!(users.len(), 500, "usernames repeat");
    assert!(
        acme.members
            .iter()
            .all(|m| m.user.is_ascii() && m.id.len() == 24)
    );
    let share =
        |f: &dyn Fn(&OrgMember) -> bool| acme.members.iter().filter(|m| f(m)).count() * 100 / 500;
    assert!(
        (5..=16).contains(&share(&|m| m.two_fa == Some(false))),
        "about 10% without 2FA"
    );
    assert!(
        (60..=78).contains(&share(&|m| m.verified_email.is_some())),
        "about 70% verified"
    );
    assert!((1..=10).contains(&share(&|m| m.role.as_deref() == Some("admin"))));
    assert!(
        acme.members
            .iter()
            .flat_map(|m| &m.verified_email)
            .all(|e| e.ends_with("@acme.example"))
    );

    let groups = acme
        .resource_groups
        .as_ref()
        .expect("a Team org has groups");
    assert_eq!(groups.len(), 4);
    assert!(
        groups
            .iter()
            .all(|g| !g.users.is_empty() && acme.member(&g.users[0].name).is_some())
    );
    let gated: Vec<&str> = acme
        .models
        .iter()
        .chain(&acme.datasets)
        .filter_map(|r| r.gated.as_deref())
        .collect();
    assert_eq!(gated.len(), 6);
    assert!(gated.contains(&"auto") && gated.contains(&"manual"));
    let grants: Vec<_> = acme.models.iter().flat_map(|r| &r.accepted).collect();
    assert!(
        grants
            .iter()
            .flat_map(|g| &g.user)
            .any(|u| acme.member(&u.user).is_none()),
        "some outsiders"
    );

    let pending = acme.pending_members.as_ref().expect("pending invitations");
    let log = acme.audit_log.as_ref().expect("an audit log");
    for invite in pending {
        assert!(acme.member(&invite.user).is_none());
        let event = log
            .iter()
            .find(|e| e.kind == "org.invite_user" && e.data["user"] == invite.user.as_str());
        assert!(
            event.is_some_and(
                |e| e.data["role"] == invite.role.as_str() && e.data["email"].is_string()
            )
        );
    }
    assert!(
        log.windows(2).all(|w| w[0].created_at >= w[1].created_at),
        "newest first"
    );
    assert!(
        log.iter().all(|e| e.created_at.as_str() >= "2026-05-07"),
        "within 200 days"
    );
    assert!(log.iter().any(|e| e.kind == "org.sso_login"));

    let free = generate_org(&OrgSpec {
        plan: None,
        ..OrgSpec::new("freeco", 3)
    });
    assert_eq!(
        (free.resource_groups, free.audit_log, free.pending_members),
        (None, None, None)
    );
}
