//! The key format. New keys check themselves, as GitHub's tokens do:
//! `tp_live_sk_` + 30 random base62 characters (178 bits from the OS) + a
//! 6-character base62 CRC-32 of everything before it. A mistyped or
//! truncated key is refused before any database lookup, and a secret
//! scanner can tell a real key from look-alikes offline. Keys issued
//! before (`tp_live_` + 40 random characters, no checksum) keep working.

use crate::support::tokens::{NoRandomness, random_base62, sha256_hex};

pub const KEY_PREFIX: &str = "tp_live_";
/// What new keys start with.
pub const CHECKED_PREFIX: &str = "tp_live_sk_";
const RANDOM_CHARS: usize = 30;
const CHECKSUM_CHARS: usize = 6;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A key as made: the secret to show once, and what is stored.
pub struct NewKey {
    pub key: String,
    pub hash: String,
    pub masked: String,
}

/// Makes a key from the OS CSPRNG.
pub fn generate() -> Result<NewKey, NoRandomness> {
    let body = format!("{CHECKED_PREFIX}{}", random_base62(RANDOM_CHARS)?);
    let key = format!("{body}{}", checksum(&body));
    Ok(NewKey {
        hash: key_hash(&key),
        masked: mask(&key),
        key,
    })
}

pub fn key_hash(key: &str) -> String {
    sha256_hex(key)
}

/// CRC-32 of `body` in base62, six characters (62^6 > 2^32), zero-padded.
fn checksum(body: &str) -> String {
    let mut value = crc32fast::hash(body.as_bytes()) as u64;
    let mut digits = [b'0'; CHECKSUM_CHARS];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8_lossy(&digits).into_owned()
}

fn is_base62(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether `presented` could be one of our keys: a new key whose checksum
/// holds, or an older key of the old shape. Anything else is refused
/// without a lookup.
pub fn could_be_key(presented: &str) -> bool {
    if let Some(rest) = presented.strip_prefix(CHECKED_PREFIX) {
        return rest.len() == RANDOM_CHARS + CHECKSUM_CHARS && is_base62(rest) && {
            let (body, sum) = presented.split_at(presented.len() - CHECKSUM_CHARS);
            checksum(body) == sum
        };
    }
    presented
        .strip_prefix(KEY_PREFIX)
        .is_some_and(|secret| (32..=128).contains(&secret.len()) && is_base62(secret))
}

/// The prefix, the first 4 secret characters, "…" and the last 4:
/// `tp_live_sk_a1B2…o5P6`.
pub fn mask(key: &str) -> String {
    let prefix = if key.starts_with(CHECKED_PREFIX) {
        CHECKED_PREFIX
    } else {
        KEY_PREFIX
    };
    let secret = key.strip_prefix(prefix).unwrap_or(key);
    let (head, tail) = (
        &secret[..4.min(secret.len())],
        &secret[secret.len().saturating_sub(4)..],
    );
    format!("{prefix}{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_check_themselves_and_are_stored_only_as_hashes() {
        let first = generate().unwrap();
        let second = generate().unwrap();
        assert_ne!(first.key, second.key);
        assert!(first.key.starts_with("tp_live_sk_"));
        assert_eq!(first.key.len(), CHECKED_PREFIX.len() + 36);
        assert!(could_be_key(&first.key));
        assert_eq!(first.hash, key_hash(&first.key));
        assert_eq!(first.hash.len(), 64);
        assert!(!first.hash.contains(&first.key[11..]));
        let secret = &first.key[CHECKED_PREFIX.len()..];
        assert_eq!(
            first.masked,
            format!("tp_live_sk_{}…{}", &secret[..4], &secret[32..])
        );
    }

    #[test]
    fn one_wrong_or_missing_character_fails_the_checksum() {
        let key = generate().unwrap().key;
        for at in CHECKED_PREFIX.len()..key.len() {
            let mut typo = key.clone().into_bytes();
            typo[at] = if typo[at] == b'x' { b'y' } else { b'x' };
            let typo = String::from_utf8(typo).unwrap();
            assert!(!could_be_key(&typo), "{typo}");
        }
        assert!(!could_be_key(&key[..key.len() - 1]), "truncated");
        assert!(!could_be_key(&format!("{key}0")), "too long");
    }

    #[test]
    fn keys_of_the_old_shape_are_still_looked_up_and_nothing_else_is() {
        let old = format!("tp_live_{}", "a1B2".repeat(10));
        assert!(could_be_key(&old));
        assert_eq!(mask(&old), "tp_live_a1B2…a1B2");
        for bad in [
            "",
            "tp_live_",
            "tp_live_sk_",
            "tp_test_0123456789abcdefghijklmnopqrstuvwxyzAB",
            "tp_live_short",
            "tp_live_0123456789abcdefghijklmnopqrstuv-wxyz",
            &format!("tp_live_{}", "a".repeat(129)),
        ] {
            assert!(!could_be_key(bad), "{bad}");
        }
    }
}
