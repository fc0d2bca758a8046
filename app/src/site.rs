//! Facts about the site that every page needs on both sides of hydration.

use crate::catalog::PublicCatalog;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Computed once on the server from configuration and handed to the browser
/// with the first page (see `App`), so server and client render alike.
/// Cheap to clone: axum and Leptos clone it several times per request.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SiteInfo {
    /// Absolute base URL without a trailing slash, e.g. `https://tracepipe.ai`.
    pub public_url: Arc<str>,
    pub catalog: Arc<PublicCatalog>,
    /// Payments go to the built-in sandbox: payment pages must say so.
    pub payments_sandbox: bool,
    /// Passkeys can be used: `PUBLIC_URL`'s host is a domain name (WebAuthn
    /// refuses IP addresses).
    pub passkeys: bool,
    /// The landing page's JSON-LD, built once at start-up (see
    /// `landing::structured_data`) and shared by every clone. Server-only:
    /// crawlers read it from the HTML, and hydration keeps the server's script
    /// as it is, so the browser bundle never needs it.
    #[cfg(feature = "ssr")]
    #[serde(skip)]
    pub structured_data: Arc<str>,
}

impl SiteInfo {
    pub fn new(public_url: &str, catalog: PublicCatalog) -> Self {
        Self {
            public_url: public_url.into(),
            catalog: Arc::new(catalog),
            payments_sandbox: false,
            passkeys: false,
            #[cfg(feature = "ssr")]
            structured_data: Arc::default(),
        }
    }

    pub fn with_passkeys(self, passkeys: bool) -> Self {
        Self { passkeys, ..self }
    }

    pub fn with_payments_sandbox(self, payments_sandbox: bool) -> Self {
        Self {
            payments_sandbox,
            ..self
        }
    }

    /// `path` must start with `/`.
    pub fn absolute_url(&self, path: &str) -> String {
        format!("{}{}", self.public_url, path)
    }

    #[cfg(feature = "ssr")]
    pub fn with_structured_data(self, json_ld: String) -> Self {
        Self {
            structured_data: json_ld.into(),
            ..self
        }
    }
}

/// The pages a crawler may index, in sitemap order.
pub const PUBLIC_PAGES: &[&str] = &[
    "/",
    "/pricing",
    "/docs",
    "/docs/quickstart",
    "/docs/api",
    "/docs/errors",
    "/docs/trace-capture",
];

/// The sections of the signed-in console: its own shell (a sidebar, no
/// marketing footer), and every page needs the visitor's session. Every
/// other page (public pages, docs, signed-out forms, the 404 page) is for
/// anyone.
pub const CONSOLE_SECTIONS: &[&str] = &[
    "/dashboard",
    "/account",
    "/keys",
    "/usage",
    "/billing",
    "/confirm-password",
];

/// The pages that may carry an island (`#[island]`: the only components
/// the browser hydrates) and so load the browser bundle: `/keys`, whose
/// new secret opens as a modal dialog. Every other page, the rest of the
/// console included, is server-rendered HTML and CSS with small scripts
/// that only enhance it, and downloads no WebAssembly.
pub const PAGES_WITH_ISLANDS: &[&str] = &["/keys"];

/// Whether the page at `path` is in the console: a section or below one.
pub fn in_console(path: &str) -> bool {
    CONSOLE_SECTIONS.iter().any(|section| within(path, section))
}

/// Whether the page at `path` may carry an island (see `PAGES_WITH_ISLANDS`).
pub fn has_islands(path: &str) -> bool {
    PAGES_WITH_ISLANDS.contains(&path)
}

/// Whether `path` is `section` or a page under it.
pub fn within(path: &str, section: &str) -> bool {
    path.strip_prefix(section)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::{has_islands, in_console, within};

    #[test]
    fn a_section_holds_its_page_and_the_pages_under_it() {
        assert!(within("/billing", "/billing"));
        assert!(within("/billing/success", "/billing"));
        assert!(within("/docs/quickstart", "/docs"));
        assert!(!within("/billings", "/billing"));
        assert!(!within("/", "/dashboard"));
        assert!(!within("/account", "/usage"));
    }

    #[test]
    fn signed_in_sections_are_the_console_and_public_pages_are_not() {
        for path in [
            "/dashboard",
            "/account",
            "/account/two-factor",
            "/billing/success",
            "/keys",
        ] {
            assert!(in_console(path), "{path}");
        }
        for path in [
            "/",
            "/pricing",
            "/docs/quickstart",
            "/login",
            "/register",
            "/keysmith",
            "/missing",
        ] {
            assert!(!in_console(path), "{path}");
        }
    }

    #[test]
    fn only_the_keys_page_loads_the_island_bundle() {
        assert!(has_islands("/keys"));
        for path in ["/dashboard", "/keys/more", "/account", "/", "/docs/api"] {
            assert!(!has_islands(path), "{path}");
        }
    }
}
