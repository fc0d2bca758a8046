//! The messages' words and markup: a plain-text part and an HTML part from
//! the same pieces, with the product's name and absolute links built from
//! `PUBLIC_URL` (never from a request's Host header, which a client chooses).

use crate::support::time::{moment, time_label};
use html_escape::{encode_double_quoted_attribute, encode_text};

/// A message ready for the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A security notice: what happened, the facts a person needs to recognise
/// it (when, from which address), and what to do if it was not them.
pub struct SecurityNotice<'a> {
    /// "A new API key was created".
    pub headline: &'a str,
    /// One line each, e.g. "Key: CI runner".
    pub facts: Vec<String>,
    /// Where to look, e.g. `/keys`, with the button's words.
    pub review: (&'a str, &'a str),
    /// What to do if it was not the reader; None: change the password and
    /// sign out everywhere (with a link to the account page).
    pub if_not_you: Option<&'a str>,
}

impl SecurityNotice<'_> {
    /// The notice for `to`, its links absolute against `public_url`.
    pub fn email(&self, public_url: &str, to: &str) -> Email {
        let review_url = format!("{public_url}{}", self.review.0);
        let account_url = format!("{public_url}/account");
        let (not_you_text, not_you_html) = match self.if_not_you {
            Some(advice) => (
                format!("If this was not you: {advice}"),
                format!("<p>If this was not you: {}</p>", encode_text(advice)),
            ),
            None => (
                format!(
                    "If this was not you, change your password now and sign out everywhere \
                     on your account page, then write to {SUPPORT}.\nAccount: {account_url}"
                ),
                format!(
                    "<p>If this was not you, <a href=\"{}\">change your password and sign out everywhere</a> \
                     on your account page, then write to {SUPPORT}.</p>",
                    encode_double_quoted_attribute(&account_url)
                ),
            ),
        };
        let mut text = format!("{}\n\n", self.headline);
        for fact in &self.facts {
            text.push_str(&format!("  {fact}\n"));
        }
        text.push_str(&format!(
            "\n{}: {review_url}\n\n{not_you_text}\n\n{FOOTER}\n",
            self.review.1
        ));
        let facts: String = self
            .facts
            .iter()
            .map(|fact| format!("<li>{}</li>", encode_text(fact)))
            .collect();
        let html = html_document(
            self.headline,
            &format!(
                "<ul>{facts}</ul><p><a href=\"{review_href}\">{review_label}</a></p>{not_you_html}",
                review_href = encode_double_quoted_attribute(&review_url),
                review_label = encode_text(self.review.1),
            ),
        );
        Email {
            to: to.to_owned(),
            subject: format!("{} — Tracepipe", self.headline),
            text,
            html,
        }
    }
}

/// Where people write when something is wrong with their account.
pub const SUPPORT: &str = "hello@tracepipe.ai";

/// A message whose point is one link: why it came, the link with what it
/// does and how long it works, and what to do if the reader did not ask.
pub struct LinkMessage<'a> {
    pub subject: &'a str,
    /// The HTML part's title and heading.
    pub heading: &'a str,
    /// Why the message came, e.g. "Someone asked to reset…".
    pub intro: String,
    /// The link's words, e.g. "Choose a new password".
    pub action: &'a str,
    pub link: &'a str,
    /// How long the link works, e.g. "for 30 minutes".
    pub validity: &'a str,
    /// What happens if the reader ignores the message.
    pub if_not_you: &'a str,
}

impl LinkMessage<'_> {
    pub fn email(&self, to: &str) -> Email {
        let Self {
            subject,
            heading,
            intro,
            action,
            link,
            validity,
            if_not_you,
        } = self;
        let text = format!(
            "{intro}\n\n{action} here (the link works once, {validity}):\n{link}\n\n\
             If it was not you, ignore this message: {if_not_you}\n\n{FOOTER}\n"
        );
        let html = html_document(
            heading,
            &format!(
                "<p>{intro}</p><p><a href=\"{href}\">{action}</a> (the link works once, {validity}).</p>\
                 <p>If it was not you, ignore this message: {if_not_you}</p>",
                intro = encode_text(intro),
                href = encode_double_quoted_attribute(link),
                action = encode_text(action),
                validity = encode_text(validity),
                if_not_you = encode_text(if_not_you),
            ),
        );
        Email {
            to: to.to_owned(),
            subject: (*subject).to_owned(),
            text,
            html,
        }
    }
}

/// The password reset link for `to`, asked for from `client` at `now`.
pub fn reset_link(to: &str, link: &str, client: &str, now: i64) -> Email {
    let when = time_label(moment(now)).text;
    LinkMessage {
        subject: "Reset your Tracepipe password",
        heading: "Reset your password",
        intro: format!(
            "Someone asked to reset the password of your Tracepipe account ({when}, from {client})."
        ),
        action: "Choose a new password",
        link,
        validity: "for 30 minutes",
        if_not_you: "your password stays as it is.",
    }
    .email(to)
}

/// The link that proves `to` is the reader's: at registration (`new_account`)
/// or for an address the account is switching to.
pub fn confirm_address(to: &str, link: &str, new_account: bool) -> Email {
    let (subject, intro, if_not_you) = if new_account {
        (
            "Confirm your e-mail address for Tracepipe",
            "Welcome to Tracepipe. Confirm that this address is yours: until you do, \
             your account cannot create API keys.",
            "no account will use this address.",
        )
    } else {
        (
            "Confirm your new e-mail address for Tracepipe",
            "You asked to use this address for your Tracepipe account. The account \
             keeps its current address until you confirm this one.",
            "the account's address stays as it is.",
        )
    };
    LinkMessage {
        subject,
        heading: "Confirm your e-mail address",
        intro: intro.to_owned(),
        action: "Confirm this address",
        link,
        validity: "for 24 hours",
        if_not_you,
    }
    .email(to)
}

/// An HTML part: `title` (escaped here) as the document's title and
/// heading, then `body` (markup, its text already escaped), then the footer.
fn html_document(title: &str, body: &str) -> String {
    let title = encode_text(title);
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1f2328\">\
         <h1 style=\"font-size:20px\">{title}</h1>{body}\
         <p style=\"color:#59636e;font-size:13px\">{FOOTER}</p></body></html>"
    )
}

/// Why the message came: every message is about the reader's own account.
const FOOTER: &str = "You are receiving this because it concerns your Tracepipe account. \
                      Tracepipe — browser recordings in, JSONL training data out.";

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(fact: &str) -> Email {
        SecurityNotice {
            headline: "A new API key was created",
            facts: vec![fact.to_owned()],
            review: ("/keys", "Review your keys"),
            if_not_you: None,
        }
        .email("https://tracepipe.ai", "ada@example.com")
    }

    #[test]
    fn both_parts_carry_the_facts_and_absolute_links() {
        let email = notice("Key: CI runner");
        assert_eq!(email.to, "ada@example.com");
        assert_eq!(email.subject, "A new API key was created — Tracepipe");
        for part in [&email.text, &email.html] {
            assert!(part.contains("Key: CI runner"), "{part}");
            assert!(part.contains("https://tracepipe.ai/keys"), "{part}");
            assert!(part.contains("https://tracepipe.ai/account"), "{part}");
        }
    }

    #[test]
    fn what_a_user_typed_is_text_in_the_html_part() {
        let email = notice("Key: <img src=x onerror=alert(1)>");
        assert!(!email.html.contains("<img"), "{}", email.html);
        assert!(email.html.contains("&lt;img"), "{}", email.html);
        assert!(email.text.contains("<img src=x"), "plain text is as typed");
    }
}
