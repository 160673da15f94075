//! A bad value in `hfaudit.toml` (or in the environment hfaudit reads)
//! stops every command the same way: exit 2 naming the file, the key and
//! what the key may be, before the Hub is asked anything or the store is
//! touched. (They used to be checked only by the commands that use them:
//! `snapshot` ran with `fail_on = "hgih"`, `report` with `concurrency = 0`.)

use crate::harness::{Case, assert_code};
use crate::support::generate::{OrgSpec, generate_org, world_for};

/// Every command that loads the config, with the arguments it needs.
const COMMANDS: [&[&str]; 7] = [
    &["report", "--roster", "roster.csv"],
    &["snapshot", "--backoff-ms", "10"],
    &["run", "--roster", "roster.csv", "--backoff-ms", "10"],
    &["doctor"],
    &["history"],
    &["diff"],
    &["prune", "--keep-daily", "1", "--apply"],
];

fn case() -> Case {
    let case = Case::new(world_for(vec![generate_org(&OrgSpec::new("acme", 5))]));
    crate::run::write_roster(&case, &[]);
    case
}

/// Runs every command with `config` as `./hfaudit.toml`; each must fail
/// alike, before any I/O. Returns the error shown.
#[track_caller]
fn every_command_refuses(case: &Case, config: &str, needles: &[&str]) -> String {
    std::fs::write(case.dir.path().join("hfaudit.toml"), config).unwrap();
    let mut first: Option<String> = None;
    for args in COMMANDS {
        let run = case.run(args);
        assert_code(&run, 2);
        for needle in needles {
            assert!(
                run.stderr.contains(needle),
                "{args:?}: {needle}: {}",
                run.stderr
            );
        }
        match &first {
            None => first = Some(run.stderr.clone()),
            Some(f) => assert_eq!(&run.stderr, f, "{args:?} fails differently"),
        }
        assert_eq!(case.hub.request_count(), 0, "{args:?} asked the Hub");
        assert!(!case.store_dir().exists(), "{args:?} touched the store");
        assert!(!case.dir.path().join("hfaudit-report").exists(), "{args:?}");
    }
    first.unwrap()
}

#[test]
fn a_bad_value_stops_every_command_before_any_io() {
    let case = case();
    let orgs = "orgs = [\"acme\"]\n";
    for (bad, needles) in [
        (
            "fail_on = \"hgih\"\n",
            &[
                "hfaudit.toml",
                "fail_on",
                "hgih",
                "critical, high, medium, low, info",
            ][..],
        ),
        (
            "[hub]\ntimeout_secs = -1\n",
            &["hfaudit.toml:3:", "hub.timeout_secs", "from 1 to 86400"],
        ),
        (
            "[hub]\nconcurrency = 0\n",
            &["hfaudit.toml", "hub.concurrency", "between 1 and 64"],
        ),
        (
            "[thresholds]\ninactive_days = -5\n",
            &["thresholds.inactive_days", "0 or more"],
        ),
        (
            "[mail]\nto = [\"not an address\"]\n",
            &["hfaudit.toml", "mail.to", "not an address"],
        ),
        (
            "[mail]\ntls = \"ssl\"\n",
            &["mail.tls", "starttls, tls or none"],
        ),
    ] {
        every_command_refuses(&case, &format!("{orgs}{bad}"), needles);
    }
    // The same file without the bad value works.
    std::fs::write(case.dir.path().join("hfaudit.toml"), orgs).unwrap();
    assert_code(&case.run(COMMANDS[1]), 0);
}

#[test]
fn a_bad_smtp_url_in_the_environment_stops_every_command() {
    let case = case();
    std::fs::write(case.dir.path().join("hfaudit.toml"), "orgs = [\"acme\"]\n").unwrap();
    for args in COMMANDS {
        let run = case
            .command(args)
            .env(
                "HFAUDIT_SMTP_URL",
                "smtp://bot:s3cret-pw@mail.acme.example:nope",
            )
            .output()
            .unwrap();
        let run = crate::harness::Run::from(run);
        assert_code(&run, 2);
        assert!(
            run.stderr.contains("HFAUDIT_SMTP_URL"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("s3cret-pw"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(case.hub.request_count(), 0, "{args:?} asked the Hub");
    }
}
