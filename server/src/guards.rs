//! Request guards that apply across capabilities.

use app::error::AppError;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Refuses state-changing requests that a browser says come from another
/// site (CSRF). Server functions do no such check by design. Requests with
/// neither `Origin` nor `Referer` come from non-browser clients and pass.
/// Only pages and server functions pass through it: the `/v1` and
/// `/internal` APIs authenticate with keys, not cookies, and are mounted
/// outside it.
pub async fn same_origin_writes(
    State(own_origin): State<Arc<str>>,
    request: Request,
    next: Next,
) -> Response {
    let reads_only = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if reads_only {
        return next.run(request).await;
    }
    match foreign_origin(request.headers(), &own_origin) {
        Some(claimed) => {
            tracing::warn!(origin = %claimed, "refused a cross-site request");
            (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!(
                    "This request came from another site ({claimed}), so it was refused. \
                     Open {own_origin} and submit the form there."
                ),
            )
                .into_response()
        }
        None => next.run(request).await,
    }
}

/// The other site a request claims to come from, if it is not ours.
fn foreign_origin(headers: &HeaderMap, own_origin: &str) -> Option<String> {
    let value = |name| headers.get(name).and_then(|value| value.to_str().ok());
    if value("sec-fetch-site") == Some("cross-site") {
        return Some(
            value(header::ORIGIN.as_str())
                .unwrap_or("another site")
                .to_owned(),
        );
    }
    let claimed = match (
        value(header::ORIGIN.as_str()),
        value(header::REFERER.as_str()),
    ) {
        (Some(origin), _) => origin.to_owned(),
        (None, Some(referer)) => Url::parse(referer)
            .map(|url| url.origin().ascii_serialization())
            .unwrap_or_else(|_| referer.to_owned()),
        (None, None) => return None,
    };
    (claimed != own_origin).then_some(claimed)
}

/// Leptos answers every server-function error with 500. Here each gets its
/// own status (`AppError::status`: 422 for a refused field, 401 signed out,
/// 503 when a dependency failed…) and `Retry-After` where waiting is the
/// remedy, in this one place, whatever the function. Only error answers to
/// scripted calls are 500s with the `serverfnerror` header: a form posted
/// without JavaScript gets its redirect back to the form, and a page that
/// called the function while rendering keeps its own status.
pub async fn server_function_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = err.status();
        if let Some(secs) = err.retry_after_secs() {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The limits every request meets (`MAX_BODY_BYTES`, `REQUEST_TIMEOUT_SECS`).
#[derive(Clone, Copy, Debug)]
pub struct RequestLimits {
    pub max_body_bytes: usize,
    pub timeout: std::time::Duration,
}

/// The body-size and time limits answer a bare 413 or 408; this says what
/// happened and what to do, in the API's envelope under `/v1` and
/// `/internal`, in plain words elsewhere. Answers a handler wrote itself
/// (JSON) are left alone.
pub async fn explain_limits(
    State(limits): State<RequestLimits>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let api = path.starts_with("/v1/") || path.starts_with("/internal/");
    let response = next.run(request).await;
    let status = response.status();
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "The request body is larger than {} KiB, the most this site accepts; nothing was changed.",
            limits.max_body_bytes / 1024
        ),
        StatusCode::REQUEST_TIMEOUT => format!(
            "The request took longer than {} s and was stopped. Try again.",
            limits.timeout.as_secs()
        ),
        _ => return response,
    };
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if is_json {
        return response;
    }
    if api {
        crate::api::ApiError::new(status, message).into_response()
    } else {
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            message,
        )
            .into_response()
    }
}

type ClientLimiter = governor::DefaultKeyedRateLimiter<IpAddr>;

/// A per-client-address limit on state-changing requests (GCRA via
/// `governor`): every `POST`, `PUT`, `PATCH` and `DELETE` (pages, server
/// functions, `/v1`, the sandbox's pages) but `/internal`, whose callers are
/// our own services, authenticated and few. Per instance, like the `/v1`
/// limits. Requests that did not arrive over a socket have no address and
/// are not counted (in-process tests).
#[derive(Clone)]
pub struct ClientWriteLimit {
    limiter: Arc<ClientLimiter>,
}

impl ClientWriteLimit {
    /// Also starts forgetting idle addresses every minute, for as long as
    /// the limit is in use, so memory stays bounded.
    pub fn per_minute(writes: u32) -> Self {
        let quota =
            governor::Quota::per_minute(NonZeroU32::new(writes.max(1)).expect("at least 1"));
        let limiter = Arc::new(ClientLimiter::keyed(quota));
        let forgetting = Arc::downgrade(&limiter);
        tokio::spawn(async move {
            let mut every_minute = tokio::time::interval(Duration::from_secs(60));
            every_minute.tick().await;
            loop {
                every_minute.tick().await;
                let Some(limiter) = forgetting.upgrade() else {
                    return;
                };
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        });
        Self { limiter }
    }

    /// Seconds until `client` may make another change, if it must wait.
    fn wait_for(&self, client: IpAddr) -> Option<u64> {
        use governor::clock::{Clock, DefaultClock};
        self.limiter.check_key(&client).err().map(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs_f64().ceil().max(1.0) as u64
        })
    }
}

pub async fn limit_client_writes(
    State(limit): State<ClientWriteLimit>,
    request: Request,
    next: Next,
) -> Response {
    let reads_only = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let path = request.uri().path();
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let (Some(client), false, false) = (client, reads_only, path.starts_with("/internal/")) else {
        return next.run(request).await;
    };
    let Some(retry_after_secs) = limit.wait_for(client) else {
        return next.run(request).await;
    };
    tracing::warn!(%client, path, "refused: over the per-client write limit");
    let refusal = AppError::TooManyRequests {
        retry_after_secs: retry_after_secs as i64,
    };
    let mut response = if path.starts_with("/v1/") {
        crate::api::ApiError::new(StatusCode::TOO_MANY_REQUESTS, refusal.to_string())
            .into_response()
    } else if path.starts_with("/api/") && !accepts_html(request.headers()) {
        // What a server function's caller decodes: the error as JSON.
        let body = serde_json::to_string(&refusal).unwrap_or_default();
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    } else {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            refusal.to_string(),
        )
            .into_response()
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

/// A browser navigating (a form posted without JavaScript), not a script.
fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::foreign_origin;
    use axum::http::HeaderMap;

    const OURS: &str = "https://tracepipe.example";

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap()))
            .collect()
    }

    #[test]
    fn same_site_form_posts_pass() {
        assert_eq!(
            foreign_origin(
                &headers(&[("origin", OURS), ("sec-fetch-site", "same-origin")]),
                OURS
            ),
            None
        );
        let referer_only = headers(&[("referer", "https://tracepipe.example/login?next=/keys")]);
        assert_eq!(foreign_origin(&referer_only, OURS), None);
        assert_eq!(
            foreign_origin(&headers(&[]), OURS),
            None,
            "non-browser clients"
        );
    }

    #[test]
    fn other_sites_are_named_and_refused() {
        let cases = [
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("origin", "https://evil.example")]),
            headers(&[("origin", "null")]),
            headers(&[("origin", "http://tracepipe.example")]),
            headers(&[("referer", "https://evil.example/page")]),
            headers(&[
                ("origin", "https://evil.example"),
                ("referer", "https://tracepipe.example/"),
            ]),
        ];
        for case in cases {
            assert!(foreign_origin(&case, OURS).is_some(), "{case:?}");
        }
    }
}
