//! Overrides from `LOQUAT_*` environment variables: every key of
//! `config.toml` has one, named in its declaration (see [`super::schema`]).
//! A value is turned into the TOML value its key takes and read by the same
//! serde code as the file, so both accept and refuse the same things.

use toml::{Table, Value};

use super::file::deserialize;
use super::schema::{Declaration, Kind};
use super::suggest::closest;
use super::{ConfigError, ConfigWarning};

/// `LOQUAT_*` variables read by other parts of Loquat. They are not
/// configuration overrides, but must not be reported as unknown: add any new
/// variable here.
pub const OTHER_ENV_VARS: &[&str] = &[
    "LOQUAT_HOST",
    "LOQUAT_PORT",
    "LOQUAT_DATA_DIR",
    "LOQUAT_PUBLIC_DIR",
    "LOQUAT_URL",
    "LOQUAT_LLM_BASE_URL",
    "LOQUAT_LLM_MODEL",
    "LOQUAT_LLM_API_KEY",
    "LOQUAT_DEMO_TOKENS_PER_SEC",
    "LOQUAT_DEMO_CALL_TIMEOUT_MS",
    "LOQUAT_LOG",
    "LOQUAT_AUTH_SECRET",
];

const PREFIX: &str = "LOQUAT_";

/// Variables of the test harness and its services (`scripts/services/`):
/// the server never reads them, and they are not typos of its own.
const TEST_PREFIX: &str = "LOQUAT_TEST_";

/// The environment variables that override keys of `config.toml`, in file
/// order.
pub fn config_env_vars() -> impl Iterator<Item = &'static str> {
    Declaration::get().keys().map(|(_, key)| key.env.as_str())
}

/// Sets the overrides found in `vars` into `document`; later pairs win over
/// earlier ones with the same name. Each value is checked on its own, so an
/// error names the variable.
pub(super) fn apply(
    document: &mut Table,
    vars: impl IntoIterator<Item = (String, String)>,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<(), ConfigError> {
    let declaration = Declaration::get();
    for (name, raw) in vars {
        let Some((section, key)) = declaration.keys().find(|(_, key)| key.env == name) else {
            if name.starts_with(PREFIX)
                && !name.starts_with(TEST_PREFIX)
                && !OTHER_ENV_VARS.contains(&name.as_str())
            {
                warnings.push(unknown(name));
            }
            continue;
        };
        let value = typed(&key.kind, &raw);
        let mut alone = Table::new();
        set(&mut alone, &section.path, &key.name, value.clone());
        deserialize(alone, |_| {}).map_err(|(_, message)| ConfigError::InvalidValue {
            key: name.clone(),
            message: format!("{message}, found {raw:?} (environment variable)"),
        })?;
        set(document, &section.path, &key.name, value);
    }
    Ok(())
}

/// The TOML value a variable's text stands for, given what its key takes.
/// Text that is not of that kind stays a string, for serde to refuse with
/// its usual message.
fn typed(kind: &Kind, raw: &str) -> Value {
    let text = raw.trim();
    match kind {
        // Environment conventions vary, so case and surrounding spaces are
        // forgiven.
        Kind::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Boolean(true),
            "false" | "0" => Value::Boolean(false),
            _ => Value::String(raw.to_string()),
        },
        Kind::Integer => text
            .parse::<i64>()
            .map(Value::Integer)
            .unwrap_or_else(|_| Value::String(raw.to_string())),
        Kind::Choice(_) => Value::String(text.to_ascii_lowercase()),
        // Comma-separated; blanks around entries and empty entries are
        // dropped, so an empty value means an empty list.
        Kind::List => Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| Value::String(item.to_string()))
                .collect(),
        ),
        // Free text is taken verbatim.
        Kind::String => Value::String(raw.to_string()),
    }
}

/// Sets `section.key = value` in `document`, making the tables on the way.
fn set(document: &mut Table, section: &[String], key: &str, value: Value) {
    let mut table = document;
    for name in section {
        let entry = table
            .entry(name.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        let Value::Table(next) = entry else {
            return;
        };
        table = next;
    }
    table.insert(key.to_string(), value);
}

/// The process environment as UTF-8 pairs, without panicking on variables
/// that are not Unicode (as `std::env::vars` would). Those are skipped,
/// except that a configuration variable with a non-UTF-8 value is an error.
pub(super) fn process_vars() -> Result<Vec<(String, String)>, ConfigError> {
    let mut vars = Vec::new();
    for (name, value) in std::env::vars_os() {
        // A name that is not UTF-8 cannot be one of ours.
        let Ok(name) = name.into_string() else {
            continue;
        };
        match value.into_string() {
            Ok(value) => vars.push((name, value)),
            Err(_) if config_env_vars().any(|known| known == name) => {
                return Err(ConfigError::InvalidValue {
                    key: name,
                    message: "the value is not valid UTF-8".to_string(),
                });
            }
            // Only the name matters for the unknown-variable check.
            Err(value) => vars.push((name, value.to_string_lossy().into_owned())),
        }
    }
    Ok(vars)
}

fn unknown(name: String) -> ConfigWarning {
    let candidates = config_env_vars().chain(OTHER_ENV_VARS.iter().copied());
    let hint = closest(&name, candidates)
        .map(|similar| format!(" (did you mean `{similar}`?)"))
        .unwrap_or_default();
    ConfigWarning {
        message: format!("unknown environment variable `{name}`, ignored{hint}"),
        key: name,
    }
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::{Config, Cot};

    fn overrides(vars: &[(&str, &str)]) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
        let mut document = Table::new();
        let mut warnings = Vec::new();
        let vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        apply(&mut document, vars, &mut warnings)?;
        Ok((deserialize(document, |_| {}).unwrap(), warnings))
    }

    fn invalid_key(vars: &[(&str, &str)]) -> (String, String) {
        match overrides(vars) {
            Err(ConfigError::InvalidValue { key, message }) => (key, message),
            other => panic!("expected InvalidValue, got {other:?}"),
        }
    }

    #[test]
    fn variables_override_their_keys() {
        let (config, warnings) = overrides(&[
            ("LOQUAT_SESSION_TIMEOUT", " 90 "),
            (
                "LOQUAT_ALLOW_ORIGINS",
                "https://a.example, https://b.example,",
            ),
            ("LOQUAT_DEBUG", "1"),
            ("LOQUAT_UNSAFE_ALLOW_HTML", "TRUE"),
            ("LOQUAT_UI_NAME", "Bot"),
            ("LOQUAT_UI_DESCRIPTION", " spaced "),
            ("LOQUAT_COT", "Tool_Call"),
            ("LOQUAT_DEFAULT_COLLAPSE_CONTENT", "0"),
            ("LOQUAT_LIMITS_SESSIONS", "7"),
            ("LOQUAT_FEATURES_SPONTANEOUS_FILE_UPLOAD_MAX_FILES", "3"),
            ("LOQUAT_AUTH_COOKIE_SAME_SITE", "strict"),
        ])
        .unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.project.session_timeout, Duration::from_secs(90));
        assert_eq!(
            config.project.allow_origins,
            ["https://a.example", "https://b.example"]
        );
        assert!(config.project.debug);
        assert!(config.features.unsafe_allow_html);
        assert_eq!(config.ui.name, "Bot");
        // Free text is taken verbatim.
        assert_eq!(config.ui.description, " spaced ");
        assert_eq!(config.ui.cot, Cot::ToolCall);
        assert!(!config.ui.default_collapse_content);
        assert_eq!(config.limits.sessions, Some(7));
        assert_eq!(config.features.spontaneous_file_upload.max_files, 3);
        assert_eq!(
            config.auth.cookie_same_site,
            crate::config::CookieSameSite::Strict
        );
    }

    /// Every declared variable reaches its key: a value of the wrong kind
    /// is refused naming the variable, never warned about as unknown.
    #[test]
    fn each_declared_variable_is_handled() {
        for name in config_env_vars() {
            match overrides(&[(name, "x,y")]) {
                Ok((config, warnings)) => {
                    assert!(warnings.is_empty(), "{name} reported as unknown");
                    assert_ne!(config, Config::default(), "{name} ignored");
                }
                Err(ConfigError::InvalidValue { key, .. }) => assert_eq!(key, name),
                Err(other) => panic!("{name}: {other:?}"),
            }
        }
        assert!(config_env_vars().count() >= 30);
    }

    #[test]
    fn empty_lists_mean_none() {
        let (config, _) = overrides(&[("LOQUAT_FRAME_ANCESTORS", "")]).unwrap();
        assert!(config.project.frame_ancestors.is_empty());
    }

    #[test]
    fn later_values_win() {
        let (config, _) = overrides(&[("LOQUAT_COT", "hidden"), ("LOQUAT_COT", "full")]).unwrap();
        assert_eq!(config.ui.cot, Cot::Full);
    }

    #[test]
    fn invalid_values_name_the_variable() {
        let (key, message) = invalid_key(&[("LOQUAT_COT", "sometimes")]);
        assert_eq!(key, "LOQUAT_COT");
        assert!(
            message.contains("`full`, `tool_call`, `hidden`")
                && message.ends_with("found \"sometimes\" (environment variable)"),
            "{message}"
        );
        for (name, value) in [
            ("LOQUAT_SESSION_TIMEOUT", "-1"),
            ("LOQUAT_SESSION_TIMEOUT", "abc"),
            ("LOQUAT_DEBUG", "yes"),
            ("LOQUAT_DEFAULT_COLLAPSE_CONTENT", ""),
            ("LOQUAT_LIMITS_SESSIONS", "0"),
        ] {
            let (key, _) = invalid_key(&[(name, value)]);
            assert_eq!(key, name, "{value}");
        }
    }

    #[test]
    fn unknown_loquat_variables_are_warnings() {
        let (config, warnings) = overrides(&[
            ("LOQUAT_SESSION_TIMEOT", "5"),
            ("LOQUAT_FROBNICATE", "1"),
            ("LOQUAT_PORT", "8080"),
            ("LOQUAT_LOG", "debug"),
            ("LOQUAT_TEST_S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("PATH", "/bin"),
            ("loquat_debug", "1"),
        ])
        .unwrap();
        assert_eq!(config, Config::default());
        let keys: Vec<&str> = warnings.iter().map(|w| w.key.as_str()).collect();
        assert_eq!(keys, ["LOQUAT_SESSION_TIMEOT", "LOQUAT_FROBNICATE"]);
        assert_eq!(
            warnings[0].to_string(),
            "unknown environment variable `LOQUAT_SESSION_TIMEOT`, ignored \
             (did you mean `LOQUAT_SESSION_TIMEOUT`?)"
        );
        assert_eq!(
            warnings[1].to_string(),
            "unknown environment variable `LOQUAT_FROBNICATE`, ignored"
        );
    }

    #[test]
    fn every_other_variable_is_allowed() {
        let vars: Vec<(&str, &str)> = OTHER_ENV_VARS.iter().map(|name| (*name, "x")).collect();
        let (_, warnings) = overrides(&vars).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
