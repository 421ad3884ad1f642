//! Elements: one row per element, its bytes in file storage under the
//! element's id (`object_key`).

use loquat_app::protocol::Element;
use sqlx::{Encode, Executor, IntoArguments, Type};

use super::rows::{json_text, to_i64};
use super::Backend;
use crate::data::DataResult;

/// Inserts or replaces an element; an id of another thread's element is
/// left alone (and reported as not written).
pub(super) async fn upsert<DB>(conn: &mut DB::Connection, element: &Element) -> DataResult<bool>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i64>: Encode<'q, DB>,
{
    let stored = crate::files::is_stored(element);
    let done = sqlx::query::<DB>(
        "INSERT INTO elements (id, thread_id, for_id, kind, name, display, size, mime, url, \
         object_key, props, created_at, bytes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT(id) DO UPDATE SET for_id = excluded.for_id, kind = excluded.kind, \
         name = excluded.name, display = excluded.display, size = excluded.size, \
         mime = excluded.mime, url = excluded.url, object_key = excluded.object_key, \
         props = excluded.props, bytes = excluded.bytes \
         WHERE elements.thread_id = excluded.thread_id",
    )
    .bind(element.id.as_str())
    .bind(element.thread_id.as_str())
    .bind(element.for_id.as_deref())
    .bind(element.kind.as_str())
    .bind(element.name.as_str())
    .bind(element.display.as_str())
    .bind(element.size.map(|s| s.as_str()))
    .bind(element.mime.as_deref())
    .bind(if stored { None } else { element.url.as_deref() })
    .bind(stored.then_some(element.id.as_str()))
    .bind(json_text(&element.props))
    .bind(to_i64(element.created_at))
    .bind(element.bytes.map(to_i64))
    .execute(&mut *conn)
    .await?;
    Ok(DB::rows_affected(&done) > 0)
}

/// Removes an element of a thread.
pub(super) async fn delete<DB>(
    conn: &mut DB::Connection,
    thread_id: &str,
    element_id: &str,
) -> DataResult<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    sqlx::query::<DB>("DELETE FROM elements WHERE thread_id = $1 AND id = $2")
        .bind(thread_id)
        .bind(element_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes the elements attached to a step.
pub(super) async fn delete_of_step<DB>(
    conn: &mut DB::Connection,
    thread_id: &str,
    step_id: &str,
) -> DataResult<()>
where
    DB: Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    sqlx::query::<DB>("DELETE FROM elements WHERE thread_id = $1 AND for_id = $2")
        .bind(thread_id)
        .bind(step_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
