//! The Payment microservice client: every route the storefront uses, with
//! that service's real behaviour (spec: the Payment MS contract) mapped to
//! typed results. The same client talks to the real service and to the
//! sandbox, over HTTP either way.

use reqwest::{StatusCode, Url, header};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use time::OffsetDateTime;

/// Answers larger than this are not a Payment MS answer.
const MAX_BODY_BYTES: usize = 64 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone, Debug)]
pub struct PaymentClient {
    http: reqwest::Client,
    /// The service root; may carry a path prefix (kept, never replaced).
    base: Url,
    /// The project key: `Debug` shows it redacted; never logged.
    api_key: SecretString,
}

/// Why a call to the Payment MS did not give the answer we asked for. The
/// `Display` text is for logs: it carries the service's detail, never our key.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error("cannot reach the payment service: {0}")]
    Unreachable(String),
    #[error("the payment service did not answer in time")]
    Timeout,
    /// Our project key was missing or refused: a configuration error.
    #[error("the payment service refused our API key: {0}")]
    Unauthorized(String),
    /// A 4xx with the service's error envelope.
    #[error("the payment service refused the request ({status} {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
        field: Option<String>,
    },
    /// A 5xx with the service's error envelope.
    #[error("the payment service failed ({status} {code}): {message}")]
    Failed {
        status: u16,
        code: String,
        message: String,
    },
    /// A redirect or a plain-text 405: the route does not exist there.
    #[error(
        "the payment service has no such route ({status}, location {location:?}): check PAYMENT_SERVICE_URL"
    )]
    WrongPath {
        status: u16,
        location: Option<String>,
    },
    #[error("the payment service sent an answer we cannot read ({status}): {detail}")]
    Malformed { status: u16, detail: String },
}

impl PaymentError {
    /// The failure's kind, as the metrics' outcome label.
    fn outcome(&self) -> &'static str {
        match self {
            Self::Unreachable(_) => "unreachable",
            Self::Timeout => "timeout",
            Self::Unauthorized(_) => "unauthorized",
            Self::Refused { .. } => "refused",
            Self::Failed { .. } => "failed",
            Self::WrongPath { .. } => "wrong_path",
            Self::Malformed { .. } => "malformed",
        }
    }

    /// The service's error code (`CUSTOMER_NOT_FOUND`, …) when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Refused { code, .. } | Self::Failed { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Fields both checkout routes take.
#[derive(Clone, Debug, Serialize)]
pub struct CheckoutRequest {
    pub user_id: String,
    pub email: String,
    pub product_id: String,
    pub price_id: String,
    pub success_url: String,
    pub cancel_url: String,
    /// One-time items only; the service treats missing or ≤ 0 as 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CartItem {
    pub price_id: String,
    pub quantity: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CartRequest {
    pub user_id: String,
    pub email: String,
    pub success_url: String,
    pub cancel_url: String,
    pub items: Vec<CartItem>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CheckoutSession {
    pub checkout_session_id: String,
    pub checkout_url: String,
    /// Cart checkouts only.
    #[serde(default)]
    pub item_count: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PortalSession {
    pub portal_session_id: String,
    pub portal_url: String,
}

/// A subscription as the status route describes it, from either of the two
/// shapes the service is known to send (see `SubscriptionStatus::parse`).
#[derive(Clone, Debug, PartialEq)]
pub struct SubscriptionStatus {
    pub exists: bool,
    /// Stripe's status, when the service sends one (its documented shape).
    pub status: Option<String>,
    pub subscription_id: Option<String>,
    pub period_end: Option<OffsetDateTime>,
}

/// What a subscription means for access right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Active,
    /// Exists, but a payment failed or is incomplete: no access until paid.
    PaymentDue,
    Ended,
    None,
}

impl SubscriptionStatus {
    /// Where `status` is present it decides; where it is absent (what the
    /// service's code sends), active means it exists and its period has not ended.
    pub fn standing(&self, now: OffsetDateTime) -> Standing {
        match self.status.as_deref() {
            Some("active" | "trialing") => Standing::Active,
            Some("past_due" | "unpaid" | "incomplete") => Standing::PaymentDue,
            Some("none") => Standing::None,
            Some(_) => Standing::Ended,
            None if !self.exists => Standing::None,
            None if self.period_end.is_some_and(|end| end > now) => Standing::Active,
            None => Standing::Ended,
        }
    }

    fn parse(value: &serde_json::Value) -> Result<Self, String> {
        let object = value.as_object().ok_or("not a JSON object")?;
        let text = |name: &str| object.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let period_end = match object
            .get("period_end")
            .or_else(|| object.get("current_period_end"))
        {
            None | Some(serde_json::Value::Null) => None,
            Some(value) => Some(parse_timestamp(value)?),
        };
        if let Some(status) = text("status") {
            // The documented shape: {"status","subscription_id","current_period_end","product_id"}.
            return Ok(Self {
                exists: status != "none",
                status: Some(status),
                subscription_id: text("subscription_id").or_else(|| text("stripe_subscription_id")),
                period_end,
            });
        }
        // The shape the code sends: {"exists", "stripe_subscription_id", "customer_id", "period_end"}.
        let exists = object
            .get("exists")
            .and_then(|v| v.as_bool())
            .ok_or("neither \"status\" nor a boolean \"exists\"")?;
        Ok(Self {
            exists,
            status: None,
            subscription_id: text("stripe_subscription_id").or_else(|| text("subscription_id")),
            period_end,
        })
    }
}

/// RFC 3339 text, or Unix seconds.
fn parse_timestamp(value: &serde_json::Value) -> Result<OffsetDateTime, String> {
    use time::format_description::well_known::Rfc3339;
    match value {
        serde_json::Value::String(text) => OffsetDateTime::parse(text, &Rfc3339)
            .map_err(|err| format!("period end {text:?} is not RFC 3339: {err}")),
        serde_json::Value::Number(number) => number
            .as_i64()
            .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
            .ok_or_else(|| format!("period end {number} is not a Unix time")),
        other => Err(format!("period end {other} is neither text nor a number")),
    }
}

impl PaymentClient {
    /// `base` is the service root, e.g. `http://localhost:9000`.
    pub fn new(base: &str, api_key: SecretString, timeout: Duration) -> Result<Self, String> {
        let mut base = Url::parse(base).map_err(|err| err.to_string())?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err("must be an http(s) URL".to_owned());
        }
        // Keep a path prefix and make joining below it work.
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            // A redirect means a wrong base URL or path: report it, do not follow it.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tracepipe-storefront/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| err.to_string())?;
        Ok(Self {
            http,
            base,
            api_key,
        })
    }

    pub async fn subscription_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CheckoutSession, PaymentError> {
        self.post(
            "checkout_subscription",
            &["api", "v1", "checkout", "subscription"],
            request,
        )
        .await
    }

    pub async fn item_checkout(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CheckoutSession, PaymentError> {
        self.post("checkout_item", &["api", "v1", "checkout", "item"], request)
            .await
    }

    pub async fn cart_checkout(
        &self,
        request: &CartRequest,
    ) -> Result<CheckoutSession, PaymentError> {
        self.post("checkout_cart", &["api", "v1", "checkout", "cart"], request)
            .await
    }

    pub async fn portal(
        &self,
        user_id: &str,
        return_url: &str,
    ) -> Result<PortalSession, PaymentError> {
        let body = serde_json::json!({ "user_id": user_id, "return_url": return_url });
        self.post("portal", &["api", "v1", "portal"], &body).await
    }

    /// `product_id` is the Stripe product (`prod_…`) of the subscribed price.
    pub async fn subscription_status(
        &self,
        user_id: &str,
        product_id: &str,
    ) -> Result<SubscriptionStatus, PaymentError> {
        let url = self.url(&["api", "v1", "subscriptions", user_id, product_id]);
        let request = self.http.get(url);
        let (status, value) = self
            .send::<serde_json::Value>("subscription_status", request)
            .await?;
        SubscriptionStatus::parse(&value).map_err(|detail| PaymentError::Malformed {
            status: status.as_u16(),
            detail,
        })
    }

    /// Path segments are percent-encoded one by one (a `/` in an id stays data).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("checked in new: the base can be a base")
            .pop_if_empty()
            .extend(segments);
        url
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        operation: &'static str,
        segments: &[&str],
        body: &B,
    ) -> Result<T, PaymentError> {
        let request = self.http.post(self.url(segments)).json(body);
        self.send(operation, request).await.map(|(_, value)| value)
    }

    /// One call, counted by `operation` and outcome, its time recorded.
    async fn send<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, T), PaymentError> {
        let started = std::time::Instant::now();
        let answered = self.exchange(request).await;
        let outcome = answered
            .as_ref()
            .map_or_else(PaymentError::outcome, |_| "ok");
        metrics::counter!("payment_service_calls_total", "operation" => operation, "outcome" => outcome)
            .increment(1);
        metrics::histogram!("payment_service_call_duration_seconds", "operation" => operation)
            .record(started.elapsed());
        answered
    }

    async fn exchange<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, T), PaymentError> {
        let mut response = request
            .header("X-API-Key", self.api_key.expose_secret())
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport_error)?;
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let is_json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"));
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(PaymentError::Malformed {
                    status: status.as_u16(),
                    detail: format!("answer longer than {MAX_BODY_BYTES} bytes"),
                });
            }
            body.extend_from_slice(&chunk);
        }
        interpret(status, location, is_json, &body)
    }
}

fn transport_error(err: reqwest::Error) -> PaymentError {
    if err.is_timeout() {
        PaymentError::Timeout
    } else {
        // Without the URL: it is ours and adds nothing to the log line.
        PaymentError::Unreachable(err.without_url().to_string())
    }
}

/// The error envelope of the service's handlers.
#[derive(Deserialize)]
struct Envelope {
    error: EnvelopeError,
}

#[derive(Deserialize)]
struct EnvelopeError {
    code: String,
    message: String,
    #[serde(default)]
    field: Option<String>,
}

/// The flat `{"error": "..."}` its auth layer sends (as text/plain).
#[derive(Deserialize)]
struct FlatError {
    error: String,
}

fn interpret<T: DeserializeOwned>(
    status: StatusCode,
    location: Option<String>,
    is_json: bool,
    body: &[u8],
) -> Result<(StatusCode, T), PaymentError> {
    let code = status.as_u16();
    let excerpt = || {
        let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
        text.trim().to_owned()
    };
    if status.is_redirection() {
        return Err(PaymentError::WrongPath {
            status: code,
            location,
        });
    }
    if status == StatusCode::UNAUTHORIZED {
        let reason = serde_json::from_slice::<FlatError>(body)
            .map(|flat| flat.error)
            .or_else(|_| {
                serde_json::from_slice::<Envelope>(body).map(|envelope| envelope.error.message)
            })
            .unwrap_or_else(|_| excerpt());
        return Err(PaymentError::Unauthorized(reason));
    }
    if status.is_success() {
        if !is_json {
            return Err(PaymentError::Malformed {
                status: code,
                detail: format!("expected JSON, got {:?}", excerpt()),
            });
        }
        return serde_json::from_slice(body)
            .map(|value| (status, value))
            .map_err(|err| PaymentError::Malformed {
                status: code,
                detail: err.to_string(),
            });
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope { error }) if status.is_client_error() => Err(PaymentError::Refused {
            status: code,
            code: error.code,
            message: error.message,
            field: error.field,
        }),
        Ok(Envelope { error }) => Err(PaymentError::Failed {
            status: code,
            code: error.code,
            message: error.message,
        }),
        // A bare 405 is what the service's router says for an unknown path.
        Err(_) if status == StatusCode::METHOD_NOT_ALLOWED => Err(PaymentError::WrongPath {
            status: code,
            location: None,
        }),
        Err(_) => Err(PaymentError::Malformed {
            status: code,
            detail: format!("no error envelope: {:?}", excerpt()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-21 12:00 UTC);

    fn status(value: serde_json::Value) -> SubscriptionStatus {
        SubscriptionStatus::parse(&value).unwrap()
    }

    #[test]
    fn the_code_s_shape_is_active_until_its_period_ends() {
        let found = status(json!({"exists": true, "stripe_subscription_id": "sub_1",
            "customer_id": "8d0c", "period_end": "2026-12-21T12:00:00Z"}));
        assert_eq!(found.standing(NOW), Standing::Active);
        assert_eq!(found.subscription_id.as_deref(), Some("sub_1"));
        let lapsed = status(json!({"exists": true, "stripe_subscription_id": "sub_1",
            "customer_id": "8d0c", "period_end": "2026-11-01T00:00:00+01:00"}));
        assert_eq!(lapsed.standing(NOW), Standing::Ended);
        assert_eq!(
            status(json!({"exists": false})).standing(NOW),
            Standing::None
        );
    }

    #[test]
    fn the_documented_shape_lets_status_decide() {
        let doc = |state: &str| {
            status(json!({"status": state, "subscription_id": "sub_1",
                "current_period_end": "2026-12-21T12:00:00Z", "product_id": "prod_x"}))
            .standing(NOW)
        };
        assert_eq!(doc("active"), Standing::Active);
        assert_eq!(doc("trialing"), Standing::Active);
        assert_eq!(doc("past_due"), Standing::PaymentDue);
        assert_eq!(doc("canceled"), Standing::Ended);
        assert_eq!(doc("incomplete_expired"), Standing::Ended);
        assert_eq!(doc("none"), Standing::None);
        // Status decides even when the period is still running.
        let canceled = status(json!({"status": "canceled", "current_period_end": 1_900_000_000}));
        assert_eq!(canceled.standing(NOW), Standing::Ended);
    }

    #[test]
    fn unreadable_status_answers_are_errors() {
        for value in [
            json!([]),
            json!({"exists": "yes"}),
            json!({}),
            json!({"exists": true, "period_end": "next month"}),
        ] {
            assert!(SubscriptionStatus::parse(&value).is_err(), "{value}");
        }
    }

    #[test]
    fn path_segments_are_percent_encoded_under_the_base_path() {
        let client = PaymentClient::new(
            "http://payments.internal:9000/billing",
            SecretString::from("proj_x"),
            Duration::from_secs(1),
        )
        .unwrap();
        let url = client.url(&["api", "v1", "subscriptions", "a/b c", "prod_1"]);
        assert_eq!(
            url.as_str(),
            "http://payments.internal:9000/billing/api/v1/subscriptions/a%2Fb%20c/prod_1"
        );
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let client = PaymentClient::new(
            "http://127.0.0.1:9000",
            SecretString::from("proj_supersecret"),
            Duration::from_secs(1),
        )
        .unwrap();
        assert!(!format!("{client:?}").contains("supersecret"));
    }
}
