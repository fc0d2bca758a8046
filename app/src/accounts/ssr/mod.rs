//! Server-only account logic: validation, password hashing, users, sessions
//! and sign-in throttling. Every query runs unchanged on SQLite and PostgreSQL.

pub mod activity;
pub mod common_passwords;
pub mod context;
pub mod passwords;
pub mod sessions;
pub mod throttle;
pub mod users;
pub mod validation;

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch: how every timestamp is stored.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}
