//! The `[hub]` and report sections of `hfaudit.toml`, with the environment
//! and the defaults, turned into typed values once, at start: whichever
//! command runs, a bad value is an error naming the key and what it may be.

use std::path::PathBuf;
use std::time::Duration;

use super::defaults::*;
use super::{Env, FileConfig, HubConfig};
use crate::error::{Error, Result};
use crate::hub::TokenEnv;
use crate::rules::{Severity, Thresholds};
use crate::seats::SeatPrices;

/// The Hub settings before a command's flags: `[hub]`, `HF_ENDPOINT`, the
/// token variables and the defaults.
#[derive(Debug, Clone)]
pub struct HubSection {
    pub endpoint: String,
    pub token_env: TokenEnv,
    pub concurrency: u16,
    pub timeout_secs: u64,
    pub retries: u32,
    /// How long to wait for another run's lock on an org.
    pub lock_wait: Duration,
    pub max_body_mib: u64,
}

impl HubSection {
    pub(super) fn resolve(
        file: &HubConfig,
        env: &Env,
        bad: &dyn Fn(String) -> Error,
    ) -> Result<HubSection> {
        let checked = |name: &str, value: u64| {
            let (min, max) = hub_bounds(name).expect("a [hub] number");
            check_range(value, min, max).map_err(|e| bad(format!("hub.{name} {e}")))
        };
        let concurrency = file.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
        checked("concurrency", concurrency.into())?;
        let timeout_secs = checked(
            "timeout_secs",
            file.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS),
        )?;
        let retries = file.retries.unwrap_or(DEFAULT_RETRIES);
        checked("retries", retries.into())?;
        let lock_wait_secs = checked(
            "lock_wait_secs",
            file.lock_wait_secs.unwrap_or(DEFAULT_LOCK_WAIT_SECS),
        )?;
        let max_body_mib = checked(
            "max_body_mib",
            file.max_body_mib.unwrap_or(DEFAULT_MAX_BODY_MIB),
        )?;
        let endpoint = env
            .hf_endpoint
            .clone()
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        crate::hub::parse_endpoint(&endpoint)?;
        Ok(HubSection {
            endpoint,
            token_env: env.token.clone(),
            concurrency,
            timeout_secs,
            retries,
            lock_wait: Duration::from_secs(lock_wait_secs),
            max_body_mib,
        })
    }
}

/// The report settings before a command's flags: the config file's, else
/// the defaults. The roster stays optional: only `report` and `run` need it.
#[derive(Debug, Clone)]
pub struct ReportSection {
    pub roster: Option<PathBuf>,
    pub out: PathBuf,
    pub fail_on: Severity,
    pub thresholds: Thresholds,
    pub prices: SeatPrices,
    pub exceptions: Option<PathBuf>,
    pub identities: Option<PathBuf>,
    pub activity: Option<PathBuf>,
}

impl ReportSection {
    pub(super) fn resolve(
        file: &FileConfig,
        bad: &dyn Fn(String) -> Error,
    ) -> Result<ReportSection> {
        let fail_on = match &file.fail_on {
            Some(text) => text
                .parse()
                .map_err(|e: String| bad(format!("fail_on: {e}")))?,
            None => DEFAULT_FAIL_ON,
        };
        for (org, price) in &file.seat_prices {
            if !price.is_finite() || *price < 0.0 {
                return Err(bad(format!("seat_prices.{org} must be a price >= 0")));
            }
        }
        let t = &file.thresholds;
        let days = |value: Option<u32>, default: u32| i64::from(value.unwrap_or(default));
        Ok(ReportSection {
            roster: file.roster.clone(),
            out: file
                .out
                .clone()
                .unwrap_or_else(|| PathBuf::from(DEFAULT_OUT)),
            fail_on,
            thresholds: Thresholds {
                stale_invite_days: days(t.stale_invite_days, DEFAULT_STALE_INVITE_DAYS),
                inactive_days: days(t.inactive_days, DEFAULT_INACTIVE_DAYS),
                revoke_sla_days: days(t.revoke_sla_days, DEFAULT_REVOKE_SLA_DAYS),
                stale_token_days: days(t.stale_token_days, DEFAULT_STALE_TOKEN_DAYS),
            },
            prices: SeatPrices {
                per_org: file.seat_prices.clone().into_iter().collect(),
            },
            exceptions: file.exceptions.clone(),
            identities: file.identities.clone(),
            activity: file.activity.clone(),
        })
    }
}
