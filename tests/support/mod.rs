//! Test support shared by the integration tests, the `fake_hub` example and
//! the benches: a fake Hugging Face Hub and a generator of realistic orgs.
// Each user (a test module, the example, the bench) uses a different part.
#![allow(dead_code, unused_imports, clippy::disallowed_macros)]

pub mod fake_hub;
pub mod generate;
