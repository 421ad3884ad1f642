//! The SQL data layer: one implementation of [`DataLayer`] and
//! [`crate::auth::AuthStore`] over sqlx, run on SQLite
//! ([`crate::data::SqliteDataLayer`]) or PostgreSQL
//! ([`crate::data::PostgresDataLayer`]).
//!
//! The queries are written once with `$1`-style parameters, which both
//! databases read; what differs is in [`Backend`]. Rows decode through the
//! shared codec in [`rows`]. Ownership is checked in every query that names
//! a thread, so another user's thread looks exactly like a missing one.
//!
//! The `where` clauses below list the sqlx capabilities the queries use
//! (executors, the parameter and column types, the row shapes). Rust does
//! not carry such bounds from a trait to its users, so each impl block
//! states them; both backends have all of them.

mod auth;
mod backend;
mod elements;
pub(crate) mod rows;
mod search;
mod shares;
mod write;

pub use backend::Backend;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use loquat_app::protocol::{Element, Step, ThreadPage, ThreadSummary};
use sqlx::{ColumnIndex, Decode, Encode, Executor, FromRow, IntoArguments, Pool, Type};

use self::rows::{
    ElementRow, FeedbackRow, StepRow, SummaryRow, ThreadRow, UserRow, ELEMENT_COLUMNS,
    STEP_COLUMNS, THREAD_COLUMNS,
};
use super::{
    DataError, DataLayer, DataResult, FeedbackRecord, ThreadCursor, ThreadFilter, ThreadRecord,
    ThreadUpdate, UserRecord, WriteBatch,
};
use crate::ids::{ElementId, ThreadId, UserId};
use crate::time::now_millis;

/// Loquat's tables in a SQL database, through a pool of connections.
#[derive(Debug)]
pub struct SqlStore<DB: Backend> {
    pool: Pool<DB>,
    /// Where the runtime's batched writes go (see [`SqlStore::with_writer`]).
    writes: Pool<DB>,
    /// Finished messages written since the search index was last brought
    /// up to date (backends with [`Backend::INDEX_QUEUED`]).
    queued: Arc<AtomicUsize>,
}

/// Finished messages the batched writes let queue for the search index
/// before they index the queue (see migration 0007 of SQLite): indexing
/// 400 to 2,000 documents in one transaction cost a quarter to a third of
/// indexing them 40 at a time (2026-12-07), and the indexing transaction
/// holds the write lock for a few milliseconds.
const INDEX_EVERY: usize = 512;

impl<DB: Backend> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        SqlStore {
            pool: self.pool.clone(),
            writes: self.writes.clone(),
            queued: Arc::clone(&self.queued),
        }
    }
}

impl<DB: Backend> SqlStore<DB> {
    pub(crate) fn from_pool(pool: Pool<DB>) -> Self {
        SqlStore {
            writes: pool.clone(),
            pool,
            queued: Arc::default(),
        }
    }

    /// A store whose batched writes ([`DataLayer::write`]) all go through
    /// `writes`, a pool of one connection: its page cache then stays warm
    /// (pages another connection wrote must be read again, from the WAL).
    pub(crate) fn with_writer(pool: Pool<DB>, writes: Pool<DB>) -> Self {
        SqlStore {
            pool,
            writes,
            queued: Arc::default(),
        }
    }

    /// The connection pool (for an app's own tables next to Loquat's).
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writes.close().await;
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally in `LIKE … ESCAPE '\'`.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Stores a feedback (one per message: a new one replaces the old).
const UPSERT_FEEDBACK: &str = "INSERT INTO feedbacks (id, thread_id, for_id, value, comment, \
    reasons) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT(thread_id, for_id) DO UPDATE SET \
    value = excluded.value, comment = excluded.comment, reasons = excluded.reasons";

// The row types are the crate's own codec; naming them here only says
// that the backend decodes them.
#[allow(private_bounds)]
impl<DB> SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB>,
    for<'r> i64: Decode<'r, DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> StepRow: FromRow<'r, DB::Row>,
    for<'r> ThreadRow: FromRow<'r, DB::Row>,
    for<'r> SummaryRow: FromRow<'r, DB::Row>,
    for<'r> UserRow: FromRow<'r, DB::Row>,
    for<'r> FeedbackRow: FromRow<'r, DB::Row>,
    for<'r> ElementRow: FromRow<'r, DB::Row>,
{
    /// Indexes the finished messages queued for search, in one
    /// transaction of the writer (no-op for a backend that indexes as it
    /// writes).
    async fn index_queued(&self) -> DataResult<()> {
        if DB::INDEX_QUEUED.is_empty() {
            return Ok(());
        }
        self.queued.store(0, Ordering::Relaxed);
        let mut tx = self.writes.begin_with(DB::BEGIN_WRITE).await?;
        for statement in DB::INDEX_QUEUED {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Brings the search index up to date before a search reads it, so a
    /// search finds every finished message, however recent.
    async fn index_before_search(&self) -> DataResult<()> {
        if DB::INDEX_QUEUED.is_empty() {
            return Ok(());
        }
        let (waiting,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM (SELECT 1 FROM search_queue LIMIT 1)")
                .fetch_one(&self.pool)
                .await?;
        match waiting {
            0 => Ok(()),
            _ => self.index_queued().await,
        }
    }

    async fn user_by_identifier(&self, identifier: &str) -> DataResult<UserRecord> {
        sqlx::query_as::<DB, UserRow>(
            "SELECT id, identifier, display_name, metadata, created_at FROM users \
             WHERE identifier = $1",
        )
        .bind(identifier)
        .fetch_one(&self.pool)
        .await?
        .try_into()
    }

    /// Puts each message's stored feedback on it.
    async fn attach_feedback(&self, thread_id: &ThreadId, steps: &mut [Step]) -> DataResult<()> {
        let rows = sqlx::query_as::<DB, FeedbackRow>(
            "SELECT id, thread_id, for_id, value, comment, reasons FROM feedbacks \
             WHERE thread_id = $1",
        )
        .bind(thread_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut by_step = HashMap::with_capacity(rows.len());
        for row in rows {
            let record = FeedbackRecord::try_from(row)?;
            by_step.insert(record.for_id.clone(), record.feedback());
        }
        for step in steps {
            if let Some(feedback) = by_step.remove(&step.id) {
                step.feedback = Some(feedback);
            }
        }
        Ok(())
    }

    async fn put_feedback(conn: &mut DB::Connection, feedback: &FeedbackRecord) -> DataResult<()> {
        sqlx::query::<DB>(UPSERT_FEEDBACK)
            .bind(feedback.id.as_str())
            .bind(feedback.thread_id.as_str())
            .bind(feedback.for_id.as_str())
            .bind(feedback.value)
            .bind(feedback.comment.as_deref())
            .bind(rows::json_text(&feedback.reasons))
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Applies every part of a batch on one connection (inside the caller's
    /// transaction), in the order [`WriteBatch`] documents.
    async fn apply(conn: &mut DB::Connection, batch: &WriteBatch) -> DataResult<()> {
        write::upsert_threads::<DB>(&mut *conn, &batch.threads).await?;
        write::upsert_steps::<DB>(&mut *conn, &batch.steps).await?;
        for element in &batch.elements {
            elements::upsert::<DB>(&mut *conn, element).await?;
        }
        for (thread_id, step_id) in &batch.deleted_steps {
            sqlx::query::<DB>("DELETE FROM steps WHERE thread_id = $1 AND id = $2")
                .bind(thread_id.as_str())
                .bind(step_id.as_str())
                .execute(&mut *conn)
                .await?;
            elements::delete_of_step::<DB>(&mut *conn, thread_id, step_id).await?;
        }
        for (thread_id, element_id) in &batch.deleted_elements {
            elements::delete::<DB>(&mut *conn, thread_id, element_id).await?;
        }
        for feedback in &batch.feedbacks {
            Self::put_feedback(&mut *conn, feedback).await?;
        }
        for (thread_id, step_id) in &batch.deleted_feedbacks {
            sqlx::query::<DB>("DELETE FROM feedbacks WHERE thread_id = $1 AND for_id = $2")
                .bind(thread_id.as_str())
                .bind(step_id.as_str())
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

#[allow(private_bounds)]
#[async_trait::async_trait]
impl<DB> DataLayer for SqlStore<DB>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'r> String: Decode<'r, DB>,
    for<'r> i64: Decode<'r, DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> StepRow: FromRow<'r, DB::Row>,
    for<'r> ThreadRow: FromRow<'r, DB::Row>,
    for<'r> SummaryRow: FromRow<'r, DB::Row>,
    for<'r> UserRow: FromRow<'r, DB::Row>,
    for<'r> FeedbackRow: FromRow<'r, DB::Row>,
    for<'r> ElementRow: FromRow<'r, DB::Row>,
    for<'r> auth::LoginRow: FromRow<'r, DB::Row>,
    for<'r> auth::PasswordRow: FromRow<'r, DB::Row>,
    for<'r> auth::PasswordUserRow: FromRow<'r, DB::Row>,
{
    async fn get_or_create_user(&self, identifier: &str) -> DataResult<UserRecord> {
        sqlx::query::<DB>(
            "INSERT INTO users (id, identifier, metadata, created_at) VALUES ($1, $2, '{}', $3) \
             ON CONFLICT(identifier) DO NOTHING",
        )
        .bind(crate::ids::new_id())
        .bind(identifier)
        .bind(rows::to_i64(now_millis()))
        .execute(&self.pool)
        .await?;
        self.user_by_identifier(identifier).await
    }

    async fn sign_in_user(&self, user: &crate::User) -> DataResult<UserRecord> {
        sqlx::query::<DB>(
            "INSERT INTO users (id, identifier, display_name, metadata, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT(identifier) DO UPDATE SET \
             display_name = excluded.display_name, metadata = excluded.metadata",
        )
        .bind(crate::ids::new_id())
        .bind(user.identifier.as_str())
        .bind(user.display_name.as_deref())
        .bind(rows::json_text(&user.metadata))
        .bind(rows::to_i64(now_millis()))
        .execute(&self.pool)
        .await?;
        self.user_by_identifier(&user.identifier).await
    }

    async fn share_thread(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
        token_hash: &str,
    ) -> DataResult<bool> {
        shares::put(&self.pool, user_id, thread_id, token_hash).await
    }

    async fn unshare_thread(&self, user_id: &UserId, thread_id: &ThreadId) -> DataResult<bool> {
        shares::remove(&self.pool, user_id, thread_id).await
    }

    async fn shared_thread(&self, token_hash: &str) -> DataResult<Option<super::SharedThread>> {
        let Some(owner) = shares::owner(&self.pool, token_hash).await? else {
            return Ok(None);
        };
        let (user_id, thread_id) = owner;
        let Some((record, steps)) = self.thread_with_steps(&user_id, &thread_id).await? else {
            return Ok(None);
        };
        let elements = self.thread_elements(&user_id, &thread_id).await?;
        Ok(Some((record, steps, elements)))
    }

    fn auth_store(
        self: std::sync::Arc<Self>,
    ) -> Option<std::sync::Arc<dyn crate::auth::AuthStore>> {
        Some(self)
    }

    async fn write(&self, batch: WriteBatch) -> DataResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut batch = batch;
        batch.compact();
        let mut tx = self.writes.begin_with(DB::BEGIN_WRITE).await?;
        Self::apply(&mut tx, &batch).await?;
        tx.commit().await?;
        if !DB::INDEX_QUEUED.is_empty() {
            // What the triggers queued: the finished messages.
            let finished = batch
                .steps
                .iter()
                .filter(|s| !s.streaming && s.step_type.is_message())
                .count();
            if self.queued.fetch_add(finished, Ordering::Relaxed) + finished >= INDEX_EVERY {
                // The batch is stored either way: a failed indexing leaves
                // the queue for the next one (or the next search).
                if let Err(err) = self.index_queued().await {
                    tracing::error!(error = %err, "indexing messages for search failed; they stay queued");
                }
            }
        }
        Ok(())
    }

    async fn thread(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<Option<ThreadRecord>> {
        sqlx::query_as::<DB, ThreadRow>(&format!(
            "SELECT {THREAD_COLUMNS} FROM threads WHERE id = $1 AND user_id = $2"
        ))
        .bind(thread_id.as_str())
        .bind(user_id.as_str())
        .fetch_optional(&self.pool)
        .await?
        .map(ThreadRecord::try_from)
        .transpose()
    }

    async fn thread_with_steps(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<Option<(ThreadRecord, Vec<Step>)>> {
        let Some(thread) = self.thread(user_id, thread_id).await? else {
            return Ok(None);
        };
        let rows = sqlx::query_as::<DB, StepRow>(&format!(
            "SELECT {STEP_COLUMNS} FROM steps s JOIN threads t ON t.id = s.thread_id \
             WHERE s.thread_id = $1 AND t.user_id = $2 ORDER BY s.position"
        ))
        .bind(thread_id.as_str())
        .bind(user_id.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut steps = rows
            .into_iter()
            .map(Step::try_from)
            .collect::<DataResult<Vec<_>>>()?;
        self.attach_feedback(thread_id, &mut steps).await?;
        Ok(Some((thread, steps)))
    }

    async fn list_threads(
        &self,
        user_id: &UserId,
        filter: &ThreadFilter,
    ) -> DataResult<ThreadPage> {
        let limit = filter.limit.clamp(1, 100);
        let search = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let Some(words) = search.and_then(search::SearchWords::parse) {
            let offset = match &filter.cursor {
                None => 0,
                Some(ThreadCursor::Ranked { offset }) => *offset,
                Some(ThreadCursor::After { .. }) => return Err(DataError::InvalidCursor),
            };
            self.index_before_search().await?;
            return search::ranked_page(&self.pool, user_id, &words, offset, limit).await;
        }
        // Everything else, a search without words included, newest first.
        let pattern = search.map(like_pattern);
        let (cursor_at, cursor_id) = match &filter.cursor {
            None => (None, None),
            Some(ThreadCursor::After { updated_at, id }) => {
                (Some(rows::to_i64(*updated_at)), Some(id.as_str()))
            }
            Some(ThreadCursor::Ranked { .. }) => return Err(DataError::InvalidCursor),
        };
        let like = DB::LIKE;
        let rows = sqlx::query_as::<DB, SummaryRow>(&format!(
            "SELECT t.id, t.name, t.created_at, t.updated_at FROM threads t \
             WHERE t.user_id = $1 \
             AND ($2 IS NULL OR t.updated_at < $2 OR (t.updated_at = $2 AND t.id < $3)) \
             AND ($4 IS NULL OR t.name {like} $4 ESCAPE '\\' OR EXISTS ( \
                 SELECT 1 FROM steps s WHERE s.thread_id = t.id \
                 AND s.type IN ('user_message', 'assistant_message', 'system_message') \
                 AND s.output {like} $4 ESCAPE '\\')) \
             ORDER BY t.updated_at DESC, t.id DESC LIMIT $5"
        ))
        .bind(user_id.as_str())
        .bind(cursor_at)
        .bind(cursor_id)
        .bind(pattern)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut threads = rows
            .into_iter()
            .map(ThreadSummary::try_from)
            .collect::<DataResult<Vec<_>>>()?;
        let next_cursor = if threads.len() > limit as usize {
            threads.truncate(limit as usize);
            threads.last().map(|t| {
                ThreadCursor::After {
                    updated_at: t.updated_at,
                    id: t.id.clone(),
                }
                .encode()
            })
        } else {
            None
        };
        Ok(ThreadPage {
            threads,
            next_cursor,
        })
    }

    async fn update_thread(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
        update: &ThreadUpdate,
    ) -> DataResult<bool> {
        let done = sqlx::query::<DB>(
            "UPDATE threads SET name = COALESCE($1, name), tags = COALESCE($2, tags), \
             metadata = COALESCE($3, metadata) WHERE id = $4 AND user_id = $5",
        )
        .bind(update.name.as_deref())
        .bind(update.tags.as_ref().map(rows::json_text))
        .bind(update.metadata.as_ref().map(rows::json_text))
        .bind(thread_id.as_str())
        .bind(user_id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&done) > 0)
    }

    async fn delete_thread(&self, user_id: &UserId, thread_id: &ThreadId) -> DataResult<bool> {
        let done = sqlx::query::<DB>("DELETE FROM threads WHERE id = $1 AND user_id = $2")
            .bind(thread_id.as_str())
            .bind(user_id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(DB::rows_affected(&done) > 0)
    }

    async fn upsert_element(&self, element: &Element) -> DataResult<()> {
        let mut conn = self.pool.acquire().await?;
        if elements::upsert::<DB>(&mut conn, element).await? {
            Ok(())
        } else {
            Err(DataError::NotOwner(element.thread_id.clone()))
        }
    }

    async fn element(
        &self,
        user_id: &UserId,
        element_id: &ElementId,
    ) -> DataResult<Option<Element>> {
        sqlx::query_as::<DB, ElementRow>(&format!(
            "SELECT {ELEMENT_COLUMNS} FROM elements e JOIN threads t ON t.id = e.thread_id \
             WHERE e.id = $1 AND t.user_id = $2"
        ))
        .bind(element_id.as_str())
        .bind(user_id.as_str())
        .fetch_optional(&self.pool)
        .await?
        .map(Element::try_from)
        .transpose()
    }

    async fn thread_elements(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<Vec<Element>> {
        sqlx::query_as::<DB, ElementRow>(&format!(
            "SELECT {ELEMENT_COLUMNS} FROM elements e JOIN threads t ON t.id = e.thread_id \
             WHERE e.thread_id = $1 AND t.user_id = $2 ORDER BY e.created_at, e.rowid"
        ))
        .bind(thread_id.as_str())
        .bind(user_id.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Element::try_from)
        .collect()
    }

    async fn upsert_feedback(
        &self,
        user_id: &UserId,
        feedback: &FeedbackRecord,
    ) -> DataResult<bool> {
        let owned: Option<String> = sqlx::query_scalar::<DB, String>(
            "SELECT id FROM threads WHERE id = $1 AND user_id = $2",
        )
        .bind(feedback.thread_id.as_str())
        .bind(user_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        if owned.is_none() {
            return Ok(false);
        }
        let mut conn = self.pool.acquire().await?;
        Self::put_feedback(&mut conn, feedback).await?;
        Ok(true)
    }

    async fn delete_feedback(&self, user_id: &UserId, feedback_id: &str) -> DataResult<bool> {
        let done = sqlx::query::<DB>(
            "DELETE FROM feedbacks WHERE id = $1 AND thread_id IN \
             (SELECT id FROM threads WHERE user_id = $2)",
        )
        .bind(feedback_id)
        .bind(user_id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(DB::rows_affected(&done) > 0)
    }
}
