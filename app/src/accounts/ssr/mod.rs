//! Server-only account logic: validation, password hashing, users, sessions
//! and sign-in throttling. Every query runs unchanged on SQLite and PostgreSQL.

pub mod activity;
pub mod common_passwords;
pub mod context;
pub mod passwords;
pub mod service;
pub mod sessions;
pub mod throttle;
pub mod users;
pub mod validation;
