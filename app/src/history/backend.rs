use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;

use crate::protocol::ThreadPage;

/// A boxed future, so the trait can be used as `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the history server functions refuse with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryError {
    /// Persistence is off.
    Disabled,
    /// The thread does not exist or is not the user's.
    NotFound,
    /// The request itself is wrong.
    Invalid(String),
    /// Storage failed; details are in the server log.
    Failed,
}

impl HistoryError {
    /// The HTTP status of a server function failing with this error.
    pub fn status(&self) -> http::StatusCode {
        match self {
            HistoryError::Disabled | HistoryError::NotFound => http::StatusCode::NOT_FOUND,
            HistoryError::Invalid(_) => http::StatusCode::BAD_REQUEST,
            HistoryError::Failed => http::StatusCode::INTERNAL_SERVER_ERROR,
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
        }
    }
}

impl std::error::Error for HistoryError {}

/// The server side of the history API. `request` identifies the user.
pub trait HistoryBackend: Send + Sync + 'static {
    fn list_threads<'a>(
        &'a self,
        request: &'a Parts,
        search: Option<String>,
        cursor: Option<String>,
    ) -> BoxFuture<'a, Result<ThreadPage, HistoryError>>;

    fn rename_thread<'a>(
        &'a self,
        request: &'a Parts,
        id: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<(), HistoryError>>;

    fn delete_thread<'a>(
        &'a self,
        request: &'a Parts,
        id: &'a str,
    ) -> BoxFuture<'a, Result<(), HistoryError>>;
}

/// The backend as provided in context.
pub type HistoryService = Arc<dyn HistoryBackend>;
