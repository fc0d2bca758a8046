//! Facts about a request that the server's middleware states, for the code
//! answering it: its id, and whether a browser posted a form without
//! JavaScript. Types only: the server decides them, once.

use std::sync::Arc;

/// The request's id, as its `X-Request-Id` carries it.
#[derive(Clone, Debug)]
pub struct RequestId(pub Arc<str>);

/// A browser posted a form without JavaScript (it sent the page it was on
/// and asks for HTML): a server function answers it with a redirect.
#[derive(Clone, Copy, Debug)]
pub struct PlainFormPost;
