//! One error type for the whole program.
//!
//! Every variant carries the context a user needs (file, URL, org) and maps to
//! one of SPEC.md's exit codes. `hint()` gives the advice printed after the
//! message. No variant ever holds the Hub token: URLs are stored without query
//! secrets and the token is only ever in `hub::auth::Token`, whose `Debug` is
//! redacted.

use std::path::PathBuf;

use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum Error {
    /// A bad flag or flag combination.
    #[error("{0}")]
    Usage(String),

    /// A configuration file that cannot be used.
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },

    /// An input file (roster, identities, exceptions…) with a problem at a
    /// known place. `line`/`column` are 1-based.
    #[error("{}: {message}", location(path, *line, *column))]
    Input {
        path: PathBuf,
        line: Option<u64>,
        column: Option<u64>,
        message: String,
    },

    /// No usable token, or the token cannot read the org.
    #[error("{message}")]
    Auth { message: String, hint: String },

    /// The Hub answered, but not with what we need.
    #[error("{url}: {message}")]
    Hub {
        url: String,
        status: Option<u16>,
        message: String,
    },

    /// A required collector could not complete.
    #[error("{org}: {collector} could not be read completely: {source}")]
    Collector {
        org: String,
        collector: String,
        #[source]
        source: Box<Error>,
    },

    /// Another process holds the org's lock.
    #[error("{path}: another hfaudit run is writing this org's store (lock held{})", holder.as_deref().map(|h| format!(" by {h}")).unwrap_or_default())]
    Locked {
        path: PathBuf,
        holder: Option<String>,
    },

    /// The store on disk is damaged or was written by an incompatible version.
    #[error("{path}: {message}")]
    Store { path: PathBuf, message: String },

    /// An I/O failure on a known path.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The reports were written but could not be mailed (exit 4). Never
    /// holds the SMTP password.
    #[error("{message}")]
    Mail { message: String, hint: String },

    /// `hfaudit apply` will not apply the plan (stale, too old, not
    /// confirmed, a permission missing): nothing was sent (exit 2).
    #[error("{message}")]
    Refused { message: String, hint: String },

    /// Several orgs failed; the worst decides the exit code.
    #[error("{} org(s) failed", .0.len())]
    Many(Vec<Error>),
}

fn location(path: &std::path::Path, line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", path.display()),
        (Some(l), None) => format!("{}:{l}", path.display()),
        _ => path.display().to_string(),
    }
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn store(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Store {
            path: path.into(),
            message: message.into(),
        }
    }

    pub fn input(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// An input file that cannot be read is the user's to fix (exit 2), not
    /// a failure of the store: an I/O error becomes an input error.
    pub fn unreadable_input(self) -> Self {
        match self {
            Error::Io { path, source } => Error::Input {
                path,
                line: None,
                column: None,
                message: format!("cannot read the file: {source}"),
            },
            other => other,
        }
    }

    /// `path`, given as `what` (e.g. `--out`), exists but is not a
    /// directory, or one of its parents is not: the user's to fix (exit 2).
    pub fn not_a_directory(path: impl Into<PathBuf>, what: &str) -> Self {
        Error::input(
            path,
            format!("is not a directory; {what} must name a directory (created if missing)"),
        )
    }

    /// The error for creating or opening directory `path` (given as
    /// `what`): "not a directory" (`EEXIST` on a file, `ENOTDIR` on a
    /// parent) is the user's to fix, anything else an I/O error.
    pub fn dir_io(path: impl Into<PathBuf>, what: &str, source: std::io::Error) -> Self {
        let path = path.into();
        let file_in_the_way = source.kind() == std::io::ErrorKind::NotADirectory
            || (source.kind() == std::io::ErrorKind::AlreadyExists && !path.is_dir());
        if file_in_the_way {
            Error::not_a_directory(path, what)
        } else {
            Error::io(path, source)
        }
    }

    /// SPEC.md's exit code for this error: 2 for anything the user can fix in
    /// their input, 3 when the Hub or the store could not be used completely.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_)
            | Error::Config { .. }
            | Error::Input { .. }
            | Error::Refused { .. } => 2,
            Error::Mail { .. } => 4,
            Error::Many(errors) => errors.iter().map(Error::exit_code).max().unwrap_or(3),
            Error::Auth { .. }
            | Error::Hub { .. }
            | Error::Collector { .. }
            | Error::Locked { .. }
            | Error::Store { .. }
            | Error::Io { .. } => 3,
        }
    }

    /// Advice on what to do about the error, when we have some.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Auth { hint, .. } | Error::Mail { hint, .. } | Error::Refused { hint, .. } => {
                Some(hint.clone())
            }
            Error::Locked { .. } => Some(
                "wait for the other run to finish, or raise --lock-wait; the store was not changed"
                    .into(),
            ),
            Error::Collector { source, .. } => source.hint(),
            Error::Hub {
                status: Some(429), ..
            } => Some("the Hub's rate limit did not reset in time; run again later".into()),
            Error::Hub {
                status: Some(401), ..
            } => Some("the token was rejected: create a new one at https://huggingface.co/settings/tokens".into()),
            _ => None,
        }
    }
}
