//! `hfaudit run`, the cron entry point: snapshot every org, report, exit
//! code; a failing org does not stop the others; bad input is exit 2 before
//! the Hub is touched; `hfaudit.toml` alone drives a run.

use std::path::PathBuf;

use crate::harness::{Case, Run, assert_code};
use crate::support::generate::{ADMIN_TOKEN, OrgSpec, generate_org, world_for};

/// A Hub with `acme` (4 members) and `beta` (3), everyone with 2FA.
pub(crate) fn two_org_case() -> Case {
    let orgs = [("acme", 4, 1), ("beta", 3, 2)].map(|(name, n, seed)| {
        let mut org = generate_org(&OrgSpec {
            seed,
            ..OrgSpec::new(name, n)
        });
        for m in org.members.iter_mut() {
            m.two_fa = Some(true);
        }
        org
    });
    Case::new(world_for(orgs.into()))
}

/// A roster naming every member of every org as active, except `departed`.
pub(crate) fn write_roster(case: &Case, departed: &[&str]) -> PathBuf {
    let mut text =
        String::from("email,full_name,status,termination_date,hf_username,cost_center\n");
    let mut users: Vec<String> = case.hub.with_world(|w| {
        w.orgs
            .values()
            .flat_map(|o| o.members.iter().map(|m| m.user.clone()))
            .collect()
    });
    users.sort();
    users.dedup();
    for user in users {
        let gone = departed.contains(&user.as_str());
        text.push_str(&format!(
            "{user}@acme.example,Person {user},{},{},{user},CC-1\n",
            if gone { "terminated" } else { "active" },
            if gone { "2026-01-31" } else { "" },
        ));
    }
    let path = case.dir.path().join("roster.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// A member of `org` other than the auditor.
pub(crate) fn some_member(case: &Case, org: &str) -> String {
    case.hub.with_world(|w| {
        w.orgs[org]
            .members
            .iter()
            .find(|m| m.user != "auditor")
            .unwrap()
            .user
            .clone()
    })
}

pub(crate) fn out_dir(case: &Case) -> PathBuf {
    case.dir.path().join("out")
}

/// `hfaudit run --org acme --org beta --roster … --out …` plus `extra`.
pub(crate) fn run(case: &Case, extra: &[&str]) -> Run {
    run_command(case, extra)
        .output()
        .expect("run hfaudit")
        .into()
}

/// The command [`run`] runs, for adding environment.
pub(crate) fn run_command(case: &Case, extra: &[&str]) -> std::process::Command {
    let roster = case.dir.path().join("roster.csv");
    let out = out_dir(case);
    let mut args = vec![
        "run",
        "--org",
        "acme",
        "--org",
        "beta",
        "--roster",
        roster.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--backoff-ms",
        "10",
    ];
    args.extend_from_slice(extra);
    case.command(&args)
}

fn reported_orgs(case: &Case) -> Vec<(String, String)> {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir(case).join("findings.json")).unwrap())
            .unwrap();
    json["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["org"].as_str().unwrap().to_string(),
                o["snapshot_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn run_snapshots_every_org_then_reports() {
    let case = two_org_case();
    write_roster(&case, &[]);
    let run = run(&case, &[]);
    assert_code(&run, 0);
    let acme = case.complete("acme");
    let beta = case.complete("beta");
    assert_eq!((acme.len(), beta.len()), (1, 1));
    assert_eq!(
        reported_orgs(&case),
        vec![
            ("acme".to_string(), acme[0].snapshot_id.clone()),
            ("beta".to_string(), beta[0].snapshot_id.clone()),
        ]
    );
    for file in ["report.html", "findings.csv", "seats.csv", "access.csv"] {
        assert!(out_dir(&case).join(file).is_file(), "{file}");
    }
    assert!(!run.stdout.contains("no fresh snapshot"), "{}", run.stdout);

    // A departed admin-or-member is a finding at or above high: exit 1.
    let gone = some_member(&case, "beta");
    write_roster(&case, &[&gone]);
    assert_code(&self::run(&case, &[]), 1);
    assert_eq!(case.complete("beta").len(), 2);
}

#[test]
fn a_failing_org_is_reported_and_the_others_still_run() {
    let case = two_org_case();
    let gone = some_member(&case, "acme");
    write_roster(&case, &[&gone]);
    assert_code(&run(&case, &[]), 1);
    let old_beta = case.complete("beta")[0].snapshot_id.clone();

    // The token loses beta: its snapshot fails, acme's still runs, and the
    // report covers both (beta from the store), exit 3 beating exit 1.
    lose_org(&case, "beta");
    let second = run(&case, &[]);
    assert_code(&second, 3);
    assert!(second.stderr.contains("beta"), "{}", second.stderr);
    assert!(
        second.stdout.contains("beta: no fresh snapshot"),
        "{}",
        second.stdout
    );
    assert!(
        !second.stdout.contains("acme: no fresh"),
        "{}",
        second.stdout
    );
    assert_eq!(case.complete("acme").len(), 2);
    assert_eq!(case.complete("beta").len(), 1);
    let orgs = reported_orgs(&case);
    assert_eq!(orgs[0].1, case.complete("acme")[1].snapshot_id);
    assert_eq!(orgs[1], ("beta".to_string(), old_beta));
}

#[test]
fn an_org_never_snapshotted_is_left_out_and_none_at_all_is_exit_3() {
    let case = two_org_case();
    write_roster(&case, &[]);
    lose_org(&case, "beta");
    let first = run(&case, &[]);
    assert_code(&first, 3);
    assert!(
        first.stdout.contains("none in the store"),
        "{}",
        first.stdout
    );
    assert_eq!(reported_orgs(&case).len(), 1);

    case.hub
        .with_world(|w| w.tokens.get_mut(ADMIN_TOKEN).unwrap().orgs.clear());
    std::fs::remove_dir_all(case.store_dir()).unwrap();
    std::fs::remove_dir_all(out_dir(&case)).unwrap();
    let none = run(&case, &[]);
    assert_code(&none, 3);
    assert!(
        none.stderr.contains("no report was written"),
        "{}",
        none.stderr
    );
    assert!(!out_dir(&case).exists());
}

#[test]
fn bad_inputs_are_exit_2_before_the_hub_is_read() {
    let case = two_org_case();
    let roster = write_roster(&case, &[]);
    let bad_exceptions = case.dir.path().join("exceptions.toml");
    std::fs::write(&bad_exceptions, "[[exception]]\nrule = 42\n").unwrap();
    let bad_roster = case.dir.path().join("bad.csv");
    std::fs::write(&bad_roster, "name,department\nAda,R&D\n").unwrap();
    let bad_roster_arg = format!("--roster={}", bad_roster.display());
    let exceptions_arg = format!("--exceptions={}", bad_exceptions.display());
    let missing_arg = format!(
        "--identities={}",
        case.dir.path().join("nope.csv").display()
    );
    let bad_activity = case.dir.path().join("logins.csv");
    std::fs::write(&bad_activity, "colour,shape\nred,round\n").unwrap();
    let activity_arg = format!("--activity={}", bad_activity.display());
    for extra in [
        vec![activity_arg.as_str()],
        vec![bad_roster_arg.as_str()],
        vec![exceptions_arg.as_str()],
        vec![missing_arg.as_str()],
        vec!["--as-of", "last tuesday"],
        vec!["--mail-to", "not an address", "--mail-dry-run"],
    ] {
        let run = run(&case, &extra);
        assert_code(&run, 2);
        assert_eq!(case.hub.request_count(), 0, "{extra:?}: the Hub was read");
        assert!(
            !case.store_dir().exists(),
            "{extra:?}: the store was created"
        );
        assert!(!out_dir(&case).exists(), "{extra:?}: reports were written");
    }
    assert!(roster.is_file());
}

#[test]
fn the_config_file_alone_drives_a_run_and_flags_win() {
    let case = two_org_case();
    let gone = some_member(&case, "acme");
    write_roster(&case, &[&gone]);
    std::fs::write(
        case.dir.path().join("exceptions.toml"),
        format!(
            "[[exception]]\nrule = \"departed_member\"\nsubject = \"{gone}\"\nreason = \"legal hold\"\n"
        ),
    )
    .unwrap();
    // store is overridden by HFAUDIT_STORE (the harness sets it): env > file.
    std::fs::write(
        case.dir.path().join("hfaudit.toml"),
        "orgs = [\"acme\", \"beta\"]\nstore = \"file-store\"\nroster = \"roster.csv\"\n\
         out = \"from-config\"\nexceptions = \"exceptions.toml\"\n\n\
         [thresholds]\nstale_invite_days = 30\n\n[seat_prices]\nacme = 7.5\n",
    )
    .unwrap();
    let run = case.run(&["run", "--backoff-ms", "10"]);
    // The only high finding is muted by the exceptions file from the config.
    assert_code(&run, 0);
    let out = case.dir.path().join("from-config");
    let seats = std::fs::read_to_string(out.join("seats.csv")).unwrap();
    assert!(seats.contains("acme,ALL,team,7.50,"), "{seats}");
    let findings = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    assert!(findings.contains("legal hold"), "{findings}");
    assert!(!case.dir.path().join("file-store").exists());
    assert_eq!(case.complete("acme").len(), 1);

    let flag_out = out_dir(&case);
    let run = case.run(&[
        "run",
        "--backoff-ms",
        "10",
        "--org",
        "beta",
        "--out",
        flag_out.to_str().unwrap(),
    ]);
    assert_code(&run, 0);
    assert_eq!(reported_orgs(&case).len(), 1, "--org beats orgs");
    assert_eq!(case.complete("acme").len(), 1);
}

/// The admin token stops seeing `org`.
fn lose_org(case: &Case, org: &str) {
    case.hub.with_world(|w| {
        w.tokens
            .get_mut(ADMIN_TOKEN)
            .unwrap()
            .orgs
            .retain(|o| o != org)
    });
}
