//! What the server writes to its request log. In a file of its own: tracing
//! caches callsite interest process-wide, so a thread-local subscriber can
//! miss events when other tests run alongside it.

mod common;

use axum::body::Body;
use axum::http::{Request, header};
use common::*;

#[tokio::test]
async fn request_logs_name_method_path_status_and_latency_but_no_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = sqlite_app().await;
    let request = Request::get("/?token=query-secret")
        .header(header::COOKIE, "session=cookie-secret")
        .header(header::AUTHORIZATION, "Bearer header-secret")
        .body(Body::empty())
        .unwrap();
    send(&app.router, request).await;

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|line| line.contains("request served"))
        .unwrap_or_else(|| panic!("no request line in {log}"));
    assert!(
        line.contains("method=GET") && line.contains("path=/"),
        "{line}"
    );
    assert!(
        line.contains("status=200") && line.contains("latency_ms="),
        "{line}"
    );
    for secret in ["query-secret", "cookie-secret", "header-secret"] {
        assert!(!log.contains(secret), "{secret} leaked into {log}");
    }
}
