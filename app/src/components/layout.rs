use crate::accounts::pages::{AuthActions, UserResource};
use leptos::either::Either;
use leptos::prelude::*;

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

/// The landing page's sections, linked from the header and the footer.
const SECTION_LINKS: &[(&str, &str)] = &[
    ("/#how-it-works", "How it works"),
    ("/#features", "Features"),
    ("/pricing", "Pricing"),
    ("/#faq", "FAQ"),
    ("/docs/quickstart", "Docs"),
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

/// Sign in / create account, or the signed-in user's links and sign-out.
#[component]
fn AccountLinks() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let logout = expect_context::<AuthActions>().logout;
    view! {
        <Transition>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => Either::Left(view! {
                        <li><a href="/dashboard">"Dashboard"</a></li>
                        <li><a href="/usage">"Usage"</a></li>
                        <li><a href="/billing">"Billing"</a></li>
                        <li><a href="/account" title=format!("Signed in as {}", user.email)>{user.display_name}</a></li>
                        <li>
                            <ActionForm action=logout attr:class="inline-form">
                                <button type="submit" class="link-button">"Sign out"</button>
                            </ActionForm>
                        </li>
                    }),
                    _ => Either::Right(view! {
                        <li><a href="/login">"Sign in"</a></li>
                        <li><a class="button button--primary button--small" href="/register">"Create account"</a></li>
                    }),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn SiteHeader() -> impl IntoView {
    view! {
        <header class="site-header">
            <div class="container header-inner">
                <Logo />
                <nav aria-label="Main">
                    <ul class="nav-list">{section_links()}<AccountLinks /></ul>
                </nav>
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
