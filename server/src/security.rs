//! The security headers every response carries, as tower-http layers: the
//! pages' Content-Security-Policy (its nonce set by the shell as each page
//! renders), a script-free policy for everything else, `nosniff`, the
//! referrer policy, and HSTS when the site is served over https.

use crate::config::{Config, PaymentService};
use app::state::ContentSecurityPolicy;
use axum::http::{HeaderValue, header};
use leptos::prelude::LeptosOptions;
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower::util::option_layer;
use tower_http::set_header::SetResponseHeaderLayer;

/// Where Stripe's hosted checkout and customer portal live: the Payment MS
/// answers a form post with a redirect there, which `form-action` governs.
const STRIPE_ORIGINS: [&str; 2] = ["https://checkout.stripe.com", "https://billing.stripe.com"];

pub fn content_security_policy(config: &Config, options: &LeptosOptions) -> ContentSecurityPolicy {
    let form_action: Vec<String> = match &config.payments.service {
        PaymentService::Service { url, .. } => url::Url::parse(url)
            .ok()
            .map(|url| url.origin().ascii_serialization())
            .into_iter()
            .chain(STRIPE_ORIGINS.map(str::to_owned))
            .collect(),
        // The sandbox's hosted pages are on our own origin.
        PaymentService::Sandbox { .. } => Vec::new(),
    };
    // `cargo leptos watch` reloads pages through a socket on its own port.
    let reload_socket = (options.env == leptos::config::Env::DEV)
        .then(|| format!("ws://*:{}", options.reload_port));
    ContentSecurityPolicy::new(&form_action, reload_socket)
}

type HeaderLayer = SetResponseHeaderLayer<HeaderValue>;

/// The layers, outermost first.
pub type SecurityHeaders = ServiceBuilder<
    Stack<
        tower::util::Either<HeaderLayer, Identity>,
        Stack<HeaderLayer, Stack<HeaderLayer, Stack<HeaderLayer, Identity>>>,
    >,
>;

pub fn security_headers(config: &Config, policy: &ContentSecurityPolicy) -> SecurityHeaders {
    // Not a Leptos page (an API answer, a file, a sandbox page): no script may run.
    let scriptless = HeaderValue::from_str(&policy.without_scripts())
        .expect("the policy is built from header-safe origins");
    let hsts = config.public_url.starts_with("https://").then(|| {
        SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        )
    });
    ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            scriptless,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(option_layer(hsts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
        .unwrap()
    }

    #[test]
    fn forms_may_post_to_the_payment_service_and_stripe_only_when_configured() {
        let options = LeptosOptions::builder().output_name("t").build();
        let service = config(&[
            ("PAYMENT_SERVICE_URL", "https://payments.tracepipe.ai/base"),
            ("PAYMENT_SERVICE_API_KEY", "proj_0123456789abcdef"),
        ]);
        let policy = content_security_policy(&service, &options).for_page("n0nce", true);
        assert!(
            policy.ends_with(
                "form-action 'self' https://payments.tracepipe.ai https://checkout.stripe.com https://billing.stripe.com"
            ),
            "{policy}"
        );
        assert!(policy.contains("script-src 'self' 'nonce-n0nce' 'wasm-unsafe-eval'"));
        let sandbox = content_security_policy(&config(&[]), &options).without_scripts();
        assert!(sandbox.ends_with("form-action 'self'"), "{sandbox}");
        assert!(sandbox.contains("script-src 'none'"));
    }

    #[test]
    fn the_development_reload_socket_is_allowed_in_development_only() {
        let mut options = LeptosOptions::builder().output_name("t").build();
        options.env = leptos::config::Env::DEV;
        let development = content_security_policy(&config(&[]), &options).without_scripts();
        assert!(development.contains(&format!(
            "connect-src 'self' ws://*:{};",
            options.reload_port
        )));
        options.env = leptos::config::Env::PROD;
        let production = content_security_policy(&config(&[]), &options).without_scripts();
        assert!(production.contains("connect-src 'self';"), "{production}");
    }
}
