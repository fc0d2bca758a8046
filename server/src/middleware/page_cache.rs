//! Public pages (the sitemap's) are the same for every anonymous visitor but
//! for the CSP nonce on their scripts. They are rendered once per process and
//! served from memory with a fresh nonce per response. Anything that could
//! make a page personal (a cookie, a query string) bypasses the cache, as does
//! any method but GET. The inputs (configuration, catalog) are fixed for the
//! process lifetime, so nothing ever needs invalidating.

use app::site::PUBLIC_PAGES;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::nonce::Nonce;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Larger pages are served but not kept.
const MAX_CACHED_PAGE_BYTES: usize = 512 * 1024;

#[derive(Clone, Default)]
pub struct PageCache {
    pages: Arc<RwLock<HashMap<String, Arc<CachedPage>>>>,
}

struct CachedPage {
    headers: HeaderMap,
    html: String,
    /// The nonce the page was rendered with, swapped for a fresh one per response.
    nonce: Option<String>,
}

impl CachedPage {
    fn respond(&self) -> Response {
        let mut headers = self.headers.clone();
        let html = match &self.nonce {
            Some(rendered) => {
                let fresh = Nonce::new().to_string();
                // The Content-Security-Policy names the nonce too.
                let policy = headers
                    .get(header::CONTENT_SECURITY_POLICY)
                    .and_then(|policy| policy.to_str().ok())
                    .and_then(|policy| {
                        HeaderValue::from_str(&policy.replace(rendered, &fresh)).ok()
                    });
                if let Some(policy) = policy {
                    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
                }
                self.html.replace(rendered, &fresh)
            }
            None => self.html.clone(),
        };
        let mut response = Response::new(Body::from(html));
        *response.headers_mut() = headers;
        response
    }
}

fn cacheable(request: &Request) -> bool {
    request.method() == Method::GET
        && request.uri().query().is_none()
        && !request.headers().contains_key(header::COOKIE)
        && PUBLIC_PAGES.contains(&request.uri().path())
}

/// The `nonce="…"` value Leptos stamped on the page's scripts.
fn rendered_nonce(html: &str) -> Option<String> {
    let start = html.find("nonce=\"")? + "nonce=\"".len();
    let len = html[start..].find('"')?;
    Some(html[start..start + len].to_owned()).filter(|nonce| !nonce.is_empty())
}

pub async fn serve_public_pages(
    State(cache): State<PageCache>,
    request: Request,
    next: Next,
) -> Response {
    if !cacheable(&request) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    let cached = cache
        .pages
        .read()
        .ok()
        .and_then(|pages| pages.get(&path).cloned());
    if let Some(page) = cached {
        return page.respond();
    }

    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if response.status() != StatusCode::OK
        || !is_html
        || response.headers().contains_key(header::SET_COOKIE)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_CACHED_PAGE_BYTES).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::error!(%path, "rendering a public page failed: {err}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Ok(html) = std::str::from_utf8(&bytes) {
        let page = CachedPage {
            headers: parts.headers.clone(),
            html: html.to_owned(),
            nonce: rendered_nonce(html),
        };
        if let Ok(mut pages) = cache.pages.write() {
            pages.insert(path, Arc::new(page));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::response::Html;
    use axum::routing::get;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tower::ServiceExt;

    /// A router whose pages count how often they are rendered.
    fn counting_app(renders: Arc<AtomicUsize>) -> Router {
        let page = move || {
            let renders = renders.clone();
            async move {
                let n = renders.fetch_add(1, Ordering::SeqCst);
                Html(format!(
                    r#"<script nonce="render{n}">go()</script><p nonce="render{n}">"#
                ))
            }
        };
        Router::new()
            .route("/", get(page.clone()).post(page.clone()))
            .route("/private", get(page))
            .layer(axum::middleware::from_fn_with_state(
                PageCache::default(),
                serve_public_pages,
            ))
    }

    async fn fetch(app: &Router, request: Request) -> String {
        let response = app.clone().oneshot(request).await.unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn get_request(uri: &str) -> Request {
        Request::get(uri).body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn renders_a_public_page_once_and_renews_its_nonce_per_response() {
        let renders = Arc::new(AtomicUsize::new(0));
        let app = counting_app(renders.clone());
        let first = fetch(&app, get_request("/")).await;
        let second = fetch(&app, get_request("/")).await;
        let third = fetch(&app, get_request("/")).await;
        assert_eq!(renders.load(Ordering::SeqCst), 1);
        assert!(first.contains("render0"));
        let nonces: Vec<_> = [&second, &third]
            .map(|html| rendered_nonce(html).unwrap())
            .into();
        assert_ne!(nonces[0], nonces[1]);
        for (html, nonce) in [&second, &third].into_iter().zip(&nonces) {
            assert!(
                !html.contains("render0"),
                "every occurrence replaced: {html}"
            );
            assert_eq!(html.matches(nonce.as_str()).count(), 2);
        }
    }

    #[tokio::test]
    async fn anything_that_could_be_personal_is_rendered_every_time() {
        let renders = Arc::new(AtomicUsize::new(0));
        let app = counting_app(renders.clone());
        let with_cookie = Request::get("/")
            .header(header::COOKIE, "session=abc")
            .body(Body::empty())
            .unwrap();
        fetch(&app, with_cookie).await;
        fetch(&app, get_request("/?ref=ad")).await;
        fetch(&app, Request::post("/").body(Body::empty()).unwrap()).await;
        fetch(&app, get_request("/private")).await;
        fetch(&app, get_request("/private")).await;
        assert_eq!(renders.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn finds_the_nonce_leptos_stamped() {
        let html = r#"<link crossorigin="abc"><script type="module" nonce="Xy_9-">"#;
        assert_eq!(rendered_nonce(html).as_deref(), Some("Xy_9-"));
        assert_eq!(rendered_nonce("<script>"), None);
        assert_eq!(rendered_nonce(r#"<script nonce="">"#), None);
    }
}
