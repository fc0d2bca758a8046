//! Every route and layer of the storefront, assembled in one place: three
//! sub-routers (pages with their server functions, `/v1`, `/internal/v1`),
//! each behind its own layers, then the layers every response passes.

use crate::actor::from_session;
use crate::api::rate_limit::RateLimits;
use crate::config::Config;
use crate::keyed_limit::KeyedLimit;
use crate::metrics::{label_route, record_requests};
use crate::middleware::Clients;
use crate::middleware::cache_control::cache_control;
use crate::middleware::client_writes::limit_client_writes;
use crate::middleware::coalesce::coalesce_pages;
use crate::middleware::form_text::refuse_invalid_form_text;
use crate::middleware::limits::RequestLimits;
use crate::middleware::page_cache::{PageCache, serve_public_pages};
use crate::middleware::page_markup::finish_pages;
use crate::middleware::refused_forms::refused_forms;
use crate::middleware::render_to_end::render_to_end;
use crate::middleware::same_origin::same_origin_writes;
use crate::middleware::server_fn_errors::server_function_errors;
use crate::middleware::session_outage::unavailable_without_session;
use crate::request_id::request_id;
use crate::security::security_headers;
use crate::{api, ops, plain_forms, sandbox, telemetry};
use app::landing::ssr::{robots_txt, sitemap_xml};
use app::site::SiteInfo;
use app::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use leptos::prelude::provide_context;
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, file_and_error_handler_with_context,
    generate_route_list_with_exclusions_and_ssg_and_context,
};
use secrecy::ExposeSecret;
use std::net::IpAddr;
use std::sync::Arc;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

pub async fn build(state: AppState, config: &Config) -> Router {
    let limits = RequestLimits {
        max_body_bytes: config.limits.max_body_bytes,
        timeout: config.limits.request_timeout,
    };
    // One allowance per client (address, or IPv6 network), shared by the pages and /v1.
    let client_writes = KeyedLimit::<IpAddr>::per_minute(config.limits.client_writes_per_minute);

    let pages = pages(&state, config)
        .await
        .route_layer(from_fn(label_route))
        .layer(
            ServiceBuilder::new()
                .layer(from_fn_with_state(
                    (client_writes.clone(), Clients::Browsers, state.clients),
                    limit_client_writes,
                ))
                .layer(from_fn(refuse_invalid_form_text))
                .option_layer(
                    config
                        .server
                        .page_cache
                        .then(|| from_fn_with_state(PageCache::default(), serve_public_pages)),
                )
                .layer(from_fn(finish_pages)),
        );
    let v1 = api::v1::router(
        state.clone(),
        RateLimits::per_minute(
            config.limits.api_manage_per_minute,
            config.limits.api_reads_per_minute,
        ),
    )
    .layer(from_fn_with_state(
        (client_writes, Clients::Apis, state.clients),
        limit_client_writes,
    ));
    let internal = api::internal::router(
        config
            .internal_service_tokens
            .iter()
            .map(|token| Box::from(token.expose_secret()))
            .collect(),
        &config.public_url,
    );
    let apis = v1
        .merge(internal)
        .route_layer(from_fn(label_route))
        .with_state(state.clone());

    let app = limits
        .apply(pages, Clients::Browsers)
        .merge(limits.apply(apis, Clients::Apis));
    // Read top-down: the first layer sees the request first.
    app.layer(
        ServiceBuilder::new()
            .layer(from_fn_with_state(
                config.server.trusted_proxies.clone(),
                request_id,
            ))
            .layer(telemetry::request_log_layer())
            .option_layer(config.server.metrics_addr.map(|_| from_fn(record_requests)))
            // Around compression (see `coalesce`): the encoder gets each page
            // in one piece, and the compressed page leaves in one write with
            // its length.
            .layer(from_fn(coalesce_pages))
            .layer(compression())
            .layer(from_fn(coalesce_pages))
            .layer(security_headers(config, &state.content_security_policy))
            .layer(from_fn_with_state(
                state.leptos_options.hash_files,
                cache_control,
            )),
    )
}

/// The pages, their server functions, the files and (in sandbox mode) the
/// sandbox's hosted checkout and portal, behind the browser-only layers:
/// same-origin writes, the session, a refused form's way back to its page
/// (`refused_forms`), 503 where the session is needed but the database is
/// down, server-function statuses.
async fn pages(state: &AppState, config: &Config) -> Router {
    let options = state.leptos_options.clone();
    let pkg_route = format!("/{}", options.site_pkg_dir);
    let pkg_files = ServeDir::new(format!("{}/{}", options.site_root, options.site_pkg_dir))
        .precompressed_br()
        .precompressed_gzip();

    let leptos_context = {
        let state = state.clone();
        move || {
            provide_context(state.site.clone());
            provide_context(state.assets.clone());
            provide_context(state.content_security_policy.clone());
            provide_context(state.clone());
        }
    };

    // A `plain_forms` handler with the page renderer's context and options.
    macro_rules! plain_form {
        ($handler:path) => {{
            let (leptos_context, options) = (leptos_context.clone(), options.clone());
            move |State(state): State<AppState>, request: Request| {
                let (leptos_context, options) = (leptos_context.clone(), options.clone());
                async move { $handler(state, request, leptos_context, options).await }
            }
        }};
    }

    let routes = route_list(leptos_context.clone());
    let pages = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/robots.txt", get(robots))
        .route("/sitemap.xml", get(sitemap))
        .nest_service(&pkg_route, pkg_files)
        .route("/keys", post(plain_form!(plain_forms::keys)))
        .route(
            "/account/two-factor",
            post(plain_form!(plain_forms::two_factor)),
        )
        // The seed's path for the pricing page.
        .route(
            "/payment",
            get(|| async { Redirect::permanent("/pricing") }),
        )
        .leptos_routes_with_context(state, routes, leptos_context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            leptos_context,
            shell,
        ))
        .with_state(state.clone());
    let pages = if state.payments.sandbox {
        let sandbox = sandbox::SandboxState::new(
            state.db.clone(),
            state.catalog.clone(),
            &config.public_url,
            state.assets.stylesheet_href.clone(),
        );
        pages.nest(sandbox::HOSTED_PREFIX, sandbox::pages::router(sandbox))
    } else {
        pages
    };
    let pages = if state.mailer.sandbox() {
        pages.nest(
            sandbox::mailbox::PREFIX,
            sandbox::mailbox::router(state.db.clone(), state.assets.stylesheet_href.clone()),
        )
    } else {
        pages
    };

    let pages = pages.layer(
        ServiceBuilder::new()
            .layer(from_fn_with_state(
                Arc::<str>::from(config.public_url.as_str()),
                same_origin_writes,
            ))
            .layer(from_fn_with_state(state.clone(), from_session))
            .layer(from_fn_with_state(state.clone(), refused_forms))
            .layer(from_fn(unavailable_without_session))
            .layer(from_fn(server_function_errors))
            // Innermost: a render outlives a client that hangs up, quietly.
            .layer(from_fn(render_to_end)),
    );
    if config.server.bench_routes {
        with_landing_copy(pages).await
    } else {
        pages
    }
}

/// Pages rendered per response (signed-in pages, whose CSP nonce differs
/// each time) are gzipped at level 1 (zlib-rs), never brotli: the cost per
/// response decides. Cached public pages arrive already compressed
/// (`page_cache`), and this layer leaves them alone. Measured on the signed-in pages (13–23 KB):
/// gzip 1 takes 35–46 µs for 5.1–6.5 KB, gzip 2 56–80 µs for 4.2–5.4 KB,
/// brotli 1 63–130 µs for 4.4–5.6 KB, and tower-http's default brotli 4
/// took a quarter of the server's CPU. Hashed assets are precompressed with
/// brotli at the highest level at build time and served as they are.
fn compression() -> CompressionLayer {
    CompressionLayer::new()
        .no_br()
        .quality(tower_http::CompressionLevel::Precise(1))
}

/// The app's routes, discovered once per process. Discovery renders `App`
/// (which reads the site context too) with resource loading switched off by
/// a process-wide flag (leptos_server's `SuppressResourceLoad`, leptos#4773):
/// a page rendering on another thread meanwhile would wait forever for its
/// resources. Discovered once, before any router exists, nothing renders
/// during it: in production that is start-up, and in the test suite, where
/// each test builds its own router, later builds reuse the list.
fn route_list(leptos_context: impl Fn() + Clone + Send + 'static) -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES
        .get_or_init(|| {
            generate_route_list_with_exclusions_and_ssg_and_context(App, None, leptos_context).0
        })
        .clone()
}

async fn robots(State(site): State<SiteInfo>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        robots_txt(&site),
    )
}

async fn sitemap(State(site): State<SiteInfo>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        sitemap_xml(&site),
    )
}

/// For `bench/`: the landing page's exact bytes served from memory, the
/// ceiling any rendered page can reach through the same layers.
async fn with_landing_copy(app: Router) -> Router {
    let request = Request::get("/")
        .body(Body::empty())
        .expect("static request");
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("router is infallible");
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("landing page renders to memory");
    app.route(
        "/__bench/landing-copy",
        get(move || async move { Html(body) }),
    )
}
