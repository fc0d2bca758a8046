//! The one error type of the JSON APIs and the envelope it answers with:
//! `{"error": {"code", "message", "details"}}`, `Retry-After` where a wait
//! applies. Handlers return `Result<_, ApiError>` and use `?`.

use app::error::AppError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::{IntoResponses, ToSchema};

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    details: serde_json::Map<String, Value>,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            details: serde_json::Map::new(),
            retry_after_secs: None,
        }
    }

    /// Adds `Retry-After`: when a refused request may be made again.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// Adds `"field": name` to the details: which input was refused.
    pub fn for_field(mut self, field: impl Into<String>) -> Self {
        self.details
            .insert("field".to_owned(), Value::String(field.into()));
        self
    }

    /// A dependency (the database) failed: logged once, here, and answered
    /// 503 `unavailable` with `Retry-After`, as the pages answer it.
    pub fn unavailable(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!("API {context}: {err}");
        AppError::Unavailable.into()
    }

    fn code(&self) -> &'static str {
        match self.status {
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::CONFLICT => "conflict",
            StatusCode::UNPROCESSABLE_ENTITY => "validation_error",
            StatusCode::TOO_MANY_REQUESTS => "rate_limited",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::REQUEST_TIMEOUT => "request_timeout",
            StatusCode::SERVICE_UNAVAILABLE => "unavailable",
            _ => "internal_error",
        }
    }
}

/// The storefront's own error, with its status, message and wait.
impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        let mut error = Self::new(err.status(), err.to_string());
        // Which of several refusals with one status this is, for programs.
        let reason = match err {
            AppError::EmailUnverified => Some("email_unverified"),
            AppError::SubscriptionRequired => Some("subscription_required"),
            _ => None,
        };
        if let Some(reason) = reason {
            error
                .details
                .insert("reason".to_owned(), Value::String(reason.to_owned()));
        }
        match err.retry_after_secs() {
            Some(secs) => error.retry_after(secs.max(0) as u64),
            None => error,
        }
    }
}

/// `{"error": {"code", "message", "details"}}`, as every error answers.
#[derive(Serialize, ToSchema)]
pub struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// bad_request, unauthorized, forbidden, not_found, conflict,
    /// validation_error, rate_limited, payload_too_large, request_timeout,
    /// unavailable or internal_error.
    code: String,
    message: String,
    details: serde_json::Map<String, Value>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": { "code": self.code(), "message": self.message, "details": self.details }
        });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Answers several operations document alike, written once here. Only
/// described (`responses(...)` in `utoipa::path`), never constructed: the
/// handlers answer with `ApiError`.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BodyRefused {
    #[response(
        status = 400,
        description = "Not JSON, or not sent as Content-Type: application/json"
    )]
    NotJson(ErrorEnvelope),
}

/// See `BodyRefused`.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum DatabaseDown {
    #[response(
        status = 503,
        description = "The database is not answering: nothing was changed; retry after Retry-After"
    )]
    Unavailable(ErrorEnvelope),
}
