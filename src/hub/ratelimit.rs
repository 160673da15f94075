//! The Hub's rate-limit headers (IETF ratelimit-headers draft 9) and a
//! shared budget that slows requests down before the quota runs out.
//!
//! `RateLimit: "api";r=<remaining>;t=<seconds to reset>` arrives on every
//! response. The budget keeps the latest reading, counts the requests sent
//! since, and spreads what is left over the rest of the window once fewer
//! than a reserve remain, so a large org never hits a wall of 429s.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One reading of the `RateLimit` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub remaining: u64,
    pub reset: Duration,
}

/// Parses `"api";r=12;t=30` (parameters in any order, other keys ignored).
pub fn parse_ratelimit(value: &str) -> Option<RateLimit> {
    let (mut r, mut t) = (None, None);
    for part in value.split(';').map(str::trim) {
        if let Some(v) = part.strip_prefix("r=") {
            r = v.trim().parse::<u64>().ok();
        } else if let Some(v) = part.strip_prefix("t=") {
            t = v.trim().parse::<u64>().ok();
        }
    }
    Some(RateLimit {
        remaining: r?,
        reset: Duration::from_secs(t?),
    })
}

/// Parses the quota `q` of `"fixed window";"api";q=3000;w=300`.
pub fn parse_policy_quota(value: &str) -> Option<u64> {
    value
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("q="))
        .and_then(|q| q.trim().parse().ok())
}

#[derive(Debug, Default)]
struct State {
    remaining: Option<u64>,
    reset_at: Option<Instant>,
    quota: Option<u64>,
}

/// The request budget shared by every task of one client.
#[derive(Debug)]
pub struct Budget {
    state: Mutex<State>,
    /// Below this many remaining requests, pacing starts.
    min_reserve: u64,
}

impl Budget {
    pub fn new(min_reserve: u64) -> Budget {
        Budget {
            state: Mutex::new(State::default()),
            min_reserve,
        }
    }

    /// Records what a response said about the budget.
    pub fn observe(&self, limit: Option<RateLimit>, quota: Option<u64>) {
        let mut s = self.state.lock().expect("budget lock");
        if let Some(q) = quota {
            s.quota = Some(q);
        }
        if let Some(l) = limit {
            s.remaining = Some(l.remaining);
            // A hostile `t` must not overflow the clock: a day is plenty.
            let reset = l.reset.min(Duration::from_secs(86_400));
            s.reset_at = Some(Instant::now() + reset);
        }
    }

    /// How long to wait before sending the next request; counts it as sent.
    pub fn reserve(&self) -> Duration {
        let mut s = self.state.lock().expect("budget lock");
        let now = Instant::now();
        let (Some(remaining), Some(reset_at)) = (s.remaining, s.reset_at) else {
            return Duration::ZERO;
        };
        if reset_at <= now {
            // A new window has started; the next response tells us more.
            s.remaining = None;
            return Duration::ZERO;
        }
        let left = reset_at - now;
        let reserve = self
            .min_reserve
            .max(s.quota.map(|q| q / 20).unwrap_or_default());
        s.remaining = Some(remaining.saturating_sub(1));
        if remaining == 0 {
            // Out of budget: wait for the window to reset (the Hub's own
            // clients add a second of margin).
            left + Duration::from_secs(1)
        } else if remaining <= reserve {
            // Spread what is left over the rest of the window.
            left / u32::try_from(remaining).unwrap_or(u32::MAX)
        } else {
            Duration::ZERO
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_draft_9_headers() {
        assert_eq!(
            parse_ratelimit(r#""api";r=12;t=30"#),
            Some(RateLimit {
                remaining: 12,
                reset: Duration::from_secs(30)
            })
        );
        assert_eq!(
            parse_ratelimit(r#""api"; t=5; r=0"#).map(|l| l.remaining),
            Some(0)
        );
        assert_eq!(parse_ratelimit(r#""api";r=12"#), None);
        assert_eq!(parse_ratelimit("garbage"), None);
        assert_eq!(
            parse_policy_quota(r#""fixed window";"api";q=3000;w=300"#),
            Some(3000)
        );
    }

    #[test]
    fn no_reading_means_no_wait() {
        let b = Budget::new(10);
        assert_eq!(b.reserve(), Duration::ZERO);
    }

    #[test]
    fn plenty_left_means_no_wait() {
        let b = Budget::new(10);
        b.observe(
            Some(RateLimit {
                remaining: 2000,
                reset: Duration::from_secs(100),
            }),
            Some(3000),
        );
        assert_eq!(b.reserve(), Duration::ZERO);
    }

    #[test]
    fn paces_when_the_reserve_is_reached() {
        let b = Budget::new(10);
        b.observe(
            Some(RateLimit {
                remaining: 5,
                reset: Duration::from_secs(100),
            }),
            None,
        );
        let wait = b.reserve();
        assert!(
            wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        // The request just reserved counts: the next wait is longer.
        assert!(b.reserve() > wait);
    }

    #[test]
    fn waits_for_the_reset_when_nothing_is_left() {
        let b = Budget::new(10);
        b.observe(
            Some(RateLimit {
                remaining: 0,
                reset: Duration::from_secs(3),
            }),
            None,
        );
        let wait = b.reserve();
        assert!(
            wait > Duration::from_secs(3) && wait <= Duration::from_secs(4),
            "{wait:?}"
        );
    }
}
