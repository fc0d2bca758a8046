//! Every request's id: kept from `X-Request-Id` when a trusted proxy (one of
//! `TRUSTED_PROXIES`) sent it, so one id follows a request through the
//! proxy's logs and ours; otherwise a new UUID (v7, ordered by time). It is
//! on the request (for the request log's span), in the answer's
//! `X-Request-Id`, and, for the error answers written while handling the
//! request (API envelopes, refusals), in the text: "quote this id".

use app::support::networks::Networks;
use app::support::request::RequestId;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::Arc;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest id taken from a proxy; longer ones are replaced.
const MAX_KEPT_ID_LEN: usize = 128;

tokio::task_local! {
    static CURRENT: Arc<str>;
}

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<Arc<str>> {
    CURRENT.try_with(Arc::clone).ok()
}

/// The networks whose `X-Request-Id` (and nobody else's) is believed;
/// none by default.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Networks);

impl TrustedProxies {
    fn trust(&self, request: &Request) -> bool {
        !self.0.is_any()
            && request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .is_some_and(|peer| self.0.allows(peer.0.ip()))
    }
}

/// Printable ASCII without spaces, as ids from proxies (nginx, Envoy,
/// Heroku's router) are; anything else could forge a log line.
fn usable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty() && bytes.len() <= MAX_KEPT_ID_LEN && bytes.iter().all(u8::is_ascii_graphic)
}

pub async fn request_id(
    State(trusted): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    let kept = request
        .headers()
        .get(&X_REQUEST_ID)
        .filter(|value| usable(value) && trusted.trust(&request))
        .cloned();
    let id = kept.unwrap_or_else(|| {
        HeaderValue::try_from(uuid::Uuid::now_v7().to_string()).expect("a UUID is a header value")
    });
    request.headers_mut().insert(X_REQUEST_ID, id.clone());
    let text: Arc<str> = id.to_str().expect("checked ASCII").into();
    request.extensions_mut().insert(RequestId(text.clone()));
    let mut response = CURRENT.scope(text, next.run(request)).await;
    response.headers_mut().insert(X_REQUEST_ID, id);
    response
}
