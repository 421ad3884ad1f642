//! The embedded default data layer: one SQLite file in WAL mode, with
//! versioned migrations from `server/migrations/sqlite`.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use loquat_app::protocol::{Element, ShowInput, Step, StepType, ThreadPage, ThreadSummary};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqlitePool};

use super::sqlite_elements::{
    delete_element, delete_step_elements, element_from_row, upsert_element, ELEMENT_COLUMNS,
};
use super::sqlite_write::{upsert_steps, upsert_threads};
use super::{
    DataError, DataLayer, DataResult, FeedbackRecord, ThreadCursor, ThreadFilter, ThreadRecord,
    ThreadUpdate, UserRecord, WriteBatch,
};
use crate::ids::{ElementId, ThreadId, UserId};
use crate::time::now_millis;

/// Connections in the pool (SQLite serializes writers anyway).
const MAX_CONNECTIONS: u32 = 4;

/// SQLite implementation of [`DataLayer`].
#[derive(Clone, Debug)]
pub struct SqliteDataLayer {
    pool: SqlitePool,
    path: PathBuf,
}

pub(super) fn query_error(err: sqlx::Error) -> DataError {
    DataError::Query(Box::new(err))
}

pub(super) fn to_i64(millis: u64) -> i64 {
    i64::try_from(millis).unwrap_or(i64::MAX)
}

pub(super) fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(super) fn json_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> DataResult<T> {
    serde_json::from_str(text).map_err(|e| DataError::Corrupt(format!("{column}: {e}")))
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

impl SqliteDataLayer {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date.
    pub async fn open(path: impl AsRef<Path>) -> DataResult<SqliteDataLayer> {
        let path = path.as_ref().to_path_buf();
        let open_error = |source: Box<dyn std::error::Error + Send + Sync>| DataError::Open {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| open_error(Box::new(e)))?;
        }
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(|e| open_error(Box::new(e)))?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // With WAL, NORMAL survives a killed process (not a power cut)
            // without an fsync per commit.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Statement journals of multi-row upserts stay off the disk.
            .pragma("temp_store", "memory")
            // Reads of recently written pages come from memory, not `pread`.
            .pragma("cache_size", "-16384")
            .pragma("mmap_size", "67108864")
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(|e| open_error(Box::new(e)))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| DataError::Migration(Box::new(e)))?;
        Ok(SqliteDataLayer { pool, path })
    }

    pub(super) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

const STEP_COLUMNS: &str = "s.id, s.thread_id, s.parent_id, s.name, s.type, s.input, s.output, \
    s.is_error, s.streaming, s.show_input, s.language, s.metadata, s.tags, s.created_at, \
    s.start_at, s.end_at, s.actions";

fn step_from_row(row: &SqliteRow) -> DataResult<Step> {
    let get_err = |e: sqlx::Error| DataError::Corrupt(e.to_string());
    let step_type: String = row.try_get("type").map_err(get_err)?;
    let show_input: String = row.try_get("show_input").map_err(get_err)?;
    let metadata: String = row.try_get("metadata").map_err(get_err)?;
    let tags: String = row.try_get("tags").map_err(get_err)?;
    let actions: String = row.try_get("actions").map_err(get_err)?;
    Ok(Step {
        id: row.try_get("id").map_err(get_err)?,
        thread_id: row.try_get("thread_id").map_err(get_err)?,
        parent_id: row.try_get("parent_id").map_err(get_err)?,
        name: row.try_get("name").map_err(get_err)?,
        step_type: serde_json::from_value::<StepType>(serde_json::Value::String(step_type))
            .unwrap_or_default(),
        input: row.try_get("input").map_err(get_err)?,
        output: row.try_get("output").map_err(get_err)?,
        is_error: row.try_get("is_error").map_err(get_err)?,
        streaming: row.try_get("streaming").map_err(get_err)?,
        show_input: from_json::<ShowInput>("show_input", &show_input)?,
        language: row.try_get("language").map_err(get_err)?,
        metadata: from_json("metadata", &metadata)?,
        tags: from_json("tags", &tags)?,
        created_at: to_u64(row.try_get("created_at").map_err(get_err)?),
        start: row
            .try_get::<Option<i64>, _>("start_at")
            .map_err(get_err)?
            .map(to_u64),
        end: row
            .try_get::<Option<i64>, _>("end_at")
            .map_err(get_err)?
            .map(to_u64),
        actions: from_json("actions", &actions)?,
        feedback: None,
    })
}

fn thread_from_row(row: &SqliteRow) -> DataResult<ThreadRecord> {
    let get_err = |e: sqlx::Error| DataError::Corrupt(e.to_string());
    let tags: String = row.try_get("tags").map_err(get_err)?;
    let metadata: String = row.try_get("metadata").map_err(get_err)?;
    Ok(ThreadRecord {
        id: row.try_get("id").map_err(get_err)?,
        user_id: row.try_get("user_id").map_err(get_err)?,
        name: row.try_get("name").map_err(get_err)?,
        created_at: to_u64(row.try_get("created_at").map_err(get_err)?),
        updated_at: to_u64(row.try_get("updated_at").map_err(get_err)?),
        tags: from_json("tags", &tags)?,
        metadata: from_json("metadata", &metadata)?,
    })
}

impl SqliteDataLayer {
    async fn user_by_identifier(&self, identifier: &str) -> DataResult<UserRecord> {
        let row = sqlx::query(
            "SELECT id, identifier, display_name, metadata, created_at FROM users \
             WHERE identifier = ?",
        )
        .bind(identifier)
        .fetch_one(&self.pool)
        .await
        .map_err(query_error)?;
        let get_err = |e: sqlx::Error| DataError::Corrupt(e.to_string());
        let metadata: String = row.try_get("metadata").map_err(get_err)?;
        Ok(UserRecord {
            id: row.try_get("id").map_err(get_err)?,
            identifier: row.try_get("identifier").map_err(get_err)?,
            display_name: row.try_get("display_name").map_err(get_err)?,
            metadata: from_json("metadata", &metadata)?,
            created_at: to_u64(row.try_get("created_at").map_err(get_err)?),
        })
    }
}

/// Stores a feedback (one per message: a new one replaces the old).
async fn upsert_feedback(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    feedback: &FeedbackRecord,
) -> DataResult<()> {
    sqlx::query(
        "INSERT INTO feedbacks (id, thread_id, for_id, value, comment, reasons) \
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(thread_id, for_id) DO UPDATE SET \
         value = excluded.value, comment = excluded.comment, reasons = excluded.reasons",
    )
    .bind(&feedback.id)
    .bind(&feedback.thread_id)
    .bind(&feedback.for_id)
    .bind(feedback.value)
    .bind(&feedback.comment)
    .bind(json_text(&feedback.reasons))
    .execute(&mut **tx)
    .await
    .map_err(query_error)?;
    Ok(())
}

/// Puts each message's stored feedback on it.
async fn attach_feedback(
    pool: &SqlitePool,
    thread_id: &ThreadId,
    steps: &mut [Step],
) -> DataResult<()> {
    let rows = sqlx::query(
        "SELECT id, thread_id, for_id, value, comment, reasons FROM feedbacks WHERE thread_id = ?",
    )
    .bind(thread_id.as_str())
    .fetch_all(pool)
    .await
    .map_err(query_error)?;
    if rows.is_empty() {
        return Ok(());
    }
    let get_err = |e: sqlx::Error| DataError::Corrupt(e.to_string());
    let mut by_step = std::collections::HashMap::new();
    for row in &rows {
        let reasons: String = row.try_get("reasons").map_err(get_err)?;
        let record = FeedbackRecord {
            id: row.try_get("id").map_err(get_err)?,
            thread_id: row.try_get("thread_id").map_err(get_err)?,
            for_id: row.try_get("for_id").map_err(get_err)?,
            value: row.try_get("value").map_err(get_err)?,
            comment: row.try_get("comment").map_err(get_err)?,
            reasons: from_json("reasons", &reasons)?,
        };
        by_step.insert(record.for_id.clone(), record.feedback());
    }
    for step in steps {
        if let Some(feedback) = by_step.remove(&step.id) {
            step.feedback = Some(feedback);
        }
    }
    Ok(())
}

const THREAD_COLUMNS: &str = "id, user_id, name, created_at, updated_at, tags, metadata";

#[async_trait::async_trait]
impl DataLayer for SqliteDataLayer {
    async fn get_or_create_user(&self, identifier: &str) -> DataResult<UserRecord> {
        sqlx::query(
            "INSERT INTO users (id, identifier, metadata, created_at) VALUES (?, ?, '{}', ?) \
             ON CONFLICT(identifier) DO NOTHING",
        )
        .bind(crate::ids::new_id())
        .bind(identifier)
        .bind(to_i64(now_millis()))
        .execute(&self.pool)
        .await
        .map_err(query_error)?;
        self.user_by_identifier(identifier).await
    }

    async fn sign_in_user(&self, user: &crate::User) -> DataResult<UserRecord> {
        sqlx::query(
            "INSERT INTO users (id, identifier, display_name, metadata, created_at) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT(identifier) DO UPDATE SET \
             display_name = excluded.display_name, metadata = excluded.metadata",
        )
        .bind(crate::ids::new_id())
        .bind(&user.identifier)
        .bind(&user.display_name)
        .bind(json_text(&user.metadata))
        .bind(to_i64(now_millis()))
        .execute(&self.pool)
        .await
        .map_err(query_error)?;
        self.user_by_identifier(&user.identifier).await
    }

    async fn share_thread(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
        token_hash: &str,
    ) -> DataResult<bool> {
        self.put_share(user_id, thread_id, token_hash).await
    }

    async fn unshare_thread(&self, user_id: &UserId, thread_id: &ThreadId) -> DataResult<bool> {
        self.drop_share(user_id, thread_id).await
    }

    async fn shared_thread(&self, token_hash: &str) -> DataResult<Option<super::SharedThread>> {
        self.find_share(token_hash).await
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
        // IMMEDIATE takes the write lock up front (waiting out busy_timeout),
        // instead of failing when a read must later upgrade to a write.
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(query_error)?;
        upsert_threads(&mut tx, &batch.threads).await?;
        upsert_steps(&mut tx, &batch.steps).await?;
        for element in &batch.elements {
            upsert_element(&mut tx, element).await?;
        }
        for (thread_id, step_id) in &batch.deleted_steps {
            sqlx::query("DELETE FROM steps WHERE thread_id = ? AND id = ?")
                .bind(thread_id)
                .bind(step_id)
                .execute(&mut *tx)
                .await
                .map_err(query_error)?;
            delete_step_elements(&mut tx, thread_id, step_id).await?;
        }
        for (thread_id, element_id) in &batch.deleted_elements {
            delete_element(&mut tx, thread_id, element_id).await?;
        }
        for feedback in &batch.feedbacks {
            upsert_feedback(&mut tx, feedback).await?;
        }
        for (thread_id, step_id) in &batch.deleted_feedbacks {
            sqlx::query("DELETE FROM feedbacks WHERE thread_id = ? AND for_id = ?")
                .bind(thread_id)
                .bind(step_id)
                .execute(&mut *tx)
                .await
                .map_err(query_error)?;
        }
        tx.commit().await.map_err(query_error)
    }

    async fn thread(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<Option<ThreadRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {THREAD_COLUMNS} FROM threads WHERE id = ? AND user_id = ?"
        ))
        .bind(thread_id.as_str())
        .bind(user_id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(query_error)?;
        row.as_ref().map(thread_from_row).transpose()
    }

    async fn thread_with_steps(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<Option<(ThreadRecord, Vec<Step>)>> {
        let Some(thread) = self.thread(user_id, thread_id).await? else {
            return Ok(None);
        };
        let rows = sqlx::query(&format!(
            "SELECT {STEP_COLUMNS} FROM steps s JOIN threads t ON t.id = s.thread_id \
             WHERE s.thread_id = ? AND t.user_id = ? ORDER BY s.position"
        ))
        .bind(thread_id.as_str())
        .bind(user_id.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(query_error)?;
        let mut steps: Vec<Step> = rows.iter().map(step_from_row).collect::<DataResult<_>>()?;
        attach_feedback(&self.pool, thread_id, &mut steps).await?;
        Ok(Some((thread, steps)))
    }

    async fn list_threads(
        &self,
        user_id: &UserId,
        filter: &ThreadFilter,
    ) -> DataResult<ThreadPage> {
        let limit = filter.limit.clamp(1, 100);
        let pattern = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(like_pattern);
        let (cursor_at, cursor_id) = match &filter.cursor {
            Some(c) => (Some(to_i64(c.updated_at)), Some(c.id.clone())),
            None => (None, None),
        };
        let rows = sqlx::query(
            "SELECT t.id, t.name, t.created_at, t.updated_at FROM threads t \
             WHERE t.user_id = ?1 \
             AND (?2 IS NULL OR t.updated_at < ?2 OR (t.updated_at = ?2 AND t.id < ?3)) \
             AND (?4 IS NULL OR t.name LIKE ?4 ESCAPE '\\' OR EXISTS ( \
                 SELECT 1 FROM steps s WHERE s.thread_id = t.id \
                 AND s.type IN ('user_message', 'assistant_message', 'system_message') \
                 AND s.output LIKE ?4 ESCAPE '\\')) \
             ORDER BY t.updated_at DESC, t.id DESC LIMIT ?5",
        )
        .bind(user_id.as_str())
        .bind(cursor_at)
        .bind(cursor_id)
        .bind(pattern)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error)?;
        let get_err = |e: sqlx::Error| DataError::Corrupt(e.to_string());
        let mut threads = Vec::with_capacity(rows.len());
        for row in &rows {
            let name: Option<String> = row.try_get("name").map_err(get_err)?;
            threads.push(ThreadSummary {
                id: row.try_get("id").map_err(get_err)?,
                name: name.unwrap_or_else(|| "New chat".into()),
                created_at: to_u64(row.try_get("created_at").map_err(get_err)?),
                updated_at: to_u64(row.try_get("updated_at").map_err(get_err)?),
            });
        }
        let next_cursor = if threads.len() > limit as usize {
            threads.truncate(limit as usize);
            threads.last().map(|t| {
                ThreadCursor {
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
        let done = sqlx::query(
            "UPDATE threads SET name = COALESCE(?, name), tags = COALESCE(?, tags), \
             metadata = COALESCE(?, metadata) WHERE id = ? AND user_id = ?",
        )
        .bind(update.name.as_deref())
        .bind(update.tags.as_ref().map(json_text))
        .bind(update.metadata.as_ref().map(json_text))
        .bind(thread_id.as_str())
        .bind(user_id.as_str())
        .execute(&self.pool)
        .await
        .map_err(query_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_thread(&self, user_id: &UserId, thread_id: &ThreadId) -> DataResult<bool> {
        let done = sqlx::query("DELETE FROM threads WHERE id = ? AND user_id = ?")
            .bind(thread_id.as_str())
            .bind(user_id.as_str())
            .execute(&self.pool)
            .await
            .map_err(query_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn upsert_element(&self, element: &Element) -> DataResult<()> {
        let mut conn = self.pool.acquire().await.map_err(query_error)?;
        if upsert_element(&mut conn, element).await? {
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
        let row = sqlx::query(&format!(
            "SELECT {ELEMENT_COLUMNS} FROM elements e JOIN threads t ON t.id = e.thread_id \
             WHERE e.id = ? AND t.user_id = ?"
        ))
        .bind(element_id.as_str())
        .bind(user_id.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(query_error)?;
        row.as_ref().map(element_from_row).transpose()
    }

    async fn thread_elements(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<Vec<Element>> {
        let rows = sqlx::query(&format!(
            "SELECT {ELEMENT_COLUMNS} FROM elements e JOIN threads t ON t.id = e.thread_id \
             WHERE e.thread_id = ? AND t.user_id = ? ORDER BY e.created_at, e.rowid"
        ))
        .bind(thread_id.as_str())
        .bind(user_id.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(query_error)?;
        rows.iter().map(element_from_row).collect()
    }

    async fn upsert_feedback(
        &self,
        user_id: &UserId,
        feedback: &FeedbackRecord,
    ) -> DataResult<bool> {
        let owned: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM threads WHERE id = ? AND user_id = ?")
                .bind(&feedback.thread_id)
                .bind(user_id.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(query_error)?;
        if owned.is_none() {
            return Ok(false);
        }
        let mut tx = self.pool.begin().await.map_err(query_error)?;
        upsert_feedback(&mut tx, feedback).await?;
        tx.commit().await.map_err(query_error)?;
        Ok(true)
    }

    async fn delete_feedback(&self, user_id: &UserId, feedback_id: &str) -> DataResult<bool> {
        let done = sqlx::query(
            "DELETE FROM feedbacks WHERE id = ? AND thread_id IN \
             (SELECT id FROM threads WHERE user_id = ?)",
        )
        .bind(feedback_id)
        .bind(user_id.as_str())
        .execute(&self.pool)
        .await
        .map_err(query_error)?;
        Ok(done.rows_affected() > 0)
    }
}
