//! The database layer on SQLite and PostgreSQL through one code path.

use crate::common;

use common::*;
use server::db;
use sqlx::{AnyPool, Row};

async fn insert_user(pool: &AnyPool, id: &str, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(id)
    .bind(email)
    .bind("Ada")
    .bind("$argon2id$placeholder")
    .bind(1_767_225_600_i64)
    .execute(pool)
    .await
    .map(|_| ())
}

#[tokio::test]
async fn migrations_apply_once_and_rerun_as_a_no_op() {
    for database in all_databases().await {
        let pool = migrated_pool(&database.url).await;
        db::migrate(&pool).await.expect("second run is a no-op");
        let applied: i64 = sqlx::query("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            applied as usize,
            db::MIGRATOR.iter().count(),
            "{}",
            database.backend
        );
        db::ping(&pool).await.expect("ping");
    }
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_a_busy_timeout_on_every_connection() {
    let database = sqlite_database();
    let pool = migrated_pool(&database.url).await;
    // Hold several connections at once so each one is checked, not just the first.
    let mut connections = Vec::new();
    for _ in 0..4 {
        connections.push(pool.acquire().await.unwrap());
    }
    for connection in &mut connections {
        let mode: String = sqlx::query("PRAGMA journal_mode")
            .fetch_one(&mut **connection)
            .await
            .unwrap()
            .get(0);
        assert_eq!(mode, "wal");
        let timeout: i64 = sqlx::query("PRAGMA busy_timeout")
            .fetch_one(&mut **connection)
            .await
            .unwrap()
            .get(0);
        assert_eq!(timeout, 10_000);
    }
}

#[tokio::test]
async fn the_sqlite_file_and_its_folder_are_created_on_first_start() {
    let dir = temp_dir();
    let file = dir.path().join("fresh/nested/storefront.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    assert!(!file.exists());
    migrated_pool(&url).await;
    assert!(file.exists());
}

#[tokio::test]
async fn e_mail_uniqueness_ignores_case_on_both_databases() {
    for database in all_databases().await {
        let pool = migrated_pool(&database.url).await;
        insert_user(
            &pool,
            "00000000-0000-4000-8000-000000000001",
            "ada@example.com",
        )
        .await
        .unwrap();
        let err = insert_user(
            &pool,
            "00000000-0000-4000-8000-000000000002",
            "ADA@Example.com",
        )
        .await
        .expect_err("duplicate e-mail must be refused");
        let kind = err.as_database_error().map(|e| e.kind());
        assert!(
            matches!(kind, Some(sqlx::error::ErrorKind::UniqueViolation)),
            "{}: {err}",
            database.backend
        );
    }
}

#[tokio::test]
async fn concurrent_writers_all_land_and_read_back_exactly() {
    for database in all_databases().await {
        let pool = migrated_pool(&database.url).await;
        let writers = (0..100).map(|n| {
            let pool = pool.clone();
            tokio::spawn(async move {
                insert_user(
                    &pool,
                    &format!("00000000-0000-4000-8000-{n:012}"),
                    &format!("user{n}@example.com"),
                )
                .await
            })
        });
        for writer in writers.collect::<Vec<_>>() {
            writer.await.unwrap().expect("every write lands");
        }
        let row =
            sqlx::query("SELECT COUNT(*), COALESCE(CAST(SUM(created_at) AS BIGINT), 0) FROM users")
                .fetch_one(&pool)
                .await
                .unwrap();
        let (count, sum): (i64, i64) = (row.get(0), row.get(1));
        assert_eq!(count, 100, "{}", database.backend);
        assert_eq!(sum, 100 * 1_767_225_600, "{}", database.backend);
    }
}

/// A transaction that reads before it writes, while another connection
/// commits in between: on SQLite a deferred `BEGIN` has that write refused
/// at once ("database is locked", a 503 for the user; seen in CI when a
/// recovery-code sign-in raced the mail outbox); `begin_write` waits.
#[tokio::test]
async fn a_write_transaction_that_reads_first_is_not_refused_by_a_concurrent_commit() {
    for database in all_databases().await {
        let pool = migrated_pool(&database.url).await;
        insert_user(
            &pool,
            "00000000-0000-4000-8000-000000000001",
            "first@example.com",
        )
        .await
        .unwrap();
        let mut tx = app::support::db::begin_write(&pool).await.unwrap();
        let (before,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let concurrent = tokio::spawn({
            let pool = pool.clone();
            async move {
                insert_user(
                    &pool,
                    "00000000-0000-4000-8000-000000000002",
                    "second@example.com",
                )
                .await
            }
        });
        // Long enough for the other insert to commit if nothing holds it.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
            .bind(format!("Counted {before}"))
            .bind("00000000-0000-4000-8000-000000000001")
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|err| panic!("{}: the write was refused: {err}", database.backend));
        tx.commit().await.unwrap();
        concurrent
            .await
            .unwrap()
            .expect("the other writer lands too");
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 2, "{}", database.backend);
    }
}
#[tokio::test]
async fn the_storefront_serves_pages_from_either_database() {
    for database in all_databases().await {
        let backend = database.backend;
        let app = app_on(database, &[]).await;
        assert_eq!(get(&app.router, "/readyz").await.status, 200, "{backend}");
        assert_eq!(get(&app.router, "/").await.status, 200, "{backend}");
    }
}
