//! The accounts service against real databases (SQLite and PostgreSQL):
//! users, sessions and sign-in throttling.

use crate::common;

use app::accounts::ssr::sessions::{self, SessionPolicy};
use app::accounts::ssr::throttle::{
    ClientGrouping, ThrottlePolicy, account_subject, device_subject,
};
use app::accounts::ssr::users::{self, CreateUserError};
use app::support::time::unix_now;
use common::*;
use sqlx::Row;

const DEVICE: sessions::Device = sessions::Device {
    user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    client_address: "203.0.113.7",
};

const CLIENTS: ClientGrouping = ClientGrouping { ipv6_prefix: 64 };

fn policy() -> SessionPolicy {
    SessionPolicy {
        idle_timeout_secs: 7 * 24 * 3600,
        absolute_timeout_secs: 30 * 24 * 3600,
        secure: false,
        reauth_window_secs: 15 * 60,
    }
}

#[tokio::test]
async fn a_second_account_with_the_same_e_mail_is_refused() {
    for database in all_databases().await {
        let pool = migrated_pool(&database.url).await;
        let ada = users::create(&pool, "ada@example.com", "Ada", "$argon2id$x")
            .await
            .unwrap();
        assert_eq!(ada.id.len(), 36, "a UUID");
        let again = users::create(&pool, "ada@example.com", "Other", "$argon2id$y").await;
        assert!(
            matches!(again, Err(CreateUserError::DuplicateEmail)),
            "{}",
            database.backend
        );
        let found = users::find_by_email(&pool, "ada@example.com")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((found.id, found.display_name), (ada.id, "Ada".to_owned()));
    }
}

#[tokio::test]
async fn sessions_store_only_a_hash_and_resolve_to_their_user() {
    for database in all_databases().await {
        let pool = migrated_pool(&database.url).await;
        let ada = users::create(&pool, "ada@example.com", "Ada", "$argon2id$x")
            .await
            .unwrap();
        let token = sessions::start(&pool, &ada.id, &DEVICE).await.unwrap();
        assert_eq!(token.len(), 64, "256 bits, hex");

        let stored: String = sqlx::query("SELECT token_hash FROM sessions")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0);
        assert_ne!(stored, token, "the token itself is never stored");
        assert_eq!(stored, sessions::token_hash(&token));

        let session = sessions::resolve(&pool, &token, &policy())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session.user.display_name, "Ada");
        let other = sessions::start(&pool, &ada.id, &DEVICE).await.unwrap();
        assert_ne!(other, token, "a new token for every sign-in");

        sessions::end(&pool, &session.token_hash).await.unwrap();
        assert!(
            sessions::resolve(&pool, &token, &policy())
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            sessions::resolve(&pool, &other, &policy())
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test]
async fn idle_and_absolute_expiry_end_sessions() {
    for database in all_databases().await {
        let pool = migrated_pool(&database.url).await;
        let ada = users::create(&pool, "ada@example.com", "Ada", "$argon2id$x")
            .await
            .unwrap();
        let now = unix_now();

        let idle = sessions::start(&pool, &ada.id, &DEVICE).await.unwrap();
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now - 8 * 24 * 3600)
            .bind(sessions::token_hash(&idle))
            .execute(&pool)
            .await
            .unwrap();
        assert!(
            sessions::resolve(&pool, &idle, &policy())
                .await
                .unwrap()
                .is_none()
        );

        let old = sessions::start(&pool, &ada.id, &DEVICE).await.unwrap();
        sqlx::query("UPDATE sessions SET created_at = $1 WHERE token_hash = $2")
            .bind(now - 31 * 24 * 3600)
            .bind(sessions::token_hash(&old))
            .execute(&pool)
            .await
            .unwrap();
        assert!(
            sessions::resolve(&pool, &old, &policy())
                .await
                .unwrap()
                .is_none()
        );

        let left: i64 = sqlx::query("SELECT COUNT(*) FROM sessions")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            left, 0,
            "expired sessions are deleted on sight ({})",
            database.backend
        );
    }
}

#[tokio::test]
async fn ending_other_sessions_keeps_the_current_one() {
    for database in all_databases().await {
        let pool = migrated_pool(&database.url).await;
        let ada = users::create(&pool, "ada@example.com", "Ada", "$argon2id$x")
            .await
            .unwrap();
        let bob = users::create(&pool, "bob@example.com", "Bob", "$argon2id$x")
            .await
            .unwrap();
        let current = sessions::start(&pool, &ada.id, &DEVICE).await.unwrap();
        let laptop = sessions::start(&pool, &ada.id, &DEVICE).await.unwrap();
        let bobs = sessions::start(&pool, &bob.id, &DEVICE).await.unwrap();

        let ended = sessions::end_others(&pool, &ada.id, &sessions::token_hash(&current))
            .await
            .unwrap();
        assert_eq!(ended, 1);
        assert!(
            sessions::resolve(&pool, &current, &policy())
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            sessions::resolve(&pool, &laptop, &policy())
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            sessions::resolve(&pool, &bobs, &policy())
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test]
async fn guessing_waits_longer_with_each_failure_per_account_and_per_client() {
    for database in all_databases().await {
        let pool = migrated_pool(&database.url).await;
        let throttle = ThrottlePolicy::default();
        let ada = account_subject("ada@example.com");
        let home_subject = CLIENTS.subject("192.0.2.1");
        let home = Some(home_subject.as_str());

        pile_up_failures(&pool, &[&ada, &home_subject], 4).await;
        assert_eq!(throttle.take(&pool, &ada, home).await.unwrap(), None);
        // Ten failures: five past the allowance, so 2^5 seconds after the
        // latest (after the end of its second).
        pile_up_failures(&pool, &[&ada, &home_subject], 5).await;
        let wait = throttle.take(&pool, &ada, home).await.unwrap().unwrap();
        assert!((32..=33).contains(&wait), "{wait}");

        // Another account from the same client is not held up yet...
        let bob = account_subject("bob@example.com");
        assert_eq!(throttle.take(&pool, &bob, home).await.unwrap(), None);
        // ...until the client uses its own allowance of 30 (35 failures: 32 s, and the second).
        pile_up_failures(&pool, &[&home_subject], 24).await;
        let carol = account_subject("carol@example.com");
        let wait = throttle.take(&pool, &carol, home).await.unwrap().unwrap();
        assert!((32..=33).contains(&wait), "{wait}");
        // A known device counts apart, and no client limit applies to it.
        let device = device_subject("a-known-browser");
        assert_eq!(throttle.take(&pool, &device, None).await.unwrap(), None);

        // A success clears the account, not the client.
        throttle.clear(&pool, &ada).await.unwrap();
        let elsewhere = CLIENTS.subject("198.51.100.7");
        assert_eq!(
            throttle.take(&pool, &ada, Some(&elsewhere)).await.unwrap(),
            None
        );
        assert!(throttle.take(&pool, &ada, home).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn failures_older_than_the_window_stop_counting() {
    for database in all_databases().await {
        let pool = migrated_pool(&database.url).await;
        let throttle = ThrottlePolicy::default();
        let ada = account_subject("ada@example.com");
        let home = CLIENTS.subject("192.0.2.1");
        pile_up_failures(&pool, &[&ada, &home], 5).await;
        sqlx::query("UPDATE login_failures SET failed_at = failed_at - 901")
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(throttle.take(&pool, &ada, Some(&home)).await.unwrap(), None);
        let kept: i64 = sqlx::query("SELECT COUNT(*) FROM login_failures")
            .fetch_one(&pool)
            .await
            .unwrap()
            .get(0);
        assert_eq!(kept, 2, "expired rows are pruned ({})", database.backend);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_attempts_at_once_admit_the_allowance_and_no_more() {
    for database in all_databases().await {
        let pool = migrated_pool(&database.url).await;
        let throttle = ThrottlePolicy::default();
        let ada = account_subject("ada@example.com");
        let attempts = (0..40).map(|n| {
            let (pool, throttle, ada) = (pool.clone(), throttle.clone(), ada.clone());
            tokio::spawn(async move {
                let client = CLIENTS.subject(&format!("2001:db8:5:5::{n:x}"));
                throttle.take(&pool, &ada, Some(&client)).await.unwrap()
            })
        });
        let answers = futures::future::join_all(attempts).await;
        let admitted = answers
            .iter()
            .filter(|answer| matches!(answer, Ok(None)))
            .count();
        assert_eq!(admitted, 5, "{} admitted on {}", admitted, database.backend);

        // Forty accounts from one /64: its client allowance of 30.
        let attempts = (0..40).map(|n| {
            let (pool, throttle) = (pool.clone(), throttle.clone());
            tokio::spawn(async move {
                let account = account_subject(&format!("user{n}@example.com"));
                let client = CLIENTS.subject(&format!("2001:db8:6:6:{n:x}::1"));
                throttle.take(&pool, &account, Some(&client)).await.unwrap()
            })
        });
        let answers = futures::future::join_all(attempts).await;
        let admitted = answers
            .iter()
            .filter(|answer| matches!(answer, Ok(None)))
            .count();
        assert_eq!(
            admitted, 30,
            "{} admitted on {}",
            admitted, database.backend
        );
    }
}
