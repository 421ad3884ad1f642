//! What can go wrong while loading the configuration.

use std::fmt;
use std::path::PathBuf;

/// A configuration problem that stops the app from starting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// Why reading failed.
        source: std::io::Error,
    },
    /// The config file is not valid TOML (or not UTF-8).
    #[error("cannot parse {}: {message}", path.display())]
    Parse {
        /// The file that could not be parsed.
        path: PathBuf,
        /// The parser's explanation, with line and column when known.
        message: String,
    },
    /// A known setting has a value of the wrong type or out of range.
    #[error("invalid value for `{key}`: {message}")]
    InvalidValue {
        /// The setting: a TOML key path such as `UI.cot`, or an environment
        /// variable such as `LOQUAT_COT`.
        key: String,
        /// What was expected and what was found (and in which file).
        message: String,
    },
    /// `[features.mcp]` names a server that cannot be used.
    #[error("invalid [features.mcp]: {0}")]
    Mcp(#[from] crate::mcp::McpConfigError),
}

/// A configuration problem that does not stop the app, such as a misspelled
/// key, which is ignored but should be shown to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The offending setting: a TOML key path such as `UI.nme`, or an
    /// environment variable name.
    pub key: String,
    /// A complete sentence naming the key and where it came from; this is
    /// what `Display` prints.
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
// A failed unwrap is a clear test failure; the workspace denies it elsewhere.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_key() {
        let io = ConfigError::Io {
            path: PathBuf::from(".loquat/config.toml"),
            source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied"),
        };
        assert_eq!(io.to_string(), "cannot read .loquat/config.toml: denied");

        let invalid = ConfigError::InvalidValue {
            key: "UI.cot".into(),
            message: "expected one of ...".into(),
        };
        assert_eq!(
            invalid.to_string(),
            "invalid value for `UI.cot`: expected one of ..."
        );

        let warning = ConfigWarning {
            key: "UI.nme".into(),
            message: "unknown key `UI.nme` in .loquat/config.toml".into(),
        };
        assert_eq!(
            warning.to_string(),
            "unknown key `UI.nme` in .loquat/config.toml"
        );
    }
}
