//! The last touch on every rendered page's HTML, part by part as it
//! streams. Leptos writes a `<!>` comment between text nodes (HTML parsers
//! call it a "bogus comment", and the Nu HTML Checker reports each), inline
//! scripts stamped with the page's nonce that hand the server's resources
//! to the browser bundle, and the nonce in the `crossorigin` attribute of
//! its module preloads; on a streamed page those scripts come after
//! `</html>`, where they are stray.
//!
//! - Pages without islands (every page but `app::site::has_islands`'s)
//!   leave without the markers and the scripts, which only hydration reads
//!   (on the API reference, the scripts were the whole reference a second
//!   time).
//! - Pages that may carry an island keep both, as valid HTML: each marker becomes an
//!   empty comment (`<!---->`: the same node to the browser), the preloads'
//!   `crossorigin` says `anonymous` (what any value but `use-credentials`
//!   means), and `</body></html>` goes (both end tags are optional), so the
//!   scripts streamed after it are in the body.
//!
//! Each part of the stream is rewritten on its own: Leptos writes a marker,
//! a tag or such a script in one piece, so none spans two parts.

use app::site::has_islands;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;

const MARKER: &str = "<!>";
const EMPTY_COMMENT: &str = "<!---->";
/// How Leptos opens its inline scripts; our own scripts are files (`src`).
const INLINE_SCRIPT: &str = "<script nonce=\"";
const SCRIPT_END: &str = "</script>";
const CROSSORIGIN: &str = " crossorigin=\"";
const DOCUMENT_END: [&str; 2] = ["</body>", "</html>"];

pub async fn finish_pages(request: Request, next: Next) -> Response {
    let hydrated = has_islands(request.uri().path());
    let is_get = request.method() == Method::GET;
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if !is_get || !is_html {
        return response;
    }
    let finish: fn(Bytes) -> Bytes = if hydrated {
        valid_hydration_markup
    } else {
        without_hydration_markup
    };
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let stream = body.into_data_stream().map(move |part| part.map(finish));
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

fn valid_hydration_markup(part: Bytes) -> Bytes {
    let Ok(html) = std::str::from_utf8(&part) else {
        return part;
    };
    let touched = html.contains(MARKER)
        || html.contains(CROSSORIGIN)
        || DOCUMENT_END.iter().any(|tag| html.contains(tag));
    if !touched {
        return part;
    }
    // The scripts' text is data (JSON that may hold a user's "<!>"): as it is.
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(start) = rest.find(INLINE_SCRIPT) {
        let Some(length) = rest[start..].find(SCRIPT_END) else {
            break;
        };
        out.push_str(&valid_markup(&rest[..start]));
        let end = start + length + SCRIPT_END.len();
        out.push_str(&rest[start..end]);
        rest = &rest[end..];
    }
    out.push_str(&valid_markup(rest));
    Bytes::from(out)
}

/// Markup outside scripts, made valid (see the module's header).
fn valid_markup(html: &str) -> String {
    let mut html = html.replace(MARKER, EMPTY_COMMENT);
    for tag in DOCUMENT_END {
        html = html.replace(tag, "");
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html.as_str();
    while let Some(start) = rest.find(CROSSORIGIN) {
        let value_start = start + CROSSORIGIN.len();
        let Some(length) = rest[value_start..].find('"') else {
            break;
        };
        let value = &rest[value_start..value_start + length];
        out.push_str(&rest[..start]);
        out.push_str(if value == "use-credentials" {
            " crossorigin=\"use-credentials\""
        } else {
            " crossorigin=\"anonymous\""
        });
        rest = &rest[value_start + length + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hydrated_markup_is_valid_and_its_data_untouched() {
        let part = Bytes::from_static(
            b"<p>Hi<!>Ada</p><link rel=\"modulepreload\" href=\"/pkg/a.js\" crossorigin=\"n0nce\">\
              <script nonce=\"n0\">__RESOLVED_RESOURCES[0] = \"{\\\"name\\\":\\\"<!>\\\"}\";</script>\
              </body></html><script nonce=\"n0\">__INCOMPLETE_CHUNKS=[];</script>",
        );
        assert_eq!(
            valid_hydration_markup(part),
            Bytes::from_static(
                b"<p>Hi<!---->Ada</p><link rel=\"modulepreload\" href=\"/pkg/a.js\" crossorigin=\"anonymous\">\
                  <script nonce=\"n0\">__RESOLVED_RESOURCES[0] = \"{\\\"name\\\":\\\"<!>\\\"}\";</script>\
                  <script nonce=\"n0\">__INCOMPLETE_CHUNKS=[];</script>"
            )
        );
        let untouched = Bytes::from_static(b"<p>Nothing to do</p>");
        assert_eq!(valid_hydration_markup(untouched.clone()), untouched);
    }

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
