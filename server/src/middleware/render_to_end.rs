//! A page renders to its end on a task of its own, whether or not its
//! client stays. Leptos renders the parts of a page under `<Suspense>` in
//! effects spawned apart from the response; when a client hung up mid-render,
//! dropping the response tore the page's reactive owner down while those
//! effects still built views on another thread, which then panicked
//! ("reactive value … already disposed", "outside a <Router>"). Here a
//! hang-up only drops the reader: the render finishes and cleans up the
//! way a completed request does.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use http_body::Body as _;
use std::time::Duration;
use tracing::Instrument;

/// Where Leptos mounts server functions: answers of their own, not renders.
const SERVER_FUNCTIONS: &str = "/api/";
/// A render still going after this long is dropped (and logged): it would
/// otherwise hold its task forever.
const LONGEST_RENDER: Duration = Duration::from_secs(60);

pub async fn render_to_end(request: Request, next: Next) -> Response {
    if request.uri().path().starts_with(SERVER_FUNCTIONS) {
        return next.run(request).await;
    }
    let (answer, answered) = tokio::sync::oneshot::channel::<Response>();
    let render = async move {
        let response = next.run(request).await;
        let streamed_page = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|value| value.as_bytes().starts_with(b"text/html"))
            && response.body().size_hint().exact().is_none();
        if !streamed_page {
            let _ = answer.send(response);
            return;
        }
        let (parts, body) = response.into_parts();
        let mut body = body.into_data_stream();
        let (pieces, reader) = mpsc::channel::<Result<Bytes, axum::Error>>(4);
        let mut pieces = answer
            .send(Response::from_parts(parts, Body::from_stream(reader)))
            .ok()
            .map(|()| pieces);
        let rendered = tokio::time::timeout(LONGEST_RENDER, async {
            while let Some(piece) = body.next().await {
                // The client is gone: nobody reads, but the render goes on.
                if let Some(sender) = pieces.as_mut()
                    && sender.send(piece).await.is_err()
                {
                    pieces = None;
                }
            }
        })
        .await;
        if rendered.is_err() {
            tracing::warn!("a page was still rendering after {LONGEST_RENDER:?}: dropped");
        }
    };
    tokio::spawn(render.instrument(tracing::Span::current()));
    answered
        .await
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
