//! A deliberate `Cache-Control` on every response.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;

/// Hashed asset names change with their content: a browser may keep them forever.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Pages change with every deploy.
const REVALIDATE: &str = "no-cache";
/// Anything answered to a request with cookies may be personal.
const PERSONAL: &str = "private, no-store";
/// Favicon, Open Graph image, robots.txt, sitemap.xml.
const SHORT_LIVED: &str = "public, max-age=3600";

/// Gives every response a deliberate `Cache-Control` unless its handler chose
/// one. `/pkg/` files are immutable only when their names carry hashes.
pub async fn cache_control(
    State(hashed_assets): State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let cacheable_method = matches!(*request.method(), Method::GET | Method::HEAD);
    let under_pkg = request.uri().path().starts_with("/pkg/");
    let has_cookies = request.headers().contains_key(header::COOKIE);
    let mut response = next.run(request).await;
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let success = response.status().is_success() || response.status().as_u16() == 304;
    let policy = match (cacheable_method && success, under_pkg, is_html) {
        (true, true, _) if hashed_assets => IMMUTABLE,
        (true, true, _) => REVALIDATE,
        (true, false, false) => SHORT_LIVED,
        _ if is_html && has_cookies => PERSONAL,
        _ if is_html => REVALIDATE,
        _ => "no-store",
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}
