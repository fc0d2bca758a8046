//! What a new account's fields must look like, with messages a person can act on.

use crate::error::{Field, FieldError};

pub use crate::accounts::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
pub const DISPLAY_NAME_MAX_CHARS: usize = 64;
/// RFC 5321's limit on a forward path.
const EMAIL_MAX_BYTES: usize = 254;

/// Trims and lower-cases an address and checks its syntax, so one mailbox
/// always maps to one account whatever case it is typed in.
pub fn normalize_email(raw: &str) -> Result<String, FieldError> {
    let email = raw.trim().to_lowercase();
    let refuse = |message: &str| Err(FieldError::new(Field::Email, message));
    if email.is_empty() {
        return refuse("Enter your e-mail address.");
    }
    if email.len() > EMAIL_MAX_BYTES {
        return refuse("That e-mail address is too long.");
    }
    if !email_address::EmailAddress::is_valid(&email) || !email.contains('.') {
        return refuse("Enter an e-mail address like name@example.com.");
    }
    Ok(email)
}

/// Length limits and a strength estimate (zxcvbn, with its list of 30,000
/// common and breached passwords, dictionary words, names, keyboard
/// patterns, dates and repeats); no composition rules (ASVS 6.2). Counted in
/// characters, never truncated. `personal` are the account's own words (its
/// address, its name), which make a password easier to guess.
pub fn check_new_password(
    password: &str,
    field: Field,
    personal: &[&str],
) -> Result<(), FieldError> {
    let chars = password.chars().count();
    let refuse = |message: String| Err(FieldError::new(field, message));
    if chars == 0 {
        return refuse("Choose a password.".to_owned());
    }
    if chars < PASSWORD_MIN_CHARS {
        return refuse(format!(
            "Use at least {PASSWORD_MIN_CHARS} characters (this one has {chars})."
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return refuse(format!("Use at most {PASSWORD_MAX_CHARS} characters."));
    }
    // The address's parts count as words of the account, not just the whole.
    let words: Vec<&str> = personal
        .iter()
        .flat_map(|text| text.split(['@', '.', ' ', '-', '_', '+']))
        .chain(personal.iter().copied())
        .filter(|word| word.chars().count() >= 3)
        .collect();
    let estimate = zxcvbn::zxcvbn(password, &words);
    if estimate.score() >= MIN_SCORE {
        return Ok(());
    }
    // Why, in zxcvbn's words ("This is a top-100 common password."), then how
    // to do better ("Add another word or two. Uncommon words are better.").
    let mut message = "Too easy to guess.".to_owned();
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            message = format!("Too easy to guess: {warning}");
        }
        for suggestion in feedback.suggestions() {
            message.push_str(&format!(" {suggestion}"));
        }
    }
    refuse(message)
}

/// zxcvbn's "safely unguessable": about 10^8 guesses or more, which an
/// attacker with a stolen argon2id hash cannot try in any useful time.
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// Trims a display name and refuses control characters and oversize input.
/// Markup is allowed: names are always rendered as text, never as HTML.
pub fn clean_display_name(raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    let refuse = |message: String| Err(FieldError::new(Field::DisplayName, message));
    if name.is_empty() {
        return refuse("Enter the name we should greet you with.".to_owned());
    }
    if name.chars().count() > DISPLAY_NAME_MAX_CHARS {
        return refuse(format!("Use at most {DISPLAY_NAME_MAX_CHARS} characters."));
    }
    if name.chars().any(char::is_control) {
        return refuse(
            "Remove line breaks, tabs and other invisible control characters.".to_owned(),
        );
    }
    Ok(name.to_owned())
}

/// Where to go after signing in: `next` only when it is a path on this site,
/// never an absolute or protocol-relative URL.
pub fn safe_next(next: Option<&str>) -> &str {
    const DEFAULT: &str = "/dashboard";
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && path.len() <= 512
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => DEFAULT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_is_trimmed_lower_cased_and_checked() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "   ",
            "ada",
            "ada@",
            "@example.com",
            "ada@@example.com",
            "ada@example",
            "a b@example.com",
        ] {
            let err = normalize_email(bad).unwrap_err();
            assert_eq!(err.field, Field::Email, "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(
            normalize_email(&long)
                .unwrap_err()
                .message
                .contains("too long")
        );
    }

    #[test]
    fn passwords_are_measured_in_characters_and_easy_ones_refused_with_reasons() {
        let check = |password: &str| check_new_password(password, Field::Password, &[]);
        assert!(check("correct horse battery").is_ok());
        // Eleven characters, twenty-one bytes: any Unicode counts per character.
        assert!(check("ёжик-в-тумане-7").is_ok());
        let short = check("short1!").unwrap_err();
        assert!(short.message.contains("at least 10") && short.message.contains("has 7"));
        let long: String =
            "violet kettle drums under a quiet harbour, ".repeat(3)[..128].to_owned();
        assert!(check(&long).is_ok());
        let too_long = format!("{long}x");
        assert!(
            check(&too_long)
                .unwrap_err()
                .message
                .contains("at most 128")
        );
        for easy in [
            "password123",
            "Password123",
            "1234567890",
            "qwertyuiop",
            "xxxxxxxxxxxx",
        ] {
            let err = check_new_password(easy, Field::NewPassword, &[]).unwrap_err();
            assert_eq!(err.field, Field::NewPassword);
            assert!(
                err.message.starts_with("Too easy to guess"),
                "{easy}: {}",
                err.message
            );
        }
        let common = check("password123").unwrap_err().message;
        assert!(common.contains("common password"), "{common}");
    }

    #[test]
    fn the_account_s_own_address_and_name_make_a_password_weak() {
        let password = "ada.lovelace@example.com";
        assert!(check_new_password(password, Field::Password, &[]).is_ok());
        let personal = ["ada.lovelace@example.com", "Ada Lovelace"];
        assert!(check_new_password(password, Field::Password, &personal).is_err());
    }

    #[test]
    fn only_same_site_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/keys?tab=new")), "/keys?tab=new");
        for hostile in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "javascript:alert(1)",
            "keys",
            "/a\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/dashboard", "{hostile:?}");
        }
        assert_eq!(safe_next(None), "/dashboard");
        assert_eq!(
            safe_next(Some(&format!("/{}", "a".repeat(600)))),
            "/dashboard"
        );
    }

    #[test]
    fn display_names_are_trimmed_and_bounded_but_may_contain_markup() {
        assert_eq!(
            clean_display_name("  Ada Lovelace ").unwrap(),
            "Ada Lovelace"
        );
        assert_eq!(clean_display_name("<b>Ada</b>").unwrap(), "<b>Ada</b>");
        assert_eq!(clean_display_name("Zoë 李").unwrap(), "Zoë 李");
        assert!(clean_display_name("").is_err());
        assert!(
            clean_display_name(&"a".repeat(100_000))
                .unwrap_err()
                .message
                .contains("at most 64")
        );
        assert!(
            clean_display_name("Ada\nLovelace")
                .unwrap_err()
                .message
                .contains("control")
        );
        assert!(clean_display_name("Ada\u{0}").is_err());
    }
}
