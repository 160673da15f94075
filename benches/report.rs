//! Report benchmark (not a timed test): `hfaudit report` on a 10,000-member
//! snapshot (20 resource groups, 200 gated repos × 50 grants, 21,800
//! audit-log events, 50 pending invites) against a 50,000-person roster:
//! the size of issue 12's large org, about 4,400 findings and a 12 MB
//! report.html.
//! Prints the wall time (median, min, max), the median of each phase as the
//! program logs it under `-vv` (inputs: the store and the roster read;
//! reconcile; render: every file rendered into its fsynced temporary file;
//! write: the manifest written and the set published), the
//! peak memory (max RSS) of the process, and the size of what it wrote.
//!
//! `cargo bench --bench report [-- --runs N] [-- --keep]` (`--keep` leaves
//! the store, the roster and the reports in place and prints where, to
//! profile or open them).

#![allow(clippy::disallowed_macros)] // a program whose output is its point

use hfaudit_testkit as support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::large_org::{self, ACTIVE, MEMBERS, PEOPLE, RECENT_EVENTS};

/// The phases `hfaudit report -vv` logs as `PHASE in N ms`, in order.
const PHASES: [(&str, &str); 4] = [
    ("inputs", "inputs read in "),
    ("reconcile", "reconciled in "),
    ("render", "reports rendered in "),
    ("write", "reports written in "),
];

/// The phase durations (ms) in one run's log; `None` for a phase it does
/// not log.
fn phases(stderr: &str) -> [Option<f64>; PHASES.len()] {
    PHASES.map(|(_, prefix)| {
        stderr.lines().find_map(|line| {
            let at = line.find(prefix)?;
            line[at + prefix.len()..].strip_suffix(" ms")?.parse().ok()
        })
    })
}

fn main() {
    let runs = support::number_arg("--runs", 5);
    let dir = tempfile::tempdir().expect("temp dir");
    large_org::write(dir.path());
    let roster_path = dir.path().join("roster.csv");

    let mut walls = Vec::new();
    let mut split: Vec<Vec<f64>> = vec![Vec::new(); PHASES.len()];
    for i in 0..runs {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_hfaudit"))
            .args([
                "report",
                "-vv",
                "--as-of",
                large_org::AS_OF,
                "--fail-on",
                "critical",
            ])
            .arg("--store")
            .arg(dir.path().join("store"))
            .arg("--roster")
            .arg(&roster_path)
            .arg("--out")
            .arg(dir.path().join("out"))
            .output()
            .expect("run hfaudit");
        walls.push(started.elapsed());
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "run {i} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (times, ms) in split
            .iter_mut()
            .zip(phases(&String::from_utf8_lossy(&out.stderr)))
        {
            times.extend(ms);
        }
    }
    walls.sort();
    let findings = std::fs::read_to_string(dir.path().join("out/findings.csv")).expect("findings");
    let html = std::fs::metadata(dir.path().join("out/report.html"))
        .expect("html")
        .len();
    println!(
        "report benchmark: {MEMBERS} members, {PEOPLE} roster people, 200 gated repos x 50, {} events",
        RECENT_EVENTS + MEMBERS - ACTIVE
    );
    println!(
        "  wall (median of {runs})  {:.0} ms   (min {:.0} ms, max {:.0} ms; goal <= 150 ms)",
        ms(walls[walls.len() / 2]),
        ms(walls[0]),
        ms(walls[walls.len() - 1])
    );
    let split: Vec<String> = PHASES
        .iter()
        .zip(&mut split)
        .map(|((name, _), times)| {
            times.sort_by(f64::total_cmp);
            match times.get(times.len() / 2) {
                Some(ms) => format!("{name} {ms:.0} ms"),
                None => format!("{name} n/a"),
            }
        })
        .collect();
    println!("  phases (medians)     {}", split.join(", "));
    println!(
        "  peak memory          {:.1} MiB (max RSS; goal < 300 MiB)",
        support::max_rss_children_kib() as f64 / 1024.0
    );
    println!("  findings             {}", findings.lines().count() - 1);
    if std::env::args().any(|a| a == "--keep") {
        println!("  kept in              {}", dir.keep().display());
    }
    println!(
        "  report.html          {:.1} MiB",
        html as f64 / 1024.0 / 1024.0
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
