//! The subcommands: each takes validated settings and returns what the exit
//! code is made of.

mod doctor;
mod history;

use crate::cli::{Cli, Command};
use crate::config::{Env, Settings};
use crate::error::Result;
use crate::term::Term;

/// Runs the parsed command line in the given environment (see
/// [`Env::from_process`]).
pub fn run(cli: &Cli, env: &Env, term: &Term) -> Result<()> {
    let env = env.clone();
    let settings = Settings::resolve(&cli.global, &env)?;
    match &cli.command {
        Command::Snapshot(args) => {
            let hub = settings.hub(&args.hub, args.lock_wait, &env)?;
            crate::snapshot::run(&settings, &hub, term).map(|_| ())
        }
        Command::History(args) => history::run(&settings, args.format, term),
        Command::Doctor(args) => {
            let hub = settings.hub(args, None, &env)?;
            doctor::run(&settings, &hub, term)
        }
    }
}
