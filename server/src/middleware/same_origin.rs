//! Cross-site request forgery: state-changing requests a browser says come
//! from another site are refused.

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
