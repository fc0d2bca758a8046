//! The rules of a key's life, one for every door (the /keys page with and
//! without JavaScript, and `/v1`): what a new key may be, who may change
//! which key, views for the page.

use super::{
    CreateKeyError, KeyChange, KeyOwner, KeyRecord, KeySettings, MAX_ACTIVE_KEYS, MAX_GRACE_SECS,
};
use crate::accounts::ssr::{reauth, sessions::Session, users};
use crate::api_keys::{
    Access, ApiKeyView, Expiry, KeyList, NewKeyForm, Permissions, PreviousSecret, ResourceAccess,
};
use crate::error::AppError;
use crate::error::{Field, FieldError};
use crate::payments::ssr::{Freshness, payment_failed};
use crate::state::AppState;
use crate::support::networks::Networks;
use crate::support::time::{date_label, moment, time_label, unix_now};

const DAY: i64 = 86_400;
/// The latest expiry a key may have: five years on.
const MAX_LIFETIME_SECS: i64 = 5 * 365 * DAY;
/// A new key's lifetime when none is chosen.
pub const DEFAULT_LIFETIME_DAYS: i64 = 90;

fn invalid(field: Field, message: impl Into<String>) -> AppError {
    AppError::Invalid(FieldError::new(field, message))
}

pub fn view(record: KeyRecord, now: i64) -> ApiKeyView {
    let expiry = match record.expires_at {
        None => Expiry::Never,
        Some(at) if super::is_expired(Some(at), now) => Expiry::Expired {
            date: time_label(moment(at)),
        },
        Some(at) => Expiry::On {
            date: time_label(moment(at)),
            days_left: (at - now + DAY - 1) / DAY,
        },
    };
    let previous = record
        .previous_until(now)
        .map(|(masked, until)| PreviousSecret {
            masked: masked.to_owned(),
            works_until: time_label(moment(until)),
        });
    ApiKeyView {
        permissions: record.permissions(),
        allowed_networks: record.networks().texts(),
        previous,
        expiry,
        disabled: record.disabled_at.is_some(),
        created: date_label(moment(record.created_at)),
        last_used: record.last_used_at.map(|at| time_label(moment(at))),
        last_used_address: record.last_used_address,
        id: record.id,
        name: record.name,
        masked: record.masked,
    }
}

/// The name rules of the form and of `/v1`: 1–64 characters.
pub fn clean_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if (1..=64).contains(&name.chars().count()) {
        Ok(name.to_owned())
    } else {
        Err(invalid(
            Field::KeyName,
            "Give the key a name of 1 to 64 characters, such as \"laptop\" or \"ci\".",
        ))
    }
}

/// An expiry must lie ahead, and at most five years ahead.
pub fn check_expiry(expires_at: Option<i64>, now: i64) -> Result<Option<i64>, AppError> {
    match expires_at {
        Some(at) if at <= now => Err(invalid(Field::KeyExpiry, "Choose an expiry in the future.")),
        Some(at) if at > now + MAX_LIFETIME_SECS => Err(invalid(
            Field::KeyExpiry,
            "Choose an expiry within five years, or \"never\".",
        )),
        _ => Ok(expires_at),
    }
}

pub fn default_expiry(now: i64) -> i64 {
    now + DEFAULT_LIFETIME_DAYS * DAY
}

pub fn check_networks(text: &str) -> Result<Networks, AppError> {
    Networks::parse(text).map_err(|message| invalid(Field::KeyNetworks, message))
}

pub fn check_grace(grace_secs: i64) -> Result<i64, AppError> {
    if (0..=MAX_GRACE_SECS).contains(&grace_secs) {
        Ok(grace_secs)
    } else {
        Err(invalid(
            Field::GracePeriod,
            "Choose a grace period from none to 7 days (0 to 604800 seconds).",
        ))
    }
}

/// The grace period as a form posts it (seconds, as text).
pub fn grace_from_form(text: &str) -> Result<i64, AppError> {
    check_grace(text.trim().parse().unwrap_or(-1))
}

/// Reads the create-key form, each wrong value refused with a message for
/// its field.
pub fn settings_from_form(form: &NewKeyForm, now: i64) -> Result<KeySettings, AppError> {
    let name = clean_name(&form.name)?;
    let level = |text: &str| {
        Access::parse(text).ok_or_else(|| {
            invalid(
                Field::KeyAccess,
                "Choose none, read or write for each resource.",
            )
        })
    };
    let permissions = match form.access.as_str() {
        "" | "full" => Permissions::Full,
        "read_only" => Permissions::ReadOnly,
        "restricted" => Permissions::Restricted(ResourceAccess {
            account: level(&form.account)?,
            api_keys: level(&form.api_keys)?,
            usage: level(&form.usage)?,
        }),
        _ => {
            return Err(invalid(
                Field::KeyAccess,
                "Choose full access, read only, or restricted.",
            ));
        }
    };
    let expires_at = match form.expires.as_str() {
        "" => Some(default_expiry(now)),
        "never" => None,
        "date" => Some(end_of_day(&form.expires_on)?),
        days => match days.parse::<i64>() {
            Ok(days @ (7 | 30 | 90 | 365)) => Some(now + days * DAY),
            _ => return Err(invalid(Field::KeyExpiry, "Choose when the key expires.")),
        },
    };
    Ok(KeySettings {
        name,
        permissions,
        expires_at: check_expiry(expires_at, now)?,
        networks: check_networks(&form.allowed_networks)?,
    })
}

/// The first moment after `date` (`YYYY-MM-DD`, UTC): a key "expiring on"
/// a date works through that day.
fn end_of_day(date: &str) -> Result<i64, AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(date.trim(), &format)
        .map_err(|_| invalid(Field::KeyExpiry, "Enter the expiry date as YYYY-MM-DD."))?;
    Ok(day.midnight().assume_utc().unix_timestamp() + DAY)
}

pub async fn list(state: &AppState, session: &Session) -> Result<KeyList, AppError> {
    let user_id = &session.user.id;
    let records = super::list(&state.db, user_id)
        .await
        .map_err(AppError::dependency_failed("listing keys"))?;
    let subscribed = state
        .payments
        .active_plan_for_page(&state.catalog, &session.user.id, session.checkout_activity)
        .await;
    let now = unix_now();
    Ok(KeyList {
        keys: records
            .into_iter()
            .map(|record| view(record, now))
            .collect(),
        subscribed,
        reauth_needed: !reauth::is_recent(state, session),
        max_active: MAX_ACTIVE_KEYS as usize,
        allowance: state.key_allowance,
    })
}

/// The user's keys that expire within 7 days (or have expired), for the
/// dashboard's notice.
pub async fn expiring_soon(
    state: &AppState,
    session: &Session,
) -> Result<Vec<ApiKeyView>, AppError> {
    let records = super::list(&state.db, &session.user.id)
        .await
        .map_err(AppError::dependency_failed("listing expiring keys"))?;
    let now = unix_now();
    Ok(records
        .into_iter()
        .map(|record| view(record, now))
        .filter(|key| key.expiry.is_soon())
        .collect())
}

/// Creates a key for a subscriber, through either door: one rule, a
/// confirmed e-mail address (so that the key's notices reach its owner), an
/// active plan, and for a key that makes one, no more power than its own.
/// The key is in the answer and nowhere else.
pub async fn create(
    state: &AppState,
    caller: Caller<'_>,
    settings: &KeySettings,
    client: &str,
) -> Result<(KeyRecord, String), AppError> {
    caller.contain(settings)?;
    let user_id = caller.user_id();
    let verified = users::find_by_id(&state.db, user_id)
        .await
        .map_err(AppError::dependency_failed(
            "creating a key (address check)",
        ))?
        .is_some_and(|user| user.email_verified_at.is_some());
    if !verified {
        return Err(AppError::EmailUnverified);
    }
    let subscribed = state
        .payments
        .subscription(&state.catalog, user_id, Freshness::Cached)
        .await
        .or_else(|err| payment_failed("creating a key (status check)", err))?
        .is_some_and(|current| current.is_active());
    if !subscribed {
        return Err(AppError::SubscriptionRequired);
    }
    let created = super::create(&state.db, &state.site.public_url, user_id, settings, client).await;
    woken(state, created.map_err(created_error))
}

fn created_error(err: CreateKeyError) -> AppError {
    match err {
        CreateKeyError::TooMany => AppError::TooManyKeys,
        err => AppError::dependency_failed("storing a key")(err),
    }
}

/// Wakes the mailer after a change that queued a notice.
fn woken<T>(state: &AppState, result: Result<T, AppError>) -> Result<T, AppError> {
    if result.is_ok() {
        state.mailer.wake();
    }
    result
}

/// `create`, asked from the /keys page (with or without JavaScript): a
/// session must have signed in (or confirmed its password) recently, so a
/// borrowed or stolen session cannot mint keys.
pub async fn create_from_page(
    state: &AppState,
    session: &Session,
    form: &NewKeyForm,
    client: &str,
) -> Result<(KeyRecord, String), AppError> {
    reauth::require_recent(state, session)?;
    let settings = settings_from_form(form, unix_now())?;
    create(state, Caller::Owner(session), &settings, client).await
}

/// Who asks for a key or a change to one: its owner, signed in on the page
/// (any of their keys), or one of their keys through `/v1`, which is
/// contained (`contain`).
#[derive(Clone, Copy)]
pub enum Caller<'a> {
    Owner(&'a Session),
    Key(&'a KeyOwner),
}

impl Caller<'_> {
    fn user_id(&self) -> &str {
        match self {
            Self::Owner(session) => &session.user.id,
            Self::Key(owner) => &owner.user_id,
        }
    }

    /// The one rule of what a key may do to a key, checked on what the key
    /// would be after the change (made, changed, rolled, enabled, revoked or
    /// its grace ended): no more access, no network it cannot use itself,
    /// no later expiry than the acting key's. A secret replaced by a roll
    /// (still in its grace period) manages no key at all: whoever holds it
    /// could otherwise roll the key again and cut off the new secret.
    /// The owner, signed in, is not contained.
    fn contain(&self, result: &KeySettings) -> Result<(), AppError> {
        let Self::Key(caller) = self else {
            return Ok(());
        };
        let refuse = |message: &str| Err(AppError::KeyEscalation(message.to_owned()));
        if caller.in_grace {
            return refuse(
                "This secret was replaced by a roll and works only until its grace period ends: it cannot manage keys. Use the key's new secret.",
            );
        }
        if !caller.permissions.covers(&result.permissions) {
            return refuse("This key cannot give a key more access than its own.");
        }
        if let Some(limit) = caller.expires_at
            && result.expires_at.is_none_or(|expiry| expiry > limit)
        {
            return refuse(
                "This key cannot give a key a later expiry than its own: it would outlive the key acting on it.",
            );
        }
        if !caller.networks.covers(&result.networks) {
            return refuse(
                "This key cannot open a key to networks it cannot use itself: list ranges within its own.",
            );
        }
        Ok(())
    }

    /// The caller's key `key_id`, if the caller may act on it as it is.
    async fn target(&self, state: &AppState, key_id: &str) -> Result<KeyRecord, AppError> {
        let record = super::find(&state.db, self.user_id(), key_id)
            .await
            .map_err(AppError::dependency_failed("finding a key"))?
            .ok_or(AppError::NoSuchKey)?;
        self.contain(&record.settings())?;
        Ok(record)
    }
}

/// Rolls a key: a new secret (answered this once) and the same lifetime
/// from now; the old one works for `grace_secs`. An expired key's old
/// secret gets no grace period. While an older secret's grace period runs,
/// a roll would end it at once: refused unless `end_previous_grace`.
pub async fn roll(
    state: &AppState,
    caller: Caller<'_>,
    key_id: &str,
    grace_secs: i64,
    end_previous_grace: bool,
    client: &str,
) -> Result<(KeyRecord, String), AppError> {
    if let Caller::Owner(session) = caller {
        reauth::require_recent(state, session)?;
    }
    let grace_secs = check_grace(grace_secs)?;
    let record = caller.target(state, key_id).await?;
    let now = unix_now();
    caller.contain(&KeySettings {
        expires_at: record.expiry_if_rolled(now),
        ..record.settings()
    })?;
    let grace_secs = if record.expires_at.is_some_and(|at| at <= now) {
        0
    } else {
        grace_secs
    };
    let rolled = super::roll(
        &state.db,
        &state.site.public_url,
        caller.user_id(),
        key_id,
        super::RollOptions {
            grace_secs,
            end_previous_grace,
        },
        client,
    )
    .await
    .map_err(created_error)?;
    let rolled = match rolled {
        super::Rolled::Done(record, key) => Ok((*record, key)),
        super::Rolled::GraceRunning(until) => Err(AppError::GraceRunning {
            until: time_label(moment(until)).text,
        }),
        super::Rolled::NoSuchKey => Err(AppError::NoSuchKey),
    };
    woken(state, rolled)
}

fn done(changed: Result<bool, sqlx::Error>, missing: AppError) -> Result<(), AppError> {
    match changed {
        Ok(true) => Ok(()),
        Ok(false) => Err(missing),
        Err(err) => Err(AppError::dependency_failed("changing a key")(err)),
    }
}

/// Stops the secret before the last roll now.
pub async fn end_grace(
    state: &AppState,
    caller: Caller<'_>,
    key_id: &str,
    client: &str,
) -> Result<(), AppError> {
    caller.target(state, key_id).await?;
    let ended = super::end_grace(&state.db, caller.user_id(), key_id, client).await;
    done(ended, AppError::NoGracePeriod)
}

/// Disables or enables a key and/or replaces its networks: all of it or,
/// refused, none of it.
pub async fn change(
    state: &AppState,
    caller: Caller<'_>,
    key_id: &str,
    change: KeyChange<'_>,
    client: &str,
) -> Result<(), AppError> {
    let record = caller.target(state, key_id).await?;
    if let Some(networks) = change.networks {
        caller.contain(&KeySettings {
            networks: networks.clone(),
            ..record.settings()
        })?;
    }
    let changed = super::change(&state.db, caller.user_id(), key_id, change, client).await;
    done(changed, AppError::NoSuchKey)
}

pub async fn revoke(
    state: &AppState,
    caller: Caller<'_>,
    key_id: &str,
    client: &str,
) -> Result<(), AppError> {
    caller.target(state, key_id).await?;
    let revoked = super::revoke(&state.db, caller.user_id(), key_id, client).await;
    done(revoked, AppError::NoSuchKey)
}
