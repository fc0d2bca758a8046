//! API keys with a lifecycle, through `/v1` and `/internal/v1`: each
//! permission against each operation, no key making or managing a key with
//! more power than itself, expiry to the second, rolling with a grace
//! period (ending on a second instance), disabling, allowed networks for
//! IPv4 and IPv6, the self-checking format (refused without a query), keys
//! of the old format, and what verification tells other services.

use crate::common;

use app::api_keys::ssr::{self as keys, KeySettings};
use app::api_keys::{Access, Permissions, ResourceAccess};
use app::support::networks::Networks;
use app::support::time::unix_now;
use axum::http::StatusCode;
use common::api::*;
use common::*;
use serde_json::{Value, json};

const JSON: &str = "application/json";

/// Creates a key through `/v1` with `key`; answers its secret and id.
async fn create_with(app: &TestApp, key: &str, body: Value) -> (String, String) {
    let body = body.to_string();
    let created = api(
        &app.router,
        "POST",
        "/v1/api-keys",
        Some(key),
        Some((JSON, &body)),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let created = json_of(&created);
    (
        created["key"].as_str().unwrap().to_owned(),
        created["id"].as_str().unwrap().to_owned(),
    )
}

fn reason(response: &TestResponse) -> Value {
    json_of(response)["error"]["details"]["reason"].clone()
}

const NO_SUCH_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Every `/v1` operation, with the permission it needs and a request that
/// changes nothing when allowed (a missing key id answers 404).
fn operations() -> Vec<(&'static str, String, Option<&'static str>, &'static str)> {
    vec![
        ("GET", "/v1/users/me".into(), None, "account:read"),
        ("GET", "/v1/usage".into(), None, "usage:read"),
        ("GET", "/v1/api-keys".into(), None, "api_keys:read"),
        (
            "POST",
            "/v1/api-keys".into(),
            Some(r#"{"name":"made by a key"}"#),
            "api_keys:write",
        ),
        (
            "PATCH",
            format!("/v1/api-keys/{NO_SUCH_ID}"),
            Some(r#"{"disabled":true}"#),
            "api_keys:write",
        ),
        (
            "POST",
            format!("/v1/api-keys/{NO_SUCH_ID}/roll"),
            Some(r#"{"grace_period_seconds":0}"#),
            "api_keys:write",
        ),
        (
            "DELETE",
            format!("/v1/api-keys/{NO_SUCH_ID}/previous-secret"),
            None,
            "api_keys:write",
        ),
        (
            "DELETE",
            format!("/v1/api-keys/{NO_SUCH_ID}"),
            None,
            "api_keys:write",
        ),
    ]
}

#[tokio::test]
async fn each_permission_allows_exactly_its_operations() {
    let app = sqlite_app().await;
    let KeyHolder { key: owner_key, .. } = subscriber_with_key(&app, "matrix").await;
    let matrix: [(Value, &[&str]); 5] = [
        (
            json!("full"),
            &[
                "account:read",
                "usage:read",
                "api_keys:read",
                "api_keys:write",
            ],
        ),
        (
            json!("read_only"),
            &["account:read", "usage:read", "api_keys:read"],
        ),
        (json!({"usage": "read"}), &["usage:read"]),
        (
            json!({"api_keys": "write"}),
            &["api_keys:read", "api_keys:write"],
        ),
        (
            json!({"account": "write", "api_keys": "read"}),
            &["account:read", "api_keys:read"],
        ),
    ];
    for (permissions, granted) in matrix {
        let body = json!({"name": "scoped", "permissions": permissions});
        let (key, _) = create_with(&app, &owner_key, body).await;
        for (method, path, body, needed) in operations() {
            let answer = api(
                &app.router,
                method,
                &path,
                Some(&key),
                body.map(|b| (JSON, b)),
            )
            .await;
            let label = format!("{permissions} {method} {path}");
            if granted.contains(&needed) {
                assert!(
                    [StatusCode::OK, StatusCode::CREATED, StatusCode::NOT_FOUND]
                        .contains(&answer.status),
                    "{label}: {} {}",
                    answer.status,
                    answer.body
                );
            } else {
                assert_envelope(&answer, StatusCode::FORBIDDEN, "forbidden");
                assert_eq!(reason(&answer), "missing_permission", "{label}");
                let details = &json_of(&answer)["error"]["details"];
                assert_eq!(details["permission"], needed, "{label}");
            }
        }
    }
}

#[tokio::test]
async fn every_documented_operation_has_a_permission_rule() {
    let app = sqlite_app().await;
    let document = json_of(&get(&app.router, "/v1/openapi.json").await);
    let paths = document["paths"].as_object().unwrap();
    let mut seen = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let method: axum::http::Method = method.to_uppercase().parse().unwrap();
            assert!(
                server::api::v1::needed_for(&method, path).is_some(),
                "{method} {path} has no permission rule"
            );
            seen += 1;
        }
    }
    assert_eq!(
        seen,
        operations().len(),
        "the matrix above covers every operation"
    );
}

#[tokio::test]
async fn no_key_makes_or_manages_a_key_with_more_power_than_its_own() {
    let app = sqlite_app().await;
    let KeyHolder { key: full, .. } = subscriber_with_key(&app, "escalation").await;
    let full_id = json_of(&api(&app.router, "GET", "/v1/api-keys", Some(&full), None).await)
        ["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (manager, _) = create_with(
        &app,
        &full,
        json!({"name": "key manager", "permissions": {"api_keys": "write"}}),
    )
    .await;
    for permissions in [json!("full"), json!("read_only"), json!({"usage": "read"})] {
        let body = json!({"permissions": permissions}).to_string();
        let refused = api(
            &app.router,
            "POST",
            "/v1/api-keys",
            Some(&manager),
            Some((JSON, &body)),
        )
        .await;
        assert_envelope(&refused, StatusCode::FORBIDDEN, "forbidden");
        assert_eq!(reason(&refused), "escalation", "{permissions}");
    }
    // Without a choice, a new key gets the caller's own access.
    let made = api(&app.router, "POST", "/v1/api-keys", Some(&manager), None).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(
        json_of(&made)["permissions"],
        json!({"account": "none", "api_keys": "write", "usage": "none"})
    );
    // Nor may it roll, disable or revoke the full-access key.
    for (method, path, body) in [
        (
            "POST",
            format!("/v1/api-keys/{full_id}/roll"),
            Some(r#"{"grace_period_seconds":0}"#),
        ),
        (
            "PATCH",
            format!("/v1/api-keys/{full_id}"),
            Some(r#"{"disabled":true}"#),
        ),
        ("DELETE", format!("/v1/api-keys/{full_id}"), None),
    ] {
        let refused = api(
            &app.router,
            method,
            &path,
            Some(&manager),
            body.map(|b| (JSON, b)),
        )
        .await;
        assert_envelope(&refused, StatusCode::FORBIDDEN, "forbidden");
        assert_eq!(reason(&refused), "escalation", "{method} {path}");
    }
    assert_eq!(users_me(&app.router, &full).await.status, StatusCode::OK);

    // A key that expires cannot make one that outlives it.
    let in_10_days = unix_now() + 10 * 86_400;
    let (expiring, _) = create_with(&app, &full, json!({"expires_in_days": 10})).await;
    for expires_in_days in [Value::Null, json!(20)] {
        let body = json!({ "expires_in_days": expires_in_days }).to_string();
        let refused = api(
            &app.router,
            "POST",
            "/v1/api-keys",
            Some(&expiring),
            Some((JSON, &body)),
        )
        .await;
        assert_eq!(reason(&refused), "escalation", "{expires_in_days}");
    }
    let expiring_at = |answer: &Value| {
        time::OffsetDateTime::parse(
            answer["expires_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
        .unix_timestamp()
    };
    let default = json_of(&api(&app.router, "POST", "/v1/api-keys", Some(&expiring), None).await);
    assert!(
        (expiring_at(&default) - in_10_days).abs() <= 2,
        "capped at the caller's own: {default}"
    );

    // A key limited to networks cannot make one usable elsewhere.
    let (office, _) = create_with(&app, &full, json!({"allowed_networks": ["127.0.0.0/8"]})).await;
    let from_office = |body: &'static str| {
        let router = app.router.clone();
        let office = office.clone();
        async move {
            api_from(
                &router,
                Some("127.0.0.1"),
                "POST",
                "/v1/api-keys",
                Some(&office),
                Some((JSON, body)),
            )
            .await
        }
    };
    for wider in [
        r#"{"allowed_networks":[]}"#,
        r#"{"allowed_networks":["10.0.0.0/8"]}"#,
    ] {
        assert_eq!(reason(&from_office(wider).await), "escalation", "{wider}");
    }
    let inherited = from_office("{}").await;
    assert_eq!(inherited.status, StatusCode::CREATED, "{}", inherited.body);
    assert_eq!(
        json_of(&inherited)["allowed_networks"],
        json!(["127.0.0.0/8"])
    );
}

#[tokio::test]
async fn a_key_stops_at_its_expiry_to_the_second() {
    let app = sqlite_app().await;
    let KeyHolder { user_id, .. } = user_with_key(&app, "expiry").await;
    let settings = KeySettings {
        expires_at: Some(unix_now() + 3_600),
        ..full_access("short-lived")
    };
    let (record, key) = store_key_with(&app, &user_id, &settings).await;
    assert_eq!(users_me(&app.router, &key).await.status, StatusCode::OK);
    let set_expiry = |at: i64| {
        let db = app.state.db.clone();
        let id = record.id.clone();
        async move {
            sqlx::query("UPDATE api_keys SET expires_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(&db)
                .await
                .unwrap();
        }
    };
    // The moment of expiry is already past: the key answers 401 "expired".
    set_expiry(unix_now()).await;
    let expired = users_me(&app.router, &key).await;
    assert_envelope(&expired, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(reason(&expired), "expired");
    // Two seconds ahead (one could pass during the request): still valid.
    set_expiry(unix_now() + 2).await;
    assert_eq!(users_me(&app.router, &key).await.status, StatusCode::OK);
    // And the rule itself, to the second.
    assert!(!keys::is_expired(Some(1_000), 999));
    assert!(keys::is_expired(Some(1_000), 1_000));
    assert!(!keys::is_expired(None, i64::MAX));
}

#[tokio::test]
async fn expiry_choices_are_checked() {
    let app = sqlite_app().await;
    let KeyHolder { key, .. } = subscriber_with_key(&app, "choices").await;
    for (body, field) in [
        (json!({"expires_in_days": 0}), "expires_in_days"),
        (json!({"expires_in_days": -3}), "expires_in_days"),
        (json!({"expires_in_days": 1826}), "expires_in_days"),
        (json!({"expires_in_days": 2.5}), "expires_in_days"),
        (
            json!({"expires_in_days": "next tuesday"}),
            "expires_in_days",
        ),
        (json!({"permissions": "admin"}), "permissions"),
        (json!({"permissions": {"billing": "read"}}), "permissions"),
        (
            json!({"allowed_networks": ["10.0.0.300/8"]}),
            "allowed_networks",
        ),
    ] {
        let text = body.to_string();
        let refused = api(
            &app.router,
            "POST",
            "/v1/api-keys",
            Some(&key),
            Some((JSON, &text)),
        )
        .await;
        assert_envelope(
            &refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
        );
        assert_eq!(
            json_of(&refused)["error"]["details"]["field"],
            field,
            "{body}"
        );
    }
    let count: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM api_keys")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count.0, 1, "nothing was created");
    // The default: 90 days; `null`: never.
    let default = json_of(&api(&app.router, "POST", "/v1/api-keys", Some(&key), None).await);
    let expected = unix_now() + 90 * 86_400;
    let expires_at = time::OffsetDateTime::parse(
        default["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap()
    .unix_timestamp();
    assert!((expected - expires_at).abs() <= 2, "{default}");
    let body = r#"{"expires_in_days": null}"#;
    let never = json_of(
        &api(
            &app.router,
            "POST",
            "/v1/api-keys",
            Some(&key),
            Some((JSON, body)),
        )
        .await,
    );
    assert_eq!(never["expires_at"], Value::Null);
}

async fn roll(router: &axum::Router, key: &str, id: &str, grace: i64) -> Value {
    let body = json!({"grace_period_seconds": grace}).to_string();
    let path = format!("/v1/api-keys/{id}/roll");
    let rolled = api(router, "POST", &path, Some(key), Some((JSON, &body))).await;
    assert_eq!(rolled.status, StatusCode::CREATED, "{}", rolled.body);
    json_of(&rolled)
}

/// Permissions are a preset or an object: an array is refused and makes no
/// key (serde's structs would take `[]` as "no access to anything").
#[tokio::test]
async fn permissions_written_as_an_array_are_refused() {
    let app = sqlite_app().await;
    let KeyHolder { key: owner, .. } = subscriber_with_key(&app, "arrays").await;
    for body in [
        r#"{"permissions": []}"#,
        r#"{"permissions": ["read", "read", "read"]}"#,
    ] {
        let refused = api(
            &app.router,
            "POST",
            "/v1/api-keys",
            Some(&owner),
            Some((JSON, body)),
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            refused.body
        );
    }
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM api_keys")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 1, "only the owner's own key");
}

/// The document says `integer`, and JSON Schema counts `60.0` as one (as
/// schemathesis and generated clients do): it is taken; `60.5` is not.
#[tokio::test]
async fn a_grace_period_written_as_a_whole_decimal_is_taken_and_a_fraction_is_refused() {
    let app = sqlite_app().await;
    let KeyHolder { key: owner, .. } = subscriber_with_key(&app, "decimal").await;
    let (_, id) = create_with(&app, &owner, json!({"name": "ci"})).await;
    let path = format!("/v1/api-keys/{id}/roll");
    let half = r#"{"grace_period_seconds": 60.5}"#;
    let refused = api(&app.router, "POST", &path, Some(&owner), Some((JSON, half))).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(
        json_of(&refused)["error"]["details"]["field"],
        "grace_period_seconds"
    );
    let whole = r#"{"grace_period_seconds": 60.0}"#;
    let rolled = api(
        &app.router,
        "POST",
        &path,
        Some(&owner),
        Some((JSON, whole)),
    )
    .await;
    assert_eq!(rolled.status, StatusCode::CREATED, "{}", rolled.body);
    let grace_ends = json_of(&rolled)["previous_secret"]["expires_at"].clone();
    assert!(grace_ends.is_string(), "{grace_ends}");
}

#[tokio::test]
async fn a_roll_keeps_the_key_and_its_old_secret_works_for_the_grace_period() {
    let app = sqlite_app().await;
    let KeyHolder { key: owner, .. } = subscriber_with_key(&app, "roller").await;
    let (old, id) = create_with(
        &app,
        &owner,
        json!({"name": "ci", "permissions": "read_only"}),
    )
    .await;
    let rolled = roll(&app.router, &owner, &id, 3_600).await;
    let new = rolled["key"].as_str().unwrap().to_owned();
    assert_eq!(rolled["id"], id.as_str());
    assert_eq!(rolled["name"], "ci");
    assert_eq!(rolled["permissions"], "read_only");
    assert!(
        rolled["previous_secret"]["prefix"]
            .as_str()
            .unwrap()
            .starts_with("tp_live_sk_")
    );
    assert_ne!(new, old);
    for secret in [&old, &new] {
        let me = users_me(&app.router, secret).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    }
    // Both secrets count as the same key: one allowance, one usage history.
    let first = users_me(&app.router, &old).await;
    let second = users_me(&app.router, &new).await;
    let remaining = |r: &TestResponse| r.header("x-ratelimit-remaining").parse::<i64>().unwrap();
    assert_eq!(remaining(&first) - 1, remaining(&second));

    let path = format!("/v1/api-keys/{id}/previous-secret");
    let ended = api(&app.router, "DELETE", &path, Some(&owner), None).await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT, "{}", ended.body);
    let refused = users_me(&app.router, &old).await;
    assert_envelope(&refused, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(users_me(&app.router, &new).await.status, StatusCode::OK);
    let again = api(&app.router, "DELETE", &path, Some(&owner), None).await;
    assert_envelope(&again, StatusCode::NOT_FOUND, "not_found");

    // No grace: the old secret stops at once; a grace beyond 7 days is refused.
    let newest = roll(&app.router, &owner, &id, 0).await;
    assert_eq!(newest["previous_secret"], Value::Null);
    assert_eq!(
        users_me(&app.router, &new).await.status,
        StatusCode::UNAUTHORIZED
    );
    let body = r#"{"grace_period_seconds": 604801}"#;
    let path = format!("/v1/api-keys/{id}/roll");
    let refused = api(&app.router, "POST", &path, Some(&owner), Some((JSON, body))).await;
    assert_envelope(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
}

#[tokio::test]
async fn a_grace_period_ends_on_a_second_instance_without_a_restart() {
    let Some(database) = postgres_database().await else {
        return;
    };
    let url = database.url.clone();
    let first = app_on(database, &[]).await;
    let second = second_instance(&url).await;

    let KeyHolder { key: owner, .. } = subscriber_with_key(&first, "two-instances").await;
    let (old, id) = create_with(&first, &owner, json!({"name": "cluster"})).await;
    let rolled = roll(&first.router, &owner, &id, 2).await;
    let new = rolled["key"].as_str().unwrap().to_owned();
    assert_eq!(users_me(&second, &old).await.status, StatusCode::OK);
    assert_eq!(users_me(&second, &new).await.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let refused = users_me(&second, &old).await;
    assert_envelope(&refused, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(users_me(&second, &new).await.status, StatusCode::OK);
}

/// `PATCH /v1/api-keys/{id}` with the JSON `body`, sent with `key`.
async fn patch_key(app: &TestApp, key: &str, id: &str, body: &'static str) -> TestResponse {
    let path = format!("/v1/api-keys/{id}");
    api(&app.router, "PATCH", &path, Some(key), Some((JSON, body))).await
}

#[tokio::test]
async fn a_disabled_key_answers_401_until_it_is_enabled() {
    let app = sqlite_app().await;
    let KeyHolder {
        user_id,
        key: owner,
    } = subscriber_with_key(&app, "pause").await;
    let (paused, id) = create_with(&app, &owner, json!({"name": "nightly"})).await;
    let patch = |body| patch_key(&app, &owner, &id, body);
    let disabled = patch(r#"{"disabled": true}"#).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    assert_eq!(json_of(&disabled)["disabled"], true);
    let refused = users_me(&app.router, &paused).await;
    assert_envelope(&refused, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(reason(&refused), "disabled");
    patch(r#"{"disabled": false}"#).await;
    assert_eq!(users_me(&app.router, &paused).await.status, StatusCode::OK);
    for kind in ["key_disabled", "key_enabled"] {
        assert_eq!(
            logged(&app, &user_id, kind).await.as_deref(),
            Some("nightly"),
            "{kind}"
        );
    }
}

#[tokio::test]
async fn one_change_sets_both_settings_or_neither() {
    let app = sqlite_app().await;
    let KeyHolder {
        user_id,
        key: owner,
    } = subscriber_with_key(&app, "both").await;
    let (key, id) = create_with(&app, &owner, json!({"name": "batch"})).await;
    let patch = |body| patch_key(&app, &owner, &id, body);
    // One bad range refuses the whole change: the key is not disabled.
    let refused =
        patch(r#"{"disabled": true, "allowed_networks": ["10.0.0.0/8", "nowhere"]}"#).await;
    assert_envelope(
        &refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
    assert_eq!(users_me(&app.router, &key).await.status, StatusCode::OK);
    let both = patch(r#"{"disabled": true, "allowed_networks": ["10.0.0.0/8"]}"#).await;
    assert_eq!(both.status, StatusCode::OK, "{}", both.body);
    assert_eq!(json_of(&both)["disabled"], true);
    assert_eq!(json_of(&both)["allowed_networks"], json!(["10.0.0.0/8"]));
    assert_eq!(
        logged(&app, &user_id, "key_networks_changed")
            .await
            .as_deref(),
        Some("batch: 10.0.0.0/8")
    );
    assert_eq!(
        logged(&app, &user_id, "key_disabled").await.as_deref(),
        Some("batch")
    );
}

#[tokio::test]
async fn allowed_networks_admit_their_addresses_only_for_v4_and_v6() {
    let app = sqlite_app().await;
    let KeyHolder { key: owner, .. } = subscriber_with_key(&app, "networks").await;
    let body = json!({"allowed_networks": ["203.0.113.0/24", "2001:db8::/32"]});
    let (limited, id) = create_with(&app, &owner, body).await;
    for (peer, allowed) in [
        ("203.0.113.7", true),
        ("203.0.114.7", false),
        ("2001:db8::7", true),
        ("2001:db9::7", false),
        ("::ffff:203.0.113.9", true),
    ] {
        let answer = api_from(
            &app.router,
            Some(peer),
            "GET",
            "/v1/users/me",
            Some(&limited),
            None,
        )
        .await;
        if allowed {
            assert_eq!(answer.status, StatusCode::OK, "{peer}: {}", answer.body);
        } else {
            assert_envelope(&answer, StatusCode::FORBIDDEN, "forbidden");
            assert_eq!(reason(&answer), "network_not_allowed", "{peer}");
            assert_eq!(json_of(&answer)["error"]["details"]["client_address"], peer);
        }
    }
    // Opened to any address again.
    let path = format!("/v1/api-keys/{id}");
    let body = r#"{"allowed_networks": []}"#;
    let opened = api(
        &app.router,
        "PATCH",
        &path,
        Some(&owner),
        Some((JSON, body)),
    )
    .await;
    assert_eq!(json_of(&opened)["allowed_networks"], json!([]));
    let answer = api_from(
        &app.router,
        Some("198.51.100.1"),
        "GET",
        "/v1/users/me",
        Some(&limited),
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[tokio::test]
async fn a_mistyped_key_is_refused_without_a_database_query() {
    let app = sqlite_app().await;
    let KeyHolder { key, .. } = user_with_key(&app, "typo").await;
    let mut typo = key.clone().into_bytes();
    let last = typo.len() - 1;
    typo[last] = if typo[last] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    // With the database closed, anything that queried would answer 503.
    app.state.db.close().await;
    for presented in [typo.as_str(), &key[..key.len() - 1]] {
        let refused = users_me(&app.router, presented).await;
        assert_envelope(&refused, StatusCode::UNAUTHORIZED, "unauthorized");
        assert_eq!(reason(&refused), "malformed", "{presented}");
    }
    let looked_up = users_me(&app.router, &key).await;
    assert_eq!(
        looked_up.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "a real key is looked up"
    );
}

#[tokio::test]
async fn keys_of_the_old_format_keep_working() {
    for database in all_databases().await {
        let app = app_on(database, &[]).await;
        let KeyHolder { user_id, .. } = user_with_key(&app, "legacy").await;
        let legacy = format!("tp_live_{}", "a1B2c3D4e5".repeat(4));
        sqlx::query(
            "INSERT INTO api_keys (id, user_id, name, key_hash, masked, created_at) \
             VALUES ($1, $2, 'from 2025', $3, $4, 0)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&user_id)
        .bind(keys::key_hash(&legacy))
        .bind(keys::mask(&legacy))
        .execute(&app.state.db)
        .await
        .unwrap();
        assert_eq!(users_me(&app.router, &legacy).await.status, StatusCode::OK);
        let listed = json_of(&api(&app.router, "GET", "/v1/api-keys", Some(&legacy), None).await);
        let old = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["name"] == "from 2025")
            .unwrap()
            .clone();
        assert_eq!(old["permissions"], "full");
        assert_eq!(old["expires_at"], Value::Null);
        assert_eq!(old["prefix"], "tp_live_a1B2…D4e5");
    }
}

#[tokio::test]
async fn verification_tells_other_services_what_a_key_may_do() {
    let app = app_on(
        sqlite_database(),
        &[("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN)],
    )
    .await;
    let KeyHolder { user_id, .. } = user_with_key(&app, "verify").await;
    let settings = KeySettings {
        permissions: Permissions::Restricted(ResourceAccess {
            usage: Access::Write,
            ..ResourceAccess::NO_ACCESS
        }),
        expires_at: Some(4_102_444_800),
        networks: Networks::parse("10.0.0.0/8").unwrap(),
        ..full_access("uploader")
    };
    let (_, key) = store_key_with(&app, &user_id, &settings).await;
    let answer = |body: Value| {
        let router = app.router.clone();
        async move { verify(&router, Some(SERVICE_TOKEN), &body.to_string()).await }
    };
    let valid = json_of(&answer(json!({"key": key})).await);
    assert_eq!(valid["valid"], true);
    assert_eq!(
        valid["permissions"],
        json!({"account": "none", "api_keys": "none", "usage": "write"})
    );
    assert_eq!(valid["expires_at"], "2100-01-01T00:00:00Z");
    assert_eq!(valid["allowed_networks"], json!(["10.0.0.0/8"]));
    let inside = json_of(&answer(json!({"key": key, "client_address": "10.1.2.3"})).await);
    assert_eq!(inside["valid"], true);
    let outside = json_of(&answer(json!({"key": key, "client_address": "192.0.2.1"})).await);
    assert_eq!(
        outside,
        json!({"valid": false, "reason": "network_not_allowed"})
    );
    let malformed = json_of(&answer(json!({"key": format!("{key}x")})).await);
    assert_eq!(malformed, json!({"valid": false, "reason": "malformed"}));
    sqlx::query("UPDATE api_keys SET expires_at = 1 WHERE name = 'uploader'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let expired = json_of(&answer(json!({"key": key})).await);
    assert_eq!(expired, json!({"valid": false, "reason": "expired"}));
    let bad_address = answer(json!({"key": key, "client_address": "somewhere"})).await;
    assert_envelope(
        &bad_address,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
}

#[tokio::test]
async fn an_expiring_key_s_owner_is_reminded_once_a_week_before() {
    let app = sqlite_app().await;
    let KeyHolder { user_id, .. } = user_with_key(&app, "remind").await;
    let now = unix_now();
    for (name, created_at, expires_at) in [
        ("due", now - 80 * 86_400, now + 6 * 86_400),
        ("later", now - 80 * 86_400, now + 9 * 86_400),
        ("short-lived", now - 86_400, now + 5 * 86_400),
    ] {
        let settings = KeySettings {
            expires_at: Some(expires_at),
            ..full_access(name)
        };
        let (record, _) = store_key_with(&app, &user_id, &settings).await;
        sqlx::query("UPDATE api_keys SET created_at = $1 WHERE id = $2")
            .bind(created_at)
            .bind(&record.id)
            .execute(&app.state.db)
            .await
            .unwrap();
    }
    let reminders = |db: sqlx::AnyPool| async move {
        let subjects: Vec<(String,)> = sqlx::query_as(
            "SELECT subject FROM mail_outbox WHERE subject LIKE '%expires in 7 days%'",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        subjects.len()
    };
    let public_url = app.state.site.public_url.to_string();
    let queued = keys::reminders::remind_expiring(&app.state.db, &public_url, now)
        .await
        .unwrap();
    assert_eq!(queued, 1, "only the long-lived key inside its last week");
    assert_eq!(reminders(app.state.db.clone()).await, 1);
    let again = keys::reminders::remind_expiring(&app.state.db, &public_url, now + 60)
        .await
        .unwrap();
    assert_eq!(again, 0, "once");
    assert_eq!(reminders(app.state.db.clone()).await, 1);
}

/// The /keys page's forms as a browser without JavaScript posts them.
async fn post_keys_form(app: &TestApp, cookie: &str, pairs: &[(&str, &str)]) -> TestResponse {
    let request = axum::http::Request::post("/keys")
        .header(axum::http::header::ORIGIN, ORIGIN)
        .header(axum::http::header::ACCEPT, "text/html")
        .header(axum::http::header::COOKIE, cookie)
        .header(
            axum::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(axum::body::Body::from(form(pairs)))
        .unwrap();
    send(&app.router, request).await
}

fn secret_on_page(body: &str) -> String {
    let secret: String = body
        .split("tp_live_sk_")
        .nth(1)
        .expect("a key on the page")
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    format!("tp_live_sk_{secret}")
}

#[tokio::test]
async fn the_page_creates_a_scoped_expiring_key_and_rolls_it_without_javascript() {
    let app = sqlite_app().await;
    let SignedInUser { cookie, .. } = subscriber(&app, "page-door").await;
    let created = post_keys_form(
        &app,
        &cookie,
        &[
            ("intent", "create"),
            ("name", "notebook"),
            ("access", "read_only"),
            ("expires", "7"),
            ("allowed_networks", ""),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let old = secret_on_page(&created.body);
    assert_eq!(users_me(&app.router, &old).await.status, StatusCode::OK);
    let write = api(&app.router, "POST", "/v1/api-keys", Some(&old), None).await;
    assert_envelope(&write, StatusCode::FORBIDDEN, "forbidden");

    let id: (String,) = sqlx::query_as("SELECT id FROM api_keys WHERE name = 'notebook'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    // The key's row, opened: its details.
    let listed = page(&app.router, &format!("/keys?open={}", id.0), Some(&cookie)).await;
    for shown in [
        "Read only",
        "In 7 days",
        "Expires soon",
        "Any address",
        "100 reads and 10 changes a minute",
    ] {
        assert!(listed.body.contains(shown), "{shown} missing");
    }
    let rolled = post_keys_form(
        &app,
        &cookie,
        &[
            ("intent", "roll"),
            ("key_id", &id.0),
            ("grace_seconds", "3600"),
        ],
    )
    .await;
    assert_eq!(rolled.status, StatusCode::OK, "{}", rolled.body);
    assert!(
        rolled.body.contains("keeps working until"),
        "{}",
        rolled.body
    );
    let new = secret_on_page(&rolled.body);
    assert_ne!(new, old);
    for secret in [&old, &new] {
        assert_eq!(users_me(&app.router, secret).await.status, StatusCode::OK);
    }
    let ended = call(
        &app.router,
        "end_api_key_grace",
        &form(&[("key_id", &id.0)]),
        Some(&cookie),
    )
    .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(
        users_me(&app.router, &old).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(users_me(&app.router, &new).await.status, StatusCode::OK);

    // Wrong choices are named next to their fields, and nothing is made.
    for (pairs, message) in [
        (
            vec![("name", "x"), ("allowed_networks", "10.0.0.300/8")],
            "10.0.0.300/8",
        ),
        (
            vec![
                ("name", "x"),
                ("expires", "date"),
                ("expires_on", "2020-01-01"),
            ],
            "in the future",
        ),
        (
            vec![("name", "x"), ("access", "restricted"), ("usage", "admin")],
            "none, read or write",
        ),
        (
            vec![
                ("intent", "roll"),
                ("key_id", &id.0),
                ("grace_seconds", "99999999"),
            ],
            "7 days",
        ),
    ] {
        let refused = post_keys_form(&app, &cookie, &pairs).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{pairs:?}"
        );
        assert!(
            refused.body.contains(message),
            "{message}: {}",
            refused.body
        );
    }
    let count: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM api_keys")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count.0, 1);
}

#[tokio::test]
async fn the_dashboard_warns_of_keys_that_expire_within_a_week_only() {
    let app = sqlite_app().await;
    let SignedInUser {
        cookie,
        id: user_id,
    } = subscriber(&app, "soon").await;
    let now = unix_now();
    for (name, expires_in_days) in [("ingest-soon", 3), ("ingest-later", 30)] {
        let settings = KeySettings {
            expires_at: Some(now + expires_in_days * 86_400),
            ..full_access(name)
        };
        store_key_with(&app, &user_id, &settings).await;
    }
    let dashboard = page(&app.router, "/dashboard", Some(&cookie)).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard.body.contains("These API keys expire soon"),
        "{}",
        dashboard.body
    );
    assert!(dashboard.body.contains("ingest-soon"));
    assert!(!dashboard.body.contains("ingest-later"));

    // With no key close to its end, no warning.
    let SignedInUser {
        cookie: quiet,
        id: quiet_id,
    } = subscriber(&app, "quiet").await;
    let settings = KeySettings {
        expires_at: Some(now + 30 * 86_400),
        ..full_access("ingest")
    };
    store_key_with(&app, &quiet_id, &settings).await;
    let dashboard = page(&app.router, "/dashboard", Some(&quiet)).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(!dashboard.body.contains("expire soon"));
}

/// The issue's case: a key limited to 127.0.0.1/32 and 7 days could roll a
/// key of the same account with no network limit and a 90-day expiry, and
/// receive its secret. Nor may it enable, change or revoke such a key.
#[tokio::test]
async fn a_contained_key_cannot_roll_enable_or_change_its_way_out() {
    let app = app_on(sqlite_database(), &[("API_KEY_MANAGE_PER_MINUTE", "1000")]).await;
    let KeyHolder { key: owner, .. } = subscriber_with_key(&app, "contained").await;
    let (narrow, narrow_id) = create_with(
        &app,
        &owner,
        json!({"name": "narrow", "expires_in_days": 7, "allowed_networks": ["127.0.0.1/32"]}),
    )
    .await;
    let (_, wide_id) = create_with(&app, &owner, json!({"name": "wide"})).await;
    // Made an hour ago: a roll would give it its 7 days again from now.
    sqlx::query(
        "UPDATE api_keys SET created_at = created_at - 3600, expires_at = expires_at WHERE id = $1",
    )
    .bind(&narrow_id)
    .execute(&app.state.db)
    .await
    .unwrap();
    let from_home = |method: &'static str, path: String, body: Option<&'static str>| {
        let (router, narrow) = (app.router.clone(), narrow.clone());
        async move {
            api_from(
                &router,
                Some("127.0.0.1"),
                method,
                &path,
                Some(&narrow),
                body.map(|b| (JSON, b)),
            )
            .await
        }
    };
    let roll_body = Some(r#"{"grace_period_seconds":0}"#);
    for (method, path, body) in [
        ("POST", format!("/v1/api-keys/{wide_id}/roll"), roll_body),
        (
            "PATCH",
            format!("/v1/api-keys/{wide_id}"),
            Some(r#"{"disabled":true}"#),
        ),
        ("DELETE", format!("/v1/api-keys/{wide_id}"), None),
    ] {
        let refused = from_home(method, path.clone(), body).await;
        assert_envelope(&refused, StatusCode::FORBIDDEN, "forbidden");
        assert_eq!(reason(&refused), "escalation", "{method} {path}");
        assert!(
            !refused.body.contains("tp_live_sk_"),
            "no secret: {}",
            refused.body
        );
    }
    // A disabled wide key stays disabled.
    let disabled = api(
        &app.router,
        "PATCH",
        &format!("/v1/api-keys/{wide_id}"),
        Some(&owner),
        Some((JSON, r#"{"disabled":true}"#)),
    )
    .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    let enable = from_home(
        "PATCH",
        format!("/v1/api-keys/{wide_id}"),
        Some(r#"{"disabled":false}"#),
    )
    .await;
    assert_eq!(reason(&enable), "escalation", "{}", enable.body);
    let wide = key_listed(&app, &owner, &wide_id).await;
    assert_eq!(wide["disabled"], true, "{wide}");
    // Rolling itself gives it a new secret, but not its 7 days again from
    // now: the lifetime stays capped at its own expiry.
    let before = key_listed(&app, &owner, &narrow_id).await["expires_at"].clone();
    let rolled = from_home("POST", format!("/v1/api-keys/{narrow_id}/roll"), roll_body).await;
    assert_eq!(rolled.status, StatusCode::CREATED, "{}", rolled.body);
    assert_eq!(json_of(&rolled)["expires_at"], before, "no later expiry");
}

/// The key `id` as `GET /v1/api-keys` lists it to `key`.
async fn key_listed(app: &TestApp, key: &str, id: &str) -> Value {
    let listed = json_of(&api(&app.router, "GET", "/v1/api-keys", Some(key), None).await);
    listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|listed| listed["id"] == id)
        .unwrap()
        .clone()
}

/// After a roll, the old secret still authenticates for its grace period
/// but manages no key (it could otherwise roll again and cut off the new
/// one); a second roll while the grace period runs is refused unless the
/// caller says to end it, also when ten rolls arrive at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_old_secret_manages_no_key_and_a_roll_never_silently_cuts_one_off() {
    for database in all_databases().await {
        let app = app_on(database, &[("API_KEY_MANAGE_PER_MINUTE", "1000")]).await;
        let KeyHolder { key: owner, .. } = subscriber_with_key(&app, "grace").await;
        let (old, id) = create_with(&app, &owner, json!({"name": "deployed"})).await;
        let new = roll(&app.router, &owner, &id, 3_600).await["key"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(users_me(&app.router, &old).await.status, StatusCode::OK);

        let roll_path = format!("/v1/api-keys/{id}/roll");
        let zero_grace = Some((
            JSON,
            r#"{"grace_period_seconds":0,"end_previous_grace":true}"#,
        ));
        for (method, path, body) in [
            ("POST", roll_path.clone(), zero_grace),
            (
                "PATCH",
                format!("/v1/api-keys/{id}"),
                Some((JSON, r#"{"disabled":true}"#)),
            ),
            ("DELETE", format!("/v1/api-keys/{id}/previous-secret"), None),
            ("DELETE", format!("/v1/api-keys/{id}"), None),
            ("POST", "/v1/api-keys".to_owned(), None),
        ] {
            let refused = api(&app.router, method, &path, Some(&old), body).await;
            assert_envelope(&refused, StatusCode::FORBIDDEN, "forbidden");
            assert_eq!(reason(&refused), "escalation", "{method} {path}");
        }
        assert_eq!(
            users_me(&app.router, &new).await.status,
            StatusCode::OK,
            "the new secret works"
        );

        // Ten rolls at once while the grace period runs: none cuts the old secret off.
        let rolls = (0..10).map(|_| {
            let (router, owner, path) = (app.router.clone(), owner.clone(), roll_path.clone());
            tokio::spawn(async move {
                api(
                    &router,
                    "POST",
                    &path,
                    Some(&owner),
                    Some((JSON, r#"{"grace_period_seconds":600}"#)),
                )
                .await
            })
        });
        for refused in futures::future::join_all(rolls).await {
            let refused = refused.unwrap();
            assert_envelope(&refused, StatusCode::CONFLICT, "conflict");
            assert_eq!(reason(&refused), "grace_period_running");
        }
        assert_eq!(users_me(&app.router, &old).await.status, StatusCode::OK);
        assert_eq!(users_me(&app.router, &new).await.status, StatusCode::OK);

        // Said out loud, the roll ends the oldest secret; the one before keeps its grace.
        let body = r#"{"grace_period_seconds":600,"end_previous_grace":true}"#;
        let rolled = api(
            &app.router,
            "POST",
            &roll_path,
            Some(&owner),
            Some((JSON, body)),
        )
        .await;
        assert_eq!(rolled.status, StatusCode::CREATED, "{}", rolled.body);
        assert_eq!(
            users_me(&app.router, &old).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(users_me(&app.router, &new).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_page_asks_before_a_roll_ends_a_running_grace_period() {
    let app = sqlite_app().await;
    let SignedInUser {
        cookie,
        id: user_id,
    } = subscriber(&app, "page-grace").await;
    let (record, _) = store_key(&app, &user_id, "web").await;
    let roll = |end: bool| {
        let mut pairs = vec![
            ("intent", "roll"),
            ("key_id", record.id.as_str()),
            ("grace_seconds", "3600"),
        ];
        if end {
            pairs.push(("end_previous_grace", "true"));
        }
        let (app, cookie) = (&app, &cookie);
        async move { post_keys_form(app, cookie, &pairs).await }
    };
    let first = roll(false).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first_secret = secret_on_page(&first.body);
    // The roll form, opened from the key's row.
    let keys_page = page(
        &app.router,
        &format!("/keys?open={}&panel=roll", record.id),
        Some(&cookie),
    )
    .await;
    assert!(
        keys_page.body.contains("name=\"end_previous_grace\""),
        "{}",
        keys_page.body
    );
    let refused = roll(false).await;
    assert!(
        refused.body.contains("still works until"),
        "{}",
        refused.body
    );
    assert!(
        !refused.body.contains("The new secret of"),
        "{}",
        refused.body
    );
    assert_eq!(
        users_me(&app.router, &first_secret).await.status,
        StatusCode::OK
    );
    let ended = roll(true).await;
    assert!(ended.body.contains("The new secret of"), "{}", ended.body);
    // The server function refuses the same way.
    let body = form(&[("key_id", &record.id), ("grace_seconds", "0")]);
    let by_script = call(&app.router, "roll_api_key", &body, Some(&cookie)).await;
    assert_eq!(by_script.status, StatusCode::CONFLICT, "{}", by_script.body);
}
