//! The mail pipeline. A message is written to the outbox (`outbox::enqueue`)
//! in the same transaction as whatever caused it, so it exists exactly when
//! its cause does; each process runs one delivery task (`delivery`) that
//! sends due messages over SMTP, or into the labelled sandbox mailbox when
//! no SMTP server is configured, retrying temporary failures with backoff.
//! Bodies are written from `templates`, with absolute links from
//! `PUBLIC_URL` only.

pub mod delivery;
pub mod outbox;
pub mod templates;
