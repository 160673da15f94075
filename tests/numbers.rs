//! Numeric flags and settings: any value a user (or a typo) can give is
//! either used or refused with a usage error (exit 2); none panics. A
//! `--lock-wait` of u64::MAX used to panic computing the lock's deadline
//! ("overflow when adding duration to instant", exit 101).

use proptest::prelude::*;

use crate::harness::{Case, Run};
use crate::support::generate::{OrgSpec, generate_org, world_for};

/// Every numeric flag of `snapshot`, the command that takes them all.
const FLAGS: [&str; 6] = [
    "--lock-wait",
    "--timeout",
    "--retries",
    "--concurrency",
    "--max-body-mib",
    "--backoff-ms",
];

fn case() -> Case {
    Case::new(world_for(vec![generate_org(&OrgSpec::new("acme", 5))]))
}

#[track_caller]
fn assert_no_panic(run: &Run, label: &str) {
    assert_ne!(run.code, 101, "{label}: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{label}: {}", run.stderr);
    assert!(
        [0, 1, 2, 3].contains(&run.code),
        "{label}: exit {}: {}",
        run.code,
        run.stderr
    );
}

#[test]
fn huge_durations_are_usage_errors() {
    let case = case();
    for flag in ["--lock-wait", "--timeout"] {
        let run = case.snapshot("acme", &[flag, "18446744073709551615"]);
        assert_eq!(run.code, 2, "{flag}: {}", run.stderr);
        assert!(run.stderr.contains("must be"), "{flag}: {}", run.stderr);
        assert!(case.complete("acme").is_empty(), "{flag}: recorded");
    }
    let run = case.snapshot("acme", &["--retries", "4294967295"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    // In range, the same flags work.
    let run = case.snapshot("acme", &["--lock-wait", "604800", "--timeout", "86400"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_huge_lock_wait_in_the_config_is_refused_by_every_command_that_locks() {
    let case = case();
    assert_eq!(case.snapshot("acme", &[]).code, 0);
    std::fs::write(
        case.dir.path().join("hfaudit.toml"),
        "[hub]\nlock_wait_secs = 18446744073709551615\n",
    )
    .unwrap();
    let run = case.snapshot("acme", &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("lock_wait_secs"), "{}", run.stderr);
    let run = case.run(&["prune", "--keep-daily", "1", "--apply"]);
    assert_eq!(run.code, 2, "prune: {}", run.stderr);
    assert!(
        run.stderr.contains("lock_wait_secs"),
        "prune: {}",
        run.stderr
    );
    assert_eq!(case.complete("acme").len(), 1, "prune changed the store");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any text in any numeric flag: never a panic.
    #[test]
    fn no_numeric_flag_panics(
        flag in prop::sample::select(FLAGS.to_vec()),
        value in prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            Just(u64::MAX.to_string()),
            Just("18446744073709551616".to_string()),
            Just("-1".to_string()),
            Just("1e9".to_string()),
            Just(String::new()),
            Just("0".to_string()),
        ],
    ) {
        let case = case();
        let run = case.snapshot("acme", &[flag, &value]);
        assert_no_panic(&run, &format!("{flag} {value:?}"));
    }
}
