//! Structured logs: one line per request with method, path, status and
//! latency, and the request's id on every line written while handling it. Query strings, headers and cookies are never logged.

use crate::config::LogFormat;
use crate::request_id::X_REQUEST_ID;
use axum::body::Body;
use axum::http::{Request, Response};
use std::io::IsTerminal;
use std::time::Duration;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::TraceLayer;
use tracing::Span;
use tracing_subscriber::EnvFilter;

pub fn init(format: &LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

type MakeSpan = fn(&Request<Body>) -> Span;
type OnResponse = fn(&Response<Body>, Duration, &Span);

pub fn request_log_layer()
-> TraceLayer<SharedClassifier<ServerErrorsAsFailures>, MakeSpan, (), OnResponse> {
    TraceLayer::new_for_http()
        .make_span_with(request_span as MakeSpan)
        .on_request(())
        .on_response(log_response as OnResponse)
}

fn request_span(request: &Request<Body>) -> Span {
    // Set by `request_id`, the layer before this one.
    let request_id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    // `path()` excludes the query string, which may carry tokens.
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    )
}

fn log_response(response: &Response<Body>, latency: Duration, _span: &Span) {
    tracing::info!(
        status = response.status().as_u16(),
        // Rounded to microseconds: more digits are noise.
        latency_ms = (latency.as_secs_f64() * 1e6).round() / 1e3,
        "request served"
    );
}
