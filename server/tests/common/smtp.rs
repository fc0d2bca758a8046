//! A real SMTP server (`scripts/smtp-sink`, aiosmtpd) on a loopback port,
//! started, stopped and restarted by a test; it keeps each message it
//! accepts as a file. `TEST_SMTP_SINK` is the command to run it
//! (`scripts/test` sets it); without it the SMTP cases are skipped, unless
//! `REQUIRE_SMTP` says they must run.

use super::TempDir;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One message as the SMTP server got it: headers and parts decoded.
#[derive(Debug, serde::Deserialize)]
pub struct Received {
    pub rcpt_to: Vec<String>,
    /// Lower-case names.
    pub headers: std::collections::HashMap<String, String>,
    pub text: Option<String>,
    pub html: Option<String>,
    /// The message as received, encoded.
    pub raw: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

pub struct SmtpSink {
    pub port: u16,
    command: Vec<String>,
    dir: TempDir,
    server: Option<Child>,
}

impl SmtpSink {
    /// A running sink on a free port, or None when no sink is configured.
    pub fn start() -> Option<Self> {
        let Ok(command) = std::env::var("TEST_SMTP_SINK") else {
            assert!(
                std::env::var("REQUIRE_SMTP").is_err(),
                "REQUIRE_SMTP is set but TEST_SMTP_SINK is not"
            );
            eprintln!("TEST_SMTP_SINK not set: SMTP cases skipped (scripts/test runs them)");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut sink = Self {
            port,
            command: command.split_whitespace().map(str::to_owned).collect(),
            dir: super::temp_dir(),
            server: None,
        };
        sink.resume();
        Some(sink)
    }

    /// `smtp://127.0.0.1:PORT`: plain SMTP, allowed because it is loopback.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The server goes away: connections to its port are refused.
    pub fn stop(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
    }

    /// The server comes back on the same port, keeping what it received.
    pub fn resume(&mut self) {
        assert!(self.server.is_none(), "already running");
        let mut server = Command::new(&self.command[0])
            .args(&self.command[1..])
            .arg(self.port.to_string())
            .arg(self.dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP sink");
        let mut ready = String::new();
        BufReader::new(server.stdout.take().expect("stdout"))
            .read_line(&mut ready)
            .expect("the sink says it is ready");
        assert_eq!(ready.trim(), "ready", "the SMTP sink did not start");
        self.server = Some(server);
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Received> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .expect("sink folder")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).expect("message");
                serde_json::from_str(&text).expect("the sink's record")
            })
            .collect()
    }

    /// Waits (up to 10 s) until at least `count` messages arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let messages = self.messages();
            if messages.len() >= count || Instant::now() > deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl SmtpSink {
    /// Waits (up to 10 s) until at least `count` messages with `subject`
    /// arrived; answers those, oldest first.
    pub async fn wait_for_subject(&self, subject: &str, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let messages: Vec<Received> = self
                .messages()
                .into_iter()
                .filter(|message| message.header("subject") == subject)
                .collect();
            if messages.len() >= count || Instant::now() > deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}
