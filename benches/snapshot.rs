//! Snapshot benchmark (not a timed test): a 7,000-member org with 20
//! resource groups and 200 gated repos of 50 accepted requests each, served
//! by the fake Hub with 20 ms added to every request. Prints the wall time,
//! the request count, the minimum request count, the request floor and the
//! peak memory (max RSS) of the `hfaudit` runs.
//!
//! `cargo bench --bench snapshot [-- --runs N --concurrency N]`

#![allow(clippy::disallowed_macros)] // a program whose output is its point

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::fake_hub::FakeHub;
use support::generate::{ADMIN_TOKEN, OrgSpec, generate_org, world_for};

const LATENCY: Duration = Duration::from_millis(20);

fn pages(items: usize, page: usize) -> usize {
    items.div_ceil(page).max(1)
}

fn main() {
    let runs = support::number_arg("--runs", 5);
    let concurrency = support::number_arg("--concurrency", 8);
    let spec = OrgSpec {
        groups: 20,
        gated_repos: 200,
        accepted_per_repo: 50,
        pending: 5,
        ..OrgSpec::new("bench-org", 7000)
    };
    let org = generate_org(&spec);
    let models = org.models.len();
    let datasets = org.datasets.len();
    let mut world = world_for(vec![org]);
    world.latency = LATENCY;
    let page_cap = world.page_cap;
    let hub = FakeHub::start(world);

    // The fewest requests any client could make against this server.
    let member_pages = pages(spec.members, page_cap.min(10_000));
    let listing_pages = pages(models, page_cap.min(500)) + pages(datasets, page_cap.min(500));
    let access_pages = spec.gated_repos * pages(spec.accepted_per_repo, page_cap.min(1000));
    // whoami + overview + members + resource-groups + audit log + pending-members
    let minimum = 1 + 1 + member_pages + 1 + 1 + 1 + listing_pages + access_pages;
    // Sequential round trips: whoami, then the longest of the independent
    // chains — members' pages, or the repo listing followed by the per-repo
    // calls `concurrency` at a time.
    let repo_chain = 1 + spec.gated_repos.div_ceil(concurrency);
    let round_trips = 1 + member_pages.max(repo_chain);
    let floor = LATENCY * round_trips as u32;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut walls = Vec::new();
    let mut requests = Vec::new();
    for i in 0..runs {
        hub.reset_requests();
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_hfaudit"))
            .args(["snapshot", "-q", "--org", "bench-org", "--concurrency"])
            .arg(concurrency.to_string())
            .arg("--store")
            .arg(dir.path().join("store"))
            .env("HF_ENDPOINT", hub.url())
            .env("HF_TOKEN", ADMIN_TOKEN)
            .output()
            .expect("run hfaudit");
        let wall = started.elapsed();
        assert!(
            out.status.success(),
            "run {i} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        walls.push(wall);
        requests.push(hub.request_count());
    }
    walls.sort();
    let median = walls[walls.len() / 2];
    let req = requests[0];
    println!(
        "snapshot benchmark: {} members, {} groups, {} gated repos x {} accepted, +{} ms/request",
        spec.members,
        spec.groups,
        spec.gated_repos,
        spec.accepted_per_repo,
        LATENCY.as_millis()
    );
    println!("  concurrency          {concurrency}");
    println!(
        "  wall (median of {runs})  {:.0} ms   (min {:.0} ms, max {:.0} ms)",
        ms(median),
        ms(walls[0]),
        ms(*walls.last().unwrap())
    );
    println!(
        "  request floor        {:.0} ms   ({round_trips} sequential round trips x {} ms)",
        ms(floor),
        LATENCY.as_millis()
    );
    println!(
        "  wall / floor         {:.2}   (goal <= 1.20)",
        ms(median) / ms(floor)
    );
    println!("  requests             {req}");
    println!("  minimum requests     {minimum}");
    println!(
        "  requests / minimum   {:.3} (goal <= 1.05)",
        req as f64 / minimum as f64
    );
    println!(
        "  peak memory          {:.1} MiB (max RSS of the hfaudit runs)",
        support::max_rss_children_kib() as f64 / 1024.0
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
