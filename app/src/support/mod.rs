//! Server-only helpers every capability shares, each written once: JSON
//! bodies decoded with the failing field named, random secrets and their
//! hashes, keys for sealing and signing, and time written for machines and people.

pub mod json;
pub mod secrets;
pub mod time;
pub mod tokens;
