//! The confirmations a page shows once after a change ("Your name is
//! saved."). The change's answer sends the browser to the page with the
//! notice in the address (`/account?saved=name`), so that a form post, a
//! server function called by a script and `/passkey.js` (which follows the
//! answer's `Location`) all end the same way. One list: a notice cannot be
//! sent that no page can show. The account page's notices travel as
//! `?saved=`, the keys page's as `?changed=` with the key's name as `key=`.
//!
//! Shown once: the server (`refused_forms`) moves the notice out of the
//! address into a cookie for one page view and sends the browser to the
//! page's clean address, which shows it with `PageNotice`. A reload shows
//! the page without it.

use leptos::prelude::*;

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
    // Only the server reads notices back (`PageNotice`).
    #[cfg(any(feature = "ssr", test))]
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

    /// What it says; a key's notice names the key (`subject`).
    pub fn text(self, subject: Option<&str>) -> String {
        let quoted = subject.map(|name| format!("\u{201c}{name}\u{201d}"));
        let key = quoted.as_deref().unwrap_or("the key");
        let key_first = quoted.as_deref().unwrap_or("The key");
        match self {
            Self::NameSaved => "Your name is saved.".to_owned(),
            Self::PasswordChanged => {
                "Your password is changed. Every other session was signed out.".to_owned()
            }
            Self::OtherSessionsEnded => "Every other session was signed out.".to_owned(),
            Self::SessionEnded => "The session is ended: that device is signed out.".to_owned(),
            Self::EmailConfirmed => {
                "Your e-mail address is confirmed. You can create API keys now.".to_owned()
            }
            Self::EmailChangeRequested => {
                "Check the new address's inbox: the change is made when you open the link we sent there.".to_owned()
            }
            Self::EmailChangeCancelled => {
                "The e-mail change is cancelled: its link no longer works.".to_owned()
            }
            Self::EmailChanged => {
                "Your e-mail address is changed. Sign in with the new one from now on.".to_owned()
            }
            Self::PasskeyAdded => "The passkey is added: you can sign in with it now.".to_owned(),
            Self::PasskeyRemoved => {
                "The passkey is removed: it no longer signs you in.".to_owned()
            }
            Self::TwoFactorOff => {
                "Two-step verification is off: your password alone signs you in.".to_owned()
            }
            Self::KeyRevoked => {
                format!("{key_first} is revoked: programs that send it get 401 from now on.")
            }
            Self::KeyDisabled => {
                format!("{key_first} is disabled: it answers 401 until you enable it again.")
            }
            Self::KeyEnabled => format!("{key_first} is enabled again."),
            Self::KeyGraceEnded => {
                format!("The old secret of {key} has stopped working. Only the new one works now.")
            }
            Self::KeyNetworksSaved => format!("The allowed IPs of {key} are saved."),
        }
    }

    /// Where to send the browser: its page, saying this.
    pub fn url(self) -> String {
        let (page, parameter) = self.page();
        format!("{page}?{parameter}={}", self.slug())
    }

    /// `url`, naming what it is about (a key's name).
    pub fn url_about(self, subject: &str) -> String {
        format!(
            "{}&{NOTICE_SUBJECT}={}",
            self.url(),
            super::query_value(subject)
        )
    }

    /// The notice `page`'s address names in `query`, if any.
    #[cfg(any(feature = "ssr", test))]
    fn in_address(page: &str, query: &leptos_router::params::ParamsMap) -> Option<Self> {
        Self::ALL.into_iter().find(|notice| {
            let (its_page, parameter) = notice.page();
            its_page == page && query.get_str(parameter) == Some(notice.slug())
        })
    }
}

/// The query parameter that names a notice's subject.
pub const NOTICE_SUBJECT: &str = "key";

/// Every query parameter a notice travels in.
pub const NOTICE_PARAMETERS: [&str; 3] = ["saved", "changed", NOTICE_SUBJECT];

/// The notice this page view carries, if it is one of `page`'s: the server
/// took it out of the address into a cookie for this one view.
#[component]
pub fn PageNotice(page: &'static str) -> impl IntoView {
    carried_notice(page).map(|text| view! { <p class="notice" role="status">{text}</p> })
}

/// The text of the notice this request carries for `page` (see
/// `support::request::carried_notice`).
fn carried_notice(page: &str) -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        let query = crate::support::request::carried_notice()?;
        let mut params = leptos_router::params::ParamsMap::new();
        for (name, value) in query {
            params.insert(name, value);
        }
        Notice::in_address(page, &params).map(|notice| notice.text(params.get_str(NOTICE_SUBJECT)))
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = page;
        None
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

    #[test]
    fn a_key_notice_names_its_key() {
        let url = Notice::KeyDisabled.url_about("ci & deploy");
        assert_eq!(url, "/keys?changed=disabled&key=ci%20%26%20deploy");
        assert_eq!(
            Notice::KeyDisabled.text(Some("ci")),
            "\u{201c}ci\u{201d} is disabled: it answers 401 until you enable it again."
        );
    }
}
