//! The server process: configuration errors, first start, graceful shutdown,
//! pages on kept-alive connections, and `server backup <file>`: a copy of
//! the embedded database taken while the server runs, from which a new
//! server starts with every account.

use crate::common;

use common::*;
use server::serve::ConnectionLimits;
use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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

const LIMITS: ConnectionLimits = ConnectionLimits {
    header_read_timeout: Duration::from_secs(10),
    max_connections: 1000,
};

/// `router` on `listener` until `shutdown`, with a grace of 5 s.
async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    server::serve::serve_until(listener, router, limits, shutdown, Duration::from_secs(5)).await
}

/// `router` served on a loopback port with `limits`, until the test ends.
async fn serving(router: axum::Router, limits: ConnectionLimits) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, router, limits, std::future::pending()));
    addr
}

/// Clients that open a connection and trickle their headers a line at a
/// time, never finishing, are cut off at the header deadline; everyone else
/// is served meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_trickle_their_headers_are_closed_at_the_deadline() {
    let app = sqlite_app().await;
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        ..LIMITS
    };
    let addr = serving(app.router.clone(), limits).await;
    let started = std::time::Instant::now();
    let trickling: Vec<_> = (0..50)
        .map(|_| {
            tokio::spawn(async move {
                let mut tcp = TcpStream::connect(addr).await.unwrap();
                tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: shop\r\n")
                    .await
                    .unwrap();
                let mut buf = [0u8; 1024];
                for _ in 0..30 {
                    tokio::select! {
                        read = tcp.read(&mut buf) => match read {
                            Ok(0) | Err(_) => return Some(started.elapsed()),
                            Ok(_) => {}
                        },
                        () = tokio::time::sleep(Duration::from_millis(200)) => {
                            if tcp.write_all(b"X-Slow: still typing\r\n").await.is_err() {
                                return Some(started.elapsed());
                            }
                        }
                    }
                }
                None // still open after 6 s
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let client = reqwest::Client::new();
    let asked = std::time::Instant::now();
    let health = client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(
        asked.elapsed() < Duration::from_millis(500),
        "{:?}",
        asked.elapsed()
    );
    for connection in trickling {
        let closed_after = connection.await.unwrap().expect("closed by the server");
        assert!(
            (Duration::from_millis(900)..Duration::from_secs(3)).contains(&closed_after),
            "closed after {closed_after:?}"
        );
    }
}

/// At the cap, a new connection waits (in the kernel's queue) until an open
/// one closes, and is then served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_connection_cap_a_new_connection_waits_for_a_free_place() {
    let app = sqlite_app().await;
    let limits = ConnectionLimits {
        max_connections: 2,
        ..LIMITS
    };
    let addr = serving(app.router.clone(), limits).await;
    let first = TcpStream::connect(addr).await.unwrap();
    let _second = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let waiting = tokio::spawn(http_status(addr, "/healthz"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "served past the cap");
    drop(first);
    let status = tokio::time::timeout(Duration::from_secs(2), waiting)
        .await
        .expect("served once a place was free")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn graceful_shutdown_finishes_and_stops_accepting() {
    let app = sqlite_app().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, app.router.clone(), LIMITS, async move {
        let _ = stop_rx.await;
    }));
    assert_eq!(http_status(addr, "/healthz").await.unwrap(), 200);
    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("stops promptly")
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
    tokio::spawn(serve(
        listener,
        app.router.clone(),
        LIMITS,
        std::future::pending::<()>(),
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

/// A server process on `dir`'s `data/storefront.db`; its address.
async fn started(dir: &TempDir) -> (tokio::process::Child, std::net::SocketAddr) {
    let addr = free_address().await;
    let child = server_command(dir)
        .env("LISTEN_ADDR", addr.to_string())
        .env("PUBLIC_URL", format!("http://{addr}"))
        .env("SERVER_SECRET_KEY", TEST_SERVER_SECRET_KEY)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    assert!(wait_until_ready(addr).await, "the server became ready");
    (child, addr)
}

async fn backup(dir: &TempDir, target: &Path) -> std::process::Output {
    server_command(dir)
        .env("SERVER_SECRET_KEY", TEST_SERVER_SECRET_KEY)
        .arg("backup")
        .arg(target)
        .output()
        .await
        .unwrap()
}

fn sqlite_url(dir: &TempDir) -> String {
    format!("sqlite://{}/data/storefront.db", dir.path().display())
}

#[tokio::test]
async fn a_backup_of_a_running_server_starts_a_new_server_with_every_account() {
    let live = temp_dir();
    let (_serving, _) = started(&live).await;
    // Writes while the backup runs: it must still be one consistent copy.
    let writer = app_on(TestDatabase::at("sqlite", sqlite_url(&live)), &[]).await;
    register(&writer.router, "kept@example.com", "Kept").await;
    let busy = tokio::spawn(async move {
        for n in 0..20 {
            register(&writer.router, &format!("during-{n}@example.com"), "During").await;
        }
    });

    let copies = temp_dir();
    let target = copies.path().join("storefront-backup.db");
    let output = backup(&live, &target).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let said = String::from_utf8(output.stdout).unwrap();
    assert!(said.starts_with("backed up to "), "{said}");
    assert!(said.contains("integrity ok"), "{said}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "hashes inside: readable by this user only"
    );
    busy.await.unwrap();

    // A second backup never overwrites the first.
    let size = std::fs::metadata(&target).unwrap().len();
    let refused = backup(&live, &target).await;
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::metadata(&target).unwrap().len(), size);

    // Restore as docs/operations.md (Backups) says: the copy as the new server's database.
    let restored = temp_dir();
    std::fs::create_dir(restored.path().join("data")).unwrap();
    std::fs::copy(&target, restored.path().join("data/storefront.db")).unwrap();
    let (_restored, addr) = started(&restored).await;
    let signed_in = reqwest::Client::new()
        .post(format!("http://{addr}/api/login"))
        .header("origin", format!("http://{addr}"))
        .form(&[
            ("email", "kept@example.com"),
            ("password", PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    assert!(
        signed_in
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|cookie| cookie.to_str().unwrap().starts_with("tp_session=")),
        "{:?}",
        signed_in.headers()
    );
}

#[tokio::test]
async fn a_backup_says_what_it_cannot_do() {
    let empty = temp_dir();
    let target = empty.path().join("copy.db");
    let output = backup(&empty, &target).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with("error: there is no database at "),
        "{stderr}"
    );
    assert!(!target.exists(), "no empty copy left behind");
    assert!(!empty.path().join("data").exists(), "no database created");

    let output = server_command(&empty)
        .env(
            "DATABASE_URL",
            "postgres://storefront@127.0.0.1:1/storefront",
        )
        .env("SERVER_SECRET_KEY", TEST_SERVER_SECRET_KEY)
        .args(["backup", "copy.db"])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("pg_dump"), "{stderr}");

    let output = server_command(&empty).arg("backup").output().await.unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("usage: server")
    );
}
