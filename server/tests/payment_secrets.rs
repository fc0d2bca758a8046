//! The Payment MS key is a server-side secret: it appears in no page, no
//! server-function response, no log line and no file of the browser bundle.
//! In a file of its own: it installs a process-wide log subscriber.

mod common;

use axum::http::{Method, StatusCode};
use common::stub::{Canned, stub_service};
use common::*;

const KEY: &str = "proj_secretSentinel_zq9X7w3VbN2mL5kJ8hG4fD1sA6";

#[tokio::test]
async fn the_payment_key_never_leaves_the_server() {
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
        ("subscription", ""),
        ("load_billing", "refresh=true"),
        ("confirm_checkout", ""),
        ("payment/portal", ""),
    ] {
        let response = call(&app.router, function, body, Some(&cookie)).await;
        seen.push(format!("{:?} {}", response.headers, response.body));
    }
    assert!(format!("{:?}", app.state.payments).contains("[redacted]"));
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

    let log = captured.text();
    assert!(
        log.contains("payment service call failed"),
        "failures are logged: {log}"
    );
    assert!(!log.contains(KEY), "the key leaked into the log");
    for text in &seen {
        assert!(!text.contains(KEY), "the key leaked into {text}");
    }
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
