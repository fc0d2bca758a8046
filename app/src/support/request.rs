//! Facts about a request that the server's middleware states, for the code
//! answering it: its id, whether a browser posted a form without
//! JavaScript, and a refused form to show again. The server decides them,
//! once; pages read them here.

use std::sync::Arc;

/// The request's id, as its `X-Request-Id` carries it.
#[derive(Clone, Debug)]
pub struct RequestId(pub Arc<str>);

/// A browser posted a form without JavaScript (it sent the page it was on
/// and asks for HTML): a server function answers it with a redirect.
#[derive(Clone, Copy, Debug)]
pub struct PlainFormPost;

/// A form posted without JavaScript that its server function refused,
/// shown again on the page it came from: the refusal (as the server
/// function's redirect encodes it, `__path` and `__err`) and the values
/// typed, passwords and codes left out. The server carries it across the
/// redirect in a cookie that lives for one page (`refused_forms`), so the
/// address stays the page's own.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RefusedForm {
    /// The server function's path, e.g. `/api/register`.
    pub action: String,
    /// The refusal, encoded as Leptos puts it in `__err`.
    pub error: String,
    pub values: Vec<(String, String)>,
}

impl RefusedForm {
    /// Fields never sent back to the browser: secrets, and one-time codes.
    pub fn keeps(name: &str) -> bool {
        !(name.contains("password") || name == "code" || name.starts_with("__"))
    }

    /// What was typed in the field `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The refused form the page being rendered shows again, from the request.
pub fn refused_form() -> Option<RefusedForm> {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RefusedForm>().cloned())
}

/// A notice a form posted without JavaScript left for the next page view:
/// the notice's parameters of its redirect (`changed=disabled`, `key=ci`),
/// carried in a cookie by the server (`refused_forms`) so that the page's
/// address stays clean and a reload does not say it again.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CarriedNotice(pub Vec<(String, String)>);

/// The notice the page being rendered shows, from the request.
pub fn carried_notice() -> Option<Vec<(String, String)>> {
    leptos::prelude::use_context::<axum::http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<CarriedNotice>()
            .map(|notice| notice.0.clone())
    })
}
