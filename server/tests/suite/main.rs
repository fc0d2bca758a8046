//! The server's integration tests, one binary: each module is one
//! capability or promise, over HTTP against a router on a throw-away
//! database (SQLite always, PostgreSQL when `TEST_POSTGRES_URL` names a
//! server). Two files stay binaries of their own, beside this one: they
//! install tracing subscribers, which are process-wide.

#[path = "../common/mod.rs"]
mod common;

mod account_lifecycle;
mod accounts_db;
mod accounts_http;
mod api_keys_http;
mod database;
mod docs;
mod email_addresses;
mod key_lifecycle;
mod lifecycle;
mod limits_http;
mod mail;
mod outages;
mod pages;
mod passkeys_http;
mod password_reset;
mod payment_faults;
mod payments;
mod sessions_http;
mod two_factor;
mod usage_http;
