//! The user/key part of Tracepipe's public `/v1` API, served by the
//! storefront as the system of record for users and keys: API-key
//! authentication, per-key rate limits and the handlers.

use super::rate_limit::{Class, RateLimits};
use super::{ApiError, ApiJson, BodyRefused, DatabaseDown, ErrorEnvelope, secured, serve_document};
use app::accounts::ssr::activity::ClientAddress;
use app::api_keys::ssr::{self as keys, KeyOwner};
use app::state::AppState;
use app::support::time::{moment, rfc3339, unix_now};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{ApiKey as KeyScheme, ApiKeyValue, SecurityScheme};
use utoipa::{IntoResponses, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// What every `/v1` operation may answer before its handler runs.
#[derive(IntoResponses)]
#[allow(dead_code)]
enum KeyRefused {
    #[response(status = 401, description = "Missing, invalid or revoked key")]
    Unauthorized(ErrorEnvelope),
    #[response(
        status = 429,
        description = "Over the key's limit (100 reads or 10 changes a minute); see Retry-After and X-RateLimit-*"
    )]
    RateLimited(ErrorEnvelope),
}

/// The public API's description; its operations come from the router.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tracepipe API: users, keys and usage",
        description = "The part of Tracepipe's `/v1` API served by the storefront: the signed-in user, API keys and usage, authenticated with `X-API-Key`."
    ),
    tags((name = "v1", description = "Public API"))
)]
struct PublicApi;

pub fn router(state: AppState, limits: RateLimits) -> Router<AppState> {
    let (router, document) = OpenApiRouter::with_openapi(PublicApi::openapi())
        .routes(routes!(users_me))
        .routes(routes!(list_keys, create_key))
        .routes(routes!(revoke_key))
        .routes(routes!(usage))
        .split_for_parts();
    let document = secured(
        document,
        "api_key",
        SecurityScheme::ApiKey(KeyScheme::Header(ApiKeyValue::new("X-API-Key"))),
    );
    router
        .route_layer(middleware::from_fn_with_state(
            (state, limits),
            authenticate,
        ))
        // Public: added after the key check, which guards only the routes above.
        .route("/v1/openapi.json", serve_document(&document))
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
        KeyRefused,
        DatabaseDown,
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

impl From<keys::KeyRecord> for ApiKey {
    fn from(record: keys::KeyRecord) -> Self {
        Self {
            id: record.id,
            prefix: record.masked,
            created_at: rfc3339(moment(record.created_at)),
            last_used_at: record.last_used_at.map(|unix| rfc3339(moment(unix))),
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
        KeyRefused,
        DatabaseDown,
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
        BodyRefused,
        KeyRefused,
        (status = 403, description = "The account's e-mail address is not confirmed yet (`details.reason` = `email_unverified`), or it has no active plan (`subscription_required`): creating keys needs both", body = ErrorEnvelope),
        (status = 409, description = "20 active keys already", body = ErrorEnvelope),
        (status = 422, description = "Invalid name or unknown field", body = ErrorEnvelope),
        (status = 503, description = "The plan could not be checked or the key stored; nothing was created", body = ErrorEnvelope),
    )
)]
async fn create_key(
    State(state): State<AppState>,
    Extension(owner): Extension<KeyOwner>,
    ClientAddress(client): ClientAddress,
    body: Option<ApiJson<CreateKeyBody>>,
) -> Result<Response, ApiError> {
    let body = body.map(|ApiJson(body)| body).unwrap_or_default();
    // The same rules as the /keys form: the name's, and an active plan.
    let name = body.name.as_deref().unwrap_or("API key");
    let (record, key) = keys::service::create(&state, &owner.user_id, name, &client).await?;
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
        KeyRefused,
        DatabaseDown,
        (status = 404, description = "No such key of yours", body = ErrorEnvelope),
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
        KeyRefused,
        DatabaseDown,
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
            start: rfc3339(usage.period.start),
            end: rfc3339(usage.period.end),
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
