//! argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), always on
//! tokio's blocking pool: a burst of sign-ins must never stall page rendering.
//! At most half the cores hash at once; further sign-ins wait their turn
//! without holding a thread, so the other cores keep serving pages.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;
use tokio::sync::Semaphore;

fn hashing_slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Semaphore::new((cores / 2).max(1))
    })
}

/// Runs one argon2 computation when a hashing slot is free.
async fn on_hashing_slot<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let _slot = hashing_slots().acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

pub async fn hash_password(password: String) -> Result<String, HashError> {
    on_hashing_slot(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| HashError(err.to_string()))
    })
    .await
    .unwrap_or_else(|| Err(HashError("the hashing task was cancelled".to_owned())))
}

/// Checks `password` against `stored`. With no stored hash (unknown e-mail)
/// it verifies against a dummy hash so both cases take about the same time.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    let known = stored.is_some();
    let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
    let matches = on_hashing_slot(move || {
        PasswordHash::new(&stored)
            .is_ok_and(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok())
    })
    .await
    .unwrap_or(false);
    known && matches
}

/// Recovery codes carry 80 random bits already: argon2id with light
/// parameters (4 MiB, 1 pass, 1 lane, a salt per code) is enough to make a
/// stolen table worthless, and ten checks take milliseconds.
fn argon2_light() -> Argon2<'static> {
    let params = Params::new(4 * 1024, 1, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Salted, slow hashes of `codes`, one each (PHC strings).
pub async fn hash_codes(codes: Vec<String>) -> Result<Vec<String>, HashError> {
    on_hashing_slot(move || {
        codes
            .iter()
            .map(|code| {
                let salt = SaltString::generate(&mut OsRng);
                argon2_light()
                    .hash_password(code.as_bytes(), &salt)
                    .map(|hash| hash.to_string())
                    .map_err(|err| HashError(err.to_string()))
            })
            .collect()
    })
    .await
    .unwrap_or_else(|| Err(HashError("the hashing task was cancelled".to_owned())))
}

/// The one of `stored` (hashes from `hash_codes`) that `code` matches.
pub async fn matching_code(code: String, stored: Vec<String>) -> Option<String> {
    on_hashing_slot(move || {
        stored.into_iter().find(|candidate| {
            PasswordHash::new(candidate).is_ok_and(|hash| {
                argon2_light()
                    .verify_password(code.as_bytes(), &hash)
                    .is_ok()
            })
        })
    })
    .await
    .flatten()
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"no account has this password", &salt)
            .expect("hashing a constant")
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("correct horse battery".into(), Some(hash.clone())).await);
        assert!(!verify_password("correct horse battery!".into(), Some(hash.clone())).await);
        let again = hash_password("correct horse battery".into()).await.unwrap();
        assert_ne!(hash, again, "a fresh salt every time");
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify_and_cost_about_the_same() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        verify_password("warm-up".into(), None).await;
        // Medians of alternating runs: other tests share the cores.
        let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let started = Instant::now();
            assert!(!verify_password("anything at all".into(), None).await);
            unknown.push(started.elapsed());
            let started = Instant::now();
            assert!(!verify_password("wrong password".into(), Some(hash.clone())).await);
            wrong.push(started.elapsed());
        }
        unknown.sort();
        wrong.sort();
        let ratio = unknown[2].as_secs_f64() / wrong[2].as_secs_f64();
        assert!(
            (0.5..2.0).contains(&ratio),
            "unknown {unknown:?} vs wrong {wrong:?}"
        );
    }
}
