use super::{DocsPage, quickstart_key};
use crate::api_keys::KEY_PATTERN;
use crate::components::{CopyButton, PageMeta};
use crate::site::SiteInfo;
use leptos::either::EitherOf3;
use leptos::prelude::*;

const USERS_ME_EXAMPLE: &str = r#"{
  "id": "5f0c2b1e-8d4a-4a3e-9c1b-2f6d7e8a9b0c",
  "display_name": "Ada Lovelace"
}"#;

#[component]
pub fn QuickstartPage() -> impl IntoView {
    let site = expect_context::<SiteInfo>();
    let base = site.public_url.to_string();
    let key_hint = Resource::new(|| (), |_| quickstart_key());
    let curl = format!(
        "curl -sS --fail-with-body -w '\\n' {base}/v1/users/me \\\n  -H \"X-API-Key: $TRACEPIPE_API_KEY\"\n\
         curl -sS --fail-with-body -w '\\n' {base}/v1/usage \\\n  -H \"X-API-Key: $TRACEPIPE_API_KEY\""
    );
    let python = format!(
        "import os\n\
         import requests\n\n\
         BASE = \"{base}\"\n\
         api = requests.Session()\n\
         api.headers[\"X-API-Key\"] = os.environ[\"TRACEPIPE_API_KEY\"]\n\n\
         me = api.get(f\"{{BASE}}/v1/users/me\", timeout=10)\n\
         me.raise_for_status()\n\
         print(\"Hello,\", me.json()[\"display_name\"])\n\n\
         usage = api.get(f\"{{BASE}}/v1/usage\", timeout=10)\n\
         usage.raise_for_status()\n\
         this_month = usage.json()\n\
         print(this_month[\"tokens\"][\"total\"], \"tokens this month,\", this_month[\"estimated_cost\"])"
    );
    let javascript = format!(
        "const BASE = \"{base}\";\n\
         const headers = {{ \"X-API-Key\": process.env.TRACEPIPE_API_KEY }};\n\n\
         // One GET; an answer other than 2xx throws with the API's message.\n\
         async function get(path) {{\n\
         \x20 const response = await fetch(BASE + path, {{ headers }});\n\
         \x20 const answer = await response.json();\n\
         \x20 if (!response.ok) throw new Error(`${{path}}: ${{response.status}} ${{answer.error.message}}`);\n\
         \x20 return answer;\n\
         }}\n\n\
         async function main() {{\n\
         \x20 const me = await get(\"/v1/users/me\");\n\
         \x20 console.log(\"Hello,\", me.display_name);\n\
         \x20 const usage = await get(\"/v1/usage\");\n\
         \x20 console.log(usage.tokens.total, \"tokens this month,\", usage.estimated_cost);\n\
         }}\n\n\
         main().catch((error) => {{\n\
         \x20 console.error(error.message);\n\
         \x20 process.exitCode = 1;\n\
         }});"
    );
    view! {
        <PageMeta
            title="Quickstart: call the Tracepipe API — Tracepipe"
            description="Call the Tracepipe API with your key in two minutes: curl, Python and JavaScript examples, errors and rate limits."
            path="/docs/quickstart"
        />
        <DocsPage path="/docs/quickstart" title_id="quickstart-title" title="Quickstart">
                <p class="lead">"Every request sends your API key in the X-API-Key header. Answers are JSON."</p>

                <h2>"1. Put your key in the environment"</h2>
                <Transition fallback=|| view! { <p>"Create a key on the API keys page."</p> }>
                    {move || Suspend::new(async move {
                        match key_hint.await {
                            Ok(Some(Some(masked))) => EitherOf3::A(view! {
                                <p>
                                    "Your newest key starts " <code data-testid="key-hint">{masked.clone()}</code>
                                    ". Paste the whole key you copied when you created it (it is never shown again; "
                                    <a href="/keys">"create another"</a> " if it is lost)."
                                </p>
                                <div class="snippet">
                                    <pre tabindex="0"><code>{format!("# the full key, not this masked one\nexport TRACEPIPE_API_KEY=\"{masked}\"")}</code></pre>
                                </div>
                            }),
                            Ok(Some(None)) => EitherOf3::B(view! {
                                <p>"You have no API key yet. " <a href="/keys">"Create one"</a> ", copy it, then:"</p>
                                <div class="snippet"><pre tabindex="0"><code>"export TRACEPIPE_API_KEY=\"tp_live_…\""</code></pre></div>
                            }),
                            _ => EitherOf3::C(view! {
                                <p>
                                    <a href="/register">"Create an account"</a> ", subscribe, and create a key on the "
                                    "API keys page. Then:"
                                </p>
                                <div class="snippet"><pre tabindex="0"><code>"export TRACEPIPE_API_KEY=\"tp_live_…\""</code></pre></div>
                            }),
                        }
                    })}
                </Transition>

                <h2>"2. Call the API with curl"</h2>
                <div class="snippet">
                    <pre tabindex="0"><code data-testid="curl-example" data-example="curl">{curl.clone()}</code></pre>
                    <CopyButton text=curl what="the curl commands" />
                </div>

                <h2>"3. Or from Python"</h2>
                <p>"With the " <a href="https://pypi.org/project/requests/">"requests"</a> " package:"</p>
                <div class="snippet">
                    <pre tabindex="0"><code data-example="python">{python.clone()}</code></pre>
                    <CopyButton text=python what="the Python example" />
                </div>
                <h3 id="javascript">"Or JavaScript"</h3>
                <p>"With Node.js 20 or later (its built-in " <code>"fetch"</code> "), saved as a " <code>".js"</code> " or " <code>".mjs"</code> " file:"</p>
                <div class="snippet">
                    <pre tabindex="0"><code data-example="javascript">{javascript.clone()}</code></pre>
                    <CopyButton text=javascript what="the JavaScript example" />
                </div>

                <h2 id="response">"4. The response, explained"</h2>
                <p>"The first call answers with the key's owner:"</p>
                <div class="snippet"><pre tabindex="0"><code>{USERS_ME_EXAMPLE}</code></pre></div>
                <ul>
                    <li>
                        <code>"id"</code> " is your account's id and " <code>"display_name"</code>
                        " the name on your account page (" <a href="/docs/api#schema-User">"User"</a> ")."
                    </li>
                    <li>
                        "The second call answers this month's " <a href="/docs/api#schema-Usage">"Usage"</a>
                        ": tokens by model, storage, sessions uploaded, examples generated and the estimated cost."
                    </li>
                    <li>
                        "Headers " <code>"X-RateLimit-Limit"</code> ", " <code>"X-RateLimit-Remaining"</code> " and "
                        <code>"X-RateLimit-Reset"</code> " come with every answer."
                    </li>
                </ul>

                <h2 id="errors">"5. Errors and limits"</h2>
                <ul>
                    <li>"Every error is JSON: " <code>"{\"error\": {\"code\", \"message\", \"details\", \"request_id\"}}"</code> "."</li>
                    <li>
                        "401 " <code>"unauthorized"</code> ": the key does not work; " <code>"details.reason"</code> " says why: "
                        <code>"missing"</code> ", " <code>"malformed"</code> " (the checksum fails), " <code>"invalid"</code> ", "
                        <code>"revoked"</code> ", " <code>"disabled"</code> " or " <code>"expired"</code> " (rotate it, nothing to debug)."
                    </li>
                    <li>
                        "429 " <code>"rate_limited"</code> ": each key has a per-minute allowance (by default 100 reads and 10 key changes); wait the "
                        <code>"Retry-After"</code> " seconds. Every answer carries " <code>"X-RateLimit-Remaining"</code> "."
                    </li>
                    <li>
                        "Every code, and what to do about it: " <a href="/docs/errors">"the error reference"</a>
                        "; the limits in full: " <a href="/docs/api#rate-limits">"rate limits"</a> "."
                    </li>
                    <li>"Your calls appear on " <a href="/usage">"Usage"</a> " within seconds."</li>
                </ul>

                <h2 id="next">"6. Where to go next"</h2>
                <ul>
                    <li>
                        <a href="/docs/api">"The API reference"</a> ": every operation with its parameters, answers and "
                        "examples in curl, Python and JavaScript."
                    </li>
                    <li>
                        "Manage keys from code: " <a href="/docs/api#op-create_key">"create"</a> ", "
                        <a href="/docs/api#op-roll_key">"roll"</a> " and " <a href="/docs/api#op-revoke_key">"revoke"</a> "."
                    </li>
                    <li><a href="/docs/trace-capture">"Record a browser session"</a> " for Tracepipe to learn from."</li>
                </ul>
                <h2 id="key-format">"Keys: their format, access and lifetime"</h2>
                <p>
                    "A key is " <code>"tp_live_sk_"</code> " followed by 36 letters and digits: 30 random ones and a "
                    "6-character checksum (CRC-32 in base 62), so a mistyped or truncated key is refused at once, and a "
                    "secret scanner can recognise a real key offline with this pattern:"
                </p>
                <div class="snippet"><pre tabindex="0"><code data-testid="key-pattern">{KEY_PATTERN}</code></pre></div>
                <p>"Keys made before this format (" <code>"tp_live_"</code> " and 40 characters) keep working."</p>
                <ul>
                    <li>
                        "Each key has " <strong>"full access"</strong> ", is " <strong>"read only"</strong> " (every GET), or is "
                        <strong>"restricted"</strong> " per resource (account, API keys, usage: none, read or write). A request "
                        "the key may not make answers 403 " <code>"forbidden"</code> " with the missing permission in "
                        <code>"details.permission"</code> ", such as " <code>"api_keys:write"</code> "."
                    </li>
                    <li>
                        "A key expires when you chose (90 days unless you choose otherwise). Roll it before then: the key "
                        "gets a new secret and a fresh lifetime, and the old secret can keep working for a grace period "
                        "while you deploy the new one."
                    </li>
                    <li>"A key can be limited to networks (CIDR ranges); from elsewhere it answers 403."</li>
                </ul>

        </DocsPage>
    }
}
