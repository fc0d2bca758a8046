//! Usage: API requests counted per key per day, metered usage reported by
//! other Tracepipe services, and the pages that show them.

#[cfg(feature = "ssr")]
pub mod ssr;
