//! The limits every request meets (`MAX_BODY_BYTES`, `REQUEST_TIMEOUT_SECS`),
//! and the words for them: tower-http's layers answer a bare 413 or 408.

use super::Clients;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

#[derive(Clone, Copy, Debug)]
pub struct RequestLimits {
    pub max_body_bytes: usize,
    pub timeout: std::time::Duration,
}

impl RequestLimits {
    /// `router` behind both limits, its refusals written for `clients`.
    pub fn apply<S: Clone + Send + Sync + 'static>(
        self,
        router: Router<S>,
        clients: Clients,
    ) -> Router<S> {
        router.layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn_with_state(
                    (self, clients),
                    explain_limits,
                ))
                .layer(RequestBodyLimitLayer::new(self.max_body_bytes))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    self.timeout,
                )),
        )
    }
}

/// Says what happened and what to do. Answers a handler wrote itself (JSON)
/// are left alone.
async fn explain_limits(
    State((limits, clients)): State<(RequestLimits, Clients)>,
    request: Request,
    next: Next,
) -> Response {
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
    clients.refusal(status, message, None)
}
