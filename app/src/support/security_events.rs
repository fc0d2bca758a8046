//! One log line per authentication and authorisation decision (ASVS V16),
//! for an operator to follow: `target: "security"`, so `RUST_LOG` can keep
//! or route them on their own. Each names the event, its outcome and reason,
//! the user or key, and the client address; the request's span adds the
//! request id, method and path, and the formatter the time (UTC). Never a
//! secret: no password, key, token, cookie or e-mail address.

/// What was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// One decision. `event` is one of the names the log inventory in
/// docs/operations.md lists (`sign_in.password`, `api_key`, …); `reason` says
/// why it failed (or, for some successes, how: `recovery_code`).
#[derive(Debug)]
pub struct SecurityEvent<'a> {
    pub event: &'static str,
    pub outcome: Outcome,
    pub reason: &'a str,
    pub user_id: &'a str,
    pub key_id: &'a str,
    pub client: &'a str,
}

impl<'a> SecurityEvent<'a> {
    pub fn success(event: &'static str, client: &'a str) -> Self {
        Self::new(event, Outcome::Success, "", client)
    }

    pub fn failure(event: &'static str, reason: &'a str, client: &'a str) -> Self {
        Self::new(event, Outcome::Failure, reason, client)
    }

    pub fn new(event: &'static str, outcome: Outcome, reason: &'a str, client: &'a str) -> Self {
        Self {
            event,
            outcome,
            reason,
            user_id: "",
            key_id: "",
            client,
        }
    }

    pub fn user(self, user_id: &'a str) -> Self {
        Self { user_id, ..self }
    }

    pub fn key(self, key_id: &'a str) -> Self {
        Self { key_id, ..self }
    }

    /// Writes the line (`info` for a success, `warn` for a failure) and
    /// counts it: `security_events_total{event, outcome}`, and refusals of
    /// the rate limits and throttles as `rate_limit_refusals_total{event}`.
    pub fn log(self) {
        let outcome = self.outcome.as_str();
        metrics::counter!("security_events_total", "event" => self.event, "outcome" => outcome)
            .increment(1);
        if matches!(self.reason, "throttled" | "rate_limited") {
            metrics::counter!("rate_limit_refusals_total", "event" => self.event).increment(1);
        }
        let dash = |value: &'a str| if value.is_empty() { "-" } else { value };
        let (reason, user_id, key_id) = (dash(self.reason), dash(self.user_id), dash(self.key_id));
        match self.outcome {
            Outcome::Success => tracing::info!(
                target: "security",
                event = self.event, outcome, reason, user_id, key_id, client = self.client,
                "security event"
            ),
            Outcome::Failure => tracing::warn!(
                target: "security",
                event = self.event, outcome, reason, user_id, key_id, client = self.client,
                "security event"
            ),
        }
    }
}
