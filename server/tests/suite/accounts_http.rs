//! Accounts over HTTP, as scripts and browsers reach them: registration,
//! sign-in, cookies, sessions, throttling and cross-site protection.

use crate::common;

use app::accounts::ssr::throttle::{account_subject, reauth_subject};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;

#[tokio::test]
async fn registration_signs_in_with_a_hardened_cookie() {
    let app = sqlite_app().await;
    let response = register(&app.router, " Ada@Example.com ", "Ada").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.header("location"), "/dashboard");
    let set_cookie = response.header("set-cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} missing: {set_cookie}"
        );
    }
    assert!(set_cookie.starts_with("__Host-tp_session=") && set_cookie.contains("Secure"));

    let cookie = session_cookie(&response);
    let dashboard = page(&app.router, "/dashboard", Some(&cookie)).await;
    assert!(
        dashboard.body.contains("Welcome, Ada"),
        "{}",
        dashboard.body
    );
    assert_eq!(dashboard.header("cache-control"), "private, no-store");
}

#[tokio::test]
async fn cookies_are_secure_and_host_prefixed_exactly_when_the_site_is_https() {
    let https = sqlite_app().await;
    let response = register(&https.router, "ada@example.com", "Ada").await;
    let set_cookie = response.header("set-cookie");
    assert!(set_cookie.starts_with("__Host-tp_session="), "{set_cookie}");
    assert!(
        set_cookie.contains("Secure") && !set_cookie.contains("Domain"),
        "{set_cookie}"
    );

    let local = "http://127.0.0.1:8081";
    let http = app_on(sqlite_database(), &[("PUBLIC_URL", local)]).await;
    let body = form(&[
        ("email", "ada@example.com"),
        ("password", PASSWORD),
        ("display_name", "Ada"),
        ("next", ""),
    ]);
    let request = Request::post("/api/register")
        .header(header::ORIGIN, local)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let response = send(&http.router, request).await;
    let set_cookie = response.header("set-cookie");
    assert!(
        set_cookie.starts_with("tp_session=") && !set_cookie.contains("Secure"),
        "{set_cookie}"
    );
}

#[tokio::test]
async fn every_sign_in_gets_a_new_token_and_sign_out_ends_the_session() {
    let app = sqlite_app().await;
    let first = session_cookie(&register(&app.router, "ada@example.com", "Ada").await);
    let second = login(&app.router, "ada@example.com", PASSWORD, Some(&first)).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let second = session_cookie(&second);
    assert_ne!(first, second, "a new token at sign-in");
    assert!(
        !page(&app.router, "/dashboard", Some(&first))
            .await
            .body
            .contains("Welcome")
    );

    let signed_in = page(&app.router, "/dashboard", Some(&second)).await;
    assert!(signed_in.body.contains("Welcome, Ada"));
    let logout = call(&app.router, "logout", "", Some(&second)).await;
    assert!(logout.header("set-cookie").contains("Max-Age=0"));
    let after = page(&app.router, "/dashboard", Some(&second)).await;
    assert_eq!(after.status, StatusCode::FOUND);
    assert_eq!(after.header("location"), "/login?next=/dashboard");
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_anything_changes() {
    let app = sqlite_app().await;
    let body = form(&[
        ("email", "ada@example.com"),
        ("password", PASSWORD),
        ("display_name", "Ada"),
        ("next", ""),
    ]);
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("referer", "https://evil.example/form"),
    ] {
        let request = Request::post("/api/register")
            .header(name, value)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.clone()))
            .unwrap();
        let response = send(&app.router, request).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{name}");
        assert!(response.body.contains("another site"));
    }
    // Nothing was created: the address is still free.
    assert_eq!(
        register(&app.router, "ada@example.com", "Ada").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn bad_registrations_get_specific_errors_and_change_nothing() {
    let app = sqlite_app().await;
    register(&app.router, "ada@example.com", "Ada").await;
    // Over the name rule, within the body limit (limits_http.rs covers that).
    let huge_name = "A".repeat(1_000);
    let cases: [(&str, &str, &str, &str); 8] = [
        ("ada@example.com", PASSWORD, "Ada Again", "already exists"),
        ("", PASSWORD, "Ada", "Enter your e-mail"),
        ("not-an-address", PASSWORD, "Ada", "like name@example.com"),
        ("new@example.com", "short", "Ada", "at least 10"),
        ("new@example.com", "password123", "Ada", "common password"),
        // The account's own address as its password.
        (
            "new@example.com",
            "new@example.com",
            "Ada",
            "Too easy to guess",
        ),
        ("new@example.com", PASSWORD, &huge_name, "at most 64"),
        (
            "new@example.com",
            PASSWORD,
            "Ada\u{7}Bell",
            "control characters",
        ),
    ];
    for (email, password, name, expected) in cases {
        let response = call(
            &app.router,
            "register",
            &form(&[
                ("email", email),
                ("password", password),
                ("display_name", name),
                ("next", ""),
            ]),
            None,
        )
        .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{expected}: {}",
            response.body
        );
        assert!(
            response.body.contains(expected),
            "{expected} not in {}",
            response.body
        );
        assert!(response.header("set-cookie").is_empty());
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(count, 1, "no half-written rows");
}

#[tokio::test]
async fn malformed_form_posts_are_client_errors() {
    let app = sqlite_app().await;
    for body in ["", "email=only", "password=x&display_name=y", "%%%"] {
        let response = call(&app.router, "register", body, None).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{body:?}: {}",
            response.body
        );
    }
}

#[tokio::test]
async fn a_form_field_that_is_not_utf8_is_refused_not_stored_with_replacements() {
    let app = sqlite_app().await;
    let email = "bytes@example.com";
    for display_name in ["Zo%EB", "Zo%C3", "%ED%A0%80"] {
        let body = format!(
            "{}&display_name={display_name}",
            form(&[("email", email), ("password", PASSWORD), ("next", "")])
        );
        let refused = call(&app.router, "register", &body, None).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{display_name}");
        assert!(refused.body.contains("not valid UTF-8"), "{}", refused.body);
        assert!(refused.body.contains("Request id: "), "{}", refused.body);
    }
    let users: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(users.0, 0, "nothing stored");
    // The same name as UTF-8 is taken as typed.
    let body = format!(
        "{}&display_name=Zo%C3%AB",
        form(&[("email", email), ("password", PASSWORD), ("next", "")])
    );
    assert_eq!(
        call(&app.router, "register", &body, None).await.status,
        StatusCode::OK
    );
    let (name,): (String,) = sqlx::query_as("SELECT display_name FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(name, "Zoë");
}

#[tokio::test]
async fn markup_in_a_display_name_is_shown_as_text() {
    let app = sqlite_app().await;
    let cookie = session_cookie(
        &register(&app.router, "ada@example.com", "<script>alert(1)</script>").await,
    );
    let dashboard = page(&app.router, "/dashboard", Some(&cookie)).await;
    assert!(
        dashboard
            .body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    assert!(!dashboard.body.contains("<script>alert(1)"));
}

#[tokio::test]
async fn unknown_e_mail_and_wrong_password_get_the_same_answer() {
    let app = sqlite_app().await;
    register(&app.router, "ada@example.com", "Ada").await;
    let wrong = login(&app.router, "ada@example.com", "not the password", None).await;
    let unknown = login(&app.router, "nobody@example.com", "not the password", None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        (wrong.status, wrong.body.as_str()),
        (unknown.status, unknown.body.as_str())
    );
}

/// 40 wrong passwords sent at once, from one client and from 40 addresses
/// of one IPv6 /64: 5 are checked (the account's allowance), the rest wait.
/// And 40 accounts guessed at once from one /64 share its client allowance
/// of 30.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simultaneous_wrong_passwords_get_no_more_checks_than_the_allowance() {
    for database in all_databases().await {
        let app = app_on(database, &[]).await;
        let guesses = |email: String, from: Vec<String>| {
            let body = form(&[
                ("email", &email),
                ("password", "a wrong guess 42"),
                ("next", ""),
            ]);
            let router = app.router.clone();
            futures::future::join_all(from.into_iter().map(move |address| {
                let (router, body) = (router.clone(), body.clone());
                tokio::spawn(
                    async move { call_from(&router, "login", &body, None, &address).await },
                )
            }))
        };
        let unwrap = |answers: Vec<Result<TestResponse, _>>| -> Vec<TestResponse> {
            answers
                .into_iter()
                .map(|answer: Result<_, tokio::task::JoinError>| answer.unwrap())
                .collect()
        };
        for (n, from) in [
            vec!["203.0.113.9".to_owned(); 40],
            addresses_in_one_64(7, 40),
        ]
        .into_iter()
        .enumerate()
        {
            let email = format!("burst{n}@example.com");
            register(&app.router, &email, "Burst").await;
            let answers = unwrap(guesses(email.clone(), from).await);
            assert_admitted(&answers, StatusCode::UNAUTHORIZED, 5);
        }
        let accounts = addresses_in_one_64(8, 40)
            .into_iter()
            .enumerate()
            .map(|(n, address)| {
                let body = form(&[
                    ("email", &format!("nobody{n}@example.com")),
                    ("password", "a wrong guess 42"),
                    ("next", ""),
                ]);
                let router = app.router.clone();
                tokio::spawn(
                    async move { call_from(&router, "login", &body, None, &address).await },
                )
            });
        let answers = unwrap(futures::future::join_all(accounts).await);
        assert_admitted(&answers, StatusCode::UNAUTHORIZED, 30);
    }
}

#[tokio::test]
async fn guessing_makes_strangers_wait_but_not_the_owners_known_browser() {
    let app = sqlite_app().await;
    let email = "ada@example.com";
    let registered = register(&app.router, email, "Ada").await;
    let device = cookie_named(&registered, "tp_device");
    for _ in 0..5 {
        let guess = login(&app.router, email, "guess guess guess", None).await;
        assert_eq!(guess.status, StatusCode::UNAUTHORIZED);
    }
    pile_up_failures(&app.state.db, &[&account_subject(email)], 10).await;

    // A stranger's browser waits, even with the right password.
    let throttled = login(&app.router, email, PASSWORD, None).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: i64 = throttled.header("retry-after").parse().unwrap();
    assert!((899..=900).contains(&retry_after), "{retry_after}");
    // What the sign-in form shows, decoded as the page decodes it.
    let error: app::error::AppError = serde_json::from_str(&throttled.body).unwrap();
    assert!(
        error
            .to_string()
            .starts_with("Too many sign-in attempts. Wait 15 minutes"),
        "{error}"
    );
    assert!(
        throttled.header("set-cookie").is_empty(),
        "even the right password waits"
    );
    // A forged device cookie is a stranger's.
    let forged = device.replacen(':', ":x", 1);
    let refused = login(&app.router, email, PASSWORD, Some(&forged)).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);

    // The browser that signed in before is not held up by them.
    let wrong = login(&app.router, email, "a typo of mine", Some(&device)).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let owner = login(&app.router, email, PASSWORD, Some(&device)).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);
    assert!(session_cookie(&owner).contains("tp_session="));
}

#[tokio::test]
async fn the_per_client_allowance_of_wrong_passwords_is_configured() {
    let app = app_on(sqlite_database(), &[("SIGN_IN_FAILURES_PER_CLIENT", "3")]).await;
    let email = "grace@example.com";
    register(&app.router, email, "Grace").await;
    // Three strangers' accounts guessed from one client use its allowance.
    for stranger in ["a@example.com", "b@example.com", "c@example.com"] {
        let guess = login(&app.router, stranger, "guess guess guess", None).await;
        assert_eq!(guess.status, StatusCode::UNAUTHORIZED);
    }
    // The next try from that client waits, whichever account it is for.
    let next = login(&app.router, email, PASSWORD, None).await;
    assert_eq!(next.status, StatusCode::TOO_MANY_REQUESTS, "{}", next.body);
}

#[tokio::test]
async fn password_checks_of_a_signed_in_session_are_throttled_apart_from_sign_in() {
    let app = sqlite_app().await;
    let email = "checked@example.com";
    let cookie = session_cookie(&register(&app.router, email, "Checked").await);
    let change = |current: &'static str| {
        let body = form(&[
            ("current_password", current),
            ("new_password", "another long passphrase 7"),
        ]);
        let (router, cookie) = (app.router.clone(), cookie.clone());
        async move { call(&router, "change_password", &body, Some(&cookie)).await }
    };
    for _ in 0..5 {
        assert_eq!(
            change("wrong wrong wrong").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let user_id = app::accounts::ssr::users::find_by_email(&app.state.db, email)
        .await
        .unwrap()
        .unwrap()
        .id;
    pile_up_failures(&app.state.db, &[&reauth_subject(&user_id)], 5).await;
    // Password change and deletion share the count: both wait now.
    let waiting = change(PASSWORD).await;
    assert_eq!(
        waiting.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        waiting.body
    );
    let delete = call(
        &app.router,
        "delete_account",
        &form(&[("password", PASSWORD)]),
        Some(&cookie),
    )
    .await;
    assert_eq!(
        delete.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        delete.body
    );
    // Signing in (another door, another count) still works.
    assert_eq!(
        login(&app.router, email, PASSWORD, None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_password_change_signs_out_every_other_session() {
    let app = sqlite_app().await;
    let here = session_cookie(&register(&app.router, "ada@example.com", "Ada").await);
    let laptop = session_cookie(&login(&app.router, "ada@example.com", PASSWORD, None).await);

    let wrong = call(
        &app.router,
        "change_password",
        &form(&[
            ("current_password", "not it at all"),
            ("new_password", "a brand new passphrase"),
        ]),
        Some(&here),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page(&app.router, "/dashboard", Some(&laptop))
            .await
            .body
            .contains("Welcome")
    );

    let changed = call(
        &app.router,
        "change_password",
        &form(&[
            ("current_password", PASSWORD),
            ("new_password", "a brand new passphrase"),
        ]),
        Some(&here),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert!(
        page(&app.router, "/dashboard", Some(&here))
            .await
            .body
            .contains("Welcome")
    );
    assert_eq!(
        page(&app.router, "/dashboard", Some(&laptop)).await.status,
        StatusCode::FOUND
    );
    assert_eq!(
        login(&app.router, "ada@example.com", PASSWORD, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(
            &app.router,
            "ada@example.com",
            "a brand new passphrase",
            None
        )
        .await
        .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn signed_in_visitors_skip_the_sign_in_pages() {
    let app = sqlite_app().await;
    let cookie = session_cookie(&register(&app.router, "ada@example.com", "Ada").await);
    for path in ["/login", "/register"] {
        let response = page(&app.router, path, Some(&cookie)).await;
        assert_eq!(
            (response.status, response.header("location")),
            (StatusCode::FOUND, "/dashboard")
        );
    }
    let nav = page(&app.router, "/", Some(&cookie)).await.body;
    assert!(
        nav.contains("Sign out") && !nav.contains("Create account"),
        "signed-in menu in the HTML"
    );
    let anonymous = page(&app.router, "/", None).await.body;
    assert!(anonymous.contains("Create account") && !anonymous.contains("Sign out"));
}

#[tokio::test]
async fn the_app_navigation_marks_the_page_and_the_account_form_shows_the_stored_name() {
    let app = sqlite_app().await;
    let cookie = session_cookie(&register(&app.router, "ada@example.com", "Ada Lovelace").await);
    let account = page(&app.router, "/account", Some(&cookie)).await.body;
    // The console's navigation: the sidebar (the header keeps the account menu).
    let nav_start = account
        .find(r#"<nav aria-label="Main" class="console-nav">"#)
        .unwrap();
    let header = &account[nav_start..nav_start + account[nav_start..].find("</nav>").unwrap()];
    for link in ["/dashboard", "/keys", "/usage", "/billing", "/docs"] {
        assert!(
            header.contains(&format!(r#"href="{link}""#)),
            "{link} in {header}"
        );
    }
    assert!(
        header.contains(r#"<a href="/account" aria-current="page">Account"#),
        "{header}"
    );
    assert_eq!(header.matches("aria-current").count(), 1, "{header}");
    assert!(
        !header.contains("How it works"),
        "visitors' sections only on public pages"
    );
    assert!(
        account.contains(r#"value="Ada Lovelace""#),
        "prefilled: {account}"
    );
    let billing = page(&app.router, "/billing/cancel", Some(&cookie))
        .await
        .body;
    assert!(billing.contains(r#"<a href="/billing" aria-current="page">Billing"#));
}

#[tokio::test]
async fn a_session_started_on_one_instance_works_on_another() {
    let Some(database) = postgres_database().await else {
        return;
    };
    let url = database.url.clone();
    let first = app_on(database, &[]).await;
    let second = second_instance(&url).await;

    let cookie = session_cookie(&register(&first.router, "ada@example.com", "Ada").await);
    assert!(
        page(&second, "/dashboard", Some(&cookie))
            .await
            .body
            .contains("Welcome, Ada")
    );
    call(&second, "logout", "", Some(&cookie)).await;
    assert_eq!(
        page(&first.router, "/dashboard", Some(&cookie))
            .await
            .status,
        StatusCode::FOUND
    );
}

/// A dependency failure is the server's, not the caller's: scripted callers
/// get 503 with `Retry-After` and the plain message (never 500), and a form
/// posted without JavaScript still goes back to the form, which shows it.
#[tokio::test]
async fn a_database_failure_answers_503_to_scripts_and_the_form_to_browsers() {
    let app = sqlite_app().await;
    app.state.db.close().await;
    let credentials = form(&[
        ("email", "ada@example.com"),
        ("password", "a long enough password"),
    ]);
    for function in ["login", "register"] {
        let body = format!("{credentials}&display_name=Ada");
        let scripted = call(&app.router, function, &body, None).await;
        assert_eq!(
            scripted.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{function}: {}",
            scripted.body
        );
        assert_eq!(scripted.header("retry-after"), "5", "{function}");
        // The error as the page's code decodes it, with its plain message.
        let error: app::error::AppError = serde_json::from_str(&scripted.body).unwrap();
        assert!(
            error
                .to_string()
                .contains("Something went wrong on our side and nothing was changed"),
            "{function}: {error}"
        );
    }
    let browser = Request::post("/api/login")
        .header(header::ORIGIN, ORIGIN)
        .header(header::REFERER, format!("{PUBLIC_URL}/login"))
        .header(header::ACCEPT, "text/html")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(credentials))
        .unwrap();
    let browser = send(&app.router, browser).await;
    assert_eq!(browser.status, StatusCode::FOUND, "{}", browser.body);
    // Back to the form, the refusal carried in a cookie (see the next test).
    assert_eq!(browser.header("location"), format!("{PUBLIC_URL}/login"));
    assert!(browser.header("set-cookie").starts_with("tp_refused_form="));
}

/// A form posted without JavaScript and refused comes back as its page,
/// at the page's own address, with the reason and what was typed; never
/// the password; once.
#[tokio::test]
async fn a_refused_form_posted_without_javascript_comes_back_with_what_was_typed() {
    let app = sqlite_app().await;
    let typed = "display_name=Ada+Lovelace&email=ada%40example.com&password=password1234";
    let posted = Request::post("/api/register")
        .header(header::ORIGIN, ORIGIN)
        .header(header::REFERER, format!("{PUBLIC_URL}/register"))
        .header(header::ACCEPT, "text/html")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(typed))
        .unwrap();
    let refused = send(&app.router, posted).await;
    assert_eq!(refused.status, StatusCode::FOUND, "{}", refused.body);
    assert_eq!(refused.header("location"), format!("{PUBLIC_URL}/register"));
    let carried = refused.header("set-cookie");
    assert!(
        carried.contains("HttpOnly") && carried.contains("Max-Age=60"),
        "{carried}"
    );
    let cookie = carried.split(';').next().unwrap().to_owned();

    // As a browser follows the redirect: with the page it came from and
    // asking for HTML, as the post did.
    let page = send(
        &app.router,
        Request::get("/register")
            .header(header::COOKIE, &cookie)
            .header(header::REFERER, format!("{PUBLIC_URL}/register"))
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(r#"value="Ada Lovelace""#),
        "the name as typed"
    );
    assert!(
        page.body.contains(r#"value="ada@example.com""#),
        "the address as typed"
    );
    assert!(!page.body.contains("password1234"), "never the password");
    let reason = &page.body[page.body.find(r#"id="field-password-error""#).unwrap()..];
    let reason = &reason[reason.find('>').unwrap() + 1..reason.find("</p>").unwrap()];
    assert!(!reason.trim().is_empty(), "the reason, next to its field");
    assert!(
        page.header("set-cookie").contains("Max-Age=0"),
        "shown once"
    );
    assert!(page.header("cache-control").contains("no-store"));
    let again = get(&app.router, "/register").await;
    assert!(!again.body.contains("Ada Lovelace"));
}

/// A page opened with a notice in its address (`/passkey.js` follows a
/// server function's answer there, or a link was shared) is sent on to its
/// clean address and says the notice there once; a reload says nothing.
#[tokio::test]
async fn a_notice_in_the_address_is_said_once_at_the_clean_address() {
    let app = sqlite_app().await;
    let user = common::api::registered(&app, "notice").await;
    let page = |path: &str, cookie: String| {
        Request::get(path)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT, "text/html")
            .body(Body::empty())
            .unwrap()
    };
    let opened = send(
        &app.router,
        page("/account?saved=name", user.cookie.clone()),
    )
    .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(opened.header("location"), "/account");
    let carried = opened.header("set-cookie");
    assert!(carried.starts_with("tp_notice="), "{carried}");
    let notice = carried.split(';').next().unwrap();

    let shown = send(
        &app.router,
        page("/account", format!("{}; {notice}", user.cookie)),
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        shown.body.contains("Your name is saved."),
        "said at the clean address"
    );
    assert!(shown.header("set-cookie").contains("Max-Age=0"), "once");

    let reloaded = send(&app.router, page("/account", user.cookie.clone())).await;
    assert!(!reloaded.body.contains("Your name is saved."), "not again");
    // A subject alone is no notice: the page answers in place.
    let keys = send(&app.router, page("/keys?key=ci", user.cookie)).await;
    assert_eq!(keys.status, StatusCode::OK);
}
