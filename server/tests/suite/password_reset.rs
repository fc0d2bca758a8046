//! Password reset by e-mail, against a real SMTP server on loopback: the
//! link arrives and works once; reused, expired and superseded links are
//! refused; known and unknown addresses get the same answer; the throttle
//! holds; every session ends; no token reaches a page or the database.

use crate::common;

use axum::http::StatusCode;
use common::smtp::{Received, SmtpSink};
use common::*;

const NEW_PASSWORD: &str = "a brand new passphrase";
const RESET: &str = "Reset your Tracepipe password";

async fn app_with(sink: &SmtpSink) -> TestApp {
    app_on(
        sqlite_database(),
        &[
            ("SMTP_URL", &sink.url()),
            ("MAIL_FROM", "Tracepipe <no-reply@tracepipe.example>"),
        ],
    )
    .await
}

async fn ask(app: &TestApp, email: &str) -> TestResponse {
    call(
        &app.router,
        "request_password_reset",
        &form(&[("email", email)]),
        None,
    )
    .await
}

async fn reset(app: &TestApp, token: &str, password: &str) -> TestResponse {
    let body = form(&[("token", token), ("new_password", password)]);
    call(&app.router, "reset_password", &body, None).await
}

/// The token of the reset link in `message` (both parts carry the same link).
fn token_in(message: &Received) -> String {
    let text = message.text.as_deref().expect("a text part");
    let link = text
        .split_whitespace()
        .find(|word| word.starts_with(&format!("{PUBLIC_URL}/reset-password?token=")))
        .unwrap_or_else(|| panic!("no reset link in {text}"));
    assert!(
        message.html.as_deref().unwrap().contains(link),
        "the same link in the HTML part"
    );
    link.rsplit('=').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_mailed_link_sets_a_new_password_once_and_ends_every_session() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with(&sink).await;
    let email = "reset-me@example.com";
    let first_device = session_cookie(&register(&app.router, email, "Reset Me").await);
    let second_device = session_cookie(&login(&app.router, email, PASSWORD, None).await);

    let asked = ask(&app, email).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_eq!(asked.header("location"), "/forgot-password?sent=1");
    let messages = sink.wait_for_subject(RESET, 1).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].rcpt_to, [email]);
    let token = token_in(&messages[0]);
    assert!(token.len() >= 43, "at least 256 bits");

    // Opening the link shows the form and uses nothing up, however often.
    for _ in 0..2 {
        let opened = page(&app.router, &format!("/reset-password?token={token}"), None).await;
        assert_eq!(opened.status, StatusCode::OK);
        assert!(opened.body.contains("New password"), "{}", opened.body);
    }
    let stored: Vec<(String, i64)> =
        sqlx::query_as("SELECT token_hash, expires_at - created_at FROM password_resets")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].0, token, "only a hash is stored");
    assert_eq!(stored[0].1, 30 * 60, "valid for 30 minutes");

    let weak = reset(&app, &token, "short").await;
    assert_eq!(
        weak.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        weak.body
    );
    let done = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.header("location"), "/dashboard");
    let signed_in = session_cookie(&done);
    assert_eq!(
        page(&app.router, "/dashboard", Some(&signed_in))
            .await
            .status,
        StatusCode::OK
    );
    for old in [&first_device, &second_device] {
        let after = page(&app.router, "/dashboard", Some(old)).await;
        assert_eq!(after.status, StatusCode::FOUND, "every other session ended");
    }
    assert_eq!(
        login(&app.router, email, PASSWORD, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app.router, email, NEW_PASSWORD, None).await.status,
        StatusCode::OK
    );

    let reused = reset(&app, &token, "another new passphrase").await;
    assert_eq!(reused.status, StatusCode::GONE, "{}", reused.body);
    assert!(reused.body.contains("ResetLinkUnusable"), "{}", reused.body);
    let opened = page(&app.router, &format!("/reset-password?token={token}"), None).await;
    assert!(
        opened.body.contains("Ask for a new link"),
        "{}",
        opened.body
    );

    let notices = sink
        .wait_for_subject("Your password was changed — Tracepipe", 1)
        .await;
    assert_eq!(notices.len(), 1);
    assert!(!notices[0].raw.contains(&token));
}

#[tokio::test]
async fn known_and_unknown_addresses_get_the_same_answer() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with(&sink).await;
    register(&app.router, "known@example.com", "Known").await;
    let known = ask(&app, "known@example.com").await;
    let unknown = ask(&app, "nobody@example.com").await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.header("location"), unknown.header("location"));
    assert_eq!(known.body, unknown.body);
    let messages = sink.wait_for_subject(RESET, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        sink.wait_for_subject(RESET, 1).await.len(),
        1,
        "mail only for the account"
    );
    assert_eq!(messages[0].rcpt_to, ["known@example.com"]);
    let invalid = ask(&app, "not an address").await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn expired_and_superseded_links_are_refused_and_signing_in_cancels_them() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with(&sink).await;
    let email = "often@example.com";
    register(&app.router, email, "Often").await;
    ask(&app, email).await;
    let first = token_in(&sink.wait_for_subject(RESET, 1).await[0]);
    ask(&app, email).await;
    let second = token_in(&sink.wait_for_subject(RESET, 2).await[1]);
    assert_ne!(first, second);
    assert_eq!(
        reset(&app, &first, NEW_PASSWORD).await.status,
        StatusCode::GONE,
        "superseded"
    );

    expire_links(&app, "password_resets").await;
    assert_eq!(
        reset(&app, &second, NEW_PASSWORD).await.status,
        StatusCode::GONE,
        "expired"
    );

    ask(&app, email).await;
    let third = token_in(&sink.wait_for_subject(RESET, 3).await[2]);
    assert_eq!(
        login(&app.router, email, PASSWORD, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        reset(&app, &third, NEW_PASSWORD).await.status,
        StatusCode::GONE,
        "signing in with the old password cancels the link"
    );
    assert_eq!(
        login(&app.router, email, PASSWORD, None).await.status,
        StatusCode::OK,
        "unchanged"
    );
}

#[tokio::test]
async fn asking_too_often_is_throttled_per_address() {
    let app = sqlite_app().await;
    for _ in 0..3 {
        assert_eq!(ask(&app, "flood@example.com").await.status, StatusCode::OK);
    }
    let throttled = ask(&app, "flood@example.com").await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        throttled.body.contains("MailThrottled"),
        "{}",
        throttled.body
    );
    assert!(!throttled.header("retry-after").is_empty());
    assert_eq!(
        ask(&app, "someone-else@example.com").await.status,
        StatusCode::OK,
        "per address"
    );
}

/// A pre-account hijack: someone registers another person's address and
/// ties sign-in methods to it, waiting for the owner to claim it. Adding
/// one needs a confirmed address now; any that exist from before (added
/// while unconfirmed) are removed by the owner's reset, which says so.
#[tokio::test]
async fn the_owners_reset_leaves_an_intruder_who_registered_their_address_with_nothing() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_with(&sink).await;
    let email = "claimed-later@example.com";
    let registered = register(&app.router, email, "Not The Owner").await;
    let (intruder, intruder_device) = (
        session_cookie(&registered),
        cookie_named(&registered, "tp_device"),
    );
    for function in ["start_totp_setup", "passkey_registration_options"] {
        let refused = call(&app.router, function, "", Some(&intruder)).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{function}: {}",
            refused.body
        );
        assert!(
            refused.body.contains("AddressUnconfirmed"),
            "{function}: {}",
            refused.body
        );
    }
    // Factors tied on while unconfirmed, as the rule above did not stop before.
    let (user_id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let earlier = app::support::time::unix_now() - 60;
    for statement in [
        "INSERT INTO totp_factors (user_id, secret_sealed, created_at, enabled_at, last_step) VALUES ($1, 'sealed', $2, $2, 0)",
        "INSERT INTO recovery_codes (code_hash, user_id, created_at) VALUES ('intruder-code', $1, $2)",
        "INSERT INTO passkeys (credential_id, user_id, name, passkey, created_at) VALUES ('intruder-key', $1, 'Intruder laptop', '{}', $2)",
    ] {
        sqlx::query(statement)
            .bind(&user_id)
            .bind(earlier)
            .execute(&app.state.db)
            .await
            .unwrap();
    }

    // The owner takes the address back.
    ask(&app, email).await;
    let token = token_in(&sink.wait_for_subject(RESET, 1).await[0]);
    let done = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(
        done.header("location"),
        "/dashboard",
        "no second step: the intruder's app is gone"
    );
    for table in ["totp_factors", "recovery_codes", "passkeys"] {
        let (left,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM {table} WHERE user_id = $1"))
                .bind(&user_id)
                .fetch_one(&app.state.db)
                .await
                .unwrap();
        assert_eq!(left, 0, "{table}");
    }
    assert_eq!(
        page(&app.router, "/dashboard", Some(&intruder))
            .await
            .status,
        StatusCode::FOUND,
        "the intruder's session ended"
    );
    let notice = sink
        .wait_for_subject("Your password was changed — Tracepipe", 1)
        .await;
    let text = notice[0]
        .text
        .as_deref()
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("a passkey and an authenticator app added before this address was confirmed were removed"),
        "{text}"
    );

    // The intruder's browser signed in before the address was confirmed: its
    // device cookie is a stranger's now, so its guesses count against the
    // account (a stranger's browser waits after them) and the owner's own
    // browser, signed in by the reset, is the one that is not held up.
    for _ in 0..5 {
        let guess = login(
            &app.router,
            email,
            "the owner's new one?",
            Some(&intruder_device),
        )
        .await;
        assert_eq!(guess.status, StatusCode::UNAUTHORIZED);
    }
    let stranger = login(&app.router, email, NEW_PASSWORD, None).await;
    assert_eq!(
        stranger.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        stranger.body
    );
    let owners_browser = login(
        &app.router,
        email,
        NEW_PASSWORD,
        Some(&cookie_named(&done, "tp_device")),
    )
    .await;
    assert_eq!(
        owners_browser.status,
        StatusCode::OK,
        "{}",
        owners_browser.body
    );

    // Confirmed now: the owner's own factors stay through a later reset.
    let owner = session_cookie(&done);
    let (_secret, _codes) = common::two_factor::turn_on(&app, &owner).await;
    ask(&app, email).await;
    let token = token_in(&sink.wait_for_subject(RESET, 2).await[1]);
    let again = reset(&app, &token, "yet another passphrase 9").await;
    assert_eq!(again.header("location"), "/login/verify", "{}", again.body);
}
