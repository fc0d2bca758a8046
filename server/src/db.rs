//! One database layer for SQLite (embedded, default) and PostgreSQL, through
//! sqlx's `Any` driver so every query runs unchanged on both.

use crate::config::Database;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{AnyPool, Executor};
use std::path::{Path, PathBuf};

/// Migrations are compiled into the binary and applied at start.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create the database folder {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Connect(#[from] sqlx::Error),
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] MigrateError),
}

/// Opens a pool; for SQLite, creates the file's folder first and sets WAL
/// mode and a busy timeout on every connection (the Any URL cannot carry them).
/// While the database is unreachable, taking a connection fails after
/// `acquire_timeout` and the pool reconnects by itself once it is back.
pub async fn connect(database: &Database) -> Result<AnyPool, DbError> {
    let url = database.url.as_str();
    sqlx::any::install_default_drivers();
    if let Some(parent) = sqlite_file(url)
        .and_then(|file| file.parent().map(PathBuf::from))
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(&parent).map_err(|source| DbError::CreateDir {
            path: parent.display().to_string(),
            source,
        })?;
    }
    let pool = AnyPoolOptions::new()
        .max_connections(database.max_connections)
        // An embedded SQLite connection cannot go stale, and pinging it on
        // every checkout costs a round trip to its worker thread.
        .test_before_acquire(!url.starts_with("sqlite:"))
        .min_connections(1)
        .acquire_timeout(database.acquire_timeout)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                if conn.backend_name() == "SQLite" {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
                         PRAGMA synchronous = NORMAL;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await?;
    Ok(pool)
}

pub async fn migrate(pool: &AnyPool) -> Result<(), DbError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// Whether the database answers a trivial query.
pub async fn ping(pool: &AnyPool) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1").execute(pool).await.map(|_| ())
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "the database is PostgreSQL: back it up with pg_dump (see docs/operations.md, Database)"
    )]
    NotSqlite,
    #[error("there is no database at {0}")]
    NoDatabase(String),
    #[error("{0} already exists: choose a new file (a backup never overwrites)")]
    Exists(String),
    #[error("cannot create {path}: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
    #[error("backing up failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the copy failed its integrity check: {0}")]
    Damaged(String),
}

/// Copies the embedded database, while it serves, into the new file
/// `target` (mode 0600: it holds password and key hashes) with SQLite's
/// `VACUUM INTO`, which reads one consistent snapshot and never blocks
/// writers for long; then checks the copy. Returns the copy's size.
pub async fn backup(database: &Database, target: &Path) -> Result<u64, BackupError> {
    use std::os::unix::fs::OpenOptionsExt;
    let source = sqlite_file(&database.url).ok_or(BackupError::NotSqlite)?;
    if !source.exists() {
        return Err(BackupError::NoDatabase(source.display().to_string()));
    }
    let shown = target.display().to_string();
    // Created empty first (VACUUM INTO takes an empty file): nothing else
    // can claim the name, and the copy is never readable by others.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(target)
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::AlreadyExists => BackupError::Exists(shown.clone()),
            _ => BackupError::Create {
                path: shown.clone(),
                source,
            },
        })?;
    let copied = copy_into(&source, target).await;
    if copied.is_err() {
        let _ = std::fs::remove_file(target);
    }
    copied?;
    Ok(std::fs::metadata(target).map_or(0, |meta| meta.len()))
}

async fn copy_into(source: &Path, target: &Path) -> Result<(), BackupError> {
    use sqlx::Connection;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
    // Not read-only: a read-only connection cannot open a WAL database
    // whose shared-memory file is gone (no server running).
    let options = SqliteConnectOptions::new()
        .filename(source)
        .busy_timeout(std::time::Duration::from_secs(10));
    let mut conn = SqliteConnection::connect_with(&options).await?;
    sqlx::query("VACUUM INTO ?1")
        .bind(target.display().to_string())
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let options = SqliteConnectOptions::new().filename(target).read_only(true);
    let mut copy = SqliteConnection::connect_with(&options).await?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await?;
    copy.close().await?;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(BackupError::Damaged(verdict))
    }
}

/// The file behind a `sqlite:` URL, if it names one (not `:memory:`).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;
    use std::path::PathBuf;

    #[test]
    fn finds_the_file_behind_sqlite_urls() {
        assert_eq!(
            sqlite_file("sqlite://data/storefront.db?mode=rwc"),
            Some(PathBuf::from("data/storefront.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:///var/lib/x.db"),
            Some(PathBuf::from("/var/lib/x.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://localhost/db"), None);
    }
}
