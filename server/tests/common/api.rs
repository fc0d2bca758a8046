//! Calling the `/v1` and `/internal/v1` APIs from tests.

use super::*;
use app::api_keys::ssr as keys;
use serde_json::Value;

/// Marks the address of `user_id` confirmed, as its link would: a fixture
/// for accounts past that step (`email_addresses.rs` tests the link itself).
pub async fn confirm_address(app: &TestApp, user_id: &str) {
    sqlx::query("UPDATE users SET email_verified_at = 1 WHERE id = $1")
        .bind(user_id)
        .execute(&app.state.db)
        .await
        .unwrap();
}

/// A registered user with a confirmed address and one key of theirs,
/// written straight to the keys table (no plan needed: a fixture for the
/// calls a key makes, not a test of the rules for making one).
pub async fn user_with_key(app: &TestApp, tag: &str) -> KeyHolder {
    let email = format!("{tag}-{}@example.com", uuid::Uuid::new_v4());
    register(&app.router, &email, &format!("{tag} user")).await;
    let user: (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    confirm_address(app, &user.0).await;
    let (_, key) = store_key(app, &user.0, "laptop").await;
    KeyHolder {
        user_id: user.0,
        key,
    }
}

/// A full-access key named `name` that never expires, written straight to
/// the keys table (past the plan and address rules).
pub async fn store_key(app: &TestApp, user_id: &str, name: &str) -> (keys::KeyRecord, String) {
    store_key_with(app, user_id, &full_access(name)).await
}

pub async fn store_key_with(
    app: &TestApp,
    user_id: &str,
    settings: &keys::KeySettings,
) -> (keys::KeyRecord, String) {
    keys::create(
        &app.state.db,
        &app.state.site.public_url,
        user_id,
        settings,
        "127.0.0.1",
    )
    .await
    .unwrap()
}

pub fn full_access(name: &str) -> keys::KeySettings {
    keys::KeySettings {
        name: name.to_owned(),
        permissions: app::api_keys::Permissions::Full,
        expires_at: None,
        networks: app::support::networks::Networks::default(),
    }
}

/// The owner behind `key`, which must work.
pub async fn owner_of(app: &TestApp, key: &str) -> app::actor::ActingKey {
    match app.state.key_lookup.check(key).await.unwrap() {
        keys::KeyCheck::Valid(owner) => owner,
        refused => panic!("{key} refused: {refused:?}"),
    }
}

/// `user_with_key`, with an active plan: may create keys through `/v1`.
pub async fn subscriber_with_key(app: &TestApp, tag: &str) -> KeyHolder {
    let holder = user_with_key(app, tag).await;
    subscribe(app, &holder.user_id).await;
    holder
}

/// An active Starter plan for `user_id`, in the sandbox payment service.
pub async fn subscribe(app: &TestApp, user_id: &str) {
    sqlx::query(
        "INSERT INTO sandbox_subscriptions (id, user_id, customer_id, product_id, price_id, status, \
         current_period_end, cancel_at_period_end, created_at) \
         VALUES ($1, $2, 'c1', 'prod_TpStarter001', 'price_TpStarterMonthly001', 'active', 4102444800, 0, 0)",
    )
    .bind(format!("sub_{}", uuid::Uuid::new_v4()))
    .bind(user_id)
    .execute(&app.state.db)
    .await
    .unwrap();
}

pub async fn api(
    router: &Router,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<(&str, &str)>,
) -> TestResponse {
    api_from(router, None, method, path, key, body).await
}

/// `api`, as a connection from `peer` (e.g. "203.0.113.7") makes it.
pub async fn api_from(
    router: &Router,
    peer: Option<&str>,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<(&str, &str)>,
) -> TestResponse {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(peer) = peer {
        let ip: std::net::IpAddr = peer.parse().unwrap();
        let address = std::net::SocketAddr::new(ip, 40_000);
        request = request.extension(axum::extract::ConnectInfo(address));
    }
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let body = match body {
        Some((content_type, text)) => {
            request = request.header(header::CONTENT_TYPE, content_type);
            Body::from(text.to_owned())
        }
        None => Body::empty(),
    };
    send(router, request.body(body).unwrap()).await
}

/// `GET /v1/users/me` with `key`: the cheapest "does this key work?".
pub async fn users_me(router: &Router, key: &str) -> TestResponse {
    api(router, "GET", "/v1/users/me", Some(key), None).await
}

pub fn json_of(response: &TestResponse) -> Value {
    serde_json::from_str(&response.body).unwrap_or_else(|_| panic!("not JSON: {}", response.body))
}

pub fn assert_envelope(response: &TestResponse, status: StatusCode, code: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    let body = json_of(response);
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert!(body["error"]["details"].is_object(), "{body}");
}

pub const SERVICE_TOKEN: &str = "svc_0123456789abcdefghijklmnopqrstuvwxyz";

pub async fn verify(router: &Router, token: Option<&str>, body: &str) -> TestResponse {
    let mut request =
        Request::post("/internal/v1/keys/verify").header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    send(router, request.body(Body::from(body.to_owned())).unwrap()).await
}

/// A newly registered, signed-in user with a confirmed address and no plan.
pub async fn registered(app: &TestApp, tag: &str) -> SignedInUser {
    let email = format!("{tag}-{}@example.com", uuid::Uuid::new_v4());
    let cookie = session_cookie(&register(&app.router, &email, "Key Maker").await);
    let (user_id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    confirm_address(app, &user_id).await;
    SignedInUser {
        cookie,
        id: user_id,
    }
}

/// A signed-in user with an active (sandbox) subscription.
pub async fn subscriber(app: &TestApp, tag: &str) -> SignedInUser {
    let user = registered(app, tag).await;
    subscribe(app, &user.id).await;
    user
}
