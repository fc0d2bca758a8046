//! Server-only account logic: validation, password hashing, users, sessions
//! sign-in throttling, password reset, e-mail confirmation and second factors. Every query runs unchanged on SQLite and PostgreSQL.

pub mod activity;
pub mod addresses;
pub mod context;
pub mod passkeys;
pub mod passwords;
pub mod reauth;
pub mod recovery;
pub mod second_factor;
pub mod service;
pub mod sessions;
pub mod throttle;
pub mod two_step;
pub mod users;
pub mod validation;
