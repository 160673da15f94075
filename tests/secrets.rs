//! The token never appears in output, logs, errors or the store — not even
//! at `-vv`, not even when requests fail.

use crate::harness::{Case, Run, files_below};
use crate::support::fake_hub::{Endpoint, Fault, FaultKind};
use crate::support::generate::{ADMIN_TOKEN, OrgSpec, generate_org, world_for};

fn assert_no_token(run: &Run, case: &Case, token: &str) {
    assert!(
        !run.stdout.contains(token),
        "token in stdout:\n{}",
        run.stdout
    );
    assert!(
        !run.stderr.contains(token),
        "token in stderr:\n{}",
        run.stderr
    );
    for file in files_below(case.dir.path()) {
        if file.ends_with("token") {
            continue; // the token file the user wrote
        }
        let bytes = std::fs::read(&file).unwrap();
        let hit = bytes.windows(token.len()).any(|w| w == token.as_bytes());
        assert!(!hit, "token found in {}", file.display());
    }
}

#[test]
fn token_is_in_no_output_log_or_file() {
    let case = Case::new(world_for(vec![generate_org(&OrgSpec {
        groups: 2,
        gated_repos: 2,
        accepted_per_repo: 3,
        ..OrgSpec::new("acme", 30)
    })]));
    // Make errors happen, so that messages and retries are logged.
    for (endpoint, kind) in [
        (Endpoint::Members, FaultKind::Status(503)),
        (Endpoint::AccessRequests, FaultKind::Truncate),
        (Endpoint::ResourceGroups, FaultKind::Status(403)),
    ] {
        case.hub.add_fault(Fault {
            endpoint,
            kind,
            skip: 0,
            times: Some(1),
        });
    }
    let ok = case.snapshot("acme", &["-vv"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert!(
        ok.stderr.contains("retrying"),
        "-vv shows retries: {}",
        ok.stderr
    );
    assert_no_token(&ok, &case, ADMIN_TOKEN);

    case.hub.add_fault(Fault {
        endpoint: Endpoint::Members,
        kind: FaultKind::Status(401),
        skip: 0,
        times: None,
    });
    let failed = case.snapshot("acme", &["-vv"]);
    assert_eq!(failed.code, 3);
    assert_no_token(&failed, &case, ADMIN_TOKEN);

    let doctor = case.run(&["doctor", "--org", "acme", "-vv"]);
    assert_no_token(&doctor, &case, ADMIN_TOKEN);
}

#[test]
fn token_from_a_file_stays_secret_too() {
    let mut case = Case::new(world_for(vec![generate_org(&OrgSpec::new("acme", 3))]));
    let file = case.dir.path().join("token");
    std::fs::write(&file, format!("{ADMIN_TOKEN}\n")).unwrap();
    case.token = String::new();
    let run = case.run(&[
        "snapshot",
        "--org",
        "acme",
        "--token-file",
        file.to_str().unwrap(),
        "-vv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_no_token(&run, &case, ADMIN_TOKEN);
}
