//! Shared set-up for the server's integration tests: a storefront router on a
//! throw-away database, and the databases to run on (SQLite always,
//! PostgreSQL when `TEST_POSTGRES_URL` names a server; `scripts/test` does).
#![allow(dead_code)] // each test file uses its own subset

pub mod api;
pub mod own_postgres;
pub mod smtp;
pub mod stub;
pub mod two_factor;

use app::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use leptos::prelude::LeptosOptions;
use server::config::Config;
use sqlx::{AnyConnection, Connection, Executor};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};

use tower::ServiceExt;

pub const PUBLIC_URL: &str = "https://tracepipe.example";

pub use tempfile::TempDir;

/// A registered, signed-in test user with a confirmed address.
#[derive(Clone, Debug)]
pub struct SignedInUser {
    /// Their session cookie, as a `Cookie` header sends it.
    pub cookie: String,
    pub id: String,
}

/// A test user with one API key of theirs.
#[derive(Clone, Debug)]
pub struct KeyHolder {
    pub user_id: String,
    /// The key's secret, as `X-API-Key` sends it.
    pub key: String,
}

/// A pool of 8 on `url`, migrated.
pub async fn migrated_pool(url: &str) -> sqlx::AnyPool {
    let database = server::config::Database {
        url: url.to_owned(),
        max_connections: 8,
        acquire_timeout: std::time::Duration::from_secs(5),
    };
    let pool = server::db::connect(&database).await.expect("connect");
    server::db::migrate(&pool).await.expect("migrate");
    pool
}

/// Counts `count` failures against each of `subjects`, as a patient
/// attacker would have over the window (each attempt through a door would
/// soon be made to wait).
pub async fn pile_up_failures(db: &sqlx::AnyPool, subjects: &[&str], count: usize) {
    let now = app::support::time::unix_now();
    for subject in subjects {
        for _ in 0..count {
            sqlx::query("INSERT INTO login_failures (id, subject, failed_at) VALUES ($1, $2, $3)")
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(*subject)
                .bind(now)
                .execute(db)
                .await
                .unwrap();
        }
    }
}

/// `count` addresses of one IPv6 /64 (`2001:db8:<net>:<net>::/64`).
pub fn addresses_in_one_64(net: u16, count: usize) -> Vec<String> {
    (1..=count)
        .map(|n| format!("2001:db8:{net:x}:{net:x}:{n:x}::1"))
        .collect()
}

/// Of simultaneous attempts at a secret, asserts that exactly `allowance`
/// were checked (answered `checked`) and every other one was told to wait
/// (429 with `Retry-After`).
pub fn assert_admitted(answers: &[TestResponse], checked: StatusCode, allowance: usize) {
    let checked_count = answers.iter().filter(|a| a.status == checked).count();
    let waiting: Vec<&TestResponse> = answers
        .iter()
        .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(
        (checked_count, waiting.len()),
        (allowance, answers.len() - allowance),
        "statuses: {:?}",
        answers
            .iter()
            .map(|a| a.status.as_u16())
            .collect::<Vec<_>>()
    );
    for answer in waiting {
        let wait: i64 = answer.header("retry-after").parse().expect("Retry-After");
        assert!(wait >= 1, "{wait}");
    }
}

/// A folder under the system temp dir, removed on drop.
pub fn temp_dir() -> TempDir {
    tempfile::Builder::new()
        .prefix("tracepipe-test-")
        .tempdir()
        .expect("create temp dir")
}

/// One database to run a test on.
pub struct TestDatabase {
    pub backend: &'static str,
    pub url: String,
    _dir: Option<TempDir>,
}

pub fn sqlite_database() -> TestDatabase {
    let dir = temp_dir();
    // A nested folder that does not exist yet: connect must create it.
    let url = format!(
        "sqlite://{}/data/storefront.db?mode=rwc",
        dir.path().display()
    );
    TestDatabase {
        backend: "sqlite",
        url,
        _dir: Some(dir),
    }
}

impl TestDatabase {
    /// A database someone else owns (and removes).
    pub fn at(backend: &'static str, url: String) -> TestDatabase {
        TestDatabase {
            backend,
            url,
            _dir: None,
        }
    }

    /// The same PostgreSQL database again, for a second instance.
    pub fn shared(&self) -> TestDatabase {
        assert_eq!(self.backend, "postgres", "instances share PostgreSQL");
        TestDatabase::at(self.backend, self.url.clone())
    }
}

/// A fresh, empty PostgreSQL database, or None when no server is configured.
pub async fn postgres_database() -> Option<TestDatabase> {
    let Ok(admin_url) = std::env::var("TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("REQUIRE_POSTGRES").is_err(),
            "REQUIRE_POSTGRES is set but TEST_POSTGRES_URL is not"
        );
        eprintln!("TEST_POSTGRES_URL not set: PostgreSQL cases skipped (scripts/test runs them)");
        return None;
    };
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "tp_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    sqlx::any::install_default_drivers();
    let mut admin = AnyConnection::connect(&admin_url)
        .await
        .expect("connect to PostgreSQL");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    let base = admin_url.rsplit_once('/').expect("URL has a database").0;
    Some(TestDatabase {
        backend: "postgres",
        url: format!("{base}/{name}"),
        _dir: None,
    })
}

/// SQLite, plus PostgreSQL when configured.
pub async fn all_databases() -> Vec<TestDatabase> {
    let mut databases = vec![sqlite_database()];
    databases.extend(postgres_database().await);
    databases
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub const TEST_SERVER_SECRET_KEY: &str = "dGVzdHMgb25seTogMzIgYnl0ZXMgb2YgYSBzZWNyZXQga2V5IQ==";

pub fn config_for(database_url: &str, extra: &[(&str, &str)]) -> Config {
    let catalog = repo_root().join("catalog.toml").display().to_string();
    let mut vars = vec![
        ("DATABASE_URL", database_url.to_owned()),
        ("PUBLIC_URL", PUBLIC_URL.to_owned()),
        ("CATALOG_PATH", catalog),
        // As every instance of a deployment would: the same key.
        ("SERVER_SECRET_KEY", TEST_SERVER_SECRET_KEY.to_owned()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    Config::from_lookup(|name| {
        vars.iter()
            .rev()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    })
    .expect("valid test configuration")
}

pub fn leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("tracepipe-storefront")
        .site_root(repo_root().join("target/site").display().to_string())
        .build()
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub database: TestDatabase,
}

pub async fn app_on(database: TestDatabase, extra: &[(&str, &str)]) -> TestApp {
    let config = config_for(&database.url, extra);
    let state = server::build_state(&config, leptos_options())
        .await
        .expect("storefront state");
    let router = server::router::build(state.clone(), &config).await;
    TestApp {
        router,
        state,
        database,
    }
}

/// Another instance on the database at `url` (PostgreSQL, shared): its
/// own state and router, as a second process would have.
pub async fn second_instance(url: &str) -> Router {
    let config = config_for(url, &[]);
    let state = server::build_state(&config, leptos_options())
        .await
        .expect("second storefront state");
    server::router::build(state, &config).await
}

pub async fn sqlite_app() -> TestApp {
    app_on(sqlite_database(), &[]).await
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|value| value.to_str().expect("ASCII header"))
            .unwrap_or("")
    }
}

pub async fn send(router: &Router, request: Request<Body>) -> TestResponse {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    TestResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub async fn get(router: &Router, path: &str) -> TestResponse {
    send(router, Request::get(path).body(Body::empty()).unwrap()).await
}

/// `request`, as if it came over a socket from `address` (e.g. "2001:db8::7").
pub fn from_peer(
    request: axum::http::request::Builder,
    address: &str,
) -> axum::http::request::Builder {
    let ip: std::net::IpAddr = address.parse().expect("an IP address");
    request.extension(axum::extract::ConnectInfo(SocketAddr::new(ip, 40_000)))
}

/// `get`, from a client at `address`.
pub async fn get_from(router: &Router, path: &str, address: &str) -> TestResponse {
    let request = from_peer(Request::get(path), address);
    send(router, request.body(Body::empty()).unwrap()).await
}

/// `call`, from a client at `address`.
pub async fn call_from(
    router: &Router,
    function: &str,
    body: &str,
    cookie: Option<&str>,
    address: &str,
) -> TestResponse {
    let request = from_peer(server_function(function, body, cookie), address);
    send(router, request.body(Body::from(body.to_owned())).unwrap()).await
}

// Requests as browsers and scripts send them.

pub const ORIGIN: &str = PUBLIC_URL;
pub const PASSWORD: &str = "correct horse battery";

/// `pairs` as a browser encodes a form (`application/x-www-form-urlencoded`).
pub fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// A same-origin POST of a server function, as a script would send it.
pub async fn call(
    router: &Router,
    function: &str,
    body: &str,
    cookie: Option<&str>,
) -> TestResponse {
    let request = server_function(function, body, cookie);
    send(router, request.body(Body::from(body.to_owned())).unwrap()).await
}

/// A same-origin POST of `function` with the form `body`, as a script
/// sends it (with its length, as a browser sends a form).
fn server_function(
    function: &str,
    body: &str,
    cookie: Option<&str>,
) -> axum::http::request::Builder {
    let request = Request::post(format!("/api/{function}"))
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, body.len());
    match cookie {
        Some(cookie) => request.header(header::COOKIE, cookie),
        None => request,
    }
}

pub async fn register(router: &Router, email: &str, name: &str) -> TestResponse {
    call(
        router,
        "register",
        &form(&[
            ("email", email),
            ("password", PASSWORD),
            ("display_name", name),
            ("next", ""),
        ]),
        None,
    )
    .await
}

pub async fn login(
    router: &Router,
    email: &str,
    password: &str,
    cookie: Option<&str>,
) -> TestResponse {
    call(
        router,
        "login",
        &form(&[("email", email), ("password", password), ("next", "")]),
        cookie,
    )
    .await
}

/// `name=value` of the response's session cookie.
pub fn session_cookie(response: &TestResponse) -> String {
    let set_cookie = response.header("set-cookie");
    assert!(
        !set_cookie.is_empty(),
        "no session cookie in {:?}",
        response.headers
    );
    set_cookie.split(';').next().unwrap().to_owned()
}

/// `name=value` of the cookie called `name` (with or without the
/// `__Host-` prefix) among the response's `Set-Cookie` headers.
pub fn cookie_named(response: &TestResponse, name: &str) -> String {
    response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| {
            value
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        })
        .find(|cookie| {
            cookie.starts_with(&format!("{name}="))
                || cookie.starts_with(&format!("__Host-{name}="))
        })
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", response.headers))
}

pub async fn page(router: &Router, path: &str, cookie: Option<&str>) -> TestResponse {
    let mut request = Request::get(path).header(header::ACCEPT, "text/html");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    send(router, request.body(Body::empty()).unwrap()).await
}

/// Collects what the subscriber writes, for inspection.
#[derive(Clone, Default)]
pub struct Captured(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Makes every mailed link in `table` (password resets, e-mail
/// confirmations) one second past its expiry, as if its time had passed.
pub async fn expire_links(app: &TestApp, table: &str) {
    let now = app::support::time::unix_now();
    sqlx::query(&format!("UPDATE {table} SET expires_at = $1"))
        .bind(now - 1)
        .execute(&app.state.db)
        .await
        .unwrap();
}

/// A GET over a real socket, as any HTTP client sends it; the status code.
pub async fn http_status(addr: SocketAddr, path: &str) -> reqwest::Result<u16> {
    let response = reqwest::get(format!("http://{addr}{path}")).await?;
    Ok(response.status().as_u16())
}

pub fn server_command(dir: &TempDir) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("CATALOG_PATH", repo_root().join("catalog.toml"))
        .env("LEPTOS_OUTPUT_NAME", "tracepipe-storefront")
        .env("LEPTOS_SITE_ROOT", repo_root().join("target/site"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// A loopback address with a port nothing listens on (for a server to bind).
pub async fn free_address() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// Waits up to 10 s for `/readyz` at `addr` to answer 200.
pub async fn wait_until_ready(addr: SocketAddr) -> bool {
    for _ in 0..100 {
        if http_status(addr, "/readyz").await.ok() == Some(200) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// Waits (up to 2 s: the log is written in the background) for `kind` on
/// the account's activity log; answers its detail.
pub async fn logged(app: &TestApp, user_id: &str, kind: &str) -> Option<String> {
    for _ in 0..40 {
        let found: Option<(String,)> =
            sqlx::query_as("SELECT detail FROM activity_events WHERE user_id = $1 AND kind = $2")
                .bind(user_id)
                .bind(kind)
                .fetch_optional(&app.state.db)
                .await
                .unwrap();
        if found.is_some() {
            return found.map(|(detail,)| detail);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    None
}
