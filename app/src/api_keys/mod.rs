//! API keys with a lifecycle: created with permissions, an expiry and
//! optional allowed networks (shown once), listed masked, rolled with a
//! grace period, disabled and enabled, revoked; and the lookup the `/v1`
//! API and other Tracepipe services authenticate with.

pub mod pages;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod table;

pub use crate::permissions::{Access, Needed, Permissions, Resource, ResourceAccess};

use crate::date_label::DateLabel;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// The pattern of a key in the current format (`ssr::format`), as the
/// quickstart documents it for secret scanners.
pub const KEY_PATTERN: &str = r"\btp_live_sk_[0-9A-Za-z]{36}\b";

/// A key as lists show it: never the key itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// "tp_live_sk_a1B2…o5P6".
    pub masked: String,
    pub created: DateLabel,
    pub last_used: Option<DateLabel>,
    /// The client address of the last recorded use.
    pub last_used_address: Option<String>,
    pub permissions: Permissions,
    pub expiry: Expiry,
    pub disabled: bool,
    /// CIDR ranges; empty: any address.
    pub allowed_networks: Vec<String>,
    /// The secret before the last roll, while its grace period lasts.
    pub previous: Option<PreviousSecret>,
}

/// When a key stops working.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Expiry {
    Never,
    /// `days_left` rounded up: 1 on its last day.
    On {
        date: DateLabel,
        days_left: i64,
    },
    Expired {
        date: DateLabel,
    },
}

impl Expiry {
    /// Expiring within 7 days (or expired): worth a highlight.
    pub fn is_soon(&self) -> bool {
        match self {
            Self::Never => false,
            Self::On { days_left, .. } => *days_left <= 7,
            Self::Expired { .. } => true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreviousSecret {
    pub masked: String,
    pub works_until: DateLabel,
}

/// The answer to creating or rolling a key: the only time the key is ever
/// shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedKey {
    pub key: String,
    pub view: ApiKeyView,
    /// True for a roll (a new secret for a key that existed).
    pub rolled: bool,
}

/// Per-key rate limits of the `/v1` API, as configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAllowance {
    pub reads_per_minute: u32,
    pub changes_per_minute: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyList {
    /// The page of keys the table shows, as its address asks.
    pub table: table::Page,
    /// Whether the user may create keys (an active plan); None while the
    /// Payment MS cannot be asked.
    pub subscribed: Option<bool>,
    /// Creating or rolling a key needs the password again first (signed in
    /// long ago).
    pub reauth_needed: bool,
    pub max_active: usize,
    pub allowance: KeyAllowance,
}

/// What the create-key form posts, with or without JavaScript. Every field
/// is text, read by `ssr::service::settings_from_form`, so that a wrong
/// value is a message next to its field rather than a refused request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewKeyForm {
    pub name: String,
    /// "full", "read_only" or "restricted".
    pub access: String,
    /// For "restricted": "none", "read" or "write" each.
    pub account: String,
    pub api_keys: String,
    pub usage: String,
    /// Days ("7", "30", "90", "365"), "date" (then `expires_on`) or "never".
    pub expires: String,
    /// `YYYY-MM-DD`: the key works through that day (UTC).
    pub expires_on: String,
    /// CIDR ranges separated by spaces, commas or lines; empty: anywhere.
    pub allowed_networks: String,
}

/// The grace periods a roll offers on the page, in seconds.
pub const GRACE_CHOICES: [(i64, &str); 4] = [
    (0, "None: the old secret stops now"),
    (3_600, "1 hour"),
    (86_400, "24 hours"),
    (604_800, "7 days"),
];

/// The result of a key form posted without JavaScript, handed to the page
/// rendered in answer to that post.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyFormOutcome {
    /// A roll (its errors show above the keys), or else a new key (its
    /// errors show in the create form).
    pub roll: bool,
    pub result: Result<CreatedKey, AppError>,
}
