//! The server side of the history server functions.

use std::sync::Arc;

use axum::http::request::Parts;
use loquat_app::history::{HistoryBackend, HistoryError};
use loquat_app::protocol::ThreadPage;

use super::CurrentUser;
use crate::data::{ThreadCursor, ThreadFilter};
use crate::ids::{ThreadId, UserId};
use crate::runtime::Runtime;

/// Threads listed per page.
const PAGE_SIZE: u32 = 30;

/// History backed by the runtime's data layer.
pub(crate) struct RuntimeHistory(pub(crate) Arc<Runtime>);

impl RuntimeHistory {
    fn user(&self, request: &Parts) -> Result<UserId, HistoryError> {
        // History needs a store; without one there is nothing to list.
        self.data()?;
        CurrentUser::of(request)
            .map(|user| user.id)
            .map_err(|_| HistoryError::Failed)
    }

    fn data(&self) -> Result<&Arc<dyn crate::data::DataLayer>, HistoryError> {
        self.0
            .persistence
            .as_ref()
            .map(|p| &p.data)
            .ok_or(HistoryError::Disabled)
    }
}

/// The thread a call names; a malformed id is a thread not found.
fn thread_id(id: &str) -> Result<ThreadId, HistoryError> {
    ThreadId::parse(id).ok_or(HistoryError::NotFound)
}

fn failed(err: crate::data::DataError) -> HistoryError {
    tracing::error!(error = %err, "history request failed");
    HistoryError::Failed
}

impl HistoryBackend for RuntimeHistory {
    fn list_threads<'a>(
        &'a self,
        request: &'a Parts,
        search: Option<String>,
        cursor: Option<String>,
    ) -> loquat_app::history::BoxFuture<'a, Result<ThreadPage, HistoryError>> {
        Box::pin(async move {
            let user = self.user(request)?;
            let cursor = match cursor {
                Some(text) => Some(
                    ThreadCursor::decode(&text)
                        .ok_or_else(|| HistoryError::Invalid("invalid page cursor".into()))?,
                ),
                None => None,
            };
            let filter = ThreadFilter {
                search,
                cursor,
                limit: PAGE_SIZE,
            };
            match self.data()?.list_threads(&user, &filter).await {
                Err(crate::data::DataError::InvalidCursor) => {
                    Err(HistoryError::Invalid("invalid page cursor".into()))
                }
                result => result.map_err(failed),
            }
        })
    }

    fn rename_thread<'a>(
        &'a self,
        request: &'a Parts,
        id: &'a str,
        name: &'a str,
    ) -> loquat_app::history::BoxFuture<'a, Result<(), HistoryError>> {
        Box::pin(async move {
            let user = self.user(request)?;
            let id = thread_id(id)?;
            match self.data()?.rename_thread(&user, &id, name).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(HistoryError::NotFound),
                Err(err) => Err(failed(err)),
            }
        })
    }

    fn delete_thread<'a>(
        &'a self,
        request: &'a Parts,
        id: &'a str,
    ) -> loquat_app::history::BoxFuture<'a, Result<(), HistoryError>> {
        Box::pin(async move {
            let user = self.user(request)?;
            let id = thread_id(id)?;
            let data = self.data()?;
            let elements = data.thread_elements(&user, &id).await.unwrap_or_default();
            match data.delete_thread(&user, &id).await {
                Ok(true) => {
                    // Tabs showing it lose their session and see not-found.
                    self.0.end_sessions_of(&id);
                    if let Some(cluster) = &self.0.cluster {
                        // …on whichever node it runs.
                        cluster.end_thread(&user, &id).await;
                    }
                    crate::files::discard(&self.0.files, crate::files::stored_keys(&elements));
                    Ok(())
                }
                Ok(false) => Err(HistoryError::NotFound),
                Err(err) => Err(failed(err)),
            }
        })
    }

    fn share_thread<'a>(
        &'a self,
        request: &'a Parts,
        id: &'a str,
    ) -> loquat_app::history::BoxFuture<'a, Result<String, HistoryError>> {
        Box::pin(async move {
            if !self.0.config.features.allow_thread_sharing {
                return Err(HistoryError::Disabled);
            }
            let user = self.user(request)?;
            let id = thread_id(id)?;
            let token = format!("{}{}", crate::ids::new_token(), crate::ids::new_token());
            let hash = crate::auth::key_hash(&token);
            match self.data()?.share_thread(&user, &id, &hash).await {
                Ok(true) => Ok(format!("/share/{token}")),
                Ok(false) => Err(HistoryError::NotFound),
                Err(err) => Err(failed(err)),
            }
        })
    }

    fn unshare_thread<'a>(
        &'a self,
        request: &'a Parts,
        id: &'a str,
    ) -> loquat_app::history::BoxFuture<'a, Result<(), HistoryError>> {
        Box::pin(async move {
            if !self.0.config.features.allow_thread_sharing {
                return Err(HistoryError::Disabled);
            }
            let user = self.user(request)?;
            let id = thread_id(id)?;
            // Not the user's, or not shared: either way nothing is shared now.
            match self.data()?.unshare_thread(&user, &id).await {
                Ok(_) => Ok(()),
                Err(err) => Err(failed(err)),
            }
        })
    }
}
