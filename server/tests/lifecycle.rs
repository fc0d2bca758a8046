//! The server process: configuration errors, first start, graceful shutdown,
//! pages on kept-alive connections.

mod common;

use common::*;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

#[tokio::test]
async fn a_bad_setting_stops_the_server_with_one_line_naming_it() {
    let dir = temp_dir();
    for (name, value) in [
        ("PUBLIC_URL", "tracepipe.ai"),
        ("LISTEN_ADDR", "everywhere"),
        ("DATABASE_URL", "mysql://db"),
    ] {
        let output = server_command(&dir)
            .env(name, value)
            .output()
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(&format!("error: {name} ")), "{stderr}");
        assert!(stderr.contains(value), "{stderr}");
    }
    assert!(!dir.path().join("data").exists(), "nothing is created");
}

#[tokio::test]
async fn settings_are_read_from_a_dotenv_file_and_validated_the_same_way() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join(".env"),
        "# local overrides\nLOG_FORMAT=yaml\n",
    )
    .unwrap();
    let output = server_command(&dir).output().await.unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: LOG_FORMAT must be text or json"),
        "{stderr}"
    );

    std::fs::write(dir.path().join(".env"), "NOT A SETTING\n").unwrap();
    let output = server_command(&dir).output().await.unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("error: .env: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[tokio::test]
async fn first_start_creates_the_database_and_sigterm_stops_cleanly() {
    let dir = temp_dir();
    let addr = free_address().await;
    let mut child = server_command(&dir)
        .env("LISTEN_ADDR", addr.to_string())
        .spawn()
        .unwrap();
    assert!(wait_until_ready(addr).await, "the server became ready");
    assert!(
        dir.path().join("data/storefront.db").exists(),
        "created under ./data"
    );
    assert_eq!(http_status(addr, "/").await.unwrap(), 200);

    let pid = child.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("stops within 10 s")
        .unwrap();
    assert!(status.success(), "{status}");
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .await
        .unwrap();
    assert!(stdout.contains("storefront stopped"), "{stdout}");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );
}

#[tokio::test]
async fn graceful_shutdown_finishes_and_stops_accepting() {
    let app = sqlite_app().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::serve_until(
        listener,
        app.router.clone(),
        async move {
            let _ = stop_rx.await;
        },
        Duration::from_secs(5),
    ));
    assert_eq!(http_status(addr, "/healthz").await.unwrap(), 200);
    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("stops promptly")
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err());
}

/// Browsers keep their connection open. A page written in several pieces used
/// to wait ~40 ms per response on such a connection (Nagle's algorithm and the
/// browser's delayed ACK); here a signed-in page, rendered every time, comes
/// back in well under that, response after response, on one connection.
#[tokio::test]
async fn rendered_pages_arrive_without_a_stall_on_a_kept_alive_connection() {
    let app = sqlite_app().await;
    let cookie = session_cookie(&register(&app.router, "ada@example.com", "Ada").await);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(server::serve_until(
        listener,
        app.router.clone(),
        std::future::pending::<()>(),
        Duration::from_secs(1),
    ));
    // One idle connection at most, reused for every request.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .unwrap();
    let mut timings = Vec::new();
    for _ in 0..7 {
        let started = std::time::Instant::now();
        let response = client
            .get(format!("http://{addr}/account"))
            .header("Cookie", &cookie)
            .header("Accept", "text/html")
            .header("Accept-Encoding", "br, gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(!response.bytes().await.unwrap().is_empty());
        timings.push(started.elapsed());
    }
    // The first request opens the connection; the stall showed from the second.
    let mut kept_alive = timings[1..].to_vec();
    kept_alive.sort();
    let median = kept_alive[kept_alive.len() / 2];
    assert!(
        median < Duration::from_millis(20),
        "median {median:?} over a kept-alive connection: {timings:?}"
    );
}
