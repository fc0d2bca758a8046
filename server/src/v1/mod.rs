//! The user/key part of Tracepipe's public `/v1` API, served by the
//! storefront as the system of record for users and keys: the error
//! envelope, API-key authentication, per-key rate limits and the handlers.

pub mod rate_limit;

use app::accounts::ssr::activity::ClientAddress;
use app::accounts::ssr::unix_now;
use app::api_keys::ssr::{self as keys, KeyOwner};
use app::state::AppState;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use rate_limit::{Class, RateLimits};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{OpenApi, ToSchema};

/// The envelope every error answers with.
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

    /// The storefront's own error, with its status, message and wait.
    pub fn from_app(err: app::error::AppError) -> Self {
        let error = Self::new(err.status(), err.to_string());
        match err.retry_after_secs() {
            Some(secs) => error.retry_after(secs.max(0) as u64),
            None => error,
        }
    }

    /// A dependency (the database) failed: logged once, here, and answered
    /// 503 `unavailable` with `Retry-After`, as the pages answer it.
    pub fn unavailable(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!("/v1 {context}: {err}");
        Self::from_app(app::error::AppError::Unavailable)
    }

    /// A body that is not JSON (400) or not the expected JSON (422); `what`
    /// says what to send.
    pub fn unreadable_body(what: &str, err: serde_json::Error) -> Self {
        let status = if err.is_syntax() || err.is_eof() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        Self::new(status, format!("{what}: {err}."))
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

/// The API's description, generated from the handlers and types below.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tracepipe storefront API",
        description = "Users, API keys and usage (`/v1`, authenticated with `X-API-Key`); key verification and usage reports for other Tracepipe services (`/internal/v1`, bearer service token)."
    ),
    paths(
        users_me,
        list_keys,
        create_key,
        revoke_key,
        usage,
        crate::internal::verify_key,
        crate::internal::report_usage
    ),
    modifiers(&SecuritySchemes),
    tags((name = "v1", description = "Public API"), (name = "internal", description = "Service to service"))
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey as KeyScheme, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(KeyScheme::Header(ApiKeyValue::new("X-API-Key"))),
        );
        components.add_security_scheme(
            "service_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router(state: AppState, limits: RateLimits) -> Router<AppState> {
    Router::new()
        .route("/v1/users/me", get(users_me))
        .route("/v1/api-keys", get(list_keys).post(create_key))
        .route("/v1/api-keys/{id}", delete(revoke_key))
        .route("/v1/usage", get(usage))
        .route_layer(middleware::from_fn_with_state(
            (state, limits),
            authenticate,
        ))
        // Public: added after the key check, which guards only the routes above.
        .route("/v1/openapi.json", get(openapi_json))
}

/// The OpenAPI document, generated once.
async fn openapi_json() -> Response {
    static DOCUMENT: std::sync::LazyLock<axum::body::Bytes> = std::sync::LazyLock::new(|| {
        serde_json::to_vec(&ApiDoc::openapi())
            .expect("the OpenAPI document serialises")
            .into()
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.clone(),
    )
        .into_response()
}

/// Resolves `X-API-Key`, applies the key's rate limit, and stamps the
/// `X-RateLimit-*` headers on whatever the handler answers.
async fn authenticate(
    State((state, limits)): State<(AppState, RateLimits)>,
    mut request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get("x-api-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .map(str::to_owned);
    let Some(presented) = presented.filter(|key| !key.is_empty()) else {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Send your API key in the X-API-Key header.",
        )
        .into_response();
    };
    let owner = match state.key_lookup.owner_of(&presented).await {
        Ok(Some(owner)) => owner,
        Ok(None) => {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "That API key is not valid: it may be mistyped or revoked.",
            )
            .into_response();
        }
        Err(err) => return ApiError::unavailable("key lookup", err).into_response(),
    };
    let class = if matches!(*request.method(), Method::GET | Method::HEAD) {
        Class::Read
    } else {
        Class::Manage
    };
    let decision = limits.check(&owner.key_id, class);
    let mut response = if let Some(retry_after) = decision.retry_after_secs {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "This key made too many requests. Try again in {retry_after} s (limit: {} per minute).",
                decision.limit
            ),
        )
        .retry_after(retry_after)
        .into_response()
    } else {
        keys::note_use(&state.db, &owner);
        // Usage counts the requests a key made, not the ones refused above.
        state.request_counter.count(&owner.key_id, unix_now());
        request.extensions_mut().insert(owner);
        next.run(request).await
    };
    decision.stamp(response.headers_mut());
    // Every answer here depends on the key: no cache may keep one (a created
    // key above all).
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The spec's `User`.
#[derive(Serialize, ToSchema)]
struct User {
    id: String,
    display_name: String,
}

#[utoipa::path(
    get,
    path = "/v1/users/me",
    tag = "v1",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The key's owner", body = User),
        (status = 401, description = "Missing, invalid or revoked key", body = ErrorEnvelope),
        (status = 503, description = "The database is not answering: nothing was changed; retry after Retry-After", body = ErrorEnvelope),
        (status = 429, description = "Over the key's limit (100 reads a minute)", body = ErrorEnvelope),
    )
)]
async fn users_me(Extension(owner): Extension<KeyOwner>) -> Json<User> {
    Json(User {
        id: owner.user_id,
        display_name: owner.display_name,
    })
}

/// The spec's `ApiKey`.
#[derive(Serialize, ToSchema)]
struct ApiKey {
    id: String,
    prefix: String,
    created_at: String,
    last_used_at: Option<String>,
}

/// Unix seconds as RFC 3339 in UTC, as every time in the API is written.
pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|moment| moment.format(&Rfc3339).ok())
        .unwrap_or_default()
}

impl From<keys::KeyRecord> for ApiKey {
    fn from(record: keys::KeyRecord) -> Self {
        Self {
            id: record.id,
            prefix: record.masked,
            created_at: rfc3339(record.created_at),
            last_used_at: record.last_used_at.map(rfc3339),
        }
    }
}

/// `{"items": [ApiKey]}`: the active keys.
#[derive(Serialize, ToSchema)]
struct ApiKeyList {
    items: Vec<ApiKey>,
}

/// The spec's `ApiKeyCreated`: the only answer that ever carries the key.
#[derive(Serialize, ToSchema)]
struct ApiKeyCreated {
    #[serde(flatten)]
    api_key: ApiKey,
    key: String,
}

#[utoipa::path(
    get,
    path = "/v1/api-keys",
    tag = "v1",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Active keys, masked", body = ApiKeyList),
        (status = 401, body = ErrorEnvelope),
        (status = 503, description = "The database is not answering: nothing was changed; retry after Retry-After", body = ErrorEnvelope),
        (status = 429, body = ErrorEnvelope),
    )
)]
async fn list_keys(
    State(state): State<AppState>,
    Extension(owner): Extension<KeyOwner>,
) -> Result<Response, ApiError> {
    let records = keys::list(&state.db, &owner.user_id)
        .await
        .map_err(|err| ApiError::unavailable("listing keys", err))?;
    let items = records.into_iter().map(ApiKey::from).collect();
    Ok(Json(ApiKeyList { items }).into_response())
}

/// Optional body of `POST /v1/api-keys`.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
struct CreateKeyBody {
    /// 1 to 64 characters; "API key" when left out.
    name: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1/api-keys",
    tag = "v1",
    security(("api_key" = [])),
    request_body(content = Option<CreateKeyBody>, content_type = "application/json"),
    responses(
        (status = 201, description = "The new key, shown this once", body = ApiKeyCreated),
        (status = 400, description = "Not JSON", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope),
        (status = 403, description = "No active plan: creating keys needs one", body = ErrorEnvelope),
        (status = 409, description = "20 active keys already", body = ErrorEnvelope),
        (status = 422, description = "Invalid name or unknown field", body = ErrorEnvelope),
        (status = 429, description = "Over the key's limit (10 changes a minute)", body = ErrorEnvelope),
        (status = 503, description = "The plan could not be checked or the key stored; nothing was created", body = ErrorEnvelope),
    )
)]
async fn create_key(
    State(state): State<AppState>,
    Extension(owner): Extension<KeyOwner>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: CreateKeyBody = if body.iter().all(u8::is_ascii_whitespace) {
        CreateKeyBody::default()
    } else {
        let is_json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "Send the body as JSON with Content-Type: application/json.",
            ));
        }
        serde_json::from_slice(&body)
            .map_err(|err| ApiError::unreadable_body("The body is not a valid key request", err))?
    };
    // The same rules as the /keys form: the name's, and an active plan.
    let name = body.name.as_deref().unwrap_or("API key");
    let (record, key) = keys::service::create(&state, &owner.user_id, name, &client)
        .await
        .map_err(ApiError::from_app)?;
    let created = ApiKeyCreated {
        api_key: ApiKey::from(record),
        key,
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(
    delete,
    path = "/v1/api-keys/{id}",
    tag = "v1",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked: it answers 401 from the next request on"),
        (status = 401, body = ErrorEnvelope),
        (status = 503, description = "The database is not answering: nothing was changed; retry after Retry-After", body = ErrorEnvelope),
        (status = 404, description = "No such key of yours", body = ErrorEnvelope),
        (status = 429, body = ErrorEnvelope),
    )
)]
async fn revoke_key(
    State(state): State<AppState>,
    Extension(owner): Extension<KeyOwner>,
    ClientAddress(client): ClientAddress,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    match keys::revoke(&state.db, &owner.user_id, &id, &client).await {
        Ok(true) => Ok(StatusCode::NO_CONTENT),
        Ok(false) => Err(ApiError::new(StatusCode::NOT_FOUND, "No such API key.")),
        Err(err) => Err(ApiError::unavailable("revoking a key", err)),
    }
}

/// The spec's `Usage`, for the current billing period (the calendar month,
/// UTC), plus the `/v1` requests counted here.
#[derive(Serialize, ToSchema)]
struct Usage {
    billing_period: BillingPeriod,
    tokens: Tokens,
    storage: Storage,
    sessions_uploaded: i64,
    examples_generated: i64,
    /// Authenticated `/v1` requests made with the user's keys this period.
    api_requests: i64,
    estimated_cost: EstimatedCost,
}

#[derive(Serialize, ToSchema)]
struct BillingPeriod {
    /// RFC 3339, inclusive.
    start: String,
    /// RFC 3339, exclusive: the first moment of the next period.
    end: String,
}

#[derive(Serialize, ToSchema)]
struct Tokens {
    total: i64,
    by_model: std::collections::BTreeMap<String, i64>,
}

#[derive(Serialize, ToSchema)]
struct Storage {
    gb_hours: f64,
    /// The latest reported size; 0 before any report.
    current_gb: f64,
}

/// From per-unit prices in configuration, rounded to cents.
#[derive(Serialize, ToSchema)]
struct EstimatedCost {
    tokens: f64,
    storage: f64,
    total: f64,
    /// ISO 4217.
    currency: String,
}

#[utoipa::path(
    get,
    path = "/v1/usage",
    tag = "v1",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Usage in the current billing period", body = Usage),
        (status = 401, body = ErrorEnvelope),
        (status = 503, description = "The database is not answering: nothing was changed; retry after Retry-After", body = ErrorEnvelope),
        (status = 429, body = ErrorEnvelope),
    )
)]
async fn usage(
    State(state): State<AppState>,
    Extension(owner): Extension<KeyOwner>,
) -> Result<Json<Usage>, ApiError> {
    let usage = app::usage::ssr::service::current(&state, &owner.user_id)
        .await
        .map_err(|err| ApiError::unavailable("reading usage", err))?;
    let cost = usage.cost(&state.usage_rates);
    Ok(Json(Usage {
        billing_period: BillingPeriod {
            start: rfc3339(usage.period.start.unix_timestamp()),
            end: rfc3339(usage.period.end.unix_timestamp()),
        },
        tokens: Tokens {
            total: usage.tokens(),
            by_model: usage.tokens_by_model,
        },
        storage: Storage {
            gb_hours: usage.storage_gb_hours,
            current_gb: usage.storage_current_gb,
        },
        sessions_uploaded: usage.sessions_uploaded,
        examples_generated: usage.examples_generated,
        api_requests: usage.requests,
        estimated_cost: EstimatedCost {
            tokens: cost.tokens,
            storage: cost.storage,
            total: cost.total,
            currency: cost.currency,
        },
    }))
}
