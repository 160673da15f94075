//! The documentation stays true: README's `hfaudit --help` block is what
//! the binary prints, and `hfaudit.example.toml` is accepted by the real
//! config parser with the values it claims.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use hfaudit::cli::{Cli, Command as Sub};
use hfaudit::config::{Delivery, Env, Settings, TlsMode};
use hfaudit::rules::Severity;

const START: &str = "<!-- hfaudit-help:start -->";
const END: &str = "<!-- hfaudit-help:end -->";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn help_output() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hfaudit"))
        .arg("--help")
        .env_clear()
        .output()
        .expect("run hfaudit --help");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// The README with its help block replaced by `help`.
fn with_help(readme: &str, help: &str) -> Option<String> {
    let start = readme.find(START)? + START.len();
    let end = start + readme[start..].find(END)?;
    Some(format!(
        "{}\n```text\n{}\n```\n{}",
        &readme[..start],
        help.trim_end(),
        &readme[end..]
    ))
}

#[test]
fn readme_shows_the_current_help() {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let help = help_output();
    let expected = with_help(&readme, &help)
        .unwrap_or_else(|| panic!("README.md lacks the {START} … {END} block"));
    if expected == readme {
        return;
    }
    if std::env::var_os("HFAUDIT_UPDATE_README").is_some() {
        std::fs::write(&path, expected).unwrap();
        return;
    }
    let start = readme.find(START).unwrap();
    let shown = &readme[start..readme.find(END).unwrap()];
    let first_diff = shown
        .lines()
        .skip(2)
        .zip(help.lines())
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("README: {a:?}\nbinary: {b:?}"))
        .unwrap_or_else(|| "(one is longer than the other)".into());
    panic!(
        "README.md's `hfaudit --help` block is out of date.\nFirst difference:\n{first_diff}\n\
         Update it with `HFAUDIT_UPDATE_README=1 cargo test --test tests help::` \
         (or paste `cargo run -q -- --help` between the markers)."
    );
}

#[test]
fn help_block_replacement_is_exact() {
    let readme = format!("a\n{START}\n```text\nold\n```\n{END}\nb\n");
    assert_eq!(
        with_help(&readme, "new\n").unwrap(),
        format!("a\n{START}\n```text\nnew\n```\n{END}\nb\n")
    );
    assert_eq!(with_help("no markers", "x"), None);
}

#[test]
fn the_example_config_parses_with_the_values_it_documents() {
    let path = root().join("hfaudit.example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let file = hfaudit::config::parse(&text, &path).unwrap();
    assert_eq!(file.orgs, vec!["acme", "acme-research"]);
    assert_eq!(
        file.store.as_deref(),
        Some(Path::new("/var/lib/hfaudit/store"))
    );
    assert_eq!(file.thresholds.stale_invite_days, Some(14));
    assert_eq!(file.thresholds.inactive_days, Some(90));
    assert_eq!(file.thresholds.revoke_sla_days, Some(1));
    assert_eq!(file.thresholds.stale_token_days, Some(90));
    assert_eq!(file.seat_prices.get("acme-research"), Some(&50.0));
    assert_eq!(file.mail.to.len(), 2);
    assert_eq!(file.mail.tls.as_deref(), Some("starttls"));
    assert_eq!(file.hub.lock_wait_secs, Some(300));
    assert_eq!(file.hub.max_body_mib, Some(512));

    // And it resolves into settings `hfaudit run` accepts.
    let config = path.to_str().unwrap();
    let cli = Cli::try_parse_from(["hfaudit", "--config", config, "run"]).unwrap();
    let settings = Settings::resolve(&cli.global, &Env::default()).unwrap();
    let Sub::Run(args) = &cli.command else {
        panic!("run expected")
    };
    let report = settings.report(&args.report, chrono::Utc::now()).unwrap();
    assert_eq!(report.fail_on, Severity::High);
    assert_eq!(report.thresholds.stale_invite_days, 14);
    assert_eq!(report.thresholds.stale_token_days, 90);
    assert_eq!(
        report.exceptions.as_deref(),
        Some(Path::new("/etc/hfaudit/exceptions.toml"))
    );
    assert_eq!(
        report.activity.as_deref(),
        Some(Path::new("/var/lib/hfaudit/hr/last-logins.csv"))
    );
    let mail = settings.mail(&args.mail).unwrap().unwrap();
    assert_eq!(mail.from.email.to_string(), "hfaudit@acme.example");
    let Delivery::Smtp(smtp) = mail.delivery else {
        panic!("smtp expected")
    };
    assert_eq!(
        (smtp.host.as_str(), smtp.port, smtp.tls),
        ("smtp.acme.example", 587, TlsMode::StartTls)
    );

    // An unknown key is named.
    let bad = text.replace("subject_prefix", "subject_prefx");
    let err = hfaudit::config::parse(&bad, &path).unwrap_err().to_string();
    assert!(err.contains("subject_prefx"), "{err}");
}

/// `hfaudit ARGS --help`.
fn command_help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hfaudit"))
        .args(args)
        .arg("--help")
        .env_clear()
        .output()
        .expect("run hfaudit --help");
    assert!(out.status.success(), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The `[default: …]` of `flag` in a help text, its lines joined.
fn shown_default(help: &str, flag: &str) -> Option<String> {
    let start = help.find(&format!("{flag} <"))?;
    let rest = &help[start..];
    // The flag's own block ends where the next flag starts.
    let end = rest[1..]
        .find("\n  -")
        .map_or(rest.len(), |i| i + 1)
        .min(rest[1..].find("\n      --").map_or(rest.len(), |i| i + 1));
    let block = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
    let default = block.split("[default: ").nth(1)?;
    Some(default[..default.find(']')?].to_string())
}

#[test]
fn every_command_help_shows_the_defaults_the_settings_use() {
    use hfaudit::config::defaults::*;
    // What the settings resolve to when nothing is given: an empty config.
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let cli = Cli::try_parse_from(["hfaudit", "--config", empty.to_str().unwrap(), "run"]).unwrap();
    let settings = Settings::resolve(&cli.global, &Env::default()).unwrap();
    let Sub::Run(args) = &cli.command else {
        panic!("run expected")
    };
    let hub = settings.hub(&args.snapshot.hub, args.snapshot.lock_wait);
    let mut report_args = args.report.clone();
    report_args.inputs.roster = Some("hr.csv".into());
    let report = settings.report(&report_args, chrono::Utc::now()).unwrap();
    let t = report.thresholds;

    let store = format!("./{}", settings.store.display());
    let out = format!("./{}", report.out.display());
    let hub_flags = [
        ("--concurrency", hub.client.concurrency.to_string()),
        ("--timeout", hub.client.timeout.as_secs().to_string()),
        ("--retries", hub.client.max_retries.to_string()),
        (
            "--max-body-mib",
            (hub.client.max_body_bytes / 1024 / 1024).to_string(),
        ),
    ];
    let report_flags = [
        ("--out", out.clone()),
        ("--fail-on", report.fail_on.to_string()),
        ("--stale-invite-days", t.stale_invite_days.to_string()),
        ("--inactive-days", t.inactive_days.to_string()),
        ("--revoke-sla-days", t.revoke_sla_days.to_string()),
        ("--stale-token-days", t.stale_token_days.to_string()),
    ];
    let lock_wait = ("--lock-wait", hub.lock_wait.as_secs().to_string());
    let global = [
        ("--store", store),
        ("--config", format!("./{DEFAULT_CONFIG} if present")),
    ];
    type Flags<'a> = Vec<(&'a str, String)>;
    let mut expected: Vec<(&[&str], Flags)> = vec![
        (
            &["snapshot"],
            [&hub_flags[..], std::slice::from_ref(&lock_wait)].concat(),
        ),
        (&["doctor"], hub_flags.to_vec()),
        (&["report"], report_flags.to_vec()),
        (
            &["run"],
            [
                &hub_flags[..],
                &report_flags[..],
                std::slice::from_ref(&lock_wait),
            ]
            .concat(),
        ),
        (&["demo"], vec![("--out", out.clone())]),
        (&["plan"], [&hub_flags[..], &report_flags[2..]].concat()),
        (
            &["apply"],
            [
                &hub_flags[..],
                std::slice::from_ref(&lock_wait),
                &[("--max-age", DEFAULT_PLAN_MAX_AGE_HOURS.to_string())],
            ]
            .concat(),
        ),
    ];
    for (_, flags) in &mut expected {
        flags.extend(global.iter().cloned());
    }
    expected.push((&[], global.to_vec()));
    for (command, flags) in expected {
        let help = command_help(command);
        for (flag, value) in flags {
            assert_eq!(
                shown_default(&help, flag).as_deref(),
                Some(value.as_str()),
                "hfaudit {command:?} --help, {flag}:\n{help}"
            );
        }
    }
    // And they are the named defaults.
    assert_eq!(hub.client.concurrency, usize::from(DEFAULT_CONCURRENCY));
    assert_eq!(hub.client.timeout.as_secs(), DEFAULT_TIMEOUT_SECS);
    assert_eq!(hub.client.max_retries, DEFAULT_RETRIES);
    assert_eq!(hub.lock_wait.as_secs(), DEFAULT_LOCK_WAIT_SECS);
    assert_eq!(report.fail_on, DEFAULT_FAIL_ON);
    assert_eq!(t.stale_token_days, i64::from(DEFAULT_STALE_TOKEN_DAYS));
    assert_eq!(settings.store, Path::new(DEFAULT_STORE));
}
