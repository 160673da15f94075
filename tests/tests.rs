//! One integration-test binary (linking polars once), whose modules share
//! the fake Hub in `support/` and the helpers in `harness`.

use hfaudit_testkit as support;

mod browser;
mod commands;
mod contract;
mod crash;
mod diff;
mod fake_hub;
mod fault_matrix;
mod faults;
mod features;
mod harness;
mod help;
mod history;
mod hostile;
mod hostile_net;
mod mail;
mod numbers;
mod pending_invites;
mod prune;
mod remediate;
mod report;
mod review;
mod run;
mod scope;
mod secrets;
mod service_accounts;
mod settings;
mod snapshot;
mod store_trust;
mod tokens;
