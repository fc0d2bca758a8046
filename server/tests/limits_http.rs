//! Limits every request meets: an oversize body is refused before anything
//! reads it (413), a request that takes too long is stopped (408); both say
//! so plainly, in the API's envelope under `/v1` and `/internal`.

mod common;

use axum::http::StatusCode;
use common::api::*;
use common::stub::hanging_service;
use common::*;

#[tokio::test]
async fn oversize_bodies_get_413_with_a_clear_message_and_change_nothing() {
    let app = app_on(
        sqlite_database(),
        &[
            ("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN),
            ("MAX_BODY_BYTES", "2048"),
        ],
    )
    .await;
    let (user_id, key) = user_with_key(&app, "big").await;
    let big = "k".repeat(4096);

    let refused = api(
        &app.router,
        "POST",
        "/v1/api-keys",
        Some(&key),
        Some(("application/json", &format!(r#"{{"name":"{big}"}}"#))),
    )
    .await;
    assert_envelope(&refused, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert!(
        refused.body.contains("larger than 2 KiB"),
        "{}",
        refused.body
    );
    let listed = json_of(&api(&app.router, "GET", "/v1/api-keys", Some(&key), None).await);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "no key made");

    let report =
        format!(r#"{{"idempotency_key":"big-1","user_id":"{user_id}","tokens":{{"{big}":1}}}}"#);
    let refused = send(
        &app.router,
        axum::http::Request::post("/internal/v1/usage")
            .header("authorization", format!("Bearer {SERVICE_TOKEN}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(report))
            .unwrap(),
    )
    .await;
    assert_envelope(&refused, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let reports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM usage_reports")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(reports, 0);

    let users_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let refused = call(
        &app.router,
        "register",
        &form(&[
            ("email", "huge@example.com"),
            ("password", "correct horse battery"),
            ("display_name", &big),
        ]),
        None,
    )
    .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(refused.header("content-type").starts_with("text/plain"));
    assert!(
        refused.body.contains("larger than 2 KiB"),
        "{}",
        refused.body
    );
    let users_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(users_before, users_after);
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_stopped_with_408() {
    let hanging = hanging_service().await;
    let app = app_on(
        sqlite_database(),
        &[
            ("PAYMENT_SERVICE_URL", hanging.as_str()),
            ("PAYMENT_SERVICE_API_KEY", "proj_limits_0123456789"),
            ("PAYMENT_SERVICE_TIMEOUT_SECS", "10"),
            ("REQUEST_TIMEOUT_SECS", "1"),
        ],
    )
    .await;
    let cookie = session_cookie(&register(&app.router, "slow@example.com", "Slow").await);
    let started = std::time::Instant::now();
    let stopped = call(
        &app.router,
        "payment/checkout",
        "plan_id=credit-pack",
        Some(&cookie),
    )
    .await;
    assert_eq!(stopped.status, StatusCode::REQUEST_TIMEOUT);
    assert!(
        stopped.body.contains("took longer than 1 s"),
        "{}",
        stopped.body
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
