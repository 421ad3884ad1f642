//! App configuration: `<data_dir>/config.toml`, overridden by `LOQUAT_*`
//! environment variables.
//!
//! The file has five sections, the first three in the spirit of Chainlit's
//! `config.toml`:
//!
//! ```toml
//! [project]
//! session_timeout = 3600       # seconds; env LOQUAT_SESSION_TIMEOUT
//! allow_origins = []           # env LOQUAT_ALLOW_ORIGINS (comma-separated)
//! allowed_hosts = []           # env LOQUAT_ALLOWED_HOSTS (comma-separated)
//! frame_ancestors = ["'self'"] # env LOQUAT_FRAME_ANCESTORS (comma-separated)
//! debug = false                # env LOQUAT_DEBUG
//! persistence = true           # env LOQUAT_PERSISTENCE
//! user_session_timeout = 1296000  # seconds a sign-in lasts; env LOQUAT_USER_SESSION_TIMEOUT
//! user_env = []                # e.g. ["OPENAI_API_KEY"]; env LOQUAT_USER_ENV
//!
//! [features]
//! unsafe_allow_html = false    # env LOQUAT_UNSAFE_ALLOW_HTML
//! edit_message = true          # env LOQUAT_EDIT_MESSAGE
//! feedback = true              # env LOQUAT_FEEDBACK
//! feedback_reasons = []        # e.g. ["Inaccurate", "Not helpful"]
//! allow_thread_sharing = false # env LOQUAT_ALLOW_THREAD_SHARING
//!
//! [UI]
//! name = "Loquat"              # env LOQUAT_UI_NAME
//! description = ""             # env LOQUAT_UI_DESCRIPTION
//! cot = "full"                 # "full" | "tool_call" | "hidden"; env LOQUAT_COT
//! default_collapse_content = true  # env LOQUAT_DEFAULT_COLLAPSE_CONTENT
//!
//! [limits]                     # unset keys keep the app's RuntimeLimits
//! sessions_per_client = 100
//!
//! [auth]
//! password_users = false       # env LOQUAT_AUTH_PASSWORD_USERS
//! cookie_same_site = "lax"     # "lax" | "strict" | "none"
//! trusted_proxies = []         # env LOQUAT_TRUSTED_PROXIES (comma-separated)
//! ```
//!
//! A missing file means defaults. Unknown keys, sections and `LOQUAT_*`
//! variables are returned as [`ConfigWarning`]s; malformed files and bad
//! values are [`ConfigError`]s.

mod env;
mod error;
mod file;
mod suggest;

use std::path::Path;
use std::time::Duration;

pub use env::{CONFIG_ENV_VARS, OTHER_ENV_VARS};
pub use error::{ConfigError, ConfigWarning};

/// Name of the config file inside the data directory.
pub const FILE_NAME: &str = "config.toml";

/// The whole app configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// `[project]`: sessions, security and debugging.
    pub project: ProjectConfig,
    /// `[features]`: opt-in behaviours.
    pub features: FeaturesConfig,
    /// `[UI]`: how the chat looks.
    pub ui: UiSection,
    /// `[limits]`: the common caps, for a deployment to change without
    /// code. Unset keys keep the app's [`crate::RuntimeLimits`].
    pub limits: LimitsSection,
    /// `[auth]`: logins that need no code, and how sign-ins are kept.
    pub auth: AuthSection,
}

/// The `[auth]` section (see `docs/auth.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSection {
    /// Sign in with the built-in users of `loquat users add` (default
    /// false).
    pub password_users: bool,
    /// `SameSite` of the session cookie (default [`CookieSameSite::Lax`]).
    pub cookie_same_site: CookieSameSite,
    /// Addresses and networks of the SSO proxy whose headers a header
    /// login believes (default loopback: `127.0.0.1`, `::1`).
    pub trusted_proxies: Vec<String>,
}

impl Default for AuthSection {
    fn default() -> Self {
        AuthSection {
            password_users: false,
            cookie_same_site: CookieSameSite::Lax,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The `SameSite` attribute of the session cookie.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CookieSameSite {
    /// Sent on top-level navigations from other sites, not on their
    /// requests (`"lax"`, the default).
    #[default]
    Lax,
    /// Never sent from other sites (`"strict"`): arriving from a link
    /// shows the login page once.
    Strict,
    /// Sent everywhere (`"none"`, always `Secure`): only for an app
    /// embedded in another site's frame.
    None,
}

impl CookieSameSite {
    const ALL: [CookieSameSite; 3] = [
        CookieSameSite::Lax,
        CookieSameSite::Strict,
        CookieSameSite::None,
    ];
    const EXPECTED: &'static str = r#"one of "lax", "strict", "none""#;

    /// The name used in `config.toml`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CookieSameSite::Lax => "lax",
            CookieSameSite::Strict => "strict",
            CookieSameSite::None => "none",
        }
    }

    fn from_name(name: &str) -> Option<CookieSameSite> {
        CookieSameSite::ALL.into_iter().find(|v| v.as_str() == name)
    }
}

/// The `[limits]` section: each key, when set, replaces the value the app
/// gave [`crate::Loquat::limits`] (or its default).
///
/// ```
/// use loquat::config::LimitsSection;
/// use loquat::RuntimeLimits;
///
/// let section = LimitsSection { sessions_per_client: Some(20), ..Default::default() };
/// let limits = section.apply(RuntimeLimits::default());
/// assert_eq!(limits.sessions.max_per_client, 20);
/// assert_eq!(limits.connections.max_per_client, 64);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitsSection {
    /// Open connections from one client address.
    pub connections_per_client: Option<usize>,
    /// Open connections in total.
    pub connections: Option<usize>,
    /// Live chat sessions from one client address.
    pub sessions_per_client: Option<usize>,
    /// Live chat sessions of one user.
    pub sessions_per_user: Option<usize>,
    /// Live chat sessions in total.
    pub sessions: Option<usize>,
    /// Uploads streaming in at once, in total.
    pub uploads_at_once: Option<usize>,
}

impl LimitsSection {
    /// `limits` with the keys that are set replaced.
    pub fn apply(&self, mut limits: crate::RuntimeLimits) -> crate::RuntimeLimits {
        let set = |target: &mut usize, value: Option<usize>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        set(
            &mut limits.connections.max_per_client,
            self.connections_per_client,
        );
        set(&mut limits.connections.max_total, self.connections);
        set(
            &mut limits.sessions.max_per_client,
            self.sessions_per_client,
        );
        set(&mut limits.sessions.max_per_user, self.sessions_per_user);
        set(&mut limits.sessions.max_total, self.sessions);
        set(&mut limits.uploads.max_concurrent, self.uploads_at_once);
        limits
    }
}

/// The `[project]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectConfig {
    /// How long a session survives without a connected browser
    /// (`session_timeout`, in whole seconds; default 3600).
    pub session_timeout: Duration,
    /// Origins of other sites whose pages may use the app (WebSocket and
    /// state-changing requests) besides its own; `"*"` allows any (default
    /// none).
    pub allow_origins: Vec<String>,
    /// Host names the app answers to besides the loopback names of its
    /// port and the host of `LOQUAT_URL` (`host` or `host:port`; `"*"`
    /// allows any; default none).
    pub allowed_hosts: Vec<String>,
    /// Who may show the app's pages in a frame: CSP `frame-ancestors`
    /// sources (default `["'self'"]`).
    pub frame_ancestors: Vec<String>,
    /// Show the full cause chain of hook errors in the chat (default false).
    pub debug: bool,
    /// Keep conversations in `<data_dir>/loquat.db` and show the history
    /// (default true).
    pub persistence: bool,
    /// How long a sign-in lasts (`user_session_timeout`, in whole seconds;
    /// default 15 days).
    pub user_session_timeout: Duration,
    /// Values each user gives in the UI (API keys, say): kept in their
    /// browser, sent when it connects, read with `Chat::user_env`; never
    /// stored on the server (default none).
    pub user_env: Vec<String>,
}

impl Default for ProjectConfig {
    fn default() -> Self {
        ProjectConfig {
            session_timeout: Duration::from_secs(3600),
            allow_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            frame_ancestors: vec!["'self'".to_string()],
            debug: false,
            persistence: true,
            user_session_timeout: Duration::from_secs(15 * 24 * 3600),
            user_env: Vec::new(),
        }
    }
}

/// The `[features]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeaturesConfig {
    /// Render raw HTML in messages instead of escaping it (default false).
    pub unsafe_allow_html: bool,
    /// Let users edit their earlier messages, re-running from there
    /// (default true).
    pub edit_message: bool,
    /// `[features.spontaneous_file_upload]`: files attached to messages.
    pub spontaneous_file_upload: UploadConfig,
    /// Thumbs up/down (with a comment) under assistant replies (default
    /// true).
    pub feedback: bool,
    /// Reasons a user may pick with their feedback (default none).
    pub feedback_reasons: Vec<String>,
    /// Let users share a read-only link to a thread (default false).
    pub allow_thread_sharing: bool,
}

impl Default for FeaturesConfig {
    fn default() -> Self {
        FeaturesConfig {
            unsafe_allow_html: false,
            edit_message: true,
            spontaneous_file_upload: UploadConfig::default(),
            feedback: true,
            feedback_reasons: Vec::new(),
            allow_thread_sharing: false,
        }
    }
}

/// The `[features.spontaneous_file_upload]` section: files the user
/// attaches to a message without being asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadConfig {
    /// Show the attach button and accept drops and pastes (default true).
    pub enabled: bool,
    /// MIME types (`image/*`, `application/pdf`) or extensions (`.csv`);
    /// `["*/*"]` accepts anything (default).
    pub accept: Vec<String>,
    /// Most files per message (default 20).
    pub max_files: u32,
    /// Largest file, in megabytes (default 500).
    pub max_size_mb: u32,
}

impl Default for UploadConfig {
    fn default() -> Self {
        UploadConfig {
            enabled: true,
            accept: vec!["*/*".to_string()],
            max_files: 20,
            max_size_mb: 500,
        }
    }
}

/// The `[UI]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiSection {
    /// Name of the assistant and title of the app (default `"Loquat"`).
    pub name: String,
    /// Description of the app (default empty).
    pub description: String,
    /// How much of the intermediate steps to show (default [`Cot::Full`]).
    pub cot: Cot,
    /// Collapse long message contents by default (default true).
    pub default_collapse_content: bool,
    /// Reactions users can toggle on messages: `favorite`, `like`,
    /// `dislike`, `star` (default `["favorite"]`; empty hides them).
    pub reactions: Vec<String>,
}

impl Default for UiSection {
    fn default() -> Self {
        UiSection {
            name: "Loquat".to_string(),
            description: String::new(),
            cot: Cot::Full,
            default_collapse_content: true,
            reactions: vec!["favorite".to_string()],
        }
    }
}

/// Chain of thought: which intermediate steps the chat shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Cot {
    /// Every step (`"full"`).
    #[default]
    Full,
    /// Only tool calls (`"tool_call"`).
    ToolCall,
    /// No steps (`"hidden"`).
    Hidden,
}

impl Cot {
    /// Every variant, in documentation order.
    pub const ALL: [Cot; 3] = [Cot::Full, Cot::ToolCall, Cot::Hidden];

    /// For error messages; must list the names of [`Cot::ALL`].
    const EXPECTED: &'static str = r#"one of "full", "tool_call", "hidden""#;

    /// The name used in `config.toml`, `LOQUAT_COT` and the UI protocol.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Cot::Full => "full",
            Cot::ToolCall => "tool_call",
            Cot::Hidden => "hidden",
        }
    }

    /// The variant named `name` (exact, lowercase), if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Cot> {
        Cot::ALL.into_iter().find(|cot| cot.as_str() == name)
    }
}

impl std::fmt::Display for Cot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Config {
    /// Reads `<data_dir>/config.toml` if present (an absent file means
    /// defaults, not an error), then applies environment overrides from the
    /// given `(name, value)` pairs; later pairs win.
    ///
    /// Unknown keys, sections and `LOQUAT_*` variables are returned as
    /// warnings, for the caller to show.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Io`] if the file exists but cannot be read,
    /// [`ConfigError::Parse`] if it is not valid TOML, and
    /// [`ConfigError::InvalidValue`] if a known key or variable has a value of
    /// the wrong type or out of range.
    pub fn load(
        data_dir: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
        let mut config = Config::default();
        let mut warnings = Vec::new();
        let path = data_dir.join(FILE_NAME);
        if let Some(text) = file::read(&path)? {
            file::apply(&mut config, &text, &path, &mut warnings)?;
        }
        env::apply(&mut config, env, &mut warnings)?;
        Ok((config, warnings))
    }

    /// [`Config::load`] with the process environment. Unlike
    /// `std::env::vars`, it does not panic on non-Unicode variables.
    ///
    /// # Errors
    ///
    /// As [`Config::load`]; also [`ConfigError::InvalidValue`] if one of
    /// [`CONFIG_ENV_VARS`] is set to a non-UTF-8 value.
    pub fn from_env(data_dir: &Path) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
        Config::load(data_dir, env::process_vars()?)
    }

    /// The text of a commented `config.toml` setting every key to its
    /// default, for the runtime to write into a fresh data directory so users
    /// can discover the options.
    #[must_use]
    pub fn default_toml() -> &'static str {
        file::DEFAULT_TOML
    }
}

/// Loads `.env` from the current directory into the process environment,
/// keeping variables that are already set. Call it early, before other
/// threads start, since it modifies the environment.
///
/// A missing `.env` is normal and returns `None`; one that cannot be read or
/// parsed returns a warning (lines before a malformed one are still loaded).
pub fn load_dotenv() -> Option<ConfigWarning> {
    load_dotenv_file(Path::new(".env"))
}

fn load_dotenv_file(path: &Path) -> Option<ConfigWarning> {
    match dotenvy::from_path(path) {
        Ok(()) => None,
        Err(e) if e.not_found() => None,
        Err(e) => Some(ConfigWarning {
            key: path.display().to_string(),
            message: format!("cannot load {}: {e}", path.display()),
        }),
    }
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh directory under the system temp dir, removed on drop.
    pub(crate) struct TempDir(PathBuf);

    impl TempDir {
        pub(crate) fn new(label: &str) -> TempDir {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let unique = format!(
                "loquat-config-{label}-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            );
            let path = std::env::temp_dir().join(unique);
            // Leftovers from a killed run with the same pid would skew tests.
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }

        fn write_config(&self, text: &str) {
            std::fs::write(self.0.join(FILE_NAME), text).unwrap();
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults() {
        let config = Config::default();
        assert_eq!(config.project.session_timeout, Duration::from_secs(3600));
        assert!(config.project.allow_origins.is_empty());
        assert!(config.project.allowed_hosts.is_empty());
        assert_eq!(config.project.frame_ancestors, ["'self'"]);
        assert!(!config.project.debug);
        assert!(!config.features.unsafe_allow_html);
        assert_eq!(config.ui.name, "Loquat");
        assert_eq!(config.ui.description, "");
        assert_eq!(config.ui.cot, Cot::Full);
        assert!(config.ui.default_collapse_content);
    }

    #[test]
    fn no_file_means_defaults() {
        let dir = TempDir::new("no-file");
        let (config, warnings) = Config::load(dir.path(), vars(&[])).unwrap();
        assert_eq!(config, Config::default());
        assert!(warnings.is_empty());
        // The data dir itself may not exist yet either.
        let missing = dir.path().join("not-created");
        let (config, _) = Config::load(&missing, vars(&[])).unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn file_values_are_read() {
        let dir = TempDir::new("file-values");
        dir.write_config(
            "[project]\nsession_timeout = 5\n[UI]\nname = \"Bot\"\ncot = \"hidden\"\n",
        );
        let (config, warnings) = Config::load(dir.path(), vars(&[])).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.project.session_timeout, Duration::from_secs(5));
        assert_eq!(config.ui.name, "Bot");
        assert_eq!(config.ui.cot, Cot::Hidden);
        assert_eq!(config.features, FeaturesConfig::default());
    }

    #[test]
    fn env_overrides_file() {
        let dir = TempDir::new("env-over-file");
        dir.write_config("[project]\nsession_timeout = 5\ndebug = true\n[UI]\nname = \"File\"\n");
        let env = vars(&[
            ("LOQUAT_SESSION_TIMEOUT", "7"),
            ("LOQUAT_UI_NAME", "Env"),
            ("LOQUAT_DEBUG", "false"),
        ]);
        let (config, warnings) = Config::load(dir.path(), env).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.project.session_timeout, Duration::from_secs(7));
        assert_eq!(config.ui.name, "Env");
        assert!(!config.project.debug);
    }

    #[test]
    fn warnings_from_file_and_env_are_collected() {
        let dir = TempDir::new("warnings");
        dir.write_config("[UI]\nnme = \"x\"\n[foo]\nbar = 1\n");
        let (config, warnings) = Config::load(dir.path(), vars(&[("LOQUAT_NAME", "x")])).unwrap();
        assert_eq!(config, Config::default());
        let keys: Vec<&str> = warnings.iter().map(|w| w.key.as_str()).collect();
        assert!(keys.contains(&"UI.nme"), "{keys:?}");
        assert!(keys.contains(&"foo"), "{keys:?}");
        assert!(keys.contains(&"LOQUAT_NAME"), "{keys:?}");
        assert_eq!(keys.len(), 3);
        let path = dir.path().join(FILE_NAME);
        let nme = warnings.iter().find(|w| w.key == "UI.nme").unwrap();
        assert!(
            nme.to_string()
                .starts_with(&format!("unknown key `UI.nme` in {}", path.display())),
            "{nme}"
        );
    }

    #[test]
    fn invalid_values_are_errors_naming_the_key() {
        let dir = TempDir::new("invalid");
        dir.write_config("[UI]\ncot = \"sometimes\"\n");
        let err = Config::load(dir.path(), vars(&[])).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(&err, ConfigError::InvalidValue { key, .. } if key == "UI.cot"),
            "{err:?}"
        );
        assert!(
            text.contains("`UI.cot`") && text.contains("sometimes"),
            "{text}"
        );

        dir.write_config("[project]\nsession_timeout = -1\n");
        let err = Config::load(dir.path(), vars(&[])).unwrap_err();
        assert!(
            matches!(&err, ConfigError::InvalidValue { key, .. } if key == "project.session_timeout"),
            "{err:?}"
        );

        // An invalid environment value is an error even if the file is fine.
        dir.write_config("");
        let err = Config::load(dir.path(), vars(&[("LOQUAT_COT", "sometimes")])).unwrap_err();
        assert!(
            matches!(&err, ConfigError::InvalidValue { key, .. } if key == "LOQUAT_COT"),
            "{err:?}"
        );
    }

    #[test]
    fn syntax_error_names_the_file() {
        let dir = TempDir::new("syntax");
        dir.write_config("[project\n");
        let err = Config::load(dir.path(), vars(&[])).unwrap_err();
        let path = dir.path().join(FILE_NAME);
        assert!(
            matches!(&err, ConfigError::Parse { path: p, .. } if *p == path),
            "{err:?}"
        );
        assert!(err
            .to_string()
            .starts_with(&format!("cannot parse {}", path.display())));
    }

    #[test]
    fn default_toml_round_trips_through_load() {
        let dir = TempDir::new("default-toml");
        dir.write_config(Config::default_toml());
        let (config, warnings) = Config::load(dir.path(), vars(&[])).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config, Config::default());
    }

    #[test]
    fn cot_names() {
        for cot in Cot::ALL {
            assert_eq!(Cot::from_name(cot.as_str()), Some(cot));
            assert!(Cot::EXPECTED.contains(&format!("\"{cot}\"")));
        }
        assert_eq!(Cot::ToolCall.as_str(), "tool_call");
        assert_eq!(Cot::from_name("Full"), None);
        assert_eq!(Cot::default(), Cot::Full);
    }

    #[test]
    fn dotenv_sets_new_variables_but_keeps_existing_ones() {
        let dir = TempDir::new("dotenv");
        let name = format!("LOQUAT_TEST_DOTENV_{}", std::process::id());
        let path = dir.path().join(".env");
        std::fs::write(&path, format!("{name}=first\n")).unwrap();
        assert_eq!(load_dotenv_file(&path), None);
        assert_eq!(std::env::var(&name).as_deref(), Ok("first"));

        std::fs::write(&path, format!("{name}=second\n")).unwrap();
        assert_eq!(load_dotenv_file(&path), None);
        assert_eq!(std::env::var(&name).as_deref(), Ok("first"));

        assert_eq!(load_dotenv_file(&dir.path().join("absent.env")), None);

        std::fs::write(&path, "not a valid line\n").unwrap();
        let warning = load_dotenv_file(&path).unwrap();
        assert!(warning.to_string().starts_with("cannot load "), "{warning}");
    }
}
