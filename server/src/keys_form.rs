//! `POST /keys`: the create-key form when the browser runs no JavaScript.
//! The answer is the /keys page itself, rendered with the new key (or with
//! the reason there is none), so the key is shown once without ever being
//! stored for a later request. With JavaScript the same form calls the
//! `create_api_key` server function instead.

use app::accounts::ssr::activity::peer_address;
use app::accounts::ssr::context::RequestSession;
use app::api_keys::ssr::service;
use app::api_keys::{CreatedKey, KeyFormOutcome};
use app::error::AppError;
use app::shell;
use app::state::AppState;
use axum::Form;
use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::{LeptosOptions, provide_context};
use serde::Deserialize;

/// What the form posts.
#[derive(Deserialize)]
struct KeyForm {
    name: String,
}

pub async fn create(
    state: AppState,
    request: Request,
    leptos_context: impl Fn() + Clone + Send + Sync + 'static,
    options: LeptosOptions,
) -> Response {
    let (parts, body) = request.into_parts();
    let Some(session) = parts
        .extensions
        .get::<RequestSession>()
        .and_then(|found| found.0.clone())
    else {
        return Redirect::to("/login?next=/keys").into_response();
    };
    let form =
        Form::<KeyForm>::from_request(Request::from_parts(parts.clone(), body), &state).await;
    let outcome = match form {
        Ok(Form(KeyForm { name })) => {
            let client = peer_address(&parts.extensions);
            service::create_from_page(&state, &session, &name, &client)
                .await
                .map(|(record, key)| CreatedKey {
                    key,
                    view: service::view(record),
                })
        }
        // Over MAX_BODY_BYTES (the limit layer): the 413 that `explain_limits`
        // puts in words. Never a silently cut body.
        Err(refused) if refused.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refused.into_response();
        }
        Err(refused) => Err(AppError::BadRequest(refused.body_text())),
    };
    let status = outcome
        .as_ref()
        .err()
        .map_or(StatusCode::OK, AppError::status);
    let outcome = KeyFormOutcome(outcome);
    let render = leptos_axum::render_app_to_stream_in_order_with_context(
        move || {
            leptos_context();
            provide_context(outcome.clone());
        },
        move || shell(options.clone()),
    );
    let mut response = render(Request::from_parts(parts, Body::empty())).await;
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
