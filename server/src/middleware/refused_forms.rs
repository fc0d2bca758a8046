//! A form posted without JavaScript that its server function refuses comes
//! back as the page it was on, with the reason and with what was typed, at
//! the page's own address. Leptos answers such a post with a redirect to
//! the page carrying the error in the address (`?__path=…&__err=…`), and
//! the page forgets the values. Here the redirect loses those parameters,
//! and the refusal and the values (never a password or a code) ride along
//! in a cookie that the next page reads and removes: one page view, no
//! address to bookmark or share, no notice again on reload.

use app::state::AppState;
use app::support::request::{PlainFormPost, RefusedForm};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const COOKIE: &str = "tp_refused_form";
/// A cookie stays well under browsers' 4 KB: longer values are not kept
/// (the refusal still is).
const MOST_VALUE_BYTES: usize = 2_048;

pub async fn refused_forms(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.extensions().get::<PlainFormPost>().is_some() {
        return keep_refusal(&state, request, next).await;
    }
    let Some(refused) = carried(&request) else {
        return next.run(request).await;
    };
    request.extensions_mut().insert(refused);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, cookie(&state, "", 0));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Runs the post; a refusal's redirect is cleaned and its cookie set.
async fn keep_refusal(state: &AppState, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    // Bounded by the body limit layer: past it, its 413 (put in words there).
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let values: Vec<(String, String)> = url::form_urlencoded::parse(&bytes)
        .filter(|(name, _)| RefusedForm::keeps(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let mut response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let Some(location) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
    else {
        return response;
    };
    let Some((page, action, error)) = split_refusal(location) else {
        return response;
    };
    let within_limit = values
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum::<usize>()
        <= MOST_VALUE_BYTES;
    let refused = RefusedForm {
        action,
        error,
        values: if within_limit { values } else { Vec::new() },
    };
    let encoded = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&refused).unwrap_or_default());
    let Ok(page) = HeaderValue::from_str(&page) else {
        return response;
    };
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, page);
    headers.append(header::SET_COOKIE, cookie(state, &encoded, 60));
    response
}

/// `location` without `__path` and `__err`, and those two: None for a
/// redirect that is no refusal.
fn split_refusal(location: &str) -> Option<(String, String, String)> {
    let (path, query) = location.split_once('?')?;
    let (mut action, mut error, mut kept) = (None, None, Vec::new());
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "__path" => action = Some(value.into_owned()),
            "__err" => error = Some(value.into_owned()),
            _ => kept.push((name.into_owned(), value.into_owned())),
        }
    }
    let (action, error) = (action?, error?);
    let page = if kept.is_empty() {
        path.to_owned()
    } else {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        format!("{path}?{query}")
    };
    Some((page, action, error))
}

/// The refusal a request's cookie carries, if it is one this server wrote.
fn carried(request: &Request) -> Option<RefusedForm> {
    let cookies = request.headers().get(header::COOKIE)?.to_str().ok()?;
    let value = cookies.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE).then_some(value)
    })?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(value).ok()?).ok()
}

fn cookie(state: &AppState, value: &str, max_age_secs: u32) -> HeaderValue {
    let secure = if state.sessions.secure {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("a cookie of base64 and ASCII")
}

#[cfg(test)]
mod tests {
    use super::split_refusal;

    #[test]
    fn a_refusal_redirect_keeps_the_page_and_its_own_query() {
        assert_eq!(
            split_refusal("/login?next=%2Fkeys&__path=%2Fapi%2Flogin&__err=eyJ"),
            Some((
                "/login?next=%2Fkeys".to_owned(),
                "/api/login".to_owned(),
                "eyJ".to_owned()
            ))
        );
        assert_eq!(
            split_refusal("/register?__path=/api/register&__err=x"),
            Some((
                "/register".to_owned(),
                "/api/register".to_owned(),
                "x".to_owned()
            ))
        );
        assert_eq!(split_refusal("/dashboard"), None, "a success");
        assert_eq!(split_refusal("/keys?saved=1"), None, "a success");
    }
}
