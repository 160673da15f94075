//! What is worth retrying, and how long to wait before the next attempt.
//!
//! Mirrors the official client: 408/429/500/502/503/504 and transport
//! failures (reset, timeout, incomplete body) are retried with capped
//! exponential backoff; a 429 honours `RateLimit` `t` when `r=0`, else
//! `Retry-After`, else the backoff.

use std::time::Duration;

use crate::hub::ratelimit::RateLimit;

/// Statuses the Hub uses for conditions that pass.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Exponential backoff: `base`, 2×, 4×, 8×, then 8× again (1, 2, 4, 8, 8 s
/// with the default base of one second), plus up to 10% jitter so parallel
/// tasks do not retry in lockstep.
pub fn backoff(attempt: u32, base: Duration) -> Duration {
    let factor = 1u32 << attempt.min(3);
    let wait = base * factor;
    let jitter_ms = (wait.as_millis() as u64 / 10).max(1);
    wait + Duration::from_millis(rand::random_range(0..jitter_ms))
}

/// How long to wait after a 429.
pub fn rate_limited_wait(
    limit: Option<RateLimit>,
    retry_after: Option<Duration>,
    attempt: u32,
    base: Duration,
) -> Duration {
    match (limit, retry_after) {
        (Some(l), _) if l.remaining == 0 => l.reset.saturating_add(Duration::from_secs(1)),
        (_, Some(after)) => after,
        _ => backoff(attempt, base),
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by the Hub).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_statuses_are_the_official_clients() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [400, 401, 402, 403, 404, 501, 200] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let base = Duration::from_millis(100);
        let ms = |a| backoff(a, base).as_millis();
        assert!((100..110).contains(&ms(0)));
        assert!((200..220).contains(&ms(1)));
        assert!((400..440).contains(&ms(2)));
        assert!((800..880).contains(&ms(3)));
        assert!((800..880).contains(&ms(7)));
    }

    #[test]
    fn rate_limit_reset_beats_retry_after() {
        let base = Duration::from_secs(1);
        let zero = Some(RateLimit {
            remaining: 0,
            reset: Duration::from_secs(7),
        });
        let some_left = Some(RateLimit {
            remaining: 3,
            reset: Duration::from_secs(7),
        });
        let after = Some(Duration::from_secs(2));
        assert_eq!(
            rate_limited_wait(zero, after, 0, base),
            Duration::from_secs(8)
        );
        assert_eq!(
            rate_limited_wait(some_left, after, 0, base),
            Duration::from_secs(2)
        );
        assert!(rate_limited_wait(None, None, 0, base) < Duration::from_millis(1100));
        assert_eq!(parse_retry_after(" 5 "), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
