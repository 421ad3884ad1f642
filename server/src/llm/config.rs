//! Where the model lives and how to reach it.

use std::collections::HashMap;
use std::fmt;

/// Base URL used when neither `LOQUAT_LLM_BASE_URL` nor `OPENAI_BASE_URL` is set.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// Model used when `LOQUAT_LLM_MODEL` is not set.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";

/// Settings for an OpenAI-compatible chat endpoint.
///
/// The `Debug` output hides the API key so the config can be logged.
///
/// ```
/// use loquat::llm::LlmConfig;
/// // A local Ollama server needs no API key.
/// let config = LlmConfig {
///     base_url: "http://localhost:11434/v1".into(),
///     api_key: None,
///     model: "llama3.2".into(),
///     temperature: Some(0.2),
/// };
/// assert!(!format!("{config:?}").contains("sk-"));
/// ```
#[derive(Clone, PartialEq)]
pub struct LlmConfig {
    /// API root, including the version segment, e.g. `https://api.openai.com/v1`
    /// or `http://localhost:11434/v1`; `/chat/completions` is appended to it.
    pub base_url: String,
    /// Sent as `Authorization: Bearer …` when present.
    pub api_key: Option<String>,
    /// Model name as the endpoint knows it.
    pub model: String,
    /// Sampling temperature; `None` leaves it to the endpoint's default.
    pub temperature: Option<f32>,
}

impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("model", &self.model)
            .field("temperature", &self.temperature)
            .finish()
    }
}

impl LlmConfig {
    /// Reads the configuration from a list of environment variables.
    ///
    /// Returns `None` (LLM disabled) unless at least one of `OPENAI_API_KEY`,
    /// `LOQUAT_LLM_BASE_URL` or `LOQUAT_LLM_MODEL` is set to a non-empty value.
    /// Values are trimmed; empty values count as unset.
    ///
    /// - `base_url`: `LOQUAT_LLM_BASE_URL`, else `OPENAI_BASE_URL`, else [`DEFAULT_BASE_URL`]
    /// - `api_key`: `LOQUAT_LLM_API_KEY`, else `OPENAI_API_KEY`, else none
    /// - `model`: `LOQUAT_LLM_MODEL`, else [`DEFAULT_MODEL`]
    /// - `temperature`: `LOQUAT_LLM_TEMPERATURE` if it is a number in `0..=2`
    ///   (anything else is ignored with a warning)
    ///
    /// ```
    /// use loquat::llm::LlmConfig;
    /// let vars = [("LOQUAT_LLM_BASE_URL", "http://localhost:11434/v1"), ("LOQUAT_LLM_MODEL", "qwen3")];
    /// let config = LlmConfig::from_env_vars(vars.map(|(k, v)| (k.to_string(), v.to_string())));
    /// let config = config.ok_or("not enabled")?;
    /// assert_eq!(config.model, "qwen3");
    /// assert_eq!(config.api_key, None);
    ///
    /// assert!(LlmConfig::from_env_vars(Vec::new()).is_none());
    /// # Ok::<(), &str>(())
    /// ```
    pub fn from_env_vars(vars: impl IntoIterator<Item = (String, String)>) -> Option<LlmConfig> {
        let vars: HashMap<String, String> = vars.into_iter().collect();
        let get = |name: &str| {
            vars.get(name)
                .map(|value| value.trim())
                .filter(|value| !value.is_empty())
        };

        let enabled = ["OPENAI_API_KEY", "LOQUAT_LLM_BASE_URL", "LOQUAT_LLM_MODEL"]
            .iter()
            .any(|name| get(name).is_some());
        if !enabled {
            return None;
        }

        let base_url = get("LOQUAT_LLM_BASE_URL")
            .or_else(|| get("OPENAI_BASE_URL"))
            .unwrap_or(DEFAULT_BASE_URL);
        let api_key = get("LOQUAT_LLM_API_KEY").or_else(|| get("OPENAI_API_KEY"));
        let model = get("LOQUAT_LLM_MODEL").unwrap_or(DEFAULT_MODEL);
        let temperature = get("LOQUAT_LLM_TEMPERATURE").and_then(parse_temperature);

        Some(LlmConfig {
            base_url: base_url.to_string(),
            api_key: api_key.map(str::to_string),
            model: model.to_string(),
            temperature,
        })
    }

    /// Reads the configuration from the process environment; see
    /// [`LlmConfig::from_env_vars`] for the rules.
    ///
    /// ```no_run
    /// if let Some(config) = loquat::llm::LlmConfig::from_env() {
    ///     println!("LLM replies from {} at {}", config.model, config.base_url);
    /// }
    /// ```
    pub fn from_env() -> Option<LlmConfig> {
        // `vars_os` rather than `vars`: the latter panics on a non-UTF-8 variable
        // anywhere in the environment, even one unrelated to us.
        let vars = std::env::vars_os()
            .filter_map(|(key, value)| Some((key.into_string().ok()?, value.into_string().ok()?)));
        Self::from_env_vars(vars)
    }
}

fn parse_temperature(raw: &str) -> Option<f32> {
    match raw.parse::<f32>() {
        Ok(value) if (0.0..=2.0).contains(&value) => Some(value),
        _ => {
            tracing::warn!(
                value = raw,
                "ignoring LOQUAT_LLM_TEMPERATURE: expected a number from 0 to 2"
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperature_is_parsed_and_bounded() {
        assert_eq!(parse_temperature("0.7"), Some(0.7));
        assert_eq!(parse_temperature("3"), None);
        assert_eq!(parse_temperature("warm"), None);
        assert_eq!(parse_temperature("NaN"), None);
    }

    #[test]
    fn debug_hides_the_key() {
        let config = LlmConfig {
            base_url: DEFAULT_BASE_URL.into(),
            api_key: Some("sk-secret".into()),
            model: DEFAULT_MODEL.into(),
            temperature: None,
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("sk-secret"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
