//! Two-step verification over HTTP: setting up an authenticator app from
//! the key the page shows, signing in with a code (once), with a recovery
//! code (once), wrong codes throttled per account, the pending sign-in
//! short-lived, a password reset that still asks for the code, and the
//! set-up without JavaScript showing the recovery codes in its page.

use crate::common;

use app::accounts::ssr::second_factor::code_at;
use app::support::time::unix_now;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::two_factor::*;
use common::*;

#[tokio::test]
async fn an_authenticator_code_signs_in_once_and_a_recovery_code_once() {
    for database in all_databases().await {
        let app = app_on(database, &[]).await;
        let email = "twostep@example.com";
        let SignedInUser {
            id: user_id,
            cookie,
        } = account(&app, email).await;
        let (secret, codes) = turn_on(&app, &cookie).await;
        assert_eq!(codes.len(), 10);

        // The database holds neither the secret nor any recovery code.
        let (sealed,): (String,) =
            sqlx::query_as("SELECT secret_sealed FROM totp_factors WHERE user_id = $1")
                .bind(&user_id)
                .fetch_one(&app.state.db)
                .await
                .unwrap();
        let base32 = totp_rs::Secret::Raw(secret.clone())
            .to_encoded()
            .to_string();
        assert!(!sealed.contains(&base32));
        let stored: Vec<(String,)> =
            sqlx::query_as("SELECT code_hash FROM recovery_codes WHERE user_id = $1")
                .bind(&user_id)
                .fetch_all(&app.state.db)
                .await
                .unwrap();
        assert_eq!(stored.len(), 10);
        // Each with a salted, slow hash: no two alike, none a bare digest.
        assert!(
            stored
                .iter()
                .all(|(hash,)| hash.starts_with("$argon2id$v=19$m=4096,t=1,p=1$"))
        );
        let mut distinct: Vec<&String> = stored.iter().map(|(hash,)| hash).collect();
        distinct.dedup();
        assert_eq!(distinct.len(), 10);
        for code in &codes {
            assert!(
                stored
                    .iter()
                    .all(|(hash,)| !hash.contains(&code.replace('-', "")))
            );
        }
        // The secret no longer leaves the server: the page only says it is on.
        let managed = page(&app.router, "/account/two-factor", Some(&cookie)).await;
        assert!(!managed.body.contains("key-value"), "{}", managed.body);
        assert!(managed.body.contains("10 of 10 recovery codes left"));

        // Password right: no session yet, only the second step.
        let pending = first_step(&app, email).await;
        assert!(!is_signed_in(&app, &pending).await);
        let now = unix_now() as u64;
        // The code used for set-up is spent: its 30 seconds replay nothing.
        let (set_up_step,): (i64,) =
            sqlx::query_as("SELECT last_step FROM totp_factors WHERE user_id = $1")
                .bind(&user_id)
                .fetch_one(&app.state.db)
                .await
                .unwrap();
        let replayed =
            second_step(&app, &pending, &code_at(&secret, set_up_step as u64 * 30)).await;
        assert_eq!(
            replayed.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            replayed.body
        );
        assert!(
            replayed.body.contains("\"field\":\"code\""),
            "{}",
            replayed.body
        );
        let wrong = second_step(&app, &pending, "000000").await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        // The current step's code is accepted, once.
        let next_code = code_at(&secret, now);
        let accepted = second_step(&app, &pending, &next_code).await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        let session = cookie_named(&accepted, "tp_session");
        assert!(is_signed_in(&app, &session).await);
        // The pending sign-in is used up with it.
        let again = second_step(&app, &pending, &next_code).await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED, "{}", again.body);
        let pending = first_step(&app, email).await;
        let replayed = second_step(&app, &pending, &next_code).await;
        assert_eq!(
            replayed.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a code works once"
        );

        // A recovery code, typed loosely, works once.
        let recovery = codes[3].to_lowercase().replace('-', " ");
        let recovered = second_step(&app, &pending, &recovery).await;
        assert_eq!(recovered.status, StatusCode::OK, "{}", recovered.body);
        let pending = first_step(&app, email).await;
        let reused = second_step(&app, &pending, &codes[3]).await;
        assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let left = page(&app.router, "/account", Some(&session)).await;
        assert!(
            left.body.contains("Recovery codes left: 9."),
            "{}",
            left.body
        );
    }
}

#[tokio::test]
async fn wrong_codes_are_throttled_per_account_and_pending_sign_ins_expire() {
    let app = sqlite_app().await;
    let email = "guessed@example.com";
    let SignedInUser {
        id: user_id,
        cookie,
    } = account(&app, email).await;
    let (secret, _) = turn_on(&app, &cookie).await;
    let pending = first_step(&app, email).await;
    for guess in 0..5 {
        let wrong = second_step(&app, &pending, &format!("{guess:06}")).await;
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "guess {guess}"
        );
    }
    let code = code_at(&secret, unix_now() as u64);
    let throttled = second_step(&app, &pending, &code).await;
    assert_eq!(
        throttled.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        throttled.body
    );
    assert!(throttled.header("retry-after").parse::<i64>().unwrap() >= 1);
    // A new pending sign-in does not reset the count: it is the account's.
    // Three more failures first make the wait 8 s, so that the password
    // step in between cannot outlast it (the fifth failure's wait is 1 s).
    let subject = app::accounts::ssr::throttle::second_factor_subject(&user_id);
    pile_up_failures(&app.state.db, &[&subject], 3).await;
    let fresh = first_step(&app, email).await;
    let still = second_step(&app, &fresh, &code).await;
    assert_eq!(still.status, StatusCode::TOO_MANY_REQUESTS);

    // Five minutes later the pending sign-in is gone.
    sqlx::query("DELETE FROM login_failures")
        .execute(&app.state.db)
        .await
        .unwrap();
    sqlx::query("UPDATE pending_sign_ins SET created_at = created_at - 301")
        .execute(&app.state.db)
        .await
        .unwrap();
    let expired = second_step(&app, &fresh, &code).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED, "{}", expired.body);
    assert!(
        expired.body.contains("SecondStepExpired"),
        "{}",
        expired.body
    );
    let verify_page = page(&app.router, "/login/verify", Some(&fresh)).await;
    assert!(
        verify_page.body.contains("No sign-in is waiting"),
        "{}",
        verify_page.body
    );
}

#[tokio::test]
async fn a_password_reset_still_asks_for_the_second_factor() {
    let app = sqlite_app().await;
    let email = "reset-2fa@example.com";
    let SignedInUser {
        id: user_id,
        cookie,
    } = account(&app, email).await;
    let (secret, _) = turn_on(&app, &cookie).await;
    let token = "a-reset-link-token-for-this-test-only-0123456789";
    let now = unix_now();
    sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(app::support::tokens::sha256_hex(token))
    .bind(&user_id)
    .bind(now)
    .bind(now + 1800)
    .execute(&app.state.db)
    .await
    .unwrap();
    let body = form(&[
        ("token", token),
        ("new_password", "a brand new passphrase 42"),
    ]);
    let reset = call(&app.router, "reset_password", &body, None).await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert_eq!(reset.header("location"), "/login/verify");
    let pending = session_cookie(&reset);
    assert!(
        pending.contains("tp_pending_sign_in="),
        "no session: {pending}"
    );
    assert!(
        !is_signed_in(&app, &cookie).await,
        "the reset ended every session"
    );
    let code = code_at(&secret, unix_now() as u64);
    let verified = second_step(&app, &pending, &code).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(verified.header("location"), "/dashboard");
}

#[tokio::test]
async fn without_javascript_the_setup_page_shows_the_recovery_codes_once() {
    let app = sqlite_app().await;
    let SignedInUser { cookie, .. } = account(&app, "nojs-2fa@example.com").await;
    call(&app.router, "start_totp_setup", "", Some(&cookie)).await;
    let secret = shown_secret(&app, &cookie).await;
    let post = |body: String| {
        Request::post("/account/two-factor")
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, &cookie)
            .body(Body::from(body))
            .unwrap()
    };
    let wrong = send(
        &app.router,
        post(form(&[("intent", "confirm"), ("code", "12345")])),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body.contains("Enter the six-digit code"),
        "{}",
        wrong.body
    );
    let code = code_at(&secret, unix_now() as u64);
    let done = send(
        &app.router,
        post(form(&[("intent", "confirm"), ("code", &code)])),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.header("cache-control"), "no-store");
    assert!(done.body.contains("Your recovery codes"), "{}", done.body);
    assert_eq!(done.body.matches("<li><code>").count(), 10, "{}", done.body);
    // Shown once: the page itself never shows them again.
    let later = page(&app.router, "/account/two-factor", Some(&cookie)).await;
    assert!(!later.body.contains("Your recovery codes"));
    // New codes replace the old ones, through the same form.
    let renewed = send(&app.router, post(form(&[("intent", "regenerate")]))).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    assert_eq!(renewed.body.matches("<li><code>").count(), 10);
}

#[tokio::test]
async fn a_code_confirms_a_stale_session_in_place_of_the_password() {
    let app = sqlite_app().await;
    let SignedInUser { cookie, .. } = account(&app, "stale-2fa@example.com").await;
    let (secret, _) = turn_on(&app, &cookie).await;
    sqlx::query("UPDATE sessions SET authenticated_at = authenticated_at - 3600")
        .execute(&app.state.db)
        .await
        .unwrap();
    let stale = call(&app.router, "regenerate_recovery_codes", "", Some(&cookie)).await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN, "{}", stale.body);
    let confirm = |code: String| {
        let (router, cookie) = (app.router.clone(), cookie.clone());
        async move {
            let body = form(&[("code", &code), ("next", "/account/two-factor")]);
            call(&router, "confirm_with_code", &body, Some(&cookie)).await
        }
    };
    let wrong = confirm("000000".to_owned()).await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    let confirmed = confirm(code_at(&secret, unix_now() as u64)).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(confirmed.header("location"), "/account/two-factor");
    // Under the session's new token.
    let cookie = session_cookie(&confirmed);
    let renewed = call(&app.router, "regenerate_recovery_codes", "", Some(&cookie)).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
}

async fn sealed_secret(app: &TestApp, user_id: &str) -> String {
    sqlx::query_scalar("SELECT secret_sealed FROM totp_factors WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_secret_key_rotation_keeps_authenticators_working_after_the_previous_key_is_gone() {
    const NEW_KEY: &str = "bmV3IGtleSBmb3IgdGhlIHJvdGF0aW9uIHRlc3Q6IDMyIGJ5dGVzIQ==";
    let database = sqlite_database();
    let url = database.url.clone();
    let before = app_on(database, &[]).await;
    let email = "rotation@example.com";
    let SignedInUser {
        id: user_id,
        cookie,
    } = account(&before, email).await;
    let (secret, _) = turn_on(&before, &cookie).await;
    let sealed_before = sealed_secret(&before, &user_id).await;

    // Every instance restarts with the new key, the old one as previous:
    // the secret is sealed again at start-up and sign-in goes on working.
    let during = app_on(
        TestDatabase::at("sqlite", url.clone()),
        &[
            ("SERVER_SECRET_KEY", NEW_KEY),
            ("SERVER_SECRET_KEY_PREVIOUS", TEST_SERVER_SECRET_KEY),
        ],
    )
    .await;
    let sealed_during = sealed_secret(&during, &user_id).await;
    assert_ne!(
        sealed_before, sealed_during,
        "sealed again under the new key"
    );
    let pending = first_step(&during, email).await;
    let next_code = code_at(&secret, unix_now() as u64);
    let signed_in = second_step(&during, &pending, &next_code).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);

    // The rotation's end: the previous key removed, nothing is lost.
    let after = app_on(
        TestDatabase::at("sqlite", url),
        &[("SERVER_SECRET_KEY", NEW_KEY)],
    )
    .await;
    // As if the next 30-second step had come (a code works once).
    sqlx::query("UPDATE totp_factors SET last_step = 0")
        .execute(&after.state.db)
        .await
        .unwrap();
    let pending = first_step(&after, email).await;
    let code = code_at(&secret, unix_now() as u64);
    let signed_in = second_step(&after, &pending, &code).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert!(is_signed_in(&after, &cookie_named(&signed_in, "tp_session")).await);
}

/// 40 wrong codes sent at once, authenticator and recovery codes alike,
/// from one client and from 40 addresses of one IPv6 /64: 5 are checked
/// (the account's allowance for codes), the rest wait; the right code
/// afterwards waits too, and then works.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_wrong_codes_get_no_more_checks_than_the_allowance() {
    for database in all_databases().await {
        let app = app_on(database, &[]).await;
        let kinds = [("authenticator", false), ("recovery", true)];
        for (n, ((kind, recovery), from)) in kinds
            .into_iter()
            .flat_map(|kind| {
                [
                    vec!["198.51.100.7".to_owned(); 40],
                    addresses_in_one_64(9, 40),
                ]
                .map(|from| (kind, from))
            })
            .enumerate()
        {
            let email = format!("{kind}-burst{n}@example.com");
            let SignedInUser { cookie, .. } = account(&app, &email).await;
            let (secret, _) = turn_on(&app, &cookie).await;
            let pending = first_step(&app, &email).await;
            let right = code_at(&secret, unix_now() as u64);
            let wrong = match (recovery, right.as_str()) {
                (true, _) => "2345-6789-ABCD-EFGH",
                (false, "000000") => "111111",
                (false, _) => "000000",
            };
            let body = form(&[("code", wrong)]);
            let attempts = from.into_iter().map(|address| {
                let (router, body, pending) = (app.router.clone(), body.clone(), pending.clone());
                tokio::spawn(async move {
                    call_from(&router, "verify_sign_in", &body, Some(&pending), &address).await
                })
            });
            let answers: Vec<TestResponse> = futures::future::join_all(attempts)
                .await
                .into_iter()
                .map(Result::unwrap)
                .collect();
            assert_admitted(&answers, StatusCode::UNPROCESSABLE_ENTITY, 5);
            assert!(!is_signed_in(&app, &pending).await, "{kind}");
        }
    }
}

/// A code is accepted in its own 30 seconds and the next (it may have been
/// read as its step ended), never before its time: at most 30 s of drift.
#[tokio::test]
async fn a_code_from_the_next_step_is_refused() {
    let app = sqlite_app().await;
    let email = "drift@example.com";
    let SignedInUser { cookie, .. } = account(&app, email).await;
    let (secret, _) = turn_on(&app, &cookie).await;
    let pending = first_step(&app, email).await;
    let ahead = code_at(&secret, unix_now() as u64 + 30);
    let refused = second_step(&app, &pending, &ahead).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(!is_signed_in(&app, &pending).await);
}

#[tokio::test]
async fn recovery_codes_kept_as_a_bare_digest_get_a_slow_hash_at_start_and_still_work() {
    for database in all_databases().await {
        let url = database.url.clone();
        let app = app_on(database, &[]).await;
        let email = "legacy-codes@example.com";
        let SignedInUser {
            id: user_id,
            cookie,
        } = account(&app, email).await;
        let (_, codes) = turn_on(&app, &cookie).await;
        // As stored before: SHA-256 of "{user_id}:{code}", hex.
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(&user_id)
            .execute(&app.state.db)
            .await
            .unwrap();
        for code in &codes {
            let digest =
                app::support::tokens::sha256_hex(format!("{user_id}:{}", code.replace('-', "")));
            sqlx::query(
                "INSERT INTO recovery_codes (code_hash, user_id, created_at) VALUES ($1, $2, 0)",
            )
            .bind(digest)
            .bind(&user_id)
            .execute(&app.state.db)
            .await
            .unwrap();
        }
        // The next start upgrades them.
        let restarted = second_instance(&url).await;
        let (bare,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND code_hash NOT LIKE '$argon2id$%'",
        )
        .bind(&user_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
        assert_eq!(bare, 0);
        let pending = login(&restarted, email, PASSWORD, None).await;
        let pending = session_cookie(&pending);
        let used = call(
            &restarted,
            "verify_sign_in",
            &form(&[("code", &codes[3])]),
            Some(&pending),
        )
        .await;
        assert_eq!(used.status, StatusCode::OK, "{}", used.body);
    }
}
