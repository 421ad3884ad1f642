//! Element routes: an element's stored content (`/element/{id}/content`),
//! a page of a dataframe's rows (`/element/{id}/rows`) and the element's
//! own page (`/element/{id}`). Each finds the element only among the
//! requesting user's threads; anything else is "not found".

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use leptos::prelude::provide_context;
use loquat_app::protocol::{Element, ElementKind};
use loquat_app::route::{ElementPageData, ThreadMissing};

use super::api_error::ApiError;
use super::router::AppState;
use super::CurrentUser;
use crate::files::FileError;
use crate::ids::ElementId;
use crate::sdk::{PageQuery, Table};

const NOT_FOUND: ApiError = ApiError::NotFound("element not found");

/// A storage failure as the browser sees it.
fn storage_failed(element: &Element, err: FileError) -> ApiError {
    match err {
        FileError::NotFound | FileError::InvalidKey => NOT_FOUND,
        err => {
            tracing::error!(element = %element.id, error = %err, "reading element content failed");
            ApiError::Internal("the content could not be read")
        }
    }
}

/// The element, if the request's user may see it.
async fn find(state: &AppState, id: &ElementId, user: &CurrentUser) -> Option<Element> {
    match state.runtime.find_element(user.id(), id).await {
        Ok(found) => found,
        Err(err) => {
            tracing::error!(element = %id, error = %err, "element lookup failed");
            None
        }
    }
}

/// The stored bytes of a found element, whole (for a table's rows).
async fn stored_bytes(state: &AppState, element: &Element) -> Result<bytes::Bytes, ApiError> {
    if !crate::files::is_stored(element) {
        return Err(NOT_FOUND);
    }
    state
        .runtime
        .files
        .get(&element.id)
        .await
        .map_err(|err| storage_failed(element, err))
}

/// MIME types served as themselves; anything else is a download, so no
/// stored file can run as a page of this site.
fn served_type(element: &Element) -> &str {
    const INLINE: [&str; 7] = [
        "image/",
        "audio/",
        "video/",
        "application/pdf",
        "application/json",
        "text/plain",
        "text/csv",
    ];
    match element.mime.as_deref() {
        Some(mime) if INLINE.iter().any(|p| mime.starts_with(p)) => mime,
        _ => "application/octet-stream",
    }
}

/// What a `Range` header asks of `total` bytes: `None` when it is not a
/// byte range this server understands (then it is ignored), `Some(None)`
/// when it cannot be satisfied, else the inclusive range. Only the first
/// range of a list is served.
fn byte_range(header: &str, total: u64) -> Option<Option<(u64, u64)>> {
    let spec = header.trim().strip_prefix("bytes=")?;
    let first = spec.split(',').next()?.trim();
    let (start, end) = first.split_once('-')?;
    let (start, end): (Option<u64>, Option<u64>) = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().ok()?;
            (Some(total.saturating_sub(n)), None)
        }
        (start, "") => (Some(start.parse().ok()?), None),
        (start, end) => (Some(start.parse().ok()?), Some(end.parse().ok()?)),
    };
    let Some(last) = total.checked_sub(1) else {
        return Some(None);
    };
    let start = start.unwrap_or(0);
    let end = end.map_or(last, |e| e.min(last));
    Some((start <= end && start < total).then_some((start, end)))
}

/// A file name safe inside a quoted `Content-Disposition` parameter.
fn download_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '/' | ';') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    if cleaned.trim().is_empty() {
        "download".into()
    } else {
        cleaned
    }
}

pub(crate) async fn content(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    request: Request<Body>,
) -> Result<Response, ApiError> {
    let id = ElementId::parse(&id).ok_or(NOT_FOUND)?;
    let element = find(&state, &id, &user).await.ok_or(NOT_FOUND)?;
    if !crate::files::is_stored(&element) {
        return Err(NOT_FOUND);
    }
    let files = &state.runtime.files;
    let total = files
        .size(&element.id)
        .await
        .map_err(|err| storage_failed(&element, err))?;
    let mime = served_type(&element);
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| byte_range(v, total));
    // Only the bytes asked for are read, as they are sent: players seek
    // with ranges, and a large video is never held in memory.
    let (status, start, end) = match range {
        Some(Some((start, end))) => (StatusCode::PARTIAL_CONTENT, start, end),
        Some(None) => {
            let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{total}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(response);
        }
        None => (StatusCode::OK, 0, total.saturating_sub(1)),
    };
    let body = if total == 0 {
        Body::empty()
    } else {
        let stream = files
            .read_range(&element.id, start..=end)
            .await
            .map_err(|err| storage_failed(&element, err))?;
        Body::from_stream(stream)
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{end}/{total}")) {
            headers.insert(header::CONTENT_RANGE, value);
        }
    }
    let length = if total == 0 { 0 } else { end - start + 1 };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(value) = HeaderValue::from_str(mime) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    // An SVG opened on its own may not run scripts; PDFs are left to the
    // browser's viewer, which a sandbox would block.
    if mime != "application/pdf" {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'; style-src 'unsafe-inline'"),
        );
    }
    let disposition = if element.kind == ElementKind::File || mime == "application/octet-stream" {
        "attachment"
    } else {
        "inline"
    };
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{disposition}; filename=\"{}\"",
        download_name(&element.name)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

pub(crate) async fn rows(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let id = ElementId::parse(&id).ok_or(NOT_FOUND)?;
    let element = find(&state, &id, &user).await.ok_or(NOT_FOUND)?;
    if element.kind != ElementKind::Dataframe {
        return Err(ApiError::BadRequest(
            "the element is not a dataframe".into(),
        ));
    }
    let bytes = stored_bytes(&state, &element).await?;
    match serde_json::from_slice::<Table>(&bytes) {
        Ok(table) => Ok(Json(table.page(&query)).into_response()),
        Err(err) => {
            tracing::error!(element = %id, error = %err, "stored dataframe is unreadable");
            Err(ApiError::Internal("the table could not be read"))
        }
    }
}

/// `/element/{id}`: the element on a page of its own, or not-found (404).
pub(crate) async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    request: Request<Body>,
) -> Response {
    let element = match ElementId::parse(&id) {
        Some(id) => find(&state, &id, &user).await,
        None => None,
    };
    let missing = element.is_none();
    let mut response = state
        .render_page(request, move || match &element {
            Some(element) => provide_context(ElementPageData(element.clone())),
            None => provide_context(ThreadMissing),
        })
        .await;
    if missing {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_what_players_ask() {
        assert_eq!(byte_range("bytes=0-9", 100), Some(Some((0, 9))));
        assert_eq!(byte_range("bytes=90-", 100), Some(Some((90, 99))));
        assert_eq!(byte_range("bytes=-10", 100), Some(Some((90, 99))));
        assert_eq!(byte_range("bytes=50-500", 100), Some(Some((50, 99))));
        assert_eq!(byte_range("bytes=100-", 100), Some(None));
        assert_eq!(byte_range("bytes=9-3", 100), Some(None));
        assert_eq!(byte_range("bytes=0-0", 0), Some(None));
        assert_eq!(byte_range("items=0-1", 100), None);
        assert_eq!(byte_range("bytes=x-1", 100), None);
    }

    #[test]
    fn download_names_cannot_break_the_header() {
        assert_eq!(download_name("report.pdf"), "report.pdf");
        assert_eq!(download_name("a\"b\r\nc/d"), "a_b__c_d");
        assert_eq!(download_name(""), "download");
    }

    #[test]
    fn only_passive_types_are_served_as_themselves() {
        let mut element = Element {
            mime: Some("text/html".into()),
            ..Default::default()
        };
        assert_eq!(served_type(&element), "application/octet-stream");
        element.mime = Some("image/png".into());
        assert_eq!(served_type(&element), "image/png");
        element.mime = None;
        assert_eq!(served_type(&element), "application/octet-stream");
    }
}
