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
}

impl SecurityNotice<'_> {
    /// The notice for `to`, its links absolute against `public_url`.
    pub fn email(&self, public_url: &str, to: &str) -> Email {
        let review_url = format!("{public_url}{}", self.review.0);
        let account_url = format!("{public_url}/account");
        let not_you = "If this was not you, change your password now and sign out \
                       everywhere on your account page, then write to hello@tracepipe.ai.";
        let mut text = format!("{}\n\n", self.headline);
        for fact in &self.facts {
            text.push_str(&format!("  {fact}\n"));
        }
        text.push_str(&format!(
            "\n{}: {review_url}\n\n{not_you}\nAccount: {account_url}\n\n{FOOTER}\n",
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
                "<ul>{facts}</ul><p><a href=\"{review_href}\">{review_label}</a></p>\
                 <p>If this was not you, <a href=\"{account_href}\">change your password and sign out everywhere</a> \
                 on your account page, then write to hello@tracepipe.ai.</p>\
                 <p style=\"color:#59636e;font-size:13px\">{FOOTER}</p>",
                review_href = encode_double_quoted_attribute(&review_url),
                review_label = encode_text(self.review.1),
                account_href = encode_double_quoted_attribute(&account_url),
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

/// The password reset link for `to`, asked for from `client` at `now`.
pub fn reset_link(to: &str, link: &str, client: &str, now: i64) -> Email {
    let when = time_label(moment(now)).text;
    let text = format!(
        "Someone asked to reset the password of your Tracepipe account ({when}, from {client}).\n\n\
         Choose a new password here (the link works once, for 30 minutes):\n{link}\n\n\
         If it was not you, ignore this message: your password stays as it is.\n"
    );
    let html = html_document(
        "Reset your password",
        &format!(
            "<p>Someone asked to reset the password of your Tracepipe account ({when}, from {client}).</p>\
             <p><a href=\"{href}\">Choose a new password</a> (the link works once, for 30 minutes).</p>\
             <p>If it was not you, ignore this message: your password stays as it is.</p>",
            client = encode_text(client),
            href = encode_double_quoted_attribute(link),
        ),
    );
    Email {
        to: to.to_owned(),
        subject: "Reset your Tracepipe password".to_owned(),
        text,
        html,
    }
}

/// An HTML part: `title` (escaped here) as the document's title and
/// heading, then `body` (markup, its text already escaped).
fn html_document(title: &str, body: &str) -> String {
    let title = encode_text(title);
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1f2328\">\
         <h1 style=\"font-size:20px\">{title}</h1>{body}</body></html>"
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
