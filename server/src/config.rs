//! Configuration from environment variables (and an optional `.env` file),
//! validated once at start. Every error names the variable and what it expects.

use app::usage::ssr::Rates;
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use url::Url;

#[derive(Clone, Debug, PartialEq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where payments go. Never silently the sandbox in production.
#[derive(Clone, Debug)]
pub enum PaymentsConfig {
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
    pub listen_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub database_max_connections: u32,
    pub catalog_path: PathBuf,
    pub log_format: LogFormat,
    pub shutdown_timeout: Duration,
    /// Sign out after this long without a request.
    pub session_idle_timeout: Duration,
    /// Sign out this long after signing in, however active.
    pub session_absolute_timeout: Duration,
    /// Serve public pages to anonymous visitors from a per-process render cache.
    pub page_cache: bool,
    /// Adds `/__bench/landing-copy` (the landing page's bytes from memory) for `bench/`.
    pub bench_routes: bool,
    /// Bearer token other Tracepipe services present on `/internal/v1`;
    /// unset: every internal call is refused.
    pub internal_service_token: Option<SecretString>,
    /// Per-key `/v1` limits a minute: key management, and reads.
    pub api_manage_per_minute: u32,
    pub api_reads_per_minute: u32,
    /// Per client address: state-changing requests a minute, on every route
    /// but `/internal` (`CLIENT_WRITES_PER_MINUTE`).
    pub client_writes_per_minute: u32,
    pub payments: PaymentsConfig,
    /// Total time allowed for one Payment MS call (connecting: at most 2 s of it).
    pub payment_timeout: Duration,
    /// Count authenticated `/v1` requests per key per day (`USAGE_RECORDING`).
    pub usage_recording: bool,
    /// Prices for the estimated cost (`USAGE_PRICE_*`, `USAGE_CURRENCY`).
    pub usage_rates: Rates,
    /// Larger request bodies are refused with 413 (forms and both APIs).
    pub max_body_bytes: usize,
    /// Requests taking longer are stopped with 408.
    pub request_timeout: Duration,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{name} {expected}, got {value:?}")]
pub struct ConfigError {
    pub name: &'static str,
    pub expected: &'static str,
    pub value: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &'static str| lookup(name).filter(|value| !value.trim().is_empty());
        let fail = |name, expected, value: &str| ConfigError {
            name,
            expected,
            value: value.to_owned(),
        };

        // A whole number within `range`, or `default` when the variable is unset.
        let whole_number = |name: &'static str,
                            range: std::ops::RangeInclusive<u64>,
                            expected: &'static str,
                            default: u64| match var(name) {
            Some(value) => value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| fail(name, expected, &value)),
            None => Ok(default),
        };

        let public_url = match var("PUBLIC_URL") {
            Some(value) => parse_public_url(&value)
                .ok_or_else(|| fail("PUBLIC_URL", "must be an absolute http(s) origin such as https://tracepipe.ai (no path, query or fragment)", &value))?,
            None => "http://127.0.0.1:8081".to_owned(),
        };
        let listen_addr = match var("LISTEN_ADDR") {
            Some(value) => value.parse().map_err(|_| {
                fail(
                    "LISTEN_ADDR",
                    "must be an IP address and port such as 127.0.0.1:8081",
                    &value,
                )
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8081)),
        };
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".to_owned()));
        let database_url = match var("DATABASE_URL") {
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
        let database_max_connections = whole_number(
            "DATABASE_MAX_CONNECTIONS",
            1..=1000,
            "must be a whole number from 1 to 1000",
            u64::from(default_pool_size()),
        )? as u32;
        let catalog_path =
            PathBuf::from(var("CATALOG_PATH").unwrap_or_else(|| "catalog.toml".to_owned()));
        let log_format = match var("LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(fail("LOG_FORMAT", "must be text or json", other)),
        };
        let shutdown_timeout = Duration::from_secs(whole_number(
            "SHUTDOWN_TIMEOUT_SECS",
            0..=3600,
            "must be a whole number of seconds from 0 to 3600",
            20,
        )?);
        let session_idle_timeout = parse_duration_secs(
            "SESSION_IDLE_TIMEOUT_SECS",
            var("SESSION_IDLE_TIMEOUT_SECS"),
            7 * 24 * 3600,
        )?;
        let session_absolute_timeout = parse_duration_secs(
            "SESSION_ABSOLUTE_TIMEOUT_SECS",
            var("SESSION_ABSOLUTE_TIMEOUT_SECS"),
            30 * 24 * 3600,
        )?;
        if session_idle_timeout > session_absolute_timeout {
            return Err(fail(
                "SESSION_IDLE_TIMEOUT_SECS",
                "must not exceed SESSION_ABSOLUTE_TIMEOUT_SECS",
                &session_idle_timeout.as_secs().to_string(),
            ));
        }
        let page_cache = parse_flag("PAGE_CACHE", var("PAGE_CACHE"), true)?;
        let bench_routes = parse_flag("BENCH_ROUTES", var("BENCH_ROUTES"), false)?;
        let internal_service_token = match var("INTERNAL_SERVICE_TOKEN") {
            Some(token)
                if token.trim().len() >= 32 && !token.trim().contains(char::is_whitespace) =>
            {
                Some(SecretString::from(token.trim()))
            }
            Some(_) => {
                return Err(fail(
                    "INTERNAL_SERVICE_TOKEN",
                    "must be at least 32 characters without spaces (value not shown)",
                    "",
                ));
            }
            None => None,
        };
        let per_minute = |name: &'static str, default: u32| match var(name) {
            Some(value) => value
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    fail(
                        name,
                        "must be a whole number of requests a minute, at least 1",
                        &value,
                    )
                }),
            None => Ok(default),
        };
        let api_manage_per_minute = per_minute("API_KEY_MANAGE_PER_MINUTE", 10)?;
        let api_reads_per_minute = per_minute("API_READS_PER_MINUTE", 100)?;
        let client_writes_per_minute = per_minute("CLIENT_WRITES_PER_MINUTE", 120)?;
        let environment = match var("APP_ENV").as_deref() {
            None | Some("development") => Environment::Development,
            Some("production") => Environment::Production,
            Some(other) => {
                return Err(fail("APP_ENV", "must be development or production", other));
            }
        };
        let payments = payments_config(environment, &var)?;
        let payment_timeout = Duration::from_secs(whole_number(
            "PAYMENT_SERVICE_TIMEOUT_SECS",
            1..=60,
            "must be a whole number of seconds from 1 to 60",
            10,
        )?);
        let usage_recording = parse_flag("USAGE_RECORDING", var("USAGE_RECORDING"), true)?;
        let price = |name: &'static str, default: f64| match var(name) {
            Some(value) => value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|price| (0.0..=1_000_000.0).contains(price))
                .ok_or_else(|| {
                    fail(
                        name,
                        "must be a price from 0 to 1000000, such as 2.50",
                        &value,
                    )
                }),
            None => Ok(default),
        };
        let currency = match var("USAGE_CURRENCY") {
            Some(value)
                if value.trim().len() == 3
                    && value.trim().bytes().all(|byte| byte.is_ascii_uppercase()) =>
            {
                value.trim().to_owned()
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
        let max_body_bytes = whole_number(
            "MAX_BODY_BYTES",
            1024..=10 * 1024 * 1024,
            "must be a number of bytes from 1024 to 10485760",
            64 * 1024,
        )? as usize;
        let request_timeout = Duration::from_secs(whole_number(
            "REQUEST_TIMEOUT_SECS",
            1..=600,
            "must be a whole number of seconds from 1 to 600",
            30,
        )?);
        let usage_rates = Rates {
            per_million_tokens: price("USAGE_PRICE_PER_MILLION_TOKENS", 2.0)?,
            per_gb_hour: price("USAGE_PRICE_PER_GB_HOUR", 0.0005)?,
            currency,
        };

        Ok(Self {
            environment,
            public_url,
            listen_addr,
            data_dir,
            database_url,
            database_max_connections,
            catalog_path,
            log_format,
            shutdown_timeout,
            session_idle_timeout,
            session_absolute_timeout,
            page_cache,
            bench_routes,
            internal_service_token,
            api_manage_per_minute,
            api_reads_per_minute,
            client_writes_per_minute,
            payments,
            payment_timeout,
            usage_recording,
            usage_rates,
            max_body_bytes,
            request_timeout,
        })
    }
}

/// The Payment MS when `PAYMENT_SERVICE_URL` is set; otherwise the sandbox,
/// which production takes only when `PAYMENT_SANDBOX=true` says so.
fn payments_config(
    environment: Environment,
    var: &impl Fn(&'static str) -> Option<String>,
) -> Result<PaymentsConfig, ConfigError> {
    let fail = |name, expected, value: &str| ConfigError {
        name,
        expected,
        value: value.to_owned(),
    };
    let sandbox_requested = parse_flag("PAYMENT_SANDBOX", var("PAYMENT_SANDBOX"), false)?;
    let api_key = var("PAYMENT_SERVICE_API_KEY").map(|key| SecretString::from(key.trim()));
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
    match var("PAYMENT_SERVICE_URL") {
        Some(url) => {
            if sandbox_requested {
                return Err(fail(
                    "PAYMENT_SANDBOX",
                    "must not be true while PAYMENT_SERVICE_URL is set (choose one)",
                    "true",
                ));
            }
            let parsed = Url::parse(url.trim()).ok().filter(|parsed| {
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
            Ok(PaymentsConfig::Service {
                url: url.trim().to_owned(),
                api_key,
            })
        }
        None if environment == Environment::Production && !sandbox_requested => Err(fail(
            "PAYMENT_SERVICE_URL",
            "must be set when APP_ENV=production (or set PAYMENT_SANDBOX=true to take sandbox payments on purpose)",
            "",
        )),
        None => Ok(PaymentsConfig::Sandbox { api_key }),
    }
}

fn parse_flag(
    name: &'static str,
    value: Option<String>,
    default: bool,
) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some(_) => Err(ConfigError {
            name,
            expected: "must be true or false",
            value: value.unwrap_or_default(),
        }),
    }
}

/// A whole number of seconds from 60 to ten years.
fn parse_duration_secs(
    name: &'static str,
    value: Option<String>,
    default: u64,
) -> Result<Duration, ConfigError> {
    match value {
        None => Ok(Duration::from_secs(default)),
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|secs| (60..=10 * 365 * 24 * 3600).contains(secs))
            .map(Duration::from_secs)
            .ok_or(ConfigError {
                name,
                expected: "must be a whole number of seconds from 60 to 315360000",
                value: text,
            }),
    }
}

impl Config {
    /// Session cookies get `Secure` and the `__Host-` prefix on https.
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
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
        assert_eq!(config.public_url, "http://127.0.0.1:8081");
        assert_eq!(config.listen_addr.to_string(), "127.0.0.1:8081");
        assert_eq!(config.database_url, "sqlite://data/storefront.db?mode=rwc");
        assert_eq!(config.log_format, LogFormat::Text);
        assert!(!config.bench_routes);
        assert!(config.page_cache);
        assert!(config.database_max_connections >= 4);
        assert_eq!(config.environment, Environment::Development);
        assert!(matches!(
            config.payments,
            PaymentsConfig::Sandbox { api_key: None }
        ));
        assert_eq!(config.payment_timeout, Duration::from_secs(10));
        assert!(config.usage_recording);
        assert_eq!(
            config.usage_rates,
            Rates {
                per_million_tokens: 2.0,
                per_gb_hour: 0.0005,
                currency: "USD".to_owned()
            }
        );
    }

    #[test]
    fn production_never_falls_back_to_the_sandbox_silently() {
        let err = config(&[("APP_ENV", "production")]).unwrap_err();
        assert_eq!(err.name, "PAYMENT_SERVICE_URL");
        assert!(err.to_string().contains("PAYMENT_SANDBOX=true"), "{err}");
        let chosen = config(&[("APP_ENV", "production"), ("PAYMENT_SANDBOX", "true")]).unwrap();
        assert!(matches!(chosen.payments, PaymentsConfig::Sandbox { .. }));
    }

    #[test]
    fn the_payment_service_needs_its_key_and_excludes_the_sandbox() {
        let key = "proj_0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
        let service = config(&[
            ("APP_ENV", "production"),
            ("PAYMENT_SERVICE_URL", "http://payments.internal:9000"),
            ("PAYMENT_SERVICE_API_KEY", key),
        ])
        .unwrap();
        match &service.payments {
            PaymentsConfig::Service { url, api_key } => {
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
            config.database_url,
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
            ("LOG_FORMAT", "xml"),
            ("SHUTDOWN_TIMEOUT_SECS", "-1"),
            ("BENCH_ROUTES", "maybe"),
            ("PAGE_CACHE", "sometimes"),
            ("APP_ENV", "staging"),
            ("PAYMENT_SANDBOX", "perhaps"),
            ("PAYMENT_SERVICE_URL", "payments:9000"),
            ("PAYMENT_SERVICE_TIMEOUT_SECS", "0"),
            ("API_READS_PER_MINUTE", "0"),
            ("CLIENT_WRITES_PER_MINUTE", "many"),
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
    fn blank_values_mean_the_default() {
        let config = config(&[("PUBLIC_URL", "  "), ("LOG_FORMAT", "")]).unwrap();
        assert_eq!(config.public_url, "http://127.0.0.1:8081");
    }
}
