//! Second factors: an authenticator app (TOTP, RFC 6238) and the recovery
//! codes that stand in for it. Secrets are sealed at rest (`ServerSecrets`)
//! and leave the server only while set-up shows them; a code is accepted
//! once; recovery codes are stored hashed and used up one by one. This file
//! holds the flows (set up, confirm, turn off, use a code); `codes` the pure
//! code handling, `store` the storage.

mod codes;
mod store;

pub use codes::{EnteredCode, RECOVERY_CODE_COUNT, code_at, matching_step, parse_code};
pub use store::{reseal, status, upgrade_recovery_hashes};

use codes::{ISSUER, SECRET_BYTES, authenticator, new_recovery_codes, recovery_digest};
use store::{replace_recovery_codes, secret_unreadable, waiting_secret};

use super::throttle::{Attempt, second_factor_subject};
use super::{activity, passwords, reauth, users};
use crate::accounts::{ActivityKind, TotpSetup};
use crate::actor::{Actor, Session};
use crate::error::AppError;
use crate::error::{Field, FieldError};
use crate::mail::ssr::outbox;
use crate::mail::ssr::templates::SecurityNotice;
use crate::state::AppState;
use crate::support::db::begin_write;
use crate::support::security_events::SecurityEvent;
use crate::support::time::{moment, time_label, unix_now};
use crate::support::tokens::NoRandomness;
use rand::TryRngCore;
use rand::rngs::OsRng;
use sqlx::Row;

/// Fresh recovery codes for `user_id` and their slow hashes, made before
/// any transaction begins (hashing takes a while).
async fn fresh_recovery_codes(user_id: &str) -> Result<(Vec<String>, Vec<String>), AppError> {
    let codes =
        new_recovery_codes().map_err(AppError::dependency_failed("making recovery codes"))?;
    let digests = codes
        .iter()
        .map(|code| recovery_digest(user_id, &code.replace('-', "")))
        .collect();
    let hashes = passwords::hash_codes(digests)
        .await
        .map_err(AppError::dependency_failed("hashing recovery codes"))?;
    Ok((codes, hashes))
}

/// Second factors are added to accounts whose address is proven only.
pub fn require_confirmed_address(session: &Session) -> Result<(), AppError> {
    if session.user.email_verified {
        Ok(())
    } else {
        Err(AppError::AddressUnconfirmed)
    }
}

/// Begins setting up an authenticator app: a new secret, waiting for its
/// first code. Asking again replaces a set-up that was not finished.
pub async fn start_setup(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    let session = actor.session()?;
    require_confirmed_address(session)?;
    reauth::require_recent(state, session)?;
    let unavailable = AppError::dependency_failed("starting two-step set-up failed");
    let user_id = &session.user.id;
    if users::uses_two_step(&state.db, user_id)
        .await
        .map_err(unavailable)?
    {
        return Err(AppError::TwoFactorAlreadyOn);
    }
    let mut secret = [0u8; SECRET_BYTES];
    OsRng
        .try_fill_bytes(&mut secret)
        .map_err(|err| unavailable(NoRandomness::from(err).into()))?;
    let sealed = state
        .secrets
        .seal(&secret, user_id)
        .map_err(|err| unavailable(err.into()))?;
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    sqlx::query("DELETE FROM totp_factors WHERE user_id = $1 AND enabled_at IS NULL")
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
    sqlx::query(
        "INSERT INTO totp_factors (user_id, secret_sealed, created_at, last_step) \
         VALUES ($1, $2, $3, 0)",
    )
    .bind(user_id)
    .bind(sealed)
    .bind(unix_now())
    .execute(&mut *tx)
    .await
    .map_err(unavailable)?;
    tx.commit().await.map_err(unavailable)
}

/// The QR code and the text key of the waiting set-up, if there is one.
pub async fn setup(state: &AppState, actor: &Actor) -> Result<Option<TotpSetup>, AppError> {
    let session = actor.session()?;
    let Some(secret) = waiting_secret(state, &session.user.id).await? else {
        return Ok(None);
    };
    let totp = authenticator(secret, &session.user.email);
    let url = totp.get_url();
    let qr_svg = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(AppError::dependency_failed("drawing a QR code failed"))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // The renderer starts with an XML declaration, which inline SVG must not have.
    let qr_svg = qr_svg
        .find("<svg")
        .map_or(qr_svg.clone(), |start| qr_svg[start..].to_owned());
    let base32 = totp.get_secret_base32();
    let text_key = base32
        .as_bytes()
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Some(TotpSetup {
        qr_svg,
        text_key,
        account: session.user.email.clone(),
        issuer: ISSUER.to_owned(),
    }))
}

fn wrong_code(message: &'static str) -> AppError {
    AppError::Invalid(FieldError::new(Field::Code, message))
}

/// Turns the authenticator on once the user proves their app has the
/// secret; answers the recovery codes, to be shown this once.
pub async fn confirm_setup(
    state: &AppState,
    actor: &Actor,
    code: &str,
) -> Result<Vec<String>, AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    require_confirmed_address(session)?;
    let unavailable = AppError::dependency_failed("finishing two-step set-up failed");
    let user_id = &session.user.id;
    let secret = waiting_secret(state, user_id)
        .await?
        .ok_or(AppError::TwoFactorNotSetUp)?;
    let Some(EnteredCode::Authenticator(code)) = parse_code(code) else {
        return Err(wrong_code(
            "Enter the six-digit code your authenticator app shows for Tracepipe.",
        ));
    };
    let now = unix_now();
    let step = matching_step(&secret, &code, now as u64).ok_or_else(|| {
        wrong_code(
            "That code is not right. Check the app's clock, and enter the code it shows now.",
        )
    })?;
    let (codes, hashes) = fresh_recovery_codes(user_id).await?;
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    let enabled = sqlx::query(
        "UPDATE totp_factors SET enabled_at = $1, last_step = $2 \
         WHERE user_id = $3 AND enabled_at IS NULL",
    )
    .bind(now)
    .bind(step as i64)
    .bind(user_id)
    .execute(&mut *tx)
    .await
    .map_err(unavailable)?;
    if enabled.rows_affected() != 1 {
        return Err(AppError::TwoFactorAlreadyOn);
    }
    replace_recovery_codes(&mut tx, user_id, &hashes)
        .await
        .map_err(unavailable)?;
    let notice = factor_notice(
        "Two-step verification was turned on",
        "Signing in now needs a code from your authenticator app (or a recovery code) after the password.",
        client,
    );
    let kind = ActivityKind::TwoFactorEnabled;
    commit_factor_change(
        state,
        tx,
        user_id,
        &notice,
        kind,
        "authenticator app",
        client,
    )
    .await?;
    Ok(codes)
}

/// New recovery codes in place of the old ones (all of which stop working).
pub async fn regenerate_recovery_codes(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<String>, AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    reauth::require_recent(state, session)?;
    let unavailable = AppError::dependency_failed("making new recovery codes failed");
    let user_id = &session.user.id;
    if !users::uses_two_step(&state.db, user_id)
        .await
        .map_err(unavailable)?
    {
        return Err(AppError::TwoFactorNotSetUp);
    }
    let (codes, hashes) = fresh_recovery_codes(user_id).await?;
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    replace_recovery_codes(&mut tx, user_id, &hashes)
        .await
        .map_err(unavailable)?;
    let notice = factor_notice(
        "New recovery codes were made",
        "The recovery codes you had before no longer work.",
        client,
    );
    let kind = ActivityKind::RecoveryCodesRegenerated;
    commit_factor_change(state, tx, user_id, &notice, kind, "", client).await?;
    Ok(codes)
}

/// Turns two-step verification off: the authenticator's secret and every
/// recovery code are deleted.
pub async fn turn_off(state: &AppState, actor: &Actor) -> Result<(), AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    reauth::require_recent(state, session)?;
    let unavailable = AppError::dependency_failed("turning two-step verification off failed");
    let user_id = &session.user.id;
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    let removed = sqlx::query("DELETE FROM totp_factors WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
    if removed.rows_affected() == 0 {
        return Err(AppError::TwoFactorNotSetUp);
    }
    let notice = factor_notice(
        "Two-step verification was turned off",
        "Signing in now needs only the password.",
        client,
    );
    let kind = ActivityKind::TwoFactorDisabled;
    commit_factor_change(
        state,
        tx,
        user_id,
        &notice,
        kind,
        "authenticator app",
        client,
    )
    .await
}

fn factor_notice(headline: &'static str, effect: &str, client: &str) -> SecurityNotice<'static> {
    SecurityNotice {
        headline,
        facts: vec![
            format!("When: {}", time_label(moment(unix_now())).text),
            format!("From: {client}"),
            effect.to_owned(),
        ],
        review: ("/account/two-factor", "Review two-step verification"),
        if_not_you: None,
    }
}

/// Commits `tx`, a change to how the account signs in, together with
/// `notice` to the account's address (both or neither), then logs it.
pub(super) async fn commit_factor_change(
    state: &AppState,
    mut tx: sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
    notice: &SecurityNotice<'_>,
    kind: ActivityKind,
    detail: &str,
    client: &str,
) -> Result<(), AppError> {
    queue_notice(state, &mut tx, user_id, notice).await?;
    state
        .mailer
        .commit(tx)
        .await
        .map_err(AppError::dependency_failed(
            "saving a sign-in change failed",
        ))?;
    activity::record(&state.db, user_id, kind, detail, client);
    Ok(())
}

/// Writes `notice` to the account's address in `tx`.
pub(super) async fn queue_notice(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: &str,
    notice: &SecurityNotice<'_>,
) -> Result<(), AppError> {
    let unavailable = AppError::dependency_failed("writing a security notice failed");
    let user = users::find_by_id(&mut **tx, user_id)
        .await
        .map_err(unavailable)?
        .ok_or(AppError::SignedOut)?;
    outbox::enqueue(tx, &notice.email(&state.site.public_url, &user.email))
        .await
        .map(|_| ())
        .map_err(unavailable)
}

/// A second-factor code on `/confirm-password`, in place of the password:
/// renews the session's proof. Wrong codes count as at the second step.
pub async fn confirm_with_code(
    state: &AppState,
    actor: &Actor,
    code: &str,
) -> Result<String, AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    let user_id = &session.user.id;
    let attempt = admit_confirmation(state, user_id, client).await?;
    if use_code(state, user_id, code).await?.is_none() {
        SecurityEvent::failure(REAUTH_CODE, "wrong_code", client)
            .user(user_id)
            .log();
        let kind = ActivityKind::ReauthFailed;
        activity::record(&state.db, user_id, kind, "wrong code", client);
        return Err(wrong_code("That code is not right, or was already used."));
    }
    SecurityEvent::success(REAUTH_CODE, client)
        .user(user_id)
        .log();
    state.throttle.forgive(&state.db, attempt).await?;
    reauth::confirmed(state, session).await
}

/// Admits one more try at confirming `user_id` with a second factor (a
/// code, or a passkey): counted with the second step's wrong codes.
pub async fn admit_confirmation(
    state: &AppState,
    user_id: &str,
    client: &str,
) -> Result<Attempt, AppError> {
    let (subject, client_key) = (
        second_factor_subject(user_id),
        format!("second-factor-{}", state.clients.subject(client)),
    );
    let refusal = SecurityEvent::failure(REAUTH_CODE, "throttled", client).user(user_id);
    state
        .throttle
        .admit(&state.db, &subject, Some(&client_key), refusal)
        .await
}

/// The security log's name for confirming with a code when signed in.
const REAUTH_CODE: &str = "reauth.second_factor";

/// Which second factor a correct code was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactorUsed {
    Authenticator,
    RecoveryCode,
}

impl FactorUsed {
    /// How the activity log tells a sign-in with this factor.
    pub fn sign_in_detail(self) -> &'static str {
        match self {
            Self::Authenticator => "with an authenticator code",
            Self::RecoveryCode => "with a recovery code",
        }
    }
}

/// Whether `entered` is a current authenticator code (not used before) or
/// one of the user's unused recovery codes; a right code is used up here.
pub async fn use_code(
    state: &AppState,
    user_id: &str,
    entered: &str,
) -> Result<Option<FactorUsed>, AppError> {
    let unavailable = AppError::dependency_failed("checking a second-factor code failed");
    match parse_code(entered) {
        None => Ok(None),
        Some(EnteredCode::Recovery(code)) => {
            let stored: Vec<String> =
                sqlx::query_scalar("SELECT code_hash FROM recovery_codes WHERE user_id = $1")
                    .bind(user_id)
                    .fetch_all(&state.db)
                    .await
                    .map_err(unavailable)?;
            let digest = recovery_digest(user_id, &code);
            let Some(matched) = passwords::matching_code(digest, stored).await else {
                return Ok(None);
            };
            // Used up by whichever request deletes it: a code works once,
            // even when two requests race with it.
            let used =
                sqlx::query("DELETE FROM recovery_codes WHERE code_hash = $1 AND user_id = $2")
                    .bind(matched)
                    .bind(user_id)
                    .execute(&state.db)
                    .await
                    .map_err(unavailable)?;
            Ok((used.rows_affected() == 1).then_some(FactorUsed::RecoveryCode))
        }
        Some(EnteredCode::Authenticator(code)) => {
            let row = sqlx::query(
                "SELECT secret_sealed, last_step FROM totp_factors \
                 WHERE user_id = $1 AND enabled_at IS NOT NULL",
            )
            .bind(user_id)
            .fetch_optional(&state.db)
            .await
            .map_err(unavailable)?;
            let Some(row) = row else {
                return Ok(None);
            };
            let (sealed, last_step): (String, i64) = (
                row.try_get(0).map_err(unavailable)?,
                row.try_get(1).map_err(unavailable)?,
            );
            let secret = state
                .secrets
                .open(&sealed, user_id)
                .ok_or_else(secret_unreadable)?;
            let Some(step) = matching_step(&secret, &code, unix_now() as u64) else {
                return Ok(None);
            };
            // Only a newer step than the last accepted one: a code works
            // once, even when two requests race with it.
            let accepted = sqlx::query(
                "UPDATE totp_factors SET last_step = $1 WHERE user_id = $2 AND last_step < $1",
            )
            .bind(step as i64)
            .bind(user_id)
            .execute(&state.db)
            .await
            .map_err(unavailable)?;
            let fresh = step as i64 > last_step && accepted.rows_affected() == 1;
            Ok(fresh.then_some(FactorUsed::Authenticator))
        }
    }
}
