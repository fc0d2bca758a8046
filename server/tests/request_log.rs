//! What the server writes to its request log. In a file of its own: tracing
//! caches callsite interest process-wide, so a thread-local subscriber can
//! miss events when other tests run alongside it.

mod common;

use app::accounts::ssr::second_factor::code_at;
use app::support::time::unix_now;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use common::api::{SERVICE_TOKEN, json_of, users_me};
use common::two_factor::{account, first_step, second_step, turn_on};
use common::*;
use std::net::SocketAddr;

/// Everything logged at `level` or above on this thread, until the guard drops.
fn capture_logs(level: tracing::Level) -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(level)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn request_logs_name_method_path_status_and_latency_but_no_secrets() {
    let (captured, _guard) = capture_logs(tracing::Level::INFO);

    let app = sqlite_app().await;
    let request = Request::get("/?token=query-secret")
        .header(header::COOKIE, "session=cookie-secret")
        .header(header::AUTHORIZATION, "Bearer header-secret")
        .body(Body::empty())
        .unwrap();
    send(&app.router, request).await;

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|line| line.contains("request served"))
        .unwrap_or_else(|| panic!("no request line in {log}"));
    assert!(
        line.contains("method=GET") && line.contains("path=/"),
        "{line}"
    );
    assert!(
        line.contains("status=200") && line.contains("latency_ms="),
        "{line}"
    );
    for secret in ["query-secret", "cookie-secret", "header-secret"] {
        assert!(!log.contains(secret), "{secret} leaked into {log}");
    }
}

/// A password reset and a failing SMTP delivery, start to end: the link's
/// token, the passwords and the SMTP password appear in no log line.
#[tokio::test]
async fn no_token_password_or_smtp_secret_reaches_the_log() {
    let (captured, _guard) = capture_logs(tracing::Level::DEBUG);

    // Reset through the sandbox mailbox.
    let app = sqlite_app().await;
    register(&app.router, "logged@example.com", "Logged").await;
    call(
        &app.router,
        "request_password_reset",
        &form(&[("email", "logged@example.com")]),
        None,
    )
    .await;
    let mut text = None;
    for _ in 0..100 {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT text_body FROM sandbox_mailbox WHERE subject LIKE 'Reset%'")
                .fetch_optional(&app.state.db)
                .await
                .unwrap();
        if let Some((body,)) = found {
            text = Some(body);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let text = text.expect("the reset mail in the sandbox mailbox");
    let token = text
        .split("token=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a token in the link")
        .to_owned();
    let new_password = "a passphrase for the log test";
    page(&app.router, &format!("/reset-password?token={token}"), None).await;
    let body = form(&[("token", &token), ("new_password", new_password)]);
    let done = call(&app.router, "reset_password", &body, None).await;
    assert_eq!(done.header("location"), "/dashboard", "{}", done.body);

    // A delivery that fails, with credentials in SMTP_URL.
    let smtp = app_on(
        sqlite_database(),
        &[
            ("SMTP_URL", "smtp://mailer:smtp-secret-pw@127.0.0.1:9"),
            ("MAIL_FROM", "Tracepipe <no-reply@tracepipe.example>"),
        ],
    )
    .await;
    common::api::user_with_key(&smtp, "logged").await;
    assert_eq!(smtp.state.mailer.deliver_due().await.unwrap(), 0);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("mail delivery failed, will retry"), "{log}");
    for secret in [token.as_str(), new_password, PASSWORD, "smtp-secret-pw"] {
        assert!(!log.contains(secret), "{secret} leaked into the log");
    }
}

/// Every answer names its request's id; the request's log line, an API
/// error's envelope and a refusal page say the same id. An id a trusted
/// proxy sent is kept, anyone else's replaced.
#[tokio::test]
async fn every_request_has_an_id_in_its_answer_its_log_line_and_its_error_text() {
    let (captured, _guard) = capture_logs(tracing::Level::INFO);
    let app = app_on(sqlite_database(), &[("TRUSTED_PROXIES", "10.0.0.0/8")]).await;
    let from = |peer: [u8; 4], request: Request<Body>| {
        let mut request = request;
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
        request
    };

    let refused = send(
        &app.router,
        Request::get("/v1/users/me").body(Body::empty()).unwrap(),
    )
    .await;
    let id = refused.header("x-request-id").to_owned();
    assert_eq!(
        uuid::Uuid::parse_str(&id).unwrap().get_version_num(),
        7,
        "{id}"
    );
    assert_eq!(json_of(&refused)["error"]["request_id"], id.as_str());
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|line| line.contains("request served") && line.contains("path=/v1/users/me"))
        .unwrap_or_else(|| panic!("no request line in {log}"));
    assert!(line.contains(&format!("request_id={id}")), "{line}");

    // A refusal page (here: a body over the limit) quotes it too.
    let refused = call(&app.router, "login", &"a".repeat(128 * 1024), None).await;
    assert_eq!(refused.status, 413);
    let id = refused.header("x-request-id");
    assert!(
        refused.body.contains(&format!("Request id: {id}")),
        "{}",
        refused.body
    );

    let with_id = |peer| {
        from(
            peer,
            Request::get("/healthz")
                .header("x-request-id", "proxy-4f2a9c")
                .body(Body::empty())
                .unwrap(),
        )
    };
    let trusted = send(&app.router, with_id([10, 1, 2, 3])).await;
    assert_eq!(trusted.header("x-request-id"), "proxy-4f2a9c");
    let untrusted = send(&app.router, with_id([203, 0, 113, 9])).await;
    assert_ne!(untrusted.header("x-request-id"), "proxy-4f2a9c");
    assert!(uuid::Uuid::parse_str(untrusted.header("x-request-id")).is_ok());
    // A forged log line is no id.
    let forged = from(
        [10, 1, 2, 3],
        Request::get("/healthz")
            .header("x-request-id", "a b\tc")
            .body(Body::empty())
            .unwrap(),
    );
    assert!(uuid::Uuid::parse_str(send(&app.router, forged).await.header("x-request-id")).is_ok());
}

/// A form post to a server function from `peer`, as a browser makes it.
async fn call_from(
    router: &axum::Router,
    peer: [u8; 4],
    function: &str,
    body: &str,
) -> TestResponse {
    let request = Request::post(format!("/api/{function}"))
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, body.len())
        .extension(ConnectInfo(SocketAddr::from((peer, 40000))))
        .body(Body::from(body.to_owned()))
        .unwrap();
    send(router, request).await
}

/// The value of `name=` in a log line, without quotes.
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let start = line.find(&format!(" {name}="))? + name.len() + 2;
    let rest = &line[start..];
    let value = rest.split([' ', '}', ':']).next()?;
    Some(value.trim_matches('"'))
}

/// Each authentication and authorisation decision writes one line with its
/// time (UTC), request id, route, client, user or key, event, outcome and
/// reason; no password, key or token.
#[tokio::test]
async fn every_security_decision_writes_one_line_with_who_where_and_why() {
    let (captured, _guard) = capture_logs(tracing::Level::INFO);
    let app = app_on(
        sqlite_database(),
        &[("INTERNAL_SERVICE_TOKEN", SERVICE_TOKEN)],
    )
    .await;
    let KeyHolder { user_id, key } = common::api::subscriber_with_key(&app, "audited").await;
    let email: (String,) = sqlx::query_as("SELECT email FROM users WHERE id = $1")
        .bind(&user_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let email = email.0;
    let peer = [198, 51, 100, 7];
    let sign_in = |email: &str, password: &str| {
        form(&[("email", email), ("password", password), ("next", "")])
    };
    call_from(&app.router, peer, "login", &sign_in(&email, PASSWORD)).await;
    call_from(
        &app.router,
        peer,
        "login",
        &sign_in("nobody@example.com", "wrong guess 1"),
    )
    .await;
    for _ in 0..6 {
        call_from(
            &app.router,
            peer,
            "login",
            &sign_in(&email, "wrong guess 2"),
        )
        .await;
    }
    let api_from = common::api::api_from;
    api_from(
        &app.router,
        Some("198.51.100.7"),
        "GET",
        "/v1/users/me",
        None,
        None,
    )
    .await;
    let unknown = "tp_live_sk_000000000000000000000000000000000000";
    api_from(
        &app.router,
        Some("198.51.100.7"),
        "GET",
        "/v1/users/me",
        Some(unknown),
        None,
    )
    .await;
    let read_only = api_from(
        &app.router,
        Some("198.51.100.7"),
        "POST",
        "/v1/api-keys",
        Some(&key),
        Some((
            "application/json",
            r#"{"name":"reader","permissions":"read_only"}"#,
        )),
    )
    .await;
    let read_only = json_of(&read_only)["key"].as_str().unwrap().to_owned();
    api_from(
        &app.router,
        Some("198.51.100.7"),
        "POST",
        "/v1/api-keys",
        Some(&read_only),
        None,
    )
    .await;
    let internal = Request::post("/internal/v1/keys/verify")
        .header(
            header::AUTHORIZATION,
            "Bearer not-the-service-token-at-all-000000",
        )
        .header(header::CONTENT_TYPE, "application/json")
        .extension(ConnectInfo(SocketAddr::from((peer, 40000))))
        .body(Body::from(format!("{{\"key\":\"{key}\"}}")))
        .unwrap();
    send(&app.router, internal).await;

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let events = security_lines(&log);
    let find =
        |event: &str, outcome: &str, reason: &str| security_line(&events, event, outcome, reason);
    let expected = [
        (
            "sign_in.password",
            "success",
            "-",
            Some(user_id.as_str()),
            "/api/login",
        ),
        (
            "sign_in.password",
            "failure",
            "unknown_account",
            None,
            "/api/login",
        ),
        (
            "sign_in.password",
            "failure",
            "wrong_password",
            Some(user_id.as_str()),
            "/api/login",
        ),
        (
            "sign_in.password",
            "failure",
            "throttled",
            Some(user_id.as_str()),
            "/api/login",
        ),
        ("api_key", "failure", "missing", None, "/v1/users/me"),
        ("api_key", "failure", "malformed", None, "/v1/users/me"),
        (
            "api_key",
            "failure",
            "missing_permission",
            None,
            "/v1/api-keys",
        ),
        (
            "service_token",
            "failure",
            "wrong_token",
            None,
            "/internal/v1/keys/verify",
        ),
    ];
    for (event, outcome, reason, user, path) in expected {
        let line = find(event, outcome, reason);
        assert_names_its_request(line, path, user.unwrap_or("-"));
        assert_eq!(field(line, "client"), Some("198.51.100.7"), "{line}");
    }
    let refused_key = find("api_key", "failure", "missing_permission");
    assert!(
        field(refused_key, "key_id").is_some_and(|id| id != "-"),
        "{refused_key}"
    );
    for secret in [
        PASSWORD,
        "wrong guess",
        key.as_str(),
        read_only.as_str(),
        SERVICE_TOKEN,
        email.as_str(),
    ] {
        assert!(
            !events.iter().any(|line| line.contains(secret)),
            "{secret} in {events:#?}"
        );
    }
}

/// The security event lines of a captured log.
fn security_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|line| line.contains("security event"))
        .collect()
}

/// The line of `event` with `outcome` and `reason`.
fn security_line<'a>(events: &[&'a str], event: &str, outcome: &str, reason: &str) -> &'a str {
    events
        .iter()
        .find(|line| {
            field(line, "event") == Some(event)
                && field(line, "outcome") == Some(outcome)
                && field(line, "reason") == Some(reason)
        })
        .unwrap_or_else(|| panic!("no {event} {outcome} {reason} line in {events:#?}"))
}

/// A line with its time (UTC), its request's id and route, and its user.
fn assert_names_its_request(line: &str, path: &str, user_id: &str) {
    assert!(
        line.starts_with("20") && line.contains('Z'),
        "UTC time: {line}"
    );
    assert!(
        field(line, "request_id").is_some_and(|id| id.len() == 36),
        "{line}"
    );
    assert_eq!(field(line, "path"), Some(path), "{line}");
    assert_eq!(field(line, "user_id"), Some(user_id), "{line}");
}

/// The second step of a sign-in, and a stale session's renewed proof (by
/// code: a two-step account's password alone is refused, and logged), each
/// write their line too; codes never appear.
#[tokio::test]
async fn second_steps_and_confirmations_write_their_security_lines() {
    let (captured, _guard) = capture_logs(tracing::Level::INFO);
    let app = app_on(sqlite_database(), &[]).await;
    let email = "audited-2fa@example.com";
    let SignedInUser {
        id: user_id,
        cookie,
    } = account(&app, email).await;
    let (secret, recovery_codes) = turn_on(&app, &cookie).await;
    let pending = first_step(&app, email).await;
    second_step(&app, &pending, "000000").await;
    let code = code_at(&secret, unix_now() as u64);
    let signed_in = second_step(&app, &pending, &code).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    for (function, field_name, value) in [
        ("confirm_password", "password", "not my password"),
        ("confirm_password", "password", PASSWORD),
        ("confirm_with_code", "code", "999999"),
        ("confirm_with_code", "code", recovery_codes[0].as_str()),
    ] {
        let body = form(&[(field_name, value), ("next", "/account")]);
        call(&app.router, function, &body, Some(&cookie)).await;
    }

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let events = security_lines(&log);
    for (event, outcome, reason, path) in [
        (
            "sign_in.second_factor",
            "failure",
            "wrong_code",
            "/api/verify_sign_in",
        ),
        (
            "sign_in.second_factor",
            "success",
            "authenticator",
            "/api/verify_sign_in",
        ),
        (
            "reauth.password",
            "failure",
            "second_factor_required",
            "/api/confirm_password",
        ),
        (
            "reauth.second_factor",
            "failure",
            "wrong_code",
            "/api/confirm_with_code",
        ),
        (
            "reauth.second_factor",
            "success",
            "-",
            "/api/confirm_with_code",
        ),
    ] {
        let line = security_line(&events, event, outcome, reason);
        assert_names_its_request(line, path, &user_id);
    }
    for secret in [
        PASSWORD,
        "not my password",
        code.as_str(),
        recovery_codes[0].as_str(),
    ] {
        assert!(
            !events.iter().any(|line| line.contains(secret)),
            "{secret} in {events:#?}"
        );
    }
}

/// Metrics are served on their own router (the public one has no
/// `/metrics`), with each request's route template and status, the
/// database pool, and the security events.
#[tokio::test]
async fn metrics_show_each_routes_requests_by_status_on_their_own_listener() {
    let app = app_on(sqlite_database(), &[("METRICS_ADDR", "127.0.0.1:9464")]).await;
    server::metrics::recorder();
    let KeyHolder { key, .. } = common::api::user_with_key(&app, "measured").await;
    users_me(&app.router, &key).await;
    common::api::api(
        &app.router,
        "DELETE",
        "/v1/api-keys/unknown-id",
        Some(&key),
        None,
    )
    .await;
    users_me(
        &app.router,
        "tp_live_sk_000000000000000000000000000000000000",
    )
    .await;
    page(&app.router, "/pricing", None).await;
    assert_eq!(page(&app.router, "/metrics", None).await.status, 404);

    let scraped = send(
        &server::metrics::router(app.state.clone()),
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(scraped.status, 200);
    assert!(
        scraped
            .header("content-type")
            .starts_with("text/plain; version=0.0.4")
    );
    for series in [
        r#"http_requests_total{method="GET",route="/v1/users/me",status="200"}"#,
        r#"http_requests_total{method="GET",route="/v1/users/me",status="401"}"#,
        r#"http_requests_total{method="DELETE",route="/v1/api-keys/{id}",status="404"}"#,
        r#"http_requests_total{method="GET",route="/pricing",status="200"}"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/v1/users/me",le="0.005"}"#,
        r#"db_pool_connections{state="idle"}"#,
        "db_pool_acquire_wait_seconds",
        "mail_outbox_messages",
        r#"security_events_total{event="api_key",outcome="failure"}"#,
    ] {
        assert!(
            scraped.body.contains(series),
            "{series} missing from {}",
            scraped.body
        );
    }
    assert!(
        !scraped.body.contains("unknown-id"),
        "no raw paths as labels"
    );
}
