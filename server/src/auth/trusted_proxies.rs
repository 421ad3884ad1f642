//! Which peers may vouch for a user with headers: header logins are only
//! believed from the addresses of the SSO proxy, so a client that reaches
//! the app around the proxy cannot forge them.

use std::net::IpAddr;

use ipnet::IpNet;

/// Networks of trusted proxies (`10.0.0.5`, `10.0.0.0/8`, `::1`).
///
/// ```
/// use loquat::auth::TrustedProxies;
///
/// let proxies = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
/// assert!(proxies.trusts("10.1.2.3".parse().unwrap()));
/// assert!(proxies.trusts("::1".parse().unwrap()));
/// assert!(!proxies.trusts("192.168.1.1".parse().unwrap()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl Default for TrustedProxies {
    /// Loopback only: a proxy on the same machine.
    fn default() -> Self {
        TrustedProxies(vec![
            IpNet::from(IpAddr::from([127, 0, 0, 1])),
            IpNet::from(IpAddr::from(std::net::Ipv6Addr::LOCALHOST)),
        ])
    }
}

impl TrustedProxies {
    /// Parses addresses and CIDR networks; empty means the default
    /// (loopback). The error names the entry that is neither.
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        if entries.is_empty() {
            return Ok(TrustedProxies::default());
        }
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| entry.to_string())
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Parses addresses and CIDR networks; empty means none. The error
    /// names the entry that is neither.
    ///
    /// ```
    /// use loquat::auth::TrustedProxies;
    ///
    /// let none = TrustedProxies::parse_exactly(&[]).unwrap();
    /// assert!(!none.trusts("127.0.0.1".parse().unwrap()));
    /// ```
    pub fn parse_exactly(entries: &[String]) -> Result<TrustedProxies, String> {
        if entries.is_empty() {
            return Ok(TrustedProxies(Vec::new()));
        }
        Self::parse(entries)
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when `peer` is one of them (an IPv4-mapped IPv6 address counts
    /// as its IPv4 address).
    pub fn trusts(&self, peer: IpAddr) -> bool {
        let peer = match peer {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|net| net.contains(&peer))
    }
}
