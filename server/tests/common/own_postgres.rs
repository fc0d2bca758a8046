//! A PostgreSQL server of a test's own, which the test may stop and start
//! (the shared `TEST_POSTGRES_URL` server serves the other tests meanwhile).
//! From the Debian package `scripts/bootstrap` installs; as root it runs as
//! the package's `postgres` user, as PostgreSQL requires.

use super::{TempDir, temp_dir};
use std::path::PathBuf;
use std::process::Command;

pub struct OwnPostgres {
    bin: PathBuf,
    dir: TempDir,
    pub port: u16,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

impl OwnPostgres {
    /// A new cluster, started; None (the test skips) when PostgreSQL is not
    /// installed and `REQUIRE_POSTGRES` is unset.
    pub fn start() -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|versions| {
                versions
                    .filter_map(|entry| entry.ok().map(|entry| entry.path().join("bin")))
                    .filter(|bin| bin.join("pg_ctl").exists())
                    .max()
            });
        let Some(bin) = bin else {
            assert!(
                std::env::var("REQUIRE_POSTGRES").is_err(),
                "REQUIRE_POSTGRES is set but PostgreSQL is not installed"
            );
            eprintln!("PostgreSQL is not installed: outage cases skipped (scripts/test runs them)");
            return None;
        };
        let dir = temp_dir();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let server = Self { bin, dir, port };
        if is_root() {
            let status = Command::new("chown")
                .args(["postgres"])
                .arg(server.dir.path())
                .status()
                .expect("chown");
            assert!(status.success());
        }
        server.run(
            "initdb",
            &["-D", &server.data(), "-A", "trust", "-U", "storefront"],
        );
        server.start_again();
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("postgres://storefront@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server (fast shutdown: open connections are cut).
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    pub fn start_again(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-w",
                "-o",
                &options,
                "start",
            ],
        );
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let program = self.bin.join(tool);
        let mut command = if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        let out = command.args(args).output().expect("run a PostgreSQL tool");
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        if self.dir.path().join("data/postmaster.pid").exists() {
            self.stop();
        }
    }
}
