//! One database layer for SQLite (embedded, default) and PostgreSQL, through
//! sqlx's `Any` driver so every query runs unchanged on both.

use crate::config::Database;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{AnyPool, Executor};
use std::path::PathBuf;

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
