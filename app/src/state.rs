//! Server-wide state shared by routes and server functions.

use crate::site::SiteInfo;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::AnyPool;
use std::sync::Arc;

use crate::accounts::ssr::sessions::SessionPolicy;
use crate::accounts::ssr::throttle::{ClientGrouping, ThrottlePolicy};
use crate::api_keys::ssr::KeyLookup;
use crate::mail::ssr::delivery::Mailer;
use crate::payments::ssr::Payments;
use crate::payments::ssr::catalog::Catalog;
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
    /// How the throttles tell clients apart by address.
    pub clients: ClientGrouping,
    pub payments: Payments,
    /// Sends the outbox's mail; woken after a commit that enqueued some.
    pub mailer: Mailer,
    pub key_lookup: KeyLookup,
    pub request_counter: RequestCounter,
    /// Prices for the estimated cost on `/usage` and `GET /v1/usage`.
    pub usage_rates: Rates,
    pub content_security_policy: ContentSecurityPolicy,
    /// The WebAuthn relying party; None when `PUBLIC_URL`'s host is an IP
    /// address (passkeys are off then).
    pub passkeys: Option<Arc<webauthn_rs::prelude::Webauthn>>,
    /// Seals second-factor secrets and signs device cookies.
    pub secrets: crate::support::secrets::ServerSecrets,
    /// The `/v1` rate limits of each key, as the keys page shows them.
    pub key_allowance: crate::api_keys::KeyAllowance,
    /// `/docs/api`, derived from the public OpenAPI document at start-up.
    pub api_reference: Arc<crate::docs::reference::ApiReference>,
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

/// The pages' Content-Security-Policy. Leptos stamps a fresh nonce on the
/// scripts of every page it renders; the shell puts the same nonce in this
/// policy's header, so only those scripts (and our own files) run.
#[derive(Clone, Debug)]
pub struct ContentSecurityPolicy {
    /// Where forms may post, redirects included (checkout and portal).
    form_action: Arc<str>,
    /// Extra `connect-src` sources: the development auto-reload socket.
    connect_extra: Arc<str>,
}

impl ContentSecurityPolicy {
    pub fn new(form_action_extra: &[String], connect_extra: Option<String>) -> Self {
        let form_action = std::iter::once("'self'".to_owned())
            .chain(form_action_extra.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            form_action: form_action.into(),
            connect_extra: connect_extra
                .map(|source| format!(" {source}"))
                .unwrap_or_default()
                .into(),
        }
    }

    /// A page's policy. One that may carry an island runs our own files,
    /// the scripts Leptos stamped with `nonce` and WebAssembly; any other
    /// page runs our own files only (its inline hydration data is dropped on
    /// the way out, see the server's `page_markup`).
    pub fn for_page(&self, nonce: &str, islands: bool) -> String {
        if islands {
            self.with_scripts(&format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"))
        } else {
            self.with_scripts("'self'")
        }
    }

    /// The policy of a page rendered without Leptos (no script may run).
    pub fn without_scripts(&self) -> String {
        self.with_scripts("'none'")
    }

    fn with_scripts(&self, script_src: &str) -> String {
        format!(
            "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'{}; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
             form-action {}",
            self.connect_extra, self.form_action
        )
    }
}
