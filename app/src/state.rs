//! Server-wide state shared by routes and server functions.

use crate::site::SiteInfo;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::AnyPool;
use std::sync::Arc;

use crate::accounts::ssr::sessions::SessionPolicy;
use crate::accounts::ssr::throttle::ThrottlePolicy;
use crate::api_keys::ssr::KeyLookup;
use crate::billing::catalog::ssr::Catalog;
use crate::billing::ssr::Payments;
use crate::usage::ssr::Rates;
use crate::usage::ssr::recorder::RequestCounter;

/// What every route and server function shares. Cloned for each request
/// by extractors and middleware, so it is one `Arc` (cloning the parts one
/// by one cost about a tenth of a `/v1` request's CPU).
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

pub struct SharedState {
    pub leptos_options: LeptosOptions,
    pub db: AnyPool,
    pub site: SiteInfo,
    pub catalog: Arc<Catalog>,
    pub assets: ShellAssets,
    pub sessions: SessionPolicy,
    pub throttle: ThrottlePolicy,
    pub payments: Payments,
    pub key_lookup: KeyLookup,
    pub request_counter: RequestCounter,
    /// Prices for the estimated cost on `/usage` and `GET /v1/usage`.
    pub usage_rates: Rates,
}

impl AppState {
    pub fn new(shared: SharedState) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// The parts handlers extract on their own (`State<LeptosOptions>` and so on).
macro_rules! state_parts {
    ($($field:ident: $part:ty),* $(,)?) => {$(
        impl FromRef<AppState> for $part {
            fn from_ref(state: &AppState) -> Self {
                state.$field.clone()
            }
        }
    )*};
}

state_parts!(leptos_options: LeptosOptions, db: AnyPool, site: SiteInfo);

/// File names the HTML shell links to, resolved once at start (they carry
/// content hashes in release builds so they can be cached forever).
#[derive(Clone, Debug)]
pub struct ShellAssets {
    pub stylesheet_href: Arc<str>,
}
