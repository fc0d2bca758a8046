//! The sandbox payment service: a stand-in for the Payment microservice (and
//! the Stripe pages behind it) for local runs and tests, used only when no
//! `PAYMENT_SERVICE_URL` is configured.
//!
//! - Its API (`api`) has the routes, JSON, errors and auth layer of the
//!   Payment MS contract, and listens on its own loopback port, so the
//!   storefront reaches it over HTTP through the same client as the real one.
//! - Its hosted pages (`pages`: checkout imitating Stripe test mode, the
//!   customer portal) are mounted in the storefront's router under
//!   `/sandbox/payment`, so a browser reaches them wherever it reaches the
//!   storefront. Every one says "Sandbox — no real payment".
//! - Its state (`store`) lives in its own tables of the storefront database,
//!   so restarts and several instances keep one consistent view.

pub mod api;
pub mod mailbox;
pub mod pages;
pub mod store;

use app::payments::ssr::catalog::{Catalog, CatalogPlan};
use app::support::tokens::{NoRandomness, random_base62};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::*;
use sqlx::AnyPool;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Where the hosted pages are mounted in the storefront's router.
pub const HOSTED_PREFIX: &str = "/sandbox/payment";

#[derive(Clone)]
pub struct SandboxState {
    pub db: AnyPool,
    /// Stands in for the prices and products Stripe knows.
    pub catalog: Arc<Catalog>,
    /// Absolute base of the hosted pages: `PUBLIC_URL` + `HOSTED_PREFIX`.
    pub hosted_base: Arc<str>,
    pub stylesheet_href: Arc<str>,
}

impl SandboxState {
    pub fn new(
        db: AnyPool,
        catalog: Arc<Catalog>,
        public_url: &str,
        stylesheet_href: Arc<str>,
    ) -> Self {
        Self {
            db,
            catalog,
            hosted_base: format!("{public_url}{HOSTED_PREFIX}").into(),
            stylesheet_href,
        }
    }

    /// The catalog plan a Stripe price id belongs to.
    pub fn price(&self, price_id: &str) -> Option<&CatalogPlan> {
        self.catalog
            .plans
            .iter()
            .find(|plan| plan.stripe_price_id == price_id)
    }

    pub fn product_name(&self, product_id: &str) -> String {
        self.catalog
            .plans
            .iter()
            .find(|plan| plan.stripe_product_id == product_id)
            .map_or_else(|| product_id.to_owned(), |plan| plan.name.clone())
    }
}

/// Starts the sandbox's API on a free loopback port, accepting `api_key`;
/// answers its base URL. The task lives as long as the runtime.
pub async fn start_api(state: SandboxState, api_key: &str) -> std::io::Result<String> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let address = listener.local_addr()?;
    let router = api::router(state, api_key.into());
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::error!("sandbox payment service stopped: {err}");
        }
    });
    Ok(format!("http://{address}"))
}

/// A key shaped like the Payment MS's: `proj_` + 43 url-safe characters.
pub fn random_project_key() -> Result<String, NoRandomness> {
    Ok(format!("proj_{}", random_base62(43)?))
}

/// A sandbox page: never indexed or cached, and labelled at the top with
/// `banner` (bold) and its explanation, so nobody takes it for the real thing.
pub fn sandbox_page(
    stylesheet: &str,
    status: StatusCode,
    title: &str,
    banner: (&'static str, &'static str),
    body: AnyView,
) -> Response {
    let (stylesheet, title) = (stylesheet.to_owned(), format!("{title} — Sandbox"));
    let html = view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="robots" content="noindex" />
                <title>{title}</title>
                <link rel="stylesheet" href=stylesheet />
            </head>
            <body class="sandbox">
                <p class="sandbox-banner" role="note">
                    <strong>{banner.0}</strong>
                    {banner.1}
                </p>
                <main class="section">
                    <div class="container container--form">{body}</div>
                </main>
            </body>
        </html>
    }
    .to_html();
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}
