//! What the contract made of the bodies a fake Hub served, kept in its
//! state, and the rule that a test fails when one broke the Hub's
//! description: checked when the `FakeHub` is dropped, so no test can
//! forget it.

use std::collections::BTreeMap;

use super::FakeHub;
use super::contract::{Checked, Violation};
use super::faults::Endpoint;
use super::server::Shared;

/// The contract's findings for one fake Hub.
#[derive(Debug, Default)]
pub(super) struct Verdicts {
    violations: Vec<Violation>,
    /// Violations on endpoints a test declared off contract, with its reason.
    exempt: Vec<(Violation, String)>,
    /// Bodies that passed, by operation (`METHOD template`; request bodies
    /// as `METHOD template request`).
    valid: BTreeMap<String, usize>,
    /// Endpoints whose bodies a test serves off contract on purpose, and why.
    off_contract: Vec<(Endpoint, String)>,
}

impl Verdicts {
    pub fn record(&mut self, method: &str, endpoint: Option<Endpoint>, checked: Checked) {
        self.record_as(method, "", endpoint, checked);
    }

    /// Records the verdict on a request body a client sent.
    pub fn record_request(&mut self, method: &str, endpoint: Option<Endpoint>, checked: Checked) {
        self.record_as(method, " request", endpoint, checked);
    }

    /// `suffix` follows the operation in the `valid` key.
    fn record_as(
        &mut self,
        method: &str,
        suffix: &str,
        endpoint: Option<Endpoint>,
        checked: Checked,
    ) {
        match checked {
            Checked::Valid(template) => {
                *self
                    .valid
                    .entry(format!("{method} {template}{suffix}"))
                    .or_default() += 1;
            }
            Checked::Invalid(violation) => {
                let reason = self
                    .off_contract
                    .iter()
                    .find(|(e, _)| *e == Endpoint::Any || Some(*e) == endpoint);
                match reason {
                    Some((_, why)) => self.exempt.push((violation, why.clone())),
                    None => self.violations.push(violation),
                }
            }
            Checked::NotDescribed => {}
        }
    }
}

impl FakeHub {
    /// Bodies served so far that broke the Hub's description (not counting
    /// those of endpoints declared off contract).
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.lock().verdicts.violations.clone()
    }

    /// The violations so far, forgotten: for a test that expects some.
    pub fn take_violations(&self) -> Vec<Violation> {
        std::mem::take(&mut self.shared.lock().verdicts.violations)
    }

    /// Violations on endpoints declared off contract, with the reason given.
    pub fn exempt_violations(&self) -> Vec<(Violation, String)> {
        self.shared.lock().verdicts.exempt.clone()
    }

    /// How many bodies passed, by operation (`GET /api/organizations/{name}/members`;
    /// request bodies sent to writes as `PUT /api/organizations/{name}/members/{username}/role request`).
    pub fn valid_bodies(&self) -> BTreeMap<String, usize> {
        self.shared.lock().verdicts.valid.clone()
    }

    /// Declares that this test serves bodies of `endpoint` (or of every
    /// endpoint, `Endpoint::Any`) that break the Hub's description on
    /// purpose: a truncated body, a proxy's HTML page, an older deployment's
    /// shape. They are still checked; what breaks is kept apart with `why`
    /// instead of failing the test. For a write endpoint
    /// (`Endpoint::RoleChange`...), the same holds for the request bodies
    /// a test sends it on purpose (they are still answered 400).
    pub fn expect_off_contract(&self, endpoint: Endpoint, why: &str) {
        let mut state = self.shared.lock();
        state
            .verdicts
            .off_contract
            .push((endpoint, why.to_string()));
    }

    /// Panics (failing the test) when a body broke the description, unless
    /// the thread is already panicking.
    pub(super) fn fail_on_violations(&self) {
        if std::thread::panicking() {
            return;
        }
        let violations = self.take_violations();
        if violations.is_empty() {
            return;
        }
        let listed: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
        panic!(
            "the fake Hub served {} bodies that break the Hub's OpenAPI description \
             (fixtures/hub-openapi.json):\n{}\nFix the fake's shapes (testkit/src/fake_hub/views.rs) \
             or, for a `request body`, what the client sent; a test that means it calls \
             FakeHub::expect_off_contract",
            violations.len(),
            listed.join("\n")
        );
    }
}

/// Judges the body a client sent to `method path`, records the verdict,
/// and returns what is wrong with it (empty when it is valid or the
/// operation takes no described body).
pub(super) fn judge_request(
    shared: &Shared,
    method: &str,
    path: &str,
    endpoint: Option<Endpoint>,
    body: &[u8],
) -> Vec<String> {
    let checked = super::contract::Contract::hub().check_request(method, path, body);
    let errors = match &checked {
        Checked::Invalid(violation) => violation.errors.clone(),
        Checked::Valid(_) | Checked::NotDescribed => Vec::new(),
    };
    shared
        .lock()
        .verdicts
        .record_request(method, endpoint, checked);
    errors
}

/// Judges one served body and records the verdict.
pub(super) fn judge(
    shared: &Shared,
    method: &str,
    path: &str,
    endpoint: Option<Endpoint>,
    status: u16,
    body: &[u8],
) {
    let checked = super::contract::Contract::hub().check(method, path, status, body);
    shared.lock().verdicts.record(method, endpoint, checked);
}
