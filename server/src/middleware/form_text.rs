//! Form posts whose fields are not UTF-8 text are refused with 400. Left to
//! the form decoders, `%FF` would become U+FFFD and be stored as if typed.

use super::Clients;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode;

pub async fn refuse_invalid_form_text(request: Request, next: Next) -> Response {
    let is_form = request.method() == Method::POST
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|value| {
                value
                    .as_bytes()
                    .starts_with(b"application/x-www-form-urlencoded")
            });
    if !is_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    // The body limit below this layer's caller bounds what is read here.
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    if !is_utf8_form(&bytes) {
        return Clients::Browsers.refusal(
            StatusCode::BAD_REQUEST,
            "A form field is not valid UTF-8 text, so nothing was changed. Type it again, or send the form as UTF-8."
                .to_owned(),
            None,
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether every name and value of `application/x-www-form-urlencoded`
/// `body` decodes (`+` as a space, then percent-escapes) to UTF-8.
fn is_utf8_form(body: &[u8]) -> bool {
    body.split(|&byte| byte == b'&').all(|pair| {
        let spaced: Vec<u8> = pair
            .iter()
            .map(|&byte| if byte == b'+' { b' ' } else { byte })
            .collect();
        percent_decode(&spaced).decode_utf8().is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::is_utf8_form;

    #[test]
    fn only_fields_that_decode_to_utf8_pass() {
        assert!(is_utf8_form(b""));
        assert!(is_utf8_form(b"name=Ada+Lovelace&email=ada%40example.com"));
        assert!(is_utf8_form("name=Zoë&city=%E6%9D%B1%E4%BA%AC".as_bytes()));
        assert!(!is_utf8_form(b"name=%FF"), "a lone byte above 0x7F");
        assert!(!is_utf8_form(b"ok=1&name=%C3"), "a cut-off sequence");
        assert!(!is_utf8_form(b"%ED%A0%80=x"), "a surrogate, in a name");
        assert!(!is_utf8_form(b"name=\xff"), "a raw byte");
    }
}
