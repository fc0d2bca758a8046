//! Request guards that apply across capabilities.

use app::error::AppError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
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

/// Leptos answers every server-function error with 500, including requests
/// whose fields could not be decoded (the function never ran). Those are the
/// client's fault: answer 400, as for any other malformed request.
pub async fn malformed_calls_are_400(request: Request, next: Next) -> Response {
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
    if let Ok(AppError::BadRequest(_)) = serde_json::from_slice(&bytes) {
        parts.status = StatusCode::BAD_REQUEST;
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
        crate::v1::ApiError::new(status, message).into_response()
    } else {
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            message,
        )
            .into_response()
    }
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
