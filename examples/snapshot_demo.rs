//! Snapshot a generated org served by the bundled fake Hub on 127.0.0.1 —
//! no token of yours, no network — then list the store: the fetching half
//! of hfaudit, end to end.
//!
//! `cargo run --example snapshot_demo [-- --store DIR]` (default `./hfaudit-store`).

#![allow(clippy::disallowed_macros)] // a program whose output is its point

use hfaudit_testkit as support;

use std::process::ExitCode;

use clap::Parser;
use hfaudit::cli::Cli;
use hfaudit::config::Env;
use hfaudit::hub::TokenEnv;
use hfaudit::term::Term;
use support::fake_hub::FakeHub;
use support::generate::{ADMIN_TOKEN, OrgSpec, generate_org, world_for};

fn main() -> ExitCode {
    let store = std::env::args()
        .skip_while(|a| a != "--store")
        .nth(1)
        .unwrap_or_else(|| "hfaudit-store".into());
    let spec = OrgSpec {
        groups: 4,
        gated_repos: 6,
        accepted_per_repo: 12,
        pending: 3,
        ..OrgSpec::new("acme-demo", 120)
    };
    let hub = FakeHub::start(world_for(vec![generate_org(&spec)]));
    println!("fake Hub serving org 'acme-demo' at {}\n", hub.url());
    let env = Env {
        hfaudit_store: None,
        hf_endpoint: Some(hub.url()),
        token: TokenEnv {
            hf_token: Some(ADMIN_TOKEN.into()),
            ..TokenEnv::default()
        },
        ..Env::default()
    };
    hfaudit::logging::init(false, 0);
    let term = Term::new(false);
    for args in [
        vec![
            "hfaudit",
            "snapshot",
            "--org",
            "acme-demo",
            "--store",
            &store,
        ],
        vec![
            "hfaudit",
            "history",
            "--org",
            "acme-demo",
            "--store",
            &store,
        ],
    ] {
        println!("$ {}", args.join(" "));
        let cli = Cli::parse_from(&args);
        if let Err(e) = hfaudit::commands::run(&cli, &env, &term) {
            hfaudit::logging::report_error(&e);
            return ExitCode::from(e.exit_code());
        }
        println!();
    }
    ExitCode::SUCCESS
}
