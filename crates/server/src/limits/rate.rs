//! Keyed rate limiting with GCRA (the generic cell rate algorithm, a token bucket kept as one
//! timestamp per key).
//!
//! A [`Rate`] allows a burst of `burst` requests, refilled at one request per `interval`. For
//! each key the limiter keeps the *theoretical arrival time* (TAT): when the bucket will be full
//! again. A request at `now` is allowed when `TAT - now <= (burst - 1) * interval`, and then moves
//! the TAT one interval further; otherwise the caller is told how long to wait. Keys whose TAT has
//! passed hold a full bucket, exactly like keys never seen, so they are dropped to bound memory.
//!
//! Why not the `governor` crate: it brings a concurrent map, its own clock and a rate limiting
//! middleware API for what is here one mutex-guarded map of instants; this keeps the exact
//! `Retry-After`, a testable clock (`check_at`) and pruning in about a hundred lines.

use std::collections::HashMap;
use std::hash::Hash;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys seen between two prunings of expired entries.
const PRUNE_EVERY: usize = 4096;

/// A limit: a burst, then one request per interval. `burst == 0` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed at once.
    pub burst: u32,
    /// Time to earn one more request.
    pub interval: Duration,
}

impl Rate {
    /// `burst` at once, `per` requests per `period` sustained.
    pub const fn new(burst: u32, per: u32, period: Duration) -> Rate {
        let per = if per == 0 { 1 } else { per };
        Rate {
            burst,
            interval: Duration::from_nanos((period.as_nanos() / per as u128) as u64),
        }
    }

    /// No limit at all.
    pub const fn unlimited() -> Rate {
        Rate {
            burst: 0,
            interval: Duration::ZERO,
        }
    }

    /// Whether this rate limits anything.
    pub fn is_limited(&self) -> bool {
        self.burst > 0 && !self.interval.is_zero()
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.is_limited() {
            return f.write_str("off");
        }
        // The smallest unit in which the rate is a whole number, so it parses back unchanged.
        let interval = self.interval.as_secs_f64();
        for (unit, seconds) in [("s", 1.0), ("min", 60.0), ("h", 3600.0)] {
            let count = seconds / interval;
            if count >= 1.0 && (count - count.round()).abs() < 1e-6 {
                return write!(f, "{}:{}/{unit}", self.burst, count.round());
            }
        }
        write!(
            f,
            "{}:{}/h",
            self.burst,
            (3600.0 / interval).round().max(1.0)
        )
    }
}

/// Why a [`Rate`] could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid rate {0:?}: write BURST:COUNT/UNIT with UNIT one of s, min, h (e.g. `60:10/s` or \
     `10:5/min`), or `off`"
)]
pub struct RateParseError(String);

impl FromStr for Rate {
    type Err = RateParseError;

    /// `60:10/s` (bursts of 60, 10 per second), `10:5/min`, `3:20/h`, or `off`.
    fn from_str(s: &str) -> Result<Rate, RateParseError> {
        let err = || RateParseError(s.to_string());
        let s = s.trim();
        if s.eq_ignore_ascii_case("off") {
            return Ok(Rate::unlimited());
        }
        let (burst, rest) = s.split_once(':').ok_or_else(err)?;
        let (count, unit) = rest.split_once('/').ok_or_else(err)?;
        let burst: u32 = burst.trim().parse().map_err(|_| err())?;
        let count: u32 = count.trim().parse().map_err(|_| err())?;
        let period = match unit.trim() {
            "s" | "sec" => Duration::from_secs(1),
            "m" | "min" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(err()),
        };
        if burst == 0 || count == 0 {
            return Err(err());
        }
        Ok(Rate::new(burst, count, period))
    }
}

/// One rate, many keys (client IPs, tokens), one shared state.
#[derive(Debug)]
pub struct RateLimiter<K> {
    rate: Rate,
    state: Mutex<State<K>>,
}

#[derive(Debug)]
struct State<K> {
    tat: HashMap<K, Instant>,
    inserted: usize,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// A limiter enforcing `rate` per key.
    pub fn new(rate: Rate) -> RateLimiter<K> {
        RateLimiter {
            rate,
            state: Mutex::new(State {
                tat: HashMap::new(),
                inserted: 0,
            }),
        }
    }

    /// The rate enforced.
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Admits a request for `key` now, or says how long to wait.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    /// Admits a request for `key` at `now`, or says how long to wait.
    pub fn check_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        if !self.rate.is_limited() {
            return Ok(());
        }
        let interval = self.rate.interval;
        let tolerance = interval.saturating_mul(self.rate.burst - 1);
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tat = state.tat.get(key).copied().unwrap_or(now).max(now);
        let ahead = tat - now;
        if ahead > tolerance {
            return Err(ahead - tolerance);
        }
        if state.tat.insert(key.clone(), tat + interval).is_none() {
            state.inserted += 1;
            if state.inserted >= PRUNE_EVERY {
                state.inserted = 0;
                // A key whose bucket is full again is the same as a key never seen.
                state.tat.retain(|_, tat| *tat > now);
            }
        }
        Ok(())
    }

    /// Keys currently remembered.
    pub fn tracked(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .tat
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let limiter = RateLimiter::new(Rate::new(3, 1, Duration::from_secs(10)));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check_at(&"a", t0), Ok(()));
        }
        assert_eq!(limiter.check_at(&"a", t0), Err(Duration::from_secs(10)));
        assert_eq!(
            limiter.check_at(&"a", t0 + Duration::from_secs(4)),
            Err(Duration::from_secs(6)),
            "the wait shrinks as time passes"
        );
        assert_eq!(limiter.check_at(&"b", t0), Ok(()), "keys are independent");
        assert_eq!(limiter.check_at(&"a", t0 + Duration::from_secs(10)), Ok(()));
        assert!(
            limiter
                .check_at(&"a", t0 + Duration::from_secs(10))
                .is_err()
        );
        // After a long pause the whole burst is back.
        let later = t0 + Duration::from_secs(100);
        for _ in 0..3 {
            assert_eq!(limiter.check_at(&"a", later), Ok(()));
        }
        assert!(limiter.check_at(&"a", later).is_err());
    }

    #[test]
    fn refusals_do_not_cost_anything() {
        let limiter = RateLimiter::new(Rate::new(1, 1, Duration::from_secs(1)));
        let t0 = Instant::now();
        assert!(limiter.check_at(&1, t0).is_ok());
        for _ in 0..100 {
            assert!(limiter.check_at(&1, t0).is_err());
        }
        assert!(limiter.check_at(&1, t0 + Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn expired_keys_are_pruned() {
        let limiter = RateLimiter::new(Rate::new(2, 1, Duration::from_secs(1)));
        let t0 = Instant::now();
        for key in 0..PRUNE_EVERY - 1 {
            assert!(limiter.check_at(&key, t0).is_ok());
        }
        assert_eq!(limiter.tracked(), PRUNE_EVERY - 1);
        let later = t0 + Duration::from_secs(5);
        assert!(limiter.check_at(&usize::MAX, later).is_ok());
        assert_eq!(limiter.tracked(), 1, "only the live key is left");
    }

    #[test]
    fn unlimited_admits_everything() {
        let limiter = RateLimiter::new(Rate::unlimited());
        for _ in 0..10_000 {
            assert!(limiter.check(&()).is_ok());
        }
        assert_eq!(limiter.tracked(), 0);
    }

    #[test]
    fn rates_parse_and_print() {
        assert_eq!(
            "60:10/s".parse(),
            Ok(Rate::new(60, 10, Duration::from_secs(1)))
        );
        assert_eq!(
            " 10 : 5/min ".parse(),
            Ok(Rate::new(10, 5, Duration::from_secs(60)))
        );
        assert_eq!("off".parse(), Ok(Rate::unlimited()));
        for bad in [
            "", "10", "10/s", "0:1/s", "5:0/s", "5:1/day", "a:1/s", "-1:1/s",
        ] {
            assert!(bad.parse::<Rate>().is_err(), "{bad:?}");
        }
        assert_eq!(
            Rate::new(60, 10, Duration::from_secs(1)).to_string(),
            "60:10/s"
        );
        assert_eq!(
            Rate::new(10, 5, Duration::from_secs(60)).to_string(),
            "10:5/min"
        );
        assert_eq!(Rate::unlimited().to_string(), "off");
        for rate in ["5:5/h", "10:10/min", "60:10/s", "3:90/min"] {
            assert_eq!(
                rate.parse::<Rate>().map(|r| r.to_string()).as_deref(),
                Ok(rate)
            );
        }
    }
}
