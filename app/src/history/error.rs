//! [`HistoryError`]: what a history server function fails with, typed on
//! both sides. The server answers with the status that fits (a missing
//! thread is 404, a bad request 400) and the browser gets the same enum
//! back, not a string to parse.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// Why a history call failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "error", content = "reason", rename_all = "snake_case")]
pub enum HistoryError {
    /// Persistence is off.
    Disabled,
    /// The thread does not exist or is not the user's.
    NotFound,
    /// The request itself is wrong.
    Invalid(String),
    /// Storage failed; details are in the server log.
    Failed,
    /// The call did not get through (network, or an unreadable answer).
    Unreachable(String),
}

impl HistoryError {
    /// The HTTP status of a server function failing with this error.
    #[cfg(feature = "ssr")]
    pub fn status(&self) -> http::StatusCode {
        match self {
            HistoryError::Disabled | HistoryError::NotFound => http::StatusCode::NOT_FOUND,
            HistoryError::Invalid(_) => http::StatusCode::BAD_REQUEST,
            HistoryError::Failed | HistoryError::Unreachable(_) => {
                http::StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl std::fmt::Display for HistoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HistoryError::Disabled => f.write_str("history is turned off"),
            HistoryError::NotFound => f.write_str("thread not found"),
            HistoryError::Invalid(why) => f.write_str(why),
            HistoryError::Failed => f.write_str("the history could not be read or changed"),
            HistoryError::Unreachable(_) => f.write_str("the server could not be reached"),
        }
    }
}

impl std::error::Error for HistoryError {}

impl FromServerFnError for HistoryError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(why) | ServerFnErrorErr::MissingArg(why) => {
                HistoryError::Invalid(why)
            }
            other => HistoryError::Unreachable(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_travel_as_tagged_json() {
        let json = serde_json::to_string(&HistoryError::NotFound).unwrap_or_default();
        assert_eq!(json, r#"{"error":"not_found"}"#);
        let back: HistoryError = serde_json::from_str(r#"{"error":"invalid","reason":"too long"}"#)
            .unwrap_or(HistoryError::Failed);
        assert_eq!(back, HistoryError::Invalid("too long".into()));
    }
}
