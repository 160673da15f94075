//! Remediation with a person in the loop: `hfaudit plan` turns open
//! findings into the Hub calls that fix them ([`plan`]), written as a
//! sealed file ([`file`]); `hfaudit apply` checks the plan is still the
//! one to apply and sends it, re-reading before each call ([`apply`]).

pub mod apply;
pub mod file;
pub mod plan;

pub use file::Sealed;
pub use plan::{Action, Plan, Selection};

#[cfg(test)]
mod tests;
