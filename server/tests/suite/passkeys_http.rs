//! Passkeys over HTTP, short of an authenticator (Playwright's virtual one
//! runs the whole ceremony): the options say what a discoverable,
//! user-verified passkey for this site needs; registering needs a recent
//! sign-in; an answer that does not check out is refused and uses its
//! challenge up; one account's challenge is no use to another; answers
//! confirming a stale session count against the account, a burst of them
//! included; and with an IP address for `PUBLIC_URL` passkeys are off: no
//! button offers them.

use crate::common;

use axum::http::StatusCode;
use common::*;
use serde_json::Value;

fn challenge(response: &TestResponse) -> (String, Value) {
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let body: Value = serde_json::from_str(&response.body).unwrap();
    let options = serde_json::from_str(body["options"].as_str().unwrap()).unwrap();
    (body["id"].as_str().unwrap().to_owned(), options)
}

/// A registration ceremony's challenge for the account signed in as `cookie`.
async fn registration_challenge(app: &TestApp, cookie: &str) -> (String, Value) {
    let options = call(
        &app.router,
        "passkey_registration_options",
        "",
        Some(cookie),
    )
    .await;
    challenge(&options)
}

/// A signed-in account with a confirmed address (passkeys need one): its cookie.
async fn confirmed_account(app: &TestApp, email: &str, name: &str) -> String {
    let cookie = session_cookie(&register(&app.router, email, name).await);
    let (user_id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    common::api::confirm_address(app, &user_id).await;
    cookie
}

/// A sign-in (or confirmation) answer of the right shape that no
/// authenticator signed.
const FORGED_ASSERTION: &str = r#"{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"authenticatorData":"AAAA","clientDataJSON":"AAAA","signature":"AAAA","userHandle":"AAAA"},"extensions":{}}"#;

const FORGED: &str = r#"{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"attestationObject":"AAAA","clientDataJSON":"AAAA"},"extensions":{}}"#;

#[tokio::test]
async fn registration_options_ask_for_a_discoverable_verified_passkey_of_this_site() {
    let app = sqlite_app().await;
    let cookie = confirmed_account(&app, "keys@example.com", "Keys").await;
    let (id, options) = registration_challenge(&app, &cookie).await;
    let public_key = &options["publicKey"];
    assert_eq!(public_key["rp"]["id"], "tracepipe.example");
    assert_eq!(public_key["user"]["name"], "keys@example.com");
    let selection = &public_key["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required");
    assert_eq!(selection["userVerification"], "required");
    assert!(public_key["challenge"].as_str().unwrap().len() >= 43);

    // A forged answer changes nothing, and the challenge is spent.
    let forged = form(&[
        ("challenge_id", &id),
        ("credential", FORGED),
        ("name", "laptop"),
    ]);
    let refused = call(&app.router, "add_passkey", &forged, Some(&cookie)).await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM passkeys")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM passkey_challenges WHERE id = $1")
        .bind(&id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(left, 0, "used once, even when refused");

    // Another account cannot finish this account's ceremony.
    let (id, _) = registration_challenge(&app, &cookie).await;
    let other = confirmed_account(&app, "other@example.com", "Other").await;
    let body = form(&[
        ("challenge_id", &id),
        ("credential", FORGED),
        ("name", "laptop"),
    ]);
    let stolen = call(&app.router, "add_passkey", &body, Some(&other)).await;
    assert_eq!(stolen.status, StatusCode::UNAUTHORIZED, "{}", stolen.body);
    assert!(stolen.body.contains("PasskeyRefused"), "{}", stolen.body);

    // A name is required.
    let (id, _) = registration_challenge(&app, &cookie).await;
    let body = form(&[
        ("challenge_id", &id),
        ("credential", FORGED),
        ("name", "  "),
    ]);
    let unnamed = call(&app.router, "add_passkey", &body, Some(&cookie)).await;
    assert_eq!(
        unnamed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unnamed.body
    );
}

#[tokio::test]
async fn registering_a_passkey_long_after_signing_in_asks_for_the_password() {
    let app = sqlite_app().await;
    let cookie = confirmed_account(&app, "stale@example.com", "Stale").await;
    sqlx::query("UPDATE sessions SET authenticated_at = authenticated_at - 3600")
        .execute(&app.state.db)
        .await
        .unwrap();
    let stale = call(
        &app.router,
        "passkey_registration_options",
        "",
        Some(&cookie),
    )
    .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN, "{}", stale.body);
    assert!(stale.body.contains("ReauthRequired"));
}

#[tokio::test]
async fn sign_in_options_list_no_credentials_and_a_forged_answer_signs_nobody_in() {
    let app = sqlite_app().await;
    let (id, options) = challenge(&call(&app.router, "passkey_sign_in_options", "", None).await);
    let public_key = &options["publicKey"];
    assert_eq!(public_key["rpId"], "tracepipe.example");
    assert_eq!(public_key["allowCredentials"], Value::Array(vec![]));
    assert_eq!(public_key["userVerification"], "required");
    let body = form(&[
        ("challenge_id", &id),
        ("credential", FORGED_ASSERTION),
        ("next", ""),
    ]);
    let refused = call(&app.router, "sign_in_with_passkey", &body, None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert!(refused.header("set-cookie").is_empty());
}

#[tokio::test]
async fn passkey_answers_confirming_a_session_are_counted_against_the_account_even_at_once() {
    let app = sqlite_app().await;
    let cookie = confirmed_account(&app, "burst@example.com", "Burst").await;
    sqlx::query("UPDATE sessions SET authenticated_at = authenticated_at - 3600")
        .execute(&app.state.db)
        .await
        .unwrap();
    // Nothing to confirm with: the account has no passkey.
    let none = call(&app.router, "passkey_confirm_options", "", Some(&cookie)).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "{}", none.body);

    // Eight forged answers at the same moment, each on a challenge of
    // another ceremony (signing in): five are checked and refused, the rest
    // wait; none confirms the session.
    let mut answers = Vec::new();
    for _ in 0..8 {
        let (id, _) = challenge(&call(&app.router, "passkey_sign_in_options", "", None).await);
        let body = form(&[
            ("challenge_id", &id),
            ("credential", FORGED_ASSERTION),
            ("next", "/keys"),
        ]);
        let (router, cookie) = (app.router.clone(), cookie.clone());
        answers
            .push(async move { call(&router, "confirm_with_passkey", &body, Some(&cookie)).await });
    }
    let answers = futures::future::join_all(answers).await;
    let count = |status| {
        answers
            .iter()
            .filter(|answer| answer.status == status)
            .count()
    };
    assert_eq!(
        count(StatusCode::UNAUTHORIZED),
        5,
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    assert_eq!(count(StatusCode::TOO_MANY_REQUESTS), 3);
    assert!(
        answers
            .iter()
            .all(|answer| answer.header("set-cookie").is_empty())
    );
    let still_stale = call(
        &app.router,
        "passkey_registration_options",
        "",
        Some(&cookie),
    )
    .await;
    assert_eq!(
        still_stale.status,
        StatusCode::FORBIDDEN,
        "{}",
        still_stale.body
    );
}

#[tokio::test]
async fn with_an_ip_address_for_public_url_no_page_offers_passkeys() {
    let app = app_on(
        sqlite_database(),
        &[("PUBLIC_URL", "http://127.0.0.1:8081")],
    )
    .await;
    assert!(app.state.passkeys.is_none() && !app.state.site.passkeys);
    let login = page(&app.router, "/login", None).await;
    assert!(!login.body.contains("Sign in with a passkey"));
}
