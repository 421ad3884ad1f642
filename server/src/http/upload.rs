//! `POST /api/sessions/{session}/files?name=…[&ask=…]`: one file, the raw
//! request body. Checked against the question's rules (with `ask`) or the
//! spontaneous-upload configuration: size while it streams in, type from
//! its content (the browser's claim is ignored). Stored under a generated
//! id, and kept by the session until a message or an answer uses it.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use loquat_app::protocol::{AskKind, FileRules};
use loquat_app::units::human_size;
use serde::{Deserialize, Serialize};

use super::json_error::json_error;
use super::router::AppState;
use super::CurrentUser;

use crate::files::{accepts, detect_mime};
use crate::runtime::session::{Upload, MAX_PENDING_UPLOADS};

/// Longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 200;

#[derive(Deserialize)]
pub(crate) struct UploadQuery {
    name: String,
    #[serde(default)]
    ask: Option<String>,
}

/// What the browser gets back for a stored file.
#[derive(Serialize)]
struct Uploaded {
    id: String,
    name: String,
    mime: String,
    size: u64,
}

/// The name to show: its last path segment, without control characters.
pub(crate) fn clean_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().to_string();
    (!cleaned.is_empty() && cleaned != "." && cleaned != "..").then_some(cleaned)
}

pub(crate) async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(session_id): Path<String>,
    Query(query): Query<UploadQuery>,
    request: Request<Body>,
) -> Response {
    let runtime = &state.runtime;
    let Some(session) = runtime
        .session(&session_id)
        .filter(|s| !s.is_closed() && s.owner() == user.id())
    else {
        return json_error(StatusCode::NOT_FOUND, "no such chat session");
    };
    let rules = match &query.ask {
        Some(ask_id) => match session.pending_ask() {
            Some(ask) if &ask.id == ask_id => match ask.kind {
                AskKind::File(rules) => rules,
                _ => {
                    return json_error(
                        StatusCode::BAD_REQUEST,
                        "that question does not ask for files",
                    )
                }
            },
            _ => return json_error(StatusCode::NOT_FOUND, "that question is no longer waiting"),
        },
        None => {
            let config = &runtime.config.features.spontaneous_file_upload;
            if !config.enabled {
                return json_error(StatusCode::FORBIDDEN, "attaching files is turned off");
            }
            FileRules {
                accept: config.accept.clone(),
                max_size_bytes: u64::from(config.max_size_mb) * 1024 * 1024,
                max_files: config.max_files,
            }
        }
    };
    let Some(name) = clean_name(&query.name) else {
        return json_error(StatusCode::BAD_REQUEST, "the file needs a name");
    };
    let too_large = || {
        json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{name} is larger than the limit of {}",
                human_size(rules.max_size_bytes)
            ),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > rules.max_size_bytes) {
        return too_large();
    }
    let limit = usize::try_from(rules.max_size_bytes).unwrap_or(usize::MAX);
    let Ok(bytes) = axum::body::to_bytes(request.into_body(), limit).await else {
        return too_large();
    };
    let mime = detect_mime(&name, &bytes);
    if !accepts(&rules.accept, &name, &mime) {
        return json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "{name} ({mime}) is not an accepted type; accepted: {}",
                rules.accept.join(", ")
            ),
        );
    }
    let id = crate::ids::new_id();
    let size = bytes.len() as u64;
    if let Err(err) = runtime.files.put(&id, bytes).await {
        tracing::error!(error = %err, "storing an upload failed");
        return json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the file could not be stored",
        );
    }
    let upload = Upload {
        id: id.clone(),
        name: name.clone(),
        mime: mime.clone(),
        size,
        ask: query.ask.clone(),
    };
    if !session.add_upload(upload) {
        let _ = runtime.files.delete(&id).await;
        return json_error(
            StatusCode::TOO_MANY_REQUESTS,
            format!("at most {MAX_PENDING_UPLOADS} files can wait to be sent"),
        );
    }
    Json(Uploaded {
        id,
        name,
        mime,
        size,
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_lose_their_paths_and_control_characters() {
        use super::clean_name;
        assert_eq!(clean_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(
            clean_name("C:\\x\\report.pdf").as_deref(),
            Some("report.pdf")
        );
        assert_eq!(clean_name("a\u{0}b\nc.txt").as_deref(), Some("abc.txt"));
        assert_eq!(clean_name(".."), None);
        assert_eq!(clean_name("  "), None);
    }
}
