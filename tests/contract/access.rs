//! Access requests as the Hub sends them: no `requestId`, `grantedBy` a
//! full user or `{}`, and `reset` requests, which are not access.

use crate::harness::{Case, assert_code};
use crate::support::fake_hub::{AccessGrant, AccessUser, Org, OrgMember, Repo, fake_id};
use crate::support::generate::world_for;

fn grant(user: &str, by: &str, reset: Option<&str>) -> AccessGrant {
    AccessGrant {
        user: Some(AccessUser {
            id: fake_id(user),
            user: user.into(),
            fullname: user.into(),
            email: None,
        }),
        timestamp: "2026-03-01T10:00:00.000Z".into(),
        reviewed_at: "2026-03-02T10:00:00.000Z".into(),
        granted_by: by.into(),
        reset_reason: reset.map(str::to_string),
    }
}

/// Zero, one and many reset requests among accepted ones: only the
/// accepted are access, whoever granted them.
#[test]
fn reset_requests_are_not_access() {
    for resets in [0usize, 1, 3] {
        let mut org = Org::new("acme");
        org.members.push(OrgMember::new("alice", "write"));
        let mut repo = Repo::new("acme/llm", true, Some("manual"));
        repo.accepted.push(grant("bob", "auditor", None));
        repo.accepted.push(grant("carol", "", None));
        for i in 0..resets {
            repo.accepted.push(grant(
                &format!("reset-{i}"),
                "auditor",
                Some("the gate changed"),
            ));
        }
        org.models.push(repo);
        let case = Case::new(world_for(vec![org]));
        assert_code(&case.snapshot("acme", &[]), 0);
        let snap = case.latest("acme");
        let mut users: Vec<&str> = snap
            .repo_access
            .iter()
            .filter_map(|a| a.username.as_deref())
            .collect();
        users.sort();
        assert_eq!(users, ["bob", "carol"], "{resets} resets");
        let by: Vec<Option<&str>> = snap
            .repo_access
            .iter()
            .map(|a| a.granted_by.as_deref())
            .collect();
        assert!(
            by.contains(&Some("auditor")) && by.contains(&None),
            "{by:?}"
        );
        assert!(snap.repo_access.iter().all(|a| a.request_id.is_none()));
    }
}
