//! Server-only helpers every capability shares, each written once: write
//! transactions, JSON bodies decoded with the failing field named, random secrets and their
//! hashes, what the server's middleware says of a request, keys for sealing and signing, the security event log, and time written for machines and people.

pub mod db;
pub mod json;
pub mod networks;
pub mod request;
pub mod secrets;
pub mod security_events;
pub mod time;
pub mod tokens;
