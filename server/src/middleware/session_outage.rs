//! The database is down, so a visitor's session cannot be looked up.

use super::Clients;
use app::actor::{Actor, Identity};
use app::error::AppError;
use app::site::in_console;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

/// A request that needs its session (a signed-in page, a server function, a
/// form post) while the session could not be looked up is answered at once:
/// 503, `Retry-After` and the plain message, instead of treating a
/// signed-in visitor as signed out (a sign-in page, or a 401 "your session
/// has ended") and losing what they were doing. Public pages are still
/// served, as to a visitor who is signed out.
pub async fn unavailable_without_session(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let needs_session =
        request.method() != Method::GET || in_console(path) || path.starts_with("/api/");
    let unresolved = request
        .extensions()
        .get::<Actor>()
        .is_some_and(|actor| matches!(actor.identity, Identity::Unresolved));
    if needs_session && unresolved {
        // `refusal` adds the request id to the plain page.
        let unavailable = AppError::Unavailable { request_id: None };
        return Clients::Browsers.refusal(
            unavailable.status(),
            unavailable.to_string(),
            unavailable.retry_after_secs().map(|secs| secs as u64),
        );
    }
    next.run(request).await
}
