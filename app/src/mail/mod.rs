//! E-mail to a user's address: security notices now, recovery and
//! verification links later. Server-only (see `ssr`); the sandbox mailbox
//! that stands in for SMTP is shown by the server's sandbox pages.

#[cfg(feature = "ssr")]
pub mod ssr;
