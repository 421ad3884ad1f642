//! Elements in SQLite: one row per element, its bytes in file storage
//! under the element's id.

use loquat_app::protocol::{Display, Element, ElementKind, ElementSize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::sqlite_store::{from_json, json_text, query_error, to_i64, to_u64};
use super::{DataError, DataResult};

/// The columns [`element_from_row`] reads, for a table aliased `e`.
pub(super) const ELEMENT_COLUMNS: &str = "e.id, e.thread_id, e.for_id, e.kind, e.name, \
    e.display, e.size, e.mime, e.url, e.object_key, e.props, e.created_at, e.bytes";

pub(super) fn element_from_row(row: &SqliteRow) -> DataResult<Element> {
    let get_err = |e: sqlx::Error| DataError::Corrupt(e.to_string());
    let props: String = row.try_get("props").map_err(get_err)?;
    let kind: String = row.try_get("kind").map_err(get_err)?;
    let display: String = row.try_get("display").map_err(get_err)?;
    let size: Option<String> = row.try_get("size").map_err(get_err)?;
    let id: String = row.try_get("id").map_err(get_err)?;
    let object_key: Option<String> = row.try_get("object_key").map_err(get_err)?;
    let url = match object_key {
        Some(_) => Some(Element::content_path(&id)),
        None => row.try_get("url").map_err(get_err)?,
    };
    Ok(Element {
        thread_id: row.try_get("thread_id").map_err(get_err)?,
        for_id: row.try_get("for_id").map_err(get_err)?,
        kind: ElementKind::parse(&kind)
            .ok_or_else(|| DataError::Corrupt(format!("element kind {kind:?}")))?,
        name: row.try_get("name").map_err(get_err)?,
        display: Display::parse(&display).unwrap_or_default(),
        size: size.as_deref().and_then(ElementSize::parse),
        mime: row.try_get("mime").map_err(get_err)?,
        url,
        bytes: row
            .try_get::<Option<i64>, _>("bytes")
            .map_err(get_err)?
            .map(to_u64),
        props: from_json("props", &props)?,
        created_at: to_u64(row.try_get("created_at").map_err(get_err)?),
        id,
    })
}

/// Inserts or replaces an element; an id of another thread's element is
/// left alone (and reported as not written).
pub(super) async fn upsert_element(
    conn: &mut SqliteConnection,
    element: &Element,
) -> DataResult<bool> {
    let stored = crate::files::is_stored(element);
    let done = sqlx::query(
        "INSERT INTO elements (id, thread_id, for_id, kind, name, display, size, mime, url, \
         object_key, props, created_at, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT(id) DO UPDATE SET for_id = excluded.for_id, kind = excluded.kind, \
         name = excluded.name, display = excluded.display, size = excluded.size, \
         mime = excluded.mime, url = excluded.url, object_key = excluded.object_key, \
         props = excluded.props, bytes = excluded.bytes \
         WHERE elements.thread_id = excluded.thread_id",
    )
    .bind(&element.id)
    .bind(&element.thread_id)
    .bind(&element.for_id)
    .bind(element.kind.as_str())
    .bind(&element.name)
    .bind(element.display.as_str())
    .bind(element.size.map(|s| s.as_str()))
    .bind(&element.mime)
    .bind(if stored { None } else { element.url.as_deref() })
    .bind(if stored {
        Some(element.id.as_str())
    } else {
        None
    })
    .bind(json_text(&element.props))
    .bind(to_i64(element.created_at))
    .bind(element.bytes.map(to_i64))
    .execute(&mut *conn)
    .await
    .map_err(query_error)?;
    Ok(done.rows_affected() > 0)
}

/// Removes an element of a thread.
pub(super) async fn delete_element(
    conn: &mut SqliteConnection,
    thread_id: &str,
    element_id: &str,
) -> DataResult<()> {
    sqlx::query("DELETE FROM elements WHERE thread_id = ? AND id = ?")
        .bind(thread_id)
        .bind(element_id)
        .execute(&mut *conn)
        .await
        .map_err(query_error)?;
    Ok(())
}

/// Removes the elements attached to a step.
pub(super) async fn delete_step_elements(
    conn: &mut SqliteConnection,
    thread_id: &str,
    step_id: &str,
) -> DataResult<()> {
    sqlx::query("DELETE FROM elements WHERE thread_id = ? AND for_id = ?")
        .bind(thread_id)
        .bind(step_id)
        .execute(&mut *conn)
        .await
        .map_err(query_error)?;
    Ok(())
}
