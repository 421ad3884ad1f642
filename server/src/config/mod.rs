//! App configuration: `<data_dir>/config.toml`, overridden by `LOQUAT_*`
//! environment variables.
//!
//! The file is declared once, as the serde structs of `sections.rs`
//! ([`Config`] and its sections); everything else is derived from them:
//! the keys that are known (unknown ones are [`ConfigWarning`]s with a
//! "did you mean" hint), the environment variable of every key, the
//! commented default file ([`Config::default_toml`]) and `docs/config.md`,
//! which lists every key with its variable, default and meaning.
//!
//! ```toml
//! [project]
//! session_timeout = 3600       # seconds; env LOQUAT_SESSION_TIMEOUT
//!
//! [UI]
//! name = "Loquat"              # env LOQUAT_UI_NAME
//! cot = "full"                 # "full" | "tool_call" | "hidden"; env LOQUAT_COT
//!
//! [limits]                     # unset keys keep the app's RuntimeLimits
//! sessions_per_client = 100    # env LOQUAT_LIMITS_SESSIONS_PER_CLIENT
//! ```
//!
//! A missing file means defaults. Malformed files and bad values are
//! [`ConfigError`]s naming the key (or variable) and the file.

mod env;
mod error;
mod file;
mod schema;
mod sections;
mod suggest;
mod template;
mod values;

use std::path::Path;

pub use env::{config_env_vars, OTHER_ENV_VARS};
pub use error::{ConfigError, ConfigWarning};
pub use sections::{
    AuthSection, ClusterSection, Config, CookieSameSite, Cot, DefaultTheme, FeaturesConfig, Layout,
    LimitsSection, McpSection, McpServerEntry, McpTransport, ProjectConfig, SettingsLocation,
    StorageKind, StorageSection, UiSection, UploadConfig,
};

/// Name of the config file inside the data directory.
pub const FILE_NAME: &str = "config.toml";

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
    /// the wrong type or out of range, or keys do not go together (see
    /// [`StorageSection::check`]).
    pub fn load(
        data_dir: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
        let mut warnings = Vec::new();
        let path = data_dir.join(FILE_NAME);
        let mut document = toml::Table::new();
        if let Some(text) = file::read(&path)? {
            document = file::parse(&text, &path)?;
            file::check(&document, &path, &mut warnings)?;
        }
        env::apply(&mut document, env, &mut warnings)?;
        // Both parts were checked on their own: what is left to fail is an
        // environment value replacing a whole section of the file.
        let config = file::deserialize(document, |_| {})
            .map_err(|(key, message)| ConfigError::InvalidValue { key, message })?;
        config.storage.check()?;
        config.cluster.check()?;
        config.project.proxies()?;
        config.project.window_message_origins()?;
        crate::mcp::McpServers::from_section(&config.features.mcp)?;
        Ok((config, warnings))
    }

    /// [`Config::load`] with the process environment. Unlike
    /// `std::env::vars`, it does not panic on non-Unicode variables.
    ///
    /// # Errors
    ///
    /// As [`Config::load`]; also [`ConfigError::InvalidValue`] if one of
    /// [`config_env_vars`] is set to a non-UTF-8 value.
    pub fn from_env(data_dir: &Path) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
        Config::load(data_dir, env::process_vars()?)
    }

    /// The text of a commented `config.toml` setting every key to its
    /// default, for the runtime to write into a fresh data directory so users
    /// can discover the options.
    #[must_use]
    pub fn default_toml() -> String {
        template::default_toml()
    }

    /// The reference of every key (its section, environment variable,
    /// default and meaning) as Markdown: the text of `docs/config.md`.
    #[must_use]
    pub fn reference_markdown() -> String {
        template::reference_markdown()
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
    use std::time::Duration;

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
        assert_eq!(config.project.checkpoint_seconds, Duration::from_secs(5));
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
    fn the_audio_sample_rate_is_read_and_kept_to_a_sane_range() {
        let dir = TempDir::new("audio-rate");
        dir.write_config("[features.audio]\nenabled = true\nsample_rate = 16000\n");
        let (config, _) = Config::load(dir.path(), vars(&[])).unwrap();
        assert!(config.features.audio.enabled);
        assert_eq!(config.features.audio.sample_rate, 16_000);
        assert_eq!(config.features.audio.max_seconds, 300);
        for bad in ["100", "96000", "0"] {
            dir.write_config(&format!("[features.audio]\nsample_rate = {bad}\n"));
            let err = Config::load(dir.path(), vars(&[])).unwrap_err().to_string();
            assert!(err.contains("8000 to 48000"), "{bad}: {err}");
        }
        let env = vars(&[("LOQUAT_FEATURES_AUDIO_SAMPLE_RATE", "200000")]);
        dir.write_config("");
        assert!(Config::load(dir.path(), env).is_err());
    }

    #[test]
    fn the_checkpoint_period_is_read_and_kept_from_1_to_3600_seconds() {
        let dir = TempDir::new("checkpoint");
        dir.write_config("[project]\ncheckpoint_seconds = 2\n");
        let (config, _) = Config::load(dir.path(), vars(&[])).unwrap();
        assert_eq!(config.project.checkpoint_seconds, Duration::from_secs(2));
        let env = vars(&[("LOQUAT_CHECKPOINT_SECONDS", "3600")]);
        let (config, _) = Config::load(dir.path(), env).unwrap();
        assert_eq!(config.project.checkpoint_seconds, Duration::from_secs(3600));
        for bad in ["0", "3601", "-1", "1.5", "\"soon\""] {
            dir.write_config(&format!("[project]\ncheckpoint_seconds = {bad}\n"));
            match Config::load(dir.path(), vars(&[])) {
                Err(ConfigError::InvalidValue { key, message }) => {
                    assert_eq!(key, "project.checkpoint_seconds", "{bad}");
                    assert!(message.contains("from 1 to 3600"), "{bad}: {message}");
                }
                other => panic!("{bad}: expected InvalidValue, got {other:?}"),
            }
        }
        dir.write_config("");
        let env = vars(&[("LOQUAT_CHECKPOINT_SECONDS", "0")]);
        let err = Config::load(dir.path(), env).unwrap_err().to_string();
        assert!(err.contains("LOQUAT_CHECKPOINT_SECONDS"), "{err}");
        assert!(err.contains("from 1 to 3600"), "{err}");
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
    fn window_message_origins_are_exact_origins_and_the_root_path_is_checked() {
        let dir = TempDir::new("window-origins");
        let env = vars(&[
            (
                "LOQUAT_WINDOW_MESSAGE_ORIGINS",
                "https://www.example.com/, http://127.0.0.1:8080",
            ),
            ("LOQUAT_ROOT_PATH", "/chat/"),
        ]);
        let (config, _) = Config::load(dir.path(), env).unwrap();
        assert_eq!(
            config.project.window_message_origins().unwrap(),
            ["https://www.example.com", "http://127.0.0.1:8080"]
        );
        assert_eq!(config.project.root_path.as_str(), "/chat");
        for bad in [
            "*",
            "https://*.example.com",
            "https://example.com/page",
            "example.com",
            "ftp://x.test",
        ] {
            let err = Config::load(dir.path(), vars(&[("LOQUAT_WINDOW_MESSAGE_ORIGINS", bad)]))
                .expect_err(bad);
            assert!(
                err.to_string().contains("window_message_origins"),
                "{bad}: {err}"
            );
        }
        let err = Config::load(dir.path(), vars(&[("LOQUAT_ROOT_PATH", "/../x")])).unwrap_err();
        assert!(err.to_string().contains("LOQUAT_ROOT_PATH"), "{err}");
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
    fn storage_is_local_unless_s3_is_asked_for_with_a_bucket() {
        let dir = TempDir::new("storage");
        let (config, _) = Config::load(dir.path(), vars(&[])).unwrap();
        assert_eq!(config.storage.kind, StorageKind::Local);

        dir.write_config(
            "[storage]\nkind = \"s3\"\nbucket = \"chat-files\"\n\
             endpoint = \"http://127.0.0.1:9000/\"\nprefix = \"/chat/prod/\"\n",
        );
        let (config, warnings) = Config::load(dir.path(), vars(&[])).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let expected = StorageSection {
            kind: StorageKind::S3,
            bucket: Some("chat-files".into()),
            endpoint: Some("http://127.0.0.1:9000".into()),
            region: None,
            prefix: Some("chat/prod".into()),
        };
        assert_eq!(config.storage, expected);

        // The environment can say it all.
        dir.write_config("");
        let env = vars(&[
            ("LOQUAT_STORAGE_KIND", "S3"),
            ("LOQUAT_STORAGE_BUCKET", "other"),
            ("LOQUAT_STORAGE_REGION", "eu-west-1"),
            ("LOQUAT_STORAGE_ENDPOINT", "https://s3.example.com"),
        ]);
        let (config, warnings) = Config::load(dir.path(), env).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.storage.bucket.as_deref(), Some("other"));
        assert_eq!(config.storage.region.as_deref(), Some("eu-west-1"));

        // "s3" without a bucket stops the start, naming the key.
        dir.write_config("[storage]\nkind = \"s3\"\n");
        let err = Config::load(dir.path(), vars(&[])).unwrap_err();
        assert!(
            matches!(&err, ConfigError::InvalidValue { key, .. } if key == "storage.bucket"),
            "{err:?}"
        );
        assert!(err.to_string().contains("needs the bucket's name"), "{err}");
        let blank = vars(&[
            ("LOQUAT_STORAGE_KIND", "s3"),
            ("LOQUAT_STORAGE_BUCKET", " "),
        ]);
        dir.write_config("");
        assert!(Config::load(dir.path(), blank).is_err());
    }

    #[test]
    fn storage_endpoints_are_https_or_loopback_and_prefixes_are_paths() {
        let dir = TempDir::new("storage-values");
        for good in [
            "https://s3.example.com",
            "http://localhost:9000",
            "http://[::1]:9000",
            "http://127.0.0.2:9000",
        ] {
            let env = vars(&[("LOQUAT_STORAGE_ENDPOINT", good)]);
            let (config, _) = Config::load(dir.path(), env).unwrap();
            assert_eq!(config.storage.endpoint.as_deref(), Some(good));
        }
        for bad in [
            "http://10.0.0.5:9000",
            "ftp://s3.example.com",
            "s3.example.com",
        ] {
            let env = vars(&[("LOQUAT_STORAGE_ENDPOINT", bad)]);
            let err = Config::load(dir.path(), env).unwrap_err();
            assert!(
                matches!(&err, ConfigError::InvalidValue { key, .. } if key == "LOQUAT_STORAGE_ENDPOINT"),
                "{bad}: {err:?}"
            );
        }
        let (config, _) =
            Config::load(dir.path(), vars(&[("LOQUAT_STORAGE_ENDPOINT", "")])).unwrap();
        assert_eq!(config.storage.endpoint, None);
        for bad in ["a//b", "../up", "a/./b", "a b", "é"] {
            dir.write_config(&format!("[storage]\nprefix = {bad:?}\n"));
            let err = Config::load(dir.path(), vars(&[])).unwrap_err();
            assert!(
                matches!(&err, ConfigError::InvalidValue { key, .. } if key == "storage.prefix"),
                "{bad}: {err:?}"
            );
        }
        dir.write_config("[storage]\nprefix = \"/\"\n");
        let (config, _) = Config::load(dir.path(), vars(&[])).unwrap();
        assert_eq!(config.storage.prefix, None);
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
        dir.write_config(&Config::default_toml());
        let (config, warnings) = Config::load(dir.path(), vars(&[])).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config, Config::default());
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
