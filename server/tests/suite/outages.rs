//! The database goes away under a running instance and comes back: requests
//! that need it are answered 503 at once (with `Retry-After` and the plain
//! message), public pages stay up, and everything works again afterwards
//! without a restart.

use crate::common;

use axum::http::StatusCode;
use common::api::*;
use common::own_postgres::OwnPostgres;
use common::*;
use std::time::{Duration, Instant};

/// Well within the 1.5 s a person would call "at once", with the default
/// one-second wait for a connection.
const PROMPT: Duration = Duration::from_millis(1500);

#[tokio::test]
async fn a_database_outage_is_answered_503_at_once_and_recovers_without_a_restart() {
    let Some(postgres) = OwnPostgres::start() else {
        return;
    };
    let app = app_on(TestDatabase::at("postgres", postgres.url()), &[]).await;
    let SignedInUser {
        cookie,
        id: user_id,
    } = registered(&app, "outage").await;
    let (_, key) = store_key(&app, &user_id, "laptop").await;
    // Each request the outage must not break, and what it answers normally.
    let api = || users_me(&app.router, &key);
    let signed_in_page = || page(&app.router, "/dashboard", Some(&cookie));
    let server_function = || call(&app.router, "list_api_keys", "view=", Some(&cookie));
    let sign_in_form = form(&[("email", "nobody@example.com"), ("password", PASSWORD)]);
    let sign_in = || call(&app.router, "login", &sign_in_form, None);
    assert_eq!(api().await.status, StatusCode::OK);
    assert_eq!(signed_in_page().await.status, StatusCode::OK);
    assert_eq!(server_function().await.status, StatusCode::OK);

    postgres.stop();

    let started = Instant::now();
    let refused = api().await;
    assert!(started.elapsed() < PROMPT, "API: {:?}", started.elapsed());
    assert_envelope(&refused, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(!refused.header("retry-after").is_empty());

    for (what, request) in [
        ("signed-in page", signed_in_page().await),
        ("server function", server_function().await),
        ("sign-in", sign_in().await),
    ] {
        assert_eq!(request.status, StatusCode::SERVICE_UNAVAILABLE, "{what}");
        assert!(!request.header("retry-after").is_empty(), "{what}");
        assert!(
            request.body.contains("Something went wrong on our side")
                || request.body.contains("Unavailable"),
            "{what}: {}",
            request.body
        );
    }
    assert!(
        started.elapsed() < 4 * PROMPT,
        "four requests took {:?}",
        started.elapsed()
    );
    // Nothing on the landing page needs the database.
    assert_eq!(
        page(&app.router, "/", Some(&cookie)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&app.router, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );

    postgres.start_again();

    // The pool reconnects by itself.
    let mut recovered = false;
    for _ in 0..50 {
        if get(&app.router, "/readyz").await.status == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the storefront never saw the database again");
    assert_eq!(api().await.status, StatusCode::OK);
    let dashboard = signed_in_page().await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("Key Maker"), "still signed in");
    assert_eq!(server_function().await.status, StatusCode::OK);
    assert_eq!(sign_in().await.status, StatusCode::UNAUTHORIZED);
}
