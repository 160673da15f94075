//! Crash safety and concurrency: a killed run never leaves a snapshot that
//! looks complete, two runs on one org never interleave, and the store's
//! files are private.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use crate::harness::{Case, assert_code, files_below};
use crate::support::fake_hub::{Endpoint, Fault, FaultKind};
use crate::support::generate::{OrgSpec, generate_org, world_for};

fn big_case() -> Case {
    let world = world_for(vec![generate_org(&OrgSpec {
        groups: 5,
        gated_repos: 10,
        accepted_per_repo: 30,
        pending: 3,
        ..OrgSpec::new("acme", 3000)
    })]);
    Case::new(world)
}

/// Kills `hfaudit snapshot` with SIGKILL at points spread over a whole run
/// (fetching, writing, renaming): the store only ever holds complete,
/// checksum-valid snapshots, and the next run succeeds and cleans up.
#[test]
fn sigkill_at_any_point_leaves_no_complete_looking_snapshot() {
    let case = big_case();
    // Latency makes a run long and steady, so the kill points really spread
    // over fetching, writing and publishing.
    case.hub
        .with_world(|w| w.latency = Duration::from_millis(15));
    // How long does an undisturbed run take (the faster of two)?
    let mut full = Duration::MAX;
    for _ in 0..2 {
        let started = Instant::now();
        assert_code(&case.snapshot("acme", &[]), 0);
        full = full.min(started.elapsed());
    }
    assert_eq!(case.complete("acme").len(), 2);

    let points = 12;
    let mut killed = 0;
    for i in 0..points {
        let delay = full.mul_f64(i as f64 / points as f64 * 0.95);
        let mut child = case.spawn_snapshot("acme", &[]);
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        // Whatever happened, every snapshot listed is complete and valid
        // (`complete` panics on a damaged one).
        let listed = case.complete("acme");
        for m in &listed {
            case.store().load("acme", &m.snapshot_id).unwrap();
        }
    }
    assert!(
        killed >= points / 2,
        "only {killed} of {points} runs were killed in flight"
    );
    let before = case.complete("acme").len();
    assert_code(&case.snapshot("acme", &[]), 0);
    assert_eq!(case.complete("acme").len(), before + 1);
    let leftovers: Vec<_> = std::fs::read_dir(case.store_dir().join("acme"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temp dirs survived the next run: {leftovers:?}"
    );
}

#[test]
fn a_second_run_fails_clearly_while_the_first_holds_the_lock() {
    let case = big_case();
    // The first run is held up by a slow member listing, so it certainly
    // holds the lock while the second one starts.
    case.hub.add_fault(Fault {
        endpoint: Endpoint::Members,
        kind: FaultKind::Slow(Duration::from_secs(2)),
        skip: 0,
        times: Some(1),
    });
    let first = case.spawn_snapshot("acme", &[]);
    // Wait until the first run has the lock (it is taken before fetching).
    let lock = case.store_dir().join("acme").join(".lock");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !lock.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let second = case.snapshot("acme", &["--lock-wait", "0"]);
    assert_code(&second, 3);
    assert!(
        second.stderr.contains("another hfaudit run"),
        "{}",
        second.stderr
    );
    let first = first.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(case.complete("acme").len(), 1);
}

#[test]
fn a_second_run_waits_for_the_first() {
    let case = big_case();
    case.hub
        .with_world(|w| w.latency = Duration::from_millis(10));
    let first = case.spawn_snapshot("acme", &[]);
    let second = case.spawn_snapshot("acme", &["--lock-wait", "60"]);
    for child in [first, second] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let all = case.complete("acme");
    assert_eq!(all.len(), 2);
    assert_ne!(all[0].snapshot_id, all[1].snapshot_id);
}

#[test]
fn store_files_are_private() {
    let case = Case::new(world_for(vec![generate_org(&OrgSpec::new("acme", 5))]));
    assert_code(&case.snapshot("acme", &[]), 0);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&case.store_dir()), 0o700);
    assert_eq!(mode(&case.store_dir().join("acme")), 0o700);
    let files = files_below(&case.store_dir());
    assert!(files.iter().any(|f| f.ends_with("members.parquet")));
    for f in files {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
        assert_eq!(mode(f.parent().unwrap()), 0o700, "{}", f.display());
    }
}
