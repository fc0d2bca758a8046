//! The `/v1` user/key API as other programs reach it: authentication with
//! `X-API-Key`, the spec's shapes and error envelope, ownership, rate limits,
//! and revocation that holds on the very next request, on every instance.

use crate::common;

use app::api_keys::ssr as keys;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::api::*;
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn a_key_identifies_its_user_and_bad_keys_get_401() {
    for database in all_databases().await {
        let app = app_on(database, &[]).await;
        let KeyHolder { user_id, key } = user_with_key(&app, "me").await;
        let me = users_me(&app.router, &key).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.header("cache-control"), "no-store");
        assert_eq!(
            json_of(&me),
            json!({ "id": user_id, "display_name": "me user" })
        );

        let missing = api(&app.router, "GET", "/v1/users/me", None, None).await;
        assert_envelope(&missing, StatusCode::UNAUTHORIZED, "unauthorized");
        let secret = &key["tp_live_".len()..];
        for bad in [
            "nonsense".to_owned(),
            format!("tp_live_{}", "x".repeat(200)),
            format!("tp_live_{}", secret.chars().rev().collect::<String>()),
            key.to_uppercase(),
        ] {
            let refused = users_me(&app.router, &bad).await;
            assert_envelope(&refused, StatusCode::UNAUTHORIZED, "unauthorized");
        }
    }
}

#[tokio::test]
async fn a_key_is_created_with_every_default_from_no_body_or_an_empty_one() {
    let app = sqlite_app().await;
    let KeyHolder { key, .. } = subscriber_with_key(&app, "defaults").await;
    // The body is an object or nothing, as the document says: `null` is
    // neither (generated clients could not send it either).
    for null in ["null", " null\n"] {
        let refused = api(
            &app.router,
            "POST",
            "/v1/api-keys",
            Some(&key),
            Some(("application/json", null)),
        )
        .await;
        assert_envelope(
            &refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
        );
    }
    for body in [
        None,
        Some(("application/json", "")),
        Some(("application/json", "{}")),
    ] {
        let created = api(&app.router, "POST", "/v1/api-keys", Some(&key), body).await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{body:?}: {}",
            created.body
        );
        let created = json_of(&created);
        assert!(
            created["key"].as_str().unwrap().starts_with("tp_live_sk_"),
            "{created}"
        );
        assert_eq!(created["name"], "API key", "{created}");
        assert_eq!(created["permissions"], "full", "the calling key's own");
    }
}

#[tokio::test]
async fn keys_are_created_once_listed_masked_and_revoked_for_good() {
    let app = sqlite_app().await;
    let KeyHolder { key, .. } = subscriber_with_key(&app, "owner").await;

    let created = api(
        &app.router,
        "POST",
        "/v1/api-keys",
        Some(&key),
        Some(("application/json", r#"{"name":"ci runner"}"#)),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.header("cache-control"), "no-store");
    let created = json_of(&created);
    let new_key = created["key"].as_str().unwrap().to_owned();
    assert!(new_key.starts_with("tp_live_sk_") && new_key.len() == 11 + 36);
    let mut keys_seen: Vec<&str> = created
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys_seen.sort();
    assert_eq!(
        keys_seen,
        [
            "allowed_networks",
            "created_at",
            "disabled",
            "expires_at",
            "id",
            "key",
            "last_used_address",
            "last_used_at",
            "name",
            "permissions",
            "prefix",
            "previous_secret",
            "rate_limit"
        ]
    );
    assert_eq!(created["last_used_at"], Value::Null);
    assert_eq!(created["name"], "ci runner");
    assert_eq!(created["permissions"], "full", "the calling key's own");
    assert_eq!(
        created["rate_limit"],
        json!({"reads_per_minute": 100, "changes_per_minute": 10})
    );
    let secret = &new_key["tp_live_sk_".len()..];
    assert_eq!(
        created["prefix"],
        format!(
            "tp_live_sk_{}…{}",
            &secret[..4],
            &secret[secret.len() - 4..]
        )
    );

    // The new key works at once; the list never shows a key again.
    assert_eq!(users_me(&app.router, &new_key).await.status, StatusCode::OK);
    let listed = api(&app.router, "GET", "/v1/api-keys", Some(&key), None).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.body.contains(secret) && !listed.body.contains(&key["tp_live_".len()..]));
    let items = json_of(&listed)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|item| item.get("key").is_none()));
    let stored: Vec<(String, String)> = sqlx::query_as("SELECT key_hash, masked FROM api_keys")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|(hash, masked)| !hash.contains(secret) && !masked.contains(secret))
    );

    let id = created["id"].as_str().unwrap();
    let revoked = api(
        &app.router,
        "DELETE",
        &format!("/v1/api-keys/{id}"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let after = users_me(&app.router, &new_key).await;
    assert_envelope(&after, StatusCode::UNAUTHORIZED, "unauthorized");
    let again = api(
        &app.router,
        "DELETE",
        &format!("/v1/api-keys/{id}"),
        Some(&key),
        None,
    )
    .await;
    assert_envelope(&again, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        json_of(&api(&app.router, "GET", "/v1/api-keys", Some(&key), None).await)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn one_user_cannot_see_or_revoke_another_s_keys() {
    let app = sqlite_app().await;
    let KeyHolder { key: alice, .. } = user_with_key(&app, "alice").await;
    let KeyHolder { key: bob, .. } = user_with_key(&app, "bob").await;
    let bobs = json_of(&api(&app.router, "GET", "/v1/api-keys", Some(&bob), None).await);
    let bob_key_id = bobs["items"][0]["id"].as_str().unwrap().to_owned();
    let alices = json_of(&api(&app.router, "GET", "/v1/api-keys", Some(&alice), None).await);
    assert!(!alices.to_string().contains(&bob_key_id));
    let attempt = api(
        &app.router,
        "DELETE",
        &format!("/v1/api-keys/{bob_key_id}"),
        Some(&alice),
        None,
    )
    .await;
    assert_envelope(&attempt, StatusCode::NOT_FOUND, "not_found");
    let unknown = api(
        &app.router,
        "DELETE",
        "/v1/api-keys/00000000-0000-0000-0000-000000000000",
        Some(&alice),
        None,
    )
    .await;
    // The same answer, but for each request's own id.
    let without_id = |response: &TestResponse| {
        let mut envelope = json_of(response);
        envelope["error"]["request_id"].take();
        envelope
    };
    assert_eq!(
        without_id(&attempt),
        without_id(&unknown),
        "no hint that it exists"
    );
    assert_eq!(users_me(&app.router, &bob).await.status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_requests_get_the_envelope_and_change_nothing() {
    let app = sqlite_app().await;
    let KeyHolder { key, .. } = subscriber_with_key(&app, "careless").await;
    let post = |content_type: &'static str, body: &'static str| {
        let (router, key) = (app.router.clone(), key.clone());
        async move {
            api(
                &router,
                "POST",
                "/v1/api-keys",
                Some(&key),
                Some((content_type, body)),
            )
            .await
        }
    };
    assert_envelope(
        &post("text/plain", r#"{"name":"x"}"#).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_envelope(
        &post("application/json", r#"{"name":"#).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_envelope(
        &post("application/json", r#"{"name":""}"#).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
    let long = Box::leak(format!(r#"{{"name":"{}"}}"#, "n".repeat(65)).into_boxed_str());
    assert_envelope(
        &post("application/json", long).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
    assert_envelope(
        &post("application/json", r#"{"name":"x","admin":true}"#).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
    assert_envelope(
        &post("application/json", r#"{"name":7}"#).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
    let count: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM api_keys")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count.0, 1);
}

#[tokio::test]
async fn every_answer_carries_rate_limit_headers_and_the_limit_holds() {
    let app = sqlite_app().await;
    let KeyHolder { key, .. } = subscriber_with_key(&app, "busy").await;
    let read = users_me(&app.router, &key).await;
    assert_eq!(
        (
            read.header("x-ratelimit-limit"),
            read.header("x-ratelimit-remaining")
        ),
        ("100", "99")
    );
    assert!(read.header("x-ratelimit-reset").parse::<u64>().is_ok());

    // Key management: 10 a minute. Creations stop at the 20-key cap first, so
    // alternate creating and revoking.
    let mut statuses = Vec::new();
    for round in 0..11 {
        let response = if round % 2 == 0 {
            api(&app.router, "POST", "/v1/api-keys", Some(&key), None).await
        } else {
            api(&app.router, "DELETE", "/v1/api-keys/nope", Some(&key), None).await
        };
        assert_eq!(response.header("x-ratelimit-limit"), "10");
        statuses.push((
            response.status,
            response.header("x-ratelimit-remaining").to_owned(),
            response.header("retry-after").to_owned(),
            response.body,
        ));
    }
    let (last_status, remaining, retry_after, body) = statuses.pop().unwrap();
    assert_eq!(last_status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(remaining, "0");
    assert!(
        retry_after
            .parse::<u64>()
            .is_ok_and(|secs| (1..=60).contains(&secs)),
        "{retry_after}"
    );
    assert!(body.contains("\"rate_limited\""));
    assert!(
        statuses
            .iter()
            .all(|(status, ..)| *status != StatusCode::TOO_MANY_REQUESTS)
    );
    // Reads have their own allowance.
    assert_eq!(users_me(&app.router, &key).await.status, StatusCode::OK);
}

#[tokio::test]
async fn last_use_is_recorded_without_a_write_per_request() {
    let app = sqlite_app().await;
    let KeyHolder { key, .. } = user_with_key(&app, "user").await;
    for _ in 0..5 {
        users_me(&app.router, &key).await;
    }
    let mut last_used = Value::Null;
    for _ in 0..50 {
        let listed = json_of(&api(&app.router, "GET", "/v1/api-keys", Some(&key), None).await);
        last_used = listed["items"][0]["last_used_at"].clone();
        if !last_used.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(last_used.is_string(), "last_used_at stays null");
    let owner = owner_of(&app, &key).await;
    let before: (Option<i64>,) = sqlx::query_as("SELECT last_used_at FROM api_keys")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    keys::record_use(&app.state.db, &owner, "127.0.0.1", before.0.unwrap() + 30)
        .await
        .unwrap();
    let after: (Option<i64>,) = sqlx::query_as("SELECT last_used_at FROM api_keys")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(before, after, "within a minute: no write");
}

#[tokio::test]
async fn concurrent_checks_share_queries_and_each_gets_its_own_answer() {
    for database in all_databases().await {
        let app = app_on(database, &[]).await;
        let mut expected = Vec::new();
        for tag in ["ada", "bo", "cy"] {
            let KeyHolder { user_id, key } = user_with_key(&app, tag).await;
            expected.push((key, Some(user_id)));
        }
        let KeyHolder {
            user_id: revoked_owner,
            key: revoked,
        } = user_with_key(&app, "gone").await;
        let revoked_id = owner_of(&app, &revoked).await.key_id;
        assert!(
            keys::revoke(&app.state.db, &revoked_owner, &revoked_id, "127.0.0.1")
                .await
                .unwrap()
        );
        expected.push((revoked, None));
        expected.push((format!("tp_live_{}", "Z".repeat(40)), None));
        expected.push(("not a key".to_owned(), None));

        // Hundreds at once, so most are answered by queries shared with others.
        let checks: Vec<_> = (0..300)
            .map(|n| {
                let (key, owner) = expected[n % expected.len()].clone();
                let lookup = app.state.key_lookup.clone();
                tokio::spawn(async move {
                    let found = match lookup.check(&key).await.unwrap() {
                        keys::KeyCheck::Valid(found) => Some(found.user_id),
                        keys::KeyCheck::Refused(..) => None,
                    };
                    assert_eq!(found, owner, "{key}");
                })
            })
            .collect();
        for check in checks {
            check.await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_key_store_that_cannot_be_read_fails_the_check_instead_of_passing_it() {
    let app = sqlite_app().await;
    let KeyHolder { key, .. } = user_with_key(&app, "user").await;
    app.state.db.close().await;
    assert!(app.state.key_lookup.check(&key).await.is_err());
    let me = users_me(&app.router, &key).await;
    assert_envelope(&me, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(me.header("retry-after"), "5");
    assert!(me.body.contains("nothing was changed"), "{}", me.body);
}

#[tokio::test]
async fn a_revocation_on_one_instance_holds_at_once_on_another() {
    let Some(database) = postgres_database().await else {
        return;
    };
    let url = database.url.clone();
    let first = app_on(database, &[]).await;
    let second = second_instance(&url).await;

    let KeyHolder { key, .. } = user_with_key(&first, "roaming").await;
    assert_eq!(users_me(&second, &key).await.status, StatusCode::OK);
    let id = json_of(&api(&first.router, "GET", "/v1/api-keys", Some(&key), None).await)["items"]
        [0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, other_key) = {
        let user: (String,) = sqlx::query_as("SELECT user_id FROM api_keys WHERE id = $1")
            .bind(&id)
            .fetch_one(&first.state.db)
            .await
            .unwrap();
        store_key(&first, &user.0, "second").await
    };
    let revoked = api(
        &first.router,
        "DELETE",
        &format!("/v1/api-keys/{id}"),
        Some(&other_key),
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_envelope(
        &users_me(&second, &key).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
}

#[tokio::test]
async fn a_token_rotation_accepts_the_current_and_the_previous_service_token() {
    const PREVIOUS: &str = "svc_previous_previous_previous_previous";
    let app = app_on(
        sqlite_database(),
        &[
            ("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN),
            ("INTERNAL_SERVICE_TOKEN_PREVIOUS", PREVIOUS),
        ],
    )
    .await;
    let KeyHolder { key, .. } = user_with_key(&app, "rotated").await;
    let body = json!({ "key": key }).to_string();
    for token in [SERVICE_TOKEN, PREVIOUS] {
        let answer = verify(&app.router, Some(token), &body).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(json_of(&answer)["valid"], true);
    }
    let neither = format!("{PREVIOUS}x");
    assert_envelope(
        &verify(&app.router, Some(&neither), &body).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );

    // The rotation's end: the previous token is refused once it is unset.
    let same_database = TestDatabase::at(app.database.backend, app.database.url.clone());
    let after = app_on(same_database, &[("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN)]).await;
    assert_envelope(
        &verify(&after.router, Some(PREVIOUS), &body).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_eq!(
        verify(&after.router, Some(SERVICE_TOKEN), &body)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn other_services_verify_keys_with_the_service_token() {
    let app = app_on(
        sqlite_database(),
        &[("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN)],
    )
    .await;
    let KeyHolder { user_id, key } = user_with_key(&app, "verified").await;
    let body = json!({ "key": key }).to_string();

    assert_envelope(
        &verify(&app.router, None, &body).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_envelope(
        &verify(
            &app.router,
            Some("svc_wrong_wrong_wrong_wrong_wrong_wrong"),
            &body,
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );

    let answer = verify(&app.router, Some(SERVICE_TOKEN), &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let answer = json_of(&answer);
    assert_eq!(answer["valid"], true);
    assert_eq!(answer["user_id"], user_id.as_str());
    assert!(answer["key_id"].is_string());
    assert_eq!(
        answer["subscription"],
        json!({ "active": false, "plan_id": null, "period_end": null })
    );

    for (bad, reason) in [
        (
            json!({ "key": "tp_live_unknown0000000000000000000000000000" }),
            "invalid",
        ),
        (json!({ "key": "" }), "malformed"),
    ] {
        let answer = verify(&app.router, Some(SERVICE_TOKEN), &bad.to_string()).await;
        assert_eq!(
            json_of(&answer),
            json!({ "valid": false, "reason": reason })
        );
    }
    assert_envelope(
        &verify(&app.router, Some(SERVICE_TOKEN), "{\"key\":").await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    );
    assert_envelope(
        &verify(&app.router, Some(SERVICE_TOKEN), "{\"token\":\"x\"}").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_error",
    );
    let untyped = Request::post("/internal/v1/keys/verify")
        .header(header::AUTHORIZATION, format!("Bearer {SERVICE_TOKEN}"))
        .body(Body::from(body.clone()))
        .unwrap();
    let untyped = send(&app.router, untyped).await;
    assert_envelope(&untyped, StatusCode::BAD_REQUEST, "bad_request");
    assert!(
        untyped.body.contains("Content-Type: application/json"),
        "{}",
        untyped.body
    );

    let id = json_of(&api(&app.router, "GET", "/v1/api-keys", Some(&key), None).await)["items"][0]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    keys::revoke(&app.state.db, &user_id, &id, "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(
        json_of(&verify(&app.router, Some(SERVICE_TOKEN), &body).await),
        json!({ "valid": false, "reason": "revoked" })
    );
}

#[tokio::test]
async fn verify_reports_the_active_plan() {
    let app = app_on(
        sqlite_database(),
        &[("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN)],
    )
    .await;
    let KeyHolder { user_id, key } = user_with_key(&app, "paying").await;
    // A subscription as the (sandbox) Payment MS reports it.
    sqlx::query(
        "INSERT INTO sandbox_subscriptions (id, user_id, customer_id, product_id, price_id, status, \
         current_period_end, cancel_at_period_end, created_at) \
         VALUES ('sub_1', $1, 'c1', 'prod_TpPro001', 'price_TpProMonthly001', 'active', $2, 0, 0)",
    )
    .bind(&user_id)
    .bind(4_102_444_800_i64) // 2100-01-01
    .execute(&app.state.db)
    .await
    .unwrap();
    let answer = json_of(
        &verify(
            &app.router,
            Some(SERVICE_TOKEN),
            &json!({ "key": key }).to_string(),
        )
        .await,
    );
    assert_eq!(
        answer["subscription"],
        json!({ "active": true, "plan_id": "pro", "period_end": "2100-01-01T00:00:00Z" })
    );
}

/// The operations a document lists, as "METHOD path", sorted.
fn operations(doc: &Value) -> Vec<String> {
    let mut listed: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, methods)| {
            let methods = methods.as_object().unwrap();
            methods
                .keys()
                .map(move |method| format!("{} {path}", method.to_uppercase()))
        })
        .collect();
    listed.sort();
    listed
}

/// The answer `response` refers to among the document's shared ones, or
/// `response` itself.
fn shared<'a>(doc: &'a Value, response: &'a Value) -> &'a Value {
    match response["$ref"].as_str() {
        Some(target) => doc
            .pointer(target.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling {target}")),
        None => response,
    }
}

/// Every operation documents the refusals every one of them may answer and
/// names its auth; every schema is there and every `$ref` points at one
/// that exists.
fn assert_complete(doc: &Value, text: &str, refusals: &[&str], schemas: &[&str]) {
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            for status in refusals {
                let refusal = shared(doc, &operation["responses"][status]);
                assert!(
                    refusal["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{method} {path} does not document {status}"
                );
                assert_eq!(
                    refusal["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorEnvelope",
                    "{method} {path} {status}"
                );
            }
            assert!(
                operation["security"].is_array(),
                "{method} {path} names its auth"
            );
        }
    }
    for schema in schemas {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema} missing"
        );
    }
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {name}"
        );
    }
}

/// What generators and linters read beyond the operations: the error code
/// as the list it is, fields always sent marked required (nullable where
/// they can be null), the allowance headers on every success and on 429,
/// the key header as the document-wide requirement, and a licence.
#[tokio::test]
async fn the_api_document_describes_what_generated_clients_rely_on() {
    let app = sqlite_app().await;
    let doc = json_of(&get(&app.router, "/v1/openapi.json").await);
    let schemas = &doc["components"]["schemas"];
    let codes: Vec<&str> = app::api_errors::API_ERROR_CODES
        .iter()
        .map(|code| code.code)
        .collect();
    assert_eq!(
        schemas["ErrorBody"]["properties"]["code"]["enum"],
        json!(codes),
        "the codes /docs/errors lists"
    );
    let reasons = &schemas["ErrorDetails"]["properties"]["reason"]["enum"];
    for reason in [
        "revoked",
        "escalation",
        "grace_period_running",
        "rate_limited",
    ] {
        assert!(
            reasons.as_array().unwrap().contains(&json!(reason)),
            "{reason} in {reasons}"
        );
    }
    for (schema, always_sent) in [
        (
            "ApiKey",
            &[
                "expires_at",
                "last_used_at",
                "last_used_address",
                "previous_secret",
            ][..],
        ),
        (
            "ErrorBody",
            &["code", "message", "details", "request_id"][..],
        ),
    ] {
        let required = schemas[schema]["required"].as_array().unwrap();
        for field in always_sent {
            assert!(required.contains(&json!(field)), "{schema}.{field}");
        }
    }
    assert_eq!(doc["security"], json!([{ "api_key": [] }]));
    // An optional body is a plain reference, not a union with null (which
    // openapi-python-client then sent even when left out).
    let optional_body = &doc["paths"]["/v1/api-keys"]["post"]["requestBody"];
    assert_eq!(
        optional_body["content"],
        json!({ "application/json": { "schema": { "$ref": "#/components/schemas/CreateKeyBody" } } })
    );
    assert_eq!(optional_body["required"], false);
    assert!(doc["info"]["license"]["name"].is_string());
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let (status, success) = responses
                .iter()
                .find(|(status, _)| status.starts_with('2'))
                .unwrap();
            for header in [
                "X-RateLimit-Limit",
                "X-RateLimit-Remaining",
                "X-RateLimit-Reset",
            ] {
                let declared = shared(&doc, &success["headers"][header]);
                assert_eq!(
                    declared["required"], true,
                    "{method} {path} {status} {header}"
                );
                let limited = shared(&doc, &responses["429"]);
                assert!(
                    limited["headers"][header].is_object(),
                    "{method} {path} 429 {header}"
                );
            }
            assert!(
                shared(&doc, &responses["429"])["headers"]["Retry-After"].is_object(),
                "{method} {path}"
            );
        }
    }
    let text = doc.to_string();
    assert!(!text.contains("spec's"), "no wording from our own notes");
    assert!(
        !text.contains("100 reads or 10 changes"),
        "limits are described as settings with defaults"
    );
}

/// Generated clients turn `format: date-time` into their language's time
/// type: every time the API answers with is marked so.
#[tokio::test]
async fn times_in_the_api_document_are_marked_date_time() {
    let app = sqlite_app().await;
    let public = json_of(&get(&app.router, "/v1/openapi.json").await);
    let schemas = &public["components"]["schemas"];
    for (schema, field) in [
        ("ApiKey", "created_at"),
        ("ApiKey", "expires_at"),
        ("ApiKey", "last_used_at"),
        ("PreviousSecret", "expires_at"),
        ("BillingPeriod", "start"),
        ("BillingPeriod", "end"),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["format"], "date-time",
            "{schema}.{field}: {}",
            schemas[schema]["properties"][field]
        );
    }
}

#[tokio::test]
async fn the_public_openapi_document_lists_exactly_the_public_operations() {
    let app = sqlite_app().await;
    let response = get(&app.router, "/v1/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    let doc = json_of(&response);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    assert_eq!(
        operations(&doc),
        [
            "DELETE /v1/api-keys/{id}",
            "DELETE /v1/api-keys/{id}/previous-secret",
            "GET /v1/api-keys",
            "GET /v1/usage",
            "GET /v1/users/me",
            "PATCH /v1/api-keys/{id}",
            "POST /v1/api-keys",
            "POST /v1/api-keys/{id}/roll",
        ]
    );
    assert!(!response.body.contains("/internal"), "{}", response.body);
    assert!(!response.body.contains("service_token"));
    // Generated clients take their base URL from `servers`, and linters ask
    // for a contact.
    assert_eq!(
        doc["servers"][0]["url"].as_str(),
        Some(app.state.site.public_url.trim_end_matches('/'))
    );
    assert_eq!(doc["info"]["contact"]["email"], "hello@tracepipe.ai");
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"]["name"],
        "X-API-Key"
    );
    assert_complete(
        &doc,
        &response.body,
        &["401", "403", "405", "408", "429", "503"],
        &[
            "User",
            "ApiKey",
            "ApiKeyCreated",
            "ApiKeyList",
            "KeyPermissions",
            "CreateKeyBody",
            "UpdateKeyBody",
            "RollKeyBody",
            "ErrorEnvelope",
            "Usage",
        ],
    );
}

#[tokio::test]
async fn the_internal_openapi_document_is_for_services_with_the_token() {
    let app = app_on(
        sqlite_database(),
        &[("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN)],
    )
    .await;
    let anonymous = get(&app.router, "/internal/v1/openapi.json").await;
    assert_envelope(&anonymous, StatusCode::UNAUTHORIZED, "unauthorized");
    let request = Request::get("/internal/v1/openapi.json")
        .header(header::AUTHORIZATION, format!("Bearer {SERVICE_TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let response = send(&app.router, request).await;
    assert_eq!(response.status, StatusCode::OK);
    let doc = json_of(&response);
    assert_eq!(
        operations(&doc),
        ["POST /internal/v1/keys/verify", "POST /internal/v1/usage"]
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["service_token"]["scheme"],
        "bearer"
    );
    assert_complete(
        &doc,
        &response.body,
        &["400", "401", "405", "408", "413", "503"],
        &[
            "VerifyBody",
            "Verification",
            "UsageReport",
            "ReportReceipt",
            "ErrorEnvelope",
        ],
    );
}

#[tokio::test]
async fn the_keys_page_creates_shows_once_lists_masked_and_revokes() {
    let app = sqlite_app().await;
    let SignedInUser { cookie, .. } = subscriber(&app, "page").await;

    let created = call(&app.router, "create_api_key", "name=laptop", Some(&cookie)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert!(created.header("cache-control").contains("no-store"));
    let created: Value = serde_json::from_str(&created.body).unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    assert_eq!(users_me(&app.router, &key).await.status, StatusCode::OK);

    let listed = page(&app.router, "/keys", Some(&cookie)).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(
        listed
            .body
            .contains(created["view"]["masked"].as_str().unwrap())
    );
    assert!(listed.body.contains("laptop") && listed.body.contains("Never"));
    assert!(!listed.body.contains(&key), "never shown again");

    let bad = call(
        &app.router,
        "create_api_key",
        &form(&[("name", &"k".repeat(65))]),
        Some(&cookie),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let id = created["view"]["id"].as_str().unwrap();
    let confirm = page(
        &app.router,
        &format!("/keys?open={id}&panel=revoke"),
        Some(&cookie),
    )
    .await;
    assert!(
        confirm.body.contains("Revoke “laptop” now"),
        "{}",
        confirm.body
    );
    let revoked = call(
        &app.router,
        "revoke_api_key",
        &form(&[("key_id", id)]),
        Some(&cookie),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_envelope(
        &users_me(&app.router, &key).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let again = call(
        &app.router,
        "revoke_api_key",
        &form(&[("key_id", id)]),
        Some(&cookie),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_javascript_the_key_is_in_the_answer_to_the_form_post() {
    let app = sqlite_app().await;
    let SignedInUser { cookie, .. } = subscriber(&app, "nojs").await;
    let post = |body: &str, cookie: &str| {
        Request::post("/keys")
            .header(header::ORIGIN, ORIGIN)
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let answered = send(&app.router, post("name=ci+runner", &cookie)).await;
    assert_eq!(answered.status, StatusCode::OK);
    assert_eq!(answered.header("cache-control"), "no-store");
    assert!(
        answered.body.contains("it will not be shown again"),
        "{}",
        answered.body
    );
    let key = key_on_page(&answered.body);
    assert_eq!(users_me(&app.router, &key).await.status, StatusCode::OK);

    let empty = send(&app.router, post("name=", &cookie)).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("1 to 64 characters"));
    // A name far over the limit is refused as a name, a body over
    // MAX_BODY_BYTES (64 KiB) as too large: never as a missing field.
    let long = format!("name={}", "a".repeat(20 * 1024));
    let long = send(&app.router, post(&long, &cookie)).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(long.body.contains("1 to 64 characters"), "{}", long.body);
    let huge = format!("name={}", "a".repeat(70 * 1024));
    let huge = send(&app.router, post(&huge, &cookie)).await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(huge.body.contains("larger than 64 KiB"), "{}", huge.body);

    let SignedInUser { cookie: free, .. } = registered(&app, "free").await;
    let refused = send(&app.router, post("name=laptop", &free)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("needs an active plan"));
    let count: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM api_keys")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count.0, 1);

    let signed_out = send(&app.router, post("name=laptop", "tp_session=nope")).await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
}

/// The whole new key shown on a page.
fn key_on_page(body: &str) -> String {
    let secret = body
        .split("tp_live_sk_")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>();
    assert_eq!(secret.len(), 36, "the whole key is on the page");
    format!("tp_live_sk_{secret}")
}

/// One rule through both doors: creating a key needs an active plan, on the
/// /keys page and through `POST /v1/api-keys` alike (a key of a user whose
/// plan ended keeps working for reads, but makes no new keys).
#[tokio::test]
async fn creating_a_key_needs_an_active_plan_through_the_api_too() {
    let app = sqlite_app().await;
    let SignedInUser {
        cookie,
        id: user_id,
    } = registered(&app, "lapsed").await;
    // A key made while the plan was active.
    let (_, key) = store_key(&app, &user_id, "old").await;
    assert_eq!(users_me(&app.router, &key).await.status, StatusCode::OK);

    let through_api = api(
        &app.router,
        "POST",
        "/v1/api-keys",
        Some(&key),
        Some(("application/json", r#"{"name":"new"}"#)),
    )
    .await;
    assert_envelope(&through_api, StatusCode::FORBIDDEN, "forbidden");
    assert!(
        through_api.body.contains("needs an active plan"),
        "{}",
        through_api.body
    );
    let through_page = call(
        &app.router,
        "create_api_key",
        &form(&[("name", "new")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(through_page.status, StatusCode::FORBIDDEN);
    let count: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM api_keys")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count.0, 1, "nothing was created");
}

/// Generated clients decode every `/v1` answer as JSON: a path the API does
/// not serve is the envelope's 404, never the site's HTML page.
#[tokio::test]
async fn unknown_paths_under_v1_answer_the_json_envelope() {
    let app = sqlite_app().await;
    let KeyHolder { key, .. } = user_with_key(&app, "unknown-paths").await;
    for (method, path, key) in [
        ("GET", "/v1/nothing-here", Some(key.as_str())),
        ("GET", "/v1/api-keys/", Some(key.as_str())),
        ("POST", "/v1/sessions", Some(key.as_str())),
        ("GET", "/v1/users/me/extra", None),
        ("DELETE", "/v1", None),
        ("GET", "/v1/", None),
    ] {
        let answer = api(&app.router, method, path, key, None).await;
        assert_envelope(&answer, StatusCode::NOT_FOUND, "not_found");
        assert!(
            answer
                .header("content-type")
                .starts_with("application/json"),
            "{method} {path}"
        );
        assert!(
            json_of(&answer)["error"]["message"]
                .as_str()
                .unwrap()
                .contains("/v1/openapi.json")
        );
    }
    // A served path keeps its own answers.
    assert_eq!(users_me(&app.router, &key).await.status, StatusCode::OK);
}

/// A served path asked with a method it does not take: 405 in the envelope,
/// with `Allow`, for a key and without one.
#[tokio::test]
async fn other_methods_on_v1_paths_answer_405_in_the_envelope_with_allow() {
    let app = sqlite_app().await;
    let KeyHolder { key, .. } = user_with_key(&app, "wrong-methods").await;
    for (method, path, key, allowed) in [
        ("PUT", "/v1/usage", Some(key.as_str()), "GET"),
        ("DELETE", "/v1/users/me", Some(key.as_str()), "GET"),
        ("PUT", "/v1/api-keys", None, "POST"),
    ] {
        let answer = api(&app.router, method, path, key, None).await;
        assert_envelope(
            &answer,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        );
        assert!(
            answer.header("allow").contains(allowed),
            "{method} {path}: Allow = {:?}",
            answer.header("allow")
        );
    }
}
