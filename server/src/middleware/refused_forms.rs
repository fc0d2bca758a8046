//! A form posted without JavaScript that its server function refuses comes
//! back as the page it was on, with the reason and with what was typed, at
//! the page's own address. Leptos answers such a post with a redirect to
//! the page carrying the error in the address (`?__path=…&__err=…`), and
//! the page forgets the values. Here the redirect loses those parameters,
//! and the refusal and the values (never a password or a code) ride along
//! in a cookie that the next page reads and removes: one page view, no
//! address to bookmark or share, no notice again on reload.
//!
//! A post that succeeds is sent to its page with a notice in the address
//! (`/keys?changed=disabled&key=ci`, see `components::Notice`): that notice
//! rides in a cookie the same way, to the page's clean address, so that a
//! reload does not say it again. A page opened with a notice in its address
//! (`/passkey.js` follows a server function's answer there) is sent on to
//! its clean address the same way.

use app::components::{NOTICE_PARAMETERS, NOTICE_SUBJECT};
use app::state::AppState;
use app::support::request::{CarriedNotice, PlainFormPost, RefusedForm};
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const COOKIE: &str = "tp_refused_form";
const NOTICE_COOKIE: &str = "tp_notice";
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
    if request.method() == Method::GET
        && let Some(target) = request.uri().path_and_query()
        && split_notice(target.as_str()).is_some()
    {
        return carry_notice(&state, Redirect::to(target.as_str()).into_response());
    }
    let refused = carried::<RefusedForm>(&request, COOKIE);
    let notice = carried::<CarriedNotice>(&request, NOTICE_COOKIE);
    if refused.is_none() && notice.is_none() {
        return next.run(request).await;
    }
    let (had_refusal, had_notice) = (refused.is_some(), notice.is_some());
    if let Some(refused) = refused {
        request.extensions_mut().insert(refused);
    }
    if let Some(notice) = notice {
        request.extensions_mut().insert(notice);
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if had_refusal {
        headers.append(header::SET_COOKIE, cookie(&state, COOKIE, "", 0));
    }
    if had_notice {
        headers.append(header::SET_COOKIE, cookie(&state, NOTICE_COOKIE, "", 0));
    }
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
        return carry_notice(state, response);
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
    headers.append(header::SET_COOKIE, cookie(state, COOKIE, &encoded, 60));
    response
}

/// A success's redirect to a page with a notice: the notice goes into a
/// cookie, the browser to the page's own address.
fn carry_notice(state: &AppState, mut response: Response) -> Response {
    let Some((page, notice)) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .and_then(split_notice)
    else {
        return response;
    };
    let encoded = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&notice).unwrap_or_default());
    let Ok(page) = HeaderValue::from_str(&page) else {
        return response;
    };
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, page);
    headers.append(
        header::SET_COOKIE,
        cookie(state, NOTICE_COOKIE, &encoded, 60),
    );
    response
}

/// `location` without its notice parameters, and those: None for an
/// address that carries no notice (or a long one, left in the address).
fn split_notice(location: &str) -> Option<(String, CarriedNotice)> {
    let (path, query) = location.split_once('?')?;
    let (notice, kept): (Vec<_>, Vec<_>) = url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .partition(|(name, _)| NOTICE_PARAMETERS.contains(&name.as_str()));
    let length: usize = notice
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    // A subject (`key=`) alone is no notice.
    let names_a_notice = notice.iter().any(|(name, _)| name != NOTICE_SUBJECT);
    if !names_a_notice || length > MOST_VALUE_BYTES {
        return None;
    }
    Some((with_query(path, kept), CarriedNotice(notice)))
}

/// `path` with `query` (nothing when it is empty).
fn with_query(path: &str, query: Vec<(String, String)>) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    format!("{path}?{query}")
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
    Some((with_query(path, kept), action, error))
}

/// What a request's cookie `name` carries, if it is one this server wrote.
fn carried<T: serde::de::DeserializeOwned>(request: &Request, name: &str) -> Option<T> {
    let cookies = request.headers().get(header::COOKIE)?.to_str().ok()?;
    let value = cookies.split(';').find_map(|pair| {
        let (cookie, value) = pair.trim().split_once('=')?;
        (cookie == name).then_some(value)
    })?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(value).ok()?).ok()
}

fn cookie(state: &AppState, name: &str, value: &str, max_age_secs: u32) -> HeaderValue {
    let secure = if state.sessions.secure {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("a cookie of base64 and ASCII")
}

#[cfg(test)]
mod tests {
    use super::{split_notice, split_refusal};

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

    #[test]
    fn a_notice_redirect_keeps_the_page_and_its_own_query() {
        let (page, notice) = split_notice("/keys?changed=disabled&key=ci%20box&page=2").unwrap();
        assert_eq!(page, "/keys?page=2");
        assert_eq!(
            notice.0,
            vec![
                ("changed".to_owned(), "disabled".to_owned()),
                ("key".to_owned(), "ci box".to_owned())
            ]
        );
        assert_eq!(split_notice("/account?saved=name").unwrap().0, "/account");
        assert!(split_notice("/dashboard").is_none());
        assert!(split_notice("/keys?page=2").is_none());
        assert!(split_notice("/keys?key=ci").is_none(), "a subject alone");
    }
}
