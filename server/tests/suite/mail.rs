//! The mail pipeline against a real SMTP server on loopback (aiosmtpd):
//! delivery with absolute links, an SMTP outage, two senders on one
//! database, permanent failures, and the sandbox mailbox.

use crate::common;

use app::mail::ssr::delivery::{Mailer, RetryPolicy, sender, smtp_transport};
use app::mail::ssr::outbox;
use app::mail::ssr::templates::{Email, SecurityNotice};
use common::api::{subscriber_with_key, user_with_key};
use common::smtp::SmtpSink;
use common::*;
use std::time::Duration;

const FROM: &str = "Tracepipe <no-reply@tracepipe.example>";

/// A mailer on `db` that retries after a second (the default waits 30 s).
fn quick_mailer(db: &sqlx::AnyPool, sink: &SmtpSink) -> Mailer {
    let policy = RetryPolicy {
        first_retry_secs: 1,
        ..RetryPolicy::default()
    };
    Mailer::new(
        db.clone(),
        smtp_transport(&sink.url(), Duration::from_secs(5)).unwrap(),
        sender(FROM).unwrap(),
        policy,
    )
}

fn email(to: &str, subject: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: format!("{subject}\nhttps://tracepipe.example/keys\n"),
        html: format!("<p>{subject}</p>"),
    }
}

async fn enqueue(db: &sqlx::AnyPool, email: &Email) -> String {
    let mut tx = db.begin().await.unwrap();
    let id = outbox::enqueue(&mut tx, email).await.unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn a_new_key_notice_arrives_over_smtp_with_absolute_links() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let app = app_on(
        sqlite_database(),
        &[("SMTP_URL", &sink.url()), ("MAIL_FROM", FROM)],
    )
    .await;
    let KeyHolder { user_id, key } = subscriber_with_key(&app, "notice").await;
    let (email,): (String,) = sqlx::query_as("SELECT email FROM users WHERE id = $1")
        .bind(&user_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();

    let messages = sink
        .wait_for_subject("A new API key was created — Tracepipe", 1)
        .await;
    assert_eq!(messages.len(), 1, "one notice for one key");
    let message = &messages[0];
    assert_eq!(message.rcpt_to, std::slice::from_ref(&email));
    assert_eq!(message.header("to"), email);
    assert_eq!(message.header("from"), FROM);
    let (text, html) = (
        message.text.as_deref().unwrap(),
        message.html.as_deref().unwrap(),
    );
    for part in [text, html] {
        assert!(part.contains("https://tracepipe.example/keys"), "{part}");
        assert!(part.contains("laptop"), "names the key: {part}");
    }
    assert!(
        text.contains("From: 127.0.0.1") || text.contains("From: unknown"),
        "{text}"
    );
    assert!(!message.raw.contains(&key), "never the key itself");
    // The sink has the message once its DATA is in; the sender deletes the
    // row when the server's answer to it arrives, a moment later.
    let mut waiting = outbox::waiting(&app.state.db).await.unwrap();
    for _ in 0..40 {
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waiting = outbox::waiting(&app.state.db).await.unwrap();
    }
    assert_eq!(waiting, 0, "sent mail leaves the outbox");
    // The sandbox mailbox exists only when mail is not sent.
    assert_eq!(
        get_from(&app.router, "/sandbox/mail", "127.0.0.1")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn mail_waits_while_the_smtp_server_is_down_and_goes_once_it_is_back() {
    let Some(mut sink) = SmtpSink::start() else {
        return;
    };
    for database in all_databases().await {
        let db = migrated_pool(&database.url).await;
        let mailer = quick_mailer(&db, &sink);
        let before = sink.messages().len();
        sink.stop();
        enqueue(&db, &email("ada@example.com", "While the server is down")).await;

        assert_eq!(
            mailer.deliver_due().await.unwrap(),
            0,
            "{}",
            database.backend
        );
        let (attempts, error): (i64, Option<String>) =
            sqlx::query_as("SELECT attempts, last_error FROM mail_outbox")
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!(attempts, 1);
        assert!(
            error.is_some_and(|error| !error.is_empty()),
            "the reason is kept"
        );
        assert_eq!(
            mailer.deliver_due().await.unwrap(),
            0,
            "not retried before its time"
        );

        sink.resume();
        tokio::time::sleep(Duration::from_millis(2100)).await;
        assert_eq!(
            mailer.deliver_due().await.unwrap(),
            1,
            "{}",
            database.backend
        );
        assert_eq!(mailer.deliver_due().await.unwrap(), 0, "and only once");
        let received = sink.messages();
        assert_eq!(received.len(), before + 1, "{}", database.backend);
        assert_eq!(
            received.last().unwrap().header("subject"),
            "While the server is down"
        );
        assert_eq!(outbox::waiting(&db).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn two_instances_on_one_database_send_each_message_once() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    for database in all_databases().await {
        let before = sink.messages().len();
        // Two pools: two instances' views of one database.
        let (first, second) = (
            migrated_pool(&database.url).await,
            migrated_pool(&database.url).await,
        );
        let mut ids = Vec::new();
        for n in 0..24 {
            ids.push(
                enqueue(
                    &first,
                    &email(&format!("user{n}@example.com"), &format!("Message {n}")),
                )
                .await,
            );
        }
        let (a, b) = (quick_mailer(&first, &sink), quick_mailer(&second, &sink));
        let (sent_a, sent_b) = tokio::join!(a.deliver_due(), b.deliver_due());
        assert_eq!(
            sent_a.unwrap() + sent_b.unwrap(),
            24,
            "{}",
            database.backend
        );

        let received = &sink.wait_for(before + 24).await[before..];
        assert_eq!(
            received.len(),
            24,
            "{}: each message once",
            database.backend
        );
        let mut message_ids: Vec<&str> = received
            .iter()
            .map(|message| message.header("message-id"))
            .collect();
        message_ids.sort_unstable();
        message_ids.dedup();
        assert_eq!(message_ids.len(), 24, "no message twice");
        assert!(
            ids.iter()
                .all(|id| message_ids.iter().any(|mid| mid.contains(id.as_str())))
        );
    }
}

#[tokio::test]
async fn a_message_that_can_never_be_delivered_is_given_up_without_its_body() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let database = sqlite_database();
    let db = migrated_pool(&database.url).await;
    let mailer = quick_mailer(&db, &sink);
    let id = enqueue(&db, &email("not an address", "Undeliverable")).await;
    assert_eq!(mailer.deliver_due().await.unwrap(), 0);
    assert_eq!(
        outbox::waiting(&db).await.unwrap(),
        0,
        "not retried forever"
    );
    let (failed_id, error): (String, String) =
        sqlx::query_as("SELECT id, last_error FROM mail_failed")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(failed_id, id);
    assert!(error.contains("recipient"), "{error}");
}

#[tokio::test]
async fn without_smtp_mail_lands_in_the_labelled_sandbox_mailbox() {
    let app = sqlite_app().await;
    let empty = get_from(&app.router, "/sandbox/mail", "127.0.0.1").await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("Sandbox — not sent."), "{}", empty.body);
    assert!(empty.body.contains("No mail yet"));

    let KeyHolder { user_id, key } = user_with_key(&app, "sandbox").await;
    app.state.mailer.wake();
    let mut page = get_from(&app.router, "/sandbox/mail", "127.0.0.1").await;
    for _ in 0..100 {
        if page.body.contains("A new API key was created") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        page = get_from(&app.router, "/sandbox/mail", "127.0.0.1").await;
    }
    assert!(
        page.body.contains("A new API key was created — Tracepipe"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<a href=\"https://tracepipe.example/keys\""),
        "links are clickable"
    );
    assert!(!page.body.contains(&key), "never the key itself");
    assert_eq!(page.header("cache-control"), "no-store");
    assert!(page.body.contains("noindex"));
    let (email,): (String,) = sqlx::query_as("SELECT email FROM users WHERE id = $1")
        .bind(&user_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(page.body.contains(&email));

    let (id,): (String,) =
        sqlx::query_as("SELECT id FROM sandbox_mailbox WHERE subject LIKE 'A new API key%'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let html = get_from(&app.router, &format!("/sandbox/mail/{id}/html"), "::1").await;
    assert_eq!(html.status, 200);
    assert!(html.body.contains("A new API key was created"));
    assert!(
        html.header("content-security-policy")
            .contains("default-src 'none'")
    );
    assert_eq!(
        get_from(&app.router, "/sandbox/mail/nope/html", "127.0.0.1")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn the_sandbox_mailbox_answers_only_this_machine_and_not_through_a_proxy() {
    let app = sqlite_app().await;
    user_with_key(&app, "mailbox-window").await;
    for address in ["203.0.113.9", "2001:db8::1", "10.0.0.2"] {
        for path in ["/sandbox/mail", "/sandbox/mail/any/html"] {
            let refused = get_from(&app.router, path, address).await;
            assert_eq!(refused.status, 403, "{path} from {address}");
            assert!(
                refused
                    .body
                    .contains("answers only a browser on the server"),
                "{}",
                refused.body
            );
            assert!(
                refused.body.contains(&format!("from {address}")),
                "{}",
                refused.body
            );
            assert!(!refused.body.contains("A new API key"), "no mail shown");
        }
    }
    // Without a socket there is no peer to trust.
    assert_eq!(get(&app.router, "/sandbox/mail").await.status, 403);
    // A proxy on this machine forwards for someone else.
    let proxied = from_peer(axum::http::Request::get("/sandbox/mail"), "127.0.0.1")
        .header("x-forwarded-for", "198.51.100.4");
    let proxied = send(
        &app.router,
        proxied.body(axum::body::Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(proxied.status, 403);
    assert!(proxied.body.contains("through a proxy"), "{}", proxied.body);
    assert_eq!(
        get_from(&app.router, "/sandbox/mail", "127.0.0.1")
            .await
            .status,
        200
    );
    assert_eq!(
        get_from(&app.router, "/sandbox/mail", "::ffff:127.0.0.1")
            .await
            .status,
        200
    );
}

#[test]
fn the_notice_says_what_happened_where_and_what_to_do() {
    let email = SecurityNotice {
        headline: "A new API key was created",
        facts: vec!["From: 203.0.113.9".to_owned()],
        review: ("/keys", "Review your API keys"),
        if_not_you: None,
    }
    .email(PUBLIC_URL, "ada@example.com");
    assert!(email.text.contains("203.0.113.9"));
    assert!(email.text.contains("If this was not you"));
    assert!(email.text.contains(&format!("{PUBLIC_URL}/account")));
}
