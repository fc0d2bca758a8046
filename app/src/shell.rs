//! The app shell around every page: the skip link, the header with its
//! navigation (public, or the signed-in app's with the account menu), the
//! console's sidebar and the public pages' footer. Above the capabilities:
//! it links to their pages.

use crate::accounts::auth::{AuthActions, UserResource, with_signed_in_user};
use crate::actor::CurrentUser;
use crate::components::ServerForm;
use crate::site::within;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The first focusable element: keyboard users jump straight to the content.
#[component]
pub fn SkipLink() -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
    }
}

#[component]
fn Logo() -> impl IntoView {
    view! {
        <a class="logo" href="/" aria-label="Tracepipe home">
            <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
                <rect width="32" height="32" rx="8" class="logo-tile" />
                <path
                    d="M8 11h16M8 16h10M8 21h13"
                    stroke="currentColor"
                    stroke-width="2.6"
                    stroke-linecap="round"
                    class="logo-lines"
                />
            </svg>
            <span>"Tracepipe"</span>
        </a>
    }
}

/// The landing page's sections: the header's links for visitors, and the
/// footer's for everyone.
const SECTION_LINKS: &[(&str, &str)] = &[
    ("/#how-it-works", "How it works"),
    ("/#features", "Features"),
    ("/pricing", "Pricing"),
    ("/#faq", "FAQ"),
    ("/docs", "Docs"),
];

/// A page of the signed-in app, in the header's navigation.
struct AppLink {
    href: &'static str,
    label: &'static str,
    /// Paths at or under this one belong to the link (`/billing/success`
    /// is Billing's).
    section: &'static str,
}

const APP_LINKS: &[AppLink] = &[
    AppLink {
        href: "/dashboard",
        label: "Dashboard",
        section: "/dashboard",
    },
    AppLink {
        href: "/keys",
        label: "API keys",
        section: "/keys",
    },
    AppLink {
        href: "/usage",
        label: "Usage",
        section: "/usage",
    },
    AppLink {
        href: "/billing",
        label: "Billing",
        section: "/billing",
    },
    AppLink {
        href: "/account",
        label: "Account",
        section: "/account",
    },
    AppLink {
        href: "/docs",
        label: "Docs",
        section: "/docs",
    },
];

fn section_links() -> impl IntoView {
    SECTION_LINKS
        .iter()
        .map(|(href, label)| {
            view! {
                <li>
                    <a href=*href>{*label}</a>
                </li>
            }
        })
        .collect_view()
}

/// `aria-current="page"` while `pathname` is within `section`.
fn current_page(
    pathname: Memo<String>,
    section: &'static str,
) -> impl Fn() -> Option<&'static str> + Send + Sync {
    move || within(&pathname.get(), section).then_some("page")
}

/// The visitor's header: the landing page's sections, sign in, sign up.
#[component]
fn PublicNav() -> impl IntoView {
    view! {
        <nav aria-label="Main">
            <ul class="nav-list">
                {section_links()}
                <li><a href="/login" aria-current=current_page(use_location().pathname, "/login")>"Sign in"</a></li>
                <li>
                    <a class="button button--primary button--small" href="/register">"Create account"</a>
                </li>
            </ul>
        </nav>
    }
}

/// The signed-in header: outside the console, the app's pages as links
/// (inside it the sidebar has them), then the account menu. The menu is a
/// `<details>` disclosure, so it opens without JavaScript. It opens under
/// its trigger, against the trigger's right edge.
#[component]
fn AppNav(user: CurrentUser, console: bool) -> impl IntoView {
    let logout = expect_context::<AuthActions>().logout;
    let pathname = use_location().pathname;
    let links = (!console).then(|| {
        view! {
            <nav aria-label="Main" class="app-nav">
                <ul class="nav-list">{app_links(pathname, |link| link.href != "/account")}</ul>
            </nav>
        }
    });
    view! {
        {links}
        <nav aria-label="Account" class="account-nav">
        <details class="account-menu">
            <summary
                class="account-menu-toggle"
                class:account-menu-toggle--current=move || within(&pathname.get(), "/account")
                title=format!("Signed in as {}", user.email)
            >
                <span class="visually-hidden">"Account menu for "</span>
                <span class="account-name">{user.display_name}</span>
            </summary>
            <ul class="account-menu-list">
                <li class="account-menu-email">{user.email.clone()}</li>
                <li>
                    <a href="/account" aria-current=current_page(pathname, "/account")>"Account"</a>
                </li>
                <li>
                    <ServerForm action=logout class="inline-form">
                        <button type="submit" class="link-button">"Sign out"</button>
                    </ServerForm>
                </li>
            </ul>
        </details>
        </nav>
    }
}

/// The app's pages that `keep` keeps, as list items, the current one marked.
fn app_links(pathname: Memo<String>, keep: fn(&AppLink) -> bool) -> impl IntoView {
    APP_LINKS
        .iter()
        .filter(|link| keep(link))
        .map(|link| {
            view! {
                <li>
                    <a href=link.href aria-current=current_page(pathname, link.section)>{link.label}</a>
                </li>
            }
        })
        .collect_view()
}

/// The console's navigation: a sidebar on wide screens, one scrolling row
/// of tabs under the header on phones. Only for a signed-in user.
#[component]
pub fn ConsoleNav() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let pathname = use_location().pathname;
    with_signed_in_user(user, move |signed_in| {
        signed_in.map(|_| {
            view! {
                <nav class="console-nav" aria-label="Main">
                    <ul>{app_links(pathname, |_| true)}</ul>
                </nav>
            }
        })
    })
}

/// Signed in: the app's navigation, on every page. Otherwise the public one.
/// In the console the header spans the window, over the sidebar.
#[component]
pub fn SiteHeader(console: bool) -> impl IntoView {
    let user = expect_context::<UserResource>();
    view! {
        <header class="site-header" class:site-header--console=console>
            <div class="container header-inner">
                <Logo />
                {with_signed_in_user(user, move |signed_in| match signed_in {
                    Some(user) => Either::Left(view! { <AppNav user console /> }),
                    None => Either::Right(view! { <PublicNav /> }),
                })}
            </div>
        </header>
    }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <div class="container footer-inner">
                <div class="footer-brand">
                    <Logo />
                    <p>"Browser recordings in, JSONL training data out."</p>
                </div>
                <nav aria-label="Footer">
                    <ul class="footer-links">
                        {section_links()}
                        <li>
                            <a href="mailto:hello@tracepipe.ai">"Contact"</a>
                        </li>
                    </ul>
                </nav>
                <p class="footer-legal">"© 2026 Tracepipe. Payments are processed by Stripe."</p>
            </div>
        </footer>
    }
}
