//! Two-step verification pages: the second step of signing in
//! (`/login/verify`) and managing it (`/account/two-factor`): setting up an
//! authenticator app, recovery codes, turning it off.

use crate::accounts::auth::{ConfirmPasswordFirst, PrivatePage};
use crate::accounts::passkey_pages::ConfirmAddressFirst;
use crate::accounts::server_fns::{
    StartTotpSetup, TurnOffTwoFactor, load_second_factors, load_totp_setup,
};
use crate::accounts::{SecondFactors, TotpSetup};
use crate::actor::CurrentUser;
use crate::components::{
    CopyButton, FormError, FormField, FormState, Loaded, ServerForm, SubmitButton,
};
use crate::error::AppError;
use crate::error::Field;
use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The answer to a form posted to `/account/two-factor` without JavaScript
/// (finishing set-up, new recovery codes): the codes to show this once, or
/// why there are none. The server renders the page with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwoFactorFormOutcome(pub Result<Vec<String>, AppError>);

/// The account page's summary of two-step verification.
#[component]
pub fn TwoFactorSummary(
    factors: Resource<Result<SecondFactors, AppError>>,
    address_confirmed: bool,
) -> impl IntoView {
    view! {
        <h2>"Two-step verification"</h2>
        <Loaded resource=factors retry_href="/account" children=move |factors: SecondFactors| view! { <SummaryText factors address_confirmed /> } />
    }
}

#[component]
fn SummaryText(factors: SecondFactors, address_confirmed: bool) -> impl IntoView {
    if factors.authenticator_since.is_none() && !address_confirmed {
        return Either::Left(view! {
            <p>"Off: your password alone signs you in."</p>
            <ConfirmAddressFirst what="setting up two-step verification" />
        });
    }
    let state = match &factors.authenticator_since {
                Some(since) => format!(
                    "On since {}: signing in needs a code from your authenticator app. Recovery codes left: {}.",
                    since.text, factors.recovery_codes_left
                ),
                None => "Off: your password alone signs you in. Add an authenticator app so that a stolen password is not enough.".to_owned(),
            };
    let link = if factors.authenticator_since.is_some() {
        "Manage two-step verification"
    } else {
        "Set up two-step verification"
    };
    Either::Right(view! {
        <p>{state}</p>
        <p><a class="button button--secondary" href="/account/two-factor">{link}</a></p>
    })
}

/// `/account/two-factor`. Finishing the set-up and new recovery codes post
/// to this page, whose answer shows the codes this once
/// (`TwoFactorFormOutcome`); starting and turning off are server functions.
#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let start = ServerAction::<StartTotpSetup>::new();
    let turn_off = ServerAction::<TurnOffTwoFactor>::new();
    let factors = Resource::new(|| (), |_| load_second_factors());
    let setup = Resource::new(|| (), |_| load_totp_setup());
    let posted = use_context::<TwoFactorFormOutcome>().map(|outcome| outcome.0);
    let new_codes = posted.clone().and_then(Result::ok);
    let error = Signal::derive(move || {
        posted
            .clone()
            .and_then(Result::err)
            .or_else(|| start.value().get().and_then(Result::err))
            .or_else(|| turn_off.value().get().and_then(Result::err))
    });
    let actions = TwoFactorActions { start, turn_off };
    view! {
        <PrivatePage
            title="Two-step verification — Tracepipe"
            description="Protect your Tracepipe account with a code from an authenticator app."
            path="/account/two-factor"
            children=move |user: CurrentUser| view! {
                <section class="section" aria-labelledby="two-factor-title">
                    <div class="container container--form">
                        <p><a href="/account">"← Your account"</a></p>
                        <h1 id="two-factor-title">"Two-step verification"</h1>
                        <p class="lead">
                            "After your password, signing in asks for a six-digit code from an authenticator app on your phone "
                            "(such as 1Password, Google Authenticator or Authy). A stolen password alone no longer opens your account."
                        </p>
                        {new_codes.clone().map(|codes| view! { <RecoveryCodesPanel codes /> })}
                        <Show when=move || error.get() == Some(AppError::ReauthRequired)>
                            <ConfirmPasswordFirst next="/account/two-factor" before="changing two-step verification" />
                        </Show>
                        <Loaded resource=factors retry_href="/account/two-factor" children=move |factors: SecondFactors| view! { <FactorControls factors setup actions error address_confirmed=user.email_verified /> } />
                    </div>
                </section>
            }
        />
    }
}

#[derive(Clone, Copy)]
struct TwoFactorActions {
    start: ServerAction<StartTotpSetup>,
    turn_off: ServerAction<TurnOffTwoFactor>,
}

/// Off, setting up, or on: what can be done in each.
#[component]
fn FactorControls(
    factors: SecondFactors,
    setup: Resource<Result<Option<TotpSetup>, AppError>>,
    actions: TwoFactorActions,
    error: Signal<Option<AppError>>,
    address_confirmed: bool,
) -> impl IntoView {
    // A refusal for want of a recent sign-in is answered above the controls.
    let shown = Signal::derive(move || {
        error
            .get()
            .filter(|error| *error != AppError::ReauthRequired)
    });
    let regenerating = FormState { error: shown };
    match (&factors.authenticator_since, factors.setting_up) {
        (Some(since), _) => EitherOf4::A(view! {
            <p class="notice" role="status">{format!("Two-step verification is on (since {}).", since.text)}</p>
            <h2>"Recovery codes"</h2>
            <p>
                {format!("{} of 10 recovery codes left. ", factors.recovery_codes_left)}
                "Each works once, instead of a code from the app. New codes replace every old one."
            </p>
            {(factors.recovery_codes_left <= 3).then(|| view! {
                <p class="notice notice--error">"You are running out of recovery codes: make new ones and keep them safe."</p>
            })}
            <PlainForm intent="regenerate" state=regenerating>
                <FormError />
                <SubmitButton label="Make new recovery codes" busy_label="Making codes…" />
            </PlainForm>
            <h2>"Turn off"</h2>
            <p>"Signing in will need only your password again."</p>
            <ServerForm action=actions.turn_off class="form">
                <SubmitButton label="Turn off two-step verification" busy_label="Turning off…" danger=true />
            </ServerForm>
        }),
        (None, true) => EitherOf4::B(view! {
            <Loaded resource=setup retry_href="/account/two-factor" children=move |setup| {
                setup.map(|setup| view! { <SetupSteps setup error /> })
            } />
        }),
        (None, false) if !address_confirmed => EitherOf4::C(view! {
            <ConfirmAddressFirst what="setting up two-step verification" />
        }),
        (None, false) => EitherOf4::D(view! {
            <ServerForm action=actions.start class="form" error=shown>
                <FormError />
                <SubmitButton label="Set up an authenticator app" busy_label="Starting…" primary=true />
            </ServerForm>
        }),
    }
}

/// A form that posts to this page (the server answers with the page and
/// the new codes in it).
#[component]
fn PlainForm(
    intent: &'static str,
    /// What its fields show: what the post answered.
    state: FormState,
    children: Children,
) -> impl IntoView {
    state.provide();
    view! {
        <form method="post" action="/account/two-factor" class="form">
            <input type="hidden" name="intent" value=intent />
            {children()}
        </form>
    }
}

#[component]
fn SetupSteps(setup: TotpSetup, error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <h2>"1. Scan this code with your authenticator app"</h2>
        <div class="qr-code" role="img" aria-label="QR code of your two-step verification key" inner_html=setup.qr_svg></div>
        <p>"Or type the key in by hand:"</p>
        <dl class="key-facts">
            <dt>"Account"</dt><dd>{setup.account}</dd>
            <dt>"Key"</dt><dd><code class="key-value">{setup.text_key}</code></dd>
            <dt>"Type"</dt><dd>"Time-based, six digits, every 30 seconds"</dd>
        </dl>
        <h2>"2. Enter the code the app shows"</h2>
        <SetupCodeForm error />
    }
}

#[component]
fn SetupCodeForm(error: Signal<Option<AppError>>) -> impl IntoView {
    let state = FormState { error };
    view! {
            <PlainForm intent="confirm" state>
                <FormField
                    label="Code"
                    name="code"
                    autocomplete="one-time-code"
                    hint="Six digits. Two-step verification is turned on once the code is right."
                    field=Field::Code
                />
                <FormError />
                <SubmitButton label="Turn on two-step verification" busy_label="Checking…" primary=true />
            </PlainForm>
    }
}

/// New recovery codes, this once: a list, a copy button and a text file.
#[component]
fn RecoveryCodesPanel(codes: Vec<String>) -> impl IntoView {
    let text = format!(
        "Tracepipe recovery codes\nEach code works once, in place of a code from your authenticator app.\n\n{}\n",
        codes.join("\n")
    );
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        crate::components::query_value(&text)
    );
    view! {
        <div class="key-reveal" role="status">
            <h2>"Your recovery codes"</h2>
            <p>
                <strong>"Save them now: they will not be shown again."</strong>
                " If you lose your phone, each code signs you in once. We keep only fingerprints of them."
            </p>
            <ol class="recovery-codes">
                {codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
            </ol>
            <p>
                <a class="button button--secondary" href=download download="tracepipe-recovery-codes.txt">"Download as text"</a>
                " "
                <CopyButton text what="the recovery codes" />
            </p>
        </div>
    }
}
