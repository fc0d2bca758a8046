//! API keys: created (shown once), listed masked, revoked; and the lookup
//! the `/v1` API and other Tracepipe services authenticate with.

#[cfg(feature = "ssr")]
pub mod ssr;
