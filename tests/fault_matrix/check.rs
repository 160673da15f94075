//! What each row's outcome is checked against: the fake Hub's own content,
//! the baseline findings, and an empty store.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{Duration, Utc};
use hfaudit::model::CollectorStatus;
use serde_json::Value;

use crate::harness::{Case, files_below};
use crate::support::fake_hub::Org;

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

/// The collectors each rule reads, besides `members`: a rule whose
/// collector is unavailable must produce nothing.
const FED_BY: &[(&str, &str)] = &[
    ("departed_group_access", "resource_groups"),
    ("departed_gated_access", "repo_access"),
    ("departed_invite", "invites"),
    ("stale_invite", "invites"),
    ("inactive_member", "events"),
    ("late_revocation", "events"),
    ("role_escalation", "events"),
];

/// The latest snapshot holds exactly what the Hub holds, collector by
/// collector; those in `unavailable` are recorded so, with no rows.
pub fn exactly_the_hub(case: &Case, unavailable: &[&str]) -> Result<(), String> {
    let complete = case.complete("acme");
    ensure!(complete.len() == 1, "{} complete snapshots", complete.len());
    let snap = case.latest("acme");
    let want: Org = case.hub.with_world(|w| w.orgs["acme"].clone());
    for (name, status) in &snap.collectors {
        let expected_unavailable = unavailable.contains(&name.as_str());
        ensure!(
            matches!(status, CollectorStatus::Unavailable { .. }) == expected_unavailable,
            "collector {name}: {status:?}"
        );
    }
    let ok = |c: &str| !unavailable.contains(&c);

    let got: Vec<_> = snap
        .members
        .iter()
        .map(|m| {
            let fields = (&m.hub_id, m.fullname.as_deref(), &m.role, m.two_fa);
            (
                m.username.clone(),
                format!("{fields:?} {:?}", m.verified_email),
            )
        })
        .collect();
    let expected: Vec<_> = want
        .members
        .iter()
        .map(|m| {
            let fields = (&m.id, Some(m.fullname.as_str()), &m.role, m.two_fa);
            (m.user.clone(), format!("{fields:?} {:?}", m.verified_email))
        })
        .collect();
    ensure!(got == expected, "members differ from the Hub's");

    let groups = want.resource_groups.clone().unwrap_or_default();
    let got: BTreeSet<_> = snap
        .group_members
        .iter()
        .map(|g| (g.group_name.clone(), g.username.clone()))
        .collect();
    let expected: BTreeSet<_> = groups
        .iter()
        .flat_map(|g| g.users.iter().map(|u| (g.name.clone(), u.name.clone())))
        .filter(|_| ok("resource_groups"))
        .collect();
    ensure!(got == expected, "group members: {got:?} != {expected:?}");
    ensure!(
        snap.groups.len()
            == if ok("resource_groups") {
                groups.len()
            } else {
                0
            },
        "{} groups",
        snap.groups.len()
    );

    let got: BTreeSet<_> = snap
        .repo_access
        .iter()
        .map(|r| (r.repo.clone(), r.username.clone()))
        .collect();
    let expected: BTreeSet<_> = want
        .models
        .iter()
        .chain(&want.datasets)
        .filter(|r| r.gated.is_some() && ok("repo_access"))
        .flat_map(|r| {
            r.accepted
                .iter()
                .map(|g| (r.id.clone(), g.user.as_ref().map(|u| u.user.clone())))
        })
        .collect();
    ensure!(got == expected, "repo access: {got:?} != {expected:?}");
    ensure!(
        !expected.is_empty() || !ok("repo_access"),
        "no grants to check"
    );

    let got: BTreeSet<_> = snap.events.iter().map(|e| e.id.clone()).collect();
    let expected: BTreeSet<_> = want
        .audit_log
        .iter()
        .flatten()
        .filter(|_| ok("events"))
        .map(|e| e.id.clone())
        .collect();
    ensure!(
        got == expected,
        "{} events, want {}",
        got.len(),
        expected.len()
    );

    let got: BTreeSet<_> = snap.invites.iter().map(|i| i.invitee.clone()).collect();
    let expected: BTreeSet<_> = want
        .pending_members
        .iter()
        .flatten()
        .filter(|_| ok("invites"))
        .map(|p| p.user.clone())
        .collect();
    ensure!(got == expected, "invites: {got:?} != {expected:?}");

    let got: BTreeSet<_> = snap
        .service_accounts
        .iter()
        .map(|a| a.username.clone())
        .collect();
    let expected: BTreeSet<_> = want
        .service_accounts
        .iter()
        .flatten()
        .filter(|_| ok("service_accounts"))
        .map(|a| a.user.clone())
        .collect();
    ensure!(got == expected, "service accounts: {got:?} != {expected:?}");
    Ok(())
}

/// Exit 3 recorded nothing: no snapshot directory, no temp directory.
pub fn nothing_recorded(case: &Case) -> Result<(), String> {
    ensure!(case.complete("acme").is_empty(), "a snapshot was recorded");
    let leftovers: Vec<_> = std::fs::read_dir(case.store_dir().join("acme"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    ensure!(
        leftovers.iter().all(|n| n.to_string_lossy() == ".lock"),
        "leftovers in the store: {leftovers:?}"
    );
    // And a report has nothing to read: it says so, and writes nothing.
    let (code, out) = run_report(case);
    ensure!(code == 2, "report on an empty store exited {code}");
    ensure!(
        files_below(&out).is_empty(),
        "report wrote {:?}",
        files_below(&out)
    );
    Ok(())
}

/// The report's findings are the baseline's minus those fed by an
/// unavailable collector, and it says what it could not check.
pub fn findings(
    case: &Case,
    baseline: &BTreeSet<(String, String)>,
    unavailable: &[&str],
) -> Result<(), String> {
    let (got, unchecked) = report(case);
    let fed_by_missing = |rule: &str| {
        FED_BY
            .iter()
            .any(|(r, c)| *r == rule && unavailable.contains(c))
    };
    let expected: BTreeSet<_> = baseline
        .iter()
        .filter(|(rule, _)| !fed_by_missing(rule))
        .cloned()
        .collect();
    let wrong: Vec<_> = got.difference(&expected).collect();
    let lost: Vec<_> = expected.difference(&got).collect();
    ensure!(wrong.is_empty(), "wrong findings: {wrong:?}");
    ensure!(lost.is_empty(), "lost findings: {lost:?}");
    let mut want: Vec<&str> = unavailable.to_vec();
    want.sort();
    ensure!(
        unchecked == want,
        "the report says it could not check {unchecked:?}, want {want:?}"
    );
    Ok(())
}

/// Runs `hfaudit report`; its exit code and output directory.
fn run_report(case: &Case) -> (i32, PathBuf) {
    let roster = write_roster(case);
    let out = case.dir.path().join("out");
    let today = Utc::now().date_naive().to_string();
    let run = case.run(&[
        "report",
        "--roster",
        roster.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--as-of",
        &today,
        "--stale-invite-days",
        "3650",
    ]);
    (run.code, out)
}

/// `(rule, subject)` of every finding, and the collectors the report says
/// it could not check (from findings.json), sorted.
pub fn report(case: &Case) -> (BTreeSet<(String, String)>, Vec<String>) {
    let (code, out) = run_report(case);
    assert!(code == 0 || code == 1, "report exited {code}");
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("findings.json")).unwrap()).unwrap();
    let findings = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (text(&f["rule"]), text(&f["subject"])))
        .collect();
    let mut unchecked: Vec<String> = json["orgs"][0]["unavailable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| text(&u["collector"]))
        .collect();
    unchecked.sort();
    (findings, unchecked)
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// Every member and every grantee, one in three departed a month ago.
fn write_roster(case: &Case) -> PathBuf {
    let want: Org = case.hub.with_world(|w| w.orgs["acme"].clone());
    let mut users: Vec<String> = want.members.iter().map(|m| m.user.clone()).collect();
    for repo in want.models.iter().chain(&want.datasets) {
        for grant in &repo.accepted {
            if let Some(u) = &grant.user
                && !users.contains(&u.user)
            {
                users.push(u.user.clone());
            }
        }
    }
    let left = (Utc::now() - Duration::days(30)).date_naive().to_string();
    let mut text = String::from("email,status,termination_date,hf_username\n");
    for (i, user) in users.iter().enumerate() {
        let gone = i % 3 == 1;
        text.push_str(&format!(
            "{user}@acme.example,{},{},{user}\n",
            if gone { "terminated" } else { "active" },
            if gone { left.as_str() } else { "" },
        ));
    }
    let path = case.dir.path().join("roster.csv");
    std::fs::write(&path, text).unwrap();
    path
}
