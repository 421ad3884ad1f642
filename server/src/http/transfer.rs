//! Download a conversation (JSON with every field, or JSONL in the OpenAI
//! fine-tuning chat format) and import a JSON download as a new thread.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::api_error::ApiError;
use super::body_deadline::read_whole;
use super::export_stream::json_body;
use super::CurrentUser;
use crate::data::transfer::{ImportedThread, ThreadExport};
use crate::ids::{ThreadId, UserId};
use crate::llm::ChatMessage;
use crate::runtime::{LiveThread, Runtime};
use crate::sdk::SerializeOptions;
use crate::time::now_millis;

/// Largest import accepted.
pub(crate) const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

const NOT_FOUND: ApiError = ApiError::NotFound("thread not found");

#[derive(Deserialize)]
pub(crate) struct ExportQuery {
    #[serde(default)]
    format: Option<String>,
}

/// The thread as the user sees it now: from its live session when one
/// shows it (so what is still streaming is included), else from history.
async fn load(runtime: &Runtime, user: &UserId, id: &ThreadId) -> Result<LiveThread, ApiError> {
    if let Some(live) = runtime.live_thread(user, id) {
        return Ok(live);
    }
    let data = &runtime.persistence.as_ref().ok_or(NOT_FOUND)?.data;
    let found = data.thread_with_steps(user, id).await;
    let elements = data.thread_elements(user, id).await;
    match (found, elements) {
        (Ok(Some((thread, steps))), Ok(elements)) => Ok((thread, steps, elements)),
        (Ok(None), _) => Err(NOT_FOUND),
        (Err(err), _) | (_, Err(err)) => {
            tracing::error!(error = %err, "export failed");
            Err(ApiError::Internal("the thread could not be read"))
        }
    }
}

/// `GET /api/threads/{id}/export?format=json|jsonl`
pub(crate) async fn export(
    State(runtime): State<Arc<Runtime>>,
    CurrentUser { id: user, .. }: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let id = ThreadId::parse(&id).ok_or(NOT_FOUND)?;
    let jsonl = match query.format.as_deref() {
        None | Some("json") => false,
        Some("jsonl") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "unknown format {other:?}; use json or jsonl"
            )))
        }
    };
    let (thread, steps, elements) = load(&runtime, &user, &id).await?;
    let stem = file_stem(thread.name.as_deref().unwrap_or("conversation"));
    let (body, extension, mime) = if jsonl {
        let messages = SerializeOptions::new().apply(&steps);
        (
            Body::from(fine_tuning_line(&messages)),
            "jsonl",
            "application/jsonl",
        )
    } else {
        let export = ThreadExport::new(&thread, steps, Vec::new());
        let body = json_body(runtime.files.clone(), export, elements)
            .map_err(|_| ApiError::Internal("export failed"))?;
        (body, "json", "application/json")
    };
    let disposition = format!("attachment; filename=\"{stem}.{extension}\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// One training example: `{"messages":[{role, content}, …]}` and a newline.
fn fine_tuning_line(messages: &[ChatMessage]) -> String {
    let line = serde_json::json!({ "messages": messages });
    format!("{line}\n")
}

/// A file name from a thread name: letters, digits and dashes only.
fn file_stem(name: &str) -> String {
    let mut stem = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            stem.push(c.to_ascii_lowercase());
        } else if !stem.ends_with('-') && !stem.is_empty() {
            stem.push('-');
        }
        if stem.len() >= 48 {
            break;
        }
    }
    let stem = stem.trim_end_matches('-');
    if stem.is_empty() {
        "conversation".into()
    } else {
        stem.to_string()
    }
}

/// `POST /api/threads/import` with an export as the body.
/// `Content-Type: application/json`, parameters (`; charset=utf-8`) aside.
/// Forms and `text/plain` (what a cross-site page can send without asking)
/// are not.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

pub(crate) async fn import(
    State(runtime): State<Arc<Runtime>>,
    CurrentUser { id: user, .. }: CurrentUser,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Some(persistence) = &runtime.persistence else {
        return Err(ApiError::NotFound("history is turned off"));
    };
    if !is_json(&headers) {
        return Err(ApiError::UnsupportedType(
            "an import is a JSON export sent as application/json".into(),
        ));
    }
    let body = read_whole(body, MAX_IMPORT_BYTES).await?;
    let export = ThreadExport::parse(&body).map_err(|err| ApiError::BadRequest(err.to_string()))?;
    let ImportedThread {
        thread_id,
        batch,
        files,
    } = export.into_new_thread(&user, now_millis());
    let keys: Vec<String> = files.iter().map(|(key, _)| key.clone()).collect();
    for (key, content) in files {
        if let Err(err) = runtime.files.put(&key, content).await {
            tracing::error!(error = %err, "storing imported content failed");
            crate::files::discard(&runtime.files, keys);
            return Err(ApiError::Internal("the import could not be stored"));
        }
    }
    match persistence.data.write(batch).await {
        Ok(()) => Ok((
            StatusCode::CREATED,
            Json(serde_json::json!({ "thread_id": thread_id })),
        )
            .into_response()),
        Err(err) => {
            tracing::error!(error = %err, "import failed");
            crate::files::discard(&runtime.files, keys);
            Err(ApiError::Internal("the import could not be stored"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_tame() {
        assert_eq!(file_stem("Hello, World! ../etc"), "hello-world-etc");
        assert_eq!(file_stem("…"), "conversation");
    }
}
