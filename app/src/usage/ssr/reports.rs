//! Metered usage reported by other Tracepipe services
//! (`POST /internal/v1/usage`): checked field by field, stored once per
//! idempotency key, all or nothing.

use crate::support::db::begin_write;
use crate::support::tokens::sha256_hex;
use serde::{Deserialize, Serialize};
use sqlx::AnyPool;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Bounds that no real report comes near: a value past them is a bug in
/// the sender, and recording it would make every later bill wrong.
pub const MAX_TOKENS: i64 = 1_000_000_000_000;
pub const MAX_STORAGE_GB_HOURS: f64 = 1_000_000_000.0;
pub const MAX_STORAGE_GB: f64 = 10_000_000.0;
pub const MAX_COUNT: i64 = 1_000_000_000;
pub const MAX_MODELS: usize = 100;
/// Reports may arrive late (queued, retried) but not from the future.
const MAX_AGE_SECS: i64 = 400 * 86_400;
const MAX_CLOCK_SKEW_SECS: i64 = 300;

/// One report. Every measure is optional; at least one must be there.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageReport {
    /// Unique per report (a UUID, say): a retried report with the same key
    /// counts once. Up to 200 visible ASCII characters.
    pub idempotency_key: Option<String>,
    /// The storefront user the usage belongs to.
    pub user_id: String,
    /// When the usage happened, RFC 3339 (default: when received). Decides
    /// its billing period.
    pub occurred_at: Option<String>,
    /// Tokens by model name.
    #[serde(default)]
    pub tokens: BTreeMap<String, i64>,
    #[serde(default)]
    pub storage_gb_hours: f64,
    /// The user's stored data now, in GB.
    pub storage_current_gb: Option<f64>,
    #[serde(default)]
    pub sessions_uploaded: i64,
    #[serde(default)]
    pub examples_generated: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A valid report's JSON, but a value out of bounds (422), naming the
    /// field. (A body that is not a report's JSON never gets here: the API's
    /// JSON extractor refuses it, naming the field too.)
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("The idempotency key was used before for a different report.")]
    Conflict,
    #[error("usage store: {0}")]
    Store(#[from] sqlx::Error),
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> ReportError {
    ReportError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Recorded {
    New,
    /// The same report again: nothing added.
    Replayed,
}

/// Reads a report, naming the field that is wrong.
impl UsageReport {
    /// Checks every bound; answers when the usage happened (unix seconds).
    fn check(&self, now: i64) -> Result<i64, ReportError> {
        let key = self.idempotency_key.as_deref().unwrap_or_default();
        if key.is_empty() {
            return Err(invalid(
                "idempotency_key",
                "idempotency_key is required: a unique id per report, so that a retry counts once.",
            ));
        }
        if key.len() > 200 || !key.bytes().all(|byte| byte.is_ascii_graphic()) {
            return Err(invalid(
                "idempotency_key",
                "idempotency_key must be 1 to 200 visible ASCII characters.",
            ));
        }
        if self.user_id.trim().is_empty() {
            return Err(invalid("user_id", "user_id is required."));
        }
        if self.tokens.len() > MAX_MODELS {
            return Err(invalid(
                "tokens",
                format!("tokens may name at most {MAX_MODELS} models per report."),
            ));
        }
        for (model, tokens) in &self.tokens {
            let field = format!("tokens.{model}");
            if model.trim().is_empty() || model.len() > 100 || model.chars().any(char::is_control) {
                return Err(invalid(
                    field,
                    "Model names must be 1 to 100 characters without control characters.",
                ));
            }
            if !(0..=MAX_TOKENS).contains(tokens) {
                return Err(invalid(
                    field,
                    format!("Token counts must be whole numbers from 0 to {MAX_TOKENS}."),
                ));
            }
        }
        let within = |field: &str, value: f64, max: f64| {
            if (0.0..=max).contains(&value) {
                Ok(())
            } else {
                Err(invalid(field, format!("{field} must be from 0 to {max}.")))
            }
        };
        within(
            "storage_gb_hours",
            self.storage_gb_hours,
            MAX_STORAGE_GB_HOURS,
        )?;
        if let Some(current) = self.storage_current_gb {
            within("storage_current_gb", current, MAX_STORAGE_GB)?;
        }
        for (field, count) in [
            ("sessions_uploaded", self.sessions_uploaded),
            ("examples_generated", self.examples_generated),
        ] {
            if !(0..=MAX_COUNT).contains(&count) {
                return Err(invalid(
                    field,
                    format!("{field} must be a whole number from 0 to {MAX_COUNT}."),
                ));
            }
        }
        if self.tokens.is_empty()
            && self.storage_gb_hours == 0.0
            && self.storage_current_gb.is_none()
            && self.sessions_uploaded == 0
            && self.examples_generated == 0
        {
            return Err(invalid(
                "tokens",
                "The report has nothing in it: send tokens, storage_gb_hours, storage_current_gb, sessions_uploaded or examples_generated.",
            ));
        }
        let Some(occurred_at) = &self.occurred_at else {
            return Ok(now);
        };
        let occurred_at = OffsetDateTime::parse(occurred_at, &Rfc3339)
            .map_err(|_| {
                invalid(
                    "occurred_at",
                    "occurred_at must be an RFC 3339 time such as 2026-11-21T12:00:00Z.",
                )
            })?
            .unix_timestamp();
        if occurred_at > now + MAX_CLOCK_SKEW_SECS || occurred_at < now - MAX_AGE_SECS {
            return Err(invalid(
                "occurred_at",
                "occurred_at must be in the last 400 days, not in the future.",
            ));
        }
        Ok(occurred_at)
    }

    /// What makes two reports the same report.
    fn fingerprint(&self) -> String {
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        sha256_hex(canonical)
    }
}

/// Stores `report` once per idempotency key, in one transaction. A replay
/// of the same report changes nothing; another report under a used key is
/// a conflict; a user that does not exist is refused.
pub async fn record(db: &AnyPool, report: &UsageReport, now: i64) -> Result<Recorded, ReportError> {
    let occurred_at = report.check(now)?;
    let key = report.idempotency_key.as_deref().unwrap_or_default();
    let fingerprint = report.fingerprint();
    let mut tx = begin_write(db).await?;
    // Writes first, so on SQLite the transaction holds the write lock from
    // its first statement (a read first could fail to upgrade).
    let inserted = sqlx::query(
        "INSERT INTO usage_reports (idempotency_key, fingerprint, user_id, occurred_at, \
         received_at, storage_gb_hours, storage_current_gb, sessions_uploaded, examples_generated) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM users WHERE id = $3) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(key)
    .bind(&fingerprint)
    .bind(report.user_id.as_str())
    .bind(occurred_at)
    .bind(now)
    .bind(report.storage_gb_hours)
    .bind(report.storage_current_gb)
    .bind(report.sessions_uploaded)
    .bind(report.examples_generated)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 1 {
        for (model, tokens) in &report.tokens {
            sqlx::query(
                "INSERT INTO usage_report_tokens (idempotency_key, model, tokens) VALUES ($1, $2, $3)",
            )
            .bind(key)
            .bind(model.as_str())
            .bind(*tokens)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        return Ok(Recorded::New);
    }
    let stored: Option<String> =
        sqlx::query_scalar("SELECT fingerprint FROM usage_reports WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
    tx.rollback().await?;
    match stored {
        Some(stored) if stored == fingerprint => Ok(Recorded::Replayed),
        Some(_) => Err(ReportError::Conflict),
        None => Err(invalid("user_id", "No user has that user_id.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::json::{self, JsonRefusal};

    const NOW: i64 = 1_795_262_400; // 2026-11-21T12:00:00Z

    /// The report as the API decodes and then checks it.
    fn report(body: &str) -> Result<i64, ReportError> {
        match json::decode::<UsageReport>(body.as_bytes()) {
            Ok(report) => report.check(NOW),
            Err(JsonRefusal::Invalid { field, message }) => Err(invalid(field, message)),
            Err(refusal) => panic!("{body}: {refusal}"),
        }
    }

    fn parse(body: &[u8]) -> Result<UsageReport, JsonRefusal> {
        json::decode(body)
    }

    fn refused_field(json: &str) -> String {
        match report(json) {
            Err(ReportError::Invalid { field, .. }) => field,
            other => panic!("{json} was not refused as invalid: {other:?}"),
        }
    }

    #[test]
    fn a_full_report_passes_and_dates_itself() {
        let json = r#"{"idempotency_key": "r-1", "user_id": "u", "occurred_at": "2026-11-01T00:00:00Z",
            "tokens": {"gpt-4o": 1200, "claude": 0}, "storage_gb_hours": 2.5,
            "storage_current_gb": 1.25, "sessions_uploaded": 3, "examples_generated": 40}"#;
        assert_eq!(report(json).unwrap(), 1_793_491_200);
        assert_eq!(
            report(r#"{"idempotency_key": "r-2", "user_id": "u", "sessions_uploaded": 1}"#)
                .unwrap(),
            NOW
        );
    }

    #[test]
    fn each_bad_value_is_refused_naming_its_field() {
        let base = r#""idempotency_key": "r", "user_id": "u""#;
        for (body, field) in [
            (
                format!(r#"{{{base}, "sessions_uploaded": -1}}"#),
                "sessions_uploaded",
            ),
            (
                format!(r#"{{{base}, "examples_generated": "ten"}}"#),
                "examples_generated",
            ),
            (format!(r#"{{{base}, "tokens": {{"m": -5}}}}"#), "tokens.m"),
            (format!(r#"{{{base}, "tokens": {{"m": 1.5}}}}"#), "tokens.m"),
            (
                format!(r#"{{{base}, "tokens": {{"m": 1000000000001}}}}"#),
                "tokens.m",
            ),
            (format!(r#"{{{base}, "tokens": {{"": 1}}}}"#), "tokens."),
            (
                format!(r#"{{{base}, "storage_gb_hours": 1e12}}"#),
                "storage_gb_hours",
            ),
            (
                format!(r#"{{{base}, "storage_gb_hours": -0.5}}"#),
                "storage_gb_hours",
            ),
            (
                format!(r#"{{{base}, "storage_current_gb": 1e9}}"#),
                "storage_current_gb",
            ),
            (
                format!(r#"{{{base}, "sessions_uploaded": 1, "extra": 1}}"#),
                "extra",
            ),
            (format!(r#"{{{base}}}"#), "tokens"),
            (
                format!(r#"{{{base}, "sessions_uploaded": 1, "occurred_at": "yesterday"}}"#),
                "occurred_at",
            ),
            (
                format!(
                    r#"{{{base}, "sessions_uploaded": 1, "occurred_at": "2026-11-21T13:00:00Z"}}"#
                ),
                "occurred_at",
            ),
            (
                r#"{"user_id": "u", "sessions_uploaded": 1}"#.to_owned(),
                "idempotency_key",
            ),
            (
                r#"{"idempotency_key": "has space", "user_id": "u", "sessions_uploaded": 1}"#
                    .to_owned(),
                "idempotency_key",
            ),
        ] {
            assert_eq!(refused_field(&body), field, "{body}");
        }
        assert!(matches!(parse(b"{not json"), Err(JsonRefusal::NotJson(_))));
    }

    #[test]
    fn the_same_report_has_the_same_fingerprint_and_another_does_not() {
        let one = parse(br#"{"idempotency_key": "k", "user_id": "u", "tokens": {"a": 1, "b": 2}}"#)
            .unwrap();
        let same =
            parse(br#"{"tokens": {"b": 2, "a": 1}, "user_id": "u", "idempotency_key": "k"}"#)
                .unwrap();
        let other =
            parse(br#"{"idempotency_key": "k", "user_id": "u", "tokens": {"a": 2, "b": 2}}"#)
                .unwrap();
        assert_eq!(one.fingerprint(), same.fingerprint());
        assert_ne!(one.fingerprint(), other.fingerprint());
    }
}
