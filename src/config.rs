//! Flags, environment and `hfaudit.toml` merged once into validated
//! settings: flags win over the environment, the environment over the file,
//! the file over the defaults ([`defaults`]). [`Settings::resolve`] reads
//! the file and the environment ([`Env::from_process`], the one place
//! hfaudit reads its variables) and validates every section at start,
//! whatever the command; a command then only lays its own flags, which clap
//! has checked, over them. The rest of the program only sees [`Settings`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use chrono::{DateTime, NaiveDate, Utc};

use crate::cli::{GlobalArgs, HubArgs, InputArgs, MailArgs, ReportArgs};
use crate::error::{Error, Result};
use crate::hub::{ClientOptions, TokenEnv};
use crate::roster::RosterOptions;
use crate::rules::{Severity, Thresholds};
use crate::seats::SeatPrices;
use crate::store::validate_org_name;

pub mod defaults;
mod mail;
mod sections;

use defaults::DEFAULT_BACKOFF_MS;
pub use defaults::{DEFAULT_CONFIG, DEFAULT_ENDPOINT, DEFAULT_OUT, DEFAULT_STORE};
pub use mail::{
    Delivery, MailConfig, MailEnv, MailSection, MailSettings, Password, SmtpSettings, TlsMode,
    parse_smtp_url, reviewer_mailbox,
};
pub use sections::{HubSection, ReportSection};

/// `hfaudit.toml` as written. Unknown keys are an error naming the key.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Organizations to audit.
    #[serde(default)]
    pub orgs: Vec<String>,
    /// Where snapshots are kept.
    pub store: Option<PathBuf>,
    #[serde(default)]
    pub hub: HubConfig,
    /// The HR roster export.
    pub roster: Option<PathBuf>,
    /// Where reports are written.
    pub out: Option<PathBuf>,
    /// Exit 1 at or above this severity.
    pub fail_on: Option<String>,
    #[serde(default)]
    pub thresholds: ThresholdsConfig,
    /// Monthly USD price of a seat, per org.
    #[serde(default)]
    pub seat_prices: BTreeMap<String, f64>,
    /// Accepted findings (TOML), as `--exceptions`.
    pub exceptions: Option<PathBuf>,
    /// `hf_username,email` pairs, as `--identities`.
    pub identities: Option<PathBuf>,
    /// IdP export of last logins, as `--activity`.
    pub activity: Option<PathBuf>,
    #[serde(default)]
    pub mail: MailConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsConfig {
    pub stale_invite_days: Option<u32>,
    pub inactive_days: Option<u32>,
    pub revoke_sla_days: Option<u32>,
    pub stale_token_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubConfig {
    pub concurrency: Option<u16>,
    pub timeout_secs: Option<u64>,
    pub retries: Option<u32>,
    pub lock_wait_secs: Option<u64>,
    /// The cap on one response body, in MiB.
    pub max_body_mib: Option<u64>,
}

/// Settings every command shares: the config file, the environment and the
/// defaults, each section validated by [`Settings::resolve`] before any
/// command runs. A command only lays its own flags over them
/// ([`Settings::hub`], [`Settings::report`], [`Settings::mail`]).
#[derive(Debug, Clone)]
pub struct Settings {
    pub store: PathBuf,
    /// Requested orgs, validated and de-duplicated, in the order given.
    pub orgs: Vec<String>,
    pub quiet: bool,
    /// The config file that was read, if any.
    pub config_path: Option<PathBuf>,
    pub hub: HubSection,
    pub report: ReportSection,
    pub mail: MailSection,
}

/// Everything `hfaudit report` needs besides the store and orgs.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    pub roster: PathBuf,
    pub roster_options: RosterOptions,
    pub identities: Option<PathBuf>,
    /// IdP export of last logins (`--activity`).
    pub activity: Option<PathBuf>,
    pub exceptions: Option<PathBuf>,
    pub as_of: NaiveDate,
    /// The moment ages are computed at: now, or the end of `--as-of`.
    pub now: DateTime<Utc>,
    pub out: PathBuf,
    pub templates: Option<PathBuf>,
    pub fail_on: Severity,
    pub thresholds: Thresholds,
    pub prices: SeatPrices,
}

/// Everything needed to talk to the Hub.
#[derive(Debug, Clone)]
pub struct HubSettings {
    pub endpoint: String,
    pub token_file: Option<PathBuf>,
    /// `--scim-token-file`: the org's SCIM token (else `HF_SCIM_TOKEN`).
    pub scim_token_file: Option<PathBuf>,
    pub token_env: TokenEnv,
    pub client: ClientOptions,
    pub lock_wait: Duration,
}

/// The process environment the settings read, injectable for tests.
/// [`Env::from_process`] is the one place hfaudit reads its variables.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub hfaudit_store: Option<String>,
    pub hf_endpoint: Option<String>,
    pub token: TokenEnv,
    pub mail: MailEnv,
}

impl Env {
    pub fn from_process() -> Env {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let var_os = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        Env {
            hfaudit_store: var("HFAUDIT_STORE"),
            hf_endpoint: var("HF_ENDPOINT"),
            token: TokenEnv {
                hf_token: var_os("HF_TOKEN").and_then(|v| v.into_string().ok()),
                hf_scim_token: var_os("HF_SCIM_TOKEN").and_then(|v| v.into_string().ok()),
                hf_token_path: var_os("HF_TOKEN_PATH").map(PathBuf::from),
                hf_home: var_os("HF_HOME").map(PathBuf::from),
                home: var_os("HOME").map(PathBuf::from),
            },
            mail: MailEnv {
                smtp_url: var("HFAUDIT_SMTP_URL").map(Password),
            },
        }
    }
}

impl Settings {
    /// Reads the config file and validates every section of it, whatever
    /// the command: a bad value is exit 2 naming the file and the key
    /// before anything is fetched, read or written.
    pub fn resolve(global: &GlobalArgs, env: &Env) -> Result<Settings> {
        let (file, config_path) = load_file(global.config.as_deref())?;
        let shown_path = config_path
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
        let bad = |message: String| Error::Config {
            path: shown_path.clone(),
            message,
        };
        let hub = HubSection::resolve(&file.hub, env, &bad)?;
        let report = ReportSection::resolve(&file, &bad)?;
        let mail = MailSection::resolve(&file.mail, &env.mail, &shown_path)?;
        let store = global
            .store
            .clone()
            .or_else(|| env.hfaudit_store.as_ref().map(PathBuf::from))
            .or(file.store)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_STORE));
        let requested = if global.orgs.is_empty() {
            file.orgs
        } else {
            global.orgs.clone()
        };
        let mut orgs: Vec<String> = Vec::new();
        for org in requested {
            let org = org.trim().to_string();
            validate_org_name(&org)?;
            if !orgs.iter().any(|o| o.eq_ignore_ascii_case(&org)) {
                orgs.push(org);
            }
        }
        Ok(Settings {
            store,
            orgs,
            quiet: global.quiet,
            config_path,
            hub,
            report,
            mail,
        })
    }

    /// The orgs to fetch: at least one is needed.
    pub fn require_orgs(&self) -> Result<&[String]> {
        if self.orgs.is_empty() {
            return Err(Error::Usage(
                "no organization to audit: pass --org ORG or list `orgs` in hfaudit.toml".into(),
            ));
        }
        Ok(&self.orgs)
    }

    /// The Hub settings with this command's flags over them (clap has
    /// checked the flags' bounds).
    pub fn hub(&self, args: &HubArgs, lock_wait: Option<u64>) -> HubSettings {
        let hub = &self.hub;
        let client = ClientOptions {
            timeout: Duration::from_secs(args.timeout.unwrap_or(hub.timeout_secs)),
            max_body_bytes: args.max_body_mib.unwrap_or(hub.max_body_mib) * 1024 * 1024,
            max_retries: args.retries.unwrap_or(hub.retries),
            backoff_base: Duration::from_millis(args.backoff_ms.unwrap_or(DEFAULT_BACKOFF_MS)),
            concurrency: usize::from(args.concurrency.unwrap_or(hub.concurrency)),
            ..ClientOptions::default()
        };
        HubSettings {
            endpoint: hub.endpoint.clone(),
            token_file: args.token_file.clone(),
            scim_token_file: args.scim_token_file.clone(),
            token_env: hub.token_env.clone(),
            client,
            lock_wait: lock_wait.map_or(hub.lock_wait, Duration::from_secs),
        }
    }

    /// Report settings: this command's flags over the config file's.
    pub fn report(&self, args: &ReportArgs, now: DateTime<Utc>) -> Result<ReportSettings> {
        let mut r = self.reconcile(&args.inputs, now)?;
        if let Some(out) = &args.out {
            r.out = out.clone();
        }
        r.templates = args.templates.clone();
        if let Some(fail_on) = args.fail_on {
            r.fail_on = fail_on;
        }
        Ok(r)
    }

    /// The settings of a reconciliation (`report`, `plan`): the input
    /// flags over the config file's; the outputs as the config file says.
    pub fn reconcile(&self, args: &InputArgs, now: DateTime<Utc>) -> Result<ReportSettings> {
        let file = &self.report;
        let roster = args.roster.clone().or(file.roster.clone()).ok_or_else(|| {
            Error::Usage("no roster: pass --roster FILE or set `roster` in hfaudit.toml".into())
        })?;
        let (as_of, now) = match &args.as_of {
            None => (now.date_naive(), now),
            Some(text) => {
                let day = parse_as_of(text)?;
                let end = day.and_hms_opt(23, 59, 59).expect("valid time").and_utc();
                (day, end)
            }
        };
        let days = |flag: Option<u32>, resolved: i64| flag.map_or(resolved, i64::from);
        let t = &file.thresholds;
        Ok(ReportSettings {
            roster,
            roster_options: RosterOptions {
                date_format: args.date_format.clone(),
                map: args.roster_map.clone(),
            },
            identities: args.identities.clone().or(file.identities.clone()),
            activity: args.activity.clone().or(file.activity.clone()),
            exceptions: args.exceptions.clone().or(file.exceptions.clone()),
            as_of,
            now,
            out: file.out.clone(),
            templates: None,
            fail_on: file.fail_on,
            thresholds: Thresholds {
                stale_invite_days: days(args.stale_invite_days, t.stale_invite_days),
                inactive_days: days(args.inactive_days, t.inactive_days),
                revoke_sla_days: days(args.revoke_sla_days, t.revoke_sla_days),
                stale_token_days: days(args.stale_token_days, t.stale_token_days),
            },
            prices: file.prices.clone(),
        })
    }

    /// Mail settings: `--mail-to` over `[mail] to`; the SMTP server
    /// (`HFAUDIT_SMTP_URL` over `[mail] smtp_url`) was resolved already.
    /// `Ok(None)` when there is no recipient.
    pub fn mail(&self, args: &MailArgs) -> Result<Option<MailSettings>> {
        self.mail.with_flags(&args.mail_to, args.mail_dry_run)
    }
}

/// `--as-of`: a date, `YYYY-MM-DD`.
fn parse_as_of(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Error::Usage(format!("--as-of '{text}' is not a date (YYYY-MM-DD)")))
}

/// Reads `--config FILE` (which must exist) or `./hfaudit.toml` (if it does).
fn load_file(explicit: Option<&Path>) -> Result<(FileConfig, Option<PathBuf>)> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None if Path::new(DEFAULT_CONFIG).is_file() => PathBuf::from(DEFAULT_CONFIG),
        None => return Ok((FileConfig::default(), None)),
    };
    let text =
        crate::input_file::read_to_string(&path, crate::input_file::TOML_MAX_BYTES, "config file")
            .map_err(|e| match e {
                Error::Io { source, .. } => Error::Config {
                    path: path.clone(),
                    message: format!("cannot read the config file: {source}"),
                },
                other => other,
            })?;
    let config = parse(&text, &path)?;
    Ok((config, Some(path)))
}

/// Parses config text; errors carry the line and column of the problem,
/// the key when the parser knows it, and what the key may be.
pub fn parse(text: &str, path: &Path) -> Result<FileConfig> {
    toml::from_str(text).map_err(|mut e: toml::de::Error| {
        let (line, column) = e
            .span()
            .map(|span| line_col(text, span.start))
            .unwrap_or((0, 0));
        let message = match error_key(&mut e) {
            Some(key) => match defaults::allowed(&key) {
                Some(allowed) => format!("{key}: {} (allowed: {allowed})", e.message()),
                None => format!("{key}: {}", e.message()),
            },
            None => e.message().to_string(),
        };
        Error::Input {
            path: path.to_path_buf(),
            line: (line > 0).then_some(line),
            column: (column > 0).then_some(column),
            message,
        }
    })
}

/// The dotted key a TOML error is about, if any: toml shows it (as
/// "in `hub.timeout_secs`") only when it has no source text to quote.
fn error_key(e: &mut toml::de::Error) -> Option<String> {
    e.set_input(None);
    let shown = e.to_string();
    let key = shown
        .lines()
        .find_map(|l| l.strip_prefix("in `")?.strip_suffix('`'));
    key.map(str::to_string)
}

pub(crate) fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}

#[cfg(test)]
mod tests;
