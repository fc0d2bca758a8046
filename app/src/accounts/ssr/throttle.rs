//! Counting failures (wrong passwords and codes, mail asked for) shared by
//! every instance through the database, per subject: an account, a client
//! address, a known device. Over a subject's allowance within the window,
//! attempts wait: until the oldest failure ages out (mail limits), or for a
//! delay that doubles with each further failure (guessing), so that nobody
//! can lock an account's owner out for long by failing on purpose.

use crate::error::AppError;
use crate::support::db::begin_write;
use crate::support::security_events::SecurityEvent;
use crate::support::time::unix_now;
use sqlx::{AnyPool, Row};

/// What happens once a subject has used its allowance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverLimit {
    /// Refused until the oldest counted failure leaves the window.
    WaitForWindow,
    /// Each failure past the allowance doubles the wait after the latest
    /// one: 1 s, 2 s, 4 s … up to the window. Guessing stays slow; a
    /// legitimate user who mistyped waits seconds, not a quarter of an hour.
    DoublingDelay,
}

#[derive(Clone, Debug)]
pub struct ThrottlePolicy {
    pub window_secs: i64,
    pub max_failures_per_account: i64,
    pub max_failures_per_client: i64,
    pub over_limit: OverLimit,
}

/// Sign-in and every other door that checks a password or a code.
impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window_secs: 15 * 60,
            max_failures_per_account: 5,
            max_failures_per_client: 30,
            over_limit: OverLimit::DoublingDelay,
        }
    }
}

pub fn account_subject(email: &str) -> String {
    format!("account:{email}")
}

pub fn client_subject(address: &str) -> String {
    format!("client:{address}")
}

/// A browser that signed in to the account before (its device cookie): its
/// failures are counted apart from everyone else's (OWASP's device cookies).
pub fn device_subject(device_id: &str) -> String {
    format!("device:{device_id}")
}

/// The password checks of a signed-in session (re-authentication, password
/// change, deletion): counted per account, apart from sign-in's.
pub fn reauth_subject(user_id: &str) -> String {
    format!("reauth:{user_id}")
}

/// Codes at the second step of signing in, or instead of the password
/// when confirming it: counted per account.
pub fn second_factor_subject(user_id: &str) -> String {
    format!("second-factor:{user_id}")
}

/// What `admit` saw: whether the account subject has failures on record,
/// so that a success only spends a write on forgetting them when there are some.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admitted {
    pub account_had_failures: bool,
}

/// Failures of one subject within the window.
struct Standing {
    failures: i64,
    oldest: i64,
    latest: i64,
}

impl ThrottlePolicy {
    /// Ok when `account` and `client` may try now; else `Throttled` with the
    /// wait, and `refusal` (the attempt's event, reason `throttled`) logged.
    pub async fn admit(
        &self,
        db: &AnyPool,
        account: &str,
        client: Option<&str>,
        refusal: SecurityEvent<'_>,
    ) -> Result<Admitted, AppError> {
        let unavailable = AppError::dependency_failed("checking the sign-in throttle");
        let standings = self
            .standings(db, account, client)
            .await
            .map_err(unavailable)?;
        match self.wait(&standings, account, client) {
            None => Ok(Admitted {
                account_had_failures: standings.iter().any(|(subject, _)| subject == account),
            }),
            Some(retry_after_secs) => {
                refusal.log();
                Err(AppError::Throttled { retry_after_secs })
            }
        }
    }

    /// Seconds until `account` and `client` may try again, or None if they may now.
    pub async fn retry_after(
        &self,
        db: &AnyPool,
        account: &str,
        client: Option<&str>,
    ) -> Result<Option<i64>, sqlx::Error> {
        let standings = self.standings(db, account, client).await?;
        Ok(self.wait(&standings, account, client))
    }

    /// The subjects' failures within the window, in one query (subjects
    /// without failures are absent).
    async fn standings(
        &self,
        db: &AnyPool,
        account: &str,
        client: Option<&str>,
    ) -> Result<Vec<(String, Standing)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT subject, COUNT(*), MIN(failed_at), MAX(failed_at) FROM login_failures \
             WHERE (subject = $1 OR subject = $2) AND failed_at > $3 GROUP BY subject",
        )
        .bind(account)
        .bind(client.unwrap_or(account))
        .bind(unix_now() - self.window_secs)
        .fetch_all(db)
        .await?;
        rows.iter()
            .map(|row| {
                let standing = Standing {
                    failures: row.try_get(1)?,
                    oldest: row.try_get(2)?,
                    latest: row.try_get(3)?,
                };
                Ok((row.try_get(0)?, standing))
            })
            .collect()
    }

    /// The longest wait any subject over its allowance still owes.
    fn wait(
        &self,
        standings: &[(String, Standing)],
        account: &str,
        client: Option<&str>,
    ) -> Option<i64> {
        let now = unix_now();
        let limit = |subject: &str| {
            if subject == account {
                self.max_failures_per_account
            } else if Some(subject) == client {
                self.max_failures_per_client
            } else {
                i64::MAX
            }
        };
        standings
            .iter()
            .filter(|(subject, standing)| standing.failures >= limit(subject))
            .map(|(subject, standing)| match self.over_limit {
                OverLimit::WaitForWindow => standing.oldest + self.window_secs,
                OverLimit::DoublingDelay => {
                    standing.latest + self.doubling_delay(standing.failures - limit(subject))
                }
            })
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// The wait after the `past_allowance`-th failure past the allowance
    /// (0 for the first): 2^n seconds, at most the window.
    pub fn doubling_delay(&self, past_allowance: i64) -> i64 {
        let doublings = u32::try_from(past_allowance.clamp(0, 30)).unwrap_or(30);
        (1i64 << doublings).min(self.window_secs)
    }

    /// Counts one failure against each subject and forgets expired ones.
    pub async fn record_failure(
        &self,
        db: &AnyPool,
        account: &str,
        client: Option<&str>,
    ) -> Result<(), sqlx::Error> {
        let now = unix_now();
        let mut tx = begin_write(db).await?;
        for subject in std::iter::once(account).chain(client) {
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

    /// A success wipes the subject's failures (never the client's).
    pub async fn clear(&self, db: &AnyPool, account: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1")
            .bind(account)
            .execute(db)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_the_window() {
        let policy = ThrottlePolicy::default();
        let delays: Vec<i64> = (0..12).map(|n| policy.doubling_delay(n)).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
        assert_eq!(policy.doubling_delay(10_000), 900);
    }
}
