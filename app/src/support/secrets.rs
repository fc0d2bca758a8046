//! The keys the server derives from `SERVER_SECRET_KEY`, one per purpose:
//! sealing secrets it must read back later (TOTP secrets, the recovery codes
//! waiting to be shown once), so that a copy of the database alone reveals
//! none of them, and signing the values it hands browsers to keep (the
//! device cookie), so that they cannot be forged.
//!
//! During a rotation (`SERVER_SECRET_KEY_PREVIOUS`), what the previous key
//! sealed or signed still opens; new values always use the current key.

use super::tokens::NoRandomness;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::Sha256;

const NONCE_BYTES: usize = 12;

#[derive(Clone)]
pub struct ServerSecrets {
    current: DerivedKeys,
    previous: Option<DerivedKeys>,
}

/// A value `seal` made, taken apart.
struct Sealed<'a> {
    nonce: &'a [u8],
    ciphertext: &'a [u8],
    context: &'a str,
}

#[derive(Clone)]
struct DerivedKeys {
    sealing: Aes256Gcm,
    signing: [u8; 32],
}

/// Never printed, not even in part.
impl std::fmt::Debug for ServerSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecrets(redacted)")
    }
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

impl DerivedKeys {
    /// One independent key per purpose from the configured key (HMAC-SHA256
    /// as the derivation function), so no two uses ever share a key.
    fn derive(server_secret_key: &[u8]) -> Self {
        let sealing_key = hmac(server_secret_key, b"tracepipe-storefront/seal/v1");
        Self {
            sealing: Aes256Gcm::new(&sealing_key.into()),
            signing: hmac(server_secret_key, b"tracepipe-storefront/sign/v1"),
        }
    }

    fn open(&self, sealed: &Sealed<'_>) -> Option<Vec<u8>> {
        let payload = Payload {
            msg: sealed.ciphertext,
            aad: sealed.context.as_bytes(),
        };
        self.sealing
            .decrypt(Nonce::from_slice(sealed.nonce), payload)
            .ok()
    }

    fn verified(&self, message: &str, signature: &[u8]) -> bool {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.signing)
            .map(|mut mac| {
                mac.update(message.as_bytes());
                mac.verify_slice(signature).is_ok()
            })
            .unwrap_or(false)
    }
}

impl ServerSecrets {
    pub fn derive(server_secret_key: &[u8]) -> Self {
        Self {
            current: DerivedKeys::derive(server_secret_key),
            previous: None,
        }
    }

    /// These keys, still accepting what `previous_key` sealed or signed.
    pub fn accepting_previous(self, previous_key: &[u8]) -> Self {
        Self {
            previous: Some(DerivedKeys::derive(previous_key)),
            ..self
        }
    }

    /// `secret` encrypted and authenticated (AES-256-GCM, a fresh random
    /// nonce), bound to `context` (such as the owning user's id) so a sealed
    /// value copied to another row does not open there. Text, for any column.
    pub fn seal(&self, secret: &[u8], context: &str) -> Result<String, NoRandomness> {
        let mut nonce = [0u8; NONCE_BYTES];
        OsRng.try_fill_bytes(&mut nonce)?;
        let payload = Payload {
            msg: secret,
            aad: context.as_bytes(),
        };
        let ciphertext = self
            .current
            .sealing
            .encrypt(Nonce::from_slice(&nonce), payload)
            .expect("AES-GCM encrypts any message shorter than 64 GiB");
        let mut sealed = nonce.to_vec();
        sealed.extend(ciphertext);
        Ok(URL_SAFE_NO_PAD.encode(sealed))
    }

    /// What `seal` sealed with `context`; None when it was sealed under
    /// another key or context, or changed since.
    pub fn open(&self, sealed: &str, context: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
        let sealed = Self::taken_apart(&bytes, context)?;
        self.current
            .open(&sealed)
            .or_else(|| self.previous.as_ref()?.open(&sealed))
    }

    /// `sealed` sealed again under the current key, when only the previous
    /// key opens it; None when it needs nothing (or opens under neither).
    pub fn resealed(&self, sealed: &str, context: &str) -> Result<Option<String>, NoRandomness> {
        let Some(bytes) = URL_SAFE_NO_PAD.decode(sealed).ok() else {
            return Ok(None);
        };
        let opened_by_previous = Self::taken_apart(&bytes, context).and_then(|sealed| {
            match self.current.open(&sealed) {
                Some(_) => None,
                None => self.previous.as_ref()?.open(&sealed),
            }
        });
        opened_by_previous
            .map(|secret| self.seal(&secret, context))
            .transpose()
    }

    fn taken_apart<'a>(bytes: &'a [u8], context: &'a str) -> Option<Sealed<'a>> {
        if bytes.len() < NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        Some(Sealed {
            nonce,
            ciphertext,
            context,
        })
    }

    /// `message` with its signature appended (`message.signature`).
    pub fn sign(&self, message: &str) -> String {
        let signature = URL_SAFE_NO_PAD.encode(hmac(&self.current.signing, message.as_bytes()));
        format!("{message}.{signature}")
    }

    /// The message of a value `sign` made; None when it was not made here
    /// (compared in constant time).
    pub fn verified<'a>(&self, signed: &'a str) -> Option<&'a str> {
        let (message, signature) = signed.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let signed_here = self.current.verified(message, &signature)
            || self
                .previous
                .as_ref()
                .is_some_and(|keys| keys.verified(message, &signature));
        signed_here.then_some(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_context() {
        let secrets = ServerSecrets::derive(&[7; 32]);
        let sealed = secrets.seal(b"JBSWY3DPEHPK3PXP", "user-1").unwrap();
        assert!(!sealed.contains("JBSWY3DP"));
        assert_eq!(
            secrets.open(&sealed, "user-1").unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        assert_eq!(secrets.open(&sealed, "user-2"), None, "another row");
        let other_key = ServerSecrets::derive(&[8; 32]);
        assert_eq!(other_key.open(&sealed, "user-1"), None, "another key");
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert_eq!(secrets.open(&tampered, "user-1"), None, "changed");
        assert_ne!(sealed, secrets.seal(b"JBSWY3DPEHPK3PXP", "user-1").unwrap());
    }

    #[test]
    fn signatures_verify_only_unchanged_messages_from_the_same_key() {
        let secrets = ServerSecrets::derive(&[7; 32]);
        let signed = secrets.sign("device-1");
        assert_eq!(secrets.verified(&signed), Some("device-1"));
        let forged = signed.replacen("device-1", "device-2", 1);
        assert_eq!(secrets.verified(&forged), None);
        assert_eq!(ServerSecrets::derive(&[8; 32]).verified(&signed), None);
        assert_eq!(secrets.verified("device-1"), None, "unsigned");
    }

    #[test]
    fn a_rotation_keeps_what_the_previous_key_made_and_seals_it_again() {
        let before = ServerSecrets::derive(&[7; 32]);
        let sealed = before.seal(b"JBSWY3DPEHPK3PXP", "user-1").unwrap();
        let signed = before.sign("device-1");
        let rotated = ServerSecrets::derive(&[8; 32]).accepting_previous(&[7; 32]);
        assert_eq!(
            rotated.open(&sealed, "user-1").unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        assert_eq!(rotated.verified(&signed), Some("device-1"));
        assert_eq!(
            rotated.open(&sealed, "user-2"),
            None,
            "still bound to its row"
        );

        let resealed = rotated.resealed(&sealed, "user-1").unwrap().unwrap();
        let after = ServerSecrets::derive(&[8; 32]);
        assert_eq!(
            after.open(&resealed, "user-1").unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        assert_eq!(
            rotated.resealed(&resealed, "user-1").unwrap(),
            None,
            "already current"
        );
        assert_eq!(after.open(&sealed, "user-1"), None, "previous key dropped");
        assert_eq!(after.verified(&signed), None);
        assert!(
            !rotated
                .sign("device-1")
                .ends_with(signed.rsplit_once('.').unwrap().1)
        );
    }
}
