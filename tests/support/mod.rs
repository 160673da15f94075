//! Test support shared by the integration tests, the `fake_hub` example and
//! the benches: a fake Hugging Face Hub and a generator of realistic orgs.
// Each user (a test module, the example, the bench) uses a different part.
#![allow(dead_code, unused_imports, clippy::disallowed_macros)]

pub mod cdp;
pub mod fake_hub;
pub mod generate;

/// `--name N` from the command line of a bench or example, else `default`.
pub fn number_arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
