//! Share links in the embedded SQLite file (`thread_shares`, migration
//! 0005): one per thread, by token hash.

use sqlx::Row;

use super::sqlite_store::{query_error, to_i64};
use super::{DataLayer, DataResult, SharedThread, SqliteDataLayer};
use crate::ids::{ThreadId, UserId};
use crate::time::now_millis;

impl SqliteDataLayer {
    pub(super) async fn put_share(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
        token_hash: &str,
    ) -> DataResult<bool> {
        let done = sqlx::query(
            "INSERT INTO thread_shares (thread_id, token_hash, created_at) \
             SELECT id, ?, ? FROM threads WHERE id = ? AND user_id = ? \
             ON CONFLICT(thread_id) DO UPDATE SET token_hash = excluded.token_hash, \
             created_at = excluded.created_at",
        )
        .bind(token_hash)
        .bind(to_i64(now_millis()))
        .bind(thread_id.as_str())
        .bind(user_id.as_str())
        .execute(self.pool())
        .await
        .map_err(query_error)?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn drop_share(
        &self,
        user_id: &UserId,
        thread_id: &ThreadId,
    ) -> DataResult<bool> {
        let done = sqlx::query(
            "DELETE FROM thread_shares WHERE thread_id = ? AND thread_id IN \
             (SELECT id FROM threads WHERE user_id = ?)",
        )
        .bind(thread_id.as_str())
        .bind(user_id.as_str())
        .execute(self.pool())
        .await
        .map_err(query_error)?;
        Ok(done.rows_affected() > 0)
    }

    pub(super) async fn find_share(&self, token_hash: &str) -> DataResult<Option<SharedThread>> {
        let row = sqlx::query(
            "SELECT t.id, t.user_id FROM thread_shares s JOIN threads t ON t.id = s.thread_id \
             WHERE s.token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await
        .map_err(query_error)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let corrupt = |e: sqlx::Error| super::DataError::Corrupt(e.to_string());
        let thread: String = row.try_get("id").map_err(corrupt)?;
        let owner: String = row.try_get("user_id").map_err(corrupt)?;
        let (Some(thread), Some(owner)) = (ThreadId::parse(&thread), UserId::parse(&owner)) else {
            return Ok(None);
        };
        let Some((record, steps)) = self.thread_with_steps(&owner, &thread).await? else {
            return Ok(None);
        };
        let elements = self.thread_elements(&owner, &thread).await?;
        Ok(Some((record, steps, elements)))
    }
}
