//! Limits every request meets: an oversize body is refused before anything
//! reads it (413), a request that takes too long is stopped (408); both say
//! so plainly, in the API's envelope under `/v1` and `/internal`.

use crate::common;

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
    let KeyHolder { user_id, key } = user_with_key(&app, "big").await;
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

/// A request from a client at `address`, as the server sees one off a socket.
fn from(address: &str, request: axum::http::request::Builder) -> axum::http::request::Builder {
    let peer: std::net::SocketAddr = format!("{address}:50000").parse().unwrap();
    request.extension(axum::extract::ConnectInfo(peer))
}

#[tokio::test]
async fn state_changing_requests_are_limited_per_client_address() {
    use axum::body::Body;
    use axum::http::{Request, header};

    let app = app_on(
        sqlite_database(),
        &[
            ("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN),
            ("CLIENT_WRITES_PER_MINUTE", "3"),
        ],
    )
    .await;
    let KeyHolder { key, .. } = user_with_key(&app, "busy").await;
    let sign_in = |address: &'static str, accept: &'static str| {
        from(address, Request::post("/api/login"))
            .header(header::ORIGIN, ORIGIN)
            .header(header::ACCEPT, accept)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(
                "email=nobody%40example.com&password=wrong-password",
            ))
            .unwrap()
    };
    for _ in 0..3 {
        let answer = send(&app.router, sign_in("198.51.100.1", "*/*")).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "within the limit");
    }

    // A script gets the error its server function would give, as JSON.
    let refused = send(&app.router, sign_in("198.51.100.1", "*/*")).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.header("retry-after").parse::<u64>().unwrap() >= 1);
    let refusal: app::error::AppError = serde_json::from_str(&refused.body).expect("an AppError");
    assert!(
        refusal
            .to_string()
            .starts_with("Too many changes from your network in a short time. Wait "),
        "{refusal}"
    );
    // A form posted without JavaScript gets words.
    let refused = send(&app.router, sign_in("198.51.100.1", "text/html")).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.header("content-type").starts_with("text/plain"));
    assert!(
        refused.body.contains("seconds and try again"),
        "{}",
        refused.body
    );

    // The API answers in its envelope, and nothing is created.
    let create = from("198.51.100.1", Request::post("/v1/api-keys"))
        .header("x-api-key", &key)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"name":"one more"}"#))
        .unwrap();
    let refused = send(&app.router, create).await;
    assert_envelope(&refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let listed = json_of(&api(&app.router, "GET", "/v1/api-keys", Some(&key), None).await);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    // Reads, other clients and our own services are not held back.
    let landing = send(
        &app.router,
        from("198.51.100.1", Request::get("/"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(landing.status, StatusCode::OK);
    let elsewhere = send(&app.router, sign_in("198.51.100.2", "*/*")).await;
    assert_eq!(elsewhere.status, StatusCode::UNAUTHORIZED);
    let internal = from("198.51.100.1", Request::post("/internal/v1/keys/verify"))
        .header(header::AUTHORIZATION, format!("Bearer {SERVICE_TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(format!(r#"{{"key":"{key}"}}"#)))
        .unwrap();
    let verified = send(&app.router, internal).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
}
