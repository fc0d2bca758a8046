//! The storefront server: configuration, database, router and lifecycle.

// Leptos view types nest deeply; the default limit (128) is too low for them.
#![recursion_limit = "256"]

pub mod actor;
pub mod api;
pub mod assets;
pub mod config;
pub mod db;
pub mod keyed_limit;
pub mod metrics;
pub mod middleware;
pub mod ops;
pub mod plain_forms;
pub mod request_id;
pub mod router;
pub mod sandbox;
pub mod security;
pub mod serve;
pub mod telemetry;

use app::accounts::ssr::sessions::SessionPolicy;
use app::accounts::ssr::throttle::{ClientGrouping, ThrottlePolicy};
use app::api_keys::KeyAllowance;
use app::api_keys::ssr::KeyLookup;
use app::docs::reference::ApiReference;
use app::docs::ssr::ReferenceInputs;
use app::landing::structured_data::organization_and_offers;
use app::mail::ssr::delivery::Mailer;
use app::payments::ssr::Payments;
use app::payments::ssr::catalog::{Catalog, CatalogError};
use app::payments::ssr::payment_client::PaymentClient;
use app::site::SiteInfo;
use app::state::{AppState, SharedState};
use app::support::secrets::ServerSecrets;
use app::usage::ssr::recorder::RequestCounter;
use config::Config;
use config::{MailTransport, PaymentService, ServerSecretKey};
use leptos::prelude::LeptosOptions;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("catalog: {0}")]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Database(#[from] db::DbError),
    #[error("PAYMENT_SERVICE_URL {0}")]
    PaymentService(String),
    #[error("SMTP_URL {0}")]
    Mail(String),
    #[error("cannot start the sandbox payment service: {0}")]
    Sandbox(std::io::Error),
    #[error("leptos settings: {0}")]
    Leptos(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("SERVER_SECRET_KEY: {0}")]
    SecretKey(String),
    #[error("upgrading stored data: {0}")]
    Upgrade(String),
}

/// Leptos site settings (`LEPTOS_*` variables, set by cargo-leptos or the
/// run script), with the address taken from our own configuration.
pub fn leptos_options(config: &Config) -> Result<LeptosOptions, StartError> {
    let mut options = leptos::prelude::get_configuration(None)
        .map_err(|err| StartError::Leptos(err.to_string()))?
        .leptos_options;
    options.site_addr = config.server.listen_addr;
    Ok(options)
}

/// Loads the catalog, opens and migrates the database, resolves assets.
pub async fn build_state(
    config: &Config,
    leptos_options: LeptosOptions,
) -> Result<AppState, StartError> {
    let catalog = Arc::new(Catalog::load(&config.catalog_path)?);
    let db = db::connect(&config.database).await?;
    db::migrate(&db).await?;
    let assets = assets::shell_assets(&leptos_options);
    let payments = payments(config, &db, &catalog, &assets).await?;
    let mailer = mailer(config, &db)?;
    mailer.spawn();
    let key_lookup = KeyLookup::start(db.clone());
    spawn_expiry_reminders(db.clone(), config.public_url.clone(), mailer.clone());
    let request_counter = RequestCounter::new(config.usage.recording);
    request_counter.spawn_flusher(db.clone());
    let content_security_policy = security::content_security_policy(config, &leptos_options);
    let secrets = server_secrets(config)?;
    match app::accounts::ssr::second_factor::upgrade_recovery_hashes(&db).await {
        Ok(0) => {}
        Ok(count) => tracing::info!(
            count,
            "recovery codes stored as a digest now have a salted, slow hash"
        ),
        Err(err) => return Err(StartError::Upgrade(err.to_string())),
    }
    if config.previous_server_secret_key.is_some() {
        // Once all are sealed under the new key, the previous one may go.
        match app::accounts::ssr::second_factor::reseal(&db, &secrets).await {
            Ok(count) => tracing::info!(
                count,
                "sealed again under the current SERVER_SECRET_KEY: remove SERVER_SECRET_KEY_PREVIOUS once every instance has started with it"
            ),
            Err(err) => {
                return Err(StartError::SecretKey(format!(
                    "sealing again failed: {err}"
                )));
            }
        }
    }
    let passkeys = app::accounts::ssr::passkeys::relying_party(&config.public_url).map(Arc::new);
    if passkeys.is_none() {
        tracing::info!("passkeys are off: PUBLIC_URL's host is not a domain name");
    }
    let site = SiteInfo::new(&config.public_url, catalog.public())
        .with_payments_sandbox(payments.sandbox)
        .with_passkeys(passkeys.is_some());
    let json_ld = organization_and_offers(&site);
    let site = site.with_structured_data(json_ld);
    let key_allowance = KeyAllowance {
        reads_per_minute: config.limits.api_reads_per_minute,
        changes_per_minute: config.limits.api_manage_per_minute,
    };
    let api_reference = api_reference(&config.public_url, key_allowance);
    Ok(AppState::new(SharedState {
        site,
        catalog,
        assets,
        leptos_options,
        db,
        sessions: SessionPolicy {
            idle_timeout_secs: config.sessions.idle_timeout.as_secs() as i64,
            absolute_timeout_secs: config.sessions.absolute_timeout.as_secs() as i64,
            secure: config.https(),
            reauth_window_secs: config.sessions.reauth_window.as_secs() as i64,
        },
        throttle: ThrottlePolicy {
            max_failures_per_client: config.limits.sign_in_failures_per_client,
            ..ThrottlePolicy::default()
        },
        clients: ClientGrouping {
            ipv6_prefix: config.limits.client_ipv6_prefix,
        },
        payments,
        mailer,
        key_lookup,
        request_counter,
        usage_rates: config.usage.rates.clone(),
        content_security_policy,
        secrets,
        passkeys,
        key_allowance,
        api_reference,
    }))
}

/// `/docs/api`'s content, from the document `/v1/openapi.json` serves.
fn api_reference(public_url: &str, allowance: KeyAllowance) -> Arc<ApiReference> {
    let document = api::v1::document(public_url);
    let permission = |method: &str, route: &str| {
        let method = axum::http::Method::from_bytes(method.as_bytes()).ok()?;
        api::v1::needed_for(&method, route).map(|needed| needed.to_string())
    };
    let inputs = ReferenceInputs {
        base_url: public_url,
        rate_limits: allowance,
        permission: &permission,
    };
    Arc::new(app::docs::ssr::build(&document, &inputs))
}

/// Every `SWEEP_EVERY_SECS`, queues the "key expires in 7 days" e-mails
/// that are due (each goes out once, whichever instance claims it).
fn spawn_expiry_reminders(db: sqlx::AnyPool, public_url: String, mailer: Mailer) {
    use app::api_keys::ssr::reminders::{SWEEP_EVERY_SECS, remind_expiring};
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(SWEEP_EVERY_SECS));
        loop {
            every.tick().await;
            match remind_expiring(&db, &public_url, app::support::time::unix_now()).await {
                Ok(0) => {}
                Ok(queued) => {
                    tracing::info!(queued, "expiry reminders queued for API keys");
                    mailer.wake();
                }
                Err(err) => tracing::warn!("queuing expiry reminders failed: {err}"),
            }
        }
    });
}

/// The keys derived from the configured secret key or, in development
/// without one, from the key file (written on the first start, readable by
/// this user only); and from the previous key during a rotation.
fn server_secrets(config: &Config) -> Result<ServerSecrets, StartError> {
    let text = match &config.server_secret_key {
        ServerSecretKey::Given(text) => text.clone(),
        ServerSecretKey::File(path) => key_file(path).map_err(|err| {
            StartError::SecretKey(format!("cannot read or create {}: {err}", path.display()))
        })?,
    };
    let key = config::decode_server_secret_key(text.expose_secret()).ok_or_else(|| {
        StartError::SecretKey("the key file is not base64 of 32 or more bytes".to_owned())
    })?;
    let secrets = ServerSecrets::derive(&key);
    Ok(match &config.previous_server_secret_key {
        // Checked when the configuration was read.
        Some(previous) => config::decode_server_secret_key(previous.expose_secret())
            .map_or(secrets.clone(), |previous| {
                secrets.accepting_previous(&previous)
            }),
        None => secrets,
    })
}

fn key_file(path: &std::path::Path) -> std::io::Result<SecretString> {
    use base64::Engine;
    use rand::TryRngCore;
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut key = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut key)
        .map_err(std::io::Error::other)?;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match created {
        Ok(mut file) => {
            let text = base64::engine::general_purpose::STANDARD.encode(key);
            file.write_all(text.as_bytes())?;
            tracing::warn!(
                "made a development secret key in {}: set SERVER_SECRET_KEY (the same on every instance) in production",
                path.display()
            );
            Ok(SecretString::from(text))
        }
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(SecretString::from(std::fs::read_to_string(path)?))
        }
        Err(err) => Err(err),
    }
}

/// The mail sender: SMTP as configured, or the sandbox mailbox.
fn mailer(config: &Config, db: &sqlx::AnyPool) -> Result<Mailer, StartError> {
    use app::mail::ssr::delivery::{self, RetryPolicy, Transport};
    let transport = match &config.mail.transport {
        MailTransport::Smtp(url) => {
            delivery::smtp_transport(url.expose_secret(), config.mail.smtp_timeout)
                .map_err(StartError::Mail)?
        }
        MailTransport::Sandbox => {
            tracing::warn!(
                "mail goes to the built-in SANDBOX mailbox at /sandbox/mail: nothing is sent \
                 (set SMTP_URL and MAIL_FROM to send it); the mailbox shows every account's \
                 mail, links included, to browsers on this machine (loopback, not proxied) only"
            );
            Transport::Sandbox
        }
    };
    let from =
        delivery::sender(&config.mail.from).map_err(|err| StartError::Mail(err.to_owned()))?;
    Ok(Mailer::new(
        db.clone(),
        transport,
        from,
        RetryPolicy::default(),
    ))
}

/// The Payment MS client, pointed at the configured service or at the
/// sandbox's API (started here, on its own loopback port).
async fn payments(
    config: &Config,
    db: &sqlx::AnyPool,
    catalog: &Arc<Catalog>,
    assets: &app::state::ShellAssets,
) -> Result<Payments, StartError> {
    let (base, api_key, sandbox) = match &config.payments.service {
        PaymentService::Service { url, api_key } => (url.clone(), api_key.clone(), false),
        PaymentService::Sandbox { api_key } => {
            let api_key = api_key
                .as_ref()
                .map_or_else(
                    || sandbox::random_project_key().map(SecretString::from),
                    |key| Ok(key.clone()),
                )
                .map_err(|err| StartError::Sandbox(std::io::Error::other(err)))?;
            let state = sandbox::SandboxState::new(
                db.clone(),
                catalog.clone(),
                &config.public_url,
                assets.stylesheet_href.clone(),
            );
            let base = sandbox::start_api(state, api_key.expose_secret())
                .await
                .map_err(StartError::Sandbox)?;
            tracing::warn!(
                api = %base,
                "payments go to the built-in SANDBOX: no real payment is taken \
                 (set PAYMENT_SERVICE_URL and PAYMENT_SERVICE_API_KEY for the Payment MS)"
            );
            (base, api_key, true)
        }
    };
    let client = PaymentClient::new(&base, api_key, config.payments.timeout)
        .map_err(StartError::PaymentService)?;
    // The sandbox's checkout and portal pages are this server's own.
    let redirect_origins = if sandbox {
        vec![config.public_url.clone()]
    } else {
        config.payments.redirect_origins.clone()
    };
    Ok(Payments {
        client,
        status_cache: Arc::default(),
        sandbox,
        redirect_origins: redirect_origins.into(),
    })
}

/// Runs the storefront until SIGTERM or Ctrl-C.
pub async fn run(config: Config) -> Result<(), StartError> {
    if config.server.metrics_addr.is_some() {
        // Before anything records: what comes earlier would be lost.
        metrics::recorder();
    }
    let state = build_state(&config, leptos_options(&config)?).await?;
    let (db, request_counter) = (state.db.clone(), state.request_counter.clone());
    if let Some(addr) = config.server.metrics_addr {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Listen { addr, source })?;
        tracing::info!(address = %addr, "metrics listening on /metrics");
        let metrics = metrics::router(state.clone());
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, metrics).await {
                tracing::error!("the metrics listener stopped: {err}");
            }
        });
    }
    let app = router::build(state, &config).await;
    let listener = TcpListener::bind(config.server.listen_addr)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.server.listen_addr,
            source,
        })?;
    tracing::info!(
        address = %config.server.listen_addr,
        public_url = %config.public_url,
        "storefront listening"
    );
    serve::serve_until(
        listener,
        app,
        config.server.connections,
        shutdown_signal(),
        config.server.shutdown_timeout,
    )
    .await;
    // The requests answered since the last flush are counted too.
    request_counter.flush_before_exit(&db).await;
    db.close().await;
    tracing::info!("storefront stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
