//! Subscription statuses per user, kept for at most a minute so that pages
//! do not call the Payment MS on every view. Per process: an instance that
//! has not seen a change learns it within the age limit, and the pages a
//! user returns to from checkout or the portal always refresh. Each entry
//! also notes the user's checkout activity when it was fetched, so that "no
//! plan" can be trusted only while no checkout happened since (see
//! `Freshness::ForPage`).

use super::PlanStatus;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const MAX_AGE: Duration = Duration::from_secs(60);
/// Past this many users, expired entries are swept on insert.
const SWEEP_ABOVE: usize = 10_000;

type Statuses = Arc<Vec<PlanStatus>>;

/// One user's statuses as last fetched.
#[derive(Clone, Debug)]
pub struct CachedStatuses {
    pub statuses: Statuses,
    pub fetched_at: Instant,
    /// The user's checkout activity the fetch was made for, when known.
    pub checkout_activity: Option<i64>,
}

#[derive(Debug)]
pub struct StatusCache {
    max_age: Duration,
    entries: Mutex<HashMap<String, CachedStatuses>>,
}

impl Default for StatusCache {
    fn default() -> Self {
        Self::with_max_age(MAX_AGE)
    }
}

impl StatusCache {
    pub fn with_max_age(max_age: Duration) -> Self {
        Self {
            max_age,
            entries: Mutex::default(),
        }
    }

    pub fn get(&self, user_id: &str) -> Option<CachedStatuses> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let entry = entries.get(user_id)?;
        (entry.fetched_at.elapsed() < self.max_age).then(|| entry.clone())
    }

    pub fn put(&self, user_id: &str, statuses: Statuses, checkout_activity: Option<i64>) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if entries.len() >= SWEEP_ABOVE {
            let max_age = self.max_age;
            entries.retain(|_, entry| entry.fetched_at.elapsed() < max_age);
        }
        let entry = CachedStatuses {
            statuses,
            fetched_at: Instant::now(),
            checkout_activity,
        };
        entries.insert(user_id.to_owned(), entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_the_age_limit() {
        let cache = StatusCache::with_max_age(Duration::from_millis(30));
        cache.put("u1", Arc::new(Vec::new()), None);
        assert!(cache.get("u1").is_some());
        assert!(cache.get("u2").is_none());
        std::thread::sleep(Duration::from_millis(40));
        assert!(cache.get("u1").is_none());
    }
}
