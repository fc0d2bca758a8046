//! Public pages (the sitemap's) are the same for every anonymous visitor:
//! they do not hydrate, so they carry no inline script and no CSP nonce
//! (`static_pages`). They are rendered once per process, compressed once
//! (brotli at its best level and gzip, besides the plain bytes) and served
//! from memory in the encoding the browser asks for; the compression layer
//! leaves an encoded response alone. Anything that could make a page
//! personal (a cookie, a query string) bypasses the cache, as does any
//! method but GET. The inputs (configuration, catalog) are fixed for the
//! process lifetime, so nothing ever needs invalidating.

use crate::metrics::RouteLabel;
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
    pages: Arc<RwLock<HashMap<&'static str, PageSlot>>>,
}

/// A page, once made. Requests that miss together wait for the one making
/// it: each making its own copy (28 brotli-11 compressions at once under
/// `bench/load.sh`) once left the process 250 MB larger for good.
type PageSlot = Arc<tokio::sync::OnceCell<Arc<CachedPage>>>;

/// A page's headers and its bytes in each encoding a browser may ask for.
struct CachedPage {
    /// The page's path, as the metrics' route label.
    route: &'static str,
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
    fn compress(route: &'static str, headers: HeaderMap, html: Bytes) -> std::io::Result<Self> {
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
            route,
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
        response
            .extensions_mut()
            .insert(RouteLabel::Page(self.route));
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

/// The public page `request` asks for, if its answer may come from the cache.
fn cacheable(request: &Request) -> Option<&'static str> {
    let anonymous_get = request.method() == Method::GET
        && request.uri().query().is_none()
        && !request.headers().contains_key(header::COOKIE);
    let path = request.uri().path();
    PUBLIC_PAGES
        .iter()
        .find(|page| anonymous_get && **page == path)
        .copied()
}

pub async fn serve_public_pages(
    State(cache): State<PageCache>,
    request: Request,
    next: Next,
) -> Response {
    let Some(route) = cacheable(&request) else {
        return next.run(request).await;
    };
    let encoding = Encoding::preferred(request.headers());
    let slot = cache.slot(route);
    if let Some(page) = slot.get() {
        return page.respond(encoding);
    }
    let made = slot
        .get_or_try_init(|| async move { CachedPage::make(route, next.run(request).await).await })
        .await;
    match made {
        Ok(page) => page.respond(encoding),
        // Not a page to keep (or making it failed): this request's answer.
        Err(response) => response,
    }
}

impl PageCache {
    fn slot(&self, route: &'static str) -> PageSlot {
        let found = self
            .pages
            .read()
            .ok()
            .and_then(|pages| pages.get(route).cloned());
        found.unwrap_or_else(|| match self.pages.write() {
            Ok(mut pages) => pages.entry(route).or_default().clone(),
            // A poisoned map: serve without keeping.
            Err(_) => PageSlot::default(),
        })
    }
}

impl CachedPage {
    /// The page `response` rendered, compressed off the async threads; the
    /// response itself when it is no page to keep (not a 200 HTML answer,
    /// or one setting a cookie).
    async fn make(route: &'static str, response: Response) -> Result<Arc<Self>, Response> {
        let is_html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
        if response.status() != StatusCode::OK
            || !is_html
            || response.headers().contains_key(header::SET_COOKIE)
        {
            return Err(response);
        }
        let failed = |what: &str, err: &dyn std::fmt::Display| {
            tracing::error!(path = route, "{what} a public page failed: {err}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        };
        let (mut parts, body) = response.into_parts();
        let html = axum::body::to_bytes(body, MAX_CACHED_PAGE_BYTES)
            .await
            .map_err(|err| failed("rendering", &err))?;
        parts.headers.remove(header::CONTENT_LENGTH);
        let headers = parts.headers;
        match tokio::task::spawn_blocking(move || Self::compress(route, headers, html)).await {
            Ok(Ok(page)) => Ok(Arc::new(page)),
            Ok(Err(err)) => Err(failed("compressing", &err)),
            Err(err) => Err(failed("compressing (a panic)", &err)),
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

    /// A router whose pages count how often they are rendered (20 ms each).
    fn counting_app(renders: Arc<AtomicUsize>) -> Router {
        let page = move || {
            let renders = renders.clone();
            async move {
                let n = renders.fetch_add(1, Ordering::SeqCst);
                // Long enough for visitors arriving together to overlap.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn visitors_arriving_together_wait_for_one_render() {
        let renders = Arc::new(AtomicUsize::new(0));
        let app = counting_app(renders.clone());
        let visits: Vec<_> = (0..16)
            .map(|_| {
                let app = app.clone();
                tokio::spawn(async move { fetch(&app, get_request("/")).await })
            })
            .collect();
        for visit in visits {
            assert_eq!(visit.await.unwrap(), "<p>render 0</p>");
        }
        assert_eq!(
            renders.load(Ordering::SeqCst),
            1,
            "one render, one compression"
        );
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
