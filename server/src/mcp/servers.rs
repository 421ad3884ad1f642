//! `[features.mcp]` checked once, at start: every server's name, transport,
//! URL, headers and command, so that a chat never meets a bad entry.

use std::collections::HashMap;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue};

use super::user_servers::UserServerRules;
use super::McpConfigError;
use crate::config::{McpSection, McpServerEntry, McpTransport};

/// The most servers a chat may be connected to.
pub(crate) const MAX_SERVERS: usize = 32;

/// The longest server name: tool-calling models take names of up to 64
/// characters of the same alphabet.
pub(crate) const MAX_NAME_CHARS: usize = 64;

/// What a stdio server inherits from Loquat's own environment (the rest,
/// API keys and secrets included, stays with Loquat).
const INHERITED_ENV: [&str; 3] = ["PATH", "HOME", "LANG"];

/// The configured servers, checked, with the bounds of every call.
#[derive(Debug)]
pub(crate) struct McpServers {
    pub(crate) servers: Vec<McpServerSpec>,
    pub(crate) limits: McpLimits,
    /// What users may add, when `user_servers` is on.
    pub(crate) users: Option<UserServerRules>,
}

/// How long connecting and calling may take, and how large an answer may be.
#[derive(Debug, Clone, Copy)]
pub(crate) struct McpLimits {
    pub(crate) connect_timeout: Duration,
    pub(crate) call_timeout: Duration,
    pub(crate) max_result_bytes: usize,
}

/// One checked server.
#[derive(Debug)]
pub(crate) struct McpServerSpec {
    pub(crate) name: String,
    pub(crate) target: Target,
}

/// Where a server is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Http {
        url: String,
        headers: HashMap<HeaderName, HeaderValue>,
    },
    Stdio {
        program: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
    },
}

impl McpServers {
    /// The servers of `section`, checked; `None` when MCP is off (its
    /// servers are checked all the same, so a mistake shows before it is
    /// turned on).
    pub(crate) fn from_section(section: &McpSection) -> Result<Option<McpServers>, McpConfigError> {
        if section.servers.len() > MAX_SERVERS {
            return Err(McpConfigError::TooManyServers {
                count: section.servers.len(),
                max: MAX_SERVERS,
            });
        }
        let mut servers: Vec<McpServerSpec> = Vec::with_capacity(section.servers.len());
        for entry in &section.servers {
            let spec = check_entry(entry, &section.allowed_executables)?;
            if servers.iter().any(|s| s.name == spec.name) {
                return Err(McpConfigError::DuplicateName(spec.name));
            }
            servers.push(spec);
        }
        let limits = McpLimits {
            connect_timeout: section.connect_timeout,
            call_timeout: section.call_timeout,
            max_result_bytes: usize::try_from(section.max_result_kb)
                .unwrap_or(usize::MAX)
                .saturating_mul(1024),
        };
        let users = UserServerRules::from_section(section)?;
        Ok(section.enabled.then_some(McpServers {
            servers,
            limits,
            users,
        }))
    }

    /// The position of the server named `name`.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.servers.iter().position(|s| s.name == name)
    }
}

/// 1 to [`MAX_NAME_CHARS`] ASCII letters, digits, - and _: what a model's
/// tool names may hold (the name is part of `server__tool`).
pub(crate) fn name_fits(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn check_entry(
    entry: &McpServerEntry,
    allowed_executables: &[String],
) -> Result<McpServerSpec, McpConfigError> {
    let name = entry.name.clone();
    if !name_fits(&name) {
        return Err(McpConfigError::BadName {
            name,
            max: MAX_NAME_CHARS,
        });
    }
    let target = match entry.transport {
        McpTransport::Sse => return Err(McpConfigError::SseUnsupported(name)),
        McpTransport::StreamableHttp => http_target(entry)?,
        McpTransport::Stdio => stdio_target(entry, allowed_executables)?,
    };
    Ok(McpServerSpec { name, target })
}

fn http_target(entry: &McpServerEntry) -> Result<Target, McpConfigError> {
    let server = &entry.name;
    let wrong = |key| McpConfigError::WrongKey {
        server: server.clone(),
        key,
        transport: "streamable_http",
    };
    if entry.command.is_some() {
        return Err(wrong("command"));
    }
    if !entry.args.is_empty() {
        return Err(wrong("args"));
    }
    if !entry.env.is_empty() {
        return Err(wrong("env"));
    }
    let text = entry
        .url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| McpConfigError::MissingUrl(server.clone()))?;
    let bad_url = || McpConfigError::BadUrl {
        server: server.clone(),
        url: text.to_string(),
    };
    let url = url::Url::parse(text).map_err(|_| bad_url())?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad_url());
    }
    let mut headers = HashMap::new();
    for (key, value) in &entry.headers {
        let bad = || McpConfigError::BadHeader {
            server: server.clone(),
            header: key.clone(),
        };
        let key_name = HeaderName::from_bytes(key.as_bytes()).map_err(|_| bad())?;
        let value = HeaderValue::from_str(value).map_err(|_| bad())?;
        headers.insert(key_name, value);
    }
    Ok(Target::Http {
        url: url.to_string(),
        headers,
    })
}

fn stdio_target(
    entry: &McpServerEntry,
    allowed_executables: &[String],
) -> Result<Target, McpConfigError> {
    let server = &entry.name;
    let wrong = |key| McpConfigError::WrongKey {
        server: server.clone(),
        key,
        transport: "stdio",
    };
    if entry.url.is_some() {
        return Err(wrong("url"));
    }
    if !entry.headers.is_empty() {
        return Err(wrong("headers"));
    }
    let program = entry
        .command
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| McpConfigError::MissingCommand(server.clone()))?;
    // Exactly as listed: "npx" runs the npx of PATH, and a listed path
    // runs that file; a base name never lets another path through.
    if !allowed_executables.iter().any(|allowed| allowed == program) {
        return Err(McpConfigError::NotAllowed {
            server: server.clone(),
            command: program.to_string(),
        });
    }
    let mut env: Vec<(String, String)> = INHERITED_ENV
        .iter()
        .filter_map(|name| Some((name.to_string(), std::env::var(name).ok()?)))
        .collect();
    for (name, value) in &entry.env {
        let fits = !name.is_empty() && !name.contains(['=', '\0']) && !value.contains('\0');
        if !fits {
            return Err(McpConfigError::BadEnvName {
                server: server.clone(),
                name: name.clone(),
            });
        }
        env.retain(|(inherited, _)| inherited != name);
        env.push((name.clone(), value.clone()));
    }
    Ok(Target::Stdio {
        program: program.to_string(),
        args: entry.args.clone(),
        env,
    })
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn http(name: &str, url: &str) -> McpServerEntry {
        McpServerEntry {
            name: name.into(),
            transport: McpTransport::StreamableHttp,
            url: Some(url.into()),
            headers: Default::default(),
            command: None,
            args: Vec::new(),
            env: Default::default(),
        }
    }

    fn stdio(name: &str, command: &str) -> McpServerEntry {
        McpServerEntry {
            transport: McpTransport::Stdio,
            url: None,
            command: Some(command.into()),
            ..http(name, "")
        }
    }

    fn section(servers: Vec<McpServerEntry>, allowed: &[&str]) -> McpSection {
        McpSection {
            enabled: true,
            servers,
            allowed_executables: allowed.iter().map(|s| s.to_string()).collect(),
            ..McpSection::default()
        }
    }

    fn check(servers: Vec<McpServerEntry>, allowed: &[&str]) -> Result<(), McpConfigError> {
        McpServers::from_section(&section(servers, allowed)).map(drop)
    }

    #[test]
    fn http_and_allowed_stdio_servers_are_accepted() {
        let mut search = http("search", "https://mcp.example.com/mcp");
        search
            .headers
            .insert("Authorization".into(), "Bearer abc".into());
        let mut files = stdio("files", "npx");
        files.env.insert("ROOT".into(), "/srv".into());
        let servers = McpServers::from_section(&section(vec![search, files], &["npx"]))
            .unwrap()
            .unwrap();
        assert_eq!(servers.position("files"), Some(1));
        let Target::Stdio { env, .. } = &servers.servers[1].target else {
            panic!("stdio expected");
        };
        assert!(env.contains(&("ROOT".to_string(), "/srv".to_string())));
        assert!(env
            .iter()
            .all(|(name, _)| name == "ROOT" || INHERITED_ENV.contains(&name.as_str())));
        assert_eq!(servers.limits.max_result_bytes, 1024 * 1024);
    }

    #[test]
    fn a_disabled_section_has_no_servers_but_is_checked() {
        let mut off = section(vec![http("a", "https://x.test/mcp")], &[]);
        off.enabled = false;
        assert!(McpServers::from_section(&off).unwrap().is_none());
        off.servers.push(stdio("b", "bash"));
        assert!(McpServers::from_section(&off).is_err());
    }

    #[test]
    fn a_command_must_be_listed_exactly() {
        assert_eq!(
            check(vec![stdio("files", "bash")], &["npx"]),
            Err(McpConfigError::NotAllowed {
                server: "files".into(),
                command: "bash".into()
            })
        );
        // A base name does not let another path through.
        assert!(check(vec![stdio("files", "/tmp/npx")], &["npx"]).is_err());
        assert!(check(vec![stdio("files", "")], &[""]).is_err());
    }

    #[test]
    fn names_are_bounded_unique_and_plain() {
        let long = "a".repeat(MAX_NAME_CHARS + 1);
        for bad in ["", "has space", "dot.ted", long.as_str()] {
            let err = check(vec![http(bad, "https://x.test")], &[]).unwrap_err();
            assert!(
                matches!(err, McpConfigError::BadName { .. }),
                "{bad}: {err}"
            );
        }
        let twice = vec![http("a", "https://x.test"), stdio("a", "npx")];
        assert_eq!(
            check(twice, &["npx"]),
            Err(McpConfigError::DuplicateName("a".into()))
        );
        let many = (0..=MAX_SERVERS)
            .map(|i| http(&format!("s{i}"), "https://x.test"))
            .collect();
        assert!(matches!(
            check(many, &[]),
            Err(McpConfigError::TooManyServers { .. })
        ));
    }

    #[test]
    fn urls_are_http_and_keys_belong_to_their_transport() {
        for bad in [
            "ftp://x.test/mcp",
            "x.test/mcp",
            "file:///tmp/mcp",
            "http://",
        ] {
            let err = check(vec![http("a", bad)], &[]).unwrap_err();
            assert!(matches!(err, McpConfigError::BadUrl { .. }), "{bad}: {err}");
        }
        let mut no_url = http("a", "");
        no_url.url = None;
        assert_eq!(
            check(vec![no_url], &[]),
            Err(McpConfigError::MissingUrl("a".into()))
        );
        let mut both = http("a", "https://x.test");
        both.command = Some("npx".into());
        assert!(matches!(
            check(vec![both], &["npx"]),
            Err(McpConfigError::WrongKey { key: "command", .. })
        ));
        let mut header = http("a", "https://x.test");
        header.headers.insert("bad header".into(), "v".into());
        assert!(matches!(
            check(vec![header], &[]),
            Err(McpConfigError::BadHeader { .. })
        ));
        let mut env = stdio("a", "npx");
        env.env.insert("A=B".into(), "v".into());
        assert!(matches!(
            check(vec![env], &["npx"]),
            Err(McpConfigError::BadEnvName { .. })
        ));
    }

    #[test]
    fn sse_is_refused_with_the_way_out() {
        let mut sse = http("old", "https://x.test/sse");
        sse.transport = McpTransport::Sse;
        let err = check(vec![sse], &[]).unwrap_err();
        assert_eq!(err, McpConfigError::SseUnsupported("old".into()));
        assert!(err.to_string().contains("streamable_http"), "{err}");
    }
}
