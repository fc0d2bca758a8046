//! Configuration from environment variables (and an optional `.env` file),
//! validated once at start. Every error names the variable and what it expects.

use app::support::networks::Networks;
use app::usage::ssr::Rates;
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use url::Url;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where payments go. Never silently the sandbox in production.
#[derive(Clone, Debug)]
pub enum PaymentService {
    /// The real Payment microservice.
    Service { url: String, api_key: SecretString },
    /// The built-in stand-in. `api_key` is what its auth layer accepts
    /// (a fresh random key per process when not configured).
    Sandbox { api_key: Option<SecretString> },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub environment: Environment,
    /// Absolute origin the site is reached at, without a trailing slash.
    pub public_url: String,
    pub catalog_path: PathBuf,
    pub server: Server,
    pub database: Database,
    pub sessions: Sessions,
    pub limits: Limits,
    pub payments: PaymentSettings,
    pub mail: Mail,
    pub usage: Usage,
    /// Bearer tokens other Tracepipe services may present on `/internal/v1`:
    /// `INTERNAL_SERVICE_TOKEN`, then `INTERNAL_SERVICE_TOKEN_PREVIOUS`
    /// during a rotation. Empty: every internal call is refused.
    pub internal_service_tokens: Vec<SecretString>,
    /// What sealed second-factor secrets and signed device cookies rest on.
    pub server_secret_key: ServerSecretKey,
    /// `SERVER_SECRET_KEY_PREVIOUS`: during a rotation, what was sealed or
    /// signed under the key before still opens (and is sealed again under
    /// the current key at start-up).
    pub previous_server_secret_key: Option<SecretString>,
}

/// Where the server's own secret key comes from. Every instance sharing a
/// database must use the same one; production must set it.
#[derive(Clone, Debug)]
pub enum ServerSecretKey {
    /// `SERVER_SECRET_KEY`: base64 of at least 32 random bytes, decoded.
    Given(SecretString),
    /// Development without a setting: a key kept in this file (made on the
    /// first start), so that restarts keep second factors working.
    File(PathBuf),
}

/// The bytes of a `SERVER_SECRET_KEY` value, if it is base64 of 32 or more.
pub fn decode_server_secret_key(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
        .filter(|bytes| bytes.len() >= 32)
}

/// The process: where it listens and keeps files, how it logs and stops.
#[derive(Clone, Debug)]
pub struct Server {
    pub listen_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    pub shutdown_timeout: Duration,
    /// The connections the process keeps open, and how long each may wait.
    pub connections: crate::serve::ConnectionLimits,
    /// Proxies in front whose `X-Request-Id` is kept (`TRUSTED_PROXIES`).
    pub trusted_proxies: crate::request_id::TrustedProxies,
    /// Serve public pages to anonymous visitors from a per-process render cache.
    pub page_cache: bool,
    /// Adds `/__bench/landing-copy` (the landing page's bytes from memory) for `bench/`.
    pub bench_routes: bool,
    /// `METRICS_ADDR`: where Prometheus scrapes `/metrics`, a listener of
    /// its own (never the public one). Unset: no metrics are kept.
    pub metrics_addr: Option<SocketAddr>,
}

#[derive(Clone, Debug)]
pub struct Database {
    pub url: String,
    pub max_connections: u32,
    /// Longest a request waits for a connection: when the database is down,
    /// this is how soon the request is answered 503 (`Unavailable`).
    pub acquire_timeout: Duration,
}

#[derive(Clone, Debug)]
pub struct Sessions {
    /// Sign out after this long without a request.
    pub idle_timeout: Duration,
    /// Sign out this long after signing in, however active.
    pub absolute_timeout: Duration,
    /// Creating API keys asks for the password again this long after the
    /// session's user last entered it.
    pub reauth_window: Duration,
}

/// What one request, one client and one key may ask for.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Larger request bodies are refused with 413 (forms and both APIs).
    pub max_body_bytes: usize,
    /// Requests taking longer are stopped with 408.
    pub request_timeout: Duration,
    /// Per client address: state-changing requests a minute, on every route
    /// but `/internal` (`CLIENT_WRITES_PER_MINUTE`).
    pub client_writes_per_minute: u32,
    /// IPv6 clients are counted by their network of this many bits (an
    /// IPv4 client by its address) by every per-client limit (`CLIENT_IPV6_PREFIX`).
    pub client_ipv6_prefix: u8,
    /// Per client address: wrong passwords and codes within 15 minutes
    /// before each further try waits (1 s, then doubling), on top of the 5
    /// per account (`SIGN_IN_FAILURES_PER_CLIENT`).
    pub sign_in_failures_per_client: i64,
    /// Per-key `/v1` limits a minute: key management, and reads.
    pub api_manage_per_minute: u32,
    pub api_reads_per_minute: u32,
}

#[derive(Clone, Debug)]
pub struct PaymentSettings {
    pub service: PaymentService,
    /// Total time allowed for one Payment MS call (connecting: at most 2 s of it).
    pub timeout: Duration,
    /// `PAYMENT_REDIRECT_ORIGINS`: the only origins checkout and portal
    /// URLs from the Payment MS may send a browser to (the sandbox's pages
    /// are on `PUBLIC_URL`, which is always allowed for it).
    pub redirect_origins: Vec<String>,
}

/// Stripe's hosted Checkout and Customer Portal.
const STRIPE_ORIGINS: &str = "https://checkout.stripe.com,https://billing.stripe.com";

/// Where mail goes. Never silently the sandbox mailbox in production.
#[derive(Clone, Debug)]
pub enum MailTransport {
    /// `SMTP_URL`: it may carry the password, so Debug shows it redacted.
    Smtp(SecretString),
    /// The labelled sandbox mailbox at `/sandbox/mail`.
    Sandbox,
}

#[derive(Clone, Debug)]
pub struct Mail {
    pub transport: MailTransport,
    /// `MAIL_FROM`, e.g. `Tracepipe <no-reply@tracepipe.ai>`.
    pub from: String,
    /// Longest one SMTP delivery may take (`SMTP_TIMEOUT_SECS`).
    pub smtp_timeout: Duration,
}

#[derive(Clone, Debug)]
pub struct Usage {
    /// Count authenticated `/v1` requests per key per day (`USAGE_RECORDING`).
    pub recording: bool,
    /// Prices for the estimated cost (`USAGE_PRICE_*`, `USAGE_CURRENCY`).
    pub rates: Rates,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{name} {expected}, got {value:?}")]
pub struct ConfigError {
    pub name: &'static str,
    pub expected: &'static str,
    pub value: String,
}

fn fail(name: &'static str, expected: &'static str, value: &str) -> ConfigError {
    ConfigError {
        name,
        expected,
        value: redact_userinfo(value),
    }
}

/// `text` with a URL's userinfo (`user:password@`) replaced, so that no
/// error or log line repeats a password or token given in a URL.
pub fn redact_userinfo(text: &str) -> String {
    let Some(scheme_end) = text.find("://") else {
        return text.to_owned();
    };
    let rest = &text[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://[redacted]@{}", &text[..scheme_end], &rest[at + 1..]),
        None => text.to_owned(),
    }
}

/// The variables, read through a lookup (tests need not touch the process
/// environment). Unset or blank means the default; anything else must
/// parse, or the error names the variable and says what it must be.
struct Vars<F>(F);

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    fn get(&self, name: &'static str) -> Option<String> {
        (self.0)(name)
            .filter(|value| !value.trim().is_empty())
            .map(|value| value.trim().to_owned())
    }

    /// A number in `range`, else `expected`; `default` when unset.
    fn number<T: FromStr + PartialOrd>(
        &self,
        name: &'static str,
        range: RangeInclusive<T>,
        expected: &'static str,
        default: T,
    ) -> Result<T, ConfigError> {
        match self.get(name) {
            Some(value) => value
                .parse::<T>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| fail(name, expected, &value)),
            None => Ok(default),
        }
    }

    /// Whole seconds in `range`, else `expected`; `default` when unset.
    fn seconds(
        &self,
        name: &'static str,
        range: RangeInclusive<u64>,
        expected: &'static str,
        default: u64,
    ) -> Result<Duration, ConfigError> {
        self.number(name, range, expected, default)
            .map(Duration::from_secs)
    }

    fn per_minute(&self, name: &'static str, default: u32) -> Result<u32, ConfigError> {
        let expected = "must be a whole number of requests a minute, at least 1";
        self.number(name, 1..=u32::MAX, expected, default)
    }

    fn flag(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(value) => match value.to_ascii_lowercase().as_str() {
                "0" | "false" | "no" | "off" => Ok(false),
                "1" | "true" | "yes" | "on" => Ok(true),
                _ => Err(fail(name, "must be true or false", &value)),
            },
        }
    }

    /// One of `choices` (the first is the default), else `expected`.
    fn choice<T: Copy>(
        &self,
        name: &'static str,
        choices: &[(&str, T)],
        expected: &'static str,
    ) -> Result<T, ConfigError> {
        match self.get(name) {
            None => Ok(choices[0].1),
            Some(value) => choices
                .iter()
                .find(|(text, _)| *text == value)
                .map(|(_, choice)| *choice)
                .ok_or_else(|| fail(name, expected, &value)),
        }
    }
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars(lookup);
        let environment = vars.choice(
            "APP_ENV",
            &[
                ("development", Environment::Development),
                ("production", Environment::Production),
            ],
            "must be development or production",
        )?;
        let public_url = match vars.get("PUBLIC_URL") {
            Some(value) => parse_public_url(&value).ok_or_else(|| {
                fail(
                    "PUBLIC_URL",
                    "must be an absolute http(s) origin such as https://tracepipe.ai (no path, query or fragment)",
                    &value,
                )
            })?,
            // `localhost`, not 127.0.0.1: a secure context with a domain
            // name, where browsers allow passkeys (WebAuthn refuses IPs).
            None => "http://localhost:8081".to_owned(),
        };
        // On http, cookies lose `Secure` and `__Host-` and HSTS is off.
        if environment == Environment::Production && !public_url.starts_with("https://") {
            return Err(fail(
                "PUBLIC_URL",
                "must be an https origin when APP_ENV=production, such as https://tracepipe.ai (terminate TLS in front of the server)",
                &public_url,
            ));
        }
        let catalog_path = vars
            .get("CATALOG_PATH")
            .unwrap_or_else(|| "catalog.toml".to_owned());
        let server = Server::read(&vars)?;
        let data_dir = server.data_dir.clone();
        Ok(Self {
            environment,
            public_url,
            catalog_path: PathBuf::from(catalog_path),
            database: Database::read(&vars, &server.data_dir)?,
            server,
            sessions: Sessions::read(&vars)?,
            limits: Limits::read(&vars)?,
            payments: PaymentSettings::read(&vars, environment)?,
            mail: Mail::read(&vars, environment)?,
            usage: Usage::read(&vars)?,
            internal_service_tokens: internal_service_tokens(&vars)?,
            server_secret_key: server_secret_key(&vars, environment, &data_dir)?,
            previous_server_secret_key: previous_server_secret_key(&vars)?,
        })
    }

    /// Session cookies get `Secure` and the `__Host-` prefix on https.
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

impl Server {
    fn read(vars: &Vars<impl Fn(&str) -> Option<String>>) -> Result<Self, ConfigError> {
        let listen_addr = match vars.get("LISTEN_ADDR") {
            Some(value) => value.parse().map_err(|_| {
                fail(
                    "LISTEN_ADDR",
                    "must be an IP address and port such as 127.0.0.1:8081",
                    &value,
                )
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8081)),
        };
        let metrics_addr = match vars.get("METRICS_ADDR") {
            Some(value) => match value.parse::<SocketAddr>() {
                Ok(addr) if addr != listen_addr => Some(addr),
                _ => {
                    return Err(fail(
                        "METRICS_ADDR",
                        "must be an IP address and port other than LISTEN_ADDR's, such as 127.0.0.1:9464",
                        &value,
                    ));
                }
            },
            None => None,
        };
        Ok(Self {
            listen_addr,
            metrics_addr,
            data_dir: PathBuf::from(vars.get("DATA_DIR").unwrap_or_else(|| "data".to_owned())),
            log_format: vars.choice(
                "LOG_FORMAT",
                &[("text", LogFormat::Text), ("json", LogFormat::Json)],
                "must be text or json",
            )?,
            shutdown_timeout: vars.seconds(
                "SHUTDOWN_TIMEOUT_SECS",
                0..=3600,
                "must be a whole number of seconds from 0 to 3600",
                20,
            )?,
            connections: crate::serve::ConnectionLimits {
                header_read_timeout: vars.seconds(
                    "HEADER_READ_TIMEOUT_SECS",
                    1..=600,
                    "must be a whole number of seconds from 1 to 600",
                    10,
                )?,
                max_connections: vars.number(
                    "MAX_CONNECTIONS",
                    1..=1_000_000,
                    "must be a whole number of connections from 1 to 1000000",
                    4096,
                )?,
            },
            trusted_proxies: match vars.get("TRUSTED_PROXIES") {
                Some(value) => Networks::parse(&value)
                    .map(crate::request_id::TrustedProxies)
                    .map_err(|_| {
                        fail(
                            "TRUSTED_PROXIES",
                            "must be IP addresses or CIDR ranges separated by commas",
                            &value,
                        )
                    })?,
                None => Default::default(),
            },
            page_cache: vars.flag("PAGE_CACHE", true)?,
            bench_routes: vars.flag("BENCH_ROUTES", false)?,
        })
    }
}

impl Database {
    fn read(
        vars: &Vars<impl Fn(&str) -> Option<String>>,
        data_dir: &Path,
    ) -> Result<Self, ConfigError> {
        let url = match vars.get("DATABASE_URL") {
            Some(value)
                if value.starts_with("sqlite:")
                    || value.starts_with("postgres://")
                    || value.starts_with("postgresql://") =>
            {
                value
            }
            Some(value) => {
                return Err(fail(
                    "DATABASE_URL",
                    "must start with sqlite: or postgres://",
                    &value,
                ));
            }
            None => format!("sqlite://{}/storefront.db?mode=rwc", data_dir.display()),
        };
        Ok(Self {
            url,
            max_connections: vars.number(
                "DATABASE_MAX_CONNECTIONS",
                1..=1000,
                "must be a whole number from 1 to 1000",
                default_pool_size(),
            )?,
            acquire_timeout: vars
                .number(
                    "DATABASE_ACQUIRE_TIMEOUT_MS",
                    50..=60_000,
                    "must be a whole number of milliseconds from 50 to 60000",
                    1000,
                )
                .map(Duration::from_millis)?,
        })
    }
}

impl Sessions {
    fn read(vars: &Vars<impl Fn(&str) -> Option<String>>) -> Result<Self, ConfigError> {
        // From a minute to ten years.
        let seconds = |name, default| {
            vars.seconds(
                name,
                60..=10 * 365 * 24 * 3600,
                "must be a whole number of seconds from 60 to 315360000",
                default,
            )
        };
        let idle_timeout = seconds("SESSION_IDLE_TIMEOUT_SECS", 7 * 24 * 3600)?;
        let absolute_timeout = seconds("SESSION_ABSOLUTE_TIMEOUT_SECS", 30 * 24 * 3600)?;
        if idle_timeout > absolute_timeout {
            return Err(fail(
                "SESSION_IDLE_TIMEOUT_SECS",
                "must not exceed SESSION_ABSOLUTE_TIMEOUT_SECS",
                &idle_timeout.as_secs().to_string(),
            ));
        }
        let reauth_window = seconds("REAUTH_WINDOW_SECS", 15 * 60)?;
        Ok(Self {
            idle_timeout,
            absolute_timeout,
            reauth_window,
        })
    }
}

impl Limits {
    fn read(vars: &Vars<impl Fn(&str) -> Option<String>>) -> Result<Self, ConfigError> {
        Ok(Self {
            max_body_bytes: vars.number(
                "MAX_BODY_BYTES",
                1024..=10 * 1024 * 1024,
                "must be a number of bytes from 1024 to 10485760",
                64 * 1024,
            )?,
            request_timeout: vars.seconds(
                "REQUEST_TIMEOUT_SECS",
                1..=600,
                "must be a whole number of seconds from 1 to 600",
                30,
            )?,
            client_writes_per_minute: vars.per_minute("CLIENT_WRITES_PER_MINUTE", 120)?,
            client_ipv6_prefix: vars.number(
                "CLIENT_IPV6_PREFIX",
                32..=128,
                "must be an IPv6 prefix length from 32 to 128",
                64,
            )?,
            sign_in_failures_per_client: vars.number(
                "SIGN_IN_FAILURES_PER_CLIENT",
                1..=1_000_000,
                "must be a whole number from 1 to 1000000",
                30,
            )?,
            api_manage_per_minute: vars.per_minute("API_KEY_MANAGE_PER_MINUTE", 10)?,
            api_reads_per_minute: vars.per_minute("API_READS_PER_MINUTE", 100)?,
        })
    }
}

impl Usage {
    fn read(vars: &Vars<impl Fn(&str) -> Option<String>>) -> Result<Self, ConfigError> {
        let price = |name, default| {
            vars.number(
                name,
                0.0..=1_000_000.0,
                "must be a price from 0 to 1000000, such as 2.50",
                default,
            )
        };
        let currency = match vars.get("USAGE_CURRENCY") {
            Some(value) if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) => {
                value
            }
            Some(value) => {
                return Err(fail(
                    "USAGE_CURRENCY",
                    "must be a three-letter currency code such as USD",
                    &value,
                ));
            }
            None => "USD".to_owned(),
        };
        Ok(Self {
            recording: vars.flag("USAGE_RECORDING", true)?,
            rates: Rates {
                per_million_tokens: price("USAGE_PRICE_PER_MILLION_TOKENS", 2.0)?,
                per_gb_hour: price("USAGE_PRICE_PER_GB_HOUR", 0.0005)?,
                currency,
            },
        })
    }
}

fn server_secret_key(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
    environment: Environment,
    data_dir: &Path,
) -> Result<ServerSecretKey, ConfigError> {
    match vars.get("SERVER_SECRET_KEY") {
        Some(text) if decode_server_secret_key(&text).is_some() => {
            Ok(ServerSecretKey::Given(SecretString::from(text)))
        }
        // The value itself is a secret: never echoed.
        Some(_) => Err(fail(
            "SERVER_SECRET_KEY",
            "must be base64 of at least 32 random bytes, such as the output of `openssl rand -base64 32` (value not shown)",
            "",
        )),
        None if environment == Environment::Production => Err(fail(
            "SERVER_SECRET_KEY",
            "must be set when APP_ENV=production, the same on every instance (`openssl rand -base64 32`)",
            "",
        )),
        None => Ok(ServerSecretKey::File(data_dir.join("server-secret.key"))),
    }
}

/// The current token, and the previous one while callers move over.
fn internal_service_tokens(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
) -> Result<Vec<SecretString>, ConfigError> {
    let token = |name: &'static str| match vars.get(name) {
        Some(token) if token.len() >= 32 && !token.contains(char::is_whitespace) => {
            Ok(Some(SecretString::from(token)))
        }
        // The value itself is a secret: never echoed.
        Some(_) => Err(fail(
            name,
            "must be at least 32 characters without spaces (value not shown)",
            "",
        )),
        None => Ok(None),
    };
    match (
        token("INTERNAL_SERVICE_TOKEN")?,
        token("INTERNAL_SERVICE_TOKEN_PREVIOUS")?,
    ) {
        (None, Some(_)) => Err(fail(
            "INTERNAL_SERVICE_TOKEN_PREVIOUS",
            "is set without INTERNAL_SERVICE_TOKEN: a rotation keeps the new token there",
            "",
        )),
        (current, previous) => Ok(current.into_iter().chain(previous).collect()),
    }
}

fn previous_server_secret_key(
    vars: &Vars<impl Fn(&str) -> Option<String>>,
) -> Result<Option<SecretString>, ConfigError> {
    match vars.get("SERVER_SECRET_KEY_PREVIOUS") {
        None => Ok(None),
        Some(_) if vars.get("SERVER_SECRET_KEY").is_none() => Err(fail(
            "SERVER_SECRET_KEY_PREVIOUS",
            "is set without SERVER_SECRET_KEY: a rotation keeps the new key there",
            "",
        )),
        Some(text) if decode_server_secret_key(&text).is_some() => {
            Ok(Some(SecretString::from(text)))
        }
        Some(_) => Err(fail(
            "SERVER_SECRET_KEY_PREVIOUS",
            "must be base64 of at least 32 random bytes (value not shown)",
            "",
        )),
    }
}

impl PaymentSettings {
    /// The Payment MS when `PAYMENT_SERVICE_URL` is set; otherwise the
    /// sandbox, which production takes only when `PAYMENT_SANDBOX=true`
    /// says so.
    fn read(
        vars: &Vars<impl Fn(&str) -> Option<String>>,
        environment: Environment,
    ) -> Result<Self, ConfigError> {
        let timeout = vars.seconds(
            "PAYMENT_SERVICE_TIMEOUT_SECS",
            1..=60,
            "must be a whole number of seconds from 1 to 60",
            10,
        )?;
        let sandbox_requested = vars.flag("PAYMENT_SANDBOX", false)?;
        let api_key = vars.get("PAYMENT_SERVICE_API_KEY").map(SecretString::from);
        if let Some(key) = &api_key
            && (key.expose_secret().len() < 16
                || key
                    .expose_secret()
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control()))
        {
            // The value itself is a secret: never echoed.
            return Err(fail(
                "PAYMENT_SERVICE_API_KEY",
                "must be at least 16 characters without spaces (value not shown)",
                "",
            ));
        }
        let service = match vars.get("PAYMENT_SERVICE_URL") {
            Some(_) if sandbox_requested => {
                return Err(fail(
                    "PAYMENT_SANDBOX",
                    "must not be true while PAYMENT_SERVICE_URL is set (choose one)",
                    "true",
                ));
            }
            Some(url) => {
                let parsed = Url::parse(&url).ok().filter(|parsed| {
                    matches!(parsed.scheme(), "http" | "https")
                        && parsed.host_str().is_some()
                        && parsed.query().is_none()
                });
                if parsed.is_none() {
                    return Err(fail(
                        "PAYMENT_SERVICE_URL",
                        "must be an http(s) URL such as http://localhost:9000",
                        &url,
                    ));
                }
                let api_key = api_key.ok_or_else(|| {
                    fail(
                        "PAYMENT_SERVICE_API_KEY",
                        "must be set when PAYMENT_SERVICE_URL is",
                        "",
                    )
                })?;
                PaymentService::Service { url, api_key }
            }
            None if environment == Environment::Production && !sandbox_requested => {
                return Err(fail(
                    "PAYMENT_SERVICE_URL",
                    "must be set when APP_ENV=production (or set PAYMENT_SANDBOX=true to take sandbox payments on purpose)",
                    "",
                ));
            }
            None => PaymentService::Sandbox { api_key },
        };
        let origins = vars
            .get("PAYMENT_REDIRECT_ORIGINS")
            .unwrap_or_else(|| STRIPE_ORIGINS.to_owned());
        let redirect_origins = origins
            .split(',')
            .map(|origin| {
                parse_public_url(origin).ok_or_else(|| {
                    fail(
                        "PAYMENT_REDIRECT_ORIGINS",
                        "must be comma-separated http(s) origins such as https://checkout.stripe.com (no path)",
                        origin.trim(),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            service,
            timeout,
            redirect_origins,
        })
    }
}

impl Mail {
    /// SMTP when `SMTP_URL` is set; otherwise the sandbox mailbox, which
    /// production takes only when `MAIL_SANDBOX=true` says so.
    fn read(
        vars: &Vars<impl Fn(&str) -> Option<String>>,
        environment: Environment,
    ) -> Result<Self, ConfigError> {
        let sandbox_requested = vars.flag("MAIL_SANDBOX", false)?;
        let smtp_timeout = vars.seconds(
            "SMTP_TIMEOUT_SECS",
            1..=300,
            "must be a whole number of seconds from 1 to 300",
            30,
        )?;
        let production = environment == Environment::Production;
        let transport = match vars.get("SMTP_URL") {
            Some(_) if sandbox_requested => {
                return Err(fail(
                    "MAIL_SANDBOX",
                    "must not be true while SMTP_URL is set (choose one)",
                    "true",
                ));
            }
            Some(url) => {
                // The URL may hold a password: errors never show it.
                app::mail::ssr::delivery::check_smtp_url(&url)
                    .map_err(|_| fail("SMTP_URL", SMTP_URL_FORMAT, ""))?;
                if production && !smtp_is_encrypted(&url) {
                    return Err(fail(
                        "SMTP_URL",
                        "must use smtps:// or ?tls=required when APP_ENV=production, unless the server is on this machine (value not shown)",
                        "",
                    ));
                }
                MailTransport::Smtp(SecretString::from(url))
            }
            None if production && !sandbox_requested => {
                return Err(fail(
                    "SMTP_URL",
                    "must be set when APP_ENV=production (or set MAIL_SANDBOX=true to keep mail in the sandbox mailbox on purpose)",
                    "",
                ));
            }
            None => MailTransport::Sandbox,
        };
        let from = match vars.get("MAIL_FROM") {
            Some(from) => from,
            None if production => {
                return Err(fail(
                    "MAIL_FROM",
                    "must be set when APP_ENV=production, e.g. Tracepipe <no-reply@tracepipe.ai>",
                    "",
                ));
            }
            None => "Tracepipe <no-reply@tracepipe.localhost>".to_owned(),
        };
        app::mail::ssr::delivery::sender(&from)
            .map_err(|expected| fail("MAIL_FROM", expected, &from))?;
        Ok(Self {
            transport,
            from,
            smtp_timeout,
        })
    }
}

const SMTP_URL_FORMAT: &str = "must be smtps://user:password@host:465 or smtp://user:password@host:587?tls=required (value not shown)";

/// TLS from the start (`smtps`), STARTTLS required, or a server on this
/// machine (where the mail does not cross a network).
fn smtp_is_encrypted(url: &str) -> bool {
    let Ok(parsed) = Url::parse(url) else {
        return false;
    };
    let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    parsed.scheme() == "smtps"
        || parsed
            .query_pairs()
            .any(|(name, value)| name == "tls" && value == "required")
        || loopback
}

/// An origin (scheme, host, optional port) with nothing after it.
fn parse_public_url(value: &str) -> Option<String> {
    let url = Url::parse(value.trim()).ok()?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    plain.then(|| url.as_str().trim_end_matches('/').to_owned())
}

/// Enough connections for both cores to stay busy while others wait on I/O,
/// without crowding a shared PostgreSQL when several instances run.
fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    (cores * 4).clamp(4, 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_serve_the_seed_port_with_an_embedded_database() {
        let config = config(&[]).unwrap();
        assert_eq!(config.public_url, "http://localhost:8081");
        assert_eq!(config.server.listen_addr.to_string(), "127.0.0.1:8081");
        assert_eq!(config.database.url, "sqlite://data/storefront.db?mode=rwc");
        assert_eq!(config.server.log_format, LogFormat::Text);
        assert!(!config.server.bench_routes);
        assert!(config.server.page_cache);
        assert!(config.database.max_connections >= 4);
        assert_eq!(config.environment, Environment::Development);
        assert!(matches!(
            config.payments.service,
            PaymentService::Sandbox { api_key: None }
        ));
        assert_eq!(config.payments.timeout, Duration::from_secs(10));
        assert!(config.usage.recording);
        assert_eq!(config.limits.max_body_bytes, 64 * 1024);
        assert_eq!(
            config.sessions.idle_timeout,
            Duration::from_secs(7 * 24 * 3600)
        );
        assert_eq!(
            config.usage.rates,
            Rates {
                per_million_tokens: 2.0,
                per_gb_hour: 0.0005,
                currency: "USD".to_owned()
            }
        );
    }

    const TEST_SECRET_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXY=";

    #[test]
    fn the_server_secret_key_is_required_in_production_and_never_echoed() {
        let development = config(&[("DATA_DIR", "/srv/tp")]).unwrap();
        assert!(matches!(
            development.server_secret_key,
            ServerSecretKey::File(ref path) if path == Path::new("/srv/tp/server-secret.key")
        ));
        let production = [
            ("APP_ENV", "production"),
            ("PUBLIC_URL", "https://tracepipe.ai"),
            ("PAYMENT_SANDBOX", "true"),
            ("MAIL_SANDBOX", "true"),
            ("MAIL_FROM", "Tracepipe <no-reply@tracepipe.ai>"),
        ];
        let missing = config(&production).unwrap_err();
        assert_eq!(missing.name, "SERVER_SECRET_KEY");
        assert!(
            missing.to_string().contains("APP_ENV=production"),
            "{missing}"
        );
        let short = "c2hvcnQta2V5LXNob3J0LWtleQ==";
        let refused = config(&[("SERVER_SECRET_KEY", short)]).unwrap_err();
        assert_eq!(refused.name, "SERVER_SECRET_KEY");
        assert!(!refused.to_string().contains(short), "{refused}");
        let given =
            config(&[&production[..], &[("SERVER_SECRET_KEY", TEST_SECRET_KEY)]].concat()).unwrap();
        assert!(matches!(given.server_secret_key, ServerSecretKey::Given(_)));
        assert!(
            !format!("{given:?}").contains(TEST_SECRET_KEY),
            "Debug hides the key"
        );
        assert_eq!(decode_server_secret_key(TEST_SECRET_KEY).unwrap().len(), 32);
    }

    #[test]
    fn a_previous_secret_needs_a_current_one_and_is_never_echoed() {
        const TOKEN: &str = "svc_current_current_current_current_";
        const OLD_TOKEN: &str = "svc_previous_previous_previous_prev";
        let alone = config(&[("INTERNAL_SERVICE_TOKEN_PREVIOUS", OLD_TOKEN)]).unwrap_err();
        assert_eq!(alone.name, "INTERNAL_SERVICE_TOKEN_PREVIOUS");
        let both = config(&[
            ("INTERNAL_SERVICE_TOKEN", TOKEN),
            ("INTERNAL_SERVICE_TOKEN_PREVIOUS", OLD_TOKEN),
        ])
        .unwrap();
        let accepted: Vec<&str> = both
            .internal_service_tokens
            .iter()
            .map(|token| token.expose_secret())
            .collect();
        assert_eq!(accepted, [TOKEN, OLD_TOKEN]);
        assert!(!format!("{both:?}").contains(OLD_TOKEN));
        let short = config(&[
            ("INTERNAL_SERVICE_TOKEN", TOKEN),
            ("INTERNAL_SERVICE_TOKEN_PREVIOUS", "short"),
        ])
        .unwrap_err();
        assert_eq!(short.name, "INTERNAL_SERVICE_TOKEN_PREVIOUS");

        let key_alone = config(&[("SERVER_SECRET_KEY_PREVIOUS", TEST_SECRET_KEY)]).unwrap_err();
        assert_eq!(key_alone.name, "SERVER_SECRET_KEY_PREVIOUS");
        let not_a_key = config(&[
            ("SERVER_SECRET_KEY", TEST_SECRET_KEY),
            ("SERVER_SECRET_KEY_PREVIOUS", "not base64!"),
        ])
        .unwrap_err();
        assert_eq!(not_a_key.name, "SERVER_SECRET_KEY_PREVIOUS");
        assert!(!not_a_key.to_string().contains("not base64!"));
    }

    #[test]
    fn payment_redirects_default_to_stripe_and_take_only_origins() {
        let default = config(&[]).unwrap();
        assert_eq!(
            default.payments.redirect_origins,
            ["https://checkout.stripe.com", "https://billing.stripe.com"]
        );
        let chosen = config(&[(
            "PAYMENT_REDIRECT_ORIGINS",
            "https://pay.example.com, HTTPS://Portal.Example.com:8443/",
        )])
        .unwrap();
        assert_eq!(
            chosen.payments.redirect_origins,
            ["https://pay.example.com", "https://portal.example.com:8443"]
        );
        let err = config(&[(
            "PAYMENT_REDIRECT_ORIGINS",
            "https://pay.example.com/checkout",
        )])
        .unwrap_err();
        assert_eq!(err.name, "PAYMENT_REDIRECT_ORIGINS");
        assert!(
            err.to_string().contains("https://pay.example.com/checkout"),
            "{err}"
        );
    }

    #[test]
    fn metrics_are_off_unless_given_a_listener_of_their_own() {
        assert_eq!(config(&[]).unwrap().server.metrics_addr, None);
        let on = config(&[("METRICS_ADDR", "127.0.0.1:9464")]).unwrap();
        assert_eq!(
            on.server.metrics_addr,
            Some(SocketAddr::from(([127, 0, 0, 1], 9464)))
        );
        for refused in ["9464", "127.0.0.1:8081"] {
            let err = config(&[("METRICS_ADDR", refused)]).unwrap_err();
            assert_eq!(err.name, "METRICS_ADDR", "{refused}");
        }
    }

    #[test]
    fn production_refuses_a_public_url_without_https() {
        for refused in [
            None,
            Some("http://tracepipe.ai"),
            Some("http://127.0.0.1:8081"),
        ] {
            let mut vars = vec![("APP_ENV", "production")];
            vars.extend(refused.map(|url| ("PUBLIC_URL", url)));
            let err = config(&vars).unwrap_err();
            assert_eq!(err.name, "PUBLIC_URL", "{refused:?}");
            assert!(err.to_string().contains("https"), "{err}");
        }
        let development = config(&[("PUBLIC_URL", "http://tracepipe.localhost")]).unwrap();
        assert!(!development.https());
    }

    #[test]
    fn production_never_falls_back_to_the_sandbox_silently() {
        let err = config(&[
            ("APP_ENV", "production"),
            ("PUBLIC_URL", "https://tracepipe.ai"),
        ])
        .unwrap_err();
        assert_eq!(err.name, "PAYMENT_SERVICE_URL");
        assert!(err.to_string().contains("PAYMENT_SANDBOX=true"), "{err}");
        let chosen = config(&[
            ("APP_ENV", "production"),
            ("PUBLIC_URL", "https://tracepipe.ai"),
            ("PAYMENT_SANDBOX", "true"),
            ("MAIL_SANDBOX", "true"),
            ("MAIL_FROM", "Tracepipe <no-reply@tracepipe.ai>"),
            ("SERVER_SECRET_KEY", TEST_SECRET_KEY),
        ])
        .unwrap();
        assert!(matches!(
            chosen.payments.service,
            PaymentService::Sandbox { .. }
        ));
    }

    #[test]
    fn production_mail_goes_over_encrypted_smtp_or_to_the_sandbox_on_purpose() {
        let production = [
            ("APP_ENV", "production"),
            ("PUBLIC_URL", "https://tracepipe.ai"),
            ("PAYMENT_SANDBOX", "true"),
            ("MAIL_FROM", "Tracepipe <no-reply@tracepipe.ai>"),
            ("SERVER_SECRET_KEY", TEST_SECRET_KEY),
        ];
        let with =
            |extra: &[(&'static str, &'static str)]| config(&[&production[..], extra].concat());
        let err = with(&[]).unwrap_err();
        assert_eq!(err.name, "SMTP_URL");
        assert!(err.to_string().contains("MAIL_SANDBOX=true"), "{err}");
        let plain = with(&[("SMTP_URL", "smtp://mailer:s3cret@smtp.example.com:587")]);
        let err = plain.unwrap_err();
        assert_eq!(err.name, "SMTP_URL");
        assert!(!err.to_string().contains("s3cret"), "{err}");
        for url in [
            "smtps://mailer:s3cret@smtp.example.com",
            "smtp://mailer:s3cret@smtp.example.com:587?tls=required",
            "smtp://127.0.0.1:2525",
        ] {
            let chosen = with(&[("SMTP_URL", url)]).unwrap();
            assert!(
                matches!(chosen.mail.transport, MailTransport::Smtp(_)),
                "{url}"
            );
            assert!(
                !format!("{chosen:?}").contains("s3cret"),
                "Debug hides the password"
            );
        }
        let both = with(&[
            ("SMTP_URL", "smtps://smtp.example.com"),
            ("MAIL_SANDBOX", "true"),
        ]);
        assert_eq!(both.unwrap_err().name, "MAIL_SANDBOX");
        let broken = with(&[("SMTP_URL", "mailto:s3cret@example.com")]).unwrap_err();
        assert_eq!(broken.name, "SMTP_URL");
        assert!(!broken.to_string().contains("s3cret"), "{broken}");
        let no_from = config(&[
            ("APP_ENV", "production"),
            ("PUBLIC_URL", "https://tracepipe.ai"),
            ("PAYMENT_SANDBOX", "true"),
            ("MAIL_SANDBOX", "true"),
        ]);
        assert_eq!(no_from.unwrap_err().name, "MAIL_FROM");
        let bad_from = config(&[("MAIL_FROM", "no-reply at tracepipe")]).unwrap_err();
        assert_eq!(bad_from.name, "MAIL_FROM");
        // Development: the sandbox mailbox, no setting needed.
        assert!(matches!(
            config(&[]).unwrap().mail.transport,
            MailTransport::Sandbox
        ));
    }

    #[test]
    fn the_payment_service_needs_its_key_and_excludes_the_sandbox() {
        let key = "proj_0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
        let service = config(&[
            ("APP_ENV", "production"),
            ("PUBLIC_URL", "https://tracepipe.ai"),
            ("PAYMENT_SERVICE_URL", "http://payments.internal:9000"),
            ("PAYMENT_SERVICE_API_KEY", key),
            ("SMTP_URL", "smtps://mailer:s3cret@smtp.example.com"),
            ("MAIL_FROM", "Tracepipe <no-reply@tracepipe.ai>"),
            ("SERVER_SECRET_KEY", TEST_SECRET_KEY),
        ])
        .unwrap();
        match &service.payments.service {
            PaymentService::Service { url, api_key } => {
                assert_eq!(url, "http://payments.internal:9000");
                assert_eq!(api_key.expose_secret(), key);
            }
            other => panic!("{other:?}"),
        }
        assert!(!format!("{service:?}").contains(key), "Debug hides the key");
        let missing = config(&[("PAYMENT_SERVICE_URL", "http://payments.internal:9000")]);
        assert_eq!(missing.unwrap_err().name, "PAYMENT_SERVICE_API_KEY");
        let both = config(&[
            ("PAYMENT_SERVICE_URL", "http://payments.internal:9000"),
            ("PAYMENT_SERVICE_API_KEY", key),
            ("PAYMENT_SANDBOX", "yes"),
        ]);
        assert_eq!(both.unwrap_err().name, "PAYMENT_SANDBOX");
        let short = config(&[("PAYMENT_SERVICE_API_KEY", "proj_short")]).unwrap_err();
        assert!(
            !short.to_string().contains("proj_short"),
            "the key is never echoed"
        );
    }

    #[test]
    fn public_url_is_normalised_to_an_origin() {
        let config = config(&[("PUBLIC_URL", "https://Tracepipe.example/")]).unwrap();
        assert_eq!(config.public_url, "https://tracepipe.example");
        let config = self::config(&[("PUBLIC_URL", "http://localhost:9999")]).unwrap();
        assert_eq!(config.public_url, "http://localhost:9999");
    }

    #[test]
    fn data_dir_moves_the_default_database() {
        let config = config(&[("DATA_DIR", "/var/lib/tp")]).unwrap();
        assert_eq!(
            config.database.url,
            "sqlite:///var/lib/tp/storefront.db?mode=rwc"
        );
    }

    #[test]
    fn bad_values_name_the_variable_and_what_is_expected() {
        let cases = [
            ("PUBLIC_URL", "tracepipe.ai"),
            ("PUBLIC_URL", "ftp://tracepipe.ai"),
            ("PUBLIC_URL", "https://tracepipe.ai/shop"),
            ("PUBLIC_URL", "https://tracepipe.ai/?a=1"),
            ("LISTEN_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://db"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("DATABASE_MAX_CONNECTIONS", "lots"),
            ("DATABASE_ACQUIRE_TIMEOUT_MS", "1s"),
            ("DATABASE_ACQUIRE_TIMEOUT_MS", "10"),
            ("LOG_FORMAT", "xml"),
            ("SHUTDOWN_TIMEOUT_SECS", "-1"),
            ("HEADER_READ_TIMEOUT_SECS", "0"),
            ("MAX_CONNECTIONS", "unlimited"),
            ("TRUSTED_PROXIES", "the load balancer"),
            ("BENCH_ROUTES", "maybe"),
            ("PAGE_CACHE", "sometimes"),
            ("APP_ENV", "staging"),
            ("PAYMENT_SANDBOX", "perhaps"),
            ("PAYMENT_SERVICE_URL", "payments:9000"),
            ("PAYMENT_SERVICE_TIMEOUT_SECS", "0"),
            ("API_READS_PER_MINUTE", "0"),
            ("CLIENT_WRITES_PER_MINUTE", "many"),
            ("SIGN_IN_FAILURES_PER_CLIENT", "0"),
            ("API_KEY_MANAGE_PER_MINUTE", "ten"),
            ("SESSION_IDLE_TIMEOUT_SECS", "5"),
            ("SESSION_ABSOLUTE_TIMEOUT_SECS", "forever"),
            ("USAGE_RECORDING", "sometimes"),
            ("USAGE_PRICE_PER_MILLION_TOKENS", "-2"),
            ("USAGE_PRICE_PER_GB_HOUR", "cheap"),
            ("USAGE_CURRENCY", "dollars"),
            ("MAX_BODY_BYTES", "12"),
            ("REQUEST_TIMEOUT_SECS", "0"),
        ];
        for (name, value) in cases {
            let err = config(&[(name, value)]).unwrap_err();
            assert_eq!(err.name, name);
            let line = err.to_string();
            assert!(line.starts_with(name) && line.contains(value), "{line}");
            assert!(!line.contains('\n'));
        }
    }

    #[test]
    fn no_error_repeats_a_password_or_token_given_in_a_url() {
        for (name, value) in [
            (
                "DATABASE_URL",
                "mysql://storefront:hunter2-secret@db:3306/shop",
            ),
            ("DATABASE_URL", "mariadb://:hunter2-secret@db"),
            ("PAYMENT_SERVICE_URL", "ftp://svc:hunter2-secret@payments"),
            (
                "PUBLIC_URL",
                "https://user:hunter2-secret@tracepipe.ai/shop",
            ),
        ] {
            let line = config(&[(name, value)]).unwrap_err().to_string();
            assert!(line.starts_with(name), "{line}");
            assert!(!line.contains("hunter2-secret"), "{line}");
            assert!(line.contains("[redacted]@"), "{line}");
        }
        assert_eq!(
            redact_userinfo("postgres://u:p@host:5432/db?sslmode=require&x=a@b"),
            "postgres://[redacted]@host:5432/db?sslmode=require&x=a@b"
        );
        assert_eq!(redact_userinfo("sqlite://data/a.db"), "sqlite://data/a.db");
        assert_eq!(redact_userinfo("not a url"), "not a url");
    }

    #[test]
    fn blank_values_mean_the_default() {
        let config = config(&[("PUBLIC_URL", "  "), ("LOG_FORMAT", "")]).unwrap();
        assert_eq!(config.public_url, "http://localhost:8081");
    }
}
