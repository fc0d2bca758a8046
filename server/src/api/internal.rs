//! `/internal/v1`: server-to-server routes for other Tracepipe services,
//! authenticated with the configured bearer service token, never with
//! browser cookies.

use super::document::{self, Guard};
use super::keys::KeyPermissions;
use super::{ApiError, ApiJson, BodyRefused, ErrorEnvelope, serve_document};
use crate::actor::client_address;
use app::api_keys::ssr::service::{self, KeyDenied, Origin};
use app::api_keys::ssr::{self as keys};
use app::payments::ssr::Freshness;
use app::state::AppState;
use app::support::security_events::SecurityEvent;
use app::support::time::{moment, rfc3339, unix_now};
use app::usage::ssr::reports;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;
use utoipa::{IntoResponses, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// What every internal operation may answer before its handler runs.
#[derive(IntoResponses)]
#[allow(dead_code)]
enum TokenRefused {
    #[response(status = 401, description = "Missing or wrong service token")]
    Unauthorized(ErrorEnvelope),
}

/// The internal API's description, for the services that call it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tracepipe storefront internal API",
        description = "Key verification and usage reports for other Tracepipe services, authenticated with the bearer service token.",
        contact(name = "Tracepipe", email = "hello@tracepipe.ai")
    ),
    tags((name = "internal", description = "Service to service"))
)]
struct InternalApi;

/// `tokens`: the current one, then the previous one during a rotation.
pub fn router(tokens: Arc<[Box<str>]>, public_url: &str) -> Router<AppState> {
    let (router, document) = OpenApiRouter::with_openapi(InternalApi::openapi())
        .routes(routes!(verify_key))
        .routes(routes!(report_usage))
        .split_for_parts();
    let guard = Guard {
        scheme_name: "service_token",
        scheme: serde_json::json!({
            "type": "http",
            "scheme": "bearer",
            "description": "The service token shared by Tracepipe's services.",
        }),
        rate_limited: false,
    };
    let document = document::finish(document, public_url, &guard);
    router
        // Behind the token too: it is for Tracepipe's services only.
        .route("/internal/v1/openapi.json", serve_document(&document))
        .route_layer(middleware::from_fn_with_state(
            tokens,
            require_service_token,
        ))
}

async fn require_service_token(
    State(tokens): State<Arc<[Box<str>]>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    // Every token is compared, so the time taken does not tell which matched.
    let accepted = presented.is_some_and(|presented| {
        tokens
            .iter()
            .fold(subtle::Choice::from(0), |matched, token| {
                matched
                    | subtle::ConstantTimeEq::ct_eq(token.as_bytes(), presented.trim().as_bytes())
            })
            .into()
    });
    if accepted {
        return next.run(request).await;
    }
    let reason = if presented.is_some() {
        "wrong_token"
    } else {
        "missing_token"
    };
    let client = client_address(request.extensions());
    SecurityEvent::failure("service_token", reason, &client).log();
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "Send the service token as Authorization: Bearer <token>.",
    )
    .into_response()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    key: String,
    /// The address the key was presented from, when the calling service
    /// knows it: a key limited to other networks is then refused here.
    client_address: Option<String>,
}

/// `{"valid": false, "reason": …}`, or the key's owner, what it may do and
/// their subscription: the calling service enforces the same permissions
/// as `/v1` (`GET` needs `read` on the resource, anything else `write`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Verification {
    Valid {
        valid: bool,
        user_id: String,
        key_id: String,
        permissions: KeyPermissions,
        /// RFC 3339, or `null`: never expires.
        #[schema(format = DateTime, required = true)]
        expires_at: Option<String>,
        /// CIDR ranges the key may be used from; empty: any address.
        allowed_networks: Vec<String>,
        /// `null` while the billing service cannot be asked.
        #[schema(required = true)]
        subscription: Option<SubscriptionSummary>,
    },
    Invalid {
        valid: bool,
        /// `malformed`, `invalid`, `revoked`, `disabled`, `expired` or
        /// `network_not_allowed`.
        reason: &'static str,
    },
}

#[derive(Serialize, ToSchema)]
pub struct SubscriptionSummary {
    active: bool,
    /// The active plan's id; `null` without one.
    #[schema(required = true)]
    plan_id: Option<String>,
    /// RFC 3339: when the paid period ends; `null` without an active plan.
    #[schema(format = DateTime, required = true)]
    period_end: Option<String>,
}

/// Check a key for another Tracepipe service
///
/// Answers whether the key works (from the given client address, when stated) and, if it does, whose it is, what it may do and the owner's subscription (from the billing status cache, at most 60 s old). Counts as a use of the key.
#[utoipa::path(
    post,
    path = "/internal/v1/keys/verify",
    tag = "internal",
    security(("service_token" = [])),
    request_body = VerifyBody,
    responses(
        (status = 200, description = "Whether the key is valid, and whose it is", body = Verification),
        BodyRefused,
        TokenRefused,
        (status = 422, description = "No `key` field, or others", body = ErrorEnvelope),
    )
)]
pub async fn verify_key(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<VerifyBody>,
) -> Result<Json<Verification>, ApiError> {
    let client = match body.client_address.as_deref().map(str::trim) {
        Some(text) => Some(text.parse::<IpAddr>().map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "client_address must be an IPv4 or IPv6 address.",
            )
            .for_field("client_address")
        })?),
        None => None,
    };
    let origin = client.map_or(Origin::Unstated, Origin::Address);
    let owner = match service::authenticate(&state, body.key.trim(), origin).await {
        Ok(key) => key,
        Err(KeyDenied::Unavailable(err)) => {
            return Err(ApiError::unavailable("verifying a key", err));
        }
        Err(refused) => {
            let reason = match refused {
                KeyDenied::Refused(refusal, _) => refusal.reason(),
                _ => "network_not_allowed",
            };
            return Ok(Json(Verification::Invalid {
                valid: false,
                reason,
            }));
        }
    };
    let used_from = client.map_or_else(|| "a Tracepipe service".to_owned(), |ip| ip.to_string());
    keys::note_use(&state.db, &owner, &used_from);
    let subscription = match state
        .payments
        .subscription(&state.catalog, &owner.user_id, Freshness::Cached)
        .await
    {
        Ok(current) => {
            let active = current.as_ref().filter(|current| current.is_active());
            Some(SubscriptionSummary {
                active: active.is_some(),
                plan_id: active.map(|current| current.plan.id.clone()),
                period_end: active.and_then(|current| current.period_end).map(rfc3339),
            })
        }
        Err(err) => {
            tracing::warn!(error = %err, "key verified without subscription status");
            None
        }
    };
    Ok(Json(Verification::Valid {
        valid: true,
        permissions: owner.permissions.into(),
        expires_at: owner.expires_at.map(|unix| rfc3339(moment(unix))),
        allowed_networks: owner.networks.texts(),
        user_id: owner.user_id,
        key_id: owner.key_id,
        subscription,
    }))
}

/// The answer to a usage report.
#[derive(Serialize, ToSchema)]
pub struct ReportReceipt {
    idempotency_key: String,
    /// `recorded` the first time; `duplicate` for a retry, which added nothing.
    status: &'static str,
}

/// Report metered usage
///
/// Adds a user's metered usage (tokens by model, storage, sessions, examples) to the current billing period, once per idempotency key: a retry with the same key and report answers 200 and adds nothing.
#[utoipa::path(
    post,
    path = "/internal/v1/usage",
    tag = "internal",
    security(("service_token" = [])),
    request_body = reports::UsageReport,
    responses(
        (status = 201, description = "Recorded", body = ReportReceipt),
        (status = 200, description = "The same report again: counted once", body = ReportReceipt),
        BodyRefused,
        TokenRefused,
        (status = 409, description = "The idempotency key was used for a different report", body = ErrorEnvelope),
        (status = 422, description = "A value out of range, an unknown field or user, or no idempotency key; `details.field` names it", body = ErrorEnvelope),
    )
)]
pub async fn report_usage(
    State(state): State<AppState>,
    ApiJson(report): ApiJson<reports::UsageReport>,
) -> Result<Response, ApiError> {
    let refused = |err: reports::ReportError| match err {
        reports::ReportError::Invalid { field, message } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message).for_field(field)
        }
        reports::ReportError::Conflict => {
            ApiError::new(StatusCode::CONFLICT, err.to_string()).for_field("idempotency_key")
        }
        reports::ReportError::Store(err) => ApiError::unavailable("recording usage", err),
    };
    let recorded = reports::record(&state.db, &report, unix_now())
        .await
        .map_err(refused)?;
    let (status, label) = match recorded {
        reports::Recorded::New => (StatusCode::CREATED, "recorded"),
        reports::Recorded::Replayed => (StatusCode::OK, "duplicate"),
    };
    let receipt = ReportReceipt {
        idempotency_key: report.idempotency_key.unwrap_or_default(),
        status: label,
    };
    Ok((status, Json(receipt)).into_response())
}
