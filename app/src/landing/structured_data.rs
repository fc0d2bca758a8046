//! JSON-LD for search engines: the organisation and its plans as offers.

use crate::site::SiteInfo;
use serde_json::json;

pub fn organization_and_offers(site: &SiteInfo) -> String {
    let catalog = &site.catalog;
    let offers: Vec<_> = catalog
        .plans
        .iter()
        .map(|plan| {
            let mut offer = json!({
                "@type": "Offer",
                "name": plan.name,
                "description": plan.tagline,
                "price": plan.decimal_price(),
                "priceCurrency": catalog.currency,
                "url": site.absolute_url("/pricing"),
            });
            if let Some(interval) = plan.interval {
                offer["priceSpecification"] = json!({
                    "@type": "UnitPriceSpecification",
                    "price": plan.decimal_price(),
                    "priceCurrency": catalog.currency,
                    "unitCode": interval.schema_org_unit(),
                });
            }
            offer
        })
        .collect();
    let document = json!({
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "Organization",
                "@id": site.absolute_url("/#organization"),
                "name": "Tracepipe",
                "url": site.absolute_url("/"),
                "logo": site.absolute_url("/favicon.svg"),
            },
            {
                "@type": "Product",
                "name": "Tracepipe",
                "description": "Turns recordings of people using web apps into JSONL training data for AI models.",
                "brand": { "@id": site.absolute_url("/#organization") },
                "offers": offers,
            }
        ]
    });
    // Inside <script>, "</" would end the element early; JSON allows "<\/".
    document.to_string().replace("</", "<\\/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payments::ssr::catalog::Catalog;

    fn site() -> SiteInfo {
        let catalog = Catalog::parse(include_str!("../../../catalog.toml")).unwrap();
        SiteInfo::new("https://tracepipe.example", catalog.public())
    }

    #[test]
    fn lists_every_catalog_plan_as_an_offer_with_absolute_urls() {
        let value: serde_json::Value =
            serde_json::from_str(&organization_and_offers(&site())).unwrap();
        let graph = value["@graph"].as_array().unwrap();
        assert_eq!(graph[0]["@type"], "Organization");
        assert_eq!(graph[0]["url"], "https://tracepipe.example/");
        let offers = graph[1]["offers"].as_array().unwrap();
        assert_eq!(offers.len(), site().catalog.plans.len());
        let pro = offers.iter().find(|o| o["name"] == "Pro").unwrap();
        assert_eq!(pro["price"], "199.00");
        assert_eq!(pro["priceCurrency"], "USD");
        assert_eq!(pro["priceSpecification"]["unitCode"], "MON");
    }

    #[test]
    fn cannot_close_its_script_element() {
        let mut catalog = site().catalog.as_ref().clone();
        catalog.plans[0].name = "</script><script>alert(1)</script>".into();
        let text = organization_and_offers(&SiteInfo::new("https://tracepipe.example", catalog));
        assert!(!text.contains("</"), "{text}");
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["@graph"][1]["offers"][0]["name"],
            "</script><script>alert(1)</script>"
        );
    }
}
