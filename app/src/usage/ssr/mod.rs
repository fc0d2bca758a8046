//! Server-only usage code.

pub mod recorder;
