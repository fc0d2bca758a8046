//! A key's allowed networks: IPv4 and IPv6 CIDR ranges (`ipnet`), or none
//! (any address). Checked against the client address the whole server uses
//! (the connection's peer; see docs/api-keys.md, "Permissions").

use ipnet::IpNet;
use std::net::IpAddr;

/// Ranges one key may list.
pub const MAX_NETWORKS: usize = 20;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Networks(Vec<IpNet>);

impl Networks {
    /// Parses ranges separated by spaces, commas or new lines. A bare
    /// address is its own range (`/32`, `/128`); host bits are dropped
    /// (`10.1.2.3/8` is `10.0.0.0/8`). Refuses with a message naming the
    /// entry that is not a range.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut ranges = Vec::new();
        for entry in text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|entry| !entry.is_empty())
        {
            let range = entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!(
                        "\u{201c}{entry}\u{201d} is not an IPv4 or IPv6 range. Write ranges such as 203.0.113.0/24 or 2001:db8::/32, or single addresses."
                    )
                })?
                .trunc();
            if !ranges.contains(&range) {
                ranges.push(range);
            }
        }
        if ranges.len() > MAX_NETWORKS {
            return Err(format!(
                "A key can list at most {MAX_NETWORKS} ranges; combine some into wider ones."
            ));
        }
        Ok(Self(ranges))
    }

    /// The stored form, and `parse`'s inverse: `203.0.113.0/24 2001:db8::/32`.
    pub fn to_stored(&self) -> String {
        self.texts().join(" ")
    }

    /// Reads the stored form. An entry that does not parse (never written by
    /// this code) leaves a list that allows nothing, never one that allows
    /// everything.
    pub fn from_stored(text: &str) -> Self {
        Self::parse(text).unwrap_or_else(|_| Self(vec![IpNet::from(IpAddr::from([0, 0, 0, 0]))]))
    }

    pub fn texts(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    pub fn is_any(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a request from `client` may use the key. An IPv4 client
    /// reached over IPv6 (`::ffff:203.0.113.7`) counts as its IPv4 address.
    pub fn allows(&self, client: IpAddr) -> bool {
        let client = match client {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(client, IpAddr::V4),
            v4 => v4,
        };
        self.is_any() || self.0.iter().any(|range| range.contains(&client))
    }

    /// Whether every address `other` allows is one this list allows too: a
    /// key limited to some networks cannot create a key usable elsewhere.
    pub fn covers(&self, other: &Self) -> bool {
        self.is_any()
            || (!other.is_any()
                && other
                    .0
                    .iter()
                    .all(|inner| self.0.iter().any(|outer| outer.contains(inner))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_allow_their_addresses_only_for_v4_and_v6() {
        let networks = Networks::parse("203.0.113.0/24, 2001:db8::/32\n198.51.100.7").unwrap();
        assert_eq!(
            networks.to_stored(),
            "203.0.113.0/24 2001:db8::/32 198.51.100.7/32"
        );
        for allowed in [
            "203.0.113.1",
            "203.0.113.255",
            "2001:db8::1",
            "198.51.100.7",
            "::ffff:203.0.113.9",
        ] {
            assert!(networks.allows(ip(allowed)), "{allowed}");
        }
        for refused in [
            "203.0.114.1",
            "198.51.100.8",
            "2001:db9::1",
            "127.0.0.1",
            "::1",
        ] {
            assert!(!networks.allows(ip(refused)), "{refused}");
        }
        assert!(
            Networks::default().allows(ip("192.0.2.1")),
            "no list: anywhere"
        );
    }

    #[test]
    fn a_wrong_entry_is_named_and_host_bits_are_dropped() {
        let refused = Networks::parse("10.0.0.0/8 10.0.0.300/8").unwrap_err();
        assert!(refused.contains("10.0.0.300/8"), "{refused}");
        assert!(Networks::parse("2001:db8::/129").is_err());
        assert_eq!(
            Networks::parse("10.1.2.3/8").unwrap().to_stored(),
            "10.0.0.0/8"
        );
        let many = (0..21)
            .map(|n| format!("10.0.{n}.0/24"))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(Networks::parse(&many).is_err());
        assert!(!Networks::from_stored("garbage").allows(ip("192.0.2.1")));
    }

    #[test]
    fn a_limited_list_covers_only_narrower_lists() {
        let office = Networks::parse("203.0.113.0/24").unwrap();
        assert!(office.covers(&Networks::parse("203.0.113.128/25").unwrap()));
        assert!(!office.covers(&Networks::parse("203.0.0.0/16").unwrap()));
        assert!(!office.covers(&Networks::default()), "anywhere is wider");
        assert!(Networks::default().covers(&office));
    }
}
