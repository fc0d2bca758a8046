//! Per-key rate limits of the `/v1` API (GCRA, via `governor`): key
//! management 10 requests a minute, reads 100.
//!
//! Per instance, on purpose: a shared counter would be a database write on
//! every API request, which the latency target cannot afford. With N
//! instances behind a balancer a key may make up to N times the limit; a
//! gateway in front is the place for an exact global limit.

use axum::http::{HeaderMap, HeaderValue};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type KeyedLimiter =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Creating and revoking keys.
    Manage,
    /// Everything that only reads.
    Read,
}

#[derive(Clone)]
pub struct RateLimits {
    inner: Arc<Inner>,
}

struct Inner {
    manage: (u32, KeyedLimiter),
    read: (u32, KeyedLimiter),
    clock: DefaultClock,
    checks: AtomicU64,
}

/// The outcome of one check, and the headers that report it.
#[derive(Debug, PartialEq, Eq)]
pub struct Decision {
    pub limit: u32,
    pub remaining: u32,
    /// Unix seconds when the full allowance is back.
    pub reset_unix: u64,
    /// Set when the request is refused.
    pub retry_after_secs: Option<u64>,
}

impl Decision {
    pub fn stamp(&self, headers: &mut HeaderMap) {
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(self.remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(self.reset_unix));
    }
}

impl RateLimits {
    pub fn per_minute(manage: u32, read: u32) -> Self {
        let limiter = |per_minute: u32| -> (u32, KeyedLimiter) {
            let per_minute = NonZeroU32::new(per_minute.max(1)).expect("at least 1");
            let limiter = RateLimiter::keyed(Quota::per_minute(per_minute))
                .with_middleware::<StateInformationMiddleware>();
            (per_minute.get(), limiter)
        };
        Self {
            inner: Arc::new(Inner {
                manage: limiter(manage),
                read: limiter(read),
                clock: DefaultClock::default(),
                checks: AtomicU64::new(0),
            }),
        }
    }

    pub fn check(&self, key_id: &str, class: Class) -> Decision {
        let inner = &self.inner;
        let (limit, limiter) = match class {
            Class::Manage => (&inner.manage.0, &inner.manage.1),
            Class::Read => (&inner.read.0, &inner.read.1),
        };
        let limit = *limit;
        // Keys unused for a while are forgotten now and then, so memory stays bounded.
        if inner.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            for limiter in [&inner.manage.1, &inner.read.1] {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
        let per_request = Duration::from_secs(60) / limit;
        let now_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let reset_after = |used: u32| (now_unix + per_request * used).as_secs_f64().ceil() as u64;
        match limiter.check_key(&key_id.to_owned()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Decision {
                    limit,
                    remaining,
                    reset_unix: reset_after(limit - remaining),
                    retry_after_secs: None,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(inner.clock.now());
                Decision {
                    limit,
                    remaining: 0,
                    reset_unix: reset_after(limit),
                    retry_after_secs: Some(wait.as_secs_f64().ceil().max(1.0) as u64),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_and_class_has_its_own_allowance() {
        let limits = RateLimits::per_minute(3, 5);
        for expected in [2, 1, 0] {
            let decision = limits.check("k1", Class::Manage);
            assert_eq!(
                (decision.remaining, decision.retry_after_secs),
                (expected, None)
            );
        }
        let refused = limits.check("k1", Class::Manage);
        assert_eq!(refused.remaining, 0);
        let wait = refused.retry_after_secs.expect("refused");
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(
            limits.check("k1", Class::Read).remaining,
            4,
            "reads are counted apart"
        );
        assert_eq!(limits.check("k2", Class::Manage).remaining, 2, "per key");

        let mut headers = HeaderMap::new();
        refused.stamp(&mut headers);
        assert_eq!(headers["x-ratelimit-limit"], "3");
        assert_eq!(headers["x-ratelimit-remaining"], "0");
        let reset: u64 = headers["x-ratelimit-reset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!((now..=now + 61).contains(&reset));
    }
}
