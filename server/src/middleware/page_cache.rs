//! Public pages (the sitemap's) are the same for every anonymous visitor:
//! they do not hydrate, so they carry no inline script and no CSP nonce
//! (`static_pages`). They are rendered once per process, compressed once
//! (brotli at its best level and gzip, besides the plain bytes) and served
//! from memory in the encoding the browser asks for; the compression layer
//! leaves an encoded response alone. Anything that could make a page
//! personal (a cookie, a query string) bypasses the cache, as does any
//! method but GET. The inputs (configuration, catalog) are fixed for the
//! process lifetime, so nothing ever needs invalidating.

use app::site::PUBLIC_PAGES;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, RwLock};

/// Larger pages are served but not kept.
const MAX_CACHED_PAGE_BYTES: usize = 512 * 1024;

#[derive(Clone, Default)]
pub struct PageCache {
    pages: Arc<RwLock<HashMap<String, Arc<CachedPage>>>>,
}

/// A page's headers and its bytes in each encoding a browser may ask for.
struct CachedPage {
    headers: HeaderMap,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The best encoding the request accepts: brotli, then gzip (both far
    /// smaller than the page), else the plain bytes. An encoding listed with
    /// `q=0` is refused; `*` stands for any encoding not listed.
    fn preferred(headers: &HeaderMap) -> Self {
        let accepted = |name: &str| {
            let mut wildcard = false;
            for value in headers.get_all(header::ACCEPT_ENCODING) {
                let Ok(value) = value.to_str() else { continue };
                for item in value.split(',') {
                    let mut parts = item.split(';');
                    let coding = parts.next().unwrap_or_default().trim();
                    let refused = parts.any(|param| {
                        param
                            .trim()
                            .strip_prefix("q=")
                            .and_then(|q| q.trim().parse::<f32>().ok())
                            .is_some_and(|q| q <= 0.0)
                    });
                    if coding.eq_ignore_ascii_case(name) {
                        return !refused;
                    }
                    wildcard |= coding == "*" && !refused;
                }
            }
            wildcard
        };
        if accepted("br") {
            Encoding::Brotli
        } else if accepted("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

impl CachedPage {
    /// Compresses `html` once; the caller runs this off the async threads.
    fn compress(headers: HeaderMap, html: Bytes) -> std::io::Result<Self> {
        let mut brotli = Vec::with_capacity(html.len() / 3);
        {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                ..Default::default()
            };
            let mut writer = brotli::CompressorWriter::with_params(&mut brotli, 4096, &params);
            writer.write_all(&html)?;
        }
        let mut gzip = flate2::write::GzEncoder::new(
            Vec::with_capacity(html.len() / 3),
            flate2::Compression::best(),
        );
        gzip.write_all(&html)?;
        Ok(Self {
            headers,
            gzip: gzip.finish()?.into(),
            brotli: brotli.into(),
            identity: html,
        })
    }

    fn respond(&self, encoding: Encoding) -> Response {
        let (body, content_encoding) = match encoding {
            Encoding::Brotli => (&self.brotli, Some("br")),
            Encoding::Gzip => (&self.gzip, Some("gzip")),
            Encoding::Identity => (&self.identity, None),
        };
        let mut response = Response::new(Body::from(body.clone()));
        let headers = response.headers_mut();
        *headers = self.headers.clone();
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        if let Some(content_encoding) = content_encoding {
            headers.insert(
                header::CONTENT_ENCODING,
                HeaderValue::from_static(content_encoding),
            );
        }
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
    let encoding = Encoding::preferred(request.headers());
    let cached = cache
        .pages
        .read()
        .ok()
        .and_then(|pages| pages.get(&path).cloned());
    if let Some(page) = cached {
        return page.respond(encoding);
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
    let html = match axum::body::to_bytes(body, MAX_CACHED_PAGE_BYTES).await {
        Ok(html) => html,
        Err(err) => {
            tracing::error!(%path, "rendering a public page failed: {err}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let headers = parts.headers.clone();
    let compressed = tokio::task::spawn_blocking(move || CachedPage::compress(headers, html)).await;
    match compressed {
        Ok(Ok(page)) => {
            let page = Arc::new(page);
            if let Ok(mut pages) = cache.pages.write() {
                pages.insert(path, page.clone());
            }
            page.respond(encoding)
        }
        Ok(Err(err)) => {
            tracing::error!(%path, "compressing a public page failed: {err}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        Err(err) => {
            tracing::error!(%path, "compressing a public page panicked: {err}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::response::Html;
    use axum::routing::get;
    use std::io::Read;
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

    fn get_with_encoding(uri: &str, accept_encoding: &str) -> Request {
        Request::get(uri)
            .header(header::ACCEPT_ENCODING, accept_encoding)
            .body(Body::empty())
            .unwrap()
    }

    /// The body as the browser reads it, and the encoding it came in.
    async fn fetch_decoded(app: &Router, request: Request) -> (Option<String>, String) {
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.headers()[header::VARY], "accept-encoding");
        let encoding = response
            .headers()
            .get(header::CONTENT_ENCODING)
            .map(|value| value.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let mut html = String::new();
        match encoding.as_deref() {
            Some("br") => brotli::Decompressor::new(&bytes[..], 4096)
                .read_to_string(&mut html)
                .unwrap(),
            Some("gzip") => flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut html)
                .unwrap(),
            None => std::io::Read::read_to_string(&mut &bytes[..], &mut html).unwrap(),
            Some(other) => panic!("unexpected encoding {other}"),
        };
        (encoding, html)
    }

    #[tokio::test]
    async fn a_cached_page_is_served_in_the_encoding_the_browser_asks_for() {
        let renders = Arc::new(AtomicUsize::new(0));
        let app = counting_app(renders.clone());
        let cases = [
            ("gzip, deflate, br, zstd", Some("br")),
            ("gzip", Some("gzip")),
            ("br;q=0, gzip;q=0.8", Some("gzip")),
            ("*", Some("br")),
            ("identity", None),
            ("br;q=0, gzip;q=0", None),
        ];
        for (accept_encoding, expected) in cases {
            let (encoding, html) =
                fetch_decoded(&app, get_with_encoding("/", accept_encoding)).await;
            assert_eq!(
                encoding.as_deref(),
                expected,
                "Accept-Encoding: {accept_encoding}"
            );
            assert_eq!(html, "<p>render 0</p>");
        }
        let (encoding, _) = fetch_decoded(&app, get_request("/")).await;
        assert_eq!(encoding, None, "no Accept-Encoding: the plain page");
        assert_eq!(
            renders.load(Ordering::SeqCst),
            1,
            "rendered and compressed once"
        );
    }
}
