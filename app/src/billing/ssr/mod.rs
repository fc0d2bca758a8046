//! Server-only billing: the checkouts table and the service the server
//! functions call. The Payment MS is reached through `payments::ssr::Payments`.

pub mod checkouts;
pub mod service;
