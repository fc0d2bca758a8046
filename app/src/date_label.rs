//! Dates as pages show them, shared by every capability.

use serde::{Deserialize, Serialize};

/// A date as pages show it, formatted on the server so the browser bundle
/// carries no calendar code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DateLabel {
    /// RFC 3339, for `<time datetime>`.
    pub iso: String,
    /// "21 December 2026".
    pub text: String,
}
