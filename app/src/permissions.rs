//! What a key may do: *Full access*, *Read only* (every `GET`), or
//! *Restricted* with a level per resource. One rule decides every `/v1`
//! operation, what `/internal/v1/keys/verify` reports, and whether a key
//! may create or manage another (never one with more power than itself).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The resources of the `/v1` API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// `/v1/users/me`.
    Account,
    /// `/v1/api-keys` and everything under it.
    ApiKeys,
    /// `/v1/usage`.
    Usage,
}

impl Resource {
    pub const ALL: [Self; 3] = [Self::Account, Self::ApiKeys, Self::Usage];

    /// The name in the API (`"api_keys"`) and in stored permissions.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::ApiKeys => "api_keys",
            Self::Usage => "usage",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Account => "Account",
            Self::ApiKeys => "API keys",
            Self::Usage => "Usage",
        }
    }
}

/// How much of one resource a key may use; each level includes the ones
/// before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    None,
    Read,
    Write,
}

impl Access {
    pub const ALL: [Self; 3] = [Self::None, Self::Read, Self::Write];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|access| access.as_str() == text)
    }
}

/// A level per resource, for a *Restricted* key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResourceAccess {
    pub account: Access,
    pub api_keys: Access,
    pub usage: Access,
}

impl ResourceAccess {
    pub const NO_ACCESS: Self = Self {
        account: Access::None,
        api_keys: Access::None,
        usage: Access::None,
    };

    pub fn get(&self, resource: Resource) -> Access {
        match resource {
            Resource::Account => self.account,
            Resource::ApiKeys => self.api_keys,
            Resource::Usage => self.usage,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permissions {
    /// Everything, including resources added later.
    Full,
    /// Every `GET`, nothing that changes anything.
    ReadOnly,
    Restricted(ResourceAccess),
}

/// One permission a request needs, as `details.permission` names it:
/// `api_keys:write`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Needed(pub Resource, pub Access);

impl fmt::Display for Needed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.0.as_str(), self.1.as_str())
    }
}

impl Permissions {
    /// A restricted key with no access at all: what unreadable stored
    /// permissions mean.
    pub const NONE: Self = Self::Restricted(ResourceAccess::NO_ACCESS);

    pub fn access(&self, resource: Resource) -> Access {
        match self {
            Self::Full => Access::Write,
            Self::ReadOnly => Access::Read,
            Self::Restricted(levels) => levels.get(resource),
        }
    }

    pub fn allows(&self, Needed(resource, access): Needed) -> bool {
        self.access(resource) >= access
    }

    /// Whether a key with these permissions may hand out (or manage) a key
    /// with `other`: only with no more power than its own. Only *Full*
    /// covers *Full*, which also reaches resources added later.
    pub fn covers(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Full, _) => true,
            (_, Self::Full) => false,
            _ => Resource::ALL
                .into_iter()
                .all(|resource| self.access(resource) >= other.access(resource)),
        }
    }

    /// "Full access", "Read only", or "Restricted: API keys read, usage read"
    /// (resources without access left out).
    pub fn label(&self) -> String {
        match self {
            Self::Full => "Full access".to_owned(),
            Self::ReadOnly => "Read only".to_owned(),
            Self::Restricted(levels) => {
                let granted: Vec<String> = Resource::ALL
                    .into_iter()
                    .filter(|resource| levels.get(*resource) != Access::None)
                    .map(|resource| {
                        format!("{} {}", resource.label(), levels.get(resource).as_str())
                    })
                    .collect();
                if granted.is_empty() {
                    "Restricted: no access".to_owned()
                } else {
                    format!("Restricted: {}", granted.join(", "))
                }
            }
        }
    }

    /// As stored: `full`, `read_only`, or
    /// `account=read,api_keys=none,usage=write`.
    pub fn to_stored(&self) -> String {
        match self {
            Self::Full => "full".to_owned(),
            Self::ReadOnly => "read_only".to_owned(),
            Self::Restricted(levels) => Resource::ALL
                .into_iter()
                .map(|resource| format!("{}={}", resource.as_str(), levels.get(resource).as_str()))
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// Reads `to_stored`'s text; None for anything else (which a lookup
    /// treats as no access at all, never as full).
    pub fn from_stored(text: &str) -> Option<Self> {
        match text {
            "full" => return Some(Self::Full),
            "read_only" => return Some(Self::ReadOnly),
            _ => {}
        }
        let mut levels = ResourceAccess::NO_ACCESS;
        for part in text.split(',') {
            let (name, level) = part.split_once('=')?;
            let level = Access::parse(level)?;
            match name {
                "account" => levels.account = level,
                "api_keys" => levels.api_keys = level,
                "usage" => levels.usage = level,
                _ => return None,
            }
        }
        Some(Self::Restricted(levels))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restricted(account: Access, api_keys: Access, usage: Access) -> Permissions {
        Permissions::Restricted(ResourceAccess {
            account,
            api_keys,
            usage,
        })
    }

    #[test]
    fn read_only_reads_everything_and_changes_nothing() {
        let read_only = Permissions::ReadOnly;
        for resource in Resource::ALL {
            assert!(read_only.allows(Needed(resource, Access::Read)));
            assert!(!read_only.allows(Needed(resource, Access::Write)));
        }
    }

    #[test]
    fn no_key_covers_one_with_more_power() {
        use Access::*;
        let usage_reader = restricted(None, None, Read);
        let key_manager = restricted(None, Write, None);
        let all_write = restricted(Write, Write, Write);
        assert!(Permissions::Full.covers(&Permissions::Full));
        assert!(
            !all_write.covers(&Permissions::Full),
            "Full reaches future resources"
        );
        assert!(all_write.covers(&Permissions::ReadOnly));
        assert!(!key_manager.covers(&Permissions::ReadOnly));
        assert!(!key_manager.covers(&usage_reader));
        assert!(Permissions::ReadOnly.covers(&usage_reader));
        assert!(!usage_reader.covers(&Permissions::ReadOnly));
        assert!(usage_reader.covers(&usage_reader));
    }

    #[test]
    fn stored_permissions_read_back_and_nothing_else_reads_as_power() {
        use Access::*;
        for permissions in [
            Permissions::Full,
            Permissions::ReadOnly,
            restricted(Read, None, Write),
        ] {
            let stored = permissions.to_stored();
            assert_eq!(Permissions::from_stored(&stored), Some(permissions));
        }
        for bad in ["", "FULL", "account=admin", "billing=read", "account"] {
            assert_eq!(Permissions::from_stored(bad), Option::None, "{bad}");
        }
        assert_eq!(
            restricted(Read, None, Write).label(),
            "Restricted: Account read, Usage write"
        );
        assert_eq!(
            Needed(Resource::ApiKeys, Write).to_string(),
            "api_keys:write"
        );
    }
}
