//! Server-function errors answered with their own status.

use app::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

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
