//! The sandbox's API: the Payment MS routes, JSON and errors as that service
//! really sends them (spec: the Payment MS contract), minus its known defects.

use super::SandboxState;
use super::store::{self, LineItem, Mode, NewCheckoutSession};
use app::support::time::{moment, rfc3339};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;
use time::OffsetDateTime;

pub fn router(state: SandboxState, api_key: Arc<str>) -> Router {
    let api = Router::new()
        .route("/api/v1/checkout/subscription", post(subscription_checkout))
        .route("/api/v1/checkout/item", post(item_checkout))
        .route("/api/v1/checkout/cart", post(cart_checkout))
        .route(
            "/api/v1/subscriptions/{user_id}/{product_id}",
            get(subscription_status),
        )
        .route("/api/v1/portal", post(portal))
        .method_not_allowed_fallback(method_not_allowed)
        // Like the service's auth middleware: only on its API routes.
        .route_layer(middleware::from_fn_with_state(api_key, require_api_key));
    Router::new()
        .route("/health", get(health))
        .route("/docs", get(docs))
        .route("/openapi.json", get(openapi))
        .merge(api)
        .fallback(unknown_path)
        .with_state(state)
}

/// The service writes every JSON body with a trailing newline.
fn json_body(status: StatusCode, value: &Value, content_type: &'static str) -> Response {
    let mut body = value.to_string();
    body.push('\n');
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn ok(value: Value) -> Response {
    json_body(StatusCode::OK, &value, "application/json")
}

/// The handlers' error envelope, built into a response only when returned.
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    description: Option<String>,
    field: Option<&'static str>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: &str) -> Self {
        Self {
            status,
            code,
            message: message.to_owned(),
            description: None,
            field: None,
        }
    }

    fn described(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }

    fn on_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    fn database(err: sqlx::Error) -> Self {
        tracing::error!("sandbox payment service: {err}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "DATABASE_ERROR",
            "Database error",
        )
    }

    /// What Stripe's refusals look like once the service passes them on.
    fn stripe(detail: String) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "STRIPE_ERROR",
            "Failed to create checkout session",
        )
        .described(&detail)
    }

    fn missing(code: &'static str, field: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Missing required fields")
            .described("Request validation failed")
            .on_field(field)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error_type = if self.status.is_server_error() {
            "api_error"
        } else {
            "invalid_request"
        };
        let mut error = json!({ "type": error_type, "code": self.code, "message": self.message });
        if let Some(description) = self.description {
            error["description"] = json!(description);
        }
        if let Some(field) = self.field {
            error["field"] = json!(field);
        }
        let timestamp = rfc3339(OffsetDateTime::now_utc());
        let body = json!({ "error": error, "meta": { "request_id": "", "timestamp": timestamp } });
        json_body(self.status, &body, "application/json")
    }
}

type ApiResult = Result<Response, ApiError>;

/// The auth layer: flat JSON sent as text/plain, unlike the handlers.
async fn require_api_key(
    State(api_key): State<Arc<str>>,
    request: Request,
    next: Next,
) -> Response {
    let flat = |message: &str| {
        json_body(
            StatusCode::UNAUTHORIZED,
            &json!({ "error": message }),
            "text/plain; charset=utf-8",
        )
    };
    match request
        .headers()
        .get("x-api-key")
        .map(HeaderValue::as_bytes)
    {
        None => flat("Missing X-API-Key header"),
        Some(key) if bool::from(subtle::ConstantTimeEq::ct_eq(key, api_key.as_bytes())) => {
            next.run(request).await
        }
        Some(_) => flat("Invalid API key"),
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        "Method not allowed",
    )
}

/// An unknown path: GET is sent to the docs, anything else gets a bare 405.
async fn unknown_path(method: Method) -> Response {
    if method == Method::GET {
        (StatusCode::FOUND, [(header::LOCATION, "/docs")]).into_response()
    } else {
        (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Method Not Allowed\n",
        )
            .into_response()
    }
}

async fn health() -> Response {
    let timestamp = rfc3339(OffsetDateTime::now_utc());
    ok(json!({ "status": "healthy", "timestamp": timestamp, "service": "billing-service" }))
}

async fn docs() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><title>Sandbox payment service</title>\
         <p>Sandbox — no real payment. The routes are listed in /openapi.json.</p>\n",
    )
        .into_response()
}

async fn openapi() -> Response {
    let path = |summary: &str| json!({ "summary": summary });
    ok(json!({
        "openapi": "3.0.3",
        "info": { "title": "billing-service (sandbox, no real payment)", "version": "1" },
        "paths": {
            "/api/v1/checkout/subscription": { "post": path("Create a subscription checkout session") },
            "/api/v1/checkout/item": { "post": path("Create a one-time item checkout session") },
            "/api/v1/checkout/cart": { "post": path("Create a cart checkout session") },
            "/api/v1/subscriptions/{user_id}/{product_id}": { "get": path("Subscription status") },
            "/api/v1/portal": { "post": path("Create a customer portal session") },
            "/health": { "get": path("Health") }
        }
    }))
}

/// Decodes a JSON body like Go's decoder: unknown fields ignored, wrong
/// types or broken JSON refused with `INVALID_BODY`.
fn decode<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_BODY",
            "Invalid request body",
        )
    })
}

/// The first of `fields` that is empty, in the order the service checks them.
fn first_empty(fields: &[(&'static str, &str)]) -> Option<&'static str> {
    fields
        .iter()
        .find(|(_, value)| value.trim().is_empty())
        .map(|(name, _)| *name)
}

#[derive(Deserialize)]
struct CheckoutBody {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    product_id: String,
    #[serde(default)]
    price_id: String,
    #[serde(default)]
    success_url: String,
    #[serde(default)]
    cancel_url: String,
    #[serde(default)]
    quantity: Option<i64>,
}

async fn subscription_checkout(State(state): State<SandboxState>, body: Bytes) -> ApiResult {
    single_checkout(&state, &body, Mode::Subscription).await
}

async fn item_checkout(State(state): State<SandboxState>, body: Bytes) -> ApiResult {
    single_checkout(&state, &body, Mode::Payment).await
}

async fn single_checkout(state: &SandboxState, body: &Bytes, mode: Mode) -> ApiResult {
    let body: CheckoutBody = decode(body)?;
    let mut required = vec![
        ("user_id", body.user_id.as_str()),
        ("email", body.email.as_str()),
        ("price_id", body.price_id.as_str()),
        ("success_url", body.success_url.as_str()),
        ("cancel_url", body.cancel_url.as_str()),
    ];
    if mode == Mode::Payment {
        required.insert(2, ("product_id", body.product_id.as_str()));
    }
    if let Some(field) = first_empty(&required) {
        return Err(ApiError::missing("VALIDATION_FAILED", field));
    }
    let item = LineItem {
        price_id: body.price_id.clone(),
        product_id: body.product_id.clone(),
        quantity: body.quantity.filter(|q| *q > 0).unwrap_or(1),
    };
    let session = NewCheckoutSession {
        user_id: &body.user_id,
        email: &body.email,
        mode,
        items: vec![item],
        success_url: &body.success_url,
        cancel_url: &body.cancel_url,
    };
    create_session(state, &session, false).await
}

#[derive(Deserialize)]
struct CartBody {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    success_url: String,
    #[serde(default)]
    cancel_url: String,
    #[serde(default)]
    items: Vec<CartItemBody>,
}

#[derive(Deserialize)]
struct CartItemBody {
    #[serde(default)]
    price_id: String,
    #[serde(default)]
    quantity: i64,
    #[serde(default)]
    product_id: Option<String>,
}

async fn cart_checkout(State(state): State<SandboxState>, body: Bytes) -> ApiResult {
    let body: CartBody = decode(&body)?;
    if let Some(field) = first_empty(&[
        ("user_id", body.user_id.as_str()),
        ("email", body.email.as_str()),
        ("success_url", body.success_url.as_str()),
        ("cancel_url", body.cancel_url.as_str()),
    ]) {
        return Err(ApiError::missing("VALIDATION_FAILED", field));
    }
    let items_ok = (1..=20).contains(&body.items.len())
        && body
            .items
            .iter()
            .all(|item| !item.price_id.trim().is_empty() && item.quantity >= 1);
    if !items_ok {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "Cart must have 1 to 20 items, each with a price_id and a quantity of at least 1",
        )
        .described("Request validation failed")
        .on_field("items"));
    }
    let items = body
        .items
        .iter()
        .map(|item| LineItem {
            price_id: item.price_id.clone(),
            // Stripe knows each price's product even when the caller omits it.
            product_id: item.product_id.clone().unwrap_or_else(|| {
                state
                    .price(&item.price_id)
                    .map(|plan| plan.stripe_product_id.clone())
                    .unwrap_or_default()
            }),
            quantity: item.quantity,
        })
        .collect();
    let session = NewCheckoutSession {
        user_id: &body.user_id,
        email: &body.email,
        mode: Mode::Payment,
        items,
        success_url: &body.success_url,
        cancel_url: &body.cancel_url,
    };
    create_session(&state, &session, true).await
}

async fn create_session(
    state: &SandboxState,
    session: &NewCheckoutSession<'_>,
    is_cart: bool,
) -> ApiResult {
    use app::catalog::PlanKind;
    let mode = session.mode;
    // Stripe refuses unknown prices, and prices of the wrong kind for the mode.
    for item in &session.items {
        let wanted = match mode {
            Mode::Subscription => PlanKind::Subscription,
            Mode::Payment => PlanKind::OneTime,
        };
        match state.price(&item.price_id) {
            None => {
                return Err(ApiError::stripe(format!(
                    "No such price: '{}'",
                    item.price_id
                )));
            }
            Some(plan) if plan.kind != wanted => {
                return Err(ApiError::stripe(format!(
                    "The price '{}' cannot be used in {} mode",
                    item.price_id,
                    if mode == Mode::Subscription {
                        "subscription"
                    } else {
                        "payment"
                    }
                )));
            }
            Some(_) => {}
        }
    }
    let id = store::create_checkout_session(&state.db, session)
        .await
        .map_err(ApiError::database)?;
    let checkout_url = format!("{}/checkout/{id}", state.hosted_base);
    let mut answer = json!({ "checkout_session_id": id, "checkout_url": checkout_url });
    if is_cart {
        answer["item_count"] = json!(session.items.len());
    }
    Ok(ok(answer))
}

/// The shape the service's code sends (not its documented one).
async fn subscription_status(
    State(state): State<SandboxState>,
    Path((user_id, product_id)): Path<(String, String)>,
) -> ApiResult {
    let latest = store::latest_subscription(&state.db, &user_id, &product_id)
        .await
        .map_err(ApiError::database)?;
    Ok(match latest {
        None => ok(json!({ "exists": false })),
        Some(row) => {
            let period_end = rfc3339(moment(row.current_period_end));
            ok(json!({
                "exists": true,
                "stripe_subscription_id": row.id,
                "customer_id": row.customer_id,
                "period_end": period_end,
            }))
        }
    })
}

#[derive(Deserialize)]
struct PortalBody {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    return_url: String,
}

async fn portal(State(state): State<SandboxState>, body: Bytes) -> ApiResult {
    let body: PortalBody = decode(&body)?;
    if let Some(field) = first_empty(&[
        ("user_id", body.user_id.as_str()),
        ("return_url", body.return_url.as_str()),
    ]) {
        return Err(ApiError::missing("MISSING_FIELDS", field));
    }
    let customer = store::customer_id(&state.db, &body.user_id)
        .await
        .map_err(ApiError::database)?;
    if customer.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "CUSTOMER_NOT_FOUND",
            "Customer not found",
        )
        .described("No customer record exists for this user"));
    }
    let id = store::create_portal_session(&state.db, &body.user_id, &body.return_url)
        .await
        .map_err(ApiError::database)?;
    Ok(ok(json!({
        "portal_session_id": id,
        "portal_url": format!("{}/portal/{id}", state.hosted_base),
    })))
}
