//! The rules for the MCP servers users add in the chat
//! (`[features.mcp] user_servers`): what an `mcp_add` may ask for. The
//! browser is not trusted: every name, URL and header is checked here.
//!
//! Only streamable HTTP: a user never names a program for the server to
//! run (that would be running code at anyone's word). Only hosts the
//! operator lists: the server would otherwise fetch whatever a user points
//! it at. rmcp's HTTP client follows only same-origin redirects, so a
//! listed host cannot send the connection elsewhere.

use std::collections::HashMap;

use axum::http::{HeaderName, HeaderValue};
use loquat_app::protocol::McpHeaders;

use super::host_pattern::HostPattern;
use super::servers::{name_fits, McpServerSpec, Target, MAX_NAME_CHARS};
use super::McpConfigError;
use crate::config::McpSection;

/// Most headers a user's server may get…
pub(crate) const MAX_HEADERS: usize = 8;
/// …the longest name of one, in bytes…
pub(crate) const MAX_HEADER_NAME_BYTES: usize = 64;
/// …and the longest value (an API key or a bearer token fits).
pub(crate) const MAX_HEADER_VALUE_BYTES: usize = 4096;
/// The longest URL, in bytes.
pub(crate) const MAX_URL_BYTES: usize = 2048;

/// Headers the transport sets itself, or that would make the request
/// something else than a request to the URL's host.
const RESERVED_HEADERS: [&str; 11] = [
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "accept",
    "mcp-session-id",
    "mcp-protocol-version",
];

/// `[features.mcp] user_servers`, checked: who may add what.
#[derive(Debug)]
pub(crate) struct UserServerRules {
    hosts: Vec<HostPattern>,
    pub(crate) max: usize,
}

/// Why a user's `mcp_add` or `mcp_remove` was refused: shown in the MCP
/// panel; the chat's servers stay as they were.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum McpAddError {
    /// `[features.mcp] user_servers` is off (or MCP is).
    #[error("adding MCP servers is turned off in this app")]
    Disabled,
    /// A name that is empty, too long or has other characters.
    #[error("the name must be 1 to {max} letters, digits, - and _")]
    BadName {
        /// The longest name allowed.
        max: usize,
    },
    /// The chat has a server of that name (the operator's or the user's).
    #[error("there is already a server named `{0}`")]
    NameTaken(String),
    /// Not an http:// or https:// URL with a host.
    #[error("the URL must be an http:// or https:// address")]
    BadUrl,
    /// The URL's host is not in `user_allowed_hosts`.
    #[error("this app does not allow MCP servers on {0}")]
    HostNotAllowed(String),
    /// The user has `max_user_servers` already.
    #[error("at most {0} servers of your own can be added")]
    TooMany(usize),
    /// More headers than allowed.
    #[error("at most {0} headers")]
    TooManyHeaders(usize),
    /// A header name or value that HTTP cannot carry, is too long, or is
    /// one the transport sets itself.
    #[error("the header {0:?} cannot be used")]
    BadHeader(String),
    /// The chat has ended.
    #[error("the chat has ended")]
    Ended,
    /// `mcp_remove` of a server that is not one of the user's.
    #[error("you have no server named `{0}`")]
    NotYours(String),
}

impl UserServerRules {
    /// The rules of `section`; `None` when users may not add servers.
    pub(crate) fn from_section(
        section: &McpSection,
    ) -> Result<Option<UserServerRules>, McpConfigError> {
        let hosts = section
            .user_allowed_hosts
            .iter()
            .map(|pattern| HostPattern::parse(pattern))
            .collect::<Result<Vec<_>, _>>()?;
        if !section.user_servers {
            return Ok(None);
        }
        if hosts.is_empty() {
            return Err(McpConfigError::UserServersWithoutHosts);
        }
        Ok(Some(UserServerRules {
            hosts,
            max: usize::try_from(section.max_user_servers).unwrap_or(usize::MAX),
        }))
    }

    /// The server a user asks for, checked (except whether its name is
    /// free and the user has room: the chat's list knows that).
    pub(crate) fn check(
        &self,
        name: &str,
        url: &str,
        headers: &McpHeaders,
    ) -> Result<McpServerSpec, McpAddError> {
        if !name_fits(name) {
            return Err(McpAddError::BadName {
                max: MAX_NAME_CHARS,
            });
        }
        if url.len() > MAX_URL_BYTES {
            return Err(McpAddError::BadUrl);
        }
        let parsed = url::Url::parse(url.trim()).map_err(|_| McpAddError::BadUrl)?;
        let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) else {
            return Err(McpAddError::BadUrl);
        };
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(McpAddError::BadUrl);
        }
        if !self.hosts.iter().any(|pattern| pattern.matches(&parsed)) {
            return Err(McpAddError::HostNotAllowed(host.to_string()));
        }
        if headers.0.len() > MAX_HEADERS {
            return Err(McpAddError::TooManyHeaders(MAX_HEADERS));
        }
        let mut checked = HashMap::new();
        for (key, value) in &headers.0 {
            let bad = || McpAddError::BadHeader(key.chars().take(MAX_HEADER_NAME_BYTES).collect());
            if key.len() > MAX_HEADER_NAME_BYTES || value.len() > MAX_HEADER_VALUE_BYTES {
                return Err(bad());
            }
            let header = HeaderName::from_bytes(key.as_bytes()).map_err(|_| bad())?;
            if RESERVED_HEADERS.contains(&header.as_str()) || header.as_str().starts_with("proxy-")
            {
                return Err(bad());
            }
            let mut value = HeaderValue::from_str(value).map_err(|_| bad())?;
            value.set_sensitive(true);
            checked.insert(header, value);
        }
        Ok(McpServerSpec {
            name: name.to_string(),
            target: Target::Http {
                url: parsed.to_string(),
                headers: checked,
            },
        })
    }
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn rules(hosts: &[&str]) -> Result<Option<UserServerRules>, McpConfigError> {
        UserServerRules::from_section(&McpSection {
            enabled: true,
            user_servers: true,
            user_allowed_hosts: hosts.iter().map(|h| h.to_string()).collect(),
            ..McpSection::default()
        })
    }

    fn headers(pairs: &[(&str, &str)]) -> McpHeaders {
        McpHeaders(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn user_servers_need_allowed_hosts() {
        assert_eq!(
            rules(&[]).unwrap_err(),
            McpConfigError::UserServersWithoutHosts
        );
        assert!(rules(&["ok.test", "not a host"]).is_err());
        let off = McpSection {
            user_allowed_hosts: vec!["ok.test".into()],
            ..McpSection::default()
        };
        assert!(UserServerRules::from_section(&off).unwrap().is_none());
    }

    #[test]
    fn a_server_on_an_allowed_host_is_taken_with_its_headers() {
        let rules = rules(&["mcp.example.com"]).unwrap().unwrap();
        let spec = rules
            .check(
                "mine",
                "https://mcp.example.com/mcp",
                &headers(&[("Authorization", "Bearer x")]),
            )
            .unwrap();
        let Target::Http { url, headers } = spec.target else {
            panic!("http expected");
        };
        assert_eq!(url, "https://mcp.example.com/mcp");
        let key = &headers[&HeaderName::from_static("authorization")];
        assert!(key.is_sensitive());
    }

    #[test]
    fn what_a_user_may_not_ask_for_is_refused() {
        let rules = rules(&["mcp.example.com"]).unwrap().unwrap();
        let none = McpHeaders::default();
        let refused = |name: &str, url: &str, headers: &McpHeaders| {
            rules.check(name, url, headers).unwrap_err()
        };
        assert_eq!(
            refused("a", "http://169.254.169.254/latest", &none),
            McpAddError::HostNotAllowed("169.254.169.254".into())
        );
        for url in [
            "file:///etc/passwd",
            "npx some-server",
            "stdio://npx",
            "ws://mcp.example.com/",
            "mcp.example.com/mcp",
        ] {
            assert_eq!(refused("a", url, &none), McpAddError::BadUrl, "{url}");
        }
        assert!(matches!(
            refused("has space", "https://mcp.example.com", &none),
            McpAddError::BadName { .. }
        ));
        for header in [
            "Host",
            "bad header",
            "Proxy-Authorization",
            "Content-Length",
        ] {
            assert!(matches!(
                refused("a", "https://mcp.example.com", &headers(&[(header, "v")])),
                McpAddError::BadHeader(_)
            ));
        }
        let long = "v".repeat(MAX_HEADER_VALUE_BYTES + 1);
        assert!(matches!(
            refused(
                "a",
                "https://mcp.example.com",
                &headers(&[("X-Key", &long)])
            ),
            McpAddError::BadHeader(_)
        ));
        let many: Vec<(String, String)> = (0..=MAX_HEADERS)
            .map(|i| (format!("X-{i}"), "v".to_string()))
            .collect();
        assert_eq!(
            refused(
                "a",
                "https://mcp.example.com",
                &McpHeaders(many.into_iter().collect())
            ),
            McpAddError::TooManyHeaders(MAX_HEADERS)
        );
    }
}
