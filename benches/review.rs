//! Review benchmark (not a timed test): `hfaudit review start` on the large
//! org of the report bench (a 10,000-member snapshot, 20 resource groups,
//! 200 gated repos × 50 grants, 21,800 audit-log events, 50 pending
//! invites) against its 50,000-person roster with a manager column: 500
//! managers of 20 members each, the 103 members whose roster person has no
//! manager reviewed by the fallback reviewer. 10,000 lines in 501
//! worksheets (31.6 MiB with report.html and the population files).
//! The snapshot says it was read from a fake Hub started here, which
//! answers the one call `review start` makes (whoami).
//! Prints the wall time (median, min, max), the median of each phase as the
//! program logs it under `-vv` (inputs: the store and the roster read;
//! reconcile; population: the lines and their reviewers; render: the
//! worksheets, report.html and the population files in memory; write: the
//! campaign directory fsynced and published), the peak memory (max RSS) of
//! the process, and the lines, worksheets and bytes it wrote under
//! `STORE/_reviews/ID/`.
//!
//! `cargo bench --bench review [-- --runs N] [-- --keep]`; every run starts
//! from the store without `_reviews/` (`--keep` leaves the store, the
//! roster and the last run's campaign in place and prints where).

#![allow(clippy::disallowed_macros)] // a program whose output is its point

use hfaudit_testkit as support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use hfaudit::review::{CAMPAIGN, Campaign, REPORT_HTML, WORKSHEETS};
use support::fake_hub::{FakeHub, Org, World};
use support::generate::ADMIN_TOKEN;
use support::large_org::{self, MEMBERS, ORG, PEOPLE};

/// Roster managers; each reviews the members that report to them.
const MANAGERS: usize = 500;
/// The reviewer of the lines without a manager.
const FALLBACK: &str = "sec@acme.example";
const DUE: &str = "2026-12-31";

/// The phases `hfaudit review start -vv` logs as `PHASE in N ms`, in order.
const PHASES: [(&str, &str); 5] = [
    ("inputs", "inputs read in "),
    ("reconcile", "reconciled in "),
    ("population", "population built in "),
    ("render", "campaign rendered in "),
    ("write", "campaign written in "),
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

/// The large org in a scratch directory, read from a running fake Hub.
struct Setup {
    hub: FakeHub,
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        // The token's user is the org's admin; the org itself is never read.
        let hub = FakeHub::start(World::single(Org::new(ORG), ADMIN_TOKEN));
        let dir = tempfile::tempdir().expect("temp dir");
        large_org::write_with(
            dir.path(),
            &large_org::snapshot_from(&hub.url()),
            &large_org::roster_with_managers(MANAGERS),
        );
        Setup { hub, dir }
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn roster(&self) -> PathBuf {
        self.dir.path().join("roster.csv")
    }

    /// `hfaudit ARGS` against the fake Hub, in the scratch directory (no
    /// config file); the wall time and the process's stdout and stderr.
    fn hfaudit(&self, args: &[&str]) -> (Duration, String, String) {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_hfaudit"))
            .args(args)
            .arg("--store")
            .arg(self.store())
            .current_dir(self.dir.path())
            .env("HF_ENDPOINT", self.hub.url())
            .env("HF_TOKEN", ADMIN_TOKEN)
            .output()
            .expect("run hfaudit");
        let took = started.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "hfaudit {args:?} failed ({:?}):\n{stdout}\n{stderr}",
            out.status.code()
        );
        (took, stdout, stderr)
    }
}

/// What one `review start` wrote under `_reviews/ID/`.
struct Written {
    lines: usize,
    worksheets: usize,
    fallback_lines: usize,
    bytes: u64,
    worksheet_bytes: u64,
    report_html: u64,
}

impl Written {
    fn read(campaign_dir: &Path) -> Written {
        let campaign: Campaign = serde_json::from_slice(
            &std::fs::read(campaign_dir.join(CAMPAIGN)).expect("campaign.json"),
        )
        .expect("a campaign");
        Written {
            lines: campaign.lines,
            worksheets: campaign.worksheets.len(),
            fallback_lines: campaign
                .worksheets
                .iter()
                .filter(|w| w.reviewer == FALLBACK)
                .map(|w| w.lines)
                .sum(),
            bytes: bytes_below(campaign_dir),
            worksheet_bytes: bytes_below(&campaign_dir.join(WORKSHEETS)),
            report_html: std::fs::metadata(campaign_dir.join(REPORT_HTML))
                .expect("report.html")
                .len(),
        }
    }
}

/// The size of every file below `dir`.
fn bytes_below(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| {
            let e = e.expect("dir entry");
            let meta = e.metadata().expect("metadata");
            if meta.is_dir() {
                bytes_below(&e.path())
            } else {
                meta.len()
            }
        })
        .sum()
}

/// The only campaign in the store.
fn only_campaign(store: &Path) -> PathBuf {
    let ids: Vec<PathBuf> = std::fs::read_dir(store.join("_reviews"))
        .expect("_reviews")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(ids.len(), 1, "one campaign per run: {ids:?}");
    ids.into_iter().next().unwrap()
}

/// `review start` `runs` times, each on the store without `_reviews/`.
fn review_start(setup: &Setup, runs: usize) {
    let reviews = setup.store().join("_reviews");
    let roster = setup.roster();
    let mut walls = Vec::new();
    let mut split: Vec<Vec<f64>> = vec![Vec::new(); PHASES.len()];
    let mut written = None;
    for _ in 0..runs {
        if reviews.exists() {
            std::fs::remove_dir_all(&reviews).expect("remove _reviews");
        }
        let (wall, _, stderr) = setup.hfaudit(&[
            "review",
            "start",
            "-vv",
            "--org",
            ORG,
            "--as-of",
            large_org::AS_OF,
            "--roster",
            roster.to_str().expect("a UTF-8 path"),
            "--fallback-reviewer",
            FALLBACK,
            "--due",
            DUE,
        ]);
        walls.push(wall);
        for (times, ms) in split.iter_mut().zip(phases(&stderr)) {
            times.extend(ms);
        }
        let this = Written::read(&only_campaign(&setup.store()));
        if let Some(before) = &written {
            let before: &Written = before;
            assert_eq!(
                (before.lines, before.worksheets),
                (this.lines, this.worksheets),
                "every run reviews the same population"
            );
        }
        written = Some(this);
    }
    let w = written.expect("at least one run");
    walls.sort();
    println!(
        "review start: {MEMBERS} members, {PEOPLE} roster people, {MANAGERS} managers \
         (fallback {FALLBACK})"
    );
    println!(
        "  wall (median of {runs})  {:.0} ms   (min {:.0} ms, max {:.0} ms)",
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
        "  peak memory          {:.1} MiB (max RSS)",
        support::max_rss_children_kib() as f64 / 1024.0
    );
    println!(
        "  lines                {} ({} to the fallback reviewer)",
        w.lines, w.fallback_lines
    );
    println!(
        "  worksheets           {} (a CSV and an HTML each)",
        w.worksheets
    );
    println!(
        "  written              {:.1} MiB ({} bytes: worksheets {:.1} MiB, report.html {:.1} MiB)",
        mib(w.bytes),
        w.bytes,
        mib(w.worksheet_bytes),
        mib(w.report_html)
    );
}

fn main() {
    let runs = support::number_arg("--runs", 5);
    let setup = Setup::new();
    review_start(&setup, runs);
    if std::env::args().any(|a| a == "--keep") {
        println!("  kept in              {}", setup.dir.keep().display());
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}
