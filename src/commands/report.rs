//! `hfaudit report` and `hfaudit demo`: read every input first (any error is
//! exit 2 with nothing written), reconcile, then write all outputs
//! atomically and print a summary.

use std::path::{Path, PathBuf};

use crate::activity::IdpActivity;
use crate::config::{ReportSettings, Settings};
use crate::error::{Error, Result};
use crate::identity::{Identities, Matcher};
use crate::reconcile::{self, Inputs};
use crate::report::Report;
use crate::report::write::{joined, write_outputs};
use crate::roster::Roster;
use crate::rules::exceptions::Exceptions;
use crate::store::Store;
use crate::term::Term;

/// Runs a report and returns it, as written ([`Report::fails`]: findings
/// reach the `--fail-on` threshold).
pub fn run(store: &Store, orgs: &[String], r: &ReportSettings, term: &Term) -> Result<Report> {
    run_relabelled(store, orgs, r, term, None)
}

/// [`run`], with the input paths shown relative to `root` as `label` (the
/// demo's outputs must not depend on where the checkout lives).
fn run_relabelled(
    store: &Store,
    orgs: &[String],
    r: &ReportSettings,
    term: &Term,
    relabel: Option<(&Path, &str)>,
) -> Result<Report> {
    let (mut report, stored) = reconciled(store, orgs, r)?;
    if let Some((root, label)) = relabel {
        let root = root.display().to_string();
        report.roster.path = report.roster.path.replace(&root, label);
        for w in &mut report.warnings {
            *w = w.replace(&root, label);
        }
    }
    let written = write_outputs(&report, &r.out, r.templates.as_deref())?;
    for w in &report.warnings {
        tracing::warn!("{w}");
    }
    summarise(&report, &r.out, &written, term);
    super::free_at_exit(stored);
    Ok(report)
}

/// Reads every input and reconciles, writing nothing: the report, and the
/// stored snapshots and history it was built from.
pub(crate) fn reconciled(
    store: &Store,
    orgs: &[String],
    r: &ReportSettings,
) -> Result<(Report, Vec<reconcile::Stored>)> {
    let started = std::time::Instant::now();
    // The store and the local files are independent: read them at once.
    std::thread::scope(|scope| -> Result<_> {
        let stored = scope.spawn(|| reconcile::load(store, orgs));
        // A bad input file is reported before any store error, as when the
        // two were read one after the other.
        let local = LocalInputs::read(r)?;
        let matcher = Matcher::new(&local.roster.people, &local.identities);
        let stored = joined(stored)?;
        tracing::debug!("inputs read in {} ms", started.elapsed().as_millis());
        let report = reconcile::build(
            &Inputs {
                roster: &local.roster,
                matcher: &matcher,
                idp: local.idp.as_ref(),
                exceptions: &local.exceptions,
                as_of: r.as_of,
                now: r.now,
                thresholds: r.thresholds,
                prices: &r.prices,
                fail_on: r.fail_on,
            },
            &stored,
        );
        // Freeing a large roster takes some 15 ms: done on a thread of its
        // own, off the way to the reports. (The matcher, which borrows it,
        // is left to exit.)
        super::free_at_exit(matcher);
        crate::report::write::drop_aside(local);
        Ok((report, stored))
    })
}

/// The inputs read from local files: the roster, and the optional
/// identity mapping, IdP export and exceptions.
struct LocalInputs {
    roster: Roster,
    identities: Identities,
    idp: Option<IdpActivity>,
    exceptions: Exceptions,
}

impl LocalInputs {
    fn read(r: &ReportSettings) -> Result<LocalInputs> {
        let roster = Roster::load(&r.roster, &r.roster_options).map_err(Error::unreadable_input)?;
        let identities = match &r.identities {
            Some(p) => Identities::load(p).map_err(Error::unreadable_input)?,
            None => Identities::default(),
        };
        let idp = match &r.activity {
            Some(p) => Some(IdpActivity::load(p)?),
            None => None,
        };
        let exceptions = match &r.exceptions {
            Some(p) => Exceptions::load(p).map_err(Error::unreadable_input)?,
            None => Exceptions::default(),
        };
        Ok(LocalInputs {
            roster,
            identities,
            idp,
            exceptions,
        })
    }
}

fn summarise(report: &Report, out: &Path, written: &[PathBuf], term: &Term) {
    let counts = report.open_counts(None);
    let muted = report.muted_count();
    for org in &report.orgs {
        let per = report.open_counts(Some(&org.org));
        let all = report
            .seats
            .iter()
            .find(|s| s.org == org.org && s.cost_center == crate::seats::ALL);
        let severities: Vec<String> = per
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        let seats = all.map_or(String::new(), |s| {
            format!(
                " — {} billable seats, {} reclaimable (${:.2}/month)",
                s.billable_seats, s.reclaimable_seats, s.reclaimable_monthly_cost
            )
        });
        term.line(&format!(
            "{}: {}{}",
            org.org,
            if severities.is_empty() {
                "no findings".to_string()
            } else {
                severities.join(", ")
            },
            seats
        ));
        for u in &org.unavailable {
            term.line(&format!("  not checked: {} ({})", u.collector, u.reason));
        }
    }
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    term.line(&format!(
        "{total} finding(s){} — reports in {}: {}",
        if muted > 0 {
            format!(" plus {muted} muted")
        } else {
            String::new()
        },
        out.display(),
        names.join(" ")
    ));
}

/// `hfaudit demo`: the bundled fixtures, reported as of the day of their
/// newest snapshot so the result never changes.
pub fn demo(
    settings: &Settings,
    out: Option<PathBuf>,
    fixtures: Option<PathBuf>,
    term: &Term,
) -> Result<()> {
    let dir = fixtures.unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join("demo")
    });
    if !dir.join("store").is_dir() {
        return Err(Error::Usage(format!(
            "the demo fixtures are not at {}: run hfaudit demo from a checkout of hfaudit",
            dir.display()
        )));
    }
    let config = std::fs::read_to_string(dir.join("demo.toml"))
        .map_err(|e| Error::io(dir.join("demo.toml"), e))?;
    let as_of = config
        .lines()
        .find_map(|l| l.strip_prefix("as_of = "))
        .map(|v| v.trim().trim_matches('"').to_string());
    let args = crate::cli::ReportArgs {
        inputs: crate::cli::InputArgs {
            roster: Some(dir.join("roster.csv")),
            identities: Some(dir.join("identities.csv")),
            exceptions: Some(dir.join("exceptions.toml")),
            as_of,
            ..Default::default()
        },
        out: Some(out.unwrap_or_else(|| settings.report.out.clone())),
        templates: None,
        fail_on: None,
    };
    let r = settings.report(&args, chrono::Utc::now())?;
    let store = Store::new(dir.join("store"));
    let failing = run_relabelled(&store, &[], &r, term, Some((&dir, "fixtures/demo")))?.fails();
    term.line(&format!(
        "open {} in a browser{}",
        r.out.join("report.html").display(),
        if failing {
            format!(
                " (a real run would exit 1: findings at or above {})",
                r.fail_on
            )
        } else {
            String::new()
        }
    ));
    Ok(())
}
