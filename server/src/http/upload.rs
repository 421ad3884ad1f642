//! `POST /api/sessions/{session}/files?name=…[&ask=…]`: one file, the raw
//! request body. Checked against the question's rules (with `ask`) or the
//! spontaneous-upload configuration: size while it streams in, type from
//! its content (the browser's claim is ignored). Stored under a generated
//! id, and kept by the session until a message or an answer uses it.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, Request};
use axum::Json;
use futures_util::{Stream, StreamExt};
use loquat_app::protocol::{AskKind, FileRules};
use loquat_app::units::human_size;
use serde::{Deserialize, Serialize};

use super::api_error::ApiError;
use super::body_deadline::BodyStalled;
use super::router::AppState;
use super::CurrentUser;

use crate::cluster::wire::Placement;
use crate::cluster::Cluster;
use crate::files::{accepts, detect_mime, ByteStream, FileError, SNIFF_BYTES};
use crate::ids::{ElementId, SessionId};
use crate::runtime::session::{Session, Upload, UploadSlot};
use crate::runtime::Runtime;

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
pub(crate) struct Uploaded {
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

/// Why an upload's body stopped short.
#[derive(Debug, Clone, Copy, thiserror::Error)]
enum UploadCut {
    #[error("larger than allowed")]
    TooLarge,
    #[error(transparent)]
    Stalled(BodyStalled),
    #[error("the upload was interrupted")]
    Interrupted,
}

impl UploadCut {
    fn from_body(err: &axum::Error) -> UploadCut {
        BodyStalled::of(err).map_or(UploadCut::Interrupted, UploadCut::Stalled)
    }

    fn of(err: &std::io::Error) -> UploadCut {
        err.get_ref()
            .and_then(|inner| inner.downcast_ref::<UploadCut>())
            .copied()
            .unwrap_or(UploadCut::Interrupted)
    }
}

/// The rules the upload is checked against: the question's, or those of
/// spontaneous uploads.
/// What an upload into `session` may be: the rules for the file and a
/// place among the session's uploads (its room is the bytes left).
pub(crate) fn plan(
    runtime: &Runtime,
    session: &Arc<Session>,
    ask: Option<&str>,
) -> Result<(FileRules, UploadSlot), ApiError> {
    let rules = rules_for(runtime, session, ask)?;
    let slot = session
        .begin_upload()
        .map_err(|refusal| ApiError::TooMany(refusal.to_string()))?;
    Ok((rules, slot))
}

/// Where an upload goes once stored: its session here (holding a place
/// among its uploads), or, in a cluster, the session's node.
enum Target {
    Local(Arc<Session>, #[allow(dead_code)] UploadSlot),
    Remote(Arc<Cluster>, Placement),
}

fn rules_for(
    runtime: &Runtime,
    session: &Session,
    ask: Option<&str>,
) -> Result<FileRules, ApiError> {
    if let Some(ask_id) = ask {
        return match session.pending_ask() {
            Some(ask) if ask.id == ask_id => match ask.kind {
                AskKind::File(rules) => Ok(rules),
                _ => Err(ApiError::BadRequest(
                    "that question does not ask for files".into(),
                )),
            },
            _ => Err(ApiError::NotFound("that question is no longer waiting")),
        };
    }
    let config = &runtime.config.features.spontaneous_file_upload;
    if !config.enabled {
        return Err(ApiError::Forbidden("attaching files is turned off".into()));
    }
    Ok(FileRules {
        accept: config.accept.clone(),
        max_size_bytes: u64::from(config.max_size_mb) * 1024 * 1024,
        max_files: config.max_files,
    })
}

/// The first `SNIFF_BYTES` (or all, when shorter) of the body.
async fn read_head<S>(body: &mut S) -> Result<Bytes, UploadCut>
where
    S: Stream<Item = Result<Bytes, axum::Error>> + Unpin,
{
    let mut head = bytes::BytesMut::new();
    while head.len() < SNIFF_BYTES {
        match body.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(err)) => return Err(UploadCut::from_body(&err)),
            None => break,
        }
    }
    Ok(head.freeze())
}

/// `head` and then the rest of `body`, cut off past `limit` bytes.
fn counted<S>(head: Bytes, body: S, limit: u64) -> ByteStream
where
    S: Stream<Item = Result<Bytes, axum::Error>> + Send + 'static,
{
    let mut seen = head.len() as u64;
    let rest = body.map(move |chunk| {
        let chunk = chunk.map_err(|err| std::io::Error::other(UploadCut::from_body(&err)))?;
        seen += chunk.len() as u64;
        if seen > limit {
            return Err(std::io::Error::other(UploadCut::TooLarge));
        }
        Ok(chunk)
    });
    Box::pin(futures_util::stream::once(async move { Ok(head) }).chain(rest))
}

pub(crate) async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(session_id): Path<String>,
    Query(query): Query<UploadQuery>,
    request: Request<Body>,
) -> Result<Json<Uploaded>, ApiError> {
    let runtime = &state.runtime;
    let id = SessionId::parse(&session_id).ok_or(ApiError::NotFound("no such chat session"))?;
    let local = runtime
        .session(&id)
        .filter(|s| !s.is_closed() && s.owner() == user.id());
    let (rules, room, target) = match (local, &runtime.cluster) {
        (Some(session), _) => {
            let (rules, slot) = plan(runtime, &session, query.ask.as_deref())?;
            (rules, slot.room, Target::Local(session, slot))
        }
        // In a cluster the session may run on another node; the bytes go
        // to the storage every node shares.
        (None, Some(cluster)) => {
            let (placement, rules, room) = cluster
                .upload_plan(user.id(), &id, query.ask.clone())
                .await?;
            (rules, room, Target::Remote(cluster.clone(), placement))
        }
        (None, None) => return Err(ApiError::NotFound("no such chat session")),
    };
    let name = clean_name(&query.name)
        .ok_or_else(|| ApiError::BadRequest("the file needs a name".into()))?;
    let _permit = runtime
        .upload_permits
        .clone()
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::Busy(
                "the server is taking too many uploads at once; try again shortly".into(),
            )
        })?;
    let limit = rules.max_size_bytes.min(room);
    let too_large = || {
        ApiError::TooLarge(if limit < rules.max_size_bytes {
            format!(
                "{name} does not fit: the files waiting to be sent in this chat are \
                 limited to {} together",
                human_size(runtime.limits.uploads.max_pending_bytes)
            )
        } else {
            format!(
                "{name} is larger than the limit of {}",
                human_size(rules.max_size_bytes)
            )
        })
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let cut = |cut: UploadCut| match cut {
        UploadCut::TooLarge => too_large(),
        UploadCut::Stalled(stalled) => ApiError::Timeout(format!("{name}: {stalled}")),
        UploadCut::Interrupted => {
            ApiError::BadRequest(format!("{name}: the upload was interrupted"))
        }
    };
    // The type is read from the first bytes; the rest streams to storage.
    let mut body = request.into_body().into_data_stream();
    let head = read_head(&mut body).await.map_err(cut)?;
    if head.len() as u64 > limit {
        return Err(too_large());
    }
    let mime = detect_mime(&name, &head);
    if !accepts(&rules.accept, &name, &mime) {
        return Err(ApiError::UnsupportedType(format!(
            "{name} ({mime}) is not an accepted type; accepted: {}",
            rules.accept.join(", ")
        )));
    }
    // It becomes the id of the element the upload is shown as.
    let id = ElementId::generate().into_string();
    let size = match runtime
        .files
        .put_stream(&id, counted(head, body, limit))
        .await
    {
        Ok(size) => size,
        Err(FileError::Incomplete(err)) => return Err(cut(UploadCut::of(&err))),
        Err(err) => {
            tracing::error!(error = %err, "storing an upload failed");
            return Err(ApiError::Internal("the file could not be stored"));
        }
    };
    let upload = Upload {
        id: id.clone(),
        name: name.clone(),
        mime: mime.clone(),
        size,
        ask: query.ask.clone(),
    };
    let kept = match &target {
        Target::Local(session, _) => session.add_upload(upload),
        Target::Remote(cluster, placement) => cluster.upload_add(placement, upload).await?,
    };
    if !kept {
        let _ = runtime.files.delete(&id).await;
        return Err(too_large());
    }
    Ok(Json(Uploaded {
        id,
        name,
        mime,
        size,
    }))
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
