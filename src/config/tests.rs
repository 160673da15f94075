//! Unit tests of the settings merge.

use super::*;

fn global(orgs: &[&str], store: Option<&str>) -> GlobalArgs {
    GlobalArgs {
        config: None,
        store: store.map(PathBuf::from),
        orgs: orgs.iter().map(|s| s.to_string()).collect(),
        quiet: false,
        verbose: 0,
    }
}

#[test]
fn the_readme_config_example_parses() {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("```toml\norgs")
        .expect("a config example in the README")
        + 8;
    let end = start + readme[start..].find("```").unwrap();
    let config = parse(&readme[start..end], Path::new("README.md")).unwrap();
    assert_eq!(config.orgs, vec!["acme", "acme-research"]);
    assert_eq!(config.roster.as_deref(), Some(Path::new("hr.csv")));
    assert_eq!(config.hub.lock_wait_secs, Some(300));
    assert_eq!(config.seat_prices.get("acme"), Some(&20.0));
}

#[test]
fn unknown_keys_are_named_with_their_place() {
    let err = parse("orgs = [\"acme\"]\nstroe = \"x\"\n", Path::new("h.toml")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("h.toml:2:1"), "{msg}");
    assert!(msg.contains("stroe"), "{msg}");
    assert_eq!(err.exit_code(), 2);
}

#[test]
fn flags_beat_env_beats_default() {
    let env = Env {
        hfaudit_store: Some("from-env".into()),
        ..Env::default()
    };
    let s = Settings::resolve(&global(&["acme"], Some("from-flag")), &env).unwrap();
    assert_eq!(s.store, PathBuf::from("from-flag"));
    let s = Settings::resolve(&global(&["acme"], None), &env).unwrap();
    assert_eq!(s.store, PathBuf::from("from-env"));
    let s = Settings::resolve(&global(&["acme"], None), &Env::default()).unwrap();
    assert_eq!(s.store, PathBuf::from(DEFAULT_STORE));
}

#[test]
fn orgs_are_validated_and_deduplicated() {
    let s = Settings::resolve(&global(&["acme", "ACME", "beta"], None), &Env::default()).unwrap();
    assert_eq!(s.orgs, vec!["acme", "beta"]);
    let err = Settings::resolve(&global(&["../../etc"], None), &Env::default()).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let none = Settings::resolve(&global(&[], None), &Env::default()).unwrap();
    assert!(none.require_orgs().is_err());
}

#[test]
fn endpoint_defaults_to_the_hub() {
    let s = Settings::resolve(&global(&["acme"], None), &Env::default()).unwrap();
    let hub = s.hub(&no_flags(), None);
    assert_eq!(hub.endpoint, DEFAULT_ENDPOINT);
    assert_eq!(hub.client.concurrency, 8);
    assert_eq!(hub.client.max_body_bytes, 512 * 1024 * 1024);
    assert_eq!(hub.lock_wait, Duration::from_secs(300));
}

/// Settings resolved from `text` as `./bad.toml`.
fn resolve_text(text: &str, env: &Env) -> Result<Settings> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let mut g = global(&["acme"], None);
    g.config = Some(path);
    Settings::resolve(&g, env)
}

#[test]
fn every_bad_value_is_refused_at_resolution_naming_the_key_and_what_is_allowed() {
    for (text, needles) in [
        (
            "fail_on = \"hgih\"\n",
            &["fail_on", "'hgih'", "critical, high"][..],
        ),
        (
            "[hub]\nconcurrency = 0\n",
            &["hub.concurrency", "between 1 and 64"],
        ),
        (
            "[hub]\nconcurrency = 65\n",
            &["hub.concurrency", "between 1 and 64"],
        ),
        (
            "[hub]\ntimeout_secs = 0\n",
            &["hub.timeout_secs", "between 1 and 86400"],
        ),
        (
            "[hub]\nretries = 101\n",
            &["hub.retries", "between 0 and 100"],
        ),
        (
            "[hub]\nlock_wait_secs = 604801\n",
            &["hub.lock_wait_secs", "604800"],
        ),
        (
            "[hub]\nmax_body_mib = 0\n",
            &["hub.max_body_mib", "between 1 and 65536"],
        ),
        (
            "[seat_prices]\nacme = -1.0\n",
            &["seat_prices.acme", ">= 0"],
        ),
        ("[mail]\nto = [\"nobody\"]\n", &["mail.to", "'nobody'"]),
        ("[mail]\nfrom = \"x@\"\n", &["mail.from"]),
        (
            "[mail]\ntls = \"ssl\"\n",
            &["mail.tls", "starttls, tls or none"],
        ),
        (
            "[mail]\nsmtp_url = \"http://h\"\n",
            &["mail.smtp_url", "smtp or smtps"],
        ),
    ] {
        let err = resolve_text(text, &Env::default()).unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.exit_code(), 2, "{text}: {msg}");
        assert!(msg.contains("bad.toml"), "{text}: {msg}");
        for needle in needles {
            assert!(msg.contains(needle), "{text}: {needle} not in {msg}");
        }
    }
    // One, or many of them: the first is named, the others wait their turn.
    let err = resolve_text("fail_on = \"x\"\n[hub]\nconcurrency = 0\n", &Env::default());
    assert!(err.is_err());
    // A value in range resolves.
    let s = resolve_text(
        "fail_on = \"LOW\"\n[hub]\nconcurrency = 64\nretries = 0\nlock_wait_secs = 0\n",
        &Env::default(),
    )
    .unwrap();
    assert_eq!(s.report.fail_on, Severity::Low);
    assert_eq!((s.hub.concurrency, s.hub.retries), (64, 0));
    assert_eq!(s.hub.lock_wait, Duration::ZERO);
}

#[test]
fn a_negative_number_is_refused_with_its_place() {
    let err = resolve_text("[hub]\ntimeout_secs = -1\n", &Env::default()).unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.exit_code(), 2, "{msg}");
    assert!(msg.contains("bad.toml:2:"), "{msg}");
    assert!(msg.contains("timeout_secs"), "{msg}");
}

#[test]
fn bad_environment_values_are_refused_at_resolution() {
    let env = Env {
        hf_endpoint: Some("ftp://hub.example".into()),
        ..Env::default()
    };
    let err = Settings::resolve(&global(&["acme"], None), &env).unwrap_err();
    assert!(err.to_string().contains("HF_ENDPOINT"), "{err}");
    let env = Env {
        mail: MailEnv {
            smtp_url: Some(Password("smtp://u:hunter2@relay.example:x".into())),
        },
        ..Env::default()
    };
    let err = Settings::resolve(&global(&["acme"], None), &env).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("HFAUDIT_SMTP_URL"), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

fn no_flags() -> HubArgs {
    HubArgs {
        token_file: None,
        scim_token_file: None,
        concurrency: None,
        timeout: None,
        retries: None,
        backoff_ms: None,
        max_body_mib: None,
    }
}

#[test]
fn hub_flags_beat_the_file_which_beats_the_defaults() {
    let s = resolve_text(
        "[hub]\nconcurrency = 3\ntimeout_secs = 7\nlock_wait_secs = 9\nmax_body_mib = 2\n",
        &Env::default(),
    )
    .unwrap();
    let hub = s.hub(&no_flags(), None);
    assert_eq!(hub.client.concurrency, 3);
    assert_eq!(hub.client.timeout, Duration::from_secs(7));
    assert_eq!(hub.client.max_retries, defaults::DEFAULT_RETRIES);
    assert_eq!(hub.client.max_body_bytes, 2 * 1024 * 1024);
    assert_eq!(hub.lock_wait, Duration::from_secs(9));
    let flags = HubArgs {
        concurrency: Some(5),
        timeout: Some(11),
        retries: Some(1),
        max_body_mib: Some(4),
        ..no_flags()
    };
    let hub = s.hub(&flags, Some(13));
    assert_eq!(hub.client.concurrency, 5);
    assert_eq!(hub.client.timeout, Duration::from_secs(11));
    assert_eq!(hub.client.max_retries, 1);
    assert_eq!(hub.client.max_body_bytes, 4 * 1024 * 1024);
    assert_eq!(hub.lock_wait, Duration::from_secs(13));
}

#[test]
fn report_flags_beat_the_file_which_beats_the_defaults() {
    use clap::Parser;
    let report_args = |args: &[&str]| {
        let mut all = vec!["hfaudit", "report"];
        all.extend_from_slice(args);
        match crate::cli::Cli::try_parse_from(all).unwrap().command {
            crate::cli::Command::Report(r) => r,
            _ => unreachable!(),
        }
    };
    let now = Utc::now();
    let s = resolve_text("roster = \"hr.csv\"\n", &Env::default()).unwrap();
    let r = s.report(&report_args(&[]), now).unwrap();
    assert_eq!(r.fail_on, defaults::DEFAULT_FAIL_ON);
    assert_eq!(r.thresholds, Thresholds::default());
    assert_eq!(r.out, PathBuf::from(DEFAULT_OUT));
    let s = resolve_text(
        "roster = \"hr.csv\"\nfail_on = \"low\"\nout = \"o\"\n[thresholds]\ninactive_days = 30\n",
        &Env::default(),
    )
    .unwrap();
    let r = s.report(&report_args(&[]), now).unwrap();
    assert_eq!((r.fail_on, r.thresholds.inactive_days), (Severity::Low, 30));
    assert_eq!(r.thresholds.stale_invite_days, 14);
    assert_eq!(r.out, PathBuf::from("o"));
    let flags = [
        "--fail-on",
        "critical",
        "--inactive-days",
        "5",
        "--out",
        "f",
    ];
    let r = s.report(&report_args(&flags), now).unwrap();
    assert_eq!(
        (r.fail_on, r.thresholds.inactive_days),
        (Severity::Critical, 5)
    );
    assert_eq!(r.out, PathBuf::from("f"));
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let env = Env {
        token: TokenEnv {
            hf_token: Some("hf_secret_user_token".into()),
            hf_scim_token: Some("scim_secret_token".into()),
            ..TokenEnv::default()
        },
        mail: MailEnv {
            smtp_url: Some(Password("smtp://u:env-pass@relay.example:587".into())),
        },
        ..Env::default()
    };
    let s = resolve_text(
        "[mail]\nto = [\"a@b.example\"]\nsmtp_url = \"smtp://u:file-pass@mail.example\"\n",
        &env,
    )
    .unwrap();
    let hub = s.hub(&no_flags(), None);
    let mail = s.mail(&MailArgs::default()).unwrap();
    for debug in [
        format!("{env:?}"),
        format!("{s:?}"),
        format!("{hub:?}"),
        format!("{mail:?}"),
    ] {
        for secret in [
            "hf_secret_user_token",
            "scim_secret_token",
            "env-pass",
            "file-pass",
        ] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }
    // The token's presence still shows.
    assert!(format!("{env:?}").contains("hf_token: Some"));
}
