//! Usage as other programs see it: every authenticated `/v1` request counted
//! exactly, per key per day, without a database write per request, and
//! through a graceful shutdown; metered reports from other services counted
//! once; `GET /v1/usage`, `/usage` and the dashboard checklist.

use crate::common;

use app::usage::ssr::recorder::{Outcome, RequestCounter};
use app::usage::ssr::{Period, period_usage, reports};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::api::*;
use common::*;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use time::macros::datetime;

/// Requests counted in the database for `user_id`'s keys.
async fn counted(db: &sqlx::AnyPool, user_id: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COALESCE(CAST(SUM(c.requests) AS BIGINT), 0) FROM api_request_counts c \
         JOIN api_keys k ON k.id = c.key_id WHERE k.user_id = $1",
    )
    .bind(user_id)
    .fetch_one(db)
    .await
    .unwrap()
}

/// The id of `user_id`'s one key.
async fn only_key_of(db: &sqlx::AnyPool, user_id: &str) -> String {
    sqlx::query_scalar("SELECT id FROM api_keys WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(db)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_requests_are_counted_exactly_once_each() {
    for database in all_databases().await {
        let app = app_on(database, &[("API_READS_PER_MINUTE", "100000")]).await;
        let mut users = Vec::new();
        for tag in ["ada", "bo", "cy"] {
            users.push(user_with_key(&app, tag).await);
        }
        let calls: Vec<_> = (0..1000)
            .map(|n| {
                let (router, key) = (app.router.clone(), users[n % 3].key.clone());
                let counter = app.state.request_counter.clone();
                let db = app.state.db.clone();
                tokio::spawn(async move {
                    assert_eq!(users_me(&router, &key).await.status, StatusCode::OK);
                    // Flushes land in the middle of the run, as the timer's would.
                    if n % 97 == 0 {
                        counter.flush(&db).await.unwrap();
                    }
                })
            })
            .collect();
        for call in calls {
            call.await.unwrap();
        }
        app.state
            .request_counter
            .flush(&app.state.db)
            .await
            .unwrap();
        for (KeyHolder { user_id, .. }, expected) in users.iter().zip([334, 333, 333]) {
            assert_eq!(
                counted(&app.state.db, user_id).await,
                expected,
                "{}",
                app.database.backend
            );
        }
        // A second flush has nothing left to add.
        assert_eq!(
            app.state
                .request_counter
                .flush(&app.state.db)
                .await
                .unwrap(),
            0
        );
    }
}

#[tokio::test]
async fn a_failed_write_keeps_the_counts_for_the_next_flush() {
    let app = sqlite_app().await;
    let KeyHolder { user_id, key } = user_with_key(&app, "kept").await;
    for _ in 0..5 {
        assert_eq!(users_me(&app.router, &key).await.status, StatusCode::OK);
    }
    let closed = sqlx::AnyPool::connect(&app.database.url).await.unwrap();
    closed.close().await;
    let counter = &app.state.request_counter;
    assert!(counter.flush(&closed).await.is_err());
    assert_eq!(counted(&app.state.db, &user_id).await, 0);
    // Still shown while unwritten: pages add what is in memory.
    let usage = json_of(&api(&app.router, "GET", "/v1/usage", Some(&key), None).await);
    assert_eq!(usage["api_requests"], 6);
    assert_eq!(counter.flush(&app.state.db).await.unwrap(), 1);
    assert_eq!(counted(&app.state.db, &user_id).await, 6);
    let usage = json_of(&api(&app.router, "GET", "/v1/usage", Some(&key), None).await);
    assert_eq!(
        usage["api_requests"], 7,
        "written once, not also from memory"
    );
}

/// A page reads the written counts, then the ones still in memory. A flush
/// committing between the two reads would show its counts twice or not at
/// all (a usage page once read 0 just after a call the dashboard had
/// shown): reads and flushes take turns, so every read sees each request
/// exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_read_while_counts_are_written_sees_each_request_once() {
    for database in all_databases().await {
        let app = app_on(database, &[]).await;
        let KeyHolder { user_id, .. } = user_with_key(&app, "racing").await;
        let key_id = only_key_of(&app.state.db, &user_id).await;
        let counter = app.state.request_counter.clone();
        for expected in 1..=300 {
            let now = app::support::time::unix_now();
            counter.count(&key_id, now, Outcome::Allowed);
            let flush = {
                let (counter, db) = (counter.clone(), app.state.db.clone());
                tokio::spawn(async move { counter.flush(&db).await.unwrap() })
            };
            let usage = period_usage(&app.state.db, &counter, &user_id, Period::current(), now)
                .await
                .unwrap();
            flush.await.unwrap();
            assert_eq!(
                usage.requests, expected,
                "{}: read {} of {expected} requests",
                app.database.backend, usage.requests
            );
        }
    }
}

/// The server process takes SIGTERM a third of the way through 1,000
/// requests: every request it answered 200 is in the database afterwards,
/// and no other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_survive_a_graceful_shutdown_in_the_middle_of_a_run() {
    for database in all_databases().await {
        let backend = database.backend;
        // Users and keys made by a first instance (which also migrates).
        let setup = app_on(database, &[]).await;
        let mut users = Vec::new();
        for tag in ["dee", "eve", "fay"] {
            users.push(user_with_key(&setup, tag).await);
        }
        let dir = temp_dir();
        let addr = free_address().await;
        let mut child = server_command(&dir)
            .env("DATABASE_URL", &setup.database.url)
            .env("LISTEN_ADDR", addr.to_string())
            .env("API_READS_PER_MINUTE", "100000")
            // Unread, a pipe would fill with request log lines and stall the server.
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        assert!(wait_until_ready(addr).await, "the server became ready");
        let pid = child.id().unwrap().to_string();

        let client = reqwest::Client::new();
        let answered = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(tokio::sync::Semaphore::new(16));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let stop_tx = Arc::new(std::sync::Mutex::new(Some(stop_tx)));
        let calls: Vec<_> = (0..1000)
            .map(|n| {
                let (client, key) = (client.clone(), users[n % 3].key.clone());
                let (answered, in_flight, stop_tx) =
                    (answered.clone(), in_flight.clone(), stop_tx.clone());
                tokio::spawn(async move {
                    let _slot = in_flight.acquire_owned().await.unwrap();
                    let status = client
                        .get(format!("http://{addr}/v1/users/me"))
                        .header("x-api-key", key)
                        .send()
                        .await
                        .map(|response| response.status().as_u16());
                    if answered.fetch_add(1, Ordering::SeqCst) + 1 == 333
                        && let Some(stop) = stop_tx.lock().unwrap().take()
                    {
                        let _ = stop.send(());
                    }
                    status.ok()
                })
            })
            .collect();
        stop_rx.await.unwrap();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        let mut ok = 0;
        for call in calls {
            match call.await.unwrap() {
                Some(200) => ok += 1,
                Some(other) => panic!("{backend}: answered {other}"),
                None => {} // refused: the server had stopped accepting
            }
        }
        let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
            .await
            .expect("stops within 20 s")
            .unwrap();
        assert!(status.success(), "{backend}: {status}");
        assert!(
            (333..1000).contains(&ok),
            "{backend}: the shutdown landed mid-run ({ok} of 1000 answered)"
        );
        let mut total = 0;
        for KeyHolder { user_id, .. } in &users {
            total += counted(&setup.state.db, user_id).await;
        }
        assert_eq!(
            total, ok as i64,
            "{backend}: every answered request counted once"
        );
    }
}

/// A crash (SIGKILL, as the OOM killer sends) in the middle of a run: every
/// request answered more than a flush interval (1 s) before it is in the
/// database; only the last second's may be missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_loses_at_most_the_last_second_of_counts() {
    let setup = app_on(sqlite_database(), &[]).await;
    let KeyHolder { user_id, key } = user_with_key(&setup, "crash").await;
    let dir = temp_dir();
    let addr = free_address().await;
    let mut child = server_command(&dir)
        .env("DATABASE_URL", &setup.database.url)
        .env("LISTEN_ADDR", addr.to_string())
        .env("API_READS_PER_MINUTE", "100000000")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(wait_until_ready(addr).await, "the server became ready");

    let client = reqwest::Client::new();
    let started = std::time::Instant::now();
    let answered_at = Arc::new(std::sync::Mutex::new(Vec::new()));
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let (client, key, answered_at) = (client.clone(), key.clone(), answered_at.clone());
            tokio::spawn(async move {
                while started.elapsed() < Duration::from_secs(4) {
                    let response = client
                        .get(format!("http://{addr}/v1/users/me"))
                        .header("x-api-key", &key)
                        .send()
                        .await;
                    match response {
                        Ok(response) if response.status() == StatusCode::OK => {
                            answered_at.lock().unwrap().push(std::time::Instant::now());
                        }
                        Ok(response) => panic!("answered {}", response.status()),
                        Err(_) => break, // the server is gone
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let killed_at = std::time::Instant::now();
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait().await.unwrap();
    for caller in callers {
        caller.await.unwrap();
    }

    let answered_at = answered_at.lock().unwrap().clone();
    let stored = counted(&setup.state.db, &user_id).await as usize;
    // The window, with a margin for the write under way and the scheduler.
    let window_start = killed_at - Duration::from_millis(1200);
    let in_last_second = answered_at.iter().filter(|at| **at >= window_start).count();
    assert!(stored > 0, "counts were written while the server ran");
    assert!(
        stored <= answered_at.len(),
        "{stored} of {}",
        answered_at.len()
    );
    let lost = answered_at.len() - stored;
    eprintln!(
        "answered {}, stored {stored}, lost {lost}, answered in the last 1.2 s {in_last_second}",
        answered_at.len()
    );
    assert!(
        lost <= in_last_second,
        "{lost} of {} answered requests lost; only the last second's {in_last_second} may be",
        answered_at.len()
    );
}

async fn report(router: &Router, token: Option<&str>, body: &str) -> TestResponse {
    let mut request =
        Request::post("/internal/v1/usage").header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    send(router, request.body(Body::from(body.to_owned())).unwrap()).await
}

async fn reports_stored(db: &sqlx::AnyPool) -> (i64, i64) {
    let reports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM usage_reports")
        .fetch_one(db)
        .await
        .unwrap();
    let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM usage_report_tokens")
        .fetch_one(db)
        .await
        .unwrap();
    (reports, tokens)
}

#[tokio::test]
async fn a_replayed_report_counts_once_and_a_reused_key_is_a_conflict() {
    for database in all_databases().await {
        let app = app_on(database, &[("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN)]).await;
        let KeyHolder { user_id, key } = user_with_key(&app, "metered").await;
        let body = json!({
            "idempotency_key": "batch-2026-11-21-0001",
            "user_id": user_id,
            "tokens": {"tp-small": 1_500_000, "tp-large": 250_000},
            "storage_gb_hours": 12.5,
            "storage_current_gb": 3.25,
            "sessions_uploaded": 4,
            "examples_generated": 120
        })
        .to_string();
        let first = report(&app.router, Some(SERVICE_TOKEN), &body).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        assert_eq!(json_of(&first)["status"], "recorded");
        // The sender retries, twice at once.
        let (again, and_again) = tokio::join!(
            report(&app.router, Some(SERVICE_TOKEN), &body),
            report(&app.router, Some(SERVICE_TOKEN), &body)
        );
        for replay in [again, and_again] {
            assert_eq!(replay.status, StatusCode::OK, "{}", replay.body);
            assert_eq!(json_of(&replay)["status"], "duplicate");
        }
        let mut changed: Value = serde_json::from_str(&body).unwrap();
        changed["sessions_uploaded"] = json!(5);
        let conflict = report(&app.router, Some(SERVICE_TOKEN), &changed.to_string()).await;
        assert_envelope(&conflict, StatusCode::CONFLICT, "conflict");
        assert_eq!(reports_stored(&app.state.db).await, (1, 2));

        let usage = json_of(&api(&app.router, "GET", "/v1/usage", Some(&key), None).await);
        assert_eq!(usage["tokens"]["total"], 1_750_000, "{usage}");
        assert_eq!(usage["tokens"]["by_model"]["tp-small"], 1_500_000);
        assert_eq!(usage["sessions_uploaded"], 4);
        assert_eq!(usage["examples_generated"], 120);
        assert_eq!(
            usage["storage"],
            json!({"gb_hours": 12.5, "current_gb": 3.25})
        );
    }
}

#[tokio::test]
async fn bad_reports_are_refused_with_the_field_and_record_nothing() {
    let app = app_on(
        sqlite_database(),
        &[("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN)],
    )
    .await;
    let KeyHolder { user_id, .. } = user_with_key(&app, "refused").await;
    let valid = json!({"idempotency_key": "r-1", "user_id": user_id, "tokens": {"m": 10}});
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body.to_string()
    };
    for (body, field) in [
        (with("tokens", json!({"m": -10})), "tokens.m"),
        (with("tokens", json!({"m": "many"})), "tokens.m"),
        (with("tokens", json!({"m": 5e15})), "tokens.m"),
        (with("storage_gb_hours", json!(-1)), "storage_gb_hours"),
        (with("storage_gb_hours", json!("12")), "storage_gb_hours"),
        (with("storage_gb_hours", json!(1e300)), "storage_gb_hours"),
        (with("sessions_uploaded", json!(1e12)), "sessions_uploaded"),
        (with("examples_generated", json!(-3)), "examples_generated"),
        (with("coupon", json!("free")), "coupon"),
        (with("user_id", json!("no-such-user")), "user_id"),
        (with("idempotency_key", Value::Null), "idempotency_key"),
        (
            json!({"user_id": user_id, "tokens": {"m": 10}}).to_string(),
            "idempotency_key",
        ),
    ] {
        let refused = report(&app.router, Some(SERVICE_TOKEN), &body).await;
        assert_envelope(
            &refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
        );
        assert_eq!(
            json_of(&refused)["error"]["details"]["field"],
            field,
            "{body}"
        );
    }
    assert_envelope(
        &report(&app.router, Some(SERVICE_TOKEN), "{\"idempotency_key\": ").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    for token in [None, Some("svc_wrong_wrong_wrong_wrong_wrong_wrong")] {
        assert_envelope(
            &report(&app.router, token, &valid.to_string()).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        );
    }
    assert_eq!(
        reports_stored(&app.state.db).await,
        (0, 0),
        "nothing recorded"
    );
    let accepted = report(&app.router, Some(SERVICE_TOKEN), &valid.to_string()).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
}

/// Usage lands in the month it happened in (UTC), whatever the day it was
/// reported or read.
#[tokio::test]
async fn usage_is_split_at_month_boundaries() {
    for database in all_databases().await {
        let app = app_on(database, &[]).await;
        let KeyHolder { user_id, .. } = user_with_key(&app, "boundary").await;
        let key_id = only_key_of(&app.state.db, &user_id).await;
        let now = datetime!(2026-12-10 12:00 UTC).unix_timestamp();
        for (n, occurred_at, tokens) in [
            (1, "2026-10-31T23:59:59Z", 1),
            (2, "2026-11-01T00:00:00Z", 10),
            (3, "2026-11-30T23:59:59Z", 100),
            (4, "2026-12-01T00:00:00Z", 1000),
            (5, "2026-12-01T08:30:00+09:00", 10000), // 23:30 on 30 November, UTC
        ] {
            let body = json!({"idempotency_key": format!("b-{n}"), "user_id": user_id,
                "occurred_at": occurred_at, "tokens": {"m": tokens}, "sessions_uploaded": 1});
            let parsed: reports::UsageReport = serde_json::from_value(body).unwrap();
            reports::record(&app.state.db, &parsed, now).await.unwrap();
        }
        // Requests on 31 Oct, 1 Nov, 30 Nov and 1 Dec (days since 1970).
        for (date, requests) in [
            (datetime!(2026-10-31 23:00 UTC), 1),
            (datetime!(2026-11-01 00:00 UTC), 10),
            (datetime!(2026-11-30 23:59:59 UTC), 100),
            (datetime!(2026-12-01 00:00 UTC), 1000),
        ] {
            sqlx::query(
                "INSERT INTO api_request_counts (key_id, day, requests) VALUES ($1, $2, $3)",
            )
            .bind(&key_id)
            .bind(date.unix_timestamp().div_euclid(86_400))
            .bind(requests)
            .execute(&app.state.db)
            .await
            .unwrap();
        }
        let usage_in = |period: Period| {
            let (db, user_id) = (app.state.db.clone(), user_id.clone());
            async move {
                period_usage(&db, &RequestCounter::new(true), &user_id, period, now)
                    .await
                    .unwrap()
            }
        };
        let november = usage_in(Period::month_of(datetime!(2026-11-15 00:00 UTC))).await;
        assert_eq!(november.tokens(), 10_110, "{}", app.database.backend);
        assert_eq!(november.sessions_uploaded, 3);
        assert_eq!(november.requests, 110);
        let december = usage_in(Period::month_of(datetime!(2026-12-10 12:00 UTC))).await;
        assert_eq!(december.tokens(), 1000);
        assert_eq!(december.requests, 1000);
        let october = usage_in(Period::month_of(datetime!(2026-10-01 00:00 UTC))).await;
        assert_eq!((october.tokens(), october.requests), (1, 1));
        // The period's days up to today (1 to 10 December), one by one.
        assert_eq!(december.daily.len(), 10);
        assert_eq!(
            december
                .daily
                .iter()
                .flat_map(|day| &day.per_key)
                .sum::<i64>(),
            1000
        );
    }
}

#[tokio::test]
async fn v1_usage_has_the_spec_shape_and_prices_from_configuration() {
    let app = app_on(
        sqlite_database(),
        &[
            ("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN),
            ("USAGE_PRICE_PER_MILLION_TOKENS", "3.00"),
            ("USAGE_PRICE_PER_GB_HOUR", "0.01"),
            ("USAGE_CURRENCY", "EUR"),
        ],
    )
    .await;
    let KeyHolder { user_id, key } = user_with_key(&app, "priced").await;
    let body = json!({"idempotency_key": "p-1", "user_id": user_id,
        "tokens": {"tp-small": 2_000_000}, "storage_gb_hours": 150.0});
    assert_eq!(
        report(&app.router, Some(SERVICE_TOKEN), &body.to_string())
            .await
            .status,
        StatusCode::CREATED
    );
    users_me(&app.router, &key).await;
    let answer = api(&app.router, "GET", "/v1/usage", Some(&key), None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.header("cache-control").contains("no-store"));
    let usage = json_of(&answer);
    let period = Period::current();
    assert_eq!(
        usage,
        json!({
            "billing_period": {
                "start": app::support::time::rfc3339(period.start),
                "end": app::support::time::rfc3339(period.end),
            },
            "tokens": {"total": 2_000_000, "by_model": {"tp-small": 2_000_000}},
            "storage": {"gb_hours": 150.0, "current_gb": 0.0},
            "sessions_uploaded": 0,
            "examples_generated": 0,
            // users/me, then this call: counted before the next flush.
            "api_requests": 2,
            "estimated_cost": {"tokens": 6.0, "storage": 1.5, "total": 7.5, "currency": "EUR"},
        })
    );
    assert!(
        usage["billing_period"]["start"]
            .as_str()
            .unwrap()
            .ends_with("-01T00:00:00Z")
    );
    assert_envelope(
        &api(&app.router, "GET", "/v1/usage", None, None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
}

/// A page's HTML without Leptos's hydration markers (empty comments on the
/// pages that hydrate), to match text in.
fn markup(mut response: TestResponse) -> TestResponse {
    response.body = response.body.replace("<!---->", "").replace("<!>", "");
    response
}

#[tokio::test]
async fn the_dashboard_checklist_and_the_usage_page_follow_real_state() {
    let app = sqlite_app().await;
    let SignedInUser {
        cookie,
        id: user_id,
    } = subscriber(&app, "journey").await;
    let dashboard = markup(page(&app.router, "/dashboard", Some(&cookie)).await);
    assert!(
        dashboard
            .body
            .contains("Create an API key</span><span class=\"checklist__state\">To do"),
        "{}",
        dashboard.body
    );
    assert!(
        dashboard
            .body
            .contains("href=\"/keys\" class=\"button button--primary\">Create an API key</a>")
    );

    let (_, key) = store_key(&app, &user_id, "laptop").await;
    let dashboard = markup(page(&app.router, "/dashboard", Some(&cookie)).await);
    assert!(
        dashboard
            .body
            .contains("Make your first API call</span><span class=\"checklist__state\">To do")
    );
    assert!(dashboard.body.contains(
        "href=\"/docs/quickstart\" class=\"button button--primary\">Make your first call</a>"
    ));

    for _ in 0..3 {
        assert_eq!(users_me(&app.router, &key).await.status, StatusCode::OK);
    }
    let dashboard = markup(page(&app.router, "/dashboard", Some(&cookie)).await);
    // Account, plan, address, key and call all done: the checklist gives way.
    assert!(
        dashboard.body.contains("data-testid=\"checklist-done\""),
        "{}",
        dashboard.body
    );
    assert!(!dashboard.body.contains("checklist__item"));
    assert!(dashboard.body.contains("href=\"/usage\">Usage details</a>"));
    assert!(dashboard.body.contains("3 API requests"));

    let usage = markup(page(&app.router, "/usage", Some(&cookie)).await);
    assert_eq!(usage.status, StatusCode::OK);
    assert!(
        usage
            .body
            .contains("data-testid=\"usage-requests\" class=\"stat-card__value\">3<"),
        "{}",
        usage.body
    );
    assert!(usage.body.contains("class=\"chart-bars\""));
    assert!(usage.body.contains(
        "<figcaption id=\"chart-title\">API requests per day, billing period</figcaption>"
    ));
    assert!(usage.body.contains("3 API requests from"));
    assert!(usage.body.contains("Starter plan: this billing period"));
    assert!(usage.body.contains("aria-valuetext=\"3 of 50,000 (0%)\""));
    assert!(
        usage
            .body
            .contains("<caption class=\"visually-hidden\">API requests per day")
    );
    assert!(usage.body.contains("laptop"));
    assert!(!usage.body.contains(&key));
    // Signed out: sent to sign in.
    let anonymous = page(&app.router, "/usage", None).await;
    assert!(anonymous.body.contains("/login?next=%2Fusage") || anonymous.status.is_redirection());
}

#[tokio::test]
async fn the_quickstart_shows_a_signed_in_users_key_prefix_only() {
    let app = sqlite_app().await;
    let anonymous = page(&app.router, "/docs/quickstart", None).await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert!(anonymous.body.contains("curl -sS --fail-with-body"));
    assert!(
        anonymous
            .body
            .contains(&format!("{PUBLIC_URL}/v1/users/me"))
    );
    assert!(anonymous.body.contains("Create an account"));

    let SignedInUser {
        cookie,
        id: user_id,
    } = subscriber(&app, "docs").await;
    let (record, key) = store_key(&app, &user_id, "ci").await;
    let signed_in = page(&app.router, "/docs/quickstart", Some(&cookie)).await;
    assert!(
        signed_in.body.contains(&record.masked),
        "{}",
        signed_in.body
    );
    assert!(!signed_in.body.contains(&key));
}
