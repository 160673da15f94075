//! The token never appears in output, logs, errors or the store — not even
//! at `-vv`, not even when requests fail.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

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
    case.hub
        .expect_off_contract(Endpoint::AccessRequests, "a body cut in half, on purpose");
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

    // The reports, written at -vv, hold no token either; and every file
    // with personal data is private.
    let roster = case.dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "email,hf_username,status
a@acme.example,auditor,active
",
    )
    .unwrap();
    let out = case.dir.path().join("out");
    let report = case.run(&[
        "report",
        "--roster",
        roster.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-vv",
    ]);
    assert!(report.code <= 1, "{}", report.stderr);
    assert!(out.join("report.html").is_file());
    assert_no_token(&report, &case, ADMIN_TOKEN);
    assert_private(&case.store_dir());
    assert_private(&out);
}

/// Every file below `dir` is 0600 and every directory 0700.
fn assert_private(dir: &Path) {
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    let files = files_below(dir);
    assert!(!files.is_empty(), "{}", dir.display());
    for f in files {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
        let mut d = f.parent().unwrap();
        while d.starts_with(dir) {
            assert_eq!(mode(d), 0o700, "{}", d.display());
            d = d.parent().unwrap();
        }
    }
}

/// A Hub (or a proxy) that echoes the `Authorization` header in its error
/// message must not make hfaudit print the token: the message is shown
/// with the token redacted, for a retried, a final and an optional error.
#[test]
fn a_hub_echoing_the_token_does_not_leak_it() {
    for (endpoint, status, code) in [
        (Endpoint::Members, 403, 3),
        (Endpoint::Members, 401, 3),
        (Endpoint::Members, 503, 3),
        (Endpoint::ResourceGroups, 402, 0),
    ] {
        let case = Case::new(world_for(vec![generate_org(&OrgSpec::new("acme", 3))]));
        case.hub.add_fault(Fault {
            endpoint,
            kind: FaultKind::EchoAuthorization(status),
            skip: 0,
            times: None,
        });
        let run = case.snapshot("acme", &["-vv", "--retries", "1"]);
        assert_eq!(run.code, code, "{endpoint:?} {status}: {}", run.stderr);
        // A failed run shows the Hub's message; an unavailable optional
        // collector records it in the manifest.
        let recorded = case
            .store()
            .list("acme")
            .unwrap_or_default()
            .into_iter()
            .filter_map(|l| match l {
                hfaudit::store::Listed::Complete(m) => Some(format!("{:?}", m.collectors)),
                _ => None,
            })
            .collect::<String>();
        assert!(
            run.stderr.contains("bad header")
                || run.stdout.contains("bad header")
                || recorded.contains("bad header: Bearer <redacted>"),
            "{endpoint:?} {status}: the Hub's message is still shown: {}{recorded}",
            run.stderr
        );
        assert_no_token(&run, &case, ADMIN_TOKEN);
    }
}

/// What a panic or an `{:?}` would print of the token.
#[test]
fn debug_output_redacts_the_token() {
    let token = hfaudit::hub::Token::new(ADMIN_TOKEN).unwrap();
    assert!(!format!("{token:?}").contains(ADMIN_TOKEN));
    assert!(!format!("{:?}", Some(&token)).contains(ADMIN_TOKEN));
}

/// A token file others can read gets a warning naming the file (like the
/// SMTP password file), never the token; a private one gets none, and a
/// file too big to be a token is refused with exit 2.
#[test]
fn a_token_file_readable_by_others_is_warned_about() {
    let case = Case::new(world_for(vec![generate_org(&OrgSpec::new("acme", 3))]));
    let file = case.dir.path().join("token");
    std::fs::write(&file, format!("{ADMIN_TOKEN}\n")).unwrap();
    let flag = ["--token-file", file.to_str().unwrap()];
    for (mode, warned) in [(0o644, true), (0o640, true), (0o604, true), (0o600, false)] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        let run = case.snapshot("acme", &flag);
        assert_eq!(run.code, 0, "{mode:o}: {}", run.stderr);
        let warning = format!(
            "{}: holds a Hugging Face token but is readable by group or others (mode {mode:04o}); \
             run `chmod 600 {}` or set HF_TOKEN instead",
            file.display(),
            file.display()
        );
        assert_eq!(
            run.stderr.contains(&warning),
            warned,
            "{mode:o}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains(ADMIN_TOKEN) && !run.stdout.contains(ADMIN_TOKEN));
    }
    std::fs::File::create(&file)
        .unwrap()
        .set_len(1 << 20)
        .unwrap();
    let run = case.snapshot("acme", &flag);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is larger than"), "{}", run.stderr);
}
