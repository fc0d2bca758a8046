//! The rules of a key's life, one for every door (the /keys page with and
//! without JavaScript, and `/v1`): what a new key may be, who may change
//! which key, views for the page.

use super::{
    CreateKeyError, KeyChange, KeyCheck, KeyRecord, KeySettings, LookupFailed, MAX_ACTIVE_KEYS,
    MAX_GRACE_SECS, Refusal,
};
use crate::accounts::ssr::{reauth, users};
use crate::actor::{ActingKey, Actor};
use crate::api_keys::{
    Access, ApiKeyView, Expiry, KeyList, Needed, NewKeyForm, Permissions, PreviousSecret, Resource,
    ResourceAccess,
};
use crate::error::AppError;
use crate::error::{Field, FieldError};
use crate::payments::ssr::{Freshness, payment_failed};
use crate::state::AppState;
use crate::support::networks::Networks;
use crate::support::time::{date_label, moment, time_label, unix_now};
use std::net::IpAddr;

const DAY: i64 = 86_400;
/// The longest a key may live: five years.
pub const MAX_LIFETIME_DAYS: i64 = 5 * 365;
const MAX_LIFETIME_SECS: i64 = MAX_LIFETIME_DAYS * DAY;
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

/// The expiry `days` from `now`, for 1 day up to the longest lifetime.
pub fn expiry_in_days(days: i64, now: i64) -> Result<i64, AppError> {
    if (1..=MAX_LIFETIME_DAYS).contains(&days) {
        Ok(now + days * DAY)
    } else {
        Err(invalid(
            Field::KeyExpiry,
            format!("Choose from 1 to {MAX_LIFETIME_DAYS} days (five years), or never."),
        ))
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

/// The /keys page: one page of a person's keys as `view` asks, with what
/// the page needs around them.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    view: &crate::api_keys::table::TableView,
) -> Result<KeyList, AppError> {
    let session = actor.session()?;
    let user_id = &session.user.id;
    let records = super::list(&state.db, user_id)
        .await
        .map_err(AppError::dependency_failed("listing keys"))?;
    let subscribed = state
        .payments
        .active_plan_for_page(&state.catalog, &session.user.id, session.checkout_activity)
        .await;
    let now = unix_now();
    let keys = records
        .into_iter()
        .map(|record| self::view(record, now))
        .collect();
    Ok(KeyList {
        table: view.page_of(keys),
        subscribed,
        reauth_needed: !reauth::is_recent(state, session),
        max_active: MAX_ACTIVE_KEYS as usize,
        allowance: state.key_allowance,
    })
}

/// The acting account's keys that are not revoked, newest first (a key
/// needs `api_keys:read`).
pub async fn records(state: &AppState, actor: &Actor) -> Result<Vec<KeyRecord>, AppError> {
    let user_id = actor.may(Needed(Resource::ApiKeys, Access::Read))?;
    super::list(&state.db, user_id)
        .await
        .map_err(AppError::dependency_failed("listing keys"))
}

/// One of the acting account's keys (a key needs `api_keys:read`).
pub async fn record(state: &AppState, actor: &Actor, key_id: &str) -> Result<KeyRecord, AppError> {
    let user_id = actor.may(Needed(Resource::ApiKeys, Access::Read))?;
    super::find(&state.db, user_id, key_id)
        .await
        .map_err(AppError::dependency_failed("reading a key"))?
        .ok_or(AppError::NoSuchKey)
}

/// The user's keys that expire within 7 days (or have expired), for the
/// dashboard's notice.
pub async fn expiring_soon(state: &AppState, actor: &Actor) -> Result<Vec<ApiKeyView>, AppError> {
    let records = super::list(&state.db, &actor.session()?.user.id)
        .await
        .map_err(AppError::dependency_failed("listing expiring keys"))?;
    let now = unix_now();
    Ok(records
        .into_iter()
        .map(|record| view(record, now))
        .filter(|key| key.expiry.is_soon())
        .collect())
}

/// Who may make or roll keys, asked before anything else: a person who
/// proved who they are recently (so a borrowed or stolen session cannot
/// mint keys), or a key allowed to write keys. Answers the account's id.
fn may_issue<'a>(state: &AppState, actor: &'a Actor) -> Result<&'a str, AppError> {
    let user_id = actor.may(Needed(Resource::ApiKeys, Access::Write))?;
    if let Some(session) = actor.signed_in() {
        reauth::require_recent(state, session)?;
    }
    Ok(user_id)
}

/// Creates a key for a subscriber, through either door: one rule, a
/// confirmed e-mail address (so that the key's notices reach its owner), an
/// active plan, and for a key that makes one, no more power than its own.
/// The key is in the answer and nowhere else.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    settings: &KeySettings,
) -> Result<(KeyRecord, String), AppError> {
    let user_id = may_issue(state, actor)?;
    contain(actor, settings)?;
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
    let (public_url, client) = (&state.site.public_url, actor.client.as_str());
    let created = super::create(&state.db, public_url, user_id, settings, client).await;
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

/// `create`, from the /keys page's form (with or without JavaScript).
pub async fn create_from_page(
    state: &AppState,
    actor: &Actor,
    form: &NewKeyForm,
) -> Result<(KeyRecord, String), AppError> {
    may_issue(state, actor)?;
    let settings = settings_from_form(form, unix_now())?;
    create(state, actor, &settings).await
}

/// The one rule of what a key may do to a key, checked on what the key
/// would be after the change (made, changed, rolled, enabled, revoked or
/// its grace ended): no more access, no network it cannot use itself, no
/// later expiry than the acting key's. A secret replaced by a roll (still
/// in its grace period) manages no key at all: whoever holds it could
/// otherwise roll the key again and cut off the new secret. A person, signed
/// in, is not contained: the keys are theirs.
fn contain(actor: &Actor, result: &KeySettings) -> Result<(), AppError> {
    let Some(caller) = actor.key() else {
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

/// The acting account's id and its key `key_id`, if the actor may change
/// that key as it is.
async fn target<'a>(
    state: &AppState,
    actor: &'a Actor,
    key_id: &str,
) -> Result<(&'a str, KeyRecord), AppError> {
    let user_id = actor.may(Needed(Resource::ApiKeys, Access::Write))?;
    let record = super::find(&state.db, user_id, key_id)
        .await
        .map_err(AppError::dependency_failed("finding a key"))?
        .ok_or(AppError::NoSuchKey)?;
    contain(actor, &record.settings())?;
    Ok((user_id, record))
}

/// Rolls a key: a new secret (answered this once) and the same lifetime
/// from now; the old one works for `grace_secs`. An expired key's old
/// secret gets no grace period. While an older secret's grace period runs,
/// a roll would end it at once: refused unless `end_previous_grace`.
pub async fn roll(
    state: &AppState,
    actor: &Actor,
    key_id: &str,
    grace_secs: i64,
    end_previous_grace: bool,
) -> Result<(KeyRecord, String), AppError> {
    may_issue(state, actor)?;
    let grace_secs = check_grace(grace_secs)?;
    let (user_id, record) = target(state, actor, key_id).await?;
    let now = unix_now();
    // A key rolling a key gives it at most its own remaining lifetime, as
    // a key creating one does by default.
    let cap = actor.key().and_then(|key| key.expires_at);
    let expires_at = record
        .expiry_if_rolled(now)
        .map(|at| cap.map_or(at, |cap| at.min(cap)));
    contain(
        actor,
        &KeySettings {
            expires_at,
            ..record.settings()
        },
    )?;
    let grace_secs = if record.expires_at.is_some_and(|at| at <= now) {
        0
    } else {
        grace_secs
    };
    let rolled = super::roll(
        &state.db,
        &state.site.public_url,
        user_id,
        key_id,
        super::RollOptions {
            grace_secs,
            end_previous_grace,
            expires_no_later_than: cap,
        },
        &actor.client,
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

/// Stops the secret before the last roll now. Answers the key's name, as
/// do the other changes below: the page's notice says which key changed.
pub async fn end_grace(state: &AppState, actor: &Actor, key_id: &str) -> Result<String, AppError> {
    let (user_id, record) = target(state, actor, key_id).await?;
    let ended = super::end_grace(&state.db, user_id, key_id, &actor.client).await;
    done(ended, AppError::NoGracePeriod).map(|()| record.name)
}

/// Disables or enables a key and/or replaces its networks: all of it or,
/// refused, none of it.
pub async fn change(
    state: &AppState,
    actor: &Actor,
    key_id: &str,
    change: KeyChange<'_>,
) -> Result<String, AppError> {
    let (user_id, record) = target(state, actor, key_id).await?;
    if let Some(networks) = change.networks {
        contain(
            actor,
            &KeySettings {
                networks: networks.clone(),
                ..record.settings()
            },
        )?;
    }
    let changed = super::change(&state.db, user_id, key_id, change, &actor.client).await;
    done(changed, AppError::NoSuchKey).map(|()| record.name)
}

pub async fn revoke(state: &AppState, actor: &Actor, key_id: &str) -> Result<String, AppError> {
    let (user_id, record) = target(state, actor, key_id).await?;
    let revoked = super::revoke(&state.db, user_id, key_id, &actor.client).await;
    done(revoked, AppError::NoSuchKey).map(|()| record.name)
}

/// Where a key was presented from, as the door knows it.
#[derive(Clone, Copy, Debug)]
pub enum Origin {
    /// The client's address.
    Address(IpAddr),
    /// A request that came over no socket: only a key open to any network
    /// passes.
    Unknown,
    /// Another Tracepipe service asking, which did not say from where.
    Unstated,
}

/// Why a presented key does not act.
#[derive(Debug)]
pub enum KeyDenied {
    /// Malformed, unknown, revoked, disabled or expired (with its id when
    /// it was found, for the security log).
    Refused(Refusal, Option<String>),
    /// Limited to other networks: the key's id, and the address as shown.
    WrongNetwork { key_id: String, address: String },
    /// The key store could not be asked.
    Unavailable(LookupFailed),
}

/// The key `presented` from `origin`, if it may act at all: valid now, and
/// used from one of its networks. Every door that takes keys asks this.
pub async fn authenticate(
    state: &AppState,
    presented: &str,
    origin: Origin,
) -> Result<ActingKey, KeyDenied> {
    let key = match state.key_lookup.check(presented).await {
        Ok(KeyCheck::Valid(key)) => key,
        Ok(KeyCheck::Refused(refusal, key_id)) => return Err(KeyDenied::Refused(refusal, key_id)),
        Err(err) => return Err(KeyDenied::Unavailable(err)),
    };
    let usable = match origin {
        Origin::Address(ip) => key.networks.is_any() || key.networks.allows(ip),
        Origin::Unknown => key.networks.is_any(),
        Origin::Unstated => true,
    };
    if !usable {
        let address = match origin {
            Origin::Address(ip) => ip.to_string(),
            _ => "unknown".to_owned(),
        };
        return Err(KeyDenied::WrongNetwork {
            key_id: key.key_id,
            address,
        });
    }
    Ok(key)
}
