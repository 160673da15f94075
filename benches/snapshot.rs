//! Snapshot benchmark (not a timed test), in two parts.
//!
//! 1. A 7,000-member Enterprise org with 20 resource groups, 200 gated
//!    repos of 50 accepted requests each, 3 access tokens per member and 50
//!    service accounts (3 tokens each too), served by the fake Hub with 20 ms
//!    added to every request. Prints the wall time, the request count by
//!    endpoint against the minimum, the request floor (the longest chain of
//!    sequential round trips, with the tokens' role partitions) and the
//!    peak memory (max RSS) of the `hfaudit` runs.
//! 2. A 100,000-event audit-log export (a small org whose log is that long):
//!    the export's size, the wall time and the peak memory of the snapshot
//!    that reads it, and the events recorded.
//!
//! The fake Hub's contract check is off here: it times the client, not the
//! validator.
//!
//! `cargo bench --bench snapshot [-- --runs N --concurrency N --events N]`

#![allow(clippy::disallowed_macros)] // a program whose output is its point

use hfaudit_testkit as support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use hfaudit::hub::collect::{TOKEN_PARTITIONS as PARTITIONS, TOKENS_PAGE};
use support::fake_hub::{AuditEvent, FakeHub, MemberToken, World};
use support::generate::{ADMIN_TOKEN, OrgSpec, generate_org, rfc3339_ms, world_for};

const LATENCY: Duration = Duration::from_millis(20);
const ORG: &str = "bench-org";

fn pages(items: usize, page: usize) -> usize {
    items.div_ceil(page).max(1)
}

fn main() {
    let runs = support::number_arg("--runs", 5);
    let concurrency = support::number_arg("--concurrency", 8);
    let events = support::number_arg("--events", 100_000);
    // First, so that the peak memory read after it is its own.
    export_bench(events);
    org_bench(runs, concurrency);
}

/// Tokens per role partition of the collector (the last one: any other
/// role), in the collector's order.
fn tokens_by_partition(tokens: &[MemberToken]) -> Vec<usize> {
    let mut counts = vec![0; PARTITIONS.len()];
    for t in tokens {
        let i = match t.role.as_str() {
            "read" => 0,
            "write" => 1,
            "fineGrained" => 2,
            _ => 3,
        };
        counts[i] += 1;
    }
    counts
}

fn org_bench(runs: usize, concurrency: usize) {
    let spec = OrgSpec {
        plan: Some("enterprise".into()),
        groups: 20,
        gated_repos: 200,
        accepted_per_repo: 50,
        pending: 5,
        tokens_per_member: 3,
        service_accounts: 50,
        ..OrgSpec::new(ORG, 7000)
    };
    let org = generate_org(&spec);
    let models = org.models.len();
    let datasets = org.datasets.len();
    let tokens = org.tokens.clone().unwrap_or_default();
    let per_partition = tokens_by_partition(&tokens);
    let mut world = world_for(vec![org]);
    world.latency = LATENCY;
    world.judge_bodies = false;
    // Every run in one rate-limit window: the client would (rightly) pace
    // or wait for the reset once the Hub's 3,000 a window are spent.
    world.quota = 1_000_000;
    let page_cap = world.page_cap;
    let hub = FakeHub::start(world);

    // The fewest requests a client partitioning the tokens by role could
    // make against this server, by endpoint.
    let member_pages = pages(spec.members, page_cap.min(10_000));
    let token_pages: Vec<usize> = per_partition
        .iter()
        .map(|n| pages(*n, TOKENS_PAGE.min(page_cap)))
        .collect();
    let minimum: BTreeMap<&str, usize> = [
        ("whoami", 1),
        // The member count, which bounds the member pages.
        ("overview", 1),
        // Tried first for invitations (HUB_API: where a deployment offers
        // it); the real Hub answers 404.
        ("pending-members", 1),
        ("members", member_pages),
        ("resource-groups", 1),
        ("audit-log export", 1),
        ("service-accounts", 1),
        (
            "repo listings",
            pages(models, page_cap.min(500)) + pages(datasets, page_cap.min(500)),
        ),
        (
            "access requests",
            spec.gated_repos * pages(spec.accepted_per_repo, page_cap.min(1000)),
        ),
        // The whole listing's first page, then each partition's chain.
        ("tokens", 1 + token_pages.iter().sum::<usize>()),
    ]
    .into_iter()
    .collect();
    let minimum_total: usize = minimum.values().sum();
    // Sequential round trips: whoami, then the longest of the independent
    // chains: members' pages; the repo listing followed by the per-repo
    // calls `concurrency` at a time; the tokens' first page followed by the
    // longest partition (they run at once).
    let repo_chain = 1 + spec.gated_repos.div_ceil(concurrency);
    let token_chain = 1 + token_pages.iter().max().copied().unwrap_or(0);
    let round_trips = 1 + member_pages.max(repo_chain).max(token_chain);
    let floor = LATENCY * round_trips as u32;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut walls = Vec::new();
    let mut by_endpoint = BTreeMap::new();
    let mut requests = 0;
    for i in 0..runs {
        hub.reset_requests();
        let wall = snapshot(&hub, &dir.path().join("store"), concurrency, i);
        walls.push(wall);
        if i == 0 {
            let recorded = hub.requests();
            requests = recorded.len();
            for r in recorded {
                *by_endpoint.entry(endpoint_of(&r.path)).or_insert(0) += 1;
            }
        }
    }
    walls.sort();
    let median = walls[walls.len() / 2];
    println!(
        "snapshot benchmark: {} members, {} groups, {} gated repos x {} accepted, \
         {} tokens ({} per member and service account), {} service accounts, +{} ms/request",
        spec.members,
        spec.groups,
        spec.gated_repos,
        spec.accepted_per_repo,
        tokens.len(),
        spec.tokens_per_member,
        spec.service_accounts,
        LATENCY.as_millis()
    );
    println!("  concurrency          {concurrency}");
    println!(
        "  token partitions     {} (tokens: {:?}; pages of {TOKENS_PAGE}: {:?})",
        PARTITIONS.len(),
        per_partition,
        token_pages
    );
    println!(
        "  wall (median of {runs})  {:.0} ms   (min {:.0} ms, max {:.0} ms)",
        ms(median),
        ms(walls[0]),
        ms(*walls.last().unwrap())
    );
    println!(
        "  request floor        {:.0} ms   ({round_trips} sequential round trips x {} ms: \
         whoami, then the longest chain of members {member_pages}, repos {repo_chain}, \
         tokens {token_chain})",
        ms(floor),
        LATENCY.as_millis()
    );
    println!(
        "  wall / floor         {:.2}   (goal <= 1.20)",
        ms(median) / ms(floor)
    );
    println!("  requests             {requests}");
    println!("  minimum requests     {minimum_total}");
    println!(
        "  requests / minimum   {:.3} (goal <= 1.05)",
        requests as f64 / minimum_total as f64
    );
    println!("  by endpoint          made / minimum");
    let mut names: Vec<&str> = minimum.keys().copied().collect();
    names.extend(
        by_endpoint
            .keys()
            .copied()
            .filter(|k| !minimum.contains_key(k)),
    );
    for name in names {
        println!(
            "    {name:<20} {:>5} / {}",
            by_endpoint.get(name).copied().unwrap_or(0),
            minimum.get(name).copied().unwrap_or(0)
        );
    }
    println!(
        "  peak memory          {:.1} MiB (max RSS of all the hfaudit runs)",
        support::max_rss_children_kib() as f64 / 1024.0
    );
}

/// A small org whose audit log holds `events` events: one snapshot.
fn export_bench(events: usize) {
    let mut org = generate_org(&OrgSpec::new(ORG, 100));
    let log = org.audit_log.get_or_insert_with(Vec::new);
    let seed: Vec<AuditEvent> = log.clone();
    let start_ms = 1_767_225_600_000_i64; // 2026-01-01
    for i in log.len()..events {
        let mut e = seed[i % seed.len()].clone();
        e.id = format!("{:024x}", 0x6700_0000_0000_u64 + i as u64);
        e.created_at = rfc3339_ms(start_ms + i as i64 * 60_000);
        log.push(e);
    }
    log.truncate(events);
    let mut world: World = world_for(vec![org]);
    world.judge_bodies = false;
    let hub = FakeHub::start(world);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let wall = snapshot(&hub, &store, 8, 0);
    let export = hub
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/audit-log/export"))
        .count();
    let (rows, bytes) = recorded_events(&store);
    println!("audit-log export benchmark: {events} events in one export");
    println!(
        "  export body          {:.1} MiB ({export} request)",
        export_bytes(&hub) as f64 / (1 << 20) as f64
    );
    println!("  snapshot wall        {:.0} ms", ms(wall));
    println!(
        "  events recorded      {rows} (events.parquet {:.1} MiB)",
        bytes as f64 / (1 << 20) as f64
    );
    println!(
        "  peak memory          {:.1} MiB (max RSS of that hfaudit run)",
        support::max_rss_children_kib() as f64 / 1024.0
    );
}

/// The size of the audit-log export the fake Hub serves (fetched once more,
/// untimed).
fn export_bytes(hub: &FakeHub) -> usize {
    let path = format!("/api/organizations/{ORG}/audit-log/export");
    hub.get(&path, ADMIN_TOKEN).1.len()
}

/// Runs `hfaudit snapshot` of the bench org into `store`; its wall time.
fn snapshot(hub: &FakeHub, store: &Path, concurrency: usize, run: usize) -> Duration {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_hfaudit"))
        .args(["snapshot", "-q", "--org", ORG, "--concurrency"])
        .arg(concurrency.to_string())
        .arg("--store")
        .arg(store)
        .env("HF_ENDPOINT", hub.url())
        .env("HF_TOKEN", ADMIN_TOKEN)
        .output()
        .expect("run hfaudit");
    let wall = started.elapsed();
    assert!(
        out.status.success(),
        "run {run} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    wall
}

/// The events row count of the latest snapshot's manifest, and the size
/// of its events.parquet.
fn recorded_events(store: &Path) -> (u64, u64) {
    let org = store.join(ORG);
    let latest = std::fs::read_dir(&org)
        .expect("the org directory")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("manifest.json").is_file())
        .max()
        .expect("a snapshot");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(latest.join("manifest.json")).unwrap()).unwrap();
    let rows = manifest["collectors"]["events"]["rows"]
        .as_u64()
        .unwrap_or(0);
    let bytes = std::fs::metadata(latest.join("events.parquet"))
        .map(|m| m.len())
        .unwrap_or(0);
    (rows, bytes)
}

/// The endpoint a request path is for, as the bench names them.
fn endpoint_of(path: &str) -> &'static str {
    if path.ends_with("/whoami-v2") {
        "whoami"
    } else if path.ends_with("/overview") {
        "overview"
    } else if path.ends_with("/pending-members") {
        "pending-members"
    } else if path.ends_with("/members") {
        "members"
    } else if path.ends_with("/resource-groups") {
        "resource-groups"
    } else if path.ends_with("/audit-log/export") {
        "audit-log export"
    } else if path.ends_with("/service-accounts") {
        "service-accounts"
    } else if path.ends_with("/settings/tokens") {
        "tokens"
    } else if path.contains("/user-access-request/") {
        "access requests"
    } else if path == "/api/models" || path == "/api/datasets" || path == "/api/spaces" {
        "repo listings"
    } else {
        "other"
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
