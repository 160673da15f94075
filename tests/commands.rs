//! `history`, `doctor`, configuration and usage errors, as a user runs them.

use crate::harness::{Case, assert_code};
use crate::support::fake_hub::{Endpoint, Fault, FaultKind};
use crate::support::generate::{OrgSpec, generate_org, world_for};

fn case() -> Case {
    Case::new(world_for(vec![generate_org(&OrgSpec {
        groups: 2,
        gated_repos: 2,
        accepted_per_repo: 2,
        pending: 2,
        ..OrgSpec::new("acme", 9)
    })]))
}

#[test]
fn history_lists_snapshots_with_counts_and_statuses() {
    let case = case();
    let empty = case.run(&["history", "--org", "acme"]);
    assert_code(&empty, 0);
    assert!(empty.stdout.contains("no snapshot"), "{}", empty.stdout);

    assert_code(&case.snapshot("acme", &[]), 0);
    case.hub.add_fault(Fault {
        endpoint: Endpoint::AuditLog,
        kind: FaultKind::Status(402),
        skip: 0,
        times: None,
    });
    assert_code(&case.snapshot("acme", &[]), 0);
    let run = case.run(&["history"]);
    assert_code(&run, 0);
    let ids: Vec<String> = case
        .complete("acme")
        .into_iter()
        .map(|m| m.snapshot_id)
        .collect();
    for id in &ids {
        assert!(run.stdout.contains(id.as_str()), "{}", run.stdout);
    }
    assert!(run.stdout.contains("events=unavailable"), "{}", run.stdout);
    assert!(
        run.stdout.contains(" 9 "),
        "member count shown: {}",
        run.stdout
    );

    let json = case.run(&["history", "--format", "json"]);
    assert_code(&json, 0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["acme"].as_array().unwrap().len(), 2);
    assert_eq!(v["acme"][0]["members"], 9);
}

#[test]
fn history_reports_a_damaged_snapshot_and_goes_on() {
    let case = case();
    assert_code(&case.snapshot("acme", &[]), 0);
    let id = case.complete("acme")[0].snapshot_id.clone();
    let file = case
        .store_dir()
        .join("acme")
        .join(&id)
        .join("members.parquet");
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let run = case.run(&["history", "--org", "acme"]);
    assert_code(&run, 0);
    assert!(
        run.stdout.contains("damaged") && run.stdout.contains("members.parquet"),
        "{}",
        run.stdout
    );
}

#[test]
fn doctor_says_what_each_collector_sees() {
    let case = case();
    case.hub.add_fault(Fault {
        endpoint: Endpoint::ResourceGroups,
        kind: FaultKind::Status(402),
        skip: 0,
        times: None,
    });
    let run = case.run(&["doctor", "--org", "acme"]);
    assert_code(&run, 0);
    for needle in [
        "user auditor",
        "members",
        "ok, 9 rows",
        "resource_groups",
        "unavailable: ",
        "invites",
        "repo_access",
        "events",
    ] {
        assert!(run.stdout.contains(needle), "{needle}: {}", run.stdout);
    }
    assert!(case.complete("acme").is_empty(), "doctor records nothing");
}

#[test]
fn doctor_with_a_bad_token_is_exit_3() {
    let mut case = case();
    case.token = "hf_wrong".into();
    let run = case.run(&["doctor"]);
    assert_code(&run, 3);
    assert!(run.stderr.contains("rejected the token"), "{}", run.stderr);
}

#[test]
fn config_file_holds_orgs_and_store() {
    let case = case();
    std::fs::write(
        case.dir.path().join("hfaudit.toml"),
        "orgs = [\"acme\"]\nstore = \"from-config\"\n",
    )
    .unwrap();
    let mut cmd = case.command(&["snapshot", "--backoff-ms", "10"]);
    cmd.env_remove("HFAUDIT_STORE");
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(case.dir.path().join("from-config").join("acme").is_dir());
}

#[test]
fn usage_and_config_errors_are_exit_2_and_touch_nothing() {
    let case = case();
    let no_org = case.run(&["snapshot"]);
    assert_code(&no_org, 2);
    assert!(no_org.stderr.contains("--org"), "{}", no_org.stderr);

    let bad_org = case.run(&["snapshot", "--org", "../../etc"]);
    assert_code(&bad_org, 2);

    let bad_flag = case.run(&["snapshot", "--no-such-flag"]);
    assert_code(&bad_flag, 2);

    std::fs::write(
        case.dir.path().join("bad.toml"),
        "orgs = [\"acme\"]\nstroe = 1\n",
    )
    .unwrap();
    let bad_config = case.run(&["snapshot", "--config", "bad.toml"]);
    assert_code(&bad_config, 2);
    assert!(
        bad_config.stderr.contains("bad.toml:2:1"),
        "{}",
        bad_config.stderr
    );
    assert!(bad_config.stderr.contains("stroe"), "{}", bad_config.stderr);

    assert!(!case.store_dir().exists(), "nothing was written");
    assert_eq!(case.hub.request_count(), 0, "the Hub was not called");
}

#[test]
fn help_and_version_succeed() {
    let case = case();
    let help = case.run(&["--help"]);
    assert_code(&help, 0);
    assert!(help.stdout.contains("snapshot") && help.stdout.contains("Exit codes"));
    assert_code(&case.run(&["--version"]), 0);
}

#[test]
fn quiet_prints_nothing_on_success() {
    let case = case();
    let run = case.run(&["snapshot", "--org", "acme", "-q"]);
    assert_code(&run, 0);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
}
