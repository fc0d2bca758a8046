//! The confirmations a page shows once after a change ("Your name is
//! saved."). The change's answer sends the browser to the page with the
//! notice in the address (`/account?saved=name`), so that a form posted
//! without JavaScript, a server function called with it and `/passkey.js`
//! (which follows the answer's `Location`) all end the same way; the page
//! reads it back with `NoticeFromAddress`. One list: a notice cannot be
//! sent that no page can show. The account page's notices travel as
//! `?saved=`, the keys page's as `?changed=`.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    NameSaved,
    PasswordChanged,
    OtherSessionsEnded,
    SessionEnded,
    EmailConfirmed,
    EmailChangeRequested,
    EmailChangeCancelled,
    EmailChanged,
    PasskeyAdded,
    PasskeyRemoved,
    TwoFactorOff,
    KeyRevoked,
    KeyDisabled,
    KeyEnabled,
    KeyGraceEnded,
    KeyNetworksSaved,
}

impl Notice {
    const ALL: [Notice; 16] = [
        Self::NameSaved,
        Self::PasswordChanged,
        Self::OtherSessionsEnded,
        Self::SessionEnded,
        Self::EmailConfirmed,
        Self::EmailChangeRequested,
        Self::EmailChangeCancelled,
        Self::EmailChanged,
        Self::PasskeyAdded,
        Self::PasskeyRemoved,
        Self::TwoFactorOff,
        Self::KeyRevoked,
        Self::KeyDisabled,
        Self::KeyEnabled,
        Self::KeyGraceEnded,
        Self::KeyNetworksSaved,
    ];

    /// Its name in the address.
    fn slug(self) -> &'static str {
        match self {
            Self::NameSaved => "name",
            Self::PasswordChanged => "password",
            Self::OtherSessionsEnded => "sessions",
            Self::SessionEnded => "session-ended",
            Self::EmailConfirmed => "email-confirmed",
            Self::EmailChangeRequested => "email-change",
            Self::EmailChangeCancelled => "email-change-cancelled",
            Self::EmailChanged => "email-changed",
            Self::PasskeyAdded => "passkey-added",
            Self::PasskeyRemoved => "passkey-removed",
            Self::TwoFactorOff => "two-factor-off",
            Self::KeyRevoked => "revoked",
            Self::KeyDisabled => "disabled",
            Self::KeyEnabled => "enabled",
            Self::KeyGraceEnded => "grace",
            Self::KeyNetworksSaved => "networks",
        }
    }

    /// The page that shows it, and the query parameter it travels in there.
    fn page(self) -> (&'static str, &'static str) {
        match self {
            Self::KeyRevoked
            | Self::KeyDisabled
            | Self::KeyEnabled
            | Self::KeyGraceEnded
            | Self::KeyNetworksSaved => ("/keys", "changed"),
            _ => ("/account", "saved"),
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Self::NameSaved => "Your name is saved.",
            Self::PasswordChanged => {
                "Your password is changed. Every other session was signed out."
            }
            Self::OtherSessionsEnded => "Every other session was signed out.",
            Self::SessionEnded => "The session is ended: that device is signed out.",
            Self::EmailConfirmed => {
                "Your e-mail address is confirmed. You can create API keys now."
            }
            Self::EmailChangeRequested => {
                "Check the new address's inbox: the change is made when you open the link we sent there."
            }
            Self::EmailChangeCancelled => {
                "The e-mail change is cancelled: its link no longer works."
            }
            Self::EmailChanged => {
                "Your e-mail address is changed. Sign in with the new one from now on."
            }
            Self::PasskeyAdded => "The passkey is added: you can sign in with it now.",
            Self::PasskeyRemoved => "The passkey is removed: it no longer signs you in.",
            Self::TwoFactorOff => "Two-step verification is off: your password alone signs you in.",
            Self::KeyRevoked => "The key is revoked: it stops working at once.",
            Self::KeyDisabled => "The key is disabled: it answers 401 until you enable it again.",
            Self::KeyEnabled => "The key is enabled again.",
            Self::KeyGraceEnded => {
                "The old secret has stopped working. Only the new one works now."
            }
            Self::KeyNetworksSaved => "The key's allowed networks are saved.",
        }
    }

    /// Where to send the browser: its page, saying this.
    pub fn url(self) -> String {
        let (page, parameter) = self.page();
        format!("{page}?{parameter}={}", self.slug())
    }

    /// The notice `page`'s address names in `query`, if any.
    fn in_address(page: &str, query: &leptos_router::params::ParamsMap) -> Option<Self> {
        Self::ALL.into_iter().find(|notice| {
            let (its_page, parameter) = notice.page();
            its_page == page && query.get_str(parameter) == Some(notice.slug())
        })
    }
}

/// The notice this page's address carries, if it is one of `page`'s.
/// Tracked: a client-side navigation to `?saved=…` shows it at once.
#[component]
pub fn NoticeFromAddress(page: &'static str) -> impl IntoView {
    let query = use_query_map();
    move || {
        query
            .with(|query| Notice::in_address(page, query))
            .map(|notice| view! { <p class="notice" role="status">{notice.text()}</p> })
    }
}

#[cfg(test)]
mod tests {
    use super::Notice;

    use leptos_router::params::ParamsMap;

    #[test]
    fn every_notice_is_found_again_from_its_own_url_on_its_own_page_only() {
        for notice in Notice::ALL {
            let url = notice.url();
            let (page, query) = url.split_once('?').unwrap();
            let (parameter, slug) = query.split_once('=').unwrap();
            let mut params = ParamsMap::new();
            params.insert(parameter.to_owned(), slug.to_owned());
            assert_eq!(Notice::in_address(page, &params), Some(notice), "{url}");
            let other = if page == "/keys" { "/account" } else { "/keys" };
            assert_eq!(Notice::in_address(other, &params), None, "{url}");
        }
    }
}
