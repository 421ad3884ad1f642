//! Who may talk to the app: the hosts it answers to (against DNS
//! rebinding) and the origins whose pages may use it (against cross-site
//! requests and WebSockets). Built once at start from the bound address,
//! `LOQUAT_URL` and `[project] allowed_hosts` / `allow_origins`.
//!
//! By default that is the app itself and nothing else: the loopback names
//! of the bound port (`127.0.0.1`, `localhost`, `[::1]`), the bound address
//! when it is a specific one, and the host of `LOQUAT_URL`; the origins are
//! those hosts' pages (`http://…`, and `LOQUAT_URL`'s own origin).

use std::net::SocketAddr;
use std::str::FromStr;

use axum::http::uri::Authority;

/// Environment variable with the app's public URL, e.g.
/// `https://chat.example.com` behind a TLS proxy.
pub const PUBLIC_URL_ENV: &str = "LOQUAT_URL";

/// Why the policy could not be built from the settings.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{PUBLIC_URL_ENV} `{0}` is not an http(s) URL such as https://chat.example.com")]
    BadUrl(String),
    #[error("[project] allow_origins: `{0}` is not an origin (scheme://host[:port]) or \"*\"")]
    BadOrigin(String),
    #[error("[project] allowed_hosts: `{0}` is not a host or host:port (or \"*\")")]
    BadHost(String),
}

/// An accepted `Host`: a name (lower case; IPv6 in brackets) and a port,
/// or any port when the setting named none.
#[derive(Clone, Debug, PartialEq, Eq)]
struct HostRule {
    host: String,
    port: Option<u16>,
}

/// The hosts and origins the app accepts.
#[derive(Clone, Debug)]
pub(crate) struct OriginPolicy {
    hosts: Vec<HostRule>,
    any_host: bool,
    /// ASCII serialisations (`http://127.0.0.1:3000`).
    origins: Vec<String>,
    any_origin: bool,
    /// The port a `Host` without one means (80, or 443 behind https).
    default_port: u16,
}

impl OriginPolicy {
    pub(crate) fn new(
        bound: SocketAddr,
        public_url: Option<&str>,
        allowed_hosts: &[String],
        allow_origins: &[String],
    ) -> Result<OriginPolicy, PolicyError> {
        let port = bound.port();
        let mut hosts: Vec<HostRule> = ["127.0.0.1", "localhost", "[::1]"]
            .into_iter()
            .map(|host| HostRule {
                host: host.to_string(),
                port: Some(port),
            })
            .collect();
        let ip = bound.ip();
        if !ip.is_unspecified() && !ip.is_loopback() {
            let host = match ip {
                std::net::IpAddr::V4(v4) => v4.to_string(),
                std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            };
            hosts.push(HostRule {
                host,
                port: Some(port),
            });
        }
        let mut origins: Vec<String> = hosts
            .iter()
            .map(|rule| format!("http://{}:{port}", rule.host))
            .collect();
        let mut default_port = 80;
        if let Some(raw) = public_url {
            let url = url::Url::parse(raw)
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
                .ok_or_else(|| PolicyError::BadUrl(raw.to_string()))?;
            let origin = url.origin().ascii_serialization();
            default_port = url.port_or_known_default().unwrap_or(80);
            hosts.push(HostRule {
                host: url
                    .host_str()
                    .map(str::to_ascii_lowercase)
                    .unwrap_or_default(),
                port: Some(default_port),
            });
            origins.push(origin);
        }
        let mut any_host = false;
        for entry in allowed_hosts {
            if entry.trim() == "*" {
                any_host = true;
            } else {
                hosts.push(host_rule(entry).ok_or_else(|| PolicyError::BadHost(entry.clone()))?);
            }
        }
        let mut any_origin = false;
        for entry in allow_origins {
            if entry.trim() == "*" {
                any_origin = true;
            } else {
                origins
                    .push(origin_of(entry).ok_or_else(|| PolicyError::BadOrigin(entry.clone()))?);
            }
        }
        Ok(OriginPolicy {
            hosts,
            any_host,
            origins,
            any_origin,
            default_port,
        })
    }

    /// True for a `Host` header (or HTTP/2 authority) the app answers to.
    pub(crate) fn host_allowed(&self, host: &str) -> bool {
        if self.any_host {
            return true;
        }
        let Some(authority) = Authority::from_str(host.trim())
            .ok()
            .filter(|authority| !authority.as_str().contains('@'))
        else {
            return false;
        };
        let name = authority.host().to_ascii_lowercase();
        let port = authority.port_u16().unwrap_or(self.default_port);
        self.hosts
            .iter()
            .any(|rule| rule.host == name && rule.port.is_none_or(|p| p == port))
    }

    /// True for an `Origin` header whose pages may use the app. `null` and
    /// anything that is not an http(s) origin never are.
    pub(crate) fn origin_allowed(&self, origin: &str) -> bool {
        match origin_of(origin) {
            Some(origin) => self.any_origin || self.origins.contains(&origin),
            None => false,
        }
    }
}

/// `host`, `host:port` or `[v6]:port`, lower-cased.
fn host_rule(entry: &str) -> Option<HostRule> {
    let authority = Authority::from_str(entry.trim()).ok()?;
    if authority.as_str().contains('@') || authority.host().is_empty() {
        return None;
    }
    Some(HostRule {
        host: authority.host().to_ascii_lowercase(),
        port: authority.port_u16(),
    })
}

/// The ASCII serialisation of an http(s) origin with nothing after it.
fn origin_of(text: &str) -> Option<String> {
    let text = text.trim();
    let url = url::Url::parse(text).ok()?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    let plain = url.username().is_empty() && url.password().is_none();
    if !matches!(url.scheme(), "http" | "https") || !bare || !plain || text.ends_with('/') {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn local(port: u16) -> OriginPolicy {
        OriginPolicy::new(SocketAddr::from(([127, 0, 0, 1], port)), None, &[], &[]).unwrap()
    }

    #[test]
    fn only_the_loopback_names_of_the_bound_port_are_hosts_by_default() {
        let policy = local(3000);
        for host in [
            "127.0.0.1:3000",
            "localhost:3000",
            "LOCALHOST:3000",
            "[::1]:3000",
        ] {
            assert!(policy.host_allowed(host), "{host}");
        }
        for host in [
            "evil.example:3000",
            "127.0.0.1:3001",
            "localhost",
            "127.0.0.1:3000.evil.example",
            "user@127.0.0.1:3000",
            "",
        ] {
            assert!(!policy.host_allowed(host), "{host}");
        }
    }

    #[test]
    fn origins_are_compared_by_scheme_host_and_port() {
        let policy = local(3000);
        assert!(policy.origin_allowed("http://127.0.0.1:3000"));
        assert!(policy.origin_allowed("http://localhost:3000"));
        for origin in [
            "null",
            "https://127.0.0.1:3000",
            "http://127.0.0.1:3001",
            "http://127.0.0.1:3000.evil.example",
            "http://evil.example",
            "http://127.0.0.1:3000/",
            "file://",
            "",
        ] {
            assert!(!policy.origin_allowed(origin), "{origin}");
        }
    }

    #[test]
    fn the_public_url_and_listed_entries_are_added() {
        let policy = OriginPolicy::new(
            SocketAddr::from(([0, 0, 0, 0], 8080)),
            Some("https://Chat.Example.com"),
            &["internal.lan".into(), "10.0.0.5:8080".into()],
            &["https://www.example.com".into()],
        )
        .unwrap();
        assert!(policy.host_allowed("chat.example.com"));
        assert!(policy.host_allowed("chat.example.com:443"));
        assert!(!policy.host_allowed("chat.example.com:8443"));
        assert!(policy.host_allowed("internal.lan:1234"));
        assert!(policy.host_allowed("10.0.0.5:8080"));
        assert!(!policy.host_allowed("10.0.0.5:8081"));
        assert!(policy.origin_allowed("https://chat.example.com"));
        assert!(policy.origin_allowed("https://chat.example.com:443"));
        assert!(policy.origin_allowed("https://www.example.com"));
        assert!(!policy.origin_allowed("http://chat.example.com"));
    }

    #[test]
    fn a_specific_bound_address_is_a_host() {
        let policy =
            OriginPolicy::new(SocketAddr::from(([192, 168, 1, 5], 3000)), None, &[], &[]).unwrap();
        assert!(policy.host_allowed("192.168.1.5:3000"));
        assert!(policy.origin_allowed("http://192.168.1.5:3000"));
    }

    #[test]
    fn stars_open_up_and_bad_entries_are_errors() {
        let bound = SocketAddr::from(([127, 0, 0, 1], 3000));
        let open = OriginPolicy::new(bound, None, &["*".into()], &["*".into()]).unwrap();
        assert!(open.host_allowed("anything.example"));
        assert!(open.origin_allowed("https://anything.example"));
        assert!(!open.origin_allowed("null"));
        assert!(matches!(
            OriginPolicy::new(bound, Some("chat.example.com"), &[], &[]),
            Err(PolicyError::BadUrl(_))
        ));
        assert!(matches!(
            OriginPolicy::new(bound, None, &[], &["example.com".into()]),
            Err(PolicyError::BadOrigin(_))
        ));
        assert!(matches!(
            OriginPolicy::new(bound, None, &["a b".into()], &[]),
            Err(PolicyError::BadHost(_))
        ));
    }
}
