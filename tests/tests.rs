//! One integration-test binary (linking polars once), whose modules share
//! the fake Hub in `support/` and the helpers in `harness`.

mod support;

mod commands;
mod crash;
mod fake_hub;
mod faults;
mod harness;
mod report;
mod secrets;
mod snapshot;
