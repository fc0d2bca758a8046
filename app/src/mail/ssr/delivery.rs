//! The delivery task: one per process. It claims due messages from the
//! outbox, sends each over SMTP (or into the sandbox mailbox), and records
//! the outcome: delivered (the row goes), a temporary failure (tried again
//! later, waiting longer each time), or a permanent one (given up, kept for
//! operators without its bodies). It wakes when this process enqueues a
//! message, and otherwise looks for due ones every few seconds, so messages
//! from other instances, or left over from before a restart, go out too.

use super::outbox::{self, Outgoing};
use crate::support::time::unix_now;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::AnyPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Where messages go.
#[derive(Clone)]
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// The labelled stand-in: messages are stored for `/sandbox/mail`.
    Sandbox,
}

impl Transport {
    /// As the metrics name it.
    fn label(&self) -> &'static str {
        match self {
            Self::Smtp(_) => "smtp",
            Self::Sandbox => "sandbox",
        }
    }
}

/// Whether `SMTP_URL` can be used: `smtps://user:pass@host:465` (TLS),
/// `smtp://user:pass@host:587?tls=required` (STARTTLS), or plain `smtp://`.
/// lettre's errors never repeat the URL (it may hold a password).
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(drop)
        .map_err(|err| format!("is not a usable SMTP URL ({err})"))
}

/// The SMTP transport for a checked `SMTP_URL`. Starts its connection pool's
/// reaper, so it needs the tokio runtime.
pub fn smtp_transport(url: &str, timeout: Duration) -> Result<Transport, String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(|builder| Transport::Smtp(builder.timeout(Some(timeout)).build()))
        .map_err(|err| format!("is not a usable SMTP URL ({err})"))
}

/// The sender's address, e.g. `Tracepipe <no-reply@tracepipe.ai>`.
pub fn sender(value: &str) -> Result<Mailbox, &'static str> {
    value
        .parse::<Mailbox>()
        .map_err(|_| "must be an address such as Tracepipe <no-reply@tracepipe.ai>")
}

/// How long to wait, and for how long to keep trying.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// How often to look for due messages (other instances', retries).
    pub poll_every: Duration,
    /// The wait after the first failure; doubled after each one after it.
    pub first_retry_secs: i64,
    pub longest_retry_secs: i64,
    /// A message still undelivered this long after it was written is given up.
    pub give_up_after_secs: i64,
    /// How long a claimed message belongs to its sender (longer than one attempt).
    pub lease_secs: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            poll_every: Duration::from_secs(2),
            first_retry_secs: 30,
            longest_retry_secs: 30 * 60,
            give_up_after_secs: 3 * 24 * 60 * 60,
            lease_secs: 120,
        }
    }
}

impl RetryPolicy {
    /// When to try again after `attempts` failed attempts (this one included).
    fn next_attempt(&self, now: i64, attempts: i64) -> i64 {
        let doublings = (attempts - 1).clamp(0, 20) as u32;
        now + self
            .first_retry_secs
            .saturating_mul(1 << doublings)
            .min(self.longest_retry_secs)
    }
}

/// Why an attempt failed, and whether trying again can help.
enum Failure {
    Temporary(String),
    Permanent(String),
}

/// Sends the outbox's messages. Cheap to clone; [`Mailer::wake`] after a
/// commit that enqueued a message sends it at once.
#[derive(Clone)]
pub struct Mailer {
    db: AnyPool,
    transport: Transport,
    from: Mailbox,
    policy: RetryPolicy,
    wake: Arc<Notify>,
}

impl Mailer {
    /// Commits `tx`, which wrote mail to the outbox, then wakes this
    /// process's sender so the mail goes at once (not at the next poll).
    pub async fn commit(&self, tx: sqlx::Transaction<'_, sqlx::Any>) -> Result<(), sqlx::Error> {
        tx.commit().await?;
        self.wake();
        Ok(())
    }

    pub fn new(db: AnyPool, transport: Transport, from: Mailbox, policy: RetryPolicy) -> Self {
        Self {
            db,
            transport,
            from,
            policy,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Whether messages go to the sandbox mailbox instead of SMTP.
    pub fn sandbox(&self) -> bool {
        matches!(self.transport, Transport::Sandbox)
    }

    /// Looks for due messages now (after enqueueing one).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs the delivery loop until the process ends.
    pub fn spawn(&self) -> tokio::task::JoinHandle<()> {
        let mailer = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(err) = mailer.deliver_due().await {
                    tracing::warn!("mail delivery could not read the outbox: {err}");
                }
                tokio::select! {
                    () = mailer.wake.notified() => {}
                    () = tokio::time::sleep(mailer.policy.poll_every) => {}
                }
            }
        })
    }

    /// One pass: claims the due messages and tries each once. Returns how
    /// many were delivered.
    pub async fn deliver_due(&self) -> Result<usize, sqlx::Error> {
        let mut delivered = 0;
        loop {
            let claimed =
                outbox::claim_due(&self.db, unix_now(), self.policy.lease_secs, 20).await?;
            if claimed.is_empty() {
                return Ok(delivered);
            }
            for message in claimed {
                if self.attempt(&message).await? {
                    delivered += 1;
                }
            }
        }
    }

    /// Tries `message` once and records the outcome; whether it was delivered.
    async fn attempt(&self, message: &Outgoing) -> Result<bool, sqlx::Error> {
        let started = std::time::Instant::now();
        let sent = self.send(message).await;
        let (transport, outcome) = (
            self.transport.label(),
            match &sent {
                Ok(()) => "delivered",
                Err(Failure::Temporary(_)) => "temporary_failure",
                Err(Failure::Permanent(_)) => "permanent_failure",
            },
        );
        metrics::counter!("mail_deliveries_total", "transport" => transport, "outcome" => outcome)
            .increment(1);
        metrics::histogram!("mail_delivery_duration_seconds", "transport" => transport)
            .record(started.elapsed());
        let failure = match sent {
            Ok(()) => {
                outbox::delivered(&self.db, &message.id).await?;
                tracing::info!(message = %message.id, attempts = message.attempts + 1, "mail delivered");
                return Ok(true);
            }
            Err(failure) => failure,
        };
        let now = unix_now();
        match failure {
            Failure::Temporary(error)
                if now - message.created_at < self.policy.give_up_after_secs =>
            {
                let next = self.policy.next_attempt(now, message.attempts + 1);
                tracing::warn!(message = %message.id, attempts = message.attempts + 1, retry_in_secs = next - now, "mail delivery failed, will retry: {error}");
                outbox::retry_later(&self.db, &message.id, next, &error).await?;
            }
            Failure::Temporary(error) | Failure::Permanent(error) => {
                tracing::error!(message = %message.id, attempts = message.attempts + 1, "mail delivery given up: {error}");
                outbox::give_up(&self.db, message, &error).await?;
            }
        }
        Ok(false)
    }

    async fn send(&self, message: &Outgoing) -> Result<(), Failure> {
        match &self.transport {
            Transport::Sandbox => {
                outbox::deliver_to_sandbox(&self.db, &self.from.to_string(), message)
                    .await
                    .map_err(|err| Failure::Temporary(format!("sandbox mailbox: {err}")))
            }
            Transport::Smtp(smtp) => {
                let email = self.compose(message)?;
                match smtp.send(email).await {
                    Ok(_) => Ok(()),
                    Err(err) if err.is_permanent() => Err(Failure::Permanent(err.to_string())),
                    Err(err) => Err(Failure::Temporary(err.to_string())),
                }
            }
        }
    }

    fn compose(&self, message: &Outgoing) -> Result<Message, Failure> {
        let to: Mailbox = message
            .recipient
            .parse()
            .map_err(|_| Failure::Permanent("the recipient is not an e-mail address".to_owned()))?;
        let domain = self.from.email.domain();
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            // The outbox id: a resend after a lost answer is recognisably the same message.
            .message_id(Some(format!("<{}@{domain}>", message.id)))
            .multipart(MultiPart::alternative_plain_html(
                message.text_body.clone(),
                message.html_body.clone(),
            ))
            .map_err(|err| Failure::Permanent(format!("cannot compose the message: {err}")))
    }
}

#[cfg(test)]
mod tests {
    use super::RetryPolicy;

    #[test]
    fn each_retry_waits_twice_as_long_up_to_the_longest_wait() {
        let policy = RetryPolicy::default();
        let waits: Vec<i64> = (1..=8)
            .map(|attempts| policy.next_attempt(0, attempts))
            .collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1800, 1800]);
    }
}
