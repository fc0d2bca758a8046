//! The documentation pages: the API reference derived from the document
//! `/v1/openapi.json` serves (exactly its operations, each schema), every
//! internal link and anchor of the docs resolving, examples that never hold
//! a secret, and the error reference matching what the API answers.

use crate::common;

use common::api::*;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;

const DOCS_PAGES: &[&str] = &[
    "/docs",
    "/docs/quickstart",
    "/docs/api",
    "/docs/errors",
    "/docs/trace-capture",
];

/// Every `attribute="…"` value on the page.
fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let marker = format!(" {attribute}=\"");
    html.split(marker.as_str())
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

/// Where the page's links (`<a href>`) go.
fn link_targets(html: &str) -> Vec<&str> {
    html.split("<a ")
        .skip(1)
        .filter_map(|tag| tag[..tag.find('>')?].split("href=\"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

fn has_anchor(html: &str, anchor: &str) -> bool {
    attribute_values(html, "id").contains(&anchor)
}

#[tokio::test]
async fn the_reference_lists_exactly_the_documented_operations_and_schemas() {
    let app = sqlite_app().await;
    let document: Value =
        serde_json::from_str(&get(&app.router, "/v1/openapi.json").await.body).unwrap();
    let reference = page(&app.router, "/docs/api", None).await;
    assert_eq!(reference.status, 200);
    let html = &reference.body;

    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            documented.insert(format!("op-{id}"));
            let anchor = format!("id=\"op-{id}\"");
            let section = &html[html
                .find(&anchor)
                .unwrap_or_else(|| panic!("no section for {id}"))..];
            let section = &section[..section.find("</article>").unwrap()];
            assert!(
                section.contains(&method.to_ascii_uppercase()),
                "{id}: method"
            );
            assert!(
                section.contains(&format!("<code>{path}</code>")),
                "{id}: path"
            );
            for status in operation["responses"].as_object().unwrap().keys() {
                assert!(
                    section.contains(&format!("<code>{status}</code>")),
                    "{id}: status {status}"
                );
            }
            for language in ["curl", "python", "javascript"] {
                assert!(
                    section.contains(&format!(r#"data-example="{language}""#)),
                    "{id}: {language}"
                );
            }
        }
    }
    let rendered: BTreeSet<String> = attribute_values(html, "id")
        .into_iter()
        .filter(|id| id.starts_with("op-") && !id.ends_with("-title"))
        .map(str::to_owned)
        .collect();
    assert_eq!(rendered, documented, "one section per operation, no more");
    for schema in document["components"]["schemas"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(
            has_anchor(html, &format!("schema-{schema}")),
            "schema {schema}"
        );
    }
    // Grouped by resource, with the document's error codes and permissions.
    for group in ["resource-account", "resource-api-keys", "resource-usage"] {
        assert!(has_anchor(html, group), "{group}");
    }
    assert!(html.contains("<code>api_keys:write</code>"));
    assert!(html.contains("<code>rate_limited</code>"));
    assert!(
        html.contains("https://tracepipe.example/v1"),
        "examples use PUBLIC_URL"
    );
}

#[tokio::test]
async fn every_internal_link_and_anchor_of_the_docs_resolves() {
    let app = sqlite_app().await;
    let mut checked = 0;
    for docs_page in DOCS_PAGES {
        let answer = page(&app.router, docs_page, None).await;
        assert_eq!(answer.status, 200, "{docs_page}");
        for href in link_targets(&answer.body) {
            let (path, anchor) = match href.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (href, None),
            };
            if href.starts_with("http") || href.starts_with("mailto:") {
                continue;
            }
            let target = if path.is_empty() {
                answer.body.clone()
            } else {
                let target = page(&app.router, path, None).await;
                // Signed-in pages send visitors to sign in: that resolves too.
                assert!(
                    target.status.as_u16() < 400,
                    "{docs_page}: {href} answers {}",
                    target.status
                );
                target.body
            };
            if let Some(anchor) = anchor.filter(|anchor| !anchor.is_empty()) {
                assert!(
                    has_anchor(&target, anchor),
                    "{docs_page}: {href} has no #{anchor}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} links checked");
}

#[tokio::test]
async fn examples_show_a_signed_in_readers_key_prefix_and_never_a_secret() {
    let app = sqlite_app().await;
    let SignedInUser {
        cookie,
        id: user_id,
    } = registered(&app, "reader").await;
    let (record, secret) = store_key(&app, &user_id, "laptop").await;
    let reference = page(&app.router, "/docs/api", Some(&cookie)).await;
    assert_eq!(reference.status, 200);
    assert!(
        reference.body.contains(&record.masked),
        "the key's prefix is shown"
    );
    assert!(!reference.body.contains(&secret), "never the key itself");
    assert!(reference.body.contains("$TRACEPIPE_API_KEY"));
    let visitor = page(&app.router, "/docs/api", None).await;
    assert!(!visitor.body.contains(&record.masked));
}

#[tokio::test]
async fn the_error_reference_names_every_code_the_api_answers_with() {
    let app = sqlite_app().await;
    let errors = page(&app.router, "/docs/errors", None).await;
    assert_eq!(errors.status, 200);
    for code in app::api_errors::API_ERROR_CODES {
        assert!(
            has_anchor(&errors.body, &format!("code-{}", code.code)),
            "{}",
            code.code
        );
        for (reason, _) in code.reasons {
            assert!(
                errors.body.contains(&format!("<code>{reason}</code>")),
                "{reason}"
            );
        }
    }
    // What the API really answers carries a code from that list.
    let refused = users_me(&app.router, "tp_live_sk_not-a-key").await;
    assert_envelope(
        &refused,
        axum::http::StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let reason = json_of(&refused)["error"]["details"]["reason"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        errors.body.contains(&format!("<code>{reason}</code>")),
        "{reason}"
    );
}
