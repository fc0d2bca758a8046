//! The landing page: what Tracepipe does, how, for how much, and answers.

#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod structured_data;

use crate::billing::components::PlanCard;
use crate::components::{CopyButton, PageMeta};
use crate::site::SiteInfo;
use leptos::prelude::*;

const TITLE: &str = "Tracepipe — turn browser recordings into AI training data";
const DESCRIPTION: &str = "Send recordings of people using your web app, get clean, labelled \
    JSONL training data back. API-first, privacy by default, usage you can see.";

/// One record of the JSONL a customer gets back, indented to read (in the
/// file each record is one line).
const SAMPLE_RECORD: &str = r##"{
  "task": "Export March invoices as CSV",
  "app": "billing.acme.dev",
  "steps": [
    {
      "observation": "Invoices table, 38 rows, filter: March",
      "action": {
        "type": "click",
        "target": "button[name=export]"
      }
    },
    {
      "observation": "Export dialog",
      "action": {
        "type": "select",
        "target": "#format",
        "value": "csv"
      }
    }
  ],
  "outcome": "success"
}"##;

#[component]
pub fn LandingPage() -> impl IntoView {
    let site = expect_context::<SiteInfo>();
    // Crawlers read the JSON-LD from the server's HTML; hydration keeps that
    // script as it is, so the browser bundle does not carry the builder.
    #[cfg(feature = "ssr")]
    let json_ld = site.structured_data.to_string();
    #[cfg(not(feature = "ssr"))]
    let json_ld = String::new();
    // Where deleting an account ends up.
    let deleted = leptos_router::hooks::use_query_map()
        .with_untracked(|query| query.get("account").as_deref() == Some("deleted"));
    view! {
        <PageMeta title=TITLE description=DESCRIPTION path="/" />
        <script type="application/ld+json" inner_html=json_ld></script>
        {deleted.then(|| view! {
            <div class="container">
                <p class="notice" role="status">
                    "Your account is deleted: its sessions, API keys and usage records are gone."
                </p>
            </div>
        })}
        <Hero />
        <HowItWorks first_call=format!(
            "curl {} -H \"X-API-Key: $TRACEPIPE_API_KEY\"",
            site.absolute_url("/v1/users/me"),
        ) />
        <SellingPoints />
        <PlanPreview site=site.clone() />
        <Faq />
        <ClosingCallToAction />
    }
    .into_any()
}

#[component]
fn Hero() -> impl IntoView {
    view! {
        <section class="hero" aria-labelledby="hero-title">
            <div class="container hero-inner">
                <div class="hero-copy">
                    <p class="eyebrow">"Browser recordings in · JSONL training data out"</p>
                    <h1 id="hero-title">"Turn real product sessions into training data for your models"</h1>
                    <p class="lead">
                        "Tracepipe takes recordings of people using your web app and returns clean, "
                        "labelled JSONL: every task, every step, what the user saw and what they did. "
                        "One API key, no pipeline to babysit."
                    </p>
                    <div class="cta-row">
                        <a class="button button--primary" href="#plans">
                            "See plans"
                        </a>
                        <a class="button button--secondary" href="#how-it-works">
                            "How it works"
                        </a>
                    </div>
                </div>
                <figure class="hero-sample">
                    <figcaption>"One record of the JSONL you get back (one line in the file, indented here)"</figcaption>
                    <pre tabindex="0"><code>{SAMPLE_RECORD}</code></pre>
                </figure>
            </div>
        </section>
    }
}

#[component]
fn HowItWorks(first_call: String) -> impl IntoView {
    view! {
        <section id="how-it-works" class="section" aria-labelledby="how-title">
            <div class="container">
                <h2 id="how-title">"How it works"</h2>
                <ol class="steps">
                    <li class="step">
                        <h3>"Send recordings"</h3>
                        <p>
                            "Upload browser session recordings through the API: page views, "
                            "clicks, inputs and navigation, as your users really produced them."
                        </p>
                    </li>
                    <li class="step">
                        <h3>"We structure them"</h3>
                        <p>
                            "Tracepipe splits each session into tasks, pairs every step's "
                            "observation with its action, and removes noise and personal data."
                        </p>
                    </li>
                    <li class="step">
                        <h3>"Fetch JSONL"</h3>
                        <p>
                            "Download datasets as JSONL, one example per line, ready for "
                            "fine-tuning or evaluation. Your first call:"
                        </p>
                        <div class="snippet">
                            <pre tabindex="0"><code>{first_call.clone()}</code></pre>
                            <CopyButton text=first_call what="the first API call" />
                        </div>
                    </li>
                </ol>
            </div>
        </section>
    }
}

#[component]
fn SellingPoints() -> impl IntoView {
    let points = [
        (
            "API first",
            "Everything the dashboard does, the /v1 API does too. Keys in a header, JSON in and out.",
        ),
        (
            "JSONL you can diff",
            "A stable, documented schema: one example per line, easy to stream, split and version.",
        ),
        (
            "Privacy by default",
            "Inputs that look like personal data are redacted before an example is written.",
        ),
        (
            "Usage you can see",
            "Requests, tokens and storage per key and per day, with the cost estimate next to them.",
        ),
        (
            "Keys you control",
            "Create a key per service, see when each was last used, revoke one in a click.",
        ),
        (
            "Billing without surprises",
            "Monthly plans through Stripe. Change or cancel any time from Manage billing.",
        ),
    ];
    view! {
        <section id="features" class="section section--alt" aria-labelledby="features-title">
            <div class="container">
                <h2 id="features-title">"Why teams pick Tracepipe"</h2>
                <ul class="feature-grid">
                    {points
                        .into_iter()
                        .map(|(title, text)| {
                            view! {
                                <li class="feature">
                                    <h3>{title}</h3>
                                    <p>{text}</p>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        </section>
    }
}

#[component]
fn PlanPreview(site: SiteInfo) -> impl IntoView {
    let catalog = site.catalog;
    let cards = catalog
        .subscriptions()
        .map(|plan| view! { <PlanCard plan=plan.clone() price=catalog.price_label(plan) /> })
        .collect_view();
    view! {
        <section id="plans" class="section" aria-labelledby="plans-title">
            <div class="container">
                <h2 id="plans-title">"Plans"</h2>
                <p class="section-lead">
                    "Every plan includes the full API, JSONL export and per-key usage. "
                    "Billed monthly through Stripe; cancel any time."
                </p>
                <div class="plan-grid">{cards}</div>
                <p class="section-more">
                    <a href="/pricing">"Pricing, add-ons and how to subscribe"</a>
                </p>
            </div>
        </section>
    }
}

#[component]
fn Faq() -> impl IntoView {
    let entries = [
        (
            "What do I send?",
            "Recordings of real people using a web app: the page states they saw and the \
             clicks, inputs and navigation they made. You send them over the API.",
        ),
        (
            "What do I get back?",
            "JSONL: one training example per line, each a task with its ordered steps \
             (observation and action) and its outcome. The schema is documented and stable.",
        ),
        (
            "Do I have to use a dashboard?",
            "No. The console is for your account, billing, keys and usage; everything \
             else is the /v1 API with an X-API-Key header.",
        ),
        (
            "How is personal data handled?",
            "Inputs that look like personal data are redacted before an example is written, \
             and datasets belong to your account only.",
        ),
        (
            "How does billing work?",
            "Subscriptions are paid through Stripe Checkout. Invoices, payment methods and \
             cancellation are in Stripe's billing portal: Manage billing, on your billing page.",
        ),
        (
            "What happens to my keys if I revoke one?",
            "A revoked key stops working on its very next request, everywhere. Create a new \
             one first if a service still needs access.",
        ),
    ];
    view! {
        <section id="faq" class="section section--alt" aria-labelledby="faq-title">
            <div class="container container--narrow">
                <h2 id="faq-title">"Frequently asked questions"</h2>
                <div class="faq-list">
                    {entries
                        .into_iter()
                        .map(|(question, answer)| {
                            view! {
                                <details class="faq-item">
                                    <summary>{question}</summary>
                                    <p>{answer}</p>
                                </details>
                            }
                        })
                        .collect_view()}
                </div>
            </div>
        </section>
    }
}

#[component]
fn ClosingCallToAction() -> impl IntoView {
    view! {
        <section class="section closing" aria-labelledby="closing-title">
            <div class="container closing-inner">
                <h2 id="closing-title">"From first recording to first dataset in minutes"</h2>
                <p>"Pick a plan, create a key, make your first call."</p>
                <a class="button button--primary" href="#plans">
                    "Choose a plan"
                </a>
            </div>
        </section>
    }
}
