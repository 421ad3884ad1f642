//! `[features.mcp] user_allowed_hosts`: the hosts a user's MCP server may
//! be on. A user's URL is only reached when its host matches one pattern,
//! so a user cannot point the server at what only it can reach (cloud
//! metadata, internal services).

use url::Host;

use super::McpConfigError;

/// One allowed host: `host` (any port), `host:port` (that port) or
/// `*.domain` (any subdomain of `domain`, at any depth, not `domain`
/// itself). Names are compared as the URL parser writes them (lower case,
/// punycode); IPv6 addresses are written in brackets (`[::1]:8080`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostPattern {
    Exact { host: String, port: Option<u16> },
    Subdomains { domain: String },
}

impl HostPattern {
    pub(crate) fn parse(text: &str) -> Result<HostPattern, McpConfigError> {
        let bad = || McpConfigError::BadHostPattern(text.to_string());
        let trimmed = text.trim();
        if let Some(domain) = trimmed.strip_prefix("*.") {
            let domain = normalized(domain).ok_or_else(bad)?;
            // A domain name: no address, no port.
            if domain.starts_with('[') || domain.parse::<std::net::Ipv4Addr>().is_ok() {
                return Err(bad());
            }
            return Ok(HostPattern::Subdomains { domain });
        }
        let (host, port) = split_port(trimmed).ok_or_else(bad)?;
        let host = normalized(host).ok_or_else(bad)?;
        Ok(HostPattern::Exact { host, port })
    }

    /// Whether `url` (already parsed, http or https) is on this host.
    pub(crate) fn matches(&self, url: &url::Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        match self {
            HostPattern::Exact {
                host: allowed,
                port,
            } => host == allowed && port.is_none_or(|p| url.port_or_known_default() == Some(p)),
            HostPattern::Subdomains { domain } => host
                .strip_suffix(domain.as_str())
                .and_then(|rest| rest.strip_suffix('.'))
                .is_some_and(|sub| !sub.is_empty()),
        }
    }
}

/// `host` and its port, if written (`[::1]:80` keeps its brackets).
fn split_port(text: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if text.starts_with('[') {
        let end = text.find(']')?;
        let (host, rest) = text.split_at(end + 1);
        (host, rest.strip_prefix(':'))
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok()?),
        None => None,
    };
    Some((host, port))
}

/// The host as a URL's `host_str` would write it; `None` when it is not one.
fn normalized(host: &str) -> Option<String> {
    if host.is_empty() || host.contains(['/', '@', '*', '?', '#']) {
        return None;
    }
    let parsed = Host::parse(host).ok()?;
    Some(match parsed {
        Host::Domain(name) => name,
        Host::Ipv4(addr) => addr.to_string(),
        Host::Ipv6(addr) => format!("[{addr}]"),
    })
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn allows(pattern: &str, url: &str) -> bool {
        HostPattern::parse(pattern)
            .unwrap()
            .matches(&url::Url::parse(url).unwrap())
    }

    #[test]
    fn a_host_matches_itself_on_any_port_and_nothing_else() {
        assert!(allows("mcp.example.com", "https://mcp.example.com/mcp"));
        assert!(allows("MCP.Example.com", "http://mcp.example.com:8080/mcp"));
        assert!(!allows(
            "mcp.example.com",
            "https://mcp.example.com.evil.test/"
        ));
        assert!(!allows("mcp.example.com", "https://evilmcp.example.com/"));
        assert!(!allows("mcp.example.com", "https://example.com/"));
    }

    #[test]
    fn a_port_must_match_the_urls_port_or_its_default() {
        assert!(allows("127.0.0.1:8080", "http://127.0.0.1:8080/mcp"));
        assert!(!allows("127.0.0.1:8080", "http://127.0.0.1:8081/mcp"));
        assert!(allows("mcp.example.com:443", "https://mcp.example.com/mcp"));
        assert!(!allows("mcp.example.com:443", "http://mcp.example.com/mcp"));
        assert!(allows("[::1]:9000", "http://[::1]:9000/"));
        assert!(!allows("[::1]:9000", "http://127.0.0.1:9000/"));
    }

    #[test]
    fn a_wildcard_matches_subdomains_only() {
        assert!(allows("*.example.com", "https://a.example.com/"));
        assert!(allows("*.example.com", "https://a.b.example.com/"));
        assert!(!allows("*.example.com", "https://example.com/"));
        assert!(!allows("*.example.com", "https://badexample.com/"));
    }

    #[test]
    fn patterns_that_are_not_hosts_are_refused() {
        for bad in [
            "",
            "*",
            "*.",
            "a.test:",
            "a.test:99999",
            "http://a.test",
            "a.test/mcp",
            "*.10.0.0.1",
            "user@a.test",
            "a.*.test",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad:?}");
        }
    }
}
