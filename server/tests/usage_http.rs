//! Usage as other programs see it: every authenticated `/v1` request counted
//! exactly, per key per day, without a database write per request.

mod common;

use app::api_keys::ssr as keys;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;

async fn key_of_new_user(app: &TestApp, tag: &str) -> (String, String) {
    let email = format!("{tag}-{}@example.com", uuid::Uuid::new_v4());
    register(&app.router, &email, tag).await;
    let (user_id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let (record, key) = keys::create(&app.state.db, &user_id, "counted")
        .await
        .unwrap();
    (record.id, key)
}

async fn counted(app: &TestApp, key_id: &str) -> i64 {
    let (requests,): (i64,) = sqlx::query_as(
        "SELECT COALESCE(SUM(requests), 0) FROM api_request_counts WHERE key_id = $1",
    )
    .bind(key_id)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    requests
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_requests_are_counted_exactly_once_each() {
    for database in all_databases().await {
        let app = app_on(database, &[("API_READS_PER_MINUTE", "100000")]).await;
        let mut keys = Vec::new();
        for tag in ["ada", "bo", "cy"] {
            keys.push(key_of_new_user(&app, tag).await);
        }
        let calls: Vec<_> = (0..1000)
            .map(|n| {
                let (router, key) = (app.router.clone(), keys[n % 3].1.clone());
                let counter = app.state.request_counter.clone();
                let db = app.state.db.clone();
                tokio::spawn(async move {
                    let request = Request::get("/v1/users/me")
                        .header("x-api-key", key)
                        .body(Body::empty())
                        .unwrap();
                    assert_eq!(send(&router, request).await.status, StatusCode::OK);
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
        app.state.request_counter.flush(&app.state.db).await.unwrap();
        let expected = [334, 333, 333];
        for ((key_id, _), expected) in keys.iter().zip(expected) {
            assert_eq!(counted(&app, key_id).await, expected);
        }
        // A second flush has nothing left to add.
        assert_eq!(app.state.request_counter.flush(&app.state.db).await.unwrap(), 0);
    }
}
