//! What the server writes to its request log. In a file of its own: tracing
//! caches callsite interest process-wide, so a thread-local subscriber can
//! miss events when other tests run alongside it.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use common::api::json_of;
use common::*;
use std::net::SocketAddr;

/// Everything logged at `level` or above on this thread, until the guard drops.
fn capture_logs(level: tracing::Level) -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(level)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn request_logs_name_method_path_status_and_latency_but_no_secrets() {
    let (captured, _guard) = capture_logs(tracing::Level::INFO);

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

/// A password reset and a failing SMTP delivery, start to end: the link's
/// token, the passwords and the SMTP password appear in no log line.
#[tokio::test]
async fn no_token_password_or_smtp_secret_reaches_the_log() {
    let (captured, _guard) = capture_logs(tracing::Level::DEBUG);

    // Reset through the sandbox mailbox.
    let app = sqlite_app().await;
    register(&app.router, "logged@example.com", "Logged").await;
    call(
        &app.router,
        "request_password_reset",
        &form(&[("email", "logged@example.com")]),
        None,
    )
    .await;
    let mut text = None;
    for _ in 0..100 {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT text_body FROM sandbox_mailbox WHERE subject LIKE 'Reset%'")
                .fetch_optional(&app.state.db)
                .await
                .unwrap();
        if let Some((body,)) = found {
            text = Some(body);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let text = text.expect("the reset mail in the sandbox mailbox");
    let token = text
        .split("token=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a token in the link")
        .to_owned();
    let new_password = "a passphrase for the log test";
    page(&app.router, &format!("/reset-password?token={token}"), None).await;
    let body = form(&[("token", &token), ("new_password", new_password)]);
    let done = call(&app.router, "reset_password", &body, None).await;
    assert_eq!(done.header("location"), "/dashboard", "{}", done.body);

    // A delivery that fails, with credentials in SMTP_URL.
    let smtp = app_on(
        sqlite_database(),
        &[
            ("SMTP_URL", "smtp://mailer:smtp-secret-pw@127.0.0.1:9"),
            ("MAIL_FROM", "Tracepipe <no-reply@tracepipe.example>"),
        ],
    )
    .await;
    common::api::user_with_key(&smtp, "logged").await;
    assert_eq!(smtp.state.mailer.deliver_due().await.unwrap(), 0);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("mail delivery failed, will retry"), "{log}");
    for secret in [token.as_str(), new_password, PASSWORD, "smtp-secret-pw"] {
        assert!(!log.contains(secret), "{secret} leaked into the log");
    }
}

/// Every answer names its request's id; the request's log line, an API
/// error's envelope and a refusal page say the same id. An id a trusted
/// proxy sent is kept, anyone else's replaced.
#[tokio::test]
async fn every_request_has_an_id_in_its_answer_its_log_line_and_its_error_text() {
    let (captured, _guard) = capture_logs(tracing::Level::INFO);
    let app = app_on(sqlite_database(), &[("TRUSTED_PROXIES", "10.0.0.0/8")]).await;
    let from = |peer: [u8; 4], request: Request<Body>| {
        let mut request = request;
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
        request
    };

    let refused = send(
        &app.router,
        Request::get("/v1/users/me").body(Body::empty()).unwrap(),
    )
    .await;
    let id = refused.header("x-request-id").to_owned();
    assert_eq!(
        uuid::Uuid::parse_str(&id).unwrap().get_version_num(),
        7,
        "{id}"
    );
    assert_eq!(json_of(&refused)["error"]["request_id"], id.as_str());
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|line| line.contains("request served") && line.contains("path=/v1/users/me"))
        .unwrap_or_else(|| panic!("no request line in {log}"));
    assert!(line.contains(&format!("request_id={id}")), "{line}");

    // A refusal page (here: a body over the limit) quotes it too.
    let refused = call(&app.router, "login", &"a".repeat(128 * 1024), None).await;
    assert_eq!(refused.status, 413);
    let id = refused.header("x-request-id");
    assert!(
        refused.body.contains(&format!("Request id: {id}")),
        "{}",
        refused.body
    );

    let with_id = |peer| {
        from(
            peer,
            Request::get("/healthz")
                .header("x-request-id", "proxy-4f2a9c")
                .body(Body::empty())
                .unwrap(),
        )
    };
    let trusted = send(&app.router, with_id([10, 1, 2, 3])).await;
    assert_eq!(trusted.header("x-request-id"), "proxy-4f2a9c");
    let untrusted = send(&app.router, with_id([203, 0, 113, 9])).await;
    assert_ne!(untrusted.header("x-request-id"), "proxy-4f2a9c");
    assert!(uuid::Uuid::parse_str(untrusted.header("x-request-id")).is_ok());
    // A forged log line is no id.
    let forged = from(
        [10, 1, 2, 3],
        Request::get("/healthz")
            .header("x-request-id", "a b\tc")
            .body(Body::empty())
            .unwrap(),
    );
    assert!(uuid::Uuid::parse_str(send(&app.router, forged).await.header("x-request-id")).is_ok());
}
