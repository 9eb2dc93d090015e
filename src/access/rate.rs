//! [`Rates`]: how many requests per second each key may make, with a burst of one second's
//! worth. governor's GCRA limiter per key (its keyed limiter takes one quota for all keys, and a
//! key may be created with its own rate), created at the key's first request.

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The per-key limiters of a service.
#[derive(Debug)]
pub struct Rates {
    /// Requests per second of a key created without a rate of its own.
    default_per_sec: f64,
    /// One limiter per key name, made at its first request. A mutex held for a map lookup only;
    /// the limiter itself is lock-free.
    limiters: Mutex<HashMap<String, Arc<DefaultDirectRateLimiter>>>,
}

impl Rates {
    /// Limits of `default_per_sec` requests per second for keys without their own.
    pub fn new(default_per_sec: f64) -> Self {
        Self {
            default_per_sec,
            limiters: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request of the key `name` (of rate `own`, or the default): `Ok`, or how long
    /// until it may ask again.
    pub fn check(&self, name: &str, own: Option<f64>) -> Result<(), Duration> {
        let limiter = {
            let mut map = self.limiters.lock().unwrap_or_else(PoisonError::into_inner);
            match map.get(name) {
                Some(l) => Arc::clone(l),
                None => {
                    let l = Arc::new(RateLimiter::direct(quota(
                        own.unwrap_or(self.default_per_sec),
                    )));
                    map.insert(name.to_string(), Arc::clone(&l));
                    l
                }
            }
        };
        limiter.check().map_err(|not_until| {
            not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ))
        })
    }
}

/// `per_sec` requests per second, a burst of one second's worth (at least one).
fn quota(per_sec: f64) -> Quota {
    let burst = NonZeroU32::new(per_sec.ceil().clamp(1.0, f64::from(u32::MAX)) as u32)
        .unwrap_or(NonZeroU32::MIN);
    let period = Duration::from_secs_f64(1.0 / per_sec.max(1e-6));
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_past_its_rate_is_told_to_wait_and_another_key_is_not() {
        let rates = Rates::new(1000.0);
        for _ in 0..5 {
            assert!(
                rates.check("slow", Some(5.0)).is_ok(),
                "a burst of a second's worth"
            );
        }
        let wait = rates.check("slow", Some(5.0)).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(200),
            "{wait:?}"
        );
        for _ in 0..100 {
            assert!(rates.check("fast", None).is_ok(), "the default is its own");
        }
    }
}
