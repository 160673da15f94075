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
