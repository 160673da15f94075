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
    let args = HubArgs {
        token_file: None,
        scim_token_file: None,
        concurrency: None,
        timeout: None,
        retries: None,
        backoff_ms: None,
        max_body_mib: None,
    };
    let hub = s.hub(&args, None, &Env::default()).unwrap();
    assert_eq!(hub.endpoint, DEFAULT_ENDPOINT);
    assert_eq!(hub.client.concurrency, 8);
    assert_eq!(hub.client.max_body_bytes, 512 * 1024 * 1024);
    assert_eq!(hub.lock_wait, Duration::from_secs(300));
}
