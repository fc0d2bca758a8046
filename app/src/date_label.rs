//! Dates as pages show them, shared by every capability.

use serde::{Deserialize, Serialize};

/// A date as pages show it, formatted on the server so the browser bundle
/// carries no calendar code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DateLabel {
    /// RFC 3339, for `<time datetime>`.
    pub iso: String,
    /// "21 December 2026" (or "21 December 2026, 09:30 UTC" for a time).
    pub text: String,
    /// For tables: "21 Dec" this year, "21 Dec 2025" before (with
    /// ", 09:30" for a time); `text` is its title.
    pub short: String,
}

/// A date in a table or a list: short, with the whole date and time on
/// hover (its `title`) and for machines (`datetime`).
#[leptos::component]
pub fn ShortDate(date: DateLabel) -> impl leptos::IntoView {
    use leptos::prelude::*;
    view! { <time datetime=date.iso title=date.text>{date.short}</time> }
}
