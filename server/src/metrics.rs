//! Prometheus metrics, served on their own listener (`METRICS_ADDR`), never
//! on the public router. Requests are counted by route template (never the
//! raw path: its ids would make unbounded series) and status, with their
//! latency to the response head; the app's services record their own
//! (Payment MS and SMTP calls, usage flushes, security events) through the
//! `metrics` facade, and a scrape reads the database pool and the mail
//! outbox at that moment. Without `METRICS_ADDR` no recorder is installed
//! and every recording is a no-op.

use app::state::AppState;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Latency buckets, in seconds: from a cached page (well under 1 ms) to the
/// request timeout.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// One recorder per process (tests build many apps in one).
static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// How often recorded histogram samples are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Installs the process's recorder, once; its handle renders the metrics.
/// Call it inside the runtime: it starts the upkeep task.
pub fn recorder() -> &'static PrometheusHandle {
    RECORDER.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), LATENCY_BUCKETS)
            .expect("the buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed");
        // Histograms keep every sample until upkeep folds them into their
        // buckets: without it, memory would grow with each request until
        // the next scrape (and for ever with no scraper).
        let upkeep = handle.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(UPKEEP_EVERY);
            loop {
                tick.tick().await;
                upkeep.run_upkeep();
            }
        });
        handle
    })
}

/// The metrics listener's router: `GET /metrics`.
pub fn router(state: AppState) -> Router {
    let handle = recorder();
    Router::new()
        .route(
            "/metrics",
            get(move |State(state): State<AppState>| render(state, handle)),
        )
        .with_state(state)
}

async fn render(state: AppState, handle: &'static PrometheusHandle) -> Response {
    sample_database(&state).await;
    handle.run_upkeep();
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// What only the database knows, read at scrape time: the pool's
/// connections, how long taking one waits now, and the mail outbox.
async fn sample_database(state: &AppState) {
    let pool = &state.db;
    let idle = pool.num_idle() as f64;
    metrics::gauge!("db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("db_pool_connections", "state" => "in_use").set(f64::from(pool.size()) - idle);
    metrics::gauge!("db_pool_max_connections").set(f64::from(pool.options().get_max_connections()));
    let started = Instant::now();
    let acquired = pool.acquire().await;
    metrics::gauge!("db_pool_acquire_wait_seconds").set(started.elapsed().as_secs_f64());
    drop(acquired);
    let outbox: Result<(i64, Option<i64>), _> =
        sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM mail_outbox")
            .fetch_one(pool)
            .await;
    if let Ok((depth, oldest)) = outbox {
        metrics::gauge!("mail_outbox_messages").set(depth as f64);
        let age = oldest.map_or(0, |oldest| app::support::time::unix_now() - oldest);
        metrics::gauge!("mail_outbox_oldest_age_seconds").set(age.max(0) as f64);
    }
}

/// Which route answered, for the request metrics: the router's template
/// (`/v1/api-keys/{id}`), or a public page served from the page cache.
#[derive(Clone, Debug)]
pub enum RouteLabel {
    Matched(MatchedPath),
    Page(&'static str),
}

impl RouteLabel {
    fn as_str(&self) -> &str {
        match self {
            Self::Matched(path) => path.as_str(),
            Self::Page(path) => path,
        }
    }
}

/// A route layer (it runs after routing, when the template is known): puts
/// the template on the response for `record_requests`.
pub async fn label_route(request: Request, next: Next) -> Response {
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(matched) = matched {
        response
            .extensions_mut()
            .insert(RouteLabel::Matched(matched));
    }
    response
}

/// Counts every request by method, route and status, and records its
/// latency until the response head (a streamed body may take longer).
pub async fn record_requests(request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let route = response
        .extensions()
        .get::<RouteLabel>()
        .map_or("unmatched", RouteLabel::as_str)
        .to_owned();
    let status = response.status().as_u16().to_string();
    metrics::counter!(
        "http_requests_total",
        "method" => method, "route" => route.clone(), "status" => status
    )
    .increment(1);
    metrics::histogram!(
        "http_request_duration_seconds",
        "method" => method, "route" => route
    )
    .record(elapsed);
    response
}

/// Known methods by name; anything else as one label, so a client cannot
/// make new series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
