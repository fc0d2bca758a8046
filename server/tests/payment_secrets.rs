//! Server-side secrets stay on the server. The Payment MS key appears in no
//! page, no server-function response, no log line and no file of the browser
//! bundle; an API key appears only in the one answer that creates it (never
//! in a log line), and its stored hash nowhere at all.
//! In a file of its own: it installs a process-wide log subscriber.

mod common;

use app::api_keys::ssr as keys;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::stub::{Canned, stub_service};
use common::*;

const KEY: &str = "proj_secretSentinel_zq9X7w3VbN2mL5kJ8hG4fD1sA6";

#[tokio::test]
async fn secrets_never_leave_the_server() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .finish(),
    )
    .unwrap();
    let mut seen = Vec::new();

    // A whole purchase against the sandbox, configured with the key.
    let app = app_on(sqlite_database(), &[("PAYMENT_SERVICE_API_KEY", KEY)]).await;
    let cookie =
        session_cookie(&register(&app.router, "secret@example.com", "Secret Keeper").await);
    let started = call(
        &app.router,
        "payment/checkout",
        "plan_id=scale",
        Some(&cookie),
    )
    .await;
    let checkout_url: String = serde_json::from_str(&started.body).unwrap();
    let checkout_path = checkout_url.strip_prefix(PUBLIC_URL).unwrap().to_owned();
    seen.push(started.body);
    seen.push(get(&app.router, &checkout_path).await.body);
    for path in [
        "/pricing",
        "/billing",
        "/dashboard",
        "/billing/cancel",
        "/billing/success",
    ] {
        seen.push(page(&app.router, path, Some(&cookie)).await.body);
    }
    for (function, body) in [
        ("current_subscription", ""),
        ("load_billing", "refresh=true"),
        ("confirm_checkout", ""),
        ("payment/portal", ""),
    ] {
        let response = call(&app.router, function, body, Some(&cookie)).await;
        seen.push(format!("{:?} {}", response.headers, response.body));
    }
    assert!(format!("{:?}", app.state.payments).contains("[REDACTED]"));
    seen.push(format!("{:?}", app.state.payments));

    // Failures are logged with detail; the detail never carries the key.
    let (base, _) = stub_service(vec![
        (
            Method::GET,
            "/",
            Canned::text(401, "{\"error\":\"Invalid API key\"}\n"),
        ),
        (Method::POST, "/", Canned::json(400, "{\"oops\": true}")),
    ])
    .await;
    let failing = app_on(
        sqlite_database(),
        &[
            ("PAYMENT_SERVICE_URL", &base),
            ("PAYMENT_SERVICE_API_KEY", KEY),
        ],
    )
    .await;
    let cookie = session_cookie(&register(&failing.router, "failing@example.com", "Failing").await);
    let refused = call(
        &failing.router,
        "payment/checkout",
        "plan_id=pro",
        Some(&cookie),
    )
    .await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    seen.push(refused.body);
    seen.push(page(&failing.router, "/billing", Some(&cookie)).await.body);

    let api_secrets = use_api_keys_everywhere(&mut seen).await;

    let log = captured.text();
    assert!(
        log.contains("payment service call failed"),
        "failures are logged: {log}"
    );
    assert!(log.contains("/v1/users/me"), "API calls are logged: {log}");
    for secret in api_secrets.iter().map(String::as_str).chain([KEY]) {
        assert!(!log.contains(secret), "{secret} leaked into the log");
        for text in &seen {
            assert!(!text.contains(secret), "{secret} leaked into {text}");
        }
    }
}

/// Creates a key over `/v1`, then lists, uses and revokes it, verifies
/// another, reports usage, and shows the keys, usage, dashboard and
/// quickstart pages; collects every answer except the one that creates the
/// key (its only rightful place). Answers what must never show: both keys'
/// secret parts and their stored hashes, and the service token.
async fn use_api_keys_everywhere(seen: &mut Vec<String>) -> Vec<String> {
    const SERVICE_TOKEN: &str = "service-token-for-the-secrets-test-0123456789";
    let app = app_on(
        sqlite_database(),
        &[("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN)],
    )
    .await;
    let cookie = session_cookie(&register(&app.router, "keys@example.com", "Key Keeper").await);
    let (user_id,): (String,) = sqlx::query_as("SELECT id FROM users")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    common::api::subscribe(&app, &user_id).await;
    common::api::confirm_address(&app, &user_id).await;
    let (_, first_key) = common::api::store_key(&app, &user_id, "first").await;
    let request = |method: &str, path: &str, key: &str, body: String| {
        Request::builder()
            .method(method)
            .uri(path)
            .header("x-api-key", key)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let created = send(
        &app.router,
        request(
            "POST",
            "/v1/api-keys",
            &first_key,
            r#"{"name":"second"}"#.into(),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let created: serde_json::Value = serde_json::from_str(&created.body).unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    let key_id = created["id"].as_str().unwrap().to_owned();

    for (method, path, body) in [
        ("GET", "/v1/users/me".to_owned(), String::new()),
        ("GET", "/v1/api-keys".to_owned(), String::new()),
        ("GET", "/v1/usage".to_owned(), String::new()),
        ("DELETE", format!("/v1/api-keys/{key_id}"), String::new()),
        ("GET", "/v1/users/me".to_owned(), String::new()),
    ] {
        let answer = send(&app.router, request(method, &path, &key, body)).await;
        seen.push(format!("{:?} {}", answer.headers, answer.body));
    }
    let verified = send(
        &app.router,
        Request::post("/internal/v1/keys/verify")
            .header("authorization", format!("Bearer {SERVICE_TOKEN}"))
            .header("content-type", "application/json")
            .body(Body::from(format!(r#"{{"key":"{first_key}"}}"#)))
            .unwrap(),
    )
    .await;
    assert!(
        verified.body.contains(r#""valid":true"#),
        "{}",
        verified.body
    );
    seen.push(verified.body);
    let reported = send(
        &app.router,
        Request::post("/internal/v1/usage")
            .header("authorization", format!("Bearer {SERVICE_TOKEN}"))
            .header("content-type", "application/json")
            .body(Body::from(format!(
                r#"{{"idempotency_key":"s-1","user_id":"{user_id}","tokens":{{"m":5}}}}"#
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(reported.status, StatusCode::CREATED, "{}", reported.body);
    seen.push(format!("{:?} {}", reported.headers, reported.body));
    for path in ["/keys", "/usage", "/dashboard", "/docs/quickstart"] {
        seen.push(page(&app.router, path, Some(&cookie)).await.body);
    }
    let mut secrets: Vec<String> = [first_key, key]
        .iter()
        .flat_map(|key| {
            let secret = key.strip_prefix(keys::KEY_PREFIX).unwrap().to_owned();
            [secret, keys::key_hash(key)]
        })
        .collect();
    secrets.push(SERVICE_TOKEN.to_owned());
    secrets
}

#[test]
fn the_browser_bundle_carries_neither_the_key_nor_the_payment_client() {
    let pkg = repo_root().join("target/site/pkg");
    let files: Vec<_> = std::fs::read_dir(&pkg)
        .unwrap_or_else(|err| {
            panic!(
                "{}: {err}: build the site first (cargo leptos build --release)",
                pkg.display()
            )
        })
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "wasm" || ext == "js")
        })
        .collect();
    assert!(files.iter().any(|path| path.extension().unwrap() == "wasm"));
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let contains = |needle: &str| {
            bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
        };
        // The client code lives behind the `ssr` feature: none of it ships.
        for needle in [
            KEY,
            "stripe_subscription_id",
            "refused our API key",
            "PAYMENT_SERVICE_API_KEY",
            "price_Tp",
        ] {
            assert!(!contains(needle), "{needle} found in {}", path.display());
        }
    }
}
