//! Secrets made from the operating system's randomness, and how they are
//! stored: only as SHA-256 hashes.

use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// The OS gave no randomness: nothing secret can be made (never seen on
/// Linux; answered as a failed dependency, never with a weak secret).
#[derive(Debug, thiserror::Error)]
#[error("no randomness from the operating system: {0}")]
pub struct NoRandomness(#[from] rand::rand_core::OsError);

/// A caller that stores the secret reports it as a failed database step.
impl From<NoRandomness> for sqlx::Error {
    fn from(err: NoRandomness) -> Self {
        sqlx::Error::Protocol(err.to_string())
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `length` characters of `[0-9A-Za-z]`, each uniform (rejection sampling):
/// 5.95 bits per character.
pub fn random_base62(length: usize) -> Result<String, NoRandomness> {
    let mut text = String::with_capacity(length);
    let mut bytes = [0u8; 64];
    while text.len() < length {
        OsRng.try_fill_bytes(&mut bytes)?;
        for byte in bytes {
            // 248 = 4 × 62: bytes above it would favour the first characters.
            if byte < 248 && text.len() < length {
                text.push(BASE62[usize::from(byte % 62)] as char);
            }
        }
    }
    Ok(text)
}

/// `bytes` random bytes as lowercase hex (twice as many characters).
pub fn random_hex(bytes: usize) -> Result<String, NoRandomness> {
    let mut buffer = vec![0u8; bytes];
    OsRng.try_fill_bytes(&mut buffer)?;
    Ok(hex::encode(buffer))
}

/// SHA-256 as lowercase hex: how session tokens and API keys are stored, and
/// a usage report's fingerprint.
pub fn sha256_hex(data: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_their_length_and_alphabet_and_differ() {
        let one = random_base62(40).unwrap();
        assert_eq!(one.len(), 40);
        assert!(one.bytes().all(|b| b.is_ascii_alphanumeric()), "{one}");
        assert_ne!(one, random_base62(40).unwrap());
        let hex = random_hex(32).unwrap();
        assert_eq!(hex.len(), 64);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn sha256_is_the_standard_digest() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
