//! `hfaudit plan`: reconcile as `report` does, then write the Hub calls that
//! would fix the selected open findings (or, with `--review ID`, carry out
//! the revoke and change decisions of a closed review) to a sealed plan
//! file and print it as a table. Nothing is sent to the Hub but `whoami`
//! (the token's user is never acted on).

use chrono::Utc;

use crate::cli::PlanArgs;
use crate::commands::snapshot::{client, runtime};
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::hub;
use crate::model::Snapshot;
use crate::remediate::plan::{self, Basis, DecisionRef, FindingRef, Plan, Review, Selection};
use crate::remediate::{Sealed, file};
use crate::store::{Store, snapshot_id};
use crate::term::Term;
use crate::text::clean_line;

/// Widest Hub text shown in one cell of the table.
const CELL: usize = 240;

pub fn run(settings: &Settings, args: &PlanArgs, term: &Term) -> Result<Sealed> {
    let r = settings.reconcile(&args.inputs, Utc::now())?;
    let hub_settings = settings.hub(&args.hub, None);
    let store = Store::new(&settings.store);
    let (report, stored) = super::report::reconciled(&store, &settings.orgs, &r)?;
    if stored.is_empty() {
        return Err(Error::store(
            store.root(),
            "no org has a complete snapshot: take one with `hfaudit snapshot` first",
        ));
    }
    // A review is read (and refused if open, unknown or tampered with)
    // before the Hub is asked anything.
    let review = args
        .review
        .as_deref()
        .map(|id| super::review::closed_decisions(&store, id))
        .transpose()?;
    let client = client(&hub_settings)?;
    let endpoint = client.endpoint().as_str().trim_end_matches('/').to_string();
    if let Some((campaign, ..)) = &review
        && campaign.endpoint.trim_end_matches('/') != endpoint
    {
        return Err(Error::Usage(format!(
            "review {} was made on {}, but the Hub configured now is {endpoint}",
            campaign.review_id, campaign.endpoint
        )));
    }
    for s in &stored {
        if s.snapshot.endpoint.trim_end_matches('/') != endpoint {
            return Err(Error::Usage(format!(
                "{}: the latest snapshot was read from {}, but the Hub configured now is \
                 {endpoint}; a plan goes to the Hub its facts came from",
                s.org, s.snapshot.endpoint
            )));
        }
    }
    let whoami = runtime()?.block_on(hub::whoami(&client))?;
    let snapshots: Vec<&Snapshot> = stored.iter().map(|s| &s.snapshot).collect();
    let ids: Vec<String> = snapshots.iter().map(|s| snapshot_id(s.taken_at)).collect();
    let basis = Basis {
        snapshots: &snapshots,
        snapshot_ids: &ids,
        principal: &whoami.name,
        endpoint: &endpoint,
        now: Utc::now(),
    };
    let plan = match &review {
        Some((campaign, population, decisions)) => plan::build_review(
            &report,
            &basis,
            &Review {
                review_id: &campaign.review_id,
                population,
                decisions,
                subjects: &args.subjects,
            },
        ),
        None => plan::build(
            &report,
            &basis,
            &Selection {
                rules: args.rules.clone(),
                subjects: args.subjects.clone(),
            },
        ),
    };
    let sealed = file::seal(&plan);
    crate::report::write::write_private(&args.out, &sealed.to_bytes(), "--out")?;
    for line in table(&plan) {
        term.line(&line);
    }
    let counts: Vec<String> = plan
        .counts()
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    term.line(&format!(
        "plan written to {} (sha256 {}){}: {}, {} manual, {} refused{}{}",
        args.out.display(),
        sealed.sha256,
        plan.review
            .as_deref()
            .map_or(String::new(), |id| format!(" for review {id}")),
        if counts.is_empty() {
            "no calls".to_string()
        } else {
            counts.join(", ")
        },
        plan.manual.len(),
        plan.refused.len(),
        if plan.review.is_some() {
            format!(", {} already done", plan.already_done.len())
        } else {
            String::new()
        },
        if plan.steps.is_empty() {
            String::new()
        } else {
            format!(
                "; review it, then run `hfaudit apply {}`",
                args.out.display()
            )
        }
    ));
    Ok(sealed)
}

/// The plan as a reviewer reads it: per org, each call (what, for which
/// finding, which request), then the manual steps and the refusals.
pub fn table(plan: &Plan) -> Vec<String> {
    let mut lines = Vec::new();
    let cell = |s: &str| clean_line(s, CELL);
    for org in &plan.orgs {
        let steps: Vec<_> = plan.steps.iter().filter(|s| s.org == org.org).collect();
        let manual: Vec<_> = plan.manual.iter().filter(|m| m.org == org.org).collect();
        let refused: Vec<_> = plan.refused.iter().filter(|r| r.org == org.org).collect();
        let done: Vec<_> = plan
            .already_done
            .iter()
            .filter(|d| d.org == org.org)
            .collect();
        lines.push(format!(
            "{} (snapshot {}, plan {}): {} call(s), {} manual, {} refused{}",
            org.org,
            org.snapshot_id,
            org.plan.as_deref().unwrap_or("unknown"),
            steps.len(),
            manual.len(),
            refused.len(),
            if plan.review.is_some() {
                format!(", {} already done", done.len())
            } else {
                String::new()
            }
        ));
        for s in steps {
            lines.push(format!(
                "  {:<10} {:<13} {}",
                s.id,
                s.action.kind(),
                cell(&s.action.describe())
            ));
            lines.push(format!(
                "  {:<24} for {}",
                "",
                reasons(&s.findings, &s.decisions).join("; ")
            ));
            lines.push(format!(
                "  {:<24} {} {}",
                "",
                s.call.method,
                cell(&s.call.path)
            ));
        }
        for m in manual {
            lines.push(format!("  {:<24} {}", "manual", cell(&m.what)));
            lines.push(format!("  {:<24} {}", "", cell(&m.how)));
            if !m.decisions.is_empty() {
                let why = reasons(&m.findings, &m.decisions);
                lines.push(format!("  {:<24} for {}", "", why.join("; ")));
            }
        }
        for r in refused {
            lines.push(format!(
                "  {:<24} {}: {}",
                "refused",
                cell(&r.what),
                cell(&r.reason)
            ));
            if !r.decisions.is_empty() {
                let why = reasons(&r.findings, &r.decisions);
                lines.push(format!("  {:<24} for {}", "", why.join("; ")));
            }
        }
        for d in done {
            lines.push(format!("  {:<24} {}", "already done", cell(&d.what)));
            let why = reasons(&[], &d.decisions);
            lines.push(format!("  {:<24} for {}", "", why.join("; ")));
        }
    }
    lines
}

/// What a step answers: `RULE SUBJECT` per finding, the review line and
/// who decided per decision.
fn reasons(findings: &[FindingRef], decisions: &[DecisionRef]) -> Vec<String> {
    findings
        .iter()
        .map(|f| format!("{} {}", f.rule, clean_line(&f.subject, CELL)))
        .chain(decisions.iter().map(|d| clean_line(&d.describe(), CELL)))
        .collect()
}
