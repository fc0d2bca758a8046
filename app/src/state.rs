//! Server-wide state shared by routes and server functions.

use crate::site::SiteInfo;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::AnyPool;
use std::sync::Arc;

use crate::accounts::ssr::sessions::SessionPolicy;
use crate::accounts::ssr::throttle::ThrottlePolicy;
use crate::billing::catalog::ssr::Catalog;
use crate::billing::ssr::Payments;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: AnyPool,
    pub site: SiteInfo,
    pub catalog: Arc<Catalog>,
    pub assets: ShellAssets,
    pub sessions: SessionPolicy,
    pub throttle: ThrottlePolicy,
    pub payments: Payments,
}

/// File names the HTML shell links to, resolved once at start (they carry
/// content hashes in release builds so they can be cached forever).
#[derive(Clone, Debug)]
pub struct ShellAssets {
    pub stylesheet_href: Arc<str>,
}
