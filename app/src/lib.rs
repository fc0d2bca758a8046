//! Tracepipe storefront: pages, components and server functions shared by the
//! server (feature `ssr`) and the hydrating browser bundle (feature `hydrate`).

// Leptos view types nest deeply; the default limit (128) is too low for them.
#![recursion_limit = "256"]

pub mod accounts;
pub mod actor;
#[cfg(feature = "ssr")]
pub mod api_errors;
pub mod api_keys;
pub mod billing;
pub mod catalog;
pub mod components;
pub mod dashboard;
pub mod date_label;
#[cfg(feature = "ssr")]
pub mod docs;
pub mod error;
#[cfg(feature = "ssr")]
pub mod landing;
pub mod mail;
#[cfg(feature = "ssr")]
pub mod not_found;
pub mod payments;
pub mod permissions;
pub mod shell;
pub mod site;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod support;
pub mod usage;

use accounts::auth::provide_auth;
use accounts::pages::{AccountPage, ConfirmPasswordPage};
use accounts::two_factor_pages::TwoFactorPage;
use api_keys::pages::KeysPage;
use billing::pages::{BillingPage, CheckoutCancelPage, CheckoutSuccessPage};
use dashboard::DashboardPage;
use leptos::prelude::*;
use leptos_meta::provide_meta_context;
use leptos_router::{
    Lazy, SsrMode,
    components::{Route, Router, Routes},
    path,
};
use shell::{ConsoleNav, SiteFooter, SiteHeader, SkipLink};
use site::SiteInfo;
use usage::pages::UsagePage;
// The pages only the server renders (see `on_server!`).
#[cfg(feature = "ssr")]
use {
    accounts::auth::SignedOut,
    accounts::signed_out_pages::{
        ConfirmEmailPage, ForgotPasswordPage, LoginPage, RegisterPage, ResetPasswordPage,
        SecondStepPage,
    },
    billing::pricing_page::PricingPage,
    docs::errors_page::ErrorsPage,
    docs::home_page::DocsHomePage,
    docs::pages::QuickstartPage,
    docs::reference_page::ApiReferencePage,
    docs::trace_capture_page::TraceCapturePage,
    landing::LandingPage,
    not_found::NotFound,
};

/// The HTML document around `<App/>`. Server-only: the browser hydrates the
/// body of the signed-in pages (`site::hydrates`); every other page is HTML
/// and CSS with small scripts that only enhance it (`/copy.js`,
/// `/passkey.js`, and on the docs `/code-tabs.js`), so its first visit
/// downloads no WebAssembly.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    let stylesheet = use_context::<state::ShellAssets>()
        .map(|assets| assets.stylesheet_href)
        .unwrap_or_default();
    let path = use_context::<axum::http::request::Parts>()
        .map(|parts| parts.uri.path().to_owned())
        .unwrap_or_default();
    let hydrates = site::hydrates(&path);
    let docs = path == "/docs" || path.starts_with("/docs/");
    // The same nonce Leptos stamps on this page's scripts, in the header.
    if let (Some(nonce), Some(policy), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<state::ContentSecurityPolicy>(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(value) =
        axum::http::HeaderValue::from_str(&policy.for_page(&nonce.to_string(), hydrates))
    {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta name="theme-color" content="#f7f8fb" media="(prefers-color-scheme: light)" />
                <meta name="theme-color" content="#0d1117" media="(prefers-color-scheme: dark)" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="icon" href="/favicon.ico" sizes="32x32" />
                <link rel="apple-touch-icon" href="/apple-touch-icon.png" />
                <link rel="stylesheet" href=stylesheet />
                // A few kilobytes each that only enhance working HTML (see their headers).
                <script src="/copy.js" defer></script>
                <script src="/passkey.js" defer></script>
                {docs.then(|| view! { <script src="/code-tabs.js" defer></script> })}
                {hydrates
                    .then(|| {
                        view! {
                            <AutoReload options=options.clone() />
                            <HydrationScripts options />
                        }
                    })}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Computed on the server from configuration, read back from the page
    // during hydration, so both sides render the same canonical URLs and plans.
    let site = SharedValue::new(expect_context::<SiteInfo>).into_inner();
    provide_context(site);

    view! {
        <Router>
            <Layout />
        </Router>
    }
}

/// A page that never hydrates (`site::hydrates`: public pages, docs,
/// signed-out forms, the 404 page) is rendered by the server only. In the
/// browser bundle its route stands for "ask the server" (`LoadFromServer`),
/// so the signed-in app's bundle carries none of those pages' code or text,
/// and a link to one from the app is a full page load.
macro_rules! on_server {
    ($page:expr) => {{
        #[cfg(feature = "ssr")]
        let page = $page.into_any();
        #[cfg(not(feature = "ssr"))]
        let page = view! { <LoadFromServer /> }.into_any();
        page
    }};
}

/// In the browser, a page the server renders (see `on_server!`) reached by
/// client-side navigation: loads it from the server. The router renders the
/// new route before it updates the address bar, so the target comes from the
/// router's location, not from the window's.
#[cfg(not(feature = "ssr"))]
#[component]
fn LoadFromServer() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    Effect::new(move || {
        // As the router writes it: `search` without its `?`, `hash` with or without `#`.
        let mut target = location.pathname.get_untracked();
        let search = location.search.get_untracked();
        if !search.is_empty() {
            target.push('?');
            target.push_str(&search);
        }
        let hash = location.hash.get_untracked();
        if !hash.is_empty() && !hash.starts_with('#') {
            target.push('#');
        }
        target.push_str(&hash);
        let _ = window().location().assign(&target);
    });
    view! { <p class="container">"Loading…"</p> }
}

/// A signed-in page whose code the browser fetches when the page is first
/// needed (`cargo leptos build --split` puts it in its own wasm file), so the
/// first page hydrates with a small bundle.
macro_rules! lazy_page {
    ($route:ident, $page:expr) => {
        struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_route: Self) -> AnyView {
                $page.into_any()
            }
        }
    };
}

lazy_page!(ConfirmPasswordRoute, view! { <ConfirmPasswordPage /> });
lazy_page!(TwoFactorRoute, view! { <TwoFactorPage /> });
lazy_page!(BillingRoute, view! { <BillingPage /> });
lazy_page!(CheckoutSuccessRoute, view! { <CheckoutSuccessPage /> });
lazy_page!(CheckoutCancelRoute, view! { <CheckoutCancelPage /> });
lazy_page!(DashboardRoute, view! { <DashboardPage /> });
lazy_page!(AccountRoute, view! { <AccountPage /> });
lazy_page!(KeysRoute, view! { <KeysPage /> });
lazy_page!(UsageRoute, view! { <UsagePage /> });

/// Everything inside the router. The auth actions are created here so that,
/// after a form post without JavaScript, they pick up the error the router
/// reads from the address. A console page has the console's shell (a
/// sidebar, no footer); the browser only ever moves between console pages
/// without a page load (`on_server!`), so the shell is chosen once.
#[component]
fn Layout() -> impl IntoView {
    provide_auth();
    let console = shell::in_console(
        &leptos_router::hooks::use_location()
            .pathname
            .get_untracked(),
    );
    // In-order streaming: everything behind a Suspense/Transition (the signed-in
    // menu, guarded pages) arrives in place, readable without JavaScript.
    view! {
        <SkipLink />
        <SiteHeader console />
        <div class="page-frame" class:page-frame--console=console>
        {console.then(|| view! { <ConsoleNav /> })}
        <main id="main" tabindex="-1">
            <Routes fallback=|| on_server!(view! { <NotFound /> })>
                <Route path=path!("/") view=|| on_server!(view! { <LandingPage /> }) ssr=SsrMode::InOrder />
                <Route path=path!("/register") view=|| on_server!(view! { <SignedOut><RegisterPage /></SignedOut> }) ssr=SsrMode::InOrder />
                <Route path=path!("/login") view=|| on_server!(view! { <SignedOut><LoginPage /></SignedOut> }) ssr=SsrMode::InOrder />
                <Route
                    path=path!("/forgot-password")
                    view=|| on_server!(view! { <ForgotPasswordPage /> })
                    ssr=SsrMode::InOrder
                />
                <Route
                    path=path!("/reset-password")
                    view=|| on_server!(view! { <ResetPasswordPage /> })
                    ssr=SsrMode::InOrder
                />
                <Route
                    path=path!("/confirm-email")
                    view=|| on_server!(view! { <ConfirmEmailPage /> })
                    ssr=SsrMode::InOrder
                />
                <Route
                    path=path!("/confirm-password")
                    view={Lazy::<ConfirmPasswordRoute>::new()}
                    ssr=SsrMode::InOrder
                />
                <Route path=path!("/login/verify") view=|| on_server!(view! { <SignedOut><SecondStepPage /></SignedOut> }) ssr=SsrMode::InOrder />
                <Route
                    path=path!("/account/two-factor")
                    view={Lazy::<TwoFactorRoute>::new()}
                    ssr=SsrMode::InOrder
                />
                <Route path=path!("/pricing") view=|| on_server!(view! { <PricingPage /> }) ssr=SsrMode::InOrder />
                <Route path=path!("/billing") view={Lazy::<BillingRoute>::new()} ssr=SsrMode::InOrder />
                <Route
                    path=path!("/billing/success")
                    view={Lazy::<CheckoutSuccessRoute>::new()}
                    ssr=SsrMode::InOrder
                />
                <Route
                    path=path!("/billing/cancel")
                    view={Lazy::<CheckoutCancelRoute>::new()}
                    ssr=SsrMode::InOrder
                />
                <Route path=path!("/dashboard") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::InOrder />
                <Route path=path!("/account") view={Lazy::<AccountRoute>::new()} ssr=SsrMode::InOrder />
                <Route path=path!("/keys") view={Lazy::<KeysRoute>::new()} ssr=SsrMode::InOrder />
                <Route path=path!("/usage") view={Lazy::<UsageRoute>::new()} ssr=SsrMode::InOrder />
                <Route path=path!("/docs") view=|| on_server!(view! { <DocsHomePage /> }) ssr=SsrMode::InOrder />
                <Route
                    path=path!("/docs/quickstart")
                    view=|| on_server!(view! { <QuickstartPage /> })
                    ssr=SsrMode::InOrder
                />
                <Route path=path!("/docs/api") view=|| on_server!(view! { <ApiReferencePage /> }) ssr=SsrMode::InOrder />
                <Route path=path!("/docs/errors") view=|| on_server!(view! { <ErrorsPage /> }) ssr=SsrMode::InOrder />
                <Route
                    path=path!("/docs/trace-capture")
                    view=|| on_server!(view! { <TraceCapturePage /> })
                    ssr=SsrMode::InOrder
                />
            </Routes>
        </main>
        </div>
        {(!console).then(|| view! { <SiteFooter /> })}
    }
}
