//! The user/key part of Tracepipe's public `/v1` API, served by the
//! storefront as the system of record for users and keys: API-key
//! authentication, per-key rate limits and the handlers.

use super::document::{self, Guard};
use super::error::PermissionRefused;
use super::keys;
use super::rate_limit::{Class, RateLimits};
use super::{ApiError, KeyRefused, serve_document};
use crate::actor::{address_label, peer_ip};
use crate::keyed_limit::Decision;
use app::actor::Actor;
use app::api_keys::ssr::service::{self, KeyDenied, Origin};
use app::api_keys::ssr::{self as key_store};
use app::api_keys::{Access, Needed, Resource};
use app::state::AppState;
use app::support::security_events::SecurityEvent;
use app::support::time::{rfc3339, unix_now};
use app::usage::ssr::recorder::Outcome;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde::Serialize;
use std::net::IpAddr;
use utoipa::{OpenApi as _, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The public API's description; its operations come from the router.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Tracepipe API: users, keys and usage",
        description = "Tracepipe's `/v1` API for your account: the key's owner, API keys and usage, authenticated with `X-API-Key`.",
        contact(name = "Tracepipe", email = "hello@tracepipe.ai")
    ),
    tags(
        (name = "Account", description = "The account a key belongs to."),
        (name = "API keys", description = "Create, list, change, roll and revoke the account's keys."),
        (name = "Usage", description = "What the account's keys used in the current billing period."),
    )
)]
struct PublicApi;

/// The public operations and the document describing them (as served
/// from `public_url`), registered together.
fn operations(public_url: &str) -> (Router<AppState>, serde_json::Value) {
    let (router, document) = OpenApiRouter::with_openapi(PublicApi::openapi())
        .routes(routes!(users_me))
        .routes(routes!(keys::list_keys, keys::create_key))
        .routes(routes!(keys::update_key, keys::revoke_key))
        .routes(routes!(keys::roll_key))
        .routes(routes!(keys::end_grace))
        .routes(routes!(usage))
        .split_for_parts();
    let guard = Guard {
        scheme_name: "api_key",
        scheme: serde_json::json!({
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "Your API key, `tp_live_sk_` and 36 letters and digits, made on the API keys page (or by another key).",
        }),
        rate_limited: true,
    };
    (router, document::finish(document, public_url, &guard))
}

/// The document `/v1/openapi.json` serves (and `/docs/api` is made from).
pub fn document(public_url: &str) -> serde_json::Value {
    operations(public_url).1
}

pub fn router(state: AppState, limits: RateLimits) -> Router<AppState> {
    let (router, document) = operations(&state.site.public_url);
    router
        .route_layer(middleware::from_fn_with_state(
            (state, limits),
            authenticate,
        ))
        // After the key check: a method a path does not take is answered
        // without one (the document is public), and spends no allowance.
        .method_not_allowed_fallback(method_not_allowed)
        // Public: added after the key check, which guards only the routes above.
        .route("/v1/openapi.json", serve_document(&document))
        // Any other path under /v1 answers the envelope, never a page.
        .route("/v1", any(unknown_path))
        .route("/v1/", any(unknown_path))
        .route("/v1/{*rest}", any(unknown_path))
}

/// A known path asked with another method: the envelope, beside the
/// `Allow` header axum adds.
async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{} does not take {method}: the Allow header lists the methods it does.",
            uri.path()
        ),
    )
}

async fn unknown_path(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "There is no {} operation: see /v1/openapi.json for the paths this API serves.",
            request.uri().path()
        ),
    )
}

/// The permission an operation needs: reading (`GET`) or changing one
/// resource, by its route. None for a route this table does not know,
/// which is refused: a new route cannot be reached with a key until it is
/// listed here (a test checks every documented operation is).
pub fn needed_for(method: &Method, route: &str) -> Option<Needed> {
    let access = if matches!(*method, Method::GET | Method::HEAD) {
        Access::Read
    } else {
        Access::Write
    };
    let resource = match route {
        "/v1/users/me" => Resource::Account,
        "/v1/usage" => Resource::Usage,
        "/v1/api-keys" => Resource::ApiKeys,
        route if route.starts_with("/v1/api-keys/") => Resource::ApiKeys,
        _ => return None,
    };
    Some(Needed(resource, access))
}

/// Resolves `X-API-Key` (401 with the reason a key does not work), checks
/// the key's networks and permissions (403), applies its rate limit, puts the
/// key on the request as its `Actor`, and stamps the `X-RateLimit-*` headers
/// on whatever the handler answers.
async fn authenticate(
    State((state, limits)): State<(AppState, RateLimits)>,
    mut request: Request,
    next: Next,
) -> Response {
    let client = peer_ip(request.extensions());
    let log_refusal = |reason: &str, key_id: &str| {
        let client = address_label(client);
        SecurityEvent::failure("api_key", reason, &client)
            .key(key_id)
            .log();
    };
    let mut response = match admit(&state, &limits, &mut request, client).await {
        Ok((decision, key_id)) => {
            let mut response = next.run(request).await;
            if let Some(PermissionRefused(reason)) = response.extensions().get() {
                log_refusal(reason, &key_id);
            }
            count_failure(&state, &key_id, response.status());
            decision.stamp(response.headers_mut());
            response
        }
        Err(refused) => {
            if let Some((reason, key_id)) = &refused.event {
                log_refusal(reason, key_id.as_deref().unwrap_or_default());
                if let Some(key_id) = key_id {
                    count_failure(&state, key_id, refused.response.status());
                }
            }
            refused.response
        }
    };
    // Every answer here depends on the key: no cache may keep one (a created
    // key above all).
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A request made with one of the owner's keys that failed, for their usage
/// page: the key's owner wants to know that a program of theirs is failing.
fn count_failure(state: &AppState, key_id: &str, status: StatusCode) {
    let outcome = match status {
        StatusCode::TOO_MANY_REQUESTS => Outcome::RateLimited,
        status if status.is_client_error() => Outcome::ClientError,
        status if status.is_server_error() => Outcome::ServerError,
        _ => return,
    };
    state.request_counter.count(key_id, unix_now(), outcome);
}

/// A request `admit` turned away: the answer, and for the security log the
/// reason and the key (None when the refusal was no decision about the
/// caller: the key store could not be asked).
struct Refused {
    response: Response,
    event: Option<(&'static str, Option<String>)>,
}

impl Refused {
    fn because(reason: &'static str, key_id: Option<&str>, error: ApiError) -> Self {
        Self {
            response: error.with_detail("reason", reason).into_response(),
            event: Some((reason, key_id.map(str::to_owned))),
        }
    }
}

/// The checks before a handler, in order; the key goes on the request as
/// its actor, and its id is answered with the rate-limit state. Refused
/// requests are neither rate-limited nor counted as usage.
async fn admit(
    state: &AppState,
    limits: &RateLimits,
    request: &mut Request,
    client: Option<IpAddr>,
) -> Result<(Decision, String), Refused> {
    let presented = request
        .headers()
        .get("x-api-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(str::to_owned);
    let Some(presented) = presented else {
        return Err(Refused::because(
            "missing",
            None,
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Send your API key in the X-API-Key header.",
            ),
        ));
    };
    let origin = client.map_or(Origin::Unknown, Origin::Address);
    let key = match service::authenticate(state, &presented, origin).await {
        Ok(key) => key,
        Err(KeyDenied::Refused(refusal, key_id)) => {
            let error = ApiError::new(StatusCode::UNAUTHORIZED, refusal.message());
            return Err(Refused::because(refusal.reason(), key_id.as_deref(), error));
        }
        Err(KeyDenied::WrongNetwork { key_id, address }) => {
            let error = ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "This key may not be used from {address}: it is limited to other networks."
                ),
            )
            .with_detail("client_address", address);
            return Err(Refused::because(
                "network_not_allowed",
                Some(&key_id),
                error,
            ));
        }
        Err(KeyDenied::Unavailable(err)) => {
            return Err(Refused {
                response: ApiError::unavailable("key lookup", err).into_response(),
                event: None,
            });
        }
    };
    let key_id = key.key_id.clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_default();
    let Some(needed) = needed_for(request.method(), &route) else {
        let error = ApiError::new(
            StatusCode::FORBIDDEN,
            "No key may use this operation: it has no permission rule yet.",
        );
        return Err(Refused::because("missing_permission", Some(&key_id), error));
    };
    crate::actor::for_key(request, key);
    let actor = request.extensions().get::<Actor>().expect("just put there");
    // The same rule the services check again, asked first so that a refused
    // request spends none of the key's allowance.
    if let Err(refused) = actor.may(needed) {
        let error = ApiError::from(refused);
        return Err(Refused {
            response: error.into_response(),
            event: Some(("missing_permission", Some(key_id))),
        });
    }
    let class = match needed {
        Needed(_, Access::Write) => Class::Manage,
        Needed(_, _) => Class::Read,
    };
    let decision = limits.check(&key_id, class);
    if let Some(retry_after) = decision.retry_after_secs {
        let error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "This key made too many requests. Try again in {retry_after} s (limit: {} per minute).",
                decision.limit
            ),
        )
        .retry_after(retry_after);
        let mut refused = Refused::because("rate_limited", Some(&key_id), error);
        decision.stamp(refused.response.headers_mut());
        return Err(refused);
    }
    if let Some(key) = actor.key() {
        key_store::note_use(&state.db, key, &actor.client);
    }
    // Usage counts the requests a key made, not the ones refused above.
    state
        .request_counter
        .count(&key_id, unix_now(), Outcome::Allowed);
    Ok((decision, key_id))
}

/// The person a key belongs to.
#[derive(Serialize, ToSchema)]
struct User {
    id: String,
    display_name: String,
}

/// The key's owner
///
/// Who the key belongs to: the quickest way to check that a key works.
#[utoipa::path(
    get,
    path = "/v1/users/me",
    tag = "Account",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The key's owner", body = User),
        KeyRefused,
    )
)]
async fn users_me(actor: Actor) -> Result<Json<User>, ApiError> {
    let user_id = actor
        .may(Needed(Resource::Account, Access::Read))?
        .to_owned();
    let display_name = actor
        .key()
        .map(|key| key.display_name.clone())
        .unwrap_or_default();
    Ok(Json(User {
        id: user_id,
        display_name,
    }))
}

/// What the account used in the current billing period (the calendar month,
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
    #[schema(format = DateTime)]
    start: String,
    /// RFC 3339, exclusive: the first moment of the next period.
    #[schema(format = DateTime)]
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

/// Usage this billing period
///
/// Tokens by model, storage, sessions uploaded, examples generated, API requests and the estimated cost, for the calendar month (UTC).
#[utoipa::path(
    get,
    path = "/v1/usage",
    tag = "Usage",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Usage in the current billing period", body = Usage),
        KeyRefused,
    )
)]
async fn usage(State(state): State<AppState>, actor: Actor) -> Result<Json<Usage>, ApiError> {
    let usage = app::usage::ssr::service::current(&state, &actor).await?;
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
