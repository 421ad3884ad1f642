//! Chainlit rows as Loquat records, or the reason a row cannot be one.
//!
//! Ids are kept as Chainlit wrote them (UUIDs fit Loquat's id rules), so a
//! second import upserts the same rows instead of adding copies.

use loquat_app::protocol::{
    Display, Element, ElementKind, ElementSize, ShowInput, Step, StepType,
    MAX_FEEDBACK_COMMENT_CHARS,
};
use serde_json::{Map, Value};

use super::rows::{ElementRow, FeedbackRow, StepRow, ThreadRow};
use super::time::iso_millis;
use super::SkipReason;
use crate::data::{FeedbackRecord, ThreadRecord};
use crate::ids::{ElementId, ThreadId};

/// Longest step id Loquat stores (as in a thread export).
const MAX_STEP_ID_LEN: usize = 128;

/// The identifier, when Loquat can keep a user under it.
pub fn identifier(identifier: &str) -> Result<&str, SkipReason> {
    match crate::ids::UserId::parse(identifier) {
        Some(_) => Ok(identifier),
        None => Err(SkipReason::BadIdentifier),
    }
}

/// A step (or feedback) id: not empty, not too long, printable.
pub fn step_id(id: &str) -> Result<&str, SkipReason> {
    let ok = !id.is_empty() && id.len() <= MAX_STEP_ID_LEN && !id.chars().any(char::is_control);
    ok.then_some(id).ok_or(SkipReason::MalformedId)
}

/// The thread, owned by the Loquat user `user_id`.
pub fn thread(row: ThreadRow, user_id: &str) -> Result<ThreadRecord, SkipReason> {
    let id = ThreadId::parse(&row.id).ok_or(SkipReason::MalformedId)?;
    let updated = row.updated_at.as_deref().and_then(iso_millis);
    let created_at = row
        .created_at
        .as_deref()
        .and_then(iso_millis)
        .or(updated)
        .ok_or(SkipReason::Malformed("createdAt"))?;
    Ok(ThreadRecord {
        id: id.into_string(),
        user_id: user_id.to_string(),
        name: row.name.filter(|name| !name.trim().is_empty()),
        created_at,
        updated_at: updated.unwrap_or(created_at).max(created_at),
        tags: tags(row.tags.as_deref())?,
        metadata: object(row.metadata.as_deref(), "metadata")?,
    })
}

/// The step, with its type mapped to Loquat's (unknown types become
/// `undefined`, as Chainlit shows them).
pub fn step(row: StepRow) -> Result<Step, SkipReason> {
    let id = step_id(&row.id)?.to_string();
    let thread_id = row.thread_id.ok_or(SkipReason::ThreadMissing)?;
    let start = row.start_at.as_deref().and_then(iso_millis);
    let created_at = row
        .created_at
        .as_deref()
        .and_then(iso_millis)
        .or(start)
        .ok_or(SkipReason::Malformed("createdAt"))?;
    Ok(Step {
        id,
        thread_id,
        parent_id: row.parent_id,
        name: row.name.unwrap_or_default(),
        step_type: step_type(&row.kind),
        input: row.input.unwrap_or_default(),
        output: row.output.unwrap_or_default(),
        is_error: row.is_error.unwrap_or(false),
        streaming: false,
        show_input: show_input(row.show_input.as_deref()),
        language: row.language.filter(|l| !l.is_empty()),
        metadata: object(row.metadata.as_deref(), "metadata")?,
        tags: tags(row.tags.as_deref())?,
        created_at,
        start,
        end: row.end_at.as_deref().and_then(iso_millis),
        actions: Vec::new(),
        feedback: None,
    })
}

/// The element, when the browser can load its content from its URL.
pub fn element(row: ElementRow) -> Result<Element, SkipReason> {
    let id = ElementId::parse(&row.id).ok_or(SkipReason::MalformedId)?;
    let thread_id = row.thread_id.ok_or(SkipReason::ThreadMissing)?;
    let url = match (row.url.filter(|u| !u.trim().is_empty()), row.object_key) {
        (Some(url), _) => crate::sdk::checked_url(&url).map_err(|_| SkipReason::BadUrl)?,
        (None, Some(key)) if !key.is_empty() => {
            return Err(SkipReason::BytesInChainlitStorage(key))
        }
        (None, _) => return Err(SkipReason::NoContent),
    };
    let mut props = match row.props.as_deref() {
        None => Value::Null,
        Some(text) => Value::Object(object(Some(text), "props")?),
    };
    if row.language.is_some() || row.page.is_some() {
        if !props.is_object() {
            props = Value::Object(Map::new());
        }
        if let Some(map) = props.as_object_mut() {
            if let Some(language) = row.language {
                map.insert("language".into(), Value::String(language));
            }
            if let Some(page) = row.page {
                map.insert("page".into(), Value::from(page));
            }
        }
    }
    Ok(Element {
        id: id.into_string(),
        thread_id,
        for_id: row.for_id,
        kind: row
            .kind
            .as_deref()
            .and_then(ElementKind::parse)
            .unwrap_or_default(),
        name: row.name,
        display: row
            .display
            .as_deref()
            .and_then(Display::parse)
            .unwrap_or_default(),
        size: row.size.as_deref().and_then(ElementSize::parse),
        mime: row.mime,
        url: Some(url),
        bytes: None,
        props,
        created_at: row.created_at.as_deref().and_then(iso_millis).unwrap_or(0),
    })
}

/// The feedback, one per step as Loquat keeps it. Chainlit's 1 is good;
/// 0 (and the -1 of older versions) is bad.
pub fn feedback(row: FeedbackRow) -> Result<FeedbackRecord, SkipReason> {
    let for_id = step_id(row.for_id.as_deref().ok_or(SkipReason::StepMissing)?)?.to_string();
    let thread_id = row.thread_id.ok_or(SkipReason::ThreadMissing)?;
    let value = if row.value == 1.0 {
        1
    } else if row.value == 0.0 || row.value == -1.0 {
        0
    } else {
        return Err(SkipReason::BadValue);
    };
    Ok(FeedbackRecord {
        id: for_id.clone(),
        thread_id,
        for_id,
        value,
        comment: row
            .comment
            .filter(|c| !c.is_empty())
            .map(|c| c.chars().take(MAX_FEEDBACK_COMMENT_CHARS).collect()),
        reasons: Vec::new(),
    })
}

fn step_type(kind: &str) -> StepType {
    serde_json::from_value(Value::String(kind.to_string())).unwrap_or_default()
}

/// Chainlit's `showInput`: `"true"`, `"false"`, or the language to
/// highlight the input as.
fn show_input(text: Option<&str>) -> ShowInput {
    match text.map(str::trim) {
        None | Some("" | "false" | "False") => ShowInput::Flag(false),
        Some("true" | "True") => ShowInput::Flag(true),
        Some(language) => ShowInput::Language(language.to_string()),
    }
}

/// A JSON object column; null or empty is an empty object. A JSON string
/// holding an object (JSON encoded twice, as some versions wrote it) is
/// unwrapped.
fn object(text: Option<&str>, column: &'static str) -> Result<Map<String, Value>, SkipReason> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(Map::new());
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(Value::String(inner)) => match serde_json::from_str::<Value>(&inner) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(SkipReason::Malformed(column)),
        },
        _ => Err(SkipReason::Malformed(column)),
    }
}

/// Tags as a JSON array of strings (the official layer's, through
/// `to_json`), or PostgreSQL's array text (`{travel,"two words"}`); null
/// is none.
fn tags(text: Option<&str>) -> Result<Vec<String>, SkipReason> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Vec::new());
    };
    if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        return postgres_array(inner).ok_or(SkipReason::Malformed("tags"));
    }
    serde_json::from_str::<Option<Vec<String>>>(text)
        .map(Option::unwrap_or_default)
        .map_err(|_| SkipReason::Malformed("tags"))
}

/// The elements of a one-dimensional PostgreSQL text array's inside:
/// comma-separated, each bare or double-quoted with backslash escapes;
/// bare `NULL`s are left out.
fn postgres_array(inner: &str) -> Option<Vec<String>> {
    let mut items = Vec::new();
    let mut chars = inner.chars().peekable();
    while chars.peek().is_some() {
        let mut item = String::new();
        let quoted = chars.peek() == Some(&'"');
        if quoted {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => item.push(chars.next()?),
                    c => item.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek().filter(|c| **c != ',') {
                item.push(*c);
                chars.next();
            }
        }
        if quoted || item != "NULL" {
            items.push(item);
        }
        match chars.next() {
            None | Some(',') => {}
            Some(_) => return None,
        }
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element_row(url: Option<&str>, object_key: Option<&str>) -> ElementRow {
        ElementRow {
            id: "d0000000-0000-4000-8000-000000000001".into(),
            thread_id: Some("t".into()),
            for_id: Some("s".into()),
            kind: Some("image".into()),
            name: "map".into(),
            display: Some("side".into()),
            size: None,
            mime: None,
            url: url.map(Into::into),
            object_key: object_key.map(Into::into),
            language: None,
            page: Some(3),
            props: None,
            created_at: None,
        }
    }

    fn feedback_row(value: f64) -> FeedbackRow {
        FeedbackRow {
            id: "f".into(),
            thread_id: Some("t".into()),
            for_id: Some("s".into()),
            value,
            comment: Some("x".repeat(MAX_FEEDBACK_COMMENT_CHARS + 5)),
        }
    }

    #[test]
    fn an_element_comes_over_only_with_a_url_the_browser_may_load() {
        let image = element(element_row(Some("https://example.com/a.png"), None)).unwrap();
        assert_eq!(image.kind, ElementKind::Image);
        assert_eq!(image.display, Display::Side);
        assert_eq!(image.props["page"], 3);
        assert_eq!(
            element(element_row(None, Some("u/e/a.png"))),
            Err(SkipReason::BytesInChainlitStorage("u/e/a.png".into()))
        );
        assert_eq!(element(element_row(None, None)), Err(SkipReason::NoContent));
        assert_eq!(
            element(element_row(Some("javascript:alert(1)"), None)),
            Err(SkipReason::BadUrl)
        );
    }

    #[test]
    fn feedback_values_are_good_or_bad_and_comments_bounded() {
        assert_eq!(feedback(feedback_row(1.0)).map(|f| f.value), Ok(1));
        assert_eq!(feedback(feedback_row(0.0)).map(|f| f.value), Ok(0));
        assert_eq!(feedback(feedback_row(-1.0)).map(|f| f.value), Ok(0));
        assert_eq!(feedback(feedback_row(0.5)), Err(SkipReason::BadValue));
        let kept = feedback(feedback_row(1.0)).unwrap();
        assert_eq!(kept.id, "s", "one feedback per step, keyed by it");
        assert_eq!(
            kept.comment.map(|c| c.chars().count()),
            Some(MAX_FEEDBACK_COMMENT_CHARS)
        );
    }

    #[test]
    fn show_input_and_json_columns_read_as_chainlit_writes_them() {
        assert_eq!(show_input(None), ShowInput::Flag(false));
        assert_eq!(show_input(Some("true")), ShowInput::Flag(true));
        assert_eq!(show_input(Some("json")), ShowInput::Language("json".into()));
        assert_eq!(step_type("tool"), StepType::Tool);
        assert_eq!(step_type("something_new"), StepType::Undefined);
        let twice = serde_json::to_string(r#"{"a":1}"#).unwrap();
        assert_eq!(object(Some(&twice), "metadata").unwrap()["a"], 1);
        assert_eq!(
            object(Some("[1]"), "metadata"),
            Err(SkipReason::Malformed("metadata"))
        );
        assert_eq!(tags(Some(r#"["a","b"]"#)).unwrap(), ["a", "b"]);
        assert_eq!(tags(Some("null")).unwrap(), Vec::<String>::new());
        assert_eq!(
            tags(Some(r#"{travel,"two words","a\"b",NULL}"#)).unwrap(),
            ["travel", "two words", "a\"b"]
        );
        assert_eq!(tags(Some("{}")).unwrap(), Vec::<String>::new());
        assert_eq!(tags(Some(r#"{"open"#)), Err(SkipReason::Malformed("tags")));
    }
}
