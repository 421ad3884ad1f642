//! Read-only share links (`thread_shares`): one per thread, known by the
//! SHA-256 of its token.

use sqlx::{Encode, Executor, IntoArguments, Pool, Type};

use super::rows::to_i64;
use super::Backend;
use crate::data::DataResult;
use crate::ids::{ThreadId, UserId};
use crate::time::now_millis;

/// Makes `token_hash` the thread's link; false when it is not the user's.
pub(super) async fn put<DB>(
    pool: &Pool<DB>,
    user_id: &UserId,
    thread_id: &ThreadId,
    token_hash: &str,
) -> DataResult<bool>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    let done = sqlx::query::<DB>(
        "INSERT INTO thread_shares (thread_id, token_hash, created_at) \
         SELECT id, $1, $2 FROM threads WHERE id = $3 AND user_id = $4 \
         ON CONFLICT(thread_id) DO UPDATE SET token_hash = excluded.token_hash, \
         created_at = excluded.created_at",
    )
    .bind(token_hash)
    .bind(to_i64(now_millis()))
    .bind(thread_id.as_str())
    .bind(user_id.as_str())
    .execute(pool)
    .await?;
    Ok(DB::rows_affected(&done) > 0)
}

/// Ends the thread's link; false when it had none or is not the user's.
pub(super) async fn remove<DB>(
    pool: &Pool<DB>,
    user_id: &UserId,
    thread_id: &ThreadId,
) -> DataResult<bool>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    let done = sqlx::query::<DB>(
        "DELETE FROM thread_shares WHERE thread_id = $1 AND thread_id IN \
         (SELECT id FROM threads WHERE user_id = $2)",
    )
    .bind(thread_id.as_str())
    .bind(user_id.as_str())
    .execute(pool)
    .await?;
    Ok(DB::rows_affected(&done) > 0)
}

/// The owner and thread a link's token hash names, whoever asks.
pub(super) async fn owner<DB>(
    pool: &Pool<DB>,
    token_hash: &str,
) -> DataResult<Option<(UserId, ThreadId)>>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'r> (String, String): sqlx::FromRow<'r, DB::Row>,
{
    let row = sqlx::query_as::<DB, (String, String)>(
        "SELECT t.user_id, t.id FROM thread_shares s JOIN threads t ON t.id = s.thread_id \
         WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(owner, thread)| Some((UserId::parse(&owner)?, ThreadId::parse(&thread)?))))
}
