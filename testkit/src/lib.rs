//! Test support shared by the integration tests, the examples and the
//! benches: a fake Hugging Face Hub, judged by the Hub's own OpenAPI
//! description, and a generator of realistic orgs. A crate of its own, so
//! that each user takes the part it needs without blanket lint allows.

pub mod cdp;
pub mod fake_hub;
pub mod generate;
pub mod large_org;

/// `--name N` from the command line of a bench or example, else `default`.
pub fn number_arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The peak resident memory (KiB) of the children waited for so far: what
/// the benches report for the `hfaudit` runs they start.
pub fn max_rss_children_kib() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage");
    // SAFETY: initialised by the successful call above.
    unsafe { usage.assume_init() }.ru_maxrss
}

/// Marks every collector of a generated snapshot `ok` with its row count.
pub fn all_collectors_ok(s: &mut hfaudit::model::Snapshot) {
    let counts = [
        ("members", s.members.len()),
        ("invites", s.invites.len()),
        ("resource_groups", s.groups.len()),
        ("repo_access", s.repo_access.len()),
        ("events", s.events.len()),
    ];
    for (c, n) in counts {
        s.collectors
            .insert(c.into(), hfaudit::model::CollectorStatus::ok(n));
    }
}
