//! Pages that do not hydrate (`app::site::hydrates`: the public pages, the
//! signed-out forms, the 404 page) leave without what only hydration reads:
//! the `<!>` comments Leptos writes between text nodes (HTML parsers call
//! them "bogus comments", and the Nu HTML Checker reports each), and the
//! inline scripts, stamped with the page's nonce, that hand the server's
//! resources to the browser bundle (`__RESOLVED_RESOURCES…`: on the API
//! reference, the whole reference a second time). Each part of the stream is
//! rewritten on its own: Leptos writes a marker or such a script in one
//! piece, so none spans two parts.

use app::site::hydrates;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;

const MARKER: &str = "<!>";
/// How Leptos opens its inline scripts; our own scripts are files (`src`).
const INLINE_SCRIPT: &str = "<script nonce=\"";
const SCRIPT_END: &str = "</script>";

pub async fn finish_static_pages(request: Request, next: Next) -> Response {
    let is_static = request.method() == Method::GET && !hydrates(request.uri().path());
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if !is_static || !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let stream = body
        .into_data_stream()
        .map(|part| part.map(without_hydration_markup));
    Response::from_parts(parts, Body::from_stream(stream))
}

fn without_hydration_markup(part: Bytes) -> Bytes {
    match std::str::from_utf8(&part) {
        Ok(html) if html.contains(MARKER) || html.contains(INLINE_SCRIPT) => {
            Bytes::from(without_inline_scripts(html).replace(MARKER, ""))
        }
        _ => part,
    }
}

/// `html` without Leptos's inline `<script nonce="…">…</script>` blocks.
fn without_inline_scripts(html: &str) -> String {
    let mut kept = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(INLINE_SCRIPT) {
        let Some(length) = rest[start..].find(SCRIPT_END) else {
            break;
        };
        kept.push_str(&rest[..start]);
        rest = &rest[start + length + SCRIPT_END.len()..];
    }
    kept.push_str(rest);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_hydration_data_go_and_everything_else_stays() {
        let part = Bytes::from_static(
            b"<p>Hello, <!>Ada<!>!</p><pre>&lt;!&gt;</pre>\
              <script nonce=\"n0\">__RESOLVED_RESOURCES[0] = \"{}\";</script>\
              <script src=\"/copy.js\" defer></script>\
              <script type=\"application/ld+json\">{}</script>",
        );
        assert_eq!(
            without_hydration_markup(part),
            Bytes::from_static(
                b"<p>Hello, Ada!</p><pre>&lt;!&gt;</pre>\
                  <script src=\"/copy.js\" defer></script>\
                  <script type=\"application/ld+json\">{}</script>"
            )
        );
    }
}
