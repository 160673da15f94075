//! `hfaudit apply PLAN.json`: refuse a plan that is not the one to apply
//! (changed, too old, from a snapshot that is no longer the latest, for
//! another Hub or token), check the token may make every call, ask once,
//! then send the plan (`remediate::apply`), snapshot, and say per finding
//! whether it is now closed.
//!
//! Exit codes: 0 every step done (or already done); 3 some failed, or the
//! closing snapshot could not be taken; 2 nothing was attempted (a refusal).

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;

use chrono::{Duration, Utc};

use super::Done;
use crate::cli::ApplyArgs;
use crate::commands::snapshot::{client, runtime};
use crate::config::Settings;
use crate::config::defaults::DEFAULT_PLAN_MAX_AGE_HOURS;
use crate::error::{Error, Result};
use crate::hub;
use crate::remediate::apply::{self, Applied, closed_in, refused, stale_orgs, still_member};
use crate::remediate::plan::{DecisionRef, Step};
use crate::remediate::{Sealed, file};
use crate::review::decisions::Verdict;
use crate::rules::Rule;
use crate::store::remediation::Outcome;
use crate::store::{Store, snapshot_id};
use crate::term::Term;
use crate::text::clean_line;

/// A plan dated this far in the future is refused (clocks differ a little).
const CLOCK_SKEW_MINUTES: i64 = 5;

pub fn run(settings: &Settings, args: &ApplyArgs, term: &Term) -> Result<Done> {
    let sealed = file::read(&args.plan)?;
    let plan = &sealed.plan;
    let store = Store::new(&settings.store);
    let earlier = apply::earlier_runs(&store, &sealed)?;
    let settled = earlier.settled;
    let sizes = check_fresh(&sealed, &store, args, &earlier.closing)?;
    let hub_settings = settings.hub(&args.snapshot.hub, args.snapshot.lock_wait);
    let client = client(&hub_settings)?;
    let endpoint = client.endpoint().as_str().trim_end_matches('/');
    if endpoint != plan.endpoint.trim_end_matches('/') {
        return Err(refused(
            format!(
                "the plan is for {}, but the Hub configured now is {endpoint}",
                plan.endpoint
            ),
            "apply the plan with the HF_ENDPOINT it was made with",
        ));
    }
    let runtime = runtime()?;
    runtime.block_on(preflight(&client, &sealed))?;
    if plan.steps.is_empty() {
        term.line("the plan has no calls to make");
    } else {
        confirm(&sealed, args.yes, term)?;
    }

    if !settled.is_empty() {
        term.line(&format!(
            "continuing an earlier run of this plan: {} step(s) already settled (log)",
            settled.len()
        ));
    }
    let show = |step: &Step, a: &Applied| {
        term.line(&format!(
            "{:<10} {:<12} {}{}",
            step.id,
            outcome_label(a),
            clean_line(&step.action.describe(), 200),
            a.message
                .as_deref()
                .map(|m| format!(" — {}", clean_line(m, 300)))
                .unwrap_or_default()
        ));
    };
    let started = std::time::Instant::now();
    let results = runtime.block_on(apply::apply(
        &client, &store, &sealed, &settled, &sizes, &show,
    ));
    drop(runtime);
    tracing::debug!("calls applied in {} ms", started.elapsed().as_millis());
    let failed = results
        .iter()
        .filter(|a| a.outcome == Outcome::Failed)
        .count();
    let done = results
        .iter()
        .filter(|a| a.outcome == Outcome::Done && !a.earlier)
        .count();
    let already = results
        .iter()
        .filter(|a| a.outcome == Outcome::AlreadyDone || a.earlier)
        .count();
    term.line(&format!(
        "{done} done, {already} already done, {failed} failed ({} requests to the Hub)",
        client.request_count()
    ));

    // What the Hub holds now, from a fresh snapshot.
    let mut closing = settings.clone();
    closing.orgs = plan.orgs.iter().map(|o| o.org.clone()).collect();
    let started = std::time::Instant::now();
    let snapshot_failed = match super::snapshot::run(&closing, &hub_settings, term) {
        Ok(_) => {
            tracing::debug!("closing snapshot in {} ms", started.elapsed().as_millis());
            closed(&store, &sealed, term)?;
            false
        }
        Err(e) => {
            crate::logging::report_error(&e);
            term.line("the closing snapshot failed: whether the findings are closed is not known");
            true
        }
    };
    Ok(if failed > 0 || snapshot_failed {
        Done::HubFailed
    } else {
        Done::Clean
    })
}

/// Refuses a plan older than `--max-age`, dated in the future, or made
/// from a snapshot that is no longer an org's latest; returns the sizes of
/// the latest snapshots (for the batched reads).
fn check_fresh(
    sealed: &Sealed,
    store: &Store,
    args: &ApplyArgs,
    closing: &[(String, String)],
) -> Result<apply::Sizes> {
    let plan = &sealed.plan;
    let now = Utc::now();
    let hours = args.max_age.unwrap_or(DEFAULT_PLAN_MAX_AGE_HOURS);
    let age = now - plan.created_at;
    if age > Duration::hours(hours as i64) {
        return Err(refused(
            format!(
                "the plan was made {} hours ago ({}), more than --max-age {hours}",
                age.num_hours(),
                plan.created_at.format("%Y-%m-%d %H:%M UTC")
            ),
            "take a snapshot and make a new plan: the Hub may have changed since",
        ));
    }
    if -age > Duration::minutes(CLOCK_SKEW_MINUTES) {
        return Err(refused(
            format!(
                "the plan is dated {}, in the future",
                plan.created_at.format("%Y-%m-%d %H:%M UTC")
            ),
            "check this machine's clock, then make a new plan",
        ));
    }
    let mut latest = Vec::new();
    let mut sizes = apply::Sizes::default();
    for o in &plan.orgs {
        let snapshot = store.latest_without_events(&o.org)?;
        if let Some(s) = &snapshot {
            sizes.add(s);
        }
        latest.push((o.org.clone(), snapshot.map(|s| snapshot_id(s.taken_at))));
    }
    let stale = stale_orgs(plan, &latest, closing);
    if !stale.is_empty() {
        return Err(refused(
            format!("the plan is stale: {}", stale.join("; ")),
            "make a new plan from the latest snapshot: what it was computed from has changed",
        ));
    }
    Ok(sizes)
}

/// The token is the plan's and may make every call the plan holds; the
/// refusal names every permission missing, per org.
async fn preflight(client: &hub::HubClient, sealed: &Sealed) -> Result<()> {
    let plan = &sealed.plan;
    let whoami = hub::whoami(client).await?;
    if !whoami.name.eq_ignore_ascii_case(&plan.principal) {
        return Err(refused(
            format!(
                "the plan was made with a token of {}, this one is {}'s",
                plan.principal, whoami.name
            ),
            "apply with the token the plan was made with, or make a new plan with this one",
        ));
    }
    let mut missing = Vec::new();
    for org in &plan.orgs {
        let kinds: BTreeSet<&str> = plan
            .steps
            .iter()
            .filter(|s| s.org == org.org)
            .map(|s| s.action.kind())
            .collect();
        if kinds.is_empty() {
            continue;
        }
        let access = hub::check_org_access(&whoami, &org.org).map_err(|e| {
            refused(
                format!("{}: {e}", org.org),
                "nothing was changed; use a token of an admin of the org",
            )
        })?;
        missing.extend(
            kinds
                .into_iter()
                .filter_map(|k| access.write_missing(k))
                .map(|m| format!("{}: {m}", org.org)),
        );
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(refused(
        format!(
            "the token cannot make every call of the plan: {}",
            missing.join("; ")
        ),
        "nothing was changed; use a token with write access to the org's settings \
         (fine-grained: org.write, or org.members.write and repo.access.write)",
    ))
}

/// Asks once on a terminal; `--yes` elsewhere.
fn confirm(sealed: &Sealed, yes: bool, term: &Term) -> Result<()> {
    let counts: Vec<String> = sealed
        .plan
        .counts()
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    let summary = format!(
        "{} call(s) to {}: {}",
        sealed.plan.steps.len(),
        sealed.plan.endpoint,
        counts.join(", ")
    );
    if yes {
        term.line(&format!("applying {summary}"));
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(refused(
            format!("not on a terminal and no --yes: {summary} not applied"),
            "review the plan, then run `hfaudit apply PLAN.json --yes`",
        ));
    }
    term.output(&format!("apply {summary}? [y/N] "));
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| Error::Usage(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(refused(
            "not confirmed: nothing was applied".into(),
            "answer y to apply",
        ))
    }
}

fn outcome_label(a: &Applied) -> &'static str {
    match a.outcome {
        _ if a.earlier => "done earlier",
        Outcome::Done => "done",
        Outcome::AlreadyDone => "already done",
        Outcome::Failed => "FAILED",
        Outcome::Started => "started",
    }
}

/// Per finding (or review decision) of the plan, whether the fresh
/// snapshot shows it closed; a decision with no call (all of it manual or
/// refused) is listed as such.
fn closed(store: &Store, sealed: &Sealed, term: &Term) -> Result<()> {
    let plan = &sealed.plan;
    for org in &plan.orgs {
        let Some(snapshot) = store.latest_without_events(&org.org)? else {
            continue;
        };
        apply::log_closing_snapshot(store, sealed, &org.org, &snapshot_id(snapshot.taken_at))?;
        let (mut closed, mut open) = (0, 0);
        for step in plan.steps.iter().filter(|s| s.org == org.org) {
            let step_closed = closed_in(step, &snapshot);
            for f in &step.findings {
                // A departed member's finding closes when they leave the
                // org: the manual step.
                let is_closed = if f.rule == Rule::DepartedMember {
                    !still_member(&snapshot, &f.subject)
                } else {
                    step_closed
                };
                if is_closed {
                    closed += 1;
                } else {
                    open += 1;
                }
                term.line(&format!(
                    "  {} {} {}: {}",
                    org.org,
                    f.rule,
                    clean_line(&f.subject, 200),
                    match (is_closed, f.rule) {
                        (true, _) => "closed",
                        (false, Rule::DepartedMember) if step_closed => {
                            "open: access removed, still a member (manual step: remove from the org)"
                        }
                        (false, _) => "still open",
                    }
                ));
            }
        }
        // A review's decisions: carried out when every step of theirs shows;
        // a revoke, when the account has also left the org.
        let mut decisions: BTreeMap<&str, (&DecisionRef, bool)> = BTreeMap::new();
        for step in plan.steps.iter().filter(|s| s.org == org.org) {
            let step_closed = closed_in(step, &snapshot);
            for d in &step.decisions {
                let entry = decisions.entry(&d.line_id).or_insert((d, true));
                entry.1 &= step_closed;
            }
        }
        let stepped: BTreeSet<&str> = decisions.keys().copied().collect();
        for (d, steps_closed) in decisions.into_values() {
            let member = still_member(&snapshot, &d.username);
            let is_closed = steps_closed && !(d.decision == Verdict::Revoke && member);
            if is_closed {
                closed += 1;
            } else {
                open += 1;
            }
            term.line(&format!(
                "  {} {}: {}",
                org.org,
                clean_line(&d.describe(), 200),
                match (is_closed, steps_closed) {
                    (true, _) => "closed",
                    (false, true) => {
                        "open: access removed, still a member (manual step: remove from the org)"
                    }
                    (false, false) => "still open",
                }
            ));
        }
        // Decisions with no call: each manual step and refusal of theirs.
        let not_called = |d: &DecisionRef| !stepped.contains(d.line_id.as_str());
        let mut by_hand = 0;
        for m in plan.manual.iter().filter(|m| m.org == org.org) {
            for d in m.decisions.iter().filter(|d| not_called(d)) {
                by_hand += 1;
                term.line(&format!(
                    "  {} {}: manual step, not checked: {}",
                    org.org,
                    clean_line(&d.describe(), 200),
                    clean_line(&m.what, 200)
                ));
            }
        }
        for r in plan.refused.iter().filter(|r| r.org == org.org) {
            for d in r.decisions.iter().filter(|d| not_called(d)) {
                by_hand += 1;
                term.line(&format!(
                    "  {} {}: refused, not applied: {} ({})",
                    org.org,
                    clean_line(&d.describe(), 200),
                    clean_line(&r.what, 200),
                    clean_line(&r.reason, 200)
                ));
            }
        }
        let by_hand = if by_hand > 0 {
            format!(", {by_hand} decision(s) manual or refused")
        } else {
            String::new()
        };
        term.line(&format!(
            "{}: {closed} finding(s) or decision(s) closed, {open} still open{by_hand} (snapshot {})",
            org.org,
            snapshot_id(snapshot.taken_at)
        ));
    }
    Ok(())
}
