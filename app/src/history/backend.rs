use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;

use super::HistoryError;
use crate::protocol::ThreadPage;

/// A boxed future, so the trait can be used as `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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

    /// A new read-only link to the thread: its path.
    fn share_thread<'a>(
        &'a self,
        request: &'a Parts,
        id: &'a str,
    ) -> BoxFuture<'a, Result<String, HistoryError>>;

    fn unshare_thread<'a>(
        &'a self,
        request: &'a Parts,
        id: &'a str,
    ) -> BoxFuture<'a, Result<(), HistoryError>>;
}

/// The backend as provided in context.
pub type HistoryService = Arc<dyn HistoryBackend>;
