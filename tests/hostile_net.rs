//! A hostile network path: redirects, bodies and lists without end, `Link`
//! headers with credentials or the token in them. The token only ever goes
//! to the configured origin, a snapshot the Hub could not be read for
//! completely is never recorded (exit 3), and no URL is printed with the
//! token or credentials in it.

use std::time::{Duration, Instant};

use crate::harness::{Case, Run, assert_code};
use crate::snapshot::assert_matches_hub;
use crate::support::fake_hub::{Endpoint, FakeHub, Fault, FaultKind, Org};
use crate::support::generate::{ADMIN_TOKEN, OrgSpec, generate_org, world_for};

const REDIRECTS: [u16; 5] = [301, 302, 303, 307, 308];
const MEMBERS: &str = "/api/organizations/acme/members";

fn org(members: usize) -> Org {
    generate_org(&OrgSpec {
        gated_repos: 3,
        accepted_per_repo: 4,
        ..OrgSpec::new("acme", members)
    })
}

/// 60 members on pages of 20, 3 gated repos.
fn case() -> Case {
    let mut world = world_for(vec![org(60)]);
    world.page_cap = 20;
    Case::new(world)
}

fn snapshot(case: &Case, extra: &[&str]) -> Run {
    let mut args = vec!["--retries", "2", "--timeout", "10"];
    args.extend_from_slice(extra);
    case.snapshot("acme", &args)
}

/// Exit 3 and no snapshot, not even a partial one.
#[track_caller]
fn assert_failed_and_unrecorded(case: &Case, run: &Run, label: &str) {
    assert_eq!(run.code, 3, "{label}: {}", run.stderr);
    assert!(case.complete("acme").is_empty(), "{label}: recorded");
    let left: Vec<String> = std::fs::read_dir(case.store_dir().join("acme"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(left.iter().all(|n| n == ".lock"), "{label}: {left:?}");
}

/// A redirect to another port of 127.0.0.1 (a second server, which would
/// answer `[]`), on the members list and on a gated repo's access requests,
/// for every redirect status: refused, both URLs named, not retried, and
/// the other server never asked anything.
#[test]
fn redirects_to_another_origin_fail_the_snapshot_and_reach_nothing() {
    // The other server answers `[]` to anything, token or not: followed,
    // that would be a complete, empty member list.
    let other = FakeHub::start(world_for(vec![org(1)]));
    other.add_fault(Fault::new(
        Endpoint::Any,
        FaultKind::HugeBody {
            bytes: 2,
            announce: true,
        },
    ));
    for endpoint in [Endpoint::Members, Endpoint::AccessRequests] {
        for status in REDIRECTS {
            let label = format!("{status} on {endpoint:?}");
            let case = case();
            let to = format!("{}{{pq}}", other.url());
            case.hub
                .add_fault(Fault::new(endpoint, FaultKind::Redirect { status, to }));
            let run = snapshot(&case, &[]);
            assert_failed_and_unrecorded(&case, &run, &label);
            assert!(
                run.stderr.contains(&format!("{}/api/", case.hub.url())),
                "{label}: the redirecting URL is named: {}",
                run.stderr
            );
            assert!(
                run.stderr
                    .contains(&format!("redirected to {}/api/", other.url())),
                "{label}: the target is named: {}",
                run.stderr
            );
            assert!(
                run.stderr.contains("another host"),
                "{label}: {}",
                run.stderr
            );
            let mut redirected: Vec<String> = case
                .hub
                .requests()
                .into_iter()
                .filter(|r| r.status == status)
                .map(|r| format!("{}?{}", r.path, r.query))
                .collect();
            assert!(!redirected.is_empty(), "{label}: no redirect was sent");
            let sent = redirected.len();
            redirected.dedup();
            redirected.sort();
            redirected.dedup();
            assert_eq!(
                redirected.len(),
                sent,
                "{label}: a refused redirect is not retried"
            );
            assert!(
                other.requests().is_empty(),
                "{label}: the other server was asked: {:?}",
                other.requests()
            );
        }
    }
}

/// The same statuses to the same origin (a relative `Location`) are
/// followed, with the token, and the snapshot is the Hub's state.
#[test]
fn redirects_on_the_same_origin_are_followed() {
    for endpoint in [Endpoint::Members, Endpoint::AccessRequests] {
        for status in REDIRECTS {
            let label = format!("{status} on {endpoint:?}");
            let case = case();
            let to = "{pq}&moved=1".to_string();
            case.hub
                .add_fault(Fault::new(endpoint, FaultKind::Redirect { status, to }).once());
            let run = snapshot(&case, &[]);
            assert_code(&run, 0);
            assert_matches_hub(&case, "acme");
            let moved: Vec<_> = case
                .hub
                .requests()
                .into_iter()
                .filter(|r| r.query.contains("moved=1"))
                .collect();
            assert!(!moved.is_empty(), "{label}: the redirect was not followed");
            assert!(
                moved.iter().all(|r| r.authorization.as_deref()
                    == Some(format!("Bearer {ADMIN_TOKEN}").as_str())),
                "{label}: {moved:?}"
            );
        }
    }
}

/// A redirect back to the same URL, one chain longer than 5 hops, and one
/// to a URL with credentials: errors, not retried.
#[test]
fn redirect_loops_long_chains_and_credentials_are_errors() {
    let credentials = |case: &Case| {
        let host = case.hub.url().trim_start_matches("http://").to_string();
        format!("http://user:pw@{host}{{pq}}&x=1")
    };
    type Location = fn(&Case) -> String;
    let cases: [(&str, Location, &str, usize); 3] = [
        ("loop", |_| "{pq}".into(), "loops back", 1),
        (
            "chain",
            |_| "{pq}&moved=1".into(),
            "more than 5 redirects",
            6,
        ),
        ("credentials", credentials, "credentials", 1),
    ];
    for (label, to, message, requests) in cases {
        let case = case();
        let to = to(&case);
        case.hub.add_fault(Fault::new(
            Endpoint::Members,
            FaultKind::Redirect { status: 302, to },
        ));
        let run = snapshot(&case, &[]);
        assert_failed_and_unrecorded(&case, &run, label);
        assert!(run.stderr.contains(message), "{label}: {}", run.stderr);
        assert!(!run.stderr.contains("pw@"), "{label}: {}", run.stderr);
        assert_eq!(
            case.hub.requests_to(MEMBERS).len(),
            requests,
            "{label}: {:?}",
            case.hub.requests_to(MEMBERS)
        );
    }
}

/// A body larger than the cap, announced or not, on members and on access
/// requests: refused while it streams (an 8 GiB body is not read to its
/// end), exit 3, the URL and the cap named. Bodies under the cap are read.
#[test]
fn bodies_over_the_cap_are_refused_while_streaming() {
    const GIB: u64 = 1024 * 1024 * 1024;
    // The audit-log export is decoded while it streams in: the cap holds
    // there too.
    for endpoint in [
        Endpoint::Members,
        Endpoint::AccessRequests,
        Endpoint::AuditLog,
    ] {
        for announce in [false, true] {
            let label = format!("{endpoint:?}, announced: {announce}");
            let case = case();
            let kind = FaultKind::HugeBody {
                bytes: 8 * GIB,
                announce,
            };
            case.hub.add_fault(Fault::new(endpoint, kind));
            let started = Instant::now();
            let run = snapshot(&case, &["--max-body-mib", "1"]);
            assert_failed_and_unrecorded(&case, &run, &label);
            assert!(
                run.stderr.contains("larger than the cap of 1 MiB"),
                "{label}: {}",
                run.stderr
            );
            assert!(run.stderr.contains("/api/"), "{label}: {}", run.stderr);
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{label}: the body was read on after the cap"
            );
        }
    }
    // Under the cap: the ordinary answers of this org are far below 1 MiB.
    let case = case();
    assert_code(&snapshot(&case, &["--max-body-mib", "1"]), 0);
    assert_matches_hub(&case, "acme");
}

/// `hub.max_body_mib` in the config file sets the cap; 0 is refused.
#[test]
fn the_body_cap_is_read_from_the_config_file() {
    let case = case();
    let config = case.dir.path().join("hfaudit.toml");
    std::fs::write(&config, "[hub]\nmax_body_mib = 0\n").unwrap();
    let run = snapshot(&case, &[]);
    assert_code(&run, 2);
    assert!(run.stderr.contains("max_body_mib"), "{}", run.stderr);

    std::fs::write(&config, "[hub]\nmax_body_mib = 2\n").unwrap();
    case.hub.add_fault(Fault::new(
        Endpoint::Members,
        FaultKind::HugeBody {
            bytes: 3 * 1024 * 1024,
            announce: false,
        },
    ));
    let run = snapshot(&case, &[]);
    assert_failed_and_unrecorded(&case, &run, "config cap");
    assert!(
        run.stderr.contains("larger than the cap of 2 MiB"),
        "{}",
        run.stderr
    );
}

/// `Link` after `Link` to fresh pages of fresh rows: cut off once the pages
/// exceed what the overview's member count allows, exit 3, nothing recorded.
#[test]
fn an_endless_link_chain_is_cut_at_the_announced_length() {
    // 3 members announced; pages of 10 fresh rows: 1 page expected, 4 allowed.
    let case = Case::new(world_for(vec![org(3)]));
    case.hub.add_fault(Fault::new(
        Endpoint::Members,
        FaultKind::EndlessLink { pages: 300 },
    ));
    let run = snapshot(&case, &[]);
    assert_failed_and_unrecorded(&case, &run, "endless members");
    assert!(
        run.stderr.contains("keeps pointing to more pages")
            && run.stderr.contains("announced 3 rows"),
        "{}",
        run.stderr
    );
    assert_eq!(case.hub.requests_to(MEMBERS).len(), 4);
}

/// A `Link` with `user:pass@` on the Hub's own host is refused, and the
/// credentials are not printed.
#[test]
fn a_link_with_credentials_is_refused() {
    let case = case();
    let host = case.hub.url().trim_start_matches("http://").to_string();
    let link = format!("http://user:secretpw@{host}{MEMBERS}?limit=10000&cursor=6f3230");
    case.hub
        .add_fault(Fault::new(Endpoint::Members, FaultKind::Link(link)));
    let run = snapshot(&case, &[]);
    assert_failed_and_unrecorded(&case, &run, "userinfo");
    assert!(run.stderr.contains("credentials"), "{}", run.stderr);
    assert!(!run.stderr.contains("secretpw"), "{}", run.stderr);
    assert_eq!(case.hub.requests_to(MEMBERS).len(), 1);
}

/// The token inside a hostile `Link` (in the query, percent-encoded, as the
/// password of another host, on a URL the Hub then rejects) never reaches
/// stderr, debug logs included.
#[test]
fn tokens_in_hostile_urls_are_redacted() {
    let encoded: String = ADMIN_TOKEN.bytes().map(|b| format!("%{b:02X}")).collect();
    let links = [
        format!("http://127.0.0.1:1/steal?t={ADMIN_TOKEN}"),
        format!("http://x:{ADMIN_TOKEN}@127.0.0.1:1/steal"),
        format!("{{base}}{MEMBERS}?limit=10000&cursor={ADMIN_TOKEN}"),
        format!("{{base}}{MEMBERS}?limit=10000&cursor={encoded}"),
    ];
    for link in links {
        let case = case();
        case.hub
            .add_fault(Fault::new(Endpoint::Members, FaultKind::Link(link.clone())));
        let run = snapshot(&case, &["-vv"]);
        assert_failed_and_unrecorded(&case, &run, &link);
        assert!(
            !run.stderr.contains(ADMIN_TOKEN) && !run.stderr.contains(&encoded),
            "{link}: the token is printed:\n{}",
            run.stderr
        );
        assert!(!run.stdout.contains(ADMIN_TOKEN), "{link}: {}", run.stdout);
    }
}

/// The audit-log export has its own, longer timeout (5x `--timeout`) and is
/// decoded while it streams in: a slow export that would time out as an
/// ordinary request is read, a cut-off or broken one is retried, and what
/// is recorded is exactly the Hub's log.
#[test]
fn the_audit_log_export_gets_a_longer_timeout_and_a_streamed_decode() {
    // A slow export: 2.5 s before the headers, with --timeout 1.
    let c = case();
    c.hub.add_fault(Fault::new(
        Endpoint::AuditLog,
        FaultKind::Slow(Duration::from_millis(2500)),
    ));
    let run = c.snapshot("acme", &["--retries", "0", "--timeout", "1"]);
    assert_code(&run, 0);
    assert_matches_hub(&c, "acme");
    // The same delay on the member list is a timeout.
    let c = case();
    c.hub.add_fault(Fault::new(
        Endpoint::Members,
        FaultKind::Slow(Duration::from_millis(2500)),
    ));
    let run = c.snapshot("acme", &["--retries", "0", "--timeout", "1"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    // Cut off, or not JSON, once each: retried, then recorded whole.
    for kind in [
        FaultKind::Truncate,
        FaultKind::InvalidJson,
        FaultKind::Status(502),
    ] {
        let c = case();
        c.hub
            .add_fault(Fault::new(Endpoint::AuditLog, kind.clone()).once());
        c.hub
            .expect_off_contract(Endpoint::AuditLog, "a broken export, on purpose");
        let run = snapshot(&c, &[]);
        assert_code(&run, 0);
        assert_eq!(
            c.hub
                .requests_to("/api/organizations/acme/audit-log/export")
                .len(),
            2,
            "{kind:?}: one retry"
        );
        assert_matches_hub(&c, "acme");
    }
    // Always cut off: exit 3, nothing recorded.
    let c = case();
    c.hub
        .add_fault(Fault::new(Endpoint::AuditLog, FaultKind::Truncate));
    c.hub
        .expect_off_contract(Endpoint::AuditLog, "a cut-off export, on purpose");
    let run = snapshot(&c, &[]);
    assert_failed_and_unrecorded(&c, &run, "truncated export");
    assert!(run.stderr.contains("audit-log/export"), "{}", run.stderr);
}
