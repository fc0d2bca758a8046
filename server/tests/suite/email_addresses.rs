//! Proving and changing e-mail addresses, against a real SMTP server on
//! loopback: registration mails a link that confirms the address once; API
//! keys need a confirmed address (page and `/v1`); resending replaces the
//! link and is throttled; a change needs the password and the new address's
//! link, keeps the old address until then, tells the old address, and is
//! refused if another account took the address meanwhile (on SQLite and
//! PostgreSQL); a changed password and a deleted account are told by e-mail.

use crate::common;

use axum::http::StatusCode;
use common::api::*;
use common::smtp::{Received, SmtpSink};
use common::*;
use std::time::Duration;

const CONFIRM: &str = "Confirm your e-mail address for Tracepipe";
const CONFIRM_NEW: &str = "Confirm your new e-mail address for Tracepipe";
const CHANGED: &str = "Your e-mail address was changed — Tracepipe";

async fn app_with(sink: &SmtpSink, database: TestDatabase) -> TestApp {
    app_on(database, &[("SMTP_URL", &sink.url())]).await
}

/// The token of the confirmation link in `message` (the same in both parts).
fn token_in(message: &Received) -> String {
    let text = message.text.as_deref().expect("a text part");
    let link = text
        .split_whitespace()
        .find(|word| word.starts_with(&format!("{PUBLIC_URL}/confirm-email?token=")))
        .unwrap_or_else(|| panic!("no confirmation link in {text}"));
    assert!(message.html.as_deref().unwrap().contains(link));
    link.rsplit('=').next().unwrap().to_owned()
}

async fn confirm(app: &TestApp, token: &str, cookie: Option<&str>) -> TestResponse {
    call(
        &app.router,
        "confirm_email",
        &form(&[("token", token)]),
        cookie,
    )
    .await
}

async fn resend(app: &TestApp, cookie: &str) -> TestResponse {
    let body = form(&[("next", "/keys")]);
    call(&app.router, "resend_confirmation", &body, Some(cookie)).await
}

async fn ask_change(app: &TestApp, cookie: &str, new_email: &str, password: &str) -> TestResponse {
    let body = form(&[("new_email", new_email), ("current_password", password)]);
    call(&app.router, "request_email_change", &body, Some(cookie)).await
}

async fn user_id_of(app: &TestApp, email: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn registering_mails_a_link_that_confirms_the_address_once_and_unlocks_keys() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with(&sink, sqlite_database()).await;
    let email = "new-here@example.com";
    let cookie = session_cookie(&register(&app.router, email, "New Here").await);
    let user_id = user_id_of(&app, email).await;
    subscribe(&app, &user_id).await;

    let messages = sink.wait_for_subject(CONFIRM, 1).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].rcpt_to, [email]);
    let token = token_in(&messages[0]);
    assert!(token.len() >= 43, "at least 256 bits");

    let dashboard = page(&app.router, "/dashboard", Some(&cookie)).await;
    assert!(dashboard.body.contains("Confirm your e-mail address."));
    // Both doors to a new key are shut until then, and say why.
    let refused = call(
        &app.router,
        "create_api_key",
        &form(&[("name", "ci")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.body.contains("EmailUnverified"), "{}", refused.body);
    let (_, key) = store_key(&app, &user_id, "old").await;
    let body = Some(("application/json", r#"{"name":"ci"}"#));
    let refused = api(&app.router, "POST", "/v1/api-keys", Some(&key), body).await;
    assert_envelope(&refused, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(
        json_of(&refused)["error"]["details"]["reason"],
        "email_unverified"
    );
    let keys_page = page(&app.router, "/keys", Some(&cookie)).await;
    assert!(
        keys_page
            .body
            .contains("Creating API keys needs a confirmed e-mail address")
    );

    // Opening the link shows what it confirms and uses nothing up.
    for _ in 0..2 {
        let opened = page(&app.router, &format!("/confirm-email?token={token}"), None).await;
        assert_eq!(opened.status, StatusCode::OK);
        assert!(opened.body.contains(&format!("Confirm that {email} is")));
    }
    let stored: (String, i64) =
        sqlx::query_as("SELECT token_hash, expires_at - created_at FROM email_confirmations")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_ne!(stored.0, token, "only a hash is stored");
    assert_eq!(stored.1, 24 * 60 * 60, "valid for 24 hours");

    let done = confirm(&app, &token, Some(&cookie)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.header("location"), "/account?saved=email-confirmed");
    assert_eq!(
        logged(&app, &user_id, "email_verified").await.as_deref(),
        Some(email)
    );
    let dashboard = page(&app.router, "/dashboard", Some(&cookie)).await;
    assert!(!dashboard.body.contains("Confirm your e-mail address."));
    let created = api(&app.router, "POST", "/v1/api-keys", Some(&key), body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let reused = confirm(&app, &token, Some(&cookie)).await;
    assert_eq!(reused.status, StatusCode::GONE, "{}", reused.body);
    assert!(reused.body.contains("EmailLinkUnusable"));
    let opened = page(&app.router, &format!("/confirm-email?token={token}"), None).await;
    assert!(opened.body.contains("expired or was already used"));
}

#[tokio::test]
async fn a_new_link_replaces_the_old_one_links_expire_and_sending_is_throttled() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with(&sink, sqlite_database()).await;
    let email = "resend@example.com";
    let cookie = session_cookie(&register(&app.router, email, "Resend").await);
    let sent = resend(&app, &cookie).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(sent.header("location"), "/keys?confirmation=sent");
    let links = sink.wait_for_subject(CONFIRM, 2).await;
    let (first, second) = (token_in(&links[0]), token_in(&links[1]));
    assert_ne!(first, second);
    assert_eq!(
        confirm(&app, &first, None).await.status,
        StatusCode::GONE,
        "replaced by the newer link"
    );

    expire_links(&app, "email_confirmations").await;
    assert_eq!(
        confirm(&app, &second, None).await.status,
        StatusCode::GONE,
        "expired"
    );

    for _ in 0..4 {
        assert_eq!(resend(&app, &cookie).await.status, StatusCode::OK);
    }
    let throttled = resend(&app, &cookie).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        throttled.body.contains("MailThrottled"),
        "{}",
        throttled.body
    );
    assert!(!throttled.header("retry-after").is_empty());
    assert_eq!(sink.wait_for_subject(CONFIRM, 6).await.len(), 6);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sink.wait_for_subject(CONFIRM, 6).await.len(),
        6,
        "no seventh message"
    );
    // A link opened signed out confirms too, and then asks to sign in.
    let last = token_in(sink.wait_for_subject(CONFIRM, 6).await.last().unwrap());
    let done = confirm(&app, &last, None).await;
    assert_eq!(done.header("location"), "/login?confirmed=email");
}

#[tokio::test]
async fn changing_the_address_needs_the_password_and_a_link_to_the_new_address() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with(&sink, sqlite_database()).await;
    let (old, new) = ("mover@example.com", "mover.new@example.com");
    let cookie = session_cookie(&register(&app.router, old, "Mover").await);
    let user_id = user_id_of(&app, old).await;
    register(&app.router, "taken@example.com", "Taken").await;
    for (new_email, password, expected) in [
        (new, "not my password", "current_password"),
        (
            "Taken@Example.com",
            PASSWORD,
            "Another account uses this address",
        ),
        (old, PASSWORD, "already your account"),
        ("not an address", PASSWORD, "new_email"),
    ] {
        let refused = ask_change(&app, &cookie, new_email, password).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{new_email}"
        );
        assert!(refused.body.contains(expected), "{}", refused.body);
    }

    let asked = ask_change(&app, &cookie, "Mover.New@Example.com", PASSWORD).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_eq!(asked.header("location"), "/account?saved=email-change");
    let links = sink.wait_for_subject(CONFIRM_NEW, 1).await;
    assert_eq!(links[0].rcpt_to, [new], "to the new address, normalised");
    let token = token_in(&links[0]);
    let account = page(&app.router, "/account", Some(&cookie)).await;
    assert!(
        account
            .body
            .contains(&format!("Waiting for you to confirm {new}"))
    );
    // Until the link is used, the old address is the account's.
    assert_eq!(
        login(&app.router, old, PASSWORD, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        login(&app.router, new, PASSWORD, None).await.status,
        StatusCode::UNAUTHORIZED
    );

    let done = confirm(&app, &token, None).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.header("location"), "/login?confirmed=email");
    assert_eq!(
        login(&app.router, new, PASSWORD, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        login(&app.router, old, PASSWORD, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let notices = sink.wait_for_subject(CHANGED, 1).await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].rcpt_to, [old], "the old address is told");
    assert!(notices[0].text.as_deref().unwrap().contains(new));
    assert_eq!(
        logged(&app, &user_id, "email_changed").await.as_deref(),
        Some(format!("{old} → {new}").as_str())
    );
    // Confirmed with the change: the new address may create keys.
    let verified: (Option<i64>,) =
        sqlx::query_as("SELECT email_verified_at FROM users WHERE id = $1")
            .bind(&user_id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert!(verified.0.is_some());
}

#[tokio::test]
async fn an_address_taken_before_its_link_is_used_is_not_switched_to() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    for (round, database) in all_databases().await.into_iter().enumerate() {
        let backend = database.backend;
        let app = app_with(&sink, database).await;
        let (old, wanted) = (
            format!("first-{}@example.com", uuid::Uuid::new_v4()),
            format!("wanted-{}@example.com", uuid::Uuid::new_v4()),
        );
        let cookie = session_cookie(&register(&app.router, &old, "First").await);
        let asked = ask_change(&app, &cookie, &wanted, PASSWORD).await;
        assert_eq!(asked.status, StatusCode::OK, "{backend}: {}", asked.body);
        let token = token_in(
            sink.wait_for_subject(CONFIRM_NEW, round + 1)
                .await
                .iter()
                .find(|message| message.rcpt_to == [wanted.clone()])
                .expect("the link"),
        );
        // Someone else registers the address, in other letters, meanwhile.
        let taken = register(&app.router, &wanted.to_uppercase(), "Second").await;
        assert_eq!(taken.status, StatusCode::OK, "{backend}");

        let refused = confirm(&app, &token, Some(&cookie)).await;
        assert_eq!(
            refused.status,
            StatusCode::CONFLICT,
            "{backend}: {}",
            refused.body
        );
        assert!(refused.body.contains("EmailTaken"));
        assert_eq!(
            login(&app.router, &old, PASSWORD, None).await.status,
            StatusCode::OK,
            "{backend}: the account keeps its address"
        );
    }
}

#[tokio::test]
async fn a_changed_password_and_a_deleted_account_are_told_by_mail() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with(&sink, sqlite_database()).await;
    let email = "told@example.com";
    let cookie = session_cookie(&register(&app.router, email, "Told").await);
    let changed = call(
        &app.router,
        "change_password",
        &form(&[
            ("current_password", PASSWORD),
            ("new_password", "a completely new passphrase"),
        ]),
        Some(&cookie),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let notice = &sink
        .wait_for_subject("Your password was changed — Tracepipe", 1)
        .await[0];
    assert_eq!(notice.rcpt_to, [email]);
    let text = notice.text.as_deref().unwrap();
    assert!(text.contains("on your account page"), "{text}");
    assert!(!notice.raw.contains("a completely new passphrase"));

    let deleted = call(
        &app.router,
        "delete_account",
        &form(&[("password", "a completely new passphrase")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let notices = sink
        .wait_for_subject("Your Tracepipe account was deleted — Tracepipe", 1)
        .await;
    assert_eq!(notices.len(), 1, "sent though the account is gone");
    assert_eq!(notices[0].rcpt_to, [email]);
    assert!(
        notices[0]
            .text
            .as_deref()
            .unwrap()
            .contains("Every API key stopped working")
    );
}
