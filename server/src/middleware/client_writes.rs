//! A per-client-address limit on state-changing requests: every `POST`,
//! `PUT`, `PATCH` and `DELETE` to the pages, server functions and `/v1`.
//! `/internal/v1` is not behind it: its callers are our own services,
//! authenticated and few. IPv6 clients share the allowance of their
//! network (`CLIENT_IPV6_PREFIX`, a /64 by default). Requests that did not arrive over a socket have
//! no address and are not counted (in-process tests).

use super::Clients;
use crate::keyed_limit::KeyedLimit;
use app::accounts::ssr::throttle::ClientGrouping;
use app::error::AppError;
use app::support::security_events::SecurityEvent;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

/// Where Leptos mounts server functions.
const SERVER_FUNCTIONS: &str = "/api/";

pub async fn limit_client_writes(
    State((limit, clients, grouping)): State<(KeyedLimit<IpAddr>, Clients, ClientGrouping)>,
    request: Request,
    next: Next,
) -> Response {
    let reads_only = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let (Some(client), false) = (client, reads_only) else {
        return next.run(request).await;
    };
    let Some(retry_after_secs) = limit.check(&grouping.group(client)).retry_after_secs else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    SecurityEvent::failure("client_writes", "rate_limited", &client.to_string()).log();
    let refusal = AppError::TooManyRequests {
        retry_after_secs: retry_after_secs as i64,
    };
    let scripted_server_function = clients == Clients::Browsers
        && path.starts_with(SERVER_FUNCTIONS)
        && !accepts_html(request.headers());
    if !scripted_server_function {
        return clients.refusal(
            StatusCode::TOO_MANY_REQUESTS,
            refusal.to_string(),
            Some(retry_after_secs),
        );
    }
    // What a server function's caller decodes: the error as JSON.
    let body = serde_json::to_string(&refusal).unwrap_or_default();
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
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
