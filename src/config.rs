//! Flags, environment and `hfaudit.toml` merged once into validated
//! settings: flags win over the environment, the environment over the file,
//! the file over the defaults. The rest of the program only sees
//! [`Settings`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use chrono::{DateTime, NaiveDate, Utc};

use crate::cli::{GlobalArgs, HubArgs, MailArgs, ReportArgs};
use crate::error::{Error, Result};
use crate::hub::{ClientOptions, DEFAULT_MAX_BODY_MIB, TokenEnv};
use crate::roster::RosterOptions;
use crate::rules::{Severity, Thresholds};
use crate::seats::SeatPrices;
use crate::store::validate_org_name;

mod mail;
pub use mail::{
    Delivery, MailConfig, MailEnv, MailSettings, Password, SmtpSettings, TlsMode, parse_smtp_url,
};

/// The config file used when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG: &str = "hfaudit.toml";
/// The store used when nothing else says.
pub const DEFAULT_STORE: &str = "hfaudit-store";
/// Where reports go when nothing else says.
pub const DEFAULT_OUT: &str = "hfaudit-report";
/// The Hub used when HF_ENDPOINT is not set.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// The largest `hub.max_body_mib` accepted: 64 GiB.
const MAX_BODY_MIB_LIMIT: u64 = 64 * 1024;
/// Upper bounds of the numeric Hub settings: far above any sensible value,
/// low enough that no deadline computed from them can overflow.
const MAX_TIMEOUT_SECS: u64 = 86_400;
const MAX_LOCK_WAIT_SECS: u64 = 7 * 86_400;
const MAX_RETRIES: u32 = 100;
const MAX_BACKOFF_MS: u64 = 600_000;
/// How long a run waits for another run's lock on an org by default.
const DEFAULT_LOCK_WAIT_SECS: u64 = 300;

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

/// Settings every command shares.
#[derive(Debug, Clone)]
pub struct Settings {
    pub store: PathBuf,
    /// Requested orgs, validated and de-duplicated, in the order given.
    pub orgs: Vec<String>,
    pub quiet: bool,
    /// The config file that was read, if any.
    pub config_path: Option<PathBuf>,
    file_hub: HubFileSettings,
    file_report: ReportFileSettings,
    file_mail: MailConfig,
}

#[derive(Debug, Clone, Default)]
struct ReportFileSettings {
    roster: Option<PathBuf>,
    out: Option<PathBuf>,
    fail_on: Option<String>,
    stale_invite_days: Option<u32>,
    inactive_days: Option<u32>,
    revoke_sla_days: Option<u32>,
    stale_token_days: Option<u32>,
    seat_prices: BTreeMap<String, f64>,
    exceptions: Option<PathBuf>,
    identities: Option<PathBuf>,
    activity: Option<PathBuf>,
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

#[derive(Debug, Clone, Default)]
struct HubFileSettings {
    concurrency: Option<u16>,
    timeout_secs: Option<u64>,
    retries: Option<u32>,
    lock_wait_secs: Option<u64>,
    max_body_mib: Option<u64>,
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
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub hfaudit_store: Option<String>,
    pub hf_endpoint: Option<String>,
    pub token: TokenEnv,
}

impl Env {
    pub fn from_process() -> Env {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Env {
            hfaudit_store: var("HFAUDIT_STORE"),
            hf_endpoint: var("HF_ENDPOINT"),
            token: TokenEnv::from_process(),
        }
    }
}

impl Settings {
    pub fn resolve(global: &GlobalArgs, env: &Env) -> Result<Settings> {
        let (file, config_path) = load_file(global.config.as_deref())?;
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
            file_hub: HubFileSettings {
                concurrency: file.hub.concurrency,
                timeout_secs: file.hub.timeout_secs,
                retries: file.hub.retries,
                lock_wait_secs: file.hub.lock_wait_secs,
                max_body_mib: file.hub.max_body_mib,
            },
            file_report: ReportFileSettings {
                roster: file.roster,
                out: file.out,
                fail_on: file.fail_on,
                stale_invite_days: file.thresholds.stale_invite_days,
                inactive_days: file.thresholds.inactive_days,
                revoke_sla_days: file.thresholds.revoke_sla_days,
                stale_token_days: file.thresholds.stale_token_days,
                seat_prices: file.seat_prices,
                exceptions: file.exceptions,
                identities: file.identities,
                activity: file.activity,
            },
            file_mail: file.mail,
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

    pub fn hub(&self, args: &HubArgs, lock_wait: Option<u64>, env: &Env) -> Result<HubSettings> {
        let defaults = ClientOptions::default();
        let concurrency = args.concurrency.or(self.file_hub.concurrency).unwrap_or(8);
        if !(1..=64).contains(&concurrency) {
            return Err(self.config_error("hub.concurrency must be between 1 and 64"));
        }
        let timeout = args.timeout.or(self.file_hub.timeout_secs).unwrap_or(120);
        if !(1..=MAX_TIMEOUT_SECS).contains(&timeout) {
            return Err(self.config_error(&format!(
                "hub.timeout_secs (--timeout) must be between 1 and {MAX_TIMEOUT_SECS}"
            )));
        }
        let max_retries = args
            .retries
            .or(self.file_hub.retries)
            .unwrap_or(defaults.max_retries);
        if max_retries > MAX_RETRIES {
            return Err(self.config_error(&format!(
                "hub.retries (--retries) must be at most {MAX_RETRIES}"
            )));
        }
        let backoff_base = match args.backoff_ms {
            Some(ms) if ms > MAX_BACKOFF_MS => {
                return Err(Error::Usage(format!(
                    "--backoff-ms must be at most {MAX_BACKOFF_MS}"
                )));
            }
            Some(ms) => Duration::from_millis(ms),
            None => defaults.backoff_base,
        };
        let lock_wait = self.checked_lock_wait(lock_wait)?;
        let max_body_mib = args
            .max_body_mib
            .or(self.file_hub.max_body_mib)
            .unwrap_or(DEFAULT_MAX_BODY_MIB);
        if !(1..=MAX_BODY_MIB_LIMIT).contains(&max_body_mib) {
            return Err(self.config_error(&format!(
                "hub.max_body_mib must be between 1 and {MAX_BODY_MIB_LIMIT}"
            )));
        }
        let client = ClientOptions {
            timeout: Duration::from_secs(timeout),
            max_body_bytes: max_body_mib * 1024 * 1024,
            max_retries,
            backoff_base,
            concurrency: concurrency as usize,
            ..defaults
        };
        Ok(HubSettings {
            endpoint: env
                .hf_endpoint
                .clone()
                .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string()),
            token_file: args.token_file.clone(),
            scim_token_file: args.scim_token_file.clone(),
            token_env: env.token.clone(),
            client,
            lock_wait,
        })
    }

    /// Report settings: flags, then the config file, then the defaults.
    pub fn report(&self, args: &ReportArgs, now: DateTime<Utc>) -> Result<ReportSettings> {
        let file = &self.file_report;
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
        let fail_on = match (&args.fail_on, &file.fail_on) {
            (Some(s), _) => *s,
            (None, Some(text)) => text
                .parse()
                .map_err(|e: String| self.config_error(&format!("fail_on: {e}")))?,
            (None, None) => Severity::High,
        };
        for (org, price) in &file.seat_prices {
            if !price.is_finite() || *price < 0.0 {
                return Err(self.config_error(&format!("seat_prices.{org} must be a price >= 0")));
            }
        }
        let defaults = Thresholds::default();
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
            out: args
                .out
                .clone()
                .or(file.out.clone())
                .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT)),
            templates: args.templates.clone(),
            fail_on,
            thresholds: Thresholds {
                stale_invite_days: args
                    .stale_invite_days
                    .or(file.stale_invite_days)
                    .map_or(defaults.stale_invite_days, i64::from),
                inactive_days: args
                    .inactive_days
                    .or(file.inactive_days)
                    .map_or(defaults.inactive_days, i64::from),
                revoke_sla_days: args
                    .revoke_sla_days
                    .or(file.revoke_sla_days)
                    .map_or(defaults.revoke_sla_days, i64::from),
                stale_token_days: args
                    .stale_token_days
                    .or(file.stale_token_days)
                    .map_or(defaults.stale_token_days, i64::from),
            },
            prices: SeatPrices {
                per_org: file.seat_prices.clone().into_iter().collect(),
            },
        })
    }

    /// Mail settings: `--mail-to` over `[mail] to`, `HFAUDIT_SMTP_URL` over
    /// `[mail] smtp_url`. `Ok(None)` when there is no recipient.
    pub fn mail(&self, args: &MailArgs, env: &MailEnv) -> Result<Option<MailSettings>> {
        let path = self
            .config_path
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
        mail::resolve(
            &args.mail_to,
            args.mail_dry_run,
            env,
            mail::FileMail {
                config: &self.file_mail,
                path: &path,
            },
        )
    }

    /// How long to wait for another run's lock on an org: `hub.lock_wait_secs`
    /// [default: 300 s].
    pub fn lock_wait(&self) -> Result<Duration> {
        self.checked_lock_wait(None)
    }

    /// `--lock-wait`, else `hub.lock_wait_secs`, else the default; bounded
    /// so that the lock's deadline can always be computed.
    fn checked_lock_wait(&self, flag: Option<u64>) -> Result<Duration> {
        let secs = flag
            .or(self.file_hub.lock_wait_secs)
            .unwrap_or(DEFAULT_LOCK_WAIT_SECS);
        if secs > MAX_LOCK_WAIT_SECS {
            return Err(self.config_error(&format!(
                "hub.lock_wait_secs (--lock-wait) must be at most {MAX_LOCK_WAIT_SECS}"
            )));
        }
        Ok(Duration::from_secs(secs))
    }

    /// `--out` when not given: the config file's, else `./hfaudit-report`.
    pub fn report_out_default(&self) -> PathBuf {
        self.file_report
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT))
    }

    fn config_error(&self, message: &str) -> Error {
        Error::Config {
            path: self
                .config_path
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG)),
            message: message.into(),
        }
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

/// Parses config text; errors carry the line and column of the problem.
pub fn parse(text: &str, path: &Path) -> Result<FileConfig> {
    toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|span| line_col(text, span.start))
            .unwrap_or((0, 0));
        Error::Input {
            path: path.to_path_buf(),
            line: (line > 0).then_some(line),
            column: (column > 0).then_some(column),
            message: e.message().to_string(),
        }
    })
}

pub(crate) fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}

#[cfg(test)]
mod tests;
