//! Forms whose answer must be shown once, posted by a browser that runs no
//! JavaScript: `POST /keys` (a new or rolled API key) and `POST /account/two-factor`
//! (recovery codes). The answer is the page itself, rendered with what was
//! made (or with the reason there is none), so the secret is shown once
//! without ever being stored for a later request. With JavaScript the same
//! forms call their server functions instead.

use app::accounts::ssr::second_factor;
use app::accounts::two_factor_pages::TwoFactorFormOutcome;
use app::actor::Actor;
use app::api_keys::ssr::KeyRecord;
use app::api_keys::ssr::service;
use app::api_keys::{CreatedKey, KeyFormOutcome, NewKeyForm};
use app::error::AppError;
use app::shell;
use app::state::AppState;
use app::support::time::unix_now;
use axum::Form;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::{LeptosOptions, provide_context};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// What the keys page's forms post: a new key (`intent` "create", the
/// default), or a roll (`intent` "roll", with its key and grace period).
#[derive(Deserialize)]
struct KeysForm {
    #[serde(default)]
    intent: String,
    #[serde(flatten)]
    new_key: NewKeyForm,
    #[serde(default)]
    key_id: String,
    #[serde(default)]
    grace_seconds: String,
    /// The roll's checkbox: present to end a running grace period.
    #[serde(default)]
    end_previous_grace: Option<String>,
}

/// What the two-factor page's forms post: finishing set-up (with the
/// first code) or making new recovery codes.
#[derive(Deserialize)]
#[serde(tag = "intent", rename_all = "snake_case")]
enum TwoFactorForm {
    Confirm { code: String },
    Regenerate,
}

/// A signed-in form post, decoded; or the answer that ends it first (sign
/// in, or a body over the size limit).
struct Posted<F> {
    parts: Parts,
    actor: Actor,
    form: Result<F, AppError>,
}

async fn posted<F: DeserializeOwned>(
    state: &AppState,
    request: Request,
    page: &str,
) -> Result<Posted<F>, Response> {
    let (mut parts, body) = request.into_parts();
    let Ok(actor) = Actor::from_request_parts(&mut parts, state).await;
    if actor.signed_in().is_none() {
        return Err(Redirect::to(&format!("/login?next={page}")).into_response());
    }
    let form = match Form::<F>::from_request(Request::from_parts(parts.clone(), body), state).await
    {
        Ok(Form(form)) => Ok(form),
        // Over MAX_BODY_BYTES (the limit layer): the 413 that `explain_limits`
        // puts in words. Never a silently cut body.
        Err(refused) if refused.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(refused.into_response());
        }
        Err(refused) => Err(AppError::BadRequest(refused.body_text())),
    };
    Ok(Posted { parts, actor, form })
}

/// The page `parts` asked for, rendered with the form's `result` in its
/// context (as the page's `outcome` type) and the status of its error,
/// never cached.
async fn page_with<T, Outcome: Clone + Send + Sync + 'static>(
    parts: Parts,
    leptos_context: impl Fn() + Clone + Send + Sync + 'static,
    options: LeptosOptions,
    result: Result<T, AppError>,
    outcome: impl FnOnce(Result<T, AppError>) -> Outcome,
) -> Response {
    let status = result
        .as_ref()
        .err()
        .map_or(StatusCode::OK, AppError::status);
    let outcome = outcome(result);
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

pub async fn keys(
    state: AppState,
    request: Request,
    leptos_context: impl Fn() + Clone + Send + Sync + 'static,
    options: LeptosOptions,
) -> Response {
    let posted = match posted::<KeysForm>(&state, request, "/keys").await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let actor = &posted.actor;
    let roll = posted.form.as_ref().is_ok_and(|form| form.intent == "roll");
    let shown = |rolled: bool| {
        move |(record, key): (KeyRecord, String)| CreatedKey {
            key,
            view: service::view(record, unix_now()),
            rolled,
        }
    };
    let outcome = match posted.form {
        Ok(form) if matches!(form.intent.as_str(), "" | "create") => {
            service::create_from_page(&state, actor, &form.new_key)
                .await
                .map(shown(false))
        }
        Ok(form) if form.intent == "roll" => match service::grace_from_form(&form.grace_seconds) {
            Ok(grace) => {
                let end_previous = form.end_previous_grace.is_some();
                service::roll(&state, actor, &form.key_id, grace, end_previous)
                    .await
                    .map(shown(true))
            }
            Err(refused) => Err(refused),
        },
        Ok(form) => Err(AppError::BadRequest(format!(
            "unknown intent {:?}",
            form.intent
        ))),
        Err(refused) => Err(refused),
    };
    let for_page = |result| KeyFormOutcome { roll, result };
    page_with(posted.parts, leptos_context, options, outcome, for_page).await
}

pub async fn two_factor(
    state: AppState,
    request: Request,
    leptos_context: impl Fn() + Clone + Send + Sync + 'static,
    options: LeptosOptions,
) -> Response {
    let posted = match posted::<TwoFactorForm>(&state, request, "/account/two-factor").await {
        Ok(posted) => posted,
        Err(response) => return response,
    };
    let actor = &posted.actor;
    let outcome = match posted.form {
        Ok(TwoFactorForm::Confirm { code }) => {
            second_factor::confirm_setup(&state, actor, &code).await
        }
        Ok(TwoFactorForm::Regenerate) => {
            second_factor::regenerate_recovery_codes(&state, actor).await
        }
        Err(refused) => Err(refused),
    };
    page_with(
        posted.parts,
        leptos_context,
        options,
        outcome,
        TwoFactorFormOutcome,
    )
    .await
}
