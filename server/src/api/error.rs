//! The one error type of the JSON APIs and the envelope it answers with:
//! `{"error": {"code", "message", "details"}}`, `Retry-After` where a wait
//! applies. Handlers return `Result<_, ApiError>` and use `?`.

use app::api_errors::API_ERROR_CODES;
use app::error::AppError;
use app::error::Field;
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
    permission_refused: Option<&'static str>,
}

/// On an answer that refused a permission inside a handler (a key asking
/// for more power than its own): the reason, for `/v1`'s security log,
/// which knows the key and the client.
#[derive(Clone, Copy, Debug)]
pub struct PermissionRefused(pub &'static str);

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            details: serde_json::Map::new(),
            retry_after_secs: None,
            permission_refused: None,
        }
    }

    /// Adds `Retry-After`: when a refused request may be made again.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// Adds `"field": name` to the details: which input was refused.
    pub fn for_field(self, field: impl Into<String>) -> Self {
        self.with_detail("field", field)
    }

    /// Adds `"name": value` to the details, for programs to act on.
    pub fn with_detail(mut self, name: &str, value: impl Into<String>) -> Self {
        self.details
            .insert(name.to_owned(), Value::String(value.into()));
        self
    }

    /// A dependency (the database) failed: logged once, here, and answered
    /// 503 `unavailable` with `Retry-After`, as the pages answer it.
    pub fn unavailable(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!("API {context}: {err}");
        AppError::Unavailable { request_id: None }.into()
    }

    fn code(&self) -> &'static str {
        app::api_errors::code_for_status(self.status.as_u16())
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
            AppError::KeyEscalation(_) => Some("escalation"),
            AppError::MissingPermission(_) => Some("missing_permission"),
            AppError::GraceRunning { .. } => Some("grace_period_running"),
            _ => None,
        };
        if let Some(reason) = reason {
            error = error.with_detail("reason", reason);
        }
        match &err {
            AppError::KeyEscalation(_) => error.permission_refused = Some("escalation"),
            AppError::MissingPermission(needed) => {
                error.permission_refused = Some("missing_permission");
                error = error.with_detail("permission", needed.clone());
            }
            _ => {}
        }
        if let AppError::Invalid(invalid) = &err {
            error = error.for_field(body_field(invalid.field));
        }
        match err.retry_after_secs() {
            Some(secs) => error.retry_after(secs.max(0) as u64),
            None => error,
        }
    }
}

/// The body field of the APIs a refused form field stands for.
fn body_field(field: Field) -> &'static str {
    match field {
        Field::KeyName => "name",
        Field::KeyAccess => "permissions",
        Field::KeyExpiry => "expires_in_days",
        Field::KeyNetworks => "allowed_networks",
        Field::GracePeriod => "grace_period_seconds",
        Field::Email => "email",
        Field::Password => "password",
        Field::DisplayName => "display_name",
        Field::CurrentPassword => "current_password",
        Field::NewPassword => "new_password",
        Field::NewEmail => "new_email",
        Field::Plan => "plan",
        Field::Code => "code",
        Field::PasskeyName => "passkey_name",
    }
}

/// `{"error": {"code", "message", "details", "request_id"}}`, as every
/// error answers.
#[derive(Serialize, ToSchema)]
pub struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    #[schema(inline)]
    code: ErrorCode,
    /// What went wrong and what to do, for a person to read.
    message: String,
    details: ErrorDetails,
    /// The request's id, also in the `X-Request-Id` header: quote it when
    /// asking for help with a failed call.
    #[schema(example = "019a7c3e-5b2f-7d40-9c1e-2f6a8b0d4e13", required = true)]
    request_id: Option<String>,
}

/// `error.code`: one per status, the list `/docs/errors` explains, both
/// from `app::api_errors`.
#[derive(Serialize)]
struct ErrorCode(&'static str);

impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "What kind of error this is; each status has one code (see /docs/errors).",
            ))
            .enum_values(Some(API_ERROR_CODES.iter().map(|code| code.code)))
            .into()
    }
}

impl ToSchema for ErrorCode {}

/// Facts about the error, for programs to act on; which ones come depends
/// on the error.
#[derive(Serialize, ToSchema)]
struct ErrorDetails {
    /// Which of several causes a status has: with `unauthorized`,
    /// `forbidden`, `conflict` and `rate_limited` (see /docs/errors).
    #[schema(schema_with = reasons)]
    reason: Option<String>,
    /// With `validation_error` (and `conflict` on a repeated idempotency
    /// key): the body field that was refused.
    field: Option<String>,
    /// With `forbidden` for `missing_permission`: the permission the key
    /// lacks, such as `api_keys:write`.
    permission: Option<String>,
    /// With `forbidden` for `network_not_allowed`: the address the request
    /// came from.
    client_address: Option<String>,
}

/// Every `details.reason` of the table `/docs/errors` renders.
fn reasons() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(
            API_ERROR_CODES
                .iter()
                .flat_map(|code| code.reasons.iter().map(|(reason, _)| *reason)),
        ))
        .build()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = crate::request_id::current();
        let body = json!({
            "error": {
                "code": self.code(),
                "message": self.message,
                "details": self.details,
                "request_id": request_id.as_deref(),
            }
        });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(reason) = self.permission_refused {
            response.extensions_mut().insert(PermissionRefused(reason));
        }
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

/// What every `/v1` operation may answer before its handler runs (the
/// key checks of `v1::authenticate`). See `BodyRefused`.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum KeyRefused {
    #[response(
        status = 401,
        description = "No key, or one that does not work: `details.reason` is `missing`, `malformed` (mistyped or cut short: its checksum fails), `invalid`, `revoked`, `disabled` or `expired`"
    )]
    Unauthorized(ErrorEnvelope),
    #[response(
        status = 403,
        description = "The key may not do this: `details.reason` is `missing_permission` (with `details.permission`, e.g. `api_keys:write`) or `network_not_allowed` (with `details.client_address`)"
    )]
    Forbidden(ErrorEnvelope),
}
