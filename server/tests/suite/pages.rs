//! What the server answers over HTTP: pages, SEO files, caching, compression,
//! health, and what it writes to its request log.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;

fn meta_content<'a>(html: &'a str, key: &str) -> Option<&'a str> {
    let start = html.find(&format!("=\"{key}\""))?;
    let tag_end = start + html[start..].find('>')?;
    let tag_start = html[..start].rfind('<')?;
    let tag = &html[tag_start..tag_end];
    let content = tag.split("content=\"").nth(1)?;
    content.split('"').next()
}

#[tokio::test]
async fn landing_page_carries_every_seo_essential() {
    let app = sqlite_app().await;
    let page = get(&app.router, "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("content-type").starts_with("text/html"));
    assert_eq!(page.header("cache-control"), "no-cache");
    let html = &page.body;

    assert!(
        html.contains("<title>Tracepipe — turn browser recordings into AI training data</title>")
    );
    assert!(meta_content(html, "description").unwrap().contains("JSONL"));
    let canonical = html
        .split('<')
        .find(|tag| tag.starts_with("link") && tag.contains("rel=\"canonical\""))
        .expect("a canonical link");
    assert!(
        canonical.contains(&format!("href=\"{PUBLIC_URL}/\"")),
        "{canonical}"
    );
    assert_eq!(
        meta_content(html, "og:url"),
        Some(format!("{PUBLIC_URL}/").as_str())
    );
    assert_eq!(
        meta_content(html, "og:image"),
        Some(format!("{PUBLIC_URL}/og-image.png").as_str())
    );
    assert_eq!(
        meta_content(html, "twitter:card"),
        Some("summary_large_image")
    );
    assert_eq!(html.matches("<h1").count(), 1, "exactly one h1");
    assert!(html.contains("<script type=\"application/ld+json\""));
    for landmark in ["<header", "<nav", "<main", "<footer"] {
        assert!(html.contains(landmark), "{landmark} missing");
    }
}

#[tokio::test]
async fn plans_on_the_landing_page_come_from_the_catalog_file() {
    let dir = temp_dir();
    let catalog_path = dir.path().join("catalog.toml");
    let shipped = std::fs::read_to_string(repo_root().join("catalog.toml")).unwrap();
    std::fs::write(
        &catalog_path,
        shipped.replace("name = \"Scale\"", "name = \"Enterprise\""),
    )
    .unwrap();

    let database = sqlite_database();
    let mut config = config_for(&database.url, &[]);
    config.catalog_path = catalog_path;
    let state = server::build_state(&config, leptos_options())
        .await
        .unwrap();
    let router = server::router::build(state, &config).await;

    let html = get(&router, "/").await.body;
    assert!(html.contains("Enterprise"));
    assert!(!html.contains(">Scale<"));
    // Stripe ids never reach a page.
    assert!(!html.contains("prod_Tp") && !html.contains("price_Tp"));
}

#[tokio::test]
async fn a_bad_catalog_stops_start_up_with_a_specific_reason() {
    let dir = temp_dir();
    let catalog_path = dir.path().join("catalog.toml");
    std::fs::write(&catalog_path, "currency = \"USD\"\nplans = []\n").unwrap();
    let database = sqlite_database();
    let mut config = config_for(&database.url, &[]);
    config.catalog_path = catalog_path;
    let Err(err) = server::build_state(&config, leptos_options()).await else {
        panic!("an empty catalog must be refused");
    };
    assert!(
        err.to_string().contains("at least one subscription"),
        "{err}"
    );
}

/// Pages without islands (public and console pages alike): no inline
/// script, no hydration marker, and a policy that runs our own files only.
/// A page that may carry an island (`/keys`): a fresh nonce per response on
/// all its scripts, named in the header.
#[tokio::test]
async fn pages_without_islands_run_no_inline_script_and_island_pages_name_a_fresh_nonce() {
    let app = sqlite_app().await;
    let cookie = session_cookie(&register(&app.router, "nonce@example.com", "Nonce Reader").await);
    let signed_in = Some(cookie.as_str());
    for (path, cookie) in [
        ("/", None),
        ("/pricing", None),
        ("/docs/api", None),
        ("/login", None),
        ("/no-such-page", None),
        ("/dashboard", signed_in),
        ("/account", signed_in),
        ("/usage", signed_in),
    ] {
        let response = page(&app.router, path, cookie).await;
        assert!(
            !response.body.contains("nonce=\""),
            "{path}: an inline script is left"
        );
        assert!(
            !response.body.contains("<!>"),
            "{path}: a hydration marker is left"
        );
        assert!(!response.body.contains("__RESOLVED_RESOURCES"), "{path}");
        assert!(!response.body.contains(".wasm"), "{path}: no WebAssembly");
        assert!(
            response.body.contains(r#"<script src="/copy.js" defer>"#),
            "{path}"
        );
        let policy = response.header("content-security-policy");
        assert!(policy.contains("script-src 'self';"), "{path}: {policy}");
    }
    let mut seen = Vec::new();
    for _ in 0..3 {
        let response = page(&app.router, "/keys", Some(&cookie)).await;
        let nonces: Vec<&str> = response
            .body
            .split("nonce=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap())
            .collect();
        assert!(!nonces.is_empty());
        assert!(nonces.iter().all(|nonce| *nonce == nonces[0]), "{nonces:?}");
        let policy = response.header("content-security-policy");
        assert!(
            policy.contains(&format!(
                "script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'",
                nonces[0]
            )),
            "{policy}"
        );
        seen.push(nonces[0].to_owned());
    }
    seen.dedup();
    assert_eq!(seen.len(), 3, "a fresh nonce per response");
}

#[tokio::test]
async fn unknown_paths_get_a_helpful_404_page() {
    let app = sqlite_app().await;
    let page = get(&app.router, "/old/%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(
        page.body.contains("We couldn&#x27;t find that page")
            || page.body.contains("We couldn't find that page")
    );
    assert!(page.body.contains("href=\"/\""), "links back home");
    assert_eq!(meta_content(&page.body, "robots"), Some("noindex"));
    assert_eq!(
        meta_content(&page.body, "og:title"),
        None,
        "no sharing card on a page kept out of search"
    );
    assert!(
        !page.body.contains("<script>alert"),
        "the path is shown as text"
    );
}

#[tokio::test]
async fn robots_and_sitemap_use_absolute_public_urls() {
    let app = sqlite_app().await;
    let robots = get(&app.router, "/robots.txt").await;
    assert_eq!(robots.status, StatusCode::OK);
    assert!(
        robots
            .body
            .contains(&format!("Sitemap: {PUBLIC_URL}/sitemap.xml"))
    );
    let sitemap = get(&app.router, "/sitemap.xml").await;
    assert!(
        sitemap
            .header("content-type")
            .starts_with("application/xml")
    );
    assert!(sitemap.body.contains(&format!("<loc>{PUBLIC_URL}/</loc>")));
}

#[tokio::test]
async fn pages_are_compressed_when_the_client_accepts_it() {
    let app = sqlite_app().await;
    let fetch = |path: &'static str, accepted: &'static str| {
        let router = app.router.clone();
        async move {
            let request = Request::get(path)
                .header(header::ACCEPT_ENCODING, accepted)
                .body(Body::empty())
                .unwrap();
            send(&router, request).await
        }
    };
    // Public pages are compressed once, when first cached: brotli where the
    // browser takes it.
    for (accepted, used) in [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip", "gzip"),
        ("zstd", ""),
    ] {
        let response = fetch("/", accepted).await;
        assert_eq!(response.header("content-encoding"), used, "{accepted}");
        assert_eq!(response.header("vary"), "accept-encoding");
        assert!(!response.header("content-security-policy").is_empty());
    }
    // Rendered pages are gzipped per response, also for browsers that prefer
    // brotli (cheaper per response at a similar size, see
    // `router::compression`).
    for (accepted, used) in [("gzip", "gzip"), ("br, gzip", "gzip"), ("br", "")] {
        let response = fetch("/no-such-page", accepted).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND);
        assert_eq!(response.header("content-encoding"), used, "{accepted}");
    }
    assert_eq!(get(&app.router, "/").await.header("content-encoding"), "");
}

#[tokio::test]
async fn readiness_follows_the_database() {
    let app = sqlite_app().await;
    let health = get(&app.router, "/healthz").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, r#"{"status":"ok"}"#)
    );
    assert_eq!(get(&app.router, "/readyz").await.status, StatusCode::OK);

    app.state.db.close().await;
    let ready = get(&app.router, "/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.body.contains("unreachable"));
    assert_eq!(ready.header("cache-control"), "no-store");
    // The process itself is still alive.
    assert_eq!(get(&app.router, "/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_bench_copy_of_the_landing_page_exists_only_when_asked_for() {
    let app = sqlite_app().await;
    assert_eq!(
        get(&app.router, "/__bench/landing-copy").await.status,
        StatusCode::NOT_FOUND
    );

    let app = app_on(sqlite_database(), &[("BENCH_ROUTES", "true")]).await;
    let copy = get(&app.router, "/__bench/landing-copy").await;
    let landing = get(&app.router, "/").await;
    assert_eq!(copy.status, StatusCode::OK);
    // Identical: public pages carry no per-response nonce.
    assert_eq!(copy.body, landing.body);
    assert_eq!(copy.header("content-type"), landing.header("content-type"));
}

/// Every kind of answer carries the security headers; hydrated pages name
/// their own nonce, other pages run our files only, everything else allows
/// no script at all.
#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = sqlite_app().await;
    let (cookie, _) = {
        let response = register(&app.router, "headers@example.com", "Header Reader").await;
        (session_cookie(&response), ())
    };
    let mut answers = Vec::new();
    for path in [
        "/",
        "/pricing",
        "/docs/quickstart",
        "/login",
        "/no-such-page",
    ] {
        answers.push((path.to_owned(), page(&app.router, path, None).await));
    }
    for path in ["/dashboard", "/usage", "/keys"] {
        answers.push((
            path.to_owned(),
            page(&app.router, path, Some(&cookie)).await,
        ));
    }
    for path in [
        "/healthz",
        "/robots.txt",
        "/v1/openapi.json",
        "/v1/users/me",
        "/favicon.svg",
    ] {
        answers.push((path.to_owned(), get(&app.router, path).await));
    }
    for (path, answer) in answers {
        assert_eq!(answer.header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(
            answer.header("referrer-policy"),
            "strict-origin-when-cross-origin",
            "{path}"
        );
        // PUBLIC_URL is https in the tests.
        assert!(
            answer
                .header("strict-transport-security")
                .starts_with("max-age="),
            "{path}"
        );
        let policy = answer.header("content-security-policy");
        for directive in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        if answer.header("content-type").starts_with("text/html") {
            // Hydrated pages name their scripts' nonce; the others run files only.
            match answer
                .body
                .split("nonce=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
            {
                Some(nonce) => assert!(
                    policy.contains(&format!("'nonce-{nonce}'")),
                    "{path}: {policy}"
                ),
                None => assert!(policy.contains("script-src 'self';"), "{path}: {policy}"),
            }
        } else {
            assert!(policy.contains("script-src 'none'"), "{path}: {policy}");
        }
    }
}

/// A client that hangs up while a signed-in page renders: the render ends
/// quietly. Leptos renders the parts under `<Suspense>` in effects of their
/// own; when the response was dropped mid-render, its reactive owner was
/// torn down under them and they panicked ("already disposed", "outside a
/// <Router>"). Dropping the request future part-way is what hyper does on a
/// disconnect.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_that_hangs_up_mid_render_causes_no_panic() {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    let panics = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = panics.clone();
    let default_hook = std::panic::take_hook();
    // Only the render's panics count: another test's failing assertion in
    // this binary is its own business.
    std::panic::set_hook(Box::new(move |info| {
        let text = info.to_string();
        if text.contains("disposed")
            || text.contains("outside a <Router>")
            || text.contains("reactive")
        {
            seen.lock().unwrap().push(text);
        }
        default_hook(info)
    }));

    let app = sqlite_app().await;
    let SignedInUser {
        cookie,
        id: user_id,
    } = common::api::subscriber(&app, "hangs-up").await;
    for name in ["one", "two", "three"] {
        common::api::store_key(&app, &user_id, name).await;
    }
    let pages = [
        "/keys",
        "/account",
        "/dashboard",
        "/usage",
        "/billing",
        "/account/two-factor",
    ];
    for n in 0..600u64 {
        let request = Request::get(pages[n as usize % pages.len()])
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        // Hang up after 0 to 5 ms: before, during and after the render.
        let cut = Duration::from_micros((n * 4_177) % 5_000);
        let _ = tokio::time::timeout(cut, send(&app.router, request)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    // Before the fix a few renders panicked and the server stopped answering.
    let after = tokio::time::timeout(
        Duration::from_secs(10),
        page(&app.router, "/keys", Some(&cookie)),
    )
    .await
    .expect("the server still answers after clients hung up");
    assert_eq!(after.status, StatusCode::OK);
    let panics = panics.lock().unwrap();
    assert!(
        panics.is_empty(),
        "{} panics, first: {:?}",
        panics.len(),
        panics.first()
    );
}
