//! Logging to stderr with tracing, and the one place errors are printed.
//!
//! Only hfaudit's own events go past `warn`: dependencies (HTTP, TLS) stay at
//! warnings even under `-vv`, so nothing they might print about requests
//! reaches a log. The token is never in an event to begin with.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::error::Error;

/// `-q`: errors only; default: warnings; `-v`: info; `-vv`: debug.
pub fn init(quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = EnvFilter::new(format!("warn,hfaudit={level}"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .try_init();
}

/// Prints an error, its causes and the advice, once, on stderr.
pub fn report_error(e: &Error) {
    let mut text = format!("error: {e}");
    if let Error::Many(errors) = e {
        for inner in errors {
            text.push_str(&format!("\n  - {inner}"));
            if let Some(h) = inner.hint() {
                text.push_str(&format!("\n    hint: {h}"));
            }
        }
    } else {
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            // Collector errors already include their cause in the message.
            if !text.contains(&s.to_string()) {
                text.push_str(&format!("\n  caused by: {s}"));
            }
            source = s.source();
        }
        if let Some(h) = e.hint() {
            text.push_str(&format!("\nhint: {h}"));
        }
    }
    #[allow(clippy::disallowed_macros)] // the one place errors are printed
    {
        eprintln!("{text}");
    }
}
