//! Public pages (the sitemap's) are the same for every anonymous visitor:
//! they do not hydrate, so they carry no inline script and no CSP nonce
//! (`static_pages`). They are rendered once per process and served from
//! memory. Anything that could make a page personal (a cookie, a query
//! string) bypasses the cache, as does any method but GET. The inputs
//! (configuration, catalog) are fixed for the process lifetime, so nothing
//! ever needs invalidating.

use app::site::PUBLIC_PAGES;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
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
    html: Bytes,
}

impl CachedPage {
    fn respond(&self) -> Response {
        let mut response = Response::new(Body::from(self.html.clone()));
        *response.headers_mut() = self.headers.clone();
        response
    }
}

fn cacheable(request: &Request) -> bool {
    request.method() == Method::GET
        && request.uri().query().is_none()
        && !request.headers().contains_key(header::COOKIE)
        && PUBLIC_PAGES.contains(&request.uri().path())
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
    let page = CachedPage {
        headers: parts.headers.clone(),
        html: bytes.clone(),
    };
    if let Ok(mut pages) = cache.pages.write() {
        pages.insert(path, Arc::new(page));
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
                Html(format!("<p>render {n}</p>"))
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
    async fn renders_a_public_page_once() {
        let renders = Arc::new(AtomicUsize::new(0));
        let app = counting_app(renders.clone());
        for _ in 0..3 {
            assert_eq!(fetch(&app, get_request("/")).await, "<p>render 0</p>");
        }
        assert_eq!(renders.load(Ordering::SeqCst), 1);
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
}
