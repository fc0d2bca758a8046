//! Sign-in throttling shared by every instance through the database: too
//! many failures for one account, or from one client address, within the
//! window, and further attempts are refused until the oldest failure ages out.

use crate::error::AppError;
use crate::support::time::unix_now;
use sqlx::{AnyPool, Row};

#[derive(Clone, Debug)]
pub struct ThrottlePolicy {
    pub window_secs: i64,
    pub max_failures_per_account: i64,
    pub max_failures_per_client: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window_secs: 15 * 60,
            max_failures_per_account: 5,
            max_failures_per_client: 30,
        }
    }
}

pub fn account_subject(email: &str) -> String {
    format!("account:{email}")
}

pub fn client_subject(address: &str) -> String {
    format!("client:{address}")
}

impl ThrottlePolicy {
    /// Ok when `account` and `client` may try now; else `Throttled` with the wait.
    pub async fn admit(&self, db: &AnyPool, account: &str, client: &str) -> Result<(), AppError> {
        match self.retry_after(db, account, client).await {
            Ok(None) => Ok(()),
            Ok(Some(retry_after_secs)) => Err(AppError::Throttled { retry_after_secs }),
            Err(err) => Err(AppError::dependency_failed("checking the sign-in throttle")(err)),
        }
    }

    /// Seconds until `account` and `client` may try again, or None if they may now.
    pub async fn retry_after(
        &self,
        db: &AnyPool,
        account: &str,
        client: &str,
    ) -> Result<Option<i64>, sqlx::Error> {
        let now = unix_now();
        let mut wait = None;
        for (subject, limit) in [
            (account, self.max_failures_per_account),
            (client, self.max_failures_per_client),
        ] {
            let row = sqlx::query(
                "SELECT COUNT(*), COALESCE(MIN(failed_at), 0) FROM login_failures \
                 WHERE subject = $1 AND failed_at > $2",
            )
            .bind(subject)
            .bind(now - self.window_secs)
            .fetch_one(db)
            .await?;
            let (failures, oldest): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
            if failures >= limit {
                let seconds = (oldest + self.window_secs - now).max(1);
                wait = Some(wait.map_or(seconds, |other: i64| other.max(seconds)));
            }
        }
        Ok(wait)
    }

    /// Counts one failure against both subjects and forgets expired ones.
    pub async fn record_failure(
        &self,
        db: &AnyPool,
        account: &str,
        client: &str,
    ) -> Result<(), sqlx::Error> {
        let now = unix_now();
        let mut tx = db.begin().await?;
        for subject in [account, client] {
            sqlx::query("INSERT INTO login_failures (id, subject, failed_at) VALUES ($1, $2, $3)")
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(subject)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
            .bind(now - self.window_secs)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// A successful sign-in wipes the account's failures (not the client's).
    pub async fn clear(&self, db: &AnyPool, account: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1")
            .bind(account)
            .execute(db)
            .await
            .map(|_| ())
    }
}
