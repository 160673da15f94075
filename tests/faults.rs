//! Faults the real Hub produces. After a transient fault the snapshot is
//! complete and exactly right; after a persistent one the run exits 3 and
//! records nothing. Features the plan lacks are recorded as unavailable.

use std::time::Duration;

use hfaudit::model::CollectorStatus;

use crate::harness::{Case, assert_code};
use crate::snapshot::assert_matches_hub;
use crate::support::fake_hub::{Endpoint, Fault, FaultKind, Org};
use crate::support::generate::{OrgSpec, generate_org, world_for};
use hfaudit::model::Collector;

/// Enterprise, so that every collector answers (service accounts too).
fn org() -> Org {
    generate_org(&OrgSpec {
        plan: Some("enterprise".into()),
        groups: 2,
        gated_repos: 3,
        accepted_per_repo: 4,
        pending: 1,
        service_accounts: 2,
        // The fault matrix checks invites against `pending-members`: an
        // older deployment that serves it.
        legacy_pending_members: true,
        ..OrgSpec::new("acme", 60)
    })
}

pub(crate) fn case_with_small_pages() -> Case {
    let mut world = world_for(vec![org()]);
    world.page_cap = 20;
    Case::new(world)
}

/// A fault whose body breaks the Hub's description (cut in half, not JSON).
pub fn malformed(kind: &FaultKind) -> bool {
    matches!(kind, FaultKind::Truncate | FaultKind::InvalidJson)
}

fn fault(endpoint: Endpoint, kind: FaultKind, skip: u32, times: Option<u32>) -> Fault {
    Fault {
        endpoint,
        kind,
        skip,
        times,
    }
}

/// Every transient fault, on the second page of members (and elsewhere):
/// the run succeeds and the snapshot is exactly the Hub's state.
#[test]
fn transient_faults_leave_a_complete_and_correct_snapshot() {
    let kinds = [
        FaultKind::RateLimited { reset_secs: 0 },
        FaultKind::RateLimitedBare,
        FaultKind::RetryAfter { secs: 0 },
        FaultKind::Status(500),
        FaultKind::Status(502),
        FaultKind::Status(503),
        FaultKind::Status(504),
        FaultKind::Status(408),
        FaultKind::Truncate,
        FaultKind::Reset,
        FaultKind::InvalidJson,
        FaultKind::Slow(Duration::from_secs(5)),
        FaultKind::DuplicateRows,
    ];
    for kind in kinds {
        let case = case_with_small_pages();
        let label = format!("{kind:?}");
        if malformed(&kind) {
            case.hub
                .expect_off_contract(Endpoint::Any, "a malformed body, on purpose");
        }
        case.hub
            .add_fault(fault(Endpoint::Members, kind.clone(), 1, Some(2)));
        case.hub
            .add_fault(fault(Endpoint::AccessRequests, kind.clone(), 1, Some(1)));
        let run = case.snapshot("acme", &["--timeout", "2"]);
        assert_eq!(run.code, 0, "{label}: {}", run.stderr);
        assert_eq!(case.complete("acme").len(), 1, "{label}");
        assert_matches_hub(&case, "acme");
        let retried = case
            .hub
            .requests()
            .iter()
            .filter(|r| r.path == "/api/organizations/acme/members")
            .count();
        assert!(
            retried >= 4,
            "{label}: three pages plus retries, got {retried}"
        );
    }
}

/// The same faults, never ending: exit 3, nothing recorded, a clear message.
#[test]
fn persistent_faults_record_nothing() {
    let kinds = [
        (FaultKind::Status(503), "503"),
        (FaultKind::RateLimitedBare, "429"),
        (FaultKind::Truncate, "cut off"),
        (FaultKind::Reset, "acme"),
        (FaultKind::InvalidJson, "not the JSON expected"),
        (FaultKind::LinkLoop, "points back to a page already read"),
        (FaultKind::DuplicateRows, "kept changing"),
        (FaultKind::Status(401), "401"),
        (FaultKind::Status(403), "403"),
    ];
    for (kind, message) in kinds {
        let case = case_with_small_pages();
        let label = format!("{kind:?}");
        if malformed(&kind) {
            case.hub
                .expect_off_contract(Endpoint::Members, "a malformed body, on purpose");
        }
        case.hub.add_fault(fault(Endpoint::Members, kind, 1, None));
        let run = case.snapshot("acme", &["--retries", "2", "--timeout", "2"]);
        assert_eq!(run.code, 3, "{label}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{label}: {}", run.stderr);
        assert!(run.stderr.contains("members"), "{label}: {}", run.stderr);
        assert!(case.complete("acme").is_empty(), "{label}");
        let leftovers: Vec<_> = std::fs::read_dir(case.store_dir().join("acme"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(
            leftovers.iter().all(|n| n.to_string_lossy() == ".lock"),
            "{label}: {leftovers:?}"
        );
    }
}

/// A persistent failure of an optional collector is still a failure: only
/// "the plan or token cannot" becomes unavailable.
#[test]
fn persistent_server_errors_on_optional_collectors_fail_the_run() {
    for endpoint in [
        Endpoint::ResourceGroups,
        Endpoint::AuditLog,
        Endpoint::Models,
        Endpoint::AccessRequests,
        Endpoint::PendingMembers,
    ] {
        let case = Case::new(world_for(vec![org()]));
        let label = format!("{endpoint:?}");
        case.hub
            .add_fault(fault(endpoint, FaultKind::Status(500), 0, None));
        let run = case.snapshot("acme", &["--retries", "1"]);
        assert_eq!(run.code, 3, "{label}: {}", run.stderr);
        assert!(case.complete("acme").is_empty(), "{label}");
    }
}

#[test]
fn missing_features_are_unavailable_with_the_reason() {
    let cases = [
        (Endpoint::ResourceGroups, 402, "resource_groups"),
        (Endpoint::ResourceGroups, 403, "resource_groups"),
        (Endpoint::AuditLog, 402, "events"),
        (Endpoint::AuditLog, 404, "events"),
        (Endpoint::AccessRequests, 403, "repo_access"),
        (Endpoint::Models, 404, "repo_access"),
    ];
    for (endpoint, status, collector) in cases {
        let case = Case::new(world_for(vec![org()]));
        let label = format!("{endpoint:?} {status}");
        case.hub
            .add_fault(fault(endpoint, FaultKind::Status(status), 0, None));
        let run = case.snapshot("acme", &[]);
        assert_eq!(run.code, 0, "{label}: {}", run.stderr);
        assert!(
            run.stdout.contains(collector),
            "{label}: summary names {collector}: {}",
            run.stdout
        );
        let snap = case.latest("acme");
        match snap.collectors.get(collector) {
            Some(CollectorStatus::Unavailable { reason }) => {
                assert!(reason.contains(&status.to_string()), "{label}: {reason}")
            }
            other => panic!("{label}: expected unavailable, got {other:?}"),
        }
        assert_eq!(
            snap.collector(Collector::Members),
            Some(&CollectorStatus::ok(snap.members.len()))
        );
    }
}

#[test]
fn rate_limit_reset_is_honoured() {
    let case = Case::new(world_for(vec![org()]));
    case.hub.add_fault(fault(
        Endpoint::Members,
        FaultKind::RateLimited { reset_secs: 1 },
        0,
        Some(1),
    ));
    let started = std::time::Instant::now();
    assert_code(&case.snapshot("acme", &[]), 0);
    // r=0;t=1 means: wait t+1 seconds, as the official client does.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_matches_hub(&case, "acme");
}

#[test]
fn invalid_token_is_exit_3_with_advice() {
    let mut case = Case::new(world_for(vec![org()]));
    case.token = "hf_not_a_real_token".into();
    let run = case.snapshot("acme", &[]);
    assert_code(&run, 3);
    assert!(run.stderr.contains("rejected the token"), "{}", run.stderr);
    assert!(run.stderr.contains("settings/tokens"), "{}", run.stderr);
    assert_eq!(case.hub.request_count(), 1, "whoami only");
}

#[test]
fn org_outside_the_token_is_exit_3() {
    let case = Case::new(world_for(vec![org()]));
    let run = case.snapshot("someone-else", &[]);
    assert_code(&run, 3);
    assert!(
        run.stderr.contains("not a member of the org"),
        "{}",
        run.stderr
    );
}

#[test]
fn fine_grained_token_without_org_read_is_exit_3() {
    use crate::support::fake_hub::{Scoped, TokenInfo};
    let case = Case::new(world_for(vec![org()]));
    let token = "hf_fine_grained_without_org_scope";
    case.hub.with_world(|w| {
        let admin = w.tokens.values().next().unwrap().clone();
        w.tokens.insert(
            token.into(),
            TokenInfo {
                role: "fineGrained".into(),
                scoped: vec![Scoped {
                    entity_type: "org".into(),
                    entity_name: "acme".into(),
                    permissions: vec!["repo.content.read".into()],
                }],
                ..admin
            },
        );
    });
    let mut case = case;
    case.token = token.into();
    let run = case.snapshot("acme", &[]);
    assert_code(&run, 3);
    assert!(run.stderr.contains("org.read"), "{}", run.stderr);
    assert!(case.complete("acme").is_empty());
}

#[test]
fn one_failing_org_does_not_stop_the_others() {
    let beta = generate_org(&OrgSpec {
        seed: 3,
        ..OrgSpec::new("beta", 5)
    });
    let case = Case::new(world_for(vec![org(), beta]));
    let run = case.run(&["snapshot", "--org", "nobody", "--org", "beta"]);
    // The org the token cannot see fails alone: beta is still recorded and
    // the exit code reports the failure.
    assert_code(&run, 3);
    assert_eq!(case.complete("beta").len(), 1);
    assert!(run.stdout.contains("beta: snapshot"), "{}", run.stdout);
}
