//! The batched write path: a batch's threads and steps go in as multi-row
//! upserts, so a transaction costs a handful of statements however many
//! rows it carries (each statement is a round trip to the database).
//!
//! Row counts are split into power-of-two chunks, so only a few statement
//! texts exist and every one stays in the connection's prepared-statement
//! cache.

use std::sync::OnceLock;

use loquat_app::protocol::Step;
use sqlx::{Encode, Executor, IntoArguments, Type};

use super::rows::{json_text, to_i64};
use super::Backend;
use crate::data::{DataError, DataResult, ThreadRecord};

/// Chunk sizes, largest first; the largest bounds the parameters of one
/// statement (64 rows × 19 values is far below both databases' limits).
const CHUNKS: [usize; 7] = [64, 32, 16, 8, 4, 2, 1];

/// Splits `len` rows into chunk sizes from [`CHUNKS`], in order.
fn chunk_sizes(mut len: usize) -> impl Iterator<Item = (usize, usize)> {
    std::iter::from_fn(move || {
        let i = CHUNKS.iter().position(|&size| size <= len)?;
        len -= CHUNKS[i];
        Some((i, CHUNKS[i]))
    })
}

/// A row of a multi-row statement: `row` with its `?` placeholders, or
/// with each numbered `$n` after the `offset` parameters of the rows
/// before it when the backend numbers them.
fn push_row(row: &str, numbered: bool, offset: usize, out: &mut String) {
    if !numbered {
        out.push_str(row);
        return;
    }
    let mut n = offset;
    for (i, part) in row.split('?').enumerate() {
        if i > 0 {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        }
        out.push_str(part);
    }
}

/// `head` followed by `rows` copies of `row`, then `tail`.
fn multi_row(statement: &Statement, numbered: bool, rows: usize) -> String {
    let Statement {
        head,
        row,
        params,
        tail,
    } = statement;
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * (row.len() + 80));
    sql.push_str(head);
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        push_row(row, numbered, i * params, &mut sql);
    }
    sql.push_str(tail);
    sql
}

/// One of the statements below: its parts and the parameters of a row.
struct Statement {
    head: &'static str,
    row: &'static str,
    params: usize,
    tail: &'static str,
}

const THREADS: Statement = Statement {
    head: "INSERT INTO threads (id, user_id, name, created_at, updated_at, tags, metadata) \
           VALUES ",
    row: "(?, ?, ?, ?, ?, ?, ?)",
    params: 7,
    // On update a name only fills a missing one (a rename wins),
    // `updated_at` only moves forward, and another user's thread is left
    // untouched (and not counted, which is how the caller notices).
    tail: " ON CONFLICT(id) DO UPDATE SET \
           name = COALESCE(threads.name, excluded.name), \
           updated_at = CASE WHEN excluded.updated_at > threads.updated_at \
               THEN excluded.updated_at ELSE threads.updated_at END, \
           tags = excluded.tags, metadata = excluded.metadata \
           WHERE threads.user_id = excluded.user_id",
};

const STEPS: Statement = Statement {
    head: "INSERT INTO steps (id, thread_id, position, parent_id, name, type, input, output, \
           is_error, streaming, show_input, language, metadata, tags, created_at, start_at, \
           end_at, actions) VALUES ",
    // A new step goes after the thread's last one: the last position plus
    // the row's ordinal in the statement keeps the batch's own order
    // whether or not the database sees the statement's earlier rows when it
    // evaluates the subquery.
    row: "(?, ?, (SELECT COALESCE(MAX(position), 0) FROM steps WHERE thread_id = ?) + ?, \
          ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    params: 19,
    // Existing steps keep their place, and their thread: an id of another
    // thread's step is never touched.
    tail: " ON CONFLICT(id) DO UPDATE SET parent_id = excluded.parent_id, \
           name = excluded.name, type = excluded.type, input = excluded.input, \
           output = excluded.output, is_error = excluded.is_error, \
           streaming = excluded.streaming, show_input = excluded.show_input, \
           language = excluded.language, metadata = excluded.metadata, tags = excluded.tags, \
           created_at = excluded.created_at, start_at = excluded.start_at, \
           end_at = excluded.end_at, actions = excluded.actions \
           WHERE steps.thread_id = excluded.thread_id",
};

/// The texts of one statement for every chunk size, in both placeholder
/// styles, built once per process.
struct Texts {
    numbered: OnceLock<Vec<String>>,
    anonymous: OnceLock<Vec<String>>,
}

impl Texts {
    const fn new() -> Texts {
        Texts {
            numbered: OnceLock::new(),
            anonymous: OnceLock::new(),
        }
    }

    /// The statement for `CHUNKS[chunk]` rows.
    fn get(&'static self, statement: &Statement, numbered: bool, chunk: usize) -> &'static str {
        let cell = if numbered {
            &self.numbered
        } else {
            &self.anonymous
        };
        &cell.get_or_init(|| {
            CHUNKS
                .iter()
                .map(|&rows| multi_row(statement, numbered, rows))
                .collect()
        })[chunk]
    }
}

fn threads_sql(numbered: bool, chunk: usize) -> &'static str {
    static TEXTS: Texts = Texts::new();
    TEXTS.get(&THREADS, numbered, chunk)
}

fn steps_sql(numbered: bool, chunk: usize) -> &'static str {
    static TEXTS: Texts = Texts::new();
    TEXTS.get(&STEPS, numbered, chunk)
}

/// Creates or updates `threads`; fails with [`DataError::NotOwner`] when
/// one of them belongs to another user.
pub(super) async fn upsert_threads<DB>(
    conn: &mut DB::Connection,
    threads: &[ThreadRecord],
) -> DataResult<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> (String,): sqlx::FromRow<'q, DB::Row>,
{
    let mut rest = threads;
    for (chunk, size) in chunk_sizes(threads.len()) {
        let (rows, tail) = rest.split_at(size);
        rest = tail;
        let mut query = sqlx::query::<DB>(threads_sql(DB::NUMBERED_PARAMETERS, chunk));
        for thread in rows {
            query = query
                .bind(thread.id.as_str())
                .bind(thread.user_id.as_str())
                .bind(thread.name.as_deref())
                .bind(to_i64(thread.created_at))
                .bind(to_i64(thread.updated_at))
                .bind(json_text(&thread.tags))
                .bind(json_text(&thread.metadata));
        }
        let done = query.execute(&mut *conn).await?;
        if DB::rows_affected(&done) < rows.len() as u64 {
            return Err(DataError::NotOwner(foreign_thread::<DB>(conn, rows).await?));
        }
    }
    Ok(())
}

/// The first of `threads` stored under another user (the failure path only).
async fn foreign_thread<DB>(
    conn: &mut DB::Connection,
    threads: &[ThreadRecord],
) -> DataResult<String>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> (String,): sqlx::FromRow<'q, DB::Row>,
{
    for thread in threads {
        let owner: Option<String> =
            sqlx::query_scalar::<DB, String>("SELECT user_id FROM threads WHERE id = $1")
                .bind(thread.id.as_str())
                .fetch_optional(&mut *conn)
                .await?;
        if owner.is_some_and(|owner| owner != thread.user_id) {
            return Ok(thread.id.clone());
        }
    }
    Ok(threads.first().map(|t| t.id.clone()).unwrap_or_default())
}

/// Inserts or replaces `steps` whole, in order.
pub(super) async fn upsert_steps<DB>(conn: &mut DB::Connection, steps: &[Step]) -> DataResult<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
{
    let mut rest = steps;
    for (chunk, size) in chunk_sizes(steps.len()) {
        let (rows, tail) = rest.split_at(size);
        rest = tail;
        let mut query = sqlx::query::<DB>(steps_sql(DB::NUMBERED_PARAMETERS, chunk));
        for (ordinal, step) in (1_i64..).zip(rows) {
            query = query
                .bind(step.id.as_str())
                .bind(step.thread_id.as_str())
                .bind(step.thread_id.as_str())
                .bind(ordinal)
                .bind(step.parent_id.as_deref())
                .bind(step.name.as_str())
                .bind(step.step_type.as_str())
                .bind(step.input.as_str())
                .bind(step.output.as_str())
                .bind(step.is_error)
                .bind(step.streaming)
                .bind(json_text(&step.show_input))
                .bind(step.language.as_deref())
                .bind(json_text(&step.metadata))
                .bind(json_text(&step.tags))
                .bind(to_i64(step.created_at))
                .bind(step.start.map(to_i64))
                .bind(step.end.map(to_i64))
                .bind(json_text(&step.actions));
        }
        query.execute(&mut *conn).await?;
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

    /// Every parameter a chunk binds appears in its text once, in order,
    /// so a row can never read another row's values.
    #[test]
    fn statements_have_one_placeholder_per_bound_value() {
        for statement in [&THREADS, &STEPS] {
            for &rows in &CHUNKS {
                let anonymous = multi_row(statement, false, rows);
                assert_eq!(anonymous.matches('?').count(), statement.params * rows);
                assert!(!anonymous.contains('$'));
                let numbered = multi_row(statement, true, rows);
                assert!(!numbered.contains('?'));
                let seen: Vec<usize> = numbered
                    .split('$')
                    .skip(1)
                    .map(|s| {
                        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
                        digits.parse().unwrap_or(0)
                    })
                    .collect();
                assert_eq!(seen, (1..=statement.params * rows).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn rows_are_numbered_after_the_rows_before_them() {
        let mut out = String::new();
        push_row("(?, ?, (x = ?) + ?)", true, 20, &mut out);
        assert_eq!(out, "($21, $22, (x = $23) + $24)");
        out.clear();
        push_row("(?, ?)", false, 20, &mut out);
        assert_eq!(out, "(?, ?)");
    }
}
