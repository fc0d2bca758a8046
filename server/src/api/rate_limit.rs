//! Per-key rate limits of the `/v1` API: key management 10 requests a
//! minute, reads 100, each class its own allowance (see `keyed_limit`).

use crate::keyed_limit::{Decision, KeyedLimit};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Creating and revoking keys.
    Manage,
    /// Everything that only reads.
    Read,
}

#[derive(Clone)]
pub struct RateLimits {
    manage: KeyedLimit<String>,
    read: KeyedLimit<String>,
}

impl RateLimits {
    pub fn per_minute(manage: u32, read: u32) -> Self {
        Self {
            manage: KeyedLimit::per_minute(manage),
            read: KeyedLimit::per_minute(read),
        }
    }

    pub fn check(&self, key_id: &str, class: Class) -> Decision {
        let limit = match class {
            Class::Manage => &self.manage,
            Class::Read => &self.read,
        };
        limit.check(&key_id.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_class_has_its_own_allowance() {
        let limits = RateLimits::per_minute(3, 5);
        for expected in [2, 1, 0] {
            assert_eq!(limits.check("k1", Class::Manage).remaining, expected);
        }
        assert!(limits.check("k1", Class::Manage).retry_after_secs.is_some());
        assert_eq!(
            limits.check("k1", Class::Read).remaining,
            4,
            "reads are counted apart"
        );
        assert_eq!(limits.check("k2", Class::Manage).remaining, 2, "per key");
    }
}
