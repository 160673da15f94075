//! The reads `apply` makes before its calls: one listing for the calls
//! that share it (a model's accepted requests, the org's tokens, the org's
//! members for the role calls that keep no group), a search (or the
//! owner's tokens) for a lone call and for a role call that keeps groups,
//! a call decided from a listing whose fact changed since re-checked and
//! found already done, a failed listing not read again, and a role call
//! on a member listed without their groups not sent.

use std::process::Stdio;
use std::time::{Duration, Instant};

use super::{ORG, case, group_user, groups_of, plan, role_of, writes};
use crate::harness::{Case, Run, assert_code};
use crate::support::fake_hub::{Endpoint, Fault, FaultKind};

/// The reads of `apply` before its last write (the closing snapshot comes
/// after it), but `whoami`: `(path, query)`.
fn rereads(case: &Case) -> Vec<(String, String)> {
    let requests = case.hub.requests();
    let last_write = requests
        .iter()
        .rposition(|r| r.method != "GET")
        .expect("apply wrote");
    let mut reads: Vec<(String, String)> = requests[..last_write]
        .iter()
        .filter(|r| r.method == "GET" && r.path != "/api/whoami-v2")
        .map(|r| (r.path.clone(), r.query.clone()))
        .collect();
    reads.sort();
    reads
}

#[test]
fn calls_that_share_a_listing_read_it_once_and_a_lone_call_searches() {
    let case = case();
    let (run, out) = plan(&case, &[]);
    assert_code(&run, 0);
    case.hub.reset_requests();
    let applied = super::apply(&case, &out, &[]);
    assert_code(&applied, 0);
    assert!(
        applied.stdout.contains("8 done, 0 already done"),
        "{}",
        applied.stdout
    );
    // 8 calls: the model's two rejections share one listing, the three
    // revocations (two owners) the org's tokens, the three role calls the
    // members: each listing is one page.
    assert_eq!(writes(&case).len(), 8);
    assert_eq!(
        rereads(&case),
        [
            (
                "/api/models/acme/secret-model/user-access-request/accepted".to_string(),
                "limit=1000".to_string()
            ),
            (
                "/api/organizations/acme/members".to_string(),
                "limit=10000".to_string()
            ),
            (
                "/api/organizations/acme/settings/tokens".to_string(),
                "q=-status%3Arevoked&limit=100".to_string()
            ),
        ]
    );

    // One leaver: one call of each kind, each read by its own search.
    let case = super::case();
    let (run, out) = plan(&case, &["--subject", "carol"]);
    assert_code(&run, 0);
    case.hub.reset_requests();
    assert_code(&super::apply(&case, &out, &[]), 0);
    assert_eq!(writes(&case).len(), 3);
    let reads = rereads(&case);
    assert_eq!(reads.len(), 3, "{reads:?}");
    assert!(reads[0].1.contains("q=carol"), "{reads:?}");
    assert!(reads[1].1.contains("search=carol"), "{reads:?}");
    assert!(reads[2].1.contains("owner%3Acarol"), "{reads:?}");
}

#[test]
fn a_call_whose_fact_changed_since_its_listing_is_found_already_done() {
    let case = case();
    let (run, out) = plan(&case, &[]);
    assert_code(&run, 0);
    // bob's role call (the first) is slow; while it is in flight, carol
    // leaves the org: the members listing read before bob's call still
    // has her, her role call meets a 404, and her own search says gone.
    let child = apply_until_the_first_role_call(&case, &out);
    case.hub.with_world(|w| {
        let org = w.orgs.get_mut(ORG).unwrap();
        org.members.retain(|m| m.user != "carol");
        for g in org.resource_groups.iter_mut().flatten() {
            g.users.retain(|u| u.name != "carol");
        }
    });
    let run: Run = child.wait_with_output().expect("apply").into();
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("7 done, 1 already done, 0 failed"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("carol is no longer a member of acme (read again after the call failed"),
        "{}",
        run.stdout
    );
    let puts: Vec<(String, u16)> = case
        .hub
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .map(|r| (r.path, r.status))
        .collect();
    assert_eq!(puts.len(), 3, "{puts:?}");
    assert!(
        puts.iter()
            .any(|(p, s)| p.ends_with("/carol/role") && *s == 404)
    );
    assert_eq!(role_of(&case, "bob").as_deref(), Some("no_access"));
    assert_eq!(role_of(&case, "dave").as_deref(), Some("no_access"));
}

/// `apply --yes --concurrency 1` started with its first role call slowed
/// down (2 s): the child, once that call has reached the Hub.
fn apply_until_the_first_role_call(case: &Case, plan: &std::path::Path) -> std::process::Child {
    case.hub.add_fault(
        Fault::new(
            Endpoint::RoleChange,
            FaultKind::Slow(Duration::from_secs(2)),
        )
        .once(),
    );
    let child = case
        .command(&[
            "apply",
            plan.to_str().unwrap(),
            "--yes",
            "--concurrency",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run apply");
    let started = Instant::now();
    while !case.hub.requests().iter().any(|r| r.method == "PUT") {
        assert!(started.elapsed() < Duration::from_secs(60), "no role call");
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

#[test]
fn a_role_call_that_keeps_groups_reads_its_member_right_before_it_is_sent() {
    let case = case();
    // Group findings alone: bob and carol keep their role and any other
    // group, so each call sends the groups it keeps.
    let (run, out) = plan(&case, &["--rule", "departed_group_access"]);
    assert_code(&run, 0);
    case.hub.reset_requests();
    let child = apply_until_the_first_role_call(&case, &out);
    // While bob's call is in flight, carol joins infra: her call, sent
    // after, must keep it (the call replaces her groups).
    case.hub.with_world(|w| {
        let org = w.orgs.get_mut(ORG).unwrap();
        let infra = org
            .resource_groups
            .iter_mut()
            .flatten()
            .find(|g| g.name == "infra")
            .unwrap();
        infra.users.push(group_user("carol", "read"));
    });
    let run: Run = child.wait_with_output().expect("apply").into();
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("2 done, 0 already done"),
        "{}",
        run.stdout
    );
    assert_eq!(role_of(&case, "carol").as_deref(), Some("read"));
    assert_eq!(
        groups_of(&case, "carol"),
        [("infra".to_string(), "read".to_string())]
    );
    assert!(groups_of(&case, "bob").is_empty());
    // Each read by its own search, right before its call: no listing.
    let reads = rereads(&case);
    assert_eq!(reads.len(), 2, "{reads:?}");
    assert!(
        reads.iter().all(|(_, q)| q.starts_with("search=")),
        "{reads:?}"
    );
}

#[test]
fn a_listing_that_fails_is_not_read_again_and_each_call_reads_its_own() {
    let case = case();
    let (run, out) = plan(&case, &[]);
    assert_code(&run, 0);
    case.hub.reset_requests();
    // The members listing fails through every retry (1 + 3 attempts).
    case.hub
        .add_fault(Fault::new(Endpoint::Members, FaultKind::Status(500)).times(4));
    let run = super::apply(&case, &out, &["--retries", "3", "--concurrency", "1"]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("8 done, 0 already done, 0 failed"),
        "{}",
        run.stdout
    );
    let members: Vec<String> = rereads(&case)
        .into_iter()
        .filter(|(p, _)| p == "/api/organizations/acme/members")
        .map(|(_, q)| q)
        .collect();
    // The listing's four attempts, then one search per role call.
    let listings = members.iter().filter(|q| *q == "limit=10000").count();
    assert_eq!(listings, 4, "{members:?}");
    for user in ["bob", "carol", "dave"] {
        assert!(
            members.contains(&format!("search={user}&limit=100")),
            "{members:?}"
        );
    }
    assert_eq!(members.len(), 7, "{members:?}");
}

#[test]
fn a_role_call_on_a_member_listed_without_groups_sends_nothing() {
    let case = case();
    let (run, out) = plan(&case, &["--rule", "departed_group_access"]);
    assert_code(&run, 0);
    // The Hub lists the members without `resourceGroups` (optional in its
    // schema): the groups to keep are not known.
    case.hub.with_world(|w| {
        w.orgs.get_mut(ORG).unwrap().resource_groups = None;
    });
    case.hub.reset_requests();
    let run = super::apply(&case, &out, &[]);
    assert_code(&run, 3);
    assert!(
        run.stdout.contains("0 done, 0 already done, 2 failed"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout
            .matches("cannot tell the member's groups, nothing sent")
            .count(),
        2,
        "{}",
        run.stdout
    );
    assert!(writes(&case).is_empty(), "{:?}", writes(&case));
}
