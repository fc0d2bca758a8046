//! Every route and layer of the storefront, assembled in one place.

use crate::config::Config;
use crate::page_cache::{PageCache, serve_public_pages};
use crate::security::{SecurityHeaders, add_security_headers};
use crate::{guards, ops, sandbox, telemetry};
use app::accounts::ssr::context::load_session;
use app::landing::ssr::{robots_txt, sitemap_xml};
use app::site::SiteInfo;
use app::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use leptos::prelude::provide_context;
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, file_and_error_handler_with_context,
    generate_route_list_with_exclusions_and_ssg_and_context,
};
use tower::ServiceExt;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;

/// Hashed asset names change with their content: a browser may keep them forever.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Pages change with every deploy.
const REVALIDATE: &str = "no-cache";
/// Anything answered to a request with cookies may be personal.
const PERSONAL: &str = "private, no-store";
/// Favicon, Open Graph image, robots.txt, sitemap.xml.
const SHORT_LIVED: &str = "public, max-age=3600";

pub async fn build(state: AppState, config: &Config) -> Router {
    let options = state.leptos_options.clone();
    let content_security_policy = state.content_security_policy.clone();
    let state_for_layers = state.clone();
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

    let create_key_without_js = {
        let (leptos_context, options) = (leptos_context.clone(), options.clone());
        move |State(state): State<AppState>, request: Request| {
            let (leptos_context, options) = (leptos_context.clone(), options.clone());
            async move { crate::keys_form::create(state, request, leptos_context, options).await }
        }
    };

    let routes = route_list(leptos_context.clone());
    let app = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/robots.txt", get(robots))
        .route("/sitemap.xml", get(sitemap))
        .nest_service(&pkg_route, pkg_files)
        .route("/keys", axum::routing::post(create_key_without_js))
        // The seed's path for the pricing page.
        .route(
            "/payment",
            get(|| async { Redirect::permanent("/pricing") }),
        )
        .leptos_routes_with_context(&state, routes, leptos_context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            leptos_context,
            shell,
        ))
        .with_state(state.clone());
    let app = if state.payments.sandbox {
        let sandbox = sandbox::SandboxState::new(
            state.db.clone(),
            state.catalog.clone(),
            &config.public_url,
            state.assets.stylesheet_href.clone(),
        );
        app.nest(sandbox::HOSTED_PREFIX, sandbox::pages::router(sandbox))
    } else {
        app
    };

    let app = app
        .layer(middleware::from_fn(guards::server_function_errors))
        .layer(middleware::from_fn_with_state(
            state_for_layers.clone(),
            load_session,
        ))
        .layer(middleware::from_fn_with_state(
            std::sync::Arc::<str>::from(config.public_url.as_str()),
            guards::same_origin_writes,
        ));
    let app = if config.bench_routes {
        with_landing_copy(app).await
    } else {
        app
    };
    let app = if config.page_cache {
        app.layer(middleware::from_fn_with_state(
            PageCache::default(),
            serve_public_pages,
        ))
    } else {
        app
    };

    // The JSON APIs authenticate with keys and tokens, not browser sessions:
    // they join after the page layers (session, same-origin, page cache).
    let apis = crate::api::router(
        state.clone(),
        crate::api::rate_limit::RateLimits::per_minute(
            config.api_manage_per_minute,
            config.api_reads_per_minute,
        ),
        config
            .internal_service_token
            .as_ref()
            .map(|token| std::sync::Arc::from(secrecy::ExposeSecret::expose_secret(token))),
    )
    .with_state(state);
    let app = app.merge(apis);

    let hashed_assets = options.hash_files;
    let security = SecurityHeaders::new(config, content_security_policy);
    let limits = guards::RequestLimits {
        max_body_bytes: config.max_body_bytes,
        timeout: config.request_timeout,
    };
    app.layer(middleware::from_fn_with_state(
        guards::ClientWriteLimit::per_minute(config.client_writes_per_minute),
        guards::limit_client_writes,
    ))
    .layer(TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.timeout,
    ))
    .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
    .layer(middleware::from_fn_with_state(
        limits,
        guards::explain_limits,
    ))
    .layer(middleware::from_fn_with_state(hashed_assets, cache_control))
    .layer(middleware::from_fn_with_state(
        security,
        add_security_headers,
    ))
    // Around compression (see `coalesce`): the encoder gets each page in one
    // piece, and the compressed page leaves in one write with its length.
    .layer(middleware::from_fn(crate::coalesce::coalesce_pages))
    .layer(compression())
    .layer(middleware::from_fn(crate::coalesce::coalesce_pages))
    .layer(telemetry::request_log_layer())
}

/// Rendered pages are gzipped at level 1 (zlib-rs), never brotli: they are
/// compressed per response (their CSP nonce differs each time), so the cost
/// per response decides. Measured on the signed-in pages (13–23 KB):
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

/// Gives every response a deliberate `Cache-Control` unless its handler chose
/// one. `/pkg/` files are immutable only when their names carry hashes.
async fn cache_control(
    State(hashed_assets): State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let cacheable_method = matches!(*request.method(), Method::GET | Method::HEAD);
    let under_pkg = request.uri().path().starts_with("/pkg/");
    let has_cookies = request.headers().contains_key(header::COOKIE);
    let mut response = next.run(request).await;
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let success = response.status().is_success() || response.status().as_u16() == 304;
    let policy = match (cacheable_method && success, under_pkg, is_html) {
        (true, true, _) if hashed_assets => IMMUTABLE,
        (true, true, _) => REVALIDATE,
        (true, false, false) => SHORT_LIVED,
        _ if is_html && has_cookies => PERSONAL,
        _ if is_html => REVALIDATE,
        _ => "no-store",
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
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
