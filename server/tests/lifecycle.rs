//! The server process: configuration errors, first start, graceful shutdown.

mod common;

use common::*;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

#[tokio::test]
async fn a_bad_setting_stops_the_server_with_one_line_naming_it() {
    let dir = TempDir::new();
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
    let dir = TempDir::new();
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
    let dir = TempDir::new();
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
