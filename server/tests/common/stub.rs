//! Stand-ins for a Payment MS that misbehaves or answers exact canned bytes,
//! on real loopback sockets.

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// One canned answer, byte for byte.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub location: Option<&'static str>,
}

impl Canned {
    pub fn json(status: u16, body: &str) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: body.to_owned(),
            location: None,
        }
    }

    pub fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.to_owned(),
            location: None,
        }
    }

    pub fn redirect(location: &'static str) -> Self {
        Self {
            status: 302,
            content_type: "text/html; charset=utf-8",
            body: String::new(),
            location: Some(location),
        }
    }
}

/// What the stub was asked.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    /// As sent, percent-encoding included.
    pub path: String,
    pub api_key: Option<String>,
    pub body: String,
}

type Table = Arc<(Vec<(Method, String, Canned)>, Mutex<Vec<Recorded>>)>;

/// Serves `routes` (method, path prefix, answer); anything else gets 404.
pub async fn stub_service(routes: Vec<(Method, &str, Canned)>) -> (String, Table) {
    let table: Table = Arc::new((
        routes
            .into_iter()
            .map(|(method, path, canned)| (method, path.to_owned(), canned))
            .collect(),
        Mutex::default(),
    ));
    let app = axum::Router::new()
        .fallback(answer)
        .with_state(table.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, table)
}

async fn answer(State(table): State<Table>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body: Bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    table.1.lock().unwrap().push(Recorded {
        method: parts.method.clone(),
        path: path.clone(),
        api_key: parts
            .headers
            .get("x-api-key")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let Some((_, _, canned)) = table
        .0
        .iter()
        .find(|(method, prefix, _)| *method == parts.method && path.starts_with(prefix.as_str()))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = (
        StatusCode::from_u16(canned.status).unwrap(),
        [(header::CONTENT_TYPE, canned.content_type)],
        canned.body.clone(),
    )
        .into_response();
    if let Some(location) = canned.location {
        response
            .headers_mut()
            .insert(header::LOCATION, location.parse().unwrap());
    }
    response
}

/// Accepts connections and reads forever without answering.
pub async fn hanging_service() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 1024];
                while socket.read(&mut buffer).await.is_ok_and(|n| n > 0) {}
            });
        }
    });
    base
}

/// A loopback address where nothing listens.
pub async fn unreachable_service() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    base
}
