//! The one error type every server function returns: each variant is a
//! message a person can act on, and (on the server) an HTTP status.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A form field a validation message belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Email,
    Password,
    DisplayName,
    CurrentPassword,
    NewPassword,
    /// The address an account is switching to.
    NewEmail,
    /// The plan a checkout asks for.
    Plan,
    /// An API key's name.
    KeyName,
    /// An authenticator or recovery code.
    Code,
    /// What a passkey is called on the account page.
    PasskeyName,
    /// An API key's permissions.
    KeyAccess,
    /// When an API key expires.
    KeyExpiry,
    /// The networks an API key may be used from.
    KeyNetworks,
    /// How long a rolled key's old secret keeps working.
    GracePeriod,
}

/// A specific, user-facing reason one field was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl FieldError {
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// One field was refused; forms show the message next to it.
    #[error("{}", .0.message)]
    Invalid(FieldError),
    /// Wrong e-mail or wrong password: deliberately one message for both.
    #[error("That e-mail and password don't match an account.")]
    BadCredentials,
    #[error("Too many sign-in attempts. Wait {} and try again.", wait_label(*.retry_after_secs))]
    Throttled { retry_after_secs: i64 },
    #[error("Your session has ended. Sign in again to continue.")]
    SignedOut,
    /// A sensitive change (creating an API key) long after the last sign-in.
    #[error("For your security, confirm it’s you first: you signed in a while ago.")]
    ReauthRequired,
    /// Too many links (reset, confirmation) mailed for one address, one
    /// account or from one network: nobody can flood a mailbox.
    #[error("Too many e-mails were asked for in a short time. Wait {} and try again.", wait_label(*.retry_after_secs))]
    MailThrottled { retry_after_secs: i64 },
    /// A reset link that expired, was used, or was replaced by a newer one.
    #[error("This reset link has expired or was already used. Ask for a new one.")]
    ResetLinkUnusable,
    /// A confirmation link that expired, was used, or was replaced by a newer one.
    #[error(
        "This confirmation link has expired or was already used. Send a new one from your account page."
    )]
    EmailLinkUnusable,
    /// Keys are only made for accounts whose address is proven, so that
    /// security notices about them reach their owner.
    #[error(
        "Confirm your e-mail address first: creating API keys needs it. Use the link we sent you, or send a new one from your account page."
    )]
    EmailUnverified,
    /// A passkey or an authenticator needs a proven address: otherwise
    /// whoever registered someone else's address could tie their own
    /// sign-in methods to the account before its owner claims it.
    #[error(
        "Confirm your e-mail address first: adding a passkey or an authenticator app needs it. Use the link we sent you, or send a new one from your account page."
    )]
    AddressUnconfirmed,
    /// The address an account was switching to was taken by another account
    /// before the link was used.
    #[error("Another account uses that address now, so your e-mail address was not changed.")]
    EmailTaken,
    /// The request itself was malformed: missing or undecodable fields.
    #[error("The form arrived incomplete ({0}). Reload the page and try again.")]
    BadRequest(String),
    /// The Payment MS failed, hung or refused us; nothing was charged or changed.
    #[error(
        "Our payment provider isn't answering right now, so nothing was charged or changed. Please try again in a minute.{}",
        quoted(.request_id)
    )]
    PaymentUnavailable { request_id: Option<String> },
    /// A second subscription would bill twice: plan changes go through the portal.
    #[error("You already have the {plan_name} plan. To switch plans, use Manage billing.")]
    AlreadySubscribed { plan_name: String },
    /// The portal needs a customer, made by a first checkout.
    #[error(
        "There is no billing account to manage yet: it is created with your first purchase. Choose a plan first."
    )]
    NoBillingAccount,
    /// API keys are for subscribers.
    #[error("Creating API keys needs an active plan. Choose one on the pricing page.")]
    SubscriptionRequired,
    #[error("You already have 20 active keys. Revoke one you no longer use, then create another.")]
    TooManyKeys,
    #[error("That key does not exist or is already revoked.")]
    NoSuchKey,
    /// A key asked for a key (or a change to one) with more power than its own.
    #[error("{0}")]
    KeyEscalation(String),
    /// A key asked for something its permissions do not include (the
    /// permission it needed, as `resource:access`).
    #[error("This key does not have the {0} permission this request needs.")]
    MissingPermission(String),
    #[error("That key has no older secret still working: nothing to stop.")]
    NoGracePeriod,
    /// A roll would stop the secret before the last roll, still in its grace period.
    #[error(
        "The secret before this key's last roll still works until {until}. Rolling again now would stop it at once: tick \"End the grace period of the secret before\" to do that on purpose (end_previous_grace in the API), or roll after it ends."
    )]
    GraceRunning { until: String },
    #[error("That session has already ended.")]
    NoSuchSession,
    #[error("Two-step verification is already on.")]
    TwoFactorAlreadyOn,
    #[error("Two-step verification is not set up. Start setting it up from your account page.")]
    TwoFactorNotSetUp,
    #[error(
        "Passkeys work only when this site is opened by its domain name. Use your password instead."
    )]
    PasskeysUnavailable,
    /// The browser's or authenticator's answer did not check out (or the
    /// ceremony expired); nothing was changed.
    #[error("That passkey did not work. Try again, or use your password.")]
    PasskeyRefused,
    #[error("That passkey does not exist or was already removed.")]
    NoSuchPasskey,
    /// The second step of a sign-in waited too long, or was already used.
    #[error("That sign-in waited too long for its code. Sign in again with your password.")]
    SecondStepExpired,
    /// Deleting an account leaves its subscription with the Payment MS, which
    /// would go on billing: it has to be cancelled first.
    #[error(
        "Your {plan_name} plan is still active. Cancel it in Manage billing first, then delete your account."
    )]
    SubscriptionStillActive { plan_name: String },
    /// Over the per-client limit on state-changing requests.
    #[error(
        "Too many changes from your network in a short time. Wait {retry_after_secs} seconds and try again."
    )]
    TooManyRequests { retry_after_secs: i64 },
    /// A dependency failed; nothing was changed.
    #[error(
        "Something went wrong on our side and nothing was changed. Please try again in a moment.{}",
        quoted(.request_id)
    )]
    Unavailable { request_id: Option<String> },
}

/// The failed request's id, for a person to quote to support: the same id
/// as in our logs and the answer's `X-Request-Id`.
fn quoted(request_id: &Option<String>) -> String {
    request_id
        .as_deref()
        .map(|id| format!(" If it keeps happening, quote request id {id} when you contact us."))
        .unwrap_or_default()
}

fn wait_label(seconds: i64) -> String {
    match seconds {
        ..=1 => "a second".to_owned(),
        2..=59 => format!("{seconds} seconds"),
        60 => "a minute".to_owned(),
        _ => format!("{} minutes", (seconds + 59) / 60),
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(reason)
            | ServerFnErrorErr::MissingArg(reason)
            | ServerFnErrorErr::Deserialization(reason) => Self::BadRequest(reason),
            _ => Self::Unavailable { request_id: None },
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadCredentials
            | Self::SignedOut
            | Self::SecondStepExpired
            | Self::PasskeyRefused => StatusCode::UNAUTHORIZED,
            Self::Throttled { .. } | Self::TooManyRequests { .. } | Self::MailThrottled { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::ResetLinkUnusable | Self::EmailLinkUnusable => StatusCode::GONE,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::AlreadySubscribed { .. }
            | Self::SubscriptionStillActive { .. }
            | Self::NoBillingAccount
            | Self::TooManyKeys
            | Self::EmailTaken
            | Self::TwoFactorAlreadyOn
            | Self::TwoFactorNotSetUp
            | Self::PasskeysUnavailable
            | Self::GraceRunning { .. } => StatusCode::CONFLICT,
            Self::SubscriptionRequired
            | Self::EmailUnverified
            | Self::AddressUnconfirmed
            | Self::ReauthRequired
            | Self::KeyEscalation(_)
            | Self::MissingPermission(_) => StatusCode::FORBIDDEN,
            Self::NoSuchKey | Self::NoSuchSession | Self::NoSuchPasskey | Self::NoGracePeriod => {
                StatusCode::NOT_FOUND
            }
            Self::Unavailable { .. } | Self::PaymentUnavailable { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    /// Seconds to wait before trying again, where waiting is the remedy
    /// (sent as `Retry-After`; the messages say the same in words).
    pub fn retry_after_secs(&self) -> Option<i64> {
        match self {
            Self::Throttled { retry_after_secs }
            | Self::TooManyRequests { retry_after_secs }
            | Self::MailThrottled { retry_after_secs } => Some(*retry_after_secs),
            Self::Unavailable { .. } => Some(5),
            Self::PaymentUnavailable { .. } => Some(60),
            _ => None,
        }
    }

    /// For `map_err` on a failed dependency (database, hashing): logs what
    /// failed, once, here, and answers `Unavailable` (nothing was changed).
    #[cfg(feature = "ssr")]
    pub fn dependency_failed<E: std::fmt::Display>(
        what: &'static str,
    ) -> impl Fn(E) -> Self + Copy {
        move |err| {
            tracing::error!("{what}: {err}");
            Self::unavailable()
        }
    }

    /// `Unavailable`, naming the request being answered.
    pub fn unavailable() -> Self {
        Self::Unavailable {
            request_id: this_request_id(),
        }
    }

    /// `PaymentUnavailable`, naming the request being answered.
    pub fn payment_unavailable() -> Self {
        Self::PaymentUnavailable {
            request_id: this_request_id(),
        }
    }
}

/// The id the server's request-id layer gave the request a server function
/// or page is answering (in its `X-Request-Id`); none outside one.
#[cfg(feature = "ssr")]
fn this_request_id() -> Option<String> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
    let id = parts
        .extensions
        .get::<crate::support::request::RequestId>()?;
    Some(id.0.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_specific_and_human() {
        assert_eq!(
            AppError::Throttled {
                retry_after_secs: 840
            }
            .to_string(),
            "Too many sign-in attempts. Wait 14 minutes and try again."
        );
        assert_eq!(
            AppError::Throttled {
                retry_after_secs: 5
            }
            .to_string(),
            "Too many sign-in attempts. Wait 5 seconds and try again."
        );
        let failed = AppError::Unavailable {
            request_id: Some("019a7c3e-5b2f-7d40-9c1e-2f6a8b0d4e13".into()),
        };
        assert_eq!(
            failed.to_string(),
            "Something went wrong on our side and nothing was changed. Please try again in a moment. \
             If it keeps happening, quote request id 019a7c3e-5b2f-7d40-9c1e-2f6a8b0d4e13 when you contact us."
        );
        let invalid =
            AppError::Invalid(FieldError::new(Field::Email, "Enter your e-mail address."));
        assert_eq!(invalid.to_string(), "Enter your e-mail address.");
    }

    #[test]
    fn undecodable_requests_are_the_client_s_fault() {
        let err =
            AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field `email`".into()));
        assert_eq!(err, AppError::BadRequest("missing field `email`".into()));
        let err = AppError::from_server_fn_error(ServerFnErrorErr::ServerError("db down".into()));
        assert_eq!(err, AppError::Unavailable { request_id: None });
    }
}
