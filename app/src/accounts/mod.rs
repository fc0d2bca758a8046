//! Accounts: registration, sign-in, sessions and the account page.

pub mod auth;
pub mod pages;
pub mod passkey_pages;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod signed_out_pages;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod two_factor_pages;

use serde::{Deserialize, Serialize};

/// A new password's length in characters, as the server checks it and the
/// forms ask the browser to check first.
pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// A security event on the activity log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    AccountCreated,
    SignedIn,
    SignInFailed,
    PasswordChanged,
    PasswordReset,
    PasswordResetRequested,
    EmailVerified,
    EmailChangeRequested,
    EmailChanged,
    SignedOutEverywhere,
    SessionEnded,
    KeyCreated,
    KeyRevoked,
    TwoFactorEnabled,
    TwoFactorDisabled,
    RecoveryCodesRegenerated,
    SecondFactorFailed,
    ReauthFailed,
    PasskeyAdded,
    PasskeyRemoved,
    KeyRolled,
    KeyGraceEnded,
    KeyDisabled,
    KeyEnabled,
    KeyNetworksChanged,
}

impl ActivityKind {
    const ALL: [Self; 25] = [
        Self::AccountCreated,
        Self::SignedIn,
        Self::SignInFailed,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::PasswordResetRequested,
        Self::EmailVerified,
        Self::EmailChangeRequested,
        Self::EmailChanged,
        Self::SignedOutEverywhere,
        Self::SessionEnded,
        Self::KeyCreated,
        Self::KeyRevoked,
        Self::TwoFactorEnabled,
        Self::TwoFactorDisabled,
        Self::RecoveryCodesRegenerated,
        Self::SecondFactorFailed,
        Self::ReauthFailed,
        Self::PasskeyAdded,
        Self::PasskeyRemoved,
        Self::KeyRolled,
        Self::KeyGraceEnded,
        Self::KeyDisabled,
        Self::KeyEnabled,
        Self::KeyNetworksChanged,
    ];

    /// How it is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccountCreated => "account_created",
            Self::SignedIn => "signed_in",
            Self::SignInFailed => "sign_in_failed",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::PasswordResetRequested => "password_reset_requested",
            Self::EmailVerified => "email_verified",
            Self::EmailChangeRequested => "email_change_requested",
            Self::EmailChanged => "email_changed",
            Self::SignedOutEverywhere => "signed_out_everywhere",
            Self::SessionEnded => "session_ended",
            Self::KeyCreated => "key_created",
            Self::KeyRevoked => "key_revoked",
            Self::TwoFactorEnabled => "two_factor_enabled",
            Self::TwoFactorDisabled => "two_factor_disabled",
            Self::RecoveryCodesRegenerated => "recovery_codes_regenerated",
            Self::SecondFactorFailed => "second_factor_failed",
            Self::ReauthFailed => "reauth_failed",
            Self::PasskeyAdded => "passkey_added",
            Self::PasskeyRemoved => "passkey_removed",
            Self::KeyRolled => "key_rolled",
            Self::KeyGraceEnded => "key_grace_ended",
            Self::KeyDisabled => "key_disabled",
            Self::KeyEnabled => "key_enabled",
            Self::KeyNetworksChanged => "key_networks_changed",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == stored)
    }

    /// How people read it.
    pub fn label(self) -> &'static str {
        match self {
            Self::AccountCreated => "Account created",
            Self::SignedIn => "Signed in",
            Self::SignInFailed => "Failed sign-in (wrong password)",
            Self::PasswordChanged => "Password changed",
            Self::PasswordReset => "Password reset by e-mail (every session signed out)",
            Self::PasswordResetRequested => "Password reset link asked for",
            Self::EmailVerified => "E-mail address confirmed",
            Self::EmailChangeRequested => "E-mail change asked for, waiting for confirmation",
            Self::EmailChanged => "E-mail address changed",
            Self::SignedOutEverywhere => "Signed out every other session",
            Self::SessionEnded => "Ended a session",
            Self::KeyCreated => "API key created",
            Self::KeyRevoked => "API key revoked",
            Self::TwoFactorEnabled => "Two-step verification turned on",
            Self::TwoFactorDisabled => "Two-step verification turned off",
            Self::RecoveryCodesRegenerated => {
                "New recovery codes made (the old ones stopped working)"
            }
            Self::SecondFactorFailed => "Failed sign-in (wrong code at the second step)",
            Self::ReauthFailed => "Wrong password when confirming it for a sensitive change",
            Self::PasskeyAdded => "Passkey added",
            Self::PasskeyRemoved => "Passkey removed",
            Self::KeyRolled => "API key rolled (new secret)",
            Self::KeyGraceEnded => "API key's old secret stopped",
            Self::KeyDisabled => "API key disabled",
            Self::KeyEnabled => "API key enabled",
            Self::KeyNetworksChanged => "API key's allowed networks changed",
        }
    }
}

/// One row of "Recent activity" on /account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityEntry {
    pub kind: ActivityKind,
    /// What it concerns, e.g. the key's name; may be empty.
    pub detail: String,
    pub client_address: String,
    pub when: crate::date_label::DateLabel,
}

/// What an e-mail confirmation link proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailLinkPurpose {
    /// The account's own address, mailed at registration.
    Verify,
    /// A new address the account is switching to.
    Change,
}

/// A live confirmation link, as its page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailLink {
    pub purpose: EmailLinkPurpose,
    /// The address it confirms.
    pub email: String,
}

/// An e-mail change waiting for its link to be used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingEmailChange {
    pub email: String,
    pub sent: crate::date_label::DateLabel,
}

/// One signed-in session of the user's, as /account lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActiveSession {
    /// Its public id, for the form that ends it.
    pub id: String,
    /// "Firefox on Linux".
    pub device: String,
    pub client_address: String,
    pub signed_in: crate::date_label::DateLabel,
    pub last_active: crate::date_label::DateLabel,
    /// The session this page is shown in.
    pub current: bool,
}

/// The user's second factors, as /account shows them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SecondFactors {
    /// Since when an authenticator app is required (None: off).
    pub authenticator_since: Option<crate::date_label::DateLabel>,
    /// A set-up was started and waits for its first code.
    pub setting_up: bool,
    pub recovery_codes_left: i64,
    /// Passkeys registered (each also confirms who is using a session).
    pub passkeys: i64,
}

/// What setting up an authenticator app shows: the only time its secret
/// leaves the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TotpSetup {
    /// An inline SVG image of the `otpauth://` URL.
    pub qr_svg: String,
    /// The secret in base32, in groups of four, for typing in.
    pub text_key: String,
    pub account: String,
    pub issuer: String,
}

/// The options of a WebAuthn ceremony (JSON for `navigator.credentials`)
/// and the id its answer is posted back with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PasskeyChallenge {
    pub id: String,
    pub options: String,
}

/// One of the user's passkeys, as /account lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PasskeyView {
    /// Its credential id (base64url), for the form that removes it.
    pub id: String,
    pub name: String,
    pub created: crate::date_label::DateLabel,
    pub last_used: Option<crate::date_label::DateLabel>,
}

/// A sign-in waiting for its second step, as `/login/verify` shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitingSignIn {
    pub email: String,
    /// A passkey may stand in for the code.
    pub has_passkeys: bool,
}
