//! Who is acting in a request: a visitor, a person signed in, or an API
//! key; with the client's address and the request's id.
//!
//! The server builds one `Actor` per request (`server/src/actor.rs`: from
//! the session cookie on the site, from `X-API-Key` on `/v1`). Server
//! functions take it with `Actor::current()`, axum handlers with the `Actor`
//! extractor, and every service takes it and checks its own rules from it
//! (signed in, permission, confirmed address, recent confirmation, key
//! containment), so no door can skip one. The organizations issue adds "in
//! which organization, with which role" here.

use serde::{Deserialize, Serialize};

/// The signed-in user as pages see them. Never carries secrets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// Whether `email` was proven by its confirmation link (API keys need it).
    pub email_verified: bool,
}

#[cfg(feature = "ssr")]
pub use server_side::*;

#[cfg(feature = "ssr")]
mod server_side {
    use super::CurrentUser;
    use crate::error::AppError;
    use crate::permissions::{Needed, Permissions};
    use crate::support::networks::Networks;
    use axum::extract::FromRequestParts;
    use axum::http::request::Parts;

    /// One request's actor.
    #[derive(Clone, Debug)]
    pub struct Actor {
        pub identity: Identity,
        /// The client's address as records, logs and messages show it
        /// ("unknown" for a request that came over no socket).
        pub client: String,
        /// The request's id (its `X-Request-Id`).
        pub request_id: Option<String>,
    }

    /// Who it is.
    #[derive(Clone, Debug)]
    pub enum Identity {
        /// Nobody signed in and no key.
        Visitor,
        /// A session cookie that could not be checked (the database did not
        /// answer): treated as signed out, and answered 503 where a session
        /// is needed (`server/src/middleware/session_outage.rs`).
        Unresolved,
        /// A person, signed in.
        Person(Session),
        /// An API key, on `/v1`.
        Key(ActingKey),
    }

    /// A resolved session: who is signed in, and which session it is.
    #[derive(Clone, Debug)]
    pub struct Session {
        pub user: CurrentUser,
        pub token_hash: String,
        /// Names the session on /account (never the token or its hash).
        pub public_id: String,
        /// When its user last signed in or entered the password again.
        pub authenticated_at: i64,
        /// Checkouts the user started plus those they returned from, on any
        /// instance: when it changes, the user may have just gained a plan.
        pub checkout_activity: i64,
    }

    /// A valid key: whose it is, and what it may do.
    #[derive(Clone, Debug, PartialEq)]
    pub struct ActingKey {
        pub key_id: String,
        pub user_id: String,
        pub display_name: String,
        pub last_used_at: Option<i64>,
        pub permissions: Permissions,
        pub expires_at: Option<i64>,
        pub networks: Networks,
        /// Presented with the secret before the last roll, still in its grace
        /// period: it works, but may not manage keys.
        pub in_grace: bool,
    }

    impl Actor {
        /// Nobody, from `client`: before the server knows more, and outside
        /// its middleware.
        pub fn visitor(client: String, request_id: Option<String>) -> Self {
            Self {
                identity: Identity::Visitor,
                client,
                request_id,
            }
        }

        /// The actor of the request a server function or page is answering
        /// (a visitor from "unknown" outside one: nobody may do anything).
        pub fn current() -> Self {
            leptos::prelude::use_context::<Parts>()
                .and_then(|parts| parts.extensions.get::<Self>().cloned())
                .unwrap_or_else(|| Self::visitor("unknown".to_owned(), None))
        }

        /// The person's session; `SignedOut` for anyone else (a key never
        /// acts as a person: the account's settings are theirs alone).
        pub fn session(&self) -> Result<&Session, AppError> {
            self.signed_in().ok_or(AppError::SignedOut)
        }

        /// The person's session, if a person is acting.
        pub fn signed_in(&self) -> Option<&Session> {
            match &self.identity {
                Identity::Person(session) => Some(session),
                _ => None,
            }
        }

        /// The key acting, if one is.
        pub fn key(&self) -> Option<&ActingKey> {
            match &self.identity {
                Identity::Key(key) => Some(key),
                _ => None,
            }
        }

        /// The account acting may do `needed`: its person may do anything
        /// to it, a key what its permissions allow, a visitor nothing.
        /// Answers the account's id.
        pub fn may(&self, needed: Needed) -> Result<&str, AppError> {
            match &self.identity {
                Identity::Person(session) => Ok(&session.user.id),
                Identity::Key(key) if key.permissions.allows(needed) => Ok(&key.user_id),
                Identity::Key(_) => Err(AppError::MissingPermission(needed.to_string())),
                Identity::Visitor | Identity::Unresolved => Err(AppError::SignedOut),
            }
        }
    }

    /// For axum handlers (`/v1`, the no-JavaScript forms): the actor the
    /// server's middleware put on the request.
    impl<S: Send + Sync> FromRequestParts<S> for Actor {
        type Rejection = std::convert::Infallible;

        async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
            Ok(parts
                .extensions
                .get::<Self>()
                .cloned()
                .unwrap_or_else(|| Self::visitor("unknown".to_owned(), None)))
        }
    }
}
