//! A Payment MS that is down, hangs, fails or talks nonsense: every billing
//! page says so plainly and offers a retry, nothing is half-written, and the
//! rest of the site keeps working.

mod common;

use axum::http::{Method, StatusCode};
use common::stub::{Canned, hanging_service, stub_service, unreachable_service};
use common::*;

const KEY: &str = "proj_faultTestKey_0123456789abcdefghijklmnopq";
const RETRYABLE: &str = "answering right now, so nothing was charged or changed";

async fn storefront_with_payments_at(base: &str) -> TestApp {
    app_on(
        sqlite_database(),
        &[
            ("PAYMENT_SERVICE_URL", base),
            ("PAYMENT_SERVICE_API_KEY", KEY),
            ("PAYMENT_SERVICE_TIMEOUT_SECS", "1"),
        ],
    )
    .await
}

async fn assert_billing_degrades_gracefully(base: &str, case: &str) {
    let app = storefront_with_payments_at(base).await;
    let email = format!("{case}-{}@example.com", uuid::Uuid::new_v4());
    let cookie = session_cookie(&register(&app.router, &email, "Faulty").await);

    for path in [
        "/billing",
        "/dashboard",
        "/billing/success?session_id=cs_test_x",
    ] {
        let response = page(&app.router, path, Some(&cookie)).await;
        assert_eq!(response.status, StatusCode::OK, "{case} {path}");
        assert!(
            response.body.contains(RETRYABLE),
            "{case} {path}: {}",
            response.body
        );
        assert!(response.body.contains("Try again"), "{case} {path}");
    }
    let pricing = page(&app.router, "/pricing", Some(&cookie)).await;
    assert_eq!(pricing.status, StatusCode::OK, "{case}");
    assert!(
        pricing.body.contains("We couldn"),
        "{case}: {}",
        pricing.body
    );
    assert!(
        pricing.body.contains("Subscribe"),
        "{case}: plans stay on offer"
    );

    for (function, body) in [
        ("payment/checkout", "plan_id=credit-pack"),
        ("payment/portal", ""),
    ] {
        let refused = call(&app.router, function, body, Some(&cookie)).await;
        assert_eq!(
            refused.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{case} {function}"
        );
        assert!(
            refused.body.contains("PaymentUnavailable"),
            "{case}: {}",
            refused.body
        );
    }
    let recorded: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM checkouts")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(recorded.0, 0, "{case}: nothing half-written");

    // The rest of the site does not depend on payments.
    assert_eq!(page(&app.router, "/", None).await.status, StatusCode::OK);
    assert_eq!(
        page(&app.router, "/account", Some(&cookie)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_unreachable_payment_service() {
    assert_billing_degrades_gracefully(&unreachable_service().await, "unreachable").await;
}

#[tokio::test]
async fn a_payment_service_that_never_answers() {
    let started = std::time::Instant::now();
    assert_billing_degrades_gracefully(&hanging_service().await, "hanging").await;
    // Bounded by the configured timeout per call, not hanging with it.
    assert!(started.elapsed().as_secs() < 60);
}

#[tokio::test]
async fn a_payment_service_failing_with_500() {
    let failure = "{\"error\":{\"type\":\"api_error\",\"code\":\"DATABASE_ERROR\",\"message\":\"Database error\"},\"meta\":{\"request_id\":\"\",\"timestamp\":\"2025-11-22T10:00:00Z\"}}\n";
    let (base, _) = stub_service(vec![
        (Method::GET, "/", Canned::json(500, failure)),
        (Method::POST, "/", Canned::json(500, failure)),
    ])
    .await;
    assert_billing_degrades_gracefully(&base, "failing").await;
}

#[tokio::test]
async fn a_payment_service_answering_garbage() {
    let (base, _) = stub_service(vec![
        (
            Method::GET,
            "/",
            Canned::text(200, "<html>Bad gateway</html>"),
        ),
        (
            Method::POST,
            "/",
            Canned::json(200, "{\"checkout_url\": 42"),
        ),
    ])
    .await;
    assert_billing_degrades_gracefully(&base, "garbage").await;
}

#[tokio::test]
async fn a_payment_service_refusing_our_key() {
    let (base, table) = stub_service(vec![
        (
            Method::GET,
            "/",
            Canned::text(401, "{\"error\":\"Invalid API key\"}\n"),
        ),
        (
            Method::POST,
            "/",
            Canned::text(401, "{\"error\":\"Invalid API key\"}\n"),
        ),
    ])
    .await;
    assert_billing_degrades_gracefully(&base, "refused").await;
    let recorded = table.1.lock().unwrap();
    assert!(!recorded.is_empty());
    assert!(recorded.iter().all(|r| r.api_key.as_deref() == Some(KEY)));
}
