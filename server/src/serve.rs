//! The accept loop, hyper's own rather than `axum::serve`, for what that
//! does not offer: a deadline for each request's headers (which also closes
//! kept-alive connections left idle: hyper starts the clock when it begins
//! waiting for the next request), and a cap on open connections. Without
//! them, clients that trickle their headers, or merely connect, hold their
//! connection (and a file descriptor) for as long as they like.

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// A request's headers must arrive within this time of the connection
    /// opening, or of the previous response on it (`HEADER_READ_TIMEOUT_SECS`).
    pub header_read_timeout: Duration,
    /// Open connections at most (`MAX_CONNECTIONS`): more wait in the
    /// kernel's queue until one closes. Keep it below `ulimit -n`.
    pub max_connections: usize,
}

/// Serves `app` until `shutdown` resolves, then stops accepting and lets
/// in-flight requests finish for at most `grace`.
pub async fn serve_until(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let places = Arc::new(Semaphore::new(limits.max_connections));
    let connections = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        let place = match places.clone().try_acquire_owned() {
            Ok(place) => place,
            Err(_) => {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "connection limit reached: new connections wait until one closes"
                );
                tokio::select! {
                    place = places.clone().acquire_owned() => place.expect("never closed"),
                    () = &mut shutdown => break,
                }
            }
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::error!("accepting a connection failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Pages stream: a rendered page leaves in several writes. With
        // Nagle's algorithm on, a write that follows an unacknowledged one
        // waits for the peer's ACK, which a browser on a kept-alive
        // connection delays by ~40 ms. No delay: each write leaves at once
        // (hyper already gathers what is ready into one write).
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY not set on a connection: {err}");
        }
        // The peer address feeds per-client limits and the activity log.
        let service = app
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let connection = connections
            .watch(builder.serve_connection(TokioIo::new(tcp), TowerToHyperService::new(service)));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!("connection from {peer} ended: {err}");
            }
            drop(place);
        });
    }

    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    tokio::select! {
        () = connections.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!(grace_secs = grace.as_secs(), "in-flight requests cut off at shutdown");
        }
    }
}
