//! The session list on /account and re-authentication: every live session
//! with its device and address, this one marked; ending one signs that
//! device out on its next request and nobody else's; creating a key from the
//! page long after signing in asks for the password again (the API does not).

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::api::*;
use common::*;

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/// Signs in from a browser that says it is `user_agent`; its cookie.
async fn sign_in_with(app: &TestApp, email: &str, user_agent: &str) -> String {
    let body = form(&[("email", email), ("password", PASSWORD), ("next", "")]);
    let request = Request::post("/api/login")
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::USER_AGENT, user_agent)
        .body(Body::from(body))
        .unwrap();
    session_cookie(&send(&app.router, request).await)
}

/// The public ids in the session list's end forms, in page order.
fn ended_by_forms(page: &str) -> Vec<String> {
    page.split("name=\"session_id\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_session_list_names_each_device_and_ends_the_one_chosen() {
    let app = sqlite_app().await;
    let email = "devices@example.com";
    register(&app.router, email, "Devices").await;
    let laptop = sign_in_with(&app, email, FIREFOX).await;
    let phone = sign_in_with(&app, email, SAFARI).await;
    let stranger = session_cookie(&register(&app.router, "stranger@example.com", "Stranger").await);

    let account = page(&app.router, "/account", Some(&laptop)).await;
    assert!(
        account.body.contains("Firefox on Linux"),
        "{}",
        account.body
    );
    assert!(
        account.body.contains("Safari on iPhone"),
        "{}",
        account.body
    );
    assert!(account.body.contains("This device"));
    // Three sessions: the one at registration, the phone's, and this one
    // (which has no end button); the token's hash is never on the page.
    let ids = ended_by_forms(&account.body);
    assert_eq!(ids.len(), 2, "{ids:?}");
    let hashes: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM sessions")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert!(
        hashes
            .iter()
            .all(|(hash,)| !account.body.contains(hash.as_str()))
    );

    let (phone_id,): (String,) =
        sqlx::query_as("SELECT public_id FROM sessions WHERE user_agent = $1")
            .bind(SAFARI)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    // Someone else's session cannot be ended from this account.
    let refused = call(
        &app.router,
        "end_session",
        &form(&[("session_id", &phone_id)]),
        Some(&stranger),
    )
    .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    assert_eq!(
        page(&app.router, "/dashboard", Some(&phone)).await.status,
        StatusCode::OK
    );

    let ended = call(
        &app.router,
        "end_session",
        &form(&[("session_id", &phone_id)]),
        Some(&laptop),
    )
    .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(ended.header("location"), "/account?saved=session-ended");
    assert_eq!(
        page(&app.router, "/dashboard", Some(&phone)).await.status,
        StatusCode::FOUND,
        "the phone is signed out on its next request"
    );
    assert_eq!(
        page(&app.router, "/dashboard", Some(&laptop)).await.status,
        StatusCode::OK
    );
    let again = call(
        &app.router,
        "end_session",
        &form(&[("session_id", &phone_id)]),
        Some(&laptop),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.body.contains("NoSuchSession"));
}

#[tokio::test]
async fn a_key_from_the_page_long_after_signing_in_needs_the_password_again() {
    let app = sqlite_app().await;
    let SignedInUser {
        cookie,
        id: user_id,
    } = subscriber(&app, "reauth").await;
    let KeyHolder { key, .. } = user_with_key(&app, "reauth-api").await;
    // Signed in 20 minutes ago (the window is 15).
    sqlx::query(
        "UPDATE sessions SET authenticated_at = authenticated_at - 1200 WHERE user_id = $1",
    )
    .bind(&user_id)
    .execute(&app.state.db)
    .await
    .unwrap();

    let keys_page = page(&app.router, "/keys", Some(&cookie)).await;
    assert!(
        keys_page.body.contains("/confirm-password?next=/keys"),
        "{}",
        keys_page.body
    );
    let refused = call(&app.router, "create_api_key", "name=late", Some(&cookie)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("ReauthRequired"));

    let wrong = call(
        &app.router,
        "confirm_password",
        &form(&[("password", "not the password"), ("next", "/keys")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    assert_eq!(
        call(&app.router, "create_api_key", "name=late", Some(&cookie))
            .await
            .status,
        StatusCode::FORBIDDEN,
        "a wrong password renews nothing"
    );

    let confirmed = call(
        &app.router,
        "confirm_password",
        &form(&[("password", PASSWORD), ("next", "/keys")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(confirmed.header("location"), "/keys");
    // Confirming issues a new token: the old cookie is signed out at once.
    let renewed = session_cookie(&confirmed);
    assert_ne!(renewed, cookie);
    let stale = call(&app.router, "create_api_key", "name=late", Some(&cookie)).await;
    assert_eq!(stale.status, StatusCode::UNAUTHORIZED, "{}", stale.body);
    let created = call(&app.router, "create_api_key", "name=late", Some(&renewed)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);

    // The API is asked with a key, not a session: no window applies.
    let (api_user,): (String,) =
        sqlx::query_as("SELECT user_id FROM api_keys WHERE name = 'laptop'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    subscribe(&app, &api_user).await;
    let body = Some(("application/json", r#"{"name":"ci"}"#));
    let by_api = api(&app.router, "POST", "/v1/api-keys", Some(&key), body).await;
    assert_eq!(by_api.status, StatusCode::CREATED, "{}", by_api.body);
}

#[tokio::test]
async fn sessions_are_listed_and_ended_across_two_instances_on_one_postgresql() {
    let Some(database) = postgres_database().await else {
        return;
    };
    let second = database.shared();
    let a = app_on(database, &[]).await;
    let b = app_on(second, &[]).await;
    let email = "two-instances@example.com";
    register(&a.router, email, "Two Instances").await;
    let on_a = sign_in_with(&a, email, FIREFOX).await;
    let on_b = sign_in_with(&b, email, SAFARI).await;

    // Instance A lists the session signed in on B...
    let account = page(&a.router, "/account", Some(&on_a)).await;
    assert!(
        account.body.contains("Safari on iPhone"),
        "{}",
        account.body
    );
    // ...and ends every other one (B's among them) by its public id.
    for id in ended_by_forms(&account.body) {
        let ended = call(
            &a.router,
            "end_session",
            &form(&[("session_id", &id)]),
            Some(&on_a),
        )
        .await;
        assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    }
    // B's next request is signed out; A's session is untouched.
    let on_b_now = call(&b.router, "signed_in_user", "", Some(&on_b)).await;
    assert_eq!(on_b_now.body, "null");
    let on_a_now = call(&a.router, "signed_in_user", "", Some(&on_a)).await;
    assert!(on_a_now.body.contains(email), "{}", on_a_now.body);
    let listed_on_b = page(&b.router, "/account", Some(&on_a)).await;
    assert!(
        !listed_on_b.body.contains("Safari on iPhone"),
        "{}",
        listed_on_b.body
    );
}

/// Ends the recent proof of `user_id`'s sessions: signed in 20 minutes ago.
async fn signed_in_a_while_ago(app: &TestApp, user_id: &str) {
    sqlx::query(
        "UPDATE sessions SET authenticated_at = authenticated_at - 1200 WHERE user_id = $1",
    )
    .bind(user_id)
    .execute(&app.state.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn confirming_identity_signs_the_old_token_out_on_every_instance() {
    for database in all_databases().await {
        let url = database.url.clone();
        let app = app_on(database, &[]).await;
        let other = second_instance(&url).await;
        let SignedInUser {
            cookie,
            id: user_id,
        } = registered(&app, "renewed").await;
        signed_in_a_while_ago(&app, &user_id).await;
        let confirmed = call(
            &app.router,
            "confirm_password",
            &form(&[("password", PASSWORD), ("next", "/account")]),
            Some(&cookie),
        )
        .await;
        assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
        let renewed = session_cookie(&confirmed);
        for router in [&app.router, &other] {
            let old = call(router, "signed_in_user", "", Some(&cookie)).await;
            assert_eq!(old.body, "null", "the old token is refused");
            let new = call(router, "signed_in_user", "", Some(&renewed)).await;
            assert_ne!(new.body, "null");
        }
        // The same session, renewed: the list shows one, this one.
        let sessions = call(&app.router, "active_sessions", "", Some(&renewed)).await;
        assert_eq!(
            sessions.body.matches("\"current\":true").count(),
            1,
            "{}",
            sessions.body
        );
    }
}

#[tokio::test]
async fn a_two_step_account_confirms_with_its_code_not_its_password_alone() {
    use app::accounts::ssr::second_factor::code_at;
    let app = sqlite_app().await;
    let email = "confirm-two-step@example.com";
    let common::SignedInUser {
        cookie,
        id: user_id,
    } = common::two_factor::account(&app, email).await;
    let (secret, _) = common::two_factor::turn_on(&app, &cookie).await;
    signed_in_a_while_ago(&app, &user_id).await;
    let with_password = call(
        &app.router,
        "confirm_password",
        &form(&[("password", PASSWORD), ("next", "/keys")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(
        with_password.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        with_password.body
    );
    assert!(
        with_password.body.contains("two-step verification"),
        "{}",
        with_password.body
    );
    assert!(with_password.header("set-cookie").is_empty());
    // Nothing renewed: a sensitive change still waits.
    let refused = call(&app.router, "regenerate_recovery_codes", "", Some(&cookie)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    // The confirm page asks for the code, not the password.
    let confirm_page = page(&app.router, "/confirm-password?next=/keys", Some(&cookie)).await;
    assert!(
        confirm_page
            .body
            .contains("Code from your authenticator app"),
        "{}",
        confirm_page.body
    );
    assert!(
        !confirm_page.body.contains("current-password"),
        "{}",
        confirm_page.body
    );

    let current = code_at(&secret, app::support::time::unix_now() as u64);
    let confirmed = call(
        &app.router,
        "confirm_with_code",
        &form(&[("code", &current), ("next", "/keys")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let renewed = session_cookie(&confirmed);
    assert_eq!(
        call(&app.router, "signed_in_user", "", Some(&cookie))
            .await
            .body,
        "null"
    );
    let made = call(&app.router, "regenerate_recovery_codes", "", Some(&renewed)).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
}

#[tokio::test]
async fn ending_sessions_and_changing_the_address_need_a_recent_confirmation() {
    let app = sqlite_app().await;
    let SignedInUser {
        cookie,
        id: user_id,
    } = registered(&app, "late-changes").await;
    let (email,): (String,) = sqlx::query_as("SELECT email FROM users WHERE id = $1")
        .bind(&user_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let elsewhere = session_cookie(&login(&app.router, &email, PASSWORD, None).await);
    signed_in_a_while_ago(&app, &user_id).await;
    let (other_id,): (String,) = sqlx::query_as(
        "SELECT public_id FROM sessions WHERE user_id = $1 ORDER BY created_at DESC, last_seen_at DESC",
    )
    .bind(&user_id)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let attempts = [
        ("sign_out_everywhere", String::new()),
        ("end_session", form(&[("session_id", &other_id)])),
        (
            "request_email_change",
            form(&[
                ("new_email", "moved@example.com"),
                ("current_password", PASSWORD),
            ]),
        ),
    ];
    for (function, body) in &attempts {
        let refused = call(&app.router, function, body, Some(&cookie)).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{function}: {}",
            refused.body
        );
        assert!(
            refused.body.contains("ReauthRequired"),
            "{function}: {}",
            refused.body
        );
    }
    assert_ne!(
        call(&app.router, "signed_in_user", "", Some(&elsewhere))
            .await
            .body,
        "null"
    );
    let confirmed = call(
        &app.router,
        "confirm_password",
        &form(&[("password", PASSWORD), ("next", "/account")]),
        Some(&cookie),
    )
    .await;
    let renewed = session_cookie(&confirmed);
    let ended = call(&app.router, "sign_out_everywhere", "", Some(&renewed)).await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(
        call(&app.router, "signed_in_user", "", Some(&elsewhere))
            .await
            .body,
        "null"
    );
}
