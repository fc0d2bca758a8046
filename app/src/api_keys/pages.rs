//! The /keys page: create a key with its access, expiry and networks
//! (shown once, with a copy button); each key's details; roll it with a
//! grace period, stop the old secret early, disable or enable it, change
//! its networks, revoke it. The create and roll forms post to `/keys`
//! itself, whose answer is this page with the new secret (in a
//! `ModalDialog`, an island); the other forms are
//! `ActionForm`s that answer with a redirect here.

use super::server_fns::{
    EndApiKeyGrace, RevokeApiKey, SetApiKeyDisabled, SetApiKeyNetworks, list_api_keys,
};
use super::table::{KeyStatus, PAGE_SIZE, Page, Panel, SortBy, TableView, row_id};
use super::{
    Access, ApiKeyView, CreatedKey, Expiry, GRACE_CHOICES, KeyAllowance, KeyFormOutcome, KeyList,
    PreviousSecret, Resource as ApiResource,
};
use crate::accounts::auth::{ConfirmPasswordFirst, PrivatePage};
use crate::actor::CurrentUser;
use crate::components::{
    CopyButton, FieldMessage, FormError, FormField, FormState, Loaded, ModalDialog, PageNotice,
    ServerForm, SubmitButton,
};
use crate::date_label::ShortDate;
use crate::error::AppError;
use crate::error::Field;
use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The server functions of the page's forms, made once for the page.
#[derive(Clone, Copy)]
struct KeyActions {
    end_grace: ServerAction<EndApiKeyGrace>,
    set_disabled: ServerAction<SetApiKeyDisabled>,
    set_networks: ServerAction<SetApiKeyNetworks>,
    revoke: ServerAction<RevokeApiKey>,
}

#[component]
pub fn KeysPage() -> impl IntoView {
    let actions = KeyActions {
        end_grace: ServerAction::new(),
        set_disabled: ServerAction::new(),
        set_networks: ServerAction::new(),
        revoke: ServerAction::new(),
    };
    // The server lists one page of the table, as the address asks.
    let listing = use_query_map()
        .with_untracked(TableView::from_query)
        .list_query();
    let keys = Resource::new(move || listing.clone(), list_api_keys);
    view! {
        <PrivatePage
            title="API keys — Tracepipe"
            description="Create, roll, disable and revoke your Tracepipe API keys."
            path="/keys"
            children=move |user: CurrentUser| {
                view! { <KeysManager actions keys email_verified=user.email_verified /> }
            }
        />
    }
}

#[component]
fn KeysManager(
    actions: KeyActions,
    keys: Resource<Result<KeyList, AppError>>,
    /// Keys are only made for a confirmed address.
    email_verified: bool,
) -> impl IntoView {
    // The answer to a post of the create or roll form.
    let posted = use_context::<KeyFormOutcome>();
    let (posted_roll, posted_create) = match posted {
        Some(outcome) if outcome.roll => (Some(outcome.result), None),
        Some(outcome) => (None, Some(outcome.result)),
        None => (None, None),
    };
    // The secret just made: a key created or rolled.
    let revealed = posted_roll
        .clone()
        .or_else(|| posted_create.clone())
        .and_then(Result::ok);
    let create_error = Signal::derive(move || posted_create.clone().and_then(Result::err));
    let change_error = Signal::derive(move || {
        let failed = [
            actions.end_grace.value().get(),
            actions.set_disabled.value().get(),
            actions.set_networks.value().get(),
            actions.revoke.value().get(),
        ];
        failed
            .into_iter()
            .flatten()
            .find_map(Result::err)
            .or_else(|| posted_roll.clone().and_then(Result::err))
    });
    view! {
        <section class="section" aria-labelledby="keys-title">
            <div class="container">
                <h1 id="keys-title">"API keys"</h1>
                <p class="lead">"Send a key in the X-API-Key header of every request to the Tracepipe API."</p>
                <PageNotice page="/keys" />
                {revealed.map(|created| view! { <NewKeyPanel created /> })}
                <Show when=move || change_error.get() == Some(AppError::ReauthRequired)>
                    <ConfirmPasswordFirst next="/keys" before="rolling a key" />
                </Show>
                <p class="form-error" role="alert">
                    {move || change_error.get().filter(|error| *error != AppError::ReauthRequired).map(|error| error.to_string())}
                </p>
                <Loaded
                    resource=keys
                    retry_href="/keys"
                    children=move |list: KeyList| view! {
                        <CreateKeyForm list=list.clone() error=create_error email_verified />
                        <KeyTable list actions />
                    }
                />
            </div>
        </section>
    }
}

/// The new secret, this once, where the reader is looking: at the top of
/// the page the post answered, its heading focused, and modal once scripts
/// run (`ModalDialog`). Its text is selectable, with copy buttons once
/// scripts run, and "I've saved it" closes it (a `method="dialog"` form: no
/// script needed).
#[component]
fn NewKeyPanel(created: CreatedKey) -> impl IntoView {
    let heading = if created.rolled {
        format!("The new secret of \u{201c}{}\u{201d}", created.view.name)
    } else {
        format!("Your new key \u{201c}{}\u{201d}", created.view.name)
    };
    let old_secret = created.rolled.then(|| match &created.view.previous {
        Some(previous) => format!(
            "The old secret ({}) keeps working until {}.",
            previous.masked, previous.works_until.text
        ),
        None => "The old secret has stopped working.".to_owned(),
    });
    let export = format!("export TRACEPIPE_API_KEY=\"{}\"", created.key);
    view! {
        <ModalDialog class="key-reveal" labelled_by="key-reveal-title">
            <h2 id="key-reveal-title" tabindex="-1" autofocus>{heading}</h2>
            <p><strong>"Copy it now: it will not be shown again."</strong>" We keep only a fingerprint of it."</p>
            <p class="key-value"><code>{created.key.clone()}</code></p>
            <CopyButton text=created.key what="the new API key" />
            <p>"Or as the examples in the docs read it, from your shell:"</p>
            <pre class="key-export" tabindex="0"><code>{export.clone()}</code></pre>
            <CopyButton text=export what="the export line" />
            {old_secret.map(|text| view! { <p>{text}</p> })}
            <form method="dialog" class="key-reveal-done">
                <button type="submit" class="button button--primary">"I\u{2019}ve saved it"</button>
            </form>
        </ModalDialog>
    }
}

/// The radio buttons, selects, date and text area of the create form;
/// the restricted levels and the date show only when chosen (CSS `:has`),
/// so the form needs no script.
#[component]
fn KeyChoices() -> impl IntoView {
    let access_choices = [
        (
            "full",
            "Full access",
            "Everything, including creating and revoking keys.",
        ),
        (
            "read_only",
            "Read only",
            "Every GET request; nothing that changes anything.",
        ),
        ("restricted", "Restricted", "Choose per resource below."),
    ];
    let levels = ApiResource::ALL.map(|resource| {
        let id = format!("field-access-{}", resource.as_str());
        view! {
            <div class="field field--inline">
                <label for=id.clone()>{resource.label()}</label>
                <select id=id name=resource.as_str()>
                    {Access::ALL
                        .map(|access| view! {
                            <option value=access.as_str() selected={access == Access::Read}>{access.as_str()}</option>
                        })
                        .collect_view()}
                </select>
            </div>
        }
    });
    view! {
        <fieldset class="field choice-group">
            <legend>"Access"</legend>
            {access_choices
                .map(|(value, label, hint)| view! {
                    <label class="choice">
                        <input type="radio" name="access" value=value checked={value == "full"} />
                        <span><strong>{label}</strong>" — "{hint}</span>
                    </label>
                })
                .collect_view()}
            <div class="restricted-levels">{levels.into_iter().collect_view()}</div>
            <FieldMessage field=Field::KeyAccess />
        </fieldset>
        <div class="field">
            <label for="field-expires">"Expires"</label>
            <p class="field-hint" id="field-expires-hint">"An e-mail reminds you 7 days before. Roll a key to give it a new secret and a fresh lifetime."</p>
            <select id="field-expires" name="expires" aria-describedby="field-expires-hint">
                <option value="7">"In 7 days"</option>
                <option value="30">"In 30 days"</option>
                <option value="90" selected>"In 90 days"</option>
                <option value="365">"In a year"</option>
                <option value="date">"On a date…"</option>
                <option value="never">"Never (not recommended)"</option>
            </select>
            <div class="expiry-date">
                <label for="field-expires-on">"Works through (UTC)"</label>
                <input id="field-expires-on" name="expires_on" type="date" />
            </div>
            <p class="never-warning">"A key that never expires stays valid wherever it was copied, for as long as nobody notices. Prefer a date, and roll it."</p>
            <FieldMessage field=Field::KeyExpiry />
        </div>
        <div class="field">
            <label for="field-allowed-networks">"Allowed IPs (optional)"</label>
            <p class="field-hint" id="field-allowed-networks-hint">"IPv4 or IPv6 ranges such as 203.0.113.0/24 or 2001:db8::/32, one per line. Leave empty to allow any address."</p>
            <textarea id="field-allowed-networks" name="allowed_networks" rows="2" aria-describedby="field-allowed-networks-hint"></textarea>
            <FieldMessage field=Field::KeyNetworks />
        </div>
    }
}

#[component]
fn CreateKeyForm(
    list: KeyList,
    error: Signal<Option<AppError>>,
    email_verified: bool,
) -> impl IntoView {
    FormState { error }.provide();
    // Open at once for a first key, and after a refusal (to show why). After
    // a key is made the page comes back with it folded and empty: a second
    // click must not make its twin.
    let open_first = list.table.total() == 0 || error.get_untracked().is_some();
    let needs_plan = list.subscribed == Some(false);
    if !email_verified || needs_plan {
        return EitherOf4::A(view! {
            {(!email_verified).then(|| view! {
                <p class="notice">
                    "Creating API keys needs a confirmed e-mail address, so that notices about your keys reach you. "
                    "Open the link we sent you, or send a new one from the banner above."
                </p>
            })}
            {needs_plan.then(|| view! {
                <div class="notice">
                    <p>"Creating API keys needs an active plan."</p>
                    <a class="button button--primary" href="/pricing">"Choose a plan"</a>
                </div>
            })}
        });
    }
    match list.table.total() {
        active if active >= list.max_active => EitherOf4::B(view! {
            <p class="notice">{format!("You have {active} active keys, the most allowed. Revoke one to create another.")}</p>
        }),
        _ if list.reauth_needed => {
            EitherOf4::C(view! { <ConfirmPasswordFirst next="/keys" before="creating a key" /> })
        }
        _ => EitherOf4::D(view! {
            <details class="create-key" id="create-key" open=open_first>
            <summary class="button button--primary">"Create key"</summary>
            <form method="post" action="/keys" class="form panel">
                <h2>"New API key"</h2>
                <input type="hidden" name="intent" value="create" />
                <FormField
                    label="Key name"
                    name="name"
                    autocomplete="off"
                    hint="Where it will be used, such as \"laptop\" or \"ci\". 1 to 64 characters."
                    field=Field::KeyName
                />
                <KeyChoices />
                <FormError />
                // The page stayed open past the re-authentication window.
                <Show when=move || error.get() == Some(AppError::ReauthRequired)>
                    <ConfirmPasswordFirst next="/keys" before="creating a key" />
                </Show>
                <SubmitButton label="Create API key" busy_label="Creating…" primary=true />
            </form>
            </details>
        }),
    }
}

/// The keys as a table: filtered, sorted and paged as the address says
/// (`table::TableView`); each row's actions in one menu; one row open at a
/// time with its details and the form chosen from its menu.
#[component]
fn KeyTable(list: KeyList, actions: KeyActions) -> impl IntoView {
    if list.table.total() == 0 {
        return Either::Left(view! { <p>"No keys yet."</p> });
    }
    let view = use_query_map().with_untracked(TableView::from_query);
    let (allowance, reauth_needed, page) = (list.allowance, list.reauth_needed, list.table);
    let empty = page.rows.is_empty().then(|| view! {
        <tr><td colspan="8">"No keys with this status. " <a href=view.with_status(None).href()>"Show every key"</a></td></tr>
    });
    let filters = page
        .counts
        .iter()
        .copied()
        .filter(|(status, count)| status.is_none() || *count > 0)
        .map(|(status, count)| {
            let label = status.map_or("All", KeyStatus::label);
            let current = (view.status == status).then_some("true");
            view! {
                <li>
                    <a href=view.with_status(status).href() aria-current=current>
                        {label} " " <span class="count">{count}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    let rows = page
        .rows
        .clone()
        .into_iter()
        .map(|key| {
            let table = RowContext {
                view: view.clone(),
                allowance,
                reauth_needed,
                actions,
            };
            view! { <KeyRow key table /> }
        })
        .collect_view();
    Either::Right(view! {
        <nav class="pills" aria-label="Show keys by status">
            <ul>{filters}</ul>
        </nav>
        <table class="table keys-table">
            <caption class="visually-hidden">{table_caption(&view)}</caption>
            <thead>
                <tr>
                    <SortHeader view=view.clone() column=SortBy::Name label="Name" />
                    <th scope="col">"Key"</th>
                    <th scope="col">"Access"</th>
                    <SortHeader view=view.clone() column=SortBy::Created label="Created" />
                    <SortHeader view=view.clone() column=SortBy::LastUsed label="Last used" />
                    <SortHeader view=view.clone() column=SortBy::Expires label="Expires" />
                    <th scope="col">"Status"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}{empty}</tbody>
        </table>
        <Pager view page />
    })
}

fn table_caption(view: &TableView) -> String {
    let column = match view.sort {
        SortBy::Name => "name",
        SortBy::Created => "creation date",
        SortBy::LastUsed => "last use",
        SortBy::Expires => "expiry date",
    };
    let order = if view.descending {
        "descending"
    } else {
        "ascending"
    };
    format!("Your API keys, sorted by {column}, {order}")
}

/// A column heading that sorts by its column (again: the other way).
#[component]
fn SortHeader(view: TableView, column: SortBy, label: &'static str) -> impl IntoView {
    let sorted = (view.sort == column).then_some(if view.descending {
        "descending"
    } else {
        "ascending"
    });
    let arrow = sorted.map(|order| {
        if order == "descending" {
            " \u{2193}"
        } else {
            " \u{2191}"
        }
    });
    view! {
        <th scope="col" aria-sort=sorted>
            <a href=view.sorted_by(column).href()>{label}<span aria-hidden="true">{arrow}</span></a>
        </th>
    }
}

/// "Keys 51–100 of 200", and the way to the pages around.
#[component]
fn Pager(view: TableView, page: Page) -> impl IntoView {
    (page.pages > 1).then(|| {
        let first = (page.number - 1) * PAGE_SIZE + 1;
        let last = first + page.rows.len().saturating_sub(1);
        let previous = (page.number > 1).then(|| view! {
            <a href=view.on_page(page.number - 1).href() rel="prev">"Previous"</a>
        });
        let next = (page.number < page.pages).then(|| view! {
            <a href=view.on_page(page.number + 1).href() rel="next">"Next"</a>
        });
        view! {
            <nav class="pager" aria-label="Pages of keys">
                {previous}
                <span>{format!("Keys {first}\u{2013}{last} of {} (page {} of {})", page.matching, page.number, page.pages)}</span>
                {next}
            </nav>
        }
    })
}

fn expiry_text(expiry: &Expiry) -> String {
    match expiry {
        Expiry::Never => "Never".to_owned(),
        Expiry::On { date, days_left: 1 } => format!("Today or tomorrow ({})", date.text),
        Expiry::On { date, days_left } => format!("In {days_left} days ({})", date.text),
        Expiry::Expired { date } => format!("Expired on {}", date.text),
    }
}

fn expiry_short(expiry: &Expiry) -> AnyView {
    match expiry {
        Expiry::Never => "Never".into_any(),
        Expiry::On { date, .. } | Expiry::Expired { date } => {
            view! { <ShortDate date=date.clone() /> }.into_any()
        }
    }
}

/// What every row of the table shares: the view it is part of, and what
/// its menu and details may offer.
#[derive(Clone)]
struct RowContext {
    view: TableView,
    allowance: KeyAllowance,
    /// Rolling needs the password again first.
    reauth_needed: bool,
    actions: KeyActions,
}

/// One key's row, and under it, when open, its details and chosen form.
#[component]
fn KeyRow(key: ApiKeyView, table: RowContext) -> impl IntoView {
    let view = &table.view;
    let status = KeyStatus::of(&key);
    let open = view.open.as_deref() == Some(key.id.as_str());
    let toggle = if open {
        view.closed()
    } else {
        view.opened(&key.id, None)
    };
    let last_used = match key.last_used.clone() {
        Some(date) => view! { <ShortDate date /> }.into_any(),
        None => "Never".into_any(),
    };
    let details = open.then(|| {
        view! {
            <tr class="key-detail">
                <td colspan="8">
                    <KeyDetails key=key.clone() table=table.clone() />
                </td>
            </tr>
        }
    });
    let id = row_id(&key.id);
    view! {
        <tr id=id class="key-row" class:key-row--open=open>
            <th scope="row" data-label="Name">
                <a class="key-name" href=toggle.href() title=if open { "Hide the details" } else { "Show the details" }>{key.name.clone()}</a>
            </th>
            <td data-label="Key"><code>{key.masked.clone()}</code></td>
            <td data-label="Access">{key.permissions.label()}</td>
            <td data-label="Created"><ShortDate date=key.created.clone() /></td>
            <td data-label="Last used">{last_used}</td>
            <td data-label="Expires">{expiry_short(&key.expiry)}</td>
            <td data-label="Status">
                <span class=status.badge_class()>{status.label()}</span>
                {key.previous.is_some().then(|| view! { " " <span class="badge">"Old secret working"</span> })}
            </td>
            <td class="key-row-actions">
                <RowMenu key table=table.clone() />
            </td>
        </tr>
        {details}
    }
}

/// Everything that can be done to a key, in one menu: a disclosure, so it
/// opens without JavaScript.
#[component]
fn RowMenu(key: ApiKeyView, table: RowContext) -> impl IntoView {
    let RowContext {
        view,
        reauth_needed,
        actions,
        ..
    } = table;
    let name = key.name.clone();
    let key_id = key.id.clone();
    let link = |panel: Option<Panel>| view.opened(&key_id, panel).href();
    let (toggle_name, revoke_name) = (
        format!("{} {name}", if key.disabled { "Enable" } else { "Disable" }),
        format!("Revoke {name}"),
    );
    let roll = if reauth_needed {
        view! { <a href="/confirm-password?next=/keys">"Confirm it\u{2019}s you to roll"</a> }
            .into_any()
    } else {
        view! { <a href=link(Some(Panel::Roll))>"Roll secret\u{2026}"</a> }.into_any()
    };
    let end_grace = key.previous.is_some().then(|| {
        let key_id = key.id.clone();
        view! {
            <li>
                <ServerForm action=actions.end_grace class="inline-form">
                    <input type="hidden" name="key_id" value=key_id />
                    <button type="submit" class="link-button">"Expire old secret now"</button>
                </ServerForm>
            </li>
        }
    });
    let (toggle_label, disabled_value) = if key.disabled {
        ("Enable", "false")
    } else {
        ("Disable", "true")
    };
    view! {
        <details class="row-menu">
            <summary>
                <span aria-hidden="true">"\u{22ef}"</span>
                <span class="visually-hidden">{format!("Actions for {name}")}</span>
            </summary>
            <ul class="row-menu-list">
                <li><a href=link(None)>"Details"</a></li>
                <li>{roll}</li>
                <li><a href=link(Some(Panel::Networks))>"Allowed IPs\u{2026}"</a></li>
                {end_grace}
                <li>
                    <ServerForm action=actions.set_disabled class="inline-form">
                        <input type="hidden" name="key_id" value=key.id.clone() />
                        <input type="hidden" name="disabled" value=disabled_value />
                        <button type="submit" class="link-button" aria-label=toggle_name>{toggle_label}</button>
                    </ServerForm>
                </li>
                <li><a class="danger-link" href=link(Some(Panel::Revoke)) aria-label=revoke_name>"Revoke\u{2026}"</a></li>
            </ul>
        </details>
    }
}

/// An open row: the key's facts in full, then the form its menu chose.
#[component]
fn KeyDetails(key: ApiKeyView, table: RowContext) -> impl IntoView {
    let RowContext {
        view,
        allowance,
        reauth_needed,
        actions,
    } = table;
    let networks = if key.allowed_networks.is_empty() {
        "Any address".to_owned()
    } else {
        key.allowed_networks.join(", ")
    };
    let last_used = match (&key.last_used, &key.last_used_address) {
        (Some(date), Some(address)) => format!("{} from {address}", date.text),
        (Some(date), None) => date.text.clone(),
        (None, _) => "Never".to_owned(),
    };
    let close = view.closed().href();
    let panel = match view.panel {
        Some(Panel::Roll) if !reauth_needed => Some(
            view! { <RollForm key_id=key.id.clone() name=key.name.clone() previous=key.previous.clone() close=close.clone() /> }.into_any(),
        ),
        Some(Panel::Roll) => Some(view! { <ConfirmPasswordFirst next="/keys" before="rolling a key" /> }.into_any()),
        Some(Panel::Networks) => Some(
            view! { <NetworksForm key_id=key.id.clone() name=key.name.clone() current=key.allowed_networks.join("\n") set_networks=actions.set_networks close=close.clone() /> }.into_any(),
        ),
        Some(Panel::Revoke) => Some(view! { <RevokeConfirm key_id=key.id.clone() name=key.name.clone() revoke=actions.revoke close=close.clone() /> }.into_any()),
        None => None,
    };
    view! {
        <div class="key-details">
            <dl class="key-facts">
                <dt>"Key"</dt>
                <dd><code>{key.masked.clone()}</code></dd>
                {key.previous.clone().map(|previous| view! {
                    <dt>"Old secret"</dt>
                    <dd><code>{previous.masked}</code>{format!(" works until {}", previous.works_until.text)}</dd>
                })}
                <dt>"Access"</dt>
                <dd>{key.permissions.label()}</dd>
                <dt>"Expires"</dt>
                <dd>{expiry_text(&key.expiry)}</dd>
                <dt>"Allowed IPs"</dt>
                <dd>{networks}</dd>
                <dt>"Rate limit"</dt>
                <dd>{format!("{} reads and {} changes a minute", allowance.reads_per_minute, allowance.changes_per_minute)}</dd>
                <dt>"Created"</dt>
                <dd>{key.created.text.clone()}</dd>
                <dt>"Last used"</dt>
                <dd>{last_used}</dd>
            </dl>
            {panel}
            <p class="key-details-close"><a href=close>{format!("Close \u{201c}{}\u{201d}", key.name)}</a></p>
        </div>
    }
}

/// Revoking asks first, in place, saying what stops working.
#[component]
fn RevokeConfirm(
    key_id: String,
    name: String,
    revoke: ServerAction<RevokeApiKey>,
    close: String,
) -> impl IntoView {
    let label = format!("Revoke {name}");
    view! {
        <section class="key-panel key-panel--danger" aria-label=label>
            <p>
                <strong>{format!("Revoke \u{201c}{name}\u{201d}?")}</strong>
                " Every program that sends it gets 401 from its next request, and it cannot be turned back on. Its usage stays in your history."
            </p>
            <ServerForm action=revoke class="inline-form">
                <input type="hidden" name="key_id" value=key_id />
                <button type="submit" class="button button--danger button--small">
                    {format!("Revoke \u{201c}{name}\u{201d} now")}
                </button>
                " "
                <a href=close>"Keep it"</a>
            </ServerForm>
        </section>
    }
}

/// "Roll key": the grace period, then a new secret shown once. Posts to
/// `/keys`, whose answer is the table with this row closed: no open form
/// under the new secret invites a second roll.
#[component]
fn RollForm(
    key_id: String,
    name: String,
    /// The secret before the last roll, while its grace period runs: a
    /// roll now would stop it, so the form asks first.
    previous: Option<PreviousSecret>,
    /// The table without this row open.
    close: String,
) -> impl IntoView {
    let select_id = format!("grace-{key_id}");
    let end_previous = previous.map(|previous| {
        let checkbox_id = format!("end-previous-{key_id}");
        view! {
            <div class="field field--checkbox">
                <input type="checkbox" id=checkbox_id.clone() name="end_previous_grace" value="true" />
                <label for=checkbox_id>
                    {format!(
                        "End the grace period of the secret before ({}, works until {}): it stops at once",
                        previous.masked,
                        previous.works_until.text,
                    )}
                </label>
            </div>
        }
    });
    view! {
        <section class="key-panel" aria-label=format!("Roll {name}")>
            <h3>{format!("Roll \u{201c}{name}\u{201d}")}</h3>
            <form method="post" action="/keys" class="form">
                <input type="hidden" name="intent" value="roll" />
                <input type="hidden" name="key_id" value=key_id />
                <p>"A new secret replaces the current one; the key keeps its name, access and usage."</p>
                <div class="field">
                    <label for=select_id.clone()>"Keep the old secret working for"</label>
                    <select id=select_id name="grace_seconds">
                        {GRACE_CHOICES
                            .map(|(seconds, label)| view! {
                                <option value=seconds.to_string() selected={seconds == 3_600}>{label}</option>
                            })
                            .collect_view()}
                    </select>
                </div>
                {end_previous}
                <div class="form-actions">
                    <SubmitButton label="Roll key" busy_label="Rolling…" />
                    <a href=close.clone()>"Cancel"</a>
                </div>
            </form>
        </section>
    }
}

#[component]
fn NetworksForm(
    key_id: String,
    name: String,
    current: String,
    set_networks: ServerAction<SetApiKeyNetworks>,
    close: String,
) -> impl IntoView {
    let field_id = format!("networks-{key_id}");
    view! {
        <section class="key-panel" aria-label=format!("Allowed IPs of {name}")>
            <h3>{format!("Allowed IPs of \u{201c}{name}\u{201d}")}</h3>
            <ServerForm action=set_networks class="form">
                <input type="hidden" name="key_id" value=key_id />
                <div class="field">
                    <label for=field_id.clone()>"Allowed IPs"</label>
                    <p class="field-hint">"IPv4 or IPv6 ranges, one per line. Empty: any address."</p>
                    <textarea id=field_id name="allowed_networks" rows="3">{current}</textarea>
                    <FieldMessage field=Field::KeyNetworks />
                </div>
                <div class="form-actions">
                    <SubmitButton label="Save allowed IPs" busy_label="Saving…" />
                    <a href=close>"Cancel"</a>
                </div>
            </ServerForm>
        </section>
    }
}

/// The keys that expire within 7 days, for `ExpiringKeysNotice`.
pub fn expiring_keys_resource() -> Resource<Result<Vec<ApiKeyView>, AppError>> {
    Resource::new(|| (), |_| super::server_fns::expiring_api_keys())
}

/// The dashboard's warning about keys that expire within 7 days (nothing
/// when none do).
#[component]
pub fn ExpiringKeysNotice(expiring: Resource<Result<Vec<ApiKeyView>, AppError>>) -> impl IntoView {
    // Awaited in place, as in `Loaded`; a failure only hides the warning.
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                expiring.await.ok().filter(|keys| !keys.is_empty()).map(|keys| {
                    let items = keys
                        .into_iter()
                        .map(|key| view! { <li><strong>{key.name.clone()}</strong>{format!(": {}", expiry_text(&key.expiry))}</li> })
                        .collect_view();
                    view! {
                        <div class="notice notice--warning" role="status">
                            <p>"These API keys expire soon. Roll them before they stop working:"</p>
                            <ul>{items}</ul>
                            <a class="button button--primary" href="/keys">"Review your keys"</a>
                        </div>
                    }
                })
            })}
        </Transition>
    }
}
