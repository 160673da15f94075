//! `hfaudit run`, the cron entry point: check every input, snapshot every
//! configured org, report over what the store then holds, and mail the
//! reports.
//!
//! Order matters for the exit code: every input (flags, config, roster,
//! identities, exceptions, activity, mail settings) is checked before the
//! Hub is touched, so a typo is exit 2 with nothing changed. After that, a
//! failure of one part never stops the next: an org the Hub could not read
//! is reported and the report uses its latest stored snapshot (exit 3), a
//! mail that could not be sent leaves the reports written (exit 4). The
//! greatest code wins (4 > 3 > 1 > 0).

use std::path::Path;

use chrono::{DateTime, SubsecRound, Utc};

use super::Done;
use crate::activity::IdpActivity;
use crate::cli::RunArgs;
use crate::config::{ReportSettings, Settings};
use crate::error::{Error, Result};
use crate::identity::Identities;
use crate::report::mail::{self, Delivered};
use crate::roster::Roster;
use crate::rules::exceptions::Exceptions;
use crate::store::{Listed, Store};
use crate::term::Term;

pub fn run(settings: &Settings, args: &RunArgs, term: &Term) -> Result<Done> {
    // 1. Everything the user can get wrong, before anything is fetched.
    let orgs = settings.require_orgs()?.to_vec();
    let hub = settings.hub(&args.snapshot.hub, args.snapshot.lock_wait);
    let report = settings.report(&args.report, Utc::now())?;
    // `--mail-reviewers --mail-dry-run` alone mails only the reviewers.
    let reviewers_only =
        args.mail_reviewers && args.mail.mail_to.is_empty() && settings.mail.to.is_empty();
    let mail = match reviewers_only {
        true => None,
        false => settings.mail(&args.mail)?,
    };
    let reviewer_mail = match args.mail_reviewers {
        true => Some(settings.mail.for_reviewers(args.mail.mail_dry_run)?),
        false => None,
    };
    check_inputs(&report)?;

    // 2. Snapshot; a failure is reported and the run goes on.
    // Manifests keep milliseconds.
    let started = Utc::now().trunc_subsecs(3);
    let hub_failed = match crate::commands::snapshot::run(settings, &hub, term) {
        Ok(_) => false,
        Err(e) => {
            crate::logging::report_error(&e);
            true
        }
    };

    // 3. Report over what the store holds.
    let store = Store::new(&settings.store);
    let (reportable, notes) = freshness(&store, &orgs, started)?;
    for note in &notes {
        tracing::warn!("{note}");
        term.line(&format!("note: {note}"));
    }
    if reportable.is_empty() {
        return Err(Error::store(
            store.root(),
            "no org has a complete snapshot: no report was written",
        ));
    }
    let written = super::report::run(&store, &reportable, &report, term)?;
    let mut done = if hub_failed {
        Done::HubFailed
    } else if written.fails() {
        Done::Findings
    } else {
        Done::Clean
    };

    // 4. Mail the reports just written.
    if let Some(mail) = mail {
        let sent = mail::compose(&mail, &report.out, &written, &notes)
            .and_then(|message| mail::deliver(&mail, &message, &report.out));
        match sent {
            Ok(Delivered::Sent { to, server }) => {
                term.line(&format!(
                    "mailed the reports to {} via {server}",
                    to.join(", ")
                ));
            }
            Ok(Delivered::Written(path)) => {
                term.line(&format!("dry run: the mail is in {}", path.display()));
            }
            Err(e) => {
                crate::logging::report_error(&as_mail_error(e, &report.out));
                done = done.max(Done::MailFailed);
            }
        }
    }

    // 5. Remind the reviewers of open access reviews.
    if let Some(mail) = reviewer_mail {
        match super::review::remind_reviewers(&store, &mail, term) {
            Ok(0) => term.line("no open access review has undecided lines: no reminder"),
            Ok(_) => {}
            Err(e) => {
                crate::logging::report_error(&as_mail_error(e, &report.out));
                done = done.max(Done::MailFailed);
            }
        }
    }
    super::free_at_exit(written);
    Ok(done)
}

/// Loads the report's inputs once to find any problem before the Hub is
/// read; `report::run` loads them again (they are small).
fn check_inputs(r: &ReportSettings) -> Result<()> {
    Roster::load(&r.roster, &r.roster_options).map_err(Error::unreadable_input)?;
    if let Some(p) = &r.identities {
        Identities::load(p).map_err(Error::unreadable_input)?;
    }
    if let Some(p) = &r.exceptions {
        Exceptions::load(p).map_err(Error::unreadable_input)?;
    }
    if let Some(p) = &r.activity {
        IdpActivity::load(p).map_err(Error::unreadable_input)?;
    }
    if let Some(dir) = &r.templates
        && !dir.is_dir()
    {
        return Err(Error::input(dir, "not a directory of templates"));
    }
    Ok(())
}

/// Whatever stops the mail is a mail failure (exit 4): the reports are
/// already written.
fn as_mail_error(e: Error, out: &Path) -> Error {
    match e {
        Error::Mail { .. } => e,
        other => Error::Mail {
            message: format!("the report mail could not be prepared: {other}"),
            hint: format!("the reports are in {}", out.display()),
        },
    }
}

/// The orgs that have a complete snapshot to report on, and one note per
/// org without a snapshot taken by this run.
fn freshness(
    store: &Store,
    orgs: &[String],
    started: DateTime<Utc>,
) -> Result<(Vec<String>, Vec<String>)> {
    let mut reportable = Vec::new();
    let mut notes = Vec::new();
    for org in orgs {
        let latest = store.list(org)?.into_iter().rev().find_map(|l| match l {
            Listed::Complete(m) => Some(m),
            Listed::Damaged { .. } => None,
        });
        match latest {
            Some(m) if m.taken_at >= started => reportable.push(org.clone()),
            Some(m) => {
                notes.push(format!(
                    "{org}: no fresh snapshot (the Hub could not be read); \
                     reported from the snapshot of {}",
                    m.taken_at.format("%Y-%m-%d %H:%M UTC")
                ));
                reportable.push(org.clone());
            }
            None => notes.push(format!(
                "{org}: no fresh snapshot and none in the store; left out of the report"
            )),
        }
    }
    Ok((reportable, notes))
}
