//! The storefront's hand-written layers, one per file. `router::build`
//! stacks them, read top-down: the layers every response passes, then each
//! sub-router's own (pages, `/v1`, `/internal/v1`), which write their
//! refusals for their own clients (`Clients`), never by looking at the URL.

pub mod cache_control;
pub mod client_writes;
pub mod coalesce;
pub mod form_text;
pub mod limits;
pub mod page_cache;
pub mod page_markup;
pub mod refused_forms;
pub mod render_to_end;
pub mod same_origin;
pub mod server_fn_errors;
pub mod session_outage;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Who a sub-router answers, and so how its layers write a refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clients {
    /// Pages, forms and server functions: plain words.
    Browsers,
    /// `/v1` and `/internal/v1`: the API's error envelope.
    Apis,
}

impl Clients {
    /// `message` with `status` (and `Retry-After` when a wait applies).
    pub fn refusal(
        self,
        status: StatusCode,
        message: String,
        retry_after: Option<u64>,
    ) -> Response {
        let mut response = match self {
            Self::Apis => crate::api::ApiError::new(status, message).into_response(),
            Self::Browsers => {
                let text = match crate::request_id::current() {
                    Some(id) => {
                        format!("{message}\n\nRequest id: {id} (quote it if you contact support).")
                    }
                    None => message,
                };
                (
                    status,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    text,
                )
                    .into_response()
            }
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
