//! The second step of signing in. A right password (or a reset link) for an
//! account with two-step verification on gives no session: it gives a
//! pending sign-in, kept server-side for a few minutes behind its own cookie,
//! that only a right code (or a passkey) turns into a session. Wrong codes
//! are throttled per account, as wrong passwords are.

use super::activity;
use super::second_factor::{self, FactorUsed};
use super::throttle::{Attempt, second_factor_subject};
use crate::accounts::ActivityKind;
use crate::actor::Actor;
use crate::error::AppError;
use crate::error::{Field, FieldError};
use crate::mail::ssr::templates::SecurityNotice;
use crate::state::AppState;
use crate::support::db::begin_write;
use crate::support::security_events::{Outcome, SecurityEvent};
use crate::support::time::{moment, time_label, unix_now};
use crate::support::tokens::{random_hex, sha256_hex};
use sqlx::{AnyPool, Row};

use super::sessions::PENDING_SIGN_IN_SECS;
const TOKEN_BYTES: usize = 32;

/// How the first step was passed, for the activity log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstStep {
    Password,
    ResetLink,
}

impl FirstStep {
    fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::ResetLink => "reset_link",
        }
    }
}

/// A sign-in waiting for its second factor.
#[derive(Clone, Debug)]
pub struct PendingSignIn {
    pub user_id: String,
    pub email: String,
    pub next_path: String,
    token_hash: String,
}

/// Starts a pending sign-in; returns the token for its cookie. Expired
/// ones (anyone's) are deleted on the way.
pub async fn begin(
    db: &AnyPool,
    user_id: &str,
    next_path: &str,
    first_step: FirstStep,
) -> Result<String, sqlx::Error> {
    let token = random_hex(TOKEN_BYTES)?;
    let now = unix_now();
    sqlx::query("DELETE FROM pending_sign_ins WHERE created_at <= $1")
        .bind(now - PENDING_SIGN_IN_SECS)
        .execute(db)
        .await?;
    sqlx::query(
        "INSERT INTO pending_sign_ins (token_hash, user_id, created_at, next_path, first_step) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(sha256_hex(&token))
    .bind(user_id)
    .bind(now)
    .bind(next_path)
    .bind(first_step.as_str())
    .execute(db)
    .await?;
    Ok(token)
}

/// The pending sign-in behind `token`, unless it expired or was used.
pub async fn find(db: &AnyPool, token: &str) -> Result<Option<PendingSignIn>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT p.user_id, u.email, p.next_path, p.token_hash FROM pending_sign_ins p \
         JOIN users u ON u.id = p.user_id WHERE p.token_hash = $1 AND p.created_at > $2",
    )
    .bind(sha256_hex(token))
    .bind(unix_now() - PENDING_SIGN_IN_SECS)
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        Ok(PendingSignIn {
            user_id: row.try_get(0)?,
            email: row.try_get(1)?,
            next_path: row.try_get(2)?,
            token_hash: row.try_get(3)?,
        })
    })
    .transpose()
}

/// The security log's name for the second step of a sign-in.
pub const SECOND_STEP: &str = "sign_in.second_factor";

/// The second step with `code`: the pending sign-in's user and the factor
/// used, once the code is right (it is used up, and so is the pending
/// sign-in). The caller logs the sign-in once its session exists.
pub async fn complete(
    state: &AppState,
    actor: &Actor,
    token: &str,
    code: &str,
) -> Result<(PendingSignIn, FactorUsed), AppError> {
    let client = actor.client.as_str();
    let unavailable = AppError::dependency_failed("checking a sign-in code failed");
    let pending = find(&state.db, token)
        .await
        .map_err(unavailable)?
        .ok_or(AppError::SecondStepExpired)?;
    let (account, client_key) = (
        second_factor_subject(&pending.user_id),
        format!("second-factor-{}", state.clients.subject(client)),
    );
    let user_id = pending.user_id.as_str();
    let attempt = state
        .throttle
        .admit(
            &state.db,
            &account,
            Some(&client_key),
            SecurityEvent::failure(SECOND_STEP, "throttled", client).user(user_id),
        )
        .await?;
    let Some(factor) = second_factor::use_code(state, &pending.user_id, code).await? else {
        SecurityEvent::failure(SECOND_STEP, "wrong_code", client)
            .user(user_id)
            .log();
        let kind = ActivityKind::SecondFactorFailed;
        activity::record(&state.db, &pending.user_id, kind, "", client);
        return Err(AppError::Invalid(FieldError::new(
            Field::Code,
            "That code is not right, or was already used. Enter the code your app shows now, or an unused recovery code.",
        )));
    };
    consume(state, &pending, Some(attempt)).await?;
    let reason = match factor {
        FactorUsed::Authenticator => "authenticator",
        FactorUsed::RecoveryCode => "recovery_code",
    };
    SecurityEvent::new(SECOND_STEP, Outcome::Success, reason, client)
        .user(&pending.user_id)
        .log();
    if factor == FactorUsed::RecoveryCode {
        recovery_code_notice(state, &pending.user_id, client).await?;
    }
    Ok((pending, factor))
}

/// Uses up a pending sign-in whose second step passed (`SecondStepExpired`
/// if another request used it first) and forgets the account's wrong codes
/// (with the `attempt` of a code, or of a passkey without one).
pub async fn consume(
    state: &AppState,
    pending: &PendingSignIn,
    attempt: Option<Attempt>,
) -> Result<(), AppError> {
    let unavailable = AppError::dependency_failed("finishing a sign-in failed");
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    let used = sqlx::query("DELETE FROM pending_sign_ins WHERE token_hash = $1")
        .bind(&pending.token_hash)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
    if used.rows_affected() != 1 {
        return Err(AppError::SecondStepExpired);
    }
    match attempt {
        Some(attempt) => state.throttle.forgive(&mut *tx, attempt).await?,
        None => {
            let account = second_factor_subject(&pending.user_id);
            state.throttle.clear(&mut *tx, &account).await?
        }
    }
    tx.commit().await.map_err(unavailable)
}

/// A used recovery code is worth a notice: it may mean a lost phone, or a
/// thief with a printout. It says how many are left.
async fn recovery_code_notice(
    state: &AppState,
    user_id: &str,
    client: &str,
) -> Result<(), AppError> {
    let unavailable = AppError::dependency_failed("writing a recovery-code notice failed");
    let left = second_factor::status(&state.db, user_id)
        .await
        .map_err(unavailable)?
        .recovery_codes_left;
    let notice = SecurityNotice {
        headline: "A recovery code was used to sign in",
        facts: vec![
            format!("When: {}", time_label(moment(unix_now())).text),
            format!("From: {client}"),
            format!("Recovery codes left: {left}"),
        ],
        review: ("/account/two-factor", "Review two-step verification"),
        if_not_you: None,
    };
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    second_factor::queue_notice(state, &mut tx, user_id, &notice).await?;
    state.mailer.commit(tx).await.map_err(unavailable)
}
