//! The Payment MS contract, checked from both sides: the client against a stub
//! replaying the exact shapes of the spec, and the sandbox against the same
//! shape checks. Then billing through the storefront, end to end over HTTP.

use crate::common;

use app::payments::ssr::payment_client::{
    CartItem, CartRequest, CheckoutRequest, PaymentClient, PaymentError, Standing,
};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::stub::{Canned, stub_service};
use common::*;
use serde_json::{Value, json};
use server::sandbox::{self, SandboxState};
use std::time::Duration;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The exact bodies the spec records, trailing newline included.
mod fixtures {
    pub const CHECKOUT: &str = "{\"checkout_session_id\":\"cs_test_a1b2\",\"checkout_url\":\"https://checkout.stripe.com/c/pay/cs_test_a1b2\"}\n";
    pub const CART: &str = "{\"checkout_session_id\":\"cs_test_c3\",\"checkout_url\":\"https://checkout.stripe.com/c/pay/cs_test_c3\",\"item_count\":2}\n";
    pub const STATUS_FOUND: &str = "{\"exists\":true,\"stripe_subscription_id\":\"sub_1Q2w3E\",\"customer_id\":\"5b1f0a9e-8a61-4f7e-9a55-3f0c2b1d7e44\",\"period_end\":\"2099-01-31T10:00:00Z\"}\n";
    pub const STATUS_LAPSED: &str = "{\"exists\":true,\"stripe_subscription_id\":\"sub_1Q2w3E\",\"customer_id\":\"5b1f0a9e-8a61-4f7e-9a55-3f0c2b1d7e44\",\"period_end\":\"2020-01-31T10:00:00Z\"}\n";
    pub const STATUS_NONE: &str = "{\"exists\":false}\n";
    pub const STATUS_DOCUMENTED: &str = "{\"status\":\"past_due\",\"subscription_id\":\"sub_1Q2w3E\",\"current_period_end\":\"2099-01-31T10:00:00Z\",\"product_id\":\"prod_TpPro001\"}\n";
    pub const PORTAL: &str = "{\"portal_session_id\":\"bps_1Abc\",\"portal_url\":\"https://billing.stripe.com/p/session/test_1Abc\"}\n";
    pub const VALIDATION: &str = "{\"error\":{\"type\":\"invalid_request\",\"code\":\"VALIDATION_FAILED\",\"message\":\"Missing required fields\",\"description\":\"Request validation failed\",\"field\":\"user_id\"},\"meta\":{\"request_id\":\"\",\"timestamp\":\"2025-11-22T10:00:00.123456789Z\"}}\n";
    pub const CUSTOMER_NOT_FOUND: &str = "{\"error\":{\"type\":\"invalid_request\",\"code\":\"CUSTOMER_NOT_FOUND\",\"message\":\"Customer not found\"},\"meta\":{\"request_id\":\"\",\"timestamp\":\"2025-11-22T10:00:00.123456789Z\"}}\n";
    pub const STRIPE_ERROR: &str = "{\"error\":{\"type\":\"api_error\",\"code\":\"STRIPE_ERROR\",\"message\":\"Failed to create checkout session\"},\"meta\":{\"request_id\":\"\",\"timestamp\":\"2025-11-22T10:00:00.123456789Z\"}}\n";
    pub const MISSING_KEY: &str = "{\"error\":\"Missing X-API-Key header\"}\n";
    pub const INVALID_KEY: &str = "{\"error\":\"Invalid API key\"}\n";
}

/// Shape checks: what every answer of that kind must look like.
mod shapes {
    use super::*;

    fn object(value: &Value) -> Result<&serde_json::Map<String, Value>, String> {
        value
            .as_object()
            .ok_or_else(|| format!("not an object: {value}"))
    }

    fn keys(value: &Value) -> Vec<String> {
        let mut keys: Vec<String> = value
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        keys.sort();
        keys
    }

    fn text<'a>(value: &'a Value, name: &str) -> Result<&'a str, String> {
        value[name]
            .as_str()
            .filter(|text| !text.is_empty())
            .ok_or_else(|| format!("{name} is not a non-empty string in {value}"))
    }

    fn timestamp(value: &Value, name: &str) -> Result<(), String> {
        OffsetDateTime::parse(text(value, name)?, &Rfc3339)
            .map(|_| ())
            .map_err(|err| format!("{name}: {err}"))
    }

    /// Every JSON body the service writes ends with a newline.
    pub fn json_body(body: &str) -> Result<Value, String> {
        if !body.ends_with('\n') {
            return Err(format!("no trailing newline: {body:?}"));
        }
        serde_json::from_str(body).map_err(|err| err.to_string())
    }

    pub fn checkout(value: &Value, cart: bool) -> Result<(), String> {
        let expected: &[&str] = if cart {
            &["checkout_session_id", "checkout_url", "item_count"]
        } else {
            &["checkout_session_id", "checkout_url"]
        };
        if keys(value) != expected {
            return Err(format!("keys {:?}, expected {expected:?}", keys(value)));
        }
        if !text(value, "checkout_session_id")?.starts_with("cs_") {
            return Err("checkout_session_id does not start with cs_".into());
        }
        reqwest::Url::parse(text(value, "checkout_url")?).map_err(|err| err.to_string())?;
        if cart && value["item_count"].as_i64().is_none_or(|n| n < 1) {
            return Err("item_count is not a positive integer".into());
        }
        Ok(())
    }

    /// The shape the service's code sends.
    pub fn status(value: &Value) -> Result<(), String> {
        object(value)?;
        match value["exists"].as_bool() {
            Some(false) if keys(value) == ["exists"] => Ok(()),
            Some(true)
                if keys(value)
                    == [
                        "customer_id",
                        "exists",
                        "period_end",
                        "stripe_subscription_id",
                    ] =>
            {
                text(value, "stripe_subscription_id")?;
                text(value, "customer_id")?;
                timestamp(value, "period_end")
            }
            _ => Err(format!("not a status answer: {value}")),
        }
    }

    pub fn portal(value: &Value) -> Result<(), String> {
        if keys(value) != ["portal_session_id", "portal_url"] {
            return Err(format!("keys {:?}", keys(value)));
        }
        text(value, "portal_session_id")?;
        reqwest::Url::parse(text(value, "portal_url")?).map_err(|err| err.to_string())?;
        Ok(())
    }

    /// The handlers' error envelope with `code`.
    pub fn envelope(value: &Value, code: &str) -> Result<(), String> {
        let error = &value["error"];
        for name in keys(error) {
            if !["type", "code", "message", "description", "field"].contains(&name.as_str()) {
                return Err(format!("unexpected error field {name}"));
            }
        }
        text(error, "type")?;
        text(error, "message")?;
        if text(error, "code")? != code {
            return Err(format!("code {} instead of {code}", error["code"]));
        }
        let meta = &value["meta"];
        if keys(meta) != ["request_id", "timestamp"] || !meta["request_id"].is_string() {
            return Err(format!("meta is {meta}"));
        }
        timestamp(meta, "timestamp")
    }

    /// The auth layer's flat error, sent as text/plain.
    pub fn flat_401(content_type: &str, body: &str, message: &str) -> Result<(), String> {
        if !content_type.starts_with("text/plain") {
            return Err(format!("content type {content_type}"));
        }
        let value = json_body(body)?;
        if value != json!({ "error": message }) {
            return Err(format!("body {value}"));
        }
        Ok(())
    }
}

#[test]
fn the_spec_s_fixtures_pass_the_shape_checks_and_broken_ones_fail() {
    use fixtures::*;
    let parse = |body: &str| shapes::json_body(body).unwrap();
    shapes::checkout(&parse(CHECKOUT), false).unwrap();
    shapes::checkout(&parse(CART), true).unwrap();
    shapes::status(&parse(STATUS_FOUND)).unwrap();
    shapes::status(&parse(STATUS_NONE)).unwrap();
    shapes::portal(&parse(PORTAL)).unwrap();
    shapes::envelope(&parse(VALIDATION), "VALIDATION_FAILED").unwrap();
    shapes::envelope(&parse(CUSTOMER_NOT_FOUND), "CUSTOMER_NOT_FOUND").unwrap();
    shapes::flat_401(
        "text/plain; charset=utf-8",
        MISSING_KEY,
        "Missing X-API-Key header",
    )
    .unwrap();

    // The checks can fail: each of these differs from the contract.
    assert!(shapes::json_body(CHECKOUT.trim_end()).is_err());
    assert!(
        shapes::checkout(
            &json!({"checkout_session_id": "cs_1", "url": "https://x"}),
            false
        )
        .is_err()
    );
    assert!(shapes::status(&parse(STATUS_DOCUMENTED)).is_err());
    assert!(shapes::status(&json!({"exists": false, "period_end": null})).is_err());
    assert!(shapes::portal(&json!({"portal_session_id": "bps_1", "url": "https://x"})).is_err());
    assert!(shapes::envelope(&parse(VALIDATION), "MISSING_FIELDS").is_err());
    assert!(shapes::flat_401("application/json", MISSING_KEY, "Missing X-API-Key header").is_err());
}

fn client(base: &str, key: &str) -> PaymentClient {
    PaymentClient::new(base, key.into(), Duration::from_secs(2)).unwrap()
}

fn checkout_request() -> CheckoutRequest {
    CheckoutRequest {
        user_id: "5b1f0a9e-8a61-4f7e-9a55-3f0c2b1d7e44".into(),
        email: "ml@example.com".into(),
        product_id: "prod_TpPro001".into(),
        price_id: "price_TpProMonthly001".into(),
        success_url: format!("{PUBLIC_URL}/billing/success?session_id={{CHECKOUT_SESSION_ID}}"),
        cancel_url: format!("{PUBLIC_URL}/billing/cancel"),
        quantity: None,
    }
}

#[tokio::test]
async fn the_client_reads_every_shape_the_service_sends() {
    use fixtures::*;
    let (base, table) = stub_service(vec![
        (
            Method::POST,
            "/api/v1/checkout/subscription",
            Canned::json(200, CHECKOUT),
        ),
        (
            Method::POST,
            "/api/v1/checkout/cart",
            Canned::json(200, CART),
        ),
        (
            Method::POST,
            "/api/v1/checkout/item",
            Canned::json(500, STRIPE_ERROR),
        ),
        (
            Method::GET,
            "/api/v1/subscriptions/found/",
            Canned::json(200, STATUS_FOUND),
        ),
        (
            Method::GET,
            "/api/v1/subscriptions/lapsed/",
            Canned::json(200, STATUS_LAPSED),
        ),
        (
            Method::GET,
            "/api/v1/subscriptions/none/",
            Canned::json(200, STATUS_NONE),
        ),
        (
            Method::GET,
            "/api/v1/subscriptions/documented/",
            Canned::json(200, STATUS_DOCUMENTED),
        ),
        (
            Method::GET,
            "/api/v1/subscriptions/garbage/",
            Canned::text(200, "<html>oops</html>"),
        ),
        (
            Method::GET,
            "/api/v1/subscriptions/moved/",
            Canned::redirect("/docs"),
        ),
        (
            Method::GET,
            "/api/v1/subscriptions/nokey/",
            Canned::text(401, MISSING_KEY),
        ),
        (
            Method::GET,
            "/api/v1/subscriptions/badkey/",
            Canned::text(401, INVALID_KEY),
        ),
        (
            Method::POST,
            "/api/v1/portal",
            Canned::json(404, CUSTOMER_NOT_FOUND),
        ),
        (
            Method::POST,
            "/api/v2/",
            Canned::text(405, "Method Not Allowed\n"),
        ),
    ])
    .await;
    let now = OffsetDateTime::now_utc();
    let payments = client(&base, "proj_client_contract_key_0123456789");

    let session = payments
        .subscription_checkout(&checkout_request())
        .await
        .unwrap();
    assert_eq!(session.checkout_session_id, "cs_test_a1b2");
    assert_eq!(
        session.checkout_url,
        "https://checkout.stripe.com/c/pay/cs_test_a1b2"
    );
    let cart = CartRequest {
        user_id: "u".into(),
        email: "ml@example.com".into(),
        success_url: "https://x/ok".into(),
        cancel_url: "https://x/no".into(),
        items: vec![CartItem {
            price_id: "price_a".into(),
            quantity: 2,
            product_id: None,
        }],
    };
    assert_eq!(
        payments.cart_checkout(&cart).await.unwrap().item_count,
        Some(2)
    );

    let status = |user: &'static str| {
        let payments = payments.clone();
        async move { payments.subscription_status(user, "prod_TpPro001").await }
    };
    assert_eq!(
        status("found").await.unwrap().standing(now),
        Standing::Active
    );
    assert_eq!(
        status("lapsed").await.unwrap().standing(now),
        Standing::Ended
    );
    assert_eq!(status("none").await.unwrap().standing(now), Standing::None);
    assert_eq!(
        status("documented").await.unwrap().standing(now),
        Standing::PaymentDue
    );
    assert!(matches!(
        status("garbage").await,
        Err(PaymentError::Malformed { status: 200, .. })
    ));
    assert!(matches!(
        status("moved").await,
        Err(PaymentError::WrongPath { status: 302, location: Some(ref to) }) if to == "/docs"
    ));
    assert!(
        matches!(status("nokey").await, Err(PaymentError::Unauthorized(ref why)) if why == "Missing X-API-Key header")
    );
    assert!(
        matches!(status("badkey").await, Err(PaymentError::Unauthorized(ref why)) if why == "Invalid API key")
    );

    let item = payments
        .item_checkout(&checkout_request())
        .await
        .unwrap_err();
    assert!(
        matches!(item, PaymentError::Failed { status: 500, ref code, .. } if code == "STRIPE_ERROR")
    );
    let portal = payments.portal("u", "https://x/billing").await.unwrap_err();
    assert_eq!(portal.code(), Some("CUSTOMER_NOT_FOUND"));
    let wrong_base = client(
        &format!("{base}/api/v2"),
        "proj_client_contract_key_0123456789",
    );
    assert!(matches!(
        wrong_base.portal("u", "https://x").await,
        Err(PaymentError::WrongPath { status: 405, .. })
    ));

    // What went over the wire: our key on every call, JSON bodies, encoded ids.
    let _ = payments.subscription_status("a/b c", "prod_TpPro001").await;
    let recorded = table.1.lock().unwrap().clone();
    assert!(
        recorded
            .iter()
            .all(|r| r.api_key.as_deref() == Some("proj_client_contract_key_0123456789"))
    );
    assert!(
        recorded
            .iter()
            .any(|r| r.path == "/api/v1/subscriptions/a%2Fb%20c/prod_TpPro001")
    );
    let sent: Value = serde_json::from_str(&recorded[0].body).unwrap();
    assert_eq!(sent["price_id"], "price_TpProMonthly001");
    assert_eq!(sent["product_id"], "prod_TpPro001");
    assert!(sent.get("quantity").is_none());
}

const SANDBOX_KEY: &str = "proj_sandboxContractKey_0123456789abcdefghijk";

/// A storefront on SQLite plus its sandbox API, reached over raw HTTP.
async fn sandbox_api() -> (TestApp, String) {
    let app = app_on(
        sqlite_database(),
        &[("PAYMENT_SERVICE_API_KEY", SANDBOX_KEY)],
    )
    .await;
    let state = SandboxState::new(
        app.state.db.clone(),
        app.state.catalog.clone(),
        PUBLIC_URL,
        "/pkg/site.css".into(),
    );
    let base = sandbox::start_api(state, SANDBOX_KEY).await.unwrap();
    (app, base)
}

struct Raw {
    status: u16,
    content_type: String,
    location: String,
    body: String,
}

async fn raw(method: Method, url: &str, key: Option<&str>, body: Option<&str>) -> Raw {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = http.request(method, url);
    if let Some(key) = key {
        request = request.header("X-API-Key", key);
    }
    if let Some(body) = body {
        request = request
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let header_text = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &header::HeaderValue| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    Raw {
        status: response.status().as_u16(),
        content_type: header_text(header::CONTENT_TYPE),
        location: header_text(header::LOCATION),
        body: response.text().await.unwrap(),
    }
}

#[tokio::test]
async fn the_sandbox_answers_in_the_contract_s_shapes() {
    let (_app, base) = sandbox_api().await;
    let url = |path: &str| format!("{base}{path}");
    let body = serde_json::to_string(&json!({
        "user_id": "5b1f0a9e-8a61-4f7e-9a55-3f0c2b1d7e44", "email": "ml@example.com",
        "product_id": "prod_TpPro001", "price_id": "price_TpProMonthly001",
        "success_url": "https://x/ok?session_id={CHECKOUT_SESSION_ID}", "cancel_url": "https://x/no",
    }))
    .unwrap();
    let post = |path: &'static str, key: Option<&'static str>, body: String| {
        let url = url(path);
        async move { raw(Method::POST, &url, key, Some(&body)).await }
    };

    let no_key = post("/api/v1/checkout/subscription", None, body.clone()).await;
    assert_eq!(no_key.status, 401);
    shapes::flat_401(
        &no_key.content_type,
        &no_key.body,
        "Missing X-API-Key header",
    )
    .unwrap();
    let wrong = post(
        "/api/v1/checkout/subscription",
        Some("proj_wrong"),
        body.clone(),
    )
    .await;
    assert_eq!(wrong.status, 401);
    shapes::flat_401(&wrong.content_type, &wrong.body, "Invalid API key").unwrap();

    let created = post(
        "/api/v1/checkout/subscription",
        Some(SANDBOX_KEY),
        body.clone(),
    )
    .await;
    assert_eq!(
        (created.status, created.content_type.as_str()),
        (200, "application/json")
    );
    let created = shapes::json_body(&created.body).unwrap();
    shapes::checkout(&created, false).unwrap();
    assert!(
        created["checkout_url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{PUBLIC_URL}/sandbox/payment/checkout/cs_test_"))
    );

    let mut missing: Value = serde_json::from_str(&body).unwrap();
    missing["user_id"] = json!("");
    let refused = post(
        "/api/v1/checkout/subscription",
        Some(SANDBOX_KEY),
        missing.to_string(),
    )
    .await;
    assert_eq!(refused.status, 400);
    let refused = shapes::json_body(&refused.body).unwrap();
    shapes::envelope(&refused, "VALIDATION_FAILED").unwrap();
    assert_eq!(refused["error"]["field"], "user_id");
    let broken = post(
        "/api/v1/checkout/item",
        Some(SANDBOX_KEY),
        "{\"user_id\": 7".into(),
    )
    .await;
    assert_eq!(broken.status, 400);
    shapes::envelope(&shapes::json_body(&broken.body).unwrap(), "INVALID_BODY").unwrap();
    let unknown_price = post(
        "/api/v1/checkout/item",
        Some(SANDBOX_KEY),
        body.replace("price_TpProMonthly001", "price_Nope"),
    )
    .await;
    assert_eq!(unknown_price.status, 500);
    shapes::envelope(
        &shapes::json_body(&unknown_price.body).unwrap(),
        "STRIPE_ERROR",
    )
    .unwrap();

    let cart = json!({"user_id": "u1", "email": "ml@example.com", "success_url": "https://x/ok",
        "cancel_url": "https://x/no", "items": [{"price_id": "price_TpCredits10M001", "quantity": 2}]});
    let cart_answer = post("/api/v1/checkout/cart", Some(SANDBOX_KEY), cart.to_string()).await;
    assert_eq!(cart_answer.status, 200);
    shapes::checkout(&shapes::json_body(&cart_answer.body).unwrap(), true).unwrap();
    let too_many = json!({"user_id": "u1", "email": "ml@example.com", "success_url": "https://x/ok",
        "cancel_url": "https://x/no", "items": vec![json!({"price_id": "price_TpCredits10M001", "quantity": 1}); 21]});
    let too_many = post(
        "/api/v1/checkout/cart",
        Some(SANDBOX_KEY),
        too_many.to_string(),
    )
    .await;
    assert_eq!(too_many.status, 400);
    shapes::envelope(
        &shapes::json_body(&too_many.body).unwrap(),
        "VALIDATION_FAILED",
    )
    .unwrap();

    let status = raw(
        Method::GET,
        &url("/api/v1/subscriptions/nobody/prod_TpPro001"),
        Some(SANDBOX_KEY),
        None,
    )
    .await;
    assert_eq!(status.status, 200);
    let status = shapes::json_body(&status.body).unwrap();
    shapes::status(&status).unwrap();
    assert_eq!(status, json!({"exists": false}));

    let portal = post(
        "/api/v1/portal",
        Some(SANDBOX_KEY),
        json!({"user_id": "nobody", "return_url": "https://x"}).to_string(),
    )
    .await;
    assert_eq!(portal.status, 404);
    shapes::envelope(
        &shapes::json_body(&portal.body).unwrap(),
        "CUSTOMER_NOT_FOUND",
    )
    .unwrap();
    let portal = post(
        "/api/v1/portal",
        Some(SANDBOX_KEY),
        json!({"user_id": "nobody"}).to_string(),
    )
    .await;
    assert_eq!(portal.status, 400);
    shapes::envelope(&shapes::json_body(&portal.body).unwrap(), "MISSING_FIELDS").unwrap();

    let moved = raw(
        Method::GET,
        &url("/api/v1/nothing"),
        Some(SANDBOX_KEY),
        None,
    )
    .await;
    assert_eq!((moved.status, moved.location.as_str()), (302, "/docs"));
    let bare = raw(
        Method::POST,
        &url("/api/v1/nothing"),
        Some(SANDBOX_KEY),
        Some("{}"),
    )
    .await;
    assert_eq!(
        (bare.status, bare.content_type.starts_with("text/plain")),
        (405, true)
    );
    let wrong_method = raw(Method::GET, &url("/api/v1/portal"), Some(SANDBOX_KEY), None).await;
    assert_eq!(wrong_method.status, 405);
    shapes::envelope(
        &shapes::json_body(&wrong_method.body).unwrap(),
        "METHOD_NOT_ALLOWED",
    )
    .unwrap();

    let health = raw(Method::GET, &url("/health"), None, None).await;
    let health = shapes::json_body(&health.body).unwrap();
    assert_eq!(
        (health["status"].as_str(), health["service"].as_str()),
        (Some("healthy"), Some("billing-service"))
    );
}

/// Submits the sandbox's hosted checkout form, as a browser would.
async fn pay(app: &TestApp, checkout_url: &str, card: &str) -> TestResponse {
    let path = checkout_url.strip_prefix(PUBLIC_URL).unwrap();
    let request = Request::post(path)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form(&[
            ("card_number", card),
            ("expiry", "12 / 34"),
            ("cvc", "123"),
        ])))
        .unwrap();
    send(&app.router, request).await
}

#[tokio::test]
async fn the_client_and_the_sandbox_agree_on_a_whole_subscription() {
    let (app, base) = sandbox_api().await;
    let payments = client(&base, SANDBOX_KEY);
    let request = checkout_request();
    let user = request.user_id.clone();
    let now = OffsetDateTime::now_utc();
    assert_eq!(
        payments
            .subscription_status(&user, "prod_TpPro001")
            .await
            .unwrap()
            .standing(now),
        Standing::None
    );
    assert_eq!(
        payments
            .portal(&user, "https://x")
            .await
            .unwrap_err()
            .code(),
        Some("CUSTOMER_NOT_FOUND")
    );

    let session = payments.subscription_checkout(&request).await.unwrap();
    let page = get(
        &app.router,
        session.checkout_url.strip_prefix(PUBLIC_URL).unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Sandbox — no real payment."),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"card_number\""));

    let unknown = get(&app.router, "/sandbox/payment/checkout/cs_test_unknown").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("Checkout not found"));
    let declined = pay(&app, &session.checkout_url, "4000 0000 0000 0002").await;
    assert_eq!(declined.status, StatusCode::PAYMENT_REQUIRED);
    assert!(declined.body.contains("Your card was declined."));
    assert_eq!(
        payments
            .subscription_status(&user, "prod_TpPro001")
            .await
            .unwrap()
            .standing(now),
        Standing::None
    );

    let paid = pay(&app, &session.checkout_url, "4242 4242 4242 4242").await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    let expected = format!(
        "https://tracepipe.example/billing/success?session_id={}",
        session.checkout_session_id
    );
    assert_eq!(paid.header("location"), expected);
    // A second submit (double click, back button) changes nothing.
    assert_eq!(
        pay(&app, &session.checkout_url, "4242 4242 4242 4242")
            .await
            .header("location"),
        expected
    );
    let count: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sandbox_subscriptions")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count.0, 1);

    let status = payments
        .subscription_status(&user, "prod_TpPro001")
        .await
        .unwrap();
    assert_eq!(status.standing(now), Standing::Active);
    let days = (status.period_end.unwrap() - now).whole_days();
    assert!((27..=31).contains(&days), "{days}");
    assert_eq!(
        payments
            .subscription_status(&user, "prod_TpStarter001")
            .await
            .unwrap()
            .standing(now),
        Standing::None
    );

    let portal = payments
        .portal(&user, "https://tracepipe.example/billing?from=portal")
        .await
        .unwrap();
    let portal_path = portal
        .portal_url
        .strip_prefix(PUBLIC_URL)
        .unwrap()
        .to_owned();
    let portal_page = get(&app.router, &portal_path).await;
    assert!(portal_page.body.contains("Sandbox — no real payment."));
    assert!(portal_page.body.contains("Active — renews on"));
    let cancel = Request::post(&portal_path)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form(&[
            (
                "subscription_id",
                status.subscription_id.as_deref().unwrap(),
            ),
            ("change", "cancel_now"),
        ])))
        .unwrap();
    assert_eq!(
        send(&app.router, cancel).await.status,
        StatusCode::SEE_OTHER
    );
    let ended = payments
        .subscription_status(&user, "prod_TpPro001")
        .await
        .unwrap();
    // The code's shape: a canceled subscription still exists, its period over.
    assert!(ended.exists);
    assert_eq!(
        ended.standing(OffsetDateTime::now_utc() + Duration::from_secs(1)),
        Standing::Ended
    );
    assert!(
        get(&app.router, &portal_path)
            .await
            .body
            .contains("Canceled — ended on")
    );

    // State lives in the database: a restarted sandbox still knows the customer.
    let state = SandboxState::new(
        app.state.db.clone(),
        app.state.catalog.clone(),
        PUBLIC_URL,
        "/x.css".into(),
    );
    let restarted = client(
        &sandbox::start_api(state, SANDBOX_KEY).await.unwrap(),
        SANDBOX_KEY,
    );
    assert!(
        restarted
            .subscription_status(&user, "prod_TpPro001")
            .await
            .unwrap()
            .exists
    );
    assert!(restarted.portal(&user, "https://x").await.is_ok());
}

/// A signed-in storefront user (sandbox payments).
async fn signed_in_user(app: &TestApp, tag: &str) -> String {
    let email = format!("{tag}-{}@example.com", uuid::Uuid::new_v4());
    session_cookie(&register(&app.router, &email, "Billing Person").await)
}

async fn checkouts_recorded(app: &TestApp) -> i64 {
    let count: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM checkouts")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    count.0
}

#[tokio::test]
async fn subscribing_through_the_storefront_confirms_with_the_payment_service() {
    let app = sqlite_app().await;
    let cookie = signed_in_user(&app, "subscriber").await;
    let checkout = |plan: &'static str| {
        let (router, cookie) = (app.router.clone(), cookie.clone());
        async move {
            call(
                &router,
                "payment/checkout",
                &form(&[("plan_id", plan)]),
                Some(&cookie),
            )
            .await
        }
    };

    let unknown = checkout("platinum").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.body.contains("That plan doesn't exist"),
        "{}",
        unknown.body
    );
    assert_eq!(checkouts_recorded(&app).await, 0);
    let signed_out = call(
        &app.router,
        "payment/checkout",
        &form(&[("plan_id", "pro")]),
        None,
    )
    .await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);

    let started = checkout("pro").await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let checkout_url: String = serde_json::from_str(&started.body).unwrap();
    assert!(checkout_url.starts_with(&format!("{PUBLIC_URL}/sandbox/payment/checkout/cs_test_")));
    assert_eq!(checkouts_recorded(&app).await, 1);

    // Coming back with a made-up session id proves nothing.
    let forged = page(
        &app.router,
        "/billing/success?session_id=cs_test_forged",
        Some(&cookie),
    )
    .await;
    assert_eq!(forged.status, StatusCode::OK);
    assert!(
        forged.body.contains("We couldn&#x27;t find that checkout")
            || forged.body.contains("We couldn't find that checkout"),
        "{}",
        forged.body
    );

    let paid = pay(&app, &checkout_url, "4242424242424242").await;
    let success_path = paid
        .header("location")
        .strip_prefix(PUBLIC_URL)
        .unwrap()
        .to_owned();
    let success = page(&app.router, &success_path, Some(&cookie)).await;
    assert_eq!(success.status, StatusCode::OK);
    assert!(success.body.contains("subscribed"), "{}", success.body);
    assert!(success.body.contains("Pro plan"));
    assert!(success.body.contains("href=\"/keys\""));

    let billing = page(&app.router, "/billing", Some(&cookie)).await;
    assert!(billing.body.contains("Paid through"), "{}", billing.body);
    assert!(billing.body.contains("Manage billing"));
    let pricing = page(&app.router, "/pricing", Some(&cookie)).await;
    assert!(pricing.body.contains("Current plan"));
    assert!(
        page(&app.router, "/dashboard", Some(&cookie))
            .await
            .body
            .contains("Pro plan")
    );

    let again = checkout("starter").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.body == r#"{"AlreadySubscribed":{"plan_name":"Pro"}}"#,
        "{}",
        again.body
    );
    assert_eq!(checkouts_recorded(&app).await, 1);

    let portal = call(&app.router, "payment/portal", "", Some(&cookie)).await;
    assert_eq!(portal.status, StatusCode::OK, "{}", portal.body);
    let portal_url: String = serde_json::from_str(&portal.body).unwrap();
    assert!(portal_url.starts_with(&format!("{PUBLIC_URL}/sandbox/payment/portal/bps_")));
}

#[tokio::test]
async fn forms_without_javascript_are_redirected_to_checkout_and_the_portal() {
    let app = sqlite_app().await;
    let cookie = signed_in_user(&app, "nojs").await;
    let plain_post = |path: &str, body: &str| {
        Request::post(path)
            .header(header::ORIGIN, ORIGIN)
            .header(header::REFERER, format!("{PUBLIC_URL}/pricing"))
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let checkout = send(
        &app.router,
        plain_post("/api/payment/checkout", "plan_id=credit-pack"),
    )
    .await;
    assert_eq!(checkout.status, StatusCode::FOUND);
    assert!(
        checkout
            .header("location")
            .starts_with(&format!("{PUBLIC_URL}/sandbox/payment/checkout/cs_test_"))
    );

    // Never bought anything: the portal has no customer, the page says so.
    let portal = send(&app.router, plain_post("/api/payment/portal", "")).await;
    assert_eq!(portal.status, StatusCode::FOUND);
    assert!(
        portal.header("set-cookie").starts_with("tp_refused_form="),
        "the refusal, carried back to the page: {:?}",
        portal.headers
    );
    let scripted = call(&app.router, "payment/portal", "", Some(&cookie)).await;
    assert_eq!(scripted.status, StatusCode::CONFLICT);
    assert!(
        scripted.body.contains("NoBillingAccount"),
        "{}",
        scripted.body
    );

    // A one-time item: the return page thanks, /billing lists it.
    let paid = pay(&app, checkout.header("location"), "4242 4242 4242 4242").await;
    let success_path = paid
        .header("location")
        .strip_prefix(PUBLIC_URL)
        .unwrap()
        .to_owned();
    assert!(
        page(&app.router, &success_path, Some(&cookie))
            .await
            .body
            .contains("Credit pack purchase is complete")
    );
    let billing = page(&app.router, "/billing", Some(&cookie)).await;
    assert!(
        billing.body.contains("One-time purchase"),
        "{}",
        billing.body
    );
    assert!(billing.body.contains("You don"), "no subscription yet");
}

#[tokio::test]
async fn pricing_is_public_and_payment_redirects_to_it() {
    let app = sqlite_app().await;
    let pricing = page(&app.router, "/pricing", None).await;
    assert_eq!(pricing.status, StatusCode::OK);
    for text in [
        "Starter",
        "Pro",
        "Scale",
        "Credit pack",
        "Sandbox — no real payment.",
        "/register?next=/pricing",
    ] {
        assert!(pricing.body.contains(text), "{text}");
    }
    assert!(
        !pricing.body.contains("price_Tp"),
        "Stripe ids stay on the server"
    );
    let old = get(&app.router, "/payment").await;
    assert_eq!(old.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(old.header("location"), "/pricing");
    assert!(
        get(&app.router, "/sitemap.xml")
            .await
            .body
            .contains("/pricing</loc>")
    );
    assert!(
        get(&app.router, "/robots.txt")
            .await
            .body
            .contains("Disallow: /sandbox/")
    );
}

#[tokio::test]
async fn active_plans_are_cached_for_a_minute_refreshed_on_demand_and_errors_never_cached() {
    use app::payments::ssr::{Freshness, Payments};
    let (base, table) = stub_service(vec![(
        Method::GET,
        "/api/v1/subscriptions/",
        Canned::json(200, fixtures::STATUS_FOUND),
    )])
    .await;
    let app = sqlite_app().await;
    let payments = Payments {
        client: client(&base, SANDBOX_KEY),
        status_cache: Default::default(),
        sandbox: false,
        redirect_origins: Default::default(),
    };
    let calls = || table.1.lock().unwrap().len();
    let catalog = &app.state.catalog;
    let current = payments
        .subscription(catalog, "u1", Freshness::Cached)
        .await
        .unwrap();
    // One call per subscription product; the dearest active plan wins.
    assert_eq!(calls(), 3);
    assert_eq!(current.unwrap().plan.id, "scale");
    payments
        .subscription(catalog, "u1", Freshness::Cached)
        .await
        .unwrap();
    assert_eq!(calls(), 3, "served from the cache");
    payments
        .subscription(catalog, "u2", Freshness::Cached)
        .await
        .unwrap();
    assert_eq!(calls(), 6, "per user");
    payments
        .subscription(catalog, "u1", Freshness::Refresh)
        .await
        .unwrap();
    assert_eq!(calls(), 9, "refresh asks again");

    // No plan is never taken from the cache: a checkout on another instance
    // may have just made one.
    let (base, table) = stub_service(vec![(
        Method::GET,
        "/api/v1/subscriptions/",
        Canned::json(200, fixtures::STATUS_NONE),
    )])
    .await;
    let without_plan = Payments {
        client: client(&base, SANDBOX_KEY),
        status_cache: Default::default(),
        sandbox: false,
        redirect_origins: Default::default(),
    };
    for _ in 0..2 {
        let current = without_plan
            .subscription(catalog, "u3", Freshness::Cached)
            .await
            .unwrap();
        assert!(current.is_none());
    }
    assert_eq!(table.1.lock().unwrap().len(), 6, "asked both times");

    // Pages remember "no plan" while the user's checkout activity stays the
    // same; a checkout (on any instance) changes it and they ask again.
    let calls = || table.1.lock().unwrap().len();
    let for_page = |checkout_activity| Freshness::ForPage { checkout_activity };
    for _ in 0..3 {
        let current = without_plan
            .subscription(catalog, "u4", for_page(0))
            .await
            .unwrap();
        assert!(current.is_none());
    }
    assert_eq!(calls(), 9, "asked once for three page views");
    without_plan
        .subscription(catalog, "u4", for_page(1))
        .await
        .unwrap();
    assert_eq!(calls(), 12, "a checkout since: asked again");
    without_plan
        .subscription(catalog, "u4", Freshness::Cached)
        .await
        .unwrap();
    assert_eq!(calls(), 15, "a refusal never trusts a cached \"no plan\"");

    let broken = Payments {
        client: client(&common::stub::unreachable_service().await, SANDBOX_KEY),
        status_cache: Default::default(),
        sandbox: false,
        redirect_origins: Default::default(),
    };
    assert!(
        broken
            .subscription(catalog, "u1", Freshness::Cached)
            .await
            .is_err()
    );
    assert!(
        broken.status_cache.get("u1").is_none(),
        "a failure is not remembered"
    );
}

/// A page loads its data once per view, not once per pass Leptos makes over
/// the sign-in guard's children: back from checkout, the Payment MS is asked
/// for the plan once (one call per subscription product of the catalog).
#[tokio::test]
async fn returning_from_checkout_asks_the_payment_service_once() {
    let (base, table) = stub_service(vec![(
        Method::GET,
        "/api/v1/subscriptions/",
        Canned::json(200, fixtures::STATUS_FOUND),
    )])
    .await;
    let app = app_on(
        sqlite_database(),
        &[
            ("PAYMENT_SERVICE_URL", &base),
            ("PAYMENT_SERVICE_API_KEY", SANDBOX_KEY),
        ],
    )
    .await;
    let cookie = signed_in_user(&app, "once").await;
    let user_id: (String,) =
        sqlx::query_as("SELECT id FROM users ORDER BY created_at DESC LIMIT 1")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    sqlx::query(
        "INSERT INTO checkouts (id, user_id, plan_id, created_at) VALUES ($1, $2, 'pro', 0)",
    )
    .bind("cs_test_once")
    .bind(&user_id.0)
    .execute(&app.state.db)
    .await
    .unwrap();

    let success = page(
        &app.router,
        "/billing/success?session_id=cs_test_once",
        Some(&cookie),
    )
    .await;
    assert!(success.body.contains("subscribed"), "{}", success.body);
    let status_calls = table.1.lock().unwrap().len();
    assert_eq!(
        status_calls, 3,
        "one status check: a call per subscription product"
    );
}
