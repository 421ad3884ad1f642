//! Overrides from `LOQUAT_*` environment variables.

use std::time::Duration;

use super::suggest::closest;
use super::{Config, ConfigError, ConfigWarning, Cot};

/// The environment variables this module reads, each overriding one key of
/// `config.toml`.
pub const CONFIG_ENV_VARS: &[&str] = &[
    "LOQUAT_SESSION_TIMEOUT",
    "LOQUAT_ALLOW_ORIGINS",
    "LOQUAT_ALLOWED_HOSTS",
    "LOQUAT_FRAME_ANCESTORS",
    "LOQUAT_DEBUG",
    "LOQUAT_PERSISTENCE",
    "LOQUAT_UNSAFE_ALLOW_HTML",
    "LOQUAT_EDIT_MESSAGE",
    "LOQUAT_UI_NAME",
    "LOQUAT_UI_DESCRIPTION",
    "LOQUAT_COT",
    "LOQUAT_DEFAULT_COLLAPSE_CONTENT",
    "LOQUAT_USER_SESSION_TIMEOUT",
    "LOQUAT_FEEDBACK",
    "LOQUAT_USER_ENV",
    "LOQUAT_ALLOW_THREAD_SHARING",
    "LOQUAT_AUTH_PASSWORD_USERS",
    "LOQUAT_TRUSTED_PROXIES",
];

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
    "LOQUAT_LOG",
    "LOQUAT_AUTH_SECRET",
];

const PREFIX: &str = "LOQUAT_";

/// Applies the overrides found in `vars` onto `config`. Later pairs win over
/// earlier ones with the same name.
pub(super) fn apply(
    config: &mut Config,
    vars: impl IntoIterator<Item = (String, String)>,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<(), ConfigError> {
    for (name, value) in vars {
        match name.as_str() {
            "LOQUAT_SESSION_TIMEOUT" => config.project.session_timeout = seconds(&name, &value)?,
            "LOQUAT_ALLOW_ORIGINS" => config.project.allow_origins = list(&value),
            "LOQUAT_ALLOWED_HOSTS" => config.project.allowed_hosts = list(&value),
            "LOQUAT_FRAME_ANCESTORS" => config.project.frame_ancestors = list(&value),
            "LOQUAT_DEBUG" => config.project.debug = boolean(&name, &value)?,
            "LOQUAT_PERSISTENCE" => config.project.persistence = boolean(&name, &value)?,
            "LOQUAT_EDIT_MESSAGE" => config.features.edit_message = boolean(&name, &value)?,
            "LOQUAT_FEEDBACK" => config.features.feedback = boolean(&name, &value)?,
            "LOQUAT_USER_ENV" => config.project.user_env = list(&value),
            "LOQUAT_ALLOW_THREAD_SHARING" => {
                config.features.allow_thread_sharing = boolean(&name, &value)?;
            }
            "LOQUAT_UNSAFE_ALLOW_HTML" => {
                config.features.unsafe_allow_html = boolean(&name, &value)?;
            }
            "LOQUAT_UI_NAME" => config.ui.name = value,
            "LOQUAT_UI_DESCRIPTION" => config.ui.description = value,
            "LOQUAT_COT" => config.ui.cot = cot(&name, &value)?,
            "LOQUAT_DEFAULT_COLLAPSE_CONTENT" => {
                config.ui.default_collapse_content = boolean(&name, &value)?;
            }
            "LOQUAT_USER_SESSION_TIMEOUT" => {
                config.project.user_session_timeout = seconds(&name, &value)?;
            }
            "LOQUAT_AUTH_PASSWORD_USERS" => config.auth.password_users = boolean(&name, &value)?,
            "LOQUAT_TRUSTED_PROXIES" => config.auth.trusted_proxies = list(&value),
            _ if name.starts_with(PREFIX) && !OTHER_ENV_VARS.contains(&name.as_str()) => {
                warnings.push(unknown(name));
            }
            _ => {}
        }
    }
    Ok(())
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
            Err(_) if CONFIG_ENV_VARS.contains(&name.as_str()) => {
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
    let candidates = CONFIG_ENV_VARS.iter().chain(OTHER_ENV_VARS).copied();
    let hint = closest(&name, candidates)
        .map(|similar| format!(" (did you mean `{similar}`?)"))
        .unwrap_or_default();
    ConfigWarning {
        message: format!("unknown environment variable `{name}`, ignored{hint}"),
        key: name,
    }
}

fn invalid(name: &str, expected: &str, found: &str) -> ConfigError {
    ConfigError::InvalidValue {
        key: name.to_string(),
        message: format!("expected {expected}, found {found:?} (environment variable)"),
    }
}

fn seconds(name: &str, value: &str) -> Result<Duration, ConfigError> {
    value
        .trim()
        .parse::<u64>()
        .map(Duration::from_secs)
        .map_err(|_| invalid(name, "a whole number of seconds, 0 or more", value))
}

// Environment conventions vary, so case and surrounding spaces are forgiven.
fn boolean(name: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(invalid(name, "true, false, 1 or 0", value)),
    }
}

fn cot(name: &str, value: &str) -> Result<Cot, ConfigError> {
    Cot::from_name(&value.trim().to_ascii_lowercase())
        .ok_or_else(|| invalid(name, Cot::EXPECTED, value))
}

/// Comma-separated list; blanks around entries and empty entries are dropped,
/// so an empty value means an empty list.
fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn overrides(vars: &[(&str, &str)]) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
        let mut config = Config::default();
        let mut warnings = Vec::new();
        let vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        apply(&mut config, vars, &mut warnings)?;
        Ok((config, warnings))
    }

    fn invalid_key(vars: &[(&str, &str)]) -> (String, String) {
        match overrides(vars) {
            Err(ConfigError::InvalidValue { key, message }) => (key, message),
            other => panic!("expected InvalidValue, got {other:?}"),
        }
    }

    #[test]
    fn every_variable_overrides_its_key() {
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
            ("LOQUAT_COT", "tool_call"),
            ("LOQUAT_DEFAULT_COLLAPSE_CONTENT", "0"),
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
    }

    /// Guards against `CONFIG_ENV_VARS` and `apply` drifting apart: a listed
    /// variable must either change the config or be rejected, never warned.
    #[test]
    fn each_listed_variable_is_handled() {
        for name in CONFIG_ENV_VARS {
            match overrides(&[(name, "x,y")]) {
                Ok((config, warnings)) => {
                    assert!(warnings.is_empty(), "{name} reported as unknown");
                    assert_ne!(config, Config::default(), "{name} ignored");
                }
                Err(ConfigError::InvalidValue { key, .. }) => assert_eq!(key, *name),
                Err(other) => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn empty_origins_mean_none() {
        let (config, _) = overrides(&[("LOQUAT_ALLOW_ORIGINS", "")]).unwrap();
        assert!(config.project.allow_origins.is_empty());
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
        assert_eq!(
            message,
            "expected one of \"full\", \"tool_call\", \"hidden\", found \"sometimes\" \
             (environment variable)"
        );
        let (key, _) = invalid_key(&[("LOQUAT_SESSION_TIMEOUT", "-1")]);
        assert_eq!(key, "LOQUAT_SESSION_TIMEOUT");
        let (key, _) = invalid_key(&[("LOQUAT_SESSION_TIMEOUT", "abc")]);
        assert_eq!(key, "LOQUAT_SESSION_TIMEOUT");
        let (key, _) = invalid_key(&[("LOQUAT_DEBUG", "yes")]);
        assert_eq!(key, "LOQUAT_DEBUG");
        let (key, _) = invalid_key(&[("LOQUAT_DEFAULT_COLLAPSE_CONTENT", "")]);
        assert_eq!(key, "LOQUAT_DEFAULT_COLLAPSE_CONTENT");
    }

    #[test]
    fn unknown_loquat_variables_are_warnings() {
        let (config, warnings) = overrides(&[
            ("LOQUAT_SESSION_TIMEOT", "5"),
            ("LOQUAT_FROBNICATE", "1"),
            ("LOQUAT_PORT", "8080"),
            ("LOQUAT_LOG", "debug"),
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
