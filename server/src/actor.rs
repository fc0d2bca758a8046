//! Who is acting, decided once per request (`app::actor::Actor`): on the
//! site from the session cookie (`from_session`), on `/v1` from the API key
//! (`api::v1`'s key check, which calls `for_key`). Every door then takes
//! the same value: server functions with `Actor::current()`, handlers with
//! the `Actor` extractor. The client's address is found here, one way, for
//! every router.

use app::accounts::ssr::sessions;
use app::actor::{ActingKey, Actor, Identity};
use app::state::AppState;
use app::support::request::{PlainFormPost, RequestId};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Extensions, HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

/// The peer's address (None for a request that came over no socket, as
/// in-process tests make).
pub fn peer_ip(extensions: &Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// An address as logs, records and messages show it.
pub fn address_label(address: Option<IpAddr>) -> String {
    address.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// The peer's address as logs, records and messages show it.
pub fn client_address(extensions: &Extensions) -> String {
    address_label(peer_ip(extensions))
}

fn actor(request: &Request, identity: Identity) -> Actor {
    Actor {
        identity,
        client: client_address(request.extensions()),
        request_id: request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.0.to_string()),
    }
}

/// On `/v1`: the key that passed its checks acts.
pub fn for_key(request: &mut Request, key: ActingKey) {
    let acting = actor(request, Identity::Key(key));
    request.extensions_mut().insert(acting);
}

/// On the site: the person whose session cookie this is, or a visitor. A
/// database failure is `Identity::Unresolved`, for the layer that answers
/// 503 where a session is needed; never a 500. Also marks a form a browser
/// posted without JavaScript.
pub async fn from_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::COOKIE)
        .and_then(|value| value.to_str().ok())
        .and_then(|cookies| state.sessions.token_from_cookies(cookies))
        .map(str::to_owned);
    let identity = match token {
        Some(token) => match sessions::resolve(&state.db, &token, &state.sessions).await {
            Ok(Some(session)) => Identity::Person(session),
            Ok(None) => Identity::Visitor,
            Err(err) => {
                tracing::warn!("session lookup failed: {err}");
                Identity::Unresolved
            }
        },
        None => Identity::Visitor,
    };
    let acting = actor(&request, identity);
    request.extensions_mut().insert(acting);
    if request.method() == Method::POST && is_plain_form_post(request.headers()) {
        request.extensions_mut().insert(PlainFormPost);
    }
    next.run(request).await
}

/// A browser posting a form without JavaScript sends the page it was on
/// and asks for HTML; Leptos's client asks for neither. (A page it then
/// loads sends both too: only a POST counts.)
fn is_plain_form_post(headers: &HeaderMap) -> bool {
    headers.contains_key(header::REFERER)
        && headers
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}
