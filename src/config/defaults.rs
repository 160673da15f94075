//! Every default and bound of a setting, named once: the settings
//! resolution, the Hub client's and the rules' defaults and the `--help`
//! texts (src/cli.rs) all read them from here, so they cannot disagree.

use crate::rules::Severity;

/// The config file used when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG: &str = "hfaudit.toml";
/// The store used when nothing else says.
pub const DEFAULT_STORE: &str = "hfaudit-store";
/// Where reports go when nothing else says.
pub const DEFAULT_OUT: &str = "hfaudit-report";
/// The Hub used when HF_ENDPOINT is not set.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// `hub.concurrency` / `--concurrency`: per-repo requests in flight.
pub const DEFAULT_CONCURRENCY: u16 = 8;
pub const MAX_CONCURRENCY: u16 = 64;
/// `hub.timeout_secs` / `--timeout`: one request, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u64 = 120;
/// Upper bounds of the durations: far above any sensible value, low enough
/// that no deadline computed from them can overflow.
pub const MAX_TIMEOUT_SECS: u64 = 86_400;
/// `hub.retries` / `--retries`: attempts after the first one.
pub const DEFAULT_RETRIES: u32 = 5;
/// The most retries `hub.retries` accepts.
pub const MAX_RETRIES: u32 = 100;
/// The most retries `--retries` accepts.
pub const MAX_RETRIES_FLAG: u32 = 20;
/// `hub.lock_wait_secs` / `--lock-wait`: how long a run waits for another
/// run's lock on an org.
pub const DEFAULT_LOCK_WAIT_SECS: u64 = 300;
pub const MAX_LOCK_WAIT_SECS: u64 = 7 * 86_400;
/// `hfaudit apply --max-age`: a plan older than this is refused.
pub const DEFAULT_PLAN_MAX_AGE_HOURS: u64 = 24;
pub const MAX_PLAN_AGE_HOURS: u64 = 30 * 24;
/// `hub.max_body_mib` / `--max-body-mib`: the cap on one response body, far
/// above any real org's largest page.
pub const DEFAULT_MAX_BODY_MIB: u64 = 512;
/// The largest body cap accepted: 64 GiB.
pub const MAX_BODY_MIB_LIMIT: u64 = 64 * 1024;
/// `--backoff-ms`: the first backoff step.
pub const DEFAULT_BACKOFF_MS: u64 = 1_000;
pub const MAX_BACKOFF_MS: u64 = 600_000;

/// `fail_on` / `--fail-on`: exit 1 at or above this severity.
pub const DEFAULT_FAIL_ON: Severity = Severity::High;
/// `thresholds.*` / `--*-days` (SPEC.md's rule defaults).
pub const DEFAULT_STALE_INVITE_DAYS: u32 = 14;
pub const DEFAULT_INACTIVE_DAYS: u32 = 90;
pub const DEFAULT_REVOKE_SLA_DAYS: u32 = 1;
pub const DEFAULT_STALE_TOKEN_DAYS: u32 = 90;

/// `[mail] subject_prefix`.
pub const DEFAULT_SUBJECT_PREFIX: &str = "[hfaudit]";
/// `[mail] from` when the SMTP user is not an address either.
pub const DEFAULT_MAIL_FROM: &str = "hfaudit@localhost";

/// The inclusive bounds of each `[hub]` number.
const HUB_BOUNDS: [(&str, u64, u64); 5] = [
    ("concurrency", 1, MAX_CONCURRENCY as u64),
    ("timeout_secs", 1, MAX_TIMEOUT_SECS),
    ("retries", 0, MAX_RETRIES as u64),
    ("lock_wait_secs", 0, MAX_LOCK_WAIT_SECS),
    ("max_body_mib", 1, MAX_BODY_MIB_LIMIT),
];

/// The bounds of `[hub] key`, if it is a number.
pub fn hub_bounds(key: &str) -> Option<(u64, u64)> {
    HUB_BOUNDS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|&(_, min, max)| (min, max))
}

/// What a key of the config file may be, when the parser's own words
/// ("expected u64") would not say it: for the numbers.
pub fn allowed(key: &str) -> Option<String> {
    if let Some((min, max)) = key.strip_prefix("hub.").and_then(hub_bounds) {
        return Some(format!("a whole number from {min} to {max}"));
    }
    key.starts_with("thresholds.")
        .then(|| "a whole number of days, 0 or more".to_string())
}

/// Checks that `value` is in `min..=max`; the message says what is allowed.
pub fn check_range<T>(value: T, min: T, max: T) -> Result<T, String>
where
    T: PartialOrd + std::fmt::Display + Copy,
{
    if value < min || value > max {
        Err(format!("must be between {min} and {max}, not {value}"))
    } else {
        Ok(value)
    }
}
