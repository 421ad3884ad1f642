//! Reading `<data_dir>/config.toml`.
//!
//! The document is parsed into a generic TOML table and walked by hand rather
//! than deserialized with serde: that way unknown keys become warnings (serde
//! would either reject or silently drop them) and every error names the key.

use std::path::Path;
use std::time::Duration;

use toml::{Table, Value};

use super::suggest::closest;
use super::{
    AuthSection, Config, ConfigError, ConfigWarning, CookieSameSite, Cot, FeaturesConfig,
    LimitsSection, ProjectConfig, UiSection, UploadConfig,
};

/// Every section and key the file understands. Used for "did you mean"
/// hints; the tests check it against the parser and [`DEFAULT_TOML`].
pub(super) const SECTIONS: &[(&str, &[&str])] = &[
    (
        "project",
        &[
            "session_timeout",
            "allow_origins",
            "allowed_hosts",
            "frame_ancestors",
            "debug",
            "persistence",
            "user_session_timeout",
            "user_env",
        ],
    ),
    (
        "features",
        &[
            "unsafe_allow_html",
            "edit_message",
            "spontaneous_file_upload",
            "feedback",
            "feedback_reasons",
            "allow_thread_sharing",
        ],
    ),
    (
        "features.spontaneous_file_upload",
        &["enabled", "accept", "max_files", "max_size_mb"],
    ),
    (
        "UI",
        &[
            "name",
            "description",
            "cot",
            "default_collapse_content",
            "reactions",
        ],
    ),
    (
        "limits",
        &[
            "connections_per_client",
            "connections",
            "sessions_per_client",
            "sessions_per_user",
            "sessions",
            "uploads_at_once",
        ],
    ),
    (
        "auth",
        &["password_users", "cookie_same_site", "trusted_proxies"],
    ),
];

/// Sections whose keys [`DEFAULT_TOML`] lists commented out: their defaults
/// are the app's own (set in code), which a written value would override.
#[cfg(test)]
const COMMENTED_SECTIONS: &[&str] = &["limits"];

/// The commented config file written into a fresh data directory. Every key
/// is set to its default, so the file documents the options and changing a
/// value is a one-line edit.
pub(super) const DEFAULT_TOML: &str = r#"# Loquat configuration.
# Environment variables (LOQUAT_*) override the values in this file.

[project]
# Seconds a chat session is kept after the browser disconnects, so a reload
# or a flaky connection resumes the conversation.
# Env: LOQUAT_SESSION_TIMEOUT
session_timeout = 3600

# Origins of other sites whose pages may use the app (its WebSocket and
# state-changing requests), besides its own: ["https://www.example.com"].
# "*" allows any site, which lets any page the user visits chat as them.
# Env: LOQUAT_ALLOW_ORIGINS (comma-separated)
allow_origins = []

# Host names the app answers to, besides 127.0.0.1, localhost and [::1] on
# its port and the host of LOQUAT_URL: ["chat.internal", "10.0.0.5:3000"].
# Others get 421 (against DNS rebinding). "*" answers to any.
# Env: LOQUAT_ALLOWED_HOSTS (comma-separated)
allowed_hosts = []

# Who may show the app in a frame (CSP frame-ancestors sources):
# "'self'", "https://www.example.com", or "'none'".
# Env: LOQUAT_FRAME_ANCESTORS (comma-separated)
frame_ancestors = ["'self'"]

# Show the full cause chain of hook errors in the chat (development only).
# Env: LOQUAT_DEBUG
debug = false

# Keep conversations in loquat.db next to this file and show the history.
# Env: LOQUAT_PERSISTENCE
persistence = true

# Seconds a sign-in lasts (with logins configured; default 15 days).
# Env: LOQUAT_USER_SESSION_TIMEOUT
user_session_timeout = 1296000

# Values each user gives in the UI, e.g. ["OPENAI_API_KEY"]: kept in their
# browser, sent when it connects, read by the app with chat.user_env();
# never stored or logged on the server.
# Env: LOQUAT_USER_ENV (comma-separated)
user_env = []

[features]
# Render raw HTML inside messages. Only enable if you trust every message.
# Env: LOQUAT_UNSAFE_ALLOW_HTML
unsafe_allow_html = false

# Let users edit their earlier messages; the conversation re-runs from there.
# Env: LOQUAT_EDIT_MESSAGE
edit_message = true

# Thumbs up/down under each assistant reply, with an optional comment;
# kept with the thread, exported, and passed to the app's on_feedback.
# Env: LOQUAT_FEEDBACK
feedback = true

# Reasons users may pick with their feedback: ["Inaccurate", "Not helpful"].
feedback_reasons = []

# Let users make a read-only link to one of their threads (and revoke it).
# Anyone with the link can read the thread, signed in or not, unless the
# app's on_shared_thread_view says otherwise.
# Env: LOQUAT_ALLOW_THREAD_SHARING
allow_thread_sharing = false

[features.spontaneous_file_upload]
# Let users attach files to their messages (button, drag-and-drop, paste).
enabled = true
# MIME types ("image/*", "application/pdf") or extensions (".csv");
# ["*/*"] accepts anything. The server checks the files' contents too.
accept = ["*/*"]
# Most files per message.
max_files = 20
# Largest file, in megabytes.
max_size_mb = 500

[UI]
# Name of the assistant and title of the app.
# Env: LOQUAT_UI_NAME
name = "Loquat"

# Description of the app, used in the page metadata.
# Env: LOQUAT_UI_DESCRIPTION
description = ""

# Chain of thought: how much of the intermediate steps to show.
# "full" shows every step, "tool_call" only tool calls, "hidden" none.
# Env: LOQUAT_COT
cot = "full"

# Collapse long message contents by default.
# Env: LOQUAT_DEFAULT_COLLAPSE_CONTENT
default_collapse_content = true

# Reactions users can toggle on messages ("favorite", "like", "dislike",
# "star"); hooks read them and conversation filters can use them.
reactions = ["favorite"]

[limits]
# Caps against a client taking more than its share. Unset keys keep the
# app's own values (Loquat::limits in code, else these defaults); see
# docs/security.md for every limit.
# Open connections from one client address, and in total (503 past them).
# connections_per_client = 64
# connections = 10000
# Live chat sessions from one address, of one user, and in total.
# sessions_per_client = 100
# sessions_per_user = 200
# sessions = 10000
# Uploads streaming in at once (503 past it).
# uploads_at_once = 16

[auth]
# Logins (see docs/auth.md). Any login needs LOQUAT_AUTH_SECRET:
# `loquat create-secret` prints one.
# Sign in with the users of `loquat users add` (kept in loquat.db).
# Env: LOQUAT_AUTH_PASSWORD_USERS
password_users = false

# SameSite of the session cookie: "lax", "strict", or "none" (only for an
# app shown in a frame of another site; the cookie is then Secure).
cookie_same_site = "lax"

# Addresses or networks of the SSO proxy whose headers a header login
# believes ("10.0.0.5", "10.0.0.0/8"); empty means loopback only.
# Env: LOQUAT_TRUSTED_PROXIES (comma-separated)
trusted_proxies = []
"#;

/// Reads the file at `path`; `Ok(None)` if it does not exist.
pub(super) fn read(path: &Path) -> Result<Option<String>, ConfigError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    // Decoded here rather than with read_to_string so bad encoding is a
    // parse error, not an I/O error.
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: format!("the file is not valid UTF-8 ({e})"),
        })
}

/// Applies the TOML document `text` (read from `path`) onto `config`.
pub(super) fn apply(
    config: &mut Config,
    text: &str,
    path: &Path,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<(), ConfigError> {
    let document: Table = toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let mut walker = Walker { path, warnings };
    for (name, item) in &document {
        match name.as_str() {
            "project" => project(
                &mut config.project,
                walker.section(name, item)?,
                &mut walker,
            )?,
            "features" => features(
                &mut config.features,
                walker.section(name, item)?,
                &mut walker,
            )?,
            "UI" => ui(&mut config.ui, walker.section(name, item)?, &mut walker)?,
            "limits" => limits(&mut config.limits, walker.section(name, item)?, &mut walker)?,
            "auth" => auth(&mut config.auth, walker.section(name, item)?, &mut walker)?,
            _ => walker.unknown_top_level(name, item),
        }
    }
    Ok(())
}

fn project(
    project: &mut ProjectConfig,
    table: &Table,
    walker: &mut Walker<'_>,
) -> Result<(), ConfigError> {
    for (key, value) in table {
        match key.as_str() {
            "session_timeout" => {
                project.session_timeout = walker.seconds("project", key, value)?;
            }
            "allow_origins" => project.allow_origins = walker.strings("project", key, value)?,
            "allowed_hosts" => project.allowed_hosts = walker.strings("project", key, value)?,
            "frame_ancestors" => {
                project.frame_ancestors = walker.strings("project", key, value)?;
            }
            "debug" => project.debug = walker.boolean("project", key, value)?,
            "persistence" => project.persistence = walker.boolean("project", key, value)?,
            "user_session_timeout" => {
                project.user_session_timeout = walker.seconds("project", key, value)?;
            }
            "user_env" => project.user_env = walker.strings("project", key, value)?,
            _ => walker.unknown_key("project", key),
        }
    }
    Ok(())
}

fn features(
    features: &mut FeaturesConfig,
    table: &Table,
    walker: &mut Walker<'_>,
) -> Result<(), ConfigError> {
    for (key, value) in table {
        match key.as_str() {
            "unsafe_allow_html" => {
                features.unsafe_allow_html = walker.boolean("features", key, value)?;
            }
            "edit_message" => features.edit_message = walker.boolean("features", key, value)?,
            "feedback" => features.feedback = walker.boolean("features", key, value)?,
            "allow_thread_sharing" => {
                features.allow_thread_sharing = walker.boolean("features", key, value)?;
            }
            "feedback_reasons" => {
                features.feedback_reasons = walker.strings("features", key, value)?;
            }
            "spontaneous_file_upload" => uploads(
                &mut features.spontaneous_file_upload,
                walker.section_at(&["features", key], value)?,
                walker,
            )?,
            _ => walker.unknown_key("features", key),
        }
    }
    Ok(())
}

fn uploads(
    uploads: &mut UploadConfig,
    table: &Table,
    walker: &mut Walker<'_>,
) -> Result<(), ConfigError> {
    const SECTION: &str = "features.spontaneous_file_upload";
    for (key, value) in table {
        match key.as_str() {
            "enabled" => uploads.enabled = walker.boolean(SECTION, key, value)?,
            "accept" => uploads.accept = walker.strings(SECTION, key, value)?,
            "max_files" => uploads.max_files = walker.count(SECTION, key, value)?,
            "max_size_mb" => uploads.max_size_mb = walker.count(SECTION, key, value)?,
            _ => walker.unknown_key(SECTION, key),
        }
    }
    Ok(())
}

fn ui(ui: &mut UiSection, table: &Table, walker: &mut Walker<'_>) -> Result<(), ConfigError> {
    for (key, value) in table {
        match key.as_str() {
            "name" => ui.name = walker.string("UI", key, value)?,
            "description" => ui.description = walker.string("UI", key, value)?,
            "cot" => ui.cot = walker.cot("UI", key, value)?,
            "default_collapse_content" => {
                ui.default_collapse_content = walker.boolean("UI", key, value)?;
            }
            "reactions" => ui.reactions = walker.strings("UI", key, value)?,
            _ => walker.unknown_key("UI", key),
        }
    }
    Ok(())
}

fn limits(
    limits: &mut LimitsSection,
    table: &Table,
    walker: &mut Walker<'_>,
) -> Result<(), ConfigError> {
    for (key, value) in table {
        let slot = match key.as_str() {
            "connections_per_client" => &mut limits.connections_per_client,
            "connections" => &mut limits.connections,
            "sessions_per_client" => &mut limits.sessions_per_client,
            "sessions_per_user" => &mut limits.sessions_per_user,
            "sessions" => &mut limits.sessions,
            "uploads_at_once" => &mut limits.uploads_at_once,
            _ => {
                walker.unknown_key("limits", key);
                continue;
            }
        };
        *slot = Some(walker.count("limits", key, value)? as usize);
    }
    Ok(())
}

fn auth(auth: &mut AuthSection, table: &Table, walker: &mut Walker<'_>) -> Result<(), ConfigError> {
    for (key, value) in table {
        match key.as_str() {
            "password_users" => auth.password_users = walker.boolean("auth", key, value)?,
            "cookie_same_site" => {
                auth.cookie_same_site = value
                    .as_str()
                    .and_then(CookieSameSite::from_name)
                    .ok_or_else(|| {
                        walker.invalid(field_path("auth", key), CookieSameSite::EXPECTED, value)
                    })?;
            }
            "trusted_proxies" => auth.trusted_proxies = walker.strings("auth", key, value)?,
            _ => walker.unknown_key("auth", key),
        }
    }
    Ok(())
}

/// Typed access to values, producing errors and warnings that name the key
/// and the file.
struct Walker<'a> {
    path: &'a Path,
    warnings: &'a mut Vec<ConfigWarning>,
}

impl Walker<'_> {
    fn section<'v>(&self, name: &str, item: &'v Value) -> Result<&'v Table, ConfigError> {
        self.section_at(&[name], item)
    }

    /// A (possibly nested) table, named by its path.
    fn section_at<'v>(&self, path: &[&str], item: &'v Value) -> Result<&'v Table, ConfigError> {
        item.as_table()
            .ok_or_else(|| self.invalid(key_path(path), "a table", item))
    }

    fn boolean(&self, section: &str, key: &str, value: &Value) -> Result<bool, ConfigError> {
        value
            .as_bool()
            .ok_or_else(|| self.invalid(field_path(section, key), "true or false", value))
    }

    fn string(&self, section: &str, key: &str, value: &Value) -> Result<String, ConfigError> {
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| self.invalid(field_path(section, key), "a string", value))
    }

    fn strings(&self, section: &str, key: &str, value: &Value) -> Result<Vec<String>, ConfigError> {
        let expected = "an array of strings";
        let items = value
            .as_array()
            .ok_or_else(|| self.invalid(field_path(section, key), expected, value))?;
        items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.invalid(field_path(section, key), expected, value))
            })
            .collect()
    }

    fn count(&self, section: &str, key: &str, value: &Value) -> Result<u32, ConfigError> {
        value
            .as_integer()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| {
                self.invalid(field_path(section, key), "a whole number, 1 or more", value)
            })
    }

    fn seconds(&self, section: &str, key: &str, value: &Value) -> Result<Duration, ConfigError> {
        value
            .as_integer()
            .and_then(|n| u64::try_from(n).ok())
            .map(Duration::from_secs)
            .ok_or_else(|| {
                self.invalid(
                    field_path(section, key),
                    "a whole number of seconds, 0 or more",
                    value,
                )
            })
    }

    fn cot(&self, section: &str, key: &str, value: &Value) -> Result<Cot, ConfigError> {
        value
            .as_str()
            .and_then(Cot::from_name)
            .ok_or_else(|| self.invalid(field_path(section, key), Cot::EXPECTED, value))
    }

    fn invalid(&self, key: String, expected: &str, found: &Value) -> ConfigError {
        let message = format!(
            "expected {expected}, found {} {found} (in {})",
            found.type_str(),
            self.path.display()
        );
        ConfigError::InvalidValue { key, message }
    }

    /// A top-level entry that is not a known section: an unknown section, or
    /// a key that belongs inside one.
    fn unknown_top_level(&mut self, name: &str, item: &Value) {
        let sections = SECTIONS.iter().map(|(section, _)| *section);
        let hint = if item.is_table() {
            closest(name, sections).map(|s| format!("[{}]", key_path(&[s])))
        } else {
            owning_section(name)
                .map(|section| format!("the key `{name}` under [{}]", key_path(&[section])))
        };
        let kind = if item.is_table() { "section" } else { "key" };
        let display = if item.is_table() {
            format!("[{}]", key_path(&[name]))
        } else {
            key_path(&[name])
        };
        let message = format!(
            "unknown {kind} `{display}` in {}, ignored{}",
            self.path.display(),
            did_you_mean(hint)
        );
        self.warnings.push(ConfigWarning {
            key: key_path(&[name]),
            message,
        });
    }

    /// A key inside a known section that this version does not understand.
    fn unknown_key(&mut self, section: &str, key: &str) {
        let known = SECTIONS
            .iter()
            .find(|(name, _)| *name == section)
            .map(|(_, keys)| *keys)
            .unwrap_or_default();
        let hint = match closest(key, known.iter().copied()) {
            Some(similar) => Some(format!("`{}`", key_path(&[section, similar]))),
            // Right key, wrong section (e.g. `name` under [project]).
            None => owning_section(key).map(|owner| format!("`{}`", key_path(&[owner, key]))),
        };
        let path = field_path(section, key);
        let message = format!(
            "unknown key `{path}` in {}, ignored{}",
            self.path.display(),
            did_you_mean(hint)
        );
        self.warnings.push(ConfigWarning { key: path, message });
    }
}

/// The section that defines `key`, if any.
fn owning_section(key: &str) -> Option<&'static str> {
    SECTIONS
        .iter()
        .find(|(_, keys)| keys.contains(&key))
        .map(|(section, _)| *section)
}

fn did_you_mean(hint: Option<String>) -> String {
    hint.map(|h| format!(" (did you mean {h}?)"))
        .unwrap_or_default()
}

/// The path of `key` in `section`, where a nested section is written with
/// dots (`features.spontaneous_file_upload`).
fn field_path(section: &str, key: &str) -> String {
    let mut segments: Vec<&str> = section.split('.').collect();
    segments.push(key);
    key_path(&segments)
}

/// Dotted TOML key path, quoting segments that are not bare keys so that
/// e.g. `"a.b"` is not mistaken for a nested key.
pub(super) fn key_path(segments: &[&str]) -> String {
    segments
        .iter()
        .map(|segment| {
            let bare = !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if bare {
                (*segment).to_string()
            } else {
                format!("{segment:?}")
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
        let mut config = Config::default();
        let mut warnings = Vec::new();
        apply(
            &mut config,
            text,
            Path::new(".loquat/config.toml"),
            &mut warnings,
        )?;
        Ok((config, warnings))
    }

    fn invalid_key(result: Result<(Config, Vec<ConfigWarning>), ConfigError>) -> (String, String) {
        match result {
            Err(ConfigError::InvalidValue { key, message }) => (key, message),
            other => panic!("expected InvalidValue, got {other:?}"),
        }
    }

    #[test]
    fn reads_every_value() {
        let (config, warnings) = parse(
            r#"
            [project]
            session_timeout = 60
            allow_origins = ["https://a.example", "https://b.example"]
            debug = true
            [features]
            unsafe_allow_html = true
            [UI]
            name = "Bot"
            description = "A bot"
            cot = "tool_call"
            default_collapse_content = false
            "#,
        )
        .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.project.session_timeout, Duration::from_secs(60));
        assert_eq!(
            config.project.allow_origins,
            ["https://a.example", "https://b.example"]
        );
        assert!(config.project.debug);
        assert!(config.features.unsafe_allow_html);
        assert_eq!(config.ui.name, "Bot");
        assert_eq!(config.ui.description, "A bot");
        assert_eq!(config.ui.cot, Cot::ToolCall);
        assert!(!config.ui.default_collapse_content);
    }

    #[test]
    fn missing_keys_keep_defaults() {
        let (config, warnings) = parse("[UI]\ncot = \"hidden\"\n").unwrap();
        assert!(warnings.is_empty());
        let expected = Config {
            ui: UiSection {
                cot: Cot::Hidden,
                ..UiSection::default()
            },
            ..Config::default()
        };
        assert_eq!(config, expected);
    }

    #[test]
    fn unknown_key_in_known_section_is_a_warning_with_hint() {
        let (config, warnings) = parse("[UI]\nnme = \"x\"\n").unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].key, "UI.nme");
        assert_eq!(
            warnings[0].to_string(),
            "unknown key `UI.nme` in .loquat/config.toml, ignored (did you mean `UI.name`?)"
        );
    }

    #[test]
    fn key_in_wrong_section_points_to_the_right_one() {
        let (_, warnings) = parse("[project]\nunsafe_allow_html = true\n").unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].key, "project.unsafe_allow_html");
        assert!(
            warnings[0]
                .message
                .ends_with("(did you mean `features.unsafe_allow_html`?)"),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn unknown_sections_and_top_level_keys_are_warnings() {
        let (config, warnings) = parse(
            "debug = true\n[foo]\nbar = 1\n[ui]\nname = \"x\"\n[UI.theme]\nlayout = \"wide\"\n",
        )
        .unwrap();
        assert_eq!(config, Config::default());
        // Sorted: the order of the table's keys depends on toml's features.
        let mut warnings = warnings;
        warnings.sort_by(|a, b| a.key.cmp(&b.key));
        let keys: Vec<&str> = warnings.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(keys, ["UI.theme", "debug", "foo", "ui"]);
        let messages: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert!(messages[1].contains("(did you mean the key `debug` under [project]?)"));
        assert_eq!(
            messages[2],
            "unknown section `[foo]` in .loquat/config.toml, ignored"
        );
        assert!(
            messages[3].contains("(did you mean [UI]?)"),
            "{}",
            messages[3]
        );
    }

    #[test]
    fn odd_key_names_are_quoted() {
        let (_, warnings) = parse("[UI]\n\"a.b\" = 1\n").unwrap();
        assert_eq!(warnings[0].key, "UI.\"a.b\"");
    }

    #[test]
    fn invalid_cot_names_the_key_and_file() {
        let (key, message) = invalid_key(parse("[UI]\ncot = \"sometimes\"\n"));
        assert_eq!(key, "UI.cot");
        assert_eq!(
            message,
            "expected one of \"full\", \"tool_call\", \"hidden\", found string \"sometimes\" \
             (in .loquat/config.toml)"
        );
    }

    #[test]
    fn negative_or_non_numeric_timeout_is_invalid() {
        for text in [
            "session_timeout = -1",
            "session_timeout = \"abc\"",
            "session_timeout = 1.5",
        ] {
            let (key, message) = invalid_key(parse(&format!("[project]\n{text}\n")));
            assert_eq!(key, "project.session_timeout", "{text}");
            assert!(message.starts_with("expected a whole number of seconds"));
        }
    }

    #[test]
    fn wrong_types_are_invalid() {
        let (key, _) = invalid_key(parse("[project]\nallow_origins = \"*\"\n"));
        assert_eq!(key, "project.allow_origins");
        let (key, _) = invalid_key(parse("[project]\nallow_origins = [\"a\", 1]\n"));
        assert_eq!(key, "project.allow_origins");
        let (key, _) = invalid_key(parse("[features]\nunsafe_allow_html = \"yes\"\n"));
        assert_eq!(key, "features.unsafe_allow_html");
        let (key, _) = invalid_key(parse("UI = 3\n"));
        assert_eq!(key, "UI");
        let (key, _) = invalid_key(parse("[[project]]\ndebug = true\n"));
        assert_eq!(key, "project");
    }

    /// Guards against SECTIONS and the parser drifting apart: every listed
    /// key must be handled (a bad value is an error, not "unknown").
    #[test]
    fn every_listed_key_is_parsed() {
        for (section, keys) in SECTIONS {
            for key in *keys {
                // A key that is itself a section takes a table: give it a number.
                let nested = SECTIONS
                    .iter()
                    .any(|(s, _)| *s == format!("{section}.{key}"));
                let value = if nested { "1" } else { "{}" };
                let (found, _) = invalid_key(parse(&format!("[{section}]\n{key} = {value}\n")));
                assert_eq!(found, format!("{section}.{key}"));
            }
        }
    }

    #[test]
    fn syntax_errors_are_parse_errors() {
        match parse("[UI\nname = 1") {
            Err(ConfigError::Parse { path, message }) => {
                assert_eq!(path, Path::new(".loquat/config.toml"));
                assert!(message.contains("line 1"), "{message}");
            }
            other => panic!("expected Parse, got {other:?}"),
        }
        assert!(matches!(
            parse("[UI]\nname = \"a\"\nname = \"b\"\n"),
            Err(ConfigError::Parse { .. })
        ));
    }

    #[test]
    fn limits_are_whole_numbers_and_unset_ones_stay_unset() {
        let (config, warnings) =
            parse("[limits]\nsessions_per_client = 5\nuploads_at_once = 2\nsesions = 1\n").unwrap();
        assert_eq!(config.limits.sessions_per_client, Some(5));
        assert_eq!(config.limits.uploads_at_once, Some(2));
        assert_eq!(config.limits.connections, None);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(parse("[limits]\nsessions = 0\n").is_err());
        assert!(parse("[limits]\nsessions = \"many\"\n").is_err());
    }

    #[test]
    fn default_toml_is_exactly_the_default_config() {
        let (config, warnings) = parse(DEFAULT_TOML).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config, Config::default());
    }

    #[test]
    fn default_toml_sets_every_key() {
        let document: Table = toml::from_str(DEFAULT_TOML).unwrap();
        for (section, keys) in SECTIONS {
            if COMMENTED_SECTIONS.contains(section) {
                assert!(DEFAULT_TOML.contains(&format!("[{section}]")));
                for key in *keys {
                    assert!(
                        DEFAULT_TOML.contains(&format!("\n# {key} = ")),
                        "default_toml lacks the commented {section}.{key}"
                    );
                }
                continue;
            }
            let table = section.split('.').try_fold(&document, |table, name| {
                table.get(name).and_then(Value::as_table)
            });
            for key in *keys {
                assert!(
                    table.is_some_and(|t| t.contains_key(*key)),
                    "default_toml lacks {section}.{key}"
                );
            }
        }
        // The environment override of each key is documented next to it.
        for name in crate::config::CONFIG_ENV_VARS {
            assert!(DEFAULT_TOML.contains(name), "default_toml lacks {name}");
        }
    }

    #[test]
    fn missing_file_is_none_and_non_utf8_is_a_parse_error() {
        let dir = crate::config::tests::TempDir::new("file-read");
        assert!(read(&dir.path().join("config.toml")).unwrap().is_none());
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, [0xff, 0xfe, b'a']).unwrap();
        assert!(matches!(read(&path), Err(ConfigError::Parse { .. })));
        // A directory where the file should be is an I/O error, not "absent".
        assert!(matches!(read(dir.path()), Err(ConfigError::Io { .. })));
    }
}
