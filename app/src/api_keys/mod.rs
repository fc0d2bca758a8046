//! API keys: created (shown once), listed masked, revoked; and the lookup
//! the `/v1` API and other Tracepipe services authenticate with.

pub mod pages;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::billing::DateLabel;
use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// A key as lists show it: never the key itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// "tp_live_a1B2…o5P6".
    pub masked: String,
    pub created: DateLabel,
    pub last_used: Option<DateLabel>,
}

/// The answer to creating a key: the only time the key is ever shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedKey {
    pub key: String,
    pub view: ApiKeyView,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyList {
    pub keys: Vec<ApiKeyView>,
    /// Whether the user may create keys (an active plan); None while the
    /// Payment MS cannot be asked.
    pub subscribed: Option<bool>,
    /// Creating a key needs the password again first (signed in long ago).
    pub reauth_needed: bool,
    pub max_active: usize,
}

/// The result of a key form posted without JavaScript, handed to the page
/// rendered in answer to that post.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyFormOutcome(pub Result<CreatedKey, AppError>);
