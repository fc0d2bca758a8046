//! Counting failures (wrong passwords and codes, mail asked for) shared by
//! every instance through the database, per subject: an account, a client
//! address, a known device. Over a subject's allowance within the window,
//! attempts wait: until the oldest failure ages out (mail limits), or for a
//! delay that doubles with each further failure (guessing), so that nobody
//! can lock an account's owner out for long by failing on purpose.

use crate::error::AppError;
use crate::support::db::{begin_write, take_turns};
use crate::support::security_events::SecurityEvent;
use crate::support::time::unix_now;
use sqlx::{AnyConnection, AnyPool, Row};
use std::net::{IpAddr, Ipv6Addr};

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

/// How clients are told apart by their address: an IPv4 address each, an
/// IPv6 client by its network of `ipv6_prefix` bits (a /64 by default: one
/// subscriber usually holds a whole /64, so counting its addresses one by
/// one would give an attacker 2^64 identities).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientGrouping {
    pub ipv6_prefix: u8,
}

impl Default for ClientGrouping {
    fn default() -> Self {
        Self { ipv6_prefix: 64 }
    }
}

impl ClientGrouping {
    /// The address that stands for `ip`'s group: an IPv4 address (also
    /// when mapped into IPv6) itself, an IPv6 address its network's first.
    pub fn group(&self, ip: IpAddr) -> IpAddr {
        match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let bits = u32::from(self.ipv6_prefix.min(128));
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
            }
            v4 => v4,
        }
    }

    /// The throttle subject of the client at `address` (an address label:
    /// anything that is no IP address is counted as it is).
    pub fn subject(&self, address: &str) -> String {
        match address.parse::<IpAddr>().map(|ip| self.group(ip)) {
            Ok(IpAddr::V6(network)) => format!("client:{network}/{}", self.ipv6_prefix.min(128)),
            Ok(v4) => format!("client:{v4}"),
            Err(_) => format!("client:{address}"),
        }
    }
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

/// An attempt `admit` let through, already counted as a failure of each
/// subject: a wrong secret needs nothing more, a right one is `forgiven`.
/// Counting before checking is what holds the allowance under concurrency:
/// 40 guesses sent at once are admitted one after another, and only the
/// allowance's worth find room.
#[derive(Debug)]
#[must_use = "a successful attempt must be forgiven, or it counts as a failure"]
pub struct Attempt {
    /// The rows that count it, one per subject.
    row_ids: Vec<String>,
    account: String,
    /// Whether the account had failures before this attempt, so that a
    /// success only spends a write on forgetting them when there are some.
    account_had_failures: bool,
}

/// Failures of one subject within the window.
struct FailureTally {
    failures: i64,
    oldest: i64,
    latest: i64,
}

impl ThrottlePolicy {
    /// Admits an attempt of `account` from `client` and counts it, in one
    /// transaction that concurrent attempts on the same subjects wait for;
    /// or refuses it with `Throttled` and the wait, `refusal` (the attempt's
    /// event, reason `throttled`) logged.
    pub async fn admit(
        &self,
        db: &AnyPool,
        account: &str,
        client: Option<&str>,
        refusal: SecurityEvent<'_>,
    ) -> Result<Attempt, AppError> {
        let unavailable = AppError::dependency_failed("checking the sign-in throttle");
        match self.count(db, account, client).await.map_err(unavailable)? {
            Ok(attempt) => Ok(attempt),
            Err(retry_after_secs) => {
                refusal.log();
                Err(AppError::Throttled { retry_after_secs })
            }
        }
    }

    /// Counts one more request of `account` from `client` (mail asked for),
    /// or answers the seconds to wait when either has used its allowance:
    /// the check and the count are one step, as in `admit`.
    pub async fn take(
        &self,
        db: &AnyPool,
        account: &str,
        client: Option<&str>,
    ) -> Result<Option<i64>, sqlx::Error> {
        Ok(self.count(db, account, client).await?.err())
    }

    /// The attempt succeeded: it no longer counts, and neither do the
    /// account's earlier failures (the client's stay).
    ///
    /// `db` is the pool, or the transaction that records the success, so
    /// that a success costs one write.
    pub async fn forgive<'c>(
        &self,
        db: impl sqlx::Executor<'c, Database = sqlx::Any>,
        attempt: Attempt,
    ) -> Result<(), AppError> {
        let placeholders = (1..=attempt.row_ids.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut sql = format!("DELETE FROM login_failures WHERE id IN ({placeholders})");
        if attempt.account_had_failures {
            sql += &format!(" OR subject = ${}", attempt.row_ids.len() + 1);
        }
        let mut query = sqlx::query(&sql);
        for id in &attempt.row_ids {
            query = query.bind(id);
        }
        if attempt.account_had_failures {
            query = query.bind(&attempt.account);
        }
        query
            .execute(db)
            .await
            .map(|_| ())
            .map_err(AppError::dependency_failed(
                "forgetting a right attempt failed",
            ))
    }

    /// Forgets `account`'s failures (a success that needed no attempt).
    pub async fn clear<'c>(
        &self,
        db: impl sqlx::Executor<'c, Database = sqlx::Any>,
        account: &str,
    ) -> Result<(), AppError> {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1")
            .bind(account)
            .execute(db)
            .await
            .map(|_| ())
            .map_err(AppError::dependency_failed(
                "forgetting failed attempts failed",
            ))
    }

    /// The attempt, counted; or the wait when a subject is over its allowance.
    async fn count(
        &self,
        db: &AnyPool,
        account: &str,
        client: Option<&str>,
    ) -> Result<Result<Attempt, i64>, sqlx::Error> {
        let subjects: Vec<&str> = std::iter::once(account).chain(client).collect();
        let now = unix_now();
        let mut tx = begin_write(db).await?;
        take_turns(&mut tx, &subjects).await?;
        let standings = self.standings(&mut tx, account, client).await?;
        if let Some(wait) = self.wait(&standings, account, client) {
            tx.rollback().await?;
            return Ok(Err(wait));
        }
        let mut row_ids = Vec::with_capacity(subjects.len());
        for subject in &subjects {
            let id = uuid::Uuid::new_v4().to_string();
            sqlx::query("INSERT INTO login_failures (id, subject, failed_at) VALUES ($1, $2, $3)")
                .bind(&id)
                .bind(*subject)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            row_ids.push(id);
        }
        sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
            .bind(now - self.window_secs)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(Attempt {
            row_ids,
            account: account.to_owned(),
            account_had_failures: standings.iter().any(|(subject, _)| subject == account),
        }))
    }

    /// The subjects' failures within the window, in one query (subjects
    /// without failures are absent).
    async fn standings(
        &self,
        conn: &mut AnyConnection,
        account: &str,
        client: Option<&str>,
    ) -> Result<Vec<(String, FailureTally)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT subject, COUNT(*), MIN(failed_at), MAX(failed_at) FROM login_failures \
             WHERE (subject = $1 OR subject = $2) AND failed_at > $3 GROUP BY subject",
        )
        .bind(account)
        .bind(client.unwrap_or(account))
        .bind(unix_now() - self.window_secs)
        .fetch_all(conn)
        .await?;
        rows.iter()
            .map(|row| {
                let standing = FailureTally {
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
        standings: &[(String, FailureTally)],
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
                // Times are whole seconds: the latest failure happened
                // within the second after `latest`, so the wait runs from
                // the end of that second (a burst that straddles a second
                // would otherwise get one more try at once), up to the window.
                OverLimit::DoublingDelay => {
                    let delay = self.doubling_delay(standing.failures - limit(subject));
                    standing.latest + (delay + 1).min(self.window_secs)
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

    #[test]
    fn ipv6_clients_are_counted_by_their_network() {
        let grouping = ClientGrouping::default();
        assert_eq!(
            grouping.subject("2001:db8:1:2:aaaa::1"),
            grouping.subject("2001:db8:1:2:ffff:1:2:3")
        );
        assert_eq!(
            grouping.subject("2001:db8:1:2::9"),
            "client:2001:db8:1:2::/64"
        );
        assert_ne!(
            grouping.subject("2001:db8:1:3::1"),
            grouping.subject("2001:db8:1:2::1")
        );
        assert_eq!(grouping.subject("192.0.2.7"), "client:192.0.2.7");
        assert_eq!(grouping.subject("::ffff:192.0.2.7"), "client:192.0.2.7");
        assert_eq!(grouping.subject("unknown"), "client:unknown");
        let whole = ClientGrouping { ipv6_prefix: 128 };
        assert_eq!(whole.subject("2001:db8::1"), "client:2001:db8::1/128");
        let none = ClientGrouping { ipv6_prefix: 0 };
        assert_eq!(none.subject("2001:db8::1"), "client:::/0");
    }
}
