//! The JSON APIs: `/v1` for customers' code (API keys) and `/internal/v1`
//! for other Tracepipe services (a bearer service token). Both answer with
//! one error type and envelope (`error`), read bodies with one extractor
//! (`json::ApiJson`), and register each route together with its OpenAPI
//! operation (utoipa-axum's `routes!`), so a document cannot drift from its
//! router: `/v1/openapi.json` describes exactly the public operations,
//! `/internal/v1/openapi.json` (token required) the internal ones.

pub mod document;
pub mod error;
pub mod internal;
pub mod json;
pub mod keys;
pub mod rate_limit;
pub mod v1;

pub use error::{ApiError, BodyRefused, ErrorEnvelope, KeyRefused};
pub use json::ApiJson;

use app::state::AppState;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::{MethodRouter, get};

/// Serves `document`, serialised once.
fn serve_document(document: &serde_json::Value) -> MethodRouter<AppState> {
    let body = Bytes::from(serde_json::to_vec(document).expect("an OpenAPI document serialises"));
    get(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body) }
    })
}
