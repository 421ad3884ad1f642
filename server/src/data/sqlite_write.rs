//! The SQLite write path: a batch's threads and steps go in as multi-row
//! upserts, so a transaction costs a handful of statements however many
//! rows it carries (each statement is a round trip to SQLite's thread).
//!
//! Row counts are split into power-of-two chunks, so only a few statement
//! texts exist and every one stays in the connection's prepared-statement
//! cache.

use std::sync::OnceLock;

use loquat_app::protocol::Step;
use sqlx::SqliteConnection;

use super::sqlite_store::{json_text, query_error, to_i64};
use super::{DataError, DataResult, ThreadRecord};

/// Chunk sizes, largest first; the largest bounds the bound parameters of
/// one statement (64 rows × 19 values is far below SQLite's limit).
const CHUNKS: [usize; 7] = [64, 32, 16, 8, 4, 2, 1];

/// Splits `len` rows into chunk sizes from [`CHUNKS`], in order.
fn chunk_sizes(mut len: usize) -> impl Iterator<Item = (usize, usize)> {
    std::iter::from_fn(move || {
        let i = CHUNKS.iter().position(|&size| size <= len)?;
        len -= CHUNKS[i];
        Some((i, CHUNKS[i]))
    })
}

/// `head` followed by `rows` copies of `row`, comma-separated, then `tail`.
fn multi_row(head: &str, row: &str, rows: usize, tail: &str) -> String {
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * (row.len() + 2));
    sql.push_str(head);
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(row);
    }
    sql.push_str(tail);
    sql
}

const THREADS_HEAD: &str =
    "INSERT INTO threads (id, user_id, name, created_at, updated_at, tags, metadata) VALUES ";
const THREAD_ROW: &str = "(?, ?, ?, ?, ?, ?, ?)";
/// On update a name only fills a missing one (a rename wins), `updated_at`
/// only moves forward, and another user's thread is left untouched (and
/// not counted, which is how the caller notices).
const THREADS_TAIL: &str = " ON CONFLICT(id) DO UPDATE SET \
    name = COALESCE(threads.name, excluded.name), \
    updated_at = MAX(threads.updated_at, excluded.updated_at), \
    tags = excluded.tags, metadata = excluded.metadata \
    WHERE threads.user_id = excluded.user_id";

const STEPS_HEAD: &str = "INSERT INTO steps (id, thread_id, position, parent_id, name, type, \
    input, output, is_error, streaming, show_input, language, metadata, tags, created_at, \
    start_at, end_at, actions) VALUES ";
/// A new step goes after the thread's last one: the last position plus the
/// row's ordinal in the statement keeps the batch's own order whether or not
/// SQLite sees the earlier rows of the statement when it evaluates the
/// subquery.
const STEP_ROW: &str = "(?, ?, (SELECT COALESCE(MAX(position), 0) FROM steps WHERE thread_id = ?) \
    + ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/// Existing steps keep their place, and their thread: an id of another
/// thread's step is never touched.
const STEPS_TAIL: &str = " ON CONFLICT(id) DO UPDATE SET parent_id = excluded.parent_id, \
    name = excluded.name, type = excluded.type, input = excluded.input, \
    output = excluded.output, is_error = excluded.is_error, streaming = excluded.streaming, \
    show_input = excluded.show_input, language = excluded.language, \
    metadata = excluded.metadata, tags = excluded.tags, created_at = excluded.created_at, \
    start_at = excluded.start_at, end_at = excluded.end_at, actions = excluded.actions \
    WHERE steps.thread_id = excluded.thread_id";

/// The statement for `CHUNKS[chunk]` rows, built once per process.
fn cached(
    cell: &'static OnceLock<Vec<String>>,
    [head, row, tail]: [&str; 3],
    chunk: usize,
) -> &'static str {
    &cell.get_or_init(|| {
        CHUNKS
            .iter()
            .map(|&n| multi_row(head, row, n, tail))
            .collect()
    })[chunk]
}

fn threads_sql(chunk: usize) -> &'static str {
    static SQL: OnceLock<Vec<String>> = OnceLock::new();
    cached(&SQL, [THREADS_HEAD, THREAD_ROW, THREADS_TAIL], chunk)
}

fn steps_sql(chunk: usize) -> &'static str {
    static SQL: OnceLock<Vec<String>> = OnceLock::new();
    cached(&SQL, [STEPS_HEAD, STEP_ROW, STEPS_TAIL], chunk)
}

/// Creates or updates `threads`; fails with [`DataError::NotOwner`] when
/// one of them belongs to another user.
pub(super) async fn upsert_threads(
    conn: &mut SqliteConnection,
    threads: &[ThreadRecord],
) -> DataResult<()> {
    let mut rest = threads;
    for (chunk, size) in chunk_sizes(threads.len()) {
        let (rows, tail) = rest.split_at(size);
        rest = tail;
        let mut query = sqlx::query(threads_sql(chunk));
        for thread in rows {
            query = query
                .bind(&thread.id)
                .bind(&thread.user_id)
                .bind(&thread.name)
                .bind(to_i64(thread.created_at))
                .bind(to_i64(thread.updated_at))
                .bind(json_text(&thread.tags))
                .bind(json_text(&thread.metadata));
        }
        let done = query.execute(&mut *conn).await.map_err(query_error)?;
        if done.rows_affected() < rows.len() as u64 {
            return Err(DataError::NotOwner(foreign_thread(conn, rows).await?));
        }
    }
    Ok(())
}

/// The first of `threads` stored under another user (the failure path only).
async fn foreign_thread(
    conn: &mut SqliteConnection,
    threads: &[ThreadRecord],
) -> DataResult<String> {
    for thread in threads {
        let owner: Option<String> = sqlx::query_scalar("SELECT user_id FROM threads WHERE id = ?")
            .bind(&thread.id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(query_error)?;
        if owner.is_some_and(|owner| owner != thread.user_id) {
            return Ok(thread.id.clone());
        }
    }
    Ok(threads.first().map(|t| t.id.clone()).unwrap_or_default())
}

/// Inserts or replaces `steps` whole, in order.
pub(super) async fn upsert_steps(conn: &mut SqliteConnection, steps: &[Step]) -> DataResult<()> {
    let mut rest = steps;
    for (chunk, size) in chunk_sizes(steps.len()) {
        let (rows, tail) = rest.split_at(size);
        rest = tail;
        let mut query = sqlx::query(steps_sql(chunk));
        for (ordinal, step) in (1_i64..).zip(rows) {
            query = query
                .bind(&step.id)
                .bind(&step.thread_id)
                .bind(&step.thread_id)
                .bind(ordinal)
                .bind(&step.parent_id)
                .bind(&step.name)
                .bind(step.step_type.as_str())
                .bind(&step.input)
                .bind(&step.output)
                .bind(step.is_error)
                .bind(step.streaming)
                .bind(json_text(&step.show_input))
                .bind(&step.language)
                .bind(json_text(&step.metadata))
                .bind(json_text(&step.tags))
                .bind(to_i64(step.created_at))
                .bind(step.start.map(to_i64))
                .bind(step.end.map(to_i64))
                .bind(json_text(&step.actions));
        }
        query.execute(&mut *conn).await.map_err(query_error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_row_with_few_statement_texts() {
        for len in 0..300 {
            let sizes: Vec<usize> = chunk_sizes(len).map(|(_, size)| size).collect();
            assert_eq!(sizes.iter().sum::<usize>(), len, "len {len}");
            assert!(
                sizes.windows(2).all(|w| w[0] >= w[1]),
                "len {len}: {sizes:?}"
            );
        }
        assert_eq!(
            chunk_sizes(75).map(|(_, s)| s).collect::<Vec<_>>(),
            [64, 8, 2, 1]
        );
    }

    #[test]
    fn statements_have_one_placeholder_per_bound_value() {
        for (i, &n) in CHUNKS.iter().enumerate() {
            assert_eq!(threads_sql(i).matches('?').count(), 7 * n);
            assert_eq!(steps_sql(i).matches('?').count(), 19 * n);
        }
    }
}
