//! The codec between table rows and Loquat's records, shared by every SQL
//! backend: one `FromRow` struct per query shape, decoded by sqlx whatever
//! the database, then turned into a record with every column checked.
//!
//! Nothing here falls back to a default: a column that does not decode (a
//! JSON text that does not parse, an unknown element kind, a negative time)
//! is [`DataError::Corrupt`] naming the column, so a damaged row is reported
//! instead of shown as something it is not.

use loquat_app::protocol::{
    Display, Element, ElementKind, ElementSize, ShowInput, Step, StepType, ThreadSummary,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::data::{DataError, DataResult, FeedbackRecord, ThreadRecord, UserRecord};

/// A JSON column's text (JSON columns are text in every backend, so one
/// codec serves them all).
pub(crate) fn json_text<T: Serialize>(value: &T) -> String {
    // Serializing these records (maps, vectors, strings) cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// A JSON column's value.
pub(crate) fn from_json<T: DeserializeOwned>(column: &str, text: &str) -> DataResult<T> {
    serde_json::from_str(text).map_err(|e| DataError::Corrupt(format!("{column}: {e}")))
}

/// Milliseconds as stored (a signed 64-bit column).
pub(crate) fn to_i64(millis: u64) -> i64 {
    i64::try_from(millis).unwrap_or(i64::MAX)
}

/// Milliseconds as read back; a negative value is a damaged row.
pub(crate) fn millis(column: &str, value: i64) -> DataResult<u64> {
    u64::try_from(value).map_err(|_| DataError::Corrupt(format!("{column}: {value} is negative")))
}

fn millis_opt(column: &str, value: Option<i64>) -> DataResult<Option<u64>> {
    value.map(|v| millis(column, v)).transpose()
}

/// The columns [`StepRow`] reads, for `steps` aliased `s`.
pub(crate) const STEP_COLUMNS: &str = "s.id, s.thread_id, s.parent_id, s.name, s.type, \
    s.input, s.output, s.is_error, s.streaming, s.show_input, s.language, s.metadata, s.tags, \
    s.created_at, s.start_at, s.end_at, s.actions";

#[derive(sqlx::FromRow)]
pub(crate) struct StepRow {
    id: String,
    thread_id: String,
    parent_id: Option<String>,
    name: String,
    #[sqlx(rename = "type")]
    step_type: String,
    input: String,
    output: String,
    is_error: bool,
    streaming: bool,
    show_input: String,
    language: Option<String>,
    metadata: String,
    tags: String,
    created_at: i64,
    start_at: Option<i64>,
    end_at: Option<i64>,
    actions: String,
}

impl TryFrom<StepRow> for Step {
    type Error = DataError;

    fn try_from(row: StepRow) -> DataResult<Step> {
        Ok(Step {
            step_type: serde_json::from_value::<StepType>(serde_json::Value::String(row.step_type))
                .map_err(|e| DataError::Corrupt(format!("type: {e}")))?,
            show_input: from_json::<ShowInput>("show_input", &row.show_input)?,
            metadata: from_json("metadata", &row.metadata)?,
            tags: from_json("tags", &row.tags)?,
            actions: from_json("actions", &row.actions)?,
            created_at: millis("created_at", row.created_at)?,
            start: millis_opt("start_at", row.start_at)?,
            end: millis_opt("end_at", row.end_at)?,
            id: row.id,
            thread_id: row.thread_id,
            parent_id: row.parent_id,
            name: row.name,
            input: row.input,
            output: row.output,
            is_error: row.is_error,
            streaming: row.streaming,
            language: row.language,
            feedback: None,
        })
    }
}

/// The columns [`ThreadRow`] reads.
pub(crate) const THREAD_COLUMNS: &str = "id, user_id, name, created_at, updated_at, tags, metadata";

#[derive(sqlx::FromRow)]
pub(crate) struct ThreadRow {
    id: String,
    user_id: String,
    name: Option<String>,
    created_at: i64,
    updated_at: i64,
    tags: String,
    metadata: String,
}

impl TryFrom<ThreadRow> for ThreadRecord {
    type Error = DataError;

    fn try_from(row: ThreadRow) -> DataResult<ThreadRecord> {
        Ok(ThreadRecord {
            tags: from_json("tags", &row.tags)?,
            metadata: from_json("metadata", &row.metadata)?,
            created_at: millis("created_at", row.created_at)?,
            updated_at: millis("updated_at", row.updated_at)?,
            id: row.id,
            user_id: row.user_id,
            name: row.name,
        })
    }
}

/// A line of the history list.
#[derive(sqlx::FromRow)]
pub(crate) struct SummaryRow {
    id: String,
    name: Option<String>,
    created_at: i64,
    updated_at: i64,
    /// A full-text search's passage, its matches between
    /// [`super::search::MARK_START`] and [`super::search::MARK_END`]
    /// (absent from other listings).
    #[sqlx(default)]
    snippet: Option<String>,
}

impl TryFrom<SummaryRow> for ThreadSummary {
    type Error = DataError;

    fn try_from(row: SummaryRow) -> DataResult<ThreadSummary> {
        Ok(ThreadSummary {
            name: row.name.unwrap_or_else(|| "New chat".into()),
            created_at: millis("created_at", row.created_at)?,
            updated_at: millis("updated_at", row.updated_at)?,
            snippet: row
                .snippet
                .as_deref()
                .and_then(super::search::snippet_from_marked),
            id: row.id,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: String,
    identifier: String,
    display_name: Option<String>,
    metadata: String,
    created_at: i64,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = DataError;

    fn try_from(row: UserRow) -> DataResult<UserRecord> {
        Ok(UserRecord {
            metadata: from_json("metadata", &row.metadata)?,
            created_at: millis("created_at", row.created_at)?,
            id: row.id,
            identifier: row.identifier,
            display_name: row.display_name,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FeedbackRow {
    id: String,
    thread_id: String,
    for_id: String,
    value: i32,
    comment: Option<String>,
    reasons: String,
}

impl TryFrom<FeedbackRow> for FeedbackRecord {
    type Error = DataError;

    fn try_from(row: FeedbackRow) -> DataResult<FeedbackRecord> {
        Ok(FeedbackRecord {
            reasons: from_json("reasons", &row.reasons)?,
            id: row.id,
            thread_id: row.thread_id,
            for_id: row.for_id,
            value: row.value,
            comment: row.comment,
        })
    }
}

/// The columns [`ElementRow`] reads, for `elements` aliased `e`.
pub(crate) const ELEMENT_COLUMNS: &str = "e.id, e.thread_id, e.for_id, e.kind, e.name, \
    e.display, e.size, e.mime, e.url, e.object_key, e.props, e.created_at, e.bytes";

#[derive(sqlx::FromRow)]
pub(crate) struct ElementRow {
    id: String,
    thread_id: String,
    for_id: Option<String>,
    kind: String,
    name: String,
    display: String,
    size: Option<String>,
    mime: Option<String>,
    url: Option<String>,
    object_key: Option<String>,
    props: String,
    created_at: i64,
    bytes: Option<i64>,
}

impl TryFrom<ElementRow> for Element {
    type Error = DataError;

    fn try_from(row: ElementRow) -> DataResult<Element> {
        let corrupt = |column: &str, value: &str| DataError::Corrupt(format!("{column} {value:?}"));
        let size = match row.size.as_deref() {
            Some(size) => Some(ElementSize::parse(size).ok_or_else(|| corrupt("size", size))?),
            None => None,
        };
        // Stored content is served by Loquat at the element's own path.
        let url = match row.object_key {
            Some(_) => Some(Element::content_path(&row.id)),
            None => row.url,
        };
        Ok(Element {
            kind: ElementKind::parse(&row.kind).ok_or_else(|| corrupt("kind", &row.kind))?,
            display: Display::parse(&row.display)
                .ok_or_else(|| corrupt("display", &row.display))?,
            props: from_json("props", &row.props)?,
            created_at: millis("created_at", row.created_at)?,
            bytes: millis_opt("bytes", row.bytes)?,
            size,
            url,
            thread_id: row.thread_id,
            for_id: row.for_id,
            name: row.name,
            mime: row.mime,
            id: row.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_times_are_damage_not_zero() {
        assert!(matches!(
            millis("created_at", -1),
            Err(DataError::Corrupt(_))
        ));
        assert_eq!(millis("created_at", 42).ok(), Some(42));
    }

    #[test]
    fn json_columns_name_the_column_when_they_do_not_parse() {
        let err = from_json::<Vec<String>>("tags", "{not json").err();
        assert!(matches!(err, Some(DataError::Corrupt(ref m)) if m.starts_with("tags:")));
    }
}
