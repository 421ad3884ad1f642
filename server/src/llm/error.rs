//! Errors of the LLM client, worded for the person running the app.

use std::error::Error as StdError;

use async_openai::error::OpenAIError;

/// Why a chat request or its reply stream failed.
///
/// The `Display` text is meant to be shown to users as is.
///
/// ```
/// use loquat::llm::LlmError;
/// let err = LlmError::ConnectionRefused { base_url: "http://localhost:11434/v1".into() };
/// assert_eq!(
///     err.to_string(),
///     "LLM endpoint http://localhost:11434/v1 refused the connection (is the server running?)"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LlmError {
    /// The configuration cannot be used (bad URL, API key with invalid characters…).
    #[error("invalid LLM configuration: {0}")]
    InvalidConfig(String),
    /// [`LlmClient::stream_chat`](super::LlmClient::stream_chat) was given no messages.
    #[error("there is no message to send to the LLM")]
    EmptyConversation,
    /// Nothing listens at the endpoint's address.
    #[error("LLM endpoint {base_url} refused the connection (is the server running?)")]
    ConnectionRefused {
        /// The configured base URL.
        base_url: String,
    },
    /// The endpoint could not be reached (DNS failure, timeout, TLS error…).
    #[error("could not connect to LLM endpoint {base_url}: {reason}")]
    Connect {
        /// The configured base URL.
        base_url: String,
        /// The lowest-level cause, e.g. `Name or service not known`.
        reason: String,
    },
    /// The endpoint answered with an HTTP error status.
    #[error("{}", describe_status(*.status, .message, .model, .base_url))]
    Status {
        /// HTTP status code, e.g. 401 or 404.
        status: u16,
        /// The server's own error message.
        message: String,
        /// The model that was requested.
        model: String,
        /// The configured base URL.
        base_url: String,
    },
    /// The endpoint sent an error object in the middle of the reply stream.
    #[error("LLM endpoint reported an error: {0}")]
    Remote(String),
    /// The endpoint sent something that is not an OpenAI-style chat response.
    #[error("LLM endpoint sent an unexpected response: {0}")]
    Protocol(String),
    /// The connection broke while the reply was streaming.
    #[error("LLM reply stream broke off: {0}")]
    Stream(String),
    /// Any other failure of the HTTP request.
    #[error("LLM request failed: {0}")]
    Http(String),
}

impl LlmError {
    /// The HTTP status the endpoint answered with, if that is what failed.
    ///
    /// ```
    /// # use loquat::llm::LlmError;
    /// assert_eq!(LlmError::EmptyConversation.status(), None);
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            LlmError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the endpoint could not be reached at all.
    ///
    /// ```
    /// # use loquat::llm::LlmError;
    /// assert!(LlmError::ConnectionRefused { base_url: "http://x".into() }.is_connection());
    /// ```
    pub fn is_connection(&self) -> bool {
        matches!(
            self,
            LlmError::ConnectionRefused { .. } | LlmError::Connect { .. }
        )
    }
}

fn describe_status(status: u16, message: &str, model: &str, base_url: &str) -> String {
    match status {
        401 => format!(
            "LLM endpoint {base_url} rejected the API key (401): {message}; \
             check LOQUAT_LLM_API_KEY or OPENAI_API_KEY"
        ),
        403 => format!("LLM endpoint {base_url} denied access (403): {message}"),
        // A 404 is either an unknown model or a base URL that misses the API
        // root; servers name the model in the first case.
        404 if message.to_ascii_lowercase().contains("model") => {
            format!("model `{model}` not found (404): {message}")
        }
        404 => format!(
            "LLM endpoint {base_url} has no chat completions API (404): {message}; \
             check LOQUAT_LLM_BASE_URL (it usually ends in /v1)"
        ),
        429 => format!("LLM endpoint {base_url} is rate limiting requests (429): {message}"),
        _ => format!("LLM endpoint {base_url} answered HTTP {status}: {message}"),
    }
}

/// An HTTP error status caught below async-openai, so that the status and the
/// raw body survive whatever shape the body has (async-openai only keeps the
/// status when the body is exactly OpenAI's error object).
#[derive(Debug, thiserror::Error)]
#[error("HTTP {status}: {body}")]
pub(crate) struct HttpStatusError {
    pub(crate) status: u16,
    pub(crate) body: String,
}

/// What the request was about, for error messages.
#[derive(Debug, Clone)]
pub(crate) struct ErrorContext {
    pub(crate) base_url: String,
    pub(crate) model: String,
}

impl ErrorContext {
    pub(crate) fn status_error(&self, status: u16, message: String) -> LlmError {
        LlmError::Status {
            status,
            message,
            model: self.model.clone(),
            base_url: self.base_url.clone(),
        }
    }

    /// Maps an error from opening the request or reading the stream.
    pub(crate) fn map(&self, err: OpenAIError) -> LlmError {
        match err {
            OpenAIError::Boxed(boxed) => match boxed.downcast::<HttpStatusError>() {
                Ok(http) => self.status_error(http.status, server_message(&http.body, http.status)),
                Err(other) => LlmError::Http(chain(other.as_ref())),
            },
            OpenAIError::ApiError(api) => {
                self.status_error(api.status_code.as_u16(), api.api_error.message)
            }
            OpenAIError::Reqwest(err) => self.map_reqwest(&err),
            OpenAIError::JSONDeserialize(err, content) => match error_in_json(&content) {
                Some(message) => LlmError::Remote(message),
                None => LlmError::Protocol(format!("{err} in {}", excerpt(&content))),
            },
            OpenAIError::StreamError(err) => LlmError::Stream(err.to_string()),
            OpenAIError::InvalidArgument(msg) => LlmError::InvalidConfig(msg),
            other => LlmError::Http(other.to_string()),
        }
    }

    fn map_reqwest(&self, err: &reqwest::Error) -> LlmError {
        if err.is_connect() {
            if is_refused(err) {
                return LlmError::ConnectionRefused {
                    base_url: self.base_url.clone(),
                };
            }
            return LlmError::Connect {
                base_url: self.base_url.clone(),
                reason: root_cause(err),
            };
        }
        if err.is_timeout() {
            return LlmError::Connect {
                base_url: self.base_url.clone(),
                reason: "timed out".into(),
            };
        }
        if err.is_body() || err.is_decode() {
            return LlmError::Stream(chain(err));
        }
        LlmError::Http(chain(err))
    }
}

fn is_refused(err: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return true;
            }
        }
        current = e.source();
    }
    false
}

fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// `outer: inner: innermost`, because reqwest's own message rarely says why.
fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut text = err.to_string();
    let mut current = err.source();
    while let Some(e) = current {
        let part = e.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        current = e.source();
    }
    text
}

/// The error message inside an error body, whatever the server's dialect:
/// OpenAI/Mistral `{"error":{"message":…}}`, `{"error":"…"}`, vLLM's top-level
/// `{"message":…}`, FastAPI's `{"detail":…}`, or plain text.
pub(crate) fn server_message(body: &str, status: u16) -> String {
    if let Some(message) = error_in_json(body) {
        return message;
    }
    let text = body.trim();
    if text.is_empty() {
        return reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("no details given")
            .to_string();
    }
    excerpt(text)
}

fn error_in_json(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    message_in_value(&value)
}

pub(crate) fn message_in_value(value: &serde_json::Value) -> Option<String> {
    let as_text = |v: &serde_json::Value| {
        v.as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(error) = value.get("error") {
        return as_text(error)
            .or_else(|| error.get("message").and_then(as_text))
            .or_else(|| Some(excerpt(&error.to_string())));
    }
    if let Some(message) = value.get("message").and_then(as_text) {
        return Some(message);
    }
    let detail = value.get("detail")?;
    as_text(detail)
        .or_else(|| {
            detail
                .get(0)
                .and_then(|first| first.get("msg"))
                .and_then(as_text)
        })
        .or_else(|| Some(excerpt(&detail.to_string())))
}

/// Keeps error messages readable when a server answers with a whole HTML page.
fn excerpt(text: &str) -> String {
    const LIMIT: usize = 300;
    let text = text.trim();
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_message_in_each_dialect() {
        let openai = r#"{"error":{"message":"Incorrect API key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
        assert_eq!(server_message(openai, 401), "Incorrect API key");
        let ollama = r#"{"error":"model \"x\" not found, try pulling it first"}"#;
        assert_eq!(
            server_message(ollama, 404),
            "model \"x\" not found, try pulling it first"
        );
        let vllm = r#"{"object":"error","message":"The model `x` does not exist.","code":404}"#;
        assert_eq!(server_message(vllm, 404), "The model `x` does not exist.");
        let fastapi = r#"{"detail":[{"loc":["body","stream_options"],"msg":"Extra inputs are not permitted"}]}"#;
        assert_eq!(
            server_message(fastapi, 422),
            "Extra inputs are not permitted"
        );
        assert_eq!(
            server_message("404 page not found\n", 404),
            "404 page not found"
        );
        assert_eq!(server_message("", 502), "Bad Gateway");
    }

    #[test]
    fn long_bodies_are_cut() {
        let page = "x".repeat(10_000);
        assert!(server_message(&page, 500).chars().count() <= 301);
    }

    #[test]
    fn a_404_names_the_model_only_when_the_server_does() {
        let ctx = ErrorContext {
            base_url: "http://h/v1".into(),
            model: "m".into(),
        };
        let missing_model = ctx.status_error(404, "model \"m\" not found".into());
        assert!(missing_model
            .to_string()
            .starts_with("model `m` not found (404)"));
        let wrong_path = ctx.status_error(404, "404 page not found".into());
        assert!(wrong_path.to_string().contains("LOQUAT_LLM_BASE_URL"));
    }
}
