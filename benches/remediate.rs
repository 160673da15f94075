//! Remediation benchmark (not a timed test): an Enterprise org with 200
//! leavers, each in 3 resource groups, with 5 accepted gated-model
//! requests and 2 tokens (plus 100 members who stay), behind a fake Hub
//! that takes 20 ms per request. Times `hfaudit plan` and `hfaudit apply
//! --yes` (its calls, then its closing snapshot, as `-vv` logs them) and
//! counts the requests against the minimum: one write per call.
//!
//! `cargo bench --bench remediate [-- --runs N]`; each run starts from a
//! fresh Hub and store.

#![allow(clippy::disallowed_macros)] // a program whose output is its point

use hfaudit_testkit as support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::fake_hub::{
    AccessGrant, AccessUser, FakeHub, Group, GroupUser, MemberToken, Org, OrgMember, Repo, World,
    fake_id,
};
use support::generate::{ADMIN_TOKEN, AUDITOR};

const LEAVERS: usize = 200;
const STAYING: usize = 100;
const GROUPS: usize = 10;
const GROUPS_EACH: usize = 3;
const MODELS: usize = 20;
const GRANTS_EACH: usize = 5;
const TOKENS_EACH: usize = 2;
const LATENCY: Duration = Duration::from_millis(20);

fn leaver(i: usize) -> String {
    format!("leaver-{i:03}")
}

fn world() -> World {
    let mut org = Org::new("acme");
    org.plan = Some("enterprise".into());
    org.members.push(OrgMember::new(AUDITOR, "admin"));
    let leavers: Vec<String> = (0..LEAVERS).map(leaver).collect();
    for u in &leavers {
        org.members.push(OrgMember::new(u, "write"));
    }
    for i in 0..STAYING {
        org.members
            .push(OrgMember::new(&format!("staying-{i:03}"), "write"));
    }
    let mut groups: Vec<Group> = (0..GROUPS)
        .map(|g| Group {
            id: fake_id(&format!("group:{g}")),
            name: format!("group-{g}"),
            description: String::new(),
            auto_join: false,
            users: Vec::new(),
            repos: Vec::new(),
            legacy_repos_field: false,
        })
        .collect();
    let mut models: Vec<Repo> = (0..MODELS)
        .map(|m| Repo::new(&format!("acme/model-{m:02}"), true, Some("manual")))
        .collect();
    let mut tokens = Vec::new();
    for (i, u) in leavers.iter().enumerate() {
        for k in 0..GROUPS_EACH {
            groups[(i + k * 3) % GROUPS].users.push(GroupUser {
                id: fake_id(u),
                name: u.clone(),
                fullname: u.clone(),
                role: "write".into(),
                added_by: AUDITOR.into(),
            });
        }
        for k in 0..GRANTS_EACH {
            models[(i + k * 4) % MODELS].accepted.push(AccessGrant {
                user: Some(AccessUser {
                    id: fake_id(u),
                    user: u.clone(),
                    fullname: u.clone(),
                    email: Some(format!("{u}@acme.example")),
                }),
                timestamp: "2026-02-01T10:00:00.000Z".into(),
                reviewed_at: "2026-02-02T10:00:00.000Z".into(),
                granted_by: AUDITOR.into(),
                reset_reason: None,
            });
        }
        for k in 0..TOKENS_EACH {
            tokens.push(MemberToken::new(u, &format!("t{k}"), "write"));
        }
    }
    org.resource_groups = Some(groups);
    org.models = models;
    org.tokens = Some(tokens);
    let mut world = World::single(org, ADMIN_TOKEN);
    world.quota = 6000; // Enterprise
    world
}

fn roster(path: &Path) {
    let mut text = String::from("email,full_name,status,termination_date,hf_username\n");
    text.push_str(&format!(
        "{AUDITOR}@acme.example,Auditor,active,,{AUDITOR}\n"
    ));
    for i in 0..LEAVERS {
        let u = leaver(i);
        text.push_str(&format!("{u}@acme.example,{u},terminated,2026-01-31,{u}\n"));
    }
    for i in 0..STAYING {
        let u = format!("staying-{i:03}");
        text.push_str(&format!("{u}@acme.example,{u},active,,{u}\n"));
    }
    std::fs::write(path, text).expect("roster");
}

fn hfaudit(hub: &FakeHub, dir: &Path, args: &[&str]) -> (Duration, String) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_hfaudit"))
        .args(args)
        .current_dir(dir)
        .env("HF_ENDPOINT", hub.url())
        .env("HF_TOKEN", ADMIN_TOKEN)
        .env("HFAUDIT_STORE", dir.join("store"))
        .output()
        .expect("run hfaudit");
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "hfaudit {args:?} failed ({:?}):\n{}\n{stderr}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout)
    );
    (took, stderr)
}

/// `PREFIX N ms` in a `-vv` log.
fn logged_ms(stderr: &str, prefix: &str) -> Option<f64> {
    stderr.lines().find_map(|line| {
        let at = line.find(prefix)?;
        line[at + prefix.len()..].strip_suffix(" ms")?.parse().ok()
    })
}

struct Figures {
    plan: Duration,
    apply: Duration,
    calls_ms: f64,
    closing_ms: f64,
    writes: usize,
    reads: usize,
    steps: usize,
}

fn one_run() -> Figures {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut world = world();
    world.latency = LATENCY;
    let hub = FakeHub::start(world);
    let d = dir.path();
    roster(&d.join("roster.csv"));
    hfaudit(&hub, d, &["snapshot", "--org", "acme"]);
    let plan_path = d.join("plan.json");
    let (plan, _) = hfaudit(
        &hub,
        d,
        &[
            "plan",
            "--org",
            "acme",
            "--roster",
            "roster.csv",
            "--out",
            plan_path.to_str().unwrap(),
        ],
    );
    let steps = hfaudit::remediate::file::read(&plan_path)
        .expect("plan")
        .plan
        .steps
        .len();
    hub.reset_requests();
    let (apply, log) = hfaudit(&hub, d, &["apply", "-vv", "plan.json", "--yes"]);
    let requests = hub.requests();
    let writes = requests.iter().filter(|r| r.method != "GET").count();
    Figures {
        plan,
        apply,
        calls_ms: logged_ms(&log, "calls applied in ").unwrap_or(f64::NAN),
        closing_ms: logged_ms(&log, "closing snapshot in ").unwrap_or(f64::NAN),
        writes,
        reads: requests.len() - writes,
        steps,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let runs = support::number_arg("--runs", 3);
    let minimum = LEAVERS * (1 + GRANTS_EACH + TOKENS_EACH);
    println!(
        "remediate: {LEAVERS} leavers × ({GROUPS_EACH} groups, {GRANTS_EACH} grants, {TOKENS_EACH} \
         tokens), {STAYING} staying; {} ms per request; {runs} run(s)",
        LATENCY.as_millis()
    );
    let figures: Vec<Figures> = (0..runs).map(|_| one_run()).collect();
    let secs = |f: &dyn Fn(&Figures) -> f64| median(figures.iter().map(f).collect());
    let f = &figures[0];
    println!(
        "  plan                {:>8.2} s median",
        secs(&|f| f.plan.as_secs_f64())
    );
    println!(
        "  apply               {:>8.2} s median (calls {:.2} s, closing snapshot {:.2} s)",
        secs(&|f| f.apply.as_secs_f64()),
        secs(&|f| f.calls_ms / 1000.0),
        secs(&|f| f.closing_ms / 1000.0)
    );
    println!(
        "  calls in the plan   {:>8} (minimum: one write each, {minimum})",
        f.steps
    );
    println!(
        "  requests of apply   {:>8} = {} writes + {} reads (re-reads, whoami, closing snapshot)",
        f.writes + f.reads,
        f.writes,
        f.reads
    );
    println!(
        "  peak memory         {:>8.1} MiB (max RSS of the hfaudit runs)",
        support::max_rss_children_kib() as f64 / 1024.0
    );
}
