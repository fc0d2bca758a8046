//! Crawler files, generated from the same public page list and base URL the
//! pages use for their canonical links.

use crate::site::{PUBLIC_PAGES, SiteInfo};

/// Paths that are never useful in search results.
const DISALLOWED: &[&str] = &["/api/", "/v1/", "/internal/", "/sandbox/"];

pub fn robots_txt(site: &SiteInfo) -> String {
    let mut text = String::from("User-agent: *\nAllow: /\n");
    for path in DISALLOWED {
        text.push_str(&format!("Disallow: {path}\n"));
    }
    text.push_str(&format!(
        "\nSitemap: {}\n",
        site.absolute_url("/sitemap.xml")
    ));
    text
}

pub fn sitemap_xml(site: &SiteInfo) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in PUBLIC_PAGES {
        // PUBLIC_URL is validated as a plain origin, so it needs no XML escaping.
        xml.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            site.absolute_url(path)
        ));
    }
    xml.push_str("</urlset>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::PublicCatalog;

    fn site() -> SiteInfo {
        SiteInfo::new(
            "https://tracepipe.example",
            PublicCatalog {
                currency: "USD".into(),
                plans: vec![],
            },
        )
    }

    #[test]
    fn sitemap_lists_public_pages_as_absolute_urls() {
        let xml = sitemap_xml(&site());
        assert!(
            xml.contains("<loc>https://tracepipe.example/</loc>"),
            "{xml}"
        );
        assert_eq!(xml.matches("<url>").count(), PUBLIC_PAGES.len());
    }

    #[test]
    fn robots_points_at_the_sitemap_and_keeps_apis_out() {
        let text = robots_txt(&site());
        assert!(text.contains("Sitemap: https://tracepipe.example/sitemap.xml"));
        assert!(text.contains("Disallow: /v1/"));
    }
}
