//! Passkeys (WebAuthn, by `webauthn-rs`): registering them from /account,
//! signing in with one alone (a discoverable credential: no e-mail typed;
//! user verification is required, so it is two factors by itself), and
//! using one as the second step after a password. Relying-party id and
//! origin come from `PUBLIC_URL`, whose host must be a domain name.

use super::second_factor::{self, commit_factor_change};
use super::two_step::SECOND_STEP;
use super::two_step::{self, PendingSignIn};
use super::{activity, reauth};
use crate::accounts::{ActivityKind, PasskeyChallenge, PasskeyView};
use crate::actor::Actor;
use crate::error::AppError;
use crate::error::{Field, FieldError};
use crate::mail::ssr::templates::SecurityNotice;
use crate::state::AppState;
use crate::support::db::begin_write;
use crate::support::security_events::{Outcome, SecurityEvent};
use crate::support::time::{date_label, moment, time_label, unix_now};
use crate::support::tokens::random_hex;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{AnyPool, Row};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};
use webauthn_rs_proto::ResidentKeyRequirement;

/// How long the browser has to answer a challenge (WebAuthn's default).
const CHALLENGE_SECS: i64 = 300;
const NAME_MAX_CHARS: usize = 64;

/// The relying party for `public_url`, or None when its host is an IP
/// address (browsers and webauthn-rs refuse those): passkeys are then off.
pub fn relying_party(public_url: &str) -> Option<Webauthn> {
    let origin = Url::parse(public_url).ok()?;
    let host = origin.domain()?.to_owned();
    WebauthnBuilder::new(&host, &origin)
        .ok()?
        .rp_name("Tracepipe")
        .build()
        .ok()
}

#[derive(Clone, Copy)]
enum Purpose {
    Register,
    SignIn,
    SecondStep,
    Confirm,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SignIn => "sign_in",
            Self::SecondStep => "second_step",
            Self::Confirm => "confirm",
        }
    }
}

fn webauthn(state: &AppState) -> Result<&Webauthn, AppError> {
    state
        .passkeys
        .as_deref()
        .ok_or(AppError::PasskeysUnavailable)
}

/// Anything the browser's answer or the authenticator got wrong: no
/// detail for the browser, a line for the log.
fn refused(what: &'static str) -> impl Fn(webauthn_rs::prelude::WebauthnError) -> AppError {
    move |err| {
        tracing::info!("a passkey {what} was refused: {err}");
        AppError::PasskeyRefused
    }
}

fn credential_text(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

async fn keep_challenge(
    db: &AnyPool,
    user_id: Option<&str>,
    purpose: Purpose,
    ceremony: &impl Serialize,
) -> Result<String, AppError> {
    let unavailable = AppError::dependency_failed("keeping a passkey challenge failed");
    let id = random_hex(16).map_err(|err| unavailable(err.to_string()))?;
    let ceremony = serde_json::to_string(ceremony).map_err(|err| unavailable(err.to_string()))?;
    let now = unix_now();
    sqlx::query("DELETE FROM passkey_challenges WHERE created_at <= $1")
        .bind(now - CHALLENGE_SECS)
        .execute(db)
        .await
        .map_err(|err| unavailable(err.to_string()))?;
    sqlx::query(
        "INSERT INTO passkey_challenges (id, user_id, purpose, state, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(ceremony)
    .bind(now)
    .execute(db)
    .await
    .map_err(|err| unavailable(err.to_string()))?;
    Ok(id)
}

/// The ceremony `id` started for `user_id`, used up now; `PasskeyRefused`
/// when it expired, was used, or belongs to another purpose or account.
async fn take_challenge<T: DeserializeOwned>(
    db: &AnyPool,
    id: &str,
    purpose: Purpose,
    user_id: Option<&str>,
) -> Result<T, AppError> {
    let unavailable = AppError::dependency_failed("reading a passkey challenge failed");
    let row = sqlx::query(
        "SELECT state, user_id FROM passkey_challenges \
         WHERE id = $1 AND purpose = $2 AND created_at > $3",
    )
    .bind(id)
    .bind(purpose.as_str())
    .bind(unix_now() - CHALLENGE_SECS)
    .fetch_optional(db)
    .await
    .map_err(unavailable)?
    .ok_or(AppError::PasskeyRefused)?;
    let (ceremony, owner): (String, Option<String>) = (
        row.try_get(0).map_err(unavailable)?,
        row.try_get(1).map_err(unavailable)?,
    );
    let used = sqlx::query("DELETE FROM passkey_challenges WHERE id = $1")
        .bind(id)
        .execute(db)
        .await
        .map_err(unavailable)?;
    if used.rows_affected() != 1 || owner.as_deref() != user_id {
        return Err(AppError::PasskeyRefused);
    }
    serde_json::from_str(&ceremony).map_err(|_| AppError::PasskeyRefused)
}

fn parse<T: DeserializeOwned>(credential: &str) -> Result<T, AppError> {
    serde_json::from_str(credential)
        .map_err(|err| AppError::BadRequest(format!("the passkey's answer: {err}")))
}

/// The user's passkeys as webauthn-rs keeps them, with their ids.
async fn stored(db: &AnyPool, user_id: &str) -> Result<Vec<(String, Passkey)>, AppError> {
    let unavailable = AppError::dependency_failed("reading passkeys failed");
    let rows = sqlx::query("SELECT credential_id, passkey FROM passkeys WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(db)
        .await
        .map_err(unavailable)?;
    rows.into_iter()
        .map(|row| {
            let id: String = row.try_get(0).map_err(unavailable)?;
            let json: String = row.try_get(1).map_err(unavailable)?;
            let passkey = serde_json::from_str(&json)
                .map_err(|err| unavailable(sqlx::Error::Decode(Box::new(err))))?;
            Ok((id, passkey))
        })
        .collect()
}

/// The user's passkeys, newest first, as /account lists them.
pub async fn list(db: &AnyPool, user_id: &str) -> Result<Vec<PasskeyView>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT credential_id, name, created_at, last_used_at FROM passkeys \
         WHERE user_id = $1 ORDER BY created_at DESC",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(PasskeyView {
                id: row.try_get(0)?,
                name: row.try_get(1)?,
                created: date_label(moment(row.try_get(2)?)),
                last_used: row
                    .try_get::<Option<i64>, _>(3)?
                    .map(|at| time_label(moment(at))),
            })
        })
        .collect()
}

/// The account's user handle, made with its first passkey.
async fn user_handle(db: &AnyPool, user_id: &str) -> Result<Uuid, sqlx::Error> {
    sqlx::query("UPDATE users SET webauthn_handle = $1 WHERE id = $2 AND webauthn_handle IS NULL")
        .bind(Uuid::new_v4().to_string())
        .bind(user_id)
        .execute(db)
        .await?;
    let handle: String = sqlx::query_scalar("SELECT webauthn_handle FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(db)
        .await?;
    Uuid::parse_str(&handle).map_err(|err| sqlx::Error::Decode(Box::new(err)))
}

/// Starts registering a passkey (after a recent sign-in): the options for
/// `navigator.credentials.create`. Passkeys already registered are excluded,
/// and the credential must be discoverable, so it can sign in alone.
pub async fn start_registration(
    state: &AppState,
    actor: &Actor,
) -> Result<PasskeyChallenge, AppError> {
    let session = actor.session()?;
    let webauthn = webauthn(state)?;
    second_factor::require_confirmed_address(session)?;
    reauth::require_recent(state, session)?;
    let unavailable = AppError::dependency_failed("starting a passkey registration failed");
    let user = &session.user;
    let handle = user_handle(&state.db, &user.id)
        .await
        .map_err(unavailable)?;
    let exclude = stored(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|(_, passkey)| passkey.cred_id().clone())
        .collect();
    let (mut options, ceremony) = webauthn
        .start_passkey_registration(handle, &user.email, &user.display_name, Some(exclude))
        .map_err(refused("registration"))?;
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
    let id = keep_challenge(&state.db, Some(&user.id), Purpose::Register, &ceremony).await?;
    let options = serde_json::to_string(&options).map_err(AppError::dependency_failed(
        "writing passkey options failed",
    ))?;
    Ok(PasskeyChallenge { id, options })
}

/// Finishes a registration with the browser's answer, named `name`.
pub async fn finish_registration(
    state: &AppState,
    actor: &Actor,
    challenge_id: &str,
    credential: &str,
    name: &str,
) -> Result<(), AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    let webauthn = webauthn(state)?;
    second_factor::require_confirmed_address(session)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        return Err(AppError::Invalid(FieldError::new(
            Field::PasskeyName,
            "Name the passkey (1 to 64 characters), such as \"work computer\".",
        )));
    }
    let answer: RegisterPublicKeyCredential = parse(credential)?;
    let user_id = &session.user.id;
    let ceremony: PasskeyRegistration =
        take_challenge(&state.db, challenge_id, Purpose::Register, Some(user_id)).await?;
    let passkey = webauthn
        .finish_passkey_registration(&answer, &ceremony)
        .map_err(refused("registration"))?;
    let unavailable = AppError::dependency_failed("saving a passkey failed");
    let json = serde_json::to_string(&passkey)
        .map_err(AppError::dependency_failed("writing a passkey failed"))?;
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    let inserted = sqlx::query(
        "INSERT INTO passkeys (credential_id, user_id, name, passkey, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(credential_text(passkey.cred_id()))
    .bind(user_id)
    .bind(name)
    .bind(json)
    .bind(unix_now())
    .execute(&mut *tx)
    .await;
    if inserted.is_err() {
        // The only constraint: the credential is registered already.
        return Err(AppError::PasskeyRefused);
    }
    let notice = passkey_notice("A passkey was added to your account", name, client);
    let kind = ActivityKind::PasskeyAdded;
    commit_factor_change(state, tx, user_id, &notice, kind, name, client).await
}

/// Removes one of the user's passkeys (after a recent sign-in).
pub async fn remove(state: &AppState, actor: &Actor, credential_id: &str) -> Result<(), AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    reauth::require_recent(state, session)?;
    let unavailable = AppError::dependency_failed("removing a passkey failed");
    let user_id = &session.user.id;
    let mut tx = begin_write(&state.db).await.map_err(unavailable)?;
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM passkeys WHERE credential_id = $1 AND user_id = $2")
            .bind(credential_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(unavailable)?;
    let name = name.ok_or(AppError::NoSuchPasskey)?;
    sqlx::query("DELETE FROM passkeys WHERE credential_id = $1")
        .bind(credential_id)
        .execute(&mut *tx)
        .await
        .map_err(unavailable)?;
    let notice = passkey_notice("A passkey was removed from your account", &name, client);
    let kind = ActivityKind::PasskeyRemoved;
    commit_factor_change(state, tx, user_id, &notice, kind, &name, client).await
}

/// Starts a sign-in with a passkey alone: options with no credentials
/// listed, so the authenticator offers the passkeys it holds for this site.
pub async fn start_sign_in(state: &AppState) -> Result<PasskeyChallenge, AppError> {
    let webauthn = webauthn(state)?;
    let (options, ceremony) = webauthn
        .start_discoverable_authentication()
        .map_err(refused("sign-in"))?;
    let id = keep_challenge(&state.db, None, Purpose::SignIn, &ceremony).await?;
    let options = serde_json::to_string(&options).map_err(AppError::dependency_failed(
        "writing passkey options failed",
    ))?;
    Ok(PasskeyChallenge { id, options })
}

/// Finishes a passkey sign-in: the account its user handle names, once
/// the signature checks out against that account's passkey. Logged as a
/// security event either way; refusals are throttled per client (no
/// account is known before the answer checks out).
pub async fn finish_sign_in(
    state: &AppState,
    actor: &Actor,
    challenge_id: &str,
    credential: &str,
) -> Result<String, AppError> {
    let client = actor.client.as_str();
    let subject = format!("passkey-{}", state.clients.subject(client));
    let refusal = SecurityEvent::failure(PASSKEY_SIGN_IN, "throttled", client);
    let attempt = state
        .throttle
        .admit(&state.db, &subject, None, refusal)
        .await?;
    let signed_in = verify_sign_in(state, challenge_id, credential).await;
    match &signed_in {
        Ok(user_id) => {
            SecurityEvent::success(PASSKEY_SIGN_IN, client)
                .user(user_id)
                .log();
            state.throttle.forgive(&state.db, attempt).await?;
        }
        Err(AppError::PasskeyRefused) => {
            SecurityEvent::failure(PASSKEY_SIGN_IN, "refused", client).log();
        }
        Err(_) => {}
    }
    signed_in
}

const PASSKEY_SIGN_IN: &str = "sign_in.passkey";

async fn verify_sign_in(
    state: &AppState,
    challenge_id: &str,
    credential: &str,
) -> Result<String, AppError> {
    let webauthn = webauthn(state)?;
    let answer: PublicKeyCredential = parse(credential)?;
    let ceremony: DiscoverableAuthentication =
        take_challenge(&state.db, challenge_id, Purpose::SignIn, None).await?;
    let (handle, credential_id) = webauthn
        .identify_discoverable_authentication(&answer)
        .map_err(refused("sign-in"))?;
    let unavailable = AppError::dependency_failed("a passkey sign-in failed");
    let user_id: Option<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE webauthn_handle = $1")
            .bind(handle.to_string())
            .fetch_optional(&state.db)
            .await
            .map_err(unavailable)?;
    let user_id = user_id.ok_or(AppError::PasskeyRefused)?;
    let wanted = credential_text(credential_id);
    let (id, mut passkey) = stored(&state.db, &user_id)
        .await?
        .into_iter()
        .find(|(id, _)| *id == wanted)
        .ok_or(AppError::PasskeyRefused)?;
    let result = webauthn
        .finish_discoverable_authentication_v2(&answer, ceremony, &passkey)
        .map_err(refused("sign-in"))?;
    passkey.update_credential(&result);
    mark_used(&state.db, &id, &passkey).await?;
    Ok(user_id)
}

/// Starts the second step with one of the pending user's passkeys.
pub async fn start_second_step(
    state: &AppState,
    pending: &PendingSignIn,
) -> Result<PasskeyChallenge, AppError> {
    start_for_user(state, &pending.user_id, Purpose::SecondStep).await
}

/// Options for `navigator.credentials.get` listing `user_id`'s passkeys;
/// `NoSuchPasskey` when there are none.
async fn start_for_user(
    state: &AppState,
    user_id: &str,
    purpose: Purpose,
) -> Result<PasskeyChallenge, AppError> {
    let webauthn = webauthn(state)?;
    let passkeys: Vec<Passkey> = stored(&state.db, user_id)
        .await?
        .into_iter()
        .map(|(_, passkey)| passkey)
        .collect();
    if passkeys.is_empty() {
        return Err(AppError::NoSuchPasskey);
    }
    let (options, ceremony) = webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(refused(purpose.as_str()))?;
    let id = keep_challenge(&state.db, Some(user_id), purpose, &ceremony).await?;
    let options = serde_json::to_string(&options).map_err(AppError::dependency_failed(
        "writing passkey options failed",
    ))?;
    Ok(PasskeyChallenge { id, options })
}

/// Finishes the second step with a passkey: the pending sign-in is used up.
/// Logged as a security event either way.
pub async fn finish_second_step(
    state: &AppState,
    actor: &Actor,
    pending: &PendingSignIn,
    challenge_id: &str,
    credential: &str,
) -> Result<(), AppError> {
    let client = actor.client.as_str();
    let verified = verify_second_step(state, pending, challenge_id, credential).await;
    let event = match &verified {
        Ok(()) => SecurityEvent::new(SECOND_STEP, Outcome::Success, "passkey", client),
        Err(AppError::PasskeyRefused) => {
            SecurityEvent::failure(SECOND_STEP, "passkey_refused", client)
        }
        Err(_) => return verified,
    };
    event.user(&pending.user_id).log();
    verified
}

async fn verify_second_step(
    state: &AppState,
    pending: &PendingSignIn,
    challenge_id: &str,
    credential: &str,
) -> Result<(), AppError> {
    let purpose = Purpose::SecondStep;
    verify_for_user(state, &pending.user_id, purpose, challenge_id, credential).await?;
    two_step::consume(state, pending, None).await
}

/// Checks an answer to `start_for_user`'s challenge against `user_id`'s
/// passkeys, and records the passkey's use.
async fn verify_for_user(
    state: &AppState,
    user_id: &str,
    purpose: Purpose,
    challenge_id: &str,
    credential: &str,
) -> Result<(), AppError> {
    let webauthn = webauthn(state)?;
    let answer: PublicKeyCredential = parse(credential)?;
    let ceremony: PasskeyAuthentication =
        take_challenge(&state.db, challenge_id, purpose, Some(user_id)).await?;
    let result = webauthn
        .finish_passkey_authentication(&answer, &ceremony)
        .map_err(refused(purpose.as_str()))?;
    let used = credential_text(result.cred_id());
    let (id, mut passkey) = stored(&state.db, user_id)
        .await?
        .into_iter()
        .find(|(id, _)| *id == used)
        .ok_or(AppError::PasskeyRefused)?;
    passkey.update_credential(&result);
    mark_used(&state.db, &id, &passkey).await
}

/// Starts confirming who is using the session with one of its user's
/// passkeys, on `/confirm-password`.
pub async fn start_confirmation(
    state: &AppState,
    actor: &Actor,
) -> Result<PasskeyChallenge, AppError> {
    let session = actor.session()?;
    start_for_user(state, &session.user.id, Purpose::Confirm).await
}

/// A passkey's answer on `/confirm-password`: renews the session's proof
/// under a new token, as a password or code does. Refusals count against
/// the account as wrong codes do, and are logged.
pub async fn finish_confirmation(
    state: &AppState,
    actor: &Actor,
    challenge_id: &str,
    credential: &str,
) -> Result<String, AppError> {
    let (session, client) = (actor.session()?, actor.client.as_str());
    let user_id = &session.user.id;
    let attempt = second_factor::admit_confirmation(state, user_id, client).await?;
    let verified =
        verify_for_user(state, user_id, Purpose::Confirm, challenge_id, credential).await;
    match verified {
        Ok(()) => {
            SecurityEvent::new(REAUTH_PASSKEY, Outcome::Success, "passkey", client)
                .user(user_id)
                .log();
            state.throttle.forgive(&state.db, attempt).await?;
            reauth::confirmed(state, session).await
        }
        Err(refusal) => {
            if matches!(refusal, AppError::PasskeyRefused) {
                SecurityEvent::failure(REAUTH_PASSKEY, "passkey_refused", client)
                    .user(user_id)
                    .log();
                let kind = ActivityKind::ReauthFailed;
                activity::record(&state.db, user_id, kind, "passkey refused", client);
            }
            Err(refusal)
        }
    }
}

/// The security log's name for confirming with a passkey when signed in.
const REAUTH_PASSKEY: &str = "reauth.passkey";

/// Keeps the passkey's new counter and flags, and when it was last used.
async fn mark_used(db: &AnyPool, credential_id: &str, passkey: &Passkey) -> Result<(), AppError> {
    let unavailable = AppError::dependency_failed("recording a passkey's use failed");
    let json = serde_json::to_string(passkey)
        .map_err(AppError::dependency_failed("writing a passkey failed"))?;
    sqlx::query("UPDATE passkeys SET passkey = $1, last_used_at = $2 WHERE credential_id = $3")
        .bind(json)
        .bind(unix_now())
        .bind(credential_id)
        .execute(db)
        .await
        .map(|_| ())
        .map_err(unavailable)
}

fn passkey_notice(headline: &'static str, name: &str, client: &str) -> SecurityNotice<'static> {
    SecurityNotice {
        headline,
        facts: vec![
            format!("Passkey: {name}"),
            format!("When: {}", time_label(moment(unix_now())).text),
            format!("From: {client}"),
        ],
        review: ("/account", "Review your passkeys"),
        if_not_you: None,
    }
}
