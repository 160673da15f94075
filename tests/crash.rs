//! Crash safety and concurrency: a killed run never leaves a snapshot that
//! looks complete, two runs on one org never interleave, and the store's
//! files are private.

mod damaged;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use hfaudit::store::Listed;

use crate::harness::{Case, Run, assert_code, files_below};
use crate::snapshot::assert_matches_hub;
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

/// The org the kill loop snapshots: big enough that a run has distinct
/// phases (members, groups, per-repo requests, staged writes, publication),
/// small enough that 50+ runs fit in CI.
fn kill_case() -> Case {
    let mut world = world_for(vec![generate_org(&OrgSpec {
        groups: 4,
        gated_repos: 8,
        accepted_per_repo: 10,
        pending: 3,
        ..OrgSpec::new("acme", 800)
    })]);
    world.page_cap = 200;
    // Latency makes a run long and steady, so that timed kills spread over
    // fetching, writing and publishing.
    world.latency = Duration::from_millis(4);
    Case::new(world)
}

/// Where a run is killed.
#[derive(Clone, Debug)]
enum KillAt {
    /// SIGKILL from outside after this long.
    After(Duration),
    /// SIGKILL from inside at a fail point of `src/store/write.rs`
    /// (`HFAUDIT_TEST_FAULT=kill:NAME#N`).
    Point(String),
}

/// Runs `hfaudit snapshot` and kills it at `at`; whether it died by SIGKILL.
fn run_and_kill(case: &Case, at: &KillAt) -> bool {
    let mut cmd = case.command(&["snapshot", "--org", "acme", "--backoff-ms", "10"]);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    if let KillAt::Point(point) = at {
        cmd.env("HFAUDIT_TEST_FAULT", format!("kill:{point}"));
    }
    let mut child = cmd.spawn().expect("spawn hfaudit");
    if let KillAt::After(delay) = at {
        std::thread::sleep(*delay);
        // Not `child.kill()` on an exited child: it may be reaped already.
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
        }
    }
    let status = child.wait().unwrap();
    status.signal() == Some(libc::SIGKILL)
}

/// Every published snapshot is complete, checksum-valid, loadable and
/// exactly the Hub's content; returns how many there are.
fn assert_store_sound(case: &Case, at: &KillAt) -> usize {
    let listed = case
        .store()
        .list("acme")
        .unwrap_or_else(|e| panic!("{at:?}: cannot list the store: {e}"));
    let members = case.hub.with_world(|w| w.orgs["acme"].members.len());
    for l in &listed {
        match l {
            Listed::Complete(m) => {
                let snap = case.store().load("acme", &m.snapshot_id);
                let snap = snap.unwrap_or_else(|e| panic!("{at:?}: {e}"));
                assert_eq!(snap.members.len(), members, "{at:?}: {}", m.snapshot_id);
            }
            Listed::Damaged { id, reason } => panic!("{at:?}: damaged snapshot {id}: {reason}"),
        }
    }
    listed.len()
}

/// Kills `hfaudit snapshot` with SIGKILL at 50+ distinct points: at every
/// fail point of the publication (each data file, before and after the
/// rename) and at times spread over whole runs (fetching, staged writes,
/// publishing). After every kill the store holds only complete,
/// checksum-valid snapshots (one more only when the kill came after the
/// rename); the next run succeeds and sweeps what the killed ones left.
#[test]
fn sigkill_at_any_point_leaves_no_complete_looking_snapshot() {
    let case = kill_case();
    // How long does an undisturbed run take (the faster of two)?
    let mut full = Duration::MAX;
    for _ in 0..2 {
        let started = Instant::now();
        assert_code(&case.snapshot("acme", &[]), 0);
        full = full.min(started.elapsed());
    }
    assert_matches_hub(&case, "acme");
    let mut published = assert_store_sound(&case, &KillAt::After(Duration::ZERO));
    assert_eq!(published, 2);

    let mut points: Vec<(KillAt, bool)> = Vec::new();
    for n in 1..=6 {
        points.push((KillAt::Point(format!("data_file#{n}")), false));
    }
    points.push((KillAt::Point("before_rename#1".into()), false));
    points.push((KillAt::Point("after_rename#1".into()), true));
    // Spread over the first 85% of an undisturbed run: a later run that
    // goes faster than the measured one (less load from other tests) is
    // then still killed in flight, not missed (the rename and publish at
    // the end have their own kill points above).
    let timed = 44;
    for i in 0..timed {
        let delay = full.mul_f64(0.02 + 0.83 * i as f64 / timed as f64);
        points.push((KillAt::After(delay), false));
    }

    let mut killed = 0;
    for (at, publishes) in &points {
        let was_killed = run_and_kill(&case, at);
        killed += usize::from(was_killed);
        if let KillAt::Point(_) = at {
            assert!(was_killed, "{at:?}: the kill point was not reached");
        }
        let now = assert_store_sound(&case, at);
        match at {
            KillAt::Point(_) => {
                assert_eq!(now, published + usize::from(*publishes), "{at:?}");
            }
            // A timed kill may come before or after the rename, or miss a
            // run that already finished.
            KillAt::After(_) => assert!(now == published || now == published + 1, "{at:?}"),
        }
        published = now;
    }
    assert!(points.len() >= 50, "{} kill points", points.len());
    assert!(
        killed >= 40,
        "only {killed} of {} runs were killed in flight",
        points.len()
    );

    // The next run succeeds, is exact, and sweeps every temp dir.
    assert_code(&case.snapshot("acme", &[]), 0);
    assert_eq!(
        assert_store_sound(&case, &KillAt::After(Duration::ZERO)),
        published + 1
    );
    assert_matches_hub(&case, "acme");
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

/// A write that fails (a full disk: ENOSPC) at any step of publication,
/// the rename included, leaves nothing that looks like a snapshot, and the
/// message says what happened.
#[test]
fn a_full_disk_leaves_no_complete_looking_snapshot() {
    let case = Case::new(world_for(vec![generate_org(&OrgSpec {
        groups: 2,
        gated_repos: 2,
        accepted_per_repo: 2,
        ..OrgSpec::new("acme", 20)
    })]));
    for point in [
        "data_file#1",
        "data_file#4",
        "before_rename#1",
        "after_rename#1",
    ] {
        let run: Run = case
            .command(&["snapshot", "--org", "acme"])
            .env("HFAUDIT_TEST_FAULT", format!("fail:{point}"))
            .output()
            .unwrap()
            .into();
        assert_ne!(run.code, 0, "{point}: {}", run.stderr);
        assert!(
            run.stderr.contains("No space left on device"),
            "{point}: {}",
            run.stderr
        );
        assert!(case.complete("acme").is_empty(), "{point}");
        let left: Vec<_> = std::fs::read_dir(case.store_dir().join("acme"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .filter(|n| n != ".lock")
            .collect();
        assert!(left.is_empty(), "{point}: {left:?}");
    }
    assert_code(&case.snapshot("acme", &[]), 0);
    assert_eq!(case.complete("acme").len(), 1);
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

/// `hfaudit demo --out OUT`, with `HFAUDIT_TEST_FAULT` set to `fault`.
fn demo_into(out: &std::path::Path, fault: Option<&str>) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hfaudit"));
    cmd.arg("demo")
        .arg("--out")
        .arg(out)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", out.parent().unwrap())
        .stdin(Stdio::null());
    if let Some(fault) = fault {
        cmd.env("HFAUDIT_TEST_FAULT", fault);
    }
    cmd.output().expect("run hfaudit demo")
}

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// A report run SIGKILLed after renaming three of its six files leaves a
/// mixed set without `report-set.json` (so nothing certifies it) and its
/// temporary files; the next run removes those and publishes a whole set
/// whose manifest hashes match the files.
#[test]
fn a_report_killed_while_publishing_leaves_no_manifest_and_the_next_run_recovers() {
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let first = demo_into(&out, None);
    assert!(first.status.success(), "{first:?}");
    assert!(out.join("report-set.json").is_file());

    let killed = demo_into(&out, Some("kill:report-publish#3"));
    assert_eq!(killed.status.signal(), Some(libc::SIGKILL), "{killed:?}");
    let names = names_in(&out);
    assert!(!names.contains(&"report-set.json".to_string()), "{names:?}");
    let temps: Vec<&String> = names.iter().filter(|n| n.ends_with(".tmp")).collect();
    // Three files not yet renamed, and the manifest.
    assert_eq!(temps.len(), 4, "{names:?}");

    let again = demo_into(&out, None);
    assert!(again.status.success(), "{again:?}");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("left by an earlier run"),
        "the sweep is logged: {stderr}"
    );
    let names = names_in(&out);
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report-set.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 6);
    for f in files {
        let bytes = std::fs::read(out.join(f["name"].as_str().unwrap())).unwrap();
        assert_eq!(f["sha256"], hex::encode(Sha256::digest(&bytes)), "{f}");
    }
}
