//! Report benchmark (not a timed test): `hfaudit report` on a 10,000-member
//! snapshot (20 resource groups, 200 gated repos × 50 grants, 21,800
//! audit-log events, 50 pending invites) against a 50,000-person roster:
//! the size of issue 12's large org, about 4,400 findings and a 12 MB
//! report.html.
//! Prints the wall time (median, min, max), the median of each phase as the
//! program logs it under `-vv` (inputs: the store and the roster read;
//! reconcile; render; write: temporary files fsynced and published), the
//! peak memory (max RSS) of the process, and the size of what it wrote.
//!
//! `cargo bench --bench report [-- --runs N] [-- --keep]` (`--keep` leaves
//! the store, the roster and the reports in place and prints where, to
//! profile or open them).

#![allow(clippy::disallowed_macros)] // a program whose output is its point

#[path = "../tests/support/mod.rs"]
mod support;

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use hfaudit::model::*;
use hfaudit::store::Store;

const MEMBERS: usize = 10_000;
const PEOPLE: usize = 50_000;
/// Members active in the last fortnight; the others are idle for 200 days.
const ACTIVE: usize = 8_200;
const RECENT_EVENTS: usize = 20_000;

fn user(i: usize) -> String {
    format!("user{i:05}")
}

fn snapshot() -> Snapshot {
    let taken_at = Utc.with_ymd_and_hms(2026, 11, 16, 7, 30, 0).unwrap();
    let roles = [
        "read",
        "read",
        "read",
        "write",
        "write",
        "contributor",
        "admin",
    ];
    let members: Vec<Member> = (0..MEMBERS)
        .map(|i| Member {
            hub_id: format!("{i:024x}"),
            username: user(i),
            fullname: Some(format!("Person Number{i}")),
            role: Some(roles[i % roles.len()].into()),
            two_fa: Some(i % 10 != 0),
            verified_email: (i % 5 == 1).then(|| format!("person.{i}@acme.example")),
            external: Some(false),
            is_pro: Some(false),
            resource_groups: vec![format!("group-{}", i % 20)],
        })
        .collect();
    let groups: Vec<ResourceGroup> = (0..20)
        .map(|g| ResourceGroup {
            id: format!("g{g}"),
            name: format!("group-{g}"),
            description: Some("a group".into()),
            auto_join: false,
            repos: vec![format!("model/acme/repo-{g}")],
            resources: Vec::new(),
        })
        .collect();
    let group_members = (0..MEMBERS)
        .map(|i| GroupMember {
            group_id: format!("g{}", i % 20),
            group_name: format!("group-{}", i % 20),
            username: user(i),
            fullname: None,
            role: Some("read".into()),
            added_by: Some("admin".into()),
        })
        .collect();
    let repo_access = (0..200 * 50)
        .map(|k| {
            let (repo, n) = (k / 50, k % 50);
            RepoAccess {
                repo_type: "model".into(),
                repo: format!("acme/gated-{repo}"),
                gated: "manual".into(),
                request_id: Some(format!("{k:024x}")),
                username: Some(if n < 40 {
                    user((repo * 37 + n * 101) % MEMBERS)
                } else {
                    format!("outsider{k}")
                }),
                fullname: None,
                email: (n >= 45).then(|| format!("someone{k}@university.example")),
                requested_at: Some(taken_at),
                reviewed_at: Some(taken_at),
                granted_by: Some("admin".into()),
            }
        })
        .collect();
    let invites = (0..50)
        .map(|i| Invite {
            invitee: format!("invitee{i}"),
            username: Some(format!("invitee{i}")),
            email: None,
            fullname: None,
            role: Some("read".into()),
            source: InviteSource::AuditLog,
            invited_at: Some(taken_at - chrono::Duration::days(i)),
        })
        .collect();
    // The last fortnight's logins by the first ACTIVE members; the others
    // last logged in 200 days ago (inactive_member findings).
    let recent =
        (0..RECENT_EVENTS).map(|i| (i, user(i % ACTIVE), chrono::Duration::minutes(i as i64)));
    let old = (ACTIVE..MEMBERS).map(|i| (RECENT_EVENTS + i, user(i), chrono::Duration::days(200)));
    let events = recent
        .chain(old)
        .map(|(i, author, ago)| Event {
            id: format!("{i:024x}"),
            created_at: taken_at - ago,
            kind: "org.sso_login".into(),
            message: Some("login".into()),
            author: Some(author),
            author_type: Some("user".into()),
            data: None,
        })
        .collect();
    let mut s = Snapshot {
        org: "bench-org".into(),
        taken_at,
        endpoint: "https://huggingface.co".into(),
        plan: Some("enterprise".into()),
        members,
        invites,
        groups,
        group_members,
        repo_access,
        gated_repos: (0..200)
            .map(|r| (format!("model/acme/gated-{r}"), "manual".into()))
            .collect(),
        events,
        ..Snapshot::default()
    };
    crate::support::all_collectors_ok(&mut s);
    s
}

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

/// 50,000 people: every member (most by hf_username, some only by the
/// verified email, some by nothing), 5% departed, plus 40,000 others.
fn roster() -> String {
    let mut out = String::from(
        "Employee ID,Full Name,Work Email,Employment Status,Termination Date,HF Username,Cost Center\n",
    );
    for i in 0..PEOPLE {
        let departed = i % 20 == 3;
        let (status, end) = if departed {
            ("Terminated", "2026-09-30")
        } else {
            ("Active", "")
        };
        let handle = if i < MEMBERS && i % 5 != 1 && i % 50 != 7 {
            user(i)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "E{i},Person Number{i},person.{i}@acme.example,{status},{end},{handle},CC-{}",
            i % 12
        );
    }
    out
}

fn main() {
    let runs = support::number_arg("--runs", 5);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::new(dir.path().join("store"));
    let lock = store.lock_org("bench-org", Duration::ZERO).expect("lock");
    store
        .write_snapshot(&lock, &snapshot(), "bench")
        .expect("write snapshot");
    drop(lock);
    let roster_path = dir.path().join("roster.csv");
    std::fs::write(&roster_path, roster()).expect("write roster");

    let mut walls = Vec::new();
    let mut split: Vec<Vec<f64>> = vec![Vec::new(); PHASES.len()];
    for i in 0..runs {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_hfaudit"))
            .args([
                "report",
                "-vv",
                "--as-of",
                "2026-11-16",
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
