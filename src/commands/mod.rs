//! The subcommands: each takes validated settings and returns what the exit
//! code is made of. The settings are resolved here, before any command
//! starts: a bad config value stops every command alike.

mod apply;
mod diff;
mod doctor;
mod evidence;
mod history;
pub mod plan;
mod prune;
mod report;
mod review;
mod run;
pub mod snapshot;

use crate::cli::{Cli, Command};
use crate::config::{Env, Settings};
use crate::error::Result;
use crate::term::Term;

/// How a command that did its job ended (errors are `Err`). Ordered: when
/// `hfaudit run` ends several ways at once, the greatest wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Done {
    /// Exit 0.
    Clean,
    /// Exit 1: findings at or above `--fail-on`; the reports were written.
    Findings,
    /// Exit 3: `run` wrote the reports from what the store holds, but at
    /// least one org could not be snapshotted (already reported).
    HubFailed,
    /// Exit 4: `run` wrote the reports, but mailing them failed (already
    /// reported as [`crate::Error::Mail`]).
    MailFailed,
}

impl Done {
    pub fn exit_code(self) -> u8 {
        match self {
            Done::Clean => 0,
            Done::Findings => 1,
            Done::HubFailed => 3,
            Done::MailFailed => 4,
        }
    }
}

/// Hands `value` to the operating system instead of dropping it: the
/// process ends when its command returns (only `main` calls [`run`], once),
/// and exit returns a large org's stored snapshots and report at once,
/// where dropping them frees them one allocation at a time. (The roster
/// and the matcher are dropped as soon as the report is built: their
/// memory is used again to render it.)
pub(crate) fn free_at_exit<T>(value: T) {
    std::mem::forget(value);
}

/// Runs the parsed command line in the given environment (see
/// [`Env::from_process`]).
pub fn run(cli: &Cli, env: &Env, term: &Term) -> Result<Done> {
    let settings = Settings::resolve(&cli.global, env)?;
    match &cli.command {
        Command::Snapshot(args) => {
            let hub = settings.hub(&args.hub, args.lock_wait);
            crate::commands::snapshot::run(&settings, &hub, term).map(|_| Done::Clean)
        }
        Command::History(args) => history::run(&settings, args.format, term).map(|()| Done::Clean),
        Command::Doctor(args) => {
            let hub = settings.hub(args, None);
            doctor::run(&settings, &hub, term).map(|()| Done::Clean)
        }
        Command::Report(args) => {
            let r = settings.report(args, chrono::Utc::now())?;
            let store = crate::store::Store::new(&settings.store);
            let report = report::run(&store, &settings.orgs, &r, term)?;
            let failing = report.fails();
            free_at_exit(report);
            Ok(if failing { Done::Findings } else { Done::Clean })
        }
        Command::Diff(args) => diff::run(&settings, args, term).map(|()| Done::Clean),
        Command::Run(args) => run::run(&settings, args, term),
        Command::Prune(args) => prune::run(&settings, args, term).map(|()| Done::Clean),
        Command::Plan(args) => plan::run(&settings, args, term).map(|_| Done::Clean),
        Command::Apply(args) => apply::run(&settings, args, term),
        Command::Review(args) => review::run(&settings, args, term),
        Command::Evidence(args) => evidence::run(&settings, args, term),
        Command::Demo(args) => {
            report::demo(&settings, args.out.clone(), args.fixtures.clone(), term)
                .map(|()| Done::Clean)
        }
    }
}
