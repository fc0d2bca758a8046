//! Tracepipe storefront: pages, components and server functions. The server
//! (feature `ssr`) renders every page; the browser bundle (feature
//! `hydrate`) hydrates only the islands (`#[island]`) some pages carry.

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

// The pages and the shell are rendered by the server only: the browser
// hydrates islands (`#[island]`), not pages.
#[cfg(feature = "ssr")]
use {
    accounts::auth::{SignedOut, provide_auth},
    accounts::pages::{AccountPage, ConfirmPasswordPage},
    accounts::signed_out_pages::{
        ConfirmEmailPage, ForgotPasswordPage, LoginPage, RegisterPage, ResetPasswordPage,
        SecondStepPage,
    },
    accounts::two_factor_pages::TwoFactorPage,
    api_keys::pages::KeysPage,
    billing::pages::{BillingPage, CheckoutCancelPage, CheckoutSuccessPage},
    billing::pricing_page::PricingPage,
    dashboard::DashboardPage,
    docs::errors_page::ErrorsPage,
    docs::home_page::DocsHomePage,
    docs::pages::QuickstartPage,
    docs::reference_page::ApiReferencePage,
    docs::trace_capture_page::TraceCapturePage,
    landing::LandingPage,
    leptos::prelude::*,
    leptos_meta::provide_meta_context,
    leptos_router::{
        SsrMode,
        components::{Route, Router, Routes},
        path,
    },
    not_found::NotFound,
    shell::{ConsoleNav, SiteFooter, SiteHeader, SkipLink},
    usage::pages::UsagePage,
};

/// The HTML document around `<App/>`. Every page is HTML and CSS with
/// small scripts that only enhance it (`/copy.js`, `/forms.js`, `/passkey.js`, and on
/// the docs `/code-tabs.js`); a page that may carry an island
/// (`site::has_islands`) also loads the browser bundle that hydrates it.
/// Any other page downloads no WebAssembly.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    let stylesheet = use_context::<state::ShellAssets>()
        .map(|assets| assets.stylesheet_href)
        .unwrap_or_default();
    let path = use_context::<axum::http::request::Parts>()
        .map(|parts| parts.uri.path().to_owned())
        .unwrap_or_default();
    let islands = site::has_islands(&path);
    let docs = path == "/docs" || path.starts_with("/docs/");
    // Only islands hydrate, and each turns hydration on for itself: the rest
    // of the page is not hydrated, as `HydrationScripts islands=true` says on
    // a page with islands. Leptos still writes its `<!>` text markers
    // either way; `page_markup` on the server takes care of those.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    // The same nonce Leptos stamps on this page's scripts, in the header.
    if let (Some(nonce), Some(policy), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<state::ContentSecurityPolicy>(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) && let Ok(value) =
        axum::http::HeaderValue::from_str(&policy.for_page(&nonce.to_string(), islands))
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
                <script src="/forms.js" defer></script>
                <script src="/passkey.js" defer></script>
                {docs.then(|| view! { <script src="/code-tabs.js" defer></script> })}
                {islands
                    .then(|| {
                        view! {
                            <AutoReload options=options.clone() />
                            <HydrationScripts options islands=true />
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

#[cfg(feature = "ssr")]
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Layout />
        </Router>
    }
}

/// Everything inside the router. The auth actions are created here so that,
/// after a form post without JavaScript, they pick up the error the router
/// reads from the address. A console page has the console's shell (a
/// sidebar, no footer).
#[cfg(feature = "ssr")]
#[component]
fn Layout() -> impl IntoView {
    provide_auth();
    let console = site::in_console(
        &leptos_router::hooks::use_location()
            .pathname
            .get_untracked(),
    );
    // In-order streaming: everything the page awaits (the signed-in menu,
    // guarded pages, their data) arrives in place, readable without JavaScript.
    view! {
        <SkipLink />
        <SiteHeader console />
        <div class="page-frame" class:page-frame--console=console>
        {console.then(|| view! { <ConsoleNav /> })}
        <main id="main" tabindex="-1">
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/") view=|| view! { <LandingPage /> } ssr=SsrMode::InOrder />
                <Route path=path!("/register") view=|| view! { <SignedOut><RegisterPage /></SignedOut> } ssr=SsrMode::InOrder />
                <Route path=path!("/login") view=|| view! { <SignedOut><LoginPage /></SignedOut> } ssr=SsrMode::InOrder />
                <Route
                    path=path!("/forgot-password")
                    view=|| view! { <ForgotPasswordPage /> }
                    ssr=SsrMode::InOrder
                />
                <Route
                    path=path!("/reset-password")
                    view=|| view! { <ResetPasswordPage /> }
                    ssr=SsrMode::InOrder
                />
                <Route
                    path=path!("/confirm-email")
                    view=|| view! { <ConfirmEmailPage /> }
                    ssr=SsrMode::InOrder
                />
                <Route
                    path=path!("/confirm-password")
                    view=ConfirmPasswordPage
                    ssr=SsrMode::InOrder
                />
                <Route path=path!("/login/verify") view=|| view! { <SignedOut><SecondStepPage /></SignedOut> } ssr=SsrMode::InOrder />
                <Route
                    path=path!("/account/two-factor")
                    view=TwoFactorPage
                    ssr=SsrMode::InOrder
                />
                <Route path=path!("/pricing") view=|| view! { <PricingPage /> } ssr=SsrMode::InOrder />
                <Route path=path!("/billing") view=BillingPage ssr=SsrMode::InOrder />
                <Route
                    path=path!("/billing/success")
                    view=CheckoutSuccessPage
                    ssr=SsrMode::InOrder
                />
                <Route
                    path=path!("/billing/cancel")
                    view=CheckoutCancelPage
                    ssr=SsrMode::InOrder
                />
                <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::InOrder />
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::InOrder />
                <Route path=path!("/keys") view=KeysPage ssr=SsrMode::InOrder />
                <Route path=path!("/usage") view=UsagePage ssr=SsrMode::InOrder />
                <Route path=path!("/docs") view=|| view! { <DocsHomePage /> } ssr=SsrMode::InOrder />
                <Route
                    path=path!("/docs/quickstart")
                    view=|| view! { <QuickstartPage /> }
                    ssr=SsrMode::InOrder
                />
                <Route path=path!("/docs/api") view=|| view! { <ApiReferencePage /> } ssr=SsrMode::InOrder />
                <Route path=path!("/docs/errors") view=|| view! { <ErrorsPage /> } ssr=SsrMode::InOrder />
                <Route
                    path=path!("/docs/trace-capture")
                    view=|| view! { <TraceCapturePage /> }
                    ssr=SsrMode::InOrder
                />
            </Routes>
        </main>
        </div>
        {(!console).then(|| view! { <SiteFooter /> })}
    }
}
