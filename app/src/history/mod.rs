//! The history API the sidebar calls: server functions whose server side is
//! a [`HistoryBackend`] the server crate provides through context, so this
//! crate never depends on the runtime. Every call acts for the user the
//! backend finds in the request, and a thread of another user is "not found".

mod api_client;
#[cfg(feature = "ssr")]
mod backend;
mod error;

pub use api_client::ApiClient;
#[cfg(feature = "ssr")]
pub use backend::{BoxFuture, HistoryBackend, HistoryService};
pub use error::HistoryError;

use leptos::prelude::*;

use crate::protocol::ThreadPage;

/// Longest thread name accepted by [`rename_thread`], in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Most characters of a search.
pub const MAX_SEARCH_CHARS: usize = 200;

#[cfg(feature = "ssr")]
fn service() -> Result<HistoryService, HistoryError> {
    use_context::<HistoryService>().ok_or_else(|| failed(HistoryError::Disabled))
}

/// The server function's error, with the HTTP status that says what it is
/// (a missing thread is a 404, not a server error).
#[cfg(feature = "ssr")]
fn failed(err: HistoryError) -> HistoryError {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(err.status());
    }
    err
}

#[cfg(feature = "ssr")]
fn request() -> Result<http::request::Parts, HistoryError> {
    use_context::<http::request::Parts>().ok_or_else(|| failed(HistoryError::Failed))
}

/// One page of the user's threads, newest first; `search` filters by name
/// and message content.
#[server(prefix = "/api", endpoint = "threads/list", client = ApiClient)]
pub async fn list_threads(
    search: Option<String>,
    cursor: Option<String>,
) -> Result<ThreadPage, HistoryError> {
    let search = search.filter(|s| !s.trim().is_empty());
    if search
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS)
    {
        return Err(failed(HistoryError::Invalid(format!(
            "a search is at most {MAX_SEARCH_CHARS} characters"
        ))));
    }
    let parts = request()?;
    service()?
        .list_threads(&parts, search, cursor)
        .await
        .map_err(failed)
}

/// Renames one of the user's threads.
#[server(prefix = "/api", endpoint = "threads/rename", client = ApiClient)]
pub async fn rename_thread(id: String, name: String) -> Result<(), HistoryError> {
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(failed(HistoryError::Invalid(format!(
            "a name has 1 to {MAX_NAME_CHARS} characters"
        ))));
    }
    let parts = request()?;
    service()?
        .rename_thread(&parts, &id, &name)
        .await
        .map_err(failed)
}

/// Deletes one of the user's threads, with everything in it.
#[server(prefix = "/api", endpoint = "threads/delete", client = ApiClient)]
pub async fn delete_thread(id: String) -> Result<(), HistoryError> {
    let parts = request()?;
    service()?.delete_thread(&parts, &id).await.map_err(failed)
}

/// Makes a read-only link to one of the user's threads (replacing any
/// earlier one, which stops working): its path, `/share/<token>`.
#[server(prefix = "/api", endpoint = "threads/share", client = ApiClient)]
pub async fn share_thread(id: String) -> Result<String, HistoryError> {
    let parts = request()?;
    service()?.share_thread(&parts, &id).await.map_err(failed)
}

/// Ends the thread's share link.
#[server(prefix = "/api", endpoint = "threads/unshare", client = ApiClient)]
pub async fn unshare_thread(id: String) -> Result<(), HistoryError> {
    let parts = request()?;
    service()?.unshare_thread(&parts, &id).await.map_err(failed)
}
