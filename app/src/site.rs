//! Facts about the site that every page needs on both sides of hydration.

use crate::billing::catalog::PublicCatalog;
use serde::{Deserialize, Serialize};

/// Computed once on the server from configuration and handed to the browser
/// with the first page (see `App`), so server and client render alike.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// Absolute base URL without a trailing slash, e.g. `https://tracepipe.ai`.
    pub public_url: String,
    pub catalog: PublicCatalog,
}

impl SiteInfo {
    /// `path` must start with `/`.
    pub fn absolute_url(&self, path: &str) -> String {
        format!("{}{}", self.public_url, path)
    }
}

/// The pages a crawler may index, in sitemap order.
pub const PUBLIC_PAGES: &[&str] = &["/"];
