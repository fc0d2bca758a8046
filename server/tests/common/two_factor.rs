//! Two-step verification for tests: an account with an authenticator set
//! up from the key its page shows, and the two steps of signing in.

use super::api::confirm_address;
use super::*;
use app::accounts::ssr::second_factor::code_at;
use app::support::time::unix_now;
use axum::http::StatusCode;

/// A registered, signed-in user with a confirmed address.
pub async fn account(app: &TestApp, email: &str) -> SignedInUser {
    let cookie = session_cookie(&register(&app.router, email, "Two Step").await);
    let (user_id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    confirm_address(app, &user_id).await;
    SignedInUser {
        cookie,
        id: user_id,
    }
}

/// The secret behind the key `/account/two-factor` shows for typing in.
pub async fn shown_secret(app: &TestApp, cookie: &str) -> Vec<u8> {
    let setup = page(&app.router, "/account/two-factor", Some(cookie)).await;
    assert_eq!(setup.status, StatusCode::OK);
    assert!(setup.body.contains("<svg"), "a QR code: {}", setup.body);
    let key = setup
        .body
        .split("<code class=\"key-value\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no key in {}", setup.body))
        .replace(' ', "");
    totp_rs::Secret::Encoded(key).to_bytes().unwrap()
}

/// Sets up an authenticator for the signed-in `cookie`; its secret and
/// the recovery codes the set-up answered with.
pub async fn turn_on(app: &TestApp, cookie: &str) -> (Vec<u8>, Vec<String>) {
    let started = call(&app.router, "start_totp_setup", "", Some(cookie)).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    assert_eq!(started.header("location"), "/account/two-factor");
    let secret = shown_secret(app, cookie).await;
    // The step before's code (accepted: it may have been read as its step
    // ended), so that the current step's is unused for the test to sign in with.
    let code = code_at(&secret, unix_now() as u64 - 30);
    let confirmed = call(
        &app.router,
        "confirm_totp_setup",
        &form(&[("code", &code)]),
        Some(cookie),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let codes: Vec<String> = serde_json::from_str(&confirmed.body).unwrap();
    (secret, codes)
}

/// The password step: the pending sign-in's cookie (and no session).
pub async fn first_step(app: &TestApp, email: &str) -> String {
    let response = login(&app.router, email, PASSWORD, None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.header("location"), "/login/verify");
    let cookie = session_cookie(&response);
    assert!(cookie.contains("tp_pending_sign_in="), "{cookie}");
    cookie
}

pub async fn second_step(app: &TestApp, pending: &str, code: &str) -> TestResponse {
    call(
        &app.router,
        "verify_sign_in",
        &form(&[("code", code)]),
        Some(pending),
    )
    .await
}

pub async fn is_signed_in(app: &TestApp, cookie: &str) -> bool {
    let response = call(&app.router, "signed_in_user", "", Some(cookie)).await;
    response.body != "null"
}
