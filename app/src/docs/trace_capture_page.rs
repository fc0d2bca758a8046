//! `/docs/trace-capture`: recording a browser session in Chrome so that
//! Tracepipe can turn it into training data.

use super::{DocsPage, DocsTable};
use crate::components::PageMeta;
use leptos::prelude::*;

const TRACE_EXAMPLE: &str = r#"{
  "metadata": { "source": "DevTools", "startTime": "2026-12-02T10:15:00.000Z" },
  "traceEvents": [
    { "name": "EventDispatch", "cat": "devtools.timeline", "ph": "X",
      "ts": 183946121, "dur": 812, "pid": 4242, "tid": 1,
      "args": { "data": { "type": "click" } } },
    { "name": "Screenshot", "cat": "disabled-by-default-devtools.screenshot", "ph": "O",
      "ts": 183946990, "pid": 4242, "tid": 1, "id": "0x1",
      "args": { "snapshot": "/9j/4AAQSkZJRgABAQ…" } }
  ]
}"#;

/// Trace categories worth selecting, and why.
const CATEGORIES: &[(&str, &str)] = &[
    (
        "devtools.timeline",
        "The page's tasks, input events (clicks, key presses, scrolls), layouts and paints: the backbone of the session.",
    ),
    (
        "disabled-by-default-devtools.screenshot",
        "Frames of what the person saw, so each action is paired with the screen it happened on.",
    ),
    (
        "blink.user_timing",
        "The app's own performance marks and measures (a route change, \"saved\"), which name the steps.",
    ),
    (
        "loading",
        "Navigation and loading milestones (first and largest contentful paint): when a screen was ready.",
    ),
    (
        "v8.execute",
        "Script execution, to tell a slow interaction from a waiting person. Optional.",
    ),
];

#[component]
pub fn TraceCapturePage() -> impl IntoView {
    let categories = CATEGORIES
        .iter()
        .map(|(category, why)| {
            view! {
                <tr>
                    <th scope="row"><code>{*category}</code></th>
                    <td data-label="Why">{*why}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <PageMeta
            title="Record a browser session for Tracepipe — Tracepipe"
            description="How to record a web-app session with Chrome's performance tools: the steps, the trace categories to select and why, what the saved file contains, and how big it gets."
            path="/docs/trace-capture"
        />
        <DocsPage path="/docs/trace-capture" title_id="trace-title" title="Record a browser session">
                <p class="lead">
                    "Tracepipe learns from people using web apps. What it reads is a Chrome performance trace: "
                    "every input event and screen change of a session, with screenshots, in one JSON file."
                </p>
                <figure class="flow-figure">
                    <svg viewBox="0 0 720 120" role="img" aria-labelledby="flow-caption" class="flow-diagram">
                        <g class="flow-box">
                            <rect x="4" y="24" width="208" height="72" rx="10" />
                            <rect x="256" y="24" width="208" height="72" rx="10" />
                            <rect x="508" y="24" width="208" height="72" rx="10" />
                        </g>
                        <g class="flow-text" text-anchor="middle">
                            <text x="108" y="56">"Record in DevTools"</text>
                            <text x="108" y="78" class="flow-note">"Performance panel"</text>
                            <text x="360" y="56">"Save the trace"</text>
                            <text x="360" y="78" class="flow-note">"Trace-….json.gz"</text>
                            <text x="612" y="56">"Send it to Tracepipe"</text>
                            <text x="612" y="78" class="flow-note">"with your API key"</text>
                        </g>
                        <g class="flow-arrow">
                            <path d="M216 60h32m-8-6 8 6-8 6" />
                            <path d="M468 60h32m-8-6 8 6-8 6" />
                        </g>
                    </svg>
                    <figcaption id="flow-caption">
                        "From a session to training data: record it, save the trace file, send it with your key."
                    </figcaption>
                </figure>

                <h2 id="record">"Record with Chrome DevTools"</h2>
                <ol>
                    <li>
                        "Open the web app in a new Chrome window with a clean profile (or a guest window), so "
                        "extensions add nothing to the trace."
                    </li>
                    <li>
                        "Open DevTools (" <kbd>"F12"</kbd> ", or " <kbd>"Ctrl"</kbd> "+" <kbd>"Shift"</kbd> "+"
                        <kbd>"I"</kbd> "; " <kbd>"⌥"</kbd> <kbd>"⌘"</kbd> <kbd>"I"</kbd> " on a Mac) and choose the "
                        <strong>"Performance"</strong> " panel."
                    </li>
                    <li>
                        "Open its capture settings (the gear) and tick " <strong>"Screenshots"</strong>
                        ". Leave CPU and network throttling off: record what the person really saw."
                    </li>
                    <li>
                        "Press " <strong>"Record"</strong> " (" <kbd>"Ctrl"</kbd> "+" <kbd>"E"</kbd>
                        "), then do one task as a person would: \"create a project and invite a teammate\". "
                        "One task per recording makes one clear example."
                    </li>
                    <li>
                        "Press " <strong>"Stop"</strong> ", then " <strong>"Save trace"</strong>
                        " (the download arrow). Chrome writes " <code>"Trace-20261202T101500.json.gz"</code>
                        ": keep it as it is, compressed."
                    </li>
                </ol>

                <h2 id="categories">"Choosing categories yourself"</h2>
                <p>
                    "Recording from " <code>"chrome://tracing"</code> " or Perfetto's " <em>"Record new trace"</em>
                    " instead, select these categories (the Performance panel selects them for you):"
                </p>
                <DocsTable caption="Trace categories to select" columns=vec!["Category", "Why"]>
                    {categories}
                </DocsTable>
                <p>
                    "Leave out " <code>"disabled-by-default-memory-infra"</code>
                    ": heap dumps make a file many times larger and can hold the page's data."
                </p>

                <h2 id="file">"What the file contains"</h2>
                <p>
                    "Chrome's Trace Event Format: a JSON object whose " <code>"traceEvents"</code>
                    " list holds one object per event, with its " <code>"name"</code> ", category ("
                    <code>"cat"</code> "), phase (" <code>"ph"</code> ": " <code>"X"</code> " a complete event with a "
                    <code>"dur"</code> "ation, " <code>"I"</code> " an instant, " <code>"O"</code>
                    " a snapshot such as a screenshot), time stamp " <code>"ts"</code>
                    " in microseconds, process and thread, and " <code>"args"</code> ":"
                </p>
                <div class="snippet"><pre tabindex="0"><code>{TRACE_EXAMPLE}</code></pre></div>

                <h2 id="size">"How big it gets"</h2>
                <ul>
                    <li>
                        "Screenshots are most of the size: a minute of use is typically tens of megabytes of "
                        "JSON, and a few megabytes once compressed. Send the " <code>".json.gz"</code>
                        " Chrome saved rather than unpacking it."
                    </li>
                    <li>"Keep a recording to one task, a minute or two: a long session is better split into tasks."</li>
                </ul>

                <h2 id="privacy">"Before you send it"</h2>
                <p>
                    "A trace holds the addresses the app opened and screenshots of everything on screen, typed text "
                    "included. Record with test accounts and test data, never a customer's."
                </p>

                <h2 id="send">"Sending it"</h2>
                <p>
                    "Uploads go to Tracepipe's ingestion API with the same " <code>"X-API-Key"</code>
                    " header. The upload operation is not in "
                    <a href="/docs/api">"this API reference"</a> " yet. Here you can check a key works with "
                    <a href="/docs/api#op-users_me">"GET /v1/users/me"</a> " and, after an upload, see "
                    <code>"sessions_uploaded"</code> " grow in " <a href="/docs/api#op-usage">"GET /v1/usage"</a> "."
                </p>
        </DocsPage>
    }
}
