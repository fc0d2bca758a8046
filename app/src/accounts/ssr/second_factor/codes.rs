//! The second factors' pure part: TOTP codes (RFC 6238) and what people
//! type, recovery codes and what of them is hashed. No storage, no clock
//! but the one passed in.

use crate::support::tokens::{NoRandomness, sha256_hex};
use rand::TryRngCore;
use rand::rngs::OsRng;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

/// The name authenticator apps list the account under.
pub(super) const ISSUER: &str = "Tracepipe";
const STEP_SECS: u64 = 30;
/// A code of the step before still counts (it may have been read just as
/// the step ended); none from the future: 30 s of drift at most.
const SKEW_STEPS: u64 = 1;
const DIGITS: usize = 6;
/// 160 bits, as RFC 4226 recommends.
pub(super) const SECRET_BYTES: usize = 20;
pub const RECOVERY_CODE_COUNT: usize = 10;
/// Crockford-like: no 0/O or 1/I to misread.
const RECOVERY_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// 16 characters of 32: 80 bits each.
const RECOVERY_CODE_CHARS: usize = 16;

pub(super) fn authenticator(secret: Vec<u8>, account: &str) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        SKEW_STEPS as u8,
        STEP_SECS,
        secret,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
}

/// The code an authenticator app shows for `secret` at `unix` seconds.
pub fn code_at(secret: &[u8], unix: u64) -> String {
    authenticator(secret.to_vec(), "").generate(unix)
}

/// The 30-second step `code` is right for at `now`, within the skew; every
/// candidate is compared in constant time.
pub fn matching_step(secret: &[u8], code: &str, now: u64) -> Option<u64> {
    let totp = authenticator(secret.to_vec(), "");
    let current = now / STEP_SECS;
    let mut matched = None;
    for step in current.saturating_sub(SKEW_STEPS)..=current {
        let expected = totp.generate(step * STEP_SECS);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            matched = Some(step);
        }
    }
    matched
}

/// What a person typed, as a six-digit code or a recovery code.
#[derive(Debug, PartialEq, Eq)]
pub enum EnteredCode {
    Authenticator(String),
    Recovery(String),
}

/// Spaces and dashes are ignored and letters may be lower case, as people
/// copy codes from apps and printouts.
pub fn parse_code(entered: &str) -> Option<EnteredCode> {
    let compact: String = entered
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if compact.len() == DIGITS && compact.bytes().all(|b| b.is_ascii_digit()) {
        Some(EnteredCode::Authenticator(compact))
    } else if compact.len() == RECOVERY_CODE_CHARS
        && compact.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))
    {
        Some(EnteredCode::Recovery(compact))
    } else {
        None
    }
}

/// What the slow hash of a recovery code is taken of: the code bound to
/// its user. Codes stored before 2026-12 were kept as this digest alone;
/// `upgrade_recovery_hashes` wraps those in the slow hash too.
pub(super) fn recovery_digest(user_id: &str, compact_code: &str) -> String {
    sha256_hex(format!("{user_id}:{compact_code}"))
}

/// Slow hashes start so (PHC format); a bare digest does not.
pub(super) const SLOW_HASH_PREFIX: &str = "$argon2id$";

/// Fresh recovery codes, grouped for reading: `ABCD-EFGH-JKLM-NPQR`.
pub(super) fn new_recovery_codes() -> Result<Vec<String>, NoRandomness> {
    let mut bytes = [0u8; RECOVERY_CODE_COUNT * RECOVERY_CODE_CHARS];
    OsRng.try_fill_bytes(&mut bytes)?;
    Ok(bytes
        .chunks(RECOVERY_CODE_CHARS)
        .map(|chunk| {
            let chars: Vec<char> = chunk
                .iter()
                .map(|byte| RECOVERY_ALPHABET[usize::from(byte % 32)] as char)
                .collect();
            chars
                .chunks(4)
                .map(|group| group.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_rfc_6238_test_vectors() {
        // RFC 6238 appendix B (SHA-1), eight digits; six-digit codes are
        // their last six digits (the same truncation, modulo 10^6).
        for (time, eight_digits) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at(RFC_SECRET, time), eight_digits[2..], "T = {time}");
        }
    }

    #[test]
    fn a_code_counts_in_its_step_and_the_next_only() {
        let now = 1_234_567_890;
        let step = now / 30;
        let current = code_at(RFC_SECRET, now);
        assert_eq!(matching_step(RFC_SECRET, &current, now), Some(step));
        let previous = code_at(RFC_SECRET, now - 30);
        assert_eq!(matching_step(RFC_SECRET, &previous, now), Some(step - 1));
        let next = code_at(RFC_SECRET, now + 30);
        assert_eq!(
            matching_step(RFC_SECRET, &next, now),
            None,
            "no code from the future"
        );
        let expired = code_at(RFC_SECRET, now - 60);
        assert_eq!(matching_step(RFC_SECRET, &expired, now), None);
        assert_eq!(matching_step(RFC_SECRET, "000000", now), None);
        assert_eq!(matching_step(b"another secret of 20", &current, now), None);
    }

    #[test]
    fn typed_codes_are_read_loosely_and_refused_when_neither_kind() {
        assert_eq!(
            parse_code(" 123 456 "),
            Some(EnteredCode::Authenticator("123456".into()))
        );
        assert_eq!(
            parse_code("abcd-efgh-jkmn-pqrs"),
            Some(EnteredCode::Recovery("ABCDEFGHJKMNPQRS".into()))
        );
        assert_eq!(parse_code("12345"), None);
        assert_eq!(
            parse_code("ABCD-EFGH-JKMN-PQR0"),
            None,
            "0 is not in the alphabet"
        );
        assert_eq!(parse_code(""), None);
    }

    #[test]
    fn recovery_codes_are_ten_distinct_readable_codes() {
        let codes = new_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODE_COUNT);
        for code in &codes {
            assert_eq!(code.len(), 19, "{code}");
            assert!(
                matches!(parse_code(code), Some(EnteredCode::Recovery(_))),
                "{code}"
            );
        }
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), RECOVERY_CODE_COUNT);
    }
}
