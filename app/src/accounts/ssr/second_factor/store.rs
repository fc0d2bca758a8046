//! The second factors' storage: the authenticator's sealed secret, the
//! recovery codes' hashes, what /account shows, and the start-up upkeep
//! (hashes of old codes, secrets sealed again after a key rotation).

use super::codes::SLOW_HASH_PREFIX;
use crate::accounts::SecondFactors;
use crate::accounts::ssr::passwords;
use crate::error::AppError;
use crate::state::AppState;
use crate::support::secrets::ServerSecrets;
use crate::support::time::{date_label, moment, unix_now};
use sqlx::{AnyPool, Row};

/// Wraps recovery codes stored as a bare digest in the slow hash; answers
/// how many. Run at start-up: a no-op once every row is upgraded.
pub async fn upgrade_recovery_hashes(db: &AnyPool) -> Result<u64, AppError> {
    let unavailable = AppError::dependency_failed("upgrading recovery code hashes failed");
    let digests: Vec<String> =
        sqlx::query_scalar("SELECT code_hash FROM recovery_codes WHERE code_hash NOT LIKE $1")
            .bind(format!("{SLOW_HASH_PREFIX}%"))
            .fetch_all(db)
            .await
            .map_err(unavailable)?;
    if digests.is_empty() {
        return Ok(0);
    }
    let hashes = passwords::hash_codes(digests.clone())
        .await
        .map_err(AppError::dependency_failed("hashing recovery codes"))?;
    let mut upgraded = 0;
    for (digest, hash) in digests.iter().zip(hashes) {
        upgraded += sqlx::query("UPDATE recovery_codes SET code_hash = $1 WHERE code_hash = $2")
            .bind(hash)
            .bind(digest)
            .execute(db)
            .await
            .map_err(unavailable)?
            .rows_affected();
    }
    Ok(upgraded)
}

/// Replaces the user's recovery codes with the ones `hashes` stand for.
pub(super) async fn replace_recovery_codes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
    hashes: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    let now = unix_now();
    for hash in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (code_hash, user_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(hash)
        .bind(user_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// What /account shows about the user's second factors.
pub async fn status(db: &AnyPool, user_id: &str) -> Result<SecondFactors, sqlx::Error> {
    let row = sqlx::query(
        "SELECT (SELECT MAX(enabled_at) FROM totp_factors WHERE user_id = $1), \
         (SELECT COUNT(*) FROM totp_factors WHERE user_id = $1 AND enabled_at IS NULL), \
         (SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1), \
         (SELECT COUNT(*) FROM passkeys WHERE user_id = $1)",
    )
    .bind(user_id)
    .fetch_one(db)
    .await?;
    let enabled_at: Option<i64> = row.try_get(0)?;
    Ok(SecondFactors {
        authenticator_since: enabled_at.map(|at| date_label(moment(at))),
        setting_up: row.try_get::<i64, _>(1)? > 0,
        recovery_codes_left: row.try_get::<i64, _>(2)?,
        passkeys: row.try_get::<i64, _>(3)?,
    })
}

/// Every authenticator secret that only `SERVER_SECRET_KEY_PREVIOUS` opens,
/// sealed again under the current key (a rotation's last step). A row
/// changed meanwhile is left as it is; returns how many were sealed again.
pub async fn reseal(db: &AnyPool, secrets: &ServerSecrets) -> Result<u64, sqlx::Error> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT user_id, secret_sealed FROM totp_factors")
            .fetch_all(db)
            .await?;
    let mut resealed = 0;
    for (user_id, sealed) in rows {
        let Some(sealed_again) = secrets.resealed(&sealed, &user_id)? else {
            continue;
        };
        resealed += sqlx::query(
            "UPDATE totp_factors SET secret_sealed = $1 WHERE user_id = $2 AND secret_sealed = $3",
        )
        .bind(sealed_again)
        .bind(&user_id)
        .bind(&sealed)
        .execute(db)
        .await?
        .rows_affected();
    }
    Ok(resealed)
}

/// A sealed secret that does not open: the database was copied to a server
/// with another `SERVER_SECRET_KEY`, or the row was changed.
pub(super) fn secret_unreadable() -> AppError {
    tracing::error!("a sealed second-factor secret did not open: was SERVER_SECRET_KEY changed?");
    AppError::unavailable()
}

/// The waiting set-up's secret: the only moment it leaves the server.
pub(super) async fn waiting_secret(
    state: &AppState,
    user_id: &str,
) -> Result<Option<Vec<u8>>, AppError> {
    let unavailable = AppError::dependency_failed("reading two-step set-up failed");
    let sealed: Option<String> = sqlx::query_scalar(
        "SELECT secret_sealed FROM totp_factors WHERE user_id = $1 AND enabled_at IS NULL",
    )
    .bind(user_id)
    .fetch_optional(&state.db)
    .await
    .map_err(unavailable)?;
    match sealed {
        None => Ok(None),
        Some(sealed) => state
            .secrets
            .open(&sealed, user_id)
            .map(Some)
            .ok_or_else(secret_unreadable),
    }
}
