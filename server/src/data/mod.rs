//! Persistence: the [`DataLayer`] trait the runtime writes threads, steps,
//! elements and feedback through, and its SQL implementation on the
//! embedded SQLite file (the default) or PostgreSQL (for several nodes).
//!
//! Every read and write that names a thread also names the user, and the
//! implementation checks ownership in the query itself: a thread of another
//! user is indistinguishable from one that does not exist.

pub mod chainlit_import;
mod error;
mod open;
mod postgres;
mod records;
mod sql;
mod sqlite;
pub mod transfer;

pub use error::{DataError, DataResult};
pub use open::open;
pub(crate) use open::DatabaseKind;
pub use postgres::PostgresDataLayer;
pub use records::{
    FeedbackRecord, ThreadCursor, ThreadFilter, ThreadRecord, ThreadUpdate, UserRecord, WriteBatch,
    LOCAL_USER,
};
pub use sql::{Backend, SqlStore};
pub use sqlite::SqliteDataLayer;

use loquat_app::protocol::{Element, Step, ThreadPage};

use std::sync::Arc;

use crate::auth::AuthStore;

/// A shared thread as its page shows it: record, steps, elements.
pub type SharedThread = (ThreadRecord, Vec<Step>, Vec<Element>);
use crate::ids::{ElementId, ThreadId, UserId};

/// Where Loquat keeps users, threads, steps, elements and feedback.
///
/// Implementations must be safe to call from many tasks at once. Methods that
/// take a `user_id` return `None`/`false` for threads owned by someone else.
/// Ids arrive parsed ([`UserId`], [`ThreadId`], [`ElementId`]), so they have
/// the shape of their kind; bind them with `as_str()`. The records keep
/// plain strings: they are the wire format the browser shares.
/// The runtime batches its writes into [`WriteBatch`]es, so an implementation
/// sees few, larger transactions rather than one per step.
#[async_trait::async_trait]
pub trait DataLayer: Send + Sync + 'static {
    /// The user with this identifier, created on first use.
    async fn get_or_create_user(&self, identifier: &str) -> DataResult<UserRecord>;

    /// The user who just signed in, created on first use; their display
    /// name and metadata are replaced by the login's. The default keeps
    /// only the identifier.
    async fn sign_in_user(&self, user: &crate::User) -> DataResult<UserRecord> {
        self.get_or_create_user(&user.identifier).await
    }

    /// Makes `token_hash` (the SHA-256 of a share link's token) the
    /// thread's read-only link, replacing any earlier one; false when the
    /// thread is not the user's.
    async fn share_thread(
        &self,
        _user_id: &UserId,
        _thread_id: &ThreadId,
        _token_hash: &str,
    ) -> DataResult<bool> {
        Err(DataError::Unsupported("share links"))
    }

    /// Ends the thread's share link; false when it had none or is not the
    /// user's.
    async fn unshare_thread(&self, _user_id: &UserId, _thread_id: &ThreadId) -> DataResult<bool> {
        Err(DataError::Unsupported("share links"))
    }

    /// The thread (with its steps and elements) a share link's token hash
    /// names, whoever asks.
    async fn shared_thread(&self, _token_hash: &str) -> DataResult<Option<SharedThread>> {
        Err(DataError::Unsupported("share links"))
    }

    /// Where sign-ins and built-in password users are kept, if this data
    /// layer keeps them. Without one, sign-ins live in memory (a restart
    /// signs everyone out) and the built-in users cannot be enabled.
    fn auth_store(self: Arc<Self>) -> Option<Arc<dyn AuthStore>> {
        None
    }

    /// Applies a batch in one transaction: all of it or none of it.
    async fn write(&self, batch: WriteBatch) -> DataResult<()>;

    /// The thread, if it exists and belongs to `user_id`.
    async fn thread(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<Option<ThreadRecord>>;

    /// The thread and all its steps in thread order, if it belongs to `user_id`.
    async fn thread_with_steps(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<Option<(ThreadRecord, Vec<Step>)>>;

    /// The user's threads, most recently active first.
    async fn list_threads(&self, user_id: &UserId, filter: &ThreadFilter)
        -> DataResult<ThreadPage>;

    /// Changes a thread's name, tags or metadata (each that is set); false
    /// when it is not the user's.
    async fn update_thread(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
        update: &ThreadUpdate,
    ) -> DataResult<bool>;

    /// Renames a thread; false when it is not the user's.
    async fn rename_thread(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
        name: &str,
    ) -> DataResult<bool> {
        let update = ThreadUpdate {
            name: Some(name.to_string()),
            ..ThreadUpdate::default()
        };
        self.update_thread(user_id, thread_id, &update).await
    }

    /// Deletes a thread with its steps, elements and feedback; false when it
    /// is not the user's.
    async fn delete_thread(&self, user_id: &UserId, thread_id: &ThreadId) -> DataResult<bool>;

    /// Stores an element (its bytes, if any, live in file storage under the
    /// element's id). Fails with [`DataError::NotOwner`] when the id is an
    /// element of another thread.
    async fn upsert_element(&self, element: &Element) -> DataResult<()>;

    /// The element, if its thread belongs to `user_id`.
    async fn element(
        &self,
        user_id: &UserId,
        element_id: &ElementId,
    ) -> DataResult<Option<Element>>;

    /// The thread's elements in the order they were created, if the thread
    /// belongs to `user_id` (none otherwise).
    async fn thread_elements(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<Vec<Element>>;

    /// Stores feedback on a step; false when the thread is not the user's.
    async fn upsert_feedback(
        &self,
        user_id: &UserId,
        feedback: &FeedbackRecord,
    ) -> DataResult<bool>;

    /// Removes feedback; false when it is not on one of the user's threads.
    async fn delete_feedback(&self, user_id: &UserId, feedback_id: &str) -> DataResult<bool>;
}
