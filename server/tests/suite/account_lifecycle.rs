//! The account's security record and its end: every security event is on
//! the user's "Recent activity", newest first, with the address it came
//! from and only their own; deleting the account takes the password, waits
//! for an active plan to be cancelled, and then leaves nothing behind.

use crate::common;

use axum::http::StatusCode;
use common::api::*;
use common::*;

const ADDRESS: &str = "203.0.113.7";

async fn email_of(app: &TestApp, user_id: &str) -> String {
    sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// The `data-event` names of the activity table, top to bottom.
fn events_on(page: &str) -> Vec<String> {
    page.split("data-event=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_activity_log_shows_a_journey_newest_first_and_only_its_owner_s() {
    for database in all_databases().await {
        let backend = database.backend;
        let app = app_on(database, &[]).await;
        let SignedInUser { id: user_id, .. } = subscriber(&app, "journey").await;
        let email = email_of(&app, &user_id).await;

        let failed = call_from(
            &app.router,
            "login",
            &form(&[("email", &email), ("password", "not the password")]),
            None,
            ADDRESS,
        )
        .await;
        assert_eq!(failed.status, StatusCode::UNAUTHORIZED, "{backend}");
        let signed_in = call_from(
            &app.router,
            "login",
            &form(&[("email", &email), ("password", PASSWORD)]),
            None,
            ADDRESS,
        )
        .await;
        let cookie = session_cookie(&signed_in);
        let created = call_from(
            &app.router,
            "create_api_key",
            "name=ci%20runner",
            Some(&cookie),
            ADDRESS,
        )
        .await;
        assert_eq!(
            created.status,
            StatusCode::OK,
            "{backend}: {}",
            created.body
        );
        let key_id = json_of(&created)["view"]["id"].as_str().unwrap().to_owned();
        let revoked = call_from(
            &app.router,
            "revoke_api_key",
            &form(&[("key_id", &key_id)]),
            Some(&cookie),
            ADDRESS,
        )
        .await;
        assert_eq!(
            revoked.status,
            StatusCode::OK,
            "{backend}: {}",
            revoked.body
        );
        let changed = call_from(
            &app.router,
            "change_password",
            &form(&[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
            ]),
            Some(&cookie),
            ADDRESS,
        )
        .await;
        assert_eq!(
            changed.status,
            StatusCode::OK,
            "{backend}: {}",
            changed.body
        );
        call_from(
            &app.router,
            "sign_out_everywhere",
            "",
            Some(&cookie),
            ADDRESS,
        )
        .await;

        // Someone else's events stay theirs.
        let KeyHolder { key: other_key, .. } = user_with_key(&app, "stranger").await;
        assert_eq!(
            users_me(&app.router, &other_key).await.status,
            StatusCode::OK
        );

        let account = page(&app.router, "/account", Some(&cookie)).await;
        assert_eq!(account.status, StatusCode::OK, "{backend}");
        assert!(account.body.contains("Recent activity"), "{backend}");
        assert_eq!(
            events_on(&account.body),
            [
                "signed_out_everywhere",
                "password_changed",
                "key_revoked",
                "key_created",
                "signed_in",
                "sign_in_failed",
                "account_created",
            ],
            "{backend}: newest first, only this user's"
        );
        assert!(
            account.body.contains("API key created: ci runner"),
            "{backend}"
        );
        assert!(account.body.contains("Failed sign-in"), "{backend}");
        assert!(
            account.body.contains(ADDRESS),
            "{backend}: where it came from"
        );
        assert!(
            !account.body.contains("laptop"),
            "{backend}: not the stranger's key"
        );

        // The same list for scripts, and never without a session.
        let listed = call_from(&app.router, "recent_activity", "", Some(&cookie), ADDRESS).await;
        let listed = json_of(&listed);
        assert_eq!(listed.as_array().unwrap().len(), 7, "{backend}: {listed}");
        assert_eq!(listed[0]["kind"], "signed_out_everywhere");
        assert_eq!(listed[0]["client_address"], ADDRESS);
        let anonymous = call_from(&app.router, "recent_activity", "", None, ADDRESS).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{backend}");
    }
}

#[tokio::test]
async fn deleting_an_account_takes_the_password_and_a_cancelled_plan_then_leaves_nothing() {
    for database in all_databases().await {
        let backend = database.backend;
        let app = app_on(database, &[]).await;
        let SignedInUser {
            cookie,
            id: user_id,
        } = subscriber(&app, "leaving").await;
        let email = email_of(&app, &user_id).await;
        let created = call(&app.router, "create_api_key", "name=laptop", Some(&cookie)).await;
        let key = json_of(&created)["key"].as_str().unwrap().to_owned();
        let other_session = session_cookie(&login(&app.router, &email, PASSWORD, None).await);
        let KeyHolder {
            key: bystander_key, ..
        } = user_with_key(&app, "bystander").await;
        let user_rows = |table: &'static str| {
            let db = app.state.db.clone();
            let user_id = user_id.clone();
            async move {
                sqlx::query_scalar::<_, i64>(&format!(
                    "SELECT COUNT(*) FROM {table} WHERE user_id = $1"
                ))
                .bind(&user_id)
                .fetch_one(&db)
                .await
                .unwrap()
            }
        };

        let wrong = call(
            &app.router,
            "delete_account",
            "password=not%20my%20password",
            Some(&cookie),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(
            wrong.body.contains("account was kept"),
            "{backend}: {}",
            wrong.body
        );
        assert_eq!(users_me(&app.router, &key).await.status, StatusCode::OK);

        let still_paying = call(
            &app.router,
            "delete_account",
            &form(&[("password", PASSWORD)]),
            Some(&cookie),
        )
        .await;
        assert_eq!(still_paying.status, StatusCode::CONFLICT, "{backend}");
        let refusal: app::error::AppError = serde_json::from_str(&still_paying.body).unwrap();
        assert!(
            refusal
                .to_string()
                .contains("Starter plan is still active. Cancel it in Manage billing first"),
            "{backend}: {refusal}"
        );
        assert_eq!(user_rows("api_keys").await, 1, "{backend}: nothing changed");

        // Cancelled in the portal: the period is over.
        sqlx::query(
            "UPDATE sandbox_subscriptions SET status = 'canceled', current_period_end = 1 \
             WHERE user_id = $1",
        )
        .bind(&user_id)
        .execute(&app.state.db)
        .await
        .unwrap();
        let deleted = call(
            &app.router,
            "delete_account",
            &form(&[("password", PASSWORD)]),
            Some(&cookie),
        )
        .await;
        assert!(
            deleted.status.is_success() || deleted.status.is_redirection(),
            "{backend}: {} {}",
            deleted.status,
            deleted.body
        );
        assert!(
            deleted.header("set-cookie").contains("Max-Age=0"),
            "{backend}: the browser forgets the session"
        );

        let key_answer = users_me(&app.router, &key).await;
        assert_envelope(&key_answer, StatusCode::UNAUTHORIZED, "unauthorized");
        for session in [&cookie, &other_session] {
            let who = call(&app.router, "signed_in_user", "", Some(session)).await;
            assert_eq!(who.body, "null", "{backend}: every session ended");
        }
        let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1")
            .bind(&user_id)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
        assert_eq!(users, 0, "{backend}");
        for table in ["sessions", "api_keys", "checkouts", "activity_events"] {
            assert_eq!(user_rows(table).await, 0, "{backend}: {table}");
        }
        let registered_again = register(&app.router, &email, "Back again").await;
        assert!(
            registered_again
                .header("set-cookie")
                .contains("tp_session="),
            "{backend}: the e-mail is free again"
        );
        assert_eq!(
            users_me(&app.router, &bystander_key).await.status,
            StatusCode::OK,
            "{backend}: nobody else is touched"
        );
    }
}
