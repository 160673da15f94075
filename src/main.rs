//! The `hfaudit` binary: parse arguments, set up logging, run the command,
//! turn the outcome into an exit code. Everything else is in the library.

use std::process::ExitCode;

use clap::Parser;
use hfaudit::cli::Cli;
use hfaudit::term::Term;

// polars allocates and frees large column buffers over and over; the
// system allocator hands those pages back and faults them in again, which
// cost a quarter of the time of a history scan (see benches/history.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Help and version are successes; every other parse error is usage.
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    hfaudit::logging::init(cli.global.quiet, cli.global.verbose);
    let term = Term::new(cli.global.quiet);
    match hfaudit::commands::run(&cli, &hfaudit::config::Env::from_process(), &term) {
        Ok(done) => ExitCode::from(done.exit_code()),
        Err(e) => {
            hfaudit::logging::report_error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}
