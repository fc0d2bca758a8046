//! `ApiJson<T>`: the JSON body extractor of the APIs, whose every refusal
//! is the API's envelope (as in axum's `customize-extractor-error` example):
//! no JSON content type or broken JSON is a 400 `bad_request`; JSON of the
//! wrong shape a 422 `validation_error` naming the field in `details.field`;
//! a body over the limit the limit layer's 413, which `explain_limits` puts
//! in the same envelope with the limit in words.

use super::error::ApiError;
use app::support::json::{self, JsonRefusal};
use axum::body::Bytes;
use axum::extract::{FromRequest, OptionalFromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::{DeserializeOwned, Error as _, Unexpected};
use serde::{Deserialize, Deserializer};

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        if !is_json(request.headers()) {
            return Err(not_json().into_response());
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        decode(&body).map(Self).map_err(IntoResponse::into_response)
    }
}

/// `Option<ApiJson<T>>`: `None` for an empty body, for requests whose body
/// is optional (e.g. creating a key with the default name).
impl<T: DeserializeOwned, S: Send + Sync> OptionalFromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, Response> {
        let is_json = is_json(request.headers());
        let body = Bytes::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        if !is_json {
            return Err(not_json().into_response());
        }
        decode(&body)
            .map(|value| Some(Self(value)))
            .map_err(IntoResponse::into_response)
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"))
}

fn not_json() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "Send the body as JSON with Content-Type: application/json.",
    )
}

/// Decodes `body`, naming the first field that does not fit.
fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    json::decode(body).map_err(|refusal| match refusal {
        JsonRefusal::NotJson(_) => ApiError::new(StatusCode::BAD_REQUEST, refusal.to_string()),
        JsonRefusal::Invalid { field, message } if field == "." => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
        }
        JsonRefusal::Invalid { field, message } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message).for_field(field)
        }
    })
}

/// A field the document declares `integer`: JSON Schema counts `496.0` as
/// one, and so do generated clients and fuzzers, but serde's integers
/// refuse any number written with a fraction part. Whole numbers are
/// taken however they are written; anything else is refused by name.
pub fn whole_number<'de, D: Deserializer<'de>>(input: D) -> Result<i64, D::Error> {
    let number = serde_json::Number::deserialize(input)?;
    if let Some(whole) = number.as_i64() {
        return Ok(whole);
    }
    // i64's range as f64: below 2^63, at or above -2^63.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    match number.as_f64() {
        Some(value) if value.fract() == 0.0 && (-LIMIT..LIMIT).contains(&value) => Ok(value as i64),
        _ => Err(D::Error::invalid_value(
            Unexpected::Other(&number.to_string()),
            &"a whole number",
        )),
    }
}
