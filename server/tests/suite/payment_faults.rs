//! A Payment MS that is down, hangs, fails or talks nonsense: every billing
//! page says so plainly and offers a retry, nothing is half-written, and the
//! rest of the site keeps working.

use crate::common;

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
        // The id to quote is the one our logs carry for this request.
        let quoted = format!("quote request id {}", response.header("x-request-id"));
        assert!(response.body.contains(&quoted), "{case} {path}");
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

    assert_payment_actions_refused(&app, &cookie, case).await;

    // The rest of the site does not depend on payments.
    assert_eq!(page(&app.router, "/", None).await.status, StatusCode::OK);
    assert_eq!(
        page(&app.router, "/account", Some(&cookie)).await.status,
        StatusCode::OK
    );
}

/// Checkout and the portal both answer 503 `PaymentUnavailable`, send the
/// browser nowhere, and leave no checkout recorded.
async fn assert_payment_actions_refused(app: &TestApp, cookie: &str, case: &str) {
    for (function, body) in [
        ("payment/checkout", "plan_id=credit-pack"),
        ("payment/portal", ""),
    ] {
        let refused = call(&app.router, function, body, Some(cookie)).await;
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
        let id = refused.header("x-request-id");
        assert!(
            refused.body.contains(&format!("\"request_id\":\"{id}\"")),
            "{case}: {}",
            refused.body
        );
        assert_eq!(
            refused.header("location"),
            "",
            "{case} {function}: sent nowhere"
        );
    }
    let recorded: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM checkouts")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(recorded.0, 0, "{case}: nothing half-written");
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

#[tokio::test]
async fn a_payment_service_sending_customers_to_a_foreign_page_is_refused() {
    let (base, table) = stub_service(vec![
        (Method::GET, "/", Canned::json(200, "{\"exists\":false}\n")),
        (
            Method::POST,
            "/api/v1/checkout/",
            Canned::json(
                200,
                "{\"checkout_session_id\":\"cs_test_x1\",\"checkout_url\":\"https://checkout.stripe.com.evil.example/c/pay/cs_test_x1\"}\n",
            ),
        ),
        (
            Method::POST,
            "/api/v1/portal",
            Canned::json(
                200,
                "{\"portal_session_id\":\"bps_x1\",\"portal_url\":\"http://billing.stripe.com/p/session/x1\"}\n",
            ),
        ),
    ])
    .await;
    let app = storefront_with_payments_at(&base).await;
    let cookie = session_cookie(&register(&app.router, "foreign@example.com", "Foreign").await);
    assert_payment_actions_refused(&app, &cookie, "foreign page").await;
    assert_eq!(table.1.lock().unwrap().len(), 2, "both were asked");

    // Allowed origins are configuration: the same answer is taken when listed.
    let allowing = app_on(
        sqlite_database(),
        &[
            ("PAYMENT_SERVICE_URL", &base),
            ("PAYMENT_SERVICE_API_KEY", KEY),
            (
                "PAYMENT_REDIRECT_ORIGINS",
                "https://checkout.stripe.com.evil.example",
            ),
        ],
    )
    .await;
    let cookie = session_cookie(&register(&allowing.router, "listed@example.com", "Listed").await);
    let started = call(
        &allowing.router,
        "payment/checkout",
        "plan_id=credit-pack",
        Some(&cookie),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    assert!(
        started
            .body
            .contains("https://checkout.stripe.com.evil.example/c/pay/cs_test_x1")
    );
}
