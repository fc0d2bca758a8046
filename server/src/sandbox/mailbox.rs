//! The sandbox mailbox at `/sandbox/mail`: with no SMTP server configured,
//! the mail the storefront would send is kept here, newest first, each
//! message with its links clickable, and every page says it was not sent.
//! It holds every account's reset and confirmation links, so it answers only
//! a browser on the server's own machine: a loopback peer whose request
//! names no other client (a proxy on the same machine adds `Forwarded` or
//! `X-Forwarded-For`, and a request through it is refused).

use super::sandbox_page;
use crate::actor::address_label;
use app::mail::ssr::outbox::{self, SandboxMessage};
use app::support::security_events::SecurityEvent;
use app::support::time::{moment, rfc3339, time_label};
use axum::Router;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use leptos::prelude::*;
use sqlx::AnyPool;
use std::net::SocketAddr;
use std::sync::Arc;

/// Where the mailbox is mounted in the storefront's router.
pub const PREFIX: &str = "/sandbox/mail";
/// The mailbox shows this many of the newest messages.
const SHOWN: i64 = 50;
const BANNER: (&str, &str) = (
    "Sandbox — not sent.",
    " No SMTP server is configured, so mail is kept here instead of being delivered.",
);

#[derive(Clone)]
struct Mailbox {
    db: AnyPool,
    stylesheet_href: Arc<str>,
}

pub fn router(db: AnyPool, stylesheet_href: Arc<str>) -> Router {
    let mailbox = Mailbox {
        db,
        stylesheet_href,
    };
    Router::new()
        .route("/", get(inbox))
        .route("/{id}/html", get(html_part))
        .route_layer(from_fn_with_state(mailbox.clone(), same_machine_only))
        .with_state(mailbox)
}

/// Headers a proxy adds to say whom it forwards for.
const FORWARDING_HEADERS: [&str; 3] = ["forwarded", "x-forwarded-for", "x-real-ip"];

/// Lets through a request from this machine that no proxy forwarded;
/// anything else gets a page saying why it was refused.
async fn same_machine_only(
    State(mailbox): State<Mailbox>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let forwarded = FORWARDING_HEADERS
        .iter()
        .any(|name| request.headers().contains_key(*name));
    if peer.is_some_and(|ip| ip.to_canonical().is_loopback()) && !forwarded {
        return next.run(request).await;
    }
    let from = if forwarded {
        "through a proxy".to_owned()
    } else {
        format!("from {}", address_label(peer))
    };
    SecurityEvent::failure("sandbox_mailbox", "not_same_machine", &address_label(peer)).log();
    let body = view! {
        <h1>"The sandbox mailbox is not open to you"</h1>
        <p>{format!(
            "It keeps every account's mail, reset and confirmation links included, so it answers only a browser on the server's own machine (a loopback address, not through a proxy). This request came {from}."
        )}</p>
        <p>"Open it on the server itself, e.g. http://localhost:8081/sandbox/mail, or configure SMTP_URL so mail is delivered."</p>
    };
    sandbox_page(
        &mailbox.stylesheet_href,
        StatusCode::FORBIDDEN,
        "Mailbox closed",
        BANNER,
        body.into_any(),
    )
}

async fn inbox(State(mailbox): State<Mailbox>) -> Response {
    let messages = match outbox::sandbox_messages(&mailbox.db, SHOWN).await {
        Ok(messages) => messages,
        Err(err) => return unavailable(&mailbox, err),
    };
    let body = if messages.is_empty() {
        view! {
            <h1>"Sandbox mailbox"</h1>
            <p>"No mail yet. Messages appear here as soon as the storefront sends them."</p>
        }
        .into_any()
    } else {
        let count = messages.len();
        view! {
            <h1>"Sandbox mailbox"</h1>
            <p>{format!("The newest {count} messages, newest first.")}</p>
            {messages.into_iter().map(message_view).collect_view()}
        }
        .into_any()
    };
    sandbox_page(
        &mailbox.stylesheet_href,
        StatusCode::OK,
        "Mailbox",
        BANNER,
        body,
    )
}

fn message_view(message: SandboxMessage) -> impl IntoView {
    let delivered = moment(message.delivered_at);
    let html_href = format!("{PREFIX}/{}/html", message.id);
    let label = message.subject.clone();
    view! {
        <article class="sandbox-mail" aria-label=label>
            <h2>{message.subject}</h2>
            <dl class="sandbox-mail__headers">
                <dt>"To"</dt>
                <dd data-testid="mail-to">{message.recipient}</dd>
                <dt>"From"</dt>
                <dd>{message.sender}</dd>
                <dt>"Kept"</dt>
                <dd><time datetime=rfc3339(delivered)>{time_label(delivered).text}</time></dd>
            </dl>
            <pre class="sandbox-mail__text">{linked(&message.text_body)}</pre>
            <p><a href=html_href>"View the HTML part"</a></p>
        </article>
    }
}

/// `text` with every http(s) address made a link.
fn linked(text: &str) -> Vec<AnyView> {
    let mut pieces = Vec::new();
    let mut plain = String::new();
    for word in text.split_inclusive(char::is_whitespace) {
        let address = word.trim_end();
        if address.starts_with("https://") || address.starts_with("http://") {
            if !plain.is_empty() {
                pieces.push(std::mem::take(&mut plain).into_any());
            }
            let trailing = word[address.len()..].to_owned();
            let (href, address) = (address.to_owned(), address.to_owned());
            pieces.push(view! { <a href=href>{address}</a> }.into_any());
            plain.push_str(&trailing);
        } else {
            plain.push_str(word);
        }
    }
    if !plain.is_empty() {
        pieces.push(plain.into_any());
    }
    pieces
}

/// The message's HTML part as its own document, with no script allowed to run.
async fn html_part(State(mailbox): State<Mailbox>, Path(id): Path<String>) -> Response {
    match outbox::sandbox_message(&mailbox.db, &id).await {
        Ok(Some(message)) => (
            [
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-ancestors 'none'"),
                ),
            ],
            Html(message.html_body),
        )
            .into_response(),
        Ok(None) => {
            let body = view! {
                <h1>"No such message"</h1>
                <p><a href=PREFIX>"Back to the mailbox"</a></p>
            };
            sandbox_page(&mailbox.stylesheet_href, StatusCode::NOT_FOUND, "No such message", BANNER, body.into_any())
        }
        Err(err) => unavailable(&mailbox, err),
    }
}

fn unavailable(mailbox: &Mailbox, err: sqlx::Error) -> Response {
    tracing::error!("sandbox mailbox: {err}");
    let body = view! {
        <h1>"Something went wrong"</h1>
        <p>"The mailbox could not reach its database. Reload the page to try again."</p>
    };
    sandbox_page(
        &mailbox.stylesheet_href,
        StatusCode::SERVICE_UNAVAILABLE,
        "Mailbox unavailable",
        BANNER,
        body.into_any(),
    )
}
