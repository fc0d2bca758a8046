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

/// A password reset and a failing SMTP delivery, start to end: the link's
/// token, the passwords and the SMTP password appear in no log line.
#[tokio::test]
async fn no_token_password_or_smtp_secret_reaches_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

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
