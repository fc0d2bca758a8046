//! Operations endpoints for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;
use sqlx::AnyPool;
use std::time::Duration;

const NO_STORE: [(header::HeaderName, &str); 1] = [(header::CACHE_CONTROL, "no-store")];

/// The process is up and serving requests.
pub async fn healthz() -> impl IntoResponse {
    (NO_STORE, Json(json!({ "status": "ok" })))
}

/// The process can do useful work: its database answers within two seconds.
pub async fn readyz(State(db): State<AnyPool>) -> impl IntoResponse {
    match tokio::time::timeout(Duration::from_secs(2), crate::db::ping(&db)).await {
        Ok(Ok(())) => (
            StatusCode::OK,
            NO_STORE,
            Json(json!({ "status": "ready", "database": "ok" })),
        ),
        outcome => {
            let reason = match outcome {
                Ok(Err(err)) => err.to_string(),
                _ => "no answer within 2 s".to_owned(),
            };
            tracing::warn!(%reason, "readiness check failed: database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                NO_STORE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            )
        }
    }
}
