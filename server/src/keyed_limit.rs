//! The one rate limiter of the storefront: a GCRA allowance per key (via
//! `governor`), for API keys in `/v1` and for client addresses writing to
//! the pages. Keys idle long enough to have their whole allowance back are
//! forgotten once a minute, by a task that lives as long as the limiter, so
//! memory stays bounded however many keys pass.
//!
//! Per instance, on purpose: a shared counter would be a database write on
//! every request. With N instances behind a balancer a key may make up to N
//! times the limit; a gateway in front is the place for an exact global one.

use axum::http::{HeaderMap, HeaderValue};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type Limiter<K> =
    RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

pub struct KeyedLimit<K: Hash + Eq + Clone> {
    limiter: Arc<Limiter<K>>,
    per_minute: u32,
}

impl<K: Hash + Eq + Clone> Clone for KeyedLimit<K> {
    fn clone(&self) -> Self {
        Self {
            limiter: self.limiter.clone(),
            per_minute: self.per_minute,
        }
    }
}

/// The outcome of one check, and the headers that report it.
#[derive(Debug, PartialEq, Eq)]
pub struct Decision {
    pub limit: u32,
    pub remaining: u32,
    /// Unix seconds when the full allowance is back.
    pub reset_unix: u64,
    /// Set when the request is refused: whole seconds, at least 1.
    pub retry_after_secs: Option<u64>,
}

impl Decision {
    /// `X-RateLimit-Limit`, `-Remaining` and `-Reset`, as `/v1` answers.
    pub fn stamp(&self, headers: &mut HeaderMap) {
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(self.remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(self.reset_unix));
    }
}

impl<K: Hash + Eq + Clone + Send + Sync + 'static> KeyedLimit<K> {
    /// `per_minute` requests a minute per key, as a burst refilled evenly.
    pub fn per_minute(per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute.max(1)).expect("at least 1");
        let limiter = Arc::new(
            RateLimiter::keyed(Quota::per_minute(per_minute))
                .with_middleware::<StateInformationMiddleware>(),
        );
        // Outside a runtime (a unit test) nothing runs long enough to grow.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let forgetting = Arc::downgrade(&limiter);
            runtime.spawn(async move {
                let mut every_minute = tokio::time::interval(Duration::from_secs(60));
                every_minute.tick().await;
                loop {
                    every_minute.tick().await;
                    let Some(limiter) = forgetting.upgrade() else {
                        return;
                    };
                    limiter.retain_recent();
                    limiter.shrink_to_fit();
                }
            });
        }
        Self {
            limiter,
            per_minute: per_minute.get(),
        }
    }

    /// Counts one request for `key`, or refuses it.
    pub fn check(&self, key: &K) -> Decision {
        let limit = self.per_minute;
        let per_request = Duration::from_secs(60) / limit;
        let now_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let reset_after = |used: u32| (now_unix + per_request * used).as_secs_f64().ceil() as u64;
        match self.limiter.check_key(key) {
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
                let wait = not_until.wait_time_from(DefaultClock::default().now());
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
    fn each_key_has_its_own_allowance_reported_in_headers() {
        let limit = KeyedLimit::per_minute(3);
        for expected in [2, 1, 0] {
            let decision = limit.check(&"k1");
            assert_eq!(
                (decision.remaining, decision.retry_after_secs),
                (expected, None)
            );
        }
        let refused = limit.check(&"k1");
        assert_eq!(refused.remaining, 0);
        let wait = refused.retry_after_secs.expect("refused");
        assert!((1..=20).contains(&wait), "{wait}");
        assert_eq!(limit.check(&"k2").remaining, 2, "per key");

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
