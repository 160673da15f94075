//! A fake Hugging Face Hub on a local port, serving one generated org: for
//! demos, for trying hfaudit by hand, and for checking the fake against the
//! official Python client (`HF_ENDPOINT=<url> HF_TOKEN=<token> python ...`).
//!
//! Prints `url=`, `org=` and `token=` lines, then serves until killed.

#![allow(clippy::disallowed_macros)] // a program whose output is its point

use hfaudit_testkit as support;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use support::fake_hub::FakeHub;
use support::generate::{ADMIN_TOKEN, OrgSpec, generate_org, world_for};

const USAGE: &str = "usage: fake_hub [--port N] [--org NAME] [--members N] [--groups N] \
[--gated N] [--accepted N] [--pending N] [--latency-ms N] [--page-cap N] [--seed N] \
[--tokens-per-member N] [--service-accounts N] [--plan team|enterprise|free] [--offset-paging]";

/// The command line, validated.
struct Options {
    port: u16,
    spec: OrgSpec,
    latency: Duration,
    page_cap: usize,
    offset_paging: bool,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
        let mut options = Options {
            port: 0,
            spec: OrgSpec::new("acme", 200),
            latency: Duration::ZERO,
            page_cap: 1000,
            offset_paging: false,
        };
        options.spec.groups = 5;
        options.spec.gated_repos = 10;
        options.spec.accepted_per_repo = 20;
        options.spec.pending = 3;
        while let Some(flag) = args.next() {
            if flag == "--offset-paging" {
                options.offset_paging = true;
                continue;
            }
            if flag == "-h" || flag == "--help" {
                return Err("fake Hugging Face Hub".into());
            }
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{flag}: not a number: {value:?}"))
            };
            let spec = &mut options.spec;
            match flag.as_str() {
                "--port" => {
                    options.port = u16::try_from(number()?).map_err(|_| "--port: too large")?
                }
                "--org" => spec.name = value.clone(),
                "--members" => spec.members = number()? as usize,
                "--groups" => spec.groups = number()? as usize,
                "--gated" => spec.gated_repos = number()? as usize,
                "--accepted" => spec.accepted_per_repo = number()? as usize,
                "--pending" => spec.pending = number()? as usize,
                "--tokens-per-member" => spec.tokens_per_member = number()? as usize,
                "--service-accounts" => spec.service_accounts = number()? as usize,
                "--seed" => spec.seed = number()?,
                "--latency-ms" => options.latency = Duration::from_millis(number()?),
                "--page-cap" => options.page_cap = (number()? as usize).max(1),
                "--plan" => spec.plan = Some(value.clone()).filter(|p| p != "free"),
                _ => return Err(format!("unknown option {flag}")),
            }
        }
        Ok(options)
    }
}

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut world = world_for(vec![generate_org(&options.spec)]);
    world.latency = options.latency;
    world.page_cap = options.page_cap;
    world.offset_paging = options.offset_paging;
    let hub = match FakeHub::start_on(world, options.port) {
        Ok(hub) => hub,
        Err(e) => {
            eprintln!("fake_hub: cannot listen on 127.0.0.1:{}: {e}", options.port);
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let printed = writeln!(
        out,
        "url={}\norg={}\ntoken={ADMIN_TOKEN}",
        hub.url(),
        options.spec.name
    )
    .and_then(|()| out.flush());
    if printed.is_err() {
        return ExitCode::FAILURE;
    }
    drop(out);
    loop {
        std::thread::park();
    }
}
