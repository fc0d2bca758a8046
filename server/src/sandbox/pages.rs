//! The sandbox's hosted pages, imitating Stripe test mode: Checkout (test
//! cards 4242… pays, 4000 0000 0000 0002 is declined) and the Customer
//! Portal. Plain HTML forms; every page is marked as the sandbox.

use super::SandboxState;
use super::store::{self, CheckoutSessionRow, PortalChange, SubscriptionRow};
use app::support::time::date_label;
use app::support::time::unix_now;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use leptos::prelude::*;
use serde::Deserialize;
use std::collections::HashSet;

/// Stripe's portal sessions are short-lived; so are these.
const PORTAL_SESSION_SECS: i64 = 3600;
const CHECKOUT_SESSION_SECS: i64 = 24 * 3600;

/// Mounted by the storefront's router at `HOSTED_PREFIX`.
pub fn router(state: SandboxState) -> Router {
    Router::new()
        .route("/checkout/{id}", get(checkout_page).post(pay))
        .route("/portal/{id}", get(portal_page).post(change_subscription))
        .with_state(state)
}

fn page(state: &SandboxState, status: StatusCode, title: String, body: AnyView) -> Response {
    super::sandbox_page(
        &state.stylesheet_href,
        status,
        &title,
        (
            "Sandbox — no real payment.",
            " This page stands in for Stripe in test mode.",
        ),
        body,
    )
}

fn message_page(state: &SandboxState, status: StatusCode, title: &str, text: &str) -> Response {
    let body = view! {
        <h1>{title.to_owned()}</h1>
        <p>{text.to_owned()}</p>
    };
    page(state, status, title.to_owned(), body.into_any())
}

fn unavailable(state: &SandboxState, err: sqlx::Error) -> Response {
    tracing::error!("sandbox payment pages: {err}");
    message_page(
        state,
        StatusCode::SERVICE_UNAVAILABLE,
        "Something went wrong",
        "The sandbox could not reach its database. Reload the page to try again.",
    )
}

/// How a hosted page names its kind of link when it is stale or unknown.
struct LinkKind {
    lifetime_secs: i64,
    expired: &'static str,
    expired_text: &'static str,
    unknown: &'static str,
    unknown_text: &'static str,
}

const CHECKOUT_LINK: LinkKind = LinkKind {
    lifetime_secs: CHECKOUT_SESSION_SECS,
    expired: "This checkout has expired",
    expired_text: "Checkout links work for 24 hours. Return to Tracepipe and choose your plan again.",
    unknown: "Checkout not found",
    unknown_text: "This checkout link is not valid. Return to Tracepipe and choose your plan again.",
};

const PORTAL_LINK: LinkKind = LinkKind {
    lifetime_secs: PORTAL_SESSION_SECS,
    expired: "This billing link has expired",
    expired_text: "Billing portal links work for an hour. Return to Tracepipe and choose Manage billing again.",
    unknown: "Billing link not found",
    unknown_text: "This billing portal link is not valid. Return to Tracepipe and choose Manage billing again.",
};

/// Why a link's session cannot be used.
enum Unusable {
    Expired(&'static LinkKind),
    Unknown(&'static LinkKind),
    Unavailable(sqlx::Error),
}

impl Unusable {
    fn page(self, state: &SandboxState) -> Response {
        match self {
            Self::Expired(kind) => {
                message_page(state, StatusCode::GONE, kind.expired, kind.expired_text)
            }
            Self::Unknown(kind) => message_page(
                state,
                StatusCode::NOT_FOUND,
                kind.unknown,
                kind.unknown_text,
            ),
            Self::Unavailable(err) => unavailable(state, err),
        }
    }
}

/// The session a link names, if it can still be used.
fn live<T>(
    kind: &'static LinkKind,
    found: Result<Option<T>, sqlx::Error>,
    created_at: impl Fn(&T) -> i64,
) -> Result<T, Unusable> {
    match found {
        Ok(Some(session)) if unix_now() - created_at(&session) <= kind.lifetime_secs => Ok(session),
        Ok(Some(_)) => Err(Unusable::Expired(kind)),
        Ok(None) => Err(Unusable::Unknown(kind)),
        Err(err) => Err(Unusable::Unavailable(err)),
    }
}

async fn open_session(state: &SandboxState, id: &str) -> Result<CheckoutSessionRow, Unusable> {
    let found = store::checkout_session(&state.db, id).await;
    live(&CHECKOUT_LINK, found, |session| session.created_at)
}

async fn checkout_page(State(state): State<SandboxState>, Path(id): Path<String>) -> Response {
    match open_session(&state, &id).await {
        Ok(session) if session.status == "complete" => {
            Redirect::to(&session.success_redirect()).into_response()
        }
        Ok(session) => checkout_form(&state, &session, StatusCode::OK, None),
        Err(unusable) => unusable.page(&state),
    }
}

fn checkout_form(
    state: &SandboxState,
    session: &CheckoutSessionRow,
    status: StatusCode,
    error: Option<&'static str>,
) -> Response {
    let public = state.catalog.public();
    let mut total_cents = 0;
    let lines = session
        .items()
        .iter()
        .map(|item| {
            let plan = state.price(&item.price_id).map(|plan| plan.summary());
            let (name, price) = match &plan {
                Some(plan) => {
                    total_cents += plan.price_cents * item.quantity;
                    (
                        plan.name.clone(),
                        format!("{} {}", public.price_label(plan), plan.cadence_label()),
                    )
                }
                None => (item.price_id.clone(), String::new()),
            };
            let quantity = (item.quantity > 1).then(|| format!(" × {}", item.quantity));
            view! { <li><strong>{name}</strong>{quantity}" — "{price}</li> }
        })
        .collect_view();
    let action_label = if session.is_subscription() {
        "Subscribe"
    } else {
        "Pay"
    };
    let total = format!("{:.2}", total_cents as f64 / 100.0);
    let body = view! {
        <h1>"Pay Tracepipe"</h1>
        <ul class="plan-features">{lines}</ul>
        <p>{format!("Total due today: {total} {}", public.currency)}</p>
        <p class="field-hint">{format!("Paying as {}", session.email)}</p>
        <form method="post" class="form">
            <p class="form-error" role="alert">{error}</p>
            <div class="field">
                <label for="card_number">"Card number"</label>
                <input id="card_number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required />
            </div>
            <div class="field">
                <label for="expiry">"Expiry (MM / YY)"</label>
                <input id="expiry" name="expiry" autocomplete="cc-exp" placeholder="12 / 34" required />
            </div>
            <div class="field">
                <label for="cvc">"CVC"</label>
                <input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" required />
            </div>
            <button class="button button--primary" type="submit">{action_label}</button>
        </form>
        <p class="field-hint">
            "Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined. "
            "Any future expiry and any 3-digit CVC."
        </p>
        <p><a href=session.cancel_url.clone()>"← Cancel and return to Tracepipe"</a></p>
    };
    page(state, status, "Checkout".to_owned(), body.into_any())
}

#[derive(Deserialize)]
struct CardForm {
    #[serde(default)]
    card_number: String,
    #[serde(default)]
    expiry: String,
    #[serde(default)]
    cvc: String,
}

/// Why a test card was refused, in Stripe's words; None when it pays.
fn card_problem(form: &CardForm, today: time::Date) -> Option<(StatusCode, &'static str)> {
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let digits: String = form
        .card_number
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if digits.len() < 12 || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Some((invalid, "Your card number is incomplete."));
    }
    if !luhn_valid(&digits) {
        return Some((invalid, "Your card number is invalid."));
    }
    let expiry: Vec<u32> = form
        .expiry
        .split('/')
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    let [month, year] = expiry[..] else {
        return Some((invalid, "Your card's expiration date is incomplete."));
    };
    let year = if year < 100 { 2000 + year } else { year } as i32;
    if !(1..=12).contains(&month) {
        return Some((invalid, "Your card's expiration date is invalid."));
    }
    if (year, month as u8) < (today.year(), today.month() as u8) {
        return Some((invalid, "Your card's expiration year is in the past."));
    }
    let cvc = form.cvc.trim();
    if !(3..=4).contains(&cvc.len()) || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        return Some((invalid, "Your card's security code is incomplete."));
    }
    match digits.as_str() {
        "4242424242424242" | "5555555555554444" => None,
        "4000000000000002" => Some((StatusCode::PAYMENT_REQUIRED, "Your card was declined.")),
        _ => Some((
            StatusCode::PAYMENT_REQUIRED,
            "Your card was declined: the sandbox takes test cards only, such as 4242 4242 4242 4242.",
        )),
    }
}

fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(index, byte)| {
            let digit = u32::from(byte - b'0');
            match (index % 2, digit * 2) {
                (1, doubled) if doubled > 9 => doubled - 9,
                (1, doubled) => doubled,
                _ => digit,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

async fn pay(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Form(form): Form<CardForm>,
) -> Response {
    let session = match open_session(&state, &id).await {
        Ok(session) => session,
        Err(unusable) => return unusable.page(&state),
    };
    if session.status == "open" {
        let today = time::OffsetDateTime::now_utc().date();
        if let Some((status, message)) = card_problem(&form, today) {
            return checkout_form(&state, &session, status, Some(message));
        }
        if let Err(err) = store::complete_checkout(&state.db, &session).await {
            return unavailable(&state, err);
        }
    }
    // Paid now or by an earlier submit: either way, on to the success page.
    Redirect::to(&session.success_redirect()).into_response()
}

#[derive(Deserialize)]
struct PortalQuery {
    done: Option<String>,
}

async fn portal_page(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Query(query): Query<PortalQuery>,
) -> Response {
    let portal = match valid_portal_session(&state, &id).await {
        Ok(portal) => portal,
        Err(unusable) => return unusable.page(&state),
    };
    let subscriptions = match store::subscriptions_of(&state.db, &portal.user_id).await {
        Ok(rows) => rows,
        Err(err) => return unavailable(&state, err),
    };
    // The latest subscription per product, as Stripe's portal lists them.
    let mut seen = HashSet::new();
    let rows = subscriptions
        .into_iter()
        .filter(|row| seen.insert(row.product_id.clone()))
        .map(|row| subscription_row(&state, row))
        .collect_view();
    let notice = query.done.map(|_| {
        view! { <p class="notice" role="status">"Your subscription was updated."</p> }
    });
    let body = view! {
        <h1>"Manage billing"</h1>
        {notice}
        <h2>"Subscriptions"</h2>
        <ul class="portal-list">{rows}</ul>
        <h2>"Payment method"</h2>
        <p>"Test card ending in 4242."</p>
        <h2>"Invoices"</h2>
        <p>"The sandbox issues no invoices."</p>
        <p><a href=portal.return_url>"← Return to Tracepipe"</a></p>
    };
    page(
        &state,
        StatusCode::OK,
        "Manage billing".to_owned(),
        body.into_any(),
    )
}

fn subscription_row(state: &SandboxState, row: SubscriptionRow) -> impl IntoView + use<> {
    let name = state.product_name(&row.product_id);
    let date = time::OffsetDateTime::from_unix_timestamp(row.current_period_end)
        .map(|moment| date_label(moment).text)
        .unwrap_or_default();
    let canceling = row.cancel_at_period_end != 0;
    let (status, changes): (String, &[(PortalChange, &str)]) = match (row.is_active(), canceling) {
        (true, false) => (
            format!("Active — renews on {date}"),
            &[
                (PortalChange::CancelAtPeriodEnd, "Cancel at period end"),
                (PortalChange::CancelNow, "Cancel immediately"),
            ],
        ),
        (true, true) => (
            format!("Active — cancels on {date}"),
            &[
                (PortalChange::Resume, "Don't cancel"),
                (PortalChange::CancelNow, "Cancel immediately"),
            ],
        ),
        (false, _) => (format!("Canceled — ended on {date}"), &[]),
    };
    let buttons = changes
        .iter()
        .map(|(change, label)| {
            let value = match change {
                PortalChange::CancelAtPeriodEnd => "cancel_at_period_end",
                PortalChange::CancelNow => "cancel_now",
                PortalChange::Resume => "resume",
            };
            view! { <button class="button button--secondary" type="submit" name="change" value=value>{*label}</button> }
        })
        .collect_view();
    let form = (!changes.is_empty()).then(|| {
        view! {
            <form method="post" class="form">
                <input type="hidden" name="subscription_id" value=row.id.clone() />
                {buttons}
            </form>
        }
    });
    view! {
        <li>
            <p><strong>{format!("{name} plan")}</strong></p>
            <p>{status}</p>
            {form}
        </li>
    }
}

async fn valid_portal_session(
    state: &SandboxState,
    id: &str,
) -> Result<store::PortalSessionRow, Unusable> {
    let found = store::portal_session(&state.db, id).await;
    live(&PORTAL_LINK, found, |portal| portal.created_at)
}

#[derive(Deserialize)]
struct ChangeForm {
    subscription_id: String,
    change: PortalChange,
}

async fn change_subscription(
    State(state): State<SandboxState>,
    Path(id): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Response {
    let portal = match valid_portal_session(&state, &id).await {
        Ok(portal) => portal,
        Err(unusable) => return unusable.page(&state),
    };
    match store::change_subscription(
        &state.db,
        &portal.user_id,
        &form.subscription_id,
        form.change,
    )
    .await
    {
        Ok(true) => {
            Redirect::to(&format!("{}/portal/{id}?done=1", super::HOSTED_PREFIX)).into_response()
        }
        Ok(false) => message_page(
            &state,
            StatusCode::CONFLICT,
            "Nothing to change",
            "That subscription is not active any more. Go back to the portal to see where it stands.",
        ),
        Err(err) => unavailable(&state, err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn card(number: &str, expiry: &str, cvc: &str) -> CardForm {
        CardForm {
            card_number: number.to_owned(),
            expiry: expiry.to_owned(),
            cvc: cvc.to_owned(),
        }
    }

    #[test]
    fn stripe_test_cards_behave_as_in_test_mode() {
        let today = date!(2026 - 11 - 21);
        assert_eq!(
            card_problem(&card("4242 4242 4242 4242", "12 / 34", "123"), today),
            None
        );
        let declined = card_problem(&card("4000 0000 0000 0002", "12/34", "123"), today).unwrap();
        assert_eq!(
            declined,
            (StatusCode::PAYMENT_REQUIRED, "Your card was declined.")
        );
        let cases = [
            (card("4242", "12/34", "123"), "incomplete"),
            (card("4242 4242 4242 4241", "12/34", "123"), "invalid"),
            (card("4242424242424242", "10/26", "123"), "past"),
            (card("4242424242424242", "13/30", "123"), "invalid"),
            (card("4242424242424242", "1234", "123"), "incomplete"),
            (card("4242424242424242", "12/34", "1"), "security code"),
        ];
        for (form, expected) in cases {
            let (status, message) = card_problem(&form, today).unwrap();
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(message.contains(expected), "{message}");
        }
    }
}
