//! Pages leave in as few pieces as streaming allows. Leptos streams a page
//! part by part (the head, then each `Suspense` as its data arrives); for a
//! signed-in page those parts are ready within a millisecond or two of each
//! other. Sent one by one, each part is a separate write and, worse, a
//! separate flush of the brotli or gzip encoder, which costs more than
//! compressing the whole page at once. Here the parts ready together are
//! joined: a page is held back until it is complete, or until `MAX_HOLD`
//! passed since the first part was held (a slow dependency, say), or until
//! `MAX_HELD_BYTES` are held, and then goes on as one piece. Whatever
//! follows is joined the same way.
//!
//! A page complete within the hold (nearly every one) leaves as a body of
//! known length. The layer runs twice: inside compression, so the encoder
//! compresses each page in one go, and outside it, so the compressed page and
//! its headers leave in one write with a `Content-Length` (no chunk framing,
//! no second write for the encoder's last bytes).

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Body as HttpBody, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::time::Sleep;

/// Longest a ready part waits for the rest of the page.
const MAX_HOLD: Duration = Duration::from_millis(10);
/// Held parts go on once they reach this size.
const MAX_HELD_BYTES: usize = 256 * 1024;

/// Joins the parts of streamed HTML responses (see the module comment).
pub async fn coalesce_pages(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if !is_html || response.body().size_hint().exact().is_some() {
        // Not a page, or a body in one piece already.
        return response;
    }
    let (parts, body) = response.into_parts();
    let mut body = Coalesced::new(body);
    let first = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
    let body = match (first, body.after_held) {
        // The whole page, ready within the hold.
        (Some(Ok(frame)), Some(None)) if frame.is_data() => {
            Body::from(frame.into_data().unwrap_or_default())
        }
        (first, after_held) => {
            body.after_held = after_held;
            Body::new(Resumed {
                first: Some(first),
                rest: body,
            })
        }
    };
    Response::from_parts(parts, body)
}

/// A page that was not complete within the hold: its first piece, then the rest.
struct Resumed {
    first: Option<NextFrame>,
    rest: Coalesced,
}

impl HttpBody for Resumed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<NextFrame> {
        let this = self.get_mut();
        match this.first.take() {
            Some(first) => Poll::Ready(first),
            None => Pin::new(&mut this.rest).poll_frame(cx),
        }
    }
}

/// What a body's `poll_frame` gives: the next frame, an error, or the end.
type NextFrame = Option<Result<Frame<Bytes>, axum::Error>>;

/// A body whose data frames are joined while they are ready together.
struct Coalesced {
    inner: Body,
    held: Vec<u8>,
    /// Set when the first part is held: when it fires, what is held goes on.
    deadline: Option<Pin<Box<Sleep>>>,
    /// A non-data frame (trailers) or the end, to pass on after what is held.
    after_held: Option<NextFrame>,
}

impl Coalesced {
    fn new(inner: Body) -> Self {
        Self {
            inner,
            held: Vec::new(),
            deadline: None,
            after_held: None,
        }
    }

    fn release(&mut self) -> Poll<NextFrame> {
        self.deadline = None;
        let held = std::mem::take(&mut self.held);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(held)))))
    }

    /// Passes `next` on, after what is held if anything is.
    fn pass_after_held(&mut self, next: NextFrame) -> Poll<NextFrame> {
        if self.held.is_empty() {
            return Poll::Ready(next);
        }
        self.after_held = Some(next);
        self.release()
    }
}

impl HttpBody for Coalesced {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<NextFrame> {
        let this = self.get_mut();
        if let Some(after) = this.after_held.take() {
            return Poll::Ready(after);
        }
        loop {
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => {
                        if this.held.is_empty() {
                            this.deadline = Some(Box::pin(tokio::time::sleep(MAX_HOLD)));
                        }
                        this.held.extend_from_slice(&data);
                        if this.held.len() >= MAX_HELD_BYTES {
                            return this.release();
                        }
                    }
                    Err(other) => return this.pass_after_held(Some(Ok(other))),
                },
                Poll::Ready(Some(Err(err))) => return this.pass_after_held(Some(Err(err))),
                Poll::Ready(None) => return this.pass_after_held(None),
                Poll::Pending => {
                    let Some(deadline) = this.deadline.as_mut() else {
                        return Poll::Pending;
                    };
                    ready!(deadline.as_mut().poll(cx));
                    return this.release();
                }
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        let mut hint = self.inner.size_hint();
        let held = self.held.len() as u64;
        hint.set_lower(hint.lower() + held);
        if let Some(upper) = hint.upper() {
            hint.set_upper(upper + held);
        }
        hint
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use http_body_util::BodyExt;

    /// A page streamed in `parts`, each after `gap` (none: all ready at once).
    fn streamed(parts: &[&'static str], gap: Duration) -> Body {
        let parts: Vec<&'static str> = parts.to_vec();
        Body::from_stream(futures::stream::iter(parts).then(move |part| async move {
            if !gap.is_zero() {
                tokio::time::sleep(gap).await;
            }
            Ok::<_, std::convert::Infallible>(Bytes::from_static(part.as_bytes()))
        }))
    }

    async fn pieces(body: Body) -> Vec<String> {
        let mut body = Coalesced::new(body);
        let mut pieces = Vec::new();
        while let Some(frame) = body.frame().await {
            let data = frame.unwrap().into_data().unwrap();
            pieces.push(String::from_utf8(data.to_vec()).unwrap());
        }
        pieces
    }

    #[tokio::test]
    async fn parts_ready_together_leave_as_one_piece() {
        let body = streamed(&["<head>", "<main>", "</html>"], Duration::ZERO);
        assert_eq!(pieces(body).await, ["<head><main></html>"]);
    }

    /// What `coalesce_pages` makes of a page streamed in `parts`.
    async fn coalesced_page(parts: &[&'static str], gap: Duration) -> Body {
        use axum::Router;
        use axum::routing::get;
        use tower::ServiceExt;
        let parts = parts.to_vec();
        let page = Router::new()
            .route(
                "/",
                get(move || async move {
                    let mut response = Response::new(streamed(&parts, gap));
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        header::HeaderValue::from_static("text/html; charset=utf-8"),
                    );
                    response
                }),
            )
            .layer(axum::middleware::from_fn(coalesce_pages));
        let request = Request::builder().uri("/").body(Body::empty()).unwrap();
        page.oneshot(request).await.unwrap().into_body()
    }

    #[tokio::test]
    async fn a_page_complete_within_the_hold_leaves_with_its_length() {
        let body = coalesced_page(&["<head>", "<main>", "</html>"], Duration::ZERO).await;
        assert_eq!(body.size_hint().exact(), Some(19));
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], b"<head><main></html>");
    }

    #[tokio::test]
    async fn a_slow_page_still_streams_through_the_layer() {
        let body = coalesced_page(&["<head>", "<main>"], MAX_HOLD * 30).await;
        assert_eq!(body.size_hint().exact(), None);
        let mut frames = Vec::new();
        let mut body = body;
        while let Some(frame) = body.frame().await {
            frames.push(frame.unwrap().into_data().unwrap());
        }
        assert_eq!(frames, ["<head>", "<main>"]);
    }

    #[tokio::test]
    async fn a_slow_part_does_not_hold_back_what_is_ready() {
        // 30 times the hold: what was ready leaves long before the next part.
        let body = streamed(&["<head>", "<main>"], MAX_HOLD * 30);
        assert_eq!(pieces(body).await, ["<head>", "<main>"]);
    }
}
